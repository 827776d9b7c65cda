#if canImport(Glibc)
import Glibc
#endif
import SwiftProtobuf
import TaskAPI
import WasmRuntime

/// A ttrpc client for one call at a time: sends a request on a new odd stream id and reads
/// frames until that stream's response.
final class TTRPCClient {
    private let fd: Int32
    private var nextStream: UInt32 = 1
    private var buffer: [UInt8] = []

    init(path: String) throws { fd = try UnixSocket.connect(path) }
    deinit { close(fd) }

    func call(service: String, method: String, _ message: some SwiftProtobuf.Message,
              metadata: [String: String] = [:]) throws -> [UInt8] {
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        request.payload = try message.serializedData()
        request.metadata = metadata.map { key, value in
            var pair = Ttrpc_KeyValue()
            pair.key = key
            pair.value = value
            return pair
        }
        let stream = nextStream
        nextStream += 2
        try Posix.writeAll(fd, Frame(streamID: stream, kind: Frame.Kind.request.rawValue, payload: try request.serializedBytes()).bytes,
                           what: "ttrpc \(service)/\(method)")
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            for frame in try Frame.drain(&buffer) where frame.streamID == stream {
                let response = try Ttrpc_Response(serializedBytes: frame.payload)
                guard response.status.code == 0 else {
                    throw RuntimeError("ttrpc \(service)/\(method): \(response.status.message) (code \(response.status.code))")
                }
                return Array(response.payload)
            }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw RuntimeError.errno("ttrpc \(service)/\(method): read the response", count == 0 ? ECONNRESET : errno) }
            buffer += chunk[0..<count]
        }
    }
}
