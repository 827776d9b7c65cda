#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// containerd-shim-cribench-wasm-v1: what containerd runs for runtime_type
/// io.containerd.cribench-wasm.v1.
public enum ShimMain {
    public static func main(_ arguments: [String]) -> Never {
        let commandLine = ShimCommandLine(arguments)
        // An instance process starts from wasm-runc, never from this binary; `_init` here would
        // be a mistake, and is refused like any other unknown action.
        do {
            switch commandLine.action {
            case "start": try StartAction.run(commandLine)
            case "delete": try DeleteAction.run(commandLine)
            case "serve": try ServeAction.run(commandLine)
            case "version":
                print("containerd-shim-cribench-wasm-v1 0.1.0 (CRIBench; instances from wasm-runc beside it)")
            default:
                throw RuntimeError("unknown action \(commandLine.action.isEmpty ? "(none)" : commandLine.action); "
                    + "containerd runs this shim with start or delete")
            }
            exit(0)
        } catch {
            ShimLog().error("\(error)")
            _ = try? Posix.writeAll(2, Array("\(error)\n".utf8), what: "stderr")
            exit(1)
        }
    }
}
