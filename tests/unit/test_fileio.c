/* test_fileio.c - sr_write_waiting_for_space (fileio.c), the wait that
 * saveAsTextFiles, the journal and checkpoints share on a full disk:
 * ENOSPC, EDQUOT and EFBIG are retried with back-off until the write
 * succeeds, any other error returns at once, and a stop signal (here a
 * pending SIGTERM, as sr_stop_requested sees one) ends the wait promptly,
 * also in the middle of a long back-off. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "unit.h"

/* An attempt that fails with errs[0], errs[1], ... (0 = succeeds) and then
 * succeeds; it counts its calls. */
typedef struct script {
    const int *errs;
    int nerrs;
    int calls;
} script;

static int scripted(void *arg) {
    script *s = arg;
    int i = s->calls++;
    int e = i < s->nerrs ? s->errs[i] : 0;
    if (e == 0)
        return 0;
    errno = e;
    return -1;
}

static const sr_space_wait names = { "test", "file", "waits", "restart" };

/* The result of sr_write_waiting_for_space over `errs`, quietly; *secs
 * the time it took. */
static int run(const int *errs, int n, script *s, double *secs) {
    *s = (script){ errs, n, 0 };
    sr_log_level old = sr_log_get_level();
    sr_log_set_level(SR_LOG_OFF); /* the WARN and INFO are expected */
    int64_t t0 = sr_mono_us();
    int rc = sr_write_waiting_for_space(&names, scripted, s);
    int e = errno;
    *secs = (double)(sr_mono_us() - t0) / 1e6;
    sr_log_set_level(old);
    errno = e;
    return rc;
}

static void test_written_at_once(void) {
    script s;
    double secs;
    CU_ASSERT_EQUAL(run(NULL, 0, &s, &secs), 0);
    CU_ASSERT_EQUAL(s.calls, 1);
    CU_ASSERT(secs < 0.05);
}

static void test_full_disk_waited_out(void) {
    /* every kind of full disk; the back-off is 0.1 + 0.2 + 0.4 s */
    static const int errs[] = { ENOSPC, EDQUOT, EFBIG };
    script s;
    double secs;
    CU_ASSERT_EQUAL(run(errs, 3, &s, &secs), 0);
    CU_ASSERT_EQUAL(s.calls, 4);
    CU_ASSERT(secs >= 0.65 && secs < 1.5);
    CU_ASSERT_TRUE(sr_is_no_space(ENOSPC) && sr_is_no_space(EDQUOT) && sr_is_no_space(EFBIG));
    CU_ASSERT_FALSE(sr_is_no_space(EACCES) || sr_is_no_space(EIO) || sr_is_no_space(EROFS) ||
                    sr_is_no_space(0));
}

static void test_other_errors_at_once(void) {
    static const int first[] = { EACCES };
    script s;
    double secs;
    CU_ASSERT_EQUAL(run(first, 1, &s, &secs), -1);
    CU_ASSERT_EQUAL(errno, EACCES);
    CU_ASSERT_EQUAL(s.calls, 1);
    CU_ASSERT(secs < 0.05);
    /* a full disk, then another error: that error, no further try */
    static const int later[] = { ENOSPC, EIO, 0 };
    CU_ASSERT_EQUAL(run(later, 3, &s, &secs), -1);
    CU_ASSERT_EQUAL(errno, EIO);
    CU_ASSERT_EQUAL(s.calls, 2);
    static const int rofs[] = { EROFS };
    CU_ASSERT_EQUAL(run(rofs, 1, &s, &secs), -1);
    CU_ASSERT_EQUAL(errno, EROFS);
}

/* SIGTERM blocked in this thread, so that one sent to it stays pending
 * (sr_stop_requested's view while no handler is installed). */
static sigset_t term_only(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    return set;
}

static void drop_pending_term(void) {
    sigset_t set = term_only();
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&set, NULL, &zero) == SIGTERM)
        ;
}

typedef struct later_kill {
    pthread_t target;
    int64_t after_us;
} later_kill;

static void *kill_later(void *arg) {
    later_kill *k = arg;
    usleep((useconds_t)k->after_us);
    pthread_kill(k->target, SIGTERM);
    return NULL;
}

static void test_stop_ends_the_wait(void) {
    sigset_t set = term_only(), old;
    pthread_sigmask(SIG_BLOCK, &set, &old);
    static const int full[] = { ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC,
                                ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC, ENOSPC };
    script s;
    double secs;
    /* a stop already pending: the first full disk gives up */
    pthread_kill(pthread_self(), SIGTERM);
    CU_ASSERT_TRUE(sr_stop_requested());
    CU_ASSERT_EQUAL(run(full, 16, &s, &secs), -2);
    CU_ASSERT_EQUAL(errno, ENOSPC);
    CU_ASSERT_EQUAL(s.calls, 1);
    CU_ASSERT(secs < 0.05);
    drop_pending_term();
    CU_ASSERT_FALSE(sr_stop_requested());

    /* a stop at 0.8 s, in the back-off of 0.8 s that began at 0.7 s: the
     * wait ends within a slice, not at 1.5 s */
    later_kill k = { pthread_self(), 800000 };
    pthread_t th;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, kill_later, &k), 0);
    CU_ASSERT_EQUAL(run(full, 16, &s, &secs), -2);
    pthread_join(th, NULL);
    CU_ASSERT_EQUAL(s.calls, 4);
    CU_ASSERT(secs >= 0.75 && secs < 1.1);
    drop_pending_term();
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    CU_ASSERT_FALSE(sr_stop_requested());
}

UNIT_SUITE(fileio,
           { "a write that succeeds at once", test_written_at_once },
           { "a full disk is waited out with back-off", test_full_disk_waited_out },
           { "other errors return at once", test_other_errors_at_once },
           { "a stop signal ends the wait", test_stop_ends_the_wait })
