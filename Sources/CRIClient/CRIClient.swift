import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// A typed async client for a CRI v1 runtime (RuntimeService and ImageService) on a unix socket.
/// Obtain one with ``withCRIClient(endpoint:timeout:_:)``, which owns the connection.
/// Every call has a deadline (``timeout`` unless a call is given its own) and throws ``CRIError``.
public struct CRIClient: Sendable {
    public typealias Transport = HTTP2ClientTransport.Posix

    /// List responses can be large on a busy node: allow more than gRPC's default 4 MiB.
    public static let maxListResponseBytes = 64 * 1024 * 1024

    public let endpoint: CRIEndpoint
    /// The deadline of every call that is not given one of its own.
    public var timeout: Duration

    let connections: ConnectionRotation

    init(connections: ConnectionRotation, endpoint: CRIEndpoint, timeout: Duration) {
        self.connections = connections
        self.endpoint = endpoint
        self.timeout = timeout
    }

    /// Moves to a fresh connection, and opens it with a Version call, when the current one has
    /// carried more than `calls` calls. A benchmark calls this between samples, outside its
    /// timed regions, so that no measured call pays for setting up a connection.
    public func renewConnection(ifUsedMoreThan calls: Int = 60) async throws(CRIError) {
        if try connections.renew(ifUsedMoreThan: calls) {
            _ = try await version()
        }
    }

    /// Runs one RPC under a deadline and turns any gRPC failure into a ``CRIError`` naming `call`.
    func perform<Result: Sendable>(
        _ call: String,
        timeout: Duration? = nil,
        maxResponseBytes: Int? = nil,
        _ rpc: (ConnectionRotation.Stubs, CallOptions) async throws -> Result
    ) async throws(CRIError) -> Result {
        let stubs: ConnectionRotation.Stubs
        do {
            stubs = try connections.acquire()
        } catch {
            throw CRIError(error.code, call: call, endpoint: endpoint.description, message: error.message)
        }
        var options = CallOptions.defaults
        let deadline = timeout ?? self.timeout
        options.timeout = deadline
        if let maxResponseBytes { options.maxResponseMessageBytes = maxResponseBytes }
        do {
            return try await rpc(stubs, options)
        } catch let error as RPCError {
            throw CRIError(rpcError: error, call: call, endpoint: endpoint.description, timeout: deadline)
        } catch let error as CRIError {
            throw error
        } catch is CancellationError {
            throw CRIError(.cancelled, call: call, endpoint: endpoint.description, message: "cancelled by the caller")
        } catch {
            throw CRIError(.runtime, call: call, endpoint: endpoint.description, message: "\(error)")
        }
    }
}

/// Connects to the CRI runtime at `endpoint`, runs `body` with a client, and closes the
/// connection when `body` returns or throws.
///
/// The endpoint is checked first, so a missing socket, a file that is not a socket or a
/// socket nobody serves fails at once with a ``CRIError`` that says so.
public func withCRIClient<Result: Sendable>(
    endpoint: CRIEndpoint,
    timeout: Duration = .seconds(30),
    _ body: (CRIClient) async throws -> Result
) async throws -> Result {
    try endpoint.checkReachable()
    let (connectionsToRun, spawn) = AsyncStream.makeStream(of: GRPCClient<CRIClient.Transport>.self)
    let connections = try ConnectionRotation(endpoint: endpoint, spawn: spawn)
    return try await withThrowingDiscardingTaskGroup { group in
        group.addTask {
            try await withThrowingDiscardingTaskGroup { running in
                for await connection in connectionsToRun {
                    running.addTask { try await connection.runConnections() }
                }
            }
        }
        defer { connections.close() }
        return try await body(CRIClient(connections: connections, endpoint: endpoint, timeout: timeout))
    }
}
