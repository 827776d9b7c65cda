// Unary calls on the gRPC C core, completed on one thread per channel. See cribench_grpc.h.
#include "cribench_grpc.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cribench_channel {
    grpc_channel *channel;
    grpc_completion_queue *queue;
    pthread_t poller;
    cribench_thread_hooks hooks;
    // A call that never sends anything: an empty batch on it posts its tag to the queue at
    // once, which is how the core's C API lets another thread wake a waiting one.
    grpc_call *doorbell;
};

static char kick_tag;

struct cribench_call {
    // Two holders: the completion queue (until the completion has run) and the caller (until
    // it releases the handle). grpc_call stays alive while either holds it, so a cancel that
    // races with the completion never touches freed memory.
    atomic_int holders;
    grpc_call *call;
    grpc_byte_buffer *request;
    grpc_byte_buffer *response;
    grpc_metadata_array initial_metadata;
    grpc_metadata_array trailing_metadata;
    grpc_status_code status;
    grpc_slice details;
    const char *error_string;
    cribench_completion completion;
    void *context;
};

static pthread_once_t grpc_started = PTHREAD_ONCE_INIT;

// gRPC stays initialised for the life of the process: a benchmark opens and closes clients
// often, and grpc_shutdown would tear the core's threads down and up again each time.
// A peer that closes the socket while the core writes (a server that is not gRPC) would kill
// the process with SIGPIPE: a write error is the answer wanted, so SIGPIPE is ignored unless
// the program has set a handler of its own.
static void start_grpc(void) {
    struct sigaction current;
    if (sigaction(SIGPIPE, NULL, &current) == 0 && current.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
    grpc_init();
}

static void release(cribench_call *call) {
    if (atomic_fetch_sub_explicit(&call->holders, 1, memory_order_acq_rel) != 1) return;
    grpc_call_unref(call->call);
    free(call);
}

static void complete(cribench_call *call, int batch_succeeded) {
    grpc_slice body = grpc_empty_slice();
    if (call->response != NULL) {
        grpc_byte_buffer_reader reader;
        if (grpc_byte_buffer_reader_init(&reader, call->response)) {
            body = grpc_byte_buffer_reader_readall(&reader);
            grpc_byte_buffer_reader_destroy(&reader);
        }
    }
    int status = batch_succeeded ? (int)call->status : (int)GRPC_STATUS_UNKNOWN;
    const char *details = (const char *)GRPC_SLICE_START_PTR(call->details);
    size_t details_length = GRPC_SLICE_LENGTH(call->details);
    // The core's own error string says more than empty details when no server answered.
    if (details_length == 0 && call->error_string != NULL) {
        details = call->error_string;
        details_length = strlen(call->error_string);
    }
    if (!batch_succeeded && details_length == 0) {
        details = "the call's operations failed in the gRPC core";
        details_length = strlen(details);
    }
    call->completion(call->context, status, details, details_length, GRPC_SLICE_START_PTR(body), GRPC_SLICE_LENGTH(body));

    grpc_slice_unref(body);
    grpc_slice_unref(call->details);
    if (call->error_string != NULL) gpr_free((void *)call->error_string);
    if (call->response != NULL) grpc_byte_buffer_destroy(call->response);
    grpc_byte_buffer_destroy(call->request);
    grpc_metadata_array_destroy(&call->initial_metadata);
    grpc_metadata_array_destroy(&call->trailing_metadata);
    release(call);
}

static void *poll_completions(void *argument) {
    cribench_channel *channel = argument;
    cribench_thread_hooks hooks = channel->hooks;
    grpc_completion_queue *queue = channel->queue;
    for (;;) {
        if (hooks.before_wait) hooks.before_wait(hooks.context);
        grpc_event event = grpc_completion_queue_next(queue, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        int kicked = event.type == GRPC_OP_COMPLETE && event.tag == &kick_tag;
        if (hooks.after_wait) hooks.after_wait(hooks.context, kicked);
        if (event.type == GRPC_QUEUE_SHUTDOWN) break;
        if (event.type == GRPC_OP_COMPLETE && !kicked) complete(event.tag, event.success);
    }
    grpc_completion_queue_destroy(queue);
    free(channel);
    if (hooks.on_exit) hooks.on_exit(hooks.context);
    return NULL;
}

cribench_channel *cribench_channel_open(const char *target, int max_receive_bytes, cribench_thread_hooks hooks,
                                        char *error, size_t error_capacity) {
    pthread_once(&grpc_started, start_grpc);
    cribench_channel *channel = calloc(1, sizeof *channel);
    if (channel == NULL) {
        snprintf(error, error_capacity, "out of memory");
        return NULL;
    }
    grpc_arg args[3];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = max_receive_bytes;
    // A benchmark may pause for minutes between calls; reconnecting would be timed as a call.
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS;
    args[1].value.integer = INT_MAX;
    args[2].type = GRPC_ARG_STRING;
    args[2].key = GRPC_ARG_DEFAULT_AUTHORITY;
    args[2].value.string = "localhost";
    grpc_channel_args channel_args = {.num_args = 3, .args = args};

    grpc_channel_credentials *credentials = grpc_insecure_credentials_create();
    channel->channel = grpc_channel_create(target, credentials, &channel_args);
    grpc_channel_credentials_release(credentials);
    channel->queue = grpc_completion_queue_create_for_next(NULL);
    channel->hooks = hooks;
    if (channel->channel != NULL && channel->queue != NULL) {
        channel->doorbell = grpc_channel_create_call(channel->channel, NULL, GRPC_PROPAGATE_DEFAULTS, channel->queue,
                                                     grpc_slice_from_static_string("/cribench.Doorbell/Never"), NULL,
                                                     gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    }
    if (channel->channel == NULL || channel->queue == NULL || channel->doorbell == NULL) {
        snprintf(error, error_capacity, "the gRPC core could not create a channel to %s", target);
        if (channel->doorbell != NULL) grpc_call_unref(channel->doorbell);
        if (channel->channel != NULL) grpc_channel_destroy(channel->channel);
        if (channel->queue != NULL) grpc_completion_queue_destroy(channel->queue);
        free(channel);
        return NULL;
    }
    int failed = pthread_create(&channel->poller, NULL, poll_completions, channel);
    if (failed != 0) {
        snprintf(error, error_capacity, "cannot start the completion thread: %s", strerror(failed));
        grpc_call_unref(channel->doorbell);
        grpc_channel_destroy(channel->channel);
        grpc_completion_queue_shutdown(channel->queue);
        grpc_completion_queue_destroy(channel->queue);
        free(channel);
        return NULL;
    }
    return channel;
}

void cribench_channel_kick(cribench_channel *channel) {
    grpc_call_start_batch(channel->doorbell, NULL, 0, &kick_tag, NULL);
}

void cribench_channel_close(cribench_channel *channel) {
    if (channel == NULL) return;
    pthread_t poller = channel->poller;
    grpc_call_unref(channel->doorbell);
    grpc_channel_destroy(channel->channel);
    // The thread frees the channel once the queue has drained; do not touch it after this.
    grpc_completion_queue_shutdown(channel->queue);
    if (pthread_equal(pthread_self(), poller)) {
        pthread_detach(poller);
    } else {
        pthread_join(poller, NULL);
    }
}

cribench_call *cribench_unary_start(cribench_channel *channel, const char *method, const uint8_t *request,
                                    size_t request_length, int64_t timeout_ns, cribench_completion completion,
                                    void *context) {
    cribench_call *call = calloc(1, sizeof *call);
    if (call == NULL) return NULL;
    atomic_init(&call->holders, 2);
    call->completion = completion;
    call->context = context;
    call->details = grpc_empty_slice();
    grpc_metadata_array_init(&call->initial_metadata);
    grpc_metadata_array_init(&call->trailing_metadata);

    grpc_slice message = grpc_slice_from_copied_buffer((const char *)request, request_length);
    call->request = grpc_raw_byte_buffer_create(&message, 1);
    grpc_slice_unref(message);

    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_nanos(timeout_ns, GPR_TIMESPAN));
    grpc_slice method_slice = grpc_slice_from_copied_string(method);
    call->call = grpc_channel_create_call(channel->channel, NULL, GRPC_PROPAGATE_DEFAULTS, channel->queue, method_slice,
                                          NULL, deadline, NULL);
    grpc_slice_unref(method_slice);

    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = call->request;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &call->initial_metadata;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &call->response;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &call->trailing_metadata;
    ops[5].data.recv_status_on_client.status = &call->status;
    ops[5].data.recv_status_on_client.status_details = &call->details;
    ops[5].data.recv_status_on_client.error_string = &call->error_string;

    if (call->call == NULL || grpc_call_start_batch(call->call, ops, 6, call, NULL) != GRPC_CALL_OK) {
        if (call->call != NULL) grpc_call_unref(call->call);
        grpc_byte_buffer_destroy(call->request);
        grpc_metadata_array_destroy(&call->initial_metadata);
        grpc_metadata_array_destroy(&call->trailing_metadata);
        free(call);
        return NULL;
    }
    return call;
}

void cribench_call_cancel(cribench_call *call) {
    if (call != NULL) grpc_call_cancel(call->call, NULL);
}

void cribench_call_release(cribench_call *call) {
    if (call != NULL) release(call);
}

const char *cribench_grpc_core_version(void) { return grpc_version_string(); }
