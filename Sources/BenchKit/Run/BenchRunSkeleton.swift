import CRIClient
import Foundation

/// What a measuring command's report carries that the run skeleton fills in at the end.
public protocol RunReport: Sendable {
    var errors: [String] { get set }
    var partial: Bool { get set }
    var finishedAt: Date? { get set }
}

/// What a run has while it measures: the client, the flow context (tracker, run id, labels)
/// and the runtime's name and version as Version reported them.
public struct BenchRunSession: Sendable {
    public let endpoint: CRIEndpoint
    public let context: FlowContext
    /// "containerd 1.6.20", from Version.
    public let runtime: String
    public var client: CRIClient { context.client }
    public var runID: RunID { context.runID }

    /// This machine and runtime, with the handler of each side.
    public func environment(handlers: [String: String]) -> ResultSet.Environment {
        .current(runtime: runtime, endpoint: endpoint.description, handlers: handlers)
    }
}

/// How a run reaches the runtime and what it may leave behind.
public struct BenchRunSetup: Sendable {
    public var endpoint: CRIEndpoint
    public var callTimeout: Duration
    public var runID: RunID
    public var ledger: ImageLedger
    /// The grace period of the flows' timed StopContainer; teardown never waits.
    public var stopGracePeriodSeconds: Int64

    public init(
        endpoint: CRIEndpoint, callTimeout: Duration, runID: RunID, ledger: ImageLedger,
        stopGracePeriodSeconds: Int64 = FlowContext.defaultStopGracePeriodSeconds
    ) {
        self.endpoint = endpoint
        self.callTimeout = callTimeout
        self.runID = runID
        self.ledger = ledger
        self.stopGracePeriodSeconds = stopGracePeriodSeconds
    }
}

/// The skeleton of every measuring command (`bench run`, `bench scale`, `bench pod`): takes the
/// runtime's run lock, says when the runtime runs pods that are not CRIBench's, measures in a
/// task that SIGINT or SIGTERM cancels, then leaves the runtime as it found it (tracked
/// resources, then anything labelled with the run or in its ledger, then `cleanUp`), also after
/// a failure or a signal. An error `measure` throws ends the measuring and is kept in the
/// report, which is partial when it holds any error.
public func withBenchRun<Report: RunReport>(
    _ setup: BenchRunSetup,
    progress: @escaping @Sendable (String) -> Void,
    start: (BenchRunSession) async throws -> Report,
    measure: @escaping @Sendable (BenchRunSession, inout Report) async throws -> Void,
    cleanUp: @escaping @Sendable (BenchRunSession) async -> Void = { _ in }
) async throws -> (results: Report, signal: Int32?) {
    let lock = try RuntimeLock.acquire(for: setup.endpoint)
    defer { withExtendedLifetime(lock) {} }
    let signals = SignalTrap(progress: progress)
    return try await withCRIClient(endpoint: setup.endpoint, timeout: setup.callTimeout) { client in
        let version = try await client.version()
        try await BenchRunCleanup.warnAboutForeignPods(client, progress: progress)
        let tracker = ResourceTracker(
            recordingImagesIn: setup.ledger, run: setup.runID.value,
            endpoint: setup.endpoint.description)
        let context = FlowContext(
            client: client, tracker: tracker, runID: setup.runID,
            stopGracePeriodSeconds: setup.stopGracePeriodSeconds)
        let session = BenchRunSession(
            endpoint: setup.endpoint, context: context,
            runtime: "\(version.runtimeName) \(version.runtimeVersion)")
        let initial = try await start(session)
        let measuring = Task(executorPreference: client.preferredExecutor) {
            var report = initial
            do {
                try await measure(session, &report)
            } catch  where Task.isCancelled {
                // Whatever a cancelled call threw, the signal that cancelled it is the cause,
                // and it is recorded below.
            } catch {
                report.errors.append("\(error)")
                progress("error: \(error)")
            }
            return report
        }
        let caught = await signals.cancelOnSignal(measuring)
        var report = await measuring.value
        // Cleanup runs outside the cancelled task, so its RPCs still go through.
        await BenchRunCleanup.leaveRuntimeAsFound(
            client, tracker: tracker, runID: setup.runID, ledger: setup.ledger,
            progress: progress)
        await cleanUp(session)
        report.finishedAt = Date()
        if let signal = caught.value { report.errors.append("interrupted by signal \(signal)") }
        report.partial = !report.errors.isEmpty
        return (report, caught.value)
    }
}

/// Leaving the runtime as the run found it, and saying what else runs there.
enum BenchRunCleanup {
    /// Removes what the tracker knows of, then sweeps the run's labels and ledger entries: a
    /// call cancelled in flight (Ctrl-C) may have created what the tracker never learnt of.
    static func leaveRuntimeAsFound(
        _ client: CRIClient, tracker: ResourceTracker, runID: RunID, ledger: ImageLedger,
        progress: @Sendable (String) -> Void
    ) async {
        let failures = await tracker.removeAll(using: client, stopGracePeriodSeconds: 0)
        for failure in failures { progress("cleanup: \(failure)") }
        var selector = Ownership.anyRunSelector
        selector[Ownership.runLabel] = runID.value
        do {
            let swept = try await Cleanup.removeLabelled(selector, ledger: ledger, using: client)
            if swept.pods + swept.containers + swept.images > 0 {
                progress(
                    "cleanup: also removed \(swept.containers) container(s), \(swept.pods) pod(s) and "
                        + "\(swept.images) image(s) of this run that a cancelled call had left untracked")
            }
        } catch {
            progress("cleanup: \(error)")
        }
    }

    /// critest expects to be the runtime's only user; CRIBench says so plainly and goes on.
    static func warnAboutForeignPods(_ client: CRIClient, progress: @Sendable (String) -> Void) async throws {
        let foreign = try await client.listPodSandbox().filter {
            $0.labels[Ownership.ownerLabel] != Ownership.ownerValue
        }
        if let first = foreign.first {
            progress(
                "warning: the runtime runs \(foreign.count) pod(s) that are not CRIBench's (e.g. "
                    + "\(first.metadata.namespace)/\(first.metadata.name)); they compete for the machine and may "
                    + "disturb the figures"
            )
        }
    }
}
