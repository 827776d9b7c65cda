import Foundation

/// A chart of every operation's sample distribution, one strip per side, adjacent, on a
/// logarithmic time axis shared by all rows, with each side's median marked.
public enum SVGReporter {
    /// One color per side in the order measured (the first two as OCI and wasm always were).
    static let palette = ["#1f77b4", "#e4572e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
    static func color(_ index: Int) -> String { palette[index % palette.count] }
    static let labelWidth = 250.0, plotWidth = 640.0, stripHeight = 14.0, rowGap = 10.0, top = 60.0

    public static func render(_ results: ResultSet) -> String {
        let rows = results.flowOrder.flatMap { flow in (results.flows[flow] ?? []).map { (flow, $0) } }
        let all = results.operations.flatMap(\.samplesNs).filter { $0 > 0 }
        let low = log10(Double(all.min() ?? 1_000)), high = log10(Double(all.max() ?? 1_000_000_000))
        let lowDecade = floor(low), highDecade = max(ceil(high), lowDecade + 1)
        func x(_ nanoseconds: Int64) -> Double {
            labelWidth + (log10(Double(max(nanoseconds, 1))) - lowDecade) / (highDecade - lowDecade) * plotWidth
        }
        let kinds = results.kinds
        let rowHeight = Double(max(kinds.count, 1)) * stripHeight + rowGap
        let height = top + Double(rows.count) * rowHeight + 40
        let width = labelWidth + plotWidth + 30
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="20" font-size="15" font-weight="bold">CRIBench \(escape(results.runID)): \
            time per CRI operation (log scale)\(results.partial ? " — partial" : "")</text>

            """
        for (index, kind) in kinds.enumerated() {
            let left = 10 + Double(index) * 150
            svg += "<rect x=\"\(f(left))\" y=\"32\" width=\"10\" height=\"10\" fill=\"\(color(index))\"/>"
            svg +=
                "<text x=\"\(f(left + 15))\" y=\"41\">\(escape(kind.rawValue)) "
                + "(\(escape(results.environment.handlers[kind.rawValue] ?? "")))</text>\n"
        }
        svg +=
            "<text x=\"\(f(10 + Double(kinds.count) * 150))\" y=\"41\" fill=\"#555\">dots: samples; bar: "
            + "median</text>\n"
        var decade = lowDecade
        while decade <= highDecade {
            let position = labelWidth + (decade - lowDecade) / (highDecade - lowDecade) * plotWidth
            svg +=
                "<line x1=\"\(f(position))\" y1=\"\(f(top - 6))\" x2=\"\(f(position))\" y2=\"\(f(height - 35))\" "
                + "stroke=\"#ddd\"/>"
            svg +=
                "<text x=\"\(f(position))\" y=\"\(f(height - 20))\" text-anchor=\"middle\" "
                + "fill=\"#555\">\(formatDuration(pow(10, decade)))</text>\n"
            decade += 1
        }
        for (index, (flow, operation)) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            svg +=
                "<text x=\"\(f(labelWidth - 8))\" y=\"\(f(y + stripHeight + 4))\" text-anchor=\"end\">\(escape(flow)) "
                + "· \(escape(operation))</text>\n"
            for (offset, kind) in kinds.enumerated() {
                guard let samples = results.samples(flow: flow, operation: operation, kind: kind),
                    let summary = samples.summary
                else { continue }
                let stripY = y + Double(offset) * stripHeight
                let color = color(offset)
                for duration in samples.samplesNs {
                    svg +=
                        "<circle cx=\"\(f(x(duration)))\" cy=\"\(f(stripY + stripHeight / 2))\" r=\"2.5\" "
                        + "fill=\"\(color)\" fill-opacity=\"0.45\"/>"
                }
                let median = x(Int64(summary.p50))
                svg +=
                    "<line x1=\"\(f(median))\" y1=\"\(f(stripY + 1))\" x2=\"\(f(median))\" "
                    + "y2=\"\(f(stripY + stripHeight - 1))\" stroke=\"\(color)\" stroke-width=\"3\"/>\n"
            }
        }
        return svg + "</svg>\n"
    }

    static func f(_ value: Double) -> String { String(format2: value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
