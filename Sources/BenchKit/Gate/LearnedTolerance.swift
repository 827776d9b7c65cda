/// Each op's regression tolerance, learned from how far the machine's own runs moved from one
/// another when nothing changed, instead of one factor for every op: StopContainer and churn
/// moved 1.26-1.55x between unchanged runs on one VM, image inspection a few percent.
///
/// For each history run, its Hodges-Lehmann shift from the other runs' pooled samples, as a
/// factor of their median p50 (slower or faster alike): the largest such factor is the op's
/// spread. The tolerance doubles the spread's excursion (a next run lands beyond the largest of
/// five leave-one-out excursions about one time in six), and never drops below `floor`. An op
/// seen in fewer than `minimumRuns` runs with samples keeps the default threshold.
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
        guard let spread else { return "default: \(runs) run(s) with samples, \(LearnedTolerance.minimumRuns) needed to learn" }
        return String(format: "learned: %d runs moved up to %.2fx", runs, spread)
    }
}

public enum LearnedTolerance {
    public static let minimumRuns = 3
    /// The smallest tolerance learned: below it run-to-run drift of a stable op decides.
    public static let floor = 1.2

    public static func learn(_ runs: [Baseline], defaultThreshold: Double) -> [String: OpTolerance] {
        let keys = Set(runs.flatMap { $0.samplesNs?.keys.map { $0 } ?? [] })
        var result: [String: OpTolerance] = [:]
        for key in keys where !RegressionGate.isMemory(key) {
            let measured = runs.compactMap { run -> (p50: Double, samples: [Double])? in
                guard let p50 = run.p50Ns[key], let samples = run.samplesNs?[key], !samples.isEmpty, p50 > 0 else { return nil }
                return (p50, samples.map(Double.init))
            }
            guard measured.count >= minimumRuns else {
                result[key] = OpTolerance(factor: defaultThreshold, spread: nil, runs: measured.count)
                continue
            }
            var spread = 1.0
            for index in measured.indices {
                let others = measured.indices.filter { $0 != index }
                guard let reference = median(others.map { measured[$0].p50 }), reference > 0,
                      let shift = HodgesLehmann.shift(measured[index].samples, from: others.flatMap { measured[$0].samples })
                else { continue }
                let factor = max((reference + shift) / reference, 1e-9)
                spread = max(spread, factor, 1 / factor)
            }
            result[key] = OpTolerance(factor: max(floor, 1 + 2 * (spread - 1)), spread: spread, runs: measured.count)
        }
        return result
    }
}
