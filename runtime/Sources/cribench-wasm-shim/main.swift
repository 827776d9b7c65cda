import WasmShimSupport
LauncherMain.main(CommandLine.arguments)
