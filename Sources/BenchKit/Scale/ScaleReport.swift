import Foundation

/// `bench scale`'s reports: Go benchmark lines benchstat reads, and a Markdown summary.
public enum ScaleReport {
    public static func goBenchmarkLines(_ results: ScaleResults) -> String {
        let suffix = "-\(results.environment.cpuCount)"
        var lines = [
            "goos: linux", "goarch: \(results.environment.goarch)", "pkg: cribench/scale",
            "cpu: \(results.environment.cpu)",
            "runtime: \(results.environment.runtime)",
        ]
        for point in results.density {
            let name = "BenchmarkDensity/pods=\(point.pods)/kind=\(point.kind.rawValue)\(suffix)"
            var line = "\(name)\t1\t\(point.timeToAllRunningNs) ns/op"
            if point.memorySource == .processTree { line += "\t\(point.pssPerPodBytes) B/pod" }
            line += "\t\(point.criPerPodBytes) cri-B/pod"
            if let pod = point.criPodPerPodBytes { line += "\t\(pod) cri-pod-B/pod" }
            if let growth = point.daemonGrowthBytes { line += "\t\(growth) daemon-B" }
            lines.append(line)
        }
        for point in results.churn {
            // A point where no pod started still says so, with its errors.
            let p = { (q: Double) in point.percentile(q) ?? 0 }
            let name = "BenchmarkChurn/parallel=\(point.parallel)/kind=\(point.kind.rawValue)\(suffix)"
            var line = "\(name)\t\(max(point.startupNs.count, 1))\t\(p(50)) ns/op\t\(p(90)) p90-ns/op"
            line += "\t\(p(99)) p99-ns/op"
            line += String(format: "\t%.2f pods/s", point.podsPerSecond) + "\t\(point.errors) errors"
            if let cpu = point.daemonCPUNsPerPod { line += "\t\(cpu) daemon-cpu-ns/pod" }
            if let cpu = point.runtimeCPUNsPerPod { line += "\t\(cpu) runtime-cpu-ns/pod" }
            if let peak = point.daemonPeakRSSBytes { line += "\t\(peak) daemon-peak-B" }
            lines.append(line)
        }
        lines += steadyLines(results.steady ?? [], suffix: suffix)
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per side and N with the runtime's CPU per pod per minute and the relist's
    /// p50, and one per call (`op=…`) with its p50 and p99.
    static func steadyLines(_ points: [SteadyPoint], suffix: String) -> [String] {
        var lines: [String] = []
        for point in points {
            let name = "BenchmarkSteady/pods=\(point.pods)/kind=\(point.kind.rawValue)"
            var line = "\(name)\(suffix)\t\(point.calls[SteadyPoint.Call.relist] ?? 0)"
            line += "\t\(point.percentile(SteadyPoint.Call.relist, 50) ?? 0) ns/op"
            if let cpu = point.runtimeCPUNsPerPodPerMinute {
                line += String(format: "\t%.0f runtime-cpu-ns/pod/min", cpu)
            }
            line +=
                "\t\(point.harnessCPUNs) harness-cpu-ns\t\(point.relistOverruns) overruns\t\(point.maximumLagNs) "
                + "max-lag-ns"
            if let growth = point.daemonRSSGrowthBytes { line += "\t\(growth) daemon-rss-B" }
            lines.append(line)
            for call in SteadyPoint.Call.all {
                guard let p50 = point.percentile(call, 50), let p99 = point.percentile(call, 99) else { continue }
                let count = point.latencyNs[call]?.count ?? 0
                lines.append(
                    "BenchmarkSteadyCall/pods=\(point.pods)/op=\(call)/kind=\(point.kind.rawValue)\(suffix)\t\(count)"
                        + "\t\(p50) ns/op\t\(p99) p99-ns/op")
            }
        }
        return lines
    }

    public static func markdown(_ results: ScaleResults) -> String {
        var text = "# bench scale \(results.runID)\n\n"
        text +=
            "Runtime \(results.environment.runtime) at \(results.environment.endpoint), "
            + "\(results.environment.cpuCount) × \(results.environment.cpu).\n\n"
        if results.partial { text += "**Partial run**: \(results.errors.joined(separator: "; "))\n\n" }
        if !results.density.isEmpty {
            text += "## Density: N idle pods alive at once\n\n"
            if results.density.contains(where: { $0.memorySource == .criOnly }) {
                text +=
                    "The runtime's processes are not visible from this machine: memory comes from CRI's stats alone "
                    + "(containers' working set, no shim or pause).\n\n"
            }
            text +=
                "| kind | pods | PSS/pod | shim | pause | workload | CRI containers' working set/pod | CRI pod "
                + "working set/pod | daemon growth | all Running after "
                + "|\n|---|---|---|---|---|---|---|---|---|---|\n"
            for point in results.density {
                let perPod = { (bytes: Int64) in point.pods > 0 ? mib(bytes / Int64(point.pods)) : "-" }
                let tree = point.memorySource == .processTree
                text +=
                    "| \(point.kind.rawValue) | \(point.pods) | \(tree ? mib(point.pssPerPodBytes) : "n/a") | "
                    + "\(tree ? perPod(point.shimPSSBytes) : "n/a") | "
                    + "\(tree ? perPod(point.pausePSSBytes) : "n/a") | "
                    + "\(tree ? perPod(point.workloadPSSBytes) : "n/a") | \(mib(point.criPerPodBytes)) | "
                    + "\(point.criPodPerPodBytes.map(mib) ?? "n/a") | "
                    + "\(point.daemonGrowthBytes.map(mib) ?? "n/a") | "
                    + "\(formatDuration(Double(point.timeToAllRunningNs))) |\n"
            }
            text +=
                "\nPSS from /proc/PID/smaps_rollup of every process the pods added: the processes in each pod's "
                + "container cgroups and their parents (the shims). The containerd daemon's growth is its PSS "
                + "after the pods minus before. CRI's figures: the containers' working set "
                + "(ListContainerStats) and the pods' (ListPodSandboxStats: the pod's cgroup, pause "
                + "included). Working set counts page cache charged to the cgroup and no shim, so it "
                + "differs from PSS.\n\n"
        }
        if !results.churn.isEmpty {
            text += "## Churn: pods started and removed, P in flight\n\n"
            text +=
                "Pod startup latency as Kubernetes defines it: RunPodSandbox request to the container seen Running, "
                + "image present. Kubernetes' SLO: p99 ≤ 5 s.\n\n"
            text +=
                "| kind | P | pods | p50 | p90 | p99 | SLO p99 ≤ 5 s | pods/s | errors | runtime CPU/pod | daemon "
                + "CPU/pod | daemon peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
            for point in results.churn {
                let p = { (q: Double) in point.percentile(q).map { formatDuration(Double($0)) } ?? "-" }
                text +=
                    "| \(point.kind.rawValue) | \(point.parallel) | \(point.startupNs.count)/\(point.pods) | \(p(50)) "
                    + "| \(p(90)) | \(p(99)) | \(point.meetsSLO ? "met" : "**missed**") | "
                    + "\(String(format: "%.2f", point.podsPerSecond)) | \(point.errors) | "
                    + "\(point.runtimeCPUNsPerPod.map { formatDuration(Double($0)) } ?? "n/a") | "
                    + "\(point.daemonCPUNsPerPod.map { formatDuration(Double($0)) } ?? "n/a") | "
                    + "\(point.daemonPeakRSSBytes.map(mib) ?? "n/a") |\n"
            }
            if let failed = results.churn.first(where: { $0.firstError != nil }) {
                text += "\nFirst error (\(failed.kind.rawValue), P=\(failed.parallel)): \(failed.firstError!)\n"
            }
        }
        if let steady = results.steady, !steady.isEmpty { text += steadyMarkdown(steady) }
        return text
    }

    static func steadyMarkdown(_ points: [SteadyPoint]) -> String {
        let plan = points[0].plan
        var text = "\n## Steady state: N idle pods under the kubelet's load\n\n"
        text +=
            "For \(plan.seconds) s: every \(plan.relistPeriodMs) ms a relist (ListPodSandbox, ListContainers, then "
            + "PodSandboxStatus and ContainerStatus for \(Int(plan.statusShare * 100))% of the pods); every "
            + "\(plan.statsPeriodMs) ms ListContainerStats and ListPodSandboxStats (the run's pods); every "
            + "\(plan.probePeriodMs) ms an "
            + "exec probe (ExecSync `sh -c 'echo probe'`) for \(Int(plan.probeShare * 100))% of the containers, spread "
            + "evenly over the period. Runtime CPU: containerd's cgroup (daemon, shims, runtimes) over the loop.\n\n"
        text +=
            "| kind | pods | runtime CPU/pod/min | harness CPU (of runtime's) | daemon RSS growth | relist p50 | "
            + "relist p99 "
            + "| relists over period | max lag | stats p50 / p99 | exec probe p50 / p99 | calls |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for point in points {
            let p = { (call: String, q: Double) in point.percentile(call, q).map { formatDuration(Double($0)) } ?? "-" }
            let probe =
                point.probesUnsupported > 0
                ? "unsupported (\(point.probesUnsupported) refused)"
                : "\(p(SteadyPoint.Call.execProbe, 50)) / \(p(SteadyPoint.Call.execProbe, 99))"
                    + (point.probeFailures > 0 ? " (\(point.probeFailures) failed)" : "")
            let cpu = point.runtimeCPUNsPerPodPerMinute.map { formatDuration($0) } ?? "n/a"
            let share = point.harnessShare.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
            let calls = point.calls.values.reduce(0, +)
            text +=
                "| \(point.kind.rawValue) | \(point.pods) | \(cpu) | \(formatDuration(Double(point.harnessCPUNs))) "
                + "(\(share)) "
                + "| \(point.daemonRSSGrowthBytes.map(mib) ?? "n/a") | \(p(SteadyPoint.Call.relist, 50)) "
                + "| \(p(SteadyPoint.Call.relist, 99)) | \(point.relistOverruns) | "
                + "\(formatDuration(Double(point.maximumLagNs))) "
                + "| \(p(SteadyPoint.Call.listContainerStats, 50)) / \(p(SteadyPoint.Call.listContainerStats, 99)) "
                + "| \(probe) | \(calls) |\n"
        }
        if let refused = points.first(where: { $0.firstProbeError != nil }) {
            text +=
                "\nFirst exec probe error (\(refused.kind.rawValue), N=\(refused.pods)): \(refused.firstProbeError!)\n"
        }
        return text
    }

    static func mib(_ bytes: Int64) -> String { String(format: "%.2f MiB", Double(bytes) / 1_048_576) }
}

/// bench.txt, results.json, summary.md and chart.svg under scale-RUN.
extension ScaleResults: WrittenReport {
    public var directoryName: String { "scale-\(runID)" }

    public func files() throws -> [(name: String, contents: Data)] {
        [
            ("bench.txt", Data(ScaleReport.goBenchmarkLines(self).utf8)),
            ("results.json", try ReportJSON.encoder().encode(self)),
            ("summary.md", Data(ScaleReport.markdown(self).utf8)),
            ("chart.svg", Data(ScaleChart.render(self).utf8)),
        ]
    }
}
