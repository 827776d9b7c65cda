import CRIClient

/// Finds CRIBench's resources by label, so that what a crashed run left behind can be removed
/// later, and nothing without the label ever is.
public enum Cleanup {
    public struct Removed: Sendable { public var pods = 0, containers = 0 }

    /// Removes containers, then pod sandboxes, carrying every label of `selector` (which must
    /// include CRIBench's owner label).
    public static func removeLabelled(_ selector: [String: String], using client: CRIClient) async throws -> Removed {
        precondition(selector[Ownership.ownerLabel] == Ownership.ownerValue, "cleanup must select by CRIBench's owner label")
        var removed = Removed()
        let tracker = ResourceTracker()
        let pods = try await client.listPodSandbox(labels: selector)
        for pod in pods { await tracker.track(.podSandbox(id: pod.id, logDirectory: nil)) }
        for container in try await client.listContainers(labels: selector) {
            await tracker.track(.container(id: container.id))
            removed.containers += 1
        }
        removed.pods = pods.count
        let failures = await tracker.removeAll(using: client)
        if let first = failures.first { throw first }
        return removed
    }
}
