/// ImageService: pull, inspect, list and remove images.
extension CRIClient {
    /// Pulls `image` and returns the runtime's reference to it (its image id).
    public func pullImage(_ image: String, timeout: Duration? = nil) async throws(CRIError) -> String {
        let request = Runtime_V1_PullImageRequest.with { $0.image = .with { $0.image = image } }
        let response: Runtime_V1_PullImageResponse = try await perform(.image, "PullImage", request, timeout: timeout)
        return response.imageRef
    }

    /// Pulls with an ImageSpec of its own: its annotations reach the runtime (a wasm module's
    /// URL, for a runtime that resolves modules itself).
    public func pullImage(_ spec: ImageSpec, timeout: Duration? = nil) async throws(CRIError) -> String {
        let response: Runtime_V1_PullImageResponse = try await perform(
            .image, "PullImage", Runtime_V1_PullImageRequest.with { $0.image = spec }, timeout: timeout)
        return response.imageRef
    }

    /// The image, or nil when the runtime does not have it (CRI answers an empty image then).
    public func imageStatus(_ image: String) async throws(CRIError) -> CRIImage? {
        let request = Runtime_V1_ImageStatusRequest.with { $0.image = .with { $0.image = image } }
        let response: Runtime_V1_ImageStatusResponse = try await perform(.image, "ImageStatus", request)
        return response.hasImage && !response.image.id.isEmpty ? response.image : nil
    }

    public func listImages() async throws(CRIError) -> [CRIImage] {
        let response: Runtime_V1_ListImagesResponse = try await perform(
            .image, "ListImages", Runtime_V1_ListImagesRequest())
        return response.images
    }

    /// Removes an image by reference or id. Removing an absent image succeeds, as CRI specifies.
    public func removeImage(_ image: String, timeout: Duration? = nil) async throws(CRIError) {
        let request = Runtime_V1_RemoveImageRequest.with { $0.image = .with { $0.image = image } }
        let _: Runtime_V1_RemoveImageResponse = try await perform(.image, "RemoveImage", request, timeout: timeout)
    }

    public func imageFsInfo() async throws(CRIError) -> [FilesystemUsage] {
        let response: Runtime_V1_ImageFsInfoResponse = try await perform(
            .image, "ImageFsInfo", Runtime_V1_ImageFsInfoRequest())
        return response.imageFilesystems
    }
}
