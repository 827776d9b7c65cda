import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Pushes an image to a registry over the OCI distribution API (plain http, as CRIBench's
/// local registry on 127.0.0.1 speaks): each blob unless the registry has it, then the manifest.
public struct RegistryPush: Sendable {
    public let registry: String

    public init(registry: String) { self.registry = registry }

    /// Pushes the image; false when the registry already held it under that tag (nothing pushed).
    @discardableResult
    public func push(_ image: WasmImageLayout, repository: String, tag: String) async throws -> Bool {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        if try await send(session, "HEAD", "/v2/\(repository)/manifests/\(tag)", accept: image.manifest.mediaType)
            .status == 200
        {
            return false
        }
        for blob in [image.layer, image.config] {
            let head = try await send(session, "HEAD", "/v2/\(repository)/blobs/\(blob.digest)")
            if head.status == 200 { continue }
            let upload = try await send(session, "POST", "/v2/\(repository)/blobs/uploads/")
            guard upload.status == 202, let location = upload.location else {
                throw BenchError(
                    "registry \(registry) refused an upload to \(repository) (HTTP \(upload.status)): is it "
                        + "CRIBench's registry (scripts/start-containerd.sh)?"
                )
            }
            let separator = location.contains("?") ? "&" : "?"
            let target = location.hasPrefix("http") ? location : "http://\(registry)\(location)"
            let put = try await send(
                session, "PUT", target + separator + "digest=" + blob.digest, body: blob.data,
                type: "application/octet-stream")
            guard put.status == 201 else {
                throw BenchError(
                    "registry \(registry) refused blob \(blob.digest) of \(repository) (HTTP \(put.status))")
            }
        }
        let manifest = try await send(
            session, "PUT", "/v2/\(repository)/manifests/\(tag)", body: image.manifest.data,
            type: image.manifest.mediaType)
        guard manifest.status == 201 else {
            throw BenchError(
                "registry \(registry) refused the manifest of \(repository):\(tag) (HTTP \(manifest.status))")
        }
        return true
    }

    /// Deletes a manifest this run pushed (its blobs stay until the registry's garbage collection).
    public func deleteManifest(repository: String, digest: String) async throws {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let status = try await send(session, "DELETE", "/v2/\(repository)/manifests/\(digest)").status
        guard status == 202 || status == 404 else {
            throw BenchError("registry \(registry) did not delete \(repository)@\(digest) (HTTP \(status))")
        }
    }

    func send(
        _ session: URLSession, _ method: String, _ path: String, body: Data? = nil, type: String? = nil,
        accept: String? = nil
    ) async throws -> (status: Int, location: String?) {
        let address = path.hasPrefix("http") ? path : "http://\(registry)\(path)"
        guard let url = URL(string: address) else { throw BenchError("registry address \(address) is not a URL") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let type { request.setValue(type, forHTTPHeaderField: "Content-Type") }
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        if let body { request.httpBody = body }
        do {
            let (_, response) = try await session.data(for: request)
            let http = response as? HTTPURLResponse
            return (http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Location"))
        } catch {
            throw BenchError(
                "registry \(registry) does not answer (\(error.localizedDescription)): start CRIBench's runtime "
                    + "(scripts/start-containerd.sh) or set CRIBENCH_REGISTRY"
            )
        }
    }
}
