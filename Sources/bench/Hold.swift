import Foundation

/// The exit code `--hold` leaves with when SIGTERM or SIGINT comes.
nonisolated(unsafe) private var heldExitCode: Int32 = 0

/// `--hold`: after its run, bench stays up until SIGTERM or SIGINT, so that a DaemonSet (whose
/// pods always restart) runs the benchmark once per node and keeps its logs for `kubectl logs`.
/// A plain signal handler, not a dispatch source: by now the client's threads are gone and
/// libdispatch's signal sources were seen never to fire here.
func holdUntilStopped(after outcome: String, exitCode: Int32) -> Never {
    progress("\(outcome); holding until stopped (SIGTERM), so that the DaemonSet does not start the run again")
    fflush(nil)
    heldExitCode = exitCode
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGTERM)
    sigaddset(&unblock, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    signal(SIGTERM) { _ in _exit(heldExitCode) }
    signal(SIGINT) { _ in _exit(heldExitCode) }
    while true { pause() }
}
