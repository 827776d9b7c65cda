import Foundation

/// A summary a person reads: per flow, each operation's p50/p90/p99 for OCI and wasm, and the
/// wasm/OCI ratio of the medians.
public enum MarkdownReporter {
    public static func render(_ results: ResultSet, gate: GateEvaluation? = nil) -> String {
        let environment = results.environment
        let machine = MachineFingerprint(environment)
        var out = "# CRIBench: OCI images vs wasm modules\n\n"
        out += "- run: `\(results.runID)`\(results.partial ? " (**partial**: interrupted before the end)" : "")\n"
        out += "- runtime: \(environment.runtime) on `\(environment.endpoint)`\n"
        out += "- handlers: " + environment.handlers.sorted { $0.key < $1.key }.map { "\($0.key) → `\($0.value)`" }.joined(separator: ", ") + "\n"
        out += "- machine: \(environment.cpu), \(environment.cpuCount) CPUs, \(environment.goarch), kernel \(environment.kernel ?? "unknown") (fingerprint `\(machine.id)`)\n"
        if let client = environment.client { out += "- client: \(client)\n" }
        let overheads = [(TimingPattern.inFlow, results.harnessOverheadNs), (.backToBack, results.harnessOverheadBackToBackNs)]
            .compactMap { pattern, samples in Summary(samples).map { "\(formatDuration($0.p50)) \(pattern.rawValue)" } }
        if !overheads.isEmpty {
            out += "- harness overhead (a Version call, which does no work in the runtime; p50): \(overheads.joined(separator: ", "))\n"
        }
        for error in results.errors { out += "- error: \(error)\n" }
        out += "\nHow calls were timed: \(TimingPattern.allCases.map { "*\($0.rawValue)*: \($0.explanation)" }.joined(separator: "; ")). "
        out += "On a VM a call after idle pays a wake-up that a back-to-back call does not: compare figures of the same pattern only.\n"
        for flow in results.flowOrder {
            out += "\n## \(flow) (\(results.pattern(ofFlow: flow).rawValue))\n\n"
            out += "| op | OCI p50 | wasm p50 | wasm/OCI | OCI p90 | wasm p90 | OCI p99 | wasm p99 | samples |\n"
            out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for operation in results.flows[flow] ?? [] {
                let oci = results.samples(flow: flow, operation: operation, kind: .oci)?.summary
                let wasm = results.samples(flow: flow, operation: operation, kind: .wasm)?.summary
                let ratio = (oci?.p50).flatMap { base in (wasm?.p50).map { base > 0 ? String(format2: $0 / base) + "x" : "n/a" } } ?? "n/a"
                out += "| \(operation) | \(cell(oci?.p50)) | \(cell(wasm?.p50)) | \(ratio) | \(cell(oci?.p90)) | \(cell(wasm?.p90)) | \(cell(oci?.p99)) | \(cell(wasm?.p99)) | \(oci?.count ?? 0)/\(wasm?.count ?? 0) |\n"
            }
        }
        if let gate {
            if gate.firstRunOfMachine {
                out += "\n## Gate\n\nNo history for this machine yet: this run is its first baseline; the gate compares from the next run on.\n"
            }
            if let verdict = gate.verdict {
                out += "\n## Gate: against \(verdict.source) (verdict)\n\n" + comparisonTable(verdict.findings)
            }
            if let reference = gate.reference {
                out += "\n## Reference: \(reference.source) (not a verdict)\n\n"
                out += "Recorded on another machine or beside this machine's own history: read it, do not judge by it.\n\n"
                out += comparisonTable(reference.findings)
            }
        }
        return out
    }

    static func comparisonTable(_ findings: [RegressionFinding]) -> String {
        var out = ""
        if let scale = findings.first?.machineScale, scale != 1 {
            out += "Machine scale \(String(format2: scale))x: this run's null call (Version) p50 over the reference's. The verdict compares each ratio divided by it.\n\n"
        }
        out += "| op | reference p50 | now p50 | ratio | machine-adjusted | p (Mann-Whitney) | verdict |\n|---|---:|---:|---:|---:|---:|---|\n"
        for finding in findings {
            let ratio = finding.ratio.map { String(format2: $0) + "x" } ?? "n/a"
            let adjusted = finding.normalizedRatio.map { String(format2: $0) + "x" } ?? "n/a"
            let p = finding.pValue.map { String(format: "%.3f", $0) } ?? "n/a"
            out += "| \(finding.key) | \(cell(finding.baselineNs)) | \(cell(finding.currentNs)) | \(ratio) | \(adjusted) | \(p) | \(finding.verdict.rawValue) |\n"
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
