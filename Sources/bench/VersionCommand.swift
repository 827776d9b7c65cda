import ArgumentParser
import BenchKit
import CRIClient

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print bench's own version, and the runtime's name and version as CRI reports them.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        print("bench: CRIBench \(BenchVersion.current), CRIClient on \(CRIClient.transportDescription)")
        let version = try await connection.withClient { try await $0.version() }
        print("endpoint: \(try connection.endpoint())")
        print("runtime: \(version.runtimeName) \(version.runtimeVersion)")
        print("cri api: \(version.runtimeApiVersion)")
    }
}
