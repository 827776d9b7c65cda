/// Names that become paths, checked before any path is built from them: a container id as
/// runc accepts it, and linux.cgroupsPath as a path that stays below each hierarchy's root.
public enum ContainerIdentifiers {
    /// runc's rule: letters, digits, "_", "+", "-" and ".", but not "." or ".." alone.
    public static func validateID(_ id: String) throws {
        let punctuation = Set("_+-.".utf8)
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || punctuation.contains(byte)
        }
        guard !id.isEmpty, id.utf8.count <= 1024, allowed, id != ".", id != ".." else {
            throw RuntimeError(
                "invalid container id \"\(id)\": use letters, digits, '_', '+', '-' and '.' (not '.' or '..' alone)")
        }
    }

    /// No "." or ".." component and no control character: the path is joined under each
    /// hierarchy's root and must not leave it.
    public static func validateCgroupsPath(_ path: String) throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        let clean =
            !components.isEmpty && components.allSatisfy { $0 != "." && $0 != ".." }
            && path.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f }
        guard clean else {
            throw RuntimeError(
                "linux.cgroupsPath \"\(path)\" must name a cgroup below the hierarchy's root: "
                    + "no '.' or '..' components, no control characters")
        }
    }
}
