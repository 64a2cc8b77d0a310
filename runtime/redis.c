/* redis.c - connections to Redis and each batch's transaction (redis.h).
 *
 * A connection is opened on first use: connect (streamc.redis.timeoutMs),
 * AUTH, SELECT db. Any I/O error closes it; the next use reconnects.
 * Replies Redis gives while it cannot serve yet (LOADING after a restart,
 * BUSY, OOM, ...) count as "unreachable": the caller waits and retries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "redis.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_START_TIMEOUT_MS 30000
#define DEFAULT_STOP_WAIT_MS 10000
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

struct sr_redis {
    sr_runtime *rt;
    sr_redis_addr addr;
    char name[300];          /* host:port/db */
    redisContext *c;         /* NULL = not connected */
    int timeout_ms;
    /* The running batch's queued commands, and what queued them. */
    sr_buf queued;
    int64_t nqueued;
    bool has_offsets;
    struct queued_run { int64_t end; const char *what; } *runs; /* commands [prev end, end) */
    int nruns, capruns;
};

/* ===================================================================== */
/* Addresses                                                              */
/* ===================================================================== */

static int parse_int(const char *s, size_t n, int lo, int hi, int *out) {
    if (n == 0 || n > 9)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int sr_redis_parse_url(const char *url, sr_redis_addr *a, char *err, size_t errlen) {
    memset(a, 0, sizeof *a);
    a->port = 6379;
    if (!url || strncmp(url, "redis://", 8) != 0) {
        snprintf(err, errlen, "bad Redis URL \"%s\": it must start with redis://", url ? url : "");
        return -1;
    }
    const char *p = url + 8, *at = strrchr(p, '@');
    if (at) { /* [user]:password@ */
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        size_t n = (size_t)(at - pw);
        if (n >= sizeof a->password) {
            snprintf(err, errlen, "bad Redis URL \"%s\": the password is too long", url);
            return -1;
        }
        memcpy(a->password, pw, n);
        p = at + 1;
    }
    const char *slash = strchr(p, '/'), *end = slash ? slash : p + strlen(p);
    const char *colon = NULL;
    if (*p == '[') { /* [ipv6]:port */
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close) {
            snprintf(err, errlen, "bad Redis URL \"%s\": unclosed [", url);
            return -1;
        }
        if (close + 1 < end && close[1] == ':')
            colon = close + 1;
        else if (close + 1 != end) {
            snprintf(err, errlen, "bad Redis URL \"%s\": expected :port after ]", url);
            return -1;
        }
        size_t n = (size_t)(close - p - 1);
        if (n == 0 || n >= sizeof a->host)
            goto bad_host;
        memcpy(a->host, p + 1, n);
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        size_t n = (size_t)((colon ? colon : end) - p);
        if (n == 0 || n >= sizeof a->host)
            goto bad_host;
        memcpy(a->host, p, n);
    }
    if (colon && parse_int(colon + 1, (size_t)(end - colon - 1), 1, 65535, &a->port) != 0) {
        snprintf(err, errlen, "bad Redis URL \"%s\": the port must be a number from 1 to 65535", url);
        return -1;
    }
    if (slash && slash[1] && parse_int(slash + 1, strlen(slash + 1), 0, 1000000, &a->db) != 0) {
        snprintf(err, errlen, "bad Redis URL \"%s\": the database must be a number (redis://host:port/3)", url);
        return -1;
    }
    return 0;
bad_host:
    snprintf(err, errlen, "bad Redis URL \"%s\": no host (redis://host:port/db)", url);
    return -1;
}

const char *sr_redis_default_url(sr_runtime *rt, char *buf, size_t len) {
    if (rt->redis_override)
        return rt->redis_override;
    if (rt->prog->redis_url)
        return rt->prog->redis_url;
    const char *host = sr_conf_get(rt, "spark.redis.host"), *port = sr_conf_get(rt, "spark.redis.port");
    const char *db = sr_conf_get(rt, "spark.redis.db"), *auth = sr_conf_get(rt, "spark.redis.auth");
    snprintf(buf, len, "redis://%s%s%s%s:%s/%s", auth ? ":" : "", auth ? auth : "", auth ? "@" : "",
             host ? host : "127.0.0.1", port ? port : "6379", db ? db : "0");
    return buf;
}

const char *sr_redis_offsets_url(sr_runtime *rt) {
    return rt->redis_override ? rt->redis_override : rt->prog->offsets_redis;
}

/* ===================================================================== */
/* Connections                                                            */
/* ===================================================================== */

static int64_t conf_ms(sr_runtime *rt, const char *key, int64_t dflt) {
    const char *v = sr_conf_get(rt, key);
    char *end;
    if (!v)
        return dflt;
    errno = 0;
    long long ms = strtoll(v, &end, 10);
    if (errno || end == v || *end || ms < 0) {
        sr_log(SR_LOG_WARN, "ignoring %s=%s: not a number of milliseconds", key, v);
        return dflt;
    }
    return ms;
}

int64_t sr_redis_start_timeout_ms(const sr_redis *r) {
    return conf_ms(r->rt, "streamc.redis.startTimeoutMs", DEFAULT_START_TIMEOUT_MS);
}

/* What SR_USES_REDIS refers to: a program that has it links this file. */
const char sr_redis_support = 1;

sr_redis *sr_redis_for(sr_runtime *rt, const char *url, char *err, size_t errlen) {
    sr_redis_addr a;
    if (sr_redis_parse_url(url, &a, err, errlen) != 0)
        return NULL;
    for (int i = 0; i < rt->nredis; i++) {
        sr_redis_addr *b = &rt->redis[i]->addr;
        if (!strcmp(a.host, b->host) && a.port == b->port && a.db == b->db)
            return rt->redis[i];
    }
    if (rt->nredis == SR_MAX_REDIS) {
        snprintf(err, errlen, "too many Redis addresses (at most %d)", SR_MAX_REDIS);
        return NULL;
    }
    sr_redis *r = sr_xcalloc(1, sizeof *r);
    r->rt = rt;
    r->addr = a;
    snprintf(r->name, sizeof r->name, "%s:%d/%d", a.host, a.port, a.db);
    r->timeout_ms = (int)conf_ms(rt, "streamc.redis.timeoutMs", DEFAULT_TIMEOUT_MS);
    if (r->timeout_ms <= 0)
        r->timeout_ms = DEFAULT_TIMEOUT_MS;
    rt->redis[rt->nredis++] = r;
    return r;
}

const char *sr_redis_name(const sr_redis *r) { return r->name; }

static void disconnect(sr_redis *r) {
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
}

void sr_redis_close_all(sr_runtime *rt) {
    for (int i = 0; i < rt->nredis; i++) {
        disconnect(rt->redis[i]);
        sr_buf_free(&rt->redis[i]->queued);
        free(rt->redis[i]->runs);
        free(rt->redis[i]);
    }
    rt->nredis = 0;
}

/* Replies that mean "not now": wait and try again. */
static bool transient(const redisReply *rep) {
    static const char *const busy[] = { "LOADING", "BUSY", "OOM", "MASTERDOWN", "TRYAGAIN",
                                        "CLUSTERDOWN", "NOREPLICAS", "READONLY", NULL };
    for (int i = 0; busy[i]; i++) {
        size_t n = strlen(busy[i]);
        if (rep->len >= n && strncmp(rep->str, busy[i], n) == 0 && (rep->len == n || rep->str[n] == ' '))
            return true;
    }
    return false;
}

/* The context's I/O error as text, and the connection closed. */
static void io_failed(sr_redis *r, char *err, size_t errlen) {
    snprintf(err, errlen, "%s", r->c && r->c->errstr[0] ? r->c->errstr : "connection lost");
    disconnect(r);
}

/* Run a command on a connected context; error replies become NULL + err
 * (and *is_transient says whether waiting could help). */
static redisReply *run(sr_redis *r, char *err, size_t errlen, bool *is_transient, const char *fmt, va_list ap) {
    redisReply *rep = redisvCommand(r->c, fmt, ap);
    if (!rep) {
        io_failed(r, err, errlen);
        *is_transient = true;
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "%s", rep->str);
        *is_transient = transient(rep);
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

static redisReply *run_l(sr_redis *r, char *err, size_t errlen, bool *is_transient, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = run(r, err, errlen, is_transient, fmt, ap);
    va_end(ap);
    return rep;
}

/* Connect, AUTH, SELECT. 0, or -1 with err (*is_transient: worth
 * waiting for; a wrong password is not). */
static int ensure_connected(sr_redis *r, char *err, size_t errlen, bool *is_transient) {
    *is_transient = true;
    if (r->c)
        return 0;
    struct timeval tv = { r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000 };
    r->c = redisConnectWithTimeout(r->addr.host, r->addr.port, tv);
    if (!r->c || r->c->err) {
        snprintf(err, errlen, "%s", r->c ? r->c->errstr : "out of memory");
        disconnect(r);
        return -1;
    }
    redisSetTimeout(r->c, tv);
    redisEnableKeepAlive(r->c);
    redisReply *rep;
    if (r->addr.password[0]) {
        rep = run_l(r, err, errlen, is_transient, "AUTH %s", r->addr.password);
        if (!rep) {
            disconnect(r);
            return -1;
        }
        freeReplyObject(rep);
    }
    if (r->addr.db != 0) {
        rep = run_l(r, err, errlen, is_transient, "SELECT %d", r->addr.db);
        if (!rep) {
            disconnect(r);
            return -1;
        }
        freeReplyObject(rep);
    }
    return 0;
}

redisReply *sr_redis_command(sr_redis *r, char *err, size_t errlen, const char *fmt, ...) {
    bool is_transient;
    if (ensure_connected(r, err, errlen, &is_transient) != 0)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = run(r, err, errlen, &is_transient, fmt, ap);
    va_end(ap);
    return rep;
}

/* Sleep ms (in slices), returning early on a new stop signal. */
static void nap(int64_t ms) {
    bool stopping = sr_stop_requested();
    while (ms > 0 && sr_stop_requested() == stopping) {
        int64_t slice = ms < 50 ? ms : 50;
        usleep((useconds_t)(slice * 1000));
        ms -= slice;
    }
}

redisReply *sr_redis_command_wait(sr_redis *r, int64_t deadline_us, char *err, size_t errlen,
                                  const char *fmt, ...) {
    int64_t backoff = BACKOFF_FIRST_MS;
    for (;;) {
        bool is_transient;
        redisReply *rep = NULL;
        if (ensure_connected(r, err, errlen, &is_transient) == 0) {
            va_list ap;
            va_start(ap, fmt);
            rep = run(r, err, errlen, &is_transient, fmt, ap);
            va_end(ap);
        }
        if (rep || !is_transient || sr_stop_requested())
            return rep;
        int64_t left = (deadline_us - sr_mono_us()) / 1000;
        if (left <= 0)
            return NULL;
        nap(backoff < left ? backoff : left);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
}

/* ===================================================================== */
/* The batch's transaction                                                */
/* ===================================================================== */

void sr_redis_queue(sr_redis *r, const char *cmds, size_t len, int64_t n, const char *what, bool offsets) {
    sr_buf_put(&r->queued, cmds, len);
    r->nqueued += n;
    r->has_offsets |= offsets;
    if (r->nruns && r->runs[r->nruns - 1].what == what) {
        r->runs[r->nruns - 1].end = r->nqueued;
        return;
    }
    if (r->nruns == r->capruns) {
        r->capruns = r->capruns ? 2 * r->capruns : 8;
        r->runs = sr_xrealloc(r->runs, (size_t)r->capruns * sizeof *r->runs);
    }
    r->runs[r->nruns++] = (struct queued_run){ r->nqueued, what };
}

/* What queued command i (0-based; the last is the guard's SET). */
static const char *queued_by(const sr_redis *r, int64_t i) {
    for (int k = 0; k < r->nruns; k++)
        if (i < r->runs[k].end)
            return r->runs[k].what;
    return "the guard's SET";
}

static void guard_key(sr_redis *r, char *buf, size_t len) {
    const char *app = r->rt->prog->app_name ? r->rt->prog->app_name : "app";
    snprintf(buf, len, "streamc:%s:batch", app);
}

typedef enum commit_result {
    COMMIT_DONE,       /* applied now */
    COMMIT_WAS_DONE,   /* the guard says it was applied before */
    COMMIT_RETRY,      /* Redis away or busy: wait and try again */
    COMMIT_FATAL,      /* Redis rejected a command: no retry can help */
} commit_result;

/* The guard's value: "<lineage in hex>:<batch time>". */
static void guard_stamp(const sr_redis *r, int64_t time_ms, char *buf, size_t len) {
    snprintf(buf, len, "%016" PRIx64 ":%" PRId64, r->rt->lineage, time_ms);
}

/* Does the guard say this lineage applied batch time_ms (or a later one)?
 * 1 yes, 0 no, -1 cannot tell (err). */
static int guard_passed(sr_redis *r, const char *guard, int64_t time_ms, char *err, size_t errlen,
                        bool *is_transient) {
    redisReply *rep = run_l(r, err, errlen, is_transient, "GET %s", guard);
    if (!rep)
        return -1;
    char mine[32];
    guard_stamp(r, 0, mine, sizeof mine); /* "<lineage>:0": compare the lineage part */
    size_t n = strlen(mine) - 1;
    int passed = rep->type == REDIS_REPLY_STRING && rep->len > n && memcmp(rep->str, mine, n) == 0 &&
                 strtoll(rep->str + n, NULL, 10) >= time_ms;
    freeReplyObject(rep);
    return passed;
}

/* One attempt: MULTI, the queue, SET guard, EXEC, pipelined. */
static commit_result try_commit(sr_redis *r, int64_t time_ms, bool *maybe_applied, char *err, size_t errlen) {
    bool is_transient;
    char guard[300], stamp[48];
    if (ensure_connected(r, err, errlen, &is_transient) != 0)
        return is_transient ? COMMIT_RETRY : COMMIT_FATAL;
    guard_key(r, guard, sizeof guard);
    if (*maybe_applied) {
        int passed = guard_passed(r, guard, time_ms, err, errlen, &is_transient);
        if (passed < 0)
            return is_transient ? COMMIT_RETRY : COMMIT_FATAL;
        if (passed)
            return COMMIT_WAS_DONE;
    }
    guard_stamp(r, time_ms, stamp, sizeof stamp);
    sr_buf head = { 0 }, tail = { 0 };
    sr_resp_argc(&head, 1);
    sr_resp_cstr(&head, "MULTI");
    sr_resp_argc(&tail, 3);
    sr_resp_cstr(&tail, "SET");
    sr_resp_cstr(&tail, guard);
    sr_resp_cstr(&tail, stamp);
    sr_resp_argc(&tail, 1);
    sr_resp_cstr(&tail, "EXEC");
    int rc = redisAppendFormattedCommand(r->c, head.ptr, head.len);
    if (rc == REDIS_OK && r->queued.len)
        rc = redisAppendFormattedCommand(r->c, r->queued.ptr, r->queued.len);
    if (rc == REDIS_OK)
        rc = redisAppendFormattedCommand(r->c, tail.ptr, tail.len);
    sr_buf_free(&head);
    sr_buf_free(&tail);
    if (rc != REDIS_OK) {
        io_failed(r, err, errlen);
        return COMMIT_RETRY;
    }
    *maybe_applied = true; /* from here on an unanswered EXEC may have been applied */

    /* MULTI's +OK, a +QUEUED per command (or the error that aborts the
     * transaction), then EXEC's answer. */
    char first_error[512] = "";
    bool queue_transient = false;
    for (int64_t i = 0; i < r->nqueued + 2; i++) { /* i - 1: the queued command */
        redisReply *rep = NULL;
        if (redisGetReply(r->c, (void **)&rep) != REDIS_OK) {
            io_failed(r, err, errlen);
            return COMMIT_RETRY;
        }
        if (rep->type == REDIS_REPLY_ERROR && !first_error[0]) {
            snprintf(first_error, sizeof first_error, "%s: %s", i ? queued_by(r, i - 1) : "MULTI", rep->str);
            queue_transient = transient(rep);
        }
        freeReplyObject(rep);
    }
    redisReply *exec = NULL;
    if (redisGetReply(r->c, (void **)&exec) != REDIS_OK) {
        io_failed(r, err, errlen);
        return COMMIT_RETRY;
    }
    commit_result res = COMMIT_DONE;
    if (exec->type == REDIS_REPLY_ERROR) { /* EXECABORT: nothing was applied */
        *maybe_applied = false;
        snprintf(err, errlen, "%s", first_error[0] ? first_error : exec->str);
        res = queue_transient || transient(exec) ? COMMIT_RETRY : COMMIT_FATAL;
    } else if (exec->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "unexpected answer to EXEC (type %d)", exec->type);
        res = COMMIT_RETRY;
    } else {
        for (size_t i = 0; i < exec->elements; i++)
            if (exec->element[i]->type == REDIS_REPLY_ERROR) {
                snprintf(err, errlen, "%s: %s (the batch's other writes were applied: Redis does not "
                                      "roll a transaction back)", queued_by(r, (int64_t)i), exec->element[i]->str);
                res = COMMIT_FATAL;
                break;
            }
    }
    freeReplyObject(exec);
    return res;
}

static const char *consequence(sr_runtime *rt, const sr_redis *r) {
    if (rt->ckdir)
        return "the next run replays it from the checkpoint";
    if (r->has_offsets)
        return "its Kafka offsets were not stored either, so the next run reads its records again";
    return "its results are lost (without a checkpoint or Kafka offsets in Redis nothing can replay it)";
}

/* Apply r's queue for batch time_ms, waiting for Redis as long as needed. */
static int commit(sr_runtime *rt, sr_redis *r, int64_t time_ms, bool maybe_applied) {
    int64_t backoff = BACKOFF_FIRST_MS, give_up_us = 0, waiting_since = 0, t0 = sr_mono_us();
    char err[512] = "";
    for (;;) {
        commit_result res = try_commit(r, time_ms, &maybe_applied, err, sizeof err);
        if (res == COMMIT_DONE || res == COMMIT_WAS_DONE) {
            sr_log(SR_LOG_DEBUG, "Redis at %s: batch %" PRId64 " ms, %" PRId64 " commands (%zu bytes) in %.3f ms",
                   r->name, time_ms, r->nqueued, r->queued.len, (double)(sr_mono_us() - t0) / 1000.0);
            if (waiting_since)
                sr_log(SR_LOG_INFO, "Redis at %s is back: batch %" PRId64 " ms written after %.1f s",
                       r->name, time_ms, (double)(sr_mono_us() - waiting_since) / 1e6);
            if (res == COMMIT_WAS_DONE)
                sr_log(SR_LOG_INFO, "Redis at %s holds batch %" PRId64 " ms already: not written again",
                       r->name, time_ms);
            return 0;
        }
        if (res == COMMIT_FATAL) {
            sr_log(SR_LOG_ERROR, "Redis at %s rejected a write of batch %" PRId64 " ms: %s", r->name,
                   time_ms, err);
            return -1;
        }
        if (!waiting_since) {
            waiting_since = sr_mono_us();
            sr_log(SR_LOG_WARN, "Redis at %s: %s; batch %" PRId64 " ms waits until it can be written "
                                "(retrying with back-off, nothing is dropped)", r->name, err, time_ms);
        }
        if (sr_stop_requested()) {
            if (!give_up_us)
                give_up_us = sr_mono_us() + conf_ms(rt, "streamc.redis.stopWaitMs", DEFAULT_STOP_WAIT_MS) * 1000;
            if (sr_mono_us() >= give_up_us) {
                sr_log(SR_LOG_ERROR, "stopping: batch %" PRId64 " ms was not written to Redis at %s (%s); %s",
                       time_ms, r->name, err, consequence(rt, r));
                return -1;
            }
        }
        nap(backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
}

int sr_redis_commit_batch(sr_runtime *rt, int64_t time_ms, bool maybe_applied) {
    int status = 0;
    for (int pass = 0; pass < 2 && status == 0; pass++) /* results first, offsets after */
        for (int i = 0; i < rt->nredis && status == 0; i++) {
            sr_redis *r = rt->redis[i];
            if (r->nqueued == 0 || r->has_offsets != (pass == 1))
                continue;
            status = commit(rt, r, time_ms, maybe_applied);
        }
    for (int i = 0; i < rt->nredis; i++) {
        sr_buf_clear(&rt->redis[i]->queued);
        rt->redis[i]->nqueued = 0;
        rt->redis[i]->nruns = 0;
        rt->redis[i]->has_offsets = false;
    }
    return status;
}
