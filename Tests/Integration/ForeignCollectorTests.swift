import BenchKit
import CRIClient
import Foundation
import Testing

/// Living beside a kubelet: its garbage collector removes exited containers and not-ready
/// sandboxes of pods it does not know, which bench's are. Here a second client of the same
/// socket does that to the run's containers and sandboxes as soon as they exit, while bench run
/// goes on; the run must finish and report every op, taking "already gone" as done.
@Suite("Beside another client's garbage collector", .serialized, .timeLimit(.minutes(5)))
struct ForeignCollectorTests {
    actor Reaped {
        var containers = 0, sandboxes = 0
        var done = false
        func add(containers: Int, sandboxes: Int) { self.containers += containers; self.sandboxes += sandboxes }
        func finish() { done = true }
    }

    @Test func aRunThatLosesItsExitedContainersToAnotherClientStillCompletes() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-gc-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let reaped = Reaped()
        let running = Task.detached {
            defer { Task { await reaped.finish() } }
            return try BenchProcess.run(
                [
                    "run", "--flows", "container,e2e,pod", "--samples", "8", "--warmup", "0", "--stop-timeout", "0",
                    "--results-dir", scratch,
                ], environment: ["CRIBENCH_LEDGER_DIR": "\(scratch)/ledger"])
        }
        // The collector: CRIBench's pods only (the suite runs one test at a time, so they are
        // the run's), exited containers and not-ready sandboxes, every 20 ms.
        try await withRuntime { client in
            let owned = [Ownership.ownerLabel: Ownership.ownerValue]
            while !(await reaped.done) {
                var containers = 0, sandboxes = 0
                for container in (try? await client.listContainers(labels: owned)) ?? []
                where container.state == .containerExited {
                    if (try? await client.removeContainer(container.id)) != nil { containers += 1 }
                }
                for pod in (try? await client.listPodSandbox(labels: owned)) ?? [] where pod.state == .sandboxNotready {
                    if (try? await client.removePodSandbox(pod.id)) != nil { sandboxes += 1 }
                }
                await reaped.add(containers: containers, sandboxes: sandboxes)
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let run = try await running.value
        let (containers, sandboxes) = (await reaped.containers, await reaped.sandboxes)
        #expect(containers + sandboxes > 0, "the collector should have taken something from under the run")
        #expect(
            run.code == 0,
            Comment(
                rawValue:
                    "bench run failed beside the collector (it took \(containers) container(s), \(sandboxes) "
                    + "sandbox(es)): "
                    + "\(run.err.suffix(1500))")
        )
        for op in ["ContainerInCri/op=remove", "EndToEnd/op=teardown", "PodSandboxInCri/op=remove"] {
            #expect(
                run.out.contains("Benchmark\(op)/kind=oci-") && run.out.contains("Benchmark\(op)/kind=wasm-"),
                "\(op) missing")
        }
    }
}
