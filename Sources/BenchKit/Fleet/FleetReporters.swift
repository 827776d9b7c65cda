import Foundation

/// The fleet report as Go benchmark text (the node as a name key: `benchstat -col /node`),
/// Markdown and SVG.
extension FleetReport {
    public func goBenchmarkText() -> String {
        var lines = ["pkg: cribench/fleet", "nodes: \(nodes.map(\.name).joined(separator: " "))"]
        for operation in fleet {
            let parts = operation.key.split(separator: "/").map(String.init)
            guard parts.count == 3 else { continue }
            for node in nodes {
                for sample in samplesNs[node.name]?[operation.key] ?? [] {
                    lines.append(
                        "Benchmark\(parts[0])/op=\(parts[1])/kind=\(parts[2])/node=\(node.name)\t1\t\(sample) ns/op")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func markdown() -> String {
        var text = "# Fleet report: \(nodes.count) node(s)\n\n"
        text += "| node | runtime | kernel | CPU | handlers | runs |\n|---|---|---|---|---|---|\n"
        for node in nodes {
            let handlers = node.handlers.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                separator: " ")
            text +=
                "| \(node.name) | \(node.runtime) | \(node.kernel) | \(node.cpu) | \(handlers) | \(node.runs.count) |\n"
        }
        text +=
            "\nRule: \(rule). Each cell is the node's p50 and, in brackets, its ratio to the median of the nodes' "
            + "p50s.\n\n"
        text += "| op | " + nodes.map(\.name).joined(separator: " | ") + " | fleet p50 | fleet p99 | stands out |\n"
        text += "|---|" + String(repeating: "---|", count: nodes.count + 3) + "\n"
        for operation in fleet {
            let cells = nodes.map { node -> String in
                guard let entry = perNode.first(where: { $0.node == node.name && $0.key == operation.key }) else {
                    return "-"
                }
                let cell = "\(formatDuration(entry.p50Ns)) (\(String(format: "%.2fx", entry.ratioToFleet)))"
                return entry.standsOut ? "**\(cell)**" : cell
            }
            text +=
                "| \(operation.key) | " + cells.joined(separator: " | ")
                + " | \(formatDuration(operation.p50Ns)) | \(formatDuration(operation.p99Ns)) | "
                + "\(operation.slowNodes.isEmpty ? "" : operation.slowNodes.joined(separator: ", ")) |\n"
        }
        return text
    }

    /// One row per op: each node's p50 as a dot on a log scale of its ratio to the fleet median.
    public func svg() -> String {
        let rowHeight = 18, left = 320, width = 420, top = 40
        let height = top + rowHeight * fleet.count + 30
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"]
        func x(_ ratio: Double) -> Int { left + Int((log2(min(max(ratio, 0.25), 4)) + 2) / 4 * Double(width)) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + width + 20)\" height=\"\(height)\" "
            + "font-family=\"sans-serif\" font-size=\"11\">\n"
        svg +=
            "<text x=\"10\" y=\"16\" font-size=\"13\">p50 per node against the fleet median (log scale, 0.25x to "
            + "4x)</text>\n"
        for (index, node) in nodes.enumerated() {
            svg +=
                "<circle cx=\"\(left + 10 + index * 90)\" cy=\"28\" r=\"4\" "
                + "fill=\"\(colours[index % colours.count])\"/><text x=\"\(left + 18 + index * 90)\" "
                + "y=\"32\">\(escape(node.name))</text>\n"
        }
        svg += "<line x1=\"\(x(1))\" y1=\"\(top)\" x2=\"\(x(1))\" y2=\"\(height - 30)\" stroke=\"#999\"/>\n"
        for (row, operation) in fleet.enumerated() {
            let y = top + row * rowHeight + 12
            svg += "<text x=\"10\" y=\"\(y + 4)\">\(escape(operation.key))</text>\n"
            for (index, node) in nodes.enumerated() {
                guard let entry = perNode.first(where: { $0.node == node.name && $0.key == operation.key }) else {
                    continue
                }
                svg +=
                    "<circle cx=\"\(x(entry.ratioToFleet))\" cy=\"\(y)\" r=\"\(entry.standsOut ? 6 : 4)\" "
                    + "fill=\"\(colours[index % colours.count])\"><title>\(escape(node.name)): "
                    + "\(formatDuration(entry.p50Ns))</title></circle>\n"
            }
        }
        for ratio in [0.25, 0.5, 1, 2, 4] {
            svg += "<text x=\"\(x(ratio) - 8)\" y=\"\(height - 12)\">\(ratio)x</text>\n"
        }
        return svg + "</svg>\n"
    }

    func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// One merge's files: bench.txt, fleet.json, summary.md and chart.svg under merge-ID.
public struct FleetMergeReport: WrittenReport {
    public let report: FleetReport
    public let id: RunID

    public init(_ report: FleetReport, id: RunID = .make()) {
        self.report = report
        self.id = id
    }

    public var directoryName: String { "merge-\(id.value)" }

    public func files() throws -> [(name: String, contents: Data)] {
        [
            ("bench.txt", Data(report.goBenchmarkText().utf8)),
            ("fleet.json", try ReportJSON.encoder().encode(report)),
            ("summary.md", Data(report.markdown().utf8)),
            ("chart.svg", Data(report.svg().utf8)),
        ]
    }
}
