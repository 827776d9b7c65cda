#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// The file the instance process is started from. An instance lives as long as its module, and
/// for all that time /proc/PID/exe names the file it was started from: if that were the host's
/// wasm-runc, code that escaped the interpreter could rewrite the binary the next shim call
/// runs as host root (runc's CVE-2019-5736). So the instance starts from wasm-runc seen
/// through a read-only overlayfs mount that is attached nowhere (the bytes shared with the
/// host's page cache, so it costs no memory; runc takes the same way), or, where overlayfs
/// is missing, from a sealed memfd copy (which costs the binary's size per instance).
public enum SealedExecutable {
    /// A descriptor to exec through /proc/self/fd. `executable` is wasm-runc's path (nil: this
    /// process's own file); `spareDirectory` is an empty-or-unrelated directory outside
    /// wasm-runc's own. The caller closes the descriptor after the spawn.
    public static func open(executable: String? = nil, spareDirectory: String) throws -> Int32 {
        let path = executable ?? Posix.ownExecutable()
        if let path {
            let fd = wr_sealed_overlay_file(path, spareDirectory)
            if fd >= 0 { return fd }
        }
        let copy = wr_sealed_memfd_copy(executable ?? "/proc/self/exe")
        guard copy >= 0 else { throw RuntimeError.errno("seal a copy of wasm-runc for the instance") }
        return copy
    }
}
