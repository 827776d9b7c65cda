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
        .executable(name: "containerd-shim-cribench-wasm-v1", targets: ["cribench-wasm-shim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftwasm/WasmKit.git", exact: "0.4.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
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
        // containerd 1.6's shim v2 task API, its events and ttrpc's envelope: messages generated
        // by scripts/generate-task-api.sh and committed.
        .target(
            name: "TaskAPI",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // CRIBench's own containerd shim v2: one process per node serves every wasm pod, runs
        // the pause sandbox as nothing, and spawns each instance from wasm-runc's setup. It
        // links Foundation (through SwiftProtobuf); the instances it spawns never do.
        .target(
            name: "WasmShim",
            dependencies: ["WasmRuntime", "TaskAPI", "CSystemCalls"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        // Linked against the toolchain's shared libraries: Foundation, which SwiftProtobuf
        // imports, does not link statically here, and one shim per node makes their size moot.
        .executableTarget(
            name: "cribench-wasm-shim",
            dependencies: ["WasmShim"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "WasmRuntimeTests",
            dependencies: ["WasmRuntime"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
