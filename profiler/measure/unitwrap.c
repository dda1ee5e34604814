/* buildprof unit wrapper: RUSTC_WRAPPER for cargo and -toolexec for go.
 *
 * usage: buildprof-unitwrap TOOL [ARGS...]
 * Runs TOOL with ARGS. When BUILDPROF_UNITS_LOG names a file, it also appends
 * one line per call: start and end (CLOCK_REALTIME, ns), the tool's user and
 * system CPU (us), its peak RSS (KiB), its wait status, then every argument,
 * all separated by \x1f. Without the variable it simply execs TOOL.
 *
 * Written in C because it runs once per compiler call: a Python wrapper would
 * add an interpreter start (tens of ms) to every crate and package.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s TOOL [ARGS...]\n", argv[0]);
        return 125;
    }
    const char *log = getenv("BUILDPROF_UNITS_LOG");
    if (log == NULL || *log == '\0') {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "buildprof-unitwrap: cannot run %s: %s\n", argv[1], strerror(errno));
        return 127;
    }
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("buildprof-unitwrap: fork");
        return 126;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "buildprof-unitwrap: cannot run %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) return 126;
    }
    long long t1 = now_ns();

    size_t cap = 256;
    for (int i = 1; i < argc; i++) cap += strlen(argv[i]) + 1;
    char *line = malloc(cap);
    if (line != NULL) {
        int n = snprintf(line, cap, "%lld\x1f%lld\x1f%lld\x1f%lld\x1f%ld\x1f%d", t0, t1,
                         (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
                         (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec,
                         ru.ru_maxrss, status);
        for (int i = 1; i < argc; i++) {
            line[n++] = '\x1f';
            size_t len = strlen(argv[i]);
            for (size_t k = 0; k < len; k++) /* keep one record per line */
                line[n++] = (argv[i][k] == '\n') ? ' ' : argv[i][k];
        }
        line[n++] = '\n';
        /* One O_APPEND write per call: concurrent compilers do not interleave. */
        int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (fd >= 0) {
            ssize_t w = write(fd, line, (size_t)n);
            (void)w;
            close(fd);
        }
        free(line);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 126;
}
