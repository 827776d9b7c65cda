/// Side B against side A of one run: the comparison no drift of the machine can fool, because
/// both were measured interleaved, sample by sample (what benchstat recommends). A's samples
/// stand as the reference of B's ops, and the gate's own rule judges them: B regressed on an
/// op when its samples moved beyond the tolerance of A's p50 (Hodges-Lehmann shift), by more
/// than the noise floor, and significantly (Mann-Whitney U).
public enum ABComparison {
    public static func findings(
        _ results: ResultSet, reference: WorkloadKind, candidate: WorkloadKind,
        gate: RegressionGate
    ) throws -> [RegressionFinding] {
        var p50: [String: Double] = [:], samples: [String: [Int64]] = [:]
        for operation in results.operations where operation.kind == reference {
            let key = "\(operation.flow)/\(operation.operation)/\(candidate.rawValue)"
            p50[key] = operation.summary?.p50
            samples[key] = operation.samplesNs
        }
        var candidateOnly = results
        candidateOnly.operations = results.operations.filter { $0.kind == candidate }
        guard !candidateOnly.operations.isEmpty, !p50.isEmpty else {
            throw BenchError(
                "the run measured no op of both side \(reference) and side \(candidate); nothing to compare")
        }
        let name = "side \(reference) (\(results.environment.handlers[reference.rawValue] ?? "?"))"
        let recorded = Baseline(recordedOn: name, runID: results.runID, p50Ns: p50, samplesNs: samples)
        return try gate.compare(candidateOnly, with: recorded, named: name)
    }
}
