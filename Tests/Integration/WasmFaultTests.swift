import BenchKit
import CRIClient
import Testing

extension WasmMatrix {
    /// Wasm modules that misbehave: refused, killed or stopped with a reason, nothing left behind.
    @Suite("Wasm faults", .serialized, .timeLimit(.minutes(10)))
    struct WasmFaultTests {
        let environment = TestEnvironment.shared

        @Test func invalidModuleIsRefusedWithItsReason() async throws {
            try await withRuntime { client in
                try await withPodSandbox(
                    client, name: "wasm-invalid", handler: environment.wasmRuntimeHandler,
                    image: environment.wasmImage("invalid")
                ) { pod in
                    let error = await #expect(throws: CRIError.self) {
                        let id = try await createContainer(
                            client, in: pod, .make(name: "invalid", image: environment.wasmImage("invalid")))
                        try await client.startContainer(id)
                    }
                    let message = error?.description ?? ""
                    #expect(message.contains("invalid.wasm") && message.contains("not valid WebAssembly"), "\(message)")
                }
                #expect(try await client.listContainers(labels: environment.labels).isEmpty)
            }
        }

        @Test func moduleOverItsMemoryLimitIsOOMKilled() async throws {
            try await withRuntime { client in
                try await withPodSandbox(
                    client, name: "wasm-oom", handler: environment.wasmRuntimeHandler,
                    image: environment.wasmImage("memory-hog")
                ) { pod in
                    let hog = ContainerConfig.make(
                        name: "hog", image: environment.wasmImage("memory-hog"), memoryLimitBytes: 48 * 1024 * 1024)
                    let (_, status) = try await runToExit(client, in: pod, hog, timeout: .seconds(60))
                    #expect(status.reason == "OOMKilled", "reason \(status.reason), exit \(status.exitCode)")
                    #expect(status.exitCode == 137)
                }
            }
        }
    }
}
