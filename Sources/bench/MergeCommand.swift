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

    @Argument(help: ArgumentHelp("Run directories, or directories of runs.", valueName: "results-dir")) var inputs: [String]
    @Option(help: "Directory under which merge-TIME/ is written.") var resultsDir = "results"

    func run() throws {
        let runs = try FleetMerge.load(inputs)
        let report = FleetMerge.merge(runs)
        let directory = "\(resultsDir)/merge-\(RunID.make().value)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = report.goBenchmarkText()
        try text.write(toFile: "\(directory)/bench.txt", atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: "\(directory)/fleet.json"))
        try report.markdown().write(toFile: "\(directory)/summary.md", atomically: true, encoding: .utf8)
        try report.svg().write(toFile: "\(directory)/chart.svg", atomically: true, encoding: .utf8)
        print(text, terminator: "")
        for operation in report.fleet where !operation.slowNodes.isEmpty {
            progress("\(operation.key): \(operation.slowNodes.joined(separator: ", ")) stand(s) out (fleet median p50 \(formatDuration(operation.medianOfNodeP50Ns)))")
        }
        progress("merged \(runs.count) run(s) of \(report.nodes.count) node(s) into \(directory)/")
    }
}
