import WasmRuntime

// Everything wasm-runc does lives in WasmRuntime (CommandDispatch and the commands), where
// its unit tests reach it.
CommandDispatch.main(CommandLine.arguments)
