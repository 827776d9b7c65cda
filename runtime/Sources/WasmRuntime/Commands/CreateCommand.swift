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
        if let cgroupsPath = bundle.cgroupsPath, !cgroupsPath.isEmpty {
            try ContainerIdentifiers.validateCgroupsPath(cgroupsPath)
        }
        try bundle.spec.requireSupported(bundle: bundlePath)
        if let preserved = invocation.value(of: "--preserve-fds"), preserved != "0" {
            throw RuntimeError(
                "wasm instance \(id): --preserve-fds \(preserved) is not supported (a module reaches files through "
                    + "WASI only); leave it at 0"
            )
        }
        if invocation.systemdCgroup {
            throw RuntimeError(
                "wasm instance \(id): the systemd cgroup driver (SystemdCgroup = true) is not supported; set "
                    + "SystemdCgroup = false for the wasm handler"
            )
        }
        if invocation.value(of: "--console-socket") != nil {
            throw RuntimeError(
                "wasm instance \(id) asks for a terminal (tty: true); wasm instances have none: set tty to false")
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
            if let spawned { InstanceLauncher.discard(spawned, bundle: bundle) }
            Posix.removeTree(directory)
            throw error
        }
    }

    private func spawnInstance(id: String, bundlePath: String, modulePath: String, bundle: OCIBundle) throws -> Int32 {
        var logArguments: [String] = []
        if let log = invocation.logPath { logArguments += ["--log", log] }
        if invocation.logJSON { logArguments += ["--log-format", "json"] }
        return try InstanceLauncher(
            id: id, bundle: bundle, modulePath: modulePath, root: invocation.root,
            logArguments: logArguments
        ).launch()
    }
}
