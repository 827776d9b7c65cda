import BenchKit
import Foundation
import Testing

/// The nightly gate's memory: per-machine fingerprints, history directories, pooled references
/// and the plan that decides what is a verdict and what only a reference.
@Suite struct MachineHistoryTests {
    func temporaryRoot() -> String { NSTemporaryDirectory() + "cribench-history-\(UUID().uuidString.prefix(8))" }

    func results(run: String, pullNs: Int64, kernel: String = "6.1.0", cpu: String = "Test CPU") -> ResultSet {
        let environment = ResultSet.Environment(
            goarch: "amd64", cpu: cpu, cpuCount: 2, host: "node-1", runtime: "containerd v1.6.20",
            endpoint: "unix:///run/test.sock", handlers: ["oci": "runc", "wasm": "wasm"], kernel: kernel)
        var results = ResultSet(runID: run, environment: environment)
        results.flows["ImageInCri"] = ["pull"]
        for index in 0..<12 {
            results.record(
                flow: "ImageInCri", operations: ["pull"], kind: .oci, durations: [pullNs + Int64(index) * 100_000],
                window: [0, 0])
        }
        results.finishedAt = Date()
        return results
    }

    @Test func theFingerprintIsStableAndTellsMachinesApart() {
        let one = MachineFingerprint(results(run: "a", pullNs: 1).environment)
        let again = MachineFingerprint(results(run: "b", pullNs: 2).environment)
        let otherKernel = MachineFingerprint(results(run: "c", pullNs: 1, kernel: "6.12.0").environment)
        let otherCPU = MachineFingerprint(results(run: "d", pullNs: 1, cpu: "Other CPU").environment)
        #expect(one.id == again.id)
        #expect(one.id.hasPrefix("m-") && one.id.count == 18)
        #expect(Set([one.id, otherKernel.id, otherCPU.id]).count == 3)
        #expect(one.description.contains("kernel 6.1.0") && one.description.contains("oci=runc wasm=wasm"))
    }

    @Test func pooledRunsTakeTheMedianOfMediansAndAllSamples() throws {
        let runs = [50.0, 90.0, 60.0].enumerated().map { index, p50 in
            Baseline(
                recordedOn: "m", runID: "r\(index)", p50Ns: ["F/op/oci": p50], harnessOverheadP50Ns: p50 / 100,
                samplesNs: ["F/op/oci": [Int64(p50), Int64(p50)]])
        }
        let pooled = try #require(Baseline.pooled(runs))
        #expect(pooled.p50Ns["F/op/oci"] == 60)
        #expect(pooled.samplesNs?["F/op/oci"]?.count == 6)
        #expect(pooled.harnessOverheadP50Ns == 0.6)
        #expect(Baseline.pooled([]) == nil)
    }

    @Test func historyKeepsTheNewestRunsOfOneMachineOnly() throws {
        let root = temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = results(run: "r1", pullNs: 10_000_000)
        let history = MachineHistory(root: root, machine: MachineFingerprint(first.environment))
        #expect(try history.recent(5).isEmpty)
        for (index, p50) in [10_000_000, 11_000_000, 12_000_000].enumerated() {
            var baseline = Baseline(from: results(run: "r\(index)", pullNs: Int64(p50)))
            baseline.recordedAt = Date(timeIntervalSince1970: 1_000 + Double(index))
            try history.append(baseline)
        }
        #expect(try history.recent(2).map(\.runID) == ["r1", "r2"], "oldest first, newest kept")
        let other = MachineHistory(
            root: root, machine: MachineFingerprint(results(run: "x", pullNs: 1, kernel: "5.10").environment))
        #expect(try other.recent(5).isEmpty, "another machine's history is its own")
        #expect(FileManager.default.fileExists(atPath: "\(history.directory)/machine.json"))
    }

    @Test func aMachineWithoutHistoryRecordsItsFirstRunAndTheNextIsGated() throws {
        let root = temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = GatePlan(
            gate: RegressionGate(threshold: 1.3, noiseFloorNs: 2_000_000), historyRoot: root, historyDepth: 5,
            baselinePath: nil)
        let first = results(run: "r1", pullNs: 50_000_000)
        let firstEvaluation = try plan.evaluate(first, baseline: nil)
        #expect(
            firstEvaluation.firstRunOfMachine && firstEvaluation.verdict == nil && firstEvaluation.failureMessage == nil
        )
        #expect(try plan.record(first, evaluation: firstEvaluation) != nil)

        let same = try plan.evaluate(results(run: "r2", pullNs: 51_000_000), baseline: nil)
        #expect(!same.firstRunOfMachine && same.verdict != nil && same.failures.isEmpty)

        let slower = results(run: "r3", pullNs: 80_000_000)
        let slowerEvaluation = try plan.evaluate(slower, baseline: nil)
        #expect(slowerEvaluation.failures.map(\.key) == ["ImageInCri/pull/oci"])
        #expect(slowerEvaluation.failureMessage?.contains("ImageInCri/pull/oci") == true)
        #expect(try plan.record(slower, evaluation: slowerEvaluation) == nil, "a failing run does not join the history")
    }

    @Test func aBaselineOfAnotherMachineIsAReferenceNeverAVerdict() throws {
        let foreign = Baseline(from: results(run: "elsewhere", pullNs: 10_000_000, cpu: "Other CPU"))
        let plan = GatePlan(
            gate: RegressionGate(threshold: 1.3, noiseFloorNs: 2_000_000), historyRoot: nil, historyDepth: 5,
            baselinePath: "committed.json")
        let evaluation = try plan.evaluate(results(run: "now", pullNs: 50_000_000), baseline: foreign)
        #expect(
            evaluation.verdict == nil && evaluation.failureMessage == nil,
            "5x slower than another machine is not a regression")
        #expect(evaluation.reference?.findings.first?.verdict == .regressed, "but the reference shows the difference")
        #expect(evaluation.notes.contains { $0.contains("another machine") })

        let own = Baseline(from: results(run: "before", pullNs: 10_000_000))
        let gated = try plan.evaluate(results(run: "now", pullNs: 50_000_000), baseline: own)
        #expect(gated.failures.count == 1, "a baseline of this very machine is a verdict")
    }
}
