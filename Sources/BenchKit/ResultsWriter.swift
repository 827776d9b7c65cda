import Foundation

/// Writes a run's reports under results/RUN/: bench.txt (Go format), results.json,
/// critest-FLOW-KIND.json, summary.md and chart.svg.
public struct ResultsWriter: Sendable {
    public let directory: String

    /// RUN is the run id plus a short host tag.
    public init(resultsRoot: String, results: ResultSet) {
        let host = results.environment.host.split(separator: ".").first.map(String.init) ?? "host"
        directory = "\(resultsRoot)/\(results.runID)-\(host.prefix(12))"
    }

    /// Creates the results directory, failing with its path if that is impossible.
    public static func prepare(root: String) throws {
        try prepareWritableDirectory(root, role: "results directory")
    }

    public func write(_ results: ResultSet, gate: GateEvaluation? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try write("bench.txt", Data(GoBenchReporter.render(results).utf8))
        try write("results.json", try JSONReporter.render(results))
        for (name, data) in try CritestReporter.render(results) { try write(name, data) }
        try write("summary.md", Data(MarkdownReporter.render(results, gate: gate).utf8))
        try write("chart.svg", Data(SVGReporter.render(results).utf8))
    }

    private func write(_ name: String, _ data: Data) throws {
        let path = "\(directory)/\(name)"
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw BenchError("cannot write \(path)") }
    }
}
