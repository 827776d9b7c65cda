import Foundation

/// Per-operation medians recorded on a kind of machine, to compare later runs against.
public struct Baseline: Codable, Sendable, Equatable {
    public var recordedOn: String
    public var runID: String
    /// p50 in nanoseconds, keyed "Flow/op/kind".
    public var p50Ns: [String: Double]
    /// p50 of the harness's null call (Version) in the same run: how fast machine and
    /// runtime answered anything at all when the baseline was recorded.
    public var harnessOverheadP50Ns: Double?
    /// Each op's raw samples, so that the gate can test whether a shift is more than noise.
    public var samplesNs: [String: [Int64]]?
    /// The machine it was recorded on (nil in baselines recorded before fingerprints).
    public var machine: MachineFingerprint?
    /// When it was recorded.
    public var recordedAt: Date?

    public init(
        recordedOn: String, runID: String, p50Ns: [String: Double], harnessOverheadP50Ns: Double? = nil,
        samplesNs: [String: [Int64]]? = nil, machine: MachineFingerprint? = nil, recordedAt: Date? = nil
    ) {
        self.recordedOn = recordedOn
        self.runID = runID
        self.p50Ns = p50Ns
        self.harnessOverheadP50Ns = harnessOverheadP50Ns
        self.samplesNs = samplesNs
        self.machine = machine
        self.recordedAt = recordedAt
    }

    public init(from results: ResultSet) {
        let machine = MachineFingerprint(results.environment)
        self.init(
            recordedOn: machine.description, runID: results.runID,
            p50Ns: results.p50ByKey, harnessOverheadP50Ns: Summary(results.harnessOverheadNs)?.p50,
            samplesNs: results.samplesByKey,
            machine: machine,
            recordedAt: Date(
                timeIntervalSince1970: (results.finishedAt ?? results.startedAt).timeIntervalSince1970.rounded(.down)))
    }

    /// Several runs of one machine as one reference: each op's p50 is the median of the runs'
    /// p50s (one odd night moves it little), its samples are all the runs' samples together
    /// (what the significance test compares with), the null call's p50 the median of theirs.
    public static func pooled(_ runs: [Baseline]) -> Baseline? {
        guard let newest = runs.last else { return nil }
        let keys = Set(runs.flatMap(\.p50Ns.keys))
        var p50: [String: Double] = [:], samples: [String: [Int64]] = [:]
        for key in keys {
            p50[key] = median(runs.compactMap { $0.p50Ns[key] })
            // An op no run has samples of has none pooled either (nil, not []): it is judged by
            // its p50s alone, never by a test of nothing against something.
            let pooled = runs.flatMap { $0.samplesNs?[key] ?? [] }
            if !pooled.isEmpty { samples[key] = pooled }
        }
        let overhead = median(runs.compactMap(\.harnessOverheadP50Ns))
        return Baseline(
            recordedOn: newest.recordedOn, runID: runs.map(\.runID).joined(separator: ","), p50Ns: p50,
            harnessOverheadP50Ns: overhead, samplesNs: samples, machine: newest.machine, recordedAt: newest.recordedAt)
    }

    /// The flows it holds ops of, from its "Flow/op/kind" keys.
    public var flows: Set<String> { Set(p50Ns.keys.compactMap { $0.split(separator: "/").first.map(String.init) }) }

    public static func load(_ path: String) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchError("baseline \(path) cannot be read")
        }
        do {
            return try ReportJSON.decoder().decode(Baseline.self, from: data)
        } catch {
            throw BenchError("baseline \(path) is not a CRIBench baseline: \(error)")
        }
    }

    public func data() throws -> Data {
        try ReportJSON.encoder().encode(self)
    }
}

/// The middle value (the mean of the two middle ones for an even count), nil for none.
func median(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : Summary.percentile(values.sorted(), 50)
}

/// One operation compared with the baseline.
public struct RegressionFinding: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        case regressed, improved, unchanged
        /// In the baseline but not measured now (a flow failed or was dropped).
        case missing
        /// Measured now, not in the baseline.
        case new
    }
    public let key: String
    public let baselineNs: Double?
    public let currentNs: Double?
    public let verdict: Verdict
    /// How much slower the harness's null call was than in the baseline (1 when not normalized).
    public let machineScale: Double
    /// Mann-Whitney p-value of this run's (machine-adjusted) samples against the baseline's;
    /// nil when the baseline holds no samples.
    public let pValue: Double?
    /// The factor the verdict judged: the Hodges-Lehmann shift over the reference's p50 when both
    /// sides have samples (rule "shift"), else the machine-adjusted ratio of p50s (rule "p50").
    public let judgedRatio: Double?
    public let rule: String
    /// The factor the judged ratio had to exceed, and where it came from.
    public let tolerance: Double
    public let toleranceOrigin: String

    public init(
        key: String, baselineNs: Double?, currentNs: Double?, verdict: Verdict, machineScale: Double = 1,
        pValue: Double? = nil,
        judgedRatio: Double? = nil, rule: String = "p50", tolerance: Double = 1, toleranceOrigin: String = ""
    ) {
        self.key = key
        self.baselineNs = baselineNs
        self.currentNs = currentNs
        self.verdict = verdict
        self.machineScale = machineScale
        self.pValue = pValue
        self.judgedRatio = judgedRatio
        self.rule = rule
        self.tolerance = tolerance
        self.toleranceOrigin = toleranceOrigin
    }

    /// Now against the baseline, as measured.
    public var ratio: Double? {
        guard let baselineNs, let currentNs, baselineNs > 0 else { return nil }
        return currentNs / baselineNs
    }

    /// Now against the baseline once the machine's drift is taken out: what the verdict uses.
    public var normalizedRatio: Double? { ratio.map { $0 / machineScale } }
}

/// Compares medians with a baseline. An operation regressed when its p50 is more than
/// `threshold` times the baseline's and slower by more than `noiseFloorNs` in absolute terms
/// (so a 0.4 ms call that takes 0.6 ms on a busy machine does not fail the night).
///
/// With `normalizeByHarnessOverhead`, each p50 is first divided by the machine scale: this
/// run's null-call p50 over the baseline's. Measured on the 2-CPU VMs CRIBench runs on, whole
/// runs drift by 0.6x to 1.4x within an hour (every op alike, the null call too); taken out,
/// the medians of a run stay within about 10% of the baseline's. The price: a change that
/// slows every CRI call alike, the null call included, shows as machine drift (reported as
/// such), not as a regression of each op.
///
/// When the baseline holds raw samples, a change also has to be significant: a Mann-Whitney U
/// test of the samples (as benchstat does) at `significance`. Why: some ops are bimodal here
/// (CreateContainer takes about 6 ms or about 20 ms), and their median jumps between the modes
/// from one run to the next while the distribution stays the same.
public struct RegressionGate: Sendable {
    public let threshold: Double
    public let noiseFloorNs: Double
    public let normalizeByHarnessOverhead: Bool
    public let significance: Double
    /// The smallest tolerance the history gate may learn for an op (``LearnedTolerance``).
    public var minimumTolerance = 1.2
    /// Flows whose values are bytes, not nanoseconds (`bench scale`'s memory per pod). Each is one
    /// figure per run, so no significance test can judge it: a value regresses when it exceeds
    /// the history's by `memoryThreshold` and by more than `memoryFloorBytes`. Why 10%: PSS per
    /// pod stayed within 1% between runs here, while latency needs 1.3x against VM noise.
    public static let memoryFlows: Set<String> = ["DensityInCri"]
    public var memoryThreshold = 1.10
    public var memoryFloorBytes = 262_144.0

    public static func isMemory(_ key: String) -> Bool {
        key.split(separator: "/").first.map { memoryFlows.contains(String($0)) } ?? false
    }

    /// A value of `key` for a person: bytes for memory flows, a duration for the rest.
    public static func format(_ value: Double, key: String) -> String {
        isMemory(key) ? String(format: "%.2f MiB", value / 1_048_576) : formatDuration(value)
    }

    public init(
        threshold: Double, noiseFloorNs: Double, normalizeByHarnessOverhead: Bool = false, significance: Double = 0.05
    ) {
        self.threshold = threshold
        self.noiseFloorNs = noiseFloorNs
        self.normalizeByHarnessOverhead = normalizeByHarnessOverhead
        self.significance = significance
    }

    /// This run's null-call p50 over the baseline's, or nil when either lacks one.
    public static func machineScale(_ results: ResultSet, against baseline: Baseline) -> Double? {
        guard let now = Summary(results.harnessOverheadNs)?.p50, let before = baseline.harnessOverheadP50Ns, before > 0,
            now > 0
        else { return nil }
        return now / before
    }

    /// Compares the ops of the flows this run measured; ops of flows it did not run are not
    /// its business (`--flows pod` against a full baseline compares the pod flow only).
    /// Throws when the baseline has no op in common with the run.
    ///
    /// An op's tolerance is `tolerances[key]` (learned from the machine's history, see
    /// ``LearnedTolerance``), else `threshold`; memory keeps `memoryThreshold`.
    public func compare(
        _ results: ResultSet, with baseline: Baseline, named name: String,
        tolerances: [String: OpTolerance] = [:]
    ) throws -> [RegressionFinding] {
        let current = results.p50ByKey, currentSamples = results.samplesByKey
        let measuredFlows = Set(results.flows.keys).union(results.operations.map(\.flow))
        let relevant = baseline.p50Ns.keys.filter { key in
            key.split(separator: "/").first.map { measuredFlows.contains(String($0)) } ?? false
        }
        guard !Set(relevant).isDisjoint(with: current.keys) else {
            throw BenchError(
                "\(name) has no operation in common with this run: it holds "
                    + "\(baseline.flows.sorted().joined(separator: ", ")), this run measured "
                    + "\(measuredFlows.sorted().joined(separator: ", ")); compare runs of the same flows, or "
                    + "record a new baseline"
            )
        }
        let scale = normalizeByHarnessOverhead ? Self.machineScale(results, against: baseline) ?? 1 : 1
        let keys = Set(current.keys).union(relevant).sorted()
        return keys.map { key in
            let before = baseline.p50Ns[key], measured = current[key]
            let memory = Self.isMemory(key)
            let scale = memory ? 1 : scale
            var pValue: Double?, shift: Double?, factor: Double?
            if !memory, let old = baseline.samplesNs?[key], !old.isEmpty, let new = currentSamples[key], !new.isEmpty {
                let (oldValues, newValues) = (old.map(Double.init), new.map { Double($0) / scale })
                pValue = MannWhitney.pValue(oldValues, newValues)
                shift = HodgesLehmann.shift(newValues, from: oldValues)
                factor = HodgesLehmann.factor(newValues, from: oldValues)
            }
            let significant = (pValue ?? 0) < significance
            let learned = memory ? nil : tolerances[key]
            let tolerance = memory ? memoryThreshold : learned?.factor ?? threshold
            let origin = memory ? "memory rule" : learned?.origin ?? "default threshold"
            let floor = memory ? memoryFloorBytes : noiseFloorNs
            let verdict: RegressionFinding.Verdict
            var judged: Double?
            let rule = shift != nil ? "shift" : "p50"
            switch (before, measured.map { $0 / scale }) {
            case (nil, _): verdict = .new
            case (_, nil): verdict = .missing
            case let (before?, now?):
                // What is judged: how far the samples moved where both sides have them (as a
                // factor, and in time for the noise floor), else the p50s.
                let moved = shift ?? (now - before)
                judged = factor ?? (before > 0 ? now / before : nil)
                if let judged, judged > tolerance && moved > floor && significant {
                    verdict = .regressed
                } else if let judged, judged * tolerance < 1 && -moved > floor && significant {
                    verdict = .improved
                } else {
                    verdict = .unchanged
                }
            }
            return RegressionFinding(
                key: key, baselineNs: before, currentNs: measured, verdict: verdict, machineScale: scale,
                pValue: pValue,
                judgedRatio: judged, rule: memory ? "memory" : rule, tolerance: tolerance, toleranceOrigin: origin)
        }
    }

    /// The gate fails on a regression, and on an operation missing from the run.
    public static func failures(_ findings: [RegressionFinding]) -> [RegressionFinding] {
        findings.filter { $0.verdict == .regressed || $0.verdict == .missing }
    }
}

extension ResultSet {
    /// Each op's median, keyed "Flow/op/kind" as in the baseline.
    var p50ByKey: [String: Double] {
        Dictionary(
            operations.compactMap { operation in operation.summary.map { (operation.key, $0.p50) } },
            uniquingKeysWith: { $1 })
    }

    /// Each op's raw samples, keyed "Flow/op/kind".
    var samplesByKey: [String: [Int64]] {
        Dictionary(operations.map { ($0.key, $0.samplesNs) }, uniquingKeysWith: { $1 })
    }
}
