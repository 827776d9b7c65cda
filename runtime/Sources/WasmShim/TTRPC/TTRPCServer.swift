#if canImport(Glibc)
import Glibc
#endif
import CSystemCalls
import SwiftProtobuf
import TaskAPI
import WasmRuntime
import WasmShimSupport

/// A ttrpc server on a listening unix socket: one thread polls the listener and every
/// connection (containerd opens one per task), and each request is handled on a thread of its
/// own, so that a slow Create or a long Wait never holds up the connection's other streams.
final class TTRPCServer {
    /// Handles one request and answers it through `reply`, now or later (Wait answers on exit).
    typealias Handler = (_ request: TTRPCRequest, _ reply: @escaping (TTRPCResponse) -> Void) -> Void

    final class Connection {
        let fd: Int32
        private let state = Guarded(false)
        var buffer: [UInt8] = []

        init(fd: Int32) { self.fd = fd }

        func send(_ frame: Frame) {
            state.with { closed in
                guard !closed else { return }
                _ = try? Posix.writeAll(fd, frame.bytes, what: "ttrpc connection")
            }
        }

        func close() {
            state.with { closed in
                guard !closed else { return }
                closed = true
                Glibc.close(fd)
            }
        }
    }

    private let listener: Int32
    private let handler: Handler
    private let log: ShimLog
    /// Called on every accepted connection (a `start` probing the shim is about to use it).
    private let onAccept: () -> Void

    init(listener: Int32, log: ShimLog, onAccept: @escaping () -> Void = {}, handler: @escaping Handler) {
        self.listener = listener
        self.handler = handler
        self.log = log
        self.onAccept = onAccept
    }

    /// Serves until the process exits.
    func run() -> Never {
        var connections: [Connection] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            descriptors += connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                log.error("ttrpc: poll: \(String(cString: strerror(errno)))")
                sleep(1)
                continue
            }
            var closed = Set<Int32>()
            for (index, connection) in connections.enumerated() where descriptors[index + 1].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if count <= 0 {
                    closed.insert(connection.fd)
                    continue
                }
                connection.buffer += chunk[0..<count]
                do {
                    for frame in try Frame.drain(&connection.buffer) { dispatch(frame, on: connection) }
                } catch {
                    log.error("\(error); closing the connection")
                    closed.insert(connection.fd)
                }
            }
            if !closed.isEmpty {
                for connection in connections where closed.contains(connection.fd) { connection.close() }
                connections.removeAll { closed.contains($0.fd) }
            }
            // Accepted last: the connections above are those `descriptors` was built from.
            if descriptors[0].revents != 0 {
                let accepted = wr_accept_cloexec(listener)
                if accepted >= 0 {
                    connections.append(Connection(fd: accepted))
                    onAccept()
                }
            }
        }
    }

    private func dispatch(_ frame: Frame, on connection: Connection) {
        guard frame.kind == Frame.Kind.request.rawValue else { return }
        let streamID = frame.streamID
        let reply: (TTRPCResponse) -> Void = { response in
            connection.send(Frame(streamID: streamID, kind: Frame.Kind.response.rawValue, payload: response.encoded))
        }
        let request: TTRPCRequest
        do {
            request = try TTRPCRequest(decoding: frame.payload)
        } catch {
            reply(.failure(.invalidArgument, "ttrpc: the request does not decode: \(error)"))
            return
        }
        let handler = self.handler
        startThread { handler(request, reply) }
    }
}

/// The gRPC status codes containerd maps to its errors (errdefs.FromGRPC).
enum StatusCode: Int32 {
    case unknown = 2
    case invalidArgument = 3
    case notFound = 5
    case alreadyExists = 6
    case failedPrecondition = 9
    case unimplemented = 12
    case `internal` = 13
    case unavailable = 14
}

extension TTRPCResponse {
    static func success(_ message: some SwiftProtobuf.Message) -> TTRPCResponse {
        TTRPCResponse(payload: (try? message.serializedBytes()) ?? [])
    }

    static func failure(_ code: StatusCode, _ message: String) -> TTRPCResponse {
        TTRPCResponse(code: code.rawValue, message: message)
    }
}
