import BenchKit
import Testing

@Suite struct MannWhitneyTests {
    @Test func separatedSamplesAreSignificant() {
        // U = 0 for 1...5 against 6...10: z = 12/sqrt(275/12), two-sided p = 0.01219 (normal
        // approximation, continuity-corrected).
        let p = MannWhitney.pValue([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
        #expect(abs(p - 0.012186) < 0.0001, "p = \(p)")
    }

    @Test func theSameSamplesAreNotSignificant() {
        let samples: [Double] = [5, 9, 2, 7, 7, 3, 8]
        #expect(MannWhitney.pValue(samples, samples) > 0.9)
        #expect(MannWhitney.pValue(samples, samples.reversed()) > 0.9)
    }

    @Test func allTiedOrEmptyGivesOne() {
        #expect(MannWhitney.pValue([4, 4, 4], [4, 4]) == 1)
        #expect(MannWhitney.pValue([], [1, 2]) == 1)
    }
}
