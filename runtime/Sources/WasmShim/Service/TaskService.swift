#if canImport(Glibc)
import Glibc
#endif
import SwiftProtobuf
import TaskAPI
import WasmRuntime
import WasmShimSupport

/// containerd's task service (containerd.task.v2.Task) for every wasm pod of the node.
final class TaskService {
    static let serviceName = ShimNames.taskService
    static let handlerName = ShimNames.handler

    let events: EventPublisher
    let spawner = InstanceSpawner()
    let wasmRunc: String
    private let table = Guarded(TaskTable())

    struct TaskTable {
        var tasks: [String: ShimTask] = [:]
        /// Instances spawned whose task is not in the table yet.
        var launching: Set<Int32> = []
        /// Exits of those, seen before their task was.
        var unclaimedExits: [Int32: UInt32] = [:]
    }

    init(events: EventPublisher, wasmRunc: String) {
        self.events = events
        self.wasmRunc = wasmRunc
        Reaper.start { [weak self] pid, status in self?.childExited(pid, status: status) }
    }

    // MARK: Dispatch

    func handle(_ request: TTRPCRequest, reply: @escaping (TTRPCResponse) -> Void) {
        guard request.service == Self.serviceName else {
            reply(.failure(.unimplemented, "service \(request.service) is not served by CRIBench's wasm shim"))
            return
        }
        let namespace = request.metadata(ShimNames.namespaceMetadataKey) ?? "default"
        let payload = request.payload
        do {
            switch request.method {
            case "Create": reply(.success(try create(.init(serializedBytes: payload), namespace: namespace)))
            case "Start": reply(.success(try start(.init(serializedBytes: payload))))
            case "Delete": reply(.success(try delete(.init(serializedBytes: payload))))
            case "Kill": reply(.success(try kill(.init(serializedBytes: payload))))
            case "Wait": try wait(.init(serializedBytes: payload)) { reply(.success($0)) }
            case "State": reply(.success(try state(.init(serializedBytes: payload))))
            case "Pids": reply(.success(try pids(.init(serializedBytes: payload))))
            case "Stats": reply(.success(try stats(.init(serializedBytes: payload))))
            case "Connect": reply(.success(try connect(.init(serializedBytes: payload))))
            case "Update": reply(.success(try update(.init(serializedBytes: payload))))
            case "Shutdown": reply(.success(shutdown()))
            case "Exec", "ResizePty", "CloseIO", "Pause", "Resume", "Checkpoint":
                reply(
                    .failure(
                        .unimplemented,
                        "\(request.method) is not supported by the \(Self.handlerName) handler: "
                            + "a wasm instance has no process to exec into, no terminal, and cannot be paused or "
                            + "checkpointed"
                    ))
            default:
                reply(.failure(.unimplemented, "method \(request.method) is not known to CRIBench's wasm shim"))
            }
        } catch let error as ShimError {
            reply(.failure(error.code, error.message))
        } catch {
            reply(.failure(.unknown, "\(error)"))
        }
    }

    // MARK: Task methods

    private func create(
        _ request: Containerd_Task_V2_CreateTaskRequest,
        namespace: String
    ) throws -> Containerd_Task_V2_CreateTaskResponse {
        try ContainerIdentifiers.validateID(request.id)
        if request.terminal {
            throw ShimError(
                .invalidArgument,
                "container \(request.id) asks for a terminal (tty: true); "
                    + "wasm instances have none")
        }
        if !request.checkpoint.isEmpty {
            throw ShimError(.unimplemented, "checkpoint restore is not supported by \(Self.handlerName)")
        }
        let exists = table.with { $0.tasks[request.id] != nil }
        if exists { throw ShimError(.alreadyExists, "task \(request.id) already exists") }
        let bundle = try OCIBundle(path: request.bundle)
        let task: ShimTask
        if bundle.annotations[CRIAnnotations.containerType] == "sandbox" {
            task = try createSandbox(request, bundle: bundle, namespace: namespace)
        } else {
            task = try createInstance(request, bundle: bundle, namespace: namespace)
        }
        table.with { table in
            table.tasks[request.id] = task
            // From here on an exit finds the task; one seen before is its own.
            if table.launching.remove(task.pid) != nil, let early = table.unclaimedExits.removeValue(forKey: task.pid) {
                _ = task.markStopped(exitStatus: early)
            }
        }
        var event = Containerd_Events_TaskCreate()
        event.containerID = request.id
        event.bundle = request.bundle
        event.rootfs = request.rootfs
        event.io.stdin = request.stdin
        event.io.stdout = request.stdout
        event.io.stderr = request.stderr
        event.pid = UInt32(task.pid)
        events.publish("/tasks/create", event, namespace: namespace)
        var response = Containerd_Task_V2_CreateTaskResponse()
        response.pid = UInt32(task.pid)
        return response
    }

    private func createSandbox(
        _ request: Containerd_Task_V2_CreateTaskRequest, bundle: OCIBundle,
        namespace: String
    ) throws -> ShimTask {
        let namespaces = try PodNamespaces.pin(bundle: request.bundle, spec: bundle.spec)
        if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty {
            do {
                try ContainerIdentifiers.validateCgroupsPath(cgroupsPath)
                try Cgroups().prepare(path: cgroupsPath, resources: bundle.spec.resources)
            } catch {
                namespaces.release()
                throw error
            }
        }
        let task = ShimTask(
            id: request.id, namespace: namespace, bundle: request.bundle, kind: .sandbox(namespaces),
            cgroupsPath: bundle.cgroupsPath, stdout: request.stdout, stderr: request.stderr)
        // The sandbox is no process. Like runwasi's no-op pause instance it reports the shim's
        // own pid, which CRI writes into its containers' namespace paths; the shim reads those
        // as the sandbox's pinned namespaces (InstanceBundle), never as its own.
        task.pid = getpid()
        return task
    }

    private func createInstance(
        _ request: Containerd_Task_V2_CreateTaskRequest, bundle: OCIBundle,
        namespace: String
    ) throws -> ShimTask {
        let sandbox = table.with { table in
            bundle.annotations[CRIAnnotations.sandboxID].flatMap { table.tasks[$0] }
        }
        let prepared = try InstanceBundle.prepare(request, bundle: bundle, sandbox: sandbox, shimPID: getpid())
        let task = ShimTask(
            id: request.id, namespace: namespace, bundle: request.bundle, kind: .instance,
            cgroupsPath: prepared.bundle.cgroupsPath, stdout: request.stdout, stderr: request.stderr)
        var spawned: pid_t?
        do {
            let standardIO = try StandardIO.open(stdin: request.stdin, stdout: request.stdout, stderr: request.stderr)
            defer { standardIO.close() }
            var launcher = InstanceLauncher(
                id: request.id, bundle: prepared.bundle, modulePath: prepared.modulePath,
                root: BundleLeftovers.instanceRoot(bundle: request.bundle),
                executable: wasmRunc,
                standardIO: standardIO.descriptors, boundToParent: true)
            launcher.terminate = { [weak self] pid in self?.signal(pid, SIGKILL) }
            task.pid = try launcher.launch { [spawner, table] request in
                // Spawned under the table's lock and recorded as launching in the same step, so
                // the reaper cannot take its exit for an unknown child's.
                try table.with { table in
                    let pid = try spawner.spawn(request)
                    table.launching.insert(pid)
                    spawned = pid
                    return pid
                }
            }
        } catch {
            if let spawned {
                table.with { table in
                    table.launching.remove(spawned)
                    table.unclaimedExits[spawned] = nil
                }
            }
            BundleLeftovers.removeInstance(
                bundle: request.bundle, id: request.id,
                cgroupsPath: prepared.bundle.cgroupsPath)
            throw ShimError(.unknown, "\(Self.handlerName): container \(request.id): \(error)")
        }
        return task
    }

    private func start(_ request: Containerd_Task_V2_StartRequest) throws -> Containerd_Task_V2_StartResponse {
        let task = try lookUp(request.id, execID: request.execID)
        switch task.kind {
        case .sandbox:
            table.with { _ in if task.status == .created { task.status = .running } }
        case .instance:
            let status = table.with { _ in task.status }
            guard status == .created else {
                throw ShimError(.failedPrecondition, "task \(request.id) is \(status), not created")
            }
            try InstanceBundle.release(bundle: task.bundle, id: task.id, pid: task.pid)
            table.with { _ in if task.status == .created { task.status = .running } }
        }
        var event = Containerd_Events_TaskStart()
        event.containerID = task.id
        event.pid = UInt32(task.pid)
        events.publish("/tasks/start", event, namespace: task.namespace)
        var response = Containerd_Task_V2_StartResponse()
        response.pid = UInt32(task.pid)
        return response
    }

    private func delete(_ request: Containerd_Task_V2_DeleteRequest) throws -> Containerd_Task_V2_DeleteResponse {
        let task = try lookUp(request.id, execID: request.execID)
        let status = table.with { _ in task.status }
        if status == .running, !task.isSandbox {
            throw ShimError(.failedPrecondition, "task \(request.id) is running: kill it first")
        }
        if status != .stopped {
            // A sandbox, or an instance created and never started: it ends here.
            if !task.isSandbox { _ = signal(task, SIGKILL) }
            stopped(task, exitStatus: 128 + UInt32(SIGKILL))
        }
        switch task.kind {
        case .sandbox(let namespaces):
            namespaces.release()
            rmdir(PodNamespaces.directory(bundle: task.bundle))
            if let cgroupsPath = task.cgroupsPath, !cgroupsPath.isEmpty { Cgroups().remove(path: cgroupsPath) }
        case .instance:
            BundleLeftovers.removeInstance(bundle: task.bundle, id: task.id, cgroupsPath: task.cgroupsPath)
        }
        let response = table.with { table -> Containerd_Task_V2_DeleteResponse in
            table.tasks[task.id] = nil
            var response = Containerd_Task_V2_DeleteResponse()
            response.pid = UInt32(task.pid)
            response.exitStatus = task.exitStatus
            if let exitedAt = task.exitedAt { response.exitedAt = exitedAt }
            return response
        }
        var event = Containerd_Events_TaskDelete()
        event.containerID = task.id
        event.pid = response.pid
        event.exitStatus = response.exitStatus
        event.exitedAt = response.exitedAt
        events.publish("/tasks/delete", event, namespace: task.namespace)
        return response
    }

    private func kill(_ request: Containerd_Task_V2_KillRequest) throws -> Google_Protobuf_Empty {
        let task = try lookUp(request.id, execID: request.execID)
        let status = table.with { _ in task.status }
        guard status != .stopped else { throw ShimError(.notFound, "process already finished") }
        switch task.kind {
        case .sandbox:
            // Nothing runs: the signal ends the sandbox as it would end a pause process.
            stopped(task, exitStatus: 128 + request.signal)
        case .instance:
            let failure = signal(task, Int32(request.signal))
            if failure == ESRCH { throw ShimError(.notFound, "process already finished") }
            if failure != 0 { throw ShimError(.unknown, "kill \(task.pid): \(String(cString: strerror(failure)))") }
        }
        return Google_Protobuf_Empty()
    }

    private func wait(
        _ request: Containerd_Task_V2_WaitRequest,
        reply: @escaping (Containerd_Task_V2_WaitResponse) -> Void
    ) throws {
        let task = try lookUp(request.id, execID: request.execID)
        let done = table.with { _ -> Containerd_Task_V2_WaitResponse? in
            if task.status == .stopped { return task.waitResponse }
            task.waiters.append(reply)
            return nil
        }
        if let done { reply(done) }
    }

    private func state(_ request: Containerd_Task_V2_StateRequest) throws -> Containerd_Task_V2_StateResponse {
        let task = try lookUp(request.id, execID: request.execID)
        return table.with { _ in
            var response = Containerd_Task_V2_StateResponse()
            response.id = task.id
            response.bundle = task.bundle
            response.pid = UInt32(task.pid)
            response.status = task.taskStatus
            response.stdout = task.stdout
            response.stderr = task.stderr
            response.exitStatus = task.exitStatus
            if let exitedAt = task.exitedAt { response.exitedAt = exitedAt }
            return response
        }
    }

    private func pids(_ request: Containerd_Task_V2_PidsRequest) throws -> Containerd_Task_V2_PidsResponse {
        let task = try lookUp(request.id, execID: "")
        var response = Containerd_Task_V2_PidsResponse()
        let running = table.with { _ in task.status != .stopped }
        if running, !task.isSandbox {
            var process = Containerd_V1_Types_ProcessInfo()
            process.pid = UInt32(task.pid)
            response.processes = [process]
        }
        return response
    }

    private func stats(_ request: Containerd_Task_V2_StatsRequest) throws -> Containerd_Task_V2_StatsResponse {
        let task = try lookUp(request.id, execID: "")
        guard let cgroupsPath = task.cgroupsPath, !cgroupsPath.isEmpty else {
            throw ShimError(.notFound, "task \(request.id) has no cgroup to report")
        }
        var response = Containerd_Task_V2_StatsResponse()
        response.stats = try CgroupMetrics.read(path: cgroupsPath)
        return response
    }

    private func connect(_ request: Containerd_Task_V2_ConnectRequest) throws -> Containerd_Task_V2_ConnectResponse {
        var response = Containerd_Task_V2_ConnectResponse()
        response.shimPid = UInt32(getpid())
        if let task = table.with({ $0.tasks[request.id] }) { response.taskPid = UInt32(task.pid) }
        response.version = "2"
        return response
    }

    private func update(_ request: Containerd_Task_V2_UpdateTaskRequest) throws -> Google_Protobuf_Empty {
        let task = try lookUp(request.id, execID: "")
        guard let cgroupsPath = task.cgroupsPath, !cgroupsPath.isEmpty else {
            throw ShimError(.failedPrecondition, "task \(request.id) has no cgroup to update")
        }
        let resources = try ResourcesUpdate.parse(request.resources)
        try Cgroups().update(path: cgroupsPath, resources: resources)
        return Google_Protobuf_Empty()
    }

    /// containerd asks after each task's delete. The process ends only when it has served
    /// no task for a while (ServeAction's idle watch), since other pods' tasks may follow.
    private func shutdown() -> Google_Protobuf_Empty { Google_Protobuf_Empty() }

    /// No task left: the process may end.
    var isIdle: Bool { table.with { $0.tasks.isEmpty } }

    // MARK: Exits

    /// Runs on the reaper's thread while the child is still a zombie.
    private func childExited(_ pid: Int32, status: UInt32) {
        let found = table.with { table -> (ShimTask, [(Containerd_Task_V2_WaitResponse) -> Void])? in
            let running = table.tasks.values.first { $0.pid == pid && !$0.isSandbox && $0.status != .stopped }
            guard let task = running else {
                if table.launching.contains(pid) { table.unclaimedExits[pid] = status }
                return nil
            }
            return task.markStopped(exitStatus: status).map { (task, $0) }
        }
        guard let (task, waiters) = found else { return }
        // An instance the kernel killed for memory: CRI marks it OOMKilled on TaskOOM, which
        // must reach containerd before the exit does; that wait happens off the reaper's thread.
        if let cgroupsPath = task.cgroupsPath, !cgroupsPath.isEmpty, CgroupMetrics.oomKills(path: cgroupsPath) > 0 {
            startThread { [self] in
                var event = Containerd_Events_TaskOOM()
                event.containerID = task.id
                events.publish("/tasks/oom", event, namespace: task.namespace, waitForDelivery: true)
                announceExit(task, waiters)
            }
        } else {
            announceExit(task, waiters)
        }
    }

    /// Marks a task stopped, answers its Wait calls and tells containerd (TaskExit).
    private func stopped(_ task: ShimTask, exitStatus: UInt32) {
        guard let waiters = table.with({ _ in task.markStopped(exitStatus: exitStatus) }) else { return }
        announceExit(task, waiters)
    }

    private func announceExit(_ task: ShimTask, _ waiters: [(Containerd_Task_V2_WaitResponse) -> Void]) {
        let response = table.with { _ in task.waitResponse }
        var event = Containerd_Events_TaskExit()
        event.containerID = task.id
        event.id = task.id
        event.pid = UInt32(task.pid)
        event.exitStatus = response.exitStatus
        event.exitedAt = response.exitedAt
        events.publish("/tasks/exit", event, namespace: task.namespace)
        for waiter in waiters { waiter(response) }
    }

    /// Signals an instance unless it is known to have exited: the reaper marks an exit under the
    /// same lock before it reaps, so the pid still names the instance (a zombie at worst) and
    /// never a process that reused it. Returns 0 or the errno.
    private func signal(_ task: ShimTask, _ number: Int32) -> Int32 {
        table.with { _ in
            guard task.status != .stopped else { return ESRCH }
            return Glibc.kill(task.pid, number) == 0 ? 0 : errno
        }
    }

    /// The same for an instance whose launch failed before it had a task.
    private func signal(_ pid: Int32, _ number: Int32) {
        table.with { table in
            if table.launching.contains(pid), table.unclaimedExits[pid] == nil { Glibc.kill(pid, number) }
        }
    }

    private func lookUp(_ id: String, execID: String) throws -> ShimTask {
        guard execID.isEmpty || execID == id else {
            throw ShimError(.notFound, "exec \(execID) in task \(id): \(Self.handlerName) runs no exec processes")
        }
        guard let task = table.with({ $0.tasks[id] }) else { throw ShimError(.notFound, "task \(id) not found") }
        return task
    }
}

/// An error with the status code containerd maps it to.
struct ShimError: Error {
    let code: StatusCode
    let message: String
    init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// The annotations CRI puts on the specs it creates.
enum CRIAnnotations {
    static let containerType = "io.kubernetes.cri.container-type"
    static let sandboxID = "io.kubernetes.cri.sandbox-id"
    static let imageName = "io.kubernetes.cri.image-name"
}
