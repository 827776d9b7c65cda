import CRIClient

/// Removal on a runtime CRIBench shares with other clients (a kubelet's garbage collector
/// removes exited containers and not-ready sandboxes it does not know): when another client is
/// removing the same object, containerd answers "already in removing state"; that removal is
/// then waited for and taken as done, as a missing object already is.
extension CRIClient {
    public func removeContainerSharing(_ id: String) async throws {
        let failure: CRIError
        do {
            try await removeContainer(id)
            return
        } catch {
            failure = error
        }
        guard Self.isBeingRemovedByAnother(failure) else { throw failure }
        try await goneAfterFailure(failure, within: .seconds(10)) { _ = try await self.containerStatus(id) }
    }

    public func removePodSandboxSharing(_ id: String) async throws {
        let failure: CRIError
        do {
            try await removePodSandbox(id)
            return
        } catch {
            failure = error
        }
        guard Self.isBeingRemovedByAnother(failure) else { throw failure }
        try await goneAfterFailure(failure, within: .seconds(10)) { _ = try await self.podSandboxStatus(id) }
    }

    /// StopContainer and StopPodSandbox racing another client's removal fail in many ways
    /// ("not found", a network already torn down): when the object is gone right after, it is
    /// stopped as far as anyone can tell, and the stop counts as done.
    public func stopContainerSharing(_ id: String, gracePeriodSeconds: Int64) async throws {
        do {
            try await stopContainer(id, gracePeriodSeconds: gracePeriodSeconds)
        } catch {
            try await goneAfterFailure(error, within: .seconds(2)) { _ = try await self.containerStatus(id) }
        }
    }

    public func stopPodSandboxSharing(_ id: String) async throws {
        do {
            try await stopPodSandbox(id)
        } catch {
            try await goneAfterFailure(error, within: .seconds(2)) { _ = try await self.podSandboxStatus(id) }
        }
    }

    /// Polls `exists` until the object is NotFound (then the failure is moot), at most
    /// `within`; otherwise `failure` stands.
    private func goneAfterFailure(
        _ failure: CRIError, within limit: Duration, exists: () async throws -> Void
    ) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            do {
                try await exists()
            } catch let error as CRIError where error.code == .notFound {
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw failure
    }

    static func isBeingRemovedByAnother(_ error: CRIError) -> Bool {
        error.message.contains("already in removing state")
    }
}
