/* The pod sandbox's init process: holds the pod's namespaces, reaps orphans,
 * exits on SIGINT/SIGTERM. Built statically by scripts/start-containerd.sh so the
 * pause image needs nothing from a public registry. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_terminate(int sig) { _exit(0); }

static void on_child(int sig) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

int main(void) {
    struct sigaction terminate = {.sa_handler = on_terminate};
    struct sigaction child = {.sa_handler = on_child, .sa_flags = SA_NOCLDSTOP};
    sigaction(SIGINT, &terminate, NULL);
    sigaction(SIGTERM, &terminate, NULL);
    sigaction(SIGCHLD, &child, NULL);
    for (;;) pause();
    return 1;
}
