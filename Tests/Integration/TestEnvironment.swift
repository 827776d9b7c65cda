import BenchKit
import CRIClient
import Foundation
import Testing

/// The suite's inputs, read once from the environment (after containerd's integration suite):
/// CONTAINER_RUNTIME_ENDPOINT, CRI_RUNTIME_HANDLER (default runc) for the OCI suites,
/// CRI_WASM_RUNTIME_HANDLER (default wasm) for the Wasm suites, and the images to use.
struct TestEnvironment: Sendable {
    static let shared = TestEnvironment()

    let endpoint: CRIEndpoint
    let endpointError: CRIError?
    /// The handler pods are run with; "runc" unless CRI_RUNTIME_HANDLER says otherwise.
    let runtimeHandler: String
    /// The handler the Wasm suites run wasm modules with.
    let wasmRuntimeHandler: String
    let busyboxImage: String
    let imageTestImage: String
    let podLogRoot: String
    /// One id for the whole test process: every pod and container it makes is labelled with it.
    let runID: RunID
    let callTimeout: Duration

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        do {
            endpoint = try CRIEndpoint.fromEnvironment()
            endpointError = nil
        } catch {
            endpoint = .cribenchDefault
            endpointError = error
        }
        runtimeHandler = environment["CRI_RUNTIME_HANDLER"].flatMap { $0.isEmpty ? nil : $0 } ?? "runc"
        wasmRuntimeHandler = environment["CRI_WASM_RUNTIME_HANDLER"].flatMap { $0.isEmpty ? nil : $0 } ?? "wasm"
        busyboxImage = environment["CRIBENCH_BUSYBOX_IMAGE"] ?? Defaults.busyboxImage
        imageTestImage = environment["CRIBENCH_IMAGETEST_IMAGE"] ?? Defaults.imageTestImage
        podLogRoot = environment["CRIBENCH_POD_LOG_ROOT"] ?? Defaults.podLogRoot
        runID = RunID.make()
        callTimeout = .seconds(Int(environment["CRIBENCH_TEST_CALL_TIMEOUT"] ?? "") ?? 60)
    }

    var labels: [String: String] { Ownership.labels(run: runID) }

    /// CRIBench's state directory (CRIBENCH_STATE_DIR, else the socket's grandparent, as
    /// scripts/start-containerd.sh lays it out).
    var stateDirectory: String {
        ProcessInfo.processInfo.environment["CRIBENCH_STATE_DIR"]
            ?? URL(fileURLWithPath: endpoint.socketPath).deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// One of CRIBench's wasm images (scripts/build-wasm-images.sh), e.g. "idle".
    func wasmImage(_ name: String) -> String { Defaults.wasmImage(name) }
}
