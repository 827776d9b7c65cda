import CRIClient
import Foundation

/// Where CRIBench's runtime lives on this node and which images it serves: the values
/// scripts/start-containerd.sh started it with. The start script is their one source: it writes
/// them to `cribench.env` in its state directory, and the scripts, `bench` and the test suite
/// all read that file, so an override given to the start script (CRIBENCH_REGISTRY,
/// CRIBENCH_SUBNET, …) moves every one of them together.
///
/// Precedence, as in scripts/lib.sh: a CRIBENCH_* environment variable, then the state
/// directory's `cribench.env`, then the built-in default.
public struct NodeSettings: Sendable, Equatable {
    public var stateDirectory: String
    public var socketPath: String
    public var registry: String
    public var cgroupParent: String
    public var subnet: String
    public var bridge: String
    public var pauseImage: String
    public var busyboxImage: String
    /// An image no other test uses, so removing it cannot disturb them (same layer as busybox,
    /// its own config, so its own image id).
    public var imageTestImage: String
    public var podLogRoot: String
    /// The env file the values came from, when one was read.
    public var sourceFile: String?

    public static let defaultStateDirectory = defaultValue("CRIBENCH_STATE_DIR")
    public static let envFileName = "cribench.env"

    /// The settings of this process's environment, read once.
    /// An unreadable env file keeps at least the caller's explicit values (and `load()`, which
    /// every command that reaches the runtime calls, reports the file's fault).
    public static let current: NodeSettings =
        (try? load())
        ?? {
            let explicit = ProcessInfo.processInfo.environment.filter {
                $0.key.hasPrefix("CRIBENCH_") && !$0.value.isEmpty
            }
            return NodeSettings(
                values: explicit, stateDirectory: explicit["CRIBENCH_STATE_DIR"] ?? defaultStateDirectory)
        }()

    /// Reads the settings. The env file is `$CRIBENCH_STATE_DIR/cribench.env`; without
    /// CRIBENCH_STATE_DIR, the default state directory's, or else the one beside the socket
    /// CONTAINER_RUNTIME_ENDPOINT names (`STATE/run/containerd.sock`).
    /// `defaultDirectory` stands in for the default state directory (tests give one of their own).
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        defaultDirectory: String = defaultStateDirectory
    ) throws -> NodeSettings {
        let explicit = environment.filter { $0.key.hasPrefix("CRIBENCH_") && !$0.value.isEmpty }
        var stateDirectory = explicit["CRIBENCH_STATE_DIR"] ?? defaultDirectory
        var file = stateDirectory + "/" + envFileName
        if explicit["CRIBENCH_STATE_DIR"] == nil, !FileManager.default.fileExists(atPath: file),
            let endpoint = environment[CRIEndpoint.environmentVariable],
            let parsed = try? CRIEndpoint(parsing: endpoint)
        {
            let beside = URL(fileURLWithPath: parsed.socketPath).deletingLastPathComponent().deletingLastPathComponent()
                .path
            if FileManager.default.fileExists(atPath: beside + "/" + envFileName) {
                stateDirectory = beside
                file = beside + "/" + envFileName
            }
        }
        var values: [String: String] = [:]
        var source: String?
        if FileManager.default.fileExists(atPath: file) {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw BenchError(
                    "cannot read CRIBench's node settings \(file): \(error.localizedDescription); restart the runtime "
                        + "with scripts/start-containerd.sh"
                )
            }
            values = try EnvFile.parse(text, file: file)
            source = file
        }
        values.merge(explicit) { _, override in override }
        var settings = NodeSettings(values: values, stateDirectory: values["CRIBENCH_STATE_DIR"] ?? stateDirectory)
        settings.sourceFile = source
        return settings
    }

    init(values: [String: String], stateDirectory: String) {
        self.stateDirectory = stateDirectory
        let registryValue = values["CRIBENCH_REGISTRY"] ?? Self.defaultValue("CRIBENCH_REGISTRY")
        // A setting's value, else its default with the state directory and registry filled in.
        func value(_ key: String) -> String {
            if let given = values[key] { return given }
            return Self.defaultValue(key).replacingOccurrences(of: "${CRIBENCH_STATE_DIR}", with: stateDirectory)
                .replacingOccurrences(of: "${CRIBENCH_REGISTRY}", with: registryValue)
        }
        registry = registryValue
        socketPath = value("CRIBENCH_SOCKET")
        cgroupParent = value("CRIBENCH_CGROUP_PARENT")
        subnet = value("CRIBENCH_SUBNET")
        bridge = value("CRIBENCH_BRIDGE")
        pauseImage = value("CRIBENCH_PAUSE_IMAGE")
        busyboxImage = value("CRIBENCH_BUSYBOX_IMAGE")
        imageTestImage = value("CRIBENCH_IMAGETEST_IMAGE")
        podLogRoot = value("CRIBENCH_POD_LOG_ROOT")
    }

    /// The defaults, as node-defaults.env (beside this file) writes them; scripts/lib.sh reads
    /// the same file.
    static let defaults: [String: String] = {
        let text = String(decoding: PackageResources.node_defaults_env, as: UTF8.self)
        guard let parsed = try? EnvFile.parse(text, file: "node-defaults.env") else {
            preconditionFailure("node-defaults.env, built into bench, is not KEY=VALUE lines")
        }
        return parsed
    }()

    static func defaultValue(_ key: String) -> String {
        guard let value = defaults[key] else {
            preconditionFailure("node-defaults.env, built into bench, has no \(key)")
        }
        return value
    }

    /// CRIBench's own containerd, the endpoint used when none is given.
    public var endpoint: CRIEndpoint { CRIEndpoint(socketPath: socketPath) }

    /// One of the wasm images scripts/build-wasm-images.sh pushes (wasi-example, idle,
    /// exit-code, spin, memory-hog, trap, hello, invalid, …).
    public func wasmImage(_ name: String) -> String { "\(registry)/cribench/wasm-\(name):1" }

    /// Whether `address` (dotted IPv4) lies in the pods' subnet.
    public func subnetContains(_ address: String) -> Bool {
        guard let (network, prefix) = Self.parseCIDR(subnet), let host = Self.parseIPv4(address) else { return false }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return host & mask == network & mask
    }

    static func parseCIDR(_ text: String) -> (UInt32, UInt32)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = parseIPv4(String(parts[0])), let prefix = UInt32(parts[1]), prefix <= 32
        else { return nil }
        return (address, prefix)
    }

    static func parseIPv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).map { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 != nil && $0! <= 255 }) else { return nil }
        return octets.reduce(0) { $0 << 8 | $1! }
    }
}
