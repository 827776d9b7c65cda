#if canImport(Glibc)
import Glibc
#endif
import TaskAPI
import WasmRuntime
import WasmShimSupport

/// Turns the bundle containerd gives for a container into one wasm-runc's setup runs: the
/// image's rootfs mounted, the entrypoint checked to be a module, and the sandbox's namespaces
/// put where CRI wrote the sandbox's pid.
enum InstanceBundle {
    struct Prepared {
        let bundle: OCIBundle
        let modulePath: String
    }

    static func prepare(
        _ request: Containerd_Task_V2_CreateTaskRequest, bundle original: OCIBundle, sandbox: ShimTask?,
        shimPID: Int32
    ) throws -> Prepared {
        let handler = TaskService.handlerName
        if let cgroupsPath = original.cgroupsPath, !cgroupsPath.isEmpty {
            try ContainerIdentifiers.validateCgroupsPath(cgroupsPath)
        }
        try RootfsMount.mount(request.rootfs, at: original.rootfs)
        do {
            let image = original.annotations[CRIAnnotations.imageName] ?? "(image not named)"
            guard case .wasm(let modulePath) = BundleKind.of(original) else {
                let entry = original.args.first ?? "(none)"
                throw ShimError(
                    .invalidArgument,
                    "the \(handler) handler runs WebAssembly modules only: "
                        + "container \(request.id) of image \(image) has entrypoint \(entry), which is not a wasm "
                        + "module; "
                        + "run it under the runc handler")
            }
            try rewriteNamespaces(bundle: original, sandbox: sandbox, shimPID: shimPID)
            let bundle = try OCIBundle(path: original.path)
            try bundle.spec.requireSupported(bundle: original.path)
            return Prepared(bundle: bundle, modulePath: modulePath)
        } catch {
            BundleLeftovers.unmountRootfs(bundle: original.path)
            throw error
        }
    }

    /// CRI writes /proc/<sandbox pid>/ns/<type> for the namespaces a container shares with its
    /// pod. The sandbox's pid is the shim's, so each such path is replaced by the sandbox's
    /// pinned namespace; a path into the shim's own namespaces is never joined.
    static func rewriteNamespaces(bundle: OCIBundle, sandbox: ShimTask?, shimPID: Int32) throws {
        let configPath = bundle.path + "/config.json"
        guard case .object(var config) = try JSON.parse(try Posix.readText(configPath)),
            case .object(var linux)? = config["linux"],
            case .array(let namespaces)? = linux["namespaces"]
        else { return }
        let shimPrefix = "/proc/\(shimPID)/ns/"
        var rewritten: [JSON] = []
        var changed = false
        for namespace in namespaces {
            guard case .object(var members) = namespace, let type = members["type"]?.string,
                let path = members["path"]?.string, path.hasPrefix(shimPrefix)
            else {
                // Another process's namespaces (a sandbox pid from before a shim restart, now
                // perhaps a host process's) are never joined for a pod this shim serves.
                if let sandbox, sandbox.isSandbox, case .object(let members) = namespace,
                    let path = members["path"]?.string, path.hasPrefix("/proc/")
                {
                    throw ShimError(
                        .failedPrecondition,
                        "container's namespace path \(path) is not its sandbox's; "
                            + "stop and recreate the pod")
                }
                rewritten.append(namespace)
                continue
            }
            guard let sandbox, case .sandbox(let pod) = sandbox.kind else {
                throw ShimError(
                    .failedPrecondition,
                    "container's \(type) namespace is its sandbox's (\(path)), "
                        + "but the sandbox (annotation \(CRIAnnotations.sandboxID)) is not served by "
                        + "\(TaskService.handlerName); create the pod with the \(TaskService.handlerName) runtime "
                        + "handler"
                )
            }
            if type == "pid" {
                // A PID namespace lives only as long as a process in it, and the sandbox has
                // none: each instance gets a new one. A module has no process API (WASI has no
                // kill, no ps), so a shared one would give it nothing, and the kubelet asks for
                // a container's own unless the pod sets shareProcessNamespace.
                members["path"] = nil
                rewritten.append(.object(members))
                changed = true
                continue
            }
            guard let target = pod.paths[type] else {
                throw ShimError(
                    .invalidArgument,
                    "the \(TaskService.handlerName) handler keeps no \(type) namespace "
                        + "for this pod (the sandbox did not ask for one)")
            }
            members["path"] = .string(target)
            rewritten.append(.object(members))
            changed = true
        }
        guard changed else { return }
        linux["namespaces"] = .array(rewritten)
        config["linux"] = .object(linux)
        try Posix.writeFile(configPath, JSON.object(config).serialized, atomically: true)
    }

    /// `start`: the instance waits on its exec FIFO; reading it lets the module run.
    static func release(bundle: String, id: String, pid: Int32) throws {
        let fifo = InstanceRecord.execFIFO(root: BundleLeftovers.instanceRoot(bundle: bundle), id: id)
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw ShimError(.failedPrecondition, "task \(id): open \(fifo): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var byte: UInt8 = 0
        for _ in 0..<100 {
            if poll(&descriptor, 1, 100) > 0, read(fd, &byte, 1) == 1 {
                unlink(fifo)
                return
            }
            guard Posix.isAlive(pid) else {
                throw ShimError(.failedPrecondition, "task \(id): its instance exited before start")
            }
        }
        throw ShimError(.unknown, "task \(id): its instance did not answer start within 10 s")
    }
}
