/* redis_broadcast.c - broadcast values read from Redis, refreshed before
 * every batch (sc.fromRedisSet / sc.fromRedisHash in sc.broadcast).
 *
 * Each read is sorted and fingerprinted; a value whose fingerprint did
 * not change is left alone. A changed value is built in a fresh arena and
 * the previous arena freed: at that point (the start of a batch, before
 * the snapshot executors see) nothing refers to it any more, since driver
 * code copies what it keeps into the program's arena, and appends to the
 * live value move it there too (the value's capacity equals its length).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

typedef struct sr_redis_bcast {
    sr_redis *conn;
    sr_redis_read what;
    char *key;
    sr_arena arena;           /* the current value's elements and bytes */
    uint64_t fingerprint;     /* of the current value */
    int64_t count;            /* its elements */
    bool failing;             /* the last read failed (warned) */
    int64_t retry_at_us;      /* while failing: no read before this (sr_mono_us) */
    int64_t backoff_ms;
} sr_redis_bcast;

/* While Redis cannot be read, reads are tried at most this often (a Redis
 * that does not answer at all would otherwise cost each batch a timeout). */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 30000

typedef struct str_pair {     /* the layout of a generated (String, String) */
    sr_str _1, _2;
} str_pair;

static int cmp_str(const void *a, const void *b) {
    return sr_str_cmp(*(const sr_str *)a, *(const sr_str *)b);
}

static int cmp_pair(const void *a, const void *b) {
    const str_pair *x = a, *y = b;
    int c = sr_str_cmp(x->_1, y->_1);
    return c ? c : sr_str_cmp(x->_2, y->_2);
}

/* FNV-1a over the elements' lengths and bytes. */
static uint64_t fingerprint(const sr_str *s, int64_t n) {
    uint64_t h = 0xcbf29ce484222325u;
    for (int64_t i = 0; i < n; i++) {
        uint64_t len = (uint64_t)s[i].len;
        for (int k = 0; k < 8; k++)
            h = (h ^ ((len >> (8 * k)) & 0xff)) * 0x100000001b3u;
        for (int64_t j = 0; j < s[i].len; j++)
            h = (h ^ (unsigned char)s[i].ptr[j]) * 0x100000001b3u;
    }
    return h;
}

/* Read the value: 1 changed (and *live replaced), 0 unchanged, -1 failed
 * (err). deadline_us 0: one try. */
static int load(sr_redis_bcast *bc, sr_seq *live, int64_t deadline_us, char *err, size_t errlen) {
    const char *cmd = bc->what == SR_REDIS_READ_SET ? "SMEMBERS %s" : "HGETALL %s";
    redisReply *rep = deadline_us ? sr_redis_command_wait(bc->conn, deadline_us, err, errlen, cmd, bc->key)
                                  : sr_redis_command(bc->conn, err, errlen, cmd, bc->key);
    if (!rep)
        return -1;
    if (rep->type != REDIS_REPLY_ARRAY && rep->type != REDIS_REPLY_NIL) {
        snprintf(err, errlen, "unexpected answer to %.8s %s", cmd, bc->key);
        freeReplyObject(rep);
        return -1;
    }
    int64_t n = rep->type == REDIS_REPLY_ARRAY ? (int64_t)rep->elements : 0;
    /* views into the reply, sorted */
    sr_str *v = sr_xmalloc((size_t)(n ? n : 1) * sizeof *v);
    for (int64_t i = 0; i < n; i++) {
        const redisReply *e = rep->element[i];
        v[i] = e->type == REDIS_REPLY_STRING ? (sr_str){ e->str, (int64_t)e->len } : (sr_str){ "", 0 };
    }
    int64_t count = bc->what == SR_REDIS_READ_SET ? n : n / 2;
    if (bc->what == SR_REDIS_READ_SET)
        qsort(v, (size_t)n, sizeof *v, cmp_str);
    else
        qsort(v, (size_t)count, sizeof(str_pair), cmp_pair);
    uint64_t fp = fingerprint(v, count * (bc->what == SR_REDIS_READ_SET ? 1 : 2));
    int changed = fp != bc->fingerprint || count != bc->count || live->ptr == NULL;
    if (changed) {
        sr_arena fresh;
        sr_arena_init(&fresh);
        int64_t nstr = bc->what == SR_REDIS_READ_SET ? count : count * 2;
        sr_str *out = sr_arena_alloc(&fresh, (size_t)(nstr ? nstr : 1) * sizeof *out);
        for (int64_t i = 0; i < nstr; i++)
            out[i] = sr_str_dup(&fresh, v[i]);
        sr_arena_free(&bc->arena);
        bc->arena = fresh;
        *live = (sr_seq){ out, count, count };
        bc->fingerprint = fp;
        bc->count = count;
    }
    free(v);
    freeReplyObject(rep);
    return changed;
}

int sr_redis_broadcast_init(sr_runtime *rt, int id, sr_redis_read what, sr_str key_view, sr_seq *live,
                            char *errstr, size_t errlen) {
    char url[600], err[512], key[512];
    snprintf(key, sizeof key, "%.*s", (int)key_view.len, key_view.ptr);
    if (id < 0 || id >= SR_MAX_BROADCASTS) {
        snprintf(errstr, errlen, "too many broadcast values from Redis (at most %d)", SR_MAX_BROADCASTS);
        return -1;
    }
    sr_redis *conn = sr_redis_for(rt, sr_redis_default_url(rt, url, sizeof url), err, sizeof err);
    if (!conn) {
        snprintf(errstr, errlen, "broadcast of Redis key %s: %s", key, err);
        return -1;
    }
    sr_redis_bcast *bc = rt->bcasts[id];
    if (!bc) {
        bc = sr_xcalloc(1, sizeof *bc);
        size_t n = strlen(key) + 1;
        bc->key = memcpy(sr_xmalloc(n), key, n);
        sr_arena_init(&bc->arena);
        rt->bcasts[id] = bc;
    }
    bc->conn = conn;
    bc->what = what;
    int64_t wait_ms = sr_redis_start_timeout_ms(conn);
    *live = (sr_seq){ 0 };
    if (load(bc, live, sr_mono_us() + wait_ms * 1000, err, sizeof err) < 0) {
        if (sr_stop_requested())
            snprintf(errstr, errlen, "stopped by a signal while reading the broadcast value %s from Redis at %s (%s)",
                     key, sr_redis_name(conn), err);
        else
            snprintf(errstr, errlen, "cannot read the broadcast value %s from Redis at %s within %lld ms: %s",
                     key, sr_redis_name(conn), (long long)wait_ms, err);
        return -1;
    }
    sr_log(SR_LOG_INFO, "broadcast %s from Redis at %s: %lld %s", key, sr_redis_name(conn),
           (long long)bc->count, what == SR_REDIS_READ_SET ? "members" : "fields");
    return 0;
}

void sr_redis_broadcast_refresh(sr_batch *b, int id, sr_seq *live) {
    sr_redis_bcast *bc = id >= 0 && id < SR_MAX_BROADCASTS ? b->rt->bcasts[id] : NULL;
    if (!bc)
        return;
    char err[512];
    if (bc->failing && sr_mono_us() < bc->retry_at_us)
        return;
    int rc = load(bc, live, 0, err, sizeof err);
    if (rc < 0) {
        if (!bc->failing)
            sr_log(SR_LOG_WARN, "cannot read the broadcast value %s from Redis at %s: %s; batches go on "
                                "with its last value, read again before later batches",
                   bc->key, sr_redis_name(bc->conn), err);
        bc->backoff_ms = !bc->failing ? RETRY_FIRST_MS
                                      : bc->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : bc->backoff_ms * 2;
        bc->retry_at_us = sr_mono_us() + bc->backoff_ms * 1000;
        bc->failing = true;
        return;
    }
    if (bc->failing)
        sr_log(SR_LOG_INFO, "broadcast %s: Redis at %s can be read again", bc->key, sr_redis_name(bc->conn));
    bc->failing = false;
    if (rc == 1)
        sr_log(SR_LOG_INFO, "broadcast %s changed in Redis: %lld %s from batch %lld ms on", bc->key,
               (long long)bc->count, bc->what == SR_REDIS_READ_SET ? "members" : "fields",
               (long long)b->time_ms);
}

void sr_redis_broadcasts_free(sr_runtime *rt) {
    for (int i = 0; i < SR_MAX_BROADCASTS; i++) {
        sr_redis_bcast *bc = rt->bcasts[i];
        if (!bc)
            continue;
        sr_arena_free(&bc->arena);
        free(bc->key);
        free(bc);
        rt->bcasts[i] = NULL;
    }
}
