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
}
