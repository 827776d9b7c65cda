import Foundation

/// Per-operation medians recorded on a kind of machine, to compare later runs against.
public struct Baseline: Codable, Sendable, Equatable {
    public var recordedOn: String
    public var runID: String
    /// p50 in nanoseconds, keyed "Flow/op/kind".
    public var p50Ns: [String: Double]

    public init(recordedOn: String, runID: String, p50Ns: [String: Double]) {
        self.recordedOn = recordedOn
        self.runID = runID
        self.p50Ns = p50Ns
    }

    public init(from results: ResultSet) {
        var medians: [String: Double] = [:]
        for operation in results.operations { medians[operation.key] = operation.summary?.p50 }
        self.init(recordedOn: "\(results.environment.cpu), \(results.environment.cpuCount) CPUs", runID: results.runID, p50Ns: medians)
    }

    public static func load(_ path: String) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("baseline \(path) cannot be read") }
        do {
            return try JSONDecoder().decode(Baseline.self, from: data)
        } catch {
            throw BenchError("baseline \(path) is not a CRIBench baseline: \(error)")
        }
    }

    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
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

    public var ratio: Double? {
        guard let baselineNs, let currentNs, baselineNs > 0 else { return nil }
        return currentNs / baselineNs
    }
}

/// Compares medians with a baseline. An operation regressed when its p50 is more than
/// `threshold` times the baseline's and slower by more than `noiseFloorNs` in absolute terms
/// (so a 0.4 ms call that takes 0.6 ms on a busy machine does not fail the night).
public struct RegressionGate: Sendable {
    public let threshold: Double
    public let noiseFloorNs: Double

    public init(threshold: Double, noiseFloorNs: Double) {
        self.threshold = threshold
        self.noiseFloorNs = noiseFloorNs
    }

    public func compare(_ results: ResultSet, with baseline: Baseline) -> [RegressionFinding] {
        var current: [String: Double] = [:]
        for operation in results.operations { current[operation.key] = operation.summary?.p50 }
        let keys = Set(current.keys).union(baseline.p50Ns.keys).sorted()
        return keys.map { key in
            let before = baseline.p50Ns[key], now = current[key]
            let verdict: RegressionFinding.Verdict
            switch (before, now) {
            case (nil, _): verdict = .new
            case (_, nil): verdict = .missing
            case let (before?, now?):
                if now > before * threshold && now - before > noiseFloorNs { verdict = .regressed }
                else if now * threshold < before && before - now > noiseFloorNs { verdict = .improved }
                else { verdict = .unchanged }
            }
            return RegressionFinding(key: key, baselineNs: before, currentNs: now, verdict: verdict)
        }
    }

    /// The gate fails on a regression, and on an operation missing from the run.
    public static func failures(_ findings: [RegressionFinding]) -> [RegressionFinding] {
        findings.filter { $0.verdict == .regressed || $0.verdict == .missing }
    }
}
