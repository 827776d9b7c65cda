import CRIClient

/// The design notes' BenchmarkImageInCri and BenchmarkWasmModuleInCri: pull an image (or a wasm
/// module), see it with ImageStatus and ListImages, remove it.
public struct ImageLifecycleFlow: Flow {
    public let name = "ImageInCri"
    public let operations = ["pull", "status", "list", "remove"]

    public init() {}

    /// The image must be absent: a pull of a present image measures nothing, and an image that
    /// was there before the run is not CRIBench's to remove.
    public func setUp(_ workload: Workload, context: FlowContext) async throws {
        guard try await context.client.imageStatus(workload.image) != nil else { return }
        guard await context.tracker.tracked.contains(.image(reference: workload.image)) else {
            throw BenchError(
                "image \(workload.image) was present before the run; CRIBench removes only images it pulled, so it "
                    + "cannot benchmark pulling this one: remove it first or choose another with "
                    + "--\(workload.kind.rawValue)-image"
            )
        }
        try await context.client.removeImage(workload.image)
        await context.tracker.forget(.image(reference: workload.image))
    }

    public func sample(_ workload: Workload, prepared: Void, context: FlowContext) async throws -> [Int64] {
        let client = context.client
        await context.tracker.track(.image(reference: workload.image))
        let spec = ImageSpec.with {
            $0.image = workload.image; $0.annotations = workload.imageAnnotations ?? [:]
        }
        let (_, pull) = try await timed { try await client.pullImage(spec) }
        let (status, statusTook) = try await timed { try await client.imageStatus(workload.image) }
        guard status != nil else {
            throw BenchError("ImageStatus does not see \(workload.image) right after PullImage")
        }
        let (_, list) = try await timed { try await client.listImages() }
        let (_, remove) = try await timed { try await client.removeImage(workload.image) }
        await context.tracker.forget(.image(reference: workload.image))
        return [pull, statusTook, list, remove]
    }
}
