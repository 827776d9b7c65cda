#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// `delete`, run by containerd in a task's bundle when it has closed its connection to the shim
/// (after every task's delete, and when the shim died): ends the task if a shim still holds it,
/// removes what it left on the node, and prints the exit as a DeleteResponse.
public enum DeleteAction {
    public static func run(_ commandLine: ShimCommandLine) throws {
        let paths = ShimPaths(containerdAddress: commandLine.address, namespace: commandLine.namespace)
        if !commandLine.id.isEmpty, let client = try? TTRPCClient(path: paths.socket) {
            var kill = ProtobufWriter()
            kill.string(1, commandLine.id)
            kill.varint(3, UInt64(SIGKILL))
            var delete = ProtobufWriter()
            delete.string(1, commandLine.id)
            let metadata = [(key: ShimNames.namespaceMetadataKey, value: commandLine.namespace)]
            for (method, payload) in [("Kill", kill.bytes), ("Delete", delete.bytes)] {
                _ = try? client.call(TTRPCRequest(service: ShimNames.taskService, method: method, payload: payload, metadata: metadata))
            }
        }
        var cwd = [Int8](repeating: 0, count: Int(PATH_MAX) + 1)
        if getcwd(&cwd, cwd.count) != nil, !commandLine.id.isEmpty {
            BundleLeftovers.removeAll(bundle: String(cString: cwd), id: commandLine.id)
        }
        // containerd.task.v2.DeleteResponse: pid (1), exit_status (2), exited_at (3).
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var exitedAt = ProtobufWriter()
        exitedAt.varint(1, UInt64(now.tv_sec))
        exitedAt.varint(2, UInt64(now.tv_nsec))
        var response = ProtobufWriter()
        response.varint(2, UInt64(128 + SIGKILL))
        response.bytes(3, exitedAt.bytes)
        try Posix.writeAll(1, response.bytes, what: "stdout")
    }
}
