import ArgumentParser
import BenchKit
import Foundation

struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "How many pods the node holds and how fast it churns them, OCI and wasm side by side.",
        discussion: """
            Density: for each N, N pods with one idle container each alive at once; PSS of every \
            process they added (shims, pause, workload: found through the pods' cgroups and their \
            parents), the daemon's growth, CRI's working set, time until all are Running. Churn: K pods \
            each started, waited Running and removed, P at a time; startup latency p50/p90/p99 (the \
            Kubernetes SLO is p99 <= 5 s), pods/s, errors, daemon CPU per pod and peak RSS. Prints Go \
            benchmark lines on stdout and writes bench.txt, results.json, summary.md and chart.svg under \
            RESULTS/scale-RUN/. Everything is labelled and removed at the end, also on failure or Ctrl-C.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Density points: pod counts, comma-separated (empty: no density).") var pods = "10,50,100"
    @Option(help: "Pods per churn point (0: no churn).") var churnPods = 100
    @Option(help: "Churn points: pods in flight at once, comma-separated.") var parallel = "1,4,8"
    @Option(help: "Runtime handler of the OCI side.") var ociHandler = "runc"
    @Option(help: "Runtime handler of the wasm side.") var wasmHandler = "wasm"
    @Option(
        name: .customLong("side"),
        help: ArgumentHelp(
            "A side NAME=HANDLER[:oci|wasm], repeatable, in place of the OCI and wasm sides (e.g. --side oci=runc "
                + "--side wasm=wasm --side wasm-shim=wasm-shim); each point runs every side in turn.",
            valueName: "side"))
    var sideTexts: [String] = []
    @Option(
        help: "Steady-state points: pod counts held under the kubelet's periodic load, comma-separated (empty: none).")
    var steadyPods = ""
    @Option(help: "How long each steady-state point runs the kubelet's load, in seconds.") var steadySeconds = 60
    @Option(help: "Steady state: the relist period (ListPodSandbox, ListContainers, statuses), in ms.")
    var relistPeriodMs = 1000
    @Option(help: "Steady state: the stats period (ListContainerStats, ListPodSandboxStats), in ms.")
    var statsPeriodMs = 10_000
    @Option(help: "Steady state: each container's exec probe period, in ms.") var probePeriodMs = 10_000
    @Option(help: "Steady state: share of the pods whose statuses each relist asks (0-1).") var statusShare = 1.0
    @Option(help: "Steady state: share of the containers with an exec probe (0-1).") var probeShare = 1.0
    @Option(help: "Directory under which results/scale-RUN/ is written.") var resultsDir = "results"
    @Option(
        help: ArgumentHelp(
            "Machine history to gate against: churn startup latencies as bench run's ops, memory per pod at 1.10x "
                + "(keep it apart from bench run's).",
            valueName: "dir"))
    var history: String?
    @Option(help: "How many of the machine's last runs the gate compares with.") var historyDepth = 5
    @Option(
        help: ArgumentHelp(
            "Default tolerance of the churn startup latencies (the history gate learns each op's own from 3 runs on).",
            valueName: "factor"))
    var threshold = 1.3
    @Option(
        help: ArgumentHelp(
            "The smallest tolerance the history gate may learn for a startup latency.", valueName: "factor"))
    var minTolerance = 1.2
    @Option(help: "Ignore p50 differences smaller than this many milliseconds.") var noiseFloorMs = 20.0

    func counts(_ text: String, _ flag: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value >= 1 else {
                throw ValidationError("--\(flag) takes positive counts separated by commas, got '\(part)'")
            }
            return value
        }
    }

    func validate() throws {
        _ = try counts(pods, "pods")
        _ = try counts(parallel, "parallel")
        _ = try counts(steadyPods, "steady-pods")
        guard steadySeconds >= 1, relistPeriodMs >= 10, statsPeriodMs >= 10, probePeriodMs >= 10 else {
            throw ValidationError("--steady-seconds must be at least 1 and each period at least 10 ms")
        }
        guard (0...1).contains(statusShare), (0...1).contains(probeShare) else {
            throw ValidationError("--status-share and --probe-share are shares between 0 and 1")
        }
        guard churnPods >= 0 else { throw ValidationError("--churn-pods cannot be negative") }
        do { _ = try SideSpec.parseAll(sideTexts) } catch { throw ValidationError("\(error)") }
    }

    func sides() throws -> [Workload] {
        guard !sideTexts.isEmpty else {
            return [Workload.defaultOCI(handler: ociHandler), Workload.defaultWasm(handler: wasmHandler)]
        }
        return try SideSpec.parseAll(sideTexts).map { Workload.side($0.kind, handler: $0.handler, family: $0.family) }
    }

    func run() async throws {
        try ResultsWriter.prepare(root: resultsDir)
        var gate = RegressionGate(
            threshold: threshold, noiseFloorNs: noiseFloorMs * 1e6, normalizeByHarnessOverhead: false)
        gate.minimumTolerance = minTolerance
        let gatePlan = GatePlan(gate: gate, historyRoot: history, historyDepth: historyDepth, baselinePath: nil)
        _ = try gatePlan.prepare()
        let ledger = ImageLedger()
        try ledger.prepare()
        var run = ScaleRun(
            endpoint: try connection.endpoint(), callTimeout: .seconds(connection.timeout),
            sides: try sides(),
            densityPods: try counts(pods, "pods"), churnPods: churnPods,
            churnParallel: try counts(parallel, "parallel"),
            ledger: ledger)
        var steadyPlan = SteadyPlan()
        steadyPlan.seconds = steadySeconds
        steadyPlan.relistPeriodMs = relistPeriodMs
        steadyPlan.statsPeriodMs = statsPeriodMs
        steadyPlan.probePeriodMs = probePeriodMs
        steadyPlan.statusShare = statusShare
        steadyPlan.probeShare = probeShare
        run.steadyPods = try counts(steadyPods, "steady-pods")
        run.steadyPlan = steadyPlan
        let (results, signal) = try await run.execute { progress($0) }
        print(ScaleReport.goBenchmarkLines(results), terminator: "")
        try write(results, under: resultsDir)
        try conclude(results, signal: signal, command: "bench scale")
        let failed = results.churn.filter { $0.errors > 0 }
        if !failed.isEmpty {
            throw BenchError(
                "\(failed.map(\.errors).reduce(0, +)) pod(s) failed to start in churn; first: "
                    + "\(failed[0].firstError ?? "?")"
            )
        }
        if history != nil, !results.churn.isEmpty || !results.density.isEmpty {
            let gateable = results.gateable
            try gatePlan.conclude(gateable, evaluation: try gatePlan.evaluate(gateable, baseline: nil)) { progress($0) }
        }
    }
}
