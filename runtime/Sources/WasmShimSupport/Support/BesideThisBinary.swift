#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// A program installed in the same directory as this one (the launcher, the serving shim and
/// wasm-runc go together), which must be root's and writable by root only before it is run as
/// root.
public enum BesideThisBinary {
    public static func trusted(_ name: String) throws -> String {
        guard let own = Posix.ownExecutable() else { throw RuntimeError.errno("readlink /proc/self/exe") }
        let path =
            own.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            + "/" + name
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RuntimeError(
                "\(name) is not installed beside \(own) (\(path)); "
                    + "install them together with scripts/build-wasm-runtime.sh")
        }
        guard info.st_uid == 0, info.st_mode & 0o022 == 0 else {
            throw RuntimeError("\(path) is not owned by root and writable by root only; reinstall it")
        }
        return path
    }
}
