import BenchKit
import Foundation
import Testing

/// A small result set with known samples, as a run would record it.
func sampleResults(partial: Bool = false) -> ResultSet {
    let environment = ResultSet.Environment(
        goarch: "amd64", cpu: "Test CPU @ 2.0GHz", cpuCount: 2, host: "node-1",
        runtime: "containerd v1.6.20", endpoint: "unix:///run/test.sock",
        handlers: ["oci": "runc", "wasm": "wasm"])
    var results = ResultSet(runID: "20261122t120000-abc123", environment: environment)
    results.flows["ImageInCri"] = ["pull", "remove"]
    for index in 0..<3 {
        let window: [Int64] = [1_000 + Int64(index) * 100, 1_050 + Int64(index) * 100]
        results.record(
            flow: "ImageInCri", operations: ["pull", "remove"], kind: .oci,
            durations: [100_000_000 + Int64(index), 20_000_000], window: window)
        results.record(
            flow: "ImageInCri", operations: ["pull", "remove"], kind: .wasm,
            durations: [30_000_000, 10_000_000 + Int64(index)], window: window)
    }
    results.harnessOverheadNs = [150_000, 160_000, 155_000]
    results.partial = partial
    return results
}

@Suite struct GoBenchFormatTests {
    /// Go's benchmark data format (proposal 14313): key lines, then "Benchmark<Name>-N iters value unit".
    @Test func everyLineIsConfigurationOrAResultPerTheSpec() throws {
        let text = GoBenchReporter.render(sampleResults())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var results = 0
        for line in lines {
            if line.hasPrefix("Benchmark") {
                let fields = line.split(whereSeparator: \.isWhitespace)
                #expect(fields.count == 4, "a result line has name, iterations, value, unit: \(line)")
                let name = fields[0]
                let afterPrefix = name.dropFirst("Benchmark".count)
                #expect(
                    afterPrefix.first.map { !$0.isLowercase } ?? false,
                    "the name continues with a non-lower-case letter")
                #expect(name.hasSuffix("-2"), "-N suffix is the CPU count")
                #expect(Int(fields[1]) == 1)
                #expect(Int64(fields[2]) != nil)
                #expect(fields[3] == "ns/op")
                results += 1
            } else {
                let parts = line.split(separator: ":", maxSplits: 1)
                #expect(parts.count == 2, "configuration line: \(line)")
                let key = parts[0]
                #expect(
                    key.first?.isLowercase == true && !key.contains { $0.isWhitespace || $0.isUppercase },
                    "config key \(key)")
            }
        }
        #expect(results == 2 * 2 * 3 + 3, "one line per sample, op and side, plus the overhead lines")
    }

    @Test func namesCarryOpAndKindForBenchstatColumns() {
        let text = GoBenchReporter.render(sampleResults())
        #expect(text.contains("BenchmarkImageInCri/op=pull/kind=oci-2\t1\t100000000 ns/op\n"))
        #expect(text.contains("BenchmarkImageInCri/op=remove/kind=wasm-2\t1\t10000002 ns/op\n"))
        #expect(text.contains("BenchmarkHarnessOverhead/op=version/pattern=in-flow-2\t1\t150000 ns/op\n"))
        #expect(
            text.hasPrefix(
                "goos: linux\ngoarch: amd64\npkg: cribench\ncpu: Test CPU @ 2.0GHz\nruntime: containerd "
                    + "v1.6.20\nhandler: oci=runc wasm=wasm\n"
            ))
    }

    @Test func partialRunsSayIt() {
        #expect(GoBenchReporter.render(sampleResults(partial: true)).contains("\npartial: true\n"))
        #expect(!GoBenchReporter.render(sampleResults()).contains("partial"))
    }
}

@Suite struct CritestSchemaTests {
    @Test func oneFilePerFlowAndSideInCriToolsSchema() throws {
        let files = try CritestReporter.render(sampleResults())
        #expect(Set(files.keys) == ["critest-ImageInCri-oci.json", "critest-ImageInCri-wasm.json"])
        let object =
            try JSONSerialization.jsonObject(with: try #require(files["critest-ImageInCri-wasm.json"]))
            as! [String: Any]
        #expect(object["operationsNames"] as? [String] == ["pull", "remove"])
        #expect(object["numParallel"] as? Int == 1)
        let datapoints = try #require(object["datapoints"] as? [[String: Any]])
        #expect(datapoints.count == 3)
        #expect(datapoints[2]["sampleIndex"] as? Int == 2)
        #expect((datapoints[2]["operationsDurationsNs"] as? [NSNumber])?.map(\.int64Value) == [30_000_000, 10_000_002])
        #expect((datapoints[1]["startTime"] as? NSNumber)?.int64Value == 1_100)
        #expect((datapoints[1]["endTime"] as? NSNumber)?.int64Value == 1_150)
        #expect((datapoints[0]["metaInfo"] as? [String: String])?["kind"] == "wasm")
    }
}

@Suite struct HumanReportTests {
    @Test func markdownGivesTheWasmToOCIRatio() {
        let markdown = MarkdownReporter.render(sampleResults())
        #expect(markdown.contains("| pull | 100.00 ms | 30.00 ms | 0.30x |"))
        #expect(markdown.contains("| remove | 20.00 ms | 10.00 ms | 0.50x |"))
    }

    @Test func chartHasAStripPerOperationAndSide() {
        let svg = SVGReporter.render(sampleResults())
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 12, "one dot per sample")
        #expect(svg.components(separatedBy: "stroke-width=\"3\"").count - 1 == 4, "one median bar per op and side")
        #expect(svg.contains("ImageInCri · pull"))
    }
}

@Suite struct TimingPatternReportTests {
    func mixedResults() -> ResultSet {
        var results = sampleResults()
        results.flows["ReadsInCri"] = ["list-images"]
        results.record(
            flow: "ReadsInCri", operations: ["list-images"], kind: .oci, durations: [250_000], window: [0, 0],
            pattern: .backToBack)
        results.harnessOverheadBackToBackNs = [120_000, 130_000, 125_000]
        return results
    }

    @Test func goBenchTextSaysWhichPatternEachResultWasTakenIn() {
        let lines = GoBenchReporter.render(mixedResults()).split(separator: "\n").map(String.init)
        let inFlow = lines.firstIndex(of: "pattern: in-flow"),
            backToBack = lines.firstIndex(of: "pattern: back-to-back")
        let pull = lines.firstIndex { $0.hasPrefix("BenchmarkImageInCri/op=pull") },
            list = lines.firstIndex { $0.hasPrefix("BenchmarkReadsInCri/op=list-images") }
        #expect(inFlow != nil && backToBack != nil && pull != nil && list != nil)
        #expect(
            inFlow! < pull! && pull! < backToBack! && backToBack! < list!, "each flow's results follow its pattern line"
        )
        #expect(lines.contains { $0.hasPrefix("BenchmarkHarnessOverhead/op=version/pattern=back-to-back-2") })
        #expect(lines.contains { $0.hasPrefix("BenchmarkHarnessOverhead/op=version/pattern=in-flow-2") })
    }

    @Test func summaryNamesThePatternOfEveryFlowAndOfTheOverheadLine() {
        let markdown = MarkdownReporter.render(mixedResults())
        #expect(markdown.contains("## ImageInCri (in-flow)"))
        #expect(markdown.contains("## ReadsInCri (back-to-back)"))
        #expect(markdown.contains("155.00 µs in-flow, 125.00 µs back-to-back"), "\(markdown)")
    }

    @Test func jsonCarriesThePatternOfEachOperation() throws {
        let json = try JSONSerialization.jsonObject(with: try JSONReporter.render(mixedResults())) as! [String: Any]
        let operations = json["operations"] as! [[String: Any]]
        #expect(operations.first { $0["flow"] as? String == "ReadsInCri" }?["pattern"] as? String == "back-to-back")
        #expect(operations.first { $0["flow"] as? String == "ImageInCri" }?["pattern"] as? String == "in-flow")
        #expect((json["harnessOverhead"] as? [[String: Any]])?.count == 2)
    }
}
