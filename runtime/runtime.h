/* runtime.h - the runtime's internal state and the interfaces between its
 * modules (scheduler, worker pool, logging, drops).
 *
 * Generated programs never include this file: they see sr_runtime only as
 * an opaque pointer (streamrt.h). Runtime modules (sources, checkpoint,
 * state stores, UI) include it to read the run's settings and the program.
 */
#ifndef STREAMRT_RUNTIME_H
#define STREAMRT_RUNTIME_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "streamrt.h"
#include "source.h"

/* ===================================================================== */
/* Arenas (arena.c).                                                      */
/* ===================================================================== */

/* Number of chunks an arena holds, in use or spare, and (if held) their
 * bytes; for tests. */
int sr_arena_chunk_count(const sr_arena *a, size_t *held);

/* ===================================================================== */
/* Text (buf.c).                                                          */
/* ===================================================================== */

/* The shortest decimal digits of finite v != 0 that read back as v (as
 * Double.toString picks them), no sign; v = 0.d1d2... * 10^(*exp10 + 1).
 * Returns the number of digits. */
int sr_double_digits(double v, char digits[20], int *exp10);

/* ===================================================================== */
/* Worker pool (pool.c).                                                  */
/* ===================================================================== */

typedef struct sr_pool sr_pool;

/* Start n >= 1 worker threads, each with its own sr_ctx and sr_arena.
 * Returns NULL and fills errstr if a thread cannot be created. */
sr_pool *sr_pool_new(int n, char *errstr, size_t errlen);
/* Stop and join the workers, free their arenas. NULL is a no-op. */
void sr_pool_free(sr_pool *p);
int sr_pool_size(const sr_pool *p);
/* The context of worker i (0 <= i < size), e.g. for tests and metrics. */
sr_ctx *sr_pool_ctx(sr_pool *p, int i);
/* Run fn(cx, t, arg) for t = 0 .. ntasks-1 on the workers and wait. Only one
 * thread (the driver) may call it at a time. Called from inside a task, it
 * runs the tasks inline on that worker, one after the other. */
void sr_pool_run(sr_pool *p, sr_batch *b, int ntasks, sr_task_fn fn, void *arg);
/* End of a batch: returns the sum of the workers' `dropped` counters,
 * zeroes them and resets the worker arenas. Driver thread, between runs. */
int64_t sr_pool_end_batch(sr_pool *p);
/* Bytes handed out by the worker arenas since the last end_batch. */
size_t sr_pool_arena_bytes(const sr_pool *p);

/* ===================================================================== */
/* File helpers (fileio.c). 0, or -1 with errno.                          */
/* ===================================================================== */

int sr_mkdirs(const char *path);          /* mkdir -p */
void sr_remove_tree(const char *path);    /* rm -r, best effort */
int sr_fsync_dir(const char *path);       /* make a directory's entries durable */
int sr_write_all(int fd, const char *p, size_t n);
/* Lock dir/.lock for this process (flock; released when the returned fd is
 * closed or the process ends) and write our pid in it. The fd; -1 with
 * errno if the file cannot be opened; -2 if another holds the lock, whose
 * pid (if it wrote one) goes to holder. */
int sr_lock_dir(const char *dir, char *holder, size_t holderlen);

/* Is e a full disk: ENOSPC, EDQUOT, or EFBIG (past a file-size limit)? */
bool sr_is_no_space(int e);
/* How sr_write_waiting_for_space names what waits, in its log lines:
 *   WARN  "<who>: <what>: <error>; <waits>"          (the first full disk)
 *   INFO  "<who>: <what> written after N retries (S s)"
 *   ERROR "<who>: stopping before <what> could be written (<error>); <on_stop>" */
typedef struct sr_space_wait {
    const char *who;     /* "saveAsTextFiles", "checkpoint directory ck" */
    const char *what;    /* the file or directory: "out/wc-5000", "checkpoint-10000" */
    const char *waits;   /* "batch 5000 ms waits for space and retries" */
    const char *on_stop; /* "a restart from the checkpoint writes it" */
} sr_space_wait;
/* Call attempt(arg) (0, or -1 with errno; a failed attempt leaves nothing
 * that holds space) until it succeeds. A full disk (sr_is_no_space) is
 * waited out: one WARN, retries after 0.1 s doubling to 5 s, an INFO once
 * written. 0: written; -1: another error (errno; not logged, the caller
 * reports it); -2: a stop signal (SIGINT/SIGTERM) came while the disk was
 * full (logged as an ERROR; errno the full disk's). Sleeps in short slices,
 * so a stop ends the wait at once. */
int sr_write_waiting_for_space(const sr_space_wait *w, int (*attempt)(void *arg), void *arg);

/* ===================================================================== */
/* Checkpoint directory files (checkpoint.c).                             */
/* ===================================================================== */

typedef struct sr_ckdir sr_ckdir;

/* Create the directory if needed and lock it for this run (a second run on
 * the same directory is refused, naming the first one's pid); removes the
 * temporary files of a killed run. NULL with errstr on failure. */
sr_ckdir *sr_ckdir_open(const char *dir, char *errstr, size_t errlen);
void sr_ckdir_close(sr_ckdir *d);
const char *sr_ckdir_path(const sr_ckdir *d);

/* A checkpoint read back whole: `body` is what was written. */
typedef struct sr_ckfile {
    int64_t time_ms;
    char *path;
    char *data;
    size_t len;
    sr_dec body;
} sr_ckfile;

/* The newest checkpoint whose checksum holds. Damaged ones met on the way
 * are reported (ERROR), moved aside and skipped. 1: found, 0: none, -1:
 * none usable although some exist, or the directory cannot be listed. */
int sr_ckdir_newest(sr_ckdir *d, sr_ckfile *out, char *errstr, size_t errlen);
void sr_ckfile_free(sr_ckfile *f);

/* Write checkpoint-<time_ms> atomically (temporary file, fsync, rename,
 * fsync of the directory), start the journal of the batches after it, and
 * remove what is older than the newest two checkpoints. 0, or -1 with
 * errno and errstr: the temporary file is removed (it holds no space), the
 * checkpoints already written are untouched, and calling again is safe. */
int sr_ckdir_write(sr_ckdir *d, int64_t time_ms, const sr_buf *body, char *errstr, size_t errlen);

/* Append one record to the journal and fdatasync it. 0, or -1 with errno
 * and errstr: a record written in part is cut off again, so calling again
 * writes it whole (if even that fails, errno is EIO, not a full disk). */
int sr_ckdir_journal(sr_ckdir *d, const sr_buf *payload, char *errstr, size_t errlen);

/* Call fn on every whole record of the journals that follow checkpoints at
 * or after from_ms, oldest first. Returns the number of records, -1 if the
 * directory cannot be listed. */
typedef void (*sr_record_fn)(void *arg, sr_dec payload);
int sr_ckdir_each_record(sr_ckdir *d, int64_t from_ms, sr_record_fn fn, void *arg);

/* ===================================================================== */
/* Logging (log.c).                                                       */
/* ===================================================================== */

/* The current threshold; messages above it are dropped. SR_LOG_OFF turns
 * everything off (Spark's OFF). */
#define SR_LOG_OFF ((sr_log_level)-1)
void sr_log_set_level(sr_log_level level);
sr_log_level sr_log_get_level(void);
/* Would a message at `level` be written? (Check before costly formatting.) */
bool sr_log_enabled(sr_log_level level);
/* The number of ERROR messages logged since the start (whatever the
 * threshold), and the last one into out (NULL: not wanted). */
uint64_t sr_log_last_error(char *out, size_t n);
/* Spark / log4j level names, case-insensitive: ERROR, WARN, INFO, DEBUG,
 * plus ALL and TRACE (= DEBUG), FATAL (= ERROR), OFF. 0, or -1 if unknown. */
int sr_log_parse_level(const char *name, sr_log_level *out);

/* ===================================================================== */
/* Dropped records (drop.c).                                              */
/* ===================================================================== */

/* How many dropped records are logged per run (the rest are only counted). */
#define SR_DROP_LOG_MAX 10
/* Forget the logged-drop count (start of a run). */
void sr_drop_reset(void);
/* Records dropped and counted by sr_drop since the start of the run. */
int64_t sr_drop_total(void);
/* Human words for an error ("division by zero"). */
const char *sr_err_name(sr_err err);

/* ===================================================================== */
/* The run (sched.c).                                                     */
/* ===================================================================== */

/* Metrics of one finished batch. */
typedef struct sr_batch_metrics {
    int64_t time_ms;          /* batch time */
    int64_t index;            /* 1-based */
    int64_t records;          /* records taken from the sources */
    int64_t input_bytes;      /* bytes taken from the sources */
    int64_t dropped;          /* records dropped by sr_drop */
    int64_t sched_delay_us;   /* start of processing - due time */
    int64_t processing_us;    /* run_batch duration */
    size_t arena_bytes;       /* driver + worker arena bytes used */
} sr_batch_metrics;

/* Output operations that can have a Kafka producer (saveToKafka). */
#define SR_MAX_SINKS 64
/* Distinct Redis addresses a run talks to, and broadcast values it reads
 * from outside. */
#define SR_MAX_REDIS 16
#define SR_MAX_BROADCASTS 64

/* One source of the program, as the scheduler keeps it. */
typedef struct sr_rt_source {
    sr_source *src;
    sr_lines lines;           /* this batch's lines (taken when it starts) */
    int64_t cached_index;     /* batch index of `rdd`, 0 = none */
    sr_rdd rdd;               /* the lines cut into partitions, once asked for */
} sr_rt_source;

/* A batch of the journal to run again on recovery: its record. */
typedef struct sr_pending {
    int64_t time_ms, index;
    char *data;               /* the journal record (see recovery.c) */
    size_t len;
} sr_pending;

struct sr_runtime {
    const sr_program *prog;

    /* Settings after the command line (read-only once batches run). */
    const char *master;          /* effective master string (may be NULL) */
    int nworkers;                /* worker threads */
    const char *checkpoint_dir;  /* --checkpoint, else the program's; NULL = off */
    bool manual_clock;           /* --clock manual */
    int64_t start_ms;            /* clock start (manual: default 0) */
    int64_t max_batches;         /* --batches, 0 = until stopped */
    bool graceful;               /* spark.streaming.stopGracefullyOnShutdown */
    bool sync_outputs;           /* saveAsTextFiles fsyncs its files (with a
                                  * checkpoint directory, or streamc.output.fsync) */
    bool supervise;              /* --supervise: run under a restarting parent */
    bool reset_on_mismatch;      /* --on-mismatch=reset-state */
    sr_conf_kv *conf_over;       /* --conf key=value, in order (last wins) */
    int nconf_over;
    sr_source_opts source_opts;

    /* Execution. */
    sr_pool *pool;
    sr_arena driver_arena;
    sr_ctx driver;               /* the scheduler thread's context */
    sr_rt_source *sources;       /* prog->nsources entries */
    int nsources;
    sr_batch *batch;             /* the batch running, NULL between batches */

    /* Batches: the last one completed (index 0: none yet). Indices count
     * the batches since the first run of a checkpoint directory. */
    int64_t last_time_ms;
    int64_t last_index;

    /* The run's line of batches: random, made by the first run of a
     * checkpoint directory and restored with it (else this run's own). A
     * batch time names a batch only within one lineage (Redis' guard). */
    uint64_t lineage;

    /* Checkpoints (recovery.c); ckdir NULL = no checkpoint directory. */
    sr_ckdir *ckdir;
    bool restored;               /* a checkpoint was loaded */
    int64_t ckpt_every;          /* checkpoint every this many batches */
    int64_t ckpt_index;          /* batch index of the last checkpoint written */
    int64_t ckpt_count;
    int64_t ckpt_last_us;        /* duration and size of the last one */
    int64_t ckpt_last_bytes;
    sr_buf ckpt_buf;             /* the last checkpoint's bytes, reused */
    sr_buf *receipts;            /* per source: what the running batch took */
    sr_pending *pending;         /* journal batches to replay, oldest first */
    int npending;

    /* saveToKafka producers, per output operation (sink_kafka.c). */
    struct sr_kafka_sink *sinks[SR_MAX_SINKS];
    /* Redis: connections by address (redis.c), saveToRedis sinks per
     * output operation (sink_redis.c). Broadcast values read from Redis
     * or files (broadcast.c). */
    const char *redis_override;  /* --redis URL: every Redis address of the program */
    int ui_port;                 /* --ui-port / spark.ui.port; 0 = off (sched.c: unset) */
    const char *ui_bind;         /* --ui-bind; NULL = 127.0.0.1 */
    struct sr_ui *ui;            /* the monitoring server, NULL = none */
    struct sr_redis *redis[SR_MAX_REDIS];
    int nredis;
    struct sr_redis_sink *redis_sinks[SR_MAX_SINKS];
    struct sr_bcast *bcasts[SR_MAX_BROADCASTS];
    bool batch_failed;           /* an output could not finish: stop the run */

    /* Current batch counters (driver thread). */
    int64_t batch_records;
    int64_t batch_bytes;

    /* Metrics. */
    struct sr_metrics *metrics;  /* for monitoring (metrics.h); NULL until the sources are open */
    sr_batch_metrics last;       /* the last finished batch */
    int64_t batches_done;
    int64_t total_records;
    int64_t total_dropped;
    int slow_streak;             /* consecutive batches slower than the interval */
    bool warned_slow;

    /* Stop requests (signals). */
    sem_t wake;                  /* posted by the signal handler */
};

/* ===================================================================== */
/* Supervision (supervise.c).                                             */
/* ===================================================================== */

/* --supervise: called by sr_main after the options are parsed and before
 * any thread is started. Forks a child that runs the program and returns
 * -1 in it (the child goes on with the run). In the parent it restarts the
 * child whenever it dies abnormally (killed by a signal or a non-zero exit)
 * after a back-off, forwards SIGINT/SIGTERM to it and returns the exit
 * status to end the process with once the child ended normally or was
 * stopped by a signal the parent received. */
int sr_supervise(sr_runtime *rt, int argc, char **argv);

/* ===================================================================== */
/* Recovery (recovery.c).                                                 */
/* ===================================================================== */

/* Open rt->checkpoint_dir (sources opened, not started; state operators
 * prepared). With a checkpoint there: restore the state, the sources'
 * positions and last_time_ms/last_index, and list the journal's batches
 * to replay. 0, or the exit status after logging why not. */
int sr_recovery_open(sr_runtime *rt);
/* Write a checkpoint of the state after the last completed batch. A full
 * disk is waited out (sr_write_waiting_for_space). 0; -1 after logging
 * another error; -2 after a stop signal while the disk was full (logged). */
int sr_recovery_checkpoint(sr_runtime *rt);
/* Journal the batch about to run: its time, index and rt->receipts. A full
 * disk is waited out. 0; -1 after logging another error; -2 after a stop
 * signal while the disk was full (logged): the batch must not run. */
int sr_recovery_journal(sr_runtime *rt, int64_t time_ms, int64_t index);
/* The receipt of the source with `key` in a pending batch (empty if none). */
sr_dec sr_recovery_receipt(const sr_pending *pb, const char *key);
void sr_recovery_close(sr_runtime *rt);

/* Flush and destroy the saveToKafka producers (end of the run). */
void sr_kafka_sinks_free(sr_runtime *rt);
/* Free the saveToRedis sinks and the broadcast values read from outside
 * (end of the run). */
void sr_redis_sinks_free(sr_runtime *rt);
void sr_broadcasts_free(sr_runtime *rt);

/* Has a stop signal (SIGINT/SIGTERM) arrived? Any thread. */
bool sr_stop_requested(void);

/* The runtime of the sr_main running in this process, NULL outside it. */
extern sr_runtime *sr_rt_current;

/* Wall-clock and monotonic time. */
int64_t sr_now_ms(void);
int64_t sr_mono_us(void);

#endif
