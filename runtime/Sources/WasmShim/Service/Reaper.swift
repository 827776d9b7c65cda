#if canImport(Glibc)
import Glibc
import WasmShimSupport
#endif

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
    /// the signal that ended the process.
    static func start(onExit: @escaping (Int32, UInt32) -> Void) {
        startThread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGCHLD)
            while true {
                var status: Int32 = 0
                while true {
                    let pid = waitpid(-1, &status, WNOHANG)
                    guard pid > 0 else { break }
                    onExit(pid, exitStatus(status))
                }
                var signal: Int32 = 0
                sigwait(&set, &signal)
            }
        }
    }

    static func exitStatus(_ status: Int32) -> UInt32 {
        let signal = status & 0x7f
        if signal == 0 { return UInt32((status >> 8) & 0xff) }
        return UInt32(128 + signal)
    }
}
