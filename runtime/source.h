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
    int64_t batch_ms;       /* the batch interval */
    /* spark.streaming.receiver.writeAheadLog.enable: the checkpoint
     * directory, under which receivers keep their log (wal/<key>/);
     * NULL = no log. */
    const char *wal_dir;
    /* spark.streaming.receiver.writeAheadLog.rollingIntervalSecs in ms: a
     * log segment older than this is closed; 0 = the default, 60 s. */
    int64_t wal_roll_ms;
} sr_source_opts;

/* The lines one batch takes from a source: views into memory that the
 * source allocated from the arena passed to sr_source_take. */
typedef struct sr_lines {
    sr_str *lines;
    int64_t n;
    int64_t bytes;          /* input bytes, for metrics */
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

#endif
