/* ui.c - the monitoring HTTP server: routing, JSON, Prometheus, the page.
 *
 * sr_ui_render turns a request line (method, target) and a metrics
 * snapshot into a status, a media type and a body; it needs no server, so
 * the unit tests call it directly. The server around it is libmicrohttpd
 * with its internal polling thread: one thread answers every connection,
 * event-driven, so a slow client only costs a socket. Limits: 64
 * connections, 32 KiB of memory each (longer request heads get 431), 10 s
 * of idleness. A request takes a snapshot only on the routes that show
 * data, and renders it without any lock held.
 *
 * The JSON routes follow Spark's REST API (/api/v1/.../streaming/...):
 * same field names, times as "yyyy-MM-dd'T'HH:mm:ss.SSS'GMT'", absent
 * values left out, averages over the retained completed batches (integer
 * milliseconds, like Spark's Option[Long]). Fields Spark does not have are
 * streamc extras, added after Spark's. Every string is valid JSON whatever
 * the bytes in the snapshot: invalid UTF-8 becomes U+FFFD.
 *
 * The page (runtime/ui_page.html, embedded as build/ui_page.h) is static
 * apart from the application name, HTML-escaped in place of @APP_NAME@; its
 * script draws everything else from the JSON routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "ui.h"
#include "ui_page.h" /* static const char ui_page[]: generated from ui_page.html */

#define CONN_LIMIT 64u
#define CONN_MEMORY ((size_t)32 * 1024)
#define CONN_TIMEOUT 10u /* seconds */
#define PATH_MAX_LEN 512 /* longer paths match no route */

#define TYPE_JSON "application/json; charset=utf-8"
#define TYPE_TEXT "text/plain; charset=utf-8"
#define TYPE_HTML "text/html; charset=utf-8"
#define TYPE_PROM "text/plain; version=0.0.4; charset=utf-8"

/* ===================================================================== */
/* Text: UTF-8, times, numbers                                            */
/* ===================================================================== */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid
 * (bad lead or continuation byte, overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Append s with the ASCII bytes for which esc() gives a replacement
 * replaced, valid UTF-8 kept, invalid bytes as U+FFFD. */
static void put_escaped(sr_buf *b, const char *s, const char *(*esc)(unsigned char c, char tmp[8])) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        if (*p < 0x80) {
            char tmp[8];
            const char *r = esc(*p, tmp);
            if (r)
                sr_buf_cstr(b, r);
            else
                sr_buf_char(b, (char)*p);
            p++, n--;
            continue;
        }
        size_t k = utf8_seq(p, n);
        if (k) {
            sr_buf_put(b, (const char *)p, k);
        } else {
            sr_buf_cstr(b, REPLACEMENT);
            k = 1;
        }
        p += k, n -= k;
    }
}

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

/* Prometheus label values: backslash, double quote, newline. */
static const char *esc_prom(unsigned char c, char tmp[8]) {
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    default: return NULL;
    }
}

/* HTML text and attribute values. */
static const char *esc_html(unsigned char c, char tmp[8]) {
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
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

/* A number for Prometheus: the shortest %g that reads back the same;
 * NaN, +Inf, -Inf. */
static void put_num(sr_buf *b, double v) {
    char tmp[40];
    if (isnan(v)) {
        sr_buf_cstr(b, "NaN");
        return;
    }
    if (isinf(v)) {
        sr_buf_cstr(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    sr_buf_cstr(b, tmp);
}

static const char *status_name(sr_batch_status st) {
    switch (st) {
    case SR_BATCH_QUEUED: return "QUEUED";
    case SR_BATCH_PROCESSING: return "PROCESSING";
    case SR_BATCH_COMPLETED: return "COMPLETED";
    case SR_BATCH_FAILED: return "FAILED";
    }
    return "UNKNOWN";
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
    put_escaped(w->b, s, esc_json);
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
static void json_error(sr_buf *out, const char *msg) {
    jw w = { .b = out };
    jw_open(&w, '{');
    kv_str(&w, "error", msg);
    jw_close(&w, '}');
    sr_buf_char(out, '\n');
}

/* ===================================================================== */
/* Requests and routes                                                    */
/* ===================================================================== */

typedef enum route {
    RT_NOT_FOUND, /* no such page */
    RT_PAGE,      /* / : the HTML page */
    RT_METRICS,   /* /metrics : Prometheus */
    RT_APPS,      /* /api/v1/applications */
    RT_APP,       /* /api/v1/applications/<id> */
    RT_STATS,     /* .../streaming/statistics */
    RT_RECEIVERS, /* .../streaming/receivers */
    RT_RECEIVER,  /* .../streaming/receivers/<streamId> */
    RT_BATCHES,   /* .../streaming/batches */
    RT_BATCH,     /* .../streaming/batches/<batchId> */
} route;

typedef struct request {
    bool method_ok;    /* GET or HEAD */
    route rt;
    int64_t arg;       /* RT_RECEIVER: stream id; RT_BATCH: batch time */
    unsigned statuses; /* ?status= as bits 1 << sr_batch_status; 0 = all */
    char bad[48];      /* an unknown ?status= value ("" = none) */
} request;

static int hexval(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out (cap bytes, NUL-terminated); `plus`
 * turns '+' into ' ' (query strings). -1 if it does not fit or decodes
 * to a NUL byte. */
static int url_decode(const char *s, size_t n, bool plus, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* s as a whole decimal number (optional '-'). */
static bool parse_long(const char *s, int64_t *v) {
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end || !(*s == '-' || (*s >= '0' && *s <= '9')))
        return false;
    *v = x;
    return true;
}

static const char *after(const char *s, const char *prefix) {
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* rest: what follows ".../streaming/". */
static route route_streaming(const char *rest, int64_t *arg) {
    const char *p;
    if (strcmp(rest, "statistics") == 0)
        return RT_STATS;
    if (strcmp(rest, "receivers") == 0)
        return RT_RECEIVERS;
    if ((p = after(rest, "receivers/")) && parse_long(p, arg))
        return RT_RECEIVER;
    if (strcmp(rest, "batches") == 0)
        return RT_BATCHES;
    if ((p = after(rest, "batches/")) && parse_long(p, arg))
        return RT_BATCH;
    return RT_NOT_FOUND;
}

/* A decoded path without its trailing '/'. The application routes take
 * any id (and an optional attempt id), like a one-application Spark. */
static route route_path(const char *path, int64_t *arg) {
    const char *p, *q;
    if (strcmp(path, "") == 0 || strcmp(path, "/index.html") == 0 || strcmp(path, "/streaming") == 0)
        return RT_PAGE;
    if (strcmp(path, "/metrics") == 0)
        return RT_METRICS;
    if ((p = after(path, "/api/v1/streaming/")))
        return route_streaming(p, arg);
    if (strcmp(path, "/api/v1/applications") == 0)
        return RT_APPS;
    if (!(p = after(path, "/api/v1/applications/")) || *p == '/' || !*p)
        return RT_NOT_FOUND;
    if (!(p = strchr(p, '/')))
        return RT_APP;
    if ((q = after(p + 1, "streaming/")))
        return route_streaming(q, arg);
    if ((p = strchr(p + 1, '/')) && (q = after(p + 1, "streaming/")))
        return route_streaming(q, arg);
    return RT_NOT_FOUND;
}

/* ?status=S (repeatable, any case), Spark's batch filter. */
static void parse_query(const char *q, request *rq) {
    while (*q) {
        size_t n = strcspn(q, "&;");
        const char *eq = memchr(q, '=', n);
        char key[16], val[48];
        if (eq && url_decode(q, (size_t)(eq - q), true, key, sizeof key) == 0 &&
            strcmp(key, "status") == 0) {
            if (url_decode(eq + 1, n - (size_t)(eq + 1 - q), true, val, sizeof val) != 0)
                snprintf(val, sizeof val, "(too long)");
            static const sr_batch_status all[] = { SR_BATCH_QUEUED, SR_BATCH_PROCESSING,
                                                   SR_BATCH_COMPLETED, SR_BATCH_FAILED };
            bool known = false;
            for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
                if (strcasecmp(val, status_name(all[i])) == 0) {
                    rq->statuses |= 1u << all[i];
                    known = true;
                }
            }
            if (!known && !rq->bad[0])
                snprintf(rq->bad, sizeof rq->bad, "%s", val[0] ? val : "(empty)");
        }
        q += n;
        if (*q)
            q++;
    }
}

static void parse_request(const char *method, const char *target, request *rq) {
    memset(rq, 0, sizeof *rq);
    rq->method_ok = method && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
    if (!target)
        target = "";
    size_t n = strcspn(target, "?#");
    char path[PATH_MAX_LEN];
    rq->rt = RT_NOT_FOUND;
    if (url_decode(target, n, false, path, sizeof path) != 0 || path[0] != '/')
        return;
    size_t len = strlen(path);
    while (len > 0 && path[len - 1] == '/')
        path[--len] = '\0';
    rq->rt = route_path(path, &rq->arg);
    if (target[n] == '?')
        parse_query(target + n + 1, rq);
}

/* Routes that show the run's data (need a snapshot). */
static bool route_needs_data(route rt) {
    switch (rt) {
    case RT_NOT_FOUND: return false;
    case RT_PAGE: return true; /* the application's name */
    case RT_METRICS:
    case RT_APPS:
    case RT_APP:
    case RT_STATS:
    case RT_RECEIVERS:
    case RT_RECEIVER:
    case RT_BATCHES:
    case RT_BATCH: return true;
    }
    return false;
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

static const char *app_name(const sr_metrics_snapshot *s) {
    return s->app ? s->app : "streamc";
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
    kv_str(w, "appName", app_name(s));
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
    kv_str(w, "status", status_name(b->status));
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
    kv_str(w, "id", app_name(s));
    kv_str(w, "name", app_name(s));
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
/* Prometheus                                                             */
/* ===================================================================== */

static void prom_head(sr_buf *b, const char *name, const char *type, const char *help) {
    sr_buf_cstr(b, "# HELP ");
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    sr_buf_cstr(b, help);
    sr_buf_cstr(b, "\n# TYPE ");
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    sr_buf_cstr(b, type);
    sr_buf_char(b, '\n');
}

/* name="value" (escaped), after a '{' or ','. */
static void prom_label(sr_buf *b, const char *name, const char *value) {
    sr_buf_cstr(b, name);
    sr_buf_cstr(b, "=\"");
    put_escaped(b, value ? value : "", esc_prom);
    sr_buf_char(b, '"');
}

static void prom_long(sr_buf *b, const char *name, int64_t v) {
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    sr_buf_long(b, v);
    sr_buf_char(b, '\n');
}

static void prom_num(sr_buf *b, const char *name, double v) {
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    put_num(b, v);
    sr_buf_char(b, '\n');
}

static void prom_histogram(sr_buf *b, const char *name, const char *help, const sr_histogram *h) {
    prom_head(b, name, "histogram", help);
    for (int i = 0; i <= SR_METRICS_NBUCKETS; i++) {
        sr_buf_cstr(b, name);
        sr_buf_cstr(b, "_bucket{le=\"");
        if (i < SR_METRICS_NBUCKETS)
            put_num(b, sr_metrics_bounds[i]);
        else
            sr_buf_cstr(b, "+Inf");
        sr_buf_cstr(b, "\"} ");
        sr_buf_long(b, i < SR_METRICS_NBUCKETS ? h->counts[i] : h->count);
        sr_buf_char(b, '\n');
    }
    sr_buf_cstr(b, name);
    sr_buf_cstr(b, "_sum ");
    put_num(b, h->sum);
    sr_buf_char(b, '\n');
    sr_buf_cstr(b, name);
    sr_buf_cstr(b, "_count ");
    sr_buf_long(b, h->count);
    sr_buf_char(b, '\n');
}

static void render_prometheus(sr_buf *b, const sr_metrics_snapshot *s) {
    prom_head(b, "streamc_build_info", "gauge", "streamc version and the C compiler of its runtime.");
    sr_buf_cstr(b, "streamc_build_info{");
    prom_label(b, "version", s->version);
    sr_buf_char(b, ',');
    prom_label(b, "compiler", s->compiler);
    sr_buf_cstr(b, ",app=\"");
    put_escaped(b, app_name(s), esc_prom);
    sr_buf_cstr(b, "\"} 1\n");

    prom_head(b, "streamc_batches_completed_total", "counter",
              "Batches completed since the start (failed ones not included).");
    prom_long(b, "streamc_batches_completed_total", s->batches_done);
    prom_head(b, "streamc_batches_failed_total", "counter", "Batches whose output failed.");
    prom_long(b, "streamc_batches_failed_total", s->batches_failed);

    prom_head(b, "streamc_records_total", "counter", "Input records taken from each source.");
    for (int i = 0; i < s->nsources; i++) {
        sr_buf_cstr(b, "streamc_records_total{");
        prom_label(b, "source", s->sources[i].name);
        sr_buf_cstr(b, "} ");
        sr_buf_long(b, s->sources[i].records);
        sr_buf_char(b, '\n');
    }
    prom_head(b, "streamc_records_dropped_total", "counter",
              "Records dropped by a run-time error (counted and skipped).");
    prom_long(b, "streamc_records_dropped_total", s->dropped);

    int waiting = 0;
    for (int i = 0; i < s->nactive; i++)
        waiting += s->active[i].status == SR_BATCH_QUEUED;
    prom_head(b, "streamc_batches_waiting", "gauge", "Batches due but not started.");
    prom_long(b, "streamc_batches_waiting", waiting);
    prom_head(b, "streamc_batch_interval_seconds", "gauge", "The batch interval.");
    prom_num(b, "streamc_batch_interval_seconds", (double)s->batch_ms / 1000.0);

    prom_histogram(b, "streamc_processing_seconds", "Processing time of the batches.", &s->processing);
    prom_histogram(b, "streamc_scheduling_delay_seconds",
                   "Time from a batch's time to the start of its processing.", &s->scheduling);
    prom_histogram(b, "streamc_total_delay_seconds", "Scheduling delay plus processing time.",
                   &s->total);

    prom_head(b, "streamc_state_keys", "gauge", "Keys held by each stateful operator.");
    for (int i = 0; i < s->nstates; i++) {
        sr_buf_cstr(b, "streamc_state_keys{");
        prom_label(b, "operator", s->states[i].id);
        sr_buf_char(b, ',');
        prom_label(b, "what", s->states[i].what);
        sr_buf_cstr(b, "} ");
        sr_buf_long(b, s->states[i].keys);
        sr_buf_char(b, '\n');
    }
    prom_head(b, "streamc_kafka_lag", "gauge",
              "Records of a Kafka partition not yet read (end offset - next offset).");
    for (int i = 0; i < s->nsources; i++) {
        for (int k = 0; k < s->sources[i].nlags; k++) {
            const sr_lag_info *l = &s->sources[i].lags[k];
            char part[16];
            snprintf(part, sizeof part, "%d", (int)l->partition);
            sr_buf_cstr(b, "streamc_kafka_lag{");
            prom_label(b, "topic", l->topic);
            sr_buf_char(b, ',');
            prom_label(b, "partition", part);
            sr_buf_char(b, ',');
            prom_label(b, "source", s->sources[i].name);
            sr_buf_cstr(b, "} ");
            sr_buf_long(b, l->lag);
            sr_buf_char(b, '\n');
        }
    }
    prom_head(b, "streamc_source_up", "gauge", "1 when a source is receiving (connected, reachable).");
    for (int i = 0; i < s->nsources; i++) {
        sr_buf_cstr(b, "streamc_source_up{");
        prom_label(b, "source", s->sources[i].name);
        sr_buf_cstr(b, s->sources[i].active ? "} 1\n" : "} 0\n");
    }
    prom_head(b, "streamc_uptime_seconds", "gauge", "Time since the start.");
    prom_num(b, "streamc_uptime_seconds", (double)(s->now_ms - s->start_ms) / 1000.0);
}

/* ===================================================================== */
/* The page                                                               */
/* ===================================================================== */

static void render_page(sr_buf *b, const sr_metrics_snapshot *s) {
    static const char mark[] = "@APP_NAME@";
    const char *p = ui_page, *q;
    while ((q = strstr(p, mark))) {
        sr_buf_put(b, p, (size_t)(q - p));
        put_escaped(b, s ? app_name(s) : "streamc", esc_html);
        p = q + sizeof mark - 1;
    }
    sr_buf_cstr(b, p);
}

/* ===================================================================== */
/* Rendering                                                              */
/* ===================================================================== */

static int respond(const sr_metrics_snapshot *s, const request *rq, sr_buf *out, const char **type) {
    char msg[96];
    *type = TYPE_JSON;
    if (!rq->method_ok) {
        *type = TYPE_TEXT;
        sr_buf_cstr(out, "405 Method Not Allowed: use GET or HEAD\n");
        return 405;
    }
    if (rq->rt == RT_NOT_FOUND) {
        *type = TYPE_TEXT;
        sr_buf_cstr(out, "404 Not Found\n");
        return 404;
    }
    if (rq->rt == RT_PAGE) {
        *type = TYPE_HTML;
        render_page(out, s);
        return 200;
    }
    if (!s) {
        json_error(out, "no metrics available");
        return 503;
    }
    if (rq->rt == RT_METRICS) {
        *type = TYPE_PROM;
        render_prometheus(out, s);
        return 200;
    }
    jw w = { .b = out };
    const sr_batch_info *b;
    switch (rq->rt) {
    case RT_NOT_FOUND:
    case RT_PAGE:
    case RT_METRICS: return 500; /* handled above */
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
            json_error(out, msg);
            return 404;
        }
        render_receiver(&w, s, (int)rq->arg);
        break;
    case RT_BATCHES:
        if (rq->bad[0]) {
            snprintf(msg, sizeof msg, "unknown status: %s", rq->bad);
            json_error(out, msg); /* escapes the value */
            return 400;
        }
        render_batches(&w, s, rq->statuses);
        break;
    case RT_BATCH:
        if (!(b = sr_metrics_find_batch(s, rq->arg))) {
            snprintf(msg, sizeof msg, "unknown batch: %lld", (long long)rq->arg);
            json_error(out, msg);
            return 404;
        }
        render_batch(&w, s, b);
        break;
    }
    sr_buf_char(out, '\n');
    return 200;
}

int sr_ui_render(const sr_metrics_snapshot *s, const char *method, const char *target, sr_buf *out,
                 const char **content_type) {
    request rq;
    parse_request(method, target, &rq);
    return respond(s, &rq, out, content_type);
}

/* ===================================================================== */
/* The server                                                             */
/* ===================================================================== */

struct sr_ui {
    struct MHD_Daemon *daemon;
    sr_metrics *m;
    int port;
};

/* Per request: the raw target (path and query) from the request line. */
typedef struct conn_req {
    bool answered;
    char target[];
} conn_req;

/* MHD's URI log callback: the only place that sees the query undecoded. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
    size_t n = strlen(uri);
    conn_req *r = malloc(sizeof *r + n + 1);
    if (r) {
        r->answered = false;
        memcpy(r->target, uri, n + 1);
    }
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode why) {
    free(*con_cls);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sr_log(SR_LOG_DEBUG, "UI: %s", msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    sr_ui *u = cls;
    conn_req *cr = *con_cls;
    if (cr && cr->answered) { /* a body we do not want: drop it */
        *upload_size = 0;
        return MHD_YES;
    }
    if (cr)
        cr->answered = true;
    request rq;
    parse_request(method, cr ? cr->target : url, &rq);
    sr_metrics_snapshot *s = NULL;
    if (rq.method_ok && route_needs_data(rq.rt) && u->m)
        s = sr_metrics_snapshot_take(u->m);
    sr_buf out = { 0 };
    const char *type;
    int status = respond(s, &rq, &out, &type);
    if (s)
        sr_metrics_snapshot_free(s);
    struct MHD_Response *r;
    if (out.len)
        r = MHD_create_response_from_buffer(out.len, out.ptr, MHD_RESPMEM_MUST_FREE);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        sr_buf_free(&out);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == 405)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (rq.rt == RT_PAGE && status == 200) {
        /* Self-contained: nothing may be loaded from elsewhere. */
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; script-src 'unsafe-inline'; "
                                "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The address to bind: "localhost", an IPv4 or an IPv6 address ([::1] too). */
static int resolve(const char *bind, struct sockaddr_storage *ss, socklen_t *len) {
    memset(ss, 0, sizeof *ss);
    if (strcmp(bind, "localhost") == 0)
        bind = "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, bind, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        *len = sizeof *v4;
        return 0;
    }
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(bind);
    if (n >= 2 && n < sizeof tmp && bind[0] == '[' && bind[n - 1] == ']') {
        memcpy(tmp, bind + 1, n - 2);
        tmp[n - 2] = '\0';
        bind = tmp;
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET6, bind, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        *len = sizeof *v6;
        return 0;
    }
    return -1;
}

/* A listening socket on ss at port (0: any); its fd, or -errno. */
static int listen_on(struct sockaddr_storage *ss, socklen_t len, int port) {
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on); /* restart over TIME_WAIT */
    if (bind(fd, (struct sockaddr *)ss, len) != 0 || listen(fd, 32) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int bound_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

sr_ui *sr_ui_start(const sr_ui_opts *o, sr_metrics *m, char *err, size_t errlen) {
    if (errlen)
        err[0] = '\0';
    if (o->port == 0)
        return NULL;
    const char *addr = o->bind && o->bind[0] ? o->bind : "127.0.0.1";
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (o->port < SR_UI_ANY_PORT || o->port > 65535) {
        snprintf(err, errlen, "bad UI port %d (1-65535)", o->port);
        return NULL;
    }
    if (resolve(addr, &ss, &sslen) != 0) {
        snprintf(err, errlen, "bad UI address '%s' (an IPv4 or IPv6 address, or localhost)", addr);
        return NULL;
    }
    int first = o->port == SR_UI_ANY_PORT ? 0 : o->port;
    int last = first;
    if (first && o->retries > 0)
        last = first + o->retries > 65535 ? 65535 : first + o->retries;
    int fd = -EADDRINUSE, port = first;
    for (; port <= last; port++) {
        fd = listen_on(&ss, sslen, port);
        if (fd >= 0 || fd != -EADDRINUSE)
            break;
    }
    if (fd < 0) {
        if (last > first)
            snprintf(err, errlen, "cannot listen on %s, ports %d-%d: %s", addr, first, last,
                     strerror(-fd));
        else
            snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, first, strerror(-fd));
        return NULL;
    }
    sr_ui *u = sr_xcalloc(1, sizeof *u);
    u->m = m;
    u->port = bound_port(fd);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    u->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, u, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
        CONN_TIMEOUT, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        on_done, NULL, MHD_OPTION_END);
    if (!u->daemon) {
        /* MHD may already have closed fd: a leak is safer than closing another's fd. */
        snprintf(err, errlen, "cannot start the UI server on %s port %d", addr, u->port);
        free(u);
        return NULL;
    }
    bool brackets = ss.ss_family == AF_INET6 && addr[0] != '[';
    char host[INET6_ADDRSTRLEN + 3];
    snprintf(host, sizeof host, "%s%s%s", brackets ? "[" : "", addr, brackets ? "]" : "");
    if (first && u->port != first)
        sr_log(SR_LOG_WARN, "UI port %d is in use; using port %d", first, u->port);
    sr_log(SR_LOG_INFO, "Monitoring UI at http://%s:%d/", host, u->port);
    return u;
}

int sr_ui_port(const sr_ui *u) {
    return u->port;
}

void sr_ui_stop(sr_ui *u) {
    if (!u)
        return;
    MHD_stop_daemon(u->daemon);
    free(u);
}
