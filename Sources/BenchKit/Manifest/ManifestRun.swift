import CRIClient
import Foundation

/// One `bench pod`: every Pod of a manifest file run `repeats` times through CRI, one pod at a
/// time, under the run lock; each CRI call timed into a ResultSet (flow `PodManifest`, op
/// `NAME.STEP` with the pod's benchmark name, side by runtime handler), and the runtime left as
/// found, also after a failure or a signal.
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

    public init(
        endpoint: CRIEndpoint, callTimeout: Duration, manifest: ManifestFile, repeats: Int,
        runtimeClasses: [String: String],
        wasmHandler: String, volumeRoot: String, waitTimeout: Duration, ledger: ImageLedger,
        moduleImages: ModuleURLImages?
    ) {
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

    /// The runtime handler of a pod:
    /// - its RuntimeClass's handler, which `spec.runtimeHandler` may repeat but not contradict;
    /// - else for the wasm fork's `wasm-sandbox: 1` pods, a `spec.runtimeHandler` whose name
    ///   says wasm, else the wasm handler: in the fork the annotation is what makes the pod a
    ///   wasm sandbox, and the design notes' sketch's `runtimeHandler: runc` names the runtime
    ///   the fork ran the sandbox beside;
    /// - else `spec.runtimeHandler`, else the runtime's default ("").
    public func handler(for pod: PodManifest) throws -> String {
        guard let className = pod.runtimeClassName else {
            if pod.asksForWasmSandbox {
                return pod.runtimeHandler.map { WorkloadFamily.guess(handler: $0) == .wasm ? $0 : wasmHandler }
                    ?? wasmHandler
            }
            return pod.runtimeHandler ?? ""
        }
        guard
            let handler = runtimeClasses[className]
                ?? manifest.runtimeClasses.first(where: { $0.name == className })?.handler
        else {
            throw BenchError(
                "\(pod.document): runtimeClassName \(className) has no RuntimeClass: add a node.k8s.io/v1 RuntimeClass "
                    + "document named \(className) to the file, or pass --runtime-class \(className)=HANDLER")
        }
        if let direct = pod.runtimeHandler, direct != handler {
            throw BenchError(
                "\(pod.document): spec.runtimeHandler \(direct) contradicts runtimeClassName \(className) (handler "
                    + "\(handler)): give one of the two")
        }
        return handler
    }

    /// The side a pod's figures go to: wasm for the wasm handler and any handler whose name says
    /// wasm, OCI for the rest.
    public func side(ofHandler handler: String) -> WorkloadKind {
        handler == wasmHandler || WorkloadFamily.guess(handler: handler) == .wasm ? .wasm : .oci
    }

    public func execute(
        progress: @escaping @Sendable (String) -> Void, log: @escaping @Sendable (String) -> Void
    ) async throws -> (results: ResultSet, signal: Int32?) {
        let handlers = try Dictionary(
            uniqueKeysWithValues: manifest.pods.map { ($0.qualifiedName, try handler(for: $0)) })
        // Samples of one op and side come from one handler: runc and crun pods that share a
        // benchmark name would otherwise mix in one column.
        var handlerOf: [String: (String, String)] = [:]
        for pod in manifest.pods {
            let handler = handlers[pod.qualifiedName] ?? ""
            let key = "\(pod.benchmarkName)/\(side(ofHandler: handler).rawValue)"
            if let (other, otherPod) = handlerOf[key], other != handler {
                throw BenchError(
                    "\(pod.document) and pod \(otherPod) share the benchmark name \(pod.benchmarkName) on one side "
                        + "but run under handlers '\(other)' and '\(handler)': give them different app labels"
                )
            }
            handlerOf[key] = (handler, pod.qualifiedName)
            if let asked = pod.runtimeHandler, asked != handler {
                progress(
                    "\(pod.document): spec.runtimeHandler \(asked) gives way to the wasm handler \(handler) "
                        + "(wasm-sandbox: 1)")
            }
        }
        let setup = BenchRunSetup(endpoint: endpoint, callTimeout: callTimeout, runID: runID, ledger: ledger)
        let published = PublishedModules()
        let run = self
        return try await withBenchRun(setup, progress: progress) { session in
            // Each side named by its handler; with two on a side, the first by name, every run alike.
            let sides = Dictionary(
                handlers.values.sorted().map { (run.side(ofHandler: $0).rawValue, $0) }
            ) { first, _ in first }
            progress(
                "pod run \(runID) against \(endpoint): "
                    + "\(manifest.pods.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", ")), \(repeats) "
                    + "time(s) each"
            )
            return ResultSet(runID: runID.value, environment: session.environment(handlers: sides))
        } measure: { session, results in
            let images =
                try await run.moduleImages?.publish(run.manifest, progress: progress) { await published.add([$0]) }
                ?? [:]
            var runner = ManifestPodRunner(
                context: session.context, volumeRoot: run.volumeRoot, waitTimeout: run.waitTimeout,
                moduleImages: images, log: log)
            if let nodeName = run.nodeName { runner.nodeName = nodeName }
            runner.untilLog = run.untilLog
            for iteration in 1...run.repeats {
                for pod in run.manifest.pods {
                    try Task.checkCancellation()
                    try await run.pass(
                        pod, handler: handlers[pod.qualifiedName] ?? "", iteration: iteration, runner: runner,
                        progress: progress, into: &results)
                }
            }
        } cleanUp: { _ in
            await run.moduleImages?.unpublish(await published.all, progress: progress)
        }
    }

    /// One pod run once, its steps recorded as ops of its benchmark name.
    private func pass(
        _ pod: PodManifest, handler: String, iteration: Int, runner: ManifestPodRunner,
        progress: @Sendable (String) -> Void, into results: inout ResultSet
    ) async throws {
        let outcome = try await runner.run(pod, handler: handler, printLogs: iteration == 1)
        let kind = side(ofHandler: handler)
        let operations = outcome.steps.map { "\(pod.benchmarkName).\($0.operation)" }
        for operation in operations where !(results.flows[Self.flow] ?? []).contains(operation) {
            results.flows[Self.flow, default: []].append(operation)
        }
        results.record(
            flow: Self.flow, operations: operations, kind: kind, durations: outcome.steps.map(\.nanoseconds),
            window: [0, 0])
        guard iteration == 1 || iteration == repeats || iteration % 10 == 0 else { return }
        let startup =
            outcome.steps.last { $0.operation == "startup" }.map { formatDuration(Double($0.nanoseconds)) } ?? "?"
        let exits = outcome.exitCodes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        progress(
            "\(pod.namespace)/\(pod.name) [\(handler.isEmpty ? "default handler" : handler)] pass "
                + "\(iteration)/\(repeats): "
                + "started in \(startup)\(exits.isEmpty ? "" : ", exit codes " + exits)")
    }
}

/// The module images a run pushed, kept outside its measuring task so that they are deleted
/// also when a signal cancels it.
actor PublishedModules {
    var all: [ModuleURLImages.Pushed] = []
    func add(_ pushed: [ModuleURLImages.Pushed]) { all += pushed }
}
