/// Names the launcher and the serving shim share with containerd.
public enum ShimNames {
    public static let taskService = "containerd.task.v2.Task"
    /// The ttrpc metadata key that carries containerd's namespace.
    public static let namespaceMetadataKey = "containerd-namespace-ttrpc"
    /// The CRI runtime handler scripts/start-containerd.sh configures for this shim.
    public static let handler = "wasm-shim"
    /// The serving shim's binary, installed beside the launcher (and wasm-runc).
    public static let server = "cribench-wasm-shim-server"
}
