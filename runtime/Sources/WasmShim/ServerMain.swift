#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime
import WasmShimSupport

/// cribench-wasm-shim-server: the node's wasm shim, started by the launcher's `start` with the
/// listening socket on descriptor 3 (`serve`).
public enum ServerMain {
    public static func main(_ arguments: [String]) -> Never {
        let commandLine = ShimCommandLine(arguments)
        do {
            guard commandLine.action == "serve" else {
                throw RuntimeError(
                    "\(ShimNames.server) is started by containerd-shim-cribench-wasm-v1 start, "
                        + "with the action serve")
            }
            try ServeAction.run(commandLine)
        } catch {
            ShimLog().error("\(error)")
            exit(1)
        }
    }
}
