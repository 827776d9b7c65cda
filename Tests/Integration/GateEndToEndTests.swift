import BenchKit
import CRIClient
import Foundation
import Testing

/// The nightly gate on the real runtime: a machine's first run records its baseline, an
/// unchanged second run passes, and a runtime made slower in one place is reported as a
/// regression of exactly the op it slowed.
@Suite("Regression gate end to end", .serialized, .timeLimit(.minutes(5)))
struct GateEndToEndTests {
    @Test(ProbeRuntime.availableOrCI)
    func unchangedRunsPassAndASlowerRuntimeFailsNamingExactlyTheOpItSlowed() async throws {
        let probe = try ProbeRuntime.required()
        let scratch = NSTemporaryDirectory() + "cribench-gate-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let arguments = [
            "run", "--flows", "container", "--samples", "12", "--warmup", "2", "--oci-handler", ProbeRuntime.handler,
            "--history", "\(scratch)/history", "--results-dir", "\(scratch)/results", "--threshold", "1.5",
            "--noise-floor-ms", "150",
        ]
        let ledger = ["CRIBENCH_LEDGER_DIR": "\(scratch)/ledger"]

        // The history's runs: one file per passing run, named TIME-RUNID.json.
        func recordedRuns() throws -> [String] {
            let machines = try FileManager.default.contentsOfDirectory(atPath: "\(scratch)/history")
            try #require(machines.count == 1, "one machine: \(machines)")
            return try FileManager.default.contentsOfDirectory(atPath: "\(scratch)/history/\(machines[0])/runs")
                .sorted()
        }
        func runID(_ run: (code: Int32, out: String, err: String)) -> String {
            BenchProcess.runID(announcedIn: run.err) ?? "?"
        }

        let first = try BenchProcess.run(arguments, environment: ledger)
        #expect(first.code == 0, "first run: \(first.err)")
        #expect(first.err.contains("recorded this machine's first baseline"), "\(first.err)")
        #expect(try recordedRuns().map { $0.hasSuffix("-\(runID(first)).json") } == [true])

        let second = try BenchProcess.run(arguments, environment: ledger)
        #expect(second.code == 0, "an unchanged second run passes: \(second.err)")
        #expect(second.err.contains("no regression in 10 op(s) against this machine's last 1 run(s)"), "\(second.err)")
        #expect(try recordedRuns().count == 2 && recordedRuns()[1].hasSuffix("-\(runID(second)).json"))

        // Against a history of one 12-sample run, unchanged ops of this VM were seen up to 1.55x
        // and 22 ms apart (StopContainer, 40 vs 62 ms, on both sides at once): the test gates at
        // 1.5x with a 150 ms noise floor and slows start by 400 ms, far above both.
        try probe.slowDownContainerCreate(milliseconds: 400)
        defer { try? probe.restore() }
        let slowed = try BenchProcess.run(arguments, environment: ledger)
        try probe.restore()
        let flagged = slowed.err.split(separator: "\n").filter { $0.contains("REGRESSION ") }
            .compactMap { $0.split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) } }
        #expect(slowed.code != 0, "a runtime 400 ms slower to create app containers fails the gate: \(slowed.err)")
        #expect(flagged == ["ContainerInCri/start/oci"], "exactly StartContainer of the slowed side: \(slowed.err)")
        #expect(try recordedRuns().count == 2, "a failing run is not added to the history")
    }
}
