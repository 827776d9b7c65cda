import CGRPCCore
import Synchronization

/// A channel of the gRPC C core (Debian's libgrpc-dev) with one completion-queue thread.
/// Each unary call suspends its task until the core completes it; the completion thread resumes
/// the task, on itself when the task prefers ``executor``.
final class CoreChannel: @unchecked Sendable {
    // The core's channel is thread-safe; the wrapper only ever hands the pointer to it.
    private let raw: OpaquePointer
    private let isClosed = Atomic(false)
    /// Runs tasks on the completion thread (see CompletionThreadExecutor).
    let executor: CompletionThreadExecutor

    /// Opens a channel to a unix socket; no connection is made until the first call.
    init(socketPath: String, maxReceiveBytes: Int) throws(CoreChannelError) {
        var reason = [CChar](repeating: 0, count: 256)
        let executor = CompletionThreadExecutor()
        let hooks = executor.threadHooks()
        guard
            let raw = cribench_channel_open(
                "unix://\(socketPath)", Int32(clamping: maxReceiveBytes), hooks, &reason, reason.count)
        else {
            Unmanaged<CompletionThreadExecutor>.fromOpaque(hooks.context).release()
            throw CoreChannelError(
                message: String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.raw = raw
        self.executor = executor
        let channel = UncheckedPointer(raw)
        executor.kick = { cribench_channel_kick(channel.raw) }
    }

    /// Ends the channel. Calls still in flight complete with an error first. Must not run on the
    /// completion thread (withCRIClient closes after leaving it).
    func close() {
        guard isClosed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        cribench_channel_close(raw)
    }

    /// One unary call: `method` is "/package.Service/Method", `request` the serialized message.
    /// Task cancellation cancels the call in the core, which then completes as CANCELLED.
    func unary(method: String, request: [UInt8], timeout: Duration) async -> UnaryOutcome {
        guard !isClosed.load(ordering: .acquiring) else {
            return UnaryOutcome(
                status: .unavailable, details: "the client was used after withCRIClient returned", response: [])
        }
        let pending = PendingUnaryCall()
        let timeoutNs = timeout.components.seconds &* 1_000_000_000 &+ timeout.components.attoseconds / 1_000_000_000
        let outcome = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<UnaryOutcome, Never>) in
                // A task cancelled before its call starts never sends it: once started, the
                // request may reach the runtime before the cancellation does.
                guard pending.waiting(continuation) else {
                    continuation.resume(
                        returning: UnaryOutcome(
                            status: .cancelled, details: "cancelled before it started", response: []))
                    return
                }
                let context = Unmanaged.passRetained(pending).toOpaque()
                let handle = request.withUnsafeBufferPointer { bytes in
                    cribench_unary_start(
                        raw, method, bytes.baseAddress, bytes.count, timeoutNs, completeUnaryCall, context)
                }
                guard let handle else {
                    Unmanaged<PendingUnaryCall>.fromOpaque(context).release()
                    continuation.resume(
                        returning: UnaryOutcome(
                            status: .internalError, details: "the gRPC core refused to start the call", response: []))
                    return
                }
                pending.started(PendingUnaryCall.Handle(raw: handle))
            }
        } onCancel: {
            pending.cancel()
        }
        pending.finished()
        return outcome
    }

    /// The gRPC C core's version string, for reports.
    static var coreVersion: String { String(cString: cribench_grpc_core_version()) }
}

/// What a unary call came back with.
struct UnaryOutcome: Sendable {
    let status: GRPCStatusCode
    let details: String
    let response: [UInt8]
}

/// A C pointer handed to a closure that may run on any thread; the core's objects are thread-safe.
struct UncheckedPointer: @unchecked Sendable {
    let raw: OpaquePointer
    init(_ raw: OpaquePointer) { self.raw = raw }
}

struct CoreChannelError: Error, Sendable {
    let message: String
}

/// The state one call shares between its task, its cancellation handler and the core's thread.
final class PendingUnaryCall: Sendable {
    /// The core's call handle; the core's calls are thread-safe.
    struct Handle: @unchecked Sendable {
        let raw: OpaquePointer
    }

    private struct State {
        var continuation: UnsafeContinuation<UnaryOutcome, Never>?
        var handle: Handle?
        var cancelled = false
    }
    private let state = Mutex(State())

    /// Keeps the continuation; false, keeping nothing, when the call was cancelled already.
    func waiting(_ continuation: UnsafeContinuation<UnaryOutcome, Never>) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.continuation = continuation
            return true
        }
    }

    func started(_ handle: Handle) {
        let cancelNow = state.withLock { state -> Bool in
            state.handle = handle
            return state.cancelled
        }
        if cancelNow { cribench_call_cancel(handle.raw) }
    }

    func cancel() {
        let handle = state.withLock { state -> Handle? in
            state.cancelled = true
            return state.handle
        }
        if let handle { cribench_call_cancel(handle.raw) }
    }

    func resume(with outcome: UnaryOutcome) {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }

    /// Gives the handle back to the core once the task has its outcome.
    func finished() {
        let handle = state.withLock { state in
            defer { state.handle = nil }
            return state.handle
        }
        if let handle { cribench_call_release(handle.raw) }
    }
}

/// Runs on the core's completion thread: copies the outcome out and resumes the waiting task.
private let completeUnaryCall: cribench_completion = {
    context, status, details, detailsLength, response, responseLength in
    guard let context else { return }
    let pending = Unmanaged<PendingUnaryCall>.fromOpaque(context).takeRetainedValue()
    let text =
        details.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: detailsLength), as: UTF8.self) } ?? ""
    let body = response.map { Array(UnsafeBufferPointer(start: $0, count: responseLength)) } ?? []
    pending.resume(
        with: UnaryOutcome(status: GRPCStatusCode(rawValue: status) ?? .unknown, details: text, response: body))
}
