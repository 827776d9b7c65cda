import BenchKit
import CRIClient
import Testing

/// Wasm modules as images (the seeds' TestWasmModuleInCri).
@Suite("Wasm module in CRI", .serialized, .timeLimit(.minutes(10)))
struct WasmModuleTests {
    let environment = TestEnvironment.shared

    @Test func wasmModuleInCri() async throws {
        let module = environment.wasmImage("wasi-example")
        try await withRuntime { client in
            try await client.removeImage(module)
            #expect(try await client.imageStatus(module) == nil, "the wasm module should be absent before the pull")

            let reference = try await client.pullImage(module)
            try await withCleanup {
                let status = try #require(try await client.imageStatus(module), "ImageStatus should see \(module) after PullImage")
                #expect(status.id == reference)
                #expect(status.repoTags.contains(module))
                #expect(try await client.listImages().contains { $0.repoTags.contains(module) })
            } cleanup: {
                try? await client.removeImage(module)
            }
            #expect(try await client.imageStatus(module) == nil, "ImageStatus should not see \(module) after RemoveImage")
            #expect(!(try await client.listImages().contains { $0.repoTags.contains(module) }))
        }
    }
}
