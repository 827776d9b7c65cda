import Foundation

/// The images a run pulled, kept on disk while the run lasts, so that `bench cleanup` can
/// remove them after the run crashed. CRI images carry no labels: this file is the only record
/// of which images on a runtime are CRIBench's to remove.
///
/// One file per run, `RUN.images`, one `endpoint<TAB>image` line per image pulled and not yet
/// removed. A run that ends normally removes its images and so leaves no file.
public struct ImageLedger: Sendable {
    public static let directoryEnvironmentVariable = "CRIBENCH_LEDGER_DIR"

    /// `CRIBENCH_LEDGER_DIR`, else `$XDG_STATE_HOME/cribench/image-ledger`, else
    /// `~/.local/state/cribench/image-ledger`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let directory = environment[directoryEnvironmentVariable], !directory.isEmpty { return directory }
        let stateHome =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/state"
        return "\(stateHome)/cribench/image-ledger"
    }

    public struct Entry: Sendable, Equatable {
        public var runID: String
        public var endpoint: String
        public var image: String
    }

    public let directory: String

    public init(directory: String = ImageLedger.defaultDirectory()) {
        self.directory = directory
    }

    /// Creates the directory; fails, naming it, when the ledger cannot be written there.
    public func prepare() throws {
        try prepareWritableDirectory(
            directory, role: "image ledger directory",
            remedy: "set \(Self.directoryEnvironmentVariable) to a writable directory")
    }

    public func record(_ image: String, run runID: String, endpoint: String) throws {
        var entries = try entries(run: runID)
        let entry = Entry(runID: runID, endpoint: endpoint, image: image)
        guard !entries.contains(entry) else { return }
        entries.append(entry)
        try write(entries, run: runID)
    }

    public func erase(_ image: String, run runID: String, endpoint: String) throws {
        let entries = try entries(run: runID)
        let remaining = entries.filter { $0 != Entry(runID: runID, endpoint: endpoint, image: image) }
        if remaining.count != entries.count { try write(remaining, run: runID) }
    }

    /// What one run (or, with nil, every run) pulled and did not remove.
    public func entries(run runID: String? = nil) throws -> [Entry] {
        let runs: [String]
        if let runID {
            runs = [runID]
        } else {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            runs = files.filter { $0.hasSuffix(".images") }.map { String($0.dropLast(".images".count)) }.sorted()
        }
        return runs.flatMap { run -> [Entry] in
            guard let text = try? String(contentsOfFile: path(run: run), encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
                return fields.count == 2 ? Entry(runID: run, endpoint: fields[0], image: fields[1]) : nil
            }
        }
    }

    private func path(run runID: String) -> String { "\(directory)/\(runID).images" }

    private func write(_ entries: [Entry], run runID: String) throws {
        let file = path(run: runID)
        if entries.isEmpty {
            try? FileManager.default.removeItem(atPath: file)
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let text = entries.map { "\($0.endpoint)\t\($0.image)\n" }.joined()
            try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw BenchError(
                "cannot write the image ledger \(file): \(error.localizedDescription) (set "
                    + "\(Self.directoryEnvironmentVariable) to a writable directory)"
            )
        }
    }
}
