#if canImport(Glibc)
import Glibc
#endif

/// wasm-runc: an OCI runtime with runc's command line. Bundles whose entrypoint is a
/// WebAssembly module run as WasmKit instances; every other bundle, and every command about a
/// container that is not a wasm instance, is handed to runc unchanged.
public enum CommandDispatch {
    public static func main(_ arguments: [String]) -> Never {
        let invocation = RuncCommandLine(arguments)
        let log = invocation.log
        do {
            switch invocation.command {
            case "create": try CreateCommand(invocation).run()
            case "_init": InitCommand(invocation).run()
            case "start": try forWasmInstance(invocation) { try InstanceCommand(invocation, id: $0).start() }
            case "state": try forWasmInstance(invocation) { try InstanceCommand(invocation, id: $0).state() }
            case "kill": try forWasmInstance(invocation) { try InstanceCommand(invocation, id: $0).kill() }
            case "delete": try forWasmInstance(invocation) { try InstanceCommand(invocation, id: $0).delete() }
            case "ps": try forWasmInstance(invocation) { try InstanceCommand(invocation, id: $0).ps() }
            case "exec":
                try forWasmInstance(invocation) { id in
                    throw RuntimeError(
                        "exec is not supported for wasm instance \(id): a WebAssembly module has no process to run a "
                            + "command in"
                    )
                }
            case "--version", "-v", "version":
                print(
                    "wasm-runc version 0.1.0 (CRIBench, WasmKit 0.4.2); delegates other bundles to "
                        + "\(Delegation.runcPath ?? "runc (not found)")"
                )
            case "", "help", "--help", "-h":
                print(
                    "usage: wasm-runc [--root DIR] [--log FILE] [--log-format json] COMMAND [flags] ID\ncommands: "
                        + "create start state kill delete ps (exec: not for wasm instances); others go to runc"
                )
            default:
                try forWasmInstance(invocation) { id in
                    throw RuntimeError("\(invocation.command) is not supported for wasm instance \(id)")
                }
            }
            exit(0)
        } catch {
            log.error("\(error)")
            // containerd's shim reads the error of `create` from the log file, and that of every
            // other command from its output (it matches "container not running" there).
            if invocation.command != "create", invocation.logPath != nil {
                _ = try? Posix.writeAll(2, Array("\(error)\n".utf8), what: "stderr")
            }
            exit(1)
        }
    }

    /// Runs `body` with the container id if it names a wasm instance; otherwise hands the
    /// whole command line to runc.
    static func forWasmInstance(_ invocation: RuncCommandLine, _ body: (String) throws -> Void) throws {
        guard let id = invocation.containerID, InstanceRecord.isOurs(root: invocation.root, id: id) else {
            try Delegation.execRunc(invocation)
        }
        try body(id)
    }
}

/// Hands a command to runc, replacing this process, so runc's behaviour and exit are its own.
enum Delegation {
    static var runcPath: String? {
        if let configured = Posix.environment("WASM_RUNC_DELEGATE"), !configured.isEmpty { return configured }
        return ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"].first {
            access($0, X_OK) == 0
        }
    }

    static func execRunc(_ invocation: RuncCommandLine) throws -> Never {
        guard let runc = runcPath else {
            throw RuntimeError(
                "runc is not installed: wasm-runc hands every non-wasm bundle (such as the pod's pause container) to "
                    + "runc; install Debian's runc"
            )
        }
        var arguments = invocation.original
        arguments[0] = "runc"
        let argv = arguments.map { strdup($0) } + [nil]
        execv(runc, argv)
        throw RuntimeError.errno("exec \(runc)")
    }
}
