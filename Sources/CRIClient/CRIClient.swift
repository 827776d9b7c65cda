import SwiftProtobuf

/// A typed async client for a CRI v1 runtime (RuntimeService and ImageService) on a unix socket,
/// on the gRPC C core. Obtain one with ``withCRIClient(endpoint:timeout:_:)``, which owns the
/// connection. Every call has a deadline (``timeout`` unless a call is given its own) and throws
/// ``CRIError``.
public struct CRIClient: Sendable {
    /// List responses can be large on a busy node: allow more than gRPC's default 4 MiB.
    public static let maxResponseBytes = 64 * 1024 * 1024

    /// The gRPC C core under the client, e.g. "29.0.0", for reports.
    public static var transportDescription: String { "gRPC C core \(CoreChannel.coreVersion)" }

    public let endpoint: CRIEndpoint
    /// The deadline of every call that is not given one of its own.
    public var timeout: Duration

    let channel: CoreChannel

    /// The executor a task should prefer to make this client's calls at the lowest cost
    /// (``withCRIClient`` runs its body on it; an unstructured `Task` does not inherit it:
    /// give it as `Task(executorPreference:)`). Code on it must not block the thread.
    public var preferredExecutor: any TaskExecutor { channel.executor }

    init(channel: CoreChannel, endpoint: CRIEndpoint, timeout: Duration) {
        self.channel = channel
        self.endpoint = endpoint
        self.timeout = timeout
    }

    /// Runs one unary RPC of `service` under a deadline and turns any failure into a
    /// ``CRIError`` naming `method`.
    func perform<Response: SwiftProtobuf.Message>(
        _ service: CRIService,
        _ method: String,
        _ request: some SwiftProtobuf.Message,
        timeout: Duration? = nil
    ) async throws(CRIError) -> Response {
        let deadline = timeout ?? self.timeout
        let bytes: [UInt8]
        do {
            bytes = try request.serializedBytes()
        } catch {
            throw CRIError(
                .invalidArgument, call: method, endpoint: endpoint.description,
                message: "cannot encode the request: \(error)")
        }
        let outcome = await channel.unary(method: service.path(of: method), request: bytes, timeout: deadline)
        guard outcome.status == .ok else {
            throw CRIError(
                status: outcome.status, details: outcome.details, call: method, endpoint: endpoint.description,
                timeout: deadline)
        }
        do {
            return try Response(serializedBytes: outcome.response)
        } catch {
            throw CRIError(
                .notCRI, call: method, endpoint: endpoint.description,
                message: "the answer is not a CRI v1 \(Response.protoMessageName): \(error)")
        }
    }
}

/// The two gRPC services of CRI v1.
enum CRIService {
    case runtime
    case image

    func path(of method: String) -> String {
        switch self {
        case .runtime: "/runtime.v1.RuntimeService/\(method)"
        case .image: "/runtime.v1.ImageService/\(method)"
        }
    }
}

/// Connects to the CRI runtime at `endpoint`, runs `body` with a client, and closes the
/// connection when `body` returns or throws.
///
/// The endpoint is checked first, so a missing socket, a file that is not a socket or a
/// socket nobody serves fails at once with a ``CRIError`` that says so.
///
/// Make the calls from nonisolated code, as `body` is: a caller isolated to the main actor (the
/// top level of a `main.swift`) resumes on the main thread after every call, a hand-off between
/// threads that costs more than the C core's own work on a VM.
public func withCRIClient<Result: Sendable>(
    endpoint: CRIEndpoint,
    timeout: Duration = .seconds(30),
    _ body: (CRIClient) async throws -> Result
) async throws -> Result {
    try endpoint.checkReachable()
    let channel: CoreChannel
    do {
        channel = try CoreChannel(socketPath: endpoint.socketPath, maxReceiveBytes: CRIClient.maxResponseBytes)
    } catch {
        throw CRIError(.connectionFailed, call: nil, endpoint: endpoint.description, message: error.message)
    }
    let client = CRIClient(channel: channel, endpoint: endpoint, timeout: timeout)
    // The body runs on the channel's completion thread, so that a call's task resumes where its
    // answer arrives; leaving it returns to the caller's executor, where the channel is closed.
    let result: Result
    do {
        result = try await withTaskExecutorPreference(channel.executor) { try await body(client) }
    } catch {
        channel.close()
        throw error
    }
    channel.close()
    return result
}
