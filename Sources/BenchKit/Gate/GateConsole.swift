import Foundation

/// The gate's verdict as the progress log says it: one place renders it for the console.
extension GateEvaluation {
    public func consoleLines(_ results: ResultSet, gate: RegressionGate) -> [String] {
        var lines = notes
        guard let verdict else { return lines }
        let failures = RegressionGate.failures(verdict.findings)
        if let scale = verdict.findings.first?.machineScale, scale != 1 {
            lines.append(
                String(
                    format:
                        "machine scale %.2fx (this run's null call over the reference's): each p50 is divided by it "
                        + "before comparing",
                    scale))
        }
        for finding in failures {
            let ratio = finding.ratio.map { String(format: "%.2fx", $0) } ?? "n/a"
            let adjusted =
                finding.machineScale != 1
                ? finding.normalizedRatio.map { String(format: ", machine-adjusted %.2fx", $0) } ?? "" : ""
            let p = finding.pValue.map { String(format: ", p=%.3f", $0) } ?? ""
            let format = { (value: Double) in RegressionGate.format(value, key: finding.key) }
            let judged = finding.judgedRatio.map { String(format: "; judged by %@ %.2fx", finding.rule, $0) } ?? ""
            let tolerance = String(format: ", tolerance %.2fx (%@)", finding.tolerance, finding.toleranceOrigin)
            lines.append(
                "REGRESSION \(finding.key): p50 \(finding.currentNs.map(format) ?? "missing") vs "
                    + "\(finding.baselineNs.map(format) ?? "missing") (\(ratio)\(adjusted)\(judged)\(tolerance)\(p))"
            )
        }
        if failures.isEmpty {
            let compared = verdict.findings.filter { $0.verdict != .new }.count
            let learned = verdict.findings.filter { $0.toleranceOrigin.hasPrefix("learned") }.map(\.tolerance)
            let tolerances =
                learned.isEmpty
                ? "threshold \(gate.threshold)x"
                : String(
                    format: "tolerance learned from the history for %d op(s), %.2fx-%.2fx, %.2fx for the rest",
                    learned.count,
                    learned.min() ?? 0, learned.max() ?? 0, gate.threshold)
            var rules =
                "\(tolerances), judged by the Hodges-Lehmann shift where samples exist, noise floor "
                + "\(formatDuration(gate.noiseFloorNs)), p < \(gate.significance)"
            if verdict.findings.contains(where: { RegressionGate.isMemory($0.key) }) {
                rules += String(
                    format: "; memory per pod: threshold %.2fx, floor %.0f KiB", gate.memoryThreshold,
                    gate.memoryFloorBytes / 1024)
            }
            lines.append("no regression in \(compared) op(s) against \(verdict.source) (\(rules))")
        }
        return lines
    }

    /// The error that fails the run, or nil when the gate passed.
    public var failureMessage: String? {
        guard let verdict, !failures.isEmpty else { return nil }
        return
            "\(failures.count) operation(s) regressed against \(verdict.source): "
            + "\(failures.map(\.key).joined(separator: ", "))"
    }
}

extension GatePlan {
    /// The end of a run that measured without errors: says the verdict, fails the run when an
    /// op regressed, and otherwise records the run in the machine's history.
    public func conclude(_ results: ResultSet, evaluation: GateEvaluation, progress: (String) -> Void) throws {
        for line in evaluation.consoleLines(results, gate: gate) { progress(line) }
        if let message = evaluation.failureMessage { throw BenchError(message) }
        if let directory = try record(results, evaluation: evaluation) {
            progress(
                evaluation.firstRunOfMachine
                    ? "recorded this machine's first baseline in \(directory)"
                    : "run added to this machine's history in \(directory)")
        }
    }
}
