#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// `_init --bundle B ID` (internal): the instance process. Prepares the module, reports on the
/// sync pipe, waits on the exec FIFO until `start`, then runs the module and exits with its code.
struct InitCommand {
    static let syncDescriptor: Int32 = 3
    static let readyMessage = "ready"

    let invocation: Invocation

    init(_ invocation: Invocation) { self.invocation = invocation }

    func run() -> Never {
        let instance: WASIInstance
        do {
            guard let id = invocation.positionals(valued: ["--bundle"]).first, let bundlePath = invocation.value(of: "--bundle") else {
                throw RuntimeError("_init needs --bundle and an id")
            }
            let bundle = try OCIBundle(path: bundlePath)
            guard case .wasm(let modulePath) = WorkloadKind.of(bundle) else {
                throw RuntimeError("bundle \(bundlePath): entrypoint is not a WebAssembly module")
            }
            instance = try WASIInstance(modulePath: modulePath, arguments: bundle.args, environment: bundle.environment, rootfs: bundle.rootfs)
            report(Self.readyMessage)
            try waitForStart(fifo: ContainerState.execFIFO(root: invocation.root, id: id))
        } catch {
            report("\(error)")
            exit(1)
        }
        exit(instance.run())
    }

    private func report(_ message: String) {
        _ = try? Posix.writeAll(Self.syncDescriptor, Array((message + "\n").utf8), what: "sync pipe")
        close(Self.syncDescriptor)
    }

    /// Opening the FIFO for writing blocks until `start` opens it for reading.
    private func waitForStart(fifo: String) throws {
        var fd: Int32
        repeat { fd = open(fifo, O_WRONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw RuntimeError.errno("open \(fifo)") }
        try Posix.writeAll(fd, [0x30], what: fifo)
        close(fd)
    }
}
