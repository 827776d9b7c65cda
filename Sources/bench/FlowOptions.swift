import ArgumentParser
import BenchKit

/// A flow as `--flows` names it.
enum FlowName: String, CaseIterable, Sendable {
    case image, pod, container, e2e, reads, exec

    /// What `bench run` and `bench ab` measure unless told otherwise. The exec flow is left out:
    /// it measures only the sides that can exec, and the machine histories the gate keeps were
    /// recorded with these five.
    static let defaults: [FlowName] = [.image, .pod, .container, .e2e, .reads]
    static let help =
        "image, pod, container, e2e (in-flow), reads (status and list calls back to back, as critest "
        + "times them), exec (an exec probe's ExecSync; a side that cannot exec is reported as not measured)"

    var flow: any Flow {
        switch self {
        case .image: ImageLifecycleFlow()
        case .pod: PodLifecycleFlow()
        case .container: ContainerLifecycleFlow()
        case .e2e: EndToEndFlow()
        case .reads: ReadOnlyFlow()
        case .exec: ExecSyncFlow()
        }
    }

    /// `image,pod`: flow names, comma-separated, each at most once.
    static func list(_ text: String) throws -> [FlowName] {
        var names: [FlowName] = []
        for part in text.split(separator: ",") {
            let key = part.trimmingCharacters(in: .whitespaces)
            guard let name = FlowName(rawValue: key) else {
                throw ValidationError(
                    "unknown flow '\(key)'; choose from \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !names.contains(name) else { throw ValidationError("flow '\(key)' is named twice") }
            names.append(name)
        }
        guard !names.isEmpty else {
            throw ValidationError(
                "no flow named; choose from "
                    + "\(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return names
    }
}

extension WorkloadFamily: ExpressibleByArgument {}
