/* test_sched.c - sr_main with hand-written programs (no sources): options,
 * the manual and real clocks, tasks inside a batch, dropped records,
 * settings, log level, signals. sr_main is called many times in this
 * process (it resets its state); the hard-exit case runs in a child. */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"
#include "unit.h"

#define MAXB 64

static struct {
    int n;
    int64_t time[MAXB];
    int64_t index[MAXB];
    int nworkers[MAXB];
    int64_t wall[MAXB];        /* sr_now_ms() when the batch ran */
    int inits;
    int bad;                   /* contract violations seen inside run_batch */
    sr_log_level level;
    int raise_at;              /* raise SIGTERM in this batch (index), 0 = never */
    int raise_count;           /* how many times */
    _Atomic int task_runs;
    int64_t last_dropped;      /* rt->last.dropped seen in the next batch */
    const char *conf_seen;
} rec;

static void reset_rec(void) {
    memset(&rec, 0, sizeof rec);
}

static void record_batch(sr_batch *b) {
    if (rec.n < MAXB) {
        rec.time[rec.n] = b->time_ms;
        rec.index[rec.n] = b->index;
        rec.nworkers[rec.n] = b->nworkers;
        rec.wall[rec.n] = sr_now_ms();
    }
    rec.n++;
    if (!b->driver || b->driver->worker != -1 || b->driver->time_ms != b->time_ms ||
        b->driver->batch != b || !b->rt || b->rt != sr_rt_current)
        rec.bad++;
    /* the driver arena is usable and empty at the start of each batch */
    if (b->driver->arena->bytes != 0)
        rec.bad++;
    sr_arena_alloc(b->driver->arena, 100);
    rec.level = sr_log_get_level();
    rec.last_dropped = b->rt->last.dropped;
    rec.conf_seen = sr_conf_get(b->rt, "my.key");
    if (rec.raise_at && b->index == rec.raise_at)
        for (int i = 0; i < rec.raise_count; i++)
            raise(SIGTERM);
}

static int count_init(sr_runtime *rt, char *errstr, size_t errlen) {
    rec.inits++;
    return 0;
}

static int failing_init(sr_runtime *rt, char *errstr, size_t errlen) {
    snprintf(errstr, errlen, "test init refuses");
    return -1;
}

static const sr_conf_kv header_conf[] = {
    { "my.key", "from-header" },
    { "other.key", "x" },
};

static sr_program make_prog(void (*run)(sr_batch *)) {
    sr_program p = {
        .app_name = "SchedTest",
        .source_file = "sched_test.stream",
        .batch_ms = 500,
        .master = "local[2]",
        .log_level = "WARN",
        .conf = header_conf,
        .nconf = 2,
        .init = count_init,
        .run_batch = run,
    };
    return p;
}

#define RUN(prog, ...)                                                        \
    ({                                                                        \
        char *argv_[] = { "sched_test", __VA_ARGS__, NULL };                  \
        sr_main((int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_, (prog));    \
    })

/* ===================================================================== */

static void test_manual_clock(void) {
    reset_rec();
    sr_program p = make_prog(record_batch);
    int rc = RUN(&p, "--clock", "manual", "--batches", "3", "--start-time", "1000");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(rec.n, 3);
    for (int k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL(rec.time[k], 1000 + (k + 1) * 500);
        CU_ASSERT_EQUAL(rec.index[k], k + 1);
        CU_ASSERT_EQUAL(rec.nworkers[k], 2);
    }
    CU_ASSERT_EQUAL(rec.inits, 1);
    CU_ASSERT_EQUAL(rec.bad, 0);
    CU_ASSERT_EQUAL(rec.level, SR_LOG_WARN);
    CU_ASSERT_PTR_NULL(sr_rt_current);

    /* default start 0, --opt=value forms, local[*] */
    reset_rec();
    rc = RUN(&p, "--clock=manual", "--batches=2", "--master=local[1]");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(rec.n, 2);
    CU_ASSERT_EQUAL(rec.time[0], 500);
    CU_ASSERT_EQUAL(rec.time[1], 1000);
    CU_ASSERT_EQUAL(rec.nworkers[0], 1);
    reset_rec();
    rc = RUN(&p, "--clock", "manual", "--batches", "1", "--master", "local[*]");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(rec.nworkers[0], (int)sysconf(_SC_NPROCESSORS_ONLN));
    reset_rec();
    rc = RUN(&p, "--clock", "manual", "--batches", "1", "--master", "local");
    CU_ASSERT_EQUAL(rec.nworkers[0], 1);
    p.master = NULL; /* default: all cores */
    reset_rec();
    rc = RUN(&p, "--clock", "manual", "--batches", "1");
    CU_ASSERT_EQUAL(rec.nworkers[0], (int)sysconf(_SC_NPROCESSORS_ONLN));
}

static void test_real_clock(void) {
    reset_rec();
    sr_program p = make_prog(record_batch);
    p.batch_ms = 100;
    int64_t start = sr_now_ms();
    int rc = RUN(&p, "--batches", "3");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(rec.n, 3);
    CU_ASSERT(rec.time[0] > start && rec.time[0] < start + 1000); /* first multiple after the start */
    for (int k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL(rec.time[k] % 100, 0);
        CU_ASSERT(rec.wall[k] >= rec.time[k]); /* never early */
        if (k)
            CU_ASSERT_EQUAL(rec.time[k] - rec.time[k - 1], 100);
    }
}

/* A batch that runs longer than the interval: the next starts late but
 * keeps its due time; none is skipped. */
static void slow_batch(sr_batch *b) {
    record_batch(b);
    if (b->index == 1)
        usleep(250 * 1000);
}

static void test_real_clock_late(void) {
    reset_rec();
    sr_program p = make_prog(slow_batch);
    p.batch_ms = 100;
    int rc = RUN(&p, "--batches", "4");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(rec.n, 4);
    for (int k = 1; k < 4; k++)
        CU_ASSERT_EQUAL(rec.time[k] - rec.time[k - 1], 100);
    CU_ASSERT(rec.wall[1] >= rec.time[0] + 250); /* started late */
}

/* ===================================================================== */

typedef struct task_arg {
    sr_rdd rdd;
} task_arg;

static void square_task(sr_ctx *cx, int task, void *arg) {
    task_arg *a = arg;
    atomic_fetch_add(&rec.task_runs, 1);
    sr_seq *part = &a->rdd.parts[task];
    for (int64_t i = 0; i < 10; i++) {
        /* division by zero at every 5th record: dropped */
        int64_t v = sr_div(cx, 100, i % 5, 0);
        if (cx->err != SR_ERR_NONE) {
            sr_drop(cx);
            continue;
        }
        *(int64_t *)sr_seq_push(cx->arena, part, sizeof(int64_t)) = v;
    }
}

static const sr_site sites[] = { { 12, 34, "/" } };

static void tasks_batch(sr_batch *b) {
    record_batch(b);
    task_arg a = { sr_rdd_new(b, 3) };
    sr_run_tasks(b, 3, square_task, &a);
    if (sr_rdd_count(a.rdd) != 3 * 8)
        rec.bad++;
    if (SR_SEQ_AT(int64_t, a.rdd.parts[2], 0) != 100)
        rec.bad++;
}

static void test_tasks(void) {
    reset_rec();
    sr_program p = make_prog(tasks_batch);
    p.sites = sites;
    p.nsites = 1;
    p.log_level = "ERROR"; /* the drop warnings are expected */
    int rc = RUN(&p, "--clock", "manual", "--batches", "5", "--master", "local[3]");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(rec.n, 5);
    CU_ASSERT_EQUAL(rec.task_runs, 15);
    CU_ASSERT_EQUAL(rec.bad, 0);
    CU_ASSERT_EQUAL(rec.last_dropped, 6); /* batch 4's drops, seen in batch 5 */
    CU_ASSERT_EQUAL(sr_drop_total(), 30);
}

/* ===================================================================== */

static void test_conf_and_log_level(void) {
    reset_rec();
    sr_program p = make_prog(record_batch);
    p.log_level = "error";
    int rc = RUN(&p, "--clock", "manual", "--batches", "1");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(rec.level, SR_LOG_ERROR);
    CU_ASSERT_STRING_EQUAL(rec.conf_seen, "from-header");
    reset_rec();
    rc = RUN(&p, "--clock", "manual", "--batches", "1", "--conf", "my.key=a=b",
             "--conf", "streamc.logLevel=warn");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(rec.conf_seen, "a=b");
    CU_ASSERT_EQUAL(rec.level, SR_LOG_WARN);
    reset_rec();
    rc = RUN(&p, "--clock", "manual", "--batches", "1", "--conf", "my.key=1", "--conf", "my.key=2");
    CU_ASSERT_STRING_EQUAL(rec.conf_seen, "2");
    CU_ASSERT_PTR_NULL(sr_conf_get(NULL, "my.key")); /* no run now */
}

/* Bad command lines: status 64, no batch, no init. */
static void test_bad_options(void) {
    sr_program p = make_prog(record_batch);
    int devnull = open("/dev/null", O_WRONLY);
    int saved = dup(STDERR_FILENO);
    dup2(devnull, STDERR_FILENO);
    reset_rec();
    int rcs[] = {
        RUN(&p, "--bogus"),
        RUN(&p, "extra"),
        RUN(&p, "--clock", "fast"),
        RUN(&p, "--clock"),
        RUN(&p, "--batches", "0"),
        RUN(&p, "--batches", "x"),
        RUN(&p, "--start-time", "-5"),
        RUN(&p, "--master", "local[0]"),
        RUN(&p, "--master", "yarn"),
        RUN(&p, "--conf", "novalue"),
        RUN(&p, "--conf", "streamc.logLevel=LOUD"),
    };
    dup2(saved, STDERR_FILENO);
    close(saved);
    for (size_t i = 0; i < sizeof rcs / sizeof rcs[0]; i++) {
        if (rcs[i] != 64)
            fprintf(stderr, "\n  bad option case %zu: status %d\n", i, rcs[i]);
        CU_ASSERT_EQUAL(rcs[i], 64);
    }
    CU_ASSERT_EQUAL(rec.n, 0);
    CU_ASSERT_EQUAL(rec.inits, 0);

    /* --help and --version print to stdout and return 0 */
    int out = dup(STDOUT_FILENO);
    fflush(stdout);
    dup2(devnull, STDOUT_FILENO);
    int h = RUN(&p, "--help");
    int v = RUN(&p, "--version");
    fflush(stdout);
    dup2(out, STDOUT_FILENO);
    close(out);
    close(devnull);
    CU_ASSERT_EQUAL(h, 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(rec.n, 0);
}

static void test_init_failure(void) {
    reset_rec();
    sr_program p = make_prog(record_batch);
    p.init = failing_init;
    /* the message goes to stderr whatever the log level */
    fflush(stderr);
    char path[] = "/tmp/streamc-test-err-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    int rc = RUN(&p, "--clock", "manual", "--batches", "1", "--conf", "streamc.logLevel=OFF");
    p.init = count_init;
    p.batch_ms = 0;
    int rc2 = RUN(&p, "--clock", "manual", "--batches", "1", "--conf", "streamc.logLevel=OFF");
    dup2(saved, STDERR_FILENO);
    close(saved);
    char text[1024] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    text[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_EQUAL(rc2, 1);
    CU_ASSERT_EQUAL(rec.n, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "SchedTest: error: test init refuses\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "SchedTest: error: the batch interval must be positive"));
}

/* A source that cannot open: status 1, no batch. */
static void test_source_failure(void) {
    reset_rec();
    sr_program p = make_prog(record_batch);
    static const sr_source_spec bad[] = { { .kind = SR_SOURCE_SOCKET, .host = "localhost", .port = 0 } };
    p.sources = bad;
    p.nsources = 1;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);
    int rc = RUN(&p, "--clock", "manual", "--batches", "1");
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(devnull);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_EQUAL(rec.n, 0);
}

/* sr_source_batch over a queueStream directory: batch k takes file k,
 * split into min(workers, ceil(n / 1024)) contiguous partitions of views,
 * the same rdd when asked twice in a batch; records counted. */
static struct {
    int n;
    int nparts[8];
    int64_t count[8];
    int64_t last_records[8];
    int bad;
} srcrec;

static void source_batch(sr_batch *b) {
    sr_rdd r = sr_source_batch(b, 0);
    sr_rdd again = sr_source_batch(b, 0);
    if (again.parts != r.parts || again.nparts != r.nparts)
        srcrec.bad++;
    int k = srcrec.n++;
    if (k >= 8)
        return;
    srcrec.nparts[k] = r.nparts;
    srcrec.count[k] = sr_rdd_count(r);
    srcrec.last_records[k] = b->rt->last.records;
    /* lines in order across partitions: "<file>-<line>" */
    int64_t i = 0;
    for (int p = 0; p < r.nparts; p++) {
        if (p + 1 < r.nparts && r.parts[p].len - r.parts[p + 1].len > 1)
            srcrec.bad++; /* balanced */
        for (int64_t j = 0; j < r.parts[p].len; j++, i++) {
            char want[32];
            int n = snprintf(want, sizeof want, "%d-%lld", k, (long long)i);
            if (!sr_str_eq(SR_SEQ_AT(sr_str, r.parts[p], j), (sr_str){ want, n }))
                srcrec.bad++;
        }
    }
}

static void test_source_batches(void) {
    char dir[] = "/tmp/streamc-test-queue-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    const int lines[] = { 3000, 10, 0, 5000 };
    for (int k = 0; k < 4; k++) {
        char path[128];
        snprintf(path, sizeof path, "%s/f%d.txt", dir, k);
        FILE *f = fopen(path, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        for (int i = 0; i < lines[k]; i++)
            fprintf(f, "%d-%d\n", k, i);
        fclose(f);
    }
    memset(&srcrec, 0, sizeof srcrec);
    sr_program p = make_prog(source_batch);
    sr_source_spec spec = { .kind = SR_SOURCE_QUEUE, .dir = dir };
    p.sources = &spec;
    p.nsources = 1;
    p.log_level = "ERROR";
    int rc = RUN(&p, "--clock", "manual", "--batches", "5", "--master", "local[3]");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(srcrec.n, 5);
    CU_ASSERT_EQUAL(srcrec.bad, 0);
    CU_ASSERT_EQUAL(srcrec.count[0], 3000);
    CU_ASSERT_EQUAL(srcrec.nparts[0], 3);   /* ceil(3000 / 1024) = 3 <= 3 workers */
    CU_ASSERT_EQUAL(srcrec.count[1], 10);
    CU_ASSERT_EQUAL(srcrec.nparts[1], 1);
    CU_ASSERT_EQUAL(srcrec.count[2], 0);
    CU_ASSERT_EQUAL(srcrec.nparts[2], 1);   /* at least one partition */
    CU_ASSERT_EQUAL(srcrec.count[3], 5000);
    CU_ASSERT_EQUAL(srcrec.nparts[3], 3);   /* capped at the workers */
    CU_ASSERT_EQUAL(srcrec.count[4], 0);    /* after the last file */
    CU_ASSERT_EQUAL(srcrec.last_records[1], 3000); /* metrics of the batch before */
    CU_ASSERT_EQUAL(srcrec.last_records[4], 5000);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ===================================================================== */

static void test_signal_stop(void) {
    /* SIGTERM in batch 2: the batch finishes, the run stops, status 0. */
    reset_rec();
    sr_program p = make_prog(record_batch);
    p.log_level = "ERROR";
    rec.raise_at = 2;
    rec.raise_count = 1;
    int rc = RUN(&p, "--clock", "manual");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(rec.n, 2);

    /* graceful: one more batch with what was received */
    reset_rec();
    rec.raise_at = 2;
    rec.raise_count = 1;
    rc = RUN(&p, "--clock", "manual", "--conf", "spark.streaming.stopGracefullyOnShutdown=true");
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(rec.n, 3);
    CU_ASSERT_EQUAL(rec.time[2], 1500);

    /* the handlers are gone after sr_main: SIGTERM is ignored here again */
    struct sigaction sa;
    sigaction(SIGTERM, NULL, &sa);
    CU_ASSERT(sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN);
}

/* A second signal ends the process at once with 128 + signal. */
static void test_second_signal(void) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        reset_rec();
        sr_program p = make_prog(record_batch);
        p.log_level = "OFF";
        rec.raise_at = 1;
        rec.raise_count = 2;
        RUN(&p, "--clock", "manual");
        _exit(99);
    }
    int st;
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    CU_ASSERT(WIFEXITED(st));
    CU_ASSERT_EQUAL(WEXITSTATUS(st), 143);
}

/* Real clock: a signal while waiting for the next batch stops at once. */
static void *kill_later(void *arg) {
    usleep(150 * 1000);
    kill(getpid(), SIGINT);
    return NULL;
}

static void test_signal_while_waiting(void) {
    reset_rec();
    sr_program p = make_prog(record_batch);
    p.batch_ms = 60000; /* the first batch would come within a minute */
    p.log_level = "ERROR";
    pthread_t t;
    pthread_create(&t, NULL, kill_later, NULL);
    int64_t t0 = sr_now_ms();
    int rc = RUN(&p, "--batches", "1");
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(rec.n, 0);
    CU_ASSERT(sr_now_ms() - t0 < 5000);
}

UNIT_SUITE(sched,
           { "manual clock: times, indices, workers", test_manual_clock },
           { "real clock: multiples of the interval", test_real_clock },
           { "real clock: a late batch delays, none skipped", test_real_clock_late },
           { "tasks and dropped records in a batch", test_tasks },
           { "conf and log level", test_conf_and_log_level },
           { "bad options exit 64; help, version", test_bad_options },
           { "init failure exits 1", test_init_failure },
           { "a source that cannot open exits 1", test_source_failure },
           { "source batches: partitions, cache, records", test_source_batches },
           { "SIGTERM stops after the batch; graceful runs one more", test_signal_stop },
           { "a second signal exits at once", test_second_signal },
           { "a signal while waiting stops at once", test_signal_while_waiting })
