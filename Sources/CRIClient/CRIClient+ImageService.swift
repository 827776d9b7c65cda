import GRPCCore

/// ImageService: pull, inspect, list and remove images.
extension CRIClient {
    /// Pulls `image` and returns the runtime's reference to it (its image id).
    public func pullImage(_ image: String, timeout: Duration? = nil) async throws(CRIError) -> String {
        let request = Runtime_V1_PullImageRequest.with { $0.image = .with { $0.image = image } }
        return try await perform("PullImage", timeout: timeout) { try await $0.images.pullImage(request, options: $1).imageRef }
    }

    /// The image, or nil when the runtime does not have it (CRI answers an empty image then).
    public func imageStatus(_ image: String) async throws(CRIError) -> CRIImage? {
        let request = Runtime_V1_ImageStatusRequest.with { $0.image = .with { $0.image = image } }
        let response = try await perform("ImageStatus") { try await $0.images.imageStatus(request, options: $1) }
        return response.hasImage && !response.image.id.isEmpty ? response.image : nil
    }

    public func listImages() async throws(CRIError) -> [CRIImage] {
        try await perform("ListImages", maxResponseBytes: Self.maxListResponseBytes) { try await $0.images.listImages(.init(), options: $1).images }
    }

    /// Removes an image by reference or id. Removing an absent image succeeds, as CRI specifies.
    public func removeImage(_ image: String, timeout: Duration? = nil) async throws(CRIError) {
        let request = Runtime_V1_RemoveImageRequest.with { $0.image = .with { $0.image = image } }
        _ = try await perform("RemoveImage", timeout: timeout) { try await $0.images.removeImage(request, options: $1) }
    }

    public func imageFsInfo() async throws(CRIError) -> [FilesystemUsage] {
        try await perform("ImageFsInfo") { try await $0.images.imageFsInfo(.init(), options: $1).imageFilesystems }
    }
}
