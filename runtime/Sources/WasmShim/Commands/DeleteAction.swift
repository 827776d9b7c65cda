#if canImport(Glibc)
import Glibc
#endif
import SwiftProtobuf
import TaskAPI
import WasmRuntime

/// `delete`, run by containerd in a task's bundle when it has lost the shim that served it:
/// ends the task if a shim still holds it, removes what it left on the node (its cgroup, its
/// mounted rootfs, a sandbox's pinned namespaces), and prints the exit as a DeleteResponse.
enum DeleteAction {
    static func run(_ commandLine: ShimCommandLine) throws {
        let paths = ShimPaths(containerdAddress: commandLine.address, namespace: commandLine.namespace)
        if !commandLine.id.isEmpty, let client = try? TTRPCClient(path: paths.socket) {
            var kill = Containerd_Task_V2_KillRequest()
            kill.id = commandLine.id
            kill.signal = UInt32(SIGKILL)
            _ = try? client.call(service: TaskService.serviceName, method: "Kill", kill)
            var delete = Containerd_Task_V2_DeleteRequest()
            delete.id = commandLine.id
            _ = try? client.call(service: TaskService.serviceName, method: "Delete", delete)
        }
        var cwd = [Int8](repeating: 0, count: Int(PATH_MAX) + 1)
        if getcwd(&cwd, cwd.count) != nil {
            let bundle = String(cString: cwd)
            let cgroupsPath = (try? OCIBundle(path: bundle))?.cgroupsPath
            PodNamespaces.releaseLeftovers(bundle: bundle)
            InstanceBundle.cleanUp(bundle: bundle, id: commandLine.id, cgroupsPath: cgroupsPath)
        }
        var response = Containerd_Task_V2_DeleteResponse()
        response.exitStatus = 128 + UInt32(SIGKILL)
        response.exitedAt = .now
        let bytes: [UInt8] = try response.serializedBytes()
        try Posix.writeAll(1, bytes, what: "stdout")
    }
}
