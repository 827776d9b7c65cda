import CRIClient

extension CRIClient {
    /// The first of `candidates` the runtime does not hold. A test or benchmark that pulls and
    /// removes an image takes one of these, so an image somebody else pulled is never removed.
    public func firstAbsentImage(_ candidates: [String]) async throws -> String? {
        for image in candidates where try await imageStatus(image) == nil { return image }
        return nil
    }
}
