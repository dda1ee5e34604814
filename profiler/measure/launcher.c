/* buildprof launcher.
 *
 * Why it exists: on Linux a child's ru_maxrss includes the RSS of the process
 * that forked it, at the moment of exec. buildprof is a Python process of
 * 30+ MiB; forking the build from it would put that size into every
 * peak-memory figure. This launcher is forked from Python,
 * is itself about 1 MiB, and forks the build from there, so the build's
 * ru_maxrss starts from the launcher's size, not Python's.
 *
 * usage: buildprof-launcher REPORT_FILE CMD [ARGS...]
 * Writes "key value" lines to REPORT_FILE after reaping the build, and exits
 * with the build's exit code (128+signal when it was killed).
 * BUILDPROF_PARENT_PID, when set, is the pid of the buildprof that started
 * the launcher; it is removed from the environment before the build runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* buildprof makes the launcher a process-group leader. If buildprof dies
 * (even by SIGKILL) the kernel sends the launcher SIGTERM, and the launcher
 * kills its whole group, so no build outlives the profiler that measured it. */
static void on_parent_death(int sig) {
    (void)sig;
    kill(0, SIGKILL);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s REPORT_FILE CMD [ARGS...]\n", argv[0]);
        return 125;
    }
    /* The parent pid comes from buildprof itself: getppid() read here would
     * already be the reaper's if buildprof died between fork and prctl, and
     * the check below would pass. getppid() is only the fallback for a
     * caller that does not pass it. */
    const char *given = getenv("BUILDPROF_PARENT_PID");
    pid_t parent = given != NULL && *given != '\0' ? (pid_t)atol(given) : getppid();
    unsetenv("BUILDPROF_PARENT_PID"); /* not part of the build's environment */
    signal(SIGTERM, on_parent_death);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) kill(0, SIGKILL); /* the parent died before prctl */
    struct timespec t0, t1, epoch;
    clock_gettime(CLOCK_REALTIME, &epoch); /* when the build starts, for unit timelines */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("buildprof-launcher: fork");
        return 126;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "buildprof-launcher: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("buildprof-launcher: wait4");
            return 126;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    FILE *f = fopen(argv[1], "w");
    if (f != NULL) {
        long long wall_ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
        long long start_ns = (long long)epoch.tv_sec * 1000000000LL + epoch.tv_nsec;
        fprintf(f, "pid %d\nstatus %d\nmaxrss_kb %ld\nutime_us %lld\nstime_us %lld\nwall_ns %lld\n"
                   "start_ns %lld\n",
                (int)pid, status, ru.ru_maxrss,
                (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
                (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, wall_ns,
                start_ns);
        fclose(f);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 126;
}
