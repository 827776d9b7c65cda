import Foundation

/// A program the suite runs to its end, as a user would: exit code, stdout and stderr.
///
/// Spawned with posix_spawn and reaped with waitpid, not with Foundation's Process: a script
/// that starts daemons leaves them holding the descriptors it inherited (so output goes to
/// files, never pipes), and Process's SIGCHLD monitoring was seen never to notice such a
/// script's exit from inside a test that holds a CRI client.
enum ChildProcess {
    /// How long a program may run before the suite stops it and fails: a test blocked in
    /// waitpid cannot be ended by its suite's time limit, so a hung child would hang the run.
    static let defaultTimeout: Duration = .seconds(300)

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String],
        timeout: Duration = defaultTimeout
    ) throws -> (code: Int32, out: String, err: String) {
        let scratch = NSTemporaryDirectory() + "cribench-child-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let pid = try spawn(
            executable, arguments, environment: environment, stdout: scratch + "/out", stderr: scratch + "/err")
        guard let code = try wait(pid, timeout: timeout) else {
            kill(pid, SIGTERM)
            if try wait(pid, timeout: .seconds(5)) == nil {
                kill(pid, SIGKILL)
                _ = try wait(pid)
            }
            let err = (try? String(contentsOfFile: scratch + "/err", encoding: .utf8)) ?? ""
            throw TestFailure(
                "\(([executable] + arguments).joined(separator: " ")) did not end within \(timeout); stopped it. "
                    + "stderr: \(err.suffix(1000))"
            )
        }
        let out = (try? String(contentsOfFile: scratch + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: scratch + "/err", encoding: .utf8)) ?? ""
        return (code, out, err)
    }

    /// Starts `executable` with stdin from /dev/null and its output in the given files.
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdout: String = "/dev/null", stderr: String = "/dev/null"
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        // A child starts with no signal blocked and default handlers, whatever the test's
        // thread blocks (a blocked SIGTERM would outlive exec and make the child unkillable).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestFailure("spawn \(executable): \(String(cString: strerror(result)))") }
        return pid
    }

    /// Waits at most `timeout` for `pid` to end: its exit code as ``wait(_:)`` gives it, or nil
    /// when it is still running.
    static func wait(_ pid: pid_t, timeout: Duration) throws -> Int32? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            if reaped < 0 && errno != EINTR { throw TestFailure("waitpid \(pid): \(String(cString: strerror(errno)))") }
            if clock.now >= deadline { return nil }
            usleep(20_000)
        }
    }

    /// Waits for `pid` to end; its exit code, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TestFailure("waitpid \(pid): \(String(cString: strerror(errno)))") }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// The suite's environment without CRIBench's settings or an endpoint, as a fresh shell has.
    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("CRIBENCH_") && $0.key != "CONTAINER_RUNTIME_ENDPOINT"
        }
    }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
