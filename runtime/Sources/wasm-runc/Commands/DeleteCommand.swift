#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// `delete [--force] ID`: forgets a stopped instance and removes its cgroup; with --force a
/// running one is killed first.
struct DeleteCommand {
    let invocation: Invocation
    let id: String

    init(_ invocation: Invocation, id: String) {
        self.invocation = invocation
        self.id = id
    }

    func run() throws {
        let root = invocation.root
        let state = try ContainerState.load(root: root, id: id)
        if state.isAlive {
            guard invocation.has("--force", "-f") else {
                throw RuntimeError("cannot delete container \(id) that is not stopped: \(state.status(root: root).rawValue)")
            }
            kill(state.pid, SIGKILL)
            for _ in 0..<200 where state.isAlive { usleep(10_000) }
        }
        if let cgroupsPath = state.cgroupsPath, !cgroupsPath.isEmpty { Cgroups().remove(path: cgroupsPath) }
        Posix.removeTree(ContainerState.directory(root: root, id: id))
    }
}
