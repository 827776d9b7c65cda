import ArgumentParser
import BenchKit
import CRIClient

/// How to reach the runtime, with crictl's flag names.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: [.customShort("r"), .long],
        help:
            ArgumentHelp(
                "CRI runtime endpoint, unix:///path or /path (default: $CONTAINER_RUNTIME_ENDPOINT, else CRIBench's "
                    + "own "
                    + "containerd as $CRIBENCH_STATE_DIR/cribench.env records it).")
    )
    var runtimeEndpoint: String?

    @Option(name: [.customShort("t"), .long], help: "Deadline of each CRI call, in seconds.")
    var timeout: Int = 30

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second, got \(timeout)") }
    }

    func endpoint() throws -> CRIEndpoint {
        if let runtimeEndpoint { return try CRIEndpoint(parsing: runtimeEndpoint) }
        return try CRIEndpoint.fromEnvironment(fallback: try NodeSettings.load().endpoint)
    }

    func withClient<Result: Sendable>(_ body: (CRIClient) async throws -> Result) async throws -> Result {
        try await withCRIClient(endpoint: try endpoint(), timeout: .seconds(timeout), body)
    }
}
