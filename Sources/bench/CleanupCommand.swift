import ArgumentParser
import BenchKit
import CRIClient

struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Remove the pods and containers an earlier, crashed run left behind, found by CRIBench's labels.",
        discussion: "Never touches a pod or container without CRIBench's owner label.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Remove only what the run with this id created.") var run: String?
    @Flag(help: "Remove everything any CRIBench run created.") var allCribench = false

    func validate() throws {
        guard (run != nil) != allCribench else { throw ValidationError("give exactly one of --run ID or --all-cribench") }
    }

    func run() async throws {
        var selector = Ownership.anyRunSelector
        if let run { selector[Ownership.runLabel] = run }
        let removed = try await connection.withClient { client in
            try await Cleanup.removeLabelled(selector, using: client)
        }
        print("removed \(removed.containers) container(s) and \(removed.pods) pod sandbox(es) labelled \(selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))")
    }
}
