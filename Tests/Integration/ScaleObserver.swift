import BenchKit
import CRIClient
import Foundation

/// What an independent observer sees while `bench scale` runs, from CRI's listings and the
/// process table, with code of its own: how many of the run's pods were ready at once, when
/// the density pods were all running by CRI's own timestamps, and what their process trees
/// weighed (PSS, summed from smaps_rollup) while they were.
actor ScaleObserver {
    struct DensityView {
        var peakPods = 0
        var peakShims = 0
        /// CRI's span from the first pod's creation to the last container's start, once all ran.
        var criSpanToAllRunningNs: Int64?
        var allRunningSeenAt: ContinuousClock.Instant?
        /// Total PSS of the pods' shims and their descendants, each poll while all ran.
        var pssSamples: [(at: ContinuousClock.Instant, bytes: Int64)] = []
    }

    let densityPods: Int
    private(set) var density: [String: DensityView] = [:]
    private(set) var churnPeak: [String: Int] = [:]
    private(set) var finished = false
    /// Every sandbox of the run the observer saw (density and churn), by id.
    private(set) var seenPods: Set<String> = []

    init(densityPods: Int) { self.densityPods = densityPods }

    func finish() { finished = true }

    /// One poll: the run's pods and containers as CRI lists them.
    func observe(_ client: CRIClient, owner labels: [String: String]) async throws {
        let pods = try await client.listPodSandbox(labels: labels).filter { $0.state == .sandboxReady }
        let containers = try await client.listContainers(labels: labels)
        let table = ProcessTable.read()
        for kind in ["oci", "wasm"] {
            let densityPods = pods.filter { $0.metadata.name.hasPrefix("scale-\(kind)-") }
            let churnPods = pods.filter { $0.metadata.name.hasPrefix("churn-\(kind)-") }
            seenPods.formUnion((densityPods + churnPods).map(\.id))
            churnPeak[kind] = max(churnPeak[kind] ?? 0, churnPods.count)
            var view = density[kind] ?? DensityView()
            let shims = densityPods.compactMap { table.shim(ofPod: $0.id) }
            view.peakPods = max(view.peakPods, densityPods.count)
            view.peakShims = max(view.peakShims, shims.count)
            let ids = Set(densityPods.map(\.id))
            let running = containers.filter { ids.contains($0.podSandboxID) && $0.state == .containerRunning }
            if densityPods.count == self.densityPods, running.count == self.densityPods, shims.count == self.densityPods
            {
                if view.criSpanToAllRunningNs == nil {
                    var lastStart: Int64 = 0
                    for container in running {
                        lastStart = max(lastStart, try await client.containerStatus(container.id).startedAt)
                    }
                    view.criSpanToAllRunningNs = lastStart - (densityPods.map(\.createdAt).min() ?? lastStart)
                    view.allRunningSeenAt = .now
                }
                let bytes = shims.flatMap { [$0] + table.descendants(of: $0) }.compactMap(ProcessTable.pssBytes).reduce(
                    0, +)
                view.pssSamples.append((.now, bytes))
            }
            density[kind] = view
        }
    }
}

/// The process table as /proc shows it now: parents and command lines.
struct ProcessTable {
    var parent: [Int32: Int32] = [:]
    var commandLine: [Int32: String] = [:]

    static func read() -> ProcessTable {
        var table = ProcessTable()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // "pid (comm) state ppid ...": the command may hold spaces and parentheses.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { table.parent[pid] = parent }
            if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") {
                table.commandLine[pid] = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            }
        }
        return table
    }

    /// The shim containerd started for the sandbox `id` (its command line names the id).
    func shim(ofPod id: String) -> Int32? {
        commandLine.first { $0.value.contains("containerd-shim") && $0.value.contains("-id \(id) ") }?.key
    }

    func descendants(of root: Int32) -> [Int32] {
        var found: [Int32] = [], frontier = [root]
        while let next = frontier.popLast() {
            let children = parent.filter { $0.value == next }.map(\.key)
            found += children
            frontier += children
        }
        return found
    }

    /// Proportional set size from smaps_rollup, in bytes.
    static func pssBytes(of pid: Int32) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("Pss:") }
        return line.flatMap { Int64($0.split(separator: " ")[1]) }.map { $0 * 1024 }
    }
}
