import Foundation

/// cri-tools' benchmark schema (LifecycleBenchmarksResultsSet), one file per flow and side, so
/// critest users can feed CRIBench's figures to the tooling they have.
public enum CritestReporter {
    struct ResultsSet: Codable {
        struct Datapoint: Codable {
            let sampleIndex: Int
            let startTime: Int64
            let endTime: Int64
            let operationsDurationsNs: [Int64]
            let metaInfo: [String: String]
        }
        let operationsNames: [String]
        let numParallel: Int
        let datapoints: [Datapoint]
    }

    /// File name (critest-FLOW-KIND.json) to content.
    public static func render(_ results: ResultSet) throws -> [String: Data] {
        let encoder = ReportJSON.encoder()
        var files: [String: Data] = [:]
        for flow in results.flowOrder {
            let names = results.flows[flow] ?? []
            for kind in results.kinds {
                let columns = names.compactMap { results.samples(flow: flow, operation: $0, kind: kind) }
                // critest's datapoints hold every op once; a flow whose ops ran unequally often
                // (bench pod pulls in its first pass only) has no such rows and gets no file.
                guard columns.count == names.count, let first = columns.first,
                    columns.allSatisfy({
                        $0.samplesNs.count == first.samplesNs.count && $0.sampleWindowsNs.count == first.samplesNs.count
                    })
                else { continue }
                let handler = results.environment.handlers[kind.rawValue] ?? ""
                let datapoints = first.samplesNs.indices.map { index in
                    ResultsSet.Datapoint(
                        sampleIndex: index, startTime: first.sampleWindowsNs[index][0],
                        endTime: first.sampleWindowsNs[index][1],
                        operationsDurationsNs: columns.map { $0.samplesNs[index] },
                        metaInfo: ["kind": kind.rawValue, "runtimeHandler": handler, "run": results.runID])
                }
                let set = ResultsSet(operationsNames: names, numParallel: 1, datapoints: datapoints)
                files["critest-\(flow)-\(kind.rawValue).json"] = try encoder.encode(set)
            }
        }
        return files
    }
}
