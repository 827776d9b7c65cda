import BenchKit
import CRIClient
import Testing

@Suite("Container lifecycle", .serialized, .timeLimit(.minutes(10)))
struct ContainerTests {
    let environment = TestEnvironment.shared

    /// A shell that prints a marker and then waits, leaving promptly on SIGTERM with code 0
    /// (a shell as PID 1 would otherwise ignore SIGTERM).
    func waitingShell(marker: String) -> [String] {
        ["sh", "-c", "echo \(marker); trap 'exit 0' TERM; while true; do sleep 0.1; done"]
    }

    @Test func containerLifecycleWithLogAndGracefulStop() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "lifecycle", image: environment.busyboxImage) { pod in
                let marker = "cribench-hello-\(randomSuffix(length: 6))"
                let id = try await createContainer(
                    client, in: pod,
                    .make(
                        name: "waiter", image: environment.busyboxImage, command: waitingShell(marker: marker)))
                #expect(try await client.containerStatus(id).state == .containerCreated)

                try await client.startContainer(id)
                let running = try await client.containerStatus(id)
                #expect(running.state == .containerRunning)
                #expect(running.startedAt > 0)

                try await eventually("the marker appears in the container's CRI log") {
                    containerLogLines(pod, try await client.containerStatus(id)).contains(marker)
                }

                let clock = ContinuousClock()
                let took = try await clock.measure { try await client.stopContainer(id, gracePeriodSeconds: 10) }
                #expect(
                    took < .seconds(10),
                    "a container that exits on SIGTERM must stop before the grace period ends (took \(took))")
                let stopped = try await client.containerStatus(id)
                #expect(stopped.state == .containerExited)
                #expect(
                    stopped.exitCode == 0, "the trap exits 0 on SIGTERM; got \(stopped.exitCode) (\(stopped.reason))")
                #expect(stopped.finishedAt >= stopped.startedAt)

                try await client.removeContainer(id)
                #expect(try await client.listContainers(podSandboxID: pod.id).isEmpty)
            }
        }
    }

    /// The benchmark's OCI idle workload must leave on SIGTERM, or StopContainer's figure
    /// would measure the grace period instead of the runtime.
    @Test func benchmarkIdleWorkloadLeavesOnSIGTERM() async throws {
        let workload = Workload.defaultOCI(handler: environment.runtimeHandler)
        try await withRuntime { client in
            try await withPodSandbox(client, name: "bench-idle", image: workload.idleImage) { pod in
                let id = try await createContainer(
                    client, in: pod,
                    .make(
                        name: "idle", image: workload.idleImage, command: workload.idleCommand))
                try await client.startContainer(id)
                try await eventually("the idle workload says it is ready") {
                    containerLogLines(pod, try await client.containerStatus(id)).contains("ready")
                }
                let clock = ContinuousClock()
                let took = try await clock.measure { try await client.stopContainer(id, gracePeriodSeconds: 30) }
                let status = try await client.containerStatus(id)
                #expect(
                    status.exitCode == 0,
                    "left by its SIGTERM trap, not killed; got \(status.exitCode) (\(status.reason))")
                #expect(took < .seconds(5), "StopContainer took \(took) with a 30 s grace period")
            }
        }
    }

    @Test func exitCodeReachesContainerStatus() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "exitcode", image: environment.busyboxImage) { pod in
                let (_, status) = try await runToExit(
                    client, in: pod,
                    .make(
                        name: "exits", image: environment.busyboxImage, command: ["sh", "-c", "echo bye; exit 7"]))
                #expect(status.exitCode == 7)
                #expect(status.reason == "Error")
                #expect(containerLogLines(pod, status).contains("bye"))
            }
        }
    }

    @Test func containerIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "stubborn", image: environment.busyboxImage) { pod in
                let id = try await createContainer(
                    client, in: pod,
                    .make(
                        name: "stubborn", image: environment.busyboxImage,
                        command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]))
                try await client.startContainer(id)
                let clock = ContinuousClock()
                let took = try await clock.measure { try await client.stopContainer(id, gracePeriodSeconds: 1) }
                #expect(
                    took >= .seconds(1) && took < .seconds(15),
                    "SIGKILL should follow a 1 s grace period (took \(took))")
                let status = try await client.containerStatus(id)
                #expect(status.state == .containerExited)
                #expect(status.exitCode == 137, "killed by SIGKILL: 128+9; got \(status.exitCode)")
            }
        }
    }

    @Test func execSyncRunsInTheContainer() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "exec", image: environment.busyboxImage) { pod in
                let id = try await createContainer(
                    client, in: pod,
                    .make(
                        name: "target", image: environment.busyboxImage, command: waitingShell(marker: "up")))
                try await client.startContainer(id)
                let result = try await client.execSync(id, command: ["sh", "-c", "echo from-exec; exit 3"])
                #expect(String(decoding: result.stdout, as: UTF8.self) == "from-exec\n")
                #expect(result.exitCode == 3)
            }
        }
    }

    @Test func statsReportMemoryOfARunningContainer() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "stats", image: environment.busyboxImage) { pod in
                let id = try await createContainer(
                    client, in: pod,
                    .make(
                        name: "measured", image: environment.busyboxImage, command: waitingShell(marker: "up"),
                        memoryLimitBytes: 64 * 1024 * 1024))
                try await client.startContainer(id)
                try await eventually("ContainerStats reports a working set") {
                    try await client.containerStats(id).memory.workingSetBytes.value > 0
                }
                let listed = try await client.listContainerStats(podSandboxID: pod.id)
                #expect(listed.contains { $0.attributes.id == id })
            }
        }
    }

    /// The design notes' TestWasmInstanceRestart flow, on the suite's handler: a container removed and
    /// created again under the same name starts again.
    @Test func containerRestartUnderTheSameName() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "restart", image: environment.busyboxImage) { pod in
                let config = ContainerConfig.make(
                    name: "instance", image: environment.busyboxImage, command: waitingShell(marker: "first"))
                let first = try await createContainer(client, in: pod, config)
                try await client.startContainer(first)
                #expect(try await client.containerStatus(first).state == .containerRunning)
                try await client.stopContainer(first, gracePeriodSeconds: 10)
                try await client.removeContainer(first)

                let second = try await createContainer(client, in: pod, config)
                #expect(second != first)
                try await client.startContainer(second)
                let status = try await client.containerStatus(second)
                #expect(status.state == .containerRunning)
                #expect(status.metadata.name == "instance")
                try await client.stopContainer(second, gracePeriodSeconds: 10)
                try await client.removeContainer(second)
                #expect(try await client.listContainers(podSandboxID: pod.id).isEmpty)
            }
        }
    }
}
