// An independent yardstick for CRIClient's per-call overhead: CRI's Version call made with the
// gRPC C core directly (Debian's libgrpc-dev), one call at a time on the calling thread, with
// no layer of CRIBench's in between. It shares no code with CRIClient.
//
//   null-call SOCKET CALLS PAUSE_MS
//
// Prints two lines like `bench overhead`: the p50 and p99 of CALLS calls back to back, and of
// CALLS calls each made after PAUSE_MS of idle. Build: cc -O2 null-call.c -lgrpc -lgpr
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int version_call(grpc_channel *channel, grpc_completion_queue *queue) {
    // runtime.v1.VersionRequest{version: "v1"}: field 1, length 2.
    static const char request_bytes[] = {0x0a, 0x02, 'v', '1'};
    grpc_slice body = grpc_slice_from_static_buffer(request_bytes, sizeof request_bytes);
    grpc_byte_buffer *request = grpc_raw_byte_buffer_create(&body, 1);
    grpc_byte_buffer *response = NULL;
    grpc_metadata_array initial, trailing;
    grpc_metadata_array_init(&initial);
    grpc_metadata_array_init(&trailing);
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details;
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(10, GPR_TIMESPAN));
    grpc_call *call = grpc_channel_create_call(channel, NULL, GRPC_PROPAGATE_DEFAULTS, queue,
                                               grpc_slice_from_static_string("/runtime.v1.RuntimeService/Version"),
                                               NULL, deadline, NULL);
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = request;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &response;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    grpc_call_start_batch(call, ops, 6, (void *)1, NULL);
    grpc_completion_queue_pluck(queue, (void *)1, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (response != NULL) grpc_byte_buffer_destroy(response);
    grpc_byte_buffer_destroy(request);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&initial);
    grpc_metadata_array_destroy(&trailing);
    grpc_call_unref(call);
    return status == GRPC_STATUS_OK ? 0 : (int)status;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static void report(const char *pattern, long long *samples, int count) {
    qsort(samples, count, sizeof *samples, compare);
    int p99 = (int)(0.99 * (count - 1) + 0.5);
    printf("yardstick %s: p50 %.3f ms p99 %.3f ms (%d calls)\n", pattern, samples[(count - 1) / 2] / 1e6,
           samples[p99] / 1e6, count);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKET CALLS PAUSE_MS\n", argv[0]);
        return 2;
    }
    int calls = atoi(argv[2]), pause_ms = atoi(argv[3]);
    if (calls < 1 || pause_ms < 0) {
        fprintf(stderr, "CALLS must be at least 1 and PAUSE_MS not negative\n");
        return 2;
    }
    char target[4200];
    snprintf(target, sizeof target, "unix://%s", argv[1]);
    grpc_init();
    grpc_channel_credentials *credentials = grpc_insecure_credentials_create();
    grpc_channel *channel = grpc_channel_create(target, credentials, NULL);
    grpc_completion_queue *queue = grpc_completion_queue_create_for_pluck(NULL);
    long long *samples = calloc(calls, sizeof *samples);
    for (int i = 0; i < 20; i++) {
        int failed = version_call(channel, queue);
        if (failed) {
            fprintf(stderr, "Version on %s failed with gRPC status %d\n", target, failed);
            return 1;
        }
    }
    for (int i = 0; i < calls; i++) {
        long long start = now_ns();
        version_call(channel, queue);
        samples[i] = now_ns() - start;
    }
    report("back-to-back", samples, calls);
    struct timespec pause = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
    for (int i = 0; i < calls; i++) {
        nanosleep(&pause, NULL);
        long long start = now_ns();
        version_call(channel, queue);
        samples[i] = now_ns() - start;
    }
    report("after-idle", samples, calls);
    free(samples);
    grpc_channel_destroy(channel);
    grpc_completion_queue_shutdown(queue);
    grpc_completion_queue_destroy(queue);
    grpc_channel_credentials_release(credentials);
    return 0;
}
