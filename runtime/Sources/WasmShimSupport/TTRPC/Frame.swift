#if canImport(Glibc)
import Glibc
#endif
import WasmRuntime

/// One ttrpc message on the wire: a 10-byte header (payload length and stream id, big-endian
/// 32-bit each, then a type byte and a flags byte) and a protobuf payload, a Request or a Response.
public struct Frame {
    public enum Kind: UInt8 {
        case request = 1
        case response = 2
    }

    public static let headerLength = 10
    /// ttrpc's own limit; a longer frame is refused rather than read.
    public static let maximumPayload = 4 << 20

    public let streamID: UInt32
    public let kind: UInt8
    public let payload: [UInt8]

    public init(streamID: UInt32, kind: UInt8, payload: [UInt8]) {
        self.streamID = streamID
        self.kind = kind
        self.payload = payload
    }

    public var bytes: [UInt8] {
        let length = UInt32(payload.count)
        var header = [UInt8](repeating: 0, count: Self.headerLength)
        for shift in 0..<4 {
            header[shift] = UInt8(truncatingIfNeeded: length >> (24 - 8 * shift))
            header[4 + shift] = UInt8(truncatingIfNeeded: streamID >> (24 - 8 * shift))
        }
        header[8] = kind
        return header + payload
    }

    /// Takes every whole frame off the front of `buffer`; throws on a frame over the limit.
    public static func drain(_ buffer: inout [UInt8]) throws -> [Frame] {
        var frames: [Frame] = []
        var offset = 0
        while buffer.count - offset >= headerLength {
            func word(_ at: Int) -> UInt32 {
                (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(buffer[offset + at + $1]) }
            }
            let length = Int(word(0))
            guard length <= maximumPayload else {
                throw RuntimeError("ttrpc: a frame of \(length) bytes is over the \(maximumPayload)-byte limit")
            }
            guard buffer.count - offset >= headerLength + length else { break }
            let start = offset + headerLength
            frames.append(
                Frame(
                    streamID: word(4), kind: buffer[offset + 8],
                    payload: Array(buffer[start..<start + length])))
            offset = start + length
        }
        if offset > 0 { buffer.removeFirst(offset) }
        return frames
    }
}
