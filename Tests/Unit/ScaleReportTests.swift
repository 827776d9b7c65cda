import BenchKit
import Foundation
import Testing

@Suite("bench scale reports")
struct ScaleReportTests {
    func results() -> ScaleResults {
        var results = ScaleResults(
            runID: "r",
            environment: .init(
                goarch: "amd64", cpu: "CPU", cpuCount: 2, host: "h", runtime: "containerd 1.6",
                endpoint: "unix:///s", handlers: [:]))
        var density = DensityPoint(kind: .wasm, pods: 10, memorySource: .processTree)
        density.shimPSSBytes = 30_000_000
        density.pausePSSBytes = 1_000_000
        density.workloadPSSBytes = 14_000_000
        density.criWorkingSetBytes = 5_000_000
        density.criPodWorkingSetBytes = 7_000_000
        density.timeToAllRunningNs = 2_000_000_000
        results.density = [density, DensityPoint(kind: .oci, pods: 10, memorySource: .criOnly)]
        var churn = ChurnPoint(kind: .oci, parallel: 4, pods: 5)
        churn.startupNs = [100, 200, 300, 400, 6_000_000_000]
        churn.wallNs = 2_000_000_000
        results.churn = [churn]
        return results
    }

    @Test func goLinesCarryPerPodMemoryAndPercentilesBenchstatCanRead() {
        let lines = ScaleReport.goBenchmarkLines(results()).split(separator: "\n")
        #expect(
            lines.contains(
                "BenchmarkDensity/pods=10/kind=wasm-2\t1\t2000000000 ns/op\t4500000 B/pod\t500000 cri-B/pod\t700000 "
                    + "cri-pod-B/pod"
            ))
        // Without the runtime's processes there is no PSS figure, only CRI's.
        #expect(lines.contains("BenchmarkDensity/pods=10/kind=oci-2\t1\t0 ns/op\t0 cri-B/pod"))
        let churn = lines.first { $0.hasPrefix("BenchmarkChurn/parallel=4/kind=oci-2\t5\t300 ns/op") }
        #expect(churn?.contains("2.50 pods/s") == true, "\(String(describing: churn))")
    }

    @Test func summaryMarksTheSLOAndSaysWhereMemoryCameFrom() {
        let text = ScaleReport.markdown(results())
        #expect(text.contains("**missed**"), "a p99 of 6 s misses the 5 s SLO")
        #expect(text.contains("CRI's stats alone"))
        #expect(text.contains("| wasm | 10 | 4.29 MiB |"))
    }

    /// Memory per pod is gated too, by its own rule: one value per run, 10% and 256 KiB.
    @Test func densityMemoryIsGatedByTheMemoryRule() throws {
        let gate = RegressionGate(threshold: 1.3, noiseFloorNs: 20_000_000)
        let current = results().gateable
        // 4.5 MB per pod now (wasm, process tree); the OCI side has CRI's figure only (0 B here).
        #expect(
            current.operations.contains { $0.key == "DensityInCri/pss-per-pod-10/wasm" && $0.samplesNs == [4_500_000] })
        #expect(current.operations.contains { $0.key == "DensityInCri/cri-working-set-per-pod-10/oci" })
        let history = { (bytes: Double) in
            Baseline(
                recordedOn: "test", runID: "old", p50Ns: ["DensityInCri/pss-per-pod-10/wasm": bytes],
                samplesNs: ["DensityInCri/pss-per-pod-10/wasm": [Int64(bytes), Int64(bytes), Int64(bytes)]])
        }
        let verdict = { (bytes: Double) in
            try gate.compare(current, with: history(bytes), named: "h").first {
                $0.key == "DensityInCri/pss-per-pod-10/wasm"
            }?.verdict
        }
        // 4.5 MB against 4.0 MB is 1.125x and 500 KB more: a regression, with no significance
        // test (a single value per run could never be significant).
        #expect(try verdict(4_000_000) == .regressed)
        // 4.5 MB against 4.2 MB is 1.07x: within 10%.
        #expect(try verdict(4_200_000) == .unchanged)
        // 1.2 MB against 1.0 MB is 1.2x but only 200 KB: under the floor.
        var small = results()
        small.density[0].shimPSSBytes = 12_000_000; small.density[0].pausePSSBytes = 0;
        small.density[0].workloadPSSBytes = 0
        let finding = try gate.compare(small.gateable, with: history(1_000_000), named: "h").first {
            $0.key == "DensityInCri/pss-per-pod-10/wasm"
        }
        #expect(finding?.verdict == .unchanged)
        #expect(RegressionGate.format(4_500_000, key: "DensityInCri/pss-per-pod-10/wasm") == "4.29 MiB")
    }
}
