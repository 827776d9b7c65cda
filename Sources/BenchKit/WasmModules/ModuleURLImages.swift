import Foundation

/// Containers that name their wasm module by URL (`wasm.module.url`, the wasm fork's form) run it
/// as an image: the module is fetched, packaged as CRIBench's wasm images are, and pushed to a
/// registry the runtime pulls from (the local one by default), under a tag made of the
/// module's digest, so the same bytes are one image and changed bytes a new one.
public struct ModuleURLImages: Sendable {
    public let registry: String
    public var repositoryPrefix = "cribench/modules"

    public init(registry: String) { self.registry = registry }

    /// The reference under which a container's module goes: its image name made a repository name.
    public func reference(imageName: String, moduleDigest: String) -> String {
        let cleaned = imageName.lowercased().map { $0.isLetter || $0.isNumber || "-._".contains($0) ? $0 : "-" }
        let name = String(cleaned).trimmingCharacters(in: CharacterSet(charactersIn: "-._"))
        return "\(registry)/\(repositoryPrefix)/\(name.isEmpty ? "module" : name):\(moduleDigest.prefix(16))"
    }

    /// A module image this run put into the registry, to be deleted again at its end.
    public struct Pushed: Sendable {
        public let repository: String
        public let digest: String

        public init(repository: String, digest: String) {
            self.repository = repository
            self.digest = digest
        }
    }

    /// Fetches, packages and pushes each module URL of the manifest once: URL → image. Each
    /// image pushed is handed to `pushed` at once (an image the registry already held is used,
    /// not pushed again), so that a later failure or a signal still finds it to delete.
    public func publish(
        _ manifest: ManifestFile, progress: @Sendable (String) -> Void,
        pushed: (Pushed) async -> Void
    ) async throws -> [String: String] {
        var images: [String: String] = [:]
        for pod in manifest.pods {
            for container in pod.initContainers + pod.containers {
                guard let url = container.moduleURL, images[url] == nil else { continue }
                let (reference, new): (Published, Bool)
                do {
                    (reference, new) = try await publish(url: url, imageName: container.image)
                } catch {
                    throw BenchError("\(pod.document): container \(container.name): \(error)")
                }
                images[url] = reference.reference
                if new { await pushed(Pushed(repository: reference.repository, digest: reference.manifestDigest)) }
                progress("module \(url) is image \(reference.reference)")
            }
        }
        return images
    }

    public struct Published: Sendable {
        public let reference: String
        public let repository: String
        public let manifestDigest: String
    }

    public func publish(url: String, imageName: String) async throws -> (Published, pushed: Bool) {
        let module = try await ModuleFetcher.fetch(url)
        let fileName =
            (URL(string: url)?.lastPathComponent).flatMap { $0.hasSuffix(".wasm") ? $0 : nil } ?? "module.wasm"
        let layout = try WasmImageLayout(module: module, fileName: fileName, sourceURL: url)
        let reference = reference(imageName: imageName, moduleDigest: SHA256.hex(module))
        let (repository, tag) = split(reference)
        let pushed = try await RegistryPush(registry: registry).push(layout, repository: repository, tag: tag)
        return (Published(reference: reference, repository: repository, manifestDigest: layout.manifest.digest), pushed)
    }

    /// Deletes what `publish` pushed; says what it could not.
    public func unpublish(_ pushed: [Pushed], progress: @Sendable (String) -> Void) async {
        for image in pushed {
            do {
                try await RegistryPush(registry: registry).deleteManifest(
                    repository: image.repository, digest: image.digest)
            } catch {
                progress("cleanup: \(error)")
            }
        }
    }

    func split(_ reference: String) -> (repository: String, tag: String) {
        let path = reference.dropFirst(registry.count + 1)
        let colon = path.lastIndex(of: ":")!
        return (String(path[..<colon]), String(path[path.index(after: colon)...]))
    }
}
