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

    public init(
        context: FlowContext, volumeRoot: String, waitTimeout: Duration, moduleImages: [String: String] = [:],
        log: @escaping @Sendable (String) -> Void
    ) {
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

    func logDirectory(_ pod: PodManifest, uid: String) -> String {
        "\(context.podLogRoot)/\(pod.namespace)_\(pod.name)_\(uid)"
    }

    /// One pass of a pod, as the kubelet makes it: sandbox, init containers, containers, the
    /// wait for them, their logs, then teardown; each CRI call a timed step.
    func pass(
        _ pod: PodManifest, handler: String, printLogs: Bool, uid: String, volumes: PodVolumes
    ) async throws -> Outcome {
        let logDirectory = logDirectory(pod, uid: uid)
        var pass = PodPass(
            pod: pod, uid: uid, logDirectory: logDirectory, hostPaths: volumes.hostPaths,
            sandboxConfig: pod.sandboxConfig(
                uid: uid, logDirectory: logDirectory,
                cgroupParent: context.cgroupParent, ownership: context.labels))
        let began = ContinuousClock.now
        try await runSandbox(&pass, handler: handler)
        for container in pod.initContainers { try await runInitContainer(container, in: &pass) }
        var running: [(ContainerManifest, String)] = []
        for container in pod.containers { running.append((container, try await start(container, in: &pass))) }
        for (container, id) in running { try await awaitStarted(container, id: id, in: &pass) }
        pass.outcome.steps.append(Step(operation: "startup", nanoseconds: (ContinuousClock.now - began).nanoseconds))
        // Untimed: reading logs and cgroups is the harness's work, not the runtime's.
        for container in pod.initContainers {
            pass.outcome.logs[container.name] = readLog(pass.logDirectory, container.name)
        }
        for (container, id) in running { try await checkLimits(container, id: id, pod: pod) }
        if let untilLog, !pod.runsToCompletion {
            let deadline = ContinuousClock.now + waitTimeout
            for (container, id) in running {
                try await waitForLog(untilLog, container, id: id, pass: pass, deadline: deadline)
            }
        }
        for (container, id) in running {
            pass.outcome.logs[container.name] = try await settledLog(container, pass: pass, wait: printLogs)
            // Seen Running, it may have ended since: its end counts as if seen at once.
            if !pod.runsToCompletion {
                try checkEnd(try await context.client.containerStatus(id), of: container, in: &pass)
            }
        }
        if printLogs {
            for container in pod.initContainers + pod.containers {
                for line in pass.outcome.logs[container.name] ?? [] { log("\(pod.name)/\(container.name): \(line)") }
            }
        }
        try await tearDown(&pass)
        return pass.outcome
    }

    /// What one pass knows as it goes: the pod, its sandbox, the containers started so far
    /// (torn down in reverse), and the outcome with its timed steps.
    struct PodPass {
        let pod: PodManifest
        let uid: String
        let logDirectory: String
        let hostPaths: [String: String]
        let sandboxConfig: PodSandboxConfig
        var sandbox = ""
        var started: [(ContainerManifest, String)] = []
        var outcome = Outcome()

        /// Runs `body` as the timed step `operation`.
        mutating func timed<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
            let (value, took) = try await BenchKit.timed(body)
            outcome.steps.append(Step(operation: operation, nanoseconds: took))
            return value
        }
    }

    func runSandbox(_ pass: inout PodPass, handler: String) async throws {
        let (client, config, document) = (context.client, pass.sandboxConfig, pass.pod.document)
        pass.sandbox = try await pass.timed("run-sandbox") {
            do {
                return try await client.runPodSandbox(config, runtimeHandler: handler)
            } catch {
                throw BenchError("\(document): RunPodSandbox with runtime handler '\(handler)' failed: \(error)")
            }
        }
        await context.tracker.track(.podSandbox(id: pass.sandbox, logDirectory: pass.logDirectory))
    }

    /// Pulls as the pull policy says, then creates and starts a container.
    func start(_ container: ContainerManifest, in pass: inout PodPass) async throws -> String {
        let (client, pod, sandbox, sandboxConfig) = (context.client, pass.pod, pass.sandbox, pass.sandboxConfig)
        var steps: [Step] = []
        let image = try await ensureImage(container, pod: pod) { operation, body in
            let (_, took) = try await BenchKit.timed(body)
            steps.append(Step(operation: operation, nanoseconds: took))
        }
        pass.outcome.steps += steps
        let config = container.config(
            pod: pod, uid: pass.uid, nodeName: nodeName, image: image, hostPaths: pass.hostPaths,
            ownership: context.labels,
            imageAnnotations: container.moduleURL.map { [ContainerManifest.moduleURLAnnotation: $0] } ?? [:])
        let id = try await pass.timed("create-\(container.name)") {
            do {
                return try await client.createContainer(in: sandbox, config: config, sandboxConfig: sandboxConfig)
            } catch {
                throw BenchError(
                    "\(pod.document): container \(container.name) (image \(container.image)) could not be created: "
                        + "\(error)"
                )
            }
        }
        await context.tracker.track(.container(id: id))
        try await pass.timed("start-\(container.name)") {
            do {
                try await client.startContainer(id)
            } catch {
                throw BenchError("\(pod.document): container \(container.name) could not be started: \(error)")
            }
        }
        pass.started.append((container, id))
        return id
    }

    /// A running container's cgroup must hold the limits its manifest asks for: the runtime,
    /// not the manifest, is what is measured. A container that runs to completion may be gone
    /// before its cgroup can be read, and one whose process this host cannot see is not
    /// checked; both are said.
    func checkLimits(_ container: ContainerManifest, id: String, pod: PodManifest) async throws {
        let asked = container.linuxResources
        // A zero limit is no limit, in Kubernetes and in CRI.
        let askedMemory = asked.memoryLimitInBytes > 0 ? asked.memoryLimitInBytes : nil
        let askedQuota = asked.cpuQuota > 0 ? asked.cpuQuota : nil
        guard askedMemory != nil || askedQuota != nil else { return }
        let name = "\(pod.name)/\(container.name)"
        guard !pod.runsToCompletion else {
            log("\(name): limits not checked: the pod runs to completion, so its process may be gone")
            return
        }
        let status = VerboseStatus(try await context.client.containerStatusResponse(id, verbose: true).info)
        guard let pid = status?.pid, let cgroupsPath = status?.cgroupsPath else {
            log("\(name): limits not checked: containerd's verbose status names no pid and cgroupsPath")
            return
        }
        let limits: CgroupLimits
        switch CgroupLimits.read(pid: pid, expectedPath: cgroupsPath) {
        case .success(let read): limits = read
        case .failure(let notReadable):
            log("\(name): limits not checked: \(notReadable.reason)")
            return
        }
        let shortfalls = limits.shortfalls(
            memoryBytes: askedMemory, cpuQuotaMicros: askedQuota,
            cpuPeriodMicros: asked.cpuPeriod)
        guard shortfalls.isEmpty else {
            throw BenchError(
                "\(pod.document): container \(container.name): the runtime did not apply its resources.limits "
                    + "(process \(pid), cgroup \(cgroupsPath)): " + shortfalls.joined(separator: "; "))
        }
        log("\(name): limits in force: \(limits.summary)")
    }

    /// An init container, started and waited to its end, which must be a clean exit.
    func runInitContainer(_ container: ContainerManifest, in pass: inout PodPass) async throws {
        let id = try await start(container, in: &pass)
        let status = try await waitUntil(id, container: container, pod: pass.pod, exited: true)
        pass.outcome.exitCodes[container.name] = status.exitCode
        if status.exitCode != 0 {
            throw BenchError(
                "\(pass.pod.document): init container \(container.name) exited with code \(status.exitCode) "
                    + "(\(status.reason))\(tail(readLog(pass.logDirectory, container.name)))")
        }
    }

    /// A container seen Running, or ended for a run-to-completion pod. A failing exit fails the
    /// pass; under restartPolicy Always a clean exit counts as started (the kubelet would
    /// restart the container; bench pod times the one start and goes on).
    func awaitStarted(_ container: ContainerManifest, id: String, in pass: inout PodPass) async throws {
        let status = try await waitUntil(id, container: container, pod: pass.pod, exited: pass.pod.runsToCompletion)
        try checkEnd(status, of: container, in: &pass)
    }

    /// Records a container's end, if it has ended; a failing end fails the pass.
    func checkEnd(_ status: ContainerStatus, of container: ContainerManifest, in pass: inout PodPass) throws {
        let pod = pass.pod
        guard status.state == .containerExited else { return }
        pass.outcome.exitCodes[container.name] = status.exitCode
        guard status.exitCode != 0 else { return }
        let why =
            pod.runsToCompletion
            ? "" : " while restartPolicy is Always (a kubelet would restart it; bench pod does not)"
        throw BenchError(
            "\(pod.document): container \(container.name) exited with code \(status.exitCode) (\(status.reason))"
                + "\(why)\(tail(readLog(pass.logDirectory, container.name)))")
    }

    /// Waits until the container's log has a line containing `marker` (`untilLog`).
    func waitForLog(
        _ marker: String, _ container: ContainerManifest, id: String, pass: PodPass, deadline: ContinuousClock.Instant
    ) async throws {
        while !readLog(pass.logDirectory, container.name).contains(where: { $0.contains(marker) }) {
            let status = try await context.client.containerStatus(id)
            if status.state == .containerExited {
                throw BenchError(
                    "\(pass.pod.document): container \(container.name) exited with code \(status.exitCode) before "
                        + "logging '\(marker)'\(tail(readLog(pass.logDirectory, container.name)))")
            }
            if ContinuousClock.now >= deadline {
                throw BenchError(
                    "\(pass.pod.document): container \(container.name) did not log '\(marker)' within "
                        + "\(waitTimeout)\(tail(readLog(pass.logDirectory, container.name)))"
                )
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// A container's log; with `wait`, a container just seen Running is given time to write its
    /// first lines: read once the log has been quiet for 300 ms (at most 3 s; untimed).
    func settledLog(_ container: ContainerManifest, pass: PodPass, wait: Bool) async throws -> [String] {
        var lines = readLog(pass.logDirectory, container.name)
        var quiet = 0, waited = 0
        while wait, !pass.pod.runsToCompletion, quiet < 3 || lines.isEmpty, waited < 30 {
            try await Task.sleep(for: .milliseconds(100))
            waited += 1
            let now = readLog(pass.logDirectory, container.name)
            quiet = now == lines ? quiet + 1 : 0
            lines = now
        }
        return lines
    }

    /// Containers stopped and removed in reverse order of start, then the sandbox; timed.
    func tearDown(_ pass: inout PodPass) async throws {
        let (client, grace, sandbox) = (context.client, pass.pod.terminationGracePeriodSeconds, pass.sandbox)
        for (container, id) in pass.started.reversed() {
            try await pass.timed("stop-\(container.name)") {
                try await client.stopContainer(id, gracePeriodSeconds: grace)
            }
            try await pass.timed("remove-\(container.name)") { try await client.removeContainerSharing(id) }
            await context.tracker.forget(.container(id: id))
        }
        try await pass.timed("stop-sandbox") { try await client.stopPodSandbox(sandbox) }
        try await pass.timed("remove-sandbox") { try await client.removePodSandboxSharing(sandbox) }
        await context.tracker.forget(.podSandbox(id: sandbox, logDirectory: pass.logDirectory))
        removeDirectory(pass.logDirectory)
    }

    /// The image a container runs, present on the node as its pull policy asks; an image the
    /// node did not hold before is tracked, so it is removed at the end of the run.
    func ensureImage(
        _ container: ContainerManifest, pod: PodManifest,
        timed: (String, () async throws -> Void) async throws -> Void
    ) async throws -> String {
        var image = container.image
        if let url = container.moduleURL {
            guard let packaged = moduleImages[url] else {
                throw BenchError("\(pod.document): the module of container \(container.name) (\(url)) was not fetched")
            }
            image = packaged
        }
        let present = try await context.client.imageStatus(image) != nil
        switch (container.pullPolicy, present) {
        case (.never, false):
            throw BenchError(
                "\(pod.document): image \(image) of container \(container.name) is not on the node and "
                    + "imagePullPolicy is Never: pull it first, or change the policy"
            )
        case (.never, true), (.ifNotPresent, true):
            return image
        case (.always, _), (.ifNotPresent, false):
            if !present { await context.tracker.trackOnce(.image(reference: image)) }
            try await timed("pull-\(container.name)") {
                do {
                    let annotations = container.moduleURL.map { [ContainerManifest.moduleURLAnnotation: $0] } ?? [:]
                    _ = try await context.client.pullImage(
                        ImageSpec.with {
                            $0.image = image; $0.annotations = annotations
                        })
                } catch {
                    throw BenchError(
                        "\(pod.document): image \(image) of container \(container.name) cannot be pulled: \(error)")
                }
            }
            return image
        }
    }

    func waitUntil(
        _ id: String, container: ContainerManifest, pod: PodManifest, exited: Bool
    ) async throws -> ContainerStatus {
        let deadline = ContinuousClock.now + waitTimeout
        while true {
            let status = try await context.client.containerStatus(id)
            if status.state == .containerExited || (!exited && status.state == .containerRunning) { return status }
            if ContinuousClock.now >= deadline {
                throw BenchError(
                    "\(pod.document): container \(container.name) was not \(exited ? "finished" : "Running") within "
                        + "\(waitTimeout) (state \(status.state)); raise --wait-timeout if it is slow to start"
                )
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
