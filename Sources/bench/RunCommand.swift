import ArgumentParser
import BenchKit
import CRIClient
import Foundation

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Benchmark CRI operations for an OCI image and a wasm module (or any sides) side by side.",
        discussion: """
            Prints Go benchmark lines on stdout (benchstat -col /kind compares the sides), progress on \
            stderr, and writes bench.txt, results.json, critest-*.json, summary.md and chart.svg under \
            RESULTS/RUN/. Everything the run creates is labelled with its id and removed at the end, \
            also on failure or Ctrl-C (exit 130; the partial results are kept and marked partial).
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Measured samples per flow and side.") var samples = 20
    @Option(help: "Warm-up samples per flow and side, run and dropped.") var warmup = 2
    @Option(help: "Time budget per flow in seconds (0: none); a flow stops early once spent, after at least 3 samples.")
    var budget = 120
    @Option(
        help: ArgumentHelp(
            "Flows to run, comma-separated (default: \(FlowName.defaults.map(\.rawValue).joined(separator: ","))): "
                + FlowName.help + ".", valueName: "flows"), transform: FlowName.list)
    var flows = FlowName.defaults

    @Option(help: "OCI image the image flow pulls and removes.") var ociImage = NodeSettings.current.busyboxImage
    @Option(help: "Wasm module image the image flow pulls and removes.") var wasmImage = NodeSettings.current.wasmImage(
        "wasi-example")
    @Option(
        help: ArgumentHelp(
            "A wasm module by URL (http, https, file), as the wasm fork's wasm.module.url: fetched, packaged as a "
                + "wasm image in the local registry and pulled with the URL in the ImageSpec's annotations; replaces "
                + "--wasm-image.",
            valueName: "url"))
    var wasmModuleURL: String?
    @Option(help: "Runtime handler of the OCI side.") var ociHandler = "runc"
    @Option(help: "Runtime handler of the wasm side.") var wasmHandler = "wasm"
    @Option(
        name: .customLong("side"),
        help: ArgumentHelp(
            "A side NAME=HANDLER[:oci|wasm], repeatable, in place of the OCI and wasm sides: every flow interleaves "
                + "all of them, and reports set each against the first (e.g. --side oci=runc --side crun=crun --side "
                + "wasm=wasm).",
            valueName: "side"))
    var sideTexts: [String] = []
    @Option(help: "Grace period of StopContainer, in seconds.")
    var stopTimeout = Int(FlowContext.defaultStopGracePeriodSeconds)

    @Option(help: "Directory under which results/RUN/ is written.") var resultsDir = "results"
    @Option(
        help:
            ArgumentHelp(
                "The Kubernetes node this run measures, recorded in its results for bench merge (default: $NODE_NAME, "
                    + "else the host name).")
    ) var nodeName: String?
    @Flag(
        help:
            ArgumentHelp(
                "Print bench.txt on stdout between '--- cribench bench.txt begin/end ---' lines, so that `kubectl "
                    + "logs` "
                    + "yields it.")
    ) var markers = false
    @Flag(help: "After the run, stay up until SIGTERM (for a DaemonSet, whose pods always restart).") var hold = false
    @Option(
        help: ArgumentHelp(
            "Machine history to gate against: the run is compared with the last runs of this machine (same CPU, "
                + "kernel, runtime, handlers) kept there, and added to it when it passes; a machine with no history "
                + "records this run and passes.",
            valueName: "dir"))
    var history: String?
    @Option(help: "How many of the machine's last runs the gate compares with.") var historyDepth = 5
    @Option(
        help:
            ArgumentHelp(
                "A baseline.json to compare with: a verdict if it was recorded on this machine and no history is "
                    + "given, "
                    + "else a reference shown in summary.md.")
    ) var baseline: String?
    @Option(
        help: ArgumentHelp(
            "Default tolerance: an op regressed when its samples moved (Hodges-Lehmann shift) beyond this factor of "
                + "the reference's p50; the history gate learns each op's own tolerance once it holds 3 runs with "
                + "samples.",
            valueName: "factor"))
    var threshold = 1.3
    @Option(help: ArgumentHelp("The smallest tolerance the history gate may learn for an op.", valueName: "factor"))
    var minTolerance = 1.2
    @Option(help: "Ignore p50 differences smaller than this many milliseconds (noise floor of the gate).")
    var noiseFloorMs = 2.0
    @Flag(
        inversion: .prefixedNo,
        help: "Divide each p50 by the machine scale (this run's null-call p50 over the reference's) before comparing.")
    var normalize = false
    @Option(help: "Write this run's medians as a baseline to this path.") var recordBaseline: String?

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative, got \(warmup)") }
        guard budget >= 0 else { throw ValidationError("--budget cannot be negative, got \(budget)") }
        guard threshold >= 1 else {
            throw ValidationError("--threshold must be at least 1 (a factor over the baseline), got \(threshold)")
        }
        guard minTolerance >= 1 else {
            throw ValidationError("--min-tolerance must be at least 1, got \(minTolerance)")
        }
        guard noiseFloorMs >= 0 else { throw ValidationError("--noise-floor-ms cannot be negative") }
        guard stopTimeout >= 0 else { throw ValidationError("--stop-timeout cannot be negative") }
        guard historyDepth >= 1 else {
            throw ValidationError("--history-depth must be at least 1, got \(historyDepth)")
        }
        do { _ = try SideSpec.parseAll(sideTexts) } catch { throw ValidationError("\(error)") }
    }

    var selectedFlows: [any Flow] { flows.map(\.flow) }

    func run() async throws {
        do {
            try await measureAndReport()
        } catch {
            if hold {
                holdUntilStopped(after: "the run failed: \(error)", exitCode: (error as? ExitCode)?.rawValue ?? 1)
            }
            throw error
        }
        if hold { holdUntilStopped(after: "the run passed", exitCode: 0) }
    }

    func measureAndReport() async throws {
        try ResultsWriter.prepare(root: resultsDir)
        let ledger = ImageLedger()
        try ledger.prepare()
        var gate = RegressionGate(
            threshold: threshold, noiseFloorNs: noiseFloorMs * 1e6, normalizeByHarnessOverhead: normalize)
        gate.minimumTolerance = minTolerance
        let gatePlan = GatePlan(gate: gate, historyRoot: history, historyDepth: historyDepth, baselinePath: baseline)
        let baselineData = try gatePlan.prepare()
        let oci = Workload.defaultOCI(), wasm = Workload.defaultWasm()
        var wasmSideImage = wasmImage, moduleAnnotations: [String: String]?
        let modules = ModuleURLImages(registry: try NodeSettings.load().registry)
        let endpoint = try connection.endpoint()
        var pushed: [ModuleURLImages.Pushed] = []
        let results: ResultSet, signal: Int32?
        do {
            if let wasmModuleURL {
                let (published, new) = try await modules.publish(url: wasmModuleURL, imageName: "url-module")
                if new { pushed.append(.init(repository: published.repository, digest: published.manifestDigest)) }
                wasmSideImage = published.reference
                moduleAnnotations = [ContainerManifest.moduleURLAnnotation: wasmModuleURL]
                progress("module \(wasmModuleURL) is image \(published.reference)")
            }
            let specs =
                sideTexts.isEmpty
                ? [
                    SideSpec(kind: .oci, handler: ociHandler, family: .oci),
                    SideSpec(kind: .wasm, handler: wasmHandler, family: .wasm),
                ]
                : try SideSpec.parseAll(sideTexts)
            let sides = specs.map { spec in
                let base = spec.family == .oci ? oci : wasm
                return Workload(
                    kind: spec.kind, image: spec.family == .oci ? ociImage : wasmSideImage, idleImage: base.idleImage,
                    idleCommand: base.idleCommand, runtimeHandler: spec.handler,
                    imageAnnotations: spec.family == .wasm ? moduleAnnotations : nil)
            }
            let run = BenchmarkRun(
                endpoint: endpoint, callTimeout: .seconds(connection.timeout),
                plan: SamplingPlan(
                    samples: samples, warmup: warmup, flowBudget: budget > 0 ? .seconds(budget) : nil, sides: sides),
                flows: selectedFlows, ledger: ledger, stopGracePeriodSeconds: Int64(stopTimeout))
            var executed = try await run.execute { progress($0) }
            if let nodeName { executed.results.environment.node = nodeName }
            (results, signal) = executed
            await modules.unpublish(pushed) { progress($0) }
        } catch {
            await modules.unpublish(pushed) { progress($0) }
            throw error
        }

        let evaluation = try gatePlan.evaluate(results, baseline: baselineData)
        if markers {
            print(
                "--- cribench bench.txt begin node=\(results.environment.node ?? results.environment.host) "
                    + "run=\(results.runID) ---"
            )
        }
        print(GoBenchReporter.render(results), terminator: "")
        if markers { print("--- cribench bench.txt end ---") }
        try write(FlowRunReport(results, gate: evaluation), under: resultsDir)
        if let recordBaseline {
            try Baseline(from: results).data().write(to: URL(fileURLWithPath: recordBaseline))
            progress("baseline recorded in \(recordBaseline)")
        }
        try conclude(results, signal: signal, command: "bench run")
        try gatePlan.conclude(results, evaluation: evaluation) { progress($0) }
    }
}
