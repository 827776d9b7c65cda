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
        let runID = RunID.make()
        let node = try NodeSettings.load()
        let endpoint = try CRIEndpoint.fromEnvironment(fallback: node.endpoint)
        // The suite's own flows take the run lock as `bench run` does: a bench started during
        // them is refused instead of pulling and removing images under them.
        let lock = try RuntimeLock.acquire(for: endpoint)
        defer { withExtendedLifetime(lock) {} }
        let results = try await withCRIClient(endpoint: endpoint) { client in
            let tracker = ResourceTracker()
            let context = FlowContext(client: client, tracker: tracker, runID: runID, podLogRoot: node.podLogRoot, cgroupParent: node.cgroupParent)
            // The image flow may only pull and remove images the node does not hold already (a
            // user may have pulled busybox by hand): take the first candidate that is absent.
            let ociImage = try #require(try await client.firstAbsentImage([node.busyboxImage, node.imageTestImage]),
                                        "every OCI candidate image is present on the node; remove one of them")
            let wasmImage = try #require(try await client.firstAbsentImage(["wasi-example", "hello", "exit-code"].map(node.wasmImage)),
                                         "every wasm candidate image is present on the node; remove one of them")
            let oci = Workload.defaultOCI(), wasm = Workload.defaultWasm()
            let sides = [
                Workload(kind: .oci, image: ociImage, idleImage: oci.idleImage, idleCommand: oci.idleCommand, runtimeHandler: oci.runtimeHandler),
                Workload(kind: .wasm, image: wasmImage, idleImage: wasm.idleImage, idleCommand: wasm.idleCommand, runtimeHandler: wasm.runtimeHandler),
            ]
            let plan = SamplingPlan(samples: 2, warmup: 1, flowBudget: nil, sides: sides)
            var results = ResultSet(runID: runID.value, environment: .current(runtime: "test", endpoint: client.endpoint.description, handlers: [:]))
            await Sampler(plan: plan, context: context) { _ in }
                .run([ImageLifecycleFlow(), PodLifecycleFlow(), ContainerLifecycleFlow(), EndToEndFlow()], into: &results)
            let failures = await tracker.removeAll(using: client)
            #expect(failures.isEmpty, "cleanup: \(failures)")
            let selector = Ownership.labels(run: runID)
            let pods = try await client.listPodSandbox(labels: selector)
            let containers = try await client.listContainers(labels: selector)
            #expect(pods.isEmpty && containers.isEmpty, "the run left \(pods.count) pods and \(containers.count) containers")
            return results
        }
        #expect(results.errors.isEmpty, "\(results.errors)")
        let expected = ["ImageInCri": ["pull", "status", "list", "remove"], "PodSandboxInCri": ["run", "status", "stop", "remove"],
                        "ContainerInCri": ["create", "start", "status", "stop", "remove"], "EndToEnd": ["run-to-first-line", "teardown"]]
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
