import BenchKit
import CRIClient
import Testing

@Suite("Image in CRI", .serialized, .timeLimit(.minutes(10)))
struct ImageTests {
    /// The design notes' BenchmarkImageInCri as a test: absent, pulled, seen, removed, gone.
    @Test func imageLifecycle() async throws {
        let node = TestEnvironment.shared.node
        try await withRuntime { client in
            // Never an image the node held before: somebody else's pods may need it.
            let image = try #require(
                try await client.firstAbsentImage([node.imageTestImage, node.busyboxImage]),
                Comment(
                    rawValue:
                        "both \(node.imageTestImage) and \(node.busyboxImage) are on the node already; the test "
                        + "removes only "
                        + "an image it pulled")
            )

            let reference = try await client.pullImage(image)
            try await withCleanup {
                #expect(!reference.isEmpty)
                let status = try #require(
                    try await client.imageStatus(image), "ImageStatus should see \(image) after PullImage")
                #expect(status.id == reference)
                #expect(status.repoTags.contains(image))
                #expect(status.size > 0)
                let listed = try await client.listImages()
                #expect(
                    listed.contains { $0.id == reference && $0.repoTags.contains(image) },
                    "ListImages should list \(image)")
            } cleanup: {
                try? await client.removeImage(image)
            }

            #expect(try await client.imageStatus(image) == nil, "ImageStatus should not see \(image) after RemoveImage")
            let listed = try await client.listImages()
            #expect(
                !listed.contains { $0.repoTags.contains(image) },
                "ListImages should not list \(image) after RemoveImage")
        }
    }

    @Test func imageFilesystemIsReported() async throws {
        try await withRuntime { client in
            let filesystems = try await client.imageFsInfo()
            #expect(!filesystems.isEmpty)
            #expect(filesystems.allSatisfy { !$0.fsID.mountpoint.isEmpty })
        }
    }
}
