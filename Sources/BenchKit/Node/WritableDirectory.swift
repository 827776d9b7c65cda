import Foundation

/// Creates `path` if it is missing and checks that it can be written, so that a run fails at
/// once, naming the directory as `role` and saying `remedy`, instead of after its measurements.
func prepareWritableDirectory(_ path: String, role: String, remedy: String = "") throws {
    let advice = remedy.isEmpty ? "" : " (\(remedy))"
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw BenchError("\(role) \(path) cannot be created: \(error.localizedDescription)\(advice)")
    }
    guard FileManager.default.isWritableFile(atPath: path) else {
        throw BenchError("\(role) \(path) is not writable\(advice)")
    }
}
