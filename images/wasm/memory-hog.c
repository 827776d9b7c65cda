/* Grows its memory by 4 MiB steps, touching every page, until the runtime stops it: under a
 * cgroup memory limit it is OOM-killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    for (size_t mib = 4;; mib += 4) {
        char *block = malloc(4 << 20);
        if (!block) {
            printf("memory-hog: allocation failed at %zu MiB\n", mib);
            return 2;
        }
        memset(block, 1, 4 << 20);
        if (mib % 64 == 0) {
            printf("memory-hog: %zu MiB\n", mib);
            fflush(stdout);
        }
    }
}
