import WasmRuntime

/// The little of protobuf's wire format that ttrpc's envelope and the shim launcher's few
/// messages need: varints and length-delimited fields. The launcher stays free of
/// SwiftProtobuf (and so of Foundation), which keeps the exec containerd makes for every task
/// cheap; the serving shim uses the generated task API messages for everything else.
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func varint(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        key(field, wireType: 0)
        raw(value)
    }

    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        key(field, wireType: 2)
        raw(UInt64(value.count))
        bytes += value
    }

    public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    private mutating func key(_ field: Int, wireType: UInt64) { raw(UInt64(field) << 3 | wireType) }

    private mutating func raw(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}

/// Reads a message's fields in order; unknown ones are the caller's to ignore.
public struct ProtobufReader {
    public enum Value {
        case varint(UInt64)
        case bytes([UInt8])
    }

    private let data: [UInt8]
    private var offset = 0

    public init(_ data: [UInt8]) { self.data = data }

    /// The next field, nil at the end; throws on a malformed message.
    public mutating func next() throws -> (field: Int, value: Value)? {
        guard offset < data.count else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: try skip(8)
        case 2:
            let length = Int(try varint())
            guard length >= 0, offset + length <= data.count else {
                throw RuntimeError("protobuf: a field runs past the message")
            }
            defer { offset += length }
            return (field, .bytes(Array(data[offset..<offset + length])))
        case 5: try skip(4)
        default: throw RuntimeError("protobuf: wire type \(key & 7) is not supported")
        }
        return try next()
    }

    private mutating func skip(_ count: Int) throws {
        guard offset + count <= data.count else { throw RuntimeError("protobuf: a field runs past the message") }
        offset += count
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < data.count, shift < 64 {
            let byte = data[offset]
            offset += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        throw RuntimeError("protobuf: a varint runs past the message")
    }
}

extension ProtobufReader.Value {
    public var text: String {
        if case .bytes(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return ""
    }

    public var data: [UInt8] {
        if case .bytes(let bytes) = self { return bytes }
        return []
    }

    public var number: UInt64 {
        if case .varint(let value) = self { return value }
        return 0
    }
}
