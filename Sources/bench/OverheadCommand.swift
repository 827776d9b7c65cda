import ArgumentParser
import BenchKit
import CRIClient
import Foundation

struct OverheadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overhead",
        abstract: "Time CRIBench's own cost per CRI call: N null calls (Version) back to back and after an idle pause.",
        discussion: """
            Prints one Go benchmark line per pattern on stdout (ns/op is the p50; p99-ns/op the 99th \
            percentile) and a readable line on stderr. Compare with any other client on the same \
            socket, e.g. tools/yardstick/null-call.c, the gRPC C core with nothing in between \
            (scripts/measure-client-overhead.sh alternates the two).
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Timed calls per pattern.") var calls = 200
    @Option(help: "Untimed calls before each pattern.") var warmup = 20
    @Option(help: "Idle pause before each call of the after-idle pattern, in milliseconds.") var pauseMs = 20

    func validate() throws {
        guard calls >= 1 else { throw ValidationError("--calls must be at least 1, got \(calls)") }
        guard warmup >= 0 else { throw ValidationError("--warmup cannot be negative, got \(warmup)") }
        guard pauseMs >= 0 else { throw ValidationError("--pause-ms cannot be negative, got \(pauseMs)") }
    }

    func run() async throws {
        let overhead = ClientOverhead(calls: calls, warmup: warmup, pause: .milliseconds(pauseMs))
        try await connection.withClient { client in
            print("goos: linux")
            print("pkg: cribench")
            print("client: CRIClient on \(CRIClient.transportDescription)")
            for pattern in [TimingPattern.backToBack, .afterIdle] {
                let samples = try await overhead.measure(pattern, with: client)
                let summary = Summary(samples)!
                print(
                    "BenchmarkClientOverhead/op=Version/pattern=\(pattern.rawValue) \(calls) \(Int64(summary.p50)) "
                        + "ns/op \(Int64(summary.p99)) p99-ns/op"
                )
                progress(
                    String(
                        format: "%@: p50 %.3f ms p99 %.3f ms (%d calls%@)", pattern.rawValue, summary.p50 / 1e6,
                        summary.p99 / 1e6, calls,
                        pattern == .afterIdle ? ", \(pauseMs) ms idle before each" : ""))
            }
        }
    }
}
