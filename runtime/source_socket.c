/* source_socket.c - ssc.socketTextStream(host, port): a TCP line receiver.
 *
 * A receiver thread connects to host:port (getaddrinfo: IPv4, IPv6, names
 * such as "localhost"; every address is tried in turn), reads the bytes,
 * and moves complete lines into a buffer shared with the scheduler under a
 * mutex. sr_source_take swaps that buffer for an empty one, so the receiver
 * never waits for a batch to be copied, and copies the bytes into the
 * batch's arena as one block.
 *
 * Connection trouble never ends the source: when the peer is not up, or
 * closes, or a read fails, the receiver retries with back-off (100 ms
 * doubling to 2 s), logs one WARN per outage and one INFO when connected.
 * When a connection ends, its unfinished last line is delivered as a line
 * (as Spark's socket receiver delivers the last line of its stream).
 *
 * Flow control never drops a line; it stops reading the socket, so TCP
 * pushes back on the sender:
 *  - spark.streaming.receiver.maxRate (lines/s): a token bucket refilled at
 *    that rate holding at most a tenth of a second's worth (at least one
 *    token); a line is accepted only with a token in hand;
 *  - the buffer is bounded (256 MiB): past that the receiver waits for a
 *    take to drain it.
 *
 * Stopping is prompt in every state: the receiver only blocks in poll() on
 * its socket and a self-pipe (or a timed condition wait), and stop writes
 * to the pipe. The only call that cannot be interrupted is getaddrinfo,
 * which for a remote name is bounded by the resolver's own timeouts.
 *
 * Write-ahead log (spark.streaming.receiver.writeAheadLog.enable, with a
 * checkpoint directory: opts->wal_dir). Then the log *is* the buffer: the
 * receiver appends the lines it moves to <checkpoint>/wal/<key>/ (wal.c)
 * and fdatasyncs them (once per move, up to a MiB of lines read at a time)
 * before they count as received; a take reads the log from `consumed` (the
 * offset up to which takes took) to its end, and its receipt is that byte
 * range, two varints. So a kill -9 loses no line the receiver got (only
 * what was still in the kernel's socket buffer, as in Spark):
 *  - a batch journaled before the crash is replayed from its range;
 *  - the source's checkpointed position is `consumed`; lines received but
 *    never taken lie after it (and after every replayed range) and the
 *    first take after the restart delivers them, before newer ones;
 *  - with no checkpoint to restore, everything the log holds is new.
 * The bound of the buffer (256 MiB) bounds the log's bytes not yet taken.
 * A checkpoint's save deletes the segments wholly below the position of the
 * save two before it (the directory keeps two checkpoints, and a save comes
 * before its checkpoint is in place). When the log cannot be written (disk
 * full), the receiver logs one ERROR, stops reading the socket (TCP pushes
 * back on the sender) and retries every second; it logs an INFO when a
 * write succeeds again. Nothing is kept in memory instead: a line counts
 * as received only once it is in the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "source_impl.h"
#include "wal.h"

#define DEFAULT_CAP ((size_t)256 * 1024 * 1024)
#define READ_CHUNK ((size_t)64 * 1024)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define CONNECT_TIMEOUT_MS 5000
/* A taken buffer bigger than this is freed rather than kept for reuse. */
#define KEEP_SPARE ((size_t)16 * 1024 * 1024)
/* With a log: bytes read from the socket before they are written (and
 * fdatasync'ed) in one go, and how long to wait after a failed write. */
#define WAL_GROUP ((size_t)1024 * 1024)
#define WAL_RETRY_MS 1000
#define WAL_ROLL_MS_DEFAULT 60000

typedef struct sock_src {
    sr_source base;
    char *host;
    char port[16];
    double max_rate;            /* lines/s, 0 = unlimited */
    size_t cap;                 /* bound of buf, bytes; also of one line */
    bool cut_warned;            /* a line was cut at cap */
    bool just_cut;              /* ... by the last read: a '\n' next ends it */

    int wake[2];                /* self-pipe: readable once stop began */
    atomic_bool stopping;
    pthread_t thread;
    bool running;               /* thread created and not yet joined */

    /* Shared with the scheduler, under lock. */
    pthread_mutex_t lock;
    pthread_cond_t drained;     /* a take emptied buf, or stop began */
    char *buf;                  /* complete lines, each ending with '\n' */
    size_t len, bcap;
    int64_t nlines;

    /* The scheduler's: the buffer handed out by the last take. */
    char *spare;
    size_t spare_cap;

    /* The write-ahead log (wal != NULL once started with one). */
    char *wal_dir;              /* <checkpoint dir>/wal/<key>, NULL = no log */
    int64_t wal_roll_ms;
    sr_wal *wal;
    uint64_t consumed;          /* log offset taken up to (written by the scheduler, under lock) */
    uint64_t start_end;         /* the log's end when the source started */
    bool restored;              /* consumed came from a checkpoint */
    bool discard;               /* stopped without drain: takes are empty (under lock) */
    uint64_t saved[2];          /* the positions of the two saves before the next one */
    int nsaves;
    bool warned_no_wal;         /* a receipt came without a log; WARN logged */

    /* The receiver thread's. */
    int fd;                     /* -1 = not connected */
    char *rbuf;                 /* bytes read, not yet moved to buf */
    size_t rpos;                /* start of what is left to move */
    size_t rdone;               /* end of the last complete line in rbuf */
    size_t rlen, rcap;
    double tokens;
    int64_t refill_us;          /* time of the last refill */
    bool outage;                /* a WARN was logged, no connection since */
    bool connected_once;
    bool wal_failing;           /* a log write failed; ERROR logged, no success since */
} sock_src;

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool stopping(sock_src *s) {
    return atomic_load_explicit(&s->stopping, memory_order_acquire);
}

/* Sleep up to ms milliseconds; returns true if stop began. */
static bool wait_ms(sock_src *s, int ms) {
    struct pollfd p = { .fd = s->wake[0], .events = POLLIN };
    if (poll(&p, 1, ms) > 0 || stopping(s))
        return true;
    return false;
}

/* strerror, starting lower-case as log messages do. */
static void err_text(int err, char *out, size_t n) {
    snprintf(out, n, "%s", strerror(err));
    if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
        out[0] = (char)(out[0] - 'A' + 'a');
}

/* One WARN per outage. */
static void outage(sock_src *s, const char *what) {
    sr_source_set_active(&s->base, false);
    if (!s->outage)
        sr_source_log(&s->base, SR_LOG_WARN, "%s: %s", s->base.name, what);
    else
        sr_log(SR_LOG_DEBUG, "%s: %s", s->base.name, what);
    s->outage = true;
}

/* ===================================================================== */
/* Connecting                                                             */
/* ===================================================================== */

/* Non-blocking connect to one address, bounded by CONNECT_TIMEOUT_MS and
 * cut short by stop. Returns the socket, or -1 with *err set (0 = stop). */
static int connect_addr(sock_src *s, const struct addrinfo *ai, int *err) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        *err = errno;
        close(fd);
        return -1;
    }
    struct pollfd p[2] = { { .fd = fd, .events = POLLOUT }, { .fd = s->wake[0], .events = POLLIN } };
    int r;
    do
        r = poll(p, 2, CONNECT_TIMEOUT_MS);
    while (r < 0 && errno == EINTR);
    if (r < 0 || p[1].revents) {
        *err = r < 0 ? errno : 0;
        close(fd);
        return -1;
    }
    if (r == 0) {
        *err = ETIMEDOUT;
        close(fd);
        return -1;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
    if (soerr) {
        *err = soerr;
        close(fd);
        return -1;
    }
    return fd;
}

/* Try every address of host:port. Sets s->fd on success; logs. */
static void try_connect(sock_src *s) {
    struct addrinfo hints = { 0 }, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(s->host, s->port, &hints, &res);
    char msg[256], why[128];
    if (g != 0) {
        if (g == EAI_SYSTEM)
            err_text(errno, why, sizeof why);
        else
            snprintf(why, sizeof why, "%s", gai_strerror(g));
        snprintf(msg, sizeof msg, "cannot resolve host: %s, retrying", why);
        outage(s, msg);
        return;
    }
    int err = 0;
    for (struct addrinfo *ai = res; ai && !stopping(s); ai = ai->ai_next) {
        int fd = connect_addr(s, ai, &err);
        if (fd >= 0) {
            s->fd = fd;
            break;
        }
    }
    freeaddrinfo(res);
    if (s->fd >= 0) {
        sr_log(SR_LOG_INFO, "%s: %s", s->base.name,
               s->connected_once ? "reconnected" : "connected");
        s->connected_once = true;
        s->outage = false;
        sr_source_set_active(&s->base, true);
        return;
    }
    if (stopping(s) || err == 0)
        return;
    err_text(err, why, sizeof why);
    snprintf(msg, sizeof msg, "%s, retrying", why);
    outage(s, msg);
}

/* ===================================================================== */
/* Moving lines to the shared buffer                                      */
/* ===================================================================== */

/* Append rbuf[rpos .. rpos + n) holding `lines` lines to buf (under lock). */
static void append_locked(sock_src *s, size_t n, int64_t lines) {
    if (s->len + n > s->bcap) {
        size_t c = s->bcap ? s->bcap : READ_CHUNK;
        while (c < s->len + n)
            c *= 2;
        s->buf = sr_xrealloc(s->buf, c);
        s->bcap = c;
    }
    memcpy(s->buf + s->len, s->rbuf + s->rpos, n);
    s->len += n;
    s->nlines += lines;
    s->rpos += n;
}

/* Bytes received and not yet taken (under lock). */
static uint64_t backlog_locked(sock_src *s) {
    return s->wal ? sr_wal_end(s->wal) - s->consumed : s->len;
}

/* With a log: append rbuf[rpos .. rpos + n) to it. 0, or -1 after a failed
 * write (logged once per outage). */
static int log_lines(sock_src *s, size_t n) {
    if (sr_wal_append(s->wal, s->rbuf + s->rpos, n) != 0) {
        if (!s->wal_failing) {
            char why[128];
            err_text(errno, why, sizeof why);
            sr_source_log(&s->base, SR_LOG_ERROR, "%s: cannot write the write-ahead log in %s: %s; not reading until it "
                                 "can be written (retrying every second)",
                   s->base.name, s->wal_dir, why);
        }
        s->wal_failing = true;
        return -1;
    }
    if (s->wal_failing)
        sr_log(SR_LOG_INFO, "%s: the write-ahead log is written again", s->base.name);
    s->wal_failing = false;
    s->rpos += n;
    return 0;
}

/* End (exclusive) of the first `max` lines from rbuf[rpos], within the
 * complete lines; *lines gets how many. */
static size_t span_lines(const sock_src *s, int64_t max, int64_t *lines) {
    const char *p = s->rbuf + s->rpos, *end = s->rbuf + s->rdone;
    int64_t k = 0;
    while (k < max && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl + 1; /* rdone ends with '\n', so nl is found */
        k++;
    }
    *lines = k;
    return (size_t)(p - (s->rbuf + s->rpos));
}

/* Move as many complete lines as the rate and the cap allow (to the log,
 * or to buf). Returns 0 when none is left, else how long to wait (ms)
 * before trying again; -1 means "wait for a take" (buffer full). */
static int deliver(sock_src *s) {
    if (s->rpos == s->rdone)
        return 0;
    int64_t max = INT64_MAX;
    if (s->max_rate > 0) {
        int64_t now = mono_us();
        double burst = s->max_rate / 10 > 1 ? s->max_rate / 10 : 1;
        s->tokens += (double)(now - s->refill_us) / 1e6 * s->max_rate;
        if (s->tokens > burst)
            s->tokens = burst;
        s->refill_us = now;
        max = (int64_t)s->tokens;
    }
    if (max > 0) {
        int64_t lines;
        size_t n = span_lines(s, max, &lines);
        pthread_mutex_lock(&s->lock);
        bool full = backlog_locked(s) >= s->cap;
        if (!full && !s->wal)
            append_locked(s, n, lines);
        pthread_mutex_unlock(&s->lock);
        if (full)
            return -1;
        if (s->wal && log_lines(s, n) != 0)
            return WAL_RETRY_MS;
        if (s->max_rate > 0)
            s->tokens -= (double)lines;
        if (s->rpos == s->rdone)
            return 0;
    }
    double ms = (1 - s->tokens) / s->max_rate * 1000;
    return ms < 1 ? 1 : ms > 1000 ? 1000 : (int)ms + 1;
}

/* Wait until a take drains the buffer or stop begins. */
static void wait_drained(sock_src *s) {
    pthread_mutex_lock(&s->lock);
    while (backlog_locked(s) >= s->cap && !stopping(s)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->drained, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Make room to read: drop what was moved, grow when a line fills rbuf. */
static void make_room(sock_src *s) {
    if (s->rpos > 0) {
        memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
        s->rlen -= s->rpos;
        s->rdone -= s->rpos;
        s->rpos = 0;
    }
    if (s->rcap - s->rlen < READ_CHUNK / 4) {
        s->rcap = s->rcap ? s->rcap * 2 : READ_CHUNK;
        s->rbuf = sr_xrealloc(s->rbuf, s->rcap);
    }
}

/* The connection ended: its unfinished last line becomes a line. */
static void end_connection(sock_src *s, const char *why) {
    close(s->fd);
    s->fd = -1;
    if (s->rlen > s->rdone) {
        make_room(s);
        s->rbuf[s->rlen++] = '\n';
        s->rdone = s->rlen;
    }
    outage(s, why);
}

/* An unfinished line as long as the buffer's bound is cut there: its
 * first part becomes a line, the rest starts the next one. Without this a
 * peer that never sends '\n' would grow the buffer without end. */
static void cut_long_line(sock_src *s) {
    if (!s->cut_warned)
        sr_source_log(&s->base, SR_LOG_WARN, "%s: a line longer than %zu bytes (streamc.receiver.bufferBytes) "
                      "was cut into lines of that length", s->base.name, s->cap);
    s->cut_warned = true;
    s->just_cut = true;
    make_room(s);
    s->rbuf[s->rlen++] = '\n';
    s->rdone = s->rlen;
}

/* Read once (after poll); with a log, on while more is there, up to
 * WAL_GROUP bytes (or the cap), so that one write and fdatasync cover
 * them all. */
static void read_some(sock_src *s) {
    for (;;) {
        make_room(s);
        ssize_t n = read(s->fd, s->rbuf + s->rlen, s->rcap - s->rlen);
        if (n > 0 && s->just_cut) {
            s->just_cut = false;
            if (s->rbuf[s->rlen] == '\n') { /* the cut line's own end: already ended */
                memmove(s->rbuf + s->rlen, s->rbuf + s->rlen + 1, (size_t)--n);
                if (n == 0)
                    return;
            }
        }
        if (n > 0) {
            const char *nl = memrchr(s->rbuf + s->rlen, '\n', (size_t)n);
            s->rlen += (size_t)n;
            if (nl)
                s->rdone = (size_t)(nl + 1 - s->rbuf);
            if (s->rlen - s->rdone >= s->cap)
                cut_long_line(s);
            if (s->wal && s->rlen - s->rpos < (s->cap < WAL_GROUP ? s->cap : WAL_GROUP))
                continue;
        } else if (n == 0) {
            end_connection(s, "connection closed by peer, retrying");
        } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
            char why[128], msg[192];
            err_text(errno, why, sizeof why);
            snprintf(msg, sizeof msg, "read failed: %s, retrying", why);
            end_connection(s, msg);
        }
        return;
    }
}

static void *receiver(void *arg) {
    sock_src *s = arg;
    int backoff = BACKOFF_MIN_MS;
    s->refill_us = mono_us();
    s->tokens = 1;
    while (!stopping(s)) {
        int wait = deliver(s);
        if (wait < 0) {
            wait_drained(s);
            continue;
        }
        if (wait > 0) {
            if (wait_ms(s, wait))
                break;
            continue;
        }
        if (s->fd < 0) {
            try_connect(s);
            if (s->fd < 0) {
                if (wait_ms(s, backoff))
                    break;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            } else {
                backoff = BACKOFF_MIN_MS;
            }
            continue;
        }
        struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN },
                               { .fd = s->wake[0], .events = POLLIN } };
        int r = poll(p, 2, 1000);
        if (r < 0 && errno != EINTR) {
            wait_ms(s, 10);
            continue;
        }
        if (r > 0 && p[1].revents)
            break;
        if (r > 0 && p[0].revents)
            read_some(s);
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    return NULL;
}

/* ===================================================================== */
/* The write-ahead log                                                    */
/* ===================================================================== */

/* Open the log and find where takes go on: after the checkpointed
 * position, or at the log's first byte when nothing was restored. */
static int wal_start(sock_src *s, char *errstr, size_t errlen) {
    char err[512] = "";
    s->wal = sr_wal_open(s->wal_dir, s->wal_roll_ms, err, sizeof err);
    if (!s->wal) {
        sr_source_errf(errstr, errlen, "%s: write-ahead log: %s", s->base.name, err);
        return -1;
    }
    uint64_t first = sr_wal_first(s->wal), end = sr_wal_end(s->wal);
    if (!s->restored) {
        s->consumed = first;
    } else if (s->consumed > end) {
        sr_source_log(&s->base, SR_LOG_WARN, "%s: the write-ahead log in %s ends at byte %" PRIu64 ", before the "
                            "checkpointed position %" PRIu64 ": it lost data; going on after the position",
               s->base.name, s->wal_dir, end, s->consumed);
        sr_wal_skip_to(s->wal, s->consumed);
        end = s->consumed;
    }
    s->start_end = end;
    if (end > s->consumed)
        sr_log(SR_LOG_INFO, "%s: write-ahead log %s: %" PRIu64 " bytes received before the start and "
                            "not in a checkpoint (batches to replay, then lines not yet taken)",
               s->base.name, s->wal_dir, end - s->consumed);
    else
        sr_log(SR_LOG_DEBUG, "%s: write-ahead log %s, at byte %" PRIu64, s->base.name, s->wal_dir, end);
    return 0;
}

/* The lines of log range [from, to), read into the arena (what is past
 * the log's end, e.g. in a damaged receipt, is gone too). */
static void read_range(sock_src *s, uint64_t from, uint64_t to, sr_arena *arena, sr_lines *out) {
    uint64_t end = sr_wal_end(s->wal), hi = to < end ? to : end;
    size_t want = hi > from ? (size_t)(hi - from) : 0;
    char *block = want ? sr_arena_alloc(arena, want) : NULL;
    int64_t got = want ? sr_wal_read(s->wal, from, hi, block) : 0;
    if (got < 0) {
        char why[128];
        err_text(errno, why, sizeof why);
        sr_source_log(&s->base, SR_LOG_ERROR, "%s: cannot read the write-ahead log in %s: %s; %" PRIu64 " bytes of input lost",
               s->base.name, s->wal_dir, why, to - from);
        got = 0;
    } else if ((uint64_t)got < to - from) {
        sr_source_log(&s->base, SR_LOG_WARN, "%s: %" PRIu64 " of the %" PRIu64 " bytes at %" PRIu64 " are gone from the "
                            "write-ahead log in %s; skipped",
               s->base.name, to - from - (uint64_t)got, to - from, from, s->wal_dir);
    }
    if (got > 0)
        sr_lines_from_block(arena, block, (size_t)got, -1, out);
}

/* Everything logged and not yet taken. */
static void wal_take(sock_src *s, sr_arena *arena, sr_lines *out, sr_buf *receipt) {
    pthread_mutex_lock(&s->lock);
    uint64_t from = s->consumed;
    bool discard = s->discard;
    pthread_mutex_unlock(&s->lock);
    uint64_t to = sr_wal_end(s->wal);
    if (discard || to <= from)
        return;
    read_range(s, from, to, arena, out);
    pthread_mutex_lock(&s->lock);
    s->consumed = to;
    pthread_cond_broadcast(&s->drained);
    pthread_mutex_unlock(&s->lock);
    if (receipt) {
        sr_enc_u64(receipt, from);
        sr_enc_u64(receipt, to);
    }
}

/* ===================================================================== */
/* Operations                                                             */
/* ===================================================================== */

static int sock_start(sr_source *src, char *errstr, size_t errlen) {
    sock_src *s = (sock_src *)src;
    if (s->running)
        return 0;
    if (stopping(s)) {
        sr_source_errf(errstr, errlen, "%s: already stopped", s->base.name);
        return -1;
    }
    if (s->wal_dir && !s->wal && wal_start(s, errstr, errlen) != 0)
        return -1;
    int e = pthread_create(&s->thread, NULL, receiver, s);
    if (e != 0) {
        sr_source_errf(errstr, errlen, "%s: cannot start the receiver thread: %s", s->base.name,
                       strerror(e));
        return -1;
    }
    s->running = true;
    return 0;
}

static void sock_take(sr_source *src, int64_t time_ms, sr_arena *arena, sr_lines *out,
                      sr_buf *receipt) {
    sock_src *s = (sock_src *)src;
    (void)time_ms;
    if (s->wal) {
        wal_take(s, arena, out, receipt);
        return;
    }
    pthread_mutex_lock(&s->lock);
    char *full = s->buf;
    size_t n = s->len, fcap = s->bcap;
    int64_t lines = s->nlines;
    s->buf = s->spare;
    s->bcap = s->spare_cap;
    s->len = 0;
    s->nlines = 0;
    pthread_cond_broadcast(&s->drained);
    pthread_mutex_unlock(&s->lock);

    if (n > 0) {
        char *block = sr_arena_alloc(arena, n);
        memcpy(block, full, n);
        sr_lines_from_block(arena, block, n, lines, out);
    }
    if (fcap > KEEP_SPARE) {
        free(full);
        full = NULL;
        fcap = 0;
    }
    s->spare = full;
    s->spare_cap = fcap;
}

/* A receipt is a log range [from, to): read it again; takes go on after it.
 * Ranges beyond the log's end at the start (a log that lost data) do not
 * move the position past lines received since. */
static void sock_replay(sr_source *src, sr_dec *receipt, sr_arena *arena, sr_lines *out) {
    sock_src *s = (sock_src *)src;
    uint64_t from = sr_dec_u64(receipt), to = sr_dec_u64(receipt);
    if (receipt->bad || to < from) {
        sr_source_log(&s->base, SR_LOG_WARN, "%s: a replayed batch's receipt is damaged; its input is skipped", s->base.name);
        return;
    }
    if (!s->wal) {
        if (!s->warned_no_wal)
            sr_source_log(&s->base, SR_LOG_WARN, "%s: replayed batches read the write-ahead log, which is off now "
                                "(spark.streaming.receiver.writeAheadLog.enable); their input is skipped",
                   s->base.name);
        s->warned_no_wal = true;
        return;
    }
    if (to > from)
        read_range(s, from, to, arena, out);
    if (to > s->start_end)
        to = s->start_end;
    pthread_mutex_lock(&s->lock);
    if (to > s->consumed)
        s->consumed = to;
    pthread_cond_broadcast(&s->drained);
    pthread_mutex_unlock(&s->lock);
}

/* Position: the log offset taken up to (nothing without a log). Deletes
 * the segments below the position of the save two before this one. */
static void sock_save(sr_source *src, sr_buf *out) {
    sock_src *s = (sock_src *)src;
    if (!s->wal)
        return;
    pthread_mutex_lock(&s->lock);
    uint64_t pos = s->consumed;
    pthread_mutex_unlock(&s->lock);
    sr_enc_u64(out, pos);
    if (s->nsaves >= 2) {
        int n = sr_wal_trim(s->wal, s->saved[0]);
        if (n)
            sr_log(SR_LOG_DEBUG, "%s: deleted %d write-ahead log segment%s below byte %" PRIu64,
                   s->base.name, n, n == 1 ? "" : "s", s->saved[0]);
    }
    s->saved[0] = s->saved[1];
    s->saved[1] = pos;
    s->nsaves++;
}

static int sock_restore(sr_source *src, sr_dec *in, char *errstr, size_t errlen) {
    sock_src *s = (sock_src *)src;
    uint64_t pos = sr_dec_u64(in);
    if (in->bad) {
        sr_source_errf(errstr, errlen, "%s: the checkpointed write-ahead log position is damaged",
                       s->base.name);
        return -1;
    }
    if (!s->wal_dir) {
        sr_source_log(&s->base, SR_LOG_WARN, "%s: the checkpoint has a write-ahead log position, but the log is off now "
                            "(spark.streaming.receiver.writeAheadLog.enable): lines received before the "
                            "restart and not yet processed are not delivered",
               s->base.name);
        return 0;
    }
    s->consumed = pos;
    s->restored = true;
    return 0;
}

static void sock_stop(sr_source *src, bool drain) {
    sock_src *s = (sock_src *)src;
    atomic_store_explicit(&s->stopping, true, memory_order_release);
    if (s->running) {
        ssize_t w;
        do
            w = write(s->wake[1], "x", 1);
        while (w < 0 && errno == EINTR);
        pthread_mutex_lock(&s->lock);
        pthread_cond_broadcast(&s->drained);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
        s->running = false;
        /* Complete lines read from the socket but held back by the rate
         * or the cap count as received; an unfinished line does not. */
        if (drain && s->rdone > s->rpos) {
            int64_t lines = sr_lines_count(s->rbuf + s->rpos, s->rdone - s->rpos);
            if (s->wal) {
                if (log_lines(s, s->rdone - s->rpos) != 0)
                    sr_source_log(&s->base, SR_LOG_ERROR, "%s: %" PRId64 " lines received are lost", s->base.name, lines);
            } else {
                pthread_mutex_lock(&s->lock);
                append_locked(s, s->rdone - s->rpos, lines);
                pthread_mutex_unlock(&s->lock);
            }
        }
        s->rpos = s->rdone = s->rlen = 0;
    }
    if (!drain) {
        pthread_mutex_lock(&s->lock);
        s->len = 0;
        s->nlines = 0;
        s->discard = true; /* the log keeps its lines for the next run */
        pthread_mutex_unlock(&s->lock);
    }
}

static void sock_free(sr_source *src) {
    sock_src *s = (sock_src *)src;
    sock_stop(src, false);
    close(s->wake[0]);
    close(s->wake[1]);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->drained);
    free(s->buf);
    free(s->spare);
    free(s->rbuf);
    free(s->host);
    sr_wal_close(s->wal);
    free(s->wal_dir);
    sr_source_base_free(&s->base);
    free(s);
}

static const sr_source_ops sock_ops = {
    .start = sock_start, .take = sock_take, .stop = sock_stop, .free = sock_free,
    .replay = sock_replay, .save = sock_save, .restore = sock_restore,
};

/* The key as a file name: [A-Za-z0-9._-], anything else '_'. */
static char *file_name_of(const char *key) {
    char *n = strdup(key);
    if (!n)
        abort();
    for (char *p = n; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-'))
            *p = '_';
    }
    if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        n[0] = '_';
    return n;
}

sr_source *sr_socket_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                 char *errstr, size_t errlen) {
    sock_src *s = sr_xcalloc(1, sizeof *s);
    if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        sr_source_errf(errstr, errlen, "socket %s:%d: cannot create a pipe: %s", spec->host,
                       spec->port, strerror(errno));
        free(s);
        return NULL;
    }
    sr_source_base_init(&s->base, &sock_ops, SR_SOURCE_SOCKET, "socket %s:%d", spec->host,
                        spec->port);
    s->host = strdup(spec->host);
    if (!s->host)
        s->host = sr_xcalloc(1, 1);
    snprintf(s->port, sizeof s->port, "%d", spec->port);
    s->max_rate = opts->max_rate > 0 ? opts->max_rate : 0;
    s->cap = opts->buffer_bytes > 0 ? opts->buffer_bytes : DEFAULT_CAP;
    s->fd = -1;
    if (opts->wal_dir && opts->wal_dir[0]) {
        char *name = file_name_of(sr_source_key(&s->base));
        if (asprintf(&s->wal_dir, "%s/wal/%s", opts->wal_dir, name) < 0)
            abort();
        free(name);
        s->wal_roll_ms = opts->wal_roll_ms > 0 ? opts->wal_roll_ms : WAL_ROLL_MS_DEFAULT;
    }
    atomic_init(&s->stopping, false);
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->drained, &ca);
    pthread_condattr_destroy(&ca);
    return &s->base;
}

/* ===================================================================== */
/* Test hooks                                                             */
/* ===================================================================== */

void sr_socket_source_set_cap(sr_source *src, size_t bytes) {
    if (src->kind == SR_SOURCE_SOCKET)
        ((sock_src *)src)->cap = bytes > 0 ? bytes : 1;
}

int64_t sr_socket_source_buffered(sr_source *src) {
    if (src->kind != SR_SOURCE_SOCKET)
        return 0;
    sock_src *s = (sock_src *)src;
    pthread_mutex_lock(&s->lock);
    int64_t n = s->nlines;
    uint64_t from = s->consumed;
    pthread_mutex_unlock(&s->lock);
    if (s->wal) { /* the lines of the log after `consumed` */
        uint64_t to = sr_wal_end(s->wal);
        char *p = sr_xmalloc(to > from ? (size_t)(to - from) : 1);
        int64_t got = to > from ? sr_wal_read(s->wal, from, to, p) : 0;
        n = got > 0 ? sr_lines_count(p, (size_t)got) : 0;
        free(p);
    }
    return n;
}
