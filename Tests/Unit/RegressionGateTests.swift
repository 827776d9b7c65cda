import BenchKit
import Foundation
import Testing

@Suite struct RegressionGateTests {
    let gate = RegressionGate(threshold: 1.3, noiseFloorNs: 1_000_000)

    func baseline(_ medians: [String: Double]) -> Baseline { Baseline(recordedOn: "test", runID: "r", p50Ns: medians) }

    @Test func aSlowerOpRegresses() throws {
        // Current p50 of ImageInCri/pull/oci is 100 ms; a 70 ms baseline makes it 1.43x.
        let findings = try gate.compare(
            sampleResults(), with: baseline(["ImageInCri/pull/oci": 70_000_000]), named: "baseline")
        let pull = findings.first { $0.key == "ImageInCri/pull/oci" }
        #expect(pull?.verdict == .regressed)
        #expect(RegressionGate.failures(findings).map(\.key) == ["ImageInCri/pull/oci"])
    }

    @Test func aFasterOpImprovesAndPasses() throws {
        let findings = try gate.compare(
            sampleResults(), with: baseline(["ImageInCri/pull/wasm": 60_000_000]), named: "baseline")
        #expect(findings.first { $0.key == "ImageInCri/pull/wasm" }?.verdict == .improved)
        #expect(RegressionGate.failures(findings).isEmpty)
    }

    @Test func withinThresholdIsUnchanged() throws {
        let findings = try gate.compare(
            sampleResults(), with: baseline(["ImageInCri/pull/oci": 90_000_000]), named: "baseline")
        #expect(findings.first { $0.key == "ImageInCri/pull/oci" }?.verdict == .unchanged)
    }

    @Test func aMissingOpOfAMeasuredFlowFailsTheGate() throws {
        let findings = try gate.compare(
            sampleResults(),
            with: baseline(["ImageInCri/pull/oci": 100_000_000, "ImageInCri/inspect/wasm": 5_000_000]),
            named: "baseline")
        let missing: RegressionFinding.Verdict = .missing, new: RegressionFinding.Verdict = .new
        #expect(findings.first { $0.key == "ImageInCri/inspect/wasm" }?.verdict == missing)
        #expect(RegressionGate.failures(findings).map(\.key) == ["ImageInCri/inspect/wasm"])
        #expect(findings.filter { $0.verdict == new }.count == 3, "ops without a baseline are new, not failures")
    }

    /// `--flows pod` against a full baseline: the flows the run did not measure are not missing.
    @Test func opsOfFlowsTheRunDidNotMeasureAreLeftOut() throws {
        let findings = try gate.compare(
            sampleResults(),
            with: baseline(["ImageInCri/pull/oci": 100_000_000, "PodSandboxInCri/run/wasm": 5_000_000]),
            named: "baseline")
        #expect(!findings.contains { $0.key.hasPrefix("PodSandboxInCri/") })
        #expect(RegressionGate.failures(findings).isEmpty)
    }

    @Test func aBaselineWithNoOpInCommonIsRefusedNamingBoth() throws {
        let error = #expect(throws: BenchError.self) {
            try gate.compare(
                sampleResults(), with: baseline(["PodSandboxInCri/run/wasm": 5_000_000]), named: "baseline b.json")
        }
        let message = "\(error.map { "\($0)" } ?? "")"
        #expect(
            message.contains("baseline b.json") && message.contains("PodSandboxInCri")
                && message.contains("ImageInCri"), "\(message)")
    }

    @Test func differencesUnderTheNoiseFloorAreIgnored() throws {
        // 10.000001 ms vs a 5 ms baseline is 2x but only 5 ms apart; with a 10 ms floor, no regression.
        let lenient = RegressionGate(threshold: 1.3, noiseFloorNs: 10_000_000)
        let findings = try lenient.compare(
            sampleResults(), with: baseline(["ImageInCri/remove/wasm": 5_000_000]), named: "baseline")
        #expect(findings.first { $0.key == "ImageInCri/remove/wasm" }?.verdict == .unchanged)
    }

    @Test func aBusierMachineIsTakenOutWhenNormalizing() throws {
        // Everything, the null call included, twice as slow as in the baseline: machine drift.
        var results = sampleResults()
        results.harnessOverheadNs = [2_000_000, 2_000_000, 2_000_000]
        let recorded = Baseline(
            recordedOn: "test", runID: "r", p50Ns: ["ImageInCri/pull/oci": 50_000_000], harnessOverheadP50Ns: 1_000_000)
        let raw = try gate.compare(results, with: recorded, named: "baseline")
        #expect(
            raw.first { $0.key == "ImageInCri/pull/oci" }?.verdict == .regressed, "raw medians: 100 ms against 50 ms")
        let normalizing = RegressionGate(threshold: 1.3, noiseFloorNs: 1_000_000, normalizeByHarnessOverhead: true)
        let adjusted = try normalizing.compare(results, with: recorded, named: "baseline")
        #expect(adjusted.first { $0.key == "ImageInCri/pull/oci" }?.verdict == .unchanged)
        #expect(adjusted.first { $0.key == "ImageInCri/pull/oci" }?.machineScale == 2)
        #expect(adjusted.first { $0.key == "ImageInCri/pull/oci" }?.normalizedRatio.map { abs($0 - 1) < 0.001 } == true)
    }

    @Test func anOpSlowerThanTheMachineStillRegressesWhenNormalizing() throws {
        var results = sampleResults()
        results.harnessOverheadNs = [1_100_000]
        let recorded = Baseline(
            recordedOn: "test", runID: "r", p50Ns: ["ImageInCri/pull/oci": 50_000_000], harnessOverheadP50Ns: 1_000_000)
        let normalizing = RegressionGate(threshold: 1.3, noiseFloorNs: 1_000_000, normalizeByHarnessOverhead: true)
        let finding = try normalizing.compare(results, with: recorded, named: "baseline").first {
            $0.key == "ImageInCri/pull/oci"
        }
        #expect(finding?.verdict == .regressed, "100 ms against 50 ms on a machine only 1.1x slower")
        #expect(RegressionGate.failures([finding!]).count == 1)
    }

    /// A bimodal op (6 ms or 20 ms) whose slow share goes from 40% to 55%: the median jumps
    /// 3x, the distribution is the same within noise, and the gate must not fail on it.
    @Test func aMedianJumpingBetweenModesIsNotARegression() throws {
        func bimodal(fast: Int, slow: Int) -> [Int64] {
            (0..<fast).map { 6_000_000 + Int64($0) * 10_000 } + (0..<slow).map { 20_000_000 + Int64($0) * 10_000 }
        }
        var results = ResultSet(
            runID: "now",
            environment: .init(
                goarch: "amd64", cpu: "test", cpuCount: 2, host: "h", runtime: "r", endpoint: "e", handlers: [:]))
        for duration in bimodal(fast: 18, slow: 22) {
            results.record(
                flow: "ContainerInCri", operations: ["create"], kind: .oci, durations: [duration], window: [0, 0])
        }
        let old = bimodal(fast: 24, slow: 16)
        let recorded = Baseline(
            recordedOn: "test", runID: "r", p50Ns: ["ContainerInCri/create/oci": Summary(old)!.p50],
            samplesNs: ["ContainerInCri/create/oci": old])
        let finding = try gate.compare(results, with: recorded, named: "baseline").first {
            $0.key == "ContainerInCri/create/oci"
        }
        #expect((finding?.ratio ?? 0) > 1.3, "the medians do jump")
        #expect((finding?.pValue ?? 0) > 0.05)
        #expect(finding?.verdict == .unchanged)
    }

    @Test func aShiftOfEverySampleIsARegression() throws {
        let old: [Int64] = (0..<20).map { 50_000_000 + Int64($0) * 500_000 }
        var results = ResultSet(
            runID: "now",
            environment: .init(
                goarch: "amd64", cpu: "test", cpuCount: 2, host: "h", runtime: "r", endpoint: "e", handlers: [:]))
        for duration in old.map({ $0 * 3 / 2 }) {
            results.record(
                flow: "PodSandboxInCri", operations: ["run"], kind: .wasm, durations: [duration], window: [0, 0])
        }
        let recorded = Baseline(
            recordedOn: "test", runID: "r", p50Ns: ["PodSandboxInCri/run/wasm": Summary(old)!.p50],
            samplesNs: ["PodSandboxInCri/run/wasm": old])
        let finding = try gate.compare(results, with: recorded, named: "baseline").first {
            $0.key == "PodSandboxInCri/run/wasm"
        }
        #expect((finding?.pValue ?? 1) < 0.001)
        #expect(finding?.verdict == .regressed)
    }

    @Test func baselineRoundTripsThroughJSON() throws {
        let recorded = Baseline(from: sampleResults())
        #expect(recorded.p50Ns["ImageInCri/pull/oci"] == 100_000_001)
        let path = NSTemporaryDirectory() + "baseline-\(UUID().uuidString).json"
        try recorded.data().write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Baseline.load(path) == recorded)
        #expect(throws: BenchError.self) { try Baseline.load("/nonexistent/baseline.json") }
    }
}
