/// The images and paths that scripts/start-containerd.sh provides on every CRIBench node.
public enum Defaults {
    public static let registry = "127.0.0.1:5000"
    public static let busyboxImage = "\(registry)/cribench/busybox:1.35"
    /// An image no other test uses, so removing it cannot disturb them (same layer as busybox,
    /// its own config, so its own image id).
    public static let imageTestImage = "\(registry)/cribench/busybox-imagetest:1.35"
    /// One of the wasm images scripts/build-wasm-images.sh pushes (wasi-example, idle,
    /// exit-code, spin, memory-hog, trap, hello, invalid).
    public static func wasmImage(_ name: String) -> String { "\(registry)/cribench/wasm-\(name):1" }
    public static let podLogRoot = "/var/lib/cribench/pod-logs"
    /// The cgroup (cgroupfs driver) under which every CRIBench pod is placed.
    public static let cgroupParent = "/cribench"
}
