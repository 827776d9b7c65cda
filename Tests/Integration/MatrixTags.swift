import Testing

extension Tag {
    /// The wasm matrix: suites that run wasm modules under the handler CRI_WASM_RUNTIME_HANDLER
    /// names.
    @Tag static var wasmMatrix: Self
}

/// The wasm matrix's suites, nested here so that they carry its tag. The test command runs them
/// once per wasm handler (`--filter '^Integration\.WasmMatrix/'`) and every other integration
/// suite once per OCI handler. It selects them by this suite's id rather than by the tag
/// because `swift test --filter` of this toolchain matches test ids only: a tag selects nothing.
@Suite("Wasm matrix", .tags(.wasmMatrix))
enum WasmMatrix {}
