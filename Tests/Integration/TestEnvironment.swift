import BenchKit
import CRIClient
import Foundation
import Testing

/// The suite's inputs, read once from the environment (after containerd's integration suite):
/// CONTAINER_RUNTIME_ENDPOINT, CRI_RUNTIME_HANDLER (default runc) for the OCI suites,
/// CRI_WASM_RUNTIME_HANDLER (default wasm) for the Wasm suites; images, registry, subnet and
/// paths from the node settings the start script recorded (NodeSettings).
struct TestEnvironment: Sendable {
    static let shared = TestEnvironment()

    let endpoint: CRIEndpoint
    let endpointError: (any Error)?
    /// The handler pods are run with; "runc" unless CRI_RUNTIME_HANDLER says otherwise.
    let runtimeHandler: String
    /// The handler the Wasm suites run wasm modules with.
    let wasmRuntimeHandler: String
    /// The node's settings (cribench.env of the runtime's state directory, CRIBENCH_* overrides).
    let node: NodeSettings
    let busyboxImage: String
    let imageTestImage: String
    let podLogRoot: String
    /// One id for the whole test process: every pod and container it makes is labelled with it.
    let runID: RunID
    let callTimeout: Duration

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var loadError: (any Error)?
        do { node = try NodeSettings.load(environment: environment) } catch {
            node = NodeSettings.current
            loadError = error
        }
        do {
            endpoint = try CRIEndpoint.fromEnvironment(fallback: node.endpoint)
            endpointError = loadError
        } catch {
            endpoint = node.endpoint
            endpointError = error
        }
        runtimeHandler = environment["CRI_RUNTIME_HANDLER"].flatMap { $0.isEmpty ? nil : $0 } ?? "runc"
        wasmRuntimeHandler = environment["CRI_WASM_RUNTIME_HANDLER"].flatMap { $0.isEmpty ? nil : $0 } ?? "wasm"
        busyboxImage = node.busyboxImage
        imageTestImage = node.imageTestImage
        podLogRoot = node.podLogRoot
        runID = RunID.make()
        callTimeout = .seconds(Int(environment["CRIBENCH_TEST_CALL_TIMEOUT"] ?? "") ?? 60)
    }

    var labels: [String: String] { Ownership.labels(run: runID) }

    /// CRIBench's state directory, as scripts/start-containerd.sh lays it out.
    var stateDirectory: String { node.stateDirectory }

    /// One of CRIBench's wasm images (scripts/build-wasm-images.sh), e.g. "idle".
    func wasmImage(_ name: String) -> String { node.wasmImage(name) }
}
