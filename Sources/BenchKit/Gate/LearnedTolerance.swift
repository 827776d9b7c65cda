/// Each op's regression tolerance, learned from how far the machine's own runs moved from one
/// another when nothing changed, instead of one factor for every op: StopContainer and churn
/// moved 1.26-1.55x between unchanged runs on one VM, image inspection a few percent.
///
/// For each history run, its Hodges-Lehmann factor against the other runs' pooled samples
/// (slower or faster alike): the largest is the op's spread. The tolerance doubles the
/// spread's excursion (a next run lands beyond the largest of five leave-one-out excursions
/// about one time in six), within `floor` and ``LearnedTolerance/ceiling``. An op seen in fewer
/// than `minimumRuns` runs with samples keeps the default threshold.
public struct OpTolerance: Sendable, Equatable {
    public let factor: Double
    /// The largest leave-one-out excursion, nil when not learned.
    public let spread: Double?
    public let runs: Int

    public init(factor: Double, spread: Double?, runs: Int) {
        self.factor = factor
        self.spread = spread
        self.runs = runs
    }

    /// How the factor was reached, for the verdict's line.
    public var origin: String {
        guard let spread else {
            return "default: \(runs) run(s) with samples, \(LearnedTolerance.minimumRuns) needed to learn"
        }
        return String(format: "learned: %d runs moved up to %.2fx", runs, spread)
    }
}

public enum LearnedTolerance {
    public static let minimumRuns = 3
    /// The largest tolerance learned: an op this volatile is not one the gate can say much about,
    /// and a cap keeps a slow drift that passed from widening its own allowance without end.
    public static let ceiling = 2.0

    /// `floor`: the smallest tolerance learned (below it, run-to-run drift of a stable op
    /// decides). With `normalize`, each run's samples are first divided by its null call's p50
    /// over the runs' median, as the gate then divides the current run's.
    public static func learn(
        _ runs: [Baseline], defaultThreshold: Double, floor: Double,
        normalize: Bool = false
    ) -> [String: OpTolerance] {
        let overheads = runs.compactMap(\.harnessOverheadP50Ns).filter { $0 > 0 }
        let typicalOverhead = median(overheads)
        func scale(_ run: Baseline) -> Double {
            guard normalize, let typicalOverhead, let own = run.harnessOverheadP50Ns, own > 0 else { return 1 }
            return own / typicalOverhead
        }
        let keys = Set(runs.flatMap { $0.samplesNs?.keys.map { $0 } ?? [] })
        var result: [String: OpTolerance] = [:]
        for key in keys where !RegressionGate.isMemory(key) {
            let measured = runs.compactMap { run -> [Double]? in
                guard let samples = run.samplesNs?[key], !samples.isEmpty else { return nil }
                let factor = scale(run)
                return samples.map { Double($0) / factor }
            }
            guard measured.count >= minimumRuns else {
                result[key] = OpTolerance(factor: defaultThreshold, spread: nil, runs: measured.count)
                continue
            }
            var spread = 1.0
            for index in measured.indices {
                let others = measured.indices.filter { $0 != index }.flatMap { measured[$0] }
                guard let factor = HodgesLehmann.factor(measured[index], from: others), factor > 0 else { continue }
                spread = max(spread, factor, 1 / factor)
            }
            let factor = min(ceiling, max(floor, 1 + 2 * (spread - 1)))
            result[key] = OpTolerance(factor: factor, spread: spread, runs: measured.count)
        }
        return result
    }
}
