/* metrics.h - what a run has done, for monitoring (the UI, the JSON API,
 * Prometheus): the last SR_METRICS_KEEP completed batches, the batches
 * running or waiting, every source's status, totals and histograms since
 * the start.
 *
 * The scheduler thread writes (metrics.c keeps the store); the HTTP
 * server's threads read through sr_metrics_snapshot, a deep copy taken
 * under the store's lock, so rendering never holds the lock and never
 * sees a half-updated batch. Memory is bounded: the ring of completed
 * batches drops its oldest entry when full.
 */
#ifndef STREAMRT_METRICS_H
#define STREAMRT_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#define SR_METRICS_KEEP 1000

/* Bucket bounds (seconds) of the delay histograms: Prometheus' defaults
 * widened to minutes, as batch intervals are. The last bucket is +Inf. */
#define SR_METRICS_NBUCKETS 14
extern const double sr_metrics_bounds[SR_METRICS_NBUCKETS]; /* 0.005 ... 600 */

/* One Kafka offset range of a batch. */
typedef struct sr_range_info {
    char *topic;
    int32_t partition;
    int64_t from, until;
} sr_range_info;

typedef enum sr_batch_status {
    SR_BATCH_QUEUED,      /* due, not started (processing is behind) */
    SR_BATCH_PROCESSING,  /* running now */
    SR_BATCH_COMPLETED,
    SR_BATCH_FAILED,      /* an output failed: the run stopped on it */
} sr_batch_status;

typedef struct sr_batch_info {
    int64_t time_ms;            /* the batch time: Spark's batchId */
    int64_t index;              /* 1-based, counted from the checkpoint directory's first run */
    sr_batch_status status;
    bool replayed;              /* run again from the checkpoint's journal */
    int64_t records;            /* input records of all sources */
    int64_t *source_records;    /* per source, nsources entries (snapshot's sources order) */
    int nsources;
    int64_t bytes;              /* input bytes */
    int64_t start_ms;           /* wall clock when processing started (-1: not yet) */
    int64_t sched_delay_ms;     /* processing start - batch time (-1: not started) */
    int64_t processing_ms;      /* (-1: not finished) */
    int64_t total_delay_ms;     /* scheduling delay + processing (-1: not finished) */
    int noutputs;               /* output operations of the batch */
    int nfailed_outputs;
    int64_t dropped;            /* bad records counted and skipped */
    char *failure;              /* the first failure's message, NULL = none */
    sr_range_info *ranges;      /* Kafka offset ranges, all Kafka sources */
    int nranges;
} sr_batch_info;

/* A Kafka partition's lag: the end offset minus the next offset to read. */
typedef struct sr_lag_info {
    char *topic;
    int32_t partition;
    int64_t lag;
} sr_lag_info;

typedef struct sr_source_info {
    char *name;                 /* "socket localhost:9999", "kafka topics t @group", ... */
    char *kind;                 /* "socket", "textFileStream", "queueStream", "kafka" */
    bool active;                /* receiving: connected, reachable */
    int64_t records;            /* records taken since the start */
    char *last_error;           /* NULL = none */
    int64_t last_error_ms;      /* wall clock of last_error, 0 = none */
    sr_lag_info *lags;          /* Kafka: per partition */
    int nlags;
} sr_source_info;

/* A stateful operator's key count (updateStateByKey, windows). */
typedef struct sr_state_info {
    char *id;                   /* its name from .name("...") or "#k" */
    char *what;                 /* "updateStateByKey at line 19" */
    int64_t keys;
} sr_state_info;

/* A cumulative histogram (Prometheus): counts[i] = observations <=
 * sr_metrics_bounds[i]; count = all (the +Inf bucket); sum in seconds. */
typedef struct sr_histogram {
    int64_t counts[SR_METRICS_NBUCKETS];
    int64_t count;
    double sum;
} sr_histogram;

typedef struct sr_metrics_snapshot {
    char *app;
    int64_t batch_ms;           /* the batch interval */
    int64_t start_ms;           /* wall clock of the start */
    int64_t now_ms;             /* wall clock of the snapshot */
    int nworkers;
    bool manual_clock;
    const char *version;        /* SR_VERSION */
    const char *compiler;       /* the C compiler that built the runtime (__VERSION__) */
    /* Since the start. */
    int64_t batches_done;
    int64_t batches_failed;
    int64_t records;
    int64_t dropped;
    sr_histogram processing, scheduling, total; /* seconds */
    /* The last completed batches, oldest first (at most SR_METRICS_KEEP). */
    sr_batch_info *completed;
    int ncompleted;
    /* Running (at most one) and waiting batches, oldest first. */
    sr_batch_info *active;
    int nactive;
    sr_source_info *sources;
    int nsources;
    sr_state_info *states;
    int nstates;
} sr_metrics_snapshot;

typedef struct sr_metrics sr_metrics;

/* A deep copy of the store now (any thread); free with
 * sr_metrics_snapshot_free. */
sr_metrics_snapshot *sr_metrics_snapshot_take(sr_metrics *m);
void sr_metrics_snapshot_free(sr_metrics_snapshot *s);

/* The batch with this time in a snapshot, among completed then active;
 * NULL if not kept. */
const sr_batch_info *sr_metrics_find_batch(const sr_metrics_snapshot *s, int64_t time_ms);

/* ---- The scheduler's side (its thread only) ---- */

struct sr_runtime;

/* The store of a run: app, interval, workers, sources and stateful
 * operators are taken from rt (sources opened). */
sr_metrics *sr_metrics_new(struct sr_runtime *rt);
void sr_metrics_free(sr_metrics *m);
/* A batch starts processing (its input not taken yet), sched_delay_us
 * after its time. */
void sr_metrics_batch_begin(sr_metrics *m, int64_t time_ms, int64_t index, bool replayed, int64_t sched_delay_us);
/* The running batch ended: its input per source (rt->sources' lines), Kafka
 * ranges, processing time, bad records. failure: NULL when it completed;
 * else why it failed, "" meaning the last ERROR logged during the batch.
 * Also refreshes the sources' status and the state key counts. */
void sr_metrics_batch_end(sr_metrics *m, struct sr_runtime *rt, int64_t processing_us, int64_t dropped,
                          const char *failure);
/* The sources' status and the state key counts, now (at start). */
void sr_metrics_refresh(sr_metrics *m, struct sr_runtime *rt);

#endif
