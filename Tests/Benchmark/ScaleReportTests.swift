import BenchKit
import Foundation
import Testing

@Suite("bench scale reports")
struct ScaleReportTests {
    func results() -> ScaleResults {
        var results = ScaleResults(runID: "r", environment: .init(goarch: "amd64", cpu: "CPU", cpuCount: 2, host: "h", runtime: "containerd 1.6",
                                                                  endpoint: "unix:///s", handlers: [:]))
        var density = DensityPoint(kind: .wasm, pods: 10, memorySource: .processTree)
        density.shimPSSBytes = 30_000_000
        density.pausePSSBytes = 1_000_000
        density.workloadPSSBytes = 14_000_000
        density.criWorkingSetBytes = 5_000_000
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
        #expect(lines.contains("BenchmarkDensity/pods=10/kind=wasm-2\t1\t2000000000 ns/op\t4500000 B/pod\t500000 cri-B/pod"))
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
}
