/* Grows its memory by 4 MiB steps, writing every page and keeping every block, until the
 * runtime stops it: under a cgroup memory limit it is OOM-killed. */
#include <stdio.h>
#include <stdlib.h>

#define STEP (4 << 20)
static char *blocks[1024];
volatile unsigned long checksum;

int main(void) {
    for (size_t step = 0; step < 1024; step++) {
        char *block = malloc(STEP);
        if (!block) {
            printf("memory-hog: allocation failed after %zu MiB\n", step * 4);
            return 2;
        }
        for (size_t offset = 0; offset < STEP; offset += 4096) block[offset] = (char)(step + offset);
        blocks[step] = block;
        checksum += (unsigned char)block[step % STEP];
        if ((step + 1) % 16 == 0) {
            printf("memory-hog: %zu MiB\n", (step + 1) * 4);
            fflush(stdout);
        }
    }
    printf("memory-hog: reached 4 GiB without being stopped\n");
    return 3;
}
