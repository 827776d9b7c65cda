import BenchKit
@testable import CRIClient
import Foundation
import Testing

/// CRIClient's transport (the gRPC C core and the completion thread its tasks run on) against
/// the real runtime: many calls, concurrent calls, calls from other executors, cancellation.
@Suite("CRI client transport", .timeLimit(.minutes(10)))
struct ClientTransportTests {
    let environment = TestEnvironment.shared

    /// containerd's grpc-go server PINGs the client on nearly every request (BDP estimation);
    /// a client that counts that as abuse (swift-nio-http2 did: over 200 in 30 s) drops its
    /// connection. One client making a benchmark's worth of quick calls must keep it.
    @Test func aThousandQuickCallsOnOneClientAllSucceed() async throws {
        try await withRuntime { client in
            var failures: [String] = []
            for index in 0..<1000 {
                do {
                    _ =
                        try await index % 2 == 0
                        ? client.version().runtimeName
                        : (client.imageStatus(TestEnvironment.shared.node.busyboxImage)?.id ?? "")
                } catch {
                    failures.append("call \(index): \(error)")
                }
            }
            #expect(failures.isEmpty, "\(failures.count) failed, first: \(failures.first ?? "")")
        }
    }

    /// Calls in flight together from many child tasks all complete with their own answers.
    @Test func concurrentCallsFromManyTasksAllSucceed() async throws {
        try await withRuntime { client in
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var names: [String] = []
                        for _ in 0..<50 { names.append(try await client.version().runtimeName) }
                        return names
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(answers.count == 400)
            #expect(!answers[0].isEmpty && answers.allSatisfy { $0 == answers[0] }, "\(Set(answers))")
        }
    }

    /// Calls in flight together on distinct objects each get the answer to their own request
    /// (four pods, each asked for its status by a task of its own, 25 times).
    @Test func concurrentCallsOnDistinctPodsEachGetTheirOwnAnswer() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "own-0") { first in
                try await withPodSandbox(client, name: "own-1") { second in
                    try await withPodSandbox(client, name: "own-2") { third in
                        try await withPodSandbox(client, name: "own-3") { fourth in
                            let pods = [first, second, third, fourth]
                            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                                for pod in pods {
                                    group.addTask {
                                        var wrong = 0
                                        for _ in 0..<25 {
                                            let status = try await client.podSandboxStatus(pod.id).status
                                            if status.id != pod.id || status.metadata.name != pod.config.metadata.name {
                                                wrong += 1
                                            }
                                        }
                                        return wrong
                                    }
                                }
                                return try await group.reduce(0, +)
                            }
                            #expect(mismatches == 0, "answers that belonged to another request")
                        }
                    }
                }
            }
        }
    }

    /// A call whose task was cancelled before the call started fails with `.cancelled` and
    /// never reaches the runtime: no pod of its name exists afterwards.
    @Test func aCallCancelledBeforeItStartsNeverReachesTheRuntime() async throws {
        try await withRuntime { client in
            let config = testPodConfig("never")
            let name = config.metadata.name
            let handler = environment.runtimeHandler
            let call = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.runPodSandbox(config, runtimeHandler: handler)
            }
            let result = await call.result
            // A request that went out would show as a pod within a moment: look for 2 s.
            var pods: [PodSandbox] = []
            for _ in 0..<10 where pods.isEmpty {
                try await Task.sleep(for: .milliseconds(200))
                pods = try await client.listPodSandbox(labels: environment.labels).filter { $0.metadata.name == name }
            }
            for pod in pods { try? await client.removePodSandboxSharing(pod.id) }
            guard case .failure(let error) = result else {
                Issue.record("the cancelled RunPodSandbox returned \(result)")
                return
            }
            #expect((error as? CRIError)?.code == .cancelled, "\(error)")
            #expect("\(error)".contains("cancelled before it started"), "the call was not started at all: \(error)")
            #expect(pods.isEmpty, "the runtime ran the pod of a call cancelled before it started")
        }
    }

    /// A method the server does not implement (a real gRPC server: the runtime's, asked for a
    /// method CRI does not have) is named as unimplemented, not as a broken runtime.
    @Test func aMethodTheServerLacksIsUnimplementedNamingIt() async throws {
        try await withRuntime { client in
            let error = await #expect(throws: CRIError.self) {
                let _: Runtime_V1_VersionResponse = try await client.perform(
                    .runtime, "NoSuchMethod", Runtime_V1_VersionRequest())
            }
            #expect(error?.code == .unimplemented, "\(String(describing: error))")
            #expect(error?.description.contains("NoSuchMethod") == true, "\(String(describing: error))")
        }
    }

    /// A server that accepts the connection and never answers: the call ends at its deadline
    /// with `.deadlineExceeded`, saying so, instead of hanging.
    @Test func aServerThatNeverAnswersEndsTheCallAtItsDeadline() async throws {
        let server = try UnixSocketServer(listening: true, silent: true)
        defer { server.close() }
        let clock = ContinuousClock()
        let began = clock.now
        let error = await #expect(throws: CRIError.self) {
            try await withCRIClient(endpoint: CRIEndpoint(socketPath: server.path), timeout: .seconds(2)) {
                try await $0.version()
            }
        }
        let took = clock.now - began
        #expect(error?.code == .deadlineExceeded, "\(String(describing: error))")
        #expect(error?.description.contains("no answer within") == true, "\(String(describing: error))")
        #expect(took >= .seconds(2) && took < .seconds(15), "the call took \(took)")
    }

    /// A task that does not prefer the client's executor (a detached task, on the global
    /// pool) still gets its answers: the completion thread is woken to run it when needed.
    @Test func callsFromATaskOnAnotherExecutorSucceed() async throws {
        try await withRuntime { client in
            let name = try await Task.detached { try await client.version().runtimeName }.value
            #expect(!name.isEmpty)
            let inPreferred = try await Task(executorPreference: client.preferredExecutor) {
                try await client.version().runtimeName
            }.value
            #expect(inPreferred == name)
        }
    }

    /// Cancelling the task of a call in flight ends the call at once with `.cancelled`
    /// (ExecSync of a 30 s sleep, cancelled after 300 ms).
    @Test func cancellingATaskCancelsItsCall() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "cancel", image: environment.busyboxImage) { pod in
                let id = try await createContainer(
                    client, in: pod, .make(name: "idle", image: environment.busyboxImage, command: ["sleep", "3600"]))
                try await client.startContainer(id)
                let clock = ContinuousClock()
                let began = clock.now
                let call = Task { try await client.execSync(id, command: ["sleep", "30"], commandTimeoutSeconds: 60) }
                try await Task.sleep(for: .milliseconds(300))
                call.cancel()
                let result = await call.result
                let took = clock.now - began
                guard case .failure(let error) = result else {
                    Issue.record("the cancelled ExecSync returned: \(result)")
                    return
                }
                let failure = try #require(error as? CRIError, "\(error)")
                #expect(failure.code == .cancelled, "\(failure)")
                #expect(failure.call == "ExecSync")
                #expect(took < .seconds(10), "the cancelled call took \(took)")
                try await client.stopContainer(id, gracePeriodSeconds: 0)
            }
        }
    }

    /// A client kept past withCRIClient fails its calls with an error, instead of touching a
    /// closed channel.
    @Test func aClientUsedAfterItsScopeFailsCleanly() async throws {
        let escaped = try await withRuntime { client in client }
        let error = await #expect(throws: CRIError.self) { try await escaped.version() }
        #expect(error?.code == .unavailable, "\(String(describing: error))")
    }
}
