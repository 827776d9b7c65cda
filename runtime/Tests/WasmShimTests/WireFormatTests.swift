import SwiftProtobuf
import TaskAPI
import Testing
import WasmShimSupport

/// The launcher's and the ttrpc envelope's hand-written protobuf against the generated task API
/// messages, and ttrpc's framing.
@Suite struct WireFormatTests {
    @Test func launcherMessagesDecodeAsTheGeneratedOnes() throws {
        let kill = try Containerd_Task_V2_KillRequest(serializedBytes: DeleteAction.killRequest(id: "abc"))
        #expect(kill.id == "abc" && kill.signal == 9 && kill.execID.isEmpty && !kill.all)
        let delete = try Containerd_Task_V2_DeleteRequest(serializedBytes: DeleteAction.deleteRequest(id: "abc"))
        #expect(delete.id == "abc")
        let response = try Containerd_Task_V2_DeleteResponse(
            serializedBytes: DeleteAction.deleteResponse(exitStatus: 137, seconds: 1_764_500_000, nanos: 123_456_789))
        #expect(response.pid == 0 && response.exitStatus == 137)
        #expect(response.exitedAt.seconds == 1_764_500_000 && response.exitedAt.nanos == 123_456_789)
    }

    @Test func generatedMessagesReadThroughTheHandReader() throws {
        var state = Containerd_Task_V2_StateRequest()
        state.id = "a-container"
        state.execID = "x"
        var reader = ProtobufReader(try state.serializedBytes())
        var fields: [Int: String] = [:]
        while let (field, value) = try reader.next() { fields[field] = value.text }
        #expect(fields == [1: "a-container", 2: "x"])
    }

    @Test func requestsAndResponsesSurviveTheRoundTrip() throws {
        let request = TTRPCRequest(
            service: "containerd.task.v2.Task", method: "Create", payload: [1, 2, 3, 0, 255],
            metadata: [("containerd-namespace-ttrpc", "k8s.io")])
        let decoded = try TTRPCRequest(decoding: request.encoded)
        #expect(
            decoded.service == request.service && decoded.method == request.method
                && decoded.payload == request.payload)
        #expect(decoded.metadata("containerd-namespace-ttrpc") == "k8s.io")
        // The exact bytes of {service: "s", method: "m"}: fields 1 and 2, length-delimited.
        #expect(TTRPCRequest(service: "s", method: "m", payload: []).encoded == [0x0a, 0x01, 0x73, 0x12, 0x01, 0x6d])

        let failure = try TTRPCResponse(decoding: TTRPCResponse(code: 5, message: "task x not found").encoded)
        #expect(failure.code == 5 && failure.message == "task x not found" && failure.payload.isEmpty)
        let success = try TTRPCResponse(decoding: TTRPCResponse(payload: [7, 8]).encoded)
        #expect(success.code == 0 && success.payload == [7, 8])
    }

    @Test func aTruncatedMessageIsAnError() {
        // Field 1, length 5, only two bytes follow.
        #expect(throws: (any Error).self) { _ = try TTRPCRequest(decoding: [0x0a, 0x05, 0x61, 0x62]) }
    }

    @Test func framesAreCutWhereTheHeaderSays() throws {
        let first = Frame(streamID: 1, kind: Frame.Kind.request.rawValue, payload: Array("hello".utf8))
        let second = Frame(streamID: 3, kind: Frame.Kind.request.rawValue, payload: [])
        #expect(Array(first.bytes.prefix(10)) == [0, 0, 0, 5, 0, 0, 0, 1, 1, 0])
        var buffer = first.bytes + second.bytes + Array(first.bytes.prefix(7))
        let frames = try Frame.drain(&buffer)
        #expect(frames.map(\.streamID) == [1, 3])
        #expect(frames.first?.payload == Array("hello".utf8))
        #expect(buffer.count == 7, "a partial frame stays for the next read")
        var oversized: [UInt8] = [0x01, 0x00, 0x00, 0x00, 0, 0, 0, 1, 1, 0]
        #expect(throws: (any Error).self) { _ = try Frame.drain(&oversized) }
    }
}
