import BenchKit
import CRIClient
import Foundation
import Testing

extension WasmMatrix {
    /// An exec probe, as the kubelet's prober makes one, under each wasm handler: bench run's exec
    /// flow times it on the OCI side and reports the wasm side as not measured, with the runtime's
    /// own refusal, never as a fast probe.
    @Suite("Wasm exec probe", .serialized, .timeLimit(.minutes(5)))
    struct WasmExecProbeTests {
        @Test func execFlowTimesTheOCIProbeAndKeepsTheWasmRefusal() async throws {
            let directory = NSTemporaryDirectory() + "cribench-exec-\(randomSuffix(length: 6))"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let handler = TestEnvironment.shared.wasmRuntimeHandler
            let run = try BenchProcess.run([
                "run", "--flows", "exec", "--samples", "3", "--warmup", "1",
                "--side", "oci=runc", "--side", "wasm=\(handler)",
                "--results-dir", "\(directory)/results",
            ])
            #expect(run.code == 0, "\(run.err.suffix(1500))")
            let runDirectory = try #require(
                try FileManager.default.contentsOfDirectory(atPath: "\(directory)/results").first)
            let path = "\(directory)/results/\(runDirectory)"
            let results = try JSONReporter.load(try Data(contentsOf: URL(fileURLWithPath: "\(path)/results.json")))
            #expect(
                results.errors.isEmpty,
                "a probe that printed the wrong output or exit code would be an error: \(results.errors)")
            let oci = try #require(results.samples(flow: "ExecInCri", operation: "exec-sync", kind: .oci))
            #expect(oci.samplesNs.count == 3)
            #expect(oci.samplesNs.allSatisfy { $0 > 0 })
            #expect(
                results.samples(flow: "ExecInCri", operation: "exec-sync", kind: .wasm) == nil,
                "no wasm sample: it cannot exec")
            let refused = try #require(results.notMeasured?.first, "the wasm side is reported as not measured")
            #expect(results.notMeasured?.count == 1)
            #expect(refused.flow == "ExecInCri" && refused.kind == .wasm)
            let answer = refused.runtimeAnswer.lowercased()
            #expect(
                answer.contains("exec") && (answer.contains("not supported") || answer.contains("unimplemented")),
                "the runtime's own words: \(refused.runtimeAnswer)")
            let summary = try String(contentsOfFile: "\(path)/summary.md", encoding: .utf8)
            #expect(
                summary.contains("## Not measured") && summary.contains("ExecInCri on wasm:"), "\(summary.suffix(800))")
            #expect(!run.out.contains("kind=wasm"), "no benchmark line for the side that was not measured")
            let left = try await runLeftovers(results.runID)
            #expect(left == 0, "the run left \(left) pods and containers, the refused side's included")
        }
    }
}
