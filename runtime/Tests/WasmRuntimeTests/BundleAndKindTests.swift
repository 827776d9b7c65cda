#if canImport(Glibc)
import Glibc
#endif
import Testing
import WasmRuntime

@Suite struct BundleAndKindTests {
    /// A bundle directory with config.json and a rootfs holding `files` (path: bytes).
    func makeBundle(args: [String], env: [String] = [], files: [String: [UInt8]]) throws -> String {
        var template = Array("/tmp/wasm-runc-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        for (file, bytes) in files {
            let full = path + "/rootfs" + file
            try Posix.makeDirectories(String(full[..<full.lastIndex(of: "/")!]))
            try Posix.writeFile(full, String(decoding: bytes, as: UTF8.self))
        }
        let config = JSON.object([
            "process": .object([
                "args": .array(args.map { .string($0) }), "env": .array(env.map { .string($0) }), "cwd": .string("/"),
            ]),
            "root": .object(["path": .string("rootfs")]),
            "linux": .object([
                "cgroupsPath": .string("/cribench/test"),
                "resources": .object(["memory": .object(["limit": .number(1048576)])]),
            ]),
        ])
        try Posix.writeFile(path + "/config.json", config.serialized)
        return path
    }

    @Test func wasmMagicMakesAWasmWorkload() throws {
        let bundle = try OCIBundle(
            path: try makeBundle(args: ["/app.wasm"], files: ["/app.wasm": [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0]]))
        defer { Posix.removeTree(bundle.path) }
        #expect(BundleKind.of(bundle) == .wasm(guestPath: "/app.wasm"))
        #expect(bundle.cgroupsPath == "/cribench/test")
        #expect(bundle.spec.resources.memoryLimit == 1_048_576)
    }

    @Test func elfAndScriptsGoToRunc() throws {
        let bundle = try OCIBundle(
            path: try makeBundle(
                args: ["pause"], env: ["PATH=/bin"],
                files: ["/bin/pause": [0x7F, 0x45, 0x4C, 0x46], "/run.sh": Array("#!/bin/sh\n".utf8)]))
        defer { Posix.removeTree(bundle.path) }
        #expect(bundle.entrypointGuestPath() == "/bin/pause", "a bare name is looked up in PATH")
        #expect(BundleKind.of(bundle) == .linux)
        let script = try OCIBundle(
            path: bundle.path, config: JSON.parse(#"{"process":{"args":["/run.sh"]},"root":{"path":"rootfs"}}"#))
        #expect(BundleKind.of(script) == .linux)
    }

    @Test func missingEntrypointIsNotWasm() throws {
        let bundle = try OCIBundle(path: try makeBundle(args: ["/nowhere.wasm"], files: [:]))
        defer { Posix.removeTree(bundle.path) }
        #expect(BundleKind.of(bundle) == .linux, "runc reports a missing entrypoint in its own words")
    }

    /// An entrypoint that is a symlink to an absolute path is resolved inside the rootfs: a host
    /// module at that path is never taken for the container's.
    @Test func aSymlinkedEntrypointResolvesInsideTheRootfsNotOnTheHost() throws {
        let hostModule = "/tmp/wasm-runc-host-module-\(getpid()).wasm"
        try Posix.writeFile(hostModule, String(decoding: [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0], as: UTF8.self))
        defer { unlink(hostModule) }
        let bundle = try OCIBundle(
            path: try makeBundle(args: ["/entry.wasm"], files: ["/etc/os-release": Array("ID=test\n".utf8)]))
        defer { Posix.removeTree(bundle.path) }
        #expect(symlink(hostModule, bundle.rootfs + "/entry.wasm") == 0)
        #expect(BundleKind.of(bundle) == .linux, "the link's target does not exist inside the rootfs")
        #expect(symlink("../../../../../../\(hostModule)", bundle.rootfs + "/dots.wasm") == 0)
        #expect(GuestPath.readPrefix("/dots.wasm", in: bundle.rootfs, count: 4) == nil, "\"..\" stops at the rootfs")
        try Posix.makeDirectories(bundle.rootfs + hostModule.prefix { $0 != "w" })
        try Posix.writeFile(bundle.rootfs + hostModule, String(decoding: [0, 0x61, 0x73, 0x6D], as: UTF8.self))
        #expect(BundleKind.of(bundle) == .wasm(guestPath: "/entry.wasm"), "the same link finds the rootfs's own file")
    }

    @Test func configWithoutProcessIsRefused() throws {
        #expect(throws: RuntimeError.self) {
            try OCIBundle(path: "/b", config: JSON.parse(#"{"root":{"path":"rootfs"}}"#))
        }
    }
}
