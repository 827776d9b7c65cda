import BenchKit
import CRIClient
import Testing

@Suite("Runtime version and status", .timeLimit(.minutes(10)))
struct RuntimeInfoTests {
    @Test func versionNamesTheRuntime() async throws {
        try await withRuntime { client in
            let version = try await client.version()
            #expect(version.runtimeApiVersion == "v1")
            #expect(!version.runtimeName.isEmpty)
            #expect(!version.runtimeVersion.isEmpty)
        }
    }

    @Test func runtimeAndNetworkAreReady() async throws {
        try await withRuntime { client in
            let status = try await client.status()
            let conditions = Dictionary(uniqueKeysWithValues: status.status.conditions.map { ($0.type, $0) })
            #expect(
                conditions["RuntimeReady"]?.status == true,
                "RuntimeReady: \(conditions["RuntimeReady"]?.message ?? "missing")")
            #expect(
                conditions["NetworkReady"]?.status == true,
                "NetworkReady: \(conditions["NetworkReady"]?.message ?? "missing")")
        }
    }
}
