import CRIClient
import Foundation

/// Remembers every pod sandbox, container and image a run created and removes them in
/// reverse order of creation. Removal tolerates resources already gone, so it can run after
/// a failure, twice, or after the runtime removed something itself.
public actor ResourceTracker {
    public enum Resource: Sendable, Equatable {
        case podSandbox(id: String, logDirectory: String?)
        case container(id: String)
        case image(reference: String)
    }

    private var resources: [Resource] = []
    private let ledger: (ledger: ImageLedger, runID: String, endpoint: String)?

    public init() { ledger = nil }

    /// A tracker that also writes every image it tracks to `ledger` until the image is
    /// removed, so that `bench cleanup` finds the images of a run that crashed.
    public init(recordingImagesIn ledger: ImageLedger, run runID: String, endpoint: String) {
        self.ledger = (ledger, runID, endpoint)
    }

    public func track(_ resource: Resource) {
        resources.append(resource)
        record(resource)
    }

    /// Tracks a resource unless it is tracked already (an image pulled once for many samples).
    public func trackOnce(_ resource: Resource) {
        if !resources.contains(resource) { track(resource) }
    }

    /// Forgets a resource the caller removed itself.
    public func forget(_ resource: Resource) {
        resources.removeAll { $0 == resource }
        erase(resource)
    }

    public var tracked: [Resource] { resources }

    /// Removes everything tracked, newest first, and returns the failures (empty when all went).
    @discardableResult
    public func removeAll(using client: CRIClient, stopGracePeriodSeconds: Int64 = 0) async -> [CRIError] {
        var failures: [CRIError] = []
        while let resource = resources.popLast() {
            do {
                try await Self.remove(resource, using: client, stopGracePeriodSeconds: stopGracePeriodSeconds)
                erase(resource)
            } catch {
                failures.append(error)
            }
        }
        return failures
    }

    // The ledger was checked to be writable when the run began; a later write failure costs
    // only the crash-recovery record, not the run.
    private func record(_ resource: Resource) {
        guard case .image(let reference) = resource, let ledger else { return }
        try? ledger.ledger.record(reference, run: ledger.runID, endpoint: ledger.endpoint)
    }

    private func erase(_ resource: Resource) {
        guard case .image(let reference) = resource, let ledger else { return }
        try? ledger.ledger.erase(reference, run: ledger.runID, endpoint: ledger.endpoint)
    }

    static func remove(
        _ resource: Resource, using client: CRIClient, stopGracePeriodSeconds: Int64
    ) async throws(CRIError) {
        switch resource {
        case .container(let id):
            try await ignoringNotFound { () async throws(CRIError) in
                try await client.stopContainer(id, gracePeriodSeconds: stopGracePeriodSeconds)
            }
            try await ignoringNotFound { () async throws(CRIError) in try await client.removeContainer(id) }
        case .podSandbox(let id, let logDirectory):
            try await ignoringNotFound { () async throws(CRIError) in try await client.stopPodSandbox(id) }
            try await ignoringNotFound { () async throws(CRIError) in try await client.removePodSandbox(id) }
            if let logDirectory { removeDirectory(logDirectory) }
        case .image(let reference):
            try await ignoringNotFound { () async throws(CRIError) in try await client.removeImage(reference) }
        }
    }
}

func ignoringNotFound(_ body: () async throws(CRIError) -> Void) async throws(CRIError) {
    do {
        try await body()
    } catch  where error.code == .notFound {
        return
    }
}

/// Removes a pod's log directory (the runtime leaves it behind; the kubelet would remove it).
func removeDirectory(_ path: String) {
    guard !path.isEmpty, path != "/" else { return }
    try? FileManager.default.removeItem(atPath: path)
}
