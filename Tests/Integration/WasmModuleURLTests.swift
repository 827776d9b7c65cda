import BenchKit
import CRIClient
import Foundation
import Testing

extension WasmMatrix {
    /// The design notes' TestWasmModuleInCri and TestWasmInstanceRestart with the module named by URL
    /// (`wasm.module.url`), as the wasm fork names it: served by a local server, packaged into
    /// the local registry by CRIBench, pulled through CRI with the URL in the ImageSpec.
    @Suite("Wasm modules by URL", .serialized, .timeLimit(.minutes(10)))
    struct WasmModuleURLTests {
        let environment = TestEnvironment.shared

        /// Publishes `module` from `directory` (CRIBench's modules by default) under a name no
        /// image on the node has, runs `body` with its reference and URL, and deletes it from the
        /// registry again.
        func withModuleByURL<Result>(
            _ module: String, from directory: String? = nil,
            _ body: (_ image: String, _ url: String) async throws -> Result
        ) async throws -> Result {
            let server = try ModuleServer(serving: directory ?? environment.stateDirectory + "/wasm-modules")
            defer { server.stop() }
            let url = "\(server.baseURL)/\(module)"
            let images = ModuleURLImages(registry: environment.node.registry)
            let (published, pushed) = try await images.publish(
                url: url, imageName: "url-test-\(randomSuffix(length: 6))")
            return try await withCleanup {
                try await body(published.reference, url)
            } cleanup: {
                if pushed {
                    await images.unpublish([.init(repository: published.repository, digest: published.manifestDigest)])
                    { Issue.record(Comment(rawValue: $0)) }
                }
            }
        }

        /// The module comes from the URL and nowhere else: the hello module with its greeting's
        /// last word replaced by a random one of the same length (so no file on the node holds
        /// these bytes), served under a name of its own from a scratch directory, becomes an image
        /// tagged with its bytes' digest, which CRI pulls (the URL in the ImageSpec's annotations,
        /// as the wasm fork reads it) and runs: the random word is what it prints.
        @Test func wasmModuleInCriByURL() async throws {
            let scratch = NSTemporaryDirectory() + "cribench-url-\(randomSuffix(length: 6))"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let name = "served-\(randomSuffix(length: 6)).wasm"
            let original = try Data(
                contentsOf: URL(fileURLWithPath: environment.stateDirectory + "/wasm-modules/hello.wasm"))
            let word = randomSuffix(length: 6)
            let greeting = try #require(
                original.range(of: Data("module".utf8)), "hello.wasm's data segment says 'hello from a wat module'")
            var bytes = original
            bytes.replaceSubrange(greeting, with: Data(word.utf8))
            try bytes.write(to: URL(fileURLWithPath: "\(scratch)/\(name)"))
            try await withModuleByURL(name, from: scratch) { image, url in
                #expect(image.hasSuffix(":" + SHA256.hex(bytes).prefix(16)), "the tag is the served bytes' digest")
                try await withRuntime { client in
                    #expect(try await client.imageStatus(image) == nil)
                    let reference = try await client.pullImage(
                        ImageSpec.with {
                            $0.image = image; $0.annotations = [ContainerManifest.moduleURLAnnotation: url]
                        })
                    try await withCleanup {
                        let status = try #require(
                            try await client.imageStatus(image), "ImageStatus should see \(image) after PullImage")
                        #expect(status.id == reference)
                        #expect(status.repoTags.contains(image))
                        #expect(try await client.listImages().contains { $0.repoTags.contains(image) })
                        try await withPodSandbox(client, name: "wasm-url", handler: environment.wasmRuntimeHandler) {
                            pod in
                            let (_, status) = try await runToExit(
                                client, in: pod, .make(name: "served", image: image))
                            #expect(status.exitCode == 0)
                            #expect(
                                containerLogLines(pod, status).contains { $0.contains("hello from a wat \(word)") },
                                "the module the URL served ran")
                        }
                    } cleanup: {
                        try? await client.removeImage(image)
                    }
                    #expect(
                        try await client.imageStatus(image) == nil,
                        "ImageStatus should not see \(image) after RemoveImage")
                }
            }
        }

        @Test func wasmInstanceRestartByURL() async throws {
            try await withModuleByURL("idle.wasm") { image, _ in
                try await withRuntime { client in
                    try await withPodSandbox(
                        client, name: "wasm-url-restart", handler: environment.wasmRuntimeHandler, image: image
                    ) { pod in
                        try await WasmInstanceTests.runTwiceInOnePod(client, pod, image: image)
                    }
                }
            }
        }
    }
}
