#if canImport(Glibc)
import Glibc
#endif

/// `create --bundle B --pid-file P ID`: prepares the instance in a process of its own that
/// waits for `start`, and returns. That process outlives this one, so it is reparented to
/// containerd's shim (a subreaper), which reaps it and reports its exit.
struct CreateCommand {
    let invocation: RuncCommandLine

    init(_ invocation: RuncCommandLine) { self.invocation = invocation }

    func run() throws {
        guard let id = invocation.containerID else { throw RuntimeError("create: no container id given") }
        let bundlePath = invocation.value(of: "--bundle", "-b") ?? "."
        guard let bundle = try? OCIBundle(path: bundlePath), case .wasm(let modulePath) = BundleKind.of(bundle) else {
            try Delegation.execRunc(invocation)
        }
        try ContainerIdentifiers.validateID(id)
        if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty { try ContainerIdentifiers.validateCgroupsPath(cgroupsPath) }
        try bundle.spec.requireSupported(bundle: bundlePath)
        if let preserved = invocation.value(of: "--preserve-fds"), preserved != "0" {
            throw RuntimeError("wasm instance \(id): --preserve-fds \(preserved) is not supported (a module reaches files through WASI only); leave it at 0")
        }
        if invocation.systemdCgroup {
            throw RuntimeError("wasm instance \(id): the systemd cgroup driver (SystemdCgroup = true) is not supported; set SystemdCgroup = false for the wasm handler")
        }
        if invocation.value(of: "--console-socket") != nil {
            throw RuntimeError("wasm instance \(id) asks for a terminal (tty: true); wasm instances have none: set tty to false")
        }
        let root = invocation.root
        let directory = InstanceRecord.directory(root: root, id: id)
        if InstanceRecord.isOurs(root: root, id: id) { throw RuntimeError("container with id \(id) already exists") }
        try Posix.makeDirectories(directory)
        var spawned: Int32?
        do {
            let pid = try spawnInstance(id: id, bundlePath: bundlePath, modulePath: modulePath, bundle: bundle)
            spawned = pid
            let state = InstanceRecord(id: id, bundle: bundle, pid: pid, pidStartTime: Posix.startTime(of: pid) ?? 0)
            try state.save(root: root)
            if let pidFile = invocation.value(of: "--pid-file") {
                try Posix.writeFile(pidFile, String(pid), atomically: true)
            }
        } catch {
            // Whatever failed, `create` leaves no instance, cgroup or record behind.
            if let spawned { Self.discardInstance(spawned, bundle: bundle) }
            Posix.removeTree(directory)
            throw error
        }
    }

    /// How long the instance may take to become a container and instantiate its module (a
    /// module's wasm start function runs then): past it, `create` fails and leaves nothing.
    /// The annotation io.cribench.wasm.setup-timeout-seconds changes it.
    static let defaultSetupTimeoutSeconds = 20

    /// Starts `wasm-runc _init` in the spec's PID namespace, places it in the container's
    /// cgroup before it does anything, and waits until it has become a container and
    /// instantiated the module (or failed to, which fails `create` with its reason).
    private func spawnInstance(id: String, bundlePath: String, modulePath: String, bundle: OCIBundle) throws -> Int32 {
        let fifo = InstanceRecord.execFIFO(root: invocation.root, id: id)
        guard mkfifo(fifo, 0o600) == 0 else { throw RuntimeError.errno("mkfifo \(fifo)") }
        // The instance reopens it through /proc/self/fd after dropping to the container's user.
        guard chmod(fifo, 0o622) == 0 else { throw RuntimeError.errno("chmod \(fifo)") }

        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw RuntimeError.errno("pipe") }
        let (syncRead, syncWrite) = (pipeEnds[0], pipeEnds[1])
        guard pipe(&pipeEnds) == 0 else { throw RuntimeError.errno("pipe") }
        let (goRead, goWrite) = (pipeEnds[0], pipeEnds[1])
        // No end may leak into the instance but through the dup2 onto fds 3 and 4 below.
        for fd in [syncRead, syncWrite, goRead, goWrite] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { close(syncRead) }
        var goAhead: Int32? = goWrite
        defer { if let goAhead { close(goAhead) } }

        try Namespaces.preparePIDNamespace(bundle.spec)
        var arguments = [InitCommand.processName, "--root", invocation.root]
        if let log = invocation.logPath { arguments += ["--log", log] }
        if invocation.logJSON { arguments += ["--log-format", "json"] }
        arguments += ["_init", "--bundle", bundlePath, id]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child finds its end of the sync pipe on fd 3 and of the go pipe on fd 4; dup2
        // clears close-on-exec there.
        posix_spawn_file_actions_adddup2(&actions, syncWrite, InitCommand.syncDescriptor)
        posix_spawn_file_actions_adddup2(&actions, goRead, InitCommand.goDescriptor)

        // Started from a sealed view of wasm-runc, never the host's file, and with an empty
        // environment: the process starts as host root in the host's mount namespace, where the
        // dynamic loader would obey the pod's LD_PRELOAD or GLIBC_TUNABLES, and the shim's
        // (containerd's) variables are none of the module's business. The module's environment
        // is the spec's process.env, given through WASI.
        let executable = try SealedExecutable.open(spareDirectory: InstanceRecord.directory(root: invocation.root, id: id))
        defer { close(executable) }
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envp: [UnsafeMutablePointer<CChar>?] = [nil]
        let spawned = posix_spawn(&pid, "/proc/self/fd/\(executable)", &actions, nil, argv, &envp)
        close(syncWrite)
        close(goRead)
        guard spawned == 0 else { throw RuntimeError.errno("spawn the instance process", spawned) }

        let cgroups = Cgroups()
        do {
            if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty {
                try cgroups.enter(pid: pid, path: cgroupsPath, resources: bundle.spec.resources)
            }
            try Credentials.writeOOMScore(bundle.spec, pid: pid)
            guard write(goWrite, [UInt8(1)], 1) == 1 else { throw RuntimeError.errno("release the instance process") }
            close(goWrite)
            goAhead = nil
            let seconds = min(max(bundle.annotations["io.cribench.wasm.setup-timeout-seconds"].flatMap(Int.init) ?? Self.defaultSetupTimeoutSeconds, 1), 3600)
            let report = try readAll(syncRead, within: seconds, module: modulePath).trimmingNewlines
            guard report == InitCommand.readyMessage else {
                throw RuntimeError(report.isEmpty ? "the instance process for \(modulePath) exited during setup" : report)
            }
        } catch {
            Self.discardInstance(pid, bundle: bundle)
            throw error
        }
        return pid
    }

    /// Kills and reaps an instance `create` spawned, and removes its cgroup.
    static func discardInstance(_ pid: Int32, bundle: OCIBundle) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty { Cgroups().remove(path: cgroupsPath) }
    }

    /// Reads the sync pipe to its end, giving up after `seconds`.
    private func readAll(_ fd: Int32, within seconds: Int, module: String) throws -> String {
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
                throw RuntimeError("module \(module) did not become ready within \(seconds) s (a wasm start function that does not return?); raise annotation io.cribench.wasm.setup-timeout-seconds if it needs longer")
            }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; throw RuntimeError.errno("read the sync pipe") }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
