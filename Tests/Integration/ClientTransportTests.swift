import BenchKit
import CRIClient
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
                    _ = try await index % 2 == 0 ? client.version().runtimeName : (client.imageStatus(TestEnvironment.shared.node.busyboxImage)?.id ?? "")
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

    /// A task that does not prefer the client's executor (a detached task, on the global
    /// pool) still gets its answers: the completion thread is woken to run it when needed.
    @Test func callsFromATaskOnAnotherExecutorSucceed() async throws {
        try await withRuntime { client in
            let name = try await Task.detached { try await client.version().runtimeName }.value
            #expect(!name.isEmpty)
            let inPreferred = try await Task(executorPreference: client.preferredExecutor) { try await client.version().runtimeName }.value
            #expect(inPreferred == name)
        }
    }

    /// Cancelling the task of a call in flight ends the call at once with `.cancelled`
    /// (ExecSync of a 30 s sleep, cancelled after 300 ms).
    @Test func cancellingATaskCancelsItsCall() async throws {
        try await withRuntime { client in
            try await withPodSandbox(client, name: "cancel", image: environment.busyboxImage) { pod in
                let id = try await createContainer(client, in: pod, .make(name: "idle", image: environment.busyboxImage, command: ["sleep", "3600"]))
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
