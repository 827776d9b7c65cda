#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// `create --bundle B --pid-file P ID`: prepares the instance in a process of its own that
/// waits for `start`, and returns. That process outlives this one, so it is reparented to
/// containerd's shim (a subreaper), which reaps it and reports its exit.
struct CreateCommand {
    let invocation: Invocation

    init(_ invocation: Invocation) { self.invocation = invocation }

    func run() throws {
        let valued: Set<String> = ["--bundle", "-b", "--pid-file", "--console-socket", "--preserve-fds"]
        guard let id = invocation.positionals(valued: valued).first else { throw RuntimeError("create: no container id given") }
        let bundlePath = invocation.value(of: "--bundle", "-b") ?? "."
        guard let bundle = try? OCIBundle(path: bundlePath), case .wasm(let modulePath) = WorkloadKind.of(bundle) else {
            try Delegation.execRunc(invocation)
        }
        if invocation.value(of: "--console-socket") != nil {
            throw RuntimeError("wasm instance \(id) asks for a terminal (tty: true); wasm instances have none: set tty to false")
        }
        let root = invocation.root
        let directory = ContainerState.directory(root: root, id: id)
        if ContainerState.isOurs(root: root, id: id) { throw RuntimeError("container with id \(id) already exists") }
        try Posix.makeDirectories(directory)
        do {
            let pid = try spawnInstance(id: id, bundlePath: bundlePath, modulePath: modulePath, bundle: bundle)
            let state = ContainerState(id: id, bundle: bundle, pid: pid, pidStartTime: Posix.startTime(of: pid) ?? 0)
            try state.save(root: root)
            if let pidFile = invocation.value(of: "--pid-file") {
                try Posix.writeFile(pidFile, String(pid), atomically: true)
            }
        } catch {
            Posix.removeTree(directory)
            throw error
        }
    }

    /// Starts `wasm-runc _init`, places it in the container's cgroup, and waits until it has
    /// parsed and instantiated the module (or failed to, which fails `create` with its reason).
    private func spawnInstance(id: String, bundlePath: String, modulePath: String, bundle: OCIBundle) throws -> Int32 {
        let fifo = ContainerState.execFIFO(root: invocation.root, id: id)
        guard mkfifo(fifo, 0o600) == 0 else { throw RuntimeError.errno("mkfifo \(fifo)") }

        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw RuntimeError.errno("pipe") }
        let (syncRead, syncWrite) = (pipeEnds[0], pipeEnds[1])
        // Neither end may leak into the instance but through the dup2 onto fd 3 below.
        _ = fcntl(syncRead, F_SETFD, FD_CLOEXEC)
        _ = fcntl(syncWrite, F_SETFD, FD_CLOEXEC)
        defer { close(syncRead) }

        var arguments = ["wasm-runc", "--root", invocation.root]
        if let log = invocation.logPath { arguments += ["--log", log] }
        if invocation.logJSON { arguments += ["--log-format", "json"] }
        arguments += ["_init", "--bundle", bundlePath, id]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child finds its end of the sync pipe on fd 3; dup2 clears close-on-exec there.
        posix_spawn_file_actions_adddup2(&actions, syncWrite, InitCommand.syncDescriptor)

        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/proc/self/exe", &actions, nil, argv, environ)
        close(syncWrite)
        guard spawned == 0 else { throw RuntimeError.errno("spawn the instance process", spawned) }

        do {
            if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty {
                try CgroupV1.enter(pid: pid, path: cgroupsPath, memoryLimitBytes: bundle.memoryLimitBytes)
            }
            let report = try readAll(syncRead).trimmingNewlines
            guard report == InitCommand.readyMessage else {
                throw RuntimeError(report.isEmpty ? "the instance process for \(modulePath) exited during setup" : report)
            }
        } catch {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            if let cgroupsPath = bundle.cgroupsPath { CgroupV1.remove(path: cgroupsPath) }
            throw error
        }
        return pid
    }

    private func readAll(_ fd: Int32) throws -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; throw RuntimeError.errno("read the sync pipe") }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    var trimmingNewlines: String {
        var text = Substring(self)
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        return String(text)
    }
}
