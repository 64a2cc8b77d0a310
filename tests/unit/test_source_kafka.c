/* test_source_kafka.c - the Kafka direct source against librdkafka's
 * in-process mock cluster (rdkafka_mock.h): records put in with a producer
 * are read back through source.h as exact offset ranges (no gaps, no
 * duplicates, each batch starting where the last ended), bounded by
 * maxRatePerPartition and by the backpressure estimate; receipts replay
 * byte-identical records; checkpoint positions, committed offsets,
 * fromOffsets and auto.offset.reset decide where a source starts; a topic
 * that appears is picked up by a pattern (the mock cannot add partitions
 * to a topic); a broker that goes down and comes back, or a read that runs
 * out of time, loses and doubles nothing; start errors are clear. The last
 * case runs whole programs through sr_main: commits after the outputs,
 * positions in a checkpoint directory, a run killed in a batch and
 * restarted (the batch is replayed with its ranges). One mock cluster
 * serves the suite; each case has its own topics and groups. */
#include <CUnit/CUnit.h>
#include <ftw.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"
#include "source_impl.h"
#include "unit.h"

/* ===================================================================== */
/* The mock cluster and a producer                                        */
/* ===================================================================== */

typedef struct kmock {
    rd_kafka_t *host;               /* the handle that owns the cluster */
    rd_kafka_mock_cluster_t *mc;
    rd_kafka_t *prod;
    char bootstrap[256];
} kmock;

static int delivery_failures;

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err)
        delivery_failures++;
}

static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[256];
    CU_ASSERT_EQUAL(rd_kafka_conf_set(c, k, v, err, sizeof err), RD_KAFKA_CONF_OK);
}

static void mock_up(kmock *m, int brokers) {
    char err[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(c, quiet_log);
    m->host = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->host);
    m->mc = rd_kafka_mock_cluster_new(m->host, brokers);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->mc);
    snprintf(m->bootstrap, sizeof m->bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(m->mc));
    c = rd_kafka_conf_new();
    set(c, "bootstrap.servers", m->bootstrap);
    set(c, "linger.ms", "0");
    set(c, "reconnect.backoff.ms", "10");
    set(c, "reconnect.backoff.max.ms", "100");
    rd_kafka_conf_set_log_cb(c, quiet_log);
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    m->prod = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->prod);
    delivery_failures = 0;
}

static kmock shared;

static void mock_down(void) {
    rd_kafka_destroy(shared.prod);
    rd_kafka_mock_cluster_destroy(shared.mc);
    rd_kafka_destroy(shared.host);
}

/* The suite's cluster (2 brokers), started by the first test that needs it
 * and stopped at exit (starting and stopping one takes a second); each
 * test uses its own topics and groups. */
static kmock *mock(void) {
    if (!shared.mc) {
        mock_up(&shared, 2);
        atexit(mock_down);
    }
    delivery_failures = 0;
    return &shared;
}

/* A topic of n partitions, known to the producer at once (it would learn
 * of it only at its next 1-second scan). */
static void make_topic(kmock *m, const char *topic, int n) {
    CU_ASSERT_EQUAL(rd_kafka_mock_topic_create(m->mc, topic, n, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(m->prod, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    CU_ASSERT_EQUAL(rd_kafka_metadata(m->prod, 0, rkt, &md, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
}

/* One record (key NULL: a null key); delivered by flush(). */
static void produce(kmock *m, const char *topic, int partition, const char *key, const char *value) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        m->prod, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key, key ? strlen(key) : 0), RD_KAFKA_V_VALUE((void *)value, strlen(value)),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    CU_ASSERT_EQUAL(err, RD_KAFKA_RESP_ERR_NO_ERROR);
}

static void flush(kmock *m) {
    CU_ASSERT_EQUAL(rd_kafka_flush(m->prod, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    CU_ASSERT_EQUAL(delivery_failures, 0);
}

/* `n` records "<prefix><i>" (keys "k<i>" on even i) into one partition. */
static void produce_n(kmock *m, const char *topic, int partition, const char *prefix, int from, int n) {
    for (int i = from; i < from + n; i++) {
        char key[32], value[64];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(value, sizeof value, "%s%d", prefix, i);
        produce(m, topic, partition, i % 2 == 0 ? key : NULL, value);
    }
    flush(m);
}

/* ===================================================================== */
/* The source                                                             */
/* ===================================================================== */

typedef struct kspec {
    const char *group;              /* NULL: none */
    const char *reset;              /* auto.offset.reset, NULL: not given */
    const char *topic;              /* Subscribe to this one topic */
    const char *pattern;            /* or SubscribePattern */
    const sr_kafka_assign *assign;  /* or Assign */
    int nassign;
    const char *extra_key, *extra_value;
    sr_source_opts opts;
} kspec;

static sr_source *open_kafka(const kmock *m, const kspec *ks, char *err, size_t errlen) {
    sr_conf_kv params[16];
    int n = 0;
    params[n++] = (sr_conf_kv){ "bootstrap.servers", m ? m->bootstrap : "127.0.0.1:1" };
    const char *deser = "org.apache.kafka.common.serialization.StringDeserializer";
    params[n++] = (sr_conf_kv){ "key.deserializer", deser };
    params[n++] = (sr_conf_kv){ "value.deserializer", deser };
    params[n++] = (sr_conf_kv){ "enable.auto.commit", "false" };
    params[n++] = (sr_conf_kv){ "topic.metadata.refresh.interval.ms", "100" };
    params[n++] = (sr_conf_kv){ "reconnect.backoff.ms", "10" };
    params[n++] = (sr_conf_kv){ "reconnect.backoff.max.ms", "100" };
    if (ks->group)
        params[n++] = (sr_conf_kv){ "group.id", ks->group };
    if (ks->reset)
        params[n++] = (sr_conf_kv){ "auto.offset.reset", ks->reset };
    if (ks->extra_key)
        params[n++] = (sr_conf_kv){ ks->extra_key, ks->extra_value };
    const char *topics[1] = { ks->topic };
    sr_source_spec spec = {
        .kind = SR_SOURCE_KAFKA,
        .kafka_params = params,
        .nkafka_params = n,
        .topics = ks->topic ? topics : NULL,
        .ntopics = ks->topic ? 1 : 0,
        .pattern = ks->pattern,
        .assign = ks->assign,
        .nassign = ks->nassign,
    };
    sr_source_opts opts = ks->opts;
    if (!opts.batch_ms)
        opts.batch_ms = 200;
    if (!opts.kafka_start_timeout_ms)
        opts.kafka_start_timeout_ms = 5000;
    err[0] = '\0';
    return sr_source_open(&spec, &opts, err, errlen);
}

/* Open and start; NULL (with the error shown) on failure. */
static sr_source *start_kafka(const kmock *m, const kspec *ks) {
    char err[512];
    sr_source *s = open_kafka(m, ks, err, sizeof err);
    if (!s) {
        fprintf(stderr, "open: %s\n", err);
        return NULL;
    }
    if (sr_source_start(s, err, sizeof err) != 0) {
        fprintf(stderr, "start: %s\n", err);
        sr_source_free(s);
        return NULL;
    }
    return s;
}

/* A batch, as text: the records "t/p@offset key=value" one per line, in
 * partition order, and the ranges "t/p[from,until) ...". Checks that the
 * records fit their ranges. */
typedef struct took {
    sr_buf recs, ranges;
    int nparts;
    int64_t n, bytes;
} took;

static void took_free(took *t) {
    sr_buf_free(&t->recs);
    sr_buf_free(&t->ranges);
    memset(t, 0, sizeof *t);
}

static void describe(sr_source *s, sr_arena *a, const sr_lines *out, took *t) {
    sr_buf_clear(&t->recs);
    sr_buf_clear(&t->ranges);
    sr_seq ranges = sr_source_offset_ranges(s, a);
    t->nparts = out->nparts;
    t->n = out->n;
    t->bytes = out->bytes;
    CU_ASSERT_EQUAL(ranges.len, out->nparts);
    int64_t total = 0;
    for (int i = 0; i < out->nparts && i < ranges.len; i++) {
        const sr_offset_range *r = &SR_SEQ_AT(sr_offset_range, ranges, i);
        char line[256];
        snprintf(line, sizeof line, "%s%.*s/%d[%lld,%lld)", i ? " " : "", (int)r->topic.len, r->topic.ptr,
                 (int)r->partition, (long long)r->from, (long long)r->until);
        sr_buf_cstr(&t->ranges, line);
        int64_t prev = -1;
        for (int64_t j = 0; j < out->parts[i].len; j++) {
            const sr_krec *k = &SR_SEQ_AT(sr_krec, out->parts[i], j);
            CU_ASSERT(k->offset >= r->from && k->offset < r->until && k->offset > prev);
            CU_ASSERT(k->partition == r->partition && sr_str_eq(k->topic, r->topic));
            CU_ASSERT(k->timestamp > 0);
            prev = k->offset;
            snprintf(line, sizeof line, "%.*s/%d@%lld %.*s=%.*s\n", (int)k->topic.len, k->topic.ptr,
                     (int)k->partition, (long long)k->offset, k->key.ptr ? (int)k->key.len : 4,
                     k->key.ptr ? k->key.ptr : "null", (int)k->value.len, k->value.ptr);
            sr_buf_cstr(&t->recs, line);
        }
        total += out->parts[i].len;
    }
    CU_ASSERT_EQUAL(total, out->n);
    sr_buf_char(&t->recs, '\0');
    t->recs.len--;
    sr_buf_char(&t->ranges, '\0');
    t->ranges.len--;
}

/* One batch (with its receipt appended to `receipt` if not NULL). */
static void take(sr_source *s, took *t, sr_buf *receipt) {
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_source_take_receipt(s, 0, &a, &out, receipt);
    describe(s, &a, &out, t);
    sr_arena_free(&a);
}

static void replay(sr_source *s, const sr_buf *receipt, took *t) {
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_dec d = { receipt->ptr, receipt->ptr + receipt->len, false };
    sr_source_replay(s, &d, &a, &out);
    describe(s, &a, &out, t);
    sr_arena_free(&a);
}

#define RECS(t) ((t).recs.ptr ? (t).recs.ptr : "")
#define RANGES(t) ((t).ranges.ptr ? (t).ranges.ptr : "")

/* Capture stderr (the log) while a test runs, at `level`. */
typedef struct capture {
    int saved;
    FILE *f;
    sr_log_level level;
} capture;

static void capture_begin(capture *c, sr_log_level level) {
    c->level = sr_log_get_level();
    sr_log_set_level(level);
    fflush(stderr);
    c->f = tmpfile();
    c->saved = dup(2);
    dup2(fileno(c->f), 2);
}

static char *capture_end(capture *c) {
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    sr_log_set_level(c->level);
    long n = lseek(fileno(c->f), 0, SEEK_END);
    char *text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
    if (n > 0 && pread(fileno(c->f), text, (size_t)n, 0) < 0)
        text[0] = '\0';
    fclose(c->f);
    return text;
}

static int count_of(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* ===================================================================== */
/* Ranges                                                                 */
/* ===================================================================== */

static void test_exact_ranges(void) {
    kmock *m = mock();
    make_topic(m, "ex", 2);
    produce_n(m, "ex", 0, "a", 0, 3);
    produce_n(m, "ex", 1, "b", 0, 2);
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    kspec ks = { .group = "g", .reset = "earliest", .topic = "ex" };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(sr_source_key(s), "kafka topics ex @g");
    took t = { 0 };
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "ex/0[0,3) ex/1[0,2)");
    CU_ASSERT_STRING_EQUAL(RECS(t), "ex/0@0 k0=a0\nex/0@1 null=a1\nex/0@2 k2=a2\n"
                                    "ex/1@0 k0=b0\nex/1@1 null=b1\n");
    CU_ASSERT_EQUAL(t.nparts, 2);
    CU_ASSERT_EQUAL(t.n, 5);
    CU_ASSERT_EQUAL(t.bytes, 2 + 2 + 2 + 2 + 2 + 2 + 2 + 2); /* keys k0 k2 k0, values */

    take(s, &t, NULL); /* nothing new: empty ranges at the ends */
    CU_ASSERT_STRING_EQUAL(RANGES(t), "ex/0[3,3) ex/1[2,2)");
    CU_ASSERT_EQUAL(t.n, 0);

    produce_n(m, "ex", 0, "a", 3, 4);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "ex/0[3,7) ex/1[2,2)");
    CU_ASSERT_STRING_EQUAL(RECS(t), "ex/0@3 null=a3\nex/0@4 k4=a4\nex/0@5 null=a5\nex/0@6 k6=a6\n");

    /* many records, several takes while producing: each record once, in order */
    int64_t next = 7, seen = 0;
    for (int round = 0; round < 5; round++) {
        produce_n(m, "ex", 0, "x", 100 * round, 100 + round);
        take(s, &t, NULL);
        char want[64];
        snprintf(want, sizeof want, "ex/0[%lld,%lld) ex/1[2,2)", (long long)next,
                 (long long)(next + 100 + round));
        CU_ASSERT_STRING_EQUAL(RANGES(t), want);
        CU_ASSERT_EQUAL(t.n, 100 + round);
        next += 100 + round;
        seen += t.n;
    }
    CU_ASSERT_EQUAL(seen, 510);
    took_free(&t);
    sr_source_free(s);
    sr_log_set_level(lvl);
}

static void test_max_rate(void) {
    kmock *m = mock();
    make_topic(m, "r", 2);
    produce_n(m, "r", 0, "a", 0, 7);
    produce_n(m, "r", 1, "b", 0, 2);
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    /* 2 records/s per partition, 1.5 s batches: 3 per partition and batch */
    kspec ks = { .group = "g", .reset = "earliest", .topic = "r",
                 .opts = { .batch_ms = 1500, .max_rate_per_partition = 2 } };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    took t = { 0 };
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "r/0[0,3) r/1[0,2)");
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "r/0[3,6) r/1[2,2)");
    CU_ASSERT_STRING_EQUAL(RECS(t), "r/0@3 null=a3\nr/0@4 k4=a4\nr/0@5 null=a5\n");
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "r/0[6,7) r/1[2,2)");
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "r/0[7,7) r/1[2,2)");
    sr_source_free(s);

    /* a rate below one record per batch still takes minRatePerPartition (1) */
    kspec slow = { .group = "g", .reset = "earliest", .topic = "r",
                   .opts = { .batch_ms = 500, .max_rate_per_partition = 1 } };
    s = start_kafka(m, &slow);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "r/0[0,1) r/1[0,1)");
    sr_source_free(s);
    took_free(&t);
    sr_log_set_level(lvl);
}

static void test_backpressure(void) {
    kmock *m = mock();
    make_topic(m, "bp", 2);
    produce_n(m, "bp", 0, "a", 0, 6);
    produce_n(m, "bp", 1, "b", 0, 2);
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    /* before any estimate, initialRate (4 records/s) is shared by lag: 3 and 1 */
    kspec ks = { .group = "g", .reset = "earliest", .topic = "bp",
                 .opts = { .batch_ms = 1000, .backpressure = true, .backpressure_initial_rate = 4 } };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    took t = { 0 };
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "bp/0[0,3) bp/1[0,1)");
    /* the estimator learns from finished batches: 4 records in 100 ms is
     * about 40 records/s, enough for everything left */
    sr_source_batch_done(s, 4, 100, 0);
    usleep(5 * 1000);
    sr_source_batch_done(s, 4, 100, 0);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "bp/0[3,6) bp/1[1,2)");
    sr_source_free(s);

    /* bad estimator settings are refused at open */
    kspec bad = { .group = "g", .topic = "bp",
                  .opts = { .backpressure = true, .pid_proportional = 1, .pid_min_rate = -1 } };
    char err[512];
    CU_ASSERT_PTR_NULL(open_kafka(m, &bad, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "Minimum rate in PIDRateEstimator should be > 0"));
    took_free(&t);
    sr_log_set_level(lvl);
}

/* A read that runs out of time (slow brokers) ends its ranges where it
 * stopped; the next batch reads the rest: nothing lost or doubled. */
static void test_read_timeout(void) {
    kmock *m = mock();
    make_topic(m, "rt", 1);
    produce_n(m, "rt", 0, "a", 0, 3);
    capture c;
    capture_begin(&c, SR_LOG_WARN);
    kspec ks = { .group = "g", .reset = "earliest", .topic = "rt",
                 .opts = { .batch_ms = 2000, .kafka_poll_ms = 150 } };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL(s);
    took t = { 0 };
    if (s) {
        rd_kafka_mock_broker_set_rtt(m->mc, 1, 400);
        rd_kafka_mock_broker_set_rtt(m->mc, 2, 400);
        take(s, &t, NULL);
        rd_kafka_mock_broker_set_rtt(m->mc, 1, 0);
        rd_kafka_mock_broker_set_rtt(m->mc, 2, 0);
        CU_ASSERT_STRING_EQUAL(RANGES(t), "rt/0[0,0)");
        take(s, &t, NULL);
        CU_ASSERT_STRING_EQUAL(RANGES(t), "rt/0[0,3)");
        CU_ASSERT_STRING_EQUAL(RECS(t), "rt/0@0 k0=a0\nrt/0@1 null=a1\nrt/0@2 k2=a2\n");
        sr_source_free(s);
    }
    char *log = capture_end(&c);
    CU_ASSERT_PTR_NOT_NULL(
        strstr(log, "rt/0: only [0, 0) of [0, 3) could be read (nothing came for 150 ms)"));
    free(log);
    took_free(&t);
}

/* ===================================================================== */
/* Recovery: receipts and positions                                       */
/* ===================================================================== */

static void test_replay_and_restore(void) {
    kmock *m = mock();
    make_topic(m, "c", 2);
    produce_n(m, "c", 0, "a", 0, 4);
    produce_n(m, "c", 1, "b", 0, 3);
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    kspec ks = { .group = "g", .reset = "earliest", .topic = "c",
                 .opts = { .batch_ms = 1000, .max_rate_per_partition = 2 } };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    took t1 = { 0 }, t2 = { 0 }, r = { 0 };
    sr_buf rc1 = { 0 }, rc2 = { 0 }, pos = { 0 };
    take(s, &t1, &rc1);
    take(s, &t2, &rc2);
    CU_ASSERT_STRING_EQUAL(RANGES(t1), "c/0[0,2) c/1[0,2)");
    CU_ASSERT_STRING_EQUAL(RANGES(t2), "c/0[2,4) c/1[2,3)");
    sr_source_save(s, &pos);

    /* a replay reads exactly the batch again, on the same source ... */
    replay(s, &rc1, &r);
    CU_ASSERT_STRING_EQUAL(RANGES(r), RANGES(t1));
    CU_ASSERT_STRING_EQUAL(RECS(r), RECS(t1));
    CU_ASSERT_EQUAL(r.bytes, t1.bytes);
    sr_source_free(s);

    /* ... and on a fresh one, whose position then follows the replayed batches */
    produce_n(m, "c", 0, "a", 4, 1);
    s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    replay(s, &rc1, &r);
    CU_ASSERT_STRING_EQUAL(RECS(r), RECS(t1));
    replay(s, &rc2, &r);
    CU_ASSERT_STRING_EQUAL(RANGES(r), RANGES(t2));
    CU_ASSERT_STRING_EQUAL(RECS(r), RECS(t2));
    take(s, &r, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(r), "c/0[4,5) c/1[3,3)");
    sr_source_free(s);

    /* restore: a new source goes on exactly where the saved one stopped
     * (before the group's committed offsets and auto.offset.reset) */
    s = NULL;
    char err[512];
    sr_source *n = open_kafka(m, &ks, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    sr_dec d = { pos.ptr, pos.ptr + pos.len, false };
    CU_ASSERT_EQUAL(sr_source_restore(n, &d, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(sr_source_start(n, err, sizeof err), 0);
    take(n, &r, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(r), "c/0[4,5) c/1[3,3)");
    CU_ASSERT_STRING_EQUAL(RECS(r), "c/0@4 k4=a4\n");
    sr_source_free(n);

    /* a damaged position is refused */
    n = open_kafka(m, &ks, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    d = (sr_dec){ pos.ptr, pos.ptr + pos.len - 1, false };
    CU_ASSERT_EQUAL(sr_source_restore(n, &d, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "damaged"));
    sr_source_free(n);

    took_free(&t1);
    took_free(&t2);
    took_free(&r);
    sr_buf_free(&rc1);
    sr_buf_free(&rc2);
    sr_buf_free(&pos);
    sr_log_set_level(lvl);
}

/* ===================================================================== */
/* Where a source starts                                                  */
/* ===================================================================== */

static void test_offset_reset(void) {
    kmock *m = mock();
    make_topic(m, "o", 1);
    produce_n(m, "o", 0, "a", 0, 3);
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    took t = { 0 };

    kspec early = { .group = "g1", .reset = "earliest", .topic = "o" };
    sr_source *s = start_kafka(m, &early);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "o/0[0,3)");
    sr_source_free(s);

    kspec late = { .group = "g1", .reset = "latest", .topic = "o" };
    s = start_kafka(m, &late);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "o/0[3,3)");
    produce_n(m, "o", 0, "a", 3, 2);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "o/0[3,5)");
    CU_ASSERT_STRING_EQUAL(RECS(t), "o/0@3 null=a3\no/0@4 k4=a4\n");
    sr_source_free(s);

    /* Kafka's default is latest */
    kspec dflt = { .group = "g1", .topic = "o" };
    s = start_kafka(m, &dflt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "o/0[5,5)");
    sr_source_free(s);

    /* none without a committed offset: start fails, saying so */
    kspec none = { .group = "g1", .reset = "none", .topic = "o" };
    char err[512];
    s = open_kafka(m, &none, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(sr_source_start(s, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "no committed offset for topic o partition 0 and auto.offset.reset=none");
    sr_source_free(s);
    took_free(&t);
    sr_log_set_level(lvl);
}

static void test_commit(void) {
    kmock *m = mock();
    make_topic(m, "k", 2);
    produce_n(m, "k", 0, "a", 0, 5);
    produce_n(m, "k", 1, "b", 0, 2);
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    took t = { 0 };

    /* offsets kafka: every batch's until is committed after its outputs */
    kspec ks = { .group = "gc", .reset = "earliest", .topic = "k",
                 .opts = { .offsets = SR_OFFSETS_KAFKA, .max_rate_per_partition = 15 } };
    sr_source *s = start_kafka(m, &ks); /* 200 ms batches: 3 per partition */
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "k/0[0,3) k/1[0,2)");
    sr_source_batch_done(s, t.n, 5, 0);
    sr_source_free(s);

    /* a new source of the group starts at the committed offsets */
    kspec after = { .group = "gc", .reset = "none", .topic = "k" };
    s = start_kafka(m, &after);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "k/0[3,5) k/1[2,2)");
    CU_ASSERT_STRING_EQUAL(RECS(t), "k/0@3 null=a3\nk/0@4 k4=a4\n");
    sr_source_batch_done(s, t.n, 5, 0); /* offsets checkpoint (default): nothing committed */
    sr_source_free(s);
    s = start_kafka(m, &after);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "k/0[3,5) k/1[2,2)");

    /* commitAsync (sr_kafka_commit) commits whatever the setting; the
     * batch's rdd has one partition per Kafka partition */
    sr_source_free(s);
    s = start_kafka(m, &after);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    sr_rt_source rs = { .src = s };
    sr_runtime *rt = sr_xcalloc(1, sizeof *rt);
    rt->sources = &rs;
    rt->nsources = 1;
    sr_arena a;
    sr_arena_init(&a);
    sr_ctx cx = { .arena = &a, .worker = -1 };
    sr_batch b = { .time_ms = 1000, .index = 1, .rt = rt, .driver = &cx, .nworkers = 4 };
    cx.batch = &b;
    sr_source_take(s, b.time_ms, &a, &rs.lines);
    sr_rdd rdd = sr_source_batch(&b, 0);
    CU_ASSERT_EQUAL(rdd.nparts, 2);
    CU_ASSERT_EQUAL(sr_rdd_count(rdd), 2);
    CU_ASSERT_EQUAL(rdd.parts[0].len, 2);
    CU_ASSERT_EQUAL(SR_SEQ_AT(sr_krec, rdd.parts[0], 1).offset, 4);
    sr_seq ranges = sr_kafka_offset_ranges(&b, 0);
    CU_ASSERT_EQUAL_FATAL(ranges.len, 2);
    CU_ASSERT_EQUAL(SR_SEQ_AT(sr_offset_range, ranges, 0).from, 3);
    CU_ASSERT_EQUAL(SR_SEQ_AT(sr_offset_range, ranges, 0).until, 5);
    sr_kafka_commit(&b, 0, ranges);
    sr_source_batch_done(s, rs.lines.n, 5, 0);
    sr_arena_free(&a);
    free(rt);
    sr_source_free(s);
    s = start_kafka(m, &after);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "k/0[5,5) k/1[2,2)");
    sr_source_free(s);
    took_free(&t);
    sr_log_set_level(lvl);
}

static void test_assign(void) {
    kmock *m = mock();
    make_topic(m, "as", 3);
    produce_n(m, "as", 0, "a", 0, 4);
    produce_n(m, "as", 1, "b", 0, 4);
    produce_n(m, "as", 2, "c", 0, 4);
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    /* partitions 2 (from offset 3) and 0 (no offset: auto.offset.reset), no group */
    static const sr_kafka_assign parts[] = { { "as", 2, 3 }, { "as", 0, -1 } };
    kspec ks = { .reset = "earliest", .assign = parts, .nassign = 2 };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(sr_source_key(s), "kafka assign as/2,as/0");
    took t = { 0 };
    take(s, &t, NULL);
    CU_ASSERT_STRING_EQUAL(RANGES(t), "as/0[0,4) as/2[3,4)");
    CU_ASSERT_STRING_EQUAL(RECS(t), "as/0@0 k0=a0\nas/0@1 null=a1\nas/0@2 k2=a2\nas/0@3 null=a3\n"
                                    "as/2@3 null=c3\n");
    sr_source_free(s);

    /* a partition that does not exist is a start error */
    static const sr_kafka_assign bad[] = { { "as", 7, -1 } };
    kspec kb = { .reset = "earliest", .assign = bad, .nassign = 1,
                 .opts = { .kafka_start_timeout_ms = 300 } };
    char err[512];
    s = open_kafka(m, &kb, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(sr_source_start(s, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "topic as has no partition 7 (it has 3) (waited 0.3 s)");
    sr_source_free(s);
    took_free(&t);
    sr_log_set_level(lvl);
}

/* The mock cannot add partitions to a topic, so what appears while running
 * is a new topic that matches a pattern; it is read from its start. */
static void test_pattern_new_topic(void) {
    kmock *m = mock();
    make_topic(m, "ev-a", 1);
    make_topic(m, "other", 1);
    produce_n(m, "ev-a", 0, "a", 0, 2);
    produce_n(m, "other", 0, "o", 0, 2);
    capture c;
    capture_begin(&c, SR_LOG_INFO);
    kspec ks = { .group = "gp", .reset = "latest", .pattern = "ev-\\w+" };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL(s);
    took t = { 0 };
    if (s) {
        CU_ASSERT_STRING_EQUAL(sr_source_key(s), "kafka pattern ev-\\w+ @gp");
        take(s, &t, NULL);
        CU_ASSERT_STRING_EQUAL(RANGES(t), "ev-a/0[2,2)");
        make_topic(m, "ev-b", 2);
        produce_n(m, "ev-b", 1, "b", 0, 3);
        produce_n(m, "ev-a", 0, "a", 2, 1);
        usleep(150 * 1000); /* past the refresh interval (100 ms here) */
        take(s, &t, NULL);
        CU_ASSERT_STRING_EQUAL(RANGES(t), "ev-a/0[2,3) ev-b/0[0,0) ev-b/1[0,3)");
        CU_ASSERT_STRING_EQUAL(RECS(t), "ev-a/0@2 k2=a2\nev-b/1@0 k0=b0\nev-b/1@1 null=b1\nev-b/1@2 k2=b2\n");
        sr_source_free(s);
    }
    char *log = capture_end(&c);
    CU_ASSERT_PTR_NOT_NULL(strstr(log, "new partition ev-b/1, starting at offset 0"));
    free(log);
    took_free(&t);
}

/* ===================================================================== */
/* Outages and start errors                                               */
/* ===================================================================== */

static void test_broker_down(void) {
    kmock *m = mock();
    make_topic(m, "bd", 2);
    CU_ASSERT_EQUAL(rd_kafka_mock_partition_set_leader(m->mc, "bd", 0, 1), 0);
    CU_ASSERT_EQUAL(rd_kafka_mock_partition_set_leader(m->mc, "bd", 1, 2), 0);
    produce_n(m, "bd", 0, "a", 0, 2);
    produce_n(m, "bd", 1, "b", 0, 2);
    capture c;
    capture_begin(&c, SR_LOG_INFO);
    kspec ks = { .group = "gd", .reset = "earliest", .topic = "bd" };
    sr_source *s = start_kafka(m, &ks);
    CU_ASSERT_PTR_NOT_NULL(s);
    took t = { 0 };
    sr_buf all = { 0 };
    int outage_takes = 0, after_takes = 0;
    if (s) {
        take(s, &t, NULL);
        CU_ASSERT_STRING_EQUAL(RANGES(t), "bd/0[0,2) bd/1[0,2)");
        sr_buf_put(&all, t.recs.ptr, t.recs.len);
        produce_n(m, "bd", 0, "a", 2, 1);
        produce_n(m, "bd", 1, "b", 2, 2);

        rd_kafka_mock_broker_set_down(m->mc, 2);
        for (int i = 0; i < 3; i++) { /* partition 1's leader is down: nothing from it */
            take(s, &t, NULL);
            CU_ASSERT_STRING_EQUAL(RANGES(t), i == 0 ? "bd/0[2,3) bd/1[2,2)" : "bd/0[3,3) bd/1[2,2)");
            sr_buf_put(&all, t.recs.ptr, t.recs.len);
            outage_takes++;
        }
        rd_kafka_mock_broker_set_up(m->mc, 2);
        produce_n(m, "bd", 1, "b", 4, 1);
        for (int i = 0; i < 50; i++) { /* it answers again after a reconnect */
            take(s, &t, NULL);
            sr_buf_put(&all, t.recs.ptr, t.recs.len);
            after_takes++;
            if (strstr(RANGES(t), "bd/1[2,5)"))
                break;
            CU_ASSERT_STRING_EQUAL(RANGES(t), "bd/0[3,3) bd/1[2,2)");
            usleep(50 * 1000);
        }
        take(s, &t, NULL);
        CU_ASSERT_STRING_EQUAL(RANGES(t), "bd/0[3,3) bd/1[5,5)");
        sr_source_free(s);
    }
    char *log = capture_end(&c);
    sr_buf_char(&all, '\0');
    CU_ASSERT_STRING_EQUAL(all.ptr, "bd/0@0 k0=a0\nbd/0@1 null=a1\nbd/1@0 k0=b0\nbd/1@1 null=b1\n"
                                    "bd/0@2 k2=a2\n"
                                    "bd/1@2 k2=b2\nbd/1@3 null=b3\nbd/1@4 k4=b4\n");
    CU_ASSERT_EQUAL(count_of(log, "cannot get the latest offsets of bd/1"), 1);
    CU_ASSERT_EQUAL(count_of(log, "bd/1 answers again"), 1);
    CU_ASSERT(after_takes < 50);
    free(log);
    sr_buf_free(&all);
    took_free(&t);
}

static void test_start_errors(void) {
    char err[512];
    sr_log_level lvl = sr_log_get_level();
    sr_log_set_level(SR_LOG_ERROR);
    /* nothing listens there */
    kspec ks = { .group = "g", .topic = "t", .opts = { .kafka_start_timeout_ms = 500 } };
    sr_source *s = open_kafka(NULL, &ks, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(sr_source_start(s, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot reach Kafka at 127.0.0.1:1 after 0.5 s"));
    sr_source_free(s);

    kmock *m = mock();
    rd_kafka_mock_topic_set_error(m->mc, "nope", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    kspec nope = { .group = "g", .topic = "nope", .opts = { .kafka_start_timeout_ms = 300 } };
    s = open_kafka(m, &nope, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(sr_source_start(s, err, sizeof err), -1);
    if (strcmp(err, "topic nope does not exist (waited 0.3 s)") != 0) fprintf(stderr, "ERR: %s\n", err);
    CU_ASSERT_STRING_EQUAL(err, "topic nope does not exist (waited 0.3 s)");
    sr_source_free(s);

    /* offsets redis without a connection: refused when opened (Redis
     * itself is tested by tests/redis/ against a real redis-server) */
    make_topic(m, "se", 1);
    kspec redis = { .group = "g", .topic = "se", .opts = { .offsets = SR_OFFSETS_REDIS } };
    CU_ASSERT_PTR_NULL(open_kafka(m, &redis, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no Redis connection"));
    sr_log_set_level(lvl);
}

static void test_bad_params(void) {
    char err[512];
    kspec unknown = { .group = "g", .topic = "t", .extra_key = "max.poll.records", .extra_value = "10" };
    CU_ASSERT_PTR_NULL(open_kafka(NULL, &unknown, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "max.poll.records"));
    kspec badval = { .group = "g", .topic = "t", .extra_key = "fetch.wait.max.ms", .extra_value = "soon" };
    CU_ASSERT_PTR_NULL(open_kafka(NULL, &badval, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "fetch.wait.max.ms"));
    kspec reset = { .group = "g", .topic = "t", .reset = "sometimes" };
    CU_ASSERT_PTR_NULL(open_kafka(NULL, &reset, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "auto.offset.reset"));
    kspec nogroup = { .topic = "t" };
    CU_ASSERT_PTR_NULL(open_kafka(NULL, &nogroup, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "Subscribe needs a group.id"));
    kspec nogroup_commit = { .assign = (const sr_kafka_assign[]){ { "t", 0, -1 } }, .nassign = 1,
                             .opts = { .offsets = SR_OFFSETS_KAFKA } };
    CU_ASSERT_PTR_NULL(open_kafka(NULL, &nogroup_commit, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "group.id"));
    kspec badre = { .group = "g", .pattern = "t(" };
    CU_ASSERT_PTR_NULL(open_kafka(NULL, &badre, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad pattern 't('"));
    /* two ways at once */
    kspec two = { .group = "g", .topic = "t", .pattern = "x" };
    CU_ASSERT_PTR_NULL(open_kafka(NULL, &two, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "only one of"));
}

/* ===================================================================== */
/* Whole programs (sr_main)                                               */
/* ===================================================================== */

static struct {
    int n;
    int64_t records[8];
    int nparts[8];
    char ranges[8][128];
} prog_rec;

static void kafka_batch(sr_batch *b) {
    sr_rdd r = sr_source_batch(b, 0);
    sr_seq ranges = sr_kafka_offset_ranges(b, 0);
    if (prog_rec.n < 8) {
        prog_rec.records[prog_rec.n] = sr_rdd_count(r);
        prog_rec.nparts[prog_rec.n] = r.nparts;
        size_t at = 0;
        for (int64_t i = 0; i < ranges.len; i++) {
            const sr_offset_range *o = &SR_SEQ_AT(sr_offset_range, ranges, i);
            at += (size_t)snprintf(prog_rec.ranges[prog_rec.n] + at, sizeof prog_rec.ranges[0] - at,
                                   "%s%.*s/%d[%lld,%lld)", i ? " " : "", (int)o->topic.len, o->topic.ptr,
                                   (int)o->partition, (long long)o->from, (long long)o->until);
        }
    }
    prog_rec.n++;
}

/* Dies in the middle of batch 3, after its journal record was written. */
static void crashing_batch(sr_batch *b) {
    kafka_batch(b);
    if (b->index == 3)
        _exit(3);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void test_programs(void) {
    kmock *m = mock();
    sr_log_level lvl = sr_log_get_level();
    make_topic(m, "p", 2);
    produce_n(m, "p", 0, "a", 0, 5);
    produce_n(m, "p", 1, "b", 0, 3);
    sr_conf_kv params[] = {
        { "bootstrap.servers", m->bootstrap }, { "group.id", "gprog" },
        { "auto.offset.reset", "earliest" },  { "topic.metadata.refresh.interval.ms", "100" },
    };
    const char *topics[] = { "p" };
    sr_source_spec spec = { .kind = SR_SOURCE_KAFKA, .kafka_params = params, .nkafka_params = 4,
                            .topics = topics, .ntopics = 1 };
    sr_program p = { .app_name = "KafkaTest", .batch_ms = 1000, .master = "local[2]",
                     .log_level = "ERROR", .sources = &spec, .nsources = 1,
                     .offsets = SR_OFFSETS_KAFKA, .run_batch = kafka_batch };

    /* offsets kafka, 2 records per partition and batch */
    memset(&prog_rec, 0, sizeof prog_rec);
    char *argv1[] = { "app", "--clock", "manual", "--batches", "2", "--conf",
                      "spark.streaming.kafka.maxRatePerPartition=2", NULL };
    CU_ASSERT_EQUAL(sr_main(7, argv1, &p), 0);
    CU_ASSERT_EQUAL_FATAL(prog_rec.n, 2);
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[0], "p/0[0,2) p/1[0,2)");
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[1], "p/0[2,4) p/1[2,3)");
    CU_ASSERT_EQUAL(prog_rec.records[0], 4);
    CU_ASSERT_EQUAL(prog_rec.records[1], 3);
    CU_ASSERT_EQUAL(prog_rec.nparts[0], 2);

    /* the next run of the group goes on from the commits */
    memset(&prog_rec, 0, sizeof prog_rec);
    char *argv2[] = { "app", "--clock", "manual", "--batches", "1", NULL };
    CU_ASSERT_EQUAL(sr_main(5, argv2, &p), 0);
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[0], "p/0[4,5) p/1[3,3)");

    /* positions in a checkpoint directory (nothing committed) */
    char dir[] = "/tmp/streamc-kafka-ck-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    p.offsets = SR_OFFSETS_DEFAULT;
    params[1].value = "gck";
    memset(&prog_rec, 0, sizeof prog_rec);
    char *argv3[] = { "app", "--clock", "manual", "--batches", "1", "--checkpoint", dir, NULL };
    CU_ASSERT_EQUAL(sr_main(7, argv3, &p), 0);
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[0], "p/0[0,5) p/1[0,3)");
    produce_n(m, "p", 1, "b", 3, 2);
    memset(&prog_rec, 0, sizeof prog_rec);
    char *argv4[] = { "app", "--clock", "manual", "--batches", "2", "--checkpoint", dir, NULL };
    CU_ASSERT_EQUAL(sr_main(7, argv4, &p), 0);
    CU_ASSERT_EQUAL_FATAL(prog_rec.n, 1);
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[0], "p/0[5,5) p/1[3,5)");
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

    /* killed in batch 3: the restarted run replays batch 3 with exactly its
     * ranges (from the journal), then goes on */
    make_topic(m, "q", 2);
    produce_n(m, "q", 0, "a", 0, 6);
    produce_n(m, "q", 1, "b", 0, 6);
    topics[0] = "q";
    params[1].value = "gq";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(strcpy(dir, "/tmp/streamc-kafka-ck-XXXXXX")));
    char *argv5[] = { "app", "--clock", "manual", "--batches", "5", "--checkpoint", dir, "--conf",
                      "spark.streaming.kafka.maxRatePerPartition=1", NULL };
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        p.run_batch = crashing_batch;
        _exit(sr_main(9, argv5, &p) == 0 ? 0 : 1);
    }
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    memset(&prog_rec, 0, sizeof prog_rec);
    CU_ASSERT_EQUAL(sr_main(9, argv5, &p), 0);
    CU_ASSERT_EQUAL_FATAL(prog_rec.n, 3);
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[0], "q/0[2,3) q/1[2,3)"); /* batch 3 again */
    CU_ASSERT_EQUAL(prog_rec.records[0], 2);
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[1], "q/0[3,4) q/1[3,4)");
    CU_ASSERT_STRING_EQUAL(prog_rec.ranges[2], "q/0[4,5) q/1[4,5)");
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    sr_log_set_level(lvl); /* sr_main leaves the program's level */
}

UNIT_SUITE(kafka,
           { "exact ranges across takes", test_exact_ranges },
           { "maxRatePerPartition bounds the ranges", test_max_rate },
           { "backpressure shares the estimated rate", test_backpressure },
           { "a read out of time loses and doubles nothing", test_read_timeout },
           { "replay and restore", test_replay_and_restore },
           { "auto.offset.reset earliest/latest/none", test_offset_reset },
           { "commits: offsets kafka and commitAsync", test_commit },
           { "Assign with fromOffsets", test_assign },
           { "a pattern picks up a new topic", test_pattern_new_topic },
           { "a broker down and up: nothing lost or doubled", test_broker_down },
           { "start errors", test_start_errors },
           { "bad kafkaParams", test_bad_params },
           { "whole programs: commits and checkpoints", test_programs })
