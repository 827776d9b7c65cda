import BenchKit
import Foundation
import Testing

/// Any number of sides in one interleaved run, and `bench ab`'s verdict of side b against side a
/// measured in the same run, on the real runtime.
@Suite("Sides and A/B", .serialized, .timeLimit(.minutes(10)))
struct SidesAndABTests {
    func scratch() -> String { NSTemporaryDirectory() + "cribench-sides-\(randomSuffix(length: 6))" }

    /// runc, the probe handler and wasm in one run: every op has samples of all three, each
    /// sample starts with the next side in turn, and bench.txt, summary.md and chart.svg carry
    /// the three (bench.txt read by a parser of Go's benchmark format of the test's own).
    @Test func threeSidesAreInterleavedInTurnAndReportedSideBySide() throws {
        let directory = scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Two warm-up samples: the first measured sample still starts with the first side.
        let run = try BenchProcess.run(
            [
                "run", "--flows", "reads,container", "--samples", "3", "--warmup", "2",
                "--side", "oci=runc", "--side", "probe=\(ProbeRuntime.handler)", "--side", "wasm=wasm",
                "--results-dir", "\(directory)/results",
            ], environment: ["CRIBENCH_LEDGER_DIR": "\(directory)/ledger"])
        #expect(run.code == 0, "\(run.err.suffix(1500))")
        let kinds = ["oci", "probe", "wasm"]
        // Go's benchmark format: "BenchmarkNAME[/key=value...] <iterations> <value> <unit>".
        var byKind: [String: Set<String>] = [:]
        for line in run.out.split(separator: "\n") where line.hasPrefix("Benchmark") {
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            // The name ends in "-GOMAXPROCS".
            if let dash = fields.first?.lastIndex(of: "-"),
                fields[0][fields[0].index(after: dash)...].allSatisfy(\.isNumber)
            {
                fields[0] = fields[0][..<dash]
            }
            guard fields.count >= 4, Int(fields[1]) != nil, Double(fields[2]) != nil, fields[3] == "ns/op" else {
                Issue.record("not a benchmark result line: \(line)")
                continue
            }
            let parts = fields[0].split(separator: "/")
            guard let kind = parts.first(where: { $0.hasPrefix("kind=") })?.dropFirst(5),
                let op = parts.first(where: { $0.hasPrefix("op=") })
            else { continue }
            byKind[String(kind), default: []].insert("\(parts[0])/\(op)")
        }
        #expect(byKind.keys.sorted() == kinds)
        #expect(Set(kinds.map { byKind[$0] ?? [] }).count == 1, "every op has samples of every side: \(byKind)")

        let directoryName = try #require(
            try FileManager.default.contentsOfDirectory(atPath: "\(directory)/results").first)
        let results = try JSONReporter.load(
            try Data(contentsOf: URL(fileURLWithPath: "\(directory)/results/\(directoryName)/results.json")))
        #expect(results.kinds.map(\.rawValue) == kinds, "the reference side first")
        // Each sample's first side, from the start times cri-tools' files record per sample.
        let starts = try kinds.map { kind -> [Int64] in
            let file = "\(directory)/results/\(directoryName)/critest-ContainerInCri-\(kind).json"
            let object =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
            return (object?["datapoints"] as? [[String: Any]] ?? []).compactMap {
                ($0["startTime"] as? NSNumber)?.int64Value
            }
        }
        try #require(starts.allSatisfy { $0.count == 3 }, "\(starts)")
        let firsts = (0..<3).map { sample in kinds[starts.indices.min { starts[$0][sample] < starts[$1][sample] }!] }
        #expect(firsts == kinds, "sample 1 starts with oci, 2 with probe, 3 with wasm")
        let summary = try String(contentsOfFile: "\(directory)/results/\(directoryName)/summary.md", encoding: .utf8)
        #expect(
            summary.contains("| op | OCI p50 | probe p50 | wasm p50 | probe/OCI | wasm/OCI |"),
            "\(summary.prefix(1200))")
        let chart = try String(contentsOfFile: "\(directory)/results/\(directoryName)/chart.svg", encoding: .utf8)
        #expect(kinds.allSatisfy { chart.contains(">\($0) (") }, "a legend entry per side")
    }

    /// The probe handler made 100 ms slower to create app containers, against runc: bench ab
    /// names exactly the op the delay lands in (runc create runs at StartContainer).
    @Test(ProbeRuntime.availableOrCI)
    func abNamesExactlyTheOpASlowerCandidateSlowed() throws {
        let probe = try ProbeRuntime.required()
        let directory = scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try probe.slowDownContainerCreate(milliseconds: 100)
        defer { try? probe.restore() }
        // The probe is runc behind a shell script: a few ms slower on every runc call, which a
        // 30 ms noise floor keeps out of the verdict.
        let ab = try BenchProcess.run(
            [
                "ab", "--a", "runc", "--b", ProbeRuntime.handler, "--flows", "container", "--samples", "12",
                "--warmup", "2", "--noise-floor-ms", "30", "--results-dir", "\(directory)/results",
            ],
            environment: ["CRIBENCH_LEDGER_DIR": "\(directory)/ledger"])
        try probe.restore()
        let flagged = ab.err.split(separator: "\n").filter { $0.contains("REGRESSION ") }
            .compactMap { $0.split(separator: " ").dropFirst(2).first.map { String($0.dropLast()) } }
        #expect(ab.code != 0, "\(ab.err.suffix(1500))")
        #expect(flagged == ["ContainerInCri/start/b"], "\(ab.err.suffix(1500))")
    }

    /// Two handlers that both refuse what a flow times (neither wasm handler can exec): bench ab
    /// fails, saying it compared nothing and what each runtime answered, after writing its
    /// reports, and leaves nothing behind.
    @Test func abOfTwoSidesThatBothRefuseFailsNamingTheirAnswers() async throws {
        let directory = scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ab = try BenchProcess.run(
            [
                "ab", "--a", "wasm", "--b", "wasm-shim", "--flows", "exec", "--samples", "3", "--warmup", "0",
                "--results-dir", "\(directory)/results",
            ],
            environment: ["CRIBENCH_LEDGER_DIR": "\(directory)/ledger"])
        #expect(ab.code == 1, "\(ab.err.suffix(1500))")
        let error = ab.err.split(separator: "\n").last { $0.hasPrefix("Error: ") } ?? ""
        #expect(error.contains("side a (wasm) and side b (wasm-shim) measured no op in common"), "\(error)")
        #expect(error.contains("a refused ExecInCri: ") && error.contains("exec is not supported for wasm instance"))
        #expect(error.contains("b refused ExecInCri: ") && error.contains("Exec is not supported by the wasm-shim"))
        let runs = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/results")
        #expect(
            runs.count == 1 && FileManager.default.fileExists(atPath: "\(directory)/results/\(runs[0])/results.json"))
        let runID = try #require(BenchProcess.runID(announcedIn: ab.err))
        #expect(try await runLeftovers(runID) == 0)
    }

    /// A/A: runc against a second handler that is runc, registered with the helper script (which
    /// restarts containerd only when the handlers change), five runs in a row: no verdict.
    @Test(.enabled(if: getuid() == 0, "registers a runtime handler, which restarts containerd"))
    func abOfRuncAgainstItselfRaisesNothingInFiveRuns() throws {
        let script = BenchProcess.repository.appendingPathComponent("scripts/add-runtime-handler.sh").path
        let runc = try #require(
            ["/usr/sbin/runc", "/usr/bin/runc"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let handler = "runc-aa-\(randomSuffix(length: 4).lowercased())"
        let added = try ChildProcess.run(
            "/bin/bash", [script, handler, runc], environment: ChildProcess.cleanEnvironment)
        try #require(added.code == 0, "\(added.err)")
        defer {
            _ = try? ChildProcess.run(
                "/bin/bash", [script, "--remove", handler], environment: ChildProcess.cleanEnvironment)
        }
        let again = try ChildProcess.run(
            "/bin/bash", [script, handler, runc], environment: ChildProcess.cleanEnvironment)
        #expect(again.code == 0 && again.err.contains("containerd keeps running"), "\(again.err)")

        let directory = scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var largest: (ratio: Double, op: String) = (0, "")
        for round in 1...5 {
            let ab = try BenchProcess.run(
                [
                    "ab", "--a", "runc", "--b", handler, "--flows", "container,pod", "--samples", "12", "--warmup", "2",
                    "--results-dir", "\(directory)/results-\(round)",
                ], environment: ["CRIBENCH_LEDGER_DIR": "\(directory)/ledger"])
            #expect(ab.code == 0 && !ab.err.contains("REGRESSION"), "round \(round): \(ab.err.suffix(1500))")
            let name = try #require(
                try FileManager.default.contentsOfDirectory(atPath: "\(directory)/results-\(round)").first)
            let results = try JSONReporter.load(
                try Data(contentsOf: URL(fileURLWithPath: "\(directory)/results-\(round)/\(name)/results.json")))
            let gate = RegressionGate(threshold: 1.15, noiseFloorNs: 2e6, significance: 0.01)
            for finding in try ABComparison.compare(
                results, reference: .init(rawValue: "a"), candidate: .init(rawValue: "b"), gate: gate
            ).findings {
                if let judged = finding.judgedRatio, judged > largest.ratio { largest = (judged, finding.key) }
            }
        }
        let removed = try ChildProcess.run(
            "/bin/bash", [script, "--remove", handler], environment: ChildProcess.cleanEnvironment)
        #expect(removed.code == 0, "\(removed.err)")
        #expect(largest.ratio > 0, "the A/A runs were judged op by op")
        print(
            "A/A, 5 runs: the largest shift of b over a was \(String(format: "%.2f", largest.ratio))x (\(largest.op))")
    }
}
