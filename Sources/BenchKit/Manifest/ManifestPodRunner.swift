import CRIClient
import Foundation

/// Runs one Pod manifest through CRI the way a kubelet does (sandbox; init containers one
/// after the other, each to a clean exit; then the containers; wait Running, or exited for
/// run-to-completion pods; logs; teardown), timing every CRI call.
public struct ManifestPodRunner: Sendable {
    public let context: FlowContext
    /// Where emptyDir volumes are made (on the runtime's host).
    public let volumeRoot: String
    /// How long a pod may take to get its containers Running (or exited).
    public let waitTimeout: Duration
    /// Images that stand for a container's `wasm.module.url` (see ModuleURLImages), by URL.
    public let moduleImages: [String: String]
    public let log: @Sendable (String) -> Void
    /// The node the pod runs on (its spec.nodeName for the downward API).
    public var nodeName = ProcessInfo.processInfo.hostName
    /// For pods that never end by themselves: before teardown, wait until every container's
    /// log has a line containing this (a benchmark in a pod that prints an end marker).
    public var untilLog: String?

    public init(context: FlowContext, volumeRoot: String, waitTimeout: Duration, moduleImages: [String: String] = [:], log: @escaping @Sendable (String) -> Void) {
        self.context = context
        self.volumeRoot = volumeRoot
        self.waitTimeout = waitTimeout
        self.moduleImages = moduleImages
        self.log = log
    }

    /// One timed step of a pod: "run-sandbox", "create-app", ... and the whole "startup".
    public struct Step: Sendable, Equatable {
        public let operation: String
        public let nanoseconds: Int64
    }

    /// What one pass of a pod left to report: its timed steps and each container's end.
    public struct Outcome: Sendable {
        public var steps: [Step] = []
        public var exitCodes: [String: Int32] = [:]
        public var logs: [String: [String]] = [:]
    }

    public func run(_ pod: PodManifest, handler: String, printLogs: Bool) async throws -> Outcome {
        let uid = UUID().uuidString.lowercased()
        let volumes = try PodVolumes.prepare(pod, root: "\(volumeRoot)/\(uid)")
        do {
            let outcome = try await pass(pod, handler: handler, printLogs: printLogs, uid: uid, volumes: volumes)
            volumes.remove()
            return outcome
        } catch {
            // The pod's containers and sandbox go before its volumes, in a task of their own so
            // that a Ctrl-C which cancelled the pass does not cancel them too.
            let context = self.context, logDirectory = logDirectory(pod, uid: uid)
            await Task {
                let selector = context.labels.merging(["io.kubernetes.pod.uid": uid]) { $1 }
                _ = try? await Cleanup.removeLabelled(selector, using: context.client)
            }.value
            volumes.remove()
            removeDirectory(logDirectory)
            throw error
        }
    }

    func logDirectory(_ pod: PodManifest, uid: String) -> String { "\(context.podLogRoot)/\(pod.namespace)_\(pod.name)_\(uid)" }

    func pass(_ pod: PodManifest, handler: String, printLogs: Bool, uid: String, volumes: PodVolumes) async throws -> Outcome {
        var outcome = Outcome()
        let logDirectory = logDirectory(pod, uid: uid)
        let clock = ContinuousClock()
        func timed<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
            let start = clock.now
            let value = try await body()
            outcome.steps.append(Step(operation: operation, nanoseconds: (clock.now - start).nanoseconds))
            return value
        }
        let began = clock.now
        let sandboxConfig = pod.sandboxConfig(uid: uid, logDirectory: logDirectory, cgroupParent: context.cgroupParent, ownership: context.labels)
        let sandbox = try await timed("run-sandbox") {
            do {
                return try await context.client.runPodSandbox(sandboxConfig, runtimeHandler: handler)
            } catch {
                throw BenchError("\(pod.document): RunPodSandbox with runtime handler '\(handler)' failed: \(error)")
            }
        }
        await context.tracker.track(.podSandbox(id: sandbox, logDirectory: logDirectory))

        var started: [(ContainerManifest, String)] = []
        func start(_ container: ContainerManifest) async throws -> String {
            let image = try await ensureImage(container, pod: pod) { operation, body in try await timed(operation, body) }
            let config = container.config(pod: pod, uid: uid, nodeName: nodeName, image: image, hostPaths: volumes.hostPaths, ownership: context.labels,
                                          imageAnnotations: container.moduleURL.map { [ContainerManifest.moduleURLAnnotation: $0] } ?? [:])
            let id = try await timed("create-\(container.name)") {
                do {
                    return try await context.client.createContainer(in: sandbox, config: config, sandboxConfig: sandboxConfig)
                } catch {
                    throw BenchError("\(pod.document): container \(container.name) (image \(container.image)) could not be created: \(error)")
                }
            }
            await context.tracker.track(.container(id: id))
            try await timed("start-\(container.name)") {
                do {
                    try await context.client.startContainer(id)
                } catch {
                    throw BenchError("\(pod.document): container \(container.name) could not be started: \(error)")
                }
            }
            started.append((container, id))
            return id
        }

        for container in pod.initContainers {
            let id = try await start(container)
            let status = try await waitUntil(id, container: container, pod: pod, exited: true)
            outcome.exitCodes[container.name] = status.exitCode
            outcome.logs[container.name] = readLog(logDirectory, container.name)
            if status.exitCode != 0 {
                throw BenchError("\(pod.document): init container \(container.name) exited with code \(status.exitCode) (\(status.reason))\(tail(outcome.logs[container.name]))")
            }
        }
        var running: [(ContainerManifest, String)] = []
        for container in pod.containers { running.append((container, try await start(container))) }
        for (container, id) in running {
            let status = try await waitUntil(id, container: container, pod: pod, exited: pod.runsToCompletion)
            if status.state == .containerExited {
                outcome.exitCodes[container.name] = status.exitCode
                if status.exitCode != 0 || !pod.runsToCompletion {
                    let logs = readLog(logDirectory, container.name)
                    let why = pod.runsToCompletion ? "" : " while restartPolicy is Always (a kubelet would restart it; bench pod does not)"
                    throw BenchError("\(pod.document): container \(container.name) exited with code \(status.exitCode) (\(status.reason))\(why)\(tail(logs))")
                }
            }
        }
        outcome.steps.append(Step(operation: "startup", nanoseconds: (clock.now - began).nanoseconds))
        if let untilLog, !pod.runsToCompletion {
            let deadline = ContinuousClock.now + waitTimeout
            for (container, id) in running {
                while !readLog(logDirectory, container.name).contains(where: { $0.contains(untilLog) }) {
                    let status = try await context.client.containerStatus(id)
                    if status.state == .containerExited {
                        throw BenchError("\(pod.document): container \(container.name) exited with code \(status.exitCode) before logging '\(untilLog)'\(tail(readLog(logDirectory, container.name)))")
                    }
                    if ContinuousClock.now >= deadline {
                        throw BenchError("\(pod.document): container \(container.name) did not log '\(untilLog)' within \(waitTimeout)\(tail(readLog(logDirectory, container.name)))")
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        for (container, _) in running {
            var lines = readLog(logDirectory, container.name)
            // A container just seen Running is still writing its first lines: print them once
            // its log has been quiet for 300 ms (at most 3 s; untimed).
            var quiet = 0, waited = 0
            while printLogs, !pod.runsToCompletion, quiet < 3 || lines.isEmpty, waited < 30 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
                let now = readLog(logDirectory, container.name)
                quiet = now == lines ? quiet + 1 : 0
                lines = now
            }
            outcome.logs[container.name] = lines
        }
        if printLogs {
            for container in pod.initContainers + pod.containers {
                for line in outcome.logs[container.name] ?? [] { log("\(pod.name)/\(container.name): \(line)") }
            }
        }

        let grace = pod.terminationGracePeriodSeconds
        for (container, id) in started.reversed() {
            try await timed("stop-\(container.name)") { try await context.client.stopContainer(id, gracePeriodSeconds: grace) }
            try await timed("remove-\(container.name)") { try await context.client.removeContainerSharing(id) }
            await context.tracker.forget(.container(id: id))
        }
        try await timed("stop-sandbox") { try await context.client.stopPodSandbox(sandbox) }
        try await timed("remove-sandbox") { try await context.client.removePodSandboxSharing(sandbox) }
        await context.tracker.forget(.podSandbox(id: sandbox, logDirectory: logDirectory))
        removeDirectory(logDirectory)
        return outcome
    }

    /// The image a container runs, present on the node as its pull policy asks; an image the
    /// node did not hold before is tracked, so it is removed at the end of the run.
    func ensureImage(_ container: ContainerManifest, pod: PodManifest,
                     timed: (String, () async throws -> Void) async throws -> Void) async throws -> String {
        var image = container.image
        if let url = container.moduleURL {
            guard let packaged = moduleImages[url] else { throw BenchError("\(pod.document): the module of container \(container.name) (\(url)) was not fetched") }
            image = packaged
        }
        let present = try await context.client.imageStatus(image) != nil
        switch (container.pullPolicy, present) {
        case (.never, false):
            throw BenchError("\(pod.document): image \(image) of container \(container.name) is not on the node and imagePullPolicy is Never: pull it first, or change the policy")
        case (.never, true), (.ifNotPresent, true):
            return image
        case (.always, _), (.ifNotPresent, false):
            if !present { await context.tracker.trackOnce(.image(reference: image)) }
            try await timed("pull-\(container.name)") {
                do {
                    let annotations = container.moduleURL.map { [ContainerManifest.moduleURLAnnotation: $0] } ?? [:]
                    _ = try await context.client.pullImage(ImageSpec.with { $0.image = image; $0.annotations = annotations })
                } catch {
                    throw BenchError("\(pod.document): image \(image) of container \(container.name) cannot be pulled: \(error)")
                }
            }
            return image
        }
    }

    func waitUntil(_ id: String, container: ContainerManifest, pod: PodManifest, exited: Bool) async throws -> ContainerStatus {
        let deadline = ContinuousClock.now + waitTimeout
        while true {
            let status = try await context.client.containerStatus(id)
            if status.state == .containerExited || (!exited && status.state == .containerRunning) { return status }
            if ContinuousClock.now >= deadline {
                throw BenchError("\(pod.document): container \(container.name) was not \(exited ? "finished" : "Running") within \(waitTimeout) (state \(status.state)); raise --wait-timeout if it is slow to start")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func readLog(_ logDirectory: String, _ container: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: "\(logDirectory)/\(container)/0.log") else { return [] }
        return CRILogLine.messages(String(decoding: data, as: UTF8.self))
    }

    func tail(_ lines: [String]?) -> String {
        guard let lines, !lines.isEmpty else { return "" }
        return "; its last output: " + lines.suffix(5).joined(separator: " | ")
    }
}
