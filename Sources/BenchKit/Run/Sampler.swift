import CRIClient
import Foundation

/// How a run samples: counts, budget and the sides.
public struct SamplingPlan: Sendable {
    public var samples: Int
    public var warmup: Int
    /// Per-flow time budget; a flow stops early once it is spent (with at least `minimumSamples`).
    public var flowBudget: Duration?
    public var minimumSamples = 3
    public var sides: [Workload]

    public init(samples: Int, warmup: Int, flowBudget: Duration?, sides: [Workload]) {
        self.samples = samples
        self.warmup = warmup
        self.flowBudget = flowBudget
        self.sides = sides
    }
}

/// Runs flows sample by sample, every side within each sample, each sample starting with the
/// next side in turn (with two: OCI first in even samples, wasm in odd ones), so that machine
/// noise hits all alike. Warm-up samples run
/// and are dropped. Progress goes to stderr; results into the ResultSet.
public struct Sampler: Sendable {
    public let plan: SamplingPlan
    public let context: FlowContext
    public let progress: @Sendable (String) -> Void

    public init(plan: SamplingPlan, context: FlowContext, progress: @escaping @Sendable (String) -> Void) {
        self.plan = plan
        self.context = context
        self.progress = progress
    }

    /// Runs every flow; a flow that fails is recorded in `results.errors` and the run goes on
    /// with the next. Cancellation (Ctrl-C) stops at once, leaving what was measured.
    public func run(_ flows: [any Flow], into results: inout ResultSet) async {
        for flow in flows {
            if Task.isCancelled { break }
            results.flows[flow.name] = flow.operations
            do {
                try await run(flow, into: &results)
            } catch {
                if Task.isCancelled { break }
                let message = "\(flow.name): \(error)"
                results.errors.append(message)
                progress("error: \(message)")
            }
        }
    }

    /// Sets each side up, measures, and tears down what was set up, also after a failure.
    private func run<F: Flow>(_ flow: F, into results: inout ResultSet) async throws {
        var prepared: [(Workload, F.Prepared)] = []
        do {
            for side in plan.sides { prepared.append((side, try await flow.setUp(side, context: context))) }
            // A side the runtime refused is reported and torn down at once: its pods would
            // otherwise weigh on the other sides' samples.
            var refused: [(Workload, F.Prepared)] = []
            for (side, state) in prepared {
                guard let answer = flow.refusal(state) else { continue }
                refused.append((side, state))
                let entry = NotMeasured(flow: flow.name, kind: side.kind, runtimeAnswer: answer)
                results.notMeasured = (results.notMeasured ?? []) + [entry]
                progress("\(flow.name): \(side.kind.rawValue) not measured: the runtime answered \(answer)")
            }
            prepared.removeAll { side, _ in refused.contains { $0.0.kind == side.kind } }
            await tearDown(flow, refused)
            if !prepared.isEmpty { try await measure(flow, prepared, into: &results) }
        } catch {
            await tearDown(flow, prepared)
            throw error
        }
        await tearDown(flow, prepared)
    }

    private func tearDown<F: Flow>(_ flow: F, _ prepared: [(Workload, F.Prepared)]) async {
        for (side, state) in prepared {
            do { try await flow.tearDown(side, prepared: state, context: context) } catch {
                progress("warning: \(flow.name) teardown (\(side.kind.rawValue)): \(error)")
            }
        }
    }

    private func measure<F: Flow>(
        _ flow: F, _ prepared: [(Workload, F.Prepared)], into results: inout ResultSet
    ) async throws {
        let clock = ContinuousClock()
        let began = clock.now
        let total = plan.warmup + plan.samples
        for index in 0..<total {
            try Task.checkCancellation()
            let measured = index >= plan.warmup
            let label =
                measured ? "sample \(index - plan.warmup + 1)/\(plan.samples)" : "warm-up \(index + 1)/\(plan.warmup)"
            progress("\(flow.name): \(label)")
            // Each sample starts with the next side (with two, they alternate), counted so that
            // the first measured sample starts with the first side: reports take the sides in
            // the order the run first measured them, the reference side first.
            let count = max(prepared.count, 1)
            let first = ((index - plan.warmup) % count + count) % count
            let order = Array(prepared[first...] + prepared[..<first])
            for (side, state) in order {
                let start = wallClockNanoseconds()
                let durations = try await flow.sample(side, prepared: state, context: context)
                let end = wallClockNanoseconds()
                if measured {
                    results.record(
                        flow: flow.name, operations: flow.operations, kind: side.kind, durations: durations,
                        window: [start, end],
                        pattern: flow.pattern)
                }
            }
            if measured {
                let (_, overhead) = try await timed { try await context.client.version() }
                let (_, backToBack) = try await timed { try await context.client.version() }
                results.harnessOverheadNs.append(overhead)
                results.harnessOverheadBackToBackNs.append(backToBack)
            }
            if let budget = plan.flowBudget, measured, index - plan.warmup + 1 >= plan.minimumSamples,
                clock.now - began > budget
            {
                progress("\(flow.name): time budget of \(budget) spent after \(index - plan.warmup + 1) samples")
                break
            }
        }
    }
}

func wallClockNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
