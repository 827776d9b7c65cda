import BenchKit
import Foundation
import Testing

@Suite struct ImageLedgerTests {
    let directory = NSTemporaryDirectory() + "cribench-ledger-\(UUID().uuidString.prefix(8))"
    var ledger: ImageLedger { ImageLedger(directory: directory) }

    @Test func recordsPerRunAndForgetsRemovedImages() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ledger.record("registry/a:1", run: "run-1", endpoint: "unix:///one.sock")
        try ledger.record("registry/a:1", run: "run-1", endpoint: "unix:///one.sock")
        try ledger.record("registry/b:1", run: "run-1", endpoint: "unix:///one.sock")
        try ledger.record("registry/a:1", run: "run-2", endpoint: "unix:///two.sock")
        #expect(
            try ledger.entries(run: "run-1").map(\.image) == ["registry/a:1", "registry/b:1"],
            "a second record of the same image is not a second entry")
        #expect(
            try ledger.entries().map { "\($0.runID) \($0.endpoint) \($0.image)" } == [
                "run-1 unix:///one.sock registry/a:1", "run-1 unix:///one.sock registry/b:1",
                "run-2 unix:///two.sock registry/a:1",
            ])

        try ledger.erase("registry/a:1", run: "run-1", endpoint: "unix:///one.sock")
        #expect(try ledger.entries(run: "run-1").map(\.image) == ["registry/b:1"])
        #expect(try ledger.entries(run: "run-2").count == 1, "erasing in one run leaves the others alone")
    }

    @Test func aRunWithNothingLeftHasNoFile() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ledger.record("registry/a:1", run: "run-1", endpoint: "unix:///one.sock")
        try ledger.erase("registry/a:1", run: "run-1", endpoint: "unix:///one.sock")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        #expect(try ledger.entries().isEmpty)
    }

    @Test func anUnwritableDirectoryIsNamed() throws {
        let ledger = ImageLedger(directory: "/proc/cribench-ledger")
        #expect { try ledger.prepare() } throws: {
            "\($0)".contains("/proc/cribench-ledger") && "\($0)".contains("CRIBENCH_LEDGER_DIR")
        }
    }

    @Test func defaultDirectoryFollowsTheEnvironment() {
        #expect(ImageLedger.defaultDirectory(environment: ["CRIBENCH_LEDGER_DIR": "/x"]) == "/x")
        #expect(
            ImageLedger.defaultDirectory(environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/u"])
                == "/state/cribench/image-ledger")
        #expect(
            ImageLedger.defaultDirectory(environment: ["HOME": "/home/u"])
                == "/home/u/.local/state/cribench/image-ledger")
    }
}
