/* sched.c - sr_main: options, the clock, the batch loop, sources, signals.
 *
 * The scheduler thread (the caller of sr_main) owns the run. It parses the
 * command line over the program's header settings, starts the worker pool
 * and the sources, then ticks: at every batch time it builds an sr_batch,
 * hands it to the program's run_batch (which takes source data with
 * sr_source_batch and runs tasks on the pool), then sums the dropped
 * records, resets the per-batch arenas and records the batch's metrics.
 *
 * Clocks. Real: batch times are the multiples of the interval since the
 * epoch, the first one strictly after the start; a batch that runs long
 * delays the next (scheduling delay) but none is skipped and each keeps its
 * due time as its Time. Manual: batch k has time start + k * interval and
 * batches run back to back.
 *
 * Recovery (recovery.c). With a checkpoint directory, sources are taken
 * as a batch starts and what they gave is journaled before it runs; a
 * checkpoint follows every checkpoint interval. On start the newest
 * checkpoint is restored, the journal's batches after it run again with
 * their own input, and the clock goes on from the last batch. A full disk
 * under the checkpoint directory holds the loop where it is (the journal
 * record or the checkpoint waits for space) until space comes back or a
 * stop signal ends the run with status 1.
 *
 * Stopping. --batches N stops after batch N. SIGINT/SIGTERM: the running
 * batch finishes, and with spark.streaming.stopGracefullyOnShutdown=true the
 * sources are drained into one last batch; then sr_main returns 0. A second
 * signal ends the process at once with 128 + signal (outputs are renamed
 * into place atomically, so no half-written batch is ever visible).
 *
 * sr_main never calls exit() itself on these paths and resets its global
 * state on entry, so tests can call it several times in one process.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "linked.h"
#include "metrics.h"
#include "rate.h"
#include "redis.h"
#include "runtime.h"
#include "ui.h"

/* Source lines per partition before another partition is worth it. */
#define LINES_PER_PART 1024
/* Batches in a row slower than the interval before warning. */
#define SLOW_STREAK 3

sr_runtime *sr_rt_current;

/* ===================================================================== */
/* Time                                                                   */
/* ===================================================================== */

int64_t sr_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t sr_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct timespec ms_to_ts(int64_t ms) {
    return (struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
}

/* ===================================================================== */
/* Signals                                                                */
/* ===================================================================== */

#define UI_PORT_UNSET (-2) /* rt->ui_port: neither --ui-port nor spark.ui.port */

static volatile sig_atomic_t stop_signal; /* first SIGINT/SIGTERM, 0 = none */

/* Also true while starting, when the stop signals are blocked (so that
 * the threads made then leave them to this one) and one is pending: long
 * waits at start (Kafka, Redis) give up at once. */
bool sr_stop_requested(void) {
    if (stop_signal)
        return true;
    sigset_t pending;
    return sigpending(&pending) == 0 && (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}
static volatile sig_atomic_t nsignals;
static sem_t *volatile wake_sem;          /* rt->wake while handlers are installed */

static void on_signal(int sig) {
    if (nsignals++ > 0)
        _exit(128 + sig);
    stop_signal = sig;
    sem_t *s = wake_sem;
    if (s)
        sem_post(s);
}

typedef struct saved_signals {
    struct sigaction intr, term, xfsz;
} saved_signals;

static void install_signals(sr_runtime *rt, saved_signals *old) {
    stop_signal = 0;
    nsignals = 0;
    wake_sem = &rt->wake;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &old->intr);
    sigaction(SIGTERM, &sa, &old->term);
    /* past a file-size limit a write fails with EFBIG, a full disk, and
     * waits; it does not kill the program */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ign, &old->xfsz);
}

static void restore_signals(const saved_signals *old) {
    sigaction(SIGINT, &old->intr, NULL);
    sigaction(SIGTERM, &old->term, NULL);
    sigaction(SIGXFSZ, &old->xfsz, NULL);
    wake_sem = NULL;
}

/* Sleep until the wall clock reaches due_ms; returns early (true) on a stop
 * signal when `interruptible`. */
static bool sleep_until(sr_runtime *rt, int64_t due_ms, bool interruptible) {
    for (;;) {
        if (interruptible && stop_signal)
            return true;
        if (sr_now_ms() >= due_ms)
            return false;
        struct timespec ts = ms_to_ts(due_ms);
        if (interruptible) {
            sem_timedwait(&rt->wake, &ts);
        } else {
            clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL);
        }
    }
}

/* ===================================================================== */
/* Settings                                                               */
/* ===================================================================== */

const char *sr_conf_get(sr_runtime *rt, const char *key) {
    if (!rt)
        rt = sr_rt_current;
    if (!rt || !key)
        return NULL;
    for (int i = rt->nconf_over - 1; i >= 0; i--)
        if (strcmp(rt->conf_over[i].key, key) == 0)
            return rt->conf_over[i].value;
    const sr_program *p = rt->prog;
    for (int i = p->nconf - 1; i >= 0; i--)
        if (p->conf[i].key && strcmp(p->conf[i].key, key) == 0)
            return p->conf[i].value;
    return NULL;
}

static bool conf_true(sr_runtime *rt, const char *key) {
    const char *v = sr_conf_get(rt, key);
    return v && strcasecmp(v, "true") == 0;
}

/* local -> 1, local[N] / local[N,F] -> N, local[*] -> cores. -1 if bad. */
static int parse_master(const char *m) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    if (!m)
        return (int)cores;
    if (strcmp(m, "local") == 0)
        return 1;
    if (strncmp(m, "local[", 6) != 0)
        return -1;
    const char *p = m + 6;
    if (p[0] == '*' && (p[1] == ']' || p[1] == ',')) {
        p++;
    } else {
        char *end;
        errno = 0;
        long n = strtol(p, &end, 10);
        if (end == p || errno || n < 1 || n > 4096)
            return -1;
        cores = n;
        p = end;
    }
    if (*p == ',') { /* local[N,maxFailures] */
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return strcmp(p, "]") == 0 ? (int)cores : -1;
}

static bool parse_i64(const char *s, int64_t *out) {
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static void usage(FILE *f, const char *argv0, const sr_program *prog) {
    fprintf(f,
            "Usage: %s [options]\n"
            "Runs the streaming application %s (batch interval %" PRId64 " ms) until stopped.\n"
            "\n"
            "  --master local[N]|local[*]  worker threads (default: %s)\n"
            "  --checkpoint DIR            checkpoint directory: resume from it, keep it up to date\n"
            "  --on-mismatch fail|reset-state\n"
            "                              a checkpoint whose state does not match the program:\n"
            "                              refuse to start (default) or drop that state\n"
            "  --conf KEY=VALUE            a runtime setting, overrides the program's (repeatable)\n"
            "                              e.g. spark.streaming.stopGracefullyOnShutdown=true,\n"
            "                              spark.streaming.receiver.maxRate=N, streamc.logLevel=WARN\n"
            "  --clock real|manual         manual: batches back to back at start + k * interval\n"
            "  --start-time MS             the clock's start (manual clock default: 0; real clock\n"
            "                              default: now; batches due in the past run at once)\n"
            "  --batches N                 stop cleanly after batch N (counted from the first run\n"
            "                              of the checkpoint directory, if any)\n"
            "  --ui-port N                 the monitoring UI's port (default 4040, the next free one\n"
            "                              if taken; with --clock manual: off); 0 = no UI\n"
            "  --ui-bind ADDR              the UI's address (default 127.0.0.1: this machine only)\n"
            "  --redis URL                 use this Redis (redis://host:port/db) for every Redis\n"
            "                              address of the program (offsets, sinks, broadcasts)\n"
            "  --supervise                 restart the program when it dies abnormally (with back-off);\n"
            "                              SIGTERM/SIGINT stop it (as spark-submit --supervise)\n"
            "  --help                      this help\n"
            "  --version                   runtime version\n",
            argv0, prog->app_name ? prog->app_name : "?", prog->batch_ms,
            prog->master ? prog->master : "all cores");
}

/* Returns -1 to go on, else the exit status to return (help, version, bad
 * usage). */
static int parse_options(sr_runtime *rt, int argc, char **argv) {
    const char *argv0 = argc > 0 && argv[0] ? argv[0] : "app";
    const char *clock = NULL, *start = NULL, *batches = NULL;
    rt->conf_over = sr_xcalloc((size_t)(argc > 0 ? argc : 1), sizeof *rt->conf_over);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout, argv0, rt->prog);
            return 0;
        }
        if (strcmp(a, "--supervise") == 0) {
            rt->supervise = true;
            continue;
        }
        if (strcmp(a, "--version") == 0) {
            printf("%s (streamc runtime %s)\n", rt->prog->app_name ? rt->prog->app_name : argv0,
                   SR_VERSION);
            return 0;
        }
        static const char *const with_value[] = { "--master", "--checkpoint", "--conf", "--clock",
                                                  "--start-time", "--batches", "--on-mismatch", "--redis",
                                                  "--ui-port", "--ui-bind" };
        const char *name = NULL, *val = NULL;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++) {
            size_t n = strlen(with_value[k]);
            if (strncmp(a, with_value[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                name = with_value[k];
                if (a[n] == '=') {
                    val = a + n + 1;
                } else if (i + 1 < argc) {
                    val = argv[++i];
                } else {
                    fprintf(stderr, "%s: option %s needs a value\nTry '%s --help'.\n", argv0, name, argv0);
                    return 64;
                }
                break;
            }
        }
        if (!name) {
            fprintf(stderr, "%s: unknown %s '%s'\nTry '%s --help'.\n", argv0,
                    a[0] == '-' ? "option" : "argument", a, argv0);
            return 64;
        }
        if (strcmp(name, "--master") == 0) {
            rt->master = val;
        } else if (strcmp(name, "--checkpoint") == 0) {
            if (!*val) {
                fprintf(stderr, "%s: --checkpoint needs a directory\n", argv0);
                return 64;
            }
            rt->checkpoint_dir = val;
        } else if (strcmp(name, "--conf") == 0) {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val) {
                fprintf(stderr, "%s: --conf expects KEY=VALUE, got '%s'\n", argv0, val);
                return 64;
            }
            sr_conf_kv *kv = &rt->conf_over[rt->nconf_over++];
            char *key = sr_xmalloc((size_t)(eq - val) + 1);
            memcpy(key, val, (size_t)(eq - val));
            key[eq - val] = '\0';
            kv->key = key;
            kv->value = eq + 1;
            if (strcmp(key, "spark.master") == 0)
                rt->master = eq + 1;
        } else if (strcmp(name, "--redis") == 0) {
            char err[300];
            sr_redis_addr a;
            if (sr_redis_parse_url && sr_redis_parse_url(val, &a, err, sizeof err) != 0) {
                fprintf(stderr, "%s: --redis: %s\n", argv0, err);
                return 64;
            }
            rt->redis_override = val;
        } else if (strcmp(name, "--ui-port") == 0) {
            int64_t port;
            if (!parse_i64(val, &port) || port < 0 || port > 65535) {
                fprintf(stderr, "%s: --ui-port expects a port from 0 (no UI) to 65535, got '%s'\n", argv0, val);
                return 64;
            }
            rt->ui_port = (int)port;
        } else if (strcmp(name, "--ui-bind") == 0) {
            if (!*val) {
                fprintf(stderr, "%s: --ui-bind needs an address\n", argv0);
                return 64;
            }
            rt->ui_bind = val;
        } else if (strcmp(name, "--on-mismatch") == 0) {
            if (strcmp(val, "fail") != 0 && strcmp(val, "reset-state") != 0) {
                fprintf(stderr, "%s: --on-mismatch must be 'fail' or 'reset-state', got '%s'\n", argv0, val);
                return 64;
            }
            rt->reset_on_mismatch = strcmp(val, "reset-state") == 0;
        } else if (strcmp(name, "--clock") == 0) {
            clock = val;
        } else if (strcmp(name, "--start-time") == 0) {
            start = val;
        } else {
            batches = val;
        }
    }
    if (clock && strcmp(clock, "manual") != 0 && strcmp(clock, "real") != 0) {
        fprintf(stderr, "%s: --clock must be 'real' or 'manual', got '%s'\n", argv0, clock);
        return 64;
    }
    rt->manual_clock = clock && strcmp(clock, "manual") == 0;
    if (rt->ui_port == UI_PORT_UNSET) { /* spark.ui.port, spark.ui.enabled */
        const char *port = sr_conf_get(rt, "spark.ui.port"), *on = sr_conf_get(rt, "spark.ui.enabled");
        int64_t p;
        if (port && (!parse_i64(port, &p) || p < 0 || p > 65535)) {
            fprintf(stderr, "%s: spark.ui.port expects a port from 0 (no UI) to 65535, got '%s'\n", argv0, port);
            return 64;
        }
        if (on && strcasecmp(on, "false") == 0)
            rt->ui_port = 0;
        else if (port)
            rt->ui_port = (int)p;
    }
    rt->start_ms = -1;
    /* up to the end of year 9999: batch times stay far from overflowing */
    if (start && (!parse_i64(start, &rt->start_ms) || rt->start_ms < 0 || rt->start_ms > INT64_C(253402300799999))) {
        fprintf(stderr, "%s: --start-time expects milliseconds from 0 to 253402300799999 (year 9999), got '%s'\n",
                argv0, start);
        return 64;
    }
    if (batches && (!parse_i64(batches, &rt->max_batches) || rt->max_batches < 1)) {
        fprintf(stderr, "%s: --batches expects a number >= 1, got '%s'\n", argv0, batches);
        return 64;
    }
    bool from_cli = rt->master != NULL;
    if (!rt->master)
        rt->master = rt->prog->master;
    rt->nworkers = parse_master(rt->master);
    if (rt->nworkers < 0) {
        fprintf(stderr, "%s: bad master '%s': expected local, local[N] or local[*]\n", argv0,
                rt->master);
        return from_cli ? 64 : 1;
    }
    const char *lvl = sr_conf_get(rt, "streamc.logLevel");
    sr_log_level level = SR_LOG_INFO;
    if (lvl) {
        if (sr_log_parse_level(lvl, &level) != 0) {
            fprintf(stderr, "%s: bad streamc.logLevel '%s': expected ERROR, WARN, INFO or DEBUG\n",
                    argv0, lvl);
            return 64;
        }
    } else if (rt->prog->log_level && sr_log_parse_level(rt->prog->log_level, &level) != 0) {
        fprintf(stderr, "%s: unknown log level '%s', using INFO\n", argv0, rt->prog->log_level);
        level = SR_LOG_INFO;
    }
    sr_log_set_level(level);
    return -1;
}

/* A setting that is a number >= 0, or `def` (a bad value is ignored with a WARN). */
static double conf_number(sr_runtime *rt, const char *key, double def) {
    const char *v = sr_conf_get(rt, key);
    if (!v)
        return def;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || d < 0 || d != d) {
        sr_log(SR_LOG_WARN, "ignoring %s=%s: not a number >= 0", key, v);
        return def;
    }
    return d;
}

/* What Kafka direct sources take from the settings (read only when the
 * program has one). */
static void kafka_settings(sr_runtime *rt) {
    bool kafka = false;
    for (int i = 0; i < rt->prog->nsources; i++)
        kafka |= rt->prog->sources[i].kind == SR_SOURCE_KAFKA;
    if (!kafka)
        return;
    sr_source_opts *o = &rt->source_opts;
    o->offsets = rt->prog->offsets;
    o->max_rate_per_partition = (int64_t)conf_number(rt, "spark.streaming.kafka.maxRatePerPartition", 0);
    o->min_rate_per_partition = (int64_t)conf_number(rt, "spark.streaming.kafka.minRatePerPartition",
                                                     SR_KAFKA_MIN_RATE_PER_PARTITION);
    o->backpressure = conf_true(rt, "spark.streaming.backpressure.enabled");
    o->backpressure_initial_rate = conf_number(rt, "spark.streaming.backpressure.initialRate", 0);
    o->pid_proportional = conf_number(rt, "spark.streaming.backpressure.pid.proportional",
                                      SR_PID_PROPORTIONAL);
    o->pid_integral = conf_number(rt, "spark.streaming.backpressure.pid.integral", SR_PID_INTEGRAL);
    o->pid_derivative = conf_number(rt, "spark.streaming.backpressure.pid.derived", SR_PID_DERIVATIVE);
    o->pid_min_rate = conf_number(rt, "spark.streaming.backpressure.pid.minRate", SR_PID_MIN_RATE);
    o->kafka_start_timeout_ms = (int64_t)conf_number(rt, "streamc.kafka.startTimeoutMs", 0);
    o->kafka_poll_ms = (int64_t)conf_number(rt, "spark.streaming.kafka.consumer.poll.ms", 0);
    if (o->offsets == SR_OFFSETS_CHECKPOINT && !rt->checkpoint_dir)
        sr_log(SR_LOG_WARN, "`offsets checkpoint` without a checkpoint directory: Kafka positions "
                            "are not kept across restarts");
}

/* An error that stops the run before it starts: always on stderr (whatever
 * the log level), as `<app>: error: <message>`. */
static void startup_error(sr_runtime *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void startup_error(sr_runtime *rt, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "%s: error: %s\n", rt->prog->app_name ? rt->prog->app_name : "app", msg);
}

/* ===================================================================== */
/* Sources                                                                */
/* ===================================================================== */

static int open_sources(sr_runtime *rt) {
    const sr_program *p = rt->prog;
    char err[512];
    rt->nsources = 0;
    if (p->offsets == SR_OFFSETS_REDIS) {
        rt->source_opts.offsets_redis = sr_redis_for(rt, sr_redis_offsets_url(rt), err, sizeof err);
        if (!rt->source_opts.offsets_redis) {
            startup_error(rt, "offsets redis: %s", err);
            return -1;
        }
    }
    rt->sources = sr_xcalloc((size_t)(p->nsources > 0 ? p->nsources : 1), sizeof *rt->sources);
    for (int i = 0; i < p->nsources; i++) {
        err[0] = '\0';
        sr_source *s = sr_source_open(&p->sources[i], &rt->source_opts, err, sizeof err);
        if (!s) {
            startup_error(rt, "cannot open source %d: %s", i + 1, err[0] ? err : "unknown error");
            return -1;
        }
        rt->sources[rt->nsources++].src = s;
    }
    return 0;
}

static int start_sources(sr_runtime *rt) {
    char err[512];
    for (int i = 0; i < rt->nsources; i++) {
        sr_source *s = rt->sources[i].src;
        err[0] = '\0';
        if (sr_source_start(s, err, sizeof err) != 0) {
            startup_error(rt, "cannot start source %s: %s", sr_source_name(s),
                   err[0] ? err : "unknown error");
            return -1;
        }
        sr_log(SR_LOG_INFO, "Started source %s", sr_source_name(s));
    }
    return 0;
}

static void stop_sources(sr_runtime *rt, bool drain) {
    for (int i = 0; i < rt->nsources; i++)
        sr_source_stop(rt->sources[i].src, drain);
}

static void free_sources(sr_runtime *rt) {
    stop_sources(rt, false);
    for (int i = 0; i < rt->nsources; i++)
        sr_source_free(rt->sources[i].src);
    free(rt->sources);
    rt->sources = NULL;
    rt->nsources = 0;
}

/* The batch's lines of source i, split into contiguous partitions that
 * point into the lines array (once per batch, cached); or the partitions
 * the source cut itself. */
sr_rdd sr_source_batch(sr_batch *b, int i) {
    sr_runtime *rt = b->rt;
    if (i < 0 || i >= rt->nsources) {
        sr_log(SR_LOG_ERROR, "sr_source_batch: no source %d (the program has %d)", i, rt->nsources);
        sr_rdd r = sr_rdd_new(b, 1);
        return r;
    }
    sr_rt_source *s = &rt->sources[i];
    if (s->cached_index == b->index)
        return s->rdd;
    sr_lines lines = s->lines;
    if (lines.parts && lines.nparts > 0) { /* cut by the source (Kafka: one per topic partition) */
        s->rdd = (sr_rdd){ lines.nparts, lines.parts };
        s->cached_index = b->index;
        return s->rdd;
    }
    int64_t np = (lines.n + LINES_PER_PART - 1) / LINES_PER_PART;
    if (np > b->nworkers)
        np = b->nworkers;
    if (np < 1)
        np = 1;
    sr_rdd r = sr_rdd_new(b, (int)np);
    int64_t base = lines.n / np, extra = lines.n % np, at = 0;
    for (int j = 0; j < r.nparts; j++) {
        int64_t len = base + (j < extra);
        r.parts[j].ptr = lines.lines + at;
        r.parts[j].len = r.parts[j].cap = len;
        at += len;
    }
    s->rdd = r;
    s->cached_index = b->index;
    return r;
}

/* Every source's lines for batch b, taken as it starts: again from a
 * journal record (`replay`), or fresh, noting receipts and journaling them
 * before the batch runs when there is a checkpoint directory. 0, or -1 if
 * the journal cannot be written. */
static int take_sources(sr_runtime *rt, sr_batch *b, const sr_pending *replay) {
    for (int i = 0; i < rt->nsources; i++) {
        sr_rt_source *s = &rt->sources[i];
        if (replay) {
            sr_dec r = sr_recovery_receipt(replay, sr_source_key(s->src));
            sr_source_replay(s->src, &r, b->driver->arena, &s->lines);
        } else if (rt->ckdir) {
            sr_buf_clear(&rt->receipts[i]);
            sr_source_take_receipt(s->src, b->time_ms, b->driver->arena, &s->lines, &rt->receipts[i]);
        } else {
            sr_source_take(s->src, b->time_ms, b->driver->arena, &s->lines);
        }
        rt->batch_records += s->lines.n;
        rt->batch_bytes += s->lines.bytes;
    }
    return rt->ckdir && !replay ? sr_recovery_journal(rt, b->time_ms, b->index) : 0;
}

/* ===================================================================== */
/* Batches                                                                */
/* ===================================================================== */

/* Run the batch of time due_ms (its input replayed from `replay` if not
 * NULL); afterwards a checkpoint when one is due. 0, or -1 when the run
 * must stop (the journal cannot be written, an output failed, or a stop
 * signal came while the checkpoint directory's disk was full). */
static int run_batch(sr_runtime *rt, int64_t index, int64_t due_ms, const sr_pending *replay) {
    int64_t t0 = sr_mono_us();
    int64_t delay_us = rt->manual_clock ? 0 : now_us() - due_ms * 1000;
    if (delay_us < 0)
        delay_us = 0;
    sr_batch b = {
        .time_ms = due_ms,
        .index = index,
        .rt = rt,
        .driver = &rt->driver,
        .nworkers = rt->nworkers,
    };
    rt->driver.time_ms = due_ms;
    rt->driver.batch = &b;
    rt->driver.err = SR_ERR_NONE;
    rt->batch = &b;
    rt->batch_records = 0;
    rt->batch_bytes = 0;

    if (rt->metrics)
        sr_metrics_batch_begin(rt->metrics, due_ms, index, replay != NULL, delay_us);
    if (take_sources(rt, &b, replay) != 0) {
        if (rt->metrics)
            sr_metrics_batch_end(rt->metrics, rt, sr_mono_us() - t0, 0, "the journal could not be written");
        sr_arena_reset(&rt->driver_arena);
        rt->driver.batch = NULL;
        rt->batch = NULL;
        return -1;
    }
    rt->prog->run_batch(&b);
    if (rt->batch_failed) { /* an output could not finish: nothing of the batch counts */
        if (rt->metrics)
            sr_metrics_batch_end(rt->metrics, rt, sr_mono_us() - t0, 0, "");
        fflush(stdout);
        sr_pool_end_batch(rt->pool);
        sr_arena_reset(&rt->driver_arena);
        rt->driver.batch = NULL;
        rt->batch = NULL;
        return -1;
    }

    int64_t t1 = sr_mono_us();
    fflush(stdout);
    for (int i = 0; i < rt->nsources; i++) /* rate estimates, offset commits */
        sr_source_batch_done(rt->sources[i].src, rt->sources[i].lines.n, (t1 - t0) / 1000,
                             delay_us / 1000);
    /* Redis sinks and offsets: applied, or the run stops (redis.h) */
    if (rt->nredis && sr_redis_commit_batch(rt, due_ms, replay != NULL) != 0) {
        if (rt->metrics)
            sr_metrics_batch_end(rt->metrics, rt, sr_mono_us() - t0, 0, "");
        sr_pool_end_batch(rt->pool);
        sr_arena_reset(&rt->driver_arena);
        rt->driver.batch = NULL;
        rt->batch = NULL;
        return -1;
    }
    int64_t t_done = sr_mono_us(); /* the batch counts as processed once Redis has it */
    size_t bytes = rt->driver_arena.bytes + sr_pool_arena_bytes(rt->pool);
    int64_t dropped = sr_pool_end_batch(rt->pool) + rt->driver.dropped;
    rt->driver.dropped = 0;
    sr_arena_reset(&rt->driver_arena);
    rt->driver.batch = NULL;
    rt->batch = NULL;

    sr_batch_metrics *m = &rt->last;
    m->time_ms = due_ms;
    m->index = index;
    m->records = rt->batch_records;
    m->input_bytes = rt->batch_bytes;
    m->dropped = dropped;
    m->sched_delay_us = delay_us;
    m->processing_us = t_done - t0;
    m->arena_bytes = bytes;
    rt->batches_done++;
    rt->total_records += m->records;
    rt->total_dropped += dropped;
    rt->last_time_ms = due_ms;
    rt->last_index = index;
    if (rt->metrics)
        sr_metrics_batch_end(rt->metrics, rt, m->processing_us, dropped, NULL);

    if (sr_log_enabled(SR_LOG_INFO)) {
        char extra[64] = "";
        if (dropped)
            snprintf(extra, sizeof extra, ", %" PRId64 " dropped", dropped);
        if (replay)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), ", replayed");
        sr_log(SR_LOG_INFO, "Batch %" PRId64 " ms: %" PRId64 " records%s, processing %.3f ms, delay %" PRId64 " ms",
               due_ms, m->records, extra, (double)m->processing_us / 1000.0, delay_us / 1000);
    }
    if (m->processing_us > rt->prog->batch_ms * 1000) { /* once per episode of slow batches */
        if (++rt->slow_streak >= SLOW_STREAK && !rt->warned_slow) {
            rt->warned_slow = true;
            sr_log(SR_LOG_WARN,
                   "batches are piling up: the last %d took longer than the %" PRId64 " ms interval "
                   "(last %.1f ms); process less per batch with a smaller batch interval, add worker "
                   "threads (--master local[N]), or limit the input with backpressure "
                   "(spark.streaming.backpressure.enabled=true, spark.streaming.receiver.maxRate, "
                   "spark.streaming.kafka.maxRatePerPartition)",
                   rt->slow_streak, rt->prog->batch_ms, (double)m->processing_us / 1000.0);
        }
    } else {
        if (rt->warned_slow)
            sr_log(SR_LOG_INFO, "batches keep up with the %" PRId64 " ms interval again", rt->prog->batch_ms);
        rt->slow_streak = 0;
        rt->warned_slow = false;
    }
    /* a checkpoint that fails is logged and the run goes on from the one
     * before (the journal covers the batches since); a stop signal while
     * it waited for space stops the run */
    if (rt->ckdir && index % rt->ckpt_every == 0 && sr_recovery_checkpoint(rt) == -2)
        return -1;
    return 0;
}

/* Where the clock starts on a fresh run: the time of "batch 0". */
static int64_t clock_origin(sr_runtime *rt) {
    int64_t interval = rt->prog->batch_ms;
    if (rt->manual_clock)
        return rt->start_ms >= 0 ? rt->start_ms : 0;
    int64_t start = rt->start_ms >= 0 ? rt->start_ms : sr_now_ms();
    return start / interval * interval;
}

static bool done(const sr_runtime *rt) {
    return rt->max_batches > 0 && rt->last_index >= rt->max_batches;
}

/* The batch loop: on recovery the journal's batches first, then batch
 * after batch on the clock. Returns the exit status when stopped. */
static int run_loop(sr_runtime *rt) {
    int64_t interval = rt->prog->batch_ms;
    if (!rt->restored) {
        rt->last_time_ms = clock_origin(rt);
        rt->last_index = 0;
    } else if (rt->start_ms >= 0) {
        sr_log(SR_LOG_WARN, "--start-time is ignored: the clock goes on from the checkpoint");
    }
    for (int i = 0; i < rt->npending && !stop_signal && !done(rt); i++)
        if (run_batch(rt, rt->pending[i].index, rt->pending[i].time_ms, &rt->pending[i]) != 0)
            return 1;
    /* a checkpoint to start from (and a journal to write to) */
    if (rt->ckdir && sr_recovery_checkpoint(rt) != 0)
        return 1;
    while (!done(rt)) {
        int64_t k = rt->last_index + 1, due = rt->last_time_ms + interval;
        if (!rt->manual_clock)
            sleep_until(rt, due, true);
        if (stop_signal) {
            sr_log(SR_LOG_INFO, "Stopping on signal %d%s", (int)stop_signal,
                   rt->graceful ? " (gracefully: one last batch with the data received)" : "");
            if (rt->graceful) {
                stop_sources(rt, true);
                if (!rt->manual_clock)
                    sleep_until(rt, due, false);
                if (run_batch(rt, k, due, NULL) != 0)
                    return 1;
            }
            break;
        }
        if (run_batch(rt, k, due, NULL) != 0)
            return 1;
    }
    if (rt->ckdir && rt->last_index > rt->ckpt_index && sr_recovery_checkpoint(rt) != 0)
        return 1;
    return 0;
}

/* ===================================================================== */
/* sr_main                                                                */
/* ===================================================================== */

/* A random 64-bit number (the kernel's, else the clock's and pid's). */
static uint64_t new_lineage(void) {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v && v)
        return v;
    return ((uint64_t)sr_now_ms() << 20) ^ (uint64_t)sr_mono_us() ^ ((uint64_t)getpid() << 40) ^ 1;
}

static void cleanup(sr_runtime *rt) {
    sr_ui_stop(rt->ui); /* first: it reads the metrics */
    rt->ui = NULL;
    sr_metrics_free(rt->metrics);
    rt->metrics = NULL;
    if (sr_kafka_sinks_free) /* linked only into programs that use them */
        sr_kafka_sinks_free(rt);
    if (sr_redis_sinks_free)
        sr_redis_sinks_free(rt);
    sr_broadcasts_free(rt);
    sr_recovery_close(rt); /* first: it frees a receipt per source */
    free_sources(rt);
    sr_pool_free(rt->pool);
    sr_buf_free(&rt->driver.text);
    sr_arena_free(&rt->driver_arena);
    for (int i = 0; i < rt->nconf_over; i++)
        free((char *)rt->conf_over[i].key);
    free(rt->conf_over);
    if (sr_redis_close_all) /* after the sources: Kafka may hold a connection */
        sr_redis_close_all(rt);
    sem_destroy(&rt->wake);
    sr_rt_current = NULL;
    stop_signal = 0; /* the run is over: nothing is stopping any more */
    free(rt);
}

/* The monitoring UI (ui.h), unless it is off: --ui-port, spark.ui.port,
 * spark.ui.enabled; by default on port 4040 (or the next free one) with
 * the real clock, off with the manual clock (a replay or test ends in
 * moments). A UI that cannot start is reported; the run goes on. */
static void start_ui(sr_runtime *rt) {
    sr_ui_opts o = SR_UI_OPTS_DEFAULT;
    o.port = rt->ui_port != UI_PORT_UNSET ? rt->ui_port : rt->manual_clock ? 0 : SR_UI_PORT;
    o.bind = rt->ui_bind;
    double retries = conf_number(rt, "spark.port.maxRetries", SR_UI_RETRIES);
    o.retries = retries >= 0 && retries <= 1000 ? (int)retries : SR_UI_RETRIES;
    char err[256] = "";
    rt->ui = sr_ui_start(&o, rt->metrics, err, sizeof err);
    if (!rt->ui && err[0])
        sr_log(SR_LOG_WARN, "the monitoring UI could not start: %s; the program runs without it", err);
}

/* Workers, the program's init, the sources. 0, or the exit status after
 * printing the error. */
static int start_run(sr_runtime *rt) {
    const sr_program *prog = rt->prog;
    const char *app = prog->app_name ? prog->app_name : "app";
    char err[512] = "";
    rt->pool = sr_pool_new(rt->nworkers, err, sizeof err);
    if (!rt->pool) {
        startup_error(rt, "%s", err);
        return 1;
    }
    rt->source_opts.pool = rt->pool;
    if (prog->init && prog->init(rt, err, sizeof err) != 0) {
        startup_error(rt, "%s", err[0] ? err : "initialisation failed");
        return 1;
    }
    for (int i = 0; i < prog->nstate_ops; i++)
        prog->state_ops[i].prepare(rt->nworkers);
    if (prog->stateful && !rt->checkpoint_dir)
        sr_log(SR_LOG_WARN, "%s has stateful operators but no checkpoint directory: its state will "
                            "not survive a restart (set `checkpoint \"dir\"` or --checkpoint DIR)", app);
    if (open_sources(rt) != 0)
        return 1;
    if (rt->checkpoint_dir) {
        int64_t every = prog->checkpoint_every_ms / prog->batch_ms;
        rt->ckpt_every = every > 0 ? every : 1;
        int status = sr_recovery_open(rt);
        if (status != 0) { /* shown whatever the log level */
            startup_error(rt, "cannot start from checkpoint directory %s%s", rt->checkpoint_dir,
                          sr_log_enabled(SR_LOG_ERROR) ? " (see above)" : " (set streamc.logLevel=ERROR to see why)");
            return status;
        }
    }
    rt->metrics = sr_metrics_new(rt);
    start_ui(rt);
    if (start_sources(rt) != 0)
        return 1;
    sr_metrics_refresh(rt->metrics, rt);
    return 0;
}

int sr_main(int argc, char **argv, const sr_program *prog) {
    sr_runtime *rt = sr_xcalloc(1, sizeof *rt);
    rt->prog = prog;
    sem_init(&rt->wake, 0, 0);
    sr_rt_current = rt;
    sr_drop_reset();
    sr_log_set_level(SR_LOG_INFO);
    stop_signal = 0;
    nsignals = 0;
    sr_arena_init(&rt->driver_arena);
    rt->lineage = new_lineage();
    rt->ui_port = UI_PORT_UNSET;
    rt->driver.arena = &rt->driver_arena;
    rt->driver.worker = -1;

    int status = parse_options(rt, argc, argv);
    if (status >= 0) {
        cleanup(rt);
        return status;
    }
    if (rt->supervise) { /* before any thread exists: the supervisor forks the runs */
        status = sr_supervise(rt, argc, argv);
        if (status >= 0) {
            cleanup(rt);
            return status;
        }
    }
    const char *app = prog->app_name ? prog->app_name : "app";
    if (prog->batch_ms <= 0) {
        startup_error(rt, "the batch interval must be positive (got %" PRId64 " ms)", prog->batch_ms);
        cleanup(rt);
        return 1;
    }
    if (!rt->checkpoint_dir)
        rt->checkpoint_dir = prog->checkpoint_dir;
    rt->graceful = conf_true(rt, "spark.streaming.stopGracefullyOnShutdown");
    /* Outputs are made durable where a restart counts on them: with a
     * checkpoint, a batch recorded as done must not lose its files to a
     * machine crash. Without one, the files are renamed into place (readers
     * never see half a batch) but left to the kernel to write, as Spark's
     * local file system does. */
    const char *fsync_conf = sr_conf_get(rt, "streamc.output.fsync");
    rt->sync_outputs = fsync_conf ? strcasecmp(fsync_conf, "true") == 0 : rt->checkpoint_dir != NULL;
    rt->source_opts.batch_ms = prog->batch_ms;
    if (conf_true(rt, "spark.streaming.receiver.writeAheadLog.enable")) {
        rt->source_opts.wal_dir = rt->checkpoint_dir;
        if (!rt->checkpoint_dir)
            sr_log(SR_LOG_WARN, "spark.streaming.receiver.writeAheadLog.enable is ignored: the write-ahead "
                                "log lives in the checkpoint directory, and there is none");
        const char *roll = sr_conf_get(rt, "spark.streaming.receiver.writeAheadLog.rollingIntervalSecs");
        int64_t secs;
        if (roll && (!parse_i64(roll, &secs) || secs < 1 || secs > INT64_MAX / 1000))
            sr_log(SR_LOG_WARN, "ignoring spark.streaming.receiver.writeAheadLog.rollingIntervalSecs=%s: "
                                "not a whole number of seconds >= 1", roll);
        else if (roll)
            rt->source_opts.wal_roll_ms = secs * 1000;
    }
    const char *cap = sr_conf_get(rt, "streamc.receiver.bufferBytes");
    if (cap) { /* bytes, or with a k/m/g suffix as Spark's sizes: 64m */
        char *end;
        errno = 0;
        double n = strtod(cap, &end);
        double unit = *end == 'k' || *end == 'K' ? 1024.0 : *end == 'm' || *end == 'M' ? 1048576.0
                      : *end == 'g' || *end == 'G' ? 1073741824.0 : 1.0;
        if (unit > 1)
            end++;
        if (end == cap || *end || errno || n * unit < 4096 || n * unit > 1e15)
            sr_log(SR_LOG_WARN, "ignoring streamc.receiver.bufferBytes=%s: not a size of at least 4096 bytes", cap);
        else
            rt->source_opts.buffer_bytes = (size_t)(n * unit);
    }
    const char *rate = sr_conf_get(rt, "spark.streaming.receiver.maxRate");
    if (rate) {
        char *end;
        double r = strtod(rate, &end);
        if (*end || r < 0) {
            sr_log(SR_LOG_WARN, "ignoring spark.streaming.receiver.maxRate=%s: not a number >= 0", rate);
            r = 0;
        }
        rt->source_opts.max_rate = r;
    }
    kafka_settings(rt);

    /* Threads started from here on (workers, receivers) inherit a mask
     * that blocks SIGINT/SIGTERM, so the signals reach the scheduler's
     * thread and never interrupt a receiver's system calls. */
    sigset_t stop_sigs, old_mask;
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGINT);
    sigaddset(&stop_sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_sigs, &old_mask);
    status = start_run(rt);
    if (status != 0) {
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
        cleanup(rt);
        return status;
    }
    saved_signals old;
    install_signals(rt, &old);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL); /* a signal held back arrives now */
    sr_log(SR_LOG_INFO, "Started %s: batch interval %" PRId64 " ms, %d worker%s, %s clock", app,
           prog->batch_ms, rt->nworkers, rt->nworkers == 1 ? "" : "s",
           rt->manual_clock ? "manual" : "real");
    status = run_loop(rt);
    sr_log(SR_LOG_INFO, "Stopped %s after %" PRId64 " batch%s, %" PRId64 " records, %" PRId64 " dropped",
           app, rt->batches_done, rt->batches_done == 1 ? "" : "es", rt->total_records,
           rt->total_dropped);
    if (rt->ckpt_count)
        sr_log(SR_LOG_INFO, "%" PRId64 " checkpoint%s written to %s; the last one %" PRId64 " bytes in %.1f ms",
               rt->ckpt_count, rt->ckpt_count == 1 ? "" : "s", rt->checkpoint_dir, rt->ckpt_last_bytes,
               (double)rt->ckpt_last_us / 1000.0);
    fflush(stdout);
    restore_signals(&old);
    cleanup(rt);
    return status;
}
