/* redis.h - connections to Redis (hiredis) and each batch's transaction.
 *
 * One connection per Redis address per run, shared by everything that
 * uses the address: saveToRedis sinks, Kafka offsets (`offsets redis`) and
 * broadcast values. Sinks and offsets do not write during the batch: they
 * queue commands on the connection (sr_redis_queue), and after the batch's
 * outputs sr_redis_commit_batch sends each connection's queue as one
 * MULTI/EXEC that also sets the guard key `streamc:<app>:batch` to
 * "<lineage>:<batch time>" (rt->lineage). A batch that may have been
 * applied already (a replay, or a retry after an unanswered EXEC) is first
 * checked against the guard: applied if the guard has this lineage and a
 * time at or past the batch's.
 * docs/redis.md is the user's view.
 */
#ifndef STREAMRT_REDIS_H
#define STREAMRT_REDIS_H

#include <hiredis/hiredis.h>

#include "runtime.h"

typedef struct sr_redis sr_redis;

/* redis://[:password@]host[:port][/db] */
typedef struct sr_redis_addr {
    char host[256];
    int port;           /* default 6379 */
    int db;             /* default 0 */
    char password[256]; /* "" = none */
} sr_redis_addr;

/* 0, or -1 with a message naming what is wrong. */
int sr_redis_parse_url(const char *url, sr_redis_addr *a, char *err, size_t errlen);

/* The address of sinks and broadcast values (docs/redis.md): --redis, the
 * program's `redis` (or `offsets redis`) URL, else the spark.redis.* keys,
 * else redis://127.0.0.1:6379/0. Written into buf. */
const char *sr_redis_default_url(sr_runtime *rt, char *buf, size_t len);
/* The address of `offsets redis`: --redis, else the program's URL. */
const char *sr_redis_offsets_url(sr_runtime *rt);

/* The run's connection to url, made on first use (not connected yet).
 * NULL with err if the URL is bad. */
sr_redis *sr_redis_for(sr_runtime *rt, const char *url, char *err, size_t errlen);
/* "host:port/db", for messages. */
const char *sr_redis_name(const sr_redis *r);
/* Close and free every connection of the run. */
void sr_redis_close_all(sr_runtime *rt);

/* One command now (hiredis format: %s, %b, ...), connecting first if
 * needed. The reply (free with freeReplyObject), or NULL with err when
 * Redis cannot be reached or answers with an error. */
redisReply *sr_redis_command(sr_redis *r, char *err, size_t errlen, const char *fmt, ...);

/* Like sr_redis_command, but waits for Redis (reconnecting with back-off)
 * until deadline_us (sr_mono_us) or a stop signal. */
redisReply *sr_redis_command_wait(sr_redis *r, int64_t deadline_us, char *err, size_t errlen,
                                  const char *fmt, ...);

/* How long starting waits for r (streamc.redis.startTimeoutMs). */
int64_t sr_redis_start_timeout_ms(const sr_redis *r);

/* Queue n commands (RESP bytes, see sr_resp_*) for the running batch's
 * transaction on r. Driver thread. `what` names them in messages (e.g.
 * "saveToRedis HINCRBY counts"; a constant or long-lived string).
 * `offsets`: they are Kafka offsets (the connection's transaction then
 * goes after those without offsets). */
void sr_redis_queue(sr_redis *r, const char *cmds, size_t len, int64_t n, const char *what, bool offsets);

/* After the batch's outputs: every connection's queued commands in one
 * transaction each, retried until applied (waiting for Redis with
 * back-off). `maybe_applied`: the batch may be in Redis already (a
 * replay), so the guard is checked first. 0, or -1 when the run must
 * stop (a command Redis rejects, or a stop signal while Redis is away). */
int sr_redis_commit_batch(sr_runtime *rt, int64_t time_ms, bool maybe_applied);

/* ---- RESP encoding: "*argc", then each argument as "$len" and bytes ---- */

/* "<c><n>\r\n" at p; returns the bytes written (at most 23). */
static inline size_t sr_resp_head(char *p, char c, uint64_t n) {
    char digits[20];
    int k = 0;
    do
        digits[k++] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    size_t w = 0;
    p[w++] = c;
    while (k)
        p[w++] = digits[--k];
    p[w++] = '\r';
    p[w++] = '\n';
    return w;
}

static inline void sr_resp_argc(sr_buf *b, int argc) {
    b->len += sr_resp_head(sr_buf_room(b, 24), '*', (uint64_t)argc);
}

static inline void sr_resp_arg(sr_buf *b, const char *s, size_t n) {
    char *p = sr_buf_room(b, n + 26);
    size_t h = sr_resp_head(p, '$', n);
    if (n)
        memcpy(p + h, s, n);
    p[h + n] = '\r';
    p[h + n + 1] = '\n';
    b->len += h + n + 2;
}

static inline void sr_resp_cstr(sr_buf *b, const char *s) { sr_resp_arg(b, s, strlen(s)); }

#endif
