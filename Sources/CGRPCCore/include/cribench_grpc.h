// CRIBench's thin layer over the gRPC C core (Debian's libgrpc-dev): one channel with one
// completion-queue thread, and unary calls whose completion is handed to a callback on that
// thread. Swift resumes a continuation from the callback; nothing here knows about CRI.
#ifndef CRIBENCH_GRPC_H
#define CRIBENCH_GRPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cribench_channel cribench_channel;
typedef struct cribench_call cribench_call;

/// Called once per call on the channel's completion-queue thread. `status` is a gRPC status
/// code (0 is OK); `details` is the server's or the core's message (not NUL-terminated).
/// `response` is valid only during the callback.
typedef void (*cribench_completion)(void *context, int status, const char *details, size_t details_length,
                                    const uint8_t *response, size_t response_length);

/// What the completion-queue thread does besides completing calls, so that it can also run
/// the tasks that wait for them (see CRIClient's CompletionThreadExecutor): `before_wait` runs
/// before each wait on the queue, `after_wait` after it (`kicked` is 1 when
/// cribench_channel_kick woke it), `on_exit` once when the thread ends.
typedef struct {
    void *context;
    void (*before_wait)(void *context);
    void (*after_wait)(void *context, int kicked);
    void (*on_exit)(void *context);
} cribench_thread_hooks;

/// Opens a channel to `target` (gRPC's syntax, e.g. "unix:///run/containerd/containerd.sock")
/// and starts its completion-queue thread. Returns NULL and writes a reason into `error` when
/// it cannot. No connection is made until the first call.
cribench_channel *cribench_channel_open(const char *target, int max_receive_bytes, cribench_thread_hooks hooks,
                                        char *error, size_t error_capacity);

/// Wakes the completion-queue thread from its wait (after_wait then sees kicked = 1).
void cribench_channel_kick(cribench_channel *channel);

/// Closes the channel: calls still in flight complete with an error, their callbacks run,
/// then the thread ends. Returns after it has ended (at once when called on that thread).
void cribench_channel_close(cribench_channel *channel);

/// Starts a unary call of `method` ("/package.Service/Method") with a serialized request and a
/// deadline `timeout_ns` from now. Returns a handle the caller must release with
/// cribench_call_release after the completion has run; NULL (and no completion) when the call
/// could not be started.
cribench_call *cribench_unary_start(cribench_channel *channel, const char *method, const uint8_t *request,
                                    size_t request_length, int64_t timeout_ns, cribench_completion completion,
                                    void *context);

/// Cancels a call in flight; its completion then reports CANCELLED. Harmless after completion.
void cribench_call_cancel(cribench_call *call);

/// Gives up the caller's hold on a call handle.
void cribench_call_release(cribench_call *call);

/// The version of the gRPC C core in use, e.g. "29.0.0" (core versions differ from gRPC's).
const char *cribench_grpc_core_version(void);

#ifdef __cplusplus
}
#endif

#endif
