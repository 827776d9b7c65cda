import Foundation
import Logging

/// bench's diagnostics go through swift-log, to stderr, one "[bench] message" line each, so
/// that stdout holds nothing but results (benchstat reads it) and a host program embedding
/// BenchKit can route the same messages its own way.
struct ConsoleLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .warning && !"\(event.message)".hasPrefix("warning") ? "\(event.level): " : ""
        FileHandle.standardError.write(Data("[bench] \(prefix)\(event.message)\n".utf8))
    }
}

let console = Logger(label: "cribench.bench") { _ in ConsoleLogHandler() }

/// A progress line or warning on stderr.
func progress(_ message: String) {
    console.info("\(message)")
}
