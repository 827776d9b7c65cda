import BenchKit
import Foundation
import Testing

@Suite("Node settings (cribench.env)")
struct NodeSettingsTests {
    func stateDirectory(env: String?) throws -> String {
        let directory = NSTemporaryDirectory() + "cribench-settings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let env { try env.write(toFile: directory + "/cribench.env", atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func defaultsWithoutAFileFollowTheStateDirectory() throws {
        let directory = try stateDirectory(env: nil)
        let settings = try NodeSettings.load(environment: ["CRIBENCH_STATE_DIR": directory])
        #expect(settings.socketPath == directory + "/run/containerd.sock")
        #expect(settings.podLogRoot == directory + "/pod-logs")
        #expect(settings.busyboxImage == "127.0.0.1:5000/cribench/busybox:1.35")
        #expect(settings.sourceFile == nil)
    }

    @Test func theFileMovesImagesSocketAndCgroupAndTheEnvironmentWins() throws {
        let directory = try stateDirectory(
            env: """
                # written by start-containerd.sh
                CRIBENCH_REGISTRY=127.0.0.1:5099
                CRIBENCH_SOCKET=/tmp/other.sock
                CRIBENCH_CGROUP_PARENT=/cribench-other
                CRIBENCH_SUBNET=10.77.0.0/16

                """)
        let fromFile = try NodeSettings.load(environment: ["CRIBENCH_STATE_DIR": directory])
        #expect(fromFile.busyboxImage == "127.0.0.1:5099/cribench/busybox:1.35")
        #expect(fromFile.wasmImage("idle") == "127.0.0.1:5099/cribench/wasm-idle:1")
        #expect(fromFile.endpoint.socketPath == "/tmp/other.sock")
        #expect(fromFile.cgroupParent == "/cribench-other")
        #expect(fromFile.sourceFile == directory + "/cribench.env")
        let overridden = try NodeSettings.load(environment: [
            "CRIBENCH_STATE_DIR": directory, "CRIBENCH_CGROUP_PARENT": "/mine",
        ])
        #expect(overridden.cgroupParent == "/mine")
        #expect(overridden.registry == "127.0.0.1:5099")
    }

    @Test func theFileIsFoundBesideTheEndpointsSocket() throws {
        let directory = try stateDirectory(env: "CRIBENCH_REGISTRY=127.0.0.1:5098\n")
        let emptyDefault = try stateDirectory(env: nil)
        let endpoint = ["CONTAINER_RUNTIME_ENDPOINT": "unix://\(directory)/run/containerd.sock"]
        let settings = try NodeSettings.load(environment: endpoint, defaultDirectory: emptyDefault)
        #expect(settings.registry == "127.0.0.1:5098")
        #expect(settings.stateDirectory == directory)
        // A file in the default state directory comes first.
        let withFile = try stateDirectory(env: "CRIBENCH_REGISTRY=127.0.0.1:5097\n")
        let preferred = try NodeSettings.load(environment: endpoint, defaultDirectory: withFile)
        #expect(preferred.registry == "127.0.0.1:5097" && preferred.stateDirectory == withFile)
    }

    @Test func aMalformedLineIsRefusedNamingFileAndLine() throws {
        let directory = try stateDirectory(env: "CRIBENCH_REGISTRY=x\nnot a setting\n")
        #expect { try NodeSettings.load(environment: ["CRIBENCH_STATE_DIR": directory]) } throws: {
            "\($0)".contains(directory + "/cribench.env:2") && "\($0)".contains("start-containerd.sh")
        }
    }

    @Test(arguments: [
        ("10.88.0.0/16", "10.88.3.4", true), ("10.88.0.0/16", "10.89.0.1", false),
        ("10.89.0.0/24", "10.89.0.200", true), ("10.89.0.0/24", "10.89.1.2", false), ("bogus", "10.0.0.1", false),
    ])
    func subnetMembership(subnet: String, address: String, inside: Bool) throws {
        let directory = try stateDirectory(env: "CRIBENCH_SUBNET=\(subnet)\n")
        #expect(try NodeSettings.load(environment: ["CRIBENCH_STATE_DIR": directory]).subnetContains(address) == inside)
    }

    /// scripts/lib.sh and bench read one file of defaults; with no file and no variable they
    /// must come out alike, key by key (a default hard-coded on either side would differ).
    @Test func theScriptsAndBenchComeToTheSameDefaults() throws {
        // Not created: a state directory that does not exist under root's / passes lib.sh's trust check.
        let directory = "/nonexistent-cribench-\(UUID().uuidString.prefix(8))"
        let library = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/lib.sh").path
        let keys = [
            "CRIBENCH_SOCKET", "CRIBENCH_REGISTRY", "CRIBENCH_CGROUP_PARENT", "CRIBENCH_BRIDGE", "CRIBENCH_SUBNET",
            "CRIBENCH_PAUSE_IMAGE", "CRIBENCH_BUSYBOX_IMAGE", "CRIBENCH_IMAGETEST_IMAGE", "CRIBENCH_POD_LOG_ROOT",
        ]
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/bin/bash")
        bash.arguments =
            [
                "-c", #"source "$1"; shift; for key in "$@"; do printf '%s=%s\n' "$key" "${!key}"; done"#, "lib.sh",
                library,
            ] + keys
        bash.environment = ["PATH": "/usr/bin:/bin", "CRIBENCH_STATE_DIR": directory]
        let output = Pipe()
        bash.standardOutput = output
        try bash.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        bash.waitUntilExit()
        try #require(bash.terminationStatus == 0, "sourcing \(library) failed")
        let scripts = Dictionary(
            uniqueKeysWithValues: text.split(separator: "\n").map { line in
                let parts = line.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            })
        let bench = try NodeSettings.load(environment: ["CRIBENCH_STATE_DIR": directory], defaultDirectory: directory)
        let benchValues = [
            "CRIBENCH_SOCKET": bench.socketPath, "CRIBENCH_REGISTRY": bench.registry,
            "CRIBENCH_CGROUP_PARENT": bench.cgroupParent, "CRIBENCH_BRIDGE": bench.bridge,
            "CRIBENCH_SUBNET": bench.subnet, "CRIBENCH_PAUSE_IMAGE": bench.pauseImage,
            "CRIBENCH_BUSYBOX_IMAGE": bench.busyboxImage, "CRIBENCH_IMAGETEST_IMAGE": bench.imageTestImage,
            "CRIBENCH_POD_LOG_ROOT": bench.podLogRoot,
        ]
        for key in keys {
            #expect(
                scripts[key] == benchValues[key],
                "\(key): lib.sh \(scripts[key] ?? "-"), bench \(benchValues[key] ?? "-")")
        }
        #expect(bench.socketPath == directory + "/run/containerd.sock", "the state directory is filled in")
    }
}
