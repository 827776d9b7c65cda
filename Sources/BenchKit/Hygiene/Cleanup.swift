import CRIClient

/// Finds CRIBench's resources by label (pods, containers) and in the image ledger (images),
/// so that what a crashed run left behind can be removed later, and nothing without the label
/// or the ledger entry ever is.
public enum Cleanup {
    public struct Removed: Sendable { public var pods = 0, containers = 0, images = 0 }

    /// Removes containers, then pod sandboxes, carrying every label of `selector` (which must
    /// include CRIBench's owner label), then the images the ledger holds for the same run (or
    /// for every run, when `selector` names none) on this endpoint.
    public static func removeLabelled(
        _ selector: [String: String], ledger: ImageLedger? = nil,
        using client: CRIClient
    ) async throws -> Removed {
        precondition(
            selector[Ownership.ownerLabel] == Ownership.ownerValue, "cleanup must select by CRIBench's owner label")
        var removed = Removed()
        let tracker = ResourceTracker()
        let images =
            try ledger?.entries(run: selector[Ownership.runLabel]).filter { $0.endpoint == client.endpoint.description }
            ?? []
        for image in images { await tracker.track(.image(reference: image.image)) }
        let pods = try await client.listPodSandbox(labels: selector)
        for pod in pods { await tracker.track(.podSandbox(id: pod.id, logDirectory: nil)) }
        for container in try await client.listContainers(labels: selector) {
            await tracker.track(.container(id: container.id))
            removed.containers += 1
        }
        removed.pods = pods.count
        let failures = await tracker.removeAll(using: client)
        if let first = failures.first { throw first }
        for image in images {
            try ledger?.erase(image.image, run: image.runID, endpoint: image.endpoint)
            removed.images += 1
        }
        return removed
    }
}
