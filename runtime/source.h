/* source.h - the runtime's internal interface to input sources.
 *
 * The scheduler opens one sr_source per sr_source_spec, starts it before the
 * first batch, and at every batch time takes what the source has for that
 * batch. Receiver sources (socket) buffer lines on their own thread between
 * takes; the directory sources list the directory at take time.
 * Not part of the public API (generated code never includes this).
 */
#ifndef STREAMRT_SOURCE_H
#define STREAMRT_SOURCE_H

#include "streamrt.h"

typedef struct sr_source sr_source;

/* Settings a source needs from the run's options. */
typedef struct sr_source_opts {
    double max_rate;        /* spark.streaming.receiver.maxRate: records/s, 0 = unlimited */
    size_t buffer_bytes;    /* streamc.receiver.bufferBytes: a receiver's bound, 0 = default */
    int64_t batch_ms;       /* the batch interval */
    /* spark.streaming.receiver.writeAheadLog.enable: the checkpoint
     * directory, under which receivers keep their log (wal/<key>/);
     * NULL = no log. */
    const char *wal_dir;
    /* spark.streaming.receiver.writeAheadLog.rollingIntervalSecs in ms: a
     * log segment older than this is closed; 0 = the default, 60 s. */
    int64_t wal_roll_ms;
    /* The run's workers, idle while sources are taken: the directory
     * sources read and cut big files on them (from take and replay, on the
     * driver thread). NULL = all on the calling thread. */
    struct sr_pool *pool;

    /* Kafka direct sources. */
    sr_offsets_store offsets;       /* where positions are kept (sr_program.offsets) */
    struct sr_redis *offsets_redis; /* SR_OFFSETS_REDIS: the connection (redis.h) */
    int64_t max_rate_per_partition; /* spark.streaming.kafka.maxRatePerPartition: records/s, 0 = unlimited */
    int64_t min_rate_per_partition; /* spark.streaming.kafka.minRatePerPartition: the least a
                                     * limited partition takes per batch; 0 = the default, 1 */
    bool backpressure;              /* spark.streaming.backpressure.enabled */
    double backpressure_initial_rate; /* spark.streaming.backpressure.initialRate: records/s
                                       * until the first estimate; 0 = none */
    /* spark.streaming.backpressure.pid.proportional, .integral, .derived,
     * .minRate; all 0 = Spark's defaults (rate.h). */
    double pid_proportional, pid_integral, pid_derivative, pid_min_rate;
    int64_t kafka_start_timeout_ms; /* streamc.kafka.startTimeoutMs: how long start waits for the
                                     * cluster and the topics; 0 = the default, 30000 */
    int64_t kafka_poll_ms;          /* spark.streaming.kafka.consumer.poll.ms: how long a batch's
                                     * read waits for the next record before it gives up on the
                                     * rest of its ranges; 0 = the default */
} sr_source_opts;

/* The lines one batch takes from a source: views into memory that the
 * source allocated from the arena passed to sr_source_take. A source that
 * cuts its own partitions (Kafka: sr_krec elements, one partition per topic
 * partition) sets `parts` instead of `lines`; `n` and `bytes` count all of
 * them either way. */
typedef struct sr_lines {
    sr_str *lines;
    int64_t n;
    int64_t bytes;          /* input bytes, for metrics */
    sr_seq *parts;          /* NULL, or the rdd's partitions (in the arena) */
    int nparts;
} sr_lines;

/* Create (not start) a source. Returns NULL and fills errstr on failure. */
sr_source *sr_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                          char *errstr, size_t errlen);
/* Start receiving (socket: starts the receiver thread, which connects and
 * reconnects with back-off; textFileStream: remembers the files already
 * present, which are ignored). Returns 0 / -1 with errstr. */
int sr_source_start(sr_source *s, char *errstr, size_t errlen);
/* Everything for the batch at time_ms: lines received since the previous
 * take (socket), files new since the previous take (textFileStream), the
 * next file in name order (queueStream). Line ends: \n, \r\n; a final line
 * without newline counts. Line bytes are copied into `arena`. */
void sr_source_take(sr_source *s, int64_t time_ms, sr_arena *arena, sr_lines *out);
/* sr_source_take that also appends to `receipt` what names the data taken
 * (files, log ranges), so that sr_source_replay can take it again after a
 * restart. An empty receipt means nothing to replay. */
void sr_source_take_receipt(sr_source *s, int64_t time_ms, sr_arena *arena, sr_lines *out,
                            sr_buf *receipt);
/* Take again exactly what a receipt names (a batch replayed on recovery);
 * the source's position moves past it. Data that is gone is logged and
 * skipped. */
void sr_source_replay(sr_source *s, sr_dec *receipt, sr_arena *arena, sr_lines *out);
/* Checkpoints: the source's position after the last take (files read,
 * queue position, log offset), and restoring it, before sr_source_start. */
void sr_source_save(sr_source *s, sr_buf *out);
int sr_source_restore(sr_source *s, sr_dec *in, char *errstr, size_t errlen);
/* After the batch's outputs: the batch took `elements` records from this
 * source, ran `processing_ms` and started `scheduling_ms` late (rate
 * estimation; the Kafka source commits its offsets here). */
void sr_source_batch_done(sr_source *s, int64_t elements, int64_t processing_ms,
                          int64_t scheduling_ms);
/* The offset ranges of the last batch taken or replayed, one per topic
 * partition in the rdd's partition order, as an sr_seq of sr_offset_range in
 * `arena` (topic views valid while the source lives). Empty for sources
 * other than Kafka. For runtime code (sr_kafka_offset_ranges, monitoring). */
sr_seq sr_source_offset_ranges(sr_source *s, sr_arena *arena);
/* What identifies the source across program versions ("textFileStream
 * ./in"); a checkpoint's position is restored into the source whose key
 * matches. */
const char *sr_source_key(const sr_source *s);
/* Stop receiving. With `drain`, lines already received stay available to a
 * last sr_source_take. */
void sr_source_stop(sr_source *s, bool drain);
void sr_source_free(sr_source *s);
/* A short human description for logs ("socket localhost:9999"). */
const char *sr_source_name(const sr_source *s);
/* "socket", "textFileStream", "queueStream" or "kafka". */
const char *sr_source_kind_name(const sr_source *s);

/* For monitoring (any thread): whether the source receives now, and its
 * last warning or error (err "" and *err_ms 0 when none). */
void sr_source_status(sr_source *s, bool *active, char *err, size_t errlen, int64_t *err_ms);
/* A Kafka partition's lag: its end offset minus the next offset to read,
 * as of the last batch. */
typedef struct sr_partition_lag {
    const char *topic;              /* valid while the source lives */
    int32_t partition;
    int64_t lag;
} sr_partition_lag;
/* Up to max partitions' lags into out; returns how many there are (0 for
 * sources other than Kafka). Driver thread. */
int sr_source_lags(sr_source *s, sr_partition_lag *out, int max);

#endif
