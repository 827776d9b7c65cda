import Foundation

/// The Mann-Whitney U test, which benchstat uses to tell a real shift between two sets of
/// samples from noise without assuming a distribution (CRI latencies are skewed and often
/// bimodal).
public enum MannWhitney {
    /// Two-sided p-value that `a` and `b` come from the same distribution: normal approximation
    /// with tie correction and continuity correction. 1 when either side is empty.
    public static func pValue(_ a: [Double], _ b: [Double]) -> Double {
        let n1 = Double(a.count), n2 = Double(b.count)
        guard n1 > 0, n2 > 0 else { return 1 }
        let pooled = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        // Average ranks over ties; collect tie-group sizes for the variance correction.
        var ranks = [Double](repeating: 0, count: pooled.count)
        var tieTerm = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[start].0 { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for index in start...end { ranks[index] = rank }
            let tied = Double(end - start + 1)
            tieTerm += tied * tied * tied - tied
            start = end + 1
        }
        let rankSumA = zip(pooled, ranks).filter { $0.0.1 == 0 }.map(\.1).reduce(0, +)
        let u = rankSumA - n1 * (n1 + 1) / 2
        let n = n1 + n2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return 1 }
        let z = max(abs(u - mean) - 0.5, 0) / variance.squareRoot()
        return erfc(z / 2.0.squareRoot())
    }
}
