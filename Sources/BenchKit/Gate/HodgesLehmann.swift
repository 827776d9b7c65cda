import Foundation

/// The Hodges-Lehmann estimate of how far one set of samples moved from another: the median of
/// every difference between a sample of `new` and a sample of `old`. It is the shift the
/// Mann-Whitney test asks about, and what the gate judges instead of the ratio of medians: a
/// bimodal op (CreateContainer takes one of two durations here) has a median that jumps from
/// one mode to the other when the modes' shares move a little, while most pairwise differences
/// stay within a mode and the estimate stays near zero. A shift of every sample moves it by the
/// shift.
public enum HodgesLehmann {
    /// Nil when either side is empty.
    public static func shift(_ new: [Double], from old: [Double]) -> Double? {
        guard !new.isEmpty, !old.isEmpty else { return nil }
        var differences: [Double] = []
        differences.reserveCapacity(new.count * old.count)
        for value in new { for reference in old { differences.append(value - reference) } }
        differences.sort()
        return Summary.percentile(differences, 50)
    }
}

extension HodgesLehmann {
    /// The same estimate as a factor: exp of the median of ln(new / old) over every pair. It
    /// needs no reference value to divide by (a bimodal op's p50 is a poor one), and a factor
    /// is never zero or negative. Nil when either side is empty.
    public static func factor(_ new: [Double], from old: [Double]) -> Double? {
        guard !new.isEmpty, !old.isEmpty else { return nil }
        var logs: [Double] = []
        logs.reserveCapacity(new.count * old.count)
        let oldLogs = old.map { log(max($0, 1)) }
        for value in new {
            let own = log(max(value, 1))
            for reference in oldLogs { logs.append(own - reference) }
        }
        logs.sort()
        return exp(Summary.percentile(logs, 50))
    }
}
