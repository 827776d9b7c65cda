/// A failed CRI call or connection: which call, against which endpoint, and why.
/// Its description is one line meant for a person: "cri: PullImage on unix:///run/x.sock: not found: ...".
public struct CRIError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidEndpoint = "invalid endpoint"
        case noSuchSocket = "no such socket"
        case notASocket = "not a socket"
        case connectionFailed = "connection failed"
        case notCRI = "not a CRI runtime"
        case deadlineExceeded = "deadline exceeded"
        case unavailable = "runtime unavailable"
        case notFound = "not found"
        case alreadyExists = "already exists"
        case invalidArgument = "invalid argument"
        case failedPrecondition = "failed precondition"
        case unimplemented = "unimplemented"
        case cancelled = "cancelled"
        case runtime = "runtime error"
    }

    public let code: Code
    /// The CRI method, e.g. "PullImage"; nil for connection checks.
    public let call: String?
    public let endpoint: String
    public let message: String

    public init(_ code: Code, call: String?, endpoint: String, message: String) {
        self.code = code
        self.call = call
        self.endpoint = endpoint
        self.message = message
    }

    public var description: String {
        let what = call.map { "\($0) on \(endpoint)" } ?? endpoint
        return "cri: \(what): \(code.rawValue): \(message)"
    }

    /// Maps a failed gRPC call to the CRI error a person can act on.
    init(status: GRPCStatusCode, details: String, call: String, endpoint: String, timeout: Duration) {
        let message = details.isEmpty ? "gRPC status \(status)" : details.replacingNewlines()
        switch status {
        case .deadlineExceeded:
            self.init(
                .deadlineExceeded, call: call, endpoint: endpoint,
                message: "no answer within \(timeout) (raise the timeout, or check the runtime's log)")
        case .unavailable where Self.looksLikeHTTP1(message):
            self.init(.notCRI, call: call, endpoint: endpoint, message: "the server does not speak gRPC: \(message)")
        case .unavailable:
            self.init(.unavailable, call: call, endpoint: endpoint, message: message)
        case .notFound:
            self.init(.notFound, call: call, endpoint: endpoint, message: message)
        case .alreadyExists:
            self.init(.alreadyExists, call: call, endpoint: endpoint, message: message)
        case .invalidArgument:
            self.init(.invalidArgument, call: call, endpoint: endpoint, message: message)
        case .failedPrecondition:
            self.init(.failedPrecondition, call: call, endpoint: endpoint, message: message)
        case .unimplemented:
            self.init(
                .unimplemented, call: call, endpoint: endpoint,
                message: "\(message) (the server does not implement CRI v1's \(call))")
        case .cancelled:
            self.init(.cancelled, call: call, endpoint: endpoint, message: message)
        case .internalError where Self.looksLikeHTTP1(message):
            self.init(.notCRI, call: call, endpoint: endpoint, message: "the server does not speak gRPC: \(message)")
        default:
            self.init(.runtime, call: call, endpoint: endpoint, message: "\(status): \(message)")
        }
    }

    /// The C core's words for a peer that answered HTTP/1.x instead of HTTP/2
    /// ("Trying to connect an http1.x server").
    static func looksLikeHTTP1(_ message: String) -> Bool {
        message.contains("http1.x") || message.contains("HTTP/1")
    }
}

extension String {
    /// The core's debug strings span lines; an error stays one line.
    func replacingNewlines() -> String {
        String(map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
