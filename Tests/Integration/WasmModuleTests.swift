import BenchKit
import CRIClient
import Testing

extension WasmMatrix {
    /// Wasm modules as images (the design notes' TestWasmModuleInCri).
    @Suite("Wasm module in CRI", .serialized, .timeLimit(.minutes(10)))
    struct WasmModuleTests {
        let environment = TestEnvironment.shared

        @Test func wasmModuleInCri() async throws {
            try await withRuntime { client in
                // Never a module the node held before: somebody else's pods may need it.
                let candidates = ["wasi-example", "hello", "exit-code"].map(environment.wasmImage)
                let module = try #require(
                    try await client.firstAbsentImage(candidates),
                    Comment(
                        rawValue:
                            "every candidate module (\(candidates.joined(separator: ", "))) is on the node already; "
                            + "the test "
                            + "removes only a module it pulled")
                )

                let reference = try await client.pullImage(module)
                try await withCleanup {
                    let status = try #require(
                        try await client.imageStatus(module), "ImageStatus should see \(module) after PullImage")
                    #expect(status.id == reference)
                    #expect(status.repoTags.contains(module))
                    #expect(try await client.listImages().contains { $0.repoTags.contains(module) })
                } cleanup: {
                    try? await client.removeImage(module)
                }
                #expect(
                    try await client.imageStatus(module) == nil,
                    "ImageStatus should not see \(module) after RemoveImage")
                #expect(!(try await client.listImages().contains { $0.repoTags.contains(module) }))
            }
        }
    }
}
