import Testing
import WasmRuntime

/// The argv containerd 1.6's runc v2 shim (go-runc) sends, as seen in its source and on this
/// node's process table.
@Suite struct RuncCommandLineTests {
    static let globals = [
        "wasm-runc", "--root", "/run/containerd/runc/k8s.io", "--log",
        "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/log.json", "--log-format", "json",
    ]

    @Test(arguments: [
        (["create", "--bundle", "/b/abc", "--pid-file", "/b/abc/init.pid", "abc"], "create"),
        (
            [
                "create", "--bundle", "/b/abc", "--pid-file", "/b/abc/init.pid", "--console-socket", "/tmp/pty.sock",
                "abc",
            ], "create"
        ),
        (["create", "--bundle=/b/abc", "--preserve-fds", "2", "abc"], "create"),
        (["start", "abc"], "start"),
        (["state", "abc"], "state"),
        (["kill", "abc", "15"], "kill"),
        (["kill", "--all", "abc", "9"], "kill"),
        (["delete", "abc"], "delete"),
        (["delete", "--force", "abc"], "delete"),
        (["ps", "--format", "json", "abc"], "ps"),
        (["exec", "--detach", "--process", "/tmp/runc-process123", "--pid-file", "/b/abc/exec.pid", "abc"], "exec"),
        (["update", "--resources", "-", "abc"], "update"),
        (["pause", "abc"], "pause"),
    ])
    func shimCommandLinesNameTheContainer(arguments: [String], command: String) {
        let line = RuncCommandLine(Self.globals + arguments)
        #expect(line.command == command)
        #expect(line.containerID == "abc", "a flag's value was taken for the id in \(arguments)")
        #expect(line.root == "/run/containerd/runc/k8s.io")
        #expect(line.logPath == "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/log.json")
        #expect(line.logJSON)
        #expect(line.original == Self.globals + arguments, "runc must get the line unchanged")
    }

    @Test func globalFlagsInEveryForm() {
        let line = RuncCommandLine([
            "wasm-runc", "--root=/r", "--debug", "--systemd-cgroup", "--log-format=text", "kill", "abc", "KILL",
        ])
        #expect(line.root == "/r")
        #expect(line.systemdCgroup)
        #expect(!line.logJSON)
        #expect(line.logPath == nil)
        #expect(line.positionals == ["abc", "KILL"])
    }

    @Test func commandFlagValues() {
        let line = RuncCommandLine(Self.globals + ["create", "-b", "/b/x", "--pid-file=/p", "x"])
        #expect(line.value(of: "--bundle", "-b") == "/b/x")
        #expect(line.value(of: "--pid-file") == "/p")
        #expect(line.value(of: "--console-socket") == nil)
    }

    @Test func versionAndHelpStopParsing() {
        #expect(RuncCommandLine(["wasm-runc", "--root", "/r", "--version"]).command == "--version")
        #expect(RuncCommandLine(["wasm-runc"]).containerID == nil)
    }

    @Test func everyCommandOfTheTableIsKnownAndValuedFlagsStartWithADash() {
        for (command, flags) in RuncFlags.commandValued {
            #expect(flags.allSatisfy { $0.hasPrefix("-") }, "\(command)")
        }
        #expect(RuncFlags.valued(for: "no-such-command").isEmpty)
    }
}
