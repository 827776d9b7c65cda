#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// A ttrpc client for one call at a time: sends a request on a new odd stream id and reads
/// frames until that stream's response.
public final class TTRPCClient {
    private let fd: Int32
    private var nextStream: UInt32 = 1
    private var buffer: [UInt8] = []

    public init(path: String) throws { fd = try UnixSocket.connect(path) }
    deinit { close(fd) }

    /// The response's payload; a response with a non-zero status throws its message.
    public func call(_ request: TTRPCRequest) throws -> [UInt8] {
        let what = "ttrpc \(request.service)/\(request.method)"
        let stream = nextStream
        nextStream += 2
        try Posix.writeAll(
            fd,
            Frame(
                streamID: stream, kind: Frame.Kind.request.rawValue,
                payload: request.encoded
            ).bytes, what: what)
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            for frame in try Frame.drain(&buffer) where frame.streamID == stream {
                let response = try TTRPCResponse(decoding: frame.payload)
                guard response.code == 0 else {
                    throw RuntimeError("\(what): \(response.message) (code \(response.code))")
                }
                return response.payload
            }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw RuntimeError.errno("\(what): read the response", count == 0 ? ECONNRESET : errno)
            }
            buffer += chunk[0..<count]
        }
    }
}
