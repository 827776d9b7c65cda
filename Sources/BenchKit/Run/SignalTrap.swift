import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into cancellation of the measuring task, so that the run stops,
/// cleans up and keeps its partial results instead of dying with resources left behind.
public final class SignalTrap: @unchecked Sendable {
    public final class Caught: @unchecked Sendable {
        private let lock = NSLock()
        private var signal: Int32?
        public var value: Int32? { lock.withLock { signal } }
        func set(_ value: Int32) { lock.withLock { if signal == nil { signal = value } } }
    }

    private var sources: [DispatchSourceSignal] = []
    private let progress: @Sendable (String) -> Void

    public init(progress: @escaping @Sendable (String) -> Void) { self.progress = progress }

    /// Cancels `task` on the first SIGINT or SIGTERM; a second one ends the process at once.
    public func cancelOnSignal<T>(_ task: Task<T, Never>) async -> Caught {
        let progress = self.progress
        let caught = Caught()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if caught.value != nil { exit(128 + number) }
                caught.set(number)
                progress("signal \(number): stopping, cleaning up and keeping partial results (again to quit at once)")
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        return caught
    }
}
