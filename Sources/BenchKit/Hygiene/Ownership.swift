import Foundation

/// How CRIBench marks what it creates, so that it removes exactly its own pods and
/// containers and never anybody else's.
public enum Ownership {
    /// Present, with value "cribench", on every pod and container CRIBench creates.
    public static let ownerLabel = "io.cribench.owner"
    public static let ownerValue = "cribench"
    /// The id of the run (benchmark or test session) that created it.
    public static let runLabel = "io.cribench.run"
    /// The CRI namespace of CRIBench's pods.
    public static let podNamespace = "cribench"

    public static func labels(run: RunID) -> [String: String] {
        [ownerLabel: ownerValue, runLabel: run.value]
    }

    /// Selects everything CRIBench created, in any run.
    public static var anyRunSelector: [String: String] { [ownerLabel: ownerValue] }
}

/// A run's id: a UTC timestamp plus a random suffix, safe in labels and file names.
public struct RunID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public static func make(at date: Date = Date()) -> RunID {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd't'HHmmss"
        return RunID("\(formatter.string(from: date))-\(randomSuffix(length: 6))")
    }

    public var description: String { value }
}

/// A short random lower-case suffix, so reruns and parallel runs never collide on names.
public func randomSuffix(length: Int = 8) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return String((0..<length).map { _ in alphabet.randomElement()! })
}
