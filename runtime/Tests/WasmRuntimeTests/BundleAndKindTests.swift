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
            "process": .object(["args": .array(args.map { .string($0) }), "env": .array(env.map { .string($0) }), "cwd": .string("/")]),
            "root": .object(["path": .string("rootfs")]),
            "linux": .object(["cgroupsPath": .string("/cribench/test"), "resources": .object(["memory": .object(["limit": .number(1048576)])])]),
        ])
        try Posix.writeFile(path + "/config.json", config.serialized)
        return path
    }

    @Test func wasmMagicMakesAWasmWorkload() throws {
        let bundle = try OCIBundle(path: try makeBundle(args: ["/app.wasm"], files: ["/app.wasm": [0, 0x61, 0x73, 0x6D, 1, 0, 0, 0]]))
        defer { Posix.removeTree(bundle.path) }
        #expect(WorkloadKind.of(bundle) == .wasm(modulePath: bundle.rootfs + "/app.wasm"))
        #expect(bundle.cgroupsPath == "/cribench/test")
        #expect(bundle.memoryLimitBytes == 1_048_576)
    }

    @Test func elfAndScriptsGoToRunc() throws {
        let bundle = try OCIBundle(path: try makeBundle(args: ["pause"], env: ["PATH=/bin"], files: ["/bin/pause": [0x7F, 0x45, 0x4C, 0x46], "/run.sh": Array("#!/bin/sh\n".utf8)]))
        defer { Posix.removeTree(bundle.path) }
        #expect(bundle.entrypointHostPath() == bundle.rootfs + "/bin/pause", "a bare name is looked up in PATH")
        #expect(WorkloadKind.of(bundle) == .linux)
        let script = try OCIBundle(path: bundle.path, config: JSON.parse(#"{"process":{"args":["/run.sh"]},"root":{"path":"rootfs"}}"#))
        #expect(WorkloadKind.of(script) == .linux)
    }

    @Test func missingEntrypointIsNotWasm() throws {
        let bundle = try OCIBundle(path: try makeBundle(args: ["/nowhere.wasm"], files: [:]))
        defer { Posix.removeTree(bundle.path) }
        #expect(WorkloadKind.of(bundle) == .linux, "runc reports a missing entrypoint in its own words")
    }

    @Test func configWithoutProcessIsRefused() throws {
        #expect(throws: RuntimeError.self) { try OCIBundle(path: "/b", config: JSON.parse(#"{"root":{"path":"rootfs"}}"#)) }
    }
}
