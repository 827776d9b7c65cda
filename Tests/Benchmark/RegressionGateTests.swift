import BenchKit
import Foundation
import Testing

@Suite struct RegressionGateTests {
    let gate = RegressionGate(threshold: 1.3, noiseFloorNs: 1_000_000)

    func baseline(_ medians: [String: Double]) -> Baseline { Baseline(recordedOn: "test", runID: "r", p50Ns: medians) }

    @Test func aSlowerOpRegresses() {
        // Current p50 of ImageInCri/pull/oci is 100 ms; a 70 ms baseline makes it 1.43x.
        let findings = gate.compare(sampleResults(), with: baseline(["ImageInCri/pull/oci": 70_000_000]))
        let pull = findings.first { $0.key == "ImageInCri/pull/oci" }
        #expect(pull?.verdict == .regressed)
        #expect(RegressionGate.failures(findings).map(\.key) == ["ImageInCri/pull/oci"])
    }

    @Test func aFasterOpImprovesAndPasses() {
        let findings = gate.compare(sampleResults(), with: baseline(["ImageInCri/pull/wasm": 60_000_000]))
        #expect(findings.first { $0.key == "ImageInCri/pull/wasm" }?.verdict == .improved)
        #expect(RegressionGate.failures(findings).isEmpty)
    }

    @Test func withinThresholdIsUnchanged() {
        let findings = gate.compare(sampleResults(), with: baseline(["ImageInCri/pull/oci": 90_000_000]))
        #expect(findings.first { $0.key == "ImageInCri/pull/oci" }?.verdict == .unchanged)
    }

    @Test func aMissingOpFailsTheGate() {
        let findings = gate.compare(sampleResults(), with: baseline(["PodSandboxInCri/run/wasm": 5_000_000]))
        #expect(findings.first { $0.key == "PodSandboxInCri/run/wasm" }?.verdict == .missing)
        #expect(RegressionGate.failures(findings).map(\.key) == ["PodSandboxInCri/run/wasm"])
        #expect(findings.filter { $0.verdict == .new }.count == 4, "ops without a baseline are new, not failures")
    }

    @Test func differencesUnderTheNoiseFloorAreIgnored() {
        // 10.000001 ms vs a 5 ms baseline is 2x but only 5 ms apart; with a 10 ms floor, no regression.
        let lenient = RegressionGate(threshold: 1.3, noiseFloorNs: 10_000_000)
        let findings = lenient.compare(sampleResults(), with: baseline(["ImageInCri/remove/wasm": 5_000_000]))
        #expect(findings.first { $0.key == "ImageInCri/remove/wasm" }?.verdict == .unchanged)
    }

    @Test func aBusierMachineIsTakenOutWhenNormalizing() {
        // Everything, the null call included, twice as slow as in the baseline: machine drift.
        var results = sampleResults()
        results.harnessOverheadNs = [2_000_000, 2_000_000, 2_000_000]
        let recorded = Baseline(recordedOn: "test", runID: "r", p50Ns: ["ImageInCri/pull/oci": 50_000_000], harnessOverheadP50Ns: 1_000_000)
        let raw = gate.compare(results, with: recorded)
        #expect(raw.first { $0.key == "ImageInCri/pull/oci" }?.verdict == .regressed, "raw medians: 100 ms against 50 ms")
        let normalizing = RegressionGate(threshold: 1.3, noiseFloorNs: 1_000_000, normalizeByHarnessOverhead: true)
        let adjusted = normalizing.compare(results, with: recorded)
        #expect(adjusted.first { $0.key == "ImageInCri/pull/oci" }?.verdict == .unchanged)
        #expect(adjusted.first { $0.key == "ImageInCri/pull/oci" }?.machineScale == 2)
        #expect(adjusted.first { $0.key == "ImageInCri/pull/oci" }?.normalizedRatio.map { abs($0 - 1) < 0.001 } == true)
    }

    @Test func anOpSlowerThanTheMachineStillRegressesWhenNormalizing() {
        var results = sampleResults()
        results.harnessOverheadNs = [1_100_000]
        let recorded = Baseline(recordedOn: "test", runID: "r", p50Ns: ["ImageInCri/pull/oci": 50_000_000], harnessOverheadP50Ns: 1_000_000)
        let normalizing = RegressionGate(threshold: 1.3, noiseFloorNs: 1_000_000, normalizeByHarnessOverhead: true)
        let finding = normalizing.compare(results, with: recorded).first { $0.key == "ImageInCri/pull/oci" }
        #expect(finding?.verdict == .regressed, "100 ms against 50 ms on a machine only 1.1x slower")
        #expect(RegressionGate.failures([finding!]).count == 1)
    }

    /// A bimodal op (6 ms or 20 ms) whose slow share goes from 40% to 55%: the median jumps
    /// 3x, the distribution is the same within noise, and the gate must not fail on it.
    @Test func aMedianJumpingBetweenModesIsNotARegression() {
        func bimodal(fast: Int, slow: Int) -> [Int64] {
            (0..<fast).map { 6_000_000 + Int64($0) * 10_000 } + (0..<slow).map { 20_000_000 + Int64($0) * 10_000 }
        }
        var results = ResultSet(runID: "now", environment: .init(goarch: "amd64", cpu: "test", cpuCount: 2, host: "h", runtime: "r", endpoint: "e", handlers: [:]))
        for duration in bimodal(fast: 18, slow: 22) {
            results.record(flow: "ContainerInCri", operations: ["create"], kind: .oci, durations: [duration], window: [0, 0])
        }
        let old = bimodal(fast: 24, slow: 16)
        let recorded = Baseline(recordedOn: "test", runID: "r", p50Ns: ["ContainerInCri/create/oci": Summary(old)!.p50], samplesNs: ["ContainerInCri/create/oci": old])
        let finding = gate.compare(results, with: recorded).first { $0.key == "ContainerInCri/create/oci" }
        #expect((finding?.ratio ?? 0) > 1.3, "the medians do jump")
        #expect((finding?.pValue ?? 0) > 0.05)
        #expect(finding?.verdict == .unchanged)
    }

    @Test func aShiftOfEverySampleIsARegression() {
        let old: [Int64] = (0..<20).map { 50_000_000 + Int64($0) * 500_000 }
        var results = ResultSet(runID: "now", environment: .init(goarch: "amd64", cpu: "test", cpuCount: 2, host: "h", runtime: "r", endpoint: "e", handlers: [:]))
        for duration in old.map({ $0 * 3 / 2 }) {
            results.record(flow: "PodSandboxInCri", operations: ["run"], kind: .wasm, durations: [duration], window: [0, 0])
        }
        let recorded = Baseline(recordedOn: "test", runID: "r", p50Ns: ["PodSandboxInCri/run/wasm": Summary(old)!.p50], samplesNs: ["PodSandboxInCri/run/wasm": old])
        let finding = gate.compare(results, with: recorded).first { $0.key == "PodSandboxInCri/run/wasm" }
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
