import ArgumentParser
import BenchKit
import CRIClient
import Foundation

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Benchmark CRI operations for an OCI image and a wasm module side by side.",
        discussion: """
            Prints Go benchmark lines on stdout (benchstat -col /kind compares the sides), progress on \
            stderr, and writes bench.txt, results.json, critest-*.json, summary.md and chart.svg under \
            RESULTS/RUN/. Everything the run creates is labelled with its id and removed at the end, \
            also on failure or Ctrl-C (exit 130; the partial results are kept and marked partial).
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Measured samples per flow and side.") var samples = 20
    @Option(help: "Warm-up samples per flow and side, run and dropped.") var warmup = 2
    @Option(help: "Time budget per flow in seconds (0: none); a flow stops early once spent, after at least 3 samples.") var budget = 120
    @Option(help: "Flows to run, comma-separated: image, pod, container, e2e (in-flow), reads (status and list calls back to back, as critest times them).") var flows = "image,pod,container,e2e,reads"

    @Option(help: "OCI image the image flow pulls and removes.") var ociImage = NodeSettings.current.busyboxImage
    @Option(help: "Wasm module image the image flow pulls and removes.") var wasmImage = NodeSettings.current.wasmImage("wasi-example")
    @Option(help: "Runtime handler of the OCI side.") var ociHandler = "runc"
    @Option(help: "Runtime handler of the wasm side.") var wasmHandler = "wasm"
    @Option(help: "Grace period of StopContainer, in seconds.") var stopTimeout = 10

    @Option(help: "Directory under which results/RUN/ is written.") var resultsDir = "results"
    @Option(help: ArgumentHelp("Machine history to gate against: the run is compared with the last runs of this machine (same CPU, kernel, runtime, handlers) kept there, and added to it when it passes; a machine with no history records this run and passes.", valueName: "dir"))
    var history: String?
    @Option(help: "How many of the machine's last runs the gate compares with.") var historyDepth = 5
    @Option(help: "A baseline.json to compare with: a verdict if it was recorded on this machine and no history is given, else a reference shown in summary.md.") var baseline: String?
    @Option(help: "Regression threshold: an op regressed when its p50 exceeds the reference's by this factor.") var threshold = 1.3
    @Option(help: "Ignore p50 differences smaller than this many milliseconds (noise floor of the gate).") var noiseFloorMs = 2.0
    @Flag(inversion: .prefixedNo, help: "Divide each p50 by the machine scale (this run's null-call p50 over the reference's) before comparing.")
    var normalize = false
    @Option(help: "Write this run's medians as a baseline to this path.") var recordBaseline: String?

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative, got \(warmup)") }
        guard budget >= 0 else { throw ValidationError("--budget cannot be negative, got \(budget)") }
        guard threshold >= 1 else { throw ValidationError("--threshold must be at least 1 (a factor over the baseline), got \(threshold)") }
        guard noiseFloorMs >= 0 else { throw ValidationError("--noise-floor-ms cannot be negative") }
        guard stopTimeout >= 0 else { throw ValidationError("--stop-timeout cannot be negative") }
        guard historyDepth >= 1 else { throw ValidationError("--history-depth must be at least 1, got \(historyDepth)") }
        _ = try selectedFlows()
    }

    func selectedFlows() throws -> [any Flow] {
        let available: [String: any Flow] = [
            "image": ImageLifecycleFlow(), "pod": PodLifecycleFlow(), "container": ContainerLifecycleFlow(), "e2e": EndToEndFlow(),
            "reads": ReadOnlyFlow(),
        ]
        return try flows.split(separator: ",").map { name in
            let key = name.trimmingCharacters(in: .whitespaces)
            guard let flow = available[key] else {
                throw ValidationError("unknown flow '\(key)' in --flows; choose from image, pod, container, e2e, reads")
            }
            return flow
        }
    }

    func run() async throws {
        try ResultsWriter.prepare(root: resultsDir)
        let ledger = ImageLedger()
        try ledger.prepare()
        let gate = RegressionGate(threshold: threshold, noiseFloorNs: noiseFloorMs * 1e6, normalizeByHarnessOverhead: normalize)
        let gatePlan = GatePlan(gate: gate, historyRoot: history, historyDepth: historyDepth, baselinePath: baseline)
        let baselineData = try gatePlan.prepare()
        let endpoint = try connection.endpoint()
        let lock = try RuntimeLock.acquire(for: endpoint)
        defer { withExtendedLifetime(lock) {} }
        let sides = [
            Workload(kind: .oci, image: ociImage, idleImage: Workload.defaultOCI().idleImage, idleCommand: Workload.defaultOCI().idleCommand, runtimeHandler: ociHandler),
            Workload(kind: .wasm, image: wasmImage, idleImage: Workload.defaultWasm().idleImage, idleCommand: [], runtimeHandler: wasmHandler),
        ]
        let plan = SamplingPlan(samples: samples, warmup: warmup, flowBudget: budget > 0 ? .seconds(budget) : nil, sides: sides)
        let flowList = try selectedFlows()
        let runID = RunID.make()
        let signals = SignalTrap()

        let outcome = try await connection.withClient { client in
            let version = try await client.version()
            try await warnAboutForeignPods(client)
            let environment = ResultSet.Environment.current(
                runtime: "\(version.runtimeName) \(version.runtimeVersion)", endpoint: endpoint.description,
                handlers: ["oci": ociHandler, "wasm": wasmHandler])
            let tracker = ResourceTracker(recordingImagesIn: ledger, run: runID.value, endpoint: endpoint.description)
            let context = FlowContext(client: client, tracker: tracker, runID: runID, stopGracePeriodSeconds: Int64(stopTimeout))
            let sampler = Sampler(plan: plan, context: context) { progress($0) }
            progress("run \(runID) against \(endpoint): \(flowList.map(\.name).joined(separator: ", ")), \(samples) samples + \(warmup) warm-up per side")

            let initial = ResultSet(runID: runID.value, environment: environment)
            let measuring = Task(executorPreference: client.preferredExecutor) {
                var results = initial
                await sampler.run(flowList, into: &results)
                return results
            }
            let caught = await signals.cancelOnSignal(measuring)
            var results = await measuring.value
            // Cleanup runs outside the cancelled task, so its RPCs still go through.
            let failures = await tracker.removeAll(using: client, stopGracePeriodSeconds: 0)
            for failure in failures { progress("cleanup: \(failure)") }
            // A call cancelled in flight (Ctrl-C) may have created what the tracker never
            // learnt of: sweep this run's labels and ledger entries as well.
            var selector = Ownership.anyRunSelector
            selector[Ownership.runLabel] = runID.value
            do {
                let swept = try await Cleanup.removeLabelled(selector, ledger: ledger, using: client)
                if swept.pods + swept.containers + swept.images > 0 {
                    progress("cleanup: also removed \(swept.containers) container(s), \(swept.pods) pod(s) and \(swept.images) image(s) of this run that a cancelled call had left untracked")
                }
            } catch {
                progress("cleanup: \(error)")
            }
            results.finishedAt = Date()
            if let signal = caught.value {
                results.partial = true
                results.errors.append("interrupted by signal \(signal)")
            } else if !results.errors.isEmpty {
                results.partial = true
            }
            return (results, caught.value)
        }
        let (results, signal) = outcome

        let evaluation = try gatePlan.evaluate(results, baseline: baselineData)
        print(GoBenchReporter.render(results), terminator: "")
        let writer = ResultsWriter(resultsRoot: resultsDir, results: results)
        try writer.write(results, gate: evaluation)
        progress("results written to \(writer.directory)/")
        if let recordBaseline {
            try Baseline(from: results).data().write(to: URL(fileURLWithPath: recordBaseline))
            progress("baseline recorded in \(recordBaseline)")
        }

        if let signal { throw ExitCode(128 + signal) }
        if !results.errors.isEmpty {
            throw BenchError("the run had errors: \(results.errors.joined(separator: "; "))")
        }
        for line in evaluation.consoleLines(results, gate: gate) { progress(line) }
        if let message = evaluation.failureMessage { throw BenchError(message) }
        if let directory = try gatePlan.record(results, evaluation: evaluation) {
            progress(evaluation.firstRunOfMachine ? "recorded this machine's first baseline in \(directory)" : "run added to this machine's history in \(directory)")
        }
    }

    /// critest expects to be the runtime's only user; CRIBench says so plainly and goes on.
    func warnAboutForeignPods(_ client: CRIClient) async throws {
        let foreign = try await client.listPodSandbox().filter { $0.labels[Ownership.ownerLabel] != Ownership.ownerValue }
        if !foreign.isEmpty {
            progress("warning: the runtime runs \(foreign.count) pod(s) that are not CRIBench's (e.g. \(foreign[0].metadata.namespace)/\(foreign[0].metadata.name)); they compete for the machine and may disturb the figures")
        }
    }
}

/// Progress and warnings go to stderr, so stdout holds nothing but results.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("[bench] \(message)\n".utf8))
}
