/// The one place that decides how a bundle runs: its entrypoint is a WebAssembly module
/// (magic bytes \0asm) and runs on WasmKit, or it is anything else (an ELF binary, a script,
/// the pod's pause container) and goes to runc unchanged, with real namespaces.
public enum WorkloadKind: Equatable {
    case wasm(modulePath: String)
    case linux

    public static let wasmMagic: [UInt8] = [0x00, 0x61, 0x73, 0x6D]

    public static func of(_ bundle: OCIBundle) -> WorkloadKind {
        guard let path = bundle.entrypointHostPath(),
              let prefix = try? Posix.readPrefix(path, count: 4),
              prefix == wasmMagic
        else { return .linux }
        return .wasm(modulePath: path)
    }
}
