#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// `_init --bundle B ID` (internal): the instance process. It waits until `create` has put it
/// in its cgroup, becomes a container as runc makes one (namespaces, root, mounts, limits,
/// user and capabilities; see ContainerRoot and Credentials), reads and instantiates the
/// module inside it, reports on the sync pipe, waits on the exec FIFO until `start`, then runs
/// the module and exits with its code.
struct InitCommand {
    static let syncDescriptor: Int32 = 3
    static let goDescriptor: Int32 = 4
    static let readyMessage = "ready"
    /// What `ps` calls the instance (argv[0] and the thread name).
    static let processName = "wasm-instance"
    /// Given by CRIBench's shim: the instance keeps its parent-death signal once it runs, so
    /// that it dies with the shim (containerd then sees its exit through the shim's delete).
    static let boundToParentFlag = "--bound-to-parent"

    let invocation: RuncCommandLine

    init(_ invocation: RuncCommandLine) { self.invocation = invocation }

    func run() -> Never {
        // Until the instance is ready, it must not outlive `create` (killed on its deadline).
        _ = wr_prctl(WR_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
        let parent = getppid()
        // Not dumpable: another process of the pod cannot ptrace it or reach its /proc/PID/*
        // files, as a root container otherwise could.
        _ = wr_prctl(WR_PR_SET_DUMPABLE, 0, 0, 0, 0)
        _ = Self.processName.withCString { wr_prctl(WR_PR_SET_NAME, UInt(bitPattern: $0), 0, 0, 0) }
        let instance: WASIInstance
        do {
            try waitForGoAhead()
            guard let id = invocation.containerID, let bundlePath = invocation.value(of: "--bundle") else {
                throw RuntimeError("_init needs --bundle and an id")
            }
            let bundle = try OCIBundle(path: bundlePath)
            guard case .wasm(let guestPath) = BundleKind.of(bundle) else {
                throw RuntimeError("bundle \(bundlePath): entrypoint is not a WebAssembly module")
            }
            // Opened by path now, reopened through the container's /proc/self/fd once the host's
            // tree is gone.
            let fifo = open(InstanceRecord.execFIFO(root: invocation.root, id: id), WR_O_PATH | O_CLOEXEC)
            guard fifo >= 0 else { throw RuntimeError.errno("open the exec FIFO") }

            let spec = bundle.spec
            try Namespaces.enterAll(spec)
            if let hostname = spec.hostname, spec.namespaces.contains(where: { $0.type == "uts" && $0.path == nil }) {
                guard sethostname(hostname, hostname.utf8.count) == 0 else {
                    throw RuntimeError.errno("hostname: sethostname \(hostname)")
                }
            }
            // Read from the host's /proc, before the container's may cover it.
            let lastCapability =
                Int((try? Posix.readText("/proc/sys/kernel/cap_last_cap"))?.trimmingNewlines ?? "") ?? 40
            try ContainerRoot(rootfs: bundle.rootfs, spec: spec).build()
            let fdDirectory = try hideKernelFilesystems()
            guard chdir(bundle.workingDirectory) == 0 else {
                throw RuntimeError.errno("process.cwd: chdir \(bundle.workingDirectory)")
            }
            try Credentials.applyLimits(spec)
            // runc's order: without no_new_privs only a process that still holds CAP_SYS_ADMIN
            // may load a filter, so it goes in before the capabilities are dropped; with it, as
            // late as possible. Either way before the module is instantiated.
            if let seccomp = spec.seccomp, !spec.noNewPrivileges { try SeccompFilter.load(seccomp) }
            try Credentials.apply(spec, lastCapability: lastCapability)
            if let seccomp = spec.seccomp, spec.noNewPrivileges { try SeccompFilter.load(seccomp) }
            // A change of user clears the parent-death signal: set it again, and make sure
            // `create` did not end in between.
            _ = wr_prctl(WR_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
            guard getppid() == parent else {
                throw RuntimeError("the process that spawned the instance exited during setup")
            }
            let bytes = try readModule(guestPath, fdDirectory: fdDirectory)
            // Only stdio, the sync pipe and what `start` needs are left for the module.
            try DescriptorHygiene.closeAll(except: [Self.syncDescriptor, fifo, fdDirectory])
            installExitOnSignals()
            instance = try WASIInstance(
                module: bytes, guestPath: guestPath, arguments: bundle.args, environment: bundle.environment)
            if !invocation.has(Self.boundToParentFlag) { _ = wr_prctl(WR_PR_SET_PDEATHSIG, 0, 0, 0, 0) }
            report(Self.readyMessage)
            try waitForStart(fifo: fifo, fdDirectory: fdDirectory)
            close(fdDirectory)
        } catch {
            report("\(error)")
            exit(1)
        }
        exit(instance.run())
    }

    /// Takes procfs and sysfs out of the module's view (see KernelFilesystemFence) and returns a
    /// descriptor of /proc/self/fd, through which setup still reopens the module and the exec
    /// FIFO. It comes from a procfs of the instance's own with only the process directories
    /// (subset=pid): the descriptor stays open while the module is instantiated (its start
    /// function runs then), and `..` from it must not reach /proc/sys or sysrq-trigger, which
    /// the container's /proc covers with read-only and masked mounts that are detached here.
    private func hideKernelFilesystems() throws -> Int32 {
        let procRoot = wr_private_pid_procfs()
        guard procRoot >= 0 else { throw RuntimeError.errno("mount a procfs of the instance's own (subset=pid)") }
        defer { close(procRoot) }
        let procSelf = openat(procRoot, "self", WR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard procSelf >= 0 else { throw RuntimeError.errno("open self in the instance's procfs") }
        defer { close(procSelf) }
        let fdDirectory = openat(procSelf, "fd", WR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fdDirectory >= 0 else { throw RuntimeError.errno("open self/fd in the instance's procfs") }
        try KernelFilesystemFence.detachAll(procSelf: procSelf)
        return fdDirectory
    }

    /// Read as the container's user, after pivot_root: the module is whatever file the guest
    /// path names inside the container (resolved in its root, no magic link followed), if that
    /// user may read it.
    private func readModule(_ guestPath: String, fdDirectory: Int32) throws -> [UInt8] {
        let root = open("/", WR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { throw RuntimeError.errno("open the container's root") }
        let located = GuestPath.open(guestPath, inRootDescriptor: root, flags: WR_O_PATH)
        close(root)
        guard located >= 0 else { throw RuntimeError.errno("entrypoint \(guestPath): open") }
        defer { close(located) }
        let moduleFD = GuestPath.openRegularFile(located, fdDirectory: fdDirectory)
        guard moduleFD >= 0 else {
            throw RuntimeError("entrypoint \(guestPath) is not a regular file the container's user can read")
        }
        defer { close(moduleFD) }
        return try GuestPath.readModule(moduleFD, guestPath: guestPath)
    }

    /// `create` closes its end of the go pipe once the instance is in its cgroup.
    private func waitForGoAhead() throws {
        var byte: UInt8 = 0
        while true {
            let count = read(Self.goDescriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            close(Self.goDescriptor)
            guard count == 1 else { throw RuntimeError("create did not place the instance in its cgroup") }
            return
        }
    }

    /// The instance may be its PID namespace's init, which the kernel spares from signals it
    /// has no handler for: a handler makes SIGTERM end it as it ends any other process.
    private func installExitOnSignals() {
        for number in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2] {
            signal(number) { _exit(128 + $0) }
        }
    }

    private func report(_ message: String) {
        _ = try? Posix.writeAll(Self.syncDescriptor, Array((message + "\n").utf8), what: "sync pipe")
        close(Self.syncDescriptor)
    }

    /// Opening the FIFO for writing blocks until `start` opens it for reading.
    private func waitForStart(fifo: Int32, fdDirectory: Int32) throws {
        var fd: Int32
        repeat { fd = openat(fdDirectory, "\(fifo)", O_WRONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw RuntimeError.errno("open the exec FIFO") }
        close(fifo)
        try Posix.writeAll(fd, [0x30], what: "exec FIFO")
        close(fd)
    }
}
