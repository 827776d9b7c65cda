import BenchKit
import CRIClient
import Foundation
import Testing

/// A short real run of every flow against the running runtime (CONTAINER_RUNTIME_ENDPOINT,
/// else CRIBench's own): each scenario produces samples for both kinds, and the run leaves
/// nothing behind.
@Suite("Short real run", .serialized, .timeLimit(.minutes(10)))
struct ShortRunTests {
    @Test func everyFlowProducesSamplesForBothKinds() async throws {
        let node = try NodeSettings.load()
        let endpoint = try CRIEndpoint.fromEnvironment(fallback: node.endpoint)
        let ledger = ImageLedger(directory: NSTemporaryDirectory() + "cribench-short-run-ledger-\(getpid())")
        try ledger.prepare()
        // The skeleton bench run uses: the run lock (a bench started during the test is refused
        // instead of pulling and removing images under it), and the runtime left as found.
        let setup = BenchRunSetup(endpoint: endpoint, callTimeout: .seconds(60), runID: RunID.make(), ledger: ledger)
        let flows: [any Flow] = [ImageLifecycleFlow(), PodLifecycleFlow(), ContainerLifecycleFlow(), EndToEndFlow()]
        let (results, signal) = try await withBenchRun(setup, progress: { _ in }) { session in
            ResultSet(runID: setup.runID.value, environment: session.environment(handlers: [:]))
        } measure: { session, results in
            // The image flow may only pull and remove images the node does not hold already (a
            // user may have pulled busybox by hand): take the first candidate that is absent.
            let client = session.client
            let ociImage = try #require(
                try await client.firstAbsentImage([node.busyboxImage, node.imageTestImage]),
                "every OCI candidate image is present on the node; remove one of them")
            let wasmImage = try #require(
                try await client.firstAbsentImage(["wasi-example", "hello", "exit-code"].map(node.wasmImage)),
                "every wasm candidate image is present on the node; remove one of them")
            let oci = Workload.defaultOCI(), wasm = Workload.defaultWasm()
            let sides = [
                Workload(
                    kind: .oci, image: ociImage, idleImage: oci.idleImage, idleCommand: oci.idleCommand,
                    runtimeHandler: oci.runtimeHandler),
                Workload(
                    kind: .wasm, image: wasmImage, idleImage: wasm.idleImage, idleCommand: wasm.idleCommand,
                    runtimeHandler: wasm.runtimeHandler),
            ]
            let plan = SamplingPlan(samples: 2, warmup: 1, flowBudget: nil, sides: sides)
            await Sampler(plan: plan, context: session.context) { _ in }.run(flows, into: &results)
        }
        #expect(signal == nil)
        try await withCRIClient(endpoint: endpoint) { client in
            let selector = Ownership.labels(run: setup.runID)
            let pods = try await client.listPodSandbox(labels: selector)
            let containers = try await client.listContainers(labels: selector)
            #expect(
                pods.isEmpty && containers.isEmpty, "the run left \(pods.count) pods and \(containers.count) containers"
            )
        }
        #expect(results.errors.isEmpty, "\(results.errors)")
        let expected = [
            "ImageInCri": ["pull", "status", "list", "remove"], "PodSandboxInCri": ["run", "status", "stop", "remove"],
            "ContainerInCri": ["create", "start", "status", "stop", "remove"],
            "EndToEnd": ["run-to-first-line", "teardown"],
        ]
        #expect(results.flows == expected)
        for (flow, operations) in expected {
            for operation in operations {
                for kind in [WorkloadKind.oci, .wasm] {
                    let samples = results.samples(flow: flow, operation: operation, kind: kind)
                    #expect(samples?.samplesNs.count == 2, "\(flow)/\(operation)/\(kind.rawValue)")
                    #expect(samples?.samplesNs.allSatisfy { $0 > 0 } == true)
                }
            }
        }
        #expect(results.harnessOverheadNs.count == 8, "one overhead sample per measured sample of each flow")
    }
}
