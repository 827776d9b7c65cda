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
