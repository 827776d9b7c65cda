import BenchKit
import Foundation
import Testing

@Suite("bench ab: comparison")
struct ABComparisonTests {
    let gate = RegressionGate(threshold: 1.15, noiseFloorNs: 2e6, significance: 0.01)
    let a = WorkloadKind(rawValue: "a")
    let b = WorkloadKind(rawValue: "b")

    /// Both sides create containers alike; only side a could exec.
    func run(bRefusedExec: Bool) -> ResultSet {
        var results = ResultSet(
            runID: "ab",
            environment: .init(
                goarch: "amd64", cpu: "test", cpuCount: 2, host: "h", runtime: "r", endpoint: "e",
                handlers: ["a": "runc", "b": "wasm-shim"]))
        results.flows = ["ContainerInCri": ["create"], "ExecInCri": ["exec-sync"]]
        for index in 0..<12 {
            let duration = 40_000_000 + Int64(index) * 100_000
            for side in [a, b] {
                results.record(
                    flow: "ContainerInCri", operations: ["create"], kind: side, durations: [duration], window: [0, 0])
            }
            results.record(
                flow: "ExecInCri", operations: ["exec-sync"], kind: a, durations: [duration / 2], window: [0, 0])
        }
        if bRefusedExec {
            results.notMeasured = [
                NotMeasured(flow: "ExecInCri", kind: b, runtimeAnswer: "Exec is not supported by the wasm-shim handler")
            ]
        }
        return results
    }

    @Test func aFlowTheCandidateRefusedIsNamedWithItsAnswerNotCalledMissing() throws {
        let outcome = try ABComparison.compare(run(bRefusedExec: true), reference: a, candidate: b, gate: gate)
        #expect(!outcome.findings.contains { $0.key.hasPrefix("ExecInCri/") }, "\(outcome.findings.map(\.key))")
        #expect(outcome.findings.first { $0.key == "ContainerInCri/create/b" }?.verdict == .unchanged)
        #expect(
            outcome.refusalLines(reference: "a (runc)", candidate: "b (wasm-shim)") == [
                "b (wasm-shim) refused ExecInCri, which a (runc) measured: "
                    + "Exec is not supported by the wasm-shim handler"
            ])
        // Control: an op b simply did not report is still a missing op, which fails the gate.
        let silent = try ABComparison.compare(run(bRefusedExec: false), reference: a, candidate: b, gate: gate)
        #expect(silent.findings.first { $0.key == "ExecInCri/exec-sync/b" }?.verdict == .missing)
        #expect(silent.candidateRefusals.isEmpty)
    }
}
