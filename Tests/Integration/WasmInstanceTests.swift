import BenchKit
import CRIClient
import Testing

extension WasmMatrix {
    /// Wasm instances as containers, run by the wasm runtime handler.
    @Suite("Wasm instance lifecycle", .serialized, .timeLimit(.minutes(10)))
    struct WasmInstanceTests {
        let environment = TestEnvironment.shared

        func withWasmPod<Result>(
            _ client: CRIClient, name: String, module: String, _ body: (TestPod) async throws -> Result
        ) async throws -> Result {
            try await withPodSandbox(
                client, name: name, handler: environment.wasmRuntimeHandler, image: environment.wasmImage(module), body)
        }

        /// The design notes' TestWasmInstanceRestart: an instance created, started, stopped and removed,
        /// twice in one pod (the wasm fork failed with NotFound on the second start).
        static func runTwiceInOnePod(_ client: CRIClient, _ pod: TestPod, image: String) async throws {
            let config = ContainerConfig.make(name: "instance", image: image)
            for round in 1...2 {
                let id = try await createContainer(client, in: pod, config)
                try await client.startContainer(id)
                #expect(
                    try await client.containerStatus(id).state == .containerRunning,
                    "round \(round): the instance should run")
                try await client.stopContainer(id, gracePeriodSeconds: 10)
                #expect(try await client.containerStatus(id).state == .containerExited, "round \(round)")
                try await client.removeContainer(id)
            }
            #expect(try await client.listContainers(podSandboxID: pod.id).isEmpty)
        }

        /// The design notes' TestWasmInstanceRestart, which failed there with NotFound on the second start.
        @Test func wasmInstanceRestart() async throws {
            try await withRuntime { client in
                try await withWasmPod(client, name: "wasm-restart", module: "idle") { pod in
                    let status = try await client.podSandboxStatus(pod.id).status
                    #expect(status.runtimeHandler == environment.wasmRuntimeHandler)
                    try await Self.runTwiceInOnePod(client, pod, image: environment.wasmImage("idle"))
                }
            }
        }

        @Test func wasiExampleWritesArgsEnvRandomAndFileToTheLog() async throws {
            try await withRuntime { client in
                try await withWasmPod(client, name: "wasm-example", module: "wasi-example") { pod in
                    let id = try await createContainer(
                        client, in: pod,
                        .make(
                            name: "example", image: environment.wasmImage("wasi-example"),
                            args: ["first", "second arg"], environment: ["GREETING": "hello-wasm"]))
                    try await client.startContainer(id)
                    let status = try await waitUntilExited(client, id)
                    #expect(status.exitCode == 0, "reason: \(status.reason) \(status.message)")
                    let lines = containerLogLines(pod, status)
                    #expect(lines.contains("wasi-example: hello from WebAssembly"), "log: \(lines)")
                    #expect(lines.contains("arg[0]=/wasi-example.wasm"))
                    #expect(lines.contains("arg[1]=first"))
                    #expect(lines.contains("arg[2]=second arg"))
                    #expect(lines.contains("env GREETING=hello-wasm"))
                    #expect(lines.contains { $0.hasPrefix("random=") && UInt32($0.dropFirst("random=".count)) != nil })
                    #expect(lines.contains("file: this file was shipped in the wasi-example image"))
                }
            }
        }

        @Test(arguments: [0, 3, 42])
        func exitCodeReachesContainerStatus(code: Int32) async throws {
            try await withRuntime { client in
                try await withWasmPod(client, name: "wasm-exit", module: "exit-code") { pod in
                    let id = try await createContainer(
                        client, in: pod,
                        .make(
                            name: "exits", image: environment.wasmImage("exit-code"), args: ["\(code)"]))
                    try await client.startContainer(id)
                    let status = try await waitUntilExited(client, id)
                    #expect(status.exitCode == code)
                    #expect(containerLogLines(pod, status).contains("exit-code: exiting with \(code)"))
                }
            }
        }

        @Test func trapGivesNonZeroExitAndReadableReason() async throws {
            try await withRuntime { client in
                try await withWasmPod(client, name: "wasm-trap", module: "trap") { pod in
                    let id = try await createContainer(
                        client, in: pod, .make(name: "traps", image: environment.wasmImage("trap")))
                    try await client.startContainer(id)
                    let status = try await waitUntilExited(client, id)
                    #expect(status.exitCode == 134, "a trap exits 134; got \(status.exitCode)")
                    let lines = containerLogLines(pod, status)
                    #expect(lines.contains("trap: about to hit unreachable"))
                    #expect(lines.contains { $0.contains("wasm trap") && $0.contains("unreachable") }, "log: \(lines)")
                }
            }
        }

        @Test func idleModuleStopsPromptlyAndUsesNoCPU() async throws {
            try await withRuntime { client in
                try await withWasmPod(client, name: "wasm-idle", module: "idle") { pod in
                    let id = try await createContainer(
                        client, in: pod, .make(name: "idle", image: environment.wasmImage("idle")))
                    try await client.startContainer(id)
                    try await eventually("the idle module says it is ready") {
                        containerLogLines(pod, try await client.containerStatus(id)).contains("idle: ready")
                    }
                    try await Task.sleep(for: .seconds(2))
                    let stats = try await client.containerStats(id)
                    #expect(
                        stats.memory.workingSetBytes.value > 0, "ContainerStats should report the instance's memory")
                    let cpu = stats.cpu.usageCoreNanoSeconds.value
                    #expect(cpu < 1_000_000_000, "an idle instance must not spin: \(cpu) ns of CPU after ~2 s")

                    let took = try await ContinuousClock().measure {
                        try await client.stopContainer(id, gracePeriodSeconds: 10)
                    }
                    #expect(took < .seconds(5), "SIGTERM should end an idle instance at once (took \(took))")
                    let status = try await client.containerStatus(id)
                    #expect(status.state == .containerExited)
                    #expect(status.exitCode == 143, "ended by SIGTERM: 128+15; got \(status.exitCode)")
                }
            }
        }

        @Test func computeLoopIsStoppedWithinTheTimeout() async throws {
            try await withRuntime { client in
                try await withWasmPod(client, name: "wasm-spin", module: "spin") { pod in
                    let id = try await createContainer(
                        client, in: pod, .make(name: "spin", image: environment.wasmImage("spin")))
                    try await client.startContainer(id)
                    try await eventually("the spinning module started") {
                        containerLogLines(pod, try await client.containerStatus(id)).contains("spin: computing forever")
                    }
                    let took = try await ContinuousClock().measure {
                        try await client.stopContainer(id, gracePeriodSeconds: 5)
                    }
                    #expect(
                        took < .seconds(7), "StopContainer must end a compute loop within its timeout (took \(took))")
                    #expect(try await client.containerStatus(id).state == .containerExited)
                }
            }
        }

        @Test func ociContainerAndWasmInstanceSideBySide() async throws {
            try await withRuntime { client in
                try await withPodSandbox(client, name: "side-oci", handler: "runc", image: environment.busyboxImage) {
                    ociPod in
                    try await withWasmPod(client, name: "side-wasm", module: "idle") { wasmPod in
                        let oci = try await createContainer(
                            client, in: ociPod,
                            .make(
                                name: "oci", image: environment.busyboxImage,
                                command: ["sh", "-c", "echo oci-up; exec sleep 3600"]))
                        let wasm = try await createContainer(
                            client, in: wasmPod, .make(name: "wasm", image: environment.wasmImage("idle")))
                        try await client.startContainer(oci)
                        try await client.startContainer(wasm)
                        #expect(try await client.containerStatus(oci).state == .containerRunning)
                        #expect(try await client.containerStatus(wasm).state == .containerRunning)
                        #expect(try await client.podSandboxStatus(ociPod.id).status.runtimeHandler == "runc")
                        #expect(
                            try await client.podSandboxStatus(wasmPod.id).status.runtimeHandler
                                == environment.wasmRuntimeHandler)
                        let stats = try await client.listContainerStats(labels: environment.labels)
                        #expect(Set(stats.map(\.attributes.id)).isSuperset(of: [oci, wasm]))
                    }
                }
            }
        }
    }
}
