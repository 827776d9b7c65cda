import WasmShim
ServerMain.main(CommandLine.arguments)
