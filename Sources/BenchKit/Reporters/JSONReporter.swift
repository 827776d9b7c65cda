import Foundation

/// The run as JSON: raw samples plus p50/p90/p99, min, mean and a 95% confidence interval per
/// operation and side.
public enum JSONReporter {
    struct Report: Encodable {
        struct Operation: Encodable {
            let flow: String
            let operation: String
            let kind: WorkloadKind
            /// How each call was timed: back-to-back, after-idle or in-flow.
            let pattern: TimingPattern
            let samplesNs: [Int64]
            let summary: Summary?
        }
        struct Overhead: Encodable {
            let operation = "version"
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
        let machine: MachineFingerprint
    }

    public static func render(_ results: ResultSet) throws -> Data {
        let report = Report(
            runID: results.runID, partial: results.partial, errors: results.errors,
            startedAt: results.startedAt, finishedAt: results.finishedAt, environment: results.environment,
            flows: results.flows,
            operations: results.operations.map {
                .init(flow: $0.flow, operation: $0.operation, kind: $0.kind, pattern: $0.pattern ?? .inFlow, samplesNs: $0.samplesNs, summary: $0.summary)
            },
            harnessOverhead: [
                .init(pattern: .inFlow, samplesNs: results.harnessOverheadNs, summary: Summary(results.harnessOverheadNs)),
                .init(pattern: .backToBack, samplesNs: results.harnessOverheadBackToBackNs, summary: Summary(results.harnessOverheadBackToBackNs)),
            ],
            machine: MachineFingerprint(results.environment))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(report)
    }
}
