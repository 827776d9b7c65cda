import Foundation

/// The run as JSON: raw samples plus p50/p90/p99, min, mean and a 95% confidence interval per
/// operation and side.
public enum JSONReporter {
    /// The schema of results.json, written by `render` and read back by `load`.
    struct Report: Codable {
        struct Operation: Codable {
            let flow: String
            let operation: String
            let kind: WorkloadKind
            /// How each call was timed: back-to-back, after-idle or in-flow.
            let pattern: TimingPattern
            let samplesNs: [Int64]
            let summary: Summary?
        }
        struct Overhead: Codable {
            var operation = "version"
            let pattern: TimingPattern
            let samplesNs: [Int64]
            let summary: Summary?
        }
        let runID: String
        let partial: Bool
        let errors: [String]
        let startedAt: Date
        let finishedAt: Date?
        let environment: ResultSet.Environment
        let flows: [String: [String]]
        let operations: [Operation]
        let harnessOverhead: [Overhead]
        /// Sides a flow could not time, with the runtime's answer (absent before flows could refuse).
        let notMeasured: [NotMeasured]?
        let machine: MachineFingerprint
    }

    public static func render(_ results: ResultSet) throws -> Data {
        let report = Report(
            runID: results.runID, partial: results.partial, errors: results.errors,
            startedAt: results.startedAt, finishedAt: results.finishedAt, environment: results.environment,
            flows: results.flows,
            operations: results.operations.map {
                .init(
                    flow: $0.flow, operation: $0.operation, kind: $0.kind, pattern: $0.pattern ?? .inFlow,
                    samplesNs: $0.samplesNs, summary: $0.summary)
            },
            harnessOverhead: [
                .init(
                    pattern: .inFlow, samplesNs: results.harnessOverheadNs,
                    summary: Summary(results.harnessOverheadNs)),
                .init(
                    pattern: .backToBack, samplesNs: results.harnessOverheadBackToBackNs,
                    summary: Summary(results.harnessOverheadBackToBackNs)),
            ],
            notMeasured: results.notMeasured,
            machine: MachineFingerprint(results.environment))
        return try ReportJSON.encoder().encode(report)
    }

    /// Reads a results.json back (for `bench merge`): the samples and the environment; the
    /// summaries are recomputed from the samples.
    public static func load(_ data: Data) throws -> ResultSet {
        let stored = try ReportJSON.decoder().decode(Report.self, from: data)
        var results = ResultSet(runID: stored.runID, environment: stored.environment, startedAt: stored.startedAt)
        results.finishedAt = stored.finishedAt
        results.partial = stored.partial
        results.errors = stored.errors
        results.flows = stored.flows
        results.notMeasured = stored.notMeasured
        results.operations = stored.operations.map {
            OperationSamples(
                flow: $0.flow, operation: $0.operation, kind: $0.kind, pattern: $0.pattern, samplesNs: $0.samplesNs,
                sampleWindowsNs: Array(repeating: [0, 0], count: $0.samplesNs.count))
        }
        for overhead in stored.harnessOverhead {
            if overhead.pattern == .backToBack {
                results.harnessOverheadBackToBackNs = overhead.samplesNs
            } else {
                results.harnessOverheadNs = overhead.samplesNs
            }
        }
        return results
    }
}
