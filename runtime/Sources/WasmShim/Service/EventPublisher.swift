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
    /// The events not yet handed to containerd, and how many have been (or were given up): the
    /// n-th published waits for that count to reach n.
    private let queue = Guarded<(pending: [Pending], done: Int)>(([], 0))
    /// How long one event is retried before it is given up (and said so in the log).
    private let patienceSeconds = 120

    init(address: String, log: ShimLog) {
        self.address = address
        self.log = log
        startThread { [self] in run() }
    }

    /// Queues the event; with `waitForDelivery`, returns once containerd has it (or it was
    /// given up), so that what follows reaches containerd after it.
    func publish(
        _ topic: String, _ event: some SwiftProtobuf.Message, namespace: String,
        waitForDelivery: Bool = false
    ) {
        var request = Containerd_Services_Events_Ttrpc_V1_ForwardRequest()
        request.envelope.timestamp = .now
        request.envelope.namespace = namespace
        request.envelope.topic = topic
        request.envelope.event = (try? Google_Protobuf_Any(containerd: event)) ?? Google_Protobuf_Any()
        let ticket = queue.with { queue -> Int in
            queue.pending.append(Pending(envelope: request, namespace: namespace))
            return queue.done + queue.pending.count
        }
        if waitForDelivery { queue.wait { $0.done >= ticket ? true : nil } }
    }

    private func run() {
        var client: TTRPCClient?
        while true {
            let next = queue.wait { $0.pending.first }
            var waited = 0
            while true {
                do {
                    if client == nil { client = try TTRPCClient(path: address) }
                    _ = try client!.call(
                        TTRPCRequest(
                            service: "containerd.services.events.ttrpc.v1.Events",
                            method: "Forward",
                            payload: try next.envelope.serializedBytes(),
                            metadata: [(ShimNames.namespaceMetadataKey, next.namespace)]))
                    break
                } catch {
                    client = nil
                    if waited >= patienceSeconds {
                        log.error(
                            "event \(next.envelope.envelope.topic) not delivered to containerd "
                                + "at \(address): \(error)")
                        break
                    }
                    sleep(1)
                    waited += 1
                }
            }
            queue.with { queue in
                queue.pending.removeFirst()
                queue.done += 1
            }
        }
    }
}
