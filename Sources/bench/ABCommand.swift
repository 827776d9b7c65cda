import ArgumentParser
import BenchKit
import Foundation

struct ABCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab",
        abstract: "Gate a runtime change: side B against side A, measured interleaved in one run.",
        discussion: """
            Runs the flows with two sides, a (the runtime as it is) and b (the candidate), alternating \
            sample by sample, and gives the verdict itself: an op of b regressed when its samples moved \
            beyond --threshold of a's p50 (Hodges-Lehmann shift), by more than --noise-floor-ms, and \
            the difference is significant (Mann-Whitney U, p < --significance). Machine drift moves \
            both sides alike, so no history is needed: this is the gate for CI runners that are a new \
            machine every night. Register a second build as a handler of its own with \
            scripts/add-runtime-handler.sh. Exits 1 naming the ops that regressed.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Runtime handler of side a, the reference.") var a: String
    @Option(help: "Runtime handler of side b, the candidate.") var b: String
    @Option(help: "Images both sides run: oci (busybox) or wasm (CRIBench's modules); default from a's name.")
    var family: WorkloadFamily?
    @Option(
        help: ArgumentHelp("Flows to run, comma-separated (as bench run's --flows).", valueName: "flows"),
        transform: FlowName.list)
    var flows = FlowName.defaults
    @Option(help: "Measured samples per flow and side.") var samples = 40
    @Option(help: "Warm-up samples per flow and side.") var warmup = 3
    @Option(help: "Time budget per flow in seconds (0: none).") var budget = 180
    @Option(help: "An op regressed when b's samples moved beyond this factor of a's p50.") var threshold = 1.15
    @Option(help: "Ignore shifts smaller than this many milliseconds.") var noiseFloorMs = 2.0
    @Option(help: "Significance level of the Mann-Whitney test.") var significance = 0.01
    @Option(help: "Directory under which results/RUN/ is written.") var resultsDir = "results"

    func validate() throws {
        guard a != b else {
            throw ValidationError(
                "--a and --b name the same handler '\(a)'; an A/B run needs two (register a second build with "
                    + "scripts/add-runtime-handler.sh)"
            )
        }
        guard threshold >= 1 else { throw ValidationError("--threshold must be at least 1, got \(threshold)") }
        guard samples >= 3 else {
            throw ValidationError("--samples must be at least 3 for a significance test, got \(samples)")
        }
        guard (0.0001...0.2).contains(significance) else {
            throw ValidationError("--significance must be between 0.0001 and 0.2")
        }
    }

    func run() async throws {
        try ResultsWriter.prepare(root: resultsDir)
        let ledger = ImageLedger()
        try ledger.prepare()
        let images = family ?? .guess(handler: a)
        let (reference, candidate) = (WorkloadKind(rawValue: "a"), WorkloadKind(rawValue: "b"))
        let sides = [
            Workload.side(reference, handler: a, family: images), Workload.side(candidate, handler: b, family: images),
        ]
        let run = BenchmarkRun(
            endpoint: try connection.endpoint(), callTimeout: .seconds(connection.timeout),
            plan: SamplingPlan(
                samples: samples, warmup: warmup, flowBudget: budget > 0 ? .seconds(budget) : nil, sides: sides),
            flows: flows.map(\.flow), ledger: ledger, stopGracePeriodSeconds: FlowContext.defaultStopGracePeriodSeconds)
        let (results, signal) = try await run.execute { progress($0) }
        let gate = RegressionGate(threshold: threshold, noiseFloorNs: noiseFloorMs * 1e6, significance: significance)
        var evaluation = GateEvaluation()
        // A run that compared nothing fails too, naming what the runtimes answered.
        let outcome = Result {
            try ABComparison.compare(results, reference: reference, candidate: candidate, gate: gate)
        }
        if case .success(let compared) = outcome {
            evaluation = GateEvaluation(
                verdict: .init(
                    source: "side a (\(a)), measured interleaved with side b (\(b))", findings: compared.findings))
        }
        // The reports are written whatever the comparison made of the run.
        print(GoBenchReporter.render(results), terminator: "")
        try write(FlowRunReport(results, gate: evaluation), under: resultsDir)
        try conclude(results, signal: signal, command: "bench ab")
        let compared = try outcome.get()
        for line in evaluation.consoleLines(results, gate: gate) { progress(line) }
        let refusals = compared.refusalLines(reference: "a (\(a))", candidate: "b (\(b))")
        for line in refusals { progress(line) }
        var failures: [String] = []
        if let message = evaluation.failureMessage { failures.append("b (\(b)) is slower than a (\(a)): \(message)") }
        if !refusals.isEmpty { failures.append(refusals.joined(separator: "; ")) }
        if !failures.isEmpty { throw BenchError(failures.joined(separator: "; ")) }
    }
}
