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
/* Stop receiving. With `drain`, lines already received stay available to a
 * last sr_source_take. */
void sr_source_stop(sr_source *s, bool drain);
void sr_source_free(sr_source *s);
/* A short human description for logs ("socket localhost:9999"). */
const char *sr_source_name(const sr_source *s);

#endif
