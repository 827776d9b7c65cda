import BenchKit
import CRIClient
import Testing

@Suite("Pod sandbox lifecycle", .serialized, .timeLimit(.minutes(10)))
struct PodSandboxTests {
    let environment = TestEnvironment.shared

    @Test func sandboxLifecycleReportsStateHandlerAndLabels() async throws {
        try await withRuntime { client in
            let config = testPodConfig("sandbox")
            let uniqueName = config.metadata.name
            let tracker = ResourceTracker()
            let id = try await client.runPodSandbox(config, runtimeHandler: environment.runtimeHandler)
            await tracker.track(.podSandbox(id: id, logDirectory: config.logDirectory))
            try await withCleanup {
                let ready = try await client.podSandboxStatus(id).status
                #expect(ready.id == id)
                #expect(ready.state == .sandboxReady)
                #expect(ready.metadata.name == uniqueName)
                #expect(ready.runtimeHandler == environment.runtimeHandler)
                #expect(ready.labels[Ownership.runLabel] == environment.runID.value)

                let listed = try await client.listPodSandbox(labels: environment.labels)
                #expect(listed.contains { $0.id == id && $0.runtimeHandler == environment.runtimeHandler })

                try await client.stopPodSandbox(id)
                #expect(try await client.podSandboxStatus(id).status.state == .sandboxNotready)

                try await client.removePodSandbox(id)
                await tracker.forget(.podSandbox(id: id, logDirectory: config.logDirectory))
                #expect(try await client.listPodSandbox(id: id).isEmpty, "the removed sandbox should not be listed")
                await #expect(throws: CRIError.self) { try await client.podSandboxStatus(id) }
            } cleanup: {
                await tracker.removeAll(using: client)
            }
        }
    }

    @Test func podOnTheCNINetworkGetsAnAddress() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "cni") { pod in
                let status = try await client.podSandboxStatus(pod.id).status
                #expect(status.linux.namespaces.options.network == .pod)
                #expect(!status.network.ip.isEmpty, "a pod on the CNI bridge should have an IP")
                #expect(
                    environment.node.subnetContains(status.network.ip),
                    Comment(
                        rawValue: "IP \(status.network.ip) should come from the subnet of CRIBench's bridge, "
                            + "\(environment.node.subnet)")
                )
            }
        }
    }

    @Test func hostNetworkPodSharesTheNodeNetwork() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "hostnet", hostNetwork: true) { pod in
                let status = try await client.podSandboxStatus(pod.id).status
                #expect(status.state == .sandboxReady)
                #expect(status.linux.namespaces.options.network == .node)
                #expect(status.network.ip.isEmpty, "a host-network pod gets no pod IP of its own")
            }
        }
    }
}
