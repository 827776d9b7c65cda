#if canImport(Glibc)
import Glibc
#endif
import WasmShimSupport

/// Reaps the shim's children (its instances) on SIGCHLD, from a thread of its own. SIGCHLD is
/// blocked in every thread (``blockChildSignals()`` runs before the first thread starts) so
/// that only this one takes it, with sigwait.
enum Reaper {
    static func blockChildSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGCHLD)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// `onExit(pid, status)` with the status as containerd reports it: the exit code, or 128 +
    /// the signal that ended the process. It runs while the child is still a zombie (waitid
    /// with WNOWAIT), so its pid cannot be reused until the task is marked stopped: no kill
    /// the shim sends afterwards can reach another process.
    static func start(onExit: @escaping (Int32, UInt32) -> Void) {
        startThread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGCHLD)
            while true {
                while true {
                    var info = siginfo_t()
                    guard waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { break }
                    let pid = info._sifields._sigchld.si_pid
                    guard pid > 0 else { break }
                    let status = info._sifields._sigchld.si_status
                    onExit(pid, Int(info.si_code) == Int(CLD_EXITED) ? UInt32(status & 0xff) : UInt32(128 + status))
                    var ignored: Int32 = 0
                    _ = waitpid(pid, &ignored, WNOHANG)
                }
                var signal: Int32 = 0
                sigwait(&set, &signal)
            }
        }
    }
}
