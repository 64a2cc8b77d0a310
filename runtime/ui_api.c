/* ui_api.c - the monitoring UI's JSON routes and their JSON writer.
 *
 * The JSON routes follow Spark's REST API (/api/v1/.../streaming/...):
 * same field names, times as "yyyy-MM-dd'T'HH:mm:ss.SSS'GMT'", absent
 * values left out, averages over the retained completed batches (integer
 * milliseconds, like Spark's Option[Long]). Fields Spark does not have are
 * streamc extras, added after Spark's. Every string is valid JSON whatever
 * the bytes in the snapshot: invalid UTF-8 becomes U+FFFD.
 */
#include <time.h>

#include "ui_impl.h"

/* ===================================================================== */
/* Text: JSON strings, times, rates                                       */
/* ===================================================================== */

/* RFC 8259 string escapes. */
static const char *esc_json(unsigned char c, char tmp[8]) {
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: break;
    }
    if (c < 0x20) {
        snprintf(tmp, 8, "\\u%04x", c);
        return tmp;
    }
    return NULL;
}

/* A wall clock time as Spark's API writes dates: 2026-11-24T02:57:40.123GMT. */
static void put_gmt(sr_buf *b, int64_t ms) {
    int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int msec = (int)(ms - sec * 1000);
    time_t t = (time_t)sec;
    struct tm tm;
    char tmp[64];
    if (!gmtime_r(&t, &tm)) {
        t = 0, msec = 0;
        gmtime_r(&t, &tm);
    }
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dGMT", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
    sr_buf_cstr(b, tmp);
}

/* Records per second of n records in one batch interval; NAN if none. */
static double rate_of(int64_t n, int64_t batch_ms) {
    return batch_ms > 0 ? (double)n * 1000.0 / (double)batch_ms : NAN;
}

/* ===================================================================== */
/* JSON writer (indented like Spark's Jackson output)                     */
/* ===================================================================== */

typedef struct jw {
    sr_buf *b;
    int depth;
    bool first; /* nothing written yet in the current container */
    bool key;   /* a key was just written: its value follows */
} jw;

static void jw_newline(jw *w) {
    sr_buf_char(w->b, '\n');
    for (int i = 0; i < w->depth; i++)
        sr_buf_put(w->b, "  ", 2);
}

/* Before a value or a key: the comma and the indentation. */
static void jw_pre(jw *w) {
    if (w->key) {
        w->key = false;
        return;
    }
    if (w->depth == 0)
        return;
    if (!w->first)
        sr_buf_char(w->b, ',');
    w->first = false;
    jw_newline(w);
}

static void jw_open(jw *w, char c) {
    jw_pre(w);
    sr_buf_char(w->b, c);
    w->depth++;
    w->first = true;
}

static void jw_close(jw *w, char c) {
    w->depth--;
    if (!w->first)
        jw_newline(w);
    w->first = false;
    sr_buf_char(w->b, c);
}

static void jw_str(jw *w, const char *s) {
    jw_pre(w);
    if (!s) {
        sr_buf_cstr(w->b, "null");
        return;
    }
    sr_buf_char(w->b, '"');
    sr_ui_put_escaped(w->b, s, esc_json);
    sr_buf_char(w->b, '"');
}

static void jw_key(jw *w, const char *k) {
    jw_str(w, k);
    sr_buf_cstr(w->b, " : ");
    w->key = true;
}

static void jw_long(jw *w, int64_t v) {
    jw_pre(w);
    sr_buf_long(w->b, v);
}

/* Java's Double.toString, as Jackson writes doubles; null if not finite. */
static void jw_double(jw *w, double v) {
    jw_pre(w);
    if (isfinite(v))
        sr_buf_double(w->b, v);
    else
        sr_buf_cstr(w->b, "null");
}

static void jw_bool(jw *w, bool v) {
    jw_pre(w);
    sr_buf_bool(w->b, v);
}

static void jw_gmt(jw *w, int64_t ms) {
    jw_pre(w);
    sr_buf_char(w->b, '"');
    put_gmt(w->b, ms);
    sr_buf_char(w->b, '"');
}

/* Shorthands for "key" : value. */
static void kv_str(jw *w, const char *k, const char *v) { jw_key(w, k); jw_str(w, v); }
static void kv_long(jw *w, const char *k, int64_t v) { jw_key(w, k); jw_long(w, v); }
static void kv_double(jw *w, const char *k, double v) { jw_key(w, k); jw_double(w, v); }
static void kv_bool(jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
static void kv_gmt(jw *w, const char *k, int64_t ms) { jw_key(w, k); jw_gmt(w, ms); }

/* {"error" : msg} for 4xx/5xx answers of the API. */
void sr_ui_json_error(sr_buf *out, const char *msg) {
    jw w = { .b = out };
    jw_open(&w, '{');
    kv_str(&w, "error", msg);
    jw_close(&w, '}');
    sr_buf_char(out, '\n');
}

/* ===================================================================== */
/* JSON routes                                                            */
/* ===================================================================== */

/* Averages over the retained completed batches (Spark's statistics). */
typedef struct averages {
    double input_rate;                   /* NAN: none */
    int64_t sched, proc, total;          /* -1: none */
} averages;

static int64_t avg_ms(int64_t sum, int64_t n) {
    return n ? sum / n : -1;
}

static averages compute_averages(const sr_metrics_snapshot *s) {
    int64_t recs = 0, sched = 0, proc = 0, total = 0, ns = 0, np = 0, nt = 0;
    for (int i = 0; i < s->ncompleted; i++) {
        const sr_batch_info *b = &s->completed[i];
        recs += b->records;
        if (b->sched_delay_ms >= 0)
            sched += b->sched_delay_ms, ns++;
        if (b->processing_ms >= 0)
            proc += b->processing_ms, np++;
        if (b->total_delay_ms >= 0)
            total += b->total_delay_ms, nt++;
    }
    averages a = { NAN, avg_ms(sched, ns), avg_ms(proc, np), avg_ms(total, nt) };
    if (s->ncompleted)
        a.input_rate = rate_of(recs, s->batch_ms) / s->ncompleted;
    return a;
}

static void render_statistics(jw *w, const sr_metrics_snapshot *s) {
    averages a = compute_averages(s);
    int active = 0;
    int64_t received = 0;
    for (int i = 0; i < s->nsources; i++) {
        active += s->sources[i].active;
        received += s->sources[i].records;
    }
    jw_open(w, '{');
    kv_gmt(w, "startTime", s->start_ms);
    kv_long(w, "batchDuration", s->batch_ms);
    kv_long(w, "numReceivers", s->nsources);
    kv_long(w, "numActiveReceivers", active);
    kv_long(w, "numInactiveReceivers", s->nsources - active);
    kv_long(w, "numTotalCompletedBatches", s->batches_done + s->batches_failed); /* Spark counts both */
    kv_long(w, "numRetainedCompletedBatches", s->ncompleted);
    kv_long(w, "numActiveBatches", s->nactive);
    kv_long(w, "numProcessedRecords", s->records);
    kv_long(w, "numReceivedRecords", received);
    if (isfinite(a.input_rate))
        kv_double(w, "avgInputRate", a.input_rate);
    if (a.sched >= 0)
        kv_long(w, "avgSchedulingDelay", a.sched);
    if (a.proc >= 0)
        kv_long(w, "avgProcessingTime", a.proc);
    if (a.total >= 0)
        kv_long(w, "avgTotalDelay", a.total);
    /* streamc extras */
    kv_str(w, "appName", sr_ui_app_name(s));
    kv_long(w, "uptime", s->now_ms - s->start_ms);
    kv_long(w, "numFailedBatches", s->batches_failed);
    kv_long(w, "numDroppedRecords", s->dropped);
    kv_long(w, "numWorkers", s->nworkers);
    kv_bool(w, "manualClock", s->manual_clock);
    kv_str(w, "version", s->version);
    jw_close(w, '}');
}

static void render_receiver(jw *w, const sr_metrics_snapshot *s, int i) {
    const sr_source_info *src = &s->sources[i];
    jw_open(w, '{');
    kv_long(w, "streamId", i);
    kv_str(w, "streamName", src->name ? src->name : "");
    kv_bool(w, "isActive", src->active);
    kv_str(w, "executorId", "driver");
    kv_str(w, "executorHost", "localhost");
    if (src->last_error) {
        if (src->last_error_ms > 0)
            kv_gmt(w, "lastErrorTime", src->last_error_ms);
        kv_str(w, "lastErrorMessage", src->last_error);
        kv_str(w, "lastError", src->last_error);
    }
    int64_t sum = 0;
    for (int k = 0; k < s->ncompleted; k++) {
        const sr_batch_info *b = &s->completed[k];
        sum += i < b->nsources && b->source_records ? b->source_records[i] : 0;
    }
    if (s->ncompleted && s->batch_ms > 0)
        kv_double(w, "avgEventRate", rate_of(sum, s->batch_ms) / s->ncompleted);
    jw_key(w, "eventRates");
    jw_open(w, '[');
    for (int k = 0; k < s->ncompleted; k++) {
        const sr_batch_info *b = &s->completed[k];
        jw_open(w, '[');
        jw_long(w, b->time_ms);
        jw_double(w, rate_of(i < b->nsources && b->source_records ? b->source_records[i] : 0,
                             s->batch_ms));
        jw_close(w, ']');
    }
    jw_close(w, ']');
    /* streamc extras */
    kv_str(w, "kind", src->kind);
    kv_long(w, "numRecords", src->records);
    if (src->nlags) {
        jw_key(w, "kafkaLag");
        jw_open(w, '[');
        for (int k = 0; k < src->nlags; k++) {
            jw_open(w, '{');
            kv_str(w, "topic", src->lags[k].topic);
            kv_long(w, "partition", src->lags[k].partition);
            kv_long(w, "lag", src->lags[k].lag);
            jw_close(w, '}');
        }
        jw_close(w, ']');
    }
    jw_close(w, '}');
}

static void render_batch(jw *w, const sr_metrics_snapshot *s, const sr_batch_info *b) {
    bool done = b->status == SR_BATCH_COMPLETED || b->status == SR_BATCH_FAILED;
    int ok = b->noutputs - b->nfailed_outputs;
    jw_open(w, '{');
    kv_long(w, "batchId", b->time_ms);
    kv_gmt(w, "batchTime", b->time_ms);
    kv_str(w, "status", sr_ui_status_name(b->status));
    kv_long(w, "batchDuration", s->batch_ms);
    kv_long(w, "inputSize", b->records);
    if (b->sched_delay_ms >= 0)
        kv_long(w, "schedulingDelay", b->sched_delay_ms);
    if (b->processing_ms >= 0)
        kv_long(w, "processingTime", b->processing_ms);
    if (b->total_delay_ms >= 0)
        kv_long(w, "totalDelay", b->total_delay_ms);
    kv_long(w, "numActiveOutputOps", done ? 0 : ok);
    kv_long(w, "numCompletedOutputOps", done ? ok : 0);
    kv_long(w, "numFailedOutputOps", b->nfailed_outputs);
    kv_long(w, "numTotalOutputOps", b->noutputs);
    if (b->failure)
        kv_str(w, "firstFailureReason", b->failure);
    /* streamc extras */
    if (b->nranges) {
        jw_key(w, "offsetRanges");
        jw_open(w, '[');
        for (int k = 0; k < b->nranges; k++) {
            const sr_range_info *r = &b->ranges[k];
            jw_open(w, '{');
            kv_str(w, "topic", r->topic);
            kv_long(w, "partition", r->partition);
            kv_long(w, "fromOffset", r->from);
            kv_long(w, "untilOffset", r->until);
            jw_close(w, '}');
        }
        jw_close(w, ']');
    }
    kv_long(w, "droppedRecords", b->dropped);
    kv_long(w, "batchIndex", b->index);
    if (b->replayed)
        kv_bool(w, "replayed", true);
    jw_close(w, '}');
}

static int newest_first(const void *x, const void *y) {
    const sr_batch_info *a = *(const sr_batch_info *const *)x, *b = *(const sr_batch_info *const *)y;
    return a->time_ms < b->time_ms ? 1 : a->time_ms > b->time_ms ? -1 : 0;
}

static void render_batches(jw *w, const sr_metrics_snapshot *s, unsigned statuses) {
    int n = 0, cap = s->ncompleted + s->nactive;
    const sr_batch_info **v = sr_xmalloc((size_t)(cap ? cap : 1) * sizeof *v);
    for (int i = 0; i < cap; i++) {
        const sr_batch_info *b = i < s->ncompleted ? &s->completed[i] : &s->active[i - s->ncompleted];
        if (!statuses || ((unsigned)b->status < 32 && (statuses & (1u << b->status))))
            v[n++] = b;
    }
    qsort(v, (size_t)n, sizeof *v, newest_first);
    jw_open(w, '[');
    for (int i = 0; i < n; i++)
        render_batch(w, s, v[i]);
    jw_close(w, ']');
    free(v);
}

static void render_app(jw *w, const sr_metrics_snapshot *s) {
    jw_open(w, '{');
    kv_str(w, "id", sr_ui_app_name(s));
    kv_str(w, "name", sr_ui_app_name(s));
    jw_key(w, "attempts");
    jw_open(w, '[');
    jw_open(w, '{');
    kv_gmt(w, "startTime", s->start_ms);
    kv_gmt(w, "endTime", -1); /* Spark's "not ended": 1969-12-31T23:59:59.999GMT */
    kv_gmt(w, "lastUpdated", s->now_ms);
    kv_long(w, "duration", s->now_ms - s->start_ms);
    kv_bool(w, "completed", false);
    kv_long(w, "startTimeEpoch", s->start_ms);
    kv_long(w, "endTimeEpoch", -1);
    kv_long(w, "lastUpdatedEpoch", s->now_ms);
    jw_close(w, '}');
    jw_close(w, ']');
    jw_close(w, '}');
}

/* ===================================================================== */
/* The answer of a JSON route                                             */
/* ===================================================================== */

int sr_ui_render_api(const sr_metrics_snapshot *s, const sr_ui_request *rq, sr_buf *out) {
    char msg[96];
    jw w = { .b = out };
    const sr_batch_info *b;
    switch (rq->rt) {
    case RT_NOT_FOUND:
    case RT_PAGE:
    case RT_METRICS: return 500; /* not JSON routes: sr_ui_respond answers them */
    case RT_APPS:
        jw_open(&w, '[');
        render_app(&w, s);
        jw_close(&w, ']');
        break;
    case RT_APP: render_app(&w, s); break;
    case RT_STATS: render_statistics(&w, s); break;
    case RT_RECEIVERS:
        jw_open(&w, '[');
        for (int i = 0; i < s->nsources; i++)
            render_receiver(&w, s, i);
        jw_close(&w, ']');
        break;
    case RT_RECEIVER:
        if (rq->arg < 0 || rq->arg >= s->nsources) {
            snprintf(msg, sizeof msg, "unknown receiver: %lld", (long long)rq->arg);
            sr_ui_json_error(out, msg);
            return 404;
        }
        render_receiver(&w, s, (int)rq->arg);
        break;
    case RT_BATCHES:
        if (rq->bad[0]) {
            snprintf(msg, sizeof msg, "unknown status: %s", rq->bad);
            sr_ui_json_error(out, msg); /* escapes the value */
            return 400;
        }
        render_batches(&w, s, rq->statuses);
        break;
    case RT_BATCH:
        if (!(b = sr_metrics_find_batch(s, rq->arg))) {
            snprintf(msg, sizeof msg, "unknown batch: %lld", (long long)rq->arg);
            sr_ui_json_error(out, msg);
            return 404;
        }
        render_batch(&w, s, b);
        break;
    }
    sr_buf_char(out, '\n');
    return 200;
}
