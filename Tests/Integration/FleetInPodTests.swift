import BenchKit
import CRIClient
import Foundation
import Testing

/// Issue 14's proof without a cluster: deploy/daemonset.yaml's pod run as a kubelet would run it
/// (bench pod: the bench image, the node's CRI socket mounted, the node name from the downward
/// API), for three "nodes", one with another handler for its OCI side; then `bench merge`.
/// The test changes the manifest only where this machine differs from a cluster node: the
/// socket's path (CRIBench's runtime), where results go, and a short run (reads flow, 3 samples).
@Suite("Fleet run in pods", .serialized, .timeLimit(.minutes(10)))
struct FleetInPodTests {
    static let daemonSet = BenchProcess.repository.appendingPathComponent("deploy/daemonset.yaml").path
    static let image = "\(TestEnvironment.shared.node.registry)/cribench/bench:dev"

    @Test func theDaemonSetsPodRunsBenchOnThreeNodesAndTheirResultsMerge() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-fleet-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let template = try String(contentsOfFile: Self.daemonSet, encoding: .utf8)
        let defaultImage = Self.image.replacingOccurrences(
            of: TestEnvironment.shared.node.registry, with: "127.0.0.1:5000")
        #expect(template.contains("image: \(defaultImage)"))
        let imagesBefore = try await withRuntime { client in Set(try await client.listImages().flatMap(\.repoTags)) }
        let nodes = [("node-a", "runc"), ("node-b", "runc"), ("node-c", ProbeRuntime.handler)]
        for (node, handler) in nodes {
            let manifest =
                template
                .replacingOccurrences(
                    of: "path: /run/containerd/containerd.sock",
                    with: "path: \(TestEnvironment.shared.endpoint.socketPath)"
                )
                .replacingOccurrences(of: "path: /var/lib/cribench-results", with: "path: \(scratch)/results-\(node)")
                .replacingOccurrences(of: "127.0.0.1:5000/cribench/bench:dev", with: Self.image)
                .replacingOccurrences(
                    of: "        - --hold\n",
                    with:
                        "        - --hold\n        - --flows=reads\n        - --samples=3\n        - --warmup=0\n     "
                        + "   - --oci-handler=\(handler)\n"
                )
            try manifest.write(toFile: "\(scratch)/daemonset-\(node).yaml", atomically: true, encoding: .utf8)
            let run = try BenchProcess.run([
                "pod", "\(scratch)/daemonset-\(node).yaml", "--node-name", node, "--until-log",
                "cribench bench.txt end",
                "--results-dir", "\(scratch)/pod-runs",
            ])
            #expect(run.code == 0, "\(node): \(run.err.suffix(1500))")
            // bench's own report, read from the pod's log as `kubectl logs` would give it.
            #expect(
                run.err.contains("bench: --- cribench bench.txt begin node=\(node) "), "\(node): \(run.err.suffix(800))"
            )
            #expect(
                run.err.contains("bench: node: \(node)") && run.err.contains("bench: handler: oci=\(handler) wasm=wasm")
            )
            #expect(
                run.err.contains("bench: BenchmarkReadsInCri/op=pod-status/kind=oci-"),
                "the run inside the pod measured")
        }
        let merge = try BenchProcess.run(
            ["merge"] + nodes.map { "\(scratch)/results-\($0.0)" } + ["--results-dir", "\(scratch)/merged"])
        #expect(merge.code == 0, "\(merge.err)")
        #expect(merge.err.contains("merged 3 run(s) of 3 node(s)"))
        for (node, _) in nodes { #expect(merge.out.contains("/node=\(node)\t")) }
        // Everything the in-pod runs started is gone, and so are the pods, their logs and the image.
        let (pods, images) = try await withRuntime { client in
            (
                try await client.listPodSandbox(labels: [Ownership.ownerLabel: Ownership.ownerValue]).count,
                Set(try await client.listImages().flatMap(\.repoTags))
            )
        }
        #expect(pods == 0 && images == imagesBefore)
        #expect(
            !FileManager.default.fileExists(atPath: "/var/log/cribench-pods"),
            "the pods' log root, made for the run and left empty, is removed")
    }
}
