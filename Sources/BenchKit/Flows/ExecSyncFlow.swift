import CRIClient

/// An exec probe's latency, as the kubelet's prober sees it: ExecSync of a trivial command in a
/// running idle container, one per sample. Under a runtime that cannot exec (a wasm instance),
/// setUp's first probe gets the runtime's refusal and the side is reported as not measured,
/// with that answer, never as a fast probe.
public struct ExecSyncFlow: Flow {
    public let name = "ExecInCri"
    public let operations = ["exec-sync"]

    public struct Prepared: Sendable {
        let sandbox: ReadySandbox
        let refusal: String?
    }

    public init() {}

    public func setUp(_ workload: Workload, context: FlowContext) async throws -> Prepared {
        try await ensureImage(workload.idleImage, context: context)
        let sandbox = try await context.startIdlePod(workload, prefix: "bench-exec-\(workload.kind.rawValue)")
        do {
            switch try await probe(sandbox, context: context) {
            case .answered: return Prepared(sandbox: sandbox, refusal: nil)
            case .unsupported(let answer): return Prepared(sandbox: sandbox, refusal: answer)
            case .failed(let reason):
                throw BenchError(
                    "\(workload.kind.rawValue): the first exec probe in container \(sandbox.containerID ?? "?") "
                        + "of image \(workload.idleImage) failed: \(reason)")
            }
        } catch {
            try? await context.tearDown(sandbox)
            throw error
        }
    }

    public func sample(_ workload: Workload, prepared: Prepared, context: FlowContext) async throws -> [Int64] {
        switch try await probe(prepared.sandbox, context: context) {
        case .answered(let took): return [took]
        case .unsupported(let reason), .failed(let reason):
            throw BenchError(
                "\(workload.kind.rawValue): exec probe in container \(prepared.sandbox.containerID ?? "?") failed: "
                    + "\(reason)"
            )
        }
    }

    public func tearDown(_ workload: Workload, prepared: Prepared, context: FlowContext) async throws {
        try await context.tearDown(prepared.sandbox)
    }

    public func refusal(_ prepared: Prepared) -> String? { prepared.refusal }

    private func probe(_ sandbox: ReadySandbox, context: FlowContext) async throws -> ExecProbe.Outcome {
        guard let container = sandbox.containerID else {
            throw BenchError("no container in the exec flow's sandbox \(sandbox.id)")
        }
        return try await ExecProbe.run(context.client, container: container)
    }
}
