import CRIClient
import Foundation

/// One `bench pod`: every Pod of a manifest file run `repeats` times through CRI, one pod at a
/// time, under the run lock; each CRI call timed into a ResultSet (flow `PodManifest`, op
/// `NAME.STEP` with the pod's benchmark name, side by runtime handler), and the runtime left as found, also after a failure
/// or a signal.
public struct ManifestRun: Sendable {
    public var endpoint: CRIEndpoint
    public var callTimeout: Duration
    public var manifest: ManifestFile
    public var repeats: Int
    /// `--runtime-class NAME=HANDLER`, before the file's RuntimeClass documents.
    public var runtimeClasses: [String: String]
    public var wasmHandler: String
    public var volumeRoot: String
    public var waitTimeout: Duration
    public var ledger: ImageLedger
    public var moduleImages: ModuleURLImages?
    /// spec.nodeName for the downward API (default: the host name).
    public var nodeName: String?
    /// See ManifestPodRunner.untilLog.
    public var untilLog: String?
    public let runID = RunID.make()
    public static let flow = "PodManifest"

    public init(endpoint: CRIEndpoint, callTimeout: Duration, manifest: ManifestFile, repeats: Int, runtimeClasses: [String: String],
                wasmHandler: String, volumeRoot: String, waitTimeout: Duration, ledger: ImageLedger, moduleImages: ModuleURLImages?) {
        self.endpoint = endpoint
        self.callTimeout = callTimeout
        self.manifest = manifest
        self.repeats = repeats
        self.runtimeClasses = runtimeClasses
        self.wasmHandler = wasmHandler
        self.volumeRoot = volumeRoot
        self.waitTimeout = waitTimeout
        self.ledger = ledger
        self.moduleImages = moduleImages
    }

    /// The runtime handler of a pod: its RuntimeClass's handler; without one, the wasm handler
    /// for the seeds' `wasm-sandbox: 1` pods and the runtime's default ("") for the rest.
    public func handler(for pod: PodManifest) throws -> String {
        guard let className = pod.runtimeClassName else { return pod.asksForWasmSandbox ? wasmHandler : "" }
        if let handler = runtimeClasses[className] ?? manifest.runtimeClasses.first(where: { $0.name == className })?.handler { return handler }
        throw BenchError("\(pod.document): runtimeClassName \(className) has no RuntimeClass: add a node.k8s.io/v1 RuntimeClass document named \(className) to the file, or pass --runtime-class \(className)=HANDLER")
    }

    public func execute(progress: @escaping @Sendable (String) -> Void, log: @escaping @Sendable (String) -> Void) async throws -> (results: ResultSet, signal: Int32?) {
        let handlers = try Dictionary(uniqueKeysWithValues: manifest.pods.map { ($0.qualifiedName, try handler(for: $0)) })
        // Samples of one op and side come from one handler: runc and crun pods that share a
        // benchmark name would otherwise mix in one column.
        var handlerOf: [String: (String, String)] = [:]
        for pod in manifest.pods {
            let handler = handlers[pod.qualifiedName] ?? ""
            let key = "\(pod.benchmarkName)/\(handler == wasmHandler ? "wasm" : "oci")"
            if let (other, otherPod) = handlerOf[key], other != handler {
                throw BenchError("\(pod.document) and pod \(otherPod) share the benchmark name \(pod.benchmarkName) on one side but run under handlers '\(other)' and '\(handler)': give them different app labels")
            }
            handlerOf[key] = (handler, pod.qualifiedName)
        }
        let lock = try RuntimeLock.acquire(for: endpoint)
        defer { withExtendedLifetime(lock) {} }
        let signals = SignalTrap(progress: progress)
        return try await withCRIClient(endpoint: endpoint, timeout: callTimeout) { client in
            let version = try await client.version()
            let kinds = Dictionary(handlers.map { ($0.value == wasmHandler ? WorkloadKind.wasm : .oci, $0.value) }) { first, _ in first }
            let environment = ResultSet.Environment.current(runtime: "\(version.runtimeName) \(version.runtimeVersion)", endpoint: endpoint.description,
                                                            handlers: Dictionary(kinds.map { ($0.key.rawValue, $0.value) }) { first, _ in first })
            let tracker = ResourceTracker(recordingImagesIn: ledger, run: runID.value, endpoint: endpoint.description)
            let context = FlowContext(client: client, tracker: tracker, runID: runID)
            progress("pod run \(runID) against \(endpoint): \(manifest.pods.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", ")), \(repeats) time(s) each")
            let initial = ResultSet(runID: runID.value, environment: environment)
            let published = PublishedModules()
            let measuring = Task(executorPreference: client.preferredExecutor) {
                var results = initial
                do {
                    let images = try await moduleImages?.publish(manifest, progress: progress) { await published.add([$0]) } ?? [:]
                    var runner = ManifestPodRunner(context: context, volumeRoot: volumeRoot, waitTimeout: waitTimeout, moduleImages: images, log: log)
                    if let nodeName { runner.nodeName = nodeName }
                    runner.untilLog = untilLog
                    for iteration in 1...repeats {
                        for pod in manifest.pods {
                            try Task.checkCancellation()
                            let handler = handlers[pod.qualifiedName] ?? ""
                            let outcome = try await runner.run(pod, handler: handler, printLogs: iteration == 1)
                            let kind: WorkloadKind = handler == wasmHandler ? .wasm : .oci
                            let operations = outcome.steps.map { "\(pod.benchmarkName).\($0.operation)" }
                            for operation in operations where !(results.flows[Self.flow] ?? []).contains(operation) {
                                results.flows[Self.flow, default: []].append(operation)
                            }
                            results.record(flow: Self.flow, operations: operations, kind: kind, durations: outcome.steps.map(\.nanoseconds), window: [0, 0])
                            if iteration == 1 || iteration == repeats || iteration % 10 == 0 {
                                let startup = outcome.steps.last { $0.operation == "startup" }.map { formatDuration(Double($0.nanoseconds)) } ?? "?"
                                progress("\(pod.namespace)/\(pod.name) [\(handler.isEmpty ? "default handler" : handler)] pass \(iteration)/\(repeats): started in \(startup)\(outcome.exitCodes.isEmpty ? "" : ", exit codes " + outcome.exitCodes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
                            }
                        }
                    }
                } catch {
                    results.errors.append("\(error)")
                    progress("error: \(error)")
                }
                return results
            }
            let caught = await signals.cancelOnSignal(measuring)
            var results = await measuring.value
            await BenchmarkRun.leaveRuntimeAsFound(client, tracker: tracker, runID: runID, ledger: ledger, progress: progress)
            await moduleImages?.unpublish(await published.all, progress: progress)
            results.finishedAt = Date()
            if let signal = caught.value { results.errors.append("interrupted by signal \(signal)") }
            results.partial = !results.errors.isEmpty
            return (results, caught.value)
        }
    }
}

/// The module images a run pushed, kept outside its measuring task so that they are deleted
/// also when a signal cancels it.
actor PublishedModules {
    var all: [ModuleURLImages.Pushed] = []
    func add(_ pushed: [ModuleURLImages.Pushed]) { all += pushed }
}
