import ArgumentParser
import BenchKit

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Benchmark and check a Kubernetes container runtime over CRI v1: OCI images and wasm modules side by side.",
        version: "CRIBench \(BenchVersion.current)",
        subcommands: [
            RunCommand.self, ABCommand.self, ScaleCommand.self, PodCommand.self, MergeCommand.self,
            OverheadCommand.self, CleanupCommand.self, VersionCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )
}
