import ArgumentParser
import BenchKit
import CRIClient

struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract:
            "Remove what an earlier, crashed run left behind: its pods and containers, found by CRIBench's labels, "
            + "and the images it pulled, found in the image ledger.",
        discussion:
            "Never touches a pod or container without CRIBench's owner label, nor an image the ledger does not list "
            + "for this endpoint. The ledger lives in $CRIBENCH_LEDGER_DIR, else "
            + "$XDG_STATE_HOME/cribench/image-ledger, else ~/.local/state/cribench/image-ledger."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Remove only what the run with this id created.") var run: String?
    @Flag(help: "Remove everything any CRIBench run created.") var allCribench = false

    func validate() throws {
        guard (run != nil) != allCribench else {
            throw ValidationError("give exactly one of --run ID or --all-cribench")
        }
    }

    func run() async throws {
        var selector = Ownership.anyRunSelector
        if let run { selector[Ownership.runLabel] = run }
        let removed = try await connection.withClient { client in
            try await Cleanup.removeLabelled(selector, ledger: ImageLedger(), using: client)
        }
        print(
            "removed \(removed.containers) container(s), \(removed.pods) pod sandbox(es) and \(removed.images) "
                + "image(s) of runs labelled "
                + "\(selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"
        )
    }
}
