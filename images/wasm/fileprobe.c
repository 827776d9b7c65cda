/* Probes the filesystem as the container sees it, one argument each:
 *   read:PATH   prints "read PATH: ok <first line>" or "read PATH: denied <reason>"
 *   write:PATH  prints "write PATH: ok" or "write PATH: denied <reason>"
 * then exits 0. The isolation tests read these lines from the container's log. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void probe_read(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) {
        printf("read %s: denied %s\n", path, strerror(errno));
        return;
    }
    char line[256] = "";
    if (!fgets(line, sizeof line, file) && ferror(file)) {
        printf("read %s: denied %s\n", path, strerror(errno));
    } else {
        line[strcspn(line, "\n")] = 0;
        printf("read %s: ok %s\n", path, line);
    }
    fclose(file);
}

static void probe_write(const char *path) {
    FILE *file = fopen(path, "w");
    if (!file) {
        printf("write %s: denied %s\n", path, strerror(errno));
        return;
    }
    int failed = fputs("written by fileprobe\n", file) < 0;
    failed |= fclose(file) != 0;
    printf(failed ? "write %s: denied %s\n" : "write %s: ok\n", path, strerror(errno));
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "read:", 5) == 0) probe_read(argv[i] + 5);
        else if (strncmp(argv[i], "write:", 6) == 0) probe_write(argv[i] + 6);
        else printf("unknown probe %s\n", argv[i]);
    }
    fflush(stdout);
    return 0;
}
