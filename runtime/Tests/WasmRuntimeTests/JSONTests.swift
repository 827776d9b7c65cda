import Testing
import WasmRuntime

@Suite struct JSONTests {
    @Test func parsesAnOCIConfigShape() throws {
        let json = try JSON.parse(
            #"{"ociVersion":"1.0.2","process":{"args":["/a.wasm","x y"],"env":["A=1"],"cwd":"/"},"#
                + #""root":{"path":"rootfs"},"linux":{"resources":{"memory":{"limit":67108864}},"#
                + #""cgroupsPath":"/cribench/abc"}}"#
        )
        #expect(json["process"]?["args"]?.array?.compactMap(\.string) == ["/a.wasm", "x y"])
        #expect(json["linux"]?["resources"]?["memory"]?["limit"]?.int64 == 67_108_864)
        #expect(json["linux"]?["cgroupsPath"]?.string == "/cribench/abc")
        #expect(json["missing"] == nil)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSON.parse(#""a\"b\\c\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c\né😀"))
    }

    @Test func rejectsMalformedInput() {
        #expect(throws: JSONError.self) { try JSON.parse(#"{"a":1"#) }
        #expect(throws: JSONError.self) { try JSON.parse(#"[1,]"#) }
        #expect(throws: JSONError.self) { try JSON.parse("{} trailing") }
    }

    @Test func serializesStablyAndRoundTrips() throws {
        let value = JSON.object(["b": .array([.number(1), .bool(true), .null]), "a": .string("x\ty")])
        #expect(value.serialized == #"{"a":"x\ty","b":[1,true,null]}"#)
        #expect(try JSON.parse(value.serialized) == value)
    }
}
