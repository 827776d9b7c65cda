import ArgumentParser
import BenchKit
import Foundation

struct PodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pod",
        abstract: "Run Kubernetes Pod manifests through CRI as a kubelet would, timing every call.",
        discussion: """
            Each Pod (apiVersion v1) of the files runs in order: sandbox with the pod's metadata, \
            labels, annotations and hostNetwork; runtimeClassName mapped to a runtime handler \
            (RuntimeClass documents in the files, or --runtime-class); init containers one after \
            the other, each to exit 0; then the containers, waited Running (or exited, for \
            restartPolicy Never/OnFailure). Logs go to stderr as POD/CONTAINER: LINE. A container \
            whose annotations carry wasm.module.url (the wasm fork's form) runs that module: it is \
            fetched (http, https, file), packaged as a wasm image and pushed to the local registry. \
            With --repeat N every CRI call gets percentiles in the reports bench run writes \
            (Go benchmark lines on stdout and under RESULTS/RUN/). A field bench pod does not \
            carry out is an error naming it. Everything is labelled and removed afterwards, also \
            after a failure or Ctrl-C.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: ArgumentHelp("Manifest files (YAML, one or many documents).", valueName: "file")) var files:
        [String]
    @Option(help: "Runs of each pod.") var `repeat` = 1
    @Option(
        name: .customLong("runtime-class"),
        help: ArgumentHelp("Maps a runtimeClassName to a runtime handler (repeatable).", valueName: "name=handler"))
    var runtimeClasses: [String] = []
    @Option(help: "Runtime handler that counts as the wasm side (and runs the wasm fork's wasm-sandbox pods).")
    var wasmHandler = "wasm"
    @Option(help: "Seconds a pod may take to get its containers Running (or finished).") var waitTimeout = 120
    @Option(help: "Directory under which results/RUN/ is written.") var resultsDir = "results"
    @Option(help: "The node name the pods see as spec.nodeName through the downward API (default: the host name).")
    var nodeName: String?
    @Option(
        help: ArgumentHelp(
            "For pods that never end by themselves (a DaemonSet's): wait until each container logs a line containing "
                + "this before the pod is removed.",
            valueName: "text"))
    var untilLog: String?

    func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1, got \(`repeat`)") }
        guard waitTimeout >= 1 else { throw ValidationError("--wait-timeout must be at least 1 second") }
        _ = try classMap()
    }

    func classMap() throws -> [String: String] {
        var map: [String: String] = [:]
        for entry in runtimeClasses {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--runtime-class takes NAME=HANDLER, got '\(entry)'")
            }
            map[parts[0]] = parts[1]
        }
        return map
    }

    func run() async throws {
        var manifest = ManifestFile()
        for file in files {
            let loaded = try ManifestParser.load(path: file)
            manifest.pods += loaded.pods
            manifest.runtimeClasses += loaded.runtimeClasses
        }
        try manifest.checkNamesAreUnique()
        try ResultsWriter.prepare(root: resultsDir)
        let ledger = ImageLedger()
        try ledger.prepare()
        let settings = try NodeSettings.load()
        var run = ManifestRun(
            endpoint: try connection.endpoint(), callTimeout: .seconds(connection.timeout), manifest: manifest,
            repeats: `repeat`,
            runtimeClasses: try classMap(), wasmHandler: wasmHandler,
            volumeRoot: settings.stateDirectory + "/pod-volumes",
            waitTimeout: .seconds(waitTimeout), ledger: ledger,
            moduleImages: ModuleURLImages(registry: settings.registry))
        run.nodeName = nodeName
        run.untilLog = untilLog
        let (results, signal) = try await run.execute(
            progress: { progress($0) },
            log: { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            })
        print(GoBenchReporter.render(results), terminator: "")
        try write(FlowRunReport(results), under: resultsDir)
        try conclude(results, signal: signal, command: "bench pod")
    }
}
