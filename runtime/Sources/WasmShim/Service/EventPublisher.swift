#if canImport(Glibc)
import Glibc
#endif
import SwiftProtobuf
import TaskAPI
import WasmRuntime
import WasmShimSupport

/// Forwards task events to containerd (its ttrpc events service at TTRPC_ADDRESS), in the
/// order they happened, from one thread. While containerd restarts, an event waits and is sent
/// again: CRI learns of an exit from TaskExit.
final class EventPublisher {
    private struct Pending {
        let envelope: Containerd_Services_Events_Ttrpc_V1_ForwardRequest
        let namespace: String
    }

    private let address: String
    private let log: ShimLog
    private let queue = Guarded<[Pending]>([])
    /// How many events have been handed to containerd (or given up); the n-th published waits
    /// for it to reach n.
    private let published = Guarded<(queued: Int, done: Int)>((0, 0))
    /// How long one event is retried before it is given up (and said so in the log).
    private let patienceSeconds = 120

    init(address: String, log: ShimLog) {
        self.address = address
        self.log = log
        startThread { [self] in run() }
    }

    /// Queues the event; with `waitForDelivery`, returns once containerd has it (or it was
    /// given up), so that what follows reaches containerd after it.
    func publish(_ topic: String, _ event: some SwiftProtobuf.Message, namespace: String,
                 waitForDelivery: Bool = false) {
        var any = Google_Protobuf_Any()
        // containerd's typeurl names a proto event by its full message name, with no prefix.
        any.typeURL = type(of: event).protoMessageName
        any.value = (try? event.serializedData()) ?? .init()
        var request = Containerd_Services_Events_Ttrpc_V1_ForwardRequest()
        request.envelope.timestamp = .now
        request.envelope.namespace = namespace
        request.envelope.topic = topic
        request.envelope.event = any
        let ticket = published.with { counts -> Int in
            counts.queued += 1
            queue.with { $0.append(Pending(envelope: request, namespace: namespace)) }
            return counts.queued
        }
        if waitForDelivery { published.wait { $0.done >= ticket ? true : nil } }
    }

    private func run() {
        var client: TTRPCClient?
        while true {
            let next = queue.wait { $0.first }
            var waited = 0
            while true {
                do {
                    if client == nil { client = try TTRPCClient(path: address) }
                    _ = try client!.call(TTRPCRequest(service: "containerd.services.events.ttrpc.v1.Events",
                                                      method: "Forward",
                                                      payload: try next.envelope.serializedBytes(),
                                                      metadata: [(ShimNames.namespaceMetadataKey, next.namespace)]))
                    break
                } catch {
                    client = nil
                    if waited >= patienceSeconds {
                        log.error("event \(next.envelope.envelope.topic) not delivered to containerd "
                            + "at \(address): \(error)")
                        break
                    }
                    sleep(1)
                    waited += 1
                }
            }
            queue.with { _ = $0.removeFirst() }
            published.with { $0.done += 1 }
        }
    }
}
