import BenchKit
import CRIClient
import Testing

/// Bad input reaching the runtime: a clear error naming the culprit, and nothing left behind.
@Suite("Runtime faults", .serialized, .timeLimit(.minutes(10)))
struct RuntimeFaultTests {
    let environment = TestEnvironment.shared

    func expectNothingLeft(_ client: CRIClient) async throws {
        #expect(try await client.listPodSandbox(labels: environment.labels).isEmpty, "no pod of this run may be left")
        #expect(
            try await client.listContainers(labels: environment.labels).isEmpty, "no container of this run may be left")
    }

    @Test func unknownRuntimeHandlerIsNamed() async throws {
        try await withRuntime { client in
            let error = await #expect(throws: CRIError.self) {
                try await withPodSandbox(client, name: "bad-handler", handler: "no-such-handler") { _ in }
            }
            #expect(
                error?.description.contains("no-such-handler") == true, "\(error.map(String.init(describing:)) ?? "")")
            #expect(error?.call == "RunPodSandbox")
            try await expectNothingLeft(client)
        }
    }

    @Test func imageMissingFromTheRegistryIsNamed() async throws {
        let image = "\(TestEnvironment.shared.node.registry)/cribench/does-not-exist:1"
        try await withRuntime { client in
            let error = await #expect(throws: CRIError.self) { try await client.pullImage(image) }
            let message = error?.description ?? ""
            #expect(message.contains(image) && message.contains("PullImage"), "\(message)")
            #expect(message.contains("not found"), "\(message)")
            let status = try await client.imageStatus(image)
            #expect(status == nil)
        }
    }

    @Test func registryThatIsDownIsNamed() async throws {
        // Nothing listens on this port: the same as the registry being down during the pull.
        let image = "127.0.0.1:5999/cribench/busybox:1.35"
        try await withRuntime { client in
            let error = await #expect(throws: CRIError.self) { try await client.pullImage(image) }
            let message = error?.description ?? ""
            #expect(message.contains("127.0.0.1:5999"), "\(message)")
            #expect(message.contains("connection refused"), "\(message)")
        }
    }

    @Test(arguments: ["UPPER/Case:tag", "busybox:bad:tag:", "///"])
    func malformedImageReferenceIsRefused(reference: String) async throws {
        try await withRuntime { client in
            let error = await #expect(throws: CRIError.self) { try await client.pullImage(reference) }
            let message = error.map(String.init(describing:)) ?? ""
            #expect(
                message.contains("PullImage") && message.contains(reference),
                "names the call and the reference: \(message)")
            // containerd 1.6 answers a reference it cannot parse with gRPC UNKNOWN and these words.
            #expect(error?.code == .runtime, "\(message)")
            #expect(message.contains("invalid reference format"), "\(message)")
        }
    }

    @Test func missingImageOnCreateNamesIt() async throws {
        let image = "\(TestEnvironment.shared.node.registry)/cribench/never-pulled:1"
        try await withRuntime { client in
            try await withPodSandbox(client, name: "no-image") { pod in
                let error = await #expect(throws: CRIError.self) {
                    try await createContainer(client, in: pod, .make(name: "ghost", image: image))
                }
                #expect(
                    error?.description.contains("never-pulled") == true, "\(error.map(String.init(describing:)) ?? "")")
            }
            try await expectNothingLeft(client)
        }
    }
}
