import Foundation

/// A report as files in a directory of its own under the results root.
public protocol WrittenReport {
    /// The directory's name under the root, e.g. "RUN-host" or "scale-RUN".
    var directoryName: String { get }
    /// Each file's name and contents.
    func files() throws -> [(name: String, contents: Data)]
}

/// The JSON every report and history file is written in: readable, stable key order, ISO 8601
/// dates; and the decoder that reads it back.
public enum ReportJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Writes every command's reports: `bench run`, `ab` and `pod` (ResultSet), `bench scale` and
/// `bench merge`, each into RESULTS/NAME/.
public struct ResultsWriter: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// Creates the results root, failing with its path if that is impossible; run before the
    /// measuring starts, so that a run never ends with nowhere to put its figures.
    public static func prepare(root: String) throws {
        try prepareWritableDirectory(root, role: "results directory")
    }

    /// Writes the report's files; returns their directory.
    @discardableResult
    public func write(_ report: some WrittenReport) throws -> String {
        let directory = "\(root)/\(report.directoryName)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, contents) in try report.files() {
            let path = "\(directory)/\(name)"
            // Atomic: a run interrupted while writing leaves no truncated file for bench merge.
            do { try contents.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw BenchError("cannot write \(path): \(error.localizedDescription)")
            }
        }
        return directory
    }
}

/// A run of flows (`bench run`, `bench ab`, `bench pod`): bench.txt (Go format), results.json,
/// critest-FLOW-KIND.json, summary.md (with the gate's verdict) and chart.svg, under RUN-HOST.
public struct FlowRunReport: WrittenReport {
    public let results: ResultSet
    public let gate: GateEvaluation?

    public init(_ results: ResultSet, gate: GateEvaluation? = nil) {
        self.results = results
        self.gate = gate
    }

    public var directoryName: String {
        let host = results.environment.host.split(separator: ".").first.map(String.init) ?? "host"
        return "\(results.runID)-\(host.prefix(12))"
    }

    public func files() throws -> [(name: String, contents: Data)] {
        var files: [(name: String, contents: Data)] = [
            ("bench.txt", Data(GoBenchReporter.render(results).utf8)),
            ("results.json", try JSONReporter.render(results)),
        ]
        files += try CritestReporter.render(results).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        files.append(("summary.md", Data(MarkdownReporter.render(results, gate: gate).utf8)))
        files.append(("chart.svg", Data(SVGReporter.render(results).utf8)))
        return files
    }
}
