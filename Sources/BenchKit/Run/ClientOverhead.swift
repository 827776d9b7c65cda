import CRIClient

/// How a call sits in time when it is timed. On a VM a call made right after another finds
/// the client, the socket and the runtime awake; one made after an idle spell pays their
/// wake-up first, whatever the client. Both are legitimate figures, not the same one.
public enum TimingPattern: String, Codable, Sendable, CaseIterable {
    /// Calls made one right after the other, as critest times ListImages.
    case backToBack = "back-to-back"
    /// Each call made after an idle pause (``ClientOverhead/pause``).
    case afterIdle = "after-idle"
    /// Calls made between the other operations of a lifecycle flow, as a kubelet makes them.
    case inFlow = "in-flow"

    public var explanation: String {
        switch self {
        case .backToBack: "one call right after another (critest's pattern)"
        case .afterIdle: "each call after an idle pause"
        case .inFlow: "between the other operations of the flow, as a kubelet calls"
        }
    }
}

/// The harness's own cost per CRI call: a null call (Version, which does no work in the
/// runtime) timed back to back and after an idle pause.
public struct ClientOverhead: Sendable {
    public var calls: Int
    public var warmup: Int
    public var pause: Duration

    public init(calls: Int = 200, warmup: Int = 20, pause: Duration = .milliseconds(20)) {
        self.calls = calls
        self.warmup = warmup
        self.pause = pause
    }

    /// The durations in nanoseconds of `calls` null calls made in `pattern`, after `warmup`
    /// untimed ones.
    public func measure(_ pattern: TimingPattern, with client: CRIClient) async throws -> [Int64] {
        for _ in 0..<warmup { _ = try await client.version() }
        var samples: [Int64] = []
        samples.reserveCapacity(calls)
        for _ in 0..<calls {
            if pattern == .afterIdle { try await Task.sleep(for: pause) }
            let (_, took) = try await timed { try await client.version() }
            samples.append(took)
        }
        return samples
    }
}
