/// Go's benchmark data format (proposal 14313), which golang.org/x/perf's benchstat reads:
/// configuration lines ("key: value", key lower-case without spaces), then one result line per
/// sample and operation, "BenchmarkName-N <iterations> <value> ns/op". Names carry the op and
/// the side as /key=value parts, so `benchstat -col /kind` sets OCI and wasm side by side.
public enum GoBenchReporter {
    public static func render(_ results: ResultSet) -> String {
        var lines = configurationLines(results)
        let procs = results.environment.cpuCount
        var pattern: TimingPattern?
        for flow in results.flowOrder {
            // A configuration line holds for the results after it: benchstat can split by it.
            let flowPattern = results.pattern(ofFlow: flow)
            if flowPattern != pattern {
                lines.append("pattern: \(flowPattern.rawValue)")
                pattern = flowPattern
            }
            for operation in results.flows[flow] ?? [] {
                for kind in results.kinds {
                    guard let samples = results.samples(flow: flow, operation: operation, kind: kind) else { continue }
                    for duration in samples.samplesNs {
                        lines.append(
                            resultLine(
                                name: "\(flow)/op=\(operation)/kind=\(kind.rawValue)", procs: procs,
                                nanoseconds: duration))
                    }
                }
            }
        }
        for (overheadPattern, durations) in [
            (TimingPattern.inFlow, results.harnessOverheadNs), (.backToBack, results.harnessOverheadBackToBackNs),
        ] where !durations.isEmpty {
            if overheadPattern != pattern {
                lines.append("pattern: \(overheadPattern.rawValue)")
                pattern = overheadPattern
            }
            for duration in durations {
                lines.append(
                    resultLine(
                        name: "HarnessOverhead/op=version/pattern=\(overheadPattern.rawValue)", procs: procs,
                        nanoseconds: duration))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func configurationLines(_ results: ResultSet) -> [String] {
        let environment = results.environment
        let handlers = environment.handlers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
            separator: " ")
        var lines = [
            "goos: \(environment.goos)",
            "goarch: \(environment.goarch)",
            "pkg: cribench",
            "cpu: \(environment.cpu)",
            "runtime: \(environment.runtime)",
            "handler: \(handlers)",
            "kernel: \(environment.kernel ?? "unknown")",
            "client: \(environment.client ?? "unknown")",
            "machine: \(MachineFingerprint(environment).id)",
            "run: \(results.runID)",
        ]
        if let node = environment.node { lines.append("node: \(node)") }
        if results.partial { lines.append("partial: true") }
        return lines
    }

    /// One result line; the -N suffix is the number of CPUs, as GOMAXPROCS would be.
    public static func resultLine(name: String, procs: Int, nanoseconds: Int64) -> String {
        "Benchmark\(name)-\(procs)\t1\t\(nanoseconds) ns/op"
    }
}
