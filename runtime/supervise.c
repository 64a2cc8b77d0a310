/* supervise.c - --supervise: a parent process that restarts the run.
 *
 * Like spark-submit --supervise. sr_main calls sr_supervise once the options
 * are parsed and before any thread exists, so a plain fork (no exec) is
 * safe: the child returns -1 and goes on with the run in the same process
 * image; the parent becomes the supervisor and never runs a batch.
 *
 * The supervisor blocks SIGINT, SIGTERM and SIGCHLD and takes them with
 * sigwaitinfo / sigtimedwait, reaping with waitpid(WNOHANG) before each
 * wait, so a child's end is never missed and no handler runs in it.
 *
 *   - The child exits 0: the supervisor returns 0.
 *   - The child exits non-zero or is killed by a signal (abnormal): it is
 *     restarted after a back-off of 1 s, doubling up to 30 s; a child that
 *     ran for 60 s or more is restarted after 1 s again.
 *   - SIGINT/SIGTERM to the supervisor: forwarded to the child (every one,
 *     so a second signal ends the child at once, as without --supervise);
 *     once the child has ended, its status is returned as a shell shows it
 *     (the exit code, or 128 + signal) and it is not restarted.
 *   - SIGINT/SIGTERM during a back-off: no child runs, the supervisor
 *     returns 0 at once (a requested stop is a clean stop).
 *   - The supervisor dies (even by SIGKILL): the child gets SIGTERM
 *     (PR_SET_PDEATHSIG) and stops as on any SIGTERM.
 *
 * A signal forwarded in the few microseconds between the fork and sr_main
 * installing its handlers ends the child by the signal's default action
 * (status 128 + signal), as it would end an unsupervised program started
 * at that moment.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

/* Back-off before a restart: first, cap (ms). */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 30000
/* A child that ran this long (ms) is restarted after BACKOFF_FIRST_MS. */
#define STABLE_RUN_MS 60000

/* The signal state the supervisor changes, restored in the child and on
 * return. */
typedef struct saved_state {
    sigset_t mask;
    struct sigaction chld;
} saved_state;

/* Block SIGINT/SIGTERM/SIGCHLD (into *set) and make sure children can be
 * waited for (SIGCHLD not ignored, no SA_NOCLDWAIT). */
static void take_signals(sigset_t *set, saved_state *old) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGCHLD);
    sigprocmask(SIG_BLOCK, set, &old->mask);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, &old->chld);
}

static void give_back_signals(const saved_state *old) {
    sigaction(SIGCHLD, &old->chld, NULL);
    sigprocmask(SIG_SETMASK, &old->mask, NULL);
}

/* Discard SIGINT/SIGTERM/SIGCHLD still pending, so that unblocking them on
 * return does not act on a signal meant for a child that has ended. */
static void drain_signals(const sigset_t *set) {
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(set, NULL, &zero) > 0)
        ;
}

/* The child's side of the fork: die with the supervisor, then undo what
 * the supervisor changed. */
static void become_child(pid_t supervisor, const saved_state *old) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    bool orphan = getppid() != supervisor; /* it died before the prctl */
    give_back_signals(old);
    if (orphan)
        raise(SIGTERM);
}

/* "exited with status 3" / "was killed by signal 9 (Killed)". */
static void describe(int ws, char *buf, size_t len) {
    if (WIFEXITED(ws)) {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(ws));
    } else if (WIFSIGNALED(ws)) {
        int sig = WTERMSIG(ws);
        const char *name = strsignal(sig);
        snprintf(buf, len, "was killed by signal %d (%s)%s", sig, name ? name : "?",
                 WCOREDUMP(ws) ? ", core dumped" : "");
    } else {
        snprintf(buf, len, "ended with wait status 0x%x", (unsigned)ws);
    }
}

/* A wait status as a shell's $?: the exit code, or 128 + signal. */
static int shell_status(int ws) {
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws))
        return 128 + WTERMSIG(ws);
    return 1;
}

/* Wait until child `pid` ends, forwarding SIGINT/SIGTERM to it. Fills *ws
 * and *stop_sig (the first signal forwarded, else left as is). 0, or -1 if
 * the child cannot be waited for. */
static int wait_child(pid_t pid, const char *app, const sigset_t *set, int *ws, int *stop_sig) {
    for (;;) {
        pid_t r = waitpid(pid, ws, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR) {
            sr_log(SR_LOG_ERROR, "supervisor: cannot wait for %s (pid %d): %s", app, (int)pid,
                   strerror(errno));
            return -1;
        }
        siginfo_t info;
        int sig = sigwaitinfo(set, &info);
        if (sig == SIGINT || sig == SIGTERM) {
            if (!*stop_sig)
                *stop_sig = sig;
            sr_log(SR_LOG_INFO, "supervisor: forwarding signal %d to %s (pid %d)", sig, app, (int)pid);
            kill(pid, sig);
        }
    }
}

/* Sleep ms milliseconds unless SIGINT/SIGTERM comes: returns that signal,
 * or 0 after the full sleep. */
static int backoff_sleep(int64_t ms, const sigset_t *set) {
    int64_t deadline = sr_mono_us() + ms * 1000;
    for (;;) {
        int64_t left = deadline - sr_mono_us();
        if (left <= 0)
            return 0;
        struct timespec ts = { .tv_sec = left / 1000000, .tv_nsec = (long)(left % 1000000) * 1000 };
        int sig = sigtimedwait(set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM)
            return sig;
        /* SIGCHLD (no child of ours runs now), EINTR, EAGAIN: go on */
    }
}

int sr_supervise(sr_runtime *rt, int argc, char **argv) {
    (void)argc; /* the child goes on with them in sr_main; nothing to exec */
    (void)argv;
    const char *app = rt->prog->app_name ? rt->prog->app_name : "app";
    sigset_t set;
    saved_state old;
    take_signals(&set, &old);
    pid_t self = getpid();
    int64_t backoff_ms = BACKOFF_FIRST_MS;
    int restarts = 0;
    int status;
    for (;;) {
        fflush(NULL); /* nothing buffered is written twice */
        int64_t started_us = sr_mono_us();
        pid_t pid = fork();
        if (pid == 0) {
            become_child(self, &old);
            return -1;
        }
        char who[160], what[128];
        int ws = 0, stop_sig = 0;
        if (pid < 0) {
            snprintf(who, sizeof who, "%s", app);
            snprintf(what, sizeof what, "could not be started (fork: %s)", strerror(errno));
        } else {
            snprintf(who, sizeof who, "%s (pid %d)", app, (int)pid);
            sr_log(SR_LOG_INFO, "supervisor: started %s", who);
            if (wait_child(pid, app, &set, &ws, &stop_sig) != 0) {
                status = 1;
                break;
            }
            if (stop_sig) {
                status = shell_status(ws);
                describe(ws, what, sizeof what);
                sr_log(SR_LOG_INFO, "supervisor: %s %s after signal %d; not restarting", who, what,
                       stop_sig);
                break;
            }
            if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
                sr_log(SR_LOG_INFO, "supervisor: %s exited normally", who);
                status = 0;
                break;
            }
            describe(ws, what, sizeof what);
        }
        if (sr_mono_us() - started_us >= (int64_t)STABLE_RUN_MS * 1000)
            backoff_ms = BACKOFF_FIRST_MS;
        restarts++;
        sr_log(SR_LOG_WARN, "supervisor: %s %s; restarting in %" PRId64 " s (restart %d)", who, what,
               backoff_ms / 1000, restarts);
        int sig = backoff_sleep(backoff_ms, &set);
        if (sig) {
            sr_log(SR_LOG_INFO, "supervisor: stopping on signal %d (no run in progress)", sig);
            status = 0;
            break;
        }
        backoff_ms = backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff_ms * 2;
    }
    drain_signals(&set);
    give_back_signals(&old);
    return status;
}
