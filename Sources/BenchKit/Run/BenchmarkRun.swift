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

    public init(
        endpoint: CRIEndpoint, callTimeout: Duration, plan: SamplingPlan, flows: [any Flow], ledger: ImageLedger,
        stopGracePeriodSeconds: Int64
    ) {
        self.endpoint = endpoint
        self.callTimeout = callTimeout
        self.plan = plan
        self.flows = flows
        self.ledger = ledger
        self.stopGracePeriodSeconds = stopGracePeriodSeconds
    }

    /// The results (partial after an error or a signal) and the signal that stopped the run.
    public func execute(
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> (results: ResultSet, signal: Int32?) {
        let setup = BenchRunSetup(
            endpoint: endpoint, callTimeout: callTimeout, runID: runID, ledger: ledger,
            stopGracePeriodSeconds: stopGracePeriodSeconds)
        let (plan, flows) = (self.plan, self.flows)
        return try await withBenchRun(setup, progress: progress) { session in
            let handlers = Dictionary(plan.sides.map { ($0.kind.rawValue, $0.runtimeHandler) }) { first, _ in first }
            progress(
                "run \(runID) against \(endpoint): \(flows.map(\.name).joined(separator: ", ")), "
                    + "\(plan.samples) samples + \(plan.warmup) warm-up per side")
            return ResultSet(runID: runID.value, environment: session.environment(handlers: handlers))
        } measure: { session, results in
            await Sampler(plan: plan, context: session.context, progress: progress).run(flows, into: &results)
        }
    }
}

extension ResultSet: RunReport {}
