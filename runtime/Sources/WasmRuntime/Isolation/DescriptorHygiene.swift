#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls

/// What the instance keeps open when the module starts: stdio and the descriptors its own
/// setup still needs, nothing it inherited from the shim or from `create` (a descriptor without
/// close-on-exec would otherwise be there for escaped native code to use).
public enum DescriptorHygiene {
    /// Closes every descriptor above 2 that is not in `keep`.
    public static func closeAll(except keep: Set<Int32>) throws {
        var first: UInt32 = 3
        for fd in keep.filter({ $0 >= 3 }).sorted() {
            if UInt32(fd) > first { try close(from: first, to: UInt32(fd) - 1) }
            first = UInt32(fd) + 1
        }
        try close(from: first, to: UInt32.max)
    }

    private static func close(from first: UInt32, to last: UInt32) throws {
        guard wr_close_range(first, last, 0) == 0 else {
            throw RuntimeError.errno("close descriptors \(first)-\(last)")
        }
    }
}
