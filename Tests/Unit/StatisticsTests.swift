import BenchKit
import Testing

@Suite struct StatisticsTests {
    @Test func percentilesInterpolateBetweenRanks() {
        let sorted: [Int64] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
        #expect(Summary.percentile(sorted, 50) == 55)
        #expect(abs(Summary.percentile(sorted, 90) - 91) < 1e-9)
        #expect(abs(Summary.percentile(sorted, 99) - 99.1) < 1e-9)
        #expect(Summary.percentile(sorted, 0) == 10)
        #expect(Summary.percentile(sorted, 100) == 100)
        #expect(Summary.percentile([Int64(7)], 99) == 7)
        #expect(
            Summary.percentile([1.0, 2.0, 4.0, 8.0], 50) == 3,
            "the median of an even count is the mean of the middle two")
    }

    @Test func summaryOfKnownData() throws {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample standard deviation sqrt(32/7).
        let summary = try #require(Summary([9, 2, 4, 4, 5, 4, 7, 5]))
        #expect(summary.count == 8)
        #expect(summary.min == 2 && summary.max == 9)
        #expect(summary.mean == 5)
        #expect(abs(summary.standardDeviation - (32.0 / 7).squareRoot()) < 1e-12)
        #expect(summary.p50 == 4.5)
        // t(0.975, 7) = 2.365: half-width 2.365 * 2.138 / sqrt(8) = 1.7877.
        let halfWidth = 2.365 * (32.0 / 7).squareRoot() / 8.0.squareRoot()
        #expect(abs(summary.meanConfidence95[0] - (5 - halfWidth)) < 1e-9)
        #expect(abs(summary.meanConfidence95[1] - (5 + halfWidth)) < 1e-9)
    }

    @Test func confidenceIntervalNarrowsWithMoreSamples() throws {
        let few = try #require(Summary([100, 110, 90, 105, 95]))
        let many = try #require(Summary(Array(repeating: [100, 110, 90, 105, 95], count: 20).flatMap { $0 }))
        #expect(many.meanConfidence95[1] - many.meanConfidence95[0] < few.meanConfidence95[1] - few.meanConfidence95[0])
        #expect(Summary.tCritical95(degreesOfFreedom: 1) == 12.706)
        #expect(Summary.tCritical95(degreesOfFreedom: 1000) == 1.960)
    }

    @Test func emptyHasNoSummary() {
        #expect(Summary([]) == nil)
    }

    @Test func durationsAreFormattedInTheUnitThatFits() {
        #expect(formatDuration(512) == "512 ns")
        #expect(formatDuration(1_234_000) == "1.23 ms")
        #expect(formatDuration(2_500_000_000) == "2.50 s")
    }
}
