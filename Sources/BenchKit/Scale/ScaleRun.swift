import CRIClient
import Foundation

/// One `bench scale`: density at each N and churn at each P, OCI then wasm (the sides one after
/// the other, with the runtime left idle between them), under the run lock, leaving the
/// runtime as it found it also after a failure midway or a signal.
public struct ScaleRun: Sendable {
    public var endpoint: CRIEndpoint
    public var callTimeout: Duration
    public var sides: [Workload]
    public var densityPods: [Int]
    public var churnPods: Int
    public var churnParallel: [Int]
    /// Steady-state points (N pods under the kubelet's load), and the load's periods.
    public var steadyPods: [Int] = []
    public var steadyPlan = SteadyPlan()
    public var ledger: ImageLedger
    /// Idle time between sides and points, so one's teardown does not weigh on the next.
    public var settle: Duration = .seconds(3)
    public let runID = RunID.make()

    public init(
        endpoint: CRIEndpoint, callTimeout: Duration, sides: [Workload], densityPods: [Int], churnPods: Int,
        churnParallel: [Int], ledger: ImageLedger
    ) {
        self.endpoint = endpoint
        self.callTimeout = callTimeout
        self.sides = sides
        self.densityPods = densityPods
        self.churnPods = churnPods
        self.churnParallel = churnParallel
        self.ledger = ledger
    }

    public func execute(
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> (results: ScaleResults, signal: Int32?) {
        // Pods are torn down, never stopped as a measured step: no grace period to wait out.
        let setup = BenchRunSetup(
            endpoint: endpoint, callTimeout: callTimeout, runID: runID, ledger: ledger,
            stopGracePeriodSeconds: 0)
        let daemon = NodeProcesses.server(ofSocket: endpoint.socketPath)
        if daemon == nil {
            progress(
                "the runtime's processes are not visible from here (no process of this PID namespace listens on "
                    + "\(endpoint.socketPath)): memory comes from CRI stats alone")
        }
        let run = self
        return try await withBenchRun(setup, progress: progress) { session in
            let handlers = Dictionary(sides.map { ($0.kind.rawValue, $0.runtimeHandler) }) { first, _ in first }
            progress(
                "scale run \(runID) against \(endpoint): density at "
                    + "\(densityPods.map(String.init).joined(separator: ", ")) "
                    + "pods, churn of \(churnPods) pods at parallelism "
                    + "\(churnParallel.map(String.init).joined(separator: ", "))"
            )
            return ScaleResults(runID: runID.value, environment: session.environment(handlers: handlers))
        } measure: { session, results in
            let probes = ScaleProbes(context: session.context, daemonPid: daemon, progress: progress)
            for side in run.sides {
                try await run.measure(side, probes: probes, context: session.context, into: &results)
            }
        }
    }

    /// Density at each N, churn at each P, then the steady points, for one side.
    private func measure(
        _ side: Workload, probes: ScaleProbes, context: FlowContext, into results: inout ScaleResults
    ) async throws {
        try await ensureImage(side.idleImage, context: context)
        for count in densityPods {
            results.density.append(try await probes.density(side, pods: count))
            try await Task.sleep(for: settle)
        }
        for parallel in churnParallel where churnPods > 0 {
            results.churn.append(try await probes.churn(side, pods: churnPods, parallel: parallel))
            try await Task.sleep(for: settle)
        }
        for count in steadyPods {
            results.steady = (results.steady ?? []) + [try await probes.steady(side, pods: count, plan: steadyPlan)]
            try await Task.sleep(for: settle)
        }
    }
}
