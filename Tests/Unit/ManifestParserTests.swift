@testable import BenchKit
import CRIClient
import Foundation
import Testing

@Suite("Pod manifests")
struct ManifestParserTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("examples").path

    @Test func theExamplesParseIntoWhatTheKubeletWouldSend() throws {
        let variant = try ManifestParser.load(path: "\(Self.examples)/module-url-with-volume.yaml")
        let pod = try #require(variant.pods.first)
        #expect(pod.asksForWasmSandbox, "the design notes' `wasm-sandbox: 1` is an integer in YAML")
        #expect(pod.containers[0].moduleURL == "http://127.0.0.1:8765/wasi_example_main.wasm")
        #expect(
            pod.containers[0].args == ["args1", "args2", "args3"] && pod.restartPolicy == .never && pod.runsToCompletion
        )

        let config = try ManifestParser.load(path: "\(Self.examples)/config-volume.yaml").pods[0]
        #expect(config.initContainers.map(\.name) == ["check-config"] && config.containers.map(\.name) == ["app"])
        #expect(
            config.volumes.map(\.source) == [
                .hostPath(path: "/tmp/cribench-example-config", type: "Directory"), .emptyDir,
            ])
        let app = config.containers[0]
        #expect(app.runAsUser == 1000 && app.runAsGroup == 1000 && !app.readOnlyRootFilesystem)
        #expect(config.initContainers[0].readOnlyRootFilesystem && config.initContainers[0].runAsUser == nil)
        #expect(
            app.volumeMounts == [
                VolumeMount(name: "config", mountPath: "/etc/app", readOnly: true),
                VolumeMount(name: "scratch", mountPath: "/scratch"),
            ])

        let pair = try ManifestParser.load(path: "\(Self.examples)/pair-oci.yaml")
        #expect(pair.runtimeClasses == [RuntimeClassManifest(name: "runc", handler: "runc")])
        let example = pair.pods[0].containers[0]
        #expect(
            example.memoryLimitBytes == 64 << 20 && example.cpuLimitMillis == 500 && example.cpuRequestMillis == 500)
        // The kubelet's cgroup v1 arithmetic: 500m is a 50 ms quota per 100 ms, 512 shares.
        #expect(
            example.linuxResources.cpuQuota == 50_000 && example.linuxResources.cpuPeriod == 100_000
                && example.linuxResources.cpuShares == 512)
        #expect(example.pullPolicy == .ifNotPresent)
    }

    /// The design notes' Pod sketch, field for field: `spec.runtimeHandler: runc` beside
    /// `wasm-sandbox: 1` gives way to the wasm handler, and `command` reaches the module ahead
    /// of `args` instead of replacing it.
    @Test func thePodSketchRunsItsModuleUnderTheWasmHandlerWithItsCommandAsArguments() throws {
        let sketch = try ManifestParser.load(path: "\(Self.examples)/pod-sketch.yaml")
        let pod = try #require(sketch.pods.first)
        #expect(pod.runtimeHandler == "runc" && pod.asksForWasmSandbox && pod.restartPolicy == .always)
        let container = pod.containers[0]
        #expect(container.command == ["my-command"] && container.args == ["args1", "args2", "args3...."])
        #expect(try Self.run(sketch).handler(for: pod) == "wasm")
        let config = container.config(
            pod: pod, uid: "u1", nodeName: "n", image: "img", hostPaths: [:], ownership: [:],
            imageAnnotations: [:])
        #expect(config.command.isEmpty, "the module stays the entrypoint")
        #expect(config.args == ["my-command", "args1", "args2", "args3...."])
    }

    /// How `spec.runtimeHandler`, `runtimeClassName` and `wasm-sandbox: 1` combine.
    @Test func runtimeHandlerNamesTheHandlerUnlessAClassOrTheWasmSandboxSaysOtherwise() throws {
        func pod(_ fields: String, annotated: Bool = false) throws -> (ManifestFile, PodManifest) {
            let annotations = annotated ? "\n  annotations: {wasm-sandbox: 1}" : ""
            let file = try ManifestParser.parse(
                """
                apiVersion: node.k8s.io/v1
                kind: RuntimeClass
                metadata: {name: crun-class}
                handler: crun
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: p\(annotations)
                spec:
                \(fields)
                  containers: [{name: c, image: busybox}]
                """)
            return (file, try #require(file.pods.first))
        }
        let (direct, plain) = try pod("  runtimeHandler: runc-next")
        #expect(try Self.run(direct).handler(for: plain) == "runc-next")
        let (shim, wasmShim) = try pod("  runtimeHandler: wasm-shim", annotated: true)
        #expect(
            try Self.run(shim).handler(for: wasmShim) == "wasm-shim", "a wasm handler beside the annotation is kept")
        let (agreeing, same) = try pod("  runtimeClassName: crun-class\n  runtimeHandler: crun")
        #expect(try Self.run(agreeing).handler(for: same) == "crun")
        let (contradicting, other) = try pod("  runtimeClassName: crun-class\n  runtimeHandler: runc")
        let error = #expect(throws: BenchError.self) { try Self.run(contradicting).handler(for: other) }
        #expect(
            "\(error.map { "\($0)" } ?? "")".contains(
                "spec.runtimeHandler runc contradicts runtimeClassName crun-class"))
        #expect(throws: ManifestError.self) { try pod("  runtimeHandler: Not_A_Handler") }
    }

    static func run(_ file: ManifestFile) -> ManifestRun {
        ManifestRun(
            endpoint: CRIEndpoint(socketPath: "/nowhere.sock"), callTimeout: .seconds(1), manifest: file, repeats: 1,
            runtimeClasses: [:], wasmHandler: "wasm", volumeRoot: "/nowhere", waitTimeout: .seconds(1),
            ledger: ImageLedger(directory: "/nowhere"), moduleImages: nil)
    }

    /// deploy/daemonset.yaml as bench pod runs it: the template's pod, named after the
    /// DaemonSet, the node name through the downward API and `$(NODE_NAME)` in its args.
    @Test func theDaemonSetsPodGetsItsNodeNameAsTheKubeletWouldGiveIt() throws {
        let file = try ManifestParser.load(path: "\(Self.examples)/../deploy/daemonset.yaml")
        let pod = try #require(file.pods.first)
        #expect(
            pod.name.hasPrefix("cribench-") && pod.namespace == "cribench"
                && pod.labels["app.kubernetes.io/name"] == "cribench")
        #expect(
            pod.volumes.first { $0.name == "cri-socket" }?.source
                == .hostPath(path: "/run/containerd/containerd.sock", type: "Socket"))
        let bench = pod.containers[0]
        let config = bench.config(
            pod: pod, uid: "u1", nodeName: "worker-7", image: "img", hostPaths: [:], ownership: [:],
            imageAnnotations: [:])
        #expect(config.args.contains("--node-name=worker-7"))
        #expect(config.envs.contains { $0.key == "NODE_NAME" && $0.value == "worker-7" })
        #expect(ContainerManifest.expand("a $(X) $$(X) $(Y) $", ["X": "1"]) == "a 1 $(X) $(Y) $")
    }

    @Test func defaultsFollowKubernetes() throws {
        let file = try ManifestParser.parse(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers:
              - {name: a, image: busybox}
              - {name: b, image: "registry:5000/x:latest"}
              - {name: c, image: "registry:5000/x:1.0"}
              - {name: d, image: "x@sha256:abc"}
            """)
        let pod = file.pods[0]
        #expect(pod.namespace == "default" && pod.restartPolicy == .always && pod.terminationGracePeriodSeconds == 30)
        #expect(pod.containers.map(\.pullPolicy) == [.always, .always, .ifNotPresent, .ifNotPresent])
        #expect(pod.containers[0].linuxResources.cpuShares == 2, "no request: the kubelet's minimum of 2 shares")
    }

    @Test(arguments: [
        ("128Mi", 134_217_728.0), ("1G", 1e9), ("500m", 0.5), ("2", 2.0), ("1.5Gi", 1_610_612_736.0),
        ("100k", 100_000.0), ("1e3", 1000.0),
    ])
    func quantities(text: String, value: Double) {
        #expect(Quantity.value(text) == value)
    }

    @Test func millicoresRoundUpWithoutFloatingPointDrift() throws {
        let node = { (text: String) in ManifestNode(value: text, document: "d", path: "cpu") }
        #expect(try Quantity.millicores(node("0.1")) == 100)
        #expect(try Quantity.millicores(node("0.0011")) == 2)
        #expect(try Quantity.millicores(node("250m")) == 250)
    }

    @Test(arguments: [
        (
            "kind: Deployment\napiVersion: apps/v1\nmetadata: {name: d}",
            "apiVersion apps/v1 kind Deployment is not supported"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: []",
            "spec.containers must hold at least one container"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i, env: "
                + "[{name: X, valueFrom: {secretKeyRef: {name: s, key: k}}}]}",
            "spec.containers[0].env[0].valueFrom.secretKeyRef is not supported"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i, env: "
                + "[{name: X, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]}",
            "fieldRef status.podIP is not supported"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i, "
                + "volumeMounts: [{name: v, mountPath: /v}]}",
            "mounts volume v, which spec.volumes does not define"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: yes please\n  containers:\n  - "
                + "{name: a, image: i}",
            "spec.hostNetwork must be true or false"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: "
                + "i}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, "
                + "image: i}",
            "two Pods are named default/p"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i, "
                + "restartPolicy: Always}",
            "spec.containers[0].restartPolicy is not supported"
        ),
        // Names become paths and op names.
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: ../../etc/x, image: i}",
            "spec.containers[0].name must be a DNS-1123 label"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: .., emptyDir: {}}]\n  "
                + "containers:\n  - {name: a, image: i}",
            "spec.volumes[0].name must be a DNS-1123 label"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: P_1}\nspec:\n  containers:\n  - {name: a, image: i}",
            "metadata.name must be a DNS-1123 subdomain"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: my app}}\nspec:\n  containers:\n  - {name: "
                + "a, image: i}",
            "metadata.labels.app is not a valid label value"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: sandbox, image: i}",
            "'sandbox' is reserved"
        ),
        // YAML 1.1 would hand on 1.1 for 1.10: refused, as the API server refuses a number there.
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i, env: "
                + "[{name: V, value: 1.10}]}",
            "spec.containers[0].env[0].value must be a string"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i, "
                + "securityContext: {runAsUser: -1}}",
            "runAsUser must be a user or group id"
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: i, resources: "
                + "{limits: {cpu: 1e13}}}",
            "is more CPU than any node has"
        ),
    ])
    func whatBenchPodCannotCarryOutIsNamed(text: String, message: String) {
        #expect {
            try ManifestParser.parse(text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func criLogLinesJoinPartialsAndKeepStreams() {
        let log = """
            2026-11-23T16:00:00.000000001Z stdout F hello
            2026-11-23T16:00:00.000000002Z stderr P par
            2026-11-23T16:00:00.000000003Z stderr F tial
            2026-11-23T16:00:00.000000004Z stdout F
            """
        #expect(CRILogLine.messages(log) == ["hello", "partial", ""])
    }
}

@Suite("Wasm modules by URL: packaging")
struct WasmModulePackagingTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex([UInt8](repeating: 0x61, count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func theLayerIsATarThatPythonsTarfileReads() throws {
        let module = Data([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
        let layout = try WasmImageLayout(module: module, fileName: "m.wasm", sourceURL: "http://x/m.wasm")
        #expect(layout.layer.data.count % 512 == 0)
        let path = NSTemporaryDirectory() + "cribench-layer-\(UUID().uuidString).tar"
        try layout.layer.data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        check.arguments = [
            "-c",
            "import tarfile,sys; t=tarfile.open(sys.argv[1]); m=t.getmember('m.wasm'); assert m.size==8 and "
                + "m.mode==0o755, m; assert t.extractfile(m).read()[:4]==b'\\x00asm'",
            path,
        ]
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "python's tarfile rejects the layer")
        let config = try JSONSerialization.jsonObject(with: layout.config.data) as? [String: Any]
        #expect(config?["os"] as? String == "wasi" && config?["architecture"] as? String == "wasm")
        #expect(((config?["rootfs"] as? [String: Any])?["diff_ids"] as? [String]) == [layout.layer.digest])
    }

    @Test func notWasmIsRefusedSayingWhatCameInstead() {
        #expect {
            try ModuleFetcher.checkIsWasm(Data("<html>404</html>".utf8), source: "http://x/m.wasm")
        } throws: { "\($0)".contains("did not return a wasm module") && "\($0)".contains("<html>") }
    }

    @Test func moduleImagesAreNamedByImageNameAndDigest() {
        let images = ModuleURLImages(registry: "127.0.0.1:5000")
        #expect(
            images.reference(imageName: "Wasm Module/Name", moduleDigest: "0123456789abcdef0123")
                == "127.0.0.1:5000/cribench/modules/wasm-module-name:0123456789abcdef")
    }
}
