#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime
import WasmShimSupport

/// The FIFOs CRI gives in Create, opened for the instance: its stdout and stderr go straight
/// to them, with no copy through the shim. The shim closes its own ends once the instance holds
/// them.
struct StandardIO {
    let descriptors: (input: Int32, output: Int32, error: Int32)

    static func open(stdin: String, stdout: String, stderr: String) throws -> StandardIO {
        var opened: [Int32] = []
        do {
            let input = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard input >= 0 else { throw RuntimeError.errno("open /dev/null") }
            opened.append(input)
            let output = try openWriter(stdout)
            opened.append(output)
            let error = stderr == stdout ? output : try openWriter(stderr)
            if error != output { opened.append(error) }
            return StandardIO(descriptors: (input, output, error))
        } catch {
            opened.forEach { Glibc.close($0) }
            throw error
        }
    }

    /// CRI reads its FIFOs before it calls Create; with no reader, or no path, the output goes
    /// nowhere rather than blocking the instance.
    private static func openWriter(_ path: String) throws -> Int32 {
        let target = path.hasPrefix("file://") ? String(path.dropFirst(7)) : path
        if target.isEmpty { return Glibc.open("/dev/null", O_WRONLY | O_CLOEXEC) }
        var fd = Glibc.open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 && errno == ENXIO { fd = Glibc.open(target, O_RDWR | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { throw RuntimeError.errno("stdio: open \(target)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    func close() {
        Set([descriptors.input, descriptors.output, descriptors.error]).forEach { Glibc.close($0) }
    }
}
