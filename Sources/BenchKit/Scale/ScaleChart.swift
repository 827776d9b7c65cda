import Foundation

/// `bench scale`'s chart: memory per pod against N (density) and startup p50/p99 against P
/// (churn), every side as lines of its own colour.
public enum ScaleChart {
    struct Series {
        let label: String
        let kind: WorkloadKind
        let dashed: Bool
        let points: [(x: Int, y: Double)]
    }

    static let panelWidth = 360.0, panelHeight = 240.0, margin = 55.0, top = 50.0

    /// The sides in the order the run measured them.
    static func kinds(_ results: ScaleResults) -> [WorkloadKind] {
        var seen: [WorkloadKind] = []
        let measured = results.density.map(\.kind) + results.churn.map(\.kind) + (results.steady ?? []).map(\.kind)
        for kind in measured where !seen.contains(kind) { seen.append(kind) }
        return seen
    }

    public static func render(_ results: ScaleResults) -> String {
        let kinds = kinds(results)
        let density: [Series] = kinds.compactMap { kind in
            let points = results.density.filter { $0.kind == kind }.map { point in
                (
                    x: point.pods,
                    y: Double(point.memorySource == .processTree ? point.pssPerPodBytes : point.criPerPodBytes)
                        / 1_048_576
                )
            }
            let source =
                results.density.contains { $0.kind == kind && $0.memorySource == .criOnly } ? "CRI working set" : "PSS"
            return points.isEmpty
                ? nil : Series(label: "\(kind.rawValue) MiB/pod (\(source))", kind: kind, dashed: false, points: points)
        }
        let churn: [Series] = kinds.flatMap { kind in
            [(50.0, false), (99.0, true)].compactMap { quantile, dashed -> Series? in
                let points = results.churn.filter { $0.kind == kind }.compactMap { point in
                    point.percentile(quantile).map { (x: point.parallel, y: Double($0) / 1e6) }
                }
                return points.isEmpty
                    ? nil
                    : Series(label: "\(kind.rawValue) p\(Int(quantile)) ms", kind: kind, dashed: dashed, points: points)
            }
        }
        let steady: [Series] = kinds.compactMap { kind in
            let points = (results.steady ?? []).filter { $0.kind == kind }.compactMap { point in
                point.runtimeCPUNsPerPodPerMinute.map { (x: point.pods, y: $0 / 1e6) }
            }
            return points.isEmpty
                ? nil : Series(label: "\(kind.rawValue) ms CPU/pod/min", kind: kind, dashed: false, points: points)
        }
        let panels = steady.isEmpty ? 2.0 : 3.0
        let width = panels * (panelWidth + 2 * margin), height = top + panelHeight + 90
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="20" font-size="15" font-weight="bold">\
            CRIBench scale \(SVGReporter.escape(results.runID))\(results.partial ? " — partial" : "")</text>

            """
        svg += panel(
            density, kinds: kinds, title: "memory per pod vs pods alive", xLabel: "pods alive (N)", originX: margin)
        svg += panel(
            churn, kinds: kinds, title: "pod startup latency vs pods in flight", xLabel: "pods in flight (P)",
            originX: panelWidth + 3 * margin)
        if !steady.isEmpty {
            svg += panel(
                steady, kinds: kinds, title: "runtime CPU per pod per minute at rest", xLabel: "pods held (N)",
                originX: 2 * panelWidth + 5 * margin)
        }
        return svg + "</svg>\n"
    }

    static func panel(
        _ series: [Series], kinds: [WorkloadKind], title: String, xLabel: String, originX: Double
    ) -> String {
        var svg = "<text x=\"\(originX)\" y=\"\(top - 12)\" font-weight=\"bold\">\(SVGReporter.escape(title))</text>\n"
        svg +=
            "<rect x=\"\(originX)\" y=\"\(top)\" width=\"\(panelWidth)\" height=\"\(panelHeight)\" fill=\"none\" "
            + "stroke=\"#999\"/>\n"
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        guard let minX = xs.min(), let maxX = xs.max(), let maxY = ys.max(), maxY > 0 else {
            return svg + "<text x=\"\(originX + 20)\" y=\"\(top + 30)\" fill=\"#555\">not measured</text>\n"
        }
        let span = Double(max(maxX - minX, 1)), top = Self.top
        func px(_ x: Int) -> Double { originX + 10 + (Double(x - minX) / span) * (panelWidth - 20) }
        func py(_ y: Double) -> Double { top + panelHeight - y / (maxY * 1.1) * panelHeight }
        for x in Set(xs).sorted() {
            svg += "<text x=\"\(px(x))\" y=\"\(top + panelHeight + 15)\" text-anchor=\"middle\">\(x)</text>\n"
        }
        for step in 0...4 {
            let value = maxY * 1.1 * Double(step) / 4
            svg +=
                "<text x=\"\(originX - 5)\" y=\"\(py(value) + 4)\" "
                + "text-anchor=\"end\">\(String(format: value < 10 ? "%.1f" : "%.0f", value))</text>\n"
        }
        svg +=
            "<text x=\"\(originX + panelWidth / 2)\" y=\"\(top + panelHeight + 32)\" text-anchor=\"middle\" "
            + "fill=\"#555\">\(SVGReporter.escape(xLabel))</text>\n"
        for (index, line) in series.enumerated() {
            let color = SVGReporter.color(kinds.firstIndex(of: line.kind) ?? 0)
            let path = line.points.sorted { $0.x < $1.x }.map { "\(px($0.x)),\(py($0.y))" }.joined(separator: " ")
            svg +=
                "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" "
                + "stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"5,4\"" : "")/>\n"
            for point in line.points {
                svg += "<circle cx=\"\(px(point.x))\" cy=\"\(py(point.y))\" r=\"3\" fill=\"\(color)\"/>\n"
            }
            let legendY = top + panelHeight + 50 + Double(index / 2) * 16, legendX = originX + Double(index % 2) * 170
            svg +=
                "<line x1=\"\(legendX)\" y1=\"\(legendY - 4)\" x2=\"\(legendX + 20)\" y2=\"\(legendY - 4)\" "
                + "stroke=\"\(color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"5,4\"" : "")/>"
            svg += "<text x=\"\(legendX + 26)\" y=\"\(legendY)\">\(SVGReporter.escape(line.label))</text>\n"
        }
        return svg
    }
}
