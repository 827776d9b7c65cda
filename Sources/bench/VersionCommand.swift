import ArgumentParser
import CRIClient

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the runtime's name and version as CRI reports them.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let version = try await connection.withClient { try await $0.version() }
        print("endpoint: \(try connection.endpoint())")
        print("runtime: \(version.runtimeName) \(version.runtimeVersion)")
        print("cri api: \(version.runtimeApiVersion)")
    }
}
