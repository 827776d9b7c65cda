import CRIClient
import Foundation

/// The raw durations of one operation of one flow on one side.
public struct OperationSamples: Codable, Sendable {
    public let flow: String
    public let operation: String
    public let kind: WorkloadKind
    /// How each call was timed (nil in results written before patterns were recorded).
    public var pattern: TimingPattern?
    public var samplesNs: [Int64]
    /// Wall-clock start and end (ns since the epoch) of each sample, for critest's schema.
    public var sampleWindowsNs: [[Int64]]

    public var summary: Summary? { Summary(samplesNs) }
    /// "ImageInCri/pull/wasm": the key of baselines and comparisons.
    public var key: String { "\(flow)/\(operation)/\(kind.rawValue)" }
}

/// A side a flow set up but could not time, with the runtime's answer (a wasm instance's
/// refusal to exec): reported as what it is, never as a sample.
public struct NotMeasured: Codable, Sendable, Equatable {
    public let flow: String
    public let kind: WorkloadKind
    public let runtimeAnswer: String

    public init(flow: String, kind: WorkloadKind, runtimeAnswer: String) {
        self.flow = flow
        self.kind = kind
        self.runtimeAnswer = runtimeAnswer
    }
}

/// Everything one run measured, plus what is needed to read it later.
public struct ResultSet: Codable, Sendable {
    public struct Environment: Codable, Sendable {
        public var goos = "linux"
        public var goarch: String
        public var cpu: String
        public var cpuCount: Int
        public var host: String
        public var runtime: String
        public var endpoint: String
        public var handlers: [String: String]
        /// The kernel release (uname -r).
        public var kernel: String?
        /// The CRI client that made the calls, e.g. "CRIClient on gRPC C core 29.0.0".
        public var client: String?
        /// The Kubernetes node the run measured (`--node-name`, else $NODE_NAME as the downward
        /// API passes it); nil for a run that did not say, which `bench merge` calls by its host.
        public var node: String?

        public init(
            goarch: String, cpu: String, cpuCount: Int, host: String, runtime: String, endpoint: String,
            handlers: [String: String],
            kernel: String? = nil, client: String? = nil, node: String? = nil
        ) {
            self.kernel = kernel
            self.client = client
            self.node = node
            self.goarch = goarch
            self.cpu = cpu
            self.cpuCount = cpuCount
            self.host = host
            self.runtime = runtime
            self.endpoint = endpoint
            self.handlers = handlers
        }
    }

    public let runID: String
    public var environment: Environment
    public var flows: [String: [String]] = [:]
    public var operations: [OperationSamples] = []
    /// The harness's own cost per sample: a Version call right after the sample's flow
    /// operations (in-flow pattern), reported on its own line and used as the machine scale.
    public var harnessOverheadNs: [Int64] = []
    /// The same null call made again at once (back-to-back pattern): the client's own cost
    /// with no wake-up in it.
    public var harnessOverheadBackToBackNs: [Int64] = []
    /// True when the run was interrupted (signal, deadline, failure) before it finished.
    public var partial = false
    public var errors: [String] = []
    /// Sides a flow could not measure because the runtime refused what it times (nil in results
    /// written before flows could refuse).
    public var notMeasured: [NotMeasured]?
    public var startedAt: Date
    public var finishedAt: Date?

    public init(runID: String, environment: Environment, startedAt: Date = Date()) {
        self.runID = runID
        self.environment = environment
        self.startedAt = startedAt
    }

    public mutating func record(
        flow: String, operations names: [String], kind: WorkloadKind, durations: [Int64], window: [Int64],
        pattern: TimingPattern = .inFlow
    ) {
        for (name, duration) in zip(names, durations) {
            if let index = operations.firstIndex(where: { $0.flow == flow && $0.operation == name && $0.kind == kind })
            {
                operations[index].samplesNs.append(duration)
                operations[index].sampleWindowsNs.append(window)
            } else {
                operations.append(
                    OperationSamples(
                        flow: flow, operation: name, kind: kind, pattern: pattern, samplesNs: [duration],
                        sampleWindowsNs: [window]))
            }
        }
    }

    /// The sides measured, in the order the run first measured them (the reference side first).
    public var kinds: [WorkloadKind] {
        var seen: [WorkloadKind] = []
        for operation in operations where !seen.contains(operation.kind) { seen.append(operation.kind) }
        return seen
    }

    public func samples(flow: String, operation: String, kind: WorkloadKind) -> OperationSamples? {
        operations.first { $0.flow == flow && $0.operation == operation && $0.kind == kind }
    }

    /// How the calls of `flow` were timed.
    public func pattern(ofFlow flow: String) -> TimingPattern {
        operations.first { $0.flow == flow }?.pattern ?? .inFlow
    }

    /// Flow names in the order they ran.
    public var flowOrder: [String] {
        var seen: [String] = []
        for operation in operations where !seen.contains(operation.flow) { seen.append(operation.flow) }
        return seen
    }
}

extension ResultSet.Environment {
    /// This machine's description, read from /proc and uname.
    public static func current(runtime: String, endpoint: String, handlers: [String: String]) -> Self {
        var system = utsname()
        uname(&system)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let machine = field(system.machine)
        let goarch = ["x86_64": "amd64", "aarch64": "arm64"][machine] ?? machine
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map {
                $0.split(separator: ":", maxSplits: 1).last.map { String($0).trimmingCharacters(in: .whitespaces) }
                    ?? ""
            } ?? machine
        return .init(
            goarch: goarch, cpu: model, cpuCount: ProcessInfo.processInfo.activeProcessorCount,
            host: field(system.nodename), runtime: runtime, endpoint: endpoint, handlers: handlers,
            kernel: field(system.release), client: "CRIClient on \(CRIClient.transportDescription)",
            node: ProcessInfo.processInfo.environment["NODE_NAME"].flatMap { $0.isEmpty ? nil : $0 })
    }
}
