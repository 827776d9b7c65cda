#if canImport(Glibc)
import Glibc
#endif
import TaskAPI
import WasmRuntime
import WasmShimSupport

/// The image's snapshot, mounted at the bundle's rootfs as containerd's runc shim mounts it.
enum RootfsMount {
    static func mount(_ mounts: [Containerd_Types_Mount], at target: String) throws {
        guard mounts.count <= 1 else {
            throw ShimError(.invalidArgument, "rootfs: \(mounts.count) mounts given; the wasm shim mounts one snapshot")
        }
        guard let snapshot = mounts.first else { return }
        var flags: UInt = 0
        var data: [String] = []
        for option in snapshot.options {
            switch option {
            case "ro": flags |= UInt(MS_RDONLY)
            case "rw": break
            case "bind": flags |= UInt(MS_BIND)
            case "rbind": flags |= UInt(MS_BIND | MS_REC)
            case "nosuid": flags |= UInt(MS_NOSUID)
            case "nodev": flags |= UInt(MS_NODEV)
            case "noexec": flags |= UInt(MS_NOEXEC)
            default: data.append(option)
            }
        }
        try Posix.makeDirectories(target, mode: 0o711)
        let options = data.joined(separator: ",")
        guard Glibc.mount(snapshot.source, target, snapshot.type, flags, options.isEmpty ? nil : options) == 0 else {
            throw ShimError(
                .unknown,
                "rootfs: mount \(snapshot.type) \(snapshot.source) "
                    + "at \(target): \(String(cString: strerror(errno)))")
        }
    }
}
