import CGRPCCore
import Synchronization

/// A task executor whose one thread is the gRPC core's completion thread of a channel.
///
/// Why: a task waiting for a call is resumed by that thread. Resumed onto Swift's global pool it
/// would wait for a pooled thread to wake up, about 0.1 ms per call on a VM, more than the
/// call itself costs the C core. A task that prefers this executor (``withCRIClient`` runs its
/// body so) is resumed on the completion thread itself, which then polls the socket for the
/// next call: one thread, no hand-off, as a C program that waits on its own queue.
/// Code that runs here must not block: the calls of this client complete on this thread.
final class CompletionThreadExecutor: TaskExecutor, @unchecked Sendable {
    private struct Queue {
        var jobs: [UnownedJob] = []
        /// The thread waits on the completion queue and needs a kick to see new jobs.
        var waiting = false
        var kickPosted = false
        /// The thread has ended: jobs go to the global executor.
        var ended = false
    }

    private let queue = Mutex(Queue())
    /// Wakes the thread from its wait; set once the channel exists.
    nonisolated(unsafe) var kick: () -> Void = {}

    func enqueue(_ job: UnownedJob) {
        let (mustKick, ended) = queue.withLock { queue -> (Bool, Bool) in
            if queue.ended { return (false, true) }
            queue.jobs.append(job)
            guard queue.waiting, !queue.kickPosted else { return (false, false) }
            queue.kickPosted = true
            return (true, false)
        }
        if ended {
            globalConcurrentExecutor.enqueue(job)
        } else if mustKick {
            kick()
        }
    }

    /// Runs on the completion thread before it waits: runs jobs until there are none.
    func runJobsUntilIdle() {
        var batch: [UnownedJob] = []
        while true {
            queue.withLock { queue in
                swap(&batch, &queue.jobs)
                queue.waiting = batch.isEmpty
            }
            if batch.isEmpty { return }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Runs on the completion thread after its wait returned.
    func woke(kicked: Bool) {
        queue.withLock { queue in
            queue.waiting = false
            if kicked { queue.kickPosted = false }
        }
    }

    /// Runs on the completion thread as it ends: jobs left over go to the global executor.
    func ended() {
        let left = queue.withLock { queue in
            queue.ended = true
            defer { queue.jobs = [] }
            return queue.jobs
        }
        for job in left { globalConcurrentExecutor.enqueue(job) }
    }

    /// The hooks the C layer calls on the completion thread; the executor stays retained until
    /// the thread has ended.
    func threadHooks() -> cribench_thread_hooks {
        cribench_thread_hooks(
            context: Unmanaged.passRetained(self).toOpaque(),
            before_wait: {
                Unmanaged<CompletionThreadExecutor>.fromOpaque($0!).takeUnretainedValue().runJobsUntilIdle()
            },
            after_wait: {
                Unmanaged<CompletionThreadExecutor>.fromOpaque($0!).takeUnretainedValue().woke(kicked: $1 != 0)
            },
            on_exit: { Unmanaged<CompletionThreadExecutor>.fromOpaque($0!).takeRetainedValue().ended() })
    }
}
