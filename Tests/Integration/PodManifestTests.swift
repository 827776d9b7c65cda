import BenchKit
import CRIClient
import Foundation
import Testing

/// `bench pod` on the real runtime: the examples run with the logs and exit codes they should
/// have, a failing pod or a bad manifest is named, and nothing is left behind.
@Suite("bench pod", .serialized, .timeLimit(.minutes(10)))
struct PodManifestTests {
    static let examples = BenchProcess.repository.appendingPathComponent("examples").path
    let modules = TestEnvironment.shared.stateDirectory + "/wasm-modules"

    func runID(_ err: String) -> String? {
        err.split(separator: "\n").first { $0.hasPrefix("[bench] pod run ") }?.split(separator: " ")[3].description
    }

    func leftovers(_ runID: String) async throws -> Int { try await runLeftovers(runID) }

    func imageNames() async throws -> Set<String> {
        try await withRuntime { client in Set(try await client.listImages().flatMap(\.repoTags)) }
    }

    /// The examples as a user runs them: the config they mount put in place, the module
    /// URL served locally (its port substituted into a copy of the manifest).
    @Test func theExamplesRunWithTheirLogsAndExitCodesAndLeaveNothing() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-pod-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let variant = try ManifestParser.load(path: "\(Self.examples)/module-url-with-volume.yaml")
        guard case .hostPath(let configPath, _) = try #require(variant.pods.first?.volumes.first).source else {
            throw TestFailure("module-url-with-volume.yaml should mount a hostPath")
        }
        let configExisted = FileManager.default.fileExists(atPath: configPath)
        try FileManager.default.createDirectory(atPath: configPath, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: "\(Self.examples)/config") {
            try? FileManager.default.removeItem(atPath: "\(configPath)/\(file)")
            try FileManager.default.copyItem(atPath: "\(Self.examples)/config/\(file)", toPath: "\(configPath)/\(file)")
        }
        defer { if !configExisted { try? FileManager.default.removeItem(atPath: configPath) } }
        let server = try ModuleServer(serving: modules)
        defer { server.stop() }
        let variantText = try String(contentsOfFile: "\(Self.examples)/module-url-with-volume.yaml", encoding: .utf8)
            .replacingOccurrences(of: "http://127.0.0.1:8765", with: server.baseURL)
        try variantText.write(toFile: "\(scratch)/module-url.yaml", atomically: true, encoding: .utf8)

        let imagesBefore = try await imageNames()
        let run = try BenchProcess.run([
            "pod", "\(Self.examples)/pair-oci.yaml", "\(Self.examples)/pair-wasm.yaml",
            "\(Self.examples)/config-volume.yaml",
            "\(scratch)/module-url.yaml", "--results-dir", "\(scratch)/results",
        ])
        #expect(run.code == 0, "bench pod failed: \(run.err.suffix(1500))")
        let logs = run.err
        // One program on both sides: the native build under runc, the wasm build under wasm.
        for side in ["oci", "wasm"] {
            #expect(
                logs.contains("pair-\(side)/example: arg[2]=\(side)")
                    && logs.contains("pair-\(side)/example: env SIDE=\(side)"), "\(side): \(logs.suffix(2000))")
            #expect(logs.contains("pair-\(side)/example: file: this file was shipped in the wasi-example image"))
            let handler = side == "oci" ? "runc" : "wasm"
            #expect(
                logs.split(separator: "\n").contains {
                    $0.hasPrefix("[bench] default/pair-\(side) [\(handler)] pass 1/1: started in ")
                        && $0.hasSuffix("exit codes example=0")
                })
        }
        // The ConfigMap-like volume: read through a read-only mount, the init container first.
        #expect(logs.contains("config-volume/check-config: config present"))
        #expect(
            logs.contains("config-volume/check-config: config is read-only"),
            "readOnly on the mount (the init container is root)")
        #expect(logs.contains("config-volume/check-config: root is read-only"), "readOnlyRootFilesystem")
        #expect(logs.contains("config-volume/app: read: greeting = hello from a hostPath volume"))
        #expect(logs.contains("config-volume/app: uid 1000 gid 1000"), "runAsUser and runAsGroup")
        #expect(logs.contains("config-volume/app: scratch is writable"))
        #expect(!FileManager.default.fileExists(atPath: "\(configPath)/written"))
        // The design notes' pod: its module fetched by URL, run by the wasm handler, reading the volume.
        #expect(logs.contains("my-pod/wasm-name: arg[3]=args3"))
        #expect(logs.contains("my-pod/wasm-name: file: this file came from a hostPath volume"))
        #expect(logs.contains("default/my-pod [wasm]"))
        for op in [
            "wasi-example.startup/kind=oci", "wasi-example.startup/kind=wasm", "my-pod.pull-wasm-name/kind=wasm",
            "configured.create-check-config/kind=oci",
        ] {
            #expect(run.out.contains("BenchmarkPodManifest/op=\(op)-"), "no \(op) line")
        }
        let id = try #require(runID(run.err))
        #expect(try await leftovers(id) == 0)
        #expect(try await imageNames() == imagesBefore, "the run should remove the images it pulled")
        // The module image it pushed is gone from the registry again.
        let tag = try #require(run.err.firstMatch(of: /is image (\S+)\/cribench\/modules\/(\S+):(\S+)/))
        #expect(try registryStatus("/v2/cribench/modules/\(tag.2)/manifests/\(tag.3)") == 404)
        let volumes = TestEnvironment.shared.stateDirectory + "/pod-volumes"
        #expect(
            ((try? FileManager.default.contentsOfDirectory(atPath: volumes)) ?? []).isEmpty,
            "emptyDir volumes are removed")
    }

    /// The design notes' Pod sketch as they wrote it, its URL only served locally: the pod runs
    /// under the wasm handler whatever its `runtimeHandler: runc` says, and its module sees the
    /// command ahead of the args.
    @Test func thePodSketchRunsAsWritten() async throws {
        let run = try withServedSketch { scratch in
            try BenchProcess.run(["pod", "\(scratch)/sketch.yaml", "--results-dir", "\(scratch)/results"])
        }
        #expect(run.code == 0, "bench pod failed: \(run.err.suffix(1500))")
        #expect(run.err.contains("default/my-pod [wasm] pass 1/1"), "\(run.err.suffix(800))")
        #expect(
            run.err.contains("my-pod/wasm-name: no /data/message.txt"),
            "the module ran to its end: \(run.err.suffix(800))")
        for (index, word) in ["/wasi_example_main.wasm", "my-command", "args1", "args2", "args3...."].enumerated() {
            #expect(
                run.err.contains("my-pod/wasm-name: arg[\(index)]=\(word)\n"), "argv[\(index)]: \(run.err.suffix(800))")
        }
        let id = try #require(runID(run.err))
        #expect(try await leftovers(id) == 0)
    }

    /// A pair of long-running pods with the same limits, one per side: bench pod reads each
    /// container's cgroup from the host while it runs, and the runtime must have applied what
    /// the manifest asked (48Mi is whole pages; 250m is 25 ms of every 100 ms).
    @Test func aPairsLimitsAreInForceOnBothSides() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-limits-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let environment = TestEnvironment.shared
        try """
        apiVersion: v1
        kind: Pod
        metadata: {name: limits-oci}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
          - name: app
            image: \(environment.busyboxImage)
            command: ["sh", "-c", "echo ready; exec sleep 3600"]
            resources: {limits: {memory: 48Mi, cpu: 250m}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: limits-wasm, annotations: {wasm-sandbox: "1"}}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
          - name: app
            image: \(environment.wasmImage("idle"))
            resources: {limits: {memory: 48Mi, cpu: 250m}}
        """.write(toFile: "\(scratch)/limits.yaml", atomically: true, encoding: .utf8)
        let run = try BenchProcess.run(["pod", "\(scratch)/limits.yaml", "--results-dir", "\(scratch)/results"])
        #expect(run.code == 0, "bench pod failed: \(run.err.suffix(1500))")
        for side in ["oci", "wasm"] {
            #expect(
                run.err.contains("limits-\(side)/app: limits in force: memory 50331648 B, CPU 25000/100000 µs"),
                "\(side): \(run.err.suffix(1500))")
        }
        #expect(run.err.contains("default/limits-wasm [wasm]"), "the wasm pod ran under the wasm handler")
        let id = try #require(runID(run.err))
        #expect(try await leftovers(id) == 0)
    }

    @Test func repeatGivesEveryCallPercentilesInBenchRunsReports() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-pod-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let run = try BenchProcess.run([
            "pod", "\(Self.examples)/pair-wasm.yaml", "--repeat", "3", "--results-dir", scratch,
        ])
        #expect(run.code == 0, "\(run.err.suffix(1000))")
        let startups = run.out.split(separator: "\n").filter {
            $0.hasPrefix("BenchmarkPodManifest/op=wasi-example.startup/kind=wasm-")
        }
        #expect(startups.count == 3)
        let id = try #require(runID(run.err))
        let directory = try #require(
            try FileManager.default.contentsOfDirectory(atPath: scratch).first { $0.hasPrefix(id) })
        let summary = try String(contentsOfFile: "\(scratch)/\(directory)/summary.md", encoding: .utf8)
        #expect(summary.contains("wasi-example.startup"))
        // Logs of the first pass only, not three times over.
        #expect(run.err.components(separatedBy: "pair-wasm/example: arg[2]=wasm").count == 2)
        #expect(try await leftovers(id) == 0)
    }

    @Test func ctrlCMidRunRemovesEveryPodAndContainer() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-pod-\(randomSuffix(length: 6))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let bench = BenchProcess([
            "pod", "\(Self.examples)/config-volume.yaml", "--repeat", "50", "--results-dir", scratch,
        ])
        let configPath = "/tmp/cribench-example-config"
        let configExisted = FileManager.default.fileExists(atPath: configPath)
        try FileManager.default.createDirectory(atPath: configPath, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: "\(configPath)/app.conf") {
            try FileManager.default.copyItem(
                atPath: "\(Self.examples)/config/app.conf", toPath: "\(configPath)/app.conf")
        }
        defer { if !configExisted { try? FileManager.default.removeItem(atPath: configPath) } }
        let (sawMarker, seen, _, status, _) = try bench.interrupt(after: "pass 1/50")
        #expect(sawMarker, "bench pod should be running passes: \(seen.suffix(600))")
        #expect(status == 130, "exit code after SIGINT: \(status); \(seen.suffix(800))")
        let id = try #require(runID(seen))
        #expect(try await leftovers(id) == 0, "the interrupted run \(id) left pods or containers")
        let volumes = TestEnvironment.shared.stateDirectory + "/pod-volumes"
        #expect(
            ((try? FileManager.default.contentsOfDirectory(atPath: volumes)) ?? []).isEmpty,
            "emptyDir volumes are removed")
    }

    /// SIGTERM, what Kubernetes sends, in the middle of the design notes' Pod sketch run 50
    /// times: the pods go, and so does the module image bench pod pushed to the registry.
    @Test func sigtermMidRunRemovesThePodsAndTheModuleImage() async throws {
        let (sawMarker, seen, _, status, _) = try withServedSketch { scratch in
            try BenchProcess(["pod", "\(scratch)/sketch.yaml", "--repeat", "50", "--results-dir", "\(scratch)/results"])
                .interrupt(after: "pass 1/50", with: [SIGTERM])
        }
        #expect(sawMarker, "bench pod should be running passes: \(seen.suffix(600))")
        #expect(status == 128 + SIGTERM, "exit code after SIGTERM: \(status); \(seen.suffix(800))")
        let id = try #require(runID(seen))
        #expect(try await leftovers(id) == 0, "the terminated run \(id) left pods or containers")
        let tag = try #require(
            seen.firstMatch(of: /is image (\S+)\/cribench\/modules\/(\S+):(\S+)/), "\(seen.suffix(600))")
        #expect(
            try registryStatus("/v2/cribench/modules/\(tag.2)/manifests/\(tag.3)") == 404, "the module image is deleted"
        )
    }

    @Test func aFailingInitContainerIsNamedWithItsCodeAndLogsAndNothingIsLeft() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-pod-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try """
        apiVersion: v1
        kind: Pod
        metadata: {name: broken-init}
        spec:
          terminationGracePeriodSeconds: 0
          initContainers:
          - name: migrate
            image: \(TestEnvironment.shared.node.busyboxImage)
            command: [sh, -c, "echo schema missing; exit 3"]
          containers:
          - name: app
            image: \(TestEnvironment.shared.node.busyboxImage)
            command: [sh, -c, "touch /out/app-ran; sleep 60"]
            volumeMounts: [{name: out, mountPath: /out}]
          volumes:
          - {name: out, hostPath: {path: \(scratch)/out, type: Directory}}
        """.write(toFile: "\(scratch)/pod.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(scratch)/out", withIntermediateDirectories: true)
        let run = try BenchProcess.run(["pod", "\(scratch)/pod.yaml", "--results-dir", "\(scratch)/results"])
        #expect(run.code != 0)
        #expect(
            run.err.contains("init container migrate exited with code 3") && run.err.contains("schema missing"),
            "\(run.err.suffix(800))")
        #expect(
            !FileManager.default.fileExists(atPath: "\(scratch)/out/app-ran"),
            "the app container must not run after a failed init container")
        #expect(
            FileManager.default.fileExists(atPath: "\(scratch)/out"), "a hostPath that existed before is left alone")
        let id = try #require(runID(run.err))
        #expect(try await leftovers(id) == 0)
    }

    /// Refused before the runtime is touched: the field and the document are named.
    @Test(arguments: [
        (
            "spec:\n  containers:\n  - {name: a, image: i, livenessProbe: {}}",
            "spec.containers[0].livenessProbe is not supported"
        ),
        (
            "spec:\n  runtimeClassName: gvisor\n  containers:\n  - {name: a, image: i}",
            "runtimeClassName gvisor has no RuntimeClass"
        ),
        (
            "spec:\n  volumes:\n  - {name: v, configMap: {name: c}}\n  containers:\n  - {name: a, image: i}",
            "spec.volumes[0] must be a hostPath or an emptyDir"
        ),
        (
            "spec:\n  containers:\n  - {name: a, image: i, resources: {limits: {memory: lots}}}",
            "is not a Kubernetes quantity: lots"
        ),
    ])
    func aManifestBenchPodCannotCarryOutIsRefusedNamingTheField(spec: String, message: String) throws {
        let scratch = NSTemporaryDirectory() + "cribench-pod-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try "apiVersion: v1\nkind: Pod\nmetadata: {name: odd}\n\(spec)\n".write(
            toFile: "\(scratch)/pod.yaml", atomically: true, encoding: .utf8)
        let run = try BenchProcess.run(["pod", "\(scratch)/pod.yaml", "--results-dir", "\(scratch)/results"])
        #expect(run.code != 0)
        #expect(run.err.contains("document 1 (Pod odd)") && run.err.contains(message), "\(run.err)")
        #expect(runID(run.err) == nil, "nothing should have run")
    }

    /// A module URL that does not answer, answers 404, or returns something that is not wasm:
    /// a clear error naming the URL, and nothing left in the runtime or the registry.
    @Test func moduleURLsThatFailAreNamedAndLeaveNothing() async throws {
        let scratch = NSTemporaryDirectory() + "cribench-pod-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try "<html>not a module</html>\n".write(toFile: "\(scratch)/page.wasm", atomically: true, encoding: .utf8)
        let server = try ModuleServer(serving: scratch)
        defer { server.stop() }
        let cases = [
            ("http://127.0.0.1:1/idle.wasm", "does not answer"),
            ("\(server.baseURL)/missing.wasm", "answered HTTP 404"),
            ("\(server.baseURL)/page.wasm", "did not return a wasm module"),
        ]
        let tagsBefore = try registryTags()
        for (url, message) in cases {
            try """
            apiVersion: v1
            kind: Pod
            metadata: {name: by-url, annotations: {wasm-sandbox: "1"}}
            spec:
              restartPolicy: Never
              containers:
              - name: module
                image: url-failure
                annotations: {wasm.module.url: "\(url)"}
            """.write(toFile: "\(scratch)/pod.yaml", atomically: true, encoding: .utf8)
            let run = try BenchProcess.run(["pod", "\(scratch)/pod.yaml", "--results-dir", "\(scratch)/results"])
            #expect(run.code != 0)
            #expect(
                run.err.contains("container module: module URL \(url) \(message)"), "\(url): \(run.err.suffix(600))")
            let id = try #require(runID(run.err))
            #expect(try await leftovers(id) == 0)
            let flags = try BenchProcess.run([
                "run", "--flows", "image", "--samples", "1", "--warmup", "0", "--wasm-module-url", url, "--results-dir",
                "\(scratch)/results",
            ])
            #expect(
                flags.code != 0 && flags.err.contains("module URL \(url) \(message)"),
                "bench run: \(flags.err.suffix(600))")
        }
        #expect(try registryTags() == tagsBefore, "nothing was pushed")

        // Two modules, the second missing: the first was pushed already, and is deleted again.
        let good = try ModuleServer(serving: modules)
        defer { good.stop() }
        try """
        apiVersion: v1
        kind: Pod
        metadata: {name: two-modules, annotations: {wasm-sandbox: "1"}}
        spec:
          restartPolicy: Never
          containers:
          - name: first
            image: url-first-\(randomSuffix(length: 6))
            annotations: {wasm.module.url: "\(good.baseURL)/hello.wasm"}
          - name: second
            image: url-second
            annotations: {wasm.module.url: "\(good.baseURL)/missing.wasm"}
        """.write(toFile: "\(scratch)/two.yaml", atomically: true, encoding: .utf8)
        let two = try BenchProcess.run(["pod", "\(scratch)/two.yaml", "--results-dir", "\(scratch)/results"])
        #expect(
            two.code != 0
                && two.err.contains("container second: module URL \(good.baseURL)/missing.wasm answered HTTP 404"),
            "\(two.err.suffix(600))")
        let first = try #require(
            two.err.firstMatch(of: /is image [^\/\s]+\/cribench\/modules\/(\S+):(\S+)/),
            "the first module was published: \(two.err)")
        #expect(
            try registryStatus("/v2/cribench/modules/\(first.1)/manifests/\(first.2)") == 404,
            "the first module's image is deleted from the registry")
    }

    /// Runs `body` with the design notes' Pod sketch as written, its module URL pointed at a
    /// local server of CRIBench's modules, in a scratch directory (`sketch.yaml`) removed after.
    func withServedSketch<T>(_ body: (String) throws -> T) throws -> T {
        let scratch = NSTemporaryDirectory() + "cribench-sketch-\(randomSuffix(length: 6))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let server = try ModuleServer(serving: modules)
        defer { server.stop() }
        let written = try String(contentsOfFile: "\(Self.examples)/pod-sketch.yaml", encoding: .utf8)
        let served = written.replacingOccurrences(of: "http://127.0.0.1:8765", with: server.baseURL)
        #expect(served != written, "the sketch's URL is the one thing changed")
        try served.write(toFile: "\(scratch)/sketch.yaml", atomically: true, encoding: .utf8)
        return try body(scratch)
    }

    func registryStatus(_ path: String) throws -> Int {
        let registry = TestEnvironment.shared.node.registry
        let run = try ChildProcess.run(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-I",
                "-H", "Accept: application/vnd.oci.image.manifest.v1+json", "http://\(registry)\(path)",
            ],
            environment: ChildProcess.cleanEnvironment)
        return Int(run.out) ?? 0
    }

    func registryTags() throws -> String {
        let registry = TestEnvironment.shared.node.registry
        return try ChildProcess.run(
            "/usr/bin/curl", ["-s", "http://\(registry)/v2/_catalog"], environment: ChildProcess.cleanEnvironment
        ).out
    }
}
