/* source_kafka.c - the Kafka direct source: KafkaUtils.createDirectStream.
 *
 * Spark's DirectKafkaInputDStream without receivers: the source does no
 * work between batches. When a batch starts (take) it asks the cluster for
 * every partition's latest offset, fixes one offset range [from, until) per
 * partition (until = min(latest, from + the rate limit)), reads exactly
 * those records and hands them over pre-partitioned: one rdd partition of
 * sr_krec per Kafka partition, in (topic, partition) order. `from` is
 * always the previous batch's `until`, so nothing is skipped or read twice.
 *
 * Partitions: ConsumerStrategies.Subscribe (topics; a topic's partitions,
 * including ones added later), SubscribePattern (every topic whose whole
 * name matches a Java regex, read as a POSIX extended one; new topics are
 * picked up) and Assign (exactly the partitions given, with optional
 * starting offsets). The partitions are read with one librdkafka consumer
 * and manual assignment (rd_kafka_assign): the group's committed offsets
 * are read at start and written after batches, but the source does not
 * join the group, so two copies of a program both read every partition.
 * Subscribe and SubscribePattern need a group.id, as in Spark; Assign
 * works without one (nothing is then committed or looked up).
 *
 * Rates: spark.streaming.kafka.maxRatePerPartition caps each range; with
 * spark.streaming.backpressure.enabled Spark's PID estimator (rate.c),
 * fed after every batch, sets the rate shared among the partitions.
 *
 * Starting offsets, per partition, the first that exists: the position in
 * the checkpoint; Assign's fromOffsets; the stored offset (the group's
 * committed offset); auto.offset.reset (earliest, latest; none is an
 * error). A partition that appears while running starts at the group's
 * committed offset if it has one, else at its earliest offset.
 *
 * Reading exactly a range: the batch assigns every partition with records
 * to read at `from` and polls until each one delivered its last record
 * before `until`, or showed (a later record, the end of the partition)
 * that the records left are gaps (compacted topics, transaction markers).
 * Records outside the ranges are dropped. If records stop coming (a
 * broker died while the batch read), the range ends where reading stopped;
 * the rest comes with the next batch. A partition whose latest offset cannot
 * be had (its leader is down) takes nothing that batch, with one WARN per
 * outage and an INFO when it answers again; it is asked again every batch.
 * A batch waits at most min(1 s, half the batch) for the latest offsets
 * (the leaders are asked at the same time), and reading gives up after
 * spark.streaming.kafka.consumer.poll.ms without a record (default: the
 * batch interval, within 1..10 s).
 *
 * Offsets (the program's `offsets` setting): kafka commits every range's
 * `until` to the consumer group after the batch's outputs; checkpoint (and
 * the default) keeps positions in checkpoints (save/restore) and commits
 * nothing unless the program calls commitAsync (sr_kafka_commit), which
 * commits after the outputs whatever the setting. Commits are asynchronous
 * with a short wait for their result; a failed one is logged and covered
 * by the next batch's. Where positions are kept is one small interface
 * (offset_store) with the checkpoint, the consumer group and Redis
 * behind it.
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rate.h"
#include "redis.h"
#include "runtime.h"
#include "source_impl.h"

#define START_TIMEOUT_MS 30000  /* streamc.kafka.startTimeoutMs default */
#define REFRESH_MS 5000         /* metadata refresh (new partitions, leaders) at most this often */
#define STOP_WAIT_MS 5000       /* how long stopping waits for a last commit */
#define POLL_SLICE_MS 10        /* one wait of the read loop */
#define READ_BATCH 4096         /* records asked from librdkafka at once */

/* ===================================================================== */
/* State                                                                  */
/* ===================================================================== */

typedef enum kmode {
    MODE_SUBSCRIBE, /* ConsumerStrategies.Subscribe: topics */
    MODE_PATTERN,   /* ConsumerStrategies.SubscribePattern: a regex over topic names */
    MODE_ASSIGN,    /* ConsumerStrategies.Assign: partitions */
} kmode;

typedef enum reset_policy {
    RESET_LATEST,   /* auto.offset.reset=latest (Kafka's default) */
    RESET_EARLIEST, /* earliest */
    RESET_NONE,     /* none: no stored offset is an error */
} reset_policy;

/* A topic partition the source reads. */
typedef struct kpart {
    char *topic;            /* malloc'd; never moves (views point at it) */
    int32_t partition;
    int32_t leader;         /* broker id in the last metadata, -1 = unknown */
    int64_t next;           /* the next offset to read; -1 = not known yet */
    bool fresh;             /* appeared while running: its start is logged once known */
    bool down;              /* its offsets could not be had: WARN logged */
    bool beyond;            /* `next` is past the partition's end: WARN logged */
    bool check_low;         /* ask for its earliest offset next time (data may be gone) */
    int64_t commit_want;    /* offset to commit after the batch, -1 = none */
    int64_t committed;      /* the last offset committed by this source, -1 = none */
    int64_t in_redis;       /* `offsets redis`: the offset stored there, -1 = none */
    int64_t end;            /* the latest end offset known (monitoring: lag), -1 = none */
} kpart;

/* An offset range of a batch; `topic` points at the kpart's name. */
typedef struct krange {
    const char *topic;
    int32_t partition;
    int64_t from, until;
} krange;

/* A position restored from a checkpoint, applied at start. */
typedef struct kpos {
    char *topic;
    int32_t partition;
    int64_t offset;
} kpos;

typedef struct kafka_src kafka_src;

/* Where positions are kept between runs (the `offsets` setting): the
 * checkpoint, the consumer group, Redis. */
typedef struct offset_store {
    const char *what;   /* for messages */
    /* The stored next offset of parts idx[0..n) into offs[] (-1: none
     * stored). 0, or -1 with errstr (the store cannot be read). */
    int (*load)(kafka_src *k, const int *idx, int n, int64_t *offs, int timeout_ms,
                char *errstr, size_t errlen);
    /* Store the `until` of the ranges rg[0..n) (after a batch's outputs),
     * waiting up to wait_ms. Failures are logged; what failed is stored
     * again by the next call. NULL: the positions are written elsewhere
     * (the checkpoint, by ops->save). */
    void (*save)(kafka_src *k, const krange *rg, int n, int wait_ms);
} offset_store;

struct kafka_src {
    sr_source base;
    rd_kafka_t *rk;
    rd_kafka_queue_t *cq;           /* the consumer queue */
    rd_kafka_queue_t *commit_q;     /* commit results */

    kmode mode;
    char **topics;                  /* Subscribe: its topics; Assign: the distinct topics */
    int ntopics;
    rd_kafka_topic_t **rkts;        /* handles of `topics`, for metadata requests */
    regex_t re;                     /* SubscribePattern */
    bool have_re;
    kpos *assign;                   /* Assign: the partitions and fromOffsets (-1: none) */
    int nassign;

    char *bootstrap;                /* bootstrap.servers, for messages */
    char *group;                    /* the program's group.id, NULL = none */
    reset_policy reset;

    /* Settings. */
    int64_t batch_ms;
    int64_t start_timeout_ms;
    int64_t read_timeout_ms;        /* a batch's wait for its records */
    int query_timeout_ms;           /* offsets and metadata requests during batches */
    int64_t refresh_ms;
    int64_t max_rate;               /* per partition, records/s; 0 = none */
    int64_t min_rate;
    bool backpressure;
    sr_pid_rate pid;                /* backpressure: the rate estimator */
    double est_rate;                /* its last estimate (records/s), <= 0 = none yet */
    double initial_rate;            /* the rate until there is an estimate, 0 = none */
    sr_offsets_store offsets;
    const offset_store *stored;     /* where starting offsets are looked up after fromOffsets */
    const offset_store *commits;    /* where positions go after each batch, NULL = nowhere */
    struct sr_redis *redis;         /* `offsets redis`: the connection */

    kpart *parts;                   /* sorted by (topic, partition) */
    int nparts, capparts;
    krange *last;                   /* the last batch's ranges, in rdd partition order */
    int nlast, caplast;
    kpos *restored;                 /* from a checkpoint, applied at start */
    int nrestored;

    int64_t last_refresh_us;
    bool started, stopped, closed;
    bool commit_inflight;           /* a commit's result has not come back */
    bool commit_failing;            /* the last commit failed: WARN logged */
    bool warned_commit_no_group;
    bool refresh_failing;
    _Atomic int warned_err;         /* the last librdkafka error logged as WARN */
};

static const offset_store checkpoint_store, group_store, redis_store;

/* ===================================================================== */
/* Small helpers                                                          */
/* ===================================================================== */

static char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = sr_xmalloc(n);
    memcpy(c, s, n);
    return c;
}

/* "30 s", "0.5 s" */
static const char *secs(int64_t ms, char *buf, size_t n) {
    if (ms % 1000 == 0)
        snprintf(buf, n, "%" PRId64 " s", ms / 1000);
    else
        snprintf(buf, n, "%.1f s", (double)ms / 1000.0);
    return buf;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

static int part_cmp(const char *ta, int32_t pa, const char *tb, int32_t pb) {
    int c = strcmp(ta, tb);
    return c ? c : (pa > pb) - (pa < pb);
}

/* Index of (topic, partition) in k->parts, or -1 (and *at: where it goes). */
static int find_part(const kafka_src *k, const char *topic, int32_t partition, int *at) {
    int lo = 0, hi = k->nparts;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int c = part_cmp(k->parts[mid].topic, k->parts[mid].partition, topic, partition);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (at)
        *at = lo;
    return -1;
}

/* The part (topic, partition), added (position unknown) if new. */
static int add_part(kafka_src *k, const char *topic, int32_t partition, int32_t leader, bool *added) {
    int at = 0;
    int i = find_part(k, topic, partition, &at);
    if (added)
        *added = i < 0;
    if (i >= 0) {
        k->parts[i].leader = leader;
        return i;
    }
    if (k->nparts == k->capparts) {
        k->capparts = k->capparts ? k->capparts * 2 : 16;
        k->parts = sr_xrealloc(k->parts, (size_t)k->capparts * sizeof *k->parts);
    }
    memmove(&k->parts[at + 1], &k->parts[at], (size_t)(k->nparts - at) * sizeof *k->parts);
    k->nparts++;
    k->parts[at] = (kpart){
        .topic = xstrdup(topic), .partition = partition, .leader = leader, .next = -1,
        .commit_want = -1, .committed = -1, .in_redis = -1, .end = -1,
    };
    return at;
}

/* A list of parts' names for one log line: "t/0, t/1, ... (12 in all)". */
static void names_of(const kafka_src *k, const int *idx, int n, char *buf, size_t len) {
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && at < len; i++) {
        if (i == 8) {
            snprintf(buf + at, len - at, ", ... (%d in all)", n);
            return;
        }
        int w = snprintf(buf + at, len - at, "%s%s/%d", i ? ", " : "", k->parts[idx[i]].topic,
                         (int)k->parts[idx[i]].partition);
        at += w > 0 ? (size_t)w : 0;
    }
}

/* ===================================================================== */
/* librdkafka's logs and errors                                           */
/* ===================================================================== */

/* librdkafka's own log lines are details (connection failures recur every
 * few seconds during an outage, which the source reports itself). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    sr_log(level <= 2 ? SR_LOG_ERROR : SR_LOG_DEBUG, "librdkafka %s: %s", fac, buf);
}

/* Errors not tied to a request: outages are the source's to report; the
 * rest (authentication, TLS, fatal) once each as a WARN. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    kafka_src *k = opaque;
    switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
        sr_log(SR_LOG_DEBUG, "Kafka (%s): %s", sr_source_name(&k->base), reason);
        return;
    default:
        break;
    }
    char buf[512];
    if (err == RD_KAFKA_RESP_ERR__FATAL && rd_kafka_fatal_error(rk, buf, sizeof buf))
        reason = buf;
    if (atomic_exchange(&k->warned_err, err) != err)
        sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): %s", sr_source_name(&k->base), reason);
    else
        sr_log(SR_LOG_DEBUG, "Kafka (%s): %s", sr_source_name(&k->base), reason);
}

/* ===================================================================== */
/* Opening: the consumer's configuration                                  */
/* ===================================================================== */

/* Java regex -> POSIX extended, for topic patterns: \d \D and the classes
 * inside brackets become POSIX ones (\w \s \W \S are understood by glibc
 * outside brackets); the whole name must match. */
static char *pattern_to_posix(const char *java) {
    sr_buf b = { 0 };
    sr_buf_cstr(&b, "^(");
    bool in_class = false;
    for (const char *p = java; *p; p++) {
        if (*p == '\\' && p[1]) {
            char c = *++p;
            if (in_class) {
                switch (c) {
                case 'd': sr_buf_cstr(&b, "0-9"); break;
                case 'w': sr_buf_cstr(&b, "A-Za-z0-9_"); break;
                case 's': sr_buf_cstr(&b, "[:space:]"); break;
                default: sr_buf_char(&b, c); break;
                }
            } else if (c == 'd') {
                sr_buf_cstr(&b, "[0-9]");
            } else if (c == 'D') {
                sr_buf_cstr(&b, "[^0-9]");
            } else {
                sr_buf_char(&b, '\\');
                sr_buf_char(&b, c);
            }
            continue;
        }
        if (!in_class && *p == '[') {
            in_class = true;
            sr_buf_char(&b, '[');
            if (p[1] == '^')
                sr_buf_char(&b, *++p);
            if (p[1] == ']')
                sr_buf_char(&b, *++p);
            continue;
        }
        if (in_class && *p == ']')
            in_class = false;
        sr_buf_char(&b, *p);
    }
    sr_buf_cstr(&b, ")$");
    sr_buf_char(&b, '\0');
    return b.ptr;
}

static bool is_one_of(const char *v, const char *a, const char *b, const char *c) {
    return strcasecmp(v, a) == 0 || (b && strcasecmp(v, b) == 0) || (c && strcasecmp(v, c) == 0);
}

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, char *errstr,
                    size_t errlen) {
    char err[512];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        sr_source_errf(errstr, errlen, "kafkaParams: %s", err);
        return -1;
    }
    return 0;
}

/* kafkaParams into a librdkafka configuration; the source's own settings
 * (group, reset policy, bootstrap servers, refresh interval) noted. */
static rd_kafka_conf_t *make_conf(kafka_src *k, const sr_source_spec *spec, char *errstr, size_t errlen) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    sr_conf_kv *params = NULL;
    /* A short fetch wait: a batch's reads start right after the previous
     * one's last fetch, which would otherwise long-poll for 500 ms. */
    if (conf_set(conf, "fetch.wait.max.ms", "10", errstr, errlen) != 0)
        goto fail;
    /* Prefetch while the batch reads (up to queued.max.messages.kbytes):
     * with librdkafka's default of 100000 records the fetcher stops and
     * waits for the reader, which made reading a large range 2.5x slower
     * (bench/kafka.sh). */
    if (conf_set(conf, "queued.min.messages", "1000000", errstr, errlen) != 0)
        goto fail;
    /* kafkaParams, then `--conf streamc.kafka.<property>=value` settings of
     * the run, which override them (e.g. the seed's brokers) */
    const sr_runtime *rt = sr_rt_current;
    int nover = rt ? rt->nconf_over : 0, nall = spec->nkafka_params + nover;
    params = sr_xcalloc((size_t)(nall > 0 ? nall : 1), sizeof *params);
    int n = 0;
    for (int i = 0; i < spec->nkafka_params; i++)
        params[n++] = spec->kafka_params[i];
    for (int i = 0; i < nover; i++) {
        const char *key = rt->conf_over[i].key;
        if (strncmp(key, "streamc.kafka.", 14) != 0 || strcmp(key, "streamc.kafka.startTimeoutMs") == 0)
            continue;
        params[n++] = (sr_conf_kv){ key + 14, rt->conf_over[i].value };
    }
    for (int i = 0; i < n; i++) {
        const char *key = params[i].key, *val = params[i].value;
        if (!key)
            continue;
        if (!val)
            val = "";
        if (strcmp(key, "key.deserializer") == 0 || strcmp(key, "value.deserializer") == 0)
            continue; /* records are strings */
        if (strcmp(key, "enable.auto.commit") == 0 || strcmp(key, "enable.partition.eof") == 0 ||
            strcmp(key, "enable.auto.offset.store") == 0) {
            if (strcmp(key, "enable.auto.commit") == 0 && strcasecmp(val, "true") == 0)
                sr_log(SR_LOG_INFO, "Kafka: enable.auto.commit=true is ignored: offsets are "
                                    "committed after the batch's outputs (`offsets kafka`)");
            continue; /* the source's own business */
        }
        if (strcmp(key, "auto.offset.reset") == 0) {
            if (is_one_of(val, "earliest", "smallest", "beginning"))
                k->reset = RESET_EARLIEST;
            else if (is_one_of(val, "latest", "largest", "end"))
                k->reset = RESET_LATEST;
            else if (is_one_of(val, "none", "error", NULL))
                k->reset = RESET_NONE;
            else {
                sr_source_errf(errstr, errlen, "kafkaParams: auto.offset.reset must be earliest, "
                                               "latest or none, not '%s'", val);
                goto fail;
            }
            continue;
        }
        if (conf_set(conf, key, val, errstr, errlen) != 0)
            goto fail;
        if (strcmp(key, "group.id") == 0) {
            free(k->group);
            k->group = val[0] ? xstrdup(val) : NULL;
        } else if (strcmp(key, "bootstrap.servers") == 0 || strcmp(key, "metadata.broker.list") == 0) {
            free(k->bootstrap);
            k->bootstrap = xstrdup(val);
        } else if (strcmp(key, "topic.metadata.refresh.interval.ms") == 0) {
            long long v = atoll(val);
            if (v > 0)
                k->refresh_ms = v;
        }
    }
    if (!k->bootstrap || !k->bootstrap[0]) {
        sr_source_errf(errstr, errlen, "kafkaParams: bootstrap.servers is not set");
        goto fail;
    }
    if (!k->group && k->mode != MODE_ASSIGN) {
        sr_source_errf(errstr, errlen, "kafkaParams: %s needs a group.id (as in Spark)",
                       k->mode == MODE_PATTERN ? "SubscribePattern" : "Subscribe");
        goto fail;
    }
    if (!k->group && k->offsets == SR_OFFSETS_KAFKA) {
        sr_source_errf(errstr, errlen, "kafkaParams: `offsets kafka` needs a group.id to commit to");
        goto fail;
    }
    /* librdkafka's consumer needs a group even to assign partitions; one
     * made up is never committed to. */
    char made_up[64];
    snprintf(made_up, sizeof made_up, "streamc-assign-%ld", (long)getpid());
    if (conf_set(conf, "group.id", k->group ? k->group : made_up, errstr, errlen) != 0 ||
        conf_set(conf, "enable.auto.commit", "false", errstr, errlen) != 0 ||
        conf_set(conf, "enable.auto.offset.store", "false", errstr, errlen) != 0 ||
        conf_set(conf, "enable.partition.eof", "true", errstr, errlen) != 0 ||
        conf_set(conf, "auto.offset.reset", "error", errstr, errlen) != 0)
        goto fail;
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_opaque(conf, k);
    free(params);
    return conf;
fail:
    free(params);
    rd_kafka_conf_destroy(conf);
    return NULL;
}

/* "kafka topics a,b @group", "kafka pattern t.* @group", "kafka assign t/0,t/1 @group" */
static void make_name(kafka_src *k, const sr_source_spec *spec, sr_buf *b) {
    switch (k->mode) {
    case MODE_SUBSCRIBE:
        sr_buf_cstr(b, "kafka topics ");
        for (int i = 0; i < spec->ntopics; i++) {
            if (i)
                sr_buf_char(b, ',');
            sr_buf_cstr(b, spec->topics[i] ? spec->topics[i] : "");
        }
        break;
    case MODE_PATTERN:
        sr_buf_cstr(b, "kafka pattern ");
        sr_buf_cstr(b, spec->pattern);
        break;
    case MODE_ASSIGN:
        sr_buf_cstr(b, "kafka assign ");
        for (int i = 0; i < spec->nassign; i++) {
            if (i)
                sr_buf_char(b, ',');
            sr_buf_cstr(b, spec->assign[i].topic ? spec->assign[i].topic : "");
            sr_buf_char(b, '/');
            sr_buf_long(b, spec->assign[i].partition);
        }
        break;
    }
    if (k->group) {
        sr_buf_cstr(b, " @");
        sr_buf_cstr(b, k->group);
    }
    sr_buf_char(b, '\0');
}

static void add_topic(kafka_src *k, const char *t) {
    for (int i = 0; i < k->ntopics; i++)
        if (strcmp(k->topics[i], t) == 0)
            return;
    k->topics = sr_xrealloc(k->topics, (size_t)(k->ntopics + 1) * sizeof *k->topics);
    k->topics[k->ntopics++] = xstrdup(t);
}

static const sr_source_ops kafka_ops;
static void kafka_free(sr_source *src);

/* What SR_USES_KAFKA refers to: a program that has it links this file. */
const char sr_kafka_support = 1;

sr_source *sr_kafka_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                char *errstr, size_t errlen) {
    kafka_src *k = sr_xcalloc(1, sizeof *k);
    k->base.ops = &kafka_ops;
    k->base.kind = SR_SOURCE_KAFKA;
    k->mode = spec->pattern ? MODE_PATTERN : spec->nassign > 0 ? MODE_ASSIGN : MODE_SUBSCRIBE;
    k->reset = RESET_LATEST;
    k->refresh_ms = REFRESH_MS;
    k->batch_ms = opts->batch_ms > 0 ? opts->batch_ms : 1000;
    k->start_timeout_ms = opts->kafka_start_timeout_ms > 0 ? opts->kafka_start_timeout_ms : START_TIMEOUT_MS;
    k->read_timeout_ms = opts->kafka_poll_ms > 0 ? opts->kafka_poll_ms
                                                 : clamp64(k->batch_ms, 1000, 10000);
    k->query_timeout_ms = (int)clamp64(k->batch_ms / 2, 100, 1000);
    k->max_rate = opts->max_rate_per_partition > 0 ? opts->max_rate_per_partition : 0;
    k->min_rate = opts->min_rate_per_partition > 0 ? opts->min_rate_per_partition
                                                   : SR_KAFKA_MIN_RATE_PER_PARTITION;
    k->backpressure = opts->backpressure;
    k->initial_rate = opts->backpressure_initial_rate > 0 ? opts->backpressure_initial_rate : 0;
    k->offsets = opts->offsets;
    k->redis = opts->offsets_redis;
    k->stored = k->offsets == SR_OFFSETS_REDIS ? &redis_store : &group_store;
    k->commits = k->offsets == SR_OFFSETS_KAFKA ? &group_store
                 : k->offsets == SR_OFFSETS_REDIS ? &redis_store : NULL;
    if (k->offsets == SR_OFFSETS_REDIS && !k->redis) {
        sr_source_errf(errstr, errlen, "offsets redis: no Redis connection was given");
        goto fail;
    }

    if (k->backpressure) {
        bool dflt = opts->pid_proportional == 0 && opts->pid_integral == 0 &&
                    opts->pid_derivative == 0 && opts->pid_min_rate == 0;
        char why[256];
        if (sr_pid_rate_init(&k->pid, k->batch_ms, dflt ? SR_PID_PROPORTIONAL : opts->pid_proportional,
                             dflt ? SR_PID_INTEGRAL : opts->pid_integral,
                             dflt ? SR_PID_DERIVATIVE : opts->pid_derivative,
                             dflt ? SR_PID_MIN_RATE : opts->pid_min_rate, why, sizeof why) != 0) {
            sr_source_errf(errstr, errlen, "backpressure: %s", why);
            goto fail;
        }
    }
    switch (k->mode) {
    case MODE_SUBSCRIBE:
        for (int i = 0; i < spec->ntopics; i++) {
            if (!spec->topics[i] || !spec->topics[i][0]) {
                sr_source_errf(errstr, errlen, "Subscribe: an empty topic name");
                goto fail;
            }
            add_topic(k, spec->topics[i]);
        }
        break;
    case MODE_PATTERN: {
        char *posix = pattern_to_posix(spec->pattern);
        int rc = regcomp(&k->re, posix, REG_EXTENDED | REG_NOSUB);
        free(posix);
        if (rc != 0) {
            char why[256];
            regerror(rc, &k->re, why, sizeof why);
            sr_source_errf(errstr, errlen, "SubscribePattern: bad pattern '%s': %s", spec->pattern, why);
            goto fail;
        }
        k->have_re = true;
        break;
    }
    case MODE_ASSIGN:
        k->assign = sr_xcalloc((size_t)spec->nassign, sizeof *k->assign);
        for (int i = 0; i < spec->nassign; i++) {
            const sr_kafka_assign *a = &spec->assign[i];
            if (!a->topic || !a->topic[0] || a->partition < 0) {
                sr_source_errf(errstr, errlen, "Assign: bad partition %s/%d", a->topic ? a->topic : "",
                               a->partition);
                goto fail;
            }
            k->assign[k->nassign++] =
                (kpos){ xstrdup(a->topic), a->partition, a->offset >= 0 ? a->offset : -1 };
            add_topic(k, a->topic);
        }
        break;
    }

    rd_kafka_conf_t *conf = make_conf(k, spec, errstr, errlen);
    sr_buf name = { 0 };
    make_name(k, spec, &name);
    k->base.name = name.ptr;
    if (!conf)
        goto fail;
    char err[512];
    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!k->rk) {
        rd_kafka_conf_destroy(conf);
        sr_source_errf(errstr, errlen, "cannot create the Kafka consumer: %s", err);
        goto fail;
    }
    rd_kafka_poll_set_consumer(k->rk);
    k->cq = rd_kafka_queue_get_consumer(k->rk);
    k->commit_q = rd_kafka_queue_new(k->rk);
    k->rkts = sr_xcalloc((size_t)(k->ntopics ? k->ntopics : 1), sizeof *k->rkts);
    for (int i = 0; i < k->ntopics; i++)
        k->rkts[i] = rd_kafka_topic_new(k->rk, k->topics[i], NULL);
    return &k->base;
fail:
    kafka_free(&k->base);
    return NULL;
}

/* ===================================================================== */
/* Metadata: which partitions, and their leaders                          */
/* ===================================================================== */

static bool internal_topic(const char *t) {
    return strcmp(t, "__consumer_offsets") == 0 || strcmp(t, "__transaction_state") == 0;
}

static void add_topic_parts(kafka_src *k, const rd_kafka_metadata_topic_t *mt) {
    for (int j = 0; j < mt->partition_cnt; j++) {
        bool added = false;
        int i = add_part(k, mt->topic, mt->partitions[j].id, mt->partitions[j].leader, &added);
        if (added && k->started)
            k->parts[i].fresh = true;
    }
}

/* Ask the cluster for the partitions the source reads and their leaders;
 * adds new ones (position unknown). -1 with `why` when the cluster does not
 * answer; else 0, and `missing` says what was asked for and does not exist
 * (empty if nothing). */
static int discover(kafka_src *k, int timeout_ms, char *why, size_t whylen, char *missing,
                    size_t misslen) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err;
    missing[0] = '\0';
    if (k->mode == MODE_PATTERN) {
        err = rd_kafka_metadata(k->rk, 1, NULL, &md, timeout_ms);
        if (err) {
            snprintf(why, whylen, "%s", rd_kafka_err2str(err));
            return -1;
        }
        for (int t = 0; t < md->topic_cnt; t++) {
            const rd_kafka_metadata_topic_t *mt = &md->topics[t];
            if (!mt->err && !internal_topic(mt->topic) && regexec(&k->re, mt->topic, 0, NULL, 0) == 0)
                add_topic_parts(k, mt);
        }
        rd_kafka_metadata_destroy(md);
        return 0;
    }
    for (int t = 0; t < k->ntopics; t++) {
        err = rd_kafka_metadata(k->rk, 0, k->rkts[t], &md, timeout_ms);
        if (err) {
            snprintf(why, whylen, "%s", rd_kafka_err2str(err));
            return -1;
        }
        const rd_kafka_metadata_topic_t *mt = NULL;
        for (int j = 0; j < md->topic_cnt; j++)
            if (strcmp(md->topics[j].topic, k->topics[t]) == 0)
                mt = &md->topics[j];
        if (!mt || mt->err || mt->partition_cnt == 0) {
            if (!missing[0])
                snprintf(missing, misslen, "topic %s %s", k->topics[t],
                         !mt || mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                             ? "does not exist"
                             : mt->err ? rd_kafka_err2str(mt->err) : "has no partitions");
        } else if (k->mode == MODE_SUBSCRIBE) {
            add_topic_parts(k, mt);
        } else { /* Assign: exactly the partitions asked for, which must exist */
            for (int a = 0; a < k->nassign; a++) {
                if (strcmp(k->assign[a].topic, mt->topic) != 0)
                    continue;
                int32_t leader = -2;
                for (int j = 0; j < mt->partition_cnt; j++)
                    if (mt->partitions[j].id == k->assign[a].partition)
                        leader = mt->partitions[j].leader;
                if (leader == -2) {
                    if (!missing[0])
                        snprintf(missing, misslen, "topic %s has no partition %d (it has %d)", mt->topic,
                                 (int)k->assign[a].partition, mt->partition_cnt);
                } else {
                    add_part(k, mt->topic, k->assign[a].partition, leader, NULL);
                }
            }
        }
        rd_kafka_metadata_destroy(md);
    }
    return 0;
}

/* ===================================================================== */
/* Offsets of partitions: earliest and latest, asked per leader at once   */
/* ===================================================================== */

/* One partition's question and answer. */
typedef struct oq {
    int part;               /* index into k->parts */
    bool want_lo, want_hi;
    int64_t lo, hi;         /* -1 until answered */
    rd_kafka_resp_err_t err;
} oq;

/* The questions for one leader: ListOffsets requests (latest, earliest). */
typedef struct oq_job {
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *hi, *lo;
    int timeout_ms;
    rd_kafka_resp_err_t err;
    pthread_t thread;
    bool threaded;
} oq_job;

static void *oq_run(void *arg) {
    oq_job *j = arg;
    j->err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (j->hi->cnt)
        j->err = rd_kafka_offsets_for_times(j->rk, j->hi, j->timeout_ms);
    if (!j->err && j->lo->cnt)
        j->err = rd_kafka_offsets_for_times(j->rk, j->lo, j->timeout_ms);
    return NULL;
}

static int cmp_leader(const void *a, const void *b, void *arg) {
    const kafka_src *k = arg;
    const oq *x = a, *y = b;
    int32_t lx = k->parts[x->part].leader, ly = k->parts[y->part].leader;
    return (lx > ly) - (lx < ly);
}

static void answers(oq_job *j, oq *q, rd_kafka_topic_partition_list_t *l, bool hi) {
    for (int e = 0; e < l->cnt; e++) {
        oq *o = &q[(intptr_t)l->elems[e].opaque];
        if (j->err || l->elems[e].err) {
            if (!o->err)
                o->err = j->err ? j->err : l->elems[e].err;
        } else if (hi) {
            o->hi = l->elems[e].offset;
        } else {
            o->lo = l->elems[e].offset;
        }
    }
}

/* Answer q[0..n) (reordered: grouped by leader): the leaders are asked at
 * the same time, so a broker that is down costs one timeout, and only its
 * partitions fail. */
static void query_offsets(kafka_src *k, oq *q, int n, int timeout_ms) {
    if (n == 0)
        return;
    qsort_r(q, (size_t)n, sizeof *q, cmp_leader, k);
    int ngroups = 0;
    for (int i = 0; i < n; i++) {
        q[i].lo = q[i].hi = -1;
        q[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (i == 0 || k->parts[q[i].part].leader != k->parts[q[i - 1].part].leader)
            ngroups++;
    }
    oq_job *jobs = sr_xcalloc((size_t)ngroups, sizeof *jobs);
    for (int i = 0, g = -1; i < n; i++) {
        if (i == 0 || k->parts[q[i].part].leader != k->parts[q[i - 1].part].leader) {
            g++;
            jobs[g].rk = k->rk;
            jobs[g].timeout_ms = timeout_ms;
            jobs[g].hi = rd_kafka_topic_partition_list_new(8);
            jobs[g].lo = rd_kafka_topic_partition_list_new(8);
        }
        const kpart *p = &k->parts[q[i].part];
        if (q[i].want_hi) {
            rd_kafka_topic_partition_t *e =
                rd_kafka_topic_partition_list_add(jobs[g].hi, p->topic, p->partition);
            e->offset = RD_KAFKA_OFFSET_END;     /* ListOffsets: latest */
            e->opaque = (void *)(intptr_t)i;
        }
        if (q[i].want_lo) {
            rd_kafka_topic_partition_t *e =
                rd_kafka_topic_partition_list_add(jobs[g].lo, p->topic, p->partition);
            e->offset = RD_KAFKA_OFFSET_BEGINNING; /* earliest */
            e->opaque = (void *)(intptr_t)i;
        }
    }
    sigset_t all, old; /* signals are for the scheduler's thread */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int g = 1; g < ngroups; g++)
        jobs[g].threaded = pthread_create(&jobs[g].thread, NULL, oq_run, &jobs[g]) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    oq_run(&jobs[0]);
    for (int g = 1; g < ngroups; g++) {
        if (jobs[g].threaded)
            pthread_join(jobs[g].thread, NULL);
        else
            oq_run(&jobs[g]);
    }
    for (int g = 0; g < ngroups; g++) {
        answers(&jobs[g], q, jobs[g].hi, true);
        answers(&jobs[g], q, jobs[g].lo, false);
        rd_kafka_topic_partition_list_destroy(jobs[g].hi);
        rd_kafka_topic_partition_list_destroy(jobs[g].lo);
    }
    free(jobs);
    for (int i = 0; i < n; i++)
        if (!q[i].err && ((q[i].want_hi && q[i].hi < 0) || (q[i].want_lo && q[i].lo < 0)))
            q[i].err = RD_KAFKA_RESP_ERR__NO_OFFSET;
}

/* ===================================================================== */
/* Offset stores                                                          */
/* ===================================================================== */

/* The checkpoint: positions restored before start. (They are saved by
 * kafka_save with the rest of the checkpoint.) */
static int checkpoint_load(kafka_src *k, const int *idx, int n, int64_t *offs, int timeout_ms,
                           char *errstr, size_t errlen) {
    (void)timeout_ms;
    (void)errstr;
    (void)errlen;
    for (int i = 0; i < n; i++) {
        offs[i] = -1;
        const kpart *p = &k->parts[idx[i]];
        for (int r = 0; r < k->nrestored; r++)
            if (k->restored[r].partition == p->partition && strcmp(k->restored[r].topic, p->topic) == 0)
                offs[i] = k->restored[r].offset;
    }
    return 0;
}

/* The consumer group: committed offsets. */
static int group_load(kafka_src *k, const int *idx, int n, int64_t *offs, int timeout_ms,
                      char *errstr, size_t errlen) {
    for (int i = 0; i < n; i++)
        offs[i] = -1;
    if (!k->group || n == 0)
        return 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, k->parts[idx[i]].topic, k->parts[idx[i]].partition);
    rd_kafka_resp_err_t err = rd_kafka_committed(k->rk, l, timeout_ms);
    if (err) {
        sr_source_errf(errstr, errlen, "cannot read the committed offsets of group %s: %s", k->group,
                       rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_destroy(l);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const rd_kafka_topic_partition_t *e = &l->elems[i];
        if (!e->err && e->offset >= 0) {
            offs[i] = e->offset;
            k->parts[idx[i]].committed = e->offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    return 0;
}

/* Results of earlier commits, waiting up to wait_ms for the one in flight. */
static void commit_results(kafka_src *k, int wait_ms) {
    while (k->commit_inflight) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(k->commit_q, wait_ms);
        if (!ev)
            return;
        if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_OFFSET_COMMIT) {
            rd_kafka_event_destroy(ev);
            continue;
        }
        k->commit_inflight = false;
        rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
        const rd_kafka_topic_partition_list_t *l = rd_kafka_event_topic_partition_list(ev);
        bool ok = !err;
        for (int e = 0; l && e < l->cnt; e++) {
            const rd_kafka_topic_partition_t *tp = &l->elems[e];
            int i = find_part(k, tp->topic, tp->partition, NULL);
            if (tp->err || err) {
                ok = false;
                if (!err)
                    err = tp->err;
            } else if (i >= 0) {
                kpart *p = &k->parts[i];
                if (tp->offset > p->committed)
                    p->committed = tp->offset;
                if (p->commit_want <= p->committed)
                    p->commit_want = -1;
                sr_log(SR_LOG_DEBUG, "Kafka %s/%d: committed %" PRId64 " for group %s", tp->topic,
                       (int)tp->partition, tp->offset, k->group);
            }
        }
        if (!ok && !k->commit_failing)
            sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): committing offsets to group %s failed: %s; retrying "
                                "with the next batch", sr_source_name(&k->base), k->group,
                   rd_kafka_err2str(err));
        else if (ok && k->commit_failing)
            sr_log(SR_LOG_INFO, "Kafka (%s): offsets committed to group %s again",
                   sr_source_name(&k->base), k->group);
        k->commit_failing = !ok;
        rd_kafka_event_destroy(ev);
        wait_ms = 0;
    }
}

/* Commit the ranges' `until` and whatever else is wanted (commitAsync,
 * earlier failures) and not yet committed; wait up to wait_ms for the
 * result. One commit is in flight at a time: while one is, the next batch
 * commits (newer offsets, covering this one's). */
static void group_save(kafka_src *k, const krange *rg, int n, int wait_ms) {
    if (!k->group || k->closed)
        return;
    for (int r = 0; r < n; r++) {
        int i = find_part(k, rg[r].topic, rg[r].partition, NULL);
        if (i >= 0 && rg[r].until > k->parts[i].commit_want)
            k->parts[i].commit_want = rg[r].until;
    }
    commit_results(k, wait_ms);
    if (k->commit_inflight) {
        sr_log(SR_LOG_DEBUG, "Kafka (%s): the last commit is still running; this batch's offsets "
                             "go with the next", sr_source_name(&k->base));
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < k->nparts; i++) {
        kpart *p = &k->parts[i];
        if (p->commit_want >= 0 && p->commit_want != p->committed)
            rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = p->commit_want;
        else
            p->commit_want = -1;
    }
    if (l->cnt) {
        rd_kafka_resp_err_t err = rd_kafka_commit_queue(k->rk, l, k->commit_q, NULL, NULL);
        if (err) {
            if (!k->commit_failing)
                sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): committing offsets to group %s failed: %s; "
                                    "retrying with the next batch",
                       sr_source_name(&k->base), k->group, rd_kafka_err2str(err));
            k->commit_failing = true;
        } else {
            k->commit_inflight = true;
            commit_results(k, wait_ms);
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* Redis (`offsets redis`): the seed's layout, a hash per topic with a
 * field per partition holding the next offset to read. The start first
 * waits for Redis (n == 0). Writes are queued for the batch's Redis
 * transaction (redis.h), which also holds the batch's saveToRedis writes
 * to the same address: results and offsets are applied together. */
static int redis_load(kafka_src *k, const int *idx, int n, int64_t *offs, int timeout_ms,
                      char *errstr, size_t errlen) {
    char err[512], t[32];
    int64_t deadline = sr_mono_us() + (int64_t)timeout_ms * 1000;
    if (n == 0) {
        int64_t wait_ms = sr_redis_start_timeout_ms(k->redis);
        deadline = sr_mono_us() + wait_ms * 1000;
        redisReply *rep = sr_redis_command_wait(k->redis, deadline, err, sizeof err, "PING");
        if (!rep && sr_stop_requested()) {
            sr_source_errf(errstr, errlen, "stopped by a signal while waiting for Redis at %s (%s)",
                           sr_redis_name(k->redis), err);
            return -1;
        }
        if (!rep) {
            sr_source_errf(errstr, errlen, "cannot reach Redis at %s for the offsets (waited %s): %s",
                           sr_redis_name(k->redis), secs(wait_ms, t, sizeof t), err);
            return -1;
        }
        freeReplyObject(rep);
        return 0;
    }
    for (int i = 0; i < n; i++)
        offs[i] = -1;
    for (int i = 0; i < n; i++) {
        const char *topic = k->parts[idx[i]].topic;
        bool seen = false; /* one HGETALL per topic */
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(k->parts[idx[j]].topic, topic) == 0;
        if (seen)
            continue;
        redisReply *rep = sr_redis_command_wait(k->redis, deadline, err, sizeof err, "HGETALL %s", topic);
        if (!rep || rep->type != REDIS_REPLY_ARRAY) {
            sr_source_errf(errstr, errlen, "cannot read the offsets of %s from Redis at %s: %s", topic,
                           sr_redis_name(k->redis), rep ? "not a hash" : err);
            if (rep)
                freeReplyObject(rep);
            return -1;
        }
        for (size_t e = 0; e + 1 < rep->elements; e += 2) {
            const redisReply *f = rep->element[e], *v = rep->element[e + 1];
            char *end = NULL;
            long part = f->str ? strtol(f->str, &end, 10) : -1;
            long long off = v->str ? strtoll(v->str, NULL, 10) : -1;
            if (!f->str || *end || end == f->str || part < 0 || off < 0) {
                sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): ignoring Redis %s field %s = %s: not a partition and offset",
                       sr_source_name(&k->base), topic, f->str ? f->str : "?", v->str ? v->str : "?");
                continue;
            }
            for (int j = i; j < n; j++)
                if (k->parts[idx[j]].partition == part && strcmp(k->parts[idx[j]].topic, topic) == 0) {
                    offs[j] = off;
                    k->parts[idx[j]].in_redis = off;
                }
        }
        freeReplyObject(rep);
    }
    return 0;
}

/* Queue HSET topic partition until for the partitions whose stored offset
 * moved; the batch's Redis transaction writes them. */
static void redis_save(kafka_src *k, const krange *rg, int n, int wait_ms) {
    (void)wait_ms; /* the transaction waits for Redis itself */
    sr_buf cmds = { 0 };
    int64_t ncmds = 0;
    for (int r = 0; r < n; r++) {
        int i = find_part(k, rg[r].topic, rg[r].partition, NULL);
        if (i < 0 || k->parts[i].in_redis == rg[r].until)
            continue;
        char part[16], until[32];
        snprintf(part, sizeof part, "%" PRId32, rg[r].partition);
        snprintf(until, sizeof until, "%" PRId64, rg[r].until);
        sr_resp_argc(&cmds, 4);
        sr_resp_cstr(&cmds, "HSET");
        sr_resp_cstr(&cmds, rg[r].topic);
        sr_resp_cstr(&cmds, part);
        sr_resp_cstr(&cmds, until);
        ncmds++;
        k->parts[i].in_redis = rg[r].until; /* if the transaction fails, the run stops */
    }
    if (ncmds)
        sr_redis_queue(k->redis, cmds.ptr, cmds.len, ncmds, "the Kafka offsets (HSET)", true);
    sr_buf_free(&cmds);
}

static const offset_store checkpoint_store = { "the checkpoint", checkpoint_load, NULL };
static const offset_store group_store = { "the consumer group", group_load, group_save };
static const offset_store redis_store = { "Redis", redis_load, redis_save };

/* ===================================================================== */
/* Start                                                                  */
/* ===================================================================== */

/* Where a starting offset came from, for the start's log line. */
typedef enum origin {
    FROM_CHECKPOINT, /* the checkpoint */
    FROM_ASSIGN,     /* Assign's fromOffsets */
    FROM_STORED,     /* the consumer group's committed offset (or the offset store) */
    FROM_EARLIEST,   /* auto.offset.reset=earliest */
    FROM_LATEST,     /* auto.offset.reset=latest */
    FROM_COUNT,
} origin;

static void log_starts(kafka_src *k, const origin *org) {
    const char *const what[FROM_COUNT] = { "from the checkpoint", "fromOffsets",
                                           k->stored == &redis_store ? "stored in Redis" : "committed",
                                           "earliest", "latest" };
    sr_buf b = { 0 };
    for (int o = 0; o < FROM_COUNT; o++) {
        bool first = true;
        for (int i = 0; i < k->nparts; i++) {
            if (org[i] != (origin)o)
                continue;
            if (first) {
                if (b.len)
                    sr_buf_cstr(&b, "; ");
                sr_buf_cstr(&b, what[o]);
                sr_buf_cstr(&b, ": ");
            } else {
                sr_buf_cstr(&b, ", ");
            }
            first = false;
            sr_buf_cstr(&b, k->parts[i].topic);
            sr_buf_char(&b, '/');
            sr_buf_long(&b, k->parts[i].partition);
            sr_buf_char(&b, '@');
            sr_buf_long(&b, k->parts[i].next);
        }
    }
    sr_log(SR_LOG_INFO, "Kafka (%s): %d partition%s, starting at %.*s", sr_source_name(&k->base),
           k->nparts, k->nparts == 1 ? "" : "s", (int)b.len, b.ptr ? b.ptr : "");
    sr_buf_free(&b);
}

static int64_t left_ms(int64_t deadline_us) {
    int64_t left = (deadline_us - sr_mono_us()) / 1000;
    return left > 0 ? left : 0;
}

static int kafka_start(sr_source *src, char *errstr, size_t errlen) {
    kafka_src *k = (kafka_src *)src;
    if (k->started)
        return 0;
    char t[32];
    int64_t deadline = sr_mono_us() + k->start_timeout_ms * 1000;
    if (k->offsets == SR_OFFSETS_REDIS) { /* the store must be readable */
        int64_t none;
        if (redis_store.load(k, NULL, 0, &none, 0, errstr, errlen) != 0)
            return -1;
    }

    /* The partitions. */
    char why[256] = "", missing[256] = "", was_missing[256] = "";
    for (;;) {
        int64_t t0 = sr_mono_us();
        int rc = discover(k, (int)clamp64(left_ms(deadline), 1, 2000), why, sizeof why, missing,
                          sizeof missing);
        if (rc == 0 && !missing[0])
            break;
        if (rc == 0)
            memcpy(was_missing, missing, sizeof missing);
        if (sr_stop_requested()) {
            sr_source_errf(errstr, errlen, "stopped by a signal while waiting for Kafka at %s (%s)",
                           k->bootstrap, was_missing[0] ? was_missing : why);
            return -1;
        }
        if (left_ms(deadline) == 0) {
            if (!was_missing[0]) /* the cluster never answered */
                sr_source_errf(errstr, errlen, "cannot reach Kafka at %s after %s (%s)", k->bootstrap,
                               secs(k->start_timeout_ms, t, sizeof t), why);
            else
                sr_source_errf(errstr, errlen, "%s (waited %s)", was_missing,
                               secs(k->start_timeout_ms, t, sizeof t));
            return -1;
        }
        int64_t spent = (sr_mono_us() - t0) / 1000;
        if (spent < 200)
            usleep((useconds_t)(clamp64(200 - spent, 0, left_ms(deadline)) * 1000));
    }
    if (k->mode == MODE_PATTERN && k->nparts == 0)
        sr_log(SR_LOG_INFO, "Kafka (%s): no topic matches the pattern yet", sr_source_name(&k->base));

    /* Starting offsets, first found: checkpoint > fromOffsets > stored > reset. */
    int n = k->nparts;
    int *idx = sr_xcalloc((size_t)(n ? n : 1), sizeof *idx);
    int64_t *offs = sr_xcalloc((size_t)(n ? n : 1), sizeof *offs);
    origin *org = sr_xcalloc((size_t)(n ? n : 1), sizeof *org);
    int rc = -1;
    for (int i = 0; i < n; i++)
        idx[i] = i;
    checkpoint_store.load(k, idx, n, offs, 0, NULL, 0);
    for (int i = 0; i < n; i++) {
        k->parts[i].next = offs[i];
        org[i] = FROM_CHECKPOINT;
    }
    for (int r = 0; r < k->nrestored; r++)
        if (find_part(k, k->restored[r].topic, k->restored[r].partition, NULL) < 0)
            sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): the checkpoint has a position for %s/%d, which is no "
                                "longer read", sr_source_name(&k->base), k->restored[r].topic,
                   (int)k->restored[r].partition);
    for (int a = 0; a < k->nassign; a++) {
        int i = find_part(k, k->assign[a].topic, k->assign[a].partition, NULL);
        if (i >= 0 && k->parts[i].next < 0 && k->assign[a].offset >= 0) {
            k->parts[i].next = k->assign[a].offset;
            org[i] = FROM_ASSIGN;
        }
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (k->parts[i].next < 0)
            idx[m++] = i;
    int wait = (int)clamp64(left_ms(deadline), 1000, INT32_MAX);
    if (k->stored->load(k, idx, m, offs, wait, errstr, errlen) != 0)
        goto out;
    for (int j = 0; j < m; j++) {
        if (offs[j] >= 0) {
            k->parts[idx[j]].next = offs[j];
            org[idx[j]] = FROM_STORED;
        }
    }
    m = 0;
    for (int i = 0; i < n; i++)
        if (k->parts[i].next < 0)
            idx[m++] = i;
    if (m && k->reset == RESET_NONE) {
        sr_source_errf(errstr, errlen, "no committed offset for topic %s partition %d and "
                                       "auto.offset.reset=none", k->parts[idx[0]].topic,
                       (int)k->parts[idx[0]].partition);
        goto out;
    }
    if (m) {
        oq *q = sr_xcalloc((size_t)m, sizeof *q);
        for (int j = 0; j < m; j++)
            q[j] = (oq){ .part = idx[j], .want_lo = k->reset == RESET_EARLIEST,
                         .want_hi = k->reset == RESET_LATEST };
        query_offsets(k, q, m, (int)clamp64(left_ms(deadline), 1000, INT32_MAX));
        for (int j = 0; j < m; j++) {
            if (q[j].err) {
                sr_source_errf(errstr, errlen, "cannot get the %s offset of %s/%d from Kafka at %s: %s",
                               k->reset == RESET_EARLIEST ? "earliest" : "latest",
                               k->parts[q[j].part].topic, (int)k->parts[q[j].part].partition,
                               k->bootstrap, rd_kafka_err2str(q[j].err));
                free(q);
                goto out;
            }
            k->parts[q[j].part].next = k->reset == RESET_EARLIEST ? q[j].lo : q[j].hi;
            org[q[j].part] = k->reset == RESET_EARLIEST ? FROM_EARLIEST : FROM_LATEST;
        }
        free(q);
    }
    log_starts(k, org);
    k->started = true;
    k->last_refresh_us = sr_mono_us();
    rc = 0;
out:
    free(idx);
    free(offs);
    free(org);
    return rc;
}

/* ===================================================================== */
/* Rate limits                                                            */
/* ===================================================================== */

/* The most records each partition may take this batch given its lag
 * (latest - next); -1 = no limit. Spark's maxMessagesPerPartition (rate.h):
 * with backpressure the estimated rate (or initialRate before the first
 * estimate) is shared in proportion to the lags, capped by
 * maxRatePerPartition; else maxRatePerPartition; times the batch in
 * seconds, at least minRatePerPartition. */
static void partition_limits(const kafka_src *k, int n, const int64_t *lags, int64_t *limits) {
    double est = -1;
    if (k->backpressure)
        est = k->est_rate > 0 ? k->est_rate : k->initial_rate > 0 ? k->initial_rate : -1;
    if (!sr_rate_partition_limits(n, lags, k->batch_ms, k->max_rate, est, k->min_rate, limits))
        for (int i = 0; i < n; i++)
            limits[i] = -1;
}

/* ===================================================================== */
/* Reading exactly the ranges                                             */
/* ===================================================================== */

static sr_str copy_bytes(sr_arena *a, const void *p, size_t n) {
    if (!p)
        return (sr_str){ NULL, 0 };
    char *c = sr_arena_alloc(a, n ? n : 1);
    memcpy(c, p, n);
    return (sr_str){ c, (int64_t)n };
}

typedef struct reading {
    int r;                  /* index into the ranges */
    int64_t pos;            /* next offset expected */
    bool done;
} reading;

/* What a read still waits for: the records left in the ranges. */
typedef struct read_state {
    reading *rd;
    int nrd;
    int active;             /* readings not done */
    int64_t need;           /* sum of (until - pos) over them */
} read_state;

/* Reading x is done at offset `end` (<= its range's until, which becomes
 * `end` when lower: the records past it were not there). */
static void read_done(read_state *st, reading *x, krange *r, int64_t end) {
    st->need -= r->until - x->pos;
    if (end < r->until)
        r->until = end;
    x->pos = r->until;
    x->done = true;
    st->active--;
}

static int cmp_reading(const void *a, const void *b, void *arg) {
    const krange *rg = arg;
    const krange *x = &rg[((const reading *)a)->r], *y = &rg[((const reading *)b)->r];
    return part_cmp(x->topic, x->partition, y->topic, y->partition);
}

static reading *find_reading(reading *rd, int n, const krange *rg, const char *topic, int32_t partition) {
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        const krange *x = &rg[rd[mid].r];
        int c = part_cmp(x->topic, x->partition, topic, partition);
        if (c == 0)
            return &rd[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The readings not done whose consumer position reached their range's end
 * (the records left were gaps) are done. */
static void check_positions(kafka_src *k, read_state *st, krange *rg) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(st->nrd);
    for (int i = 0; i < st->nrd; i++)
        if (!st->rd[i].done)
            rd_kafka_topic_partition_list_add(l, rg[st->rd[i].r].topic, rg[st->rd[i].r].partition)->opaque =
                &st->rd[i];
    if (l->cnt && rd_kafka_position(k->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int e = 0; e < l->cnt; e++) {
            reading *x = l->elems[e].opaque;
            if (!l->elems[e].err && l->elems[e].offset >= rg[x->r].until)
                read_done(st, x, &rg[x->r], rg[x->r].until);
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* Read the records [from, until) of rg[0..n) into out[i] (sr_krec in
 * `arena`). Reading goes on as long as records come; when none came for
 * timeout_ms (Spark's poll timeout), a range not read to its end ends
 * where reading stopped (its `until` is lowered, with a WARN, or an ERROR
 * when `replay`). Returns the number of records; *bytes gets keys +
 * values. */
static int64_t read_ranges(kafka_src *k, krange *rg, int n, sr_arena *arena, sr_seq *out,
                           int64_t timeout_ms, bool replay, int64_t *bytes) {
    int64_t records = 0;
    *bytes = 0;
    read_state st = { .rd = sr_xcalloc((size_t)(n ? n : 1), sizeof *st.rd) };
    reading *rd = st.rd;
    sr_str *topic = sr_xcalloc((size_t)(n ? n : 1), sizeof *topic);
    int nrd = 0;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n ? n : 1);
    for (int i = 0; i < n; i++) {
        out[i] = (sr_seq){ 0 };
        topic[i] = copy_bytes(arena, rg[i].topic, strlen(rg[i].topic));
        if (rg[i].until <= rg[i].from)
            continue;
        rd_kafka_topic_partition_list_add(l, rg[i].topic, rg[i].partition)->offset = rg[i].from;
        rd[nrd++] = (reading){ .r = i, .pos = rg[i].from };
        int64_t want = rg[i].until - rg[i].from;
        sr_seq_reserve(arena, &out[i], want < 65536 ? want : 65536, sizeof(sr_krec));
        st.need += want;
    }
    st.nrd = st.active = nrd;
    if (nrd == 0)
        goto done;
    qsort_r(rd, (size_t)nrd, sizeof *rd, cmp_reading, rg);
    rd_kafka_resp_err_t err = rd_kafka_assign(k->rk, l);
    if (err) {
        sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): cannot assign the batch's partitions: %s",
               sr_source_name(&k->base), rd_kafka_err2str(err));
        goto cut;
    }
    int64_t deadline = sr_mono_us() + timeout_ms * 1000;
    rd_kafka_message_t **msgs = sr_xmalloc(READ_BATCH * sizeof *msgs);
    reading *hit = NULL;
    while (st.active > 0) {
        int64_t left = left_ms(deadline);
        if (left == 0)
            break;
        /* ask for no more than the ranges still need: the call returns as
         * soon as it has that many, else waits out its time */
        size_t ask = st.need < READ_BATCH ? (size_t)(st.need > 0 ? st.need : 1) : READ_BATCH;
        ssize_t got = rd_kafka_consume_batch_queue(k->cq, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS),
                                                   msgs, ask);
        int64_t need = st.need;
        int active = st.active;
        if (got <= 0)
            check_positions(k, &st, rg);
        for (ssize_t j = 0; j < got; j++) {
            rd_kafka_message_t *m = msgs[j];
            const char *tname = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL;
            reading *x = NULL;
            if (tname) {
                if (hit && rg[hit->r].partition == m->partition && strcmp(rg[hit->r].topic, tname) == 0)
                    x = hit;
                else
                    x = hit = find_reading(rd, nrd, rg, tname, m->partition);
            }
            if (!x || x->done) {
                if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    sr_log(SR_LOG_DEBUG, "Kafka (%s): %s", sr_source_name(&k->base),
                           rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
                continue;
            }
            krange *r = &rg[x->r];
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                /* every record before m->offset has been delivered */
                if (m->offset < r->until && m->offset >= x->pos)
                    sr_log(SR_LOG_DEBUG, "Kafka %s/%d: readable only up to %" PRId64 " of [%" PRId64
                                         ", %" PRId64 ")", r->topic, (int)r->partition, m->offset,
                           r->from, r->until);
                if (m->offset >= x->pos)
                    read_done(&st, x, r, m->offset);
            } else if (m->err) {
                if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                    m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
                    /* the range's records are gone, or not there yet */
                    sr_source_log(&k->base, SR_LOG_WARN, "Kafka %s/%d: offset %" PRId64 " is out of range; %s",
                           r->topic, (int)r->partition, x->pos,
                           replay ? "the rest of the replayed range is skipped"
                                  : "the partition's offsets are checked again next batch");
                    int i = find_part(k, r->topic, r->partition, NULL);
                    if (i >= 0)
                        k->parts[i].check_low = true;
                    read_done(&st, x, r, x->pos);
                } else {
                    sr_log(SR_LOG_DEBUG, "Kafka %s/%d: %s", r->topic, (int)r->partition,
                           rd_kafka_message_errstr(m));
                }
            } else if (m->offset >= x->pos) {
                if (m->offset < r->until) {
                    sr_krec *rec = sr_seq_push(arena, &out[x->r], sizeof *rec);
                    rec->key = copy_bytes(arena, m->key, m->key_len);
                    rec->value = copy_bytes(arena, m->payload, m->len);
                    rec->topic = topic[x->r];
                    rec->partition = m->partition;
                    rec->offset = m->offset;
                    rec->timestamp = rd_kafka_message_timestamp(m, NULL);
                    *bytes += (int64_t)(m->key_len + m->len);
                    records++;
                    st.need -= m->offset + 1 - x->pos;
                    x->pos = m->offset + 1;
                    if (x->pos >= r->until)
                        read_done(&st, x, r, r->until);
                } else {
                    read_done(&st, x, r, r->until); /* a gap up to the end */
                }
            }
            rd_kafka_message_destroy(m);
        }
        if (st.need < need || st.active < active) /* progress */
            deadline = sr_mono_us() + timeout_ms * 1000;
    }
    free(msgs);
    rd_kafka_assign(k->rk, NULL); /* no fetching between batches */
cut:
    for (int i = 0; i < nrd; i++) {
        krange *r = &rg[rd[i].r];
        if (rd[i].done || rd[i].pos >= r->until)
            continue;
        sr_log(replay ? SR_LOG_ERROR : SR_LOG_WARN,
               "Kafka %s/%d: only [%" PRId64 ", %" PRId64 ") of [%" PRId64 ", %" PRId64 ") could be "
               "read (nothing came for %" PRId64 " ms)%s", r->topic, (int)r->partition, r->from,
               rd[i].pos, r->from, r->until, timeout_ms,
               replay ? "; the rest of the replayed range is lost" : "; the rest comes with the next batch");
        r->until = rd[i].pos;
    }
done:
    rd_kafka_topic_partition_list_destroy(l);
    free(rd);
    free(topic);
    return records;
}

/* ===================================================================== */
/* Batches                                                                */
/* ===================================================================== */

/* New partitions and leaders, at most every refresh_ms (Subscribe and
 * SubscribePattern see partitions and topics added while running). */
static void refresh(kafka_src *k) {
    int64_t now = sr_mono_us();
    if (now - k->last_refresh_us < k->refresh_ms * 1000)
        return;
    k->last_refresh_us = now;
    char why[256], missing[256];
    if (discover(k, k->query_timeout_ms, why, sizeof why, missing, sizeof missing) != 0) {
        if (!k->refresh_failing)
            sr_log(SR_LOG_DEBUG, "Kafka (%s): metadata refresh failed: %s", sr_source_name(&k->base), why);
        k->refresh_failing = true;
        return;
    }
    k->refresh_failing = false;
    /* new partitions: the group's committed offset, else (at take) the earliest */
    int *idx = sr_xcalloc((size_t)(k->nparts ? k->nparts : 1), sizeof *idx);
    int64_t *offs = sr_xcalloc((size_t)(k->nparts ? k->nparts : 1), sizeof *offs);
    int m = 0;
    for (int i = 0; i < k->nparts; i++)
        if (k->parts[i].next < 0)
            idx[m++] = i;
    char err[256];
    if (m && k->stored->load(k, idx, m, offs, k->query_timeout_ms, err, sizeof err) == 0)
        for (int j = 0; j < m; j++)
            k->parts[idx[j]].next = offs[j];
    free(idx);
    free(offs);
}

/* The ranges as the checkpoint's receipt: count, (topic, partition, from, until)... */
static void put_ranges(sr_buf *b, const krange *rg, int n) {
    sr_enc_u64(b, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        sr_enc_str(b, (sr_str){ rg[i].topic, (int64_t)strlen(rg[i].topic) });
        sr_enc_i64(b, rg[i].partition);
        sr_enc_i64(b, rg[i].from);
        sr_enc_i64(b, rg[i].until);
    }
}

/* Keep rg[0..n) as the last batch's ranges; hand the partitions over. */
static void finish_batch(kafka_src *k, const krange *rg, int n, sr_seq *parts, int64_t records,
                         int64_t bytes, sr_lines *out) {
    if (n > k->caplast) {
        k->caplast = n;
        k->last = sr_xrealloc(k->last, (size_t)n * sizeof *k->last);
    }
    if (n)
        memcpy(k->last, rg, (size_t)n * sizeof *rg);
    k->nlast = n;
    out->parts = parts;
    out->nparts = n;
    out->n = records;
    out->bytes = bytes;
    if (sr_log_enabled(SR_LOG_DEBUG))
        for (int i = 0; i < n; i++)
            sr_log(SR_LOG_DEBUG, "Kafka %s/%d [%" PRId64 ", %" PRId64 ") %" PRId64 " records", rg[i].topic,
                   (int)rg[i].partition, rg[i].from, rg[i].until, parts[i].len);
}

/* The answers of q[0..n) into lo[]/hi[] by part (-2: no answer); one WARN
 * for the partitions that stopped answering, one INFO for those back. */
static void note_offsets(kafka_src *k, const oq *q, int n, int64_t *lo, int64_t *hi) {
    int *down = sr_xcalloc((size_t)(n ? n : 1), sizeof *down);
    int *up = sr_xcalloc((size_t)(n ? n : 1), sizeof *up);
    int ndown = 0, nup = 0;
    rd_kafka_resp_err_t why = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int j = 0; j < n; j++) {
        kpart *p = &k->parts[q[j].part];
        lo[q[j].part] = q[j].err ? -2 : q[j].lo;
        hi[q[j].part] = q[j].err ? -2 : q[j].hi;
        if (!q[j].err)
            p->end = q[j].hi;
        if (q[j].err && !p->down) {
            p->down = true;
            down[ndown++] = q[j].part;
            why = q[j].err;
        } else if (!q[j].err && p->down) {
            p->down = false;
            up[nup++] = q[j].part;
        }
    }
    char names[512];
    if (ndown) {
        names_of(k, down, ndown, names, sizeof names);
        sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): cannot get the latest offsets of %s (%s); nothing is read "
                            "from %s until it answers (asked again every batch)",
               sr_source_name(&k->base), names, rd_kafka_err2str(why), ndown == 1 ? "it" : "them");
    }
    if (nup) {
        names_of(k, up, nup, names, sizeof names);
        sr_log(SR_LOG_INFO, "Kafka (%s): %s answer%s again", sr_source_name(&k->base), names,
               nup == 1 ? "s" : "");
    }
    bool any_down = false;
    for (int i = 0; i < k->nparts && !any_down; i++)
        any_down = k->parts[i].down;
    sr_source_set_active(&k->base, !any_down);
    free(down);
    free(up);
}

/* This batch's ranges into rg[] (returns how many): from = the part's
 * position (a new part's: its earliest offset; data gone: the earliest
 * left), until = min(latest, from + its limit); a part that did not answer
 * gets [from, from). */
static int plan_ranges(kafka_src *k, const int64_t *lo, const int64_t *hi, krange *rg) {
    int n = k->nparts;
    int64_t *lags = sr_xcalloc((size_t)(n ? n : 1), sizeof *lags);
    int64_t *limits = sr_xcalloc((size_t)(n ? n : 1), sizeof *limits);
    for (int i = 0; i < n; i++) {
        kpart *p = &k->parts[i];
        if (hi[i] < 0)
            continue;
        if (p->next < 0) {
            p->next = lo[i];
            p->fresh = true;
        }
        if (p->fresh) {
            sr_log(SR_LOG_INFO, "Kafka (%s): new partition %s/%d, starting at offset %" PRId64,
                   sr_source_name(&k->base), p->topic, (int)p->partition, p->next);
            p->fresh = false;
        }
        if (lo[i] >= 0) {
            p->check_low = false;
            if (p->next < lo[i]) {
                sr_source_log(&k->base, SR_LOG_WARN, "Kafka %s/%d: offsets [%" PRId64 ", %" PRId64 ") are gone "
                                    "(retention); going on from %" PRId64,
                       p->topic, (int)p->partition, p->next, lo[i], lo[i]);
                p->next = lo[i];
            }
        }
        if (p->next > hi[i]) {
            if (!p->beyond)
                sr_source_log(&k->base, SR_LOG_WARN, "Kafka %s/%d: the position %" PRId64 " is past the partition's end "
                                    "(%" PRId64 "); waiting for records there", p->topic, (int)p->partition,
                       p->next, hi[i]);
            p->beyond = true;
        } else {
            p->beyond = false;
            lags[i] = hi[i] - p->next;
        }
    }
    partition_limits(k, n, lags, limits);
    int nr = 0;
    for (int i = 0; i < n; i++) {
        kpart *p = &k->parts[i];
        if (p->next < 0)
            continue; /* never reached yet: not part of the batch */
        int64_t until = p->next;
        if (hi[i] >= 0 && lags[i] > 0)
            until = limits[i] >= 0 && limits[i] < lags[i] ? p->next + limits[i] : hi[i];
        rg[nr++] = (krange){ p->topic, p->partition, p->next, until };
    }
    free(lags);
    free(limits);
    return nr;
}

/* A batch: new partitions, the latest offsets, the ranges, their records. */
static void kafka_take(sr_source *src, int64_t time_ms, sr_arena *arena, sr_lines *out, sr_buf *receipt) {
    kafka_src *k = (kafka_src *)src;
    (void)time_ms;
    k->nlast = 0;
    if (k->stopped || !k->started)
        return;
    refresh(k);
    int n = k->nparts;
    oq *q = sr_xcalloc((size_t)(n ? n : 1), sizeof *q);
    for (int i = 0; i < n; i++)
        q[i] = (oq){ .part = i, .want_hi = true,
                     .want_lo = k->parts[i].next < 0 || k->parts[i].check_low };
    query_offsets(k, q, n, k->query_timeout_ms);
    int64_t *lo = sr_xcalloc((size_t)(n ? n : 1), sizeof *lo);
    int64_t *hi = sr_xcalloc((size_t)(n ? n : 1), sizeof *hi);
    note_offsets(k, q, n, lo, hi);
    free(q);
    krange *rg = sr_xcalloc((size_t)(n ? n : 1), sizeof *rg);
    int nr = plan_ranges(k, lo, hi, rg);
    free(lo);
    free(hi);

    sr_seq *parts = sr_arena_alloc(arena, (size_t)(nr ? nr : 1) * sizeof *parts);
    int64_t bytes = 0;
    int64_t records = read_ranges(k, rg, nr, arena, parts, k->read_timeout_ms, false, &bytes);
    for (int r = 0; r < nr; r++) /* `until` as read */
        k->parts[find_part(k, rg[r].topic, rg[r].partition, NULL)].next = rg[r].until;
    if (receipt)
        put_ranges(receipt, rg, nr);
    finish_batch(k, rg, nr, parts, records, bytes, out);
    free(rg);
}

/* Read again exactly the ranges of a receipt (a batch replayed on
 * recovery); positions move past them. */
static void kafka_replay(sr_source *src, sr_dec *receipt, sr_arena *arena, sr_lines *out) {
    kafka_src *k = (kafka_src *)src;
    k->nlast = 0;
    int64_t n = sr_dec_count(receipt);
    krange *rg = sr_xcalloc((size_t)(n > 0 ? n : 1), sizeof *rg);
    int nr = 0;
    for (int64_t j = 0; j < n && !receipt->bad; j++) {
        sr_str t = sr_dec_view(receipt);
        int64_t partition = sr_dec_i64(receipt), from = sr_dec_i64(receipt), until = sr_dec_i64(receipt);
        if (receipt->bad || !t.ptr || partition < 0 || partition > INT32_MAX || from < 0 || until < from)
            break;
        char *topic = sr_xmalloc((size_t)t.len + 1);
        memcpy(topic, t.ptr, (size_t)t.len);
        topic[t.len] = '\0';
        int i = find_part(k, topic, (int32_t)partition, NULL);
        if (i < 0)
            i = add_part(k, topic, (int32_t)partition, -1, NULL);
        free(topic);
        rg[nr++] = (krange){ NULL, (int32_t)partition, from, until };
        rg[nr - 1].topic = k->parts[i].topic; /* stable: the name's memory never moves */
    }
    if (receipt->bad || nr < n)
        sr_source_log(&k->base, SR_LOG_ERROR, "Kafka (%s): a replayed batch's receipt is damaged; reading %d of its "
                             "ranges", sr_source_name(&k->base), nr);
    /* data gone since (retention) is skipped */
    oq *q = sr_xcalloc((size_t)(nr ? nr : 1), sizeof *q);
    int nq = 0;
    for (int r = 0; r < nr; r++)
        if (rg[r].until > rg[r].from)
            q[nq++] = (oq){ .part = find_part(k, rg[r].topic, rg[r].partition, NULL), .want_lo = true };
    query_offsets(k, q, nq, k->query_timeout_ms);
    krange *orig = sr_xcalloc((size_t)(nr ? nr : 1), sizeof *orig);
    if (nr)
        memcpy(orig, rg, (size_t)nr * sizeof *rg);
    for (int j = 0; j < nq; j++) {
        const kpart *p = &k->parts[q[j].part];
        for (int r = 0; r < nr; r++) {
            if (rg[r].topic != p->topic || rg[r].partition != p->partition || q[j].err ||
                q[j].lo <= rg[r].from)
                continue;
            int64_t to = q[j].lo < rg[r].until ? q[j].lo : rg[r].until;
            sr_source_log(&k->base, SR_LOG_WARN, "Kafka %s/%d: offsets [%" PRId64 ", %" PRId64 ") of a replayed batch are "
                                "gone (retention); skipped", p->topic, (int)p->partition, rg[r].from, to);
            rg[r].from = to;
        }
    }
    free(q);
    sr_seq *parts = sr_arena_alloc(arena, (size_t)(nr ? nr : 1) * sizeof *parts);
    int64_t bytes = 0;
    int64_t timeout = k->read_timeout_ms > k->start_timeout_ms ? k->read_timeout_ms : k->start_timeout_ms;
    int64_t records = read_ranges(k, rg, nr, arena, parts, timeout, true, &bytes);
    for (int r = 0; r < nr; r++) {
        kpart *p = &k->parts[find_part(k, orig[r].topic, orig[r].partition, NULL)];
        if (orig[r].until > p->next)
            p->next = orig[r].until;
    }
    finish_batch(k, orig, nr, parts, records, bytes, out); /* the ranges as the batch had them */
    free(rg);
    free(orig);
}

/* Position: (topic, partition, next offset) of every partition known. */
static void kafka_save(sr_source *src, sr_buf *out) {
    kafka_src *k = (kafka_src *)src;
    int n = 0;
    for (int i = 0; i < k->nparts; i++)
        n += k->parts[i].next >= 0;
    sr_enc_u64(out, (uint64_t)n);
    for (int i = 0; i < k->nparts; i++) {
        const kpart *p = &k->parts[i];
        if (p->next < 0)
            continue;
        sr_enc_str(out, (sr_str){ p->topic, (int64_t)strlen(p->topic) });
        sr_enc_i64(out, p->partition);
        sr_enc_i64(out, p->next);
    }
}

static int kafka_restore(sr_source *src, sr_dec *in, char *errstr, size_t errlen) {
    kafka_src *k = (kafka_src *)src;
    int64_t n = sr_dec_count(in);
    kpos *pos = sr_xcalloc((size_t)(n > 0 ? n : 1), sizeof *pos);
    int got = 0;
    for (int64_t j = 0; j < n && !in->bad; j++) {
        sr_str t = sr_dec_view(in);
        int64_t partition = sr_dec_i64(in), offset = sr_dec_i64(in);
        if (in->bad || !t.ptr || partition < 0 || partition > INT32_MAX || offset < 0) {
            in->bad = true;
            break;
        }
        pos[got].topic = sr_xmalloc((size_t)t.len + 1);
        memcpy(pos[got].topic, t.ptr, (size_t)t.len);
        pos[got].topic[t.len] = '\0';
        pos[got].partition = (int32_t)partition;
        pos[got].offset = offset;
        got++;
    }
    if (in->bad) {
        for (int i = 0; i < got; i++)
            free(pos[i].topic);
        free(pos);
        sr_source_errf(errstr, errlen, "%s: the checkpointed offsets are damaged", sr_source_name(src));
        return -1;
    }
    for (int i = 0; i < k->nrestored; i++)
        free(k->restored[i].topic);
    free(k->restored);
    k->restored = pos;
    k->nrestored = got;
    return 0;
}

/* After the batch's outputs: the rate estimate, then the commits (the
 * `offsets kafka` setting, and what commitAsync asked for). */
static void kafka_batch_done(sr_source *src, int64_t elements, int64_t processing_ms,
                             int64_t scheduling_ms) {
    kafka_src *k = (kafka_src *)src;
    double rate;
    if (k->backpressure &&
        sr_pid_rate_compute(&k->pid, sr_now_ms(), elements, processing_ms, scheduling_ms, &rate)) {
        k->est_rate = rate;
        sr_log(SR_LOG_DEBUG, "Kafka (%s): backpressure rate %.1f records/s", sr_source_name(&k->base),
               rate);
    }
    if (k->closed)
        return;
    if (k->commits && k->commits->save)
        k->commits->save(k, k->last, k->nlast, k->query_timeout_ms);
    if (k->commits != &group_store) { /* commitAsync goes to the group whatever the setting */
        bool wanted = k->commit_inflight;
        for (int i = 0; i < k->nparts && !wanted; i++)
            wanted = k->parts[i].commit_want >= 0;
        if (wanted)
            group_save(k, NULL, 0, k->query_timeout_ms);
    }
}

/* Without drain the takes that follow are empty. The consumer is closed
 * once no batch can follow (free). */
static void kafka_stop(sr_source *src, bool drain) {
    kafka_src *k = (kafka_src *)src;
    if (!drain)
        k->stopped = true;
}

static void kafka_close(kafka_src *k) {
    if (k->closed || !k->rk)
        return;
    /* a last chance for commits still wanted or in flight (each wait is
     * bounded: during an outage stopping takes up to 2 x STOP_WAIT_MS) */
    bool wanted = k->commit_inflight;
    for (int i = 0; i < k->nparts && !wanted; i++)
        wanted = k->parts[i].commit_want >= 0;
    if (wanted)
        group_save(k, NULL, 0, STOP_WAIT_MS);
    if (k->commit_inflight || k->commit_failing)
        sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): the last offsets may not be committed to group %s; the "
                            "next run may read the last batch again", sr_source_name(&k->base), k->group);
    k->closed = true;
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(k->rk);
    if (err)
        sr_log(SR_LOG_DEBUG, "Kafka (%s): closing the consumer: %s", sr_source_name(&k->base),
               rd_kafka_err2str(err));
}

static void kafka_free(sr_source *src) {
    kafka_src *k = (kafka_src *)src;
    k->stopped = true;
    kafka_close(k);
    for (int i = 0; i < k->ntopics; i++)
        if (k->rkts && k->rkts[i])
            rd_kafka_topic_destroy(k->rkts[i]);
    if (k->commit_q)
        rd_kafka_queue_destroy(k->commit_q);
    if (k->cq)
        rd_kafka_queue_destroy(k->cq);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    for (int i = 0; i < k->ntopics; i++)
        free(k->topics[i]);
    free(k->topics);
    free(k->rkts);
    if (k->have_re)
        regfree(&k->re);
    for (int i = 0; i < k->nassign; i++)
        free(k->assign[i].topic);
    free(k->assign);
    for (int i = 0; i < k->nparts; i++)
        free(k->parts[i].topic);
    free(k->parts);
    free(k->last);
    for (int i = 0; i < k->nrestored; i++)
        free(k->restored[i].topic);
    free(k->restored);
    free(k->bootstrap);
    free(k->group);
    sr_source_base_free(&k->base);
    free(k);
}

static int kafka_lags(sr_source *src, sr_partition_lag *out, int max) {
    kafka_src *k = (kafka_src *)src;
    int n = 0;
    for (int i = 0; i < k->nparts; i++) {
        const kpart *p = &k->parts[i];
        if (p->end < 0 || p->next < 0)
            continue;
        if (n < max)
            out[n] = (sr_partition_lag){ p->topic, p->partition, p->end > p->next ? p->end - p->next : 0 };
        n++;
    }
    return n;
}

static const sr_source_ops kafka_ops = {
    .start = kafka_start, .take = kafka_take, .stop = kafka_stop, .free = kafka_free,
    .replay = kafka_replay, .save = kafka_save, .restore = kafka_restore,
    .batch_done = kafka_batch_done,
    .lags = kafka_lags,
};

/* ===================================================================== */
/* The program's view: offsetRanges, commitAsync                           */
/* ===================================================================== */

sr_seq sr_source_offset_ranges(sr_source *s, sr_arena *arena) {
    sr_seq out = { 0 };
    if (!s || s->kind != SR_SOURCE_KAFKA)
        return out;
    kafka_src *k = (kafka_src *)s;
    sr_seq_reserve(arena, &out, k->nlast, sizeof(sr_offset_range));
    for (int i = 0; i < k->nlast; i++) {
        sr_offset_range *r = sr_seq_push(arena, &out, sizeof *r);
        r->topic = (sr_str){ k->last[i].topic, (int64_t)strlen(k->last[i].topic) };
        r->partition = k->last[i].partition;
        r->from = k->last[i].from;
        r->until = k->last[i].until;
    }
    return out;
}

/* Source i of the batch's run if it is a Kafka source, else NULL (logged). */
static kafka_src *kafka_of(sr_batch *b, int i, const char *what) {
    sr_runtime *rt = b && b->rt ? b->rt : sr_rt_current;
    if (!rt || i < 0 || i >= rt->nsources || rt->sources[i].src->kind != SR_SOURCE_KAFKA) {
        sr_log(SR_LOG_ERROR, "%s: source %d is not a Kafka direct stream", what, i);
        return NULL;
    }
    return (kafka_src *)rt->sources[i].src;
}

sr_seq sr_kafka_offset_ranges(sr_batch *b, int i) {
    kafka_src *k = kafka_of(b, i, "offsetRanges");
    if (!k)
        return (sr_seq){ 0 };
    return sr_source_offset_ranges(&k->base, b->driver->arena);
}

/* Noted now, committed by kafka_batch_done after the outputs. Driver
 * thread (foreachRDD bodies run there). */
void sr_kafka_commit(sr_batch *b, int i, sr_seq ranges) {
    kafka_src *k = kafka_of(b, i, "commitAsync");
    if (!k)
        return;
    if (!k->group) {
        if (!k->warned_commit_no_group)
            sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): commitAsync needs a group.id in kafkaParams; ignored",
                   sr_source_name(&k->base));
        k->warned_commit_no_group = true;
        return;
    }
    for (int64_t r = 0; r < ranges.len; r++) {
        const sr_offset_range *o = &SR_SEQ_AT(sr_offset_range, ranges, r);
        char topic[512];
        snprintf(topic, sizeof topic, "%.*s", (int)o->topic.len, o->topic.ptr ? o->topic.ptr : "");
        int j = find_part(k, topic, (int32_t)o->partition, NULL);
        if (j < 0) {
            sr_source_log(&k->base, SR_LOG_WARN, "Kafka (%s): commitAsync of %s/%d, which this stream does not read; "
                                "ignored", sr_source_name(&k->base), topic, (int)o->partition);
            continue;
        }
        if (o->until > k->parts[j].commit_want)
            k->parts[j].commit_want = o->until;
    }
}
