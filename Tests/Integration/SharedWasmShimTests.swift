import BenchKit
import CRIClient
import Foundation
import Testing

/// CRIBench's own shim v2 (handler wasm-shim): one process for every wasm pod of the node, no
/// pause process, each instance in its pod's namespaces; exits reach CRI, also when containerd
/// restarts or the shim dies. These run in the OCI pass (they name the handler themselves),
/// beside the wasm matrix that runs whole on wasm-shim.
@Suite("Shared wasm shim", .serialized, .timeLimit(.minutes(10)))
struct SharedWasmShimTests {
    let environment = TestEnvironment.shared
    static let handler = ProcessInfo.processInfo.environment["CRI_WASM_SHIM_HANDLER"] ?? "wasm-shim"
    var idle: String { environment.wasmImage("idle") }
    /// What the node held before each test (Swift Testing makes an instance per test): the
    /// bundles of pods that are not the tests'.
    let foreignMounts: Set<String>

    init() { foreignMounts = Set(Self.mounts(under: TestEnvironment.shared.stateDirectory)) }

    /// Three pods, one with two containers: one shim is the parent of every instance, no process
    /// sits in a sandbox's cgroup, and each instance is in its pod's network, IPC and UTS
    /// namespaces: the netns CRI pinned, shared within a pod, different between pods, never the
    /// host's or the shim's.
    @Test func oneShimServesEveryPodAndEachInstanceIsInItsPodsNamespaces() async throws {
        try await withRuntime { client in
            try await withImage(client, idle) {
                try await withPods(client, count: 3, name: "shim-ns") { pods in
                    var instances: [(pod: TestPod, pid: Int32)] = []
                    for (index, pod) in pods.enumerated() {
                        for name in index == 0 ? ["first", "second"] : ["only"] {
                            let id = try await createContainer(client, in: pod, .make(name: name, image: idle))
                            try await client.startContainer(id)
                            instances.append((pod, try await instancePID(client, id)))
                        }
                    }
                    let parents = Set(instances.compactMap { NodeProcesses.parent(of: $0.pid) })
                    #expect(parents.count == 1, "one shim is the parent of every instance: \(parents)")
                    let shim = try #require(parents.first)
                    #expect(
                        commandLine(shim).hasSuffix(" serve"),
                        "the parent is the serving shim: \(commandLine(shim))")
                    let processes = try #require(NodeProcesses())
                    for pod in pods {
                        #expect(
                            processes.processes(cgroupParent: environment.node.cgroupParent, id: pod.id).isEmpty,
                            "no pause process in sandbox \(pod.id)'s cgroup")
                    }
                    var networkByPod: [String: UInt64] = [:]
                    for instance in instances {
                        let info = try await client.podSandboxStatus(instance.pod.id, verbose: true).info
                        let netns = try #require(
                            specNamespacePath(info, "network"),
                            "the sandbox's spec names its netns")
                        let network = inode("/proc/\(instance.pid)/ns/net")
                        #expect(network != nil && network == inode(netns), "instance \(instance.pid) is in \(netns)")
                        networkByPod[instance.pod.id] = network
                        for kind in ["net", "ipc", "uts"] {
                            #expect(
                                inode("/proc/\(instance.pid)/ns/\(kind)") != inode("/proc/self/ns/\(kind)"),
                                "not the host's \(kind)")
                            #expect(
                                inode("/proc/\(instance.pid)/ns/\(kind)") != inode("/proc/\(shim)/ns/\(kind)"),
                                "not the shim's \(kind)")
                        }
                    }
                    #expect(Set(networkByPod.values).count == pods.count, "each pod has a network namespace of its own")
                    let first = instances.filter { $0.pod.id == pods[0].id }
                    for kind in ["net", "ipc", "uts"] {
                        #expect(
                            inode("/proc/\(first[0].pid)/ns/\(kind)") == inode("/proc/\(first[1].pid)/ns/\(kind)"),
                            "containers of one pod share its \(kind) namespace")
                    }
                    #expect(
                        inode("/proc/\(first[0].pid)/ns/ipc") != inode("/proc/\(instances[2].pid)/ns/ipc"),
                        "pods do not share an IPC namespace")
                }
            }
        }
    }

    /// A wasm container and an OCI container in one wasm-shim pod: the OCI one is refused with a
    /// message naming the handler and the image. containerd 1.6's CRI calls no runtime in
    /// CreateContainer, so the refusal comes at StartContainer (the shim's Create).
    @Test func anOCIContainerInAWasmShimPodIsRefusedNamingHandlerAndImage() async throws {
        try await withRuntime { client in
            try await withImage(client, environment.busyboxImage) {
                try await withImage(client, idle) {
                    try await withPodSandbox(client, name: "shim-mixed", handler: Self.handler) { pod in
                        let wasm = try await createContainer(client, in: pod, .make(name: "module", image: idle))
                        try await client.startContainer(wasm)
                        let oci = try await createContainer(
                            client, in: pod,
                            .make(
                                name: "native",
                                image: environment.busyboxImage,
                                command: ["sleep", "60"]))
                        let error = await #expect(throws: CRIError.self) { try await client.startContainer(oci) }
                        let message = error?.description ?? ""
                        #expect(
                            message.contains(Self.handler) && message.contains(environment.busyboxImage),
                            "\(message)")
                        #expect(try await client.containerStatus(oci).state != .containerRunning)
                        #expect(try await client.containerStatus(wasm).state == .containerRunning, "the module runs on")
                    }
                }
            }
            #expect(bundleMounts().isEmpty, "no mount is left in a task bundle: \(bundleMounts())")
        }
    }

    /// The shim killed: every container shows exited, the pods can be stopped and removed, and
    /// no instance process, cgroup or namespace mount is left.
    @Test func whenTheShimDiesItsContainersExitAndNothingIsLeft() async throws {
        try await withRuntime { client in
            var ids: [String] = []
            try await withImage(client, idle) {
                try await withPods(client, count: 2, name: "shim-dies") { pods in
                    var pids: [Int32] = []
                    for pod in pods {
                        let id = try await createContainer(client, in: pod, .make(name: "idle", image: idle))
                        try await client.startContainer(id)
                        ids.append(id)
                        pids.append(try await instancePID(client, id))
                    }
                    let shim = try #require(NodeProcesses.parent(of: pids[0]))
                    #expect(kill(shim, SIGKILL) == 0)
                    try await eventually("every container shows exited") {
                        var exited = true
                        for id in ids {
                            exited = try await client.containerStatus(id).state == .containerExited && exited
                        }
                        return exited
                    }
                    try await eventually("no instance process is left") { pids.allSatisfy { kill($0, 0) != 0 } }
                }
            }
            try await eventually("no mount is left in a task bundle") { bundleMounts().isEmpty }
            for id in ids {
                #expect(
                    !FileManager.default.fileExists(
                        atPath: "/sys/fs/cgroup/memory\(environment.node.cgroupParent)/\(id)"),
                    "container \(id)'s cgroup is removed")
            }
        }
    }

    /// containerd killed and started again while a wasm-shim pod runs: the pod is still Ready
    /// and its container Running (containerd reconnects to the shim through the bundle's
    /// address), and both can then be stopped and removed.
    @Test(
        .enabled(
            if: RuntimeCrashTests.inCI || OwnContainerd.current != nil,
            "needs CRIBench's own containerd to restart it"))
    func podsSurviveAContainerdRestartAndAreManagedAgain() async throws {
        let containerd = try #require(OwnContainerd.current, "CRIBench's containerd (a pid file beside the socket)")
        try await withRuntime { client in
            try await withImage(client, idle) {
                try await withPodSandbox(client, name: "shim-restart", handler: Self.handler) { pod in
                    let id = try await createContainer(client, in: pod, .make(name: "idle", image: idle))
                    try await client.startContainer(id)
                    let pid = try await instancePID(client, id)
                    try await containerd.crash()
                    try await containerd.restart()
                    try await eventually(timeout: .seconds(30), "containerd answers again") {
                        (try? await client.listPodSandbox(id: pod.id)) != nil
                    }
                    #expect(try await client.listPodSandbox(id: pod.id).first?.state == .sandboxReady)
                    #expect(try await client.containerStatus(id).state == .containerRunning)
                    #expect(kill(pid, 0) == 0, "the instance lived through the restart")
                    try await client.stopContainer(id, gracePeriodSeconds: 10)
                    #expect(
                        try await client.containerStatus(id).state == .containerExited,
                        "the exit reached CRI after the restart")
                }
            }
            try await eventually("no mount is left in a task bundle") { bundleMounts().isEmpty }
        }
    }

    /// 8 pods started and removed in parallel, 20 times: every container reaches Running and,
    /// once stopped, Exited (no event or Wait answer lost), and no instance process is left.
    @Test func eightPodsStartedAndRemovedInParallelTwentyTimes() async throws {
        try await withRuntime { client in
            var ids: [String] = []
            try await withImage(client, idle) {
                for round in 1...20 {
                    let roundIDs = try await withThrowingTaskGroup(of: String.self) { group in
                        for index in 0..<8 {
                            group.addTask {
                                try await withPodSandbox(
                                    client, name: "shim-churn-\(round)-\(index)",
                                    handler: Self.handler
                                ) { pod in
                                    let id = try await createContainer(
                                        client, in: pod,
                                        .make(name: "idle", image: idle))
                                    try await client.startContainer(id)
                                    #expect(
                                        try await client.containerStatus(id).state == .containerRunning,
                                        "round \(round)")
                                    try await client.stopContainer(id, gracePeriodSeconds: 10)
                                    #expect(
                                        try await client.containerStatus(id).state == .containerExited,
                                        "round \(round)")
                                    return id
                                }
                            }
                        }
                        return try await group.reduce(into: [String]()) { $0.append($1) }
                    }
                    #expect(roundIDs.count == 8)
                    ids += roundIDs
                }
            }
            try await eventually("no instance process of the 160 containers is left") {
                let lines = NodeProcesses.allCommandLines().filter { $0.hasPrefix("wasm-instance ") }
                return !lines.contains { line in ids.contains { line.contains($0) } }
            }
            #expect(bundleMounts().isEmpty, "no mount is left in a task bundle: \(bundleMounts())")
        }
    }

    // MARK: Helpers

    /// `count` wasm-shim pods, run in parallel, removed afterwards.
    func withPods(
        _ client: CRIClient, count: Int, name: String,
        _ body: ([TestPod]) async throws -> Void
    ) async throws {
        func nest(_ pods: [TestPod]) async throws {
            guard pods.count < count else { return try await body(pods) }
            try await withPodSandbox(client, name: "\(name)-\(pods.count)", handler: Self.handler) { pod in
                try await nest(pods + [pod])
            }
        }
        try await nest([])
    }

    func instancePID(_ client: CRIClient, _ id: String) async throws -> Int32 {
        let info = try await client.containerStatusResponse(id, verbose: true).info
        return Int32(try #require(verbosePID(info), "ContainerStatus verbose info names the pid of \(id)"))
    }

    func commandLine(_ pid: Int32) -> String { OwnContainerd.commandLine(of: pid)?.joined(separator: " ") ?? "" }

    /// Mounts under the runtime's task bundles that were not there when the suite's instance was
    /// made: the tests' own root filesystems and pinned namespaces, never another client's pods'.
    func bundleMounts() -> [String] {
        Self.mounts(under: environment.stateDirectory).filter { !foreignMounts.contains($0) }
    }

    /// Mounts under the runtime's task bundles: root filesystems, a wasm-shim pod's namespaces.
    static func mounts(under stateDirectory: String) -> [String] {
        let tasks = stateDirectory + "/state/io.containerd.runtime.v2.task/"
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4].hasPrefix(tasks) ? String(fields[4]) : nil
        }
    }
}
