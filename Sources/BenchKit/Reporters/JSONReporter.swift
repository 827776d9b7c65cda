import Foundation

/// The run as JSON: raw samples plus p50/p90/p99, min, mean and a 95% confidence interval per
/// operation and side.
public enum JSONReporter {
    struct Report: Encodable {
        struct Operation: Encodable {
            let flow: String
            let operation: String
            let kind: WorkloadKind
            let samplesNs: [Int64]
            let summary: Summary?
        }
        struct Overhead: Encodable {
            let operation = "version"
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
        let harnessOverhead: Overhead
    }

    public static func render(_ results: ResultSet) throws -> Data {
        let report = Report(
            runID: results.runID, partial: results.partial, errors: results.errors,
            startedAt: results.startedAt, finishedAt: results.finishedAt, environment: results.environment,
            flows: results.flows,
            operations: results.operations.map { .init(flow: $0.flow, operation: $0.operation, kind: $0.kind, samplesNs: $0.samplesNs, summary: $0.summary) },
            harnessOverhead: .init(samplesNs: results.harnessOverheadNs, summary: Summary(results.harnessOverheadNs)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(report)
    }
}
