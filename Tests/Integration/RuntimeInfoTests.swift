import BenchKit
import CRIClient
import Testing

@Suite("Runtime version and status")
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
            #expect(conditions["RuntimeReady"]?.status == true, "RuntimeReady: \(conditions["RuntimeReady"]?.message ?? "missing")")
            #expect(conditions["NetworkReady"]?.status == true, "NetworkReady: \(conditions["NetworkReady"]?.message ?? "missing")")
        }
    }
}

@Suite("One client, many calls")
struct ManyCallsTests {
    /// containerd's gRPC server PINGs the client on nearly every request, and swift-nio-http2
    /// drops a connection that receives more than 200 PINGs in 30 s: one client making a
    /// benchmark's worth of quick calls must not lose its connection.
    @Test func aThousandQuickCallsOnOneClientAllSucceed() async throws {
        try await withRuntime { client in
            var failures: [String] = []
            for index in 0..<1000 {
                do {
                    _ = try await index % 2 == 0 ? client.version().runtimeName : (client.imageStatus(Defaults.busyboxImage)?.id ?? "")
                } catch {
                    failures.append("call \(index): \(error)")
                }
            }
            #expect(failures.isEmpty, "\(failures.count) failed, first: \(failures.first ?? "")")
        }
    }
}
