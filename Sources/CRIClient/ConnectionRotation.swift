import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Synchronization

/// Spreads a client's calls over successive HTTP/2 connections, each used for a bounded
/// number of calls.
///
/// Why: a grpc-go server (containerd) sends a BDP-estimation PING for nearly every request it
/// receives, and swift-nio-http2 closes a connection that receives more than 200 control
/// frames in 30 seconds (GOAWAY ENHANCE_YOUR_CALM; every call in flight then fails with
/// "Stream unexpectedly closed"). A benchmark makes that many calls in well under a minute.
/// grpc-swift-nio-transport 2.9 does not expose the limit, so CRIClient moves to a fresh
/// connection long before a connection can reach it. The old connection shuts down
/// gracefully: calls already on it finish there.
final class ConnectionRotation: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    /// The service stubs of one connection.
    struct Stubs: Sendable {
        let runtime: Runtime_V1_RuntimeService.Client<Transport>
        let images: Runtime_V1_ImageService.Client<Transport>
    }

    /// Calls after which a connection is replaced before the next call, whatever their pace:
    /// well under the 200 inbound control frames (about one per call) that end a connection.
    static let callsPerConnection = 120

    private struct State {
        var client: GRPCClient<Transport>
        var stubs: Stubs
        var calls = 0
        var closed = false
    }

    private let endpoint: CRIEndpoint
    private let state: Mutex<State>
    /// Hands each new connection to the task that runs it (see ``withCRIClient``).
    private let spawn: AsyncStream<GRPCClient<Transport>>.Continuation

    init(endpoint: CRIEndpoint, spawn: AsyncStream<GRPCClient<Transport>>.Continuation) throws(CRIError) {
        self.endpoint = endpoint
        self.spawn = spawn
        let client = try Self.connect(endpoint)
        spawn.yield(client)
        state = Mutex(State(client: client, stubs: Self.stubs(client)))
    }

    /// The stubs to make one call with, on a fresh connection when the current one has had
    /// its share of calls.
    func acquire() throws(CRIError) -> Stubs {
        try rotate(afterCalls: Self.callsPerConnection, counting: true).stubs
    }

    /// Moves to a fresh connection if the current one has carried more than `calls` calls;
    /// returns whether it did.
    func renew(ifUsedMoreThan calls: Int) throws(CRIError) -> Bool {
        try rotate(afterCalls: calls + 1, counting: false).rotated
    }

    /// Shuts every connection down gracefully and ends the task that runs them.
    func close() {
        let client = state.withLock { state -> GRPCClient<Transport>? in
            guard !state.closed else { return nil }
            state.closed = true
            return state.client
        }
        client?.beginGracefulShutdown()
        spawn.finish()
    }

    private func rotate(afterCalls limit: Int, counting: Bool) throws(CRIError) -> (stubs: Stubs, rotated: Bool) {
        let result = state.withLock { state -> Result<(Stubs, retired: GRPCClient<Transport>?), CRIError> in
            var retired: GRPCClient<Transport>?
            if !state.closed, state.calls >= limit {
                do throws(CRIError) {
                    let fresh = try Self.connect(endpoint)
                    spawn.yield(fresh)
                    retired = state.client
                    state.client = fresh
                    state.stubs = Self.stubs(fresh)
                    state.calls = 0
                } catch {
                    return .failure(error)
                }
            }
            if counting { state.calls += 1 }
            return .success((state.stubs, retired))
        }
        switch result {
        case .success(let (stubs, retired)):
            retired?.beginGracefulShutdown()
            return (stubs, retired != nil)
        case .failure(let error):
            throw error
        }
    }

    private static func connect(_ endpoint: CRIEndpoint) throws(CRIError) -> GRPCClient<Transport> {
        do {
            let transport = try Transport(target: .unixDomainSocket(path: endpoint.socketPath), transportSecurity: .plaintext)
            return GRPCClient(transport: transport)
        } catch {
            throw CRIError(.connectionFailed, call: nil, endpoint: endpoint.description, message: "\(error)")
        }
    }

    private static func stubs(_ client: GRPCClient<Transport>) -> Stubs {
        Stubs(runtime: Runtime_V1_RuntimeService.Client(wrapping: client), images: Runtime_V1_ImageService.Client(wrapping: client))
    }
}
