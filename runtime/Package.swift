// swift-tools-version: 6.3
// CRIBench's wasm runtime: `wasm-runc`, an OCI runtime with runc's command line that runs
// bundles whose entrypoint is a WebAssembly module on WasmKit and hands every other bundle
// (the pod's pause container, ordinary binaries) to runc unchanged. containerd's runc v2 shim
// drives it through the `BinaryName` option of the CRI runtime handler `wasm`.
//
// A package of its own so that the harness's debug build never compiles WasmKit, and this
// one is built in release only (WasmKit's debug interpreter is ~100x slower):
//   swift build -c release --product wasm-runc
// (the Swift standard library is linked statically into wasm-runc by its linker settings,
// so that `swift test -c release` shares the same build).
// Foundation is kept out on purpose: per-instance memory is a headline figure.
import PackageDescription

let package = Package(
    name: "CRIBenchRuntime",
    products: [
        .executable(name: "wasm-runc", targets: ["wasm-runc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftwasm/WasmKit.git", exact: "0.4.2"),
    ],
    targets: [
        // The few system calls glibc does not wrap (openat2, pivot_root, capset, the new mount
        // API) or wraps as variadic functions Swift cannot call (prctl), and seccomp through
        // Debian's libseccomp (libseccomp-dev to build, libseccomp2, runc's own, to run).
        .target(name: "CSystemCalls", linkerSettings: [.linkedLibrary("seccomp")]),
        .target(
            name: "WasmRuntime",
            dependencies: [
                "CSystemCalls",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "WasmKitWASI", package: "WasmKit"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "wasm-runc",
            dependencies: ["WasmRuntime"],
            swiftSettings: [.swiftLanguageMode(.v5)],
            linkerSettings: [.unsafeFlags(["-static-stdlib"])]
        ),
        .testTarget(
            name: "WasmRuntimeTests",
            dependencies: ["WasmRuntime"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
