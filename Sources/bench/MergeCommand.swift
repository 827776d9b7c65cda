import ArgumentParser
import BenchKit
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge bench run results from many nodes (or runs over time) into one fleet report.",
        discussion: """
            Each argument is a run's directory (holding results.json) or a directory of runs. Runs are \
            grouped by node (--node-name or $NODE_NAME of bench run, else the host name). Writes \
            bench.txt (Go benchmark lines with /node=NAME, for benchstat -col /node), fleet.json, \
            summary.md and chart.svg under RESULTS/merge-TIME/, and prints bench.txt.
            """)

    @Argument(help: ArgumentHelp("Run directories, or directories of runs.", valueName: "results-dir")) var inputs:
        [String]
    @Option(help: "Directory under which merge-TIME/ is written.") var resultsDir = "results"

    func run() throws {
        let runs = try FleetMerge.load(inputs)
        let report = FleetMerge.merge(runs)
        let directory = try ResultsWriter(root: resultsDir).write(FleetMergeReport(report))
        print(report.goBenchmarkText(), terminator: "")
        for operation in report.fleet where !operation.slowNodes.isEmpty {
            progress(
                "\(operation.key): \(operation.slowNodes.joined(separator: ", ")) stand(s) out (fleet median p50 "
                    + "\(formatDuration(operation.medianOfNodeP50Ns)))"
            )
        }
        progress("merged \(runs.count) run(s) of \(report.nodes.count) node(s) into \(directory)/")
    }
}
