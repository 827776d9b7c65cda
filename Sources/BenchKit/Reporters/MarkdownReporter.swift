import Foundation

/// A summary a person reads: per flow, each operation's p50/p90/p99 for OCI and wasm, and the
/// wasm/OCI ratio of the medians.
public enum MarkdownReporter {
    public static func render(_ results: ResultSet, regressions: [RegressionFinding] = []) -> String {
        let environment = results.environment
        var out = "# CRIBench: OCI images vs wasm modules\n\n"
        out += "- run: `\(results.runID)`\(results.partial ? " (**partial**: interrupted before the end)" : "")\n"
        out += "- runtime: \(environment.runtime) on `\(environment.endpoint)`\n"
        out += "- handlers: " + environment.handlers.sorted { $0.key < $1.key }.map { "\($0.key) → `\($0.value)`" }.joined(separator: ", ") + "\n"
        out += "- machine: \(environment.cpu), \(environment.cpuCount) CPUs, \(environment.goarch)\n"
        if let overhead = Summary(results.harnessOverheadNs) {
            out += "- harness overhead (Version call, p50): \(formatDuration(overhead.p50))\n"
        }
        for error in results.errors { out += "- error: \(error)\n" }
        for flow in results.flowOrder {
            out += "\n## \(flow)\n\n"
            out += "| op | OCI p50 | wasm p50 | wasm/OCI | OCI p90 | wasm p90 | OCI p99 | wasm p99 | samples |\n"
            out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for operation in results.flows[flow] ?? [] {
                let oci = results.samples(flow: flow, operation: operation, kind: .oci)?.summary
                let wasm = results.samples(flow: flow, operation: operation, kind: .wasm)?.summary
                let ratio = (oci?.p50).flatMap { base in (wasm?.p50).map { base > 0 ? String(format2: $0 / base) + "x" : "n/a" } } ?? "n/a"
                out += "| \(operation) | \(cell(oci?.p50)) | \(cell(wasm?.p50)) | \(ratio) | \(cell(oci?.p90)) | \(cell(wasm?.p90)) | \(cell(oci?.p99)) | \(cell(wasm?.p99)) | \(oci?.count ?? 0)/\(wasm?.count ?? 0) |\n"
            }
        }
        if !regressions.isEmpty {
            out += "\n## Against the baseline\n\n"
            if let scale = regressions.first?.machineScale, scale != 1 {
                out += "Machine scale \(String(format2: scale))x: this run's null call (Version) p50 over the baseline's. The verdict compares each ratio divided by it.\n\n"
            }
            out += "| op | baseline p50 | now p50 | ratio | machine-adjusted | p (Mann-Whitney) | verdict |\n|---|---:|---:|---:|---:|---:|---|\n"
            for finding in regressions {
                let ratio = finding.ratio.map { String(format2: $0) + "x" } ?? "n/a"
                let adjusted = finding.normalizedRatio.map { String(format2: $0) + "x" } ?? "n/a"
                let p = finding.pValue.map { String(format: "%.3f", $0) } ?? "n/a"
                out += "| \(finding.key) | \(cell(finding.baselineNs)) | \(cell(finding.currentNs)) | \(ratio) | \(adjusted) | \(p) | \(finding.verdict.rawValue) |\n"
            }
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
