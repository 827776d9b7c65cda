// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "CRIBench",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CRIClient", targets: ["CRIClient"]),
        .library(name: "BenchKit", targets: ["BenchKit"]),
        .executable(name: "bench", targets: ["bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        // Kubernetes manifests for `bench pod`.
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
    ],
    targets: [
        // The gRPC C core from Debian's libgrpc-dev (installed by scripts/start-containerd.sh),
        // behind a small C layer of CRIBench's own.
        .target(
            name: "CGRPCCore",
            linkerSettings: [.linkedLibrary("grpc"), .linkedLibrary("gpr")]
        ),
        .target(
            name: "CRIClient",
            dependencies: [
                "CGRPCCore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "BenchKit",
            dependencies: ["CRIClient", .product(name: "Yams", package: "Yams")],
            // The node's default settings, one file that scripts/lib.sh reads too.
            resources: [.embedInCode("Node/node-defaults.env")]
        ),
        .executableTarget(
            name: "bench",
            dependencies: [
                "CRIClient",
                "BenchKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "Integration",
            dependencies: ["CRIClient", "BenchKit"],
            path: "Tests/Integration"
        ),
        // Pure logic: runs in seconds on any machine, with no runtime and no root
        // (`swift test --filter '^Unit\.'`).
        .testTarget(
            name: "Unit",
            dependencies: ["CRIClient", "BenchKit"],
            path: "Tests/Unit"
        ),
    ]
)
