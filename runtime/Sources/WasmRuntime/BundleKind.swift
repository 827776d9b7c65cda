/// The one place that decides how a bundle runs: its entrypoint is a WebAssembly module
/// (magic bytes \0asm) and runs on WasmKit, or it is anything else (an ELF binary, a script,
/// the pod's pause container, an entrypoint that does not resolve inside the rootfs) and goes
/// to runc unchanged, with real namespaces.
public enum BundleKind: Equatable {
    /// The module's path inside the container.
    case wasm(guestPath: String)
    case linux

    public static let wasmMagic: [UInt8] = [0x00, 0x61, 0x73, 0x6D]

    public static func of(_ bundle: OCIBundle) -> BundleKind {
        guard let path = bundle.entrypointGuestPath(),
            let prefix = GuestPath.readPrefix(path, in: bundle.rootfs, count: 4),
            prefix == wasmMagic
        else { return .linux }
        return .wasm(guestPath: path)
    }
}
