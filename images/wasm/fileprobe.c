/* Probes the filesystem as the container sees it, one argument each:
 *   read:PATH   prints "read PATH: ok <first line>" or "read PATH: denied <reason>"
 *   write:PATH  prints "write PATH: ok" or "write PATH: denied <reason>"
 *   stat:PATH   prints "stat PATH: <kind>" (file, directory, character-device, ...) or "stat PATH: denied <reason>"
 * then exits 0. The isolation tests read these lines from the container's log. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

static const char *kind_of(mode_t mode) {
    if (S_ISREG(mode)) return "file";
    if (S_ISDIR(mode)) return "directory";
    if (S_ISCHR(mode)) return "character-device";
    if (S_ISBLK(mode)) return "block-device";
    if (S_ISLNK(mode)) return "symlink";
    if (S_ISFIFO(mode)) return "fifo";
    return "other";
}

/* lstat, so a node is reported as what it is, not as what a link points at. */
static void probe_stat(const char *path) {
    struct stat info;
    if (lstat(path, &info) != 0) printf("stat %s: denied %s\n", path, strerror(errno));
    else printf("stat %s: %s\n", path, kind_of(info.st_mode));
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "read:", 5) == 0) probe_read(argv[i] + 5);
        else if (strncmp(argv[i], "write:", 6) == 0) probe_write(argv[i] + 6);
        else if (strncmp(argv[i], "stat:", 5) == 0) probe_stat(argv[i] + 5);
        else printf("unknown probe %s\n", argv[i]);
    }
    fflush(stdout);
    return 0;
}
