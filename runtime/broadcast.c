/* broadcast.c - broadcast values read from outside the program, again
 * before every batch: a Redis set or hash (sc.fromRedisSet / fromRedisHash)
 * or the lines of a file (sc.textFile(path).collect(),
 * Source.fromFile(path).getLines.toList).
 *
 * Each read is fingerprinted; a value whose fingerprint did not change is
 * left alone (a file is only read again when its inode, size or mtime
 * changed). A changed value is built in a fresh arena and the previous
 * arena freed: at that point (the start of a batch, before the snapshot
 * executors see) nothing refers to it any more, since driver code copies
 * what it keeps into the program's arena, and appends to the live value
 * move it there too (the value's capacity equals its length).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "linked.h"
#include "redis.h"

typedef struct sr_bcast {
    sr_bcast_source from;
    char *name;               /* the Redis key or the file's path */
    sr_redis *conn;           /* Redis */
    struct stat file;         /* file: the one last read */
    bool read_once;
    sr_arena arena;           /* the current value's elements and bytes */
    uint64_t fingerprint;     /* of the current value */
    int64_t count;            /* its elements */
    bool failing;             /* the last read failed (warned) */
    int64_t retry_at_us;      /* while failing: no read before this (sr_mono_us) */
    int64_t backoff_ms;
} sr_bcast;

/* While the value cannot be read, reads are tried at most this often (a
 * Redis that does not answer at all would otherwise cost each batch a
 * timeout). */
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

/* FNV-1a over the strings' lengths and bytes. */
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

static const char *unit(const sr_bcast *bc) {
    return bc->from == SR_BCAST_REDIS_SET ? "members" : bc->from == SR_BCAST_REDIS_HASH ? "fields" : "lines";
}

static const char *where(const sr_bcast *bc, char *buf, size_t len) {
    if (bc->from == SR_BCAST_FILE)
        snprintf(buf, len, "file %s", bc->name);
    else
        snprintf(buf, len, "%s from Redis at %s", bc->name, sr_redis_name(bc->conn));
    return buf;
}

/* The value of `count` elements made of the strings v[0..nstr): replaces
 * *live if it differs from the current one. 1 replaced, 0 the same. */
static int install(sr_bcast *bc, const sr_str *v, int64_t nstr, int64_t count, sr_seq *live) {
    uint64_t fp = fingerprint(v, nstr);
    if (bc->read_once && fp == bc->fingerprint && count == bc->count)
        return 0;
    sr_arena fresh;
    sr_arena_init(&fresh);
    sr_str *out = sr_arena_alloc(&fresh, (size_t)(nstr ? nstr : 1) * sizeof *out);
    for (int64_t i = 0; i < nstr; i++)
        out[i] = sr_str_dup(&fresh, v[i]);
    sr_arena_free(&bc->arena);
    bc->arena = fresh;
    *live = (sr_seq){ out, count, count };
    bc->fingerprint = fp;
    bc->count = count;
    bc->read_once = true;
    return 1;
}

/* A Redis set's members or hash's fields and values, sorted. */
static int load_redis(sr_bcast *bc, sr_seq *live, int64_t deadline_us, char *err, size_t errlen) {
    bool set = bc->from == SR_BCAST_REDIS_SET;
    const char *cmd = set ? "SMEMBERS %s" : "HGETALL %s";
    redisReply *rep = deadline_us ? sr_redis_command_wait(bc->conn, deadline_us, err, errlen, cmd, bc->name)
                                  : sr_redis_command(bc->conn, err, errlen, cmd, bc->name);
    if (!rep)
        return -1;
    if (rep->type != REDIS_REPLY_ARRAY && rep->type != REDIS_REPLY_NIL) {
        snprintf(err, errlen, "unexpected answer to %s %s", set ? "SMEMBERS" : "HGETALL", bc->name);
        freeReplyObject(rep);
        return -1;
    }
    int64_t n = rep->type == REDIS_REPLY_ARRAY ? (int64_t)rep->elements : 0;
    sr_str *v = sr_xmalloc((size_t)(n ? n : 1) * sizeof *v); /* views into the reply */
    for (int64_t i = 0; i < n; i++) {
        const redisReply *e = rep->element[i];
        v[i] = e->type == REDIS_REPLY_STRING ? (sr_str){ e->str, (int64_t)e->len } : (sr_str){ "", 0 };
    }
    int64_t count = set ? n : n / 2;
    if (set)
        qsort(v, (size_t)n, sizeof *v, cmp_str);
    else
        qsort(v, (size_t)count, sizeof(str_pair), cmp_pair);
    int changed = install(bc, v, set ? count : 2 * count, count, live);
    free(v);
    freeReplyObject(rep);
    return changed;
}

/* A file's lines in order (a last line without '\n' counts; "\r\n" ends
 * a line too). Only read when the file is another or has changed. */
static int load_file(sr_bcast *bc, sr_seq *live, char *err, size_t errlen) {
    struct stat st;
    if (stat(bc->name, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    if (bc->read_once && st.st_ino == bc->file.st_ino && st.st_dev == bc->file.st_dev &&
        st.st_size == bc->file.st_size && st.st_mtim.tv_sec == bc->file.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == bc->file.st_mtim.tv_nsec)
        return 0;
    FILE *f = fopen(bc->name, "rb");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    sr_buf text = { 0 };
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sr_buf_put(&text, chunk, got);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        snprintf(err, errlen, "read error");
        sr_buf_free(&text);
        return -1;
    }
    int64_t n = 0, cap = 64;
    sr_str *v = sr_xmalloc((size_t)cap * sizeof *v);
    for (size_t at = 0; at < text.len;) {
        const char *nl = memchr(text.ptr + at, '\n', text.len - at);
        size_t end = nl ? (size_t)(nl - text.ptr) : text.len, len = end - at;
        if (len && text.ptr[at + len - 1] == '\r')
            len--;
        if (n == cap)
            v = sr_xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[n++] = (sr_str){ text.ptr + at, (int64_t)len };
        at = end + 1;
    }
    int changed = install(bc, v, n, n, live);
    bc->file = st;
    free(v);
    sr_buf_free(&text);
    return changed;
}

/* Read the value: 1 changed (*live replaced), 0 unchanged, -1 failed
 * (err). deadline_us: how long Redis may be waited for (0: one try). */
static int load(sr_bcast *bc, sr_seq *live, int64_t deadline_us, char *err, size_t errlen) {
    return bc->from == SR_BCAST_FILE ? load_file(bc, live, err, errlen)
                                     : load_redis(bc, live, deadline_us, err, errlen);
}

int sr_broadcast_init(sr_runtime *rt, int id, sr_bcast_source from, sr_str name, sr_seq *live,
                      char *errstr, size_t errlen) {
    char url[600], err[512], w[700];
    if (id < 0 || id >= SR_MAX_BROADCASTS) {
        snprintf(errstr, errlen, "too many broadcast values (at most %d)", SR_MAX_BROADCASTS);
        return -1;
    }
    sr_bcast *bc = rt->bcasts[id];
    if (!bc) {
        bc = sr_xcalloc(1, sizeof *bc);
        bc->name = sr_xmalloc((size_t)name.len + 1);
        memcpy(bc->name, name.ptr, (size_t)name.len);
        bc->name[name.len] = '\0';
        sr_arena_init(&bc->arena);
        rt->bcasts[id] = bc;
    }
    bc->from = from;
    int64_t deadline = 0, wait_ms = 0;
    if (from != SR_BCAST_FILE) {
        bc->conn = sr_redis_for(rt, sr_redis_default_url(rt, url, sizeof url), err, sizeof err);
        if (!bc->conn) {
            snprintf(errstr, errlen, "broadcast of Redis key %s: %s", bc->name, err);
            return -1;
        }
        wait_ms = sr_redis_start_timeout_ms(bc->conn);
        deadline = sr_mono_us() + wait_ms * 1000;
    }
    *live = (sr_seq){ 0 };
    if (load(bc, live, deadline, err, sizeof err) < 0) {
        if (from == SR_BCAST_FILE)
            snprintf(errstr, errlen, "cannot read the broadcast file %s: %s", bc->name, err);
        else if (sr_stop_requested())
            snprintf(errstr, errlen, "stopped by a signal while reading the broadcast value %s (%s)",
                     where(bc, w, sizeof w), err);
        else
            snprintf(errstr, errlen, "cannot read the broadcast value %s within %lld ms: %s",
                     where(bc, w, sizeof w), (long long)wait_ms, err);
        return -1;
    }
    sr_log(SR_LOG_INFO, "broadcast %s: %lld %s", where(bc, w, sizeof w), (long long)bc->count, unit(bc));
    return 0;
}

void sr_broadcast_refresh(sr_batch *b, int id, sr_seq *live) {
    sr_bcast *bc = id >= 0 && id < SR_MAX_BROADCASTS ? b->rt->bcasts[id] : NULL;
    if (!bc)
        return;
    char err[512], w[700];
    if (bc->failing && sr_mono_us() < bc->retry_at_us)
        return;
    int rc = load(bc, live, 0, err, sizeof err);
    if (rc < 0) {
        if (!bc->failing)
            sr_log(SR_LOG_WARN, "cannot read the broadcast value %s: %s; batches go on with its last "
                                "value, read again before later batches",
                   where(bc, w, sizeof w), err);
        bc->backoff_ms = !bc->failing ? RETRY_FIRST_MS
                                      : bc->backoff_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : bc->backoff_ms * 2;
        bc->retry_at_us = sr_mono_us() + bc->backoff_ms * 1000;
        bc->failing = true;
        return;
    }
    if (bc->failing)
        sr_log(SR_LOG_INFO, "broadcast %s can be read again", where(bc, w, sizeof w));
    bc->failing = false;
    if (rc == 1)
        sr_log(SR_LOG_INFO, "broadcast %s changed: %lld %s from batch %lld ms on", where(bc, w, sizeof w),
               (long long)bc->count, unit(bc), (long long)b->time_ms);
}

void sr_broadcasts_free(sr_runtime *rt) {
    for (int i = 0; i < SR_MAX_BROADCASTS; i++) {
        sr_bcast *bc = rt->bcasts[i];
        if (!bc)
            continue;
        sr_arena_free(&bc->arena);
        free(bc->name);
        free(bc);
        rt->bcasts[i] = NULL;
    }
}
