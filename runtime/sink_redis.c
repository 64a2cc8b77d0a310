/* sink_redis.c - saveToRedis: a batch's elements as Redis commands.
 *
 * One sink per output operation, made at its first batch, bound to the
 * connection of the sinks' address (sr_redis_default_url). Each task
 * encodes its partition's commands (RESP) into its own buffer, CHUNK
 * elements per command; the end of the output queues the buffers in
 * partition order on the connection.
 * Nothing is sent until sr_redis_commit_batch, after all the batch's
 * outputs: the batch's writes (and Kafka offsets on the same Redis) are
 * applied in one transaction (redis.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

/* Elements per command: a batch's writes go as variadic commands (HSET,
 * MSET, RPUSH, SADD) or, for the increments Redis has no variadic form
 * of, as a small Lua loop (EVAL) over a chunk of pairs. */
#define CHUNK 1000

static const char HINCRBY_LOOP[] =
    "for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end return 0";
static const char HINCRBYFLOAT_LOOP[] =
    "for i = 1, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]) end return 0";
static const char INCRBY_LOOP[] =
    "for i = 1, #ARGV, 2 do redis.call('INCRBY', ARGV[i], ARGV[i + 1]) end return 0";
static const char INCRBYFLOAT_LOOP[] =
    "for i = 1, #ARGV, 2 do redis.call('INCRBYFLOAT', ARGV[i], ARGV[i + 1]) end return 0";

/* A task's part of the batch: finished commands, and the arguments of the
 * command being filled. */
typedef struct sink_part {
    sr_buf out;
    sr_buf args;
    int nelems;            /* elements in args */
    int64_t ncmds;         /* commands in out */
} sink_part;

struct sr_redis_sink {
    sr_redis *conn;
    sr_redis_kind kind;
    sr_redis_mode mode;
    char *name;            /* hash, list or set name; kv: the key prefix */
    size_t name_len;
    const char *verb;      /* HSET, MSET, RPUSH, SADD or EVAL */
    const char *script;    /* EVAL's script */
    char what[300];        /* for messages: saveToRedis("hash", "counts") (HINCRBY) */
    bool pairs;            /* each element is a key and a value */
    sink_part *parts;
    int nparts, capparts;
};

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
    s->pairs = kind == SR_REDIS_HASH || kind == SR_REDIS_KV;
    bool floats = mode == SR_REDIS_INCRFLOAT;
    if (mode == SR_REDIS_PUT || !s->pairs) {
        s->verb = kind == SR_REDIS_HASH ? "HSET" : kind == SR_REDIS_KV ? "MSET" : kind == SR_REDIS_LIST ? "RPUSH" : "SADD";
    } else {
        s->verb = "EVAL";
        s->script = kind == SR_REDIS_HASH ? (floats ? HINCRBYFLOAT_LOOP : HINCRBY_LOOP)
                                          : (floats ? INCRBYFLOAT_LOOP : INCRBY_LOOP);
    }
    static const char *const kinds[] = { "hash", "kv", "list", "set" };
    snprintf(s->what, sizeof s->what, "saveToRedis(\"%s\", \"%s\"%s) (%s)", kinds[kind], name,
             mode == SR_REDIS_PUT ? "" : ", \"increment\"",
             !s->script ? s->verb : kind == SR_REDIS_HASH ? (floats ? "HINCRBYFLOAT" : "HINCRBY")
                                                           : (floats ? "INCRBYFLOAT" : "INCRBY"));
    rt->redis_sinks[out] = s;
    return s;
}

void sr_redis_sink_begin(sr_redis_sink *s, int nparts) {
    if (nparts > s->capparts) {
        s->parts = sr_xrealloc(s->parts, (size_t)nparts * sizeof *s->parts);
        memset(s->parts + s->capparts, 0, (size_t)(nparts - s->capparts) * sizeof *s->parts);
        s->capparts = nparts;
    }
    s->nparts = nparts;
    for (int i = 0; i < nparts; i++) {
        sr_buf_clear(&s->parts[i].out);
        sr_buf_clear(&s->parts[i].args);
        s->parts[i].nelems = 0;
        s->parts[i].ncmds = 0;
    }
}

/* The part's pending elements as one command. */
static void flush_command(sr_redis_sink *s, sink_part *p) {
    if (!p->nelems)
        return;
    int argc = p->nelems * (s->pairs ? 2 : 1);
    if (s->script) { /* EVAL script numkeys [hash] k v ... */
        bool hash = s->kind == SR_REDIS_HASH;
        sr_resp_argc(&p->out, argc + 3 + hash);
        sr_resp_cstr(&p->out, "EVAL");
        sr_resp_cstr(&p->out, s->script);
        sr_resp_cstr(&p->out, hash ? "1" : "0");
        if (hash)
            sr_resp_arg(&p->out, s->name, s->name_len);
    } else {
        bool named = s->kind != SR_REDIS_KV; /* MSET takes no name */
        sr_resp_argc(&p->out, argc + 1 + named);
        sr_resp_cstr(&p->out, s->verb);
        if (named)
            sr_resp_arg(&p->out, s->name, s->name_len);
    }
    sr_buf_put(&p->out, p->args.ptr, p->args.len);
    sr_buf_clear(&p->args);
    p->nelems = 0;
    p->ncmds++;
}

void sr_redis_put(sr_redis_sink *s, int part, sr_str key, sr_str value) {
    sink_part *p = &s->parts[part];
    sr_buf *b = &p->args;
    if (s->kind == SR_REDIS_KV) { /* prefix + key as one argument */
        size_t n = s->name_len + (size_t)key.len;
        char *at = sr_buf_room(b, n + 26);
        size_t h = sr_resp_head(at, '$', n);
        memcpy(at + h, s->name, s->name_len);
        if (key.len)
            memcpy(at + h + s->name_len, key.ptr, (size_t)key.len);
        memcpy(at + h + n, "\r\n", 2);
        b->len += h + n + 2;
    } else if (s->kind == SR_REDIS_HASH) {
        sr_resp_arg(b, key.ptr, (size_t)key.len);
    }
    sr_resp_arg(b, value.ptr, (size_t)value.len);
    if (++p->nelems == CHUNK)
        flush_command(s, p);
}

void sr_redis_sink_end(sr_batch *b, sr_redis_sink *s) {
    (void)b;
    for (int i = 0; i < s->nparts; i++) {
        sink_part *p = &s->parts[i];
        flush_command(s, p);
        if (p->ncmds)
            sr_redis_queue(s->conn, p->out.ptr, p->out.len, p->ncmds, s->what, false);
    }
}

void sr_redis_sinks_free(sr_runtime *rt) {
    for (int i = 0; i < SR_MAX_SINKS; i++) {
        sr_redis_sink *s = rt->redis_sinks[i];
        if (!s)
            continue;
        for (int j = 0; j < s->capparts; j++) {
            sr_buf_free(&s->parts[j].out);
            sr_buf_free(&s->parts[j].args);
        }
        free(s->parts);
        free(s->name);
        free(s);
        rt->redis_sinks[i] = NULL;
    }
}
