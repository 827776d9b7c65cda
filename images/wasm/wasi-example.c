/* The seeds' wasi example: prints its arguments, its environment, a random number and the
 * content of a file shipped in its image, then exits 0. */
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
        perror("open /data/message.txt");
        return 1;
    }
    char line[256];
    while (fgets(line, sizeof line, file)) printf("file: %s", line);
    fclose(file);
    fflush(stdout);
    return 0;
}
