/* source.c - input sources: the source.h entry points and line splitting.
 *
 * Every kind of source (socket receiver, textFileStream, queueStream, the
 * Kafka direct stream) is a struct that starts with `sr_source` and a table
 * of operations (source_impl.h); the functions here check the spec, pick
 * the implementation and dispatch. Also here: cutting a block of bytes into
 * lines the way Spark's readers do ("\n" and "\r\n" end a line, a last line
 * without newline counts, an empty line is a record ""), a block of 64
 * bytes at a time so a batch of many short lines costs little more than one
 * pass over its bytes; big blocks in ranges of whole lines on the workers.
 */
#include <stdarg.h>
#include <stdio.h>

#include "linked.h"
#include "runtime.h"
#include "source_impl.h"

/* ===================================================================== */
/* Common parts                                                           */
/* ===================================================================== */

void sr_source_errf(char *errstr, size_t errlen, const char *fmt, ...) {
    if (!errstr || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errlen, fmt, ap);
    va_end(ap);
}

void sr_source_base_init(sr_source *s, const sr_source_ops *ops, sr_source_kind kind,
                         const char *fmt, ...) {
    s->ops = ops;
    s->kind = kind;
    pthread_mutex_init(&s->status_lock, NULL);
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s->name, fmt, ap) < 0)
        s->name = NULL;
    va_end(ap);
    if (!s->name) {
        s->name = sr_xmalloc(8);
        memcpy(s->name, "source", 7);
    }
}

void sr_source_base_free(sr_source *s) {
    free(s->name);
    s->name = NULL;
    pthread_mutex_destroy(&s->status_lock);
}

void sr_source_log(sr_source *s, sr_log_level level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sr_log(level, "%s", msg);
    if (level > SR_LOG_WARN)
        return;
    pthread_mutex_lock(&s->status_lock);
    size_t n = strnlen(msg, sizeof s->last_error - 1); /* a long message is cut */
    memcpy(s->last_error, msg, n);
    s->last_error[n] = '\0';
    s->last_error_ms = sr_now_ms();
    pthread_mutex_unlock(&s->status_lock);
}

void sr_source_set_active(sr_source *s, bool active) {
    pthread_mutex_lock(&s->status_lock);
    s->inactive = !active;
    pthread_mutex_unlock(&s->status_lock);
}

void sr_source_status(sr_source *s, bool *active, char *err, size_t errlen, int64_t *err_ms) {
    pthread_mutex_lock(&s->status_lock);
    *active = !s->inactive;
    snprintf(err, errlen, "%s", s->last_error);
    *err_ms = s->last_error_ms;
    pthread_mutex_unlock(&s->status_lock);
}

int sr_source_lags(sr_source *s, sr_partition_lag *out, int max) {
    return s->ops->lags ? s->ops->lags(s, out, max) : 0;
}

const char *sr_source_kind_name(const sr_source *s) {
    switch (s->kind) {
    case SR_SOURCE_SOCKET: return "socket";
    case SR_SOURCE_TEXTFILE: return "textFileStream";
    case SR_SOURCE_QUEUE: return "queueStream";
    case SR_SOURCE_KAFKA: return "kafka";
    }
    return "source";
}

/* ===================================================================== */
/* source.h                                                               */
/* ===================================================================== */

/* Checks what every implementation relies on, then opens the kind asked. */
sr_source *sr_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                          char *errstr, size_t errlen) {
    static const sr_source_opts no_opts = { 0 };
    if (!spec) {
        sr_source_errf(errstr, errlen, "no source given");
        return NULL;
    }
    if (!opts)
        opts = &no_opts;
    switch (spec->kind) {
    case SR_SOURCE_SOCKET:
        if (!spec->host || !spec->host[0]) {
            sr_source_errf(errstr, errlen, "socketTextStream: no host given");
            return NULL;
        }
        if (spec->port < 1 || spec->port > 65535) {
            sr_source_errf(errstr, errlen, "socketTextStream(%s, %d): port must be 1..65535",
                           spec->host, spec->port);
            return NULL;
        }
        return sr_socket_source_open(spec, opts, errstr, errlen);
    case SR_SOURCE_TEXTFILE:
        if (!spec->dir || !spec->dir[0]) {
            sr_source_errf(errstr, errlen, "textFileStream: no directory given");
            return NULL;
        }
        return sr_textfile_source_open(spec, opts, errstr, errlen);
    case SR_SOURCE_QUEUE:
        if (!spec->dir || !spec->dir[0]) {
            sr_source_errf(errstr, errlen, "queueStream: no directory given");
            return NULL;
        }
        return sr_queue_source_open(spec, opts, errstr, errlen);
    case SR_SOURCE_KAFKA: {
        int ways = (spec->ntopics > 0) + (spec->pattern != NULL) + (spec->nassign > 0);
        if (ways != 1) {
            sr_source_errf(errstr, errlen, "createDirectStream: %s",
                           ways ? "give only one of Subscribe, SubscribePattern and Assign"
                                : "no topics, pattern or partitions given");
            return NULL;
        }
        if (spec->ntopics > 0 && !spec->topics) {
            sr_source_errf(errstr, errlen, "createDirectStream: Subscribe without its topics");
            return NULL;
        }
        if (spec->nassign > 0 && !spec->assign) {
            sr_source_errf(errstr, errlen, "createDirectStream: Assign without its partitions");
            return NULL;
        }
        if (spec->nkafka_params < 0 || (spec->nkafka_params > 0 && !spec->kafka_params)) {
            sr_source_errf(errstr, errlen, "createDirectStream: bad kafkaParams");
            return NULL;
        }
        return sr_kafka_source_open(spec, opts, errstr, errlen);
    }
    }
    sr_source_errf(errstr, errlen, "unknown source kind %d", (int)spec->kind);
    return NULL;
}

int sr_source_start(sr_source *s, char *errstr, size_t errlen) {
    return s->ops->start(s, errstr, errlen);
}

/* Always leaves *out valid (empty when there is nothing). */
void sr_source_take(sr_source *s, int64_t time_ms, sr_arena *arena, sr_lines *out) {
    sr_source_take_receipt(s, time_ms, arena, out, NULL);
}

void sr_source_take_receipt(sr_source *s, int64_t time_ms, sr_arena *arena, sr_lines *out,
                            sr_buf *receipt) {
    *out = (sr_lines){ 0 };
    s->ops->take(s, time_ms, arena, out, receipt);
}

void sr_source_replay(sr_source *s, sr_dec *receipt, sr_arena *arena, sr_lines *out) {
    *out = (sr_lines){ 0 };
    if (s->ops->replay && receipt->p < receipt->end)
        s->ops->replay(s, receipt, arena, out);
}

void sr_source_save(sr_source *s, sr_buf *out) {
    if (s->ops->save)
        s->ops->save(s, out);
}

int sr_source_restore(sr_source *s, sr_dec *in, char *errstr, size_t errlen) {
    if (!s->ops->restore || in->p >= in->end)
        return 0;
    return s->ops->restore(s, in, errstr, errlen);
}

void sr_source_batch_done(sr_source *s, int64_t elements, int64_t processing_ms,
                          int64_t scheduling_ms) {
    if (s->ops->batch_done)
        s->ops->batch_done(s, elements, processing_ms, scheduling_ms);
}

const char *sr_source_key(const sr_source *s) {
    return sr_source_name(s);
}

/* Idempotent; also fine on a source that was never started. */
void sr_source_stop(sr_source *s, bool drain) {
    s->ops->stop(s, drain);
}

/* Stops the source first if needed. NULL is a no-op. */
void sr_source_free(sr_source *s) {
    if (s)
        s->ops->free(s);
}

const char *sr_source_name(const sr_source *s) {
    return s && s->name ? s->name : "source";
}

/* ===================================================================== */
/* Lines                                                                  */
/* ===================================================================== */

/* The set bits of x: one instruction where the target has it, else a few
 * arithmetic steps (x86-64's baseline has no popcnt, and the builtin would
 * call libgcc's __popcountdi2 for every 64 bytes). */
static inline int popcount64(uint64_t x) {
#if defined(__POPCNT__) || defined(__aarch64__)
    return __builtin_popcountll(x);
#else
    x -= (x >> 1) & 0x5555555555555555ULL;
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
#endif
}

int64_t sr_lines_count(const char *p, size_t n) {
    if (n == 0)
        return 0;
    sr_byte_walk w; /* the '\n's, counted a block at a time */
    sr_byte_walk_begin(&w, p, p + n, '\n');
    int64_t count = 0;
    for (;;) { /* whole blocks at a time */
        uint64_t bits = w.bits;
        if (w.block + 64 > w.end) /* the last block: not past the end */
            bits &= ~0ULL >> (64 - (w.end - w.block));
        count += popcount64(bits);
        if (w.block + 64 >= w.end)
            break;
        w.block += 64;
        w.bits = sr_block_mask(w.block, w.c);
    }
    if (p[n - 1] != '\n')
        count++;
    return count;
}

/* The line starting at *q (its '\r\n' or '\n' cut off); *q moves past it.
 * w has handed out the '\n's before *q. */
static inline sr_str next_line(sr_byte_walk *w, const char **q, const char *end) {
    const char *start = *q, *nl = sr_byte_walk_next(w);
    const char *stop = nl ? nl : end;
    int64_t len = stop - start;
    if (len > 0 && start[len - 1] == '\r')
        len--;
    *q = nl ? nl + 1 : end;
    return (sr_str){ start, len };
}

int64_t sr_lines_split(const char *p, size_t n, sr_str *out) {
    int64_t k = 0;
    sr_byte_walk w; /* the '\n's */
    sr_byte_walk_begin(&w, p, p + n, '\n');
    for (const char *q = p, *end = p + n; q < end;)
        out[k++] = next_line(&w, &q, end);
    return k;
}

void sr_lines_from_block(sr_arena *arena, const char *p, size_t n, int64_t count, sr_lines *out) {
    out->bytes = (int64_t)n;
    out->n = 0;
    out->lines = NULL;
    if (count < 0) { /* one pass over the bytes: the array doubles as needed */
        sr_seq s = { 0 };
        if (n > 0) /* a guess of lines of 64 bytes saves most doublings */
            sr_seq_reserve(arena, &s, (int64_t)(n / 64) + 16, sizeof(sr_str));
        sr_byte_walk w; /* the '\n's */
        sr_byte_walk_begin(&w, p, p + n, '\n');
        for (const char *q = p, *end = p + n; q < end;)
            *(sr_str *)sr_seq_push(arena, &s, sizeof(sr_str)) = next_line(&w, &q, end);
        out->lines = s.ptr;
        out->n = s.len;
        return;
    }
    if (count == 0)
        return;
    out->lines = sr_arena_alloc(arena, (size_t)count * sizeof(sr_str));
    out->n = sr_lines_split(p, n, out->lines);
}

/* ===================================================================== */
/* Lines of big blocks, on the pool                                       */
/* ===================================================================== */

size_t sr_range_min = (size_t)1 << 20;

int sr_range_count(const sr_pool *pool, size_t bytes) {
    int workers = pool ? sr_pool_size(pool) : 1;
    if (workers > SR_MAX_RANGES)
        workers = SR_MAX_RANGES;
    size_t most = bytes / sr_range_min;
    if (most < 1)
        return 1;
    return most < (size_t)workers ? (int)most : workers;
}

/* Whole lines of a block: it starts at the block's start or after a '\n',
 * and ends at the block's end or after a '\n'. */
typedef struct line_range {
    const char *p;
    size_t n;
    int64_t first; /* its lines' count, then the index of its first line */
} line_range;

typedef struct cut_job {
    line_range *ranges;
    sr_str *lines;
} cut_job;

static void count_range(sr_ctx *cx, int t, void *arg) {
    (void)cx;
    line_range *r = &((cut_job *)arg)->ranges[t];
    r->first = sr_lines_count(r->p, r->n);
}

static void split_range(sr_ctx *cx, int t, void *arg) {
    (void)cx;
    cut_job *j = arg;
    line_range *r = &j->ranges[t];
    sr_lines_split(r->p, r->n, j->lines + r->first);
}

static void run_ranges(sr_pool *pool, int n, sr_task_fn fn, cut_job *j) {
    if (pool) {
        sr_pool_run(pool, NULL, n, fn, j);
        return;
    }
    for (int t = 0; t < n; t++)
        fn(NULL, t, j);
}

/* Cut p[0..n) into at most k ranges of whole lines, the i-th ending at
 * the first line end from byte n / k * i on; stored at r[]. Returns how
 * many (0 for an empty block). */
static int cut_ranges(const char *p, size_t n, int k, line_range *r) {
    int m = 0;
    size_t start = 0;
    for (int i = 1; i <= k && start < n; i++) {
        size_t end = n;
        if (i < k) {
            size_t at = n / (size_t)k * (size_t)i;
            if (at <= start) /* a long line took this range's share */
                continue;
            const char *nl = memchr(p + at - 1, '\n', n - (at - 1));
            end = nl ? (size_t)(nl + 1 - p) : n;
        }
        r[m++] = (line_range){ p + start, end - start, 0 };
        start = end;
    }
    return m;
}

void sr_lines_from_blocks(sr_pool *pool, sr_arena *arena, const sr_block *b, size_t n,
                          sr_lines *out) {
    *out = (sr_lines){ 0 };
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        most += (size_t)sr_range_count(pool, b[i].n);
        out->bytes += (int64_t)b[i].n;
    }
    cut_job j = { sr_arena_alloc(arena, (most ? most : 1) * sizeof *j.ranges), NULL };
    int nranges = 0;
    for (size_t i = 0; i < n; i++)
        nranges += cut_ranges(b[i].p, b[i].n, sr_range_count(pool, b[i].n), j.ranges + nranges);
    if (nranges == 1) { /* one pass instead of two */
        sr_lines_from_block(arena, j.ranges[0].p, j.ranges[0].n, -1, out);
        return;
    }
    run_ranges(pool, nranges, count_range, &j);
    for (int t = 0; t < nranges; t++) { /* counts -> first indices */
        int64_t count = j.ranges[t].first;
        j.ranges[t].first = out->n;
        out->n += count;
    }
    if (out->n == 0)
        return;
    j.lines = out->lines = sr_arena_alloc(arena, (size_t)out->n * sizeof(sr_str));
    run_ranges(pool, nranges, split_range, &j);
}
