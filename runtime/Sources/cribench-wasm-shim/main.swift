import WasmShim
ShimMain.main(CommandLine.arguments)
