import Testing
import WasmShimSupport

/// What containerd 1.6 passes the launcher (runtime/v2/shim/util.go's Command, binary.go), and
/// where it puts the node's one shim.
@Suite struct LauncherTests {
    @Test(arguments: [
        [
            "/usr/local/bin/containerd-shim-cribench-wasm-v1", "-namespace", "k8s.io", "-address", "/run/c.sock",
            "-publish-binary", "/usr/bin/containerd", "-id", "abc", "start",
        ],
        [
            "/usr/local/bin/containerd-shim-cribench-wasm-v1", "-namespace=k8s.io", "-address=/run/c.sock",
            "-publish-binary", "/usr/bin/containerd", "-id", "abc", "-debug", "start",
        ],
        [
            "containerd-shim-cribench-wasm-v1", "--namespace", "k8s.io", "--address", "/run/c.sock", "--id", "abc",
            "start",
        ],
    ])
    func containerdsCommandLinesParse(arguments: [String]) {
        let line = ShimCommandLine(arguments)
        #expect(line.action == "start")
        #expect(line.namespace == "k8s.io" && line.address == "/run/c.sock" && line.id == "abc")
        #expect(line.debug == arguments.contains("-debug"))
    }

    @Test func versionIsAnActionNotAFlag() {
        #expect(ShimCommandLine(["shim", "--version"]).action == "version")
        #expect(ShimCommandLine(["shim", "-id", "delete", "delete"]).id == "delete")
    }

    @Test func oneSocketPerContainerdAndNamespace() {
        let node = ShimPaths(containerdAddress: "/var/lib/cribench/run/containerd.sock", namespace: "k8s.io")
        #expect(
            node.socket
                == ShimPaths(
                    containerdAddress: "/var/lib/cribench/run/containerd.sock",
                    namespace: "k8s.io"
                ).socket)
        #expect(
            node.socket
                != ShimPaths(
                    containerdAddress: "/var/lib/cribench/run/containerd.sock",
                    namespace: "default"
                ).socket)
        #expect(
            node.socket
                != ShimPaths(
                    containerdAddress: "/run/containerd/containerd.sock",
                    namespace: "k8s.io"
                ).socket)
        #expect(node.socket.hasPrefix(ShimPaths.directory + "/") && node.socket.utf8.count < 108)
        #expect(node.address == "unix://" + node.socket)
    }
}
