#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// Starts an instance process (`wasm-runc _init`), places it in its cgroup before it does
/// anything, and waits until it has become a container and instantiated its module, or failed
/// to (with its reason). wasm-runc's `create` and CRIBench's shim both start instances here, so
/// both handlers share one hardened path.
public struct InstanceLauncher {
    /// Creates the instance process from a prepared program, argument list and descriptor plan,
    /// in the spec's PID namespace; returns its pid.
    public typealias Spawn = (_ request: SpawnRequest) throws -> pid_t

    public struct SpawnRequest {
        public let spec: LinuxSpec
        /// /proc/self/fd/N of the sealed wasm-runc.
        public let program: String
        public let arguments: [String]
        /// Descriptor `key` of this process becomes descriptor `value` of the instance.
        public let descriptors: [(source: Int32, target: Int32)]
    }

    public let id: String
    public let bundle: OCIBundle
    public let modulePath: String
    /// wasm-runc's --root: the instance's exec FIFO lives under it.
    public let root: String
    /// Global wasm-runc flags for the instance's log (--log, --log-format).
    public let logArguments: [String]
    /// The wasm-runc binary the instance starts from; nil: this process's own executable.
    public let executable: String?
    /// The instance's stdin, stdout and stderr; nil: inherited from this process.
    public let standardIO: (input: Int32, output: Int32, error: Int32)?
    /// The instance dies with the thread that spawned it (the shim), also once it runs.
    public let boundToParent: Bool
    /// How an instance that failed its setup is killed, for a caller that reaps its children
    /// itself (the shim); nil: killed and reaped here.
    public var terminate: ((pid_t) -> Void)?

    public init(
        id: String, bundle: OCIBundle, modulePath: String, root: String, logArguments: [String] = [],
        executable: String? = nil, standardIO: (input: Int32, output: Int32, error: Int32)? = nil,
        boundToParent: Bool = false
    ) {
        self.id = id
        self.bundle = bundle
        self.modulePath = modulePath
        self.root = root
        self.logArguments = logArguments
        self.executable = executable
        self.standardIO = standardIO
        self.boundToParent = boundToParent
    }

    /// How long the instance may take to become a container and instantiate its module (a
    /// module's wasm start function runs then): past it, the launch fails and leaves nothing.
    /// The annotation io.cribench.wasm.setup-timeout-seconds changes it.
    public static let defaultSetupTimeoutSeconds = 20

    /// wasm-runc's own spawn: enters the spec's PID namespace in this (single-threaded) process.
    public static let spawnFromThisProcess: Spawn = { request in
        try Namespaces.preparePIDNamespace(request.spec)
        return try posixSpawn(request)
    }

    /// posix_spawn with an empty environment and the request's descriptors.
    public static func posixSpawn(_ request: SpawnRequest) throws -> pid_t {
        do {
            return try Posix.spawn(request.program, arguments: request.arguments, descriptors: request.descriptors)
        } catch {
            throw RuntimeError("spawn the instance process: \(error)")
        }
    }

    /// Returns the pid of an instance that is ready and waits on its exec FIFO for `start`.
    public func launch(spawn: Spawn = InstanceLauncher.spawnFromThisProcess) throws -> pid_t {
        let fifo = InstanceRecord.execFIFO(root: root, id: id)
        try Posix.makeDirectories(InstanceRecord.directory(root: root, id: id))
        guard mkfifo(fifo, 0o600) == 0 else { throw RuntimeError.errno("mkfifo \(fifo)") }
        // The instance reopens it through /proc/self/fd after dropping to the container's user.
        guard chmod(fifo, 0o622) == 0 else { throw RuntimeError.errno("chmod \(fifo)") }

        var pipeEnds: [Int32] = [0, 0]
        // Close-on-exec from the start: the shim spawns from several threads, and no end may
        // leak into another instance.
        guard wr_pipe_cloexec(&pipeEnds) == 0 else { throw RuntimeError.errno("pipe") }
        let (syncRead, syncWrite) = (pipeEnds[0], pipeEnds[1])
        guard wr_pipe_cloexec(&pipeEnds) == 0 else { throw RuntimeError.errno("pipe") }
        let (goRead, goWrite) = (pipeEnds[0], pipeEnds[1])
        defer { close(syncRead) }
        var goAhead: Int32? = goWrite
        defer { if let goAhead { close(goAhead) } }

        var arguments = [InitCommand.processName, "--root", root] + logArguments + ["_init", "--bundle", bundle.path]
        if boundToParent { arguments.append(InitCommand.boundToParentFlag) }
        arguments.append(id)
        // The child finds its end of the sync pipe on fd 3 and of the go pipe on fd 4; dup2
        // clears close-on-exec there. No other end leaks into it.
        var descriptors: [(source: Int32, target: Int32)] = []
        if let standardIO {
            descriptors += [(standardIO.input, 0), (standardIO.output, 1), (standardIO.error, 2)]
        }
        descriptors += [(syncWrite, InitCommand.syncDescriptor), (goRead, InitCommand.goDescriptor)]

        // Started from a sealed view of wasm-runc, never the host's file, and with an empty
        // environment: the process starts as host root in the host's mount namespace, where the
        // dynamic loader would obey the pod's LD_PRELOAD or GLIBC_TUNABLES, and the shim's
        // (containerd's) variables are none of the module's business. The module's environment
        // is the spec's process.env, given through WASI.
        let sealed = try SealedExecutable.open(
            executable: executable,
            spareDirectory: InstanceRecord.directory(root: root, id: id))
        defer { close(sealed) }
        let request = SpawnRequest(
            spec: bundle.spec, program: "/proc/self/fd/\(sealed)", arguments: arguments,
            descriptors: descriptors)
        let pid: pid_t
        do {
            pid = try spawn(request)
        } catch {
            close(syncWrite)
            close(goRead)
            throw error
        }
        close(syncWrite)
        close(goRead)

        do {
            if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty {
                try Cgroups().enter(pid: pid, path: cgroupsPath, resources: bundle.spec.resources)
            }
            try Credentials.writeOOMScore(bundle.spec, pid: pid)
            guard write(goWrite, [UInt8(1)], 1) == 1 else { throw RuntimeError.errno("release the instance process") }
            close(goWrite)
            goAhead = nil
            let requested = bundle.annotations["io.cribench.wasm.setup-timeout-seconds"].flatMap(Int.init)
            let seconds = min(max(requested ?? Self.defaultSetupTimeoutSeconds, 1), 3600)
            let report = try readAll(syncRead, within: seconds).trimmingNewlines
            guard report == InitCommand.readyMessage else {
                throw RuntimeError(
                    report.isEmpty ? "the instance process for \(modulePath) exited during setup" : report)
            }
        } catch {
            if let terminate {
                terminate(pid)
                if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty {
                    Cgroups().removeKilling(path: cgroupsPath)
                }
            } else {
                Self.discard(pid, bundle: bundle)
            }
            throw error
        }
        return pid
    }

    /// Kills and reaps an instance that never became ready, and removes its cgroup.
    public static func discard(_ pid: Int32, bundle: OCIBundle) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty { Cgroups().remove(path: cgroupsPath) }
    }

    /// The most the instance may write on its setup pipe (a ready line, or an error message).
    static let maximumReport = 64 << 10

    /// Reads the sync pipe to its end, giving up after `seconds`.
    private func readAll(_ fd: Int32, within seconds: Int) throws -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        deadline.tv_sec += seconds
        while true {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let left = Int((deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1_000_000)
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = left > 0 ? poll(&descriptor, 1, Int32(left)) : 0
            if ready < 0 { if errno == EINTR { continue }; throw RuntimeError.errno("poll the sync pipe") }
            if ready == 0 {
                throw RuntimeError(
                    "module \(modulePath) did not become ready within \(seconds) s "
                        + "(a wasm start function that does not return?); "
                        + "raise annotation io.cribench.wasm.setup-timeout-seconds if it needs longer")
            }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; throw RuntimeError.errno("read the sync pipe") }
            if count == 0 { break }
            bytes += buffer[0..<count]
            // The instance reports one line; a process that writes more is not setting up (code
            // that escaped the interpreter could flood a shim that serves other pods).
            guard bytes.count <= Self.maximumReport else {
                throw RuntimeError(
                    "the instance process for \(modulePath) wrote more than \(Self.maximumReport) bytes "
                        + "on its setup pipe; it was stopped")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
