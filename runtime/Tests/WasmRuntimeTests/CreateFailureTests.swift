#if canImport(Glibc)
import Glibc
#endif
import Testing
import WasmRuntime

/// `create` run as containerd's shim runs it, on a real bundle: when it fails after the
/// instance process exists, it must kill and reap that process and remove its cgroup and
/// record. Needs root (namespaces, cgroups) and the wasm-runc binary of this build.
@Suite(.enabled(if: getuid() == 0, "wasm-runc create needs root"))
struct CreateFailureTests {
    let wasmRunc = WasmRuncHarness()

    @Test func aFailureAfterTheSpawnLeavesNoInstanceCgroupOrRecord() throws {
        #expect(
            Posix.exists(WasmRuncHarness.binary), "build wasm-runc first: swift build -c release --product wasm-runc")
        try wasmRunc.withBundle(name: "create-test") { bundle, root, cgroup in
            // The pid file's directory does not exist: create fails after the instance is ready.
            let code = try wasmRunc.run([
                "--root", root, "create", "--bundle", bundle, "--pid-file", "/nonexistent-\(getpid())/init.pid",
                "failing",
            ])
            #expect(code != 0, "create should fail when it cannot write the pid file")
            #expect(wasmRunc.processes(containing: root).isEmpty, "an instance of the failed create is still alive")
            #expect(!InstanceRecord.isOurs(root: root, id: "failing"), "the failed create left its record")
            #expect(
                !Posix.exists("/sys/fs/cgroup/pids\(cgroup)") && !Posix.exists("/sys/fs/cgroup\(cgroup)/cgroup.procs"),
                "the failed create left its cgroup")

            // The same bundle with a pid file it can write is created, then forgotten again.
            let created = try wasmRunc.run([
                "--root", root, "create", "--bundle", bundle, "--pid-file", bundle + "/init.pid", "working",
            ])
            #expect(created == 0, "the control case should be created")
            #expect(try wasmRunc.run(["--root", root, "delete", "--force", "working"]) == 0)
            #expect(wasmRunc.processes(containing: root).isEmpty)
        }
    }
}
