import CRIClient
import Foundation

/// One `bench run` against a runtime: holds the run lock, samples every flow for both sides,
/// and leaves the runtime as it found it (tracked resources, then anything labelled with the
/// run or in its ledger), also when a signal cancels the sampling.
public struct BenchmarkRun: Sendable {
    public var endpoint: CRIEndpoint
    public var callTimeout: Duration
    public var plan: SamplingPlan
    public var flows: [any Flow]
    public var ledger: ImageLedger
    public var stopGracePeriodSeconds: Int64
    public let runID = RunID.make()

    public init(endpoint: CRIEndpoint, callTimeout: Duration, plan: SamplingPlan, flows: [any Flow], ledger: ImageLedger, stopGracePeriodSeconds: Int64) {
        self.endpoint = endpoint
        self.callTimeout = callTimeout
        self.plan = plan
        self.flows = flows
        self.ledger = ledger
        self.stopGracePeriodSeconds = stopGracePeriodSeconds
    }

    /// The results (partial after an error or a signal) and the signal that stopped the run.
    public func execute(progress: @escaping @Sendable (String) -> Void) async throws -> (results: ResultSet, signal: Int32?) {
        let lock = try RuntimeLock.acquire(for: endpoint)
        defer { withExtendedLifetime(lock) {} }
        let signals = SignalTrap(progress: progress)
        return try await withCRIClient(endpoint: endpoint, timeout: callTimeout) { client in
            let version = try await client.version()
            try await Self.warnAboutForeignPods(client, progress: progress)
            let handlers = Dictionary(plan.sides.map { ($0.kind.rawValue, $0.runtimeHandler) }) { first, _ in first }
            let environment = ResultSet.Environment.current(
                runtime: "\(version.runtimeName) \(version.runtimeVersion)", endpoint: endpoint.description, handlers: handlers)
            let tracker = ResourceTracker(recordingImagesIn: ledger, run: runID.value, endpoint: endpoint.description)
            let context = FlowContext(client: client, tracker: tracker, runID: runID, stopGracePeriodSeconds: stopGracePeriodSeconds)
            let sampler = Sampler(plan: plan, context: context, progress: progress)
            progress("run \(runID) against \(endpoint): \(flows.map(\.name).joined(separator: ", ")), \(plan.samples) samples + \(plan.warmup) warm-up per side")

            let initial = ResultSet(runID: runID.value, environment: environment)
            let flows = self.flows
            let measuring = Task(executorPreference: client.preferredExecutor) {
                var results = initial
                await sampler.run(flows, into: &results)
                return results
            }
            let caught = await signals.cancelOnSignal(measuring)
            var results = await measuring.value
            // Cleanup runs outside the cancelled task, so its RPCs still go through.
            await Self.leaveRuntimeAsFound(client, tracker: tracker, runID: runID, ledger: ledger, progress: progress)
            results.finishedAt = Date()
            if let signal = caught.value {
                results.partial = true
                results.errors.append("interrupted by signal \(signal)")
            } else if !results.errors.isEmpty {
                results.partial = true
            }
            return (results, caught.value)
        }
    }

    /// Removes what the tracker knows of, then sweeps the run's labels and ledger entries: a
    /// call cancelled in flight (Ctrl-C) may have created what the tracker never learnt of.
    static func leaveRuntimeAsFound(_ client: CRIClient, tracker: ResourceTracker, runID: RunID, ledger: ImageLedger,
                                    progress: @Sendable (String) -> Void) async {
        let failures = await tracker.removeAll(using: client, stopGracePeriodSeconds: 0)
        for failure in failures { progress("cleanup: \(failure)") }
        var selector = Ownership.anyRunSelector
        selector[Ownership.runLabel] = runID.value
        do {
            let swept = try await Cleanup.removeLabelled(selector, ledger: ledger, using: client)
            if swept.pods + swept.containers + swept.images > 0 {
                progress("cleanup: also removed \(swept.containers) container(s), \(swept.pods) pod(s) and \(swept.images) image(s) of this run that a cancelled call had left untracked")
            }
        } catch {
            progress("cleanup: \(error)")
        }
    }

    /// critest expects to be the runtime's only user; CRIBench says so plainly and goes on.
    static func warnAboutForeignPods(_ client: CRIClient, progress: @Sendable (String) -> Void) async throws {
        let foreign = try await client.listPodSandbox().filter { $0.labels[Ownership.ownerLabel] != Ownership.ownerValue }
        if !foreign.isEmpty {
            progress("warning: the runtime runs \(foreign.count) pod(s) that are not CRIBench's (e.g. \(foreign[0].metadata.namespace)/\(foreign[0].metadata.name)); they compete for the machine and may disturb the figures")
        }
    }
}
