/// Summary statistics of one operation's raw durations (nanoseconds).
public struct Summary: Codable, Sendable, Equatable {
    public let count: Int
    public let min: Int64
    public let max: Int64
    public let mean: Double
    public let standardDeviation: Double
    public let p50: Double
    public let p90: Double
    public let p99: Double
    /// 95% confidence interval of the mean (Student's t), [low, high].
    public let meanConfidence95: [Double]

    public init?(_ samples: [Int64]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        min = sorted.first!
        max = sorted.last!
        let values = sorted.map(Double.init)
        let average = values.reduce(0, +) / Double(count)
        mean = average
        let variance = count > 1 ? values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(count - 1) : 0
        let deviation = variance.squareRoot()
        standardDeviation = deviation
        p50 = Self.percentile(sorted, 50)
        p90 = Self.percentile(sorted, 90)
        p99 = Self.percentile(sorted, 99)
        let halfWidth =
            count > 1 ? Self.tCritical95(degreesOfFreedom: count - 1) * deviation / Double(count).squareRoot() : 0
        meanConfidence95 = [average - halfWidth, average + halfWidth]
    }

    /// The p-th percentile by linear interpolation between closest ranks (numpy's default),
    /// of samples sorted ascending.
    public static func percentile(_ sorted: [Int64], _ p: Double) -> Double {
        percentile(sorted.map(Double.init), p)
    }

    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty && (0...100).contains(p))
        let rank = p / 100 * Double(sorted.count - 1)
        let lower = Int(rank.rounded(.down)), upper = Int(rank.rounded(.up))
        let fraction = rank - Double(lower)
        return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
    }

    /// Two-sided 95% critical value of Student's t distribution.
    public static func tCritical95(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
            2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        if df >= 1 && df <= table.count { return table[df - 1] }
        if df <= 60 { return 2.000 }
        if df <= 120 { return 1.980 }
        return 1.960
    }
}
