/// Which of runc's flags carry a value, globally and per command: the one table every parse of
/// a command line reads (so that a flag's value is never taken for the container id). From
/// runc 1.1's `--help` and what containerd's runc v2 shim (go-runc) sends.
public enum RuncFlags {
    public static let globalValued: Set<String> = ["--root", "--log", "--log-format", "--criu", "--rootless"]

    /// Global flags that end parsing: the rest of the line is theirs.
    static let terminal: Set<String> = ["--version", "-v", "--help", "-h"]

    static let createValued: Set<String> = ["--bundle", "-b", "--pid-file", "--console-socket", "--preserve-fds"]

    public static let commandValued: [String: Set<String>] = [
        "create": createValued,
        "run": createValued,
        "_init": ["--bundle"],
        "exec": [
            "--console-socket", "--cwd", "--env", "-e", "--user", "-u", "--additional-gids", "-g", "--process", "-p",
            "--pid-file", "--process-label", "--apparmor", "--cap", "-c", "--preserve-fds", "--cgroup",
        ],
        "ps": ["--format", "-f"],
        "list": ["--format", "-f"],
        "events": ["--interval"],
        "update": [
            "--resources", "-r", "--blkio-weight", "--cpu-period", "--cpu-quota", "--cpu-share", "--cpu-rt-period",
            "--cpu-rt-runtime", "--cpuset-cpus", "--cpuset-mems", "--kernel-memory", "--kernel-memory-tcp", "--memory",
            "--memory-reservation", "--memory-swap", "--pids-limit", "--l3-cache-schema", "--mem-bw-schema",
        ],
        "checkpoint": [
            "--image-path", "--work-path", "--parent-path", "--page-server", "--manage-cgroups-mode", "--empty-ns",
            "--status-fd", "--lsm-profile", "--lsm-mount-context",
        ],
        "restore": [
            "--console-socket", "--image-path", "--work-path", "--manage-cgroups-mode", "--bundle", "-b", "--pid-file",
            "--empty-ns", "--lsm-profile", "--lsm-mount-context",
        ],
        "start": [], "state": [], "kill": [], "delete": [], "pause": [], "resume": [],
    ]

    /// The valued flags of `command` (none for a command runc does not know).
    public static func valued(for command: String) -> Set<String> { commandValued[command] ?? [] }
}
