import Foundation

/// A summary a person reads: per flow, each operation's p50/p90/p99 for every side, and each
/// side's median over the reference side's (the first measured: OCI by default).
public enum MarkdownReporter {
    public static func render(_ results: ResultSet, gate: GateEvaluation? = nil) -> String {
        let environment = results.environment
        let machine = MachineFingerprint(environment)
        var out = "# CRIBench: " + results.kinds.map(\.rawValue).joined(separator: " vs ") + "\n\n"
        out += "- run: `\(results.runID)`\(results.partial ? " (**partial**: interrupted before the end)" : "")\n"
        out += "- runtime: \(environment.runtime) on `\(environment.endpoint)`\n"
        out +=
            "- handlers: "
            + environment.handlers.sorted { $0.key < $1.key }.map { "\($0.key) → `\($0.value)`" }.joined(
                separator: ", ") + "\n"
        out +=
            "- machine: \(environment.cpu), \(environment.cpuCount) CPUs, \(environment.goarch), kernel "
            + "\(environment.kernel ?? "unknown") (fingerprint `\(machine.id)`)\n"
        if let client = environment.client { out += "- client: \(client)\n" }
        let overheads = [
            (TimingPattern.inFlow, results.harnessOverheadNs), (.backToBack, results.harnessOverheadBackToBackNs),
        ]
        .compactMap { pattern, samples in Summary(samples).map { "\(formatDuration($0.p50)) \(pattern.rawValue)" } }
        if !overheads.isEmpty {
            out +=
                "- harness overhead (a Version call, which does no work in the runtime; p50): "
                + "\(overheads.joined(separator: ", "))\n"
        }
        for error in results.errors { out += "- error: \(error)\n" }
        out +=
            "\nHow calls were timed: "
            + "\(TimingPattern.allCases.map { "*\($0.rawValue)*: \($0.explanation)" }.joined(separator: "; ")). "
        out +=
            "On a VM a call after idle pays a wake-up that a back-to-back call does not: compare figures of the same "
            + "pattern only.\n"
        for flow in results.flowOrder {
            out += "\n## \(flow) (\(results.pattern(ofFlow: flow).rawValue))\n\n"
            out += sideTable(results, flow: flow)
        }
        if let refused = results.notMeasured, !refused.isEmpty {
            out +=
                "\n## Not measured\n\nThe runtime refused what these flows time on these sides; its answer is kept, "
                + "no sample is:\n\n"
            for entry in refused { out += "- \(entry.flow) on \(entry.kind.rawValue): \(entry.runtimeAnswer)\n" }
        }
        if let gate {
            if gate.firstRunOfMachine {
                out +=
                    "\n## Gate\n\nNo history for this machine yet: this run is its first baseline; the gate compares "
                    + "from the next run on.\n"
            }
            if let verdict = gate.verdict {
                out += "\n## Gate: against \(verdict.source) (verdict)\n\n" + comparisonTable(verdict.findings)
            }
            if let reference = gate.reference {
                out += "\n## Reference: \(reference.source) (not a verdict)\n\n"
                out +=
                    "Recorded on another machine or beside this machine's own history: read it, do not judge by it.\n\n"
                out += comparisonTable(reference.findings)
            }
        }
        return out
    }

    /// One column per side for p50, p90 and p99, and each other side's p50 over the reference
    /// side's (the first measured).
    static func sideTable(_ results: ResultSet, flow: String) -> String {
        let kinds = results.kinds
        guard let reference = kinds.first else { return "" }
        let others = kinds.dropFirst()
        func label(_ kind: WorkloadKind) -> String { kind == .oci ? "OCI" : kind.rawValue }
        var header = "| op |" + kinds.map { " \(label($0)) p50 |" }.joined()
        header += others.map { " \(label($0))/\(label(reference)) |" }.joined()
        header +=
            kinds.map { " \(label($0)) p90 |" }.joined() + kinds.map { " \(label($0)) p99 |" }.joined() + " samples |\n"
        let columns = 1 + 3 * kinds.count + others.count + 1
        var out = header + "|---|" + String(repeating: "---:|", count: columns - 1) + "\n"
        for operation in results.flows[flow] ?? [] {
            let summaries = kinds.map { results.samples(flow: flow, operation: operation, kind: $0)?.summary }
            let base = summaries[0]?.p50
            let ratios = summaries.dropFirst().map { summary -> String in
                guard let base, base > 0, let p50 = summary?.p50 else { return "n/a" }
                return String(format2: p50 / base) + "x"
            }
            out +=
                "| \(operation) |" + summaries.map { " \(cell($0?.p50)) |" }.joined()
                + ratios.map { " \($0) |" }.joined()
                + summaries.map { " \(cell($0?.p90)) |" }.joined() + summaries.map { " \(cell($0?.p99)) |" }.joined()
                + " \(summaries.map { String($0?.count ?? 0) }.joined(separator: "/")) |\n"
        }
        return out
    }

    static func comparisonTable(_ findings: [RegressionFinding]) -> String {
        var out = ""
        if let scale = findings.first?.machineScale, scale != 1 {
            out +=
                "Machine scale \(String(format2: scale))x: this run's null call (Version) p50 over the reference's. "
                + "The verdict compares each ratio divided by it.\n\n"
        }
        out +=
            "The verdict judges each op's Hodges-Lehmann shift (the median of the differences between its samples and "
            + "the reference's) "
            + "over the reference's p50 where both have samples, else the ratio of p50s, against the op's tolerance: "
            + "learned from this "
            + "machine's run-to-run spread when its history holds enough runs, else the default threshold.\n\n"
        out +=
            "| op | reference p50 | now p50 | ratio | machine-adjusted | judged | tolerance | p (Mann-Whitney) | "
            + "verdict |\n"
        out += "|---|---:|---:|---:|---:|---:|---|---:|---|\n"
        for finding in findings {
            let ratio = finding.ratio.map { String(format2: $0) + "x" } ?? "n/a"
            let adjusted = finding.normalizedRatio.map { String(format2: $0) + "x" } ?? "n/a"
            let judged = finding.judgedRatio.map { String(format2: $0) + "x (\(finding.rule))" } ?? "n/a"
            let tolerance = String(format2: finding.tolerance) + "x, " + finding.toleranceOrigin
            let p = finding.pValue.map { String(format: "%.3f", $0) } ?? "n/a"
            out +=
                "| \(finding.key) | \(cell(finding.baselineNs)) | \(cell(finding.currentNs)) | \(ratio) | \(adjusted) "
                + "| \(judged) "
                + "| \(tolerance) | \(p) | \(finding.verdict.rawValue) |\n"
        }
        return out
    }

    static func cell(_ nanoseconds: Double?) -> String { nanoseconds.map(formatDuration) ?? "–" }
}

/// "1.23 ms", "456 µs", "2.50 s": three significant figures in the unit that fits.
public func formatDuration(_ nanoseconds: Double) -> String {
    switch nanoseconds {
    case 1e9...: return String(format2: nanoseconds / 1e9) + " s"
    case 1e6...: return String(format2: nanoseconds / 1e6) + " ms"
    case 1e3...: return String(format2: nanoseconds / 1e3) + " µs"
    default: return String(Int(nanoseconds)) + " ns"
    }
}

extension String {
    /// A number with two decimals, without Foundation's formatters.
    init(format2 value: Double) {
        let scaled = (value * 100).rounded()
        let whole = Int(scaled) / 100, fraction = abs(Int(scaled) % 100)
        self = "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
