/* A compute loop that never ends and never calls WASI: only a signal can stop it. */
#include <stdio.h>

int main(void) {
    printf("spin: computing forever\n");
    fflush(stdout);
    volatile unsigned long counter = 0;
    for (;;) counter++;
}
