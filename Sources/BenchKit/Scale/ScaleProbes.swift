import CRIClient
import Foundation

/// The two measurements of `bench scale` for one side.
public struct ScaleProbes: Sendable {
    public let context: FlowContext
    /// The daemon serving the socket, when this machine can see it.
    public let daemonPid: Int32?
    public let processes: NodeProcesses?
    public let progress: @Sendable (String) -> Void
    /// How many pods a density point starts at once.
    public var startParallelism = 4

    public init(context: FlowContext, daemonPid: Int32?, progress: @escaping @Sendable (String) -> Void) {
        self.context = context
        self.daemonPid = daemonPid
        self.processes = daemonPid == nil ? nil : NodeProcesses()
        self.progress = progress
    }

    func waitRunning(_ pod: ReadySandbox, deadline: ContinuousClock.Instant) async throws {
        guard let containerID = pod.containerID else { throw BenchError("pod \(pod.id) has no container to wait for") }
        while true {
            let status = try await context.client.containerStatus(containerID)
            if status.state == .containerRunning { return }
            if status.state == .containerExited {
                throw BenchError(
                    "container \(containerID) exited (code \(status.exitCode), \(status.reason)) instead of running")
            }
            if ContinuousClock.now >= deadline {
                throw BenchError("container \(containerID) was not Running within the deadline")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// N pods alive at once; memory of what they added; then all removed again.
    public func density(_ workload: Workload, pods count: Int) async throws -> DensityPoint {
        var point = DensityPoint(
            kind: workload.kind, pods: count, memorySource: processes == nil ? .criOnly : .processTree)
        let daemonBefore = daemonPid.flatMap(NodeProcesses.pssBytes)
        let clock = ContinuousClock()
        let began = clock.now
        let pods = try await startPods(workload, count: count, purpose: "density")
        let allRunning = (clock.now - began).nanoseconds
        // Let the pods' processes settle (page-ins of start-up done) before reading memory.
        try await Task.sleep(for: .seconds(2))
        if let processes {
            measureProcessTree(of: pods, processes: processes, into: &point)
            if let before = daemonBefore, let after = daemonPid.flatMap(NodeProcesses.pssBytes) {
                point.daemonGrowthBytes = after - before
            }
            if !processTreeIsComplete(point) {
                progress(
                    "density \(workload.kind.rawValue): found \(point.pauseProcesses) pause process(es) and "
                        + "\(point.shims) "
                        + "shim(s) for \(count) pods under cgroup \(context.cgroupParent); reporting CRI's figures only"
                )
                point = DensityPoint(kind: point.kind, pods: count, memorySource: .criOnly)
            }
        }
        point.timeToAllRunningNs = allRunning
        let stats = try await context.client.listContainerStats(labels: context.labels)
        point.criWorkingSetBytes = stats.map { Int64($0.memory.workingSetBytes.value) }.reduce(0, +)
        point.criPodWorkingSetBytes = try await podWorkingSet(of: pods, kind: workload.kind)
        progress("density \(workload.kind.rawValue) N=\(count): removing the pods")
        try await tearDown(pods)
        return point
    }

    /// PSS of the pods' pause and workload processes (found by cgroup) and of their shims
    /// (found as the parents of those processes, never by name).
    private func measureProcessTree(of pods: [ReadySandbox], processes: NodeProcesses, into point: inout DensityPoint) {
        var shims = Set<Int32>(), podProcesses = Set<Int32>()
        for pod in pods {
            let pause = processes.processes(cgroupParent: context.cgroupParent, id: pod.id)
            let workloadPids = processes.processes(cgroupParent: context.cgroupParent, id: pod.containerID ?? "")
            point.pauseProcesses += pause.count
            point.workloadProcesses += workloadPids.count
            point.pausePSSBytes += pause.compactMap(NodeProcesses.pssBytes).reduce(0, +)
            point.workloadPSSBytes += workloadPids.compactMap(NodeProcesses.pssBytes).reduce(0, +)
            podProcesses.formUnion(pause + workloadPids)
            // The shim is the parent (and reaper) of its pod's processes.
            for pid in pause + workloadPids {
                if let parent = NodeProcesses.parent(of: pid), parent > 1 { shims.insert(parent) }
            }
        }
        // A workload's own children (busybox's sleep under sh) have a parent in the pod.
        shims.subtract(podProcesses)
        point.shims = shims.count
        // A shim that serves other pods too (CRIBench's wasm shim serves every wasm-shim pod
        // of the node) counts for the share of its children that are these pods'.
        point.shimPSSBytes = shims.map { shim in
            NodeProcesses.pssBytes(of: shim).map { Int64(Double($0) * NodeProcesses.share(of: shim, in: podProcesses)) }
                ?? 0
        }.reduce(0, +)
    }

    /// A layout the walk does not know (systemd cgroup driver, another parent) finds no
    /// processes: say CRI-only rather than report 0 B per pod as if it were PSS. A pod with no
    /// pause process is what a shim that runs the sandbox as nothing makes.
    private func processTreeIsComplete(_ point: DensityPoint) -> Bool {
        let pauseExpected = !(point.pauseProcesses == 0 && point.workloadProcesses >= point.pods)
        return
            !((pauseExpected && point.pauseProcesses < point.pods) || point.workloadProcesses < point.pods
            || point.shims == 0)
    }

    /// N idle pods of `workload` started `startParallelism` at a time, each seen Running.
    func startPods(_ workload: Workload, count: Int, purpose: String) async throws -> [ReadySandbox] {
        let deadline = ContinuousClock.now + .seconds(60 + 2 * count)
        var pods: [ReadySandbox] = []
        do {
            try await withThrowingTaskGroup(of: ReadySandbox.self) { group in
                var next = 0
                func launch() {
                    let index = next
                    next += 1
                    group.addTask {
                        let pod = try await context.startIdlePod(
                            workload, prefix: "scale-\(workload.kind.rawValue)-\(index)")
                        try await waitRunning(pod, deadline: deadline)
                        return pod
                    }
                }
                while next < min(startParallelism, count) { launch() }
                while let pod = try await group.next() {
                    pods.append(pod)
                    if pods.count % max(1, count / 10) == 0 || pods.count == count {
                        progress("\(purpose) \(workload.kind.rawValue): \(pods.count)/\(count) pods up")
                    }
                    if next < count { launch() }
                }
            }
        } catch  where Task.isCancelled {
            throw CancellationError()
        } catch {
            throw BenchError(
                "the node did not hold \(count) \(workload.kind.rawValue) pods: after \(pods.count) up, "
                    + "the first error was: \(error)")
        }
        return pods
    }

    func tearDown(_ pods: [ReadySandbox]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, pod) in pods.enumerated() {
                if index >= startParallelism { try await group.next() }
                group.addTask { try await context.tearDown(pod) }
            }
            try await group.waitForAll()
        }
    }

    /// The pods' working set from ListPodSandboxStats (CRI 1.23 on; containerd 1.6 has it):
    /// nil, said once, when the runtime answers Unimplemented. containerd reads a pod's stats
    /// from its cgroup parent, and bench scale's pods share one (the kubelet gives each pod its
    /// own): every pod's reading is then the parent's total, so the total is their mean, never
    /// their sum (the sum grew as N² in the first runs: 65 MB "per pod" at 100 pods).
    func podWorkingSet(of pods: [ReadySandbox], kind: WorkloadKind) async throws -> Int64? {
        do {
            let ids = Set(pods.map(\.id))
            let stats = try await context.client.listPodSandboxStats(labels: context.labels).filter {
                ids.contains($0.attributes.id)
            }
            if stats.count < pods.count {
                progress(
                    "density \(kind.rawValue): ListPodSandboxStats answered for \(stats.count) of \(pods.count) pods; "
                        + "the pod working set is left out"
                )
                return nil
            }
            return stats.map { Int64($0.linux.memory.workingSetBytes.value) }.reduce(0, +) / Int64(max(1, stats.count))
        } catch {
            guard error.code == .unimplemented else { throw error }
            progress(
                "density \(kind.rawValue): the runtime does not implement ListPodSandboxStats; only the containers' "
                    + "CRI working set is reported"
            )
            return nil
        }
    }

    /// K pods each started, waited Running and removed, `parallel` in flight at once.
    public func churn(_ workload: Workload, pods count: Int, parallel: Int) async throws -> ChurnPoint {
        var point = ChurnPoint(kind: workload.kind, parallel: parallel, pods: count)
        let cpuBefore = daemonPid.flatMap(NodeProcesses.cpuNanoseconds)
        let runtimeCPUBefore = daemonPid.flatMap(NodeProcesses.cgroupCPUNanoseconds)
        // The kernel's high-water mark, reset now, sees every peak (sampling could miss one).
        if let daemonPid { try? "5".write(toFile: "/proc/\(daemonPid)/clear_refs", atomically: false, encoding: .utf8) }
        let clock = ContinuousClock()
        let began = clock.now
        let outcomes = try await withThrowingTaskGroup(of: Result<Int64, BenchError>.self) { group in
            var results: [Result<Int64, BenchError>] = []
            for index in 0..<count {
                if index >= parallel, let outcome = try await group.next() {
                    results.append(outcome); report(results.count, count, workload)
                }
                let added = group.addTaskUnlessCancelled {
                    let start = clock.now
                    var pod: ReadySandbox?
                    do {
                        pod = try await context.startIdlePod(
                            workload, prefix: "churn-\(workload.kind.rawValue)-\(index)")
                        try await waitRunning(pod!, deadline: start + .seconds(60))
                        let latency = (clock.now - start).nanoseconds
                        try await context.tearDown(pod!)
                        return .success(latency)
                    } catch  where Task.isCancelled {
                        throw CancellationError()
                    } catch {
                        // A pod that failed goes now, not at the end of the run: it would
                        // weigh on the points that follow.
                        if let pod { try? await context.tearDown(pod) }
                        return .failure(BenchError("pod \(index): \(error)"))
                    }
                }
                if !added { throw CancellationError() }
            }
            while let outcome = try await group.next() {
                results.append(outcome); report(results.count, count, workload)
            }
            return results
        }
        point.wallNs = (clock.now - began).nanoseconds
        for outcome in outcomes {
            switch outcome {
            case .success(let latency): point.startupNs.append(latency)
            case .failure(let error):
                point.errors += 1
                if point.firstError == nil { point.firstError = error.description }
            }
        }
        if let before = cpuBefore, let after = daemonPid.flatMap(NodeProcesses.cpuNanoseconds), !point.startupNs.isEmpty
        {
            point.daemonCPUNsPerPod = (after - before) / Int64(point.startupNs.count)
        }
        if let before = runtimeCPUBefore, let after = daemonPid.flatMap(NodeProcesses.cgroupCPUNanoseconds),
            !point.startupNs.isEmpty
        {
            point.runtimeCPUNsPerPod = (after - before) / Int64(point.startupNs.count)
        }
        point.daemonPeakRSSBytes = daemonPid.flatMap { NodeProcesses.field("/proc/\($0)/status", "VmHWM:") }.map {
            $0 * 1024
        }
        return point
    }

    private func report(_ done: Int, _ total: Int, _ workload: Workload) {
        if done % max(1, total / 10) == 0 || done == total {
            progress("churn \(workload.kind.rawValue): \(done)/\(total) pods through")
        }
    }
}
