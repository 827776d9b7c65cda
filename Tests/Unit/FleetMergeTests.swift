import BenchKit
import Foundation
import Testing

@Suite("bench merge: fleet logic")
struct FleetMergeTests {
    func run(node: String?, host: String = "h", kernel: String = "6.1", pull: [Int64]) -> ResultSet {
        var results = ResultSet(
            runID: "run-\(node ?? host)-\(pull.first ?? 0)",
            environment: .init(
                goarch: "amd64", cpu: "CPU", cpuCount: 2, host: host, runtime: "containerd 1.6", endpoint: "unix:///s",
                handlers: ["oci": "runc"], kernel: kernel, node: node))
        results.flows["ImageInCri"] = ["pull"]
        for sample in pull {
            results.record(flow: "ImageInCri", operations: ["pull"], kind: .oci, durations: [sample], window: [0, 0])
        }
        return results
    }

    @Test func aNodeFarAboveTheFleetMedianStandsOutAndTheRestDoNot() {
        let report = FleetMerge.merge([
            run(node: "a", pull: [100_000_000, 102_000_000, 98_000_000, 101_000_000, 99_000_000]),
            run(node: "b", pull: [110_000_000, 108_000_000, 112_000_000, 109_000_000, 111_000_000]),
            run(node: "c", kernel: "5.15", pull: [300_000_000, 310_000_000, 290_000_000, 305_000_000, 295_000_000]),
        ])
        let fleet = report.fleet.first { $0.key == "ImageInCri/pull/oci" }
        #expect(fleet?.slowNodes == ["c"])
        #expect(fleet?.nodes == 3 && fleet?.samples == 15)
        #expect(fleet?.medianOfNodeP50Ns == 110_000_000)
        let c = report.perNode.first { $0.node == "c" }
        #expect(c?.standsOut == true && abs((c?.ratioToFleet ?? 0) - 300.0 / 110.0) < 1e-9)
        #expect(report.nodes.first { $0.name == "c" }?.kernel == "5.15")
        let text = report.goBenchmarkText()
        #expect(text.contains("BenchmarkImageInCri/op=pull/kind=oci/node=c\t1\t310000000 ns/op"))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("Benchmark") }.count == 15)
        #expect(report.markdown().contains("**300.00 ms (2.73x)**"), "\(report.markdown())")
        // The same p50 ratio from one slow sample among fast ones is not a slow node.
        let bimodal = FleetMerge.merge([
            run(node: "a", pull: [6_000_000, 6_000_000, 20_000_000, 6_000_000, 20_000_000]),
            run(node: "b", pull: [6_000_000, 20_000_000, 6_000_000, 6_000_000, 6_000_000]),
            run(node: "c", pull: [20_000_000, 6_000_000, 20_000_000, 6_000_000, 20_000_000]),
        ])
        #expect(bimodal.fleet[0].slowNodes.isEmpty, "a bimodal op whose upper mode came up more often on one node")
        #expect(
            report.svg().components(separatedBy: "<circle").count - 1 == 3 + 3, "a legend dot and a data dot per node")
    }

    /// Each part of the rule on its own, with samples enough for the significance test (ten per
    /// node, fully separated: p < 0.001), so that only the part under test can hold a node back:
    /// two nodes are too few; 1.3x is under the factor; 1.8x but 1.6 ms above is under the
    /// floor; the same nodes with the rule's part met stand out.
    @Test(arguments: [
        ("two nodes are too few", [100.0, 400.0], false),
        ("three nodes, the third 3x", [100.0, 100.0, 300.0], true),
        ("1.3x is under the factor", [100.0, 100.0, 130.0], false),
        ("exactly 1.5x is not over the factor", [100.0, 100.0, 150.0], false),
        ("1.6x is over it", [100.0, 100.0, 160.0], true),
        ("1.8x but under the floor", [2.0, 2.0, 3.6], false),
        ("1.8x and over the floor", [20.0, 20.0, 36.0], true),
    ])
    func eachPartOfTheRuleHoldsASlowNodeBackOnItsOwn(case name: String, p50Ms: [Double], standsOut: Bool) {
        let runs = p50Ms.enumerated().map { index, p50 in
            // Ten samples within ±1% of the p50: every node's samples lie apart from the others'.
            run(node: "node-\(index)", pull: (0..<10).map { Int64(p50 * 1e6 * (0.995 + 0.001 * Double($0))) })
        }
        let report = FleetMerge.merge(runs)
        let last = "node-\(p50Ms.count - 1)"
        #expect(report.fleet[0].slowNodes == (standsOut ? [last] : []), "\(name): \(report.perNode)")
    }

    /// The floor's boundary, with samples spread by a fixed ±5 µs so that p50s differ by exactly
    /// what the case says: exactly 2 ms above the median (1.67x) is not more than the floor;
    /// 2.001 ms is.
    @Test(arguments: [(5.0, false), (5.001, true)])
    func exactlyTheFloorAboveTheMedianIsNotMoreThanIt(slowP50Ms: Double, standsOut: Bool) {
        let runs = [3.0, 3.0, slowP50Ms].enumerated().map { index, p50 in
            run(node: "node-\(index)", pull: (-5..<5).map { Int64(p50 * 1e6) + Int64($0) * 1000 })
        }
        let report = FleetMerge.merge(runs)
        let slow = report.perNode.first { $0.node == "node-2" }
        #expect(abs((slow?.p50Ns ?? 0) - (report.fleet[0].medianOfNodeP50Ns) - (slowP50Ms - 3) * 1e6) < 1)
        #expect(report.fleet[0].slowNodes == (standsOut ? ["node-2"] : []), "\(slowP50Ms) ms: \(report.perNode)")
    }

    /// Two nodes cannot outvote each other; runs of one node over time pool by node; a run that
    /// named no node is called by its host.
    @Test func fewNodesNeverStandOutAndRunsPoolByNode() {
        let report = FleetMerge.merge([
            run(node: "a", pull: [100_000_000]), run(node: "a", pull: [104_000_000]),
            run(node: nil, host: "box", pull: [900_000_000]),
        ])
        #expect(report.nodes.map(\.name) == ["a", "box"])
        #expect(report.nodes[0].runs.count == 2)
        #expect(report.fleet[0].slowNodes.isEmpty, "with 2 nodes nothing stands out")
        #expect(report.perNode.first { $0.node == "a" }?.samples == 2)
    }

    /// The report lists nodes by name whatever order their runs were read in (run directories
    /// made within one second sort by a random suffix).
    @Test func nodesAreListedByNameNotByTheOrderTheirRunsCameIn() {
        let report = FleetMerge.merge([
            run(node: "node-c", pull: [3]), run(node: "node-a", pull: [1]), run(node: "node-b", pull: [2]),
            run(node: "node-a", pull: [4]),
        ])
        #expect(report.nodes.map(\.name) == ["node-a", "node-b", "node-c"])
        #expect(report.perNode.map(\.node) == ["node-a", "node-b", "node-c"])
        #expect(report.nodes[0].runs == ["run-node-a-1", "run-node-a-4"])
    }

    @Test func resultsJSONReadsBackAsTheRunItWasWrittenFrom() throws {
        var original = run(node: "a", pull: [1, 2, 3])
        original.harnessOverheadNs = [7, 8]
        let loaded = try JSONReporter.load(try JSONReporter.render(original))
        #expect(loaded.runID == original.runID && loaded.environment.node == "a" && loaded.environment.kernel == "6.1")
        #expect(loaded.operations.map(\.key) == ["ImageInCri/pull/oci"] && loaded.operations[0].samplesNs == [1, 2, 3])
        #expect(loaded.harnessOverheadNs == [7, 8] && loaded.flows == original.flows)
    }

    @Test func aDirectoryWithoutResultsIsNamed() {
        #expect {
            try FleetMerge.load(["/nonexistent-cribench-dir"])
        } throws: { "\($0)".contains("/nonexistent-cribench-dir holds no results.json") }
    }
}
