import Foundation

/// The host side of a pod's volumes: emptyDirs made fresh under the run's volume root, and
/// hostPaths checked (or made, for the *OrCreate types) as the kubelet does. What was made
/// here is removed again; a hostPath that existed before is never touched.
struct PodVolumes {
    var hostPaths: [String: String] = [:]
    var made: [String] = []

    static func prepare(_ pod: PodManifest, root: String) throws -> PodVolumes {
        var volumes = PodVolumes()
        let files = FileManager.default
        do {
            for volume in pod.volumes {
                switch volume.source {
                case .emptyDir:
                    let path = "\(root)/\(volume.name)"
                    try files.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
                    if !volumes.made.contains(root) { volumes.made.append(root) }
                    volumes.hostPaths[volume.name] = path
                case .hostPath(let path, let type):
                    var isDirectory: ObjCBool = false
                    let exists = files.fileExists(atPath: path, isDirectory: &isDirectory)
                    switch type {
                    case "Directory" where !exists || !isDirectory.boolValue, "File" where !exists || isDirectory.boolValue:
                        throw BenchError("\(pod.document): hostPath volume \(volume.name) needs \(type == "File" ? "a file" : "a directory") at \(path) on the node, and there is none")
                    case "DirectoryOrCreate" where !exists:
                        try files.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                        volumes.made.append(path)
                    case "FileOrCreate" where !exists:
                        guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]) else {
                            throw BenchError("\(pod.document): hostPath volume \(volume.name): cannot create the file \(path)")
                        }
                        volumes.made.append(path)
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

    func remove() {
        for path in made.reversed() { try? FileManager.default.removeItem(atPath: path) }
    }
}
