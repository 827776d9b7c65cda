#if canImport(Glibc)
import Glibc
#endif

/// `kill [--all] ID [SIGNAL]`: signals the instance process (the only process it has, so --all
/// means the same). The default is SIGTERM, as with runc.
extension InstanceCommand {
    static let signals: [String: Int32] = [
        "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "KILL": SIGKILL, "USR1": SIGUSR1, "USR2": SIGUSR2,
        "TERM": SIGTERM, "CONT": SIGCONT, "STOP": SIGSTOP, "WINCH": SIGWINCH, "ABRT": SIGABRT,
    ]

    static func parseSignal(_ text: String) -> Int32? {
        if let number = Int32(text), number > 0, number < 65 { return number }
        let name = text.uppercased()
        return signals[name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name]
    }

    func kill() throws {
        let positionals = invocation.positionals
        let signalText = positionals.count > 1 ? positionals[1] : "TERM"
        guard let signal = Self.parseSignal(signalText) else {
            throw RuntimeError("kill: unknown signal \(signalText)")
        }
        let state = try InstanceRecord.load(root: invocation.root, id: id)
        // containerd's shim recognises "container not running" and treats it as already stopped.
        guard state.isAlive else { throw RuntimeError("container not running") }
        guard Glibc.kill(state.pid, signal) == 0 else {
            if errno == ESRCH { throw RuntimeError("container not running") }
            throw RuntimeError.errno("kill \(state.pid)")
        }
    }
}
