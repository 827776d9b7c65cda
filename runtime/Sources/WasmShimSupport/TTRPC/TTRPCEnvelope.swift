/// ttrpc's Request and Response (github.com/containerd/ttrpc, types.go, declared there as Go
/// structs with protobuf tags), the payload of every frame.
public struct TTRPCRequest {
    public var service = ""
    public var method = ""
    public var payload: [UInt8] = []
    public var timeoutNanoseconds: Int64 = 0
    public var metadata: [(key: String, value: String)] = []

    public init(service: String, method: String, payload: [UInt8], metadata: [(key: String, value: String)] = []) {
        self.service = service
        self.method = method
        self.payload = payload
        self.metadata = metadata
    }

    public init(decoding bytes: [UInt8]) throws {
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: service = value.text
            case 2: method = value.text
            case 3: payload = value.data
            case 4: timeoutNanoseconds = Int64(bitPattern: value.number)
            case 5:
                var pair = ProtobufReader(value.data), key = "", text = ""
                while let (field, value) = try pair.next() {
                    if field == 1 { key = value.text } else if field == 2 { text = value.text }
                }
                metadata.append((key, text))
            default: continue
            }
        }
    }

    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        writer.string(1, service)
        writer.string(2, method)
        writer.bytes(3, payload)
        writer.varint(4, UInt64(bitPattern: timeoutNanoseconds))
        for (key, value) in metadata {
            var pair = ProtobufWriter()
            pair.string(1, key)
            pair.string(2, value)
            writer.bytes(5, pair.bytes)
        }
        return writer.bytes
    }

    public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }
}

/// A Response: a google.rpc.Status (code and message; 0 is success) and the payload.
public struct TTRPCResponse {
    public var code: Int32 = 0
    public var message = ""
    public var payload: [UInt8] = []

    public init(payload: [UInt8]) { self.payload = payload }

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public init(decoding bytes: [UInt8]) throws {
        var reader = ProtobufReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1:
                var status = ProtobufReader(value.data)
                while let (field, value) = try status.next() {
                    if field == 1 {
                        code = Int32(truncatingIfNeeded: value.number)
                    } else if field == 2 {
                        message = value.text
                    }
                }
            case 2: payload = value.data
            default: continue
            }
        }
    }

    public var encoded: [UInt8] {
        var status = ProtobufWriter()
        status.varint(1, UInt64(UInt32(bitPattern: code)))
        status.string(2, message)
        var writer = ProtobufWriter()
        if code != 0 { writer.bytes(1, status.bytes) }
        writer.bytes(2, payload)
        return writer.bytes
    }
}
