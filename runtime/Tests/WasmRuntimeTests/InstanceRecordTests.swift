#if canImport(Glibc)
import Glibc
#endif
import Testing
import WasmRuntime

@Suite struct InstanceRecordTests {
    func temporaryRoot() -> String {
        var template = Array("/tmp/wasm-runc-state-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    @Test func aMissingStateSaysDoesNotExist() throws {
        let root = temporaryRoot()
        defer { Posix.removeTree(root) }
        // containerd's shim matches these words to treat the container as gone.
        #expect { try InstanceRecord.load(root: root, id: "gone") } throws: {
            "\($0)".contains("container gone does not exist")
        }
    }

    @Test(arguments: ["{not json", #"{"bundle": "/b"}"#, ""])
    func aCorruptStateSaysCorruptAndHowToRemoveIt(text: String) throws {
        let root = temporaryRoot()
        defer { Posix.removeTree(root) }
        try Posix.makeDirectories(InstanceRecord.directory(root: root, id: "bad"))
        try Posix.writeFile(InstanceRecord.directory(root: root, id: "bad") + "/state.json", text)
        #expect { try InstanceRecord.load(root: root, id: "bad") } throws: {
            let message = "\($0)"
            return message.contains("corrupt") && message.contains("delete --force bad")
                && !message.contains("does not exist")
        }
    }

    @Test func aSavedStateLoadsBack() throws {
        let root = temporaryRoot()
        defer { Posix.removeTree(root) }
        let directory = InstanceRecord.directory(root: root, id: "ok")
        try Posix.makeDirectories(directory)
        try Posix.writeFile(
            directory + "/state.json",
            #"{"bundle":"/b","rootfs":"/b/rootfs","created":"t","pid":\#(getpid()),"pidStartTime":0,"#
                + #""annotations":{"a":"b"}}"#
        )
        let state = try InstanceRecord.load(root: root, id: "ok")
        #expect(state.pid == getpid())
        #expect(state.annotations == ["a": "b"])
        #expect(state.isAlive)
    }
}
