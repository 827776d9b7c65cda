import Foundation

/// The host side of a pod's volumes: emptyDirs made fresh under the run's volume root, and
/// hostPaths checked (or made, for the *OrCreate types) as the kubelet does. emptyDirs are
/// removed after the pod's containers; a hostPath made here is removed only if it stayed
/// empty; a path that existed before, even a dangling symlink, is never touched.
struct PodVolumes {
    var hostPaths: [String: String] = [:]
    /// The emptyDir root this pod made, removed with everything in it.
    var made: [String] = []
    /// hostPaths this pod made (the topmost new ancestor of each), removed only while empty: what
    /// a pod wrote into a hostPath is its output (a benchmark's results), not scratch.
    var madeOnHost: [String] = []

    static func prepare(_ pod: PodManifest, root: String) throws -> PodVolumes {
        var volumes = PodVolumes()
        do {
            for volume in pod.volumes {
                switch volume.source {
                case .emptyDir:
                    if !volumes.made.contains(root) {
                        // Parents closed to others (a writable parent would let a local user swap
                        // the volume for a symlink before it is mounted); only the volume is 0777.
                        try makeDirectory(
                            URL(fileURLWithPath: root).deletingLastPathComponent().path, mode: 0o755, exclusive: false)
                        try makeDirectory(root, mode: 0o700, exclusive: true)
                        volumes.made.append(root)
                    }
                    let path = "\(root)/\(volume.name)"
                    try makeDirectory(path, mode: 0o777, exclusive: true)
                    volumes.hostPaths[volume.name] = path
                case .hostPath(let path, let type):
                    var isDirectory: ObjCBool = false
                    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                    switch type {
                    case "Directory" where !exists || !isDirectory.boolValue,
                        "File" where !exists || isDirectory.boolValue:
                        throw BenchError(
                            "\(pod.document): hostPath volume \(volume.name) needs "
                                + "\(type == "File" ? "a file" : "a directory") at \(path) on the node, and there is "
                                + "none"
                        )
                    case "Socket" where !isSocket(path):
                        throw BenchError(
                            "\(pod.document): hostPath volume \(volume.name) needs a unix socket at \(path) on the "
                                + "node (is the runtime up there?)"
                        )
                    case "DirectoryOrCreate" where !pathIsPresent(path), "FileOrCreate" where !pathIsPresent(path):
                        let top = firstMissingAncestor(of: path)
                        volumes.madeOnHost.append(top)
                        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
                        try FileManager.default.createDirectory(
                            atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                        if type == "DirectoryOrCreate" {
                            try makeDirectory(path, mode: 0o755, exclusive: true)
                        } else {
                            // O_EXCL | O_NOFOLLOW: never through a symlink or over a file that appeared meanwhile.
                            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o644)
                            guard fd >= 0 else {
                                throw BenchError(
                                    "\(pod.document): hostPath volume \(volume.name): cannot create the file \(path): "
                                        + "\(String(cString: strerror(errno)))"
                                )
                            }
                            close(fd)
                        }
                    default: break
                    }
                    volumes.hostPaths[volume.name] = path
                }
            }
        } catch {
            volumes.remove()
            throw error
        }
        return volumes
    }

    static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
    }

    /// Anything at the path, a dangling symlink included.
    static func pathIsPresent(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func firstMissingAncestor(of path: String) -> String {
        var top = path
        var parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        while parent != "/" && !pathIsPresent(parent) {
            top = parent
            parent = URL(fileURLWithPath: parent).deletingLastPathComponent().path
        }
        return top
    }

    static func makeDirectory(_ path: String, mode: mode_t, exclusive: Bool) throws {
        if mkdir(path, mode) != 0 {
            guard errno == EEXIST, !exclusive else {
                throw BenchError("cannot create the volume directory \(path): \(String(cString: strerror(errno)))")
            }
            return
        }
        chmod(path, mode)
    }

    func remove() {
        for path in made.reversed() { try? FileManager.default.removeItem(atPath: path) }
        for top in madeOnHost.reversed() { Self.removeIfEmpty(top) }
    }

    /// Removes `path` if it is an empty file, or a directory holding nothing but empty
    /// directories; anything with content stays.
    static func removeIfEmpty(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFREG where info.st_size == 0: unlink(path)
        case S_IFDIR:
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                removeIfEmpty("\(path)/\(entry)")
            }
            rmdir(path)
        default: break
        }
    }
}
