/* sink_redis.c - saveToRedis: a batch's elements as Redis commands.
 *
 * One sink per output operation, made at its first batch, bound to the
 * connection of the sinks' address (sr_redis_default_url). Each task
 * encodes its partition's commands (RESP) into its own buffer; the end of
 * the output queues the buffers in partition order on the connection.
 * Nothing is sent until sr_redis_commit_batch, after all the batch's
 * outputs: the batch's writes (and Kafka offsets on the same Redis) are
 * applied in one transaction (redis.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

struct sr_redis_sink {
    sr_redis *conn;
    sr_redis_kind kind;
    sr_redis_mode mode;
    char *name;            /* hash, list or set name; kv: the key prefix */
    size_t name_len;
    const char *verb;      /* the command */
    sr_buf *parts;         /* per task: its commands */
    int64_t *counts;       /* per task: how many */
    int nparts, capparts;
};

static const char *verb_of(sr_redis_kind kind, sr_redis_mode mode) {
    switch (kind) {
    case SR_REDIS_HASH:
        return mode == SR_REDIS_INCR ? "HINCRBY" : mode == SR_REDIS_INCRFLOAT ? "HINCRBYFLOAT" : "HSET";
    case SR_REDIS_KV:
        return mode == SR_REDIS_INCR ? "INCRBY" : mode == SR_REDIS_INCRFLOAT ? "INCRBYFLOAT" : "SET";
    case SR_REDIS_LIST:
        return "RPUSH";
    case SR_REDIS_SET:
        return "SADD";
    }
    return "SET";
}

sr_redis_sink *sr_redis_sink_get(sr_batch *b, int out, sr_redis_kind kind, sr_redis_mode mode,
                                 const char *name) {
    sr_runtime *rt = b->rt;
    if (out < 0 || out >= SR_MAX_SINKS) {
        sr_log(SR_LOG_ERROR, "saveToRedis: too many output operations (at most %d)", SR_MAX_SINKS);
        rt->batch_failed = true;
        return NULL;
    }
    if (rt->redis_sinks[out])
        return rt->redis_sinks[out];
    char url[600], err[512];
    sr_redis *conn = sr_redis_for(rt, sr_redis_default_url(rt, url, sizeof url), err, sizeof err);
    if (!conn) {
        sr_log(SR_LOG_ERROR, "saveToRedis: %s", err);
        rt->batch_failed = true;
        return NULL;
    }
    sr_redis_sink *s = sr_xcalloc(1, sizeof *s);
    s->conn = conn;
    s->kind = kind;
    s->mode = mode;
    s->name_len = strlen(name);
    s->name = sr_xmalloc(s->name_len + 1);
    memcpy(s->name, name, s->name_len + 1);
    s->verb = verb_of(kind, mode);
    rt->redis_sinks[out] = s;
    return s;
}

void sr_redis_sink_begin(sr_redis_sink *s, int nparts) {
    if (nparts > s->capparts) {
        s->parts = sr_xrealloc(s->parts, (size_t)nparts * sizeof *s->parts);
        s->counts = sr_xrealloc(s->counts, (size_t)nparts * sizeof *s->counts);
        memset(s->parts + s->capparts, 0, (size_t)(nparts - s->capparts) * sizeof *s->parts);
        s->capparts = nparts;
    }
    s->nparts = nparts;
    for (int i = 0; i < nparts; i++) {
        sr_buf_clear(&s->parts[i]);
        s->counts[i] = 0;
    }
}

void sr_redis_put(sr_redis_sink *s, int part, sr_str key, sr_str value) {
    sr_buf *b = &s->parts[part];
    switch (s->kind) {
    case SR_REDIS_HASH:
        sr_resp_argc(b, 4);
        sr_resp_cstr(b, s->verb);
        sr_resp_arg(b, s->name, s->name_len);
        sr_resp_arg(b, key.ptr, (size_t)key.len);
        break;
    case SR_REDIS_KV: { /* prefix + key as one argument */
        sr_resp_argc(b, 3);
        sr_resp_cstr(b, s->verb);
        size_t n = s->name_len + (size_t)key.len;
        char *p = sr_buf_room(b, n + 26);
        size_t h = sr_resp_head(p, '$', n);
        memcpy(p + h, s->name, s->name_len);
        if (key.len)
            memcpy(p + h + s->name_len, key.ptr, (size_t)key.len);
        memcpy(p + h + n, "\r\n", 2);
        b->len += h + n + 2;
        break;
    }
    case SR_REDIS_LIST:
    case SR_REDIS_SET:
        sr_resp_argc(b, 3);
        sr_resp_cstr(b, s->verb);
        sr_resp_arg(b, s->name, s->name_len);
        break;
    }
    sr_resp_arg(b, value.ptr, (size_t)value.len);
    s->counts[part]++;
}

void sr_redis_sink_end(sr_batch *b, sr_redis_sink *s) {
    (void)b;
    for (int i = 0; i < s->nparts; i++)
        if (s->counts[i])
            sr_redis_queue(s->conn, s->parts[i].ptr, s->parts[i].len, s->counts[i], false);
}

void sr_redis_sinks_free(sr_runtime *rt) {
    for (int i = 0; i < SR_MAX_SINKS; i++) {
        sr_redis_sink *s = rt->redis_sinks[i];
        if (!s)
            continue;
        for (int j = 0; j < s->capparts; j++)
            sr_buf_free(&s->parts[j]);
        free(s->parts);
        free(s->counts);
        free(s->name);
        free(s);
        rt->redis_sinks[i] = NULL;
    }
}
