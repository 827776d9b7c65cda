/* Waits idle until stopped, like critest's `top`: prints one line, then sleeps in WASI
 * poll_oneoff on a clock, so an idle instance costs no CPU. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("idle: ready\n");
    fflush(stdout);
    for (;;) sleep(1);
}
