/// Side B against side A of one run: the comparison no drift of the machine can fool, because
/// both were measured interleaved, sample by sample (what benchstat recommends). A's samples
/// stand as the reference of B's ops, and the gate's own rule judges them: B regressed on an
/// op when its samples moved beyond the tolerance of A's p50 (Hodges-Lehmann shift), by more
/// than the noise floor, and significantly (Mann-Whitney U).
public enum ABComparison {
    /// The verdicts on B's ops, and the flows B's runtime refused although A's measured them:
    /// those are a difference of behaviour, named with the runtime's own answer, not ops that
    /// went missing or got slower.
    public struct Outcome: Sendable {
        public var findings: [RegressionFinding]
        public var candidateRefusals: [NotMeasured]

        /// "b refused ExecInCri, which a measured: <the runtime's answer>", one per refusal.
        public func refusalLines(reference: String, candidate: String) -> [String] {
            candidateRefusals.map {
                "\(candidate) refused \($0.flow), which \(reference) measured: \($0.runtimeAnswer)"
            }
        }
    }

    public static func compare(
        _ results: ResultSet, reference: WorkloadKind, candidate: WorkloadKind,
        gate: RegressionGate
    ) throws -> Outcome {
        var p50: [String: Double] = [:], samples: [String: [Int64]] = [:]
        for operation in results.operations where operation.kind == reference {
            let key = "\(operation.flow)/\(operation.operation)/\(candidate.rawValue)"
            p50[key] = operation.summary?.p50
            samples[key] = operation.samplesNs
        }
        let measuredByReference = Set(results.operations.filter { $0.kind == reference }.map(\.flow))
        let refusals = (results.notMeasured ?? []).filter {
            $0.kind == candidate && measuredByReference.contains($0.flow)
        }
        let refusedFlows = Set(refusals.map(\.flow))
        var candidateOnly = results
        candidateOnly.operations = results.operations.filter { $0.kind == candidate }
        // A flow the candidate refused is not one it ran, so the gate expects none of its ops.
        candidateOnly.flows = results.flows.filter { !refusedFlows.contains($0.key) }
        guard !candidateOnly.operations.isEmpty, !p50.isEmpty else {
            let handlers = results.environment.handlers
            let answers = (results.notMeasured ?? []).map { "\($0.kind) refused \($0.flow): \($0.runtimeAnswer)" }
            throw BenchError(
                "side \(reference) (\(handlers[reference.rawValue] ?? "?")) and side \(candidate) "
                    + "(\(handlers[candidate.rawValue] ?? "?")) measured no op in common; nothing to compare"
                    + (answers.isEmpty ? "" : " (\(answers.joined(separator: "; ")))"))
        }
        let name = "side \(reference) (\(results.environment.handlers[reference.rawValue] ?? "?"))"
        let recorded = Baseline(recordedOn: name, runID: results.runID, p50Ns: p50, samplesNs: samples)
        let findings = try gate.compare(candidateOnly, with: recorded, named: name)
        return Outcome(findings: findings, candidateRefusals: refusals)
    }
}
