import ArgumentParser
import BenchKit

/// The one exit rule of the commands that measure, applied once their reports are written: a
/// signal ends the command with 128+N, as a shell reports a death by that signal; errors end it
/// with status 1, naming them; otherwise the command goes on to its own verdict (a gate).
func conclude(_ report: some RunReport, signal: Int32?, command: String) throws {
    if let signal { throw ExitCode(128 + signal) }
    if !report.errors.isEmpty {
        throw BenchError(
            "\(command) stopped with errors (its partial results are written): \(report.errors.joined(separator: "; "))"
        )
    }
}

/// Writes a report and says where.
func write(_ report: some WrittenReport, under root: String) throws {
    let directory = try ResultsWriter(root: root).write(report)
    progress("results written to \(directory)/")
}
