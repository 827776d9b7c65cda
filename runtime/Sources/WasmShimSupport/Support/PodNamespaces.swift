#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls
import WasmRuntime

/// A pod's namespaces without a pause process. The network namespace is the one CRI pinned
/// (/var/run/netns/cni-…); new IPC and UTS namespaces are made on a short-lived thread (a
/// thread's namespaces are its own), pinned by a bind mount of that thread's namespace file
/// in the sandbox's bundle, and outlive the thread. A container of the pod joins them by
/// path, so it never lands in the shim's or the host's.
public struct PodNamespaces {
    /// OCI namespace type (network, ipc, uts) to the path a container of the pod joins.
    public let paths: [String: String]
    /// The pinned files, unmounted when the sandbox is deleted.
    let pinned: [String]

    static let pinnable: [(type: String, procName: String, flag: Int32)] = [
        ("network", "net", WR_CLONE_NEWNET), ("ipc", "ipc", WR_CLONE_NEWIPC), ("uts", "uts", WR_CLONE_NEWUTS),
    ]

    public static func directory(bundle: String) -> String { bundle + "/namespaces" }

    /// Pins the namespaces the sandbox's spec asks to be new, and records those it names.
    public static func pin(bundle: String, spec: LinuxSpec) throws -> PodNamespaces {
        var paths: [String: String] = [:]
        var fresh: [(type: String, procName: String, flag: Int32)] = []
        for kind in pinnable {
            guard let namespace = spec.namespaces.first(where: { $0.type == kind.type }) else { continue }
            if let path = namespace.path { paths[kind.type] = path } else { fresh.append(kind) }
        }
        guard !fresh.isEmpty else { return PodNamespaces(paths: paths, pinned: []) }
        let directory = directory(bundle: bundle)
        try Posix.makeDirectories(directory, mode: 0o700)
        let hostname = spec.hostname
        let outcome = Guarded<Result<[String], RuntimeError>?>(nil)
        startThread {
            let result: Result<[String], RuntimeError>
            do {
                result = .success(try pinOnThisThread(fresh, directory: directory, hostname: hostname))
            } catch let error as RuntimeError {
                result = .failure(error)
            } catch {
                result = .failure(RuntimeError("\(error)"))
            }
            outcome.with { $0 = result }
        }
        let pinned = try outcome.wait { $0 }.get()
        for (kind, file) in zip(fresh, pinned) { paths[kind.type] = file }
        return PodNamespaces(paths: paths, pinned: pinned)
    }

    /// Runs on a thread of its own, which ends afterwards with the namespaces it entered.
    private static func pinOnThisThread(
        _ kinds: [(type: String, procName: String, flag: Int32)], directory: String,
        hostname: String?
    ) throws -> [String] {
        let flags = kinds.reduce(Int32(0)) { $0 | $1.flag }
        guard wr_unshare(flags) == 0 else { throw RuntimeError.errno("sandbox: new namespaces (\(kinds.map(\.type)))") }
        if let hostname, kinds.contains(where: { $0.type == "uts" }) {
            guard sethostname(hostname, hostname.utf8.count) == 0 else {
                throw RuntimeError.errno("sandbox: hostname \(hostname)")
            }
        }
        var pinned: [String] = []
        do {
            for kind in kinds {
                let file = directory + "/" + kind.procName
                let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw RuntimeError.errno("sandbox: create \(file)") }
                close(fd)
                guard mount("/proc/thread-self/ns/" + kind.procName, file, nil, UInt(MS_BIND), nil) == 0 else {
                    let code = errno
                    unlink(file)
                    throw RuntimeError.errno("sandbox: pin the \(kind.type) namespace at \(file)", code)
                }
                pinned.append(file)
            }
        } catch {
            release(pinned)
            throw error
        }
        return pinned
    }

    public func release() { Self.release(pinned) }

    static func release(_ files: [String]) {
        for file in files {
            umount2(file, Int32(MNT_DETACH))
            unlink(file)
        }
    }

    /// Unpins whatever a sandbox's bundle still holds (after the shim that pinned it is gone).
    public static func releaseLeftovers(bundle: String) {
        let directory = directory(bundle: bundle)
        release(pinnable.map { directory + "/" + $0.procName }.filter(Posix.exists))
        rmdir(directory)
    }
}
