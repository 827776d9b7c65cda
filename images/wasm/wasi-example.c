/* The design notes' wasi example: prints its arguments, its environment, a random number and
 * the content of /data/message.txt, then exits 0. The file is shipped in its image, or mounted
 * from a volume; a module fetched by URL brings no file, and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("wasi-example: hello from WebAssembly\n");
    for (int i = 0; i < argc; i++) printf("arg[%d]=%s\n", i, argv[i]);
    for (char **env = environ; *env; env++) printf("env %s\n", *env);

    unsigned int random_number = 0;
    if (getentropy(&random_number, sizeof random_number) != 0) {
        perror("getentropy");
        return 1;
    }
    printf("random=%u\n", random_number);

    FILE *file = fopen("/data/message.txt", "r");
    if (!file) {
        perror("no /data/message.txt (nothing shipped or mounted it)");
        return 0;
    }
    char line[256];
    while (fgets(line, sizeof line, file)) printf("file: %s", line);
    fclose(file);
    fflush(stdout);
    return 0;
}
