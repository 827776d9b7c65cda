#if canImport(Glibc)
import Glibc
#endif
import Testing
import WasmRuntime

/// linux.maskedPaths and linux.readonlyPaths on paths of the image itself (containerd puts
/// them under /proc and /sys, which the instance does not see at all): seen from the host
/// through the created instance's root, a masked file reads empty, a masked directory lists
/// nothing, a read-only path refuses writes, and a path beside them is untouched.
@Suite(.enabled(if: getuid() == 0, "wasm-runc create needs root"))
struct MaskedAndReadOnlyPathsTests {
    let wasmRunc = WasmRuncHarness()

    @Test func maskedPathsAreHiddenAndReadOnlyPathsRefuseWrites() throws {
        #expect(
            Posix.exists(WasmRuncHarness.binary), "build wasm-runc first: swift build -c release --product wasm-runc")
        let files = [
            "/secret.txt": "masked file", "/secret-dir/inner.txt": "masked directory",
            "/frozen/kept.txt": "read-only", "/open/kept.txt": "writable",
        ]
        let paths: [String: JSON] = [
            "maskedPaths": .array(["/secret.txt", "/secret-dir", "/absent"].map(JSON.string)),
            "readonlyPaths": .array([.string("/frozen")]),
        ]
        try wasmRunc.withBundle(name: "masked", files: files, linux: paths) { bundle, root, _ in
            let created = try wasmRunc.run([
                "--root", root, "create", "--bundle", bundle, "--pid-file", bundle + "/init.pid", "masked",
            ])
            try #require(created == 0, "wasm-runc create of the bundle")
            defer { _ = try? wasmRunc.run(["--root", root, "delete", "--force", "masked"]) }
            let pid = try #require(Int32(try Posix.readText(bundle + "/init.pid").trimmingNewlines))
            let instanceRoot = "/proc/\(pid)/root"

            #expect(try Posix.readText(bundle + "/rootfs/secret.txt") == "masked file", "the host's copy is intact")
            #expect(try Posix.readText(instanceRoot + "/secret.txt").isEmpty, "a masked file reads as /dev/null")
            #expect(Posix.isDirectory(instanceRoot + "/secret-dir"), "a masked directory is still a directory")
            #expect(Posix.exists(bundle + "/rootfs/secret-dir/inner.txt"), "the host's copy is intact")
            #expect(wasmRunc.entries(of: instanceRoot + "/secret-dir").filter { $0 != "." && $0 != ".." }.isEmpty)
            #expect(!Posix.exists(instanceRoot + "/absent"), "a masked path the image lacks is not made")

            #expect(try Posix.readText(instanceRoot + "/frozen/kept.txt") == "read-only")
            #expect(throws: RuntimeError.self, "a read-only path refuses a new file") {
                try Posix.writeFile(instanceRoot + "/frozen/new.txt", "x")
            }
            #expect(!Posix.exists(bundle + "/rootfs/frozen/new.txt"))
            try Posix.writeFile(instanceRoot + "/open/new.txt", "x")
            #expect(Posix.exists(bundle + "/rootfs/open/new.txt"), "the path beside it is writable (control)")
        }
    }
}
