import Foundation

/// The runs the nightly job made on each machine, one directory per machine fingerprint:
/// `ROOT/<fingerprint id>/machine.json` says which machine, `ROOT/<id>/runs/<run>.json` holds
/// each passing run as a baseline (medians and raw samples). The gate compares a run with the
/// last runs of its own machine only; removing a machine's directory resets its history.
public struct MachineHistory: Sendable {
    /// `$CRIBENCH_HISTORY_DIR`, else `$XDG_STATE_HOME/cribench/history`, else
    /// `~/.local/state/cribench/history`.
    public static var defaultRoot: String {
        let environment = ProcessInfo.processInfo.environment
        if let root = environment["CRIBENCH_HISTORY_DIR"], !root.isEmpty { return root }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return "\(state)/cribench/history" }
        return "\(NSHomeDirectory())/.local/state/cribench/history"
    }

    public let root: String
    public let machine: MachineFingerprint

    public init(root: String, machine: MachineFingerprint) {
        self.root = root
        self.machine = machine
    }

    public var directory: String { "\(root)/\(machine.id)" }
    var runsDirectory: String { "\(directory)/runs" }

    /// Checks up front that the history can be written, naming the directory if not.
    public func prepare() throws {
        try prepareWritableDirectory(runsDirectory, role: "benchmark history directory")
    }

    /// The newest `depth` runs of this machine, oldest first.
    public func recent(_ depth: Int) throws -> [Baseline] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? [])
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.suffix(depth).map { try Baseline.load("\(runsDirectory)/\($0)") }
    }

    /// Adds a run. File names start with the run's time so that they sort oldest first.
    public func append(_ run: Baseline) throws {
        try prepare()
        let machineFile = "\(directory)/machine.json"
        if !FileManager.default.fileExists(atPath: machineFile) {
            try ReportJSON.encoder().encode(machine).write(to: URL(fileURLWithPath: machineFile))
        }
        let stamp = Int((run.recordedAt ?? Date()).timeIntervalSince1970)
        try run.data().write(to: URL(fileURLWithPath: "\(runsDirectory)/\(stamp)-\(run.runID).json"))
    }
}
