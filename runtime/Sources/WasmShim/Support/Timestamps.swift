#if canImport(Glibc)
import Glibc
#endif
import SwiftProtobuf

extension Google_Protobuf_Any {
    /// `message` as containerd's typeurl wraps a proto message: its full name, no prefix.
    init(containerd message: some SwiftProtobuf.Message) throws {
        self.init()
        typeURL = type(of: message).protoMessageName
        value = try message.serializedData()
    }
}

extension Google_Protobuf_Timestamp {
    /// The wall clock now (without Foundation's Date).
    static var now: Google_Protobuf_Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Google_Protobuf_Timestamp(seconds: Int64(time.tv_sec), nanos: Int32(time.tv_nsec))
    }
}
