#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a CRI runtime listens: a unix-domain socket, given as `unix:///path` or a plain path
/// (crictl's convention).
public struct CRIEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The environment variable crictl reads for the runtime endpoint.
    public static let environmentVariable = "CONTAINER_RUNTIME_ENDPOINT"
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// Parses `unix:///path` or `/path`. Other schemes are refused with an error naming them.
    public init(parsing text: String) throws(CRIError) {
        let trimmed = text.trimmingWhitespace()
        if trimmed.isEmpty {
            throw CRIError(
                .invalidEndpoint, call: nil, endpoint: text, message: "empty endpoint; give unix:///path/to/socket")
        }
        if trimmed.hasPrefix("unix://") {
            let path = String(trimmed.dropFirst("unix://".count))
            guard path.hasPrefix("/") else {
                throw CRIError(
                    .invalidEndpoint, call: nil, endpoint: text,
                    message: "a unix endpoint needs an absolute path, as in unix:///run/containerd/containerd.sock")
            }
            self.socketPath = path
        } else if trimmed.hasPrefix("/") {
            self.socketPath = trimmed
        } else if let scheme = trimmed.split(separator: ":", maxSplits: 1).first, trimmed.contains("://") {
            throw CRIError(
                .invalidEndpoint, call: nil, endpoint: text,
                message:
                    "scheme \(scheme) is not supported; CRIBench talks to runtimes over unix sockets (unix:///path)")
        } else {
            throw CRIError(
                .invalidEndpoint, call: nil, endpoint: text,
                message: "not a socket path; give unix:///path/to/socket or an absolute path")
        }
    }

    /// The endpoint named by CONTAINER_RUNTIME_ENDPOINT, else `fallback`.
    public static func fromEnvironment(fallback: CRIEndpoint) throws(CRIError) -> CRIEndpoint {
        guard let raw = getenv(environmentVariable), let value = String(validatingCString: raw), !value.isEmpty else {
            return fallback
        }
        return try CRIEndpoint(parsing: value)
    }

    public var description: String { "unix://\(socketPath)" }

    /// Checks that something accepts connections on the socket, so that a wrong endpoint fails at
    /// once with its cause instead of as a gRPC deadline after connection retries.
    public func checkReachable() throws(CRIError) {
        var info = stat()
        if stat(socketPath, &info) != 0 {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw CRIError(
                .noSuchSocket, call: nil, endpoint: description,
                message: "\(reason): is the runtime running? (CRIBench's own: scripts/start-containerd.sh)")
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw CRIError(.notASocket, call: nil, endpoint: description, message: "exists but is not a unix socket")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw CRIError(
                .connectionFailed, call: nil, endpoint: description,
                message: "cannot create a socket: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard socketPath.utf8.count < capacity else {
            throw CRIError(
                .invalidEndpoint, call: nil, endpoint: description,
                message: "socket path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: socketPath.utf8)
            buffer[socketPath.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let cause = errno
            let hint =
                cause == ECONNREFUSED
                ? "connection refused: nobody serves this socket (stale socket of a stopped runtime?)"
                : String(cString: strerror(cause))
            throw CRIError(.connectionFailed, call: nil, endpoint: description, message: hint)
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
