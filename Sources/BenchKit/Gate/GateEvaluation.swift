import Foundation

/// What a run is compared with, and what the comparison decided.
///
/// The verdict comes only from runs of the same machine (same fingerprint): this machine's
/// history, or a baseline file recorded on it. A baseline from another machine is compared
/// too, but only as a reference to read, never to fail the run: disk- and kernel-bound ops
/// differ between machines by more than any threshold (1.4x to 2.4x seen between two
/// "2 CPU" VMs), and no null call measures that.
public struct GateEvaluation: Sendable {
    public struct Comparison: Sendable {
        /// What was compared with, for a person: "this machine's last 5 runs (DIR)".
        public let source: String
        public let findings: [RegressionFinding]

        public init(source: String, findings: [RegressionFinding]) {
            self.source = source
            self.findings = findings
        }
    }

    public var verdict: Comparison?
    public var reference: Comparison?
    /// Lines for the progress log, in order.
    public var notes: [String] = []
    /// True when the machine had no history: the run is recorded as its first and passes.
    public var firstRunOfMachine = false

    public init(verdict: Comparison? = nil) { self.verdict = verdict }

    public var failures: [RegressionFinding] { verdict.map { RegressionGate.failures($0.findings) } ?? [] }
}

/// Where a run's comparisons come from.
public struct GatePlan: Sendable {
    public var gate: RegressionGate
    /// The root of the machine histories (see ``MachineHistory``); nil: no history.
    public var historyRoot: String?
    public var historyDepth: Int
    public var baselinePath: String?

    public init(gate: RegressionGate, historyRoot: String?, historyDepth: Int, baselinePath: String?) {
        self.gate = gate
        self.historyRoot = historyRoot
        self.historyDepth = historyDepth
        self.baselinePath = baselinePath
    }

    /// Checks before the run that history and baseline can be used, so a bad path fails at once.
    public func prepare() throws -> Baseline? {
        if let historyRoot { try prepareWritableDirectory(historyRoot, role: "benchmark history directory") }
        return try baselinePath.map(Baseline.load)
    }

    func history(for results: ResultSet) -> MachineHistory? {
        historyRoot.map { MachineHistory(root: $0, machine: MachineFingerprint(results.environment)) }
    }

    public func evaluate(_ results: ResultSet, baseline: Baseline?) throws -> GateEvaluation {
        var evaluation = GateEvaluation()
        let machine = MachineFingerprint(results.environment)
        if let history = history(for: results) {
            let past = try history.recent(historyDepth)
            if let pooled = Baseline.pooled(past) {
                let source = "this machine's last \(past.count) run(s) in \(history.directory)"
                let tolerances = LearnedTolerance.learn(
                    past, defaultThreshold: gate.threshold, floor: gate.minimumTolerance,
                    normalize: gate.normalizeByHarnessOverhead)
                evaluation.verdict = .init(
                    source: source,
                    findings: try gate.compare(results, with: pooled, named: source, tolerances: tolerances))
            } else {
                evaluation.firstRunOfMachine = true
                evaluation.notes.append(
                    "no history for this machine (\(machine)) in \(history.root): this run becomes its first "
                        + "baseline, and the gate compares from the next run on"
                )
            }
        }
        if let baseline, let baselinePath {
            let source = "baseline \(baselinePath)"
            let comparison = GateEvaluation.Comparison(
                source: source, findings: try gate.compare(results, with: baseline, named: source))
            if baseline.machine == machine && evaluation.verdict == nil && !evaluation.firstRunOfMachine {
                evaluation.verdict = comparison
            } else {
                evaluation.reference = comparison
                if baseline.machine != machine {
                    evaluation.notes.append(
                        "\(source) was recorded on another machine "
                            + "(\(baseline.machine?.description ?? baseline.recordedOn)): shown as a reference in "
                            + "summary.md, not a verdict"
                    )
                }
            }
        }
        return evaluation
    }

    /// Adds a complete run that passed to the machine's history.
    public func record(_ results: ResultSet, evaluation: GateEvaluation) throws -> String? {
        guard let history = history(for: results), !results.partial, results.errors.isEmpty, evaluation.failures.isEmpty
        else { return nil }
        try history.append(Baseline(from: results))
        return history.directory
    }
}
