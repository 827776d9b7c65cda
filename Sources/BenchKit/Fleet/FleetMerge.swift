import Foundation

/// `bench merge`: runs of `bench run` from many nodes (or from one node over time) as one fleet
/// report: per node and op p50/p99, fleet-wide percentiles over every sample, the nodes that
/// stand out, and each node's runtime and kernel.
public struct FleetReport: Codable, Sendable {
    public struct Node: Codable, Sendable, Equatable {
        public var name: String
        public var runtime: String
        public var kernel: String
        public var cpu: String
        public var handlers: [String: String]
        public var runs: [String]
    }

    /// One op and side on one node, its runs pooled.
    public struct NodeOperation: Codable, Sendable, Equatable {
        public var node: String
        public var key: String
        public var samples: Int
        public var p50Ns: Double
        public var p99Ns: Double
        /// This node's p50 over the median of every node's p50 for the key.
        public var ratioToFleet: Double
        public var standsOut: Bool
    }

    public struct FleetOperation: Codable, Sendable, Equatable {
        public var key: String
        public var nodes: Int
        public var samples: Int
        public var p50Ns: Double
        public var p90Ns: Double
        public var p99Ns: Double
        public var medianOfNodeP50Ns: Double
        public var slowNodes: [String]
    }

    public var nodes: [Node] = []
    public var perNode: [NodeOperation] = []
    public var fleet: [FleetOperation] = []
    public var rule: String
    /// Per node and key, the raw samples (for the Go benchmark text).
    public var samplesNs: [String: [String: [Int64]]] = [:]
}

public enum FleetMerge {
    /// A node stands out on an op when at least `minimumNodes` nodes measured it, its p50 is more
    /// than `factor` times the median of the nodes' p50s and more than `floorNs` above it, and
    /// its samples differ from the other nodes' pooled samples (Mann-Whitney U, p < `significance`).
    /// Why the test: CreateContainer is bimodal here (about 6 or 20 ms), so a node whose 10
    /// samples fell on the upper mode more often had a p50 1.6x the median without being slower.
    public static let factor = 1.5, floorNs = 2_000_000.0, minimumNodes = 3, significance = 0.01

    public static var rule: String {
        String(
            format:
                "a node stands out on an op when at least %d nodes measured it, its p50 is more than %.1fx the median "
                + "of the nodes' p50s and more than %.0f ms above it, and its samples differ from the other "
                + "nodes' (Mann-Whitney U, p < %.2f)",
            minimumNodes, factor, floorNs / 1e6, significance)
    }

    /// Each argument is a run's directory (holding results.json) or a directory of such runs.
    public static func load(_ paths: [String]) throws -> [ResultSet] {
        var runs: [ResultSet] = []
        for path in paths {
            var files: [String] = []
            if FileManager.default.fileExists(atPath: "\(path)/results.json") {
                files = ["\(path)/results.json"]
            } else if let entries = try? FileManager.default.contentsOfDirectory(atPath: path) {
                files = entries.sorted().map { "\(path)/\($0)/results.json" }.filter {
                    FileManager.default.fileExists(atPath: $0)
                }
            }
            guard !files.isEmpty else {
                throw BenchError(
                    "\(path) holds no results.json of bench run (give a run's directory, or a directory of them)")
            }
            for file in files {
                do {
                    runs.append(try JSONReporter.load(try Data(contentsOf: URL(fileURLWithPath: file))))
                } catch {
                    throw BenchError("\(file) is not the results.json of a bench run: \(error)")
                }
            }
        }
        return runs
    }

    public static func merge(_ runs: [ResultSet]) -> FleetReport {
        var report = FleetReport(rule: rule)
        func nodeName(_ run: ResultSet) -> String { run.environment.node ?? run.environment.host }
        for run in runs {
            let name = nodeName(run)
            if let index = report.nodes.firstIndex(where: { $0.name == name }) {
                report.nodes[index].runs.append(run.runID)
            } else {
                let environment = run.environment
                report.nodes.append(
                    .init(
                        name: name, runtime: environment.runtime, kernel: environment.kernel ?? "unknown",
                        cpu: "\(environment.cpuCount) × \(environment.cpu)", handlers: environment.handlers,
                        runs: [run.runID]))
            }
            for operation in run.operations {
                report.samplesNs[name, default: [:]][operation.key, default: []] += operation.samplesNs
            }
        }
        // Nodes by name, never by the order the runs came in: run directories started within one
        // second share a timestamp, so their order is a random suffix's.
        report.nodes.sort { $0.name < $1.name }
        let keys = orderedKeys(runs)
        for key in keys {
            let measured = report.nodes.map(\.name).compactMap { node in
                report.samplesNs[node]?[key].flatMap { samples in Summary(samples).map { (node, samples.count, $0) } }
            }
            guard !measured.isEmpty else { continue }
            let median = Summary.percentile(measured.map(\.2.p50).sorted(), 50)
            var slow: [String] = []
            for (node, count, summary) in measured {
                let ratio = median > 0 ? summary.p50 / median : 1
                let others = measured.filter { $0.0 != node }.flatMap { report.samplesNs[$0.0]?[key] ?? [] }.map(
                    Double.init)
                let own = (report.samplesNs[node]?[key] ?? []).map(Double.init)
                let standsOut =
                    measured.count >= minimumNodes && summary.p50 > median * factor && summary.p50 - median > floorNs
                    && MannWhitney.pValue(others, own) < significance
                if standsOut { slow.append(node) }
                report.perNode.append(
                    .init(
                        node: node, key: key, samples: count, p50Ns: summary.p50, p99Ns: summary.p99,
                        ratioToFleet: ratio, standsOut: standsOut))
            }
            let all = measured.flatMap { report.samplesNs[$0.0]?[key] ?? [] }
            if let fleet = Summary(all) {
                report.fleet.append(
                    .init(
                        key: key, nodes: measured.count, samples: all.count, p50Ns: fleet.p50, p90Ns: fleet.p90,
                        p99Ns: fleet.p99,
                        medianOfNodeP50Ns: median, slowNodes: slow))
            }
        }
        return report
    }

    /// Op keys in the order the runs measured them.
    static func orderedKeys(_ runs: [ResultSet]) -> [String] {
        var keys: [String] = []
        for run in runs {
            for operation in run.operations where !keys.contains(operation.key) { keys.append(operation.key) }
        }
        return keys
    }
}
