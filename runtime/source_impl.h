/* source_impl.h - what the input source implementations share.
 *
 * source.c dispatches the sr_source_* calls of source.h through a small
 * table of operations; each kind of source (source_socket.c, source_dir.c,
 * source_kafka.c) embeds `sr_source` as the first member of its own struct
 * and fills the table. Also here: splitting a block of bytes into lines,
 * used by every source, and the hooks the unit tests use. Only source*.c
 * and the tests include this file.
 */
#ifndef STREAMRT_SOURCE_IMPL_H
#define STREAMRT_SOURCE_IMPL_H

#include <pthread.h>

#include "source.h"

typedef struct sr_source_ops {
    int (*start)(sr_source *s, char *errstr, size_t errlen);
    /* receipt: NULL when nobody asks (no checkpoint) */
    void (*take)(sr_source *s, int64_t time_ms, sr_arena *arena, sr_lines *out, sr_buf *receipt);
    void (*stop)(sr_source *s, bool drain);
    void (*free)(sr_source *s);     /* frees everything, `s` included */
    /* Recovery (see source.h); NULL: the source has no position, and its
     * receipts are empty. */
    void (*replay)(sr_source *s, sr_dec *receipt, sr_arena *arena, sr_lines *out);
    void (*save)(sr_source *s, sr_buf *out);
    int (*restore)(sr_source *s, sr_dec *in, char *errstr, size_t errlen);
    /* After a batch's outputs (see sr_source_batch_done); NULL: nothing to do. */
    void (*batch_done)(sr_source *s, int64_t elements, int64_t processing_ms,
                       int64_t scheduling_ms);
    /* Kafka: per partition, the end offset minus the next offset to read
     * (see sr_source_lags); NULL: none. */
    int (*lags)(sr_source *s, sr_partition_lag *out, int max);
} sr_source_ops;

struct sr_source {
    const sr_source_ops *ops;
    sr_source_kind kind;
    char *name;                     /* malloc'd, for logs and as the key */
    /* Status for monitoring, written by any of the source's threads. */
    pthread_mutex_t status_lock;
    bool inactive;                  /* not receiving now (disconnected, unreachable) */
    char last_error[256];           /* the last WARN/ERROR logged by sr_source_log */
    int64_t last_error_ms;          /* its wall-clock time, 0 = none */
};

/* sr_log for a source's warnings and errors: also kept as the source's
 * last error (sr_source_status). Any thread. */
void sr_source_log(sr_source *s, sr_log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Receiving or not (a socket connected, a Kafka cluster answering). */
void sr_source_set_active(sr_source *s, bool active);

/* Fill the common part: ops, kind and a printf-formatted name (malloc'd,
 * freed by sr_source_base_free). */
void sr_source_base_init(sr_source *s, const sr_source_ops *ops, sr_source_kind kind,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void sr_source_base_free(sr_source *s);

/* snprintf into errstr (NULL or errlen 0: nothing written). */
void sr_source_errf(char *errstr, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The implementations' constructors (the spec is already validated). */
sr_source *sr_socket_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                 char *errstr, size_t errlen);
sr_source *sr_textfile_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                   char *errstr, size_t errlen);
sr_source *sr_queue_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                char *errstr, size_t errlen);
sr_source *sr_kafka_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                char *errstr, size_t errlen);

/* ===================================================================== */
/* Lines                                                                  */
/* ===================================================================== */

/* Number of lines in p[0..n): one per '\n', plus a final line without
 * newline if the block does not end with '\n'. 0 for an empty block. */
int64_t sr_lines_count(const char *p, size_t n);
/* Store the lines of p[0..n) in out[] (room for sr_lines_count(p, n)) as
 * views into p: line ends are "\n" and "\r\n" (the '\r' is dropped), a final
 * line without newline counts (a '\r' ending it is dropped too), empty
 * lines are lines. Returns the number stored. */
int64_t sr_lines_split(const char *p, size_t n, sr_str *out);
/* Set *out to the lines of the block p[0..n), which is already in `arena`
 * (the views point into it; the array is allocated there); out->bytes = n.
 * `count` is sr_lines_count(p, n) when the caller knows it, else -1. */
void sr_lines_from_block(sr_arena *arena, const char *p, size_t n, int64_t count, sr_lines *out);

/* A block of bytes read into an arena. */
typedef struct sr_block {
    char *p;
    size_t n;
} sr_block;
/* Set *out to the lines of the blocks b[0..n), in order, as
 * sr_lines_from_block would for each (a block's last line ends with the
 * block); out->bytes = their total. Big blocks are cut on the pool: each
 * worker counts, then splits, a range of whole lines (pool NULL: all on
 * this thread). */
void sr_lines_from_blocks(struct sr_pool *pool, sr_arena *arena, const sr_block *b, size_t n,
                          sr_lines *out);
/* How many ranges a block of `bytes` is cut into on the pool: one per
 * worker (at most SR_MAX_RANGES), each of at least sr_range_min bytes; 1
 * when pool is NULL. Reading a file uses the same ranges. */
#define SR_MAX_RANGES 64
int sr_range_count(const struct sr_pool *pool, size_t bytes);
/* 1 MiB; the tests lower it to exercise the ranges with small inputs. */
extern size_t sr_range_min;

/* ===================================================================== */
/* Hooks for the unit tests (socket source only).                         */
/* ===================================================================== */

/* Bound the receiver's buffer to `bytes` (default 256 MiB). Before start. */
void sr_socket_source_set_cap(sr_source *s, size_t bytes);
/* Lines received and not yet taken. */
int64_t sr_socket_source_buffered(sr_source *s);

#endif
