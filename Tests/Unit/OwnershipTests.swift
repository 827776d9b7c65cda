import BenchKit
import Testing

@Suite struct OwnershipTests {
    @Test func labelsNameCRIBenchAndTheRun() {
        let run = RunID("20261122t120000-abc123")
        #expect(
            Ownership.labels(run: run) == [
                "io.cribench.owner": "cribench", "io.cribench.run": "20261122t120000-abc123",
            ])
    }

    @Test func runIDsAreUniqueAndLabelSafe() {
        let first = RunID.make(), second = RunID.make()
        #expect(first != second)
        #expect(first.value.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" })
        #expect(first.value.count == "yyyymmddthhmmss-xxxxxx".count)
    }
}
