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
            let metadata = [(key: ShimNames.namespaceMetadataKey, value: commandLine.namespace)]
            for (method, payload) in [
                ("Kill", killRequest(id: commandLine.id)),
                ("Delete", deleteRequest(id: commandLine.id)),
            ] {
                _ = try? client.call(
                    TTRPCRequest(
                        service: ShimNames.taskService, method: method, payload: payload,
                        metadata: metadata))
            }
        }
        var cwd = [Int8](repeating: 0, count: Int(PATH_MAX) + 1)
        if getcwd(&cwd, cwd.count) != nil, !commandLine.id.isEmpty {
            BundleLeftovers.removeAll(bundle: String(cString: cwd), id: commandLine.id)
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        try Posix.writeAll(
            1,
            deleteResponse(
                exitStatus: UInt32(128 + SIGKILL), seconds: Int64(now.tv_sec),
                nanos: Int32(now.tv_nsec)),
            what: "stdout")
    }

    /// containerd.task.v2.KillRequest: id (1), signal (3): SIGKILL.
    public static func killRequest(id: String) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.string(1, id)
        writer.varint(3, UInt64(SIGKILL))
        return writer.bytes
    }

    /// containerd.task.v2.DeleteRequest: id (1).
    public static func deleteRequest(id: String) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.string(1, id)
        return writer.bytes
    }

    /// containerd.task.v2.DeleteResponse: exit_status (2), exited_at (3, a Timestamp).
    public static func deleteResponse(exitStatus: UInt32, seconds: Int64, nanos: Int32) -> [UInt8] {
        var exitedAt = ProtobufWriter()
        exitedAt.varint(1, UInt64(bitPattern: seconds))
        exitedAt.varint(2, UInt64(UInt32(bitPattern: nanos)))
        var response = ProtobufWriter()
        response.varint(2, UInt64(exitStatus))
        response.bytes(3, exitedAt.bytes)
        return response.bytes
    }
}
