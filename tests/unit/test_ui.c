/* test_ui.c - the monitoring server: the renderers on hand-made snapshots
 * (Spark's JSON shapes, averages, batch order and filters, escaping of
 * hostile names into always-valid JSON, Prometheus' text format, the
 * page), then the real server on a free loopback port (routes, methods,
 * oversized request heads, the next port when one is taken). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "metrics.h"
#include "runtime.h"
#include "ui.h"
#include "unit.h"

/* ===================================================================== */
/* A JSON validator (RFC 8259, strings must be valid UTF-8)               */
/* ===================================================================== */

typedef struct jp {
    const unsigned char *p, *end;
    int depth;
} jp;

static void j_ws(jp *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static int j_utf8(const unsigned char *p, const unsigned char *end) {
    int n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 0;
    if (!n || *p < 0xc2 || *p > 0xf4 || end - p < n)
        return 0;
    unsigned cp = *p & (0x7f >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static int j_string(jp *j) {
    if (j->p >= j->end || *j->p != '"')
        return 0;
    j->p++;
    while (j->p < j->end) {
        unsigned c = *j->p;
        if (c == '"') {
            j->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (++j->p >= j->end)
                return 0;
            if (*j->p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (j->p + i >= j->end || !strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
                        return 0;
                j->p += 5;
            } else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
                j->p++;
            } else {
                return 0;
            }
        } else if (c >= 0x80) {
            int n = j_utf8(j->p, j->end);
            if (!n)
                return 0;
            j->p += n;
        } else {
            j->p++;
        }
    }
    return 0;
}

static int j_digits(jp *j) {
    const unsigned char *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

static int j_number(jp *j) {
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!j_digits(j))
        return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!j_digits(j))
            return 0;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!j_digits(j))
            return 0;
    }
    return 1;
}

static int j_value(jp *j);

static int j_lit(jp *j, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
        return 0;
    j->p += n;
    return 1;
}

static int j_container(jp *j, char close) {
    j->p++;
    if (++j->depth > 64)
        return 0;
    j_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return 1;
    }
    for (;;) {
        if (close == '}') {
            if (!j_string(j))
                return 0;
            j_ws(j);
            if (j->p >= j->end || *j->p++ != ':')
                return 0;
        }
        if (!j_value(j))
            return 0;
        j_ws(j);
        if (j->p >= j->end)
            return 0;
        if (*j->p == ',') {
            j->p++;
            j_ws(j);
            continue;
        }
        if (*j->p++ != close)
            return 0;
        j->depth--;
        return 1;
    }
}

static int j_value(jp *j) {
    j_ws(j);
    if (j->p >= j->end)
        return 0;
    switch (*j->p) {
    case '{': return j_container(j, '}');
    case '[': return j_container(j, ']');
    case '"': return j_string(j);
    case 't': return j_lit(j, "true");
    case 'f': return j_lit(j, "false");
    case 'n': return j_lit(j, "null");
    default: return j_number(j);
    }
}

static int json_valid(const char *s) {
    jp j = { (const unsigned char *)s, (const unsigned char *)s + strlen(s), 0 };
    if (!j_value(&j))
        return 0;
    j_ws(&j);
    return j.p == j.end;
}

/* ===================================================================== */
/* Hand-made snapshots (allocated as metrics.h says; freed by             */
/* sr_metrics_snapshot_free)                                              */
/* ===================================================================== */

#define T0 1795000000000LL /* 2026-11-18T11:06:40.000GMT */

static char *sdup(const char *s) {
    return s ? strdup(s) : NULL;
}

static void set_batch(sr_batch_info *b, int64_t t, sr_batch_status st, int64_t recs, int64_t sched,
                      int64_t proc, int nsources) {
    memset(b, 0, sizeof *b);
    b->time_ms = t;
    b->index = (t - T0) / 2000;
    b->status = st;
    b->records = recs;
    b->nsources = nsources;
    b->source_records = calloc((size_t)nsources, sizeof *b->source_records);
    if (nsources)
        b->source_records[0] = recs; /* all from the first source */
    b->start_ms = sched >= 0 ? t + sched : -1;
    b->sched_delay_ms = sched;
    b->processing_ms = proc;
    b->total_delay_ms = sched >= 0 && proc >= 0 ? sched + proc : -1;
    b->noutputs = 2;
}

/* App "Word\"Count<b>", 2 s batches; completed batches at T0+2000 (10
 * records, 5 ms + 100 ms), T0+4000 (30, 15 + 300, FAILED), T0+6000 (20,
 * 10 + 200); T0+8000 processing, T0+10000 queued; two sources, the second
 * Kafka with a hostile name, one offset range, a lag; one state. */
static sr_metrics_snapshot *fake_snapshot(void) {
    sr_metrics_snapshot *s = calloc(1, sizeof *s);
    s->app = sdup("Word\"Count<b>");
    s->batch_ms = 2000;
    s->start_ms = T0;
    s->now_ms = T0 + 65000;
    s->nworkers = 2;
    s->version = SR_VERSION;
    s->compiler = "gcc \"12\"";
    s->batches_done = 41;
    s->batches_failed = 1;
    s->records = 60;
    s->dropped = 3;
    for (int i = 0; i < SR_METRICS_NBUCKETS; i++) {
        double le = sr_metrics_bounds[i];
        s->processing.counts[i] = (le >= 0.1) + (le >= 0.2) + (le >= 0.3);
        s->scheduling.counts[i] = 3;
        s->total.counts[i] = (le >= 0.25) + 2 * (le >= 0.5);
    }
    s->processing.count = s->scheduling.count = s->total.count = 3;
    s->processing.sum = 0.6;
    s->scheduling.sum = 0.03;
    s->total.sum = 0.63;

    s->nsources = 2;
    s->sources = calloc(2, sizeof *s->sources);
    s->sources[0] = (sr_source_info){ .name = sdup("socket localhost:9999"), .kind = sdup("socket"),
                                      .active = true, .records = 60 };
    s->sources[1] = (sr_source_info){ .name = sdup("kafka \"q\\\" \n\x01 caf\xc3\xa9 \xff\xfe end"),
                                      .kind = sdup("kafka"), .active = false, .records = 7,
                                      .last_error = sdup("broker down: \"x\"\n"),
                                      .last_error_ms = T0 + 7000 };
    s->sources[1].nlags = 1;
    s->sources[1].lags = calloc(1, sizeof *s->sources[1].lags);
    s->sources[1].lags[0] = (sr_lag_info){ sdup("events"), 3, 42 };

    s->ncompleted = 3;
    s->completed = calloc(3, sizeof *s->completed);
    set_batch(&s->completed[0], T0 + 2000, SR_BATCH_COMPLETED, 10, 5, 100, 2);
    set_batch(&s->completed[1], T0 + 4000, SR_BATCH_FAILED, 30, 15, 300, 2);
    s->completed[1].nfailed_outputs = 1;
    s->completed[1].failure = sdup("saveAsTextFiles: disk \"full\"");
    s->completed[1].dropped = 3;
    set_batch(&s->completed[2], T0 + 6000, SR_BATCH_COMPLETED, 20, 10, 200, 2);
    s->completed[2].nranges = 1;
    s->completed[2].ranges = calloc(1, sizeof *s->completed[2].ranges);
    s->completed[2].ranges[0] = (sr_range_info){ sdup("events"), 3, 100, 120 };

    s->nactive = 2;
    s->active = calloc(2, sizeof *s->active);
    set_batch(&s->active[0], T0 + 8000, SR_BATCH_PROCESSING, 0, 50, -1, 2);
    set_batch(&s->active[1], T0 + 10000, SR_BATCH_QUEUED, 0, -1, -1, 0);

    s->nstates = 1;
    s->states = calloc(1, sizeof *s->states);
    s->states[0] = (sr_state_info){ sdup("counts"), sdup("updateStateByKey at line 19"), 1234 };
    return s;
}

/* The body of `method target` (malloc'd, NUL-terminated). */
static char *render(const sr_metrics_snapshot *s, const char *method, const char *target, int *status,
                    const char **type) {
    sr_buf b = { 0 };
    const char *t = NULL;
    *status = sr_ui_render(s, method, target, &b, &t);
    if (type)
        *type = t;
    sr_buf_char(&b, '\0');
    return b.ptr;
}

static char *get(const sr_metrics_snapshot *s, const char *target, int *status) {
    return render(s, "GET", target, status, NULL);
}

/* The offset of the first occurrence of needle in hay, -1 if none. */
static long at(const char *hay, const char *needle) {
    const char *p = strstr(hay, needle);
    return p ? (long)(p - hay) : -1;
}

/* ===================================================================== */
/* JSON routes                                                            */
/* ===================================================================== */

static void test_statistics(void) {
    sr_metrics_snapshot *s = fake_snapshot();
    int st;
    const char *type;
    char *b = render(s, "GET", "/api/v1/streaming/statistics", &st, &type);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(type, "application/json; charset=utf-8");
    CU_ASSERT(json_valid(b));
    CU_ASSERT(at(b, "\"startTime\" : \"2026-11-18T11:06:40.000GMT\"") >= 0);
    CU_ASSERT(at(b, "\"batchDuration\" : 2000,") >= 0);
    CU_ASSERT(at(b, "\"numReceivers\" : 2,") >= 0);
    CU_ASSERT(at(b, "\"numActiveReceivers\" : 1,") >= 0);
    CU_ASSERT(at(b, "\"numInactiveReceivers\" : 1,") >= 0);
    CU_ASSERT(at(b, "\"numTotalCompletedBatches\" : 42,") >= 0);
    CU_ASSERT(at(b, "\"numRetainedCompletedBatches\" : 3,") >= 0);
    CU_ASSERT(at(b, "\"numActiveBatches\" : 2,") >= 0);
    CU_ASSERT(at(b, "\"numProcessedRecords\" : 60,") >= 0);
    CU_ASSERT(at(b, "\"numReceivedRecords\" : 67,") >= 0);
    /* 60 records in 3 batches of 2 s: 10 records/s */
    CU_ASSERT(at(b, "\"avgInputRate\" : 10.0,") >= 0);
    CU_ASSERT(at(b, "\"avgSchedulingDelay\" : 10,") >= 0);
    CU_ASSERT(at(b, "\"avgProcessingTime\" : 200,") >= 0);
    CU_ASSERT(at(b, "\"avgTotalDelay\" : 210,") >= 0);
    CU_ASSERT(at(b, "\"appName\" : \"Word\\\"Count<b>\"") >= 0);
    CU_ASSERT(at(b, "\"uptime\" : 65000,") >= 0);
    CU_ASSERT(at(b, "\"numDroppedRecords\" : 3,") >= 0);
    free(b);

    /* No completed batch: the averages are left out, like Spark's None. */
    for (int i = 0; i < s->ncompleted; i++) {
        free(s->completed[i].source_records);
        free(s->completed[i].failure);
        for (int k = 0; k < s->completed[i].nranges; k++)
            free(s->completed[i].ranges[k].topic);
        free(s->completed[i].ranges);
    }
    s->ncompleted = 0;
    b = get(s, "/api/v1/applications/app-1/streaming/statistics/", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(json_valid(b));
    CU_ASSERT(at(b, "\"numRetainedCompletedBatches\" : 0,") >= 0);
    CU_ASSERT(at(b, "avgInputRate") < 0);
    CU_ASSERT(at(b, "avgSchedulingDelay") < 0);
    CU_ASSERT(at(b, "avgProcessingTime") < 0);
    CU_ASSERT(at(b, "avgTotalDelay") < 0);
    free(b);
    sr_metrics_snapshot_free(s);
}

static void test_batches(void) {
    sr_metrics_snapshot *s = fake_snapshot();
    int st;
    char *b = get(s, "/api/v1/streaming/batches", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(json_valid(b));
    /* newest first, active ones included, each with its status */
    long p10 = at(b, "\"batchId\" : 1795000010000"), p8 = at(b, "\"batchId\" : 1795000008000"),
         p6 = at(b, "\"batchId\" : 1795000006000"), p4 = at(b, "\"batchId\" : 1795000004000"),
         p2 = at(b, "\"batchId\" : 1795000002000");
    CU_ASSERT(p10 >= 0 && p10 < p8 && p8 < p6 && p6 < p4 && p4 < p2);
    CU_ASSERT(at(b + p10, "\"status\" : \"QUEUED\"") >= 0 && at(b + p10, "\"status\" : \"QUEUED\"") < p8 - p10);
    CU_ASSERT(at(b + p8, "\"status\" : \"PROCESSING\"") >= 0 && at(b + p8, "\"status\" : \"PROCESSING\"") < p6 - p8);
    CU_ASSERT(at(b + p4, "\"status\" : \"FAILED\"") >= 0 && at(b + p4, "\"status\" : \"FAILED\"") < p2 - p4);
    CU_ASSERT(at(b + p2, "\"status\" : \"COMPLETED\"") >= 0);
    CU_ASSERT(at(b, "\"firstFailureReason\" : \"saveAsTextFiles: disk \\\"full\\\"\"") >= 0);
    CU_ASSERT(at(b, "\"batchTime\" : \"2026-11-18T11:06:46.000GMT\"") >= 0);
    /* the queued batch has no delays: left out */
    char *q = strndup(b + p10, (size_t)(p8 - p10));
    CU_ASSERT(at(q, "schedulingDelay") < 0);
    CU_ASSERT(at(q, "processingTime") < 0);
    CU_ASSERT(at(q, "totalDelay") < 0);
    CU_ASSERT(at(q, "\"numActiveOutputOps\" : 2,") >= 0);
    CU_ASSERT(at(q, "\"numCompletedOutputOps\" : 0,") >= 0);
    free(q);
    free(b);

    /* ?status= filters, any case, repeatable; an unknown status is a 400 */
    b = get(s, "/api/v1/streaming/batches?status=COMPLETED", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(at(b, "1795000006000") >= 0 && at(b, "1795000002000") >= 0);
    CU_ASSERT(at(b, "\"FAILED\"") < 0 && at(b, "\"QUEUED\"") < 0 && at(b, "\"PROCESSING\"") < 0);
    free(b);
    b = get(s, "/api/v1/streaming/batches?status=queued&status=Processing", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(at(b, "\"QUEUED\"") >= 0 && at(b, "\"PROCESSING\"") >= 0 && at(b, "\"COMPLETED\"") < 0);
    free(b);
    b = get(s, "/api/v1/streaming/batches?status=%22DONE%0A", &st);
    CU_ASSERT_EQUAL(st, 400);
    CU_ASSERT(json_valid(b));
    CU_ASSERT(at(b, "unknown status: \\\"DONE\\n") >= 0);
    free(b);
    b = get(s, "/api/v1/streaming/batches?status=FAILED", &st);
    CU_ASSERT(at(b, "1795000004000") >= 0 && at(b, "1795000006000") < 0);
    free(b);
    sr_metrics_snapshot_free(s);
}

static void test_one_batch(void) {
    sr_metrics_snapshot *s = fake_snapshot();
    int st;
    char *b = get(s, "/api/v1/streaming/batches/1795000006000", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(json_valid(b));
    CU_ASSERT(b[0] == '{');
    CU_ASSERT(at(b, "\"batchId\" : 1795000006000,") >= 0);
    CU_ASSERT(at(b, "\"inputSize\" : 20,") >= 0);
    CU_ASSERT(at(b, "\"schedulingDelay\" : 10,") >= 0);
    CU_ASSERT(at(b, "\"processingTime\" : 200,") >= 0);
    CU_ASSERT(at(b, "\"totalDelay\" : 210,") >= 0);
    CU_ASSERT(at(b, "\"numCompletedOutputOps\" : 2,") >= 0);
    CU_ASSERT(at(b, "\"numTotalOutputOps\" : 2,") >= 0);
    CU_ASSERT(at(b, "\"topic\" : \"events\"") >= 0);
    CU_ASSERT(at(b, "\"fromOffset\" : 100,") >= 0);
    CU_ASSERT(at(b, "\"untilOffset\" : 120") >= 0);
    CU_ASSERT(at(b, "firstFailureReason") < 0);
    free(b);

    b = get(s, "/api/v1/applications/x/1/streaming/batches/1795000008000", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(at(b, "\"PROCESSING\"") >= 0);
    CU_ASSERT(at(b, "offsetRanges") < 0);
    free(b);

    b = get(s, "/api/v1/streaming/batches/1795000007000", &st);
    CU_ASSERT_EQUAL(st, 404);
    CU_ASSERT(json_valid(b));
    CU_ASSERT(at(b, "\"error\" : \"unknown batch: 1795000007000\"") >= 0);
    free(b);
    b = get(s, "/api/v1/streaming/batches/abc", &st);
    CU_ASSERT_EQUAL(st, 404);
    free(b);
    b = get(s, "/api/v1/streaming/batches/99999999999999999999999", &st);
    CU_ASSERT_EQUAL(st, 404);
    free(b);
    sr_metrics_snapshot_free(s);
}

static void test_receivers_escaping(void) {
    sr_metrics_snapshot *s = fake_snapshot();
    int st;
    char *b = get(s, "/api/v1/streaming/receivers", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(json_valid(b));
    CU_ASSERT(at(b, "\"streamName\" : \"socket localhost:9999\"") >= 0);
    /* quote, backslash, newline, control char, valid UTF-8 kept, invalid bytes -> U+FFFD */
    CU_ASSERT(at(b, "\"streamName\" : \"kafka \\\"q\\\\\\\" \\n\\u0001 caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end\"") >= 0);
    CU_ASSERT(at(b, "\"isActive\" : false") >= 0);
    CU_ASSERT(at(b, "\"executorId\" : \"driver\"") >= 0);
    CU_ASSERT(at(b, "\"lastErrorTime\" : \"2026-11-18T11:06:47.000GMT\"") >= 0);
    CU_ASSERT(at(b, "\"lastErrorMessage\" : \"broker down: \\\"x\\\"\\n\"") >= 0);
    /* source 0: 60 records over 3 batches of 2 s */
    CU_ASSERT(at(b, "\"avgEventRate\" : 10.0") >= 0);
    CU_ASSERT(at(b, "1795000002000,\n") >= 0);
    CU_ASSERT(at(b, "\"lag\" : 42") >= 0);
    free(b);

    b = get(s, "/api/v1/streaming/receivers/1", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(json_valid(b) && b[0] == '{');
    CU_ASSERT(at(b, "\"streamId\" : 1,") >= 0);
    free(b);
    b = get(s, "/api/v1/streaming/receivers/2", &st);
    CU_ASSERT_EQUAL(st, 404);
    free(b);

    /* every JSON route stays valid with hostile bytes in every string */
    free(s->app);
    s->app = strdup("\"\\\x1f\x7f\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80</script>");
    const char *routes[] = { "/api/v1/streaming/statistics", "/api/v1/streaming/batches",
                             "/api/v1/streaming/receivers", "/api/v1/applications",
                             "/api/v1/applications/x", "/api/v1/streaming/batches/1795000004000" };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        b = get(s, routes[i], &st);
        CU_ASSERT_EQUAL(st, 200);
        if (!json_valid(b))
            fprintf(stderr, "\n  invalid JSON from %s:\n%s\n", routes[i], b);
        CU_ASSERT(json_valid(b));
        free(b);
    }
    b = get(s, "/api/v1/applications", &st);
    CU_ASSERT(b[0] == '[');
    CU_ASSERT(at(b, "\"completed\" : false") >= 0);
    CU_ASSERT(at(b, "\"startTime\" : \"2026-11-18T11:06:40.000GMT\"") >= 0);
    CU_ASSERT(at(b, "\"name\" : \"\\\"\\\\\\u001f\x7f\xef\xbf\xbd\xef\xbf\xbd") >= 0);
    free(b);
    sr_metrics_snapshot_free(s);
}

/* ===================================================================== */
/* Prometheus                                                             */
/* ===================================================================== */

static void test_prometheus(void) {
    sr_metrics_snapshot *s = fake_snapshot();
    int st;
    const char *type;
    char *b = render(s, "GET", "/metrics", &st, &type);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(type, "text/plain; version=0.0.4; charset=utf-8");
    CU_ASSERT(at(b, "streamc_build_info{version=\"" SR_VERSION "\",compiler=\"gcc \\\"12\\\"\"") >= 0);
    CU_ASSERT(at(b, "\nstreamc_batches_completed_total 41\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_batches_failed_total 1\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_records_total{source=\"socket localhost:9999\"} 60\n") >= 0);
    /* label values: \\ \" \n escaped, the rest UTF-8 */
    CU_ASSERT(at(b, "\nstreamc_records_total{source=\"kafka \\\"q\\\\\\\" \\n\x01 caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end\"} 7\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_records_dropped_total 3\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_batches_waiting 1\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_batch_interval_seconds 2\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_state_keys{operator=\"counts\",what=\"updateStateByKey at line 19\"} 1234\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_kafka_lag{topic=\"events\",partition=\"3\",source=\"kafka") >= 0);
    CU_ASSERT(at(b, "\nstreamc_source_up{source=\"socket localhost:9999\"} 1\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_uptime_seconds 65\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_bucket{le=\"0.005\"} 0\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_bucket{le=\"0.1\"} 1\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_bucket{le=\"0.25\"} 2\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_bucket{le=\"0.5\"} 3\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_bucket{le=\"600\"} 3\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_bucket{le=\"+Inf\"} 3\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_sum 0.6\n") >= 0);
    CU_ASSERT(at(b, "\nstreamc_processing_seconds_count 3\n") >= 0);

    /* Each histogram: NBUCKETS + 1 buckets, le increasing, counts
     * cumulative, +Inf last and equal to _count. */
    const char *hists[] = { "streamc_processing_seconds", "streamc_scheduling_delay_seconds",
                            "streamc_total_delay_seconds" };
    for (int h = 0; h < 3; h++) {
        char pat[96];
        snprintf(pat, sizeof pat, "\n%s_bucket{le=\"", hists[h]);
        const char *p = b;
        int n = 0;
        double last_le = -1;
        long last = -1;
        while ((p = strstr(p, pat))) {
            p += strlen(pat);
            double le = strncmp(p, "+Inf", 4) == 0 ? INFINITY : strtod(p, NULL);
            long c = strtol(strstr(p, "} ") + 2, NULL, 10);
            CU_ASSERT(le > last_le);
            CU_ASSERT(c >= last);
            last_le = le, last = c;
            n++;
        }
        CU_ASSERT_EQUAL(n, SR_METRICS_NBUCKETS + 1);
        CU_ASSERT(isinf(last_le));
        snprintf(pat, sizeof pat, "\n%s_count %ld\n", hists[h], last);
        CU_ASSERT(at(b, pat) >= 0);
        snprintf(pat, sizeof pat, "# TYPE %s histogram\n", hists[h]);
        CU_ASSERT(at(b, pat) >= 0);
    }
    /* HELP and TYPE for every metric, each line "name{labels} value" */
    const char *names[] = { "streamc_build_info", "streamc_batches_completed_total",
                            "streamc_batches_failed_total", "streamc_records_total",
                            "streamc_records_dropped_total", "streamc_batches_waiting",
                            "streamc_batch_interval_seconds", "streamc_state_keys", "streamc_kafka_lag",
                            "streamc_source_up", "streamc_uptime_seconds" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char pat[96];
        snprintf(pat, sizeof pat, "# HELP %s ", names[i]);
        CU_ASSERT(at(b, pat) >= 0);
        snprintf(pat, sizeof pat, "# TYPE %s ", names[i]);
        CU_ASSERT(at(b, pat) >= 0);
    }
    size_t len = strlen(b);
    CU_ASSERT(len > 0 && b[len - 1] == '\n');
    free(b);
    sr_metrics_snapshot_free(s);
}

/* ===================================================================== */
/* The page, methods, unknown paths                                       */
/* ===================================================================== */

static void test_page_and_routes(void) {
    sr_metrics_snapshot *s = fake_snapshot();
    int st;
    const char *type;
    char *b = render(s, "GET", "/", &st, &type);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(type, "text/html; charset=utf-8");
    CU_ASSERT(at(b, "<!DOCTYPE html>") == 0);
    CU_ASSERT(at(b, "<title>Word&quot;Count&lt;b&gt; - Streaming Statistics</title>") >= 0);
    CU_ASSERT(at(b, "<h1 id=\"app-name\">Word&quot;Count&lt;b&gt;</h1>") >= 0);
    CU_ASSERT(at(b, "Count<b>") < 0);
    CU_ASSERT(at(b, "@APP_NAME@") < 0);
    const char *ids[] = { "id=\"chart-input-rate\"", "id=\"chart-scheduling-delay\"",
                          "id=\"chart-processing\"", "id=\"chart-total-delay\"", "id=\"hist-processing\"",
                          "id=\"active-batches\"", "id=\"completed-batches\"", "id=\"sources\"" };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        CU_ASSERT(at(b, ids[i]) >= 0);
    /* self-contained: nothing fetched from elsewhere, no data as HTML */
    CU_ASSERT(at(b, "http://") < 0 && at(b, "https://") < 0 && at(b, "//cdn") < 0);
    CU_ASSERT(at(b, "innerHTML") < 0);
    CU_ASSERT(at(b, "</html>") >= 0);
    free(b);

    b = render(s, "HEAD", "/streaming/", &st, &type);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(type, "text/html; charset=utf-8");
    free(b);
    b = render(NULL, "GET", "/", &st, &type); /* no store yet */
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(at(b, "<title>streamc - ") >= 0);
    free(b);
    b = render(NULL, "GET", "/api/v1/streaming/statistics", &st, &type);
    CU_ASSERT_EQUAL(st, 503);
    CU_ASSERT(json_valid(b));
    free(b);

    b = render(s, "POST", "/api/v1/streaming/statistics", &st, &type);
    CU_ASSERT_EQUAL(st, 405);
    free(b);
    b = render(s, "DELETE", "/", &st, &type);
    CU_ASSERT_EQUAL(st, 405);
    free(b);
    b = render(s, NULL, NULL, &st, &type);
    CU_ASSERT_EQUAL(st, 405);
    free(b);
    const char *missing[] = { "/nope", "/api/v1", "/api/v1/streaming", "/api/v1/streaming/statisticsx",
                              "/api/v1/applications//streaming/statistics", "", "*",
                              "/api/v1/streaming/batches/1/operations", "/%00", "/%zz",
                              "/api/v1/applications/a/b/c/streaming/statistics", "../../etc/passwd" };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        b = render(s, "GET", missing[i], &st, &type);
        if (st != 404)
            fprintf(stderr, "\n  %s: %d\n", missing[i], st);
        CU_ASSERT_EQUAL(st, 404);
        CU_ASSERT_STRING_EQUAL(type, "text/plain; charset=utf-8");
        free(b);
    }
    /* a path longer than any route */
    char *lng = malloc(100001);
    memset(lng, 'a', 100000);
    lng[0] = '/';
    lng[100000] = '\0';
    b = render(s, "GET", lng, &st, &type);
    CU_ASSERT_EQUAL(st, 404);
    free(b);
    free(lng);
    /* percent-encoded and trailing-slash forms of real routes */
    b = render(s, "GET", "/api/v1/streaming/%62atches/1795000002000/", &st, &type);
    CU_ASSERT_EQUAL(st, 200);
    free(b);
    b = render(s, "GET", "/metrics?x=1", &st, &type);
    CU_ASSERT_EQUAL(st, 200);
    free(b);
    sr_metrics_snapshot_free(s);
}

/* ===================================================================== */
/* The server                                                             */
/* ===================================================================== */

/* Send req to 127.0.0.1:port and read the whole answer (malloc'd). */
static char *http(int port, const char *req, size_t reqlen) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { 5, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sr_buf b = { 0 };
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        size_t off = 0;
        while (off < reqlen) {
            ssize_t n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        char tmp[4096];
        ssize_t n;
        while ((n = recv(fd, tmp, sizeof tmp, 0)) > 0)
            sr_buf_put(&b, tmp, (size_t)n);
    }
    close(fd);
    sr_buf_char(&b, '\0');
    return b.ptr;
}

static char *http_get(int port, const char *method, const char *target) {
    char req[512];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                     method, target);
    return http(port, req, (size_t)n);
}

/* A port nobody listens on now, and a socket holding the one after it. */
static int listening_socket(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_server(void) {
    sr_log_level old = sr_log_get_level();
    sr_log_set_level(SR_LOG_ERROR);
    char err[256];

    /* off */
    sr_ui_opts o = SR_UI_OPTS_DEFAULT;
    o.port = 0;
    strcpy(err, "x");
    CU_ASSERT_PTR_NULL(sr_ui_start(&o, NULL, err, sizeof err));
    CU_ASSERT_STRING_EQUAL(err, "");
    o.port = SR_UI_ANY_PORT;
    o.bind = "not an address";
    CU_ASSERT_PTR_NULL(sr_ui_start(&o, NULL, err, sizeof err));
    CU_ASSERT(strstr(err, "not an address") != NULL);
    o.port = 70000;
    o.bind = NULL;
    CU_ASSERT_PTR_NULL(sr_ui_start(&o, NULL, err, sizeof err));
    CU_ASSERT(err[0] != '\0');

    /* a real store with two completed batches */
    sr_program prog = { 0 };
    prog.app_name = "Test <App>";
    prog.batch_ms = 1000;
    prog.noutputs = 1;
    sr_runtime rt = { 0 };
    rt.prog = &prog;
    rt.nworkers = 1;
    sr_metrics *m = sr_metrics_new(&rt);
    sr_metrics_batch_begin(m, 1000, 1, false, 3000);
    sr_metrics_batch_end(m, &rt, 40000, 0, NULL);
    sr_metrics_batch_begin(m, 2000, 2, false, 5000);
    sr_metrics_batch_end(m, &rt, 60000, 0, NULL);

    o = SR_UI_OPTS_DEFAULT;
    o.port = SR_UI_ANY_PORT;
    o.bind = "localhost";
    sr_ui *u = sr_ui_start(&o, m, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    int port = sr_ui_port(u);
    CU_ASSERT(port > 0);

    char *r = http_get(port, "GET", "/api/v1/streaming/statistics");
    CU_ASSERT(strncmp(r, "HTTP/1.1 200", 12) == 0);
    CU_ASSERT(strcasestr(r, "Content-Type: application/json") != NULL);
    CU_ASSERT(strstr(r, "\"numTotalCompletedBatches\" : 2,") != NULL);
    CU_ASSERT(strstr(r, "\"avgProcessingTime\" : 50,") != NULL);
    CU_ASSERT(strstr(r, "\r\n\r\n") && json_valid(strstr(r, "\r\n\r\n") + 4));
    free(r);
    r = http_get(port, "GET", "/api/v1/streaming/batches?status=COMPLETED");
    CU_ASSERT(strncmp(r, "HTTP/1.1 200", 12) == 0);
    CU_ASSERT(strstr(r, "\"batchId\" : 2000,") && strstr(r, "\"batchId\" : 2000,") < strstr(r, "\"batchId\" : 1000,"));
    free(r);
    r = http_get(port, "GET", "/api/v1/streaming/batches?status=nope");
    CU_ASSERT(strncmp(r, "HTTP/1.1 400", 12) == 0);
    free(r);
    r = http_get(port, "GET", "/");
    CU_ASSERT(strncmp(r, "HTTP/1.1 200", 12) == 0);
    CU_ASSERT(strcasestr(r, "Content-Type: text/html") != NULL);
    CU_ASSERT(strcasestr(r, "Content-Security-Policy: default-src 'none'") != NULL);
    CU_ASSERT(strstr(r, "<title>Test &lt;App&gt; - Streaming Statistics</title>") != NULL);
    free(r);
    r = http_get(port, "HEAD", "/metrics");
    CU_ASSERT(strncmp(r, "HTTP/1.1 200", 12) == 0);
    CU_ASSERT(strcasestr(r, "Content-Type: text/plain; version=0.0.4") != NULL);
    CU_ASSERT(strstr(r, "streamc_") == NULL); /* no body */
    free(r);
    r = http_get(port, "GET", "/metrics");
    CU_ASSERT(strstr(r, "\nstreamc_batches_completed_total 2\n") != NULL);
    free(r);
    r = http_get(port, "POST", "/");
    CU_ASSERT(strncmp(r, "HTTP/1.1 405", 12) == 0);
    CU_ASSERT(strcasestr(r, "Allow: GET, HEAD") != NULL);
    free(r);
    r = http_get(port, "GET", "/nothing/here");
    CU_ASSERT(strncmp(r, "HTTP/1.1 404", 12) == 0);
    free(r);
    /* a POST with a body, then a head far over the memory limit: answered or dropped */
    const char post[] = "POST /api/v1/streaming/batches HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n"
                        "Connection: close\r\n\r\nhello world";
    r = http(port, post, sizeof post - 1);
    CU_ASSERT(strncmp(r, "HTTP/1.1 405", 12) == 0);
    free(r);
    size_t big = 200 * 1024;
    char *huge = malloc(big + 64);
    int n = snprintf(huge, 64, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(huge + n, 'a', big);
    memcpy(huge + n + big, "\r\n\r\n", 4);
    r = http(port, huge, (size_t)n + big + 4);
    CU_ASSERT(r[0] == '\0' || strncmp(r, "HTTP/1.1 4", 10) == 0);
    free(r);
    free(huge);
    r = http(port, "\x01\x02 garbage\r\n\r\n", 14);
    CU_ASSERT(r[0] == '\0' || strncmp(r, "HTTP/1.1 4", 10) == 0);
    free(r);
    r = http_get(port, "GET", "/api/v1/applications"); /* still serving */
    CU_ASSERT(strncmp(r, "HTTP/1.1 200", 12) == 0);
    CU_ASSERT(strstr(r, "\"name\" : \"Test <App>\"") != NULL);
    free(r);

    /* the next port when one is taken; none when retries are off */
    int taken = 0;
    int hold = listening_socket(&taken);
    CU_ASSERT_FATAL(hold >= 0);
    o.bind = "127.0.0.1";
    o.port = taken;
    o.retries = 0;
    CU_ASSERT_PTR_NULL(sr_ui_start(&o, m, err, sizeof err));
    CU_ASSERT(strstr(err, "in use") != NULL);
    o.retries = SR_UI_RETRIES;
    sr_ui *u2 = sr_ui_start(&o, m, err, sizeof err);
    if (taken + SR_UI_RETRIES <= 65535) {
        CU_ASSERT_PTR_NOT_NULL(u2);
        if (u2) {
            CU_ASSERT(sr_ui_port(u2) > taken && sr_ui_port(u2) <= taken + SR_UI_RETRIES);
            r = http_get(sr_ui_port(u2), "GET", "/api/v1/streaming/receivers");
            CU_ASSERT(strncmp(r, "HTTP/1.1 200", 12) == 0);
            free(r);
        }
    }
    sr_ui_stop(u2);
    close(hold);

    sr_ui_stop(u);
    sr_ui_stop(NULL);
    r = http_get(port, "GET", "/"); /* closed */
    CU_ASSERT(r[0] == '\0');
    free(r);
    sr_metrics_free(m);
    sr_log_set_level(old);
}

UNIT_SUITE(ui,
           { "statistics: Spark's fields and averages", test_statistics },
           { "batches: newest first, statuses, ?status=", test_batches },
           { "one batch by time, 404 when not kept", test_one_batch },
           { "receivers, JSON escaping of hostile strings", test_receivers_escaping },
           { "Prometheus text format", test_prometheus },
           { "page, methods, unknown paths", test_page_and_routes },
           { "server on a free loopback port", test_server })
