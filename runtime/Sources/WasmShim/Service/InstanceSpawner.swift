#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls
import WasmRuntime
import WasmShimSupport

/// Spawns every instance from one long-lived thread. Two reasons: a process's parent-death
/// signal fires when the thread that spawned it ends, and an instance must die with the shim,
/// not with a request's thread; and entering an instance's PID namespace changes the spawning
/// thread's namespace for children, which this thread puts back after each spawn.
final class InstanceSpawner {
    private typealias Job = (request: InstanceLauncher.SpawnRequest, done: (Result<pid_t, Error>) -> Void)
    private let jobs = Guarded<[Job]>([])

    init() {
        let ownNamespace = Guarded<Int32?>(nil)
        startThread { [jobs] in
            let fd = open("/proc/thread-self/ns/pid", O_RDONLY | O_CLOEXEC)
            ownNamespace.with { $0 = fd }
            // Once it cannot put its own PID namespace back, no later instance may start in a
            // previous pod's.
            var broken = fd < 0
            while true {
                let job = jobs.wait { $0.isEmpty ? nil : $0.removeFirst() }
                let result = Result<pid_t, Error> {
                    if broken { throw RuntimeError("the shim's spawner could not return to its own PID namespace") }
                    defer { if wr_setns(fd, WR_CLONE_NEWPID) != 0 { broken = true } }
                    try Namespaces.preparePIDNamespace(job.request.spec)
                    return try InstanceLauncher.posixSpawn(job.request)
                }
                job.done(result)
            }
        }
        _ = ownNamespace.wait { $0 }
    }

    func spawn(_ request: InstanceLauncher.SpawnRequest) throws -> pid_t {
        let outcome = Guarded<Result<pid_t, Error>?>(nil)
        jobs.with { $0.append((request, { result in outcome.with { $0 = result } })) }
        return try outcome.wait { $0 }.get()
    }
}
