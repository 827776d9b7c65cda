#if canImport(Glibc)
import Glibc
#endif

/// `delete [--force] ID`: forgets a stopped instance and removes its cgroup; with --force a
/// running one is killed first.
extension InstanceCommand {
    func delete() throws {
        let root = invocation.root
        let state: InstanceRecord
        do {
            state = try InstanceRecord.load(root: root, id: id)
        } catch let error where invocation.has("--force", "-f") && InstanceRecord.isOurs(root: root, id: id) {
            // A corrupt record names no process to kill; --force still lets it be forgotten.
            invocation.log.error("\(error); removing the record")
            Posix.removeTree(InstanceRecord.directory(root: root, id: id))
            return
        }
        if state.isAlive {
            guard invocation.has("--force", "-f") else {
                throw RuntimeError(
                    "cannot delete container \(id) that is not stopped: \(state.status(root: root).rawValue)")
            }
            Glibc.kill(state.pid, SIGKILL)
            for _ in 0..<200 where state.isAlive { usleep(10_000) }
        }
        if let cgroupsPath = state.cgroupsPath, !cgroupsPath.isEmpty { Cgroups().remove(path: cgroupsPath) }
        Posix.removeTree(InstanceRecord.directory(root: root, id: id))
    }
}
