#if canImport(Glibc)
import Glibc
#endif
import SwiftProtobuf
import TaskAPI
import WasmShimSupport

/// One task the shim serves: a pod's sandbox, which is no process at all, or a wasm instance,
/// which is a process of the shim's own.
final class ShimTask {
    enum Kind {
        /// The pod's namespaces, held without a process; containers of the pod join them.
        case sandbox(PodNamespaces)
        case instance
    }

    enum Status { case created, running, stopped }

    let id: String
    let namespace: String
    let bundle: String
    let kind: Kind
    let cgroupsPath: String?
    let stdout: String
    let stderr: String
    var pid: Int32 = 0
    var status: Status = .created
    var exitStatus: UInt32 = 0
    var exitedAt: Google_Protobuf_Timestamp?
    /// Wait calls answered when the task stops.
    var waiters: [(Containerd_Task_V2_WaitResponse) -> Void] = []

    init(
        id: String, namespace: String, bundle: String, kind: Kind, cgroupsPath: String?, stdout: String,
        stderr: String
    ) {
        self.id = id
        self.namespace = namespace
        self.bundle = bundle
        self.kind = kind
        self.cgroupsPath = cgroupsPath
        self.stdout = stdout
        self.stderr = stderr
    }

    var isSandbox: Bool {
        if case .sandbox = kind { return true }
        return false
    }

    var waitResponse: Containerd_Task_V2_WaitResponse {
        var response = Containerd_Task_V2_WaitResponse()
        response.exitStatus = exitStatus
        if let exitedAt { response.exitedAt = exitedAt }
        return response
    }

    /// Records the exit and hands the waiters back, to be answered outside the table's lock;
    /// nil when the task had stopped already.
    func markStopped(exitStatus: UInt32) -> [(Containerd_Task_V2_WaitResponse) -> Void]? {
        guard status != .stopped else { return nil }
        status = .stopped
        self.exitStatus = exitStatus
        exitedAt = .now
        defer { waiters = [] }
        return waiters
    }

    var taskStatus: Containerd_V1_Types_Status {
        switch status {
        case .created: return .created
        case .running: return .running
        case .stopped: return .stopped
        }
    }
}
