import BenchKit
import Foundation
import Testing

/// The history gate's own tolerance per op, and the shift it judges instead of the median.
@Suite struct LearnedToleranceTests {
    let gate = RegressionGate(threshold: 1.3, noiseFloorNs: 1_000_000)

    /// 40 samples around `center` ns, spread a little so that no two are equal.
    func samples(_ center: Double) -> [Int64] { (0..<40).map { Int64(center * (0.95 + Double($0) * 0.0025)) } }

    /// A history run holding a steady op and a volatile op, each at its base times `factor`.
    func run(_ index: Int, steady: Double, volatile: Double) -> Baseline {
        let samplesByKey = [
            "ImageInCri/pull/oci": samples(20e6 * steady), "ContainerInCri/stop/oci": samples(20e6 * volatile),
        ]
        return Baseline(
            recordedOn: "m", runID: "r\(index)", p50Ns: samplesByKey.mapValues { Summary($0)!.p50 },
            samplesNs: samplesByKey)
    }

    func results(steady: Double, volatile: Double) -> ResultSet {
        var results = ResultSet(
            runID: "now",
            environment: .init(
                goarch: "amd64", cpu: "c", cpuCount: 2, host: "h", runtime: "r", endpoint: "e", handlers: [:]))
        for (pull, stop) in zip(samples(20e6 * steady), samples(20e6 * volatile)) {
            results.record(flow: "ImageInCri", operations: ["pull"], kind: .oci, durations: [pull], window: [0, 0])
            results.record(flow: "ContainerInCri", operations: ["stop"], kind: .oci, durations: [stop], window: [0, 0])
        }
        return results
    }

    let steadyFactors = [1.0, 1.02, 0.99, 1.01, 1.03]
    let volatileFactors = [1.0, 1.25, 0.95, 1.2, 1.05]
    var history: [Baseline] { (0..<5).map { run($0, steady: steadyFactors[$0], volatile: volatileFactors[$0]) } }

    @Test func aSteadyOpGetsTheFloorAndAVolatileOpItsOwnSpread() throws {
        let tolerances = LearnedTolerance.learn(history, defaultThreshold: 1.3, floor: 1.2)
        let steady = try #require(tolerances["ImageInCri/pull/oci"]),
            volatile = try #require(tolerances["ContainerInCri/stop/oci"])
        #expect(steady.factor == 1.2 && steady.runs == 5)
        #expect((steady.spread ?? 0) < 1.05, "\(steady)")
        // The 0.95 run against the others (median 1.05): about 1.11x apart; the tolerance doubles that.
        #expect((1.15...1.35).contains(volatile.spread ?? 0), "\(volatile)")
        #expect(abs(volatile.factor - (1 + 2 * (volatile.spread! - 1))) < 1e-9)
        #expect(volatile.origin.hasPrefix("learned: 5 runs moved up to"))
    }

    /// The same run judged with one threshold for all and with the learned tolerances: the
    /// volatile op's 1.42x (within its own spread) no longer fails the night, the steady op's 1.25x now does.
    @Test func learnedTolerancesMoveTheVerdictBothWays() throws {
        let run = results(steady: 1.25, volatile: 1.42)
        let pooled = try #require(Baseline.pooled(history))
        let fixed = try gate.compare(run, with: pooled, named: "h")
        let learned = try gate.compare(
            run, with: pooled, named: "h",
            tolerances: LearnedTolerance.learn(history, defaultThreshold: 1.3, floor: 1.2))
        func verdict(_ findings: [RegressionFinding], _ key: String) -> RegressionFinding.Verdict? {
            findings.first { $0.key == key }?.verdict
        }
        #expect(
            verdict(fixed, "ContainerInCri/stop/oci") == .regressed
                && verdict(fixed, "ImageInCri/pull/oci") == .unchanged)
        #expect(
            verdict(learned, "ContainerInCri/stop/oci") == .unchanged
                && verdict(learned, "ImageInCri/pull/oci") == .regressed)
        let pull = try #require(learned.first { $0.key == "ImageInCri/pull/oci" })
        #expect(pull.rule == "shift" && pull.tolerance == 1.2 && (pull.judgedRatio ?? 0) > 1.2)
    }

    @Test func aYoungHistoryKeepsTheDefaultThreshold() {
        let tolerances = LearnedTolerance.learn(Array(history.prefix(2)), defaultThreshold: 1.3, floor: 1.2)
        #expect(tolerances["ContainerInCri/stop/oci"] == OpTolerance(factor: 1.3, spread: nil, runs: 2))
        #expect(tolerances["ContainerInCri/stop/oci"]?.origin.hasPrefix("default") == true)
    }

    /// CreateContainer takes about 6 ms or about 20 ms. With enough samples even a moderate change
    /// of the modes' shares is significant, and the median jumps 3x; the shift most pairs of
    /// samples show stays within a mode, so the night passes.
    @Test func aBimodalOpWhoseMedianJumpsIsJudgedByItsShift() throws {
        func bimodal(fast: Int, slow: Int) -> [Int64] {
            (0..<fast).map { 6_000_000 + Int64($0) * 1_000 } + (0..<slow).map { 20_000_000 + Int64($0) * 1_000 }
        }
        let old = bimodal(fast: 120, slow: 80)
        var results = ResultSet(
            runID: "now",
            environment: .init(
                goarch: "amd64", cpu: "c", cpuCount: 2, host: "h", runtime: "r", endpoint: "e", handlers: [:]))
        for duration in bimodal(fast: 70, slow: 130) {
            results.record(
                flow: "ContainerInCri", operations: ["create"], kind: .oci, durations: [duration], window: [0, 0])
        }
        let reference = Baseline(
            recordedOn: "m", runID: "r", p50Ns: ["ContainerInCri/create/oci": Summary(old)!.p50],
            samplesNs: ["ContainerInCri/create/oci": old])
        let finding = try #require(try gate.compare(results, with: reference, named: "h").first)
        #expect((finding.ratio ?? 0) > 2.5, "the median jumped to the other mode")
        #expect((finding.pValue ?? 1) < 0.05, "and the change of shares is significant")
        #expect((finding.judgedRatio ?? 9) < 1.1 && finding.verdict == .unchanged, "\(finding)")
        // Every sample slower by 10 ms is a regression, modes or not.
        var slower = ResultSet(runID: "slow", environment: results.environment)
        for duration in old {
            slower.record(
                flow: "ContainerInCri", operations: ["create"], kind: .oci, durations: [duration + 10_000_000],
                window: [0, 0])
        }
        #expect(try gate.compare(slower, with: reference, named: "h").first?.verdict == .regressed)
    }

    /// A bimodal op whose runs sit in different modes: the spread is large but finite, and the
    /// tolerance stops at the ceiling instead of switching the op's gate off.
    @Test func aBimodalHistoryLearnsABoundedTolerance() throws {
        func run(_ index: Int, slow: Int) -> Baseline {
            let fast: [Int64] = (0..<(40 - slow)).map { 6_000_000 + Int64($0) * 1_000 }
            let samples: [Int64] = fast + (0..<slow).map { 20_000_000 + Int64($0) * 1_000 }
            return Baseline(
                recordedOn: "m", runID: "r\(index)", p50Ns: ["ContainerInCri/create/oci": Summary(samples)!.p50],
                samplesNs: ["ContainerInCri/create/oci": samples])
        }
        let runs = [run(0, slow: 8), run(1, slow: 10), run(2, slow: 12), run(3, slow: 36), run(4, slow: 38)]
        let tolerance = try #require(
            LearnedTolerance.learn(runs, defaultThreshold: 1.3, floor: 1.2)["ContainerInCri/create/oci"])
        #expect(tolerance.spread.map { $0.isFinite && $0 > 2 } == true, "\(tolerance)")
        #expect(tolerance.factor == LearnedTolerance.ceiling)
    }

    /// With --normalize, runs that were slower only because the whole machine was (their null
    /// call too) have no spread of their own.
    @Test func normalizedRunsLearnWithoutTheMachinesDrift() throws {
        let runs = [1.0, 1.3, 0.8, 1.2].enumerated().map { index, drift in
            let samples = self.samples(20e6 * drift)
            return Baseline(
                recordedOn: "m", runID: "r\(index)", p50Ns: ["ImageInCri/pull/oci": Summary(samples)!.p50],
                harnessOverheadP50Ns: 200_000 * drift, samplesNs: ["ImageInCri/pull/oci": samples])
        }
        let raw = try #require(LearnedTolerance.learn(runs, defaultThreshold: 1.3, floor: 1.2)["ImageInCri/pull/oci"])
        let normalized = try #require(
            LearnedTolerance.learn(runs, defaultThreshold: 1.3, floor: 1.2, normalize: true)["ImageInCri/pull/oci"])
        #expect(raw.factor > 1.4 && normalized.factor == 1.2, "raw \(raw), normalized \(normalized)")
    }

    /// A history whose runs hold no samples of an op pools none: the op is judged by its p50s,
    /// not by a test of its samples against nothing (which could never find a change).
    @Test func anOpWithoutSamplesInTheHistoryIsJudgedByItsMedians() throws {
        let runs = (0..<3).map { Baseline(recordedOn: "m", runID: "r\($0)", p50Ns: ["ImageInCri/pull/oci": 20e6]) }
        let pooled = try #require(Baseline.pooled(runs))
        #expect(pooled.samplesNs?["ImageInCri/pull/oci"] == nil)
        let finding = try #require(
            try gate.compare(results(steady: 1.5, volatile: 1), with: pooled, named: "h").first {
                $0.key == "ImageInCri/pull/oci"
            })
        #expect(finding.rule == "p50" && finding.pValue == nil && finding.verdict == .regressed, "\(finding)")
    }

    @Test func hodgesLehmannIsTheMedianPairwiseDifference() {
        #expect(HodgesLehmann.shift([11, 12, 13], from: [1, 2, 3]) == 10)
        #expect(HodgesLehmann.shift([], from: [1]) == nil)
        // Mostly unchanged pairs: 60 of 100 fast before, 45 of 100 fast after.
        let before = [Double](repeating: 6, count: 60) + [Double](repeating: 20, count: 40)
        let after = [Double](repeating: 6, count: 45) + [Double](repeating: 20, count: 55)
        #expect(HodgesLehmann.shift(after, from: before) == 0)
        #expect(HodgesLehmann.factor(after, from: before) == 1)
        #expect(abs((HodgesLehmann.factor([30, 33], from: [10, 11]) ?? 0) - 3) < 1e-9)
    }
}
