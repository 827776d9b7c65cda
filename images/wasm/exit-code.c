/* Exits with the code given as its first argument (default 3), after saying so. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 3;
    printf("exit-code: exiting with %d\n", code);
    fflush(stdout);
    return code;
}
