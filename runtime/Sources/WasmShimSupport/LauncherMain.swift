#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// containerd-shim-cribench-wasm-v1, what containerd runs for runtime_type
/// io.containerd.cribench-wasm.v1: `start` and `delete`, once per task each. A small static
/// program (no Foundation) so that those execs stay cheap; the serving shim is
/// cribench-wasm-shim-server, started by `start` when none runs.
public enum LauncherMain {
    public static func main(_ arguments: [String]) -> Never {
        // A shim that dies while `delete` talks to it must not end `delete` with SIGPIPE:
        // the write fails instead, and the cleanup goes on.
        signal(SIGPIPE, SIG_IGN)
        let commandLine = ShimCommandLine(arguments)
        do {
            switch commandLine.action {
            case "start": try StartAction.run(commandLine)
            case "delete": try DeleteAction.run(commandLine)
            case "version":
                print(
                    "containerd-shim-cribench-wasm-v1 0.1.0 (CRIBench; serves through \(ShimNames.server), "
                        + "instances from wasm-runc)")
            default:
                throw RuntimeError(
                    "unknown action \(commandLine.action.isEmpty ? "(none)" : commandLine.action); "
                        + "containerd runs this shim with start or delete")
            }
            exit(0)
        } catch {
            ShimLog().error("\(error)")
            exit(1)
        }
    }
}
