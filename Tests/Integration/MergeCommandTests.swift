import BenchKit
import Foundation
import Testing

/// Three short runs as three "nodes" of a fleet (one with another handler for its OCI side),
/// merged: every node, op and sample is in the fleet report.
@Suite("bench merge", .serialized, .timeLimit(.minutes(5)))
struct MergeCommandTests {
    @Test func threeNodesMergeIntoOneReportBenchstatCanSplitByNode() throws {
        let scratch = NSTemporaryDirectory() + "cribench-merge-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let nodes = [("node-a", "runc"), ("node-b", "runc"), ("node-c", ProbeRuntime.handler)]
        for (node, handler) in nodes {
            let run = try BenchProcess.run(
                [
                    "run", "--flows", "reads", "--samples", "3", "--warmup", "0", "--node-name", node,
                    "--oci-handler", handler, "--results-dir", "\(scratch)/runs",
                ],
                environment: ["CRIBENCH_LEDGER_DIR": "\(scratch)/ledger"])
            #expect(run.code == 0, "\(node): \(run.err.suffix(800))")
            #expect(run.out.contains("node: \(node)"))
        }
        let merge = try BenchProcess.run(["merge", "\(scratch)/runs", "--results-dir", "\(scratch)/merged"])
        #expect(merge.code == 0, "\(merge.err)")
        #expect(merge.err.contains("merged 3 run(s) of 3 node(s)"))
        let lines = merge.out.split(separator: "\n").filter { $0.hasPrefix("Benchmark") }
        for (node, _) in nodes {
            // ReadOnlyFlow: 3 samples of each op and side per node.
            let own = lines.filter { $0.contains("/node=\(node)\t") }
            #expect(!own.isEmpty && own.count % 3 == 0, "\(node): \(own.count) lines")
        }
        let directory = try #require(try FileManager.default.contentsOfDirectory(atPath: "\(scratch)/merged").first)
        let summary = try String(contentsOfFile: "\(scratch)/merged/\(directory)/summary.md", encoding: .utf8)
        #expect(summary.contains("oci=\(ProbeRuntime.handler)"), "node-c's handlers are shown")
        let fleet = try JSONDecoder().decode(
            FleetReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(scratch)/merged/\(directory)/fleet.json")))
        // Listed by name: the three runs started within a second, so their directories' order is random.
        #expect(fleet.nodes.map(\.name) == ["node-a", "node-b", "node-c"])
        #expect(fleet.fleet.allSatisfy { $0.nodes == 3 && $0.samples == 9 })
    }
}
