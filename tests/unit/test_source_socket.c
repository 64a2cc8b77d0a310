/* test_source_socket.c - socketTextStream against a real TCP peer on
 * 127.0.0.1 (port 0, so never a fixed port): lines in order across takes,
 * the last line of a connection, a peer that comes up late or reconnects,
 * maxRate, the bounded buffer, drain, and stop returning promptly in every
 * state. Timing checks are loose on purpose. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "source_impl.h"
#include "unit.h"

/* ===================================================================== */
/* A TCP peer                                                             */
/* ===================================================================== */

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Listen on 127.0.0.1:port (0 = any free port); *port gets the port. */
static int listen_on(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)*port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* A port that nobody listens on (just freed). */
static int free_port(void) {
    int port = 0;
    int fd = listen_on(&port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int accept_within(int lfd, int ms) {
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    if (poll(&p, 1, ms) <= 0)
        return -1;
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static int send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int send_str(int fd, const char *s) {
    return send_all(fd, s, strlen(s));
}

/* ===================================================================== */
/* Taking                                                                 */
/* ===================================================================== */

typedef struct got {
    char **lines;
    size_t n, cap;
    int64_t takes;
    int64_t max_take_bytes;
} got;

static void got_free(got *g) {
    for (size_t i = 0; i < g->n; i++)
        free(g->lines[i]);
    free(g->lines);
    memset(g, 0, sizeof *g);
}

/* One take; copies the lines into g. Returns the number taken. */
static int64_t take_once(sr_source *s, got *g) {
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_source_take(s, 0, &a, &out);
    for (int64_t i = 0; i < out.n; i++) {
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 64;
            g->lines = realloc(g->lines, g->cap * sizeof *g->lines);
        }
        g->lines[g->n++] = strndup(out.lines[i].ptr, (size_t)out.lines[i].len);
    }
    g->takes++;
    if (out.bytes > g->max_take_bytes)
        g->max_take_bytes = out.bytes;
    sr_arena_free(&a);
    return out.n;
}

/* Take every 5 ms until g holds `want` lines or `ms` pass. */
static void take_until(sr_source *s, got *g, size_t want, int ms) {
    int64_t end = now_ms() + ms;
    while (g->n < want && now_ms() < end) {
        take_once(s, g);
        if (g->n < want)
            sleep_ms(5);
    }
}

static int got_is(const got *g, const char *const *want) {
    size_t n = 0;
    while (want[n])
        n++;
    if (g->n != n) {
        fprintf(stderr, "\n  got %zu lines, expected %zu\n", g->n, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(g->lines[i], want[i]) != 0) {
            fprintf(stderr, "\n  line %zu = \"%s\", expected \"%s\"\n", i, g->lines[i], want[i]);
            return 0;
        }
    }
    return 1;
}
#define GOT_IS(g, ...) got_is((g), (const char *const[]){ __VA_ARGS__, NULL })

static sr_source *open_sock(const char *host, int port, double rate) {
    sr_source_spec spec = { .kind = SR_SOURCE_SOCKET, .host = host, .port = port };
    sr_source_opts opts = { .max_rate = rate, .batch_ms = 1000 };
    char err[256] = "";
    sr_source *s = sr_source_open(&spec, &opts, err, sizeof err);
    if (!s)
        fprintf(stderr, "\n  open: %s\n", err);
    return s;
}

static int start(sr_source *s) {
    char err[256] = "";
    int r = sr_source_start(s, err, sizeof err);
    if (r != 0)
        fprintf(stderr, "\n  start: %s\n", err);
    return r;
}

/* Stop and return how long it took (ms). */
static int64_t timed_stop(sr_source *s, bool drain) {
    int64_t t0 = now_ms();
    sr_source_stop(s, drain);
    return now_ms() - t0;
}

/* Capture stderr (the log) into a temporary file while a test runs. */
typedef struct capture {
    int saved;
    FILE *f;
    sr_log_level level;
} capture;

/* Also sets the log level to INFO (restored by capture_end). */
static void capture_begin(capture *c) {
    c->level = sr_log_get_level();
    sr_log_set_level(SR_LOG_INFO);
    fflush(stderr);
    c->f = tmpfile();
    c->saved = dup(2);
    dup2(fileno(c->f), 2);
}

/* Restores stderr; returns the captured text (malloc'd). */
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

static int count_of(const char *text, const char *part) {
    int k = 0;
    for (const char *p = text; (p = strstr(p, part)) != NULL; p += strlen(part))
        k++;
    return k;
}

/* Tests that do not look at the log keep it to errors. */
static sr_log_level saved_level;
static void quiet(void) {
    saved_level = sr_log_get_level();
    sr_log_set_level(SR_LOG_ERROR);
}
static void loud(void) {
    sr_log_set_level(saved_level);
}

/* ===================================================================== */
/* Tests                                                                  */
/* ===================================================================== */

static void test_lines_in_order_body(void);
static void test_lines_in_order(void) {
    quiet();
    test_lines_in_order_body();
    loud();
}
static void test_lines_in_order_body(void) {
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_FATAL(start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    got g = { 0 };
    send_str(c, "a\nb\r\n");
    take_until(s, &g, 2, 3000);
    CU_ASSERT(GOT_IS(&g, "a", "b"));
    /* A line cut in two writes, an empty line, and a last line without
     * newline that is delivered when the peer closes. */
    send_str(c, "c");
    sleep_ms(20);
    send_str(c, "c\n\nd");
    sleep_ms(20);
    close(c);
    take_until(s, &g, 5, 3000);
    CU_ASSERT(GOT_IS(&g, "a", "b", "cc", "", "d"));
    sleep_ms(50);
    take_once(s, &g);
    CU_ASSERT_EQUAL(g.n, 5);
    CU_ASSERT(g.takes >= 2);
    CU_ASSERT(timed_stop(s, false) < 1000);
    sr_source_free(s);
    close(lfd);
    got_free(&g);
}

typedef struct blast {
    int lfd;
    int nlines;
    int ok;
} blast;

/* Accept one connection, send "000000\n" ... nlines lines, close. */
static void *blast_peer(void *arg) {
    blast *b = arg;
    int c = accept_within(b->lfd, 3000);
    if (c < 0)
        return NULL;
    char *buf = malloc((size_t)b->nlines * 8);
    size_t n = 0;
    for (int i = 0; i < b->nlines; i++)
        n += (size_t)sprintf(buf + n, "%06d\n", i);
    b->ok = send_all(c, buf, n) == 0;
    free(buf);
    close(c);
    return NULL;
}

static int numbered(const got *g, int n) {
    if (g->n != (size_t)n) {
        fprintf(stderr, "\n  got %zu lines, expected %d\n", g->n, n);
        return 0;
    }
    char want[16];
    for (int i = 0; i < n; i++) {
        sprintf(want, "%06d", i);
        if (strcmp(g->lines[i], want) != 0) {
            fprintf(stderr, "\n  line %d = \"%s\"\n", i, g->lines[i]);
            return 0;
        }
    }
    return 1;
}

/* Enough data to cross the receiver's read chunks many times. */
static void test_many_lines_body(void);
static void test_many_lines(void) {
    quiet();
    test_many_lines_body();
    loud();
}
static void test_many_lines_body(void) {
    int port = 0;
    blast b = { listen_on(&port), 200000, 0 };
    CU_ASSERT_FATAL(b.lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    CU_ASSERT_FATAL(s && start(s) == 0);
    pthread_t t;
    pthread_create(&t, NULL, blast_peer, &b);
    got g = { 0 };
    take_until(s, &g, (size_t)b.nlines, 4000);
    pthread_join(t, NULL);
    CU_ASSERT(b.ok);
    CU_ASSERT(numbered(&g, b.nlines));
    sr_source_stop(s, false);
    sr_source_free(s);
    close(b.lfd);
    got_free(&g);
}

/* "localhost" resolves (to ::1 and/or 127.0.0.1; every address is tried). */
static void test_localhost_body(void);
static void test_localhost(void) {
    quiet();
    test_localhost_body();
    loud();
}
static void test_localhost_body(void) {
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_sock("localhost", port, 0);
    CU_ASSERT_FATAL(s && start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    send_str(c, "hello\nworld\n");
    got g = { 0 };
    take_until(s, &g, 2, 3000);
    CU_ASSERT(GOT_IS(&g, "hello", "world"));
    close(c);
    sr_source_free(s);
    close(lfd);
    got_free(&g);
}

/* The peer is not up at start: refused, retried, one WARN; then it comes up
 * and the lines arrive. */
static void test_peer_late(void) {
    int port = free_port();
    CU_ASSERT_FATAL(port > 0);
    capture cap;
    capture_begin(&cap);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    int ok = s && start(s) == 0;
    sleep_ms(150); /* refused twice (at 0 and 100 ms); the next try is at 300 ms */
    int lfd = listen_on(&port);
    int c = lfd >= 0 ? accept_within(lfd, 4000) : -1;
    got g = { 0 };
    if (c >= 0) {
        send_str(c, "late\nbut here\n");
        take_until(s, &g, 2, 3000);
    }
    if (s)
        sr_source_free(s); /* before the peer closes: no second WARN */
    if (c >= 0)
        close(c);
    char *log = capture_end(&cap);
    CU_ASSERT_FATAL(ok);
    CU_ASSERT(lfd >= 0 && c >= 0);
    CU_ASSERT(GOT_IS(&g, "late", "but here"));
    char want[96];
    snprintf(want, sizeof want, "WARN socket 127.0.0.1:%d: connection refused, retrying", port);
    CU_ASSERT_EQUAL(count_of(log, want), 1);
    CU_ASSERT_EQUAL(count_of(log, "WARN"), 1);
    snprintf(want, sizeof want, "INFO socket 127.0.0.1:%d: connected", port);
    CU_ASSERT_EQUAL(count_of(log, want), 1);
    if (count_of(log, want) != 1)
        fprintf(stderr, "\n  log:\n%s", log);
    free(log);
    if (lfd >= 0)
        close(lfd);
    got_free(&g);
}

/* The peer closes (its partial line counts) and accepts again. */
static void test_peer_reconnects(void) {
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    capture cap;
    capture_begin(&cap);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    int ok = s && start(s) == 0;
    got g = { 0 };
    int c1 = accept_within(lfd, 3000);
    if (c1 >= 0) {
        send_str(c1, "one\ntwo\npart");
        close(c1);
    }
    int c2 = accept_within(lfd, 3000);
    if (c2 >= 0) {
        send_str(c2, "three\n");
        take_until(s, &g, 4, 3000);
    }
    if (s)
        sr_source_free(s);
    if (c2 >= 0)
        close(c2);
    char *log = capture_end(&cap);
    CU_ASSERT_FATAL(ok);
    CU_ASSERT(c1 >= 0 && c2 >= 0);
    CU_ASSERT(GOT_IS(&g, "one", "two", "part", "three"));
    CU_ASSERT(count_of(log, "connection closed by peer, retrying") >= 1);
    CU_ASSERT(count_of(log, ": reconnected") >= 1);
    free(log);
    close(lfd);
    got_free(&g);
}

/* maxRate 100 lines/s: 1000 lines sent at once, about 50 taken after 0.5 s. */
static void test_max_rate_body(void);
static void test_max_rate(void) {
    quiet();
    test_max_rate_body();
    loud();
}
static void test_max_rate_body(void) {
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 100);
    CU_ASSERT_FATAL(s && start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    char *buf = malloc(1000 * 8);
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)sprintf(buf + n, "%06d\n", i);
    CU_ASSERT(send_all(c, buf, n) == 0);
    free(buf);
    int64_t t0 = now_ms();
    got g = { 0 };
    take_once(s, &g);
    sleep_ms(500);
    take_once(s, &g);
    int64_t elapsed = now_ms() - t0;
    /* 100/s for ~0.5 s plus a burst of at most 10; generous both ways. */
    CU_ASSERT(g.n >= 10);
    CU_ASSERT(g.n < 150 || elapsed > 1200);
    for (size_t i = 0; i < g.n; i++) {
        char want[32];
        snprintf(want, sizeof want, "%06zu", i);
        CU_ASSERT(strcmp(g.lines[i], want) == 0);
    }
    /* Stops promptly while waiting for tokens. */
    CU_ASSERT(timed_stop(s, false) < 1000);
    sr_source_free(s);
    close(c);
    close(lfd);
    got_free(&g);
}

/* A small fractional rate: the receiver sleeps long between lines, and
 * stop still returns at once. */
static void test_slow_rate_stop_body(void);
static void test_slow_rate_stop(void) {
    quiet();
    test_slow_rate_stop_body();
    loud();
}
static void test_slow_rate_stop_body(void) {
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 0.5);
    CU_ASSERT_FATAL(s && start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    send_str(c, "x\ny\nz\n");
    got g = { 0 };
    take_until(s, &g, 1, 2000);
    sleep_ms(100);
    take_once(s, &g);
    CU_ASSERT(GOT_IS(&g, "x"));
    CU_ASSERT(timed_stop(s, false) < 1000);
    sr_source_free(s);
    close(c);
    close(lfd);
    got_free(&g);
}

/* With a 4 KiB bound, no take gets much more than the bound plus one read,
 * and nothing is lost: the sender is held back by TCP. */
static void test_bounded_buffer_body(void);
static void test_bounded_buffer(void) {
    quiet();
    test_bounded_buffer_body();
    loud();
}
static void test_bounded_buffer_body(void) {
    int port = 0;
    blast b = { listen_on(&port), 200000, 0 };
    CU_ASSERT_FATAL(b.lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    CU_ASSERT_FATAL(s != NULL);
    sr_socket_source_set_cap(s, 4096);
    CU_ASSERT_FATAL(start(s) == 0);
    pthread_t t;
    pthread_create(&t, NULL, blast_peer, &b);
    got g = { 0 };
    sleep_ms(100); /* let the receiver fill up and wait */
    CU_ASSERT(sr_socket_source_buffered(s) * 7 <= 4096 + 128 * 1024);
    take_until(s, &g, (size_t)b.nlines, 4500);
    pthread_join(t, NULL);
    CU_ASSERT(b.ok);
    CU_ASSERT(numbered(&g, b.nlines));
    CU_ASSERT(g.max_take_bytes <= 4096 + 128 * 1024);
    sr_source_free(s);
    close(b.lfd);
    got_free(&g);
}

/* A line longer than the bound is cut into lines of about that length,
 * nothing lost, and its own '\n' adds no empty line. */
static void test_long_line_cut_body(void);
static void test_long_line_cut(void) {
    quiet();
    test_long_line_cut_body();
    loud();
}
static void test_long_line_cut_body(void) {
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    CU_ASSERT_FATAL(s != NULL);
    sr_socket_source_set_cap(s, 4096);
    CU_ASSERT_FATAL(start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    enum { LONG = 300000 };
    char *big = malloc(LONG);
    memset(big, 'a', LONG);
    bool sent = true;
    for (size_t off = 0; off < LONG && sent;) { /* in pieces, so that reads see parts */
        ssize_t w = write(c, big + off, LONG - off < 5000 ? LONG - off : 5000);
        sent = w > 0;
        off += w > 0 ? (size_t)w : 0;
        sleep_ms(1);
    }
    sent = sent && write(c, "\nend\n", 5) == 5;
    CU_ASSERT(sent);
    got g = { 0 };
    for (int64_t end = now_ms() + 5000; now_ms() < end && !(g.n && strcmp(g.lines[g.n - 1], "end") == 0);) {
        take_once(s, &g);
        sleep_ms(5);
    }
    size_t total = 0;
    bool only_a = g.n >= 2, short_enough = true;
    for (size_t i = 0; i + 1 < g.n; i++) {
        size_t len = strlen(g.lines[i]);
        total += len;
        only_a = only_a && len > 0 && strspn(g.lines[i], "a") == len;
        short_enough = short_enough && len <= 4096 + 256 * 1024; /* the bound and a read */
    }
    CU_ASSERT(g.n > 2); /* cut at least once */
    CU_ASSERT(only_a);  /* no empty line, nothing else */
    CU_ASSERT(short_enough);
    CU_ASSERT_EQUAL(total, LONG);
    CU_ASSERT(g.n && strcmp(g.lines[g.n - 1], "end") == 0);
    close(c);
    sr_source_free(s);
    close(lfd);
    free(big);
    got_free(&g);
}

/* Stop while the buffer is full and the sender keeps sending. */
static void test_stop_when_full_body(void);
static void test_stop_when_full(void) {
    quiet();
    test_stop_when_full_body();
    loud();
}
static void test_stop_when_full_body(void) {
    int port = 0;
    blast b = { listen_on(&port), 200000, 0 };
    CU_ASSERT_FATAL(b.lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    CU_ASSERT_FATAL(s != NULL);
    sr_socket_source_set_cap(s, 1024);
    CU_ASSERT_FATAL(start(s) == 0);
    pthread_t t;
    pthread_create(&t, NULL, blast_peer, &b);
    sleep_ms(100);
    CU_ASSERT(timed_stop(s, false) < 1000);
    pthread_join(t, NULL); /* the send fails once the receiver is gone */
    sr_source_free(s);
    close(b.lfd);
}

static void test_stop_prompt_body(void);
static void test_stop_prompt(void) {
    quiet();
    test_stop_prompt_body();
    loud();
}
static void test_stop_prompt_body(void) {
    /* Connected, the peer silent. */
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 0);
    CU_ASSERT_FATAL(s && start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT(c >= 0);
    sleep_ms(50);
    CU_ASSERT(timed_stop(s, false) < 500);
    CU_ASSERT(timed_stop(s, true) < 100); /* again: a no-op */
    sr_source_free(s);
    if (c >= 0)
        close(c);
    close(lfd);

    /* Disconnected, in back-off. */
    capture cap;
    capture_begin(&cap);
    s = open_sock("127.0.0.1", free_port(), 0);
    int ok = s && start(s) == 0;
    sleep_ms(150);
    int64_t ms = s ? timed_stop(s, false) : 0;
    if (s)
        sr_source_free(s);
    free(capture_end(&cap));
    CU_ASSERT(ok);
    CU_ASSERT(ms < 500);

    /* Freed without an explicit stop. */
    port = 0;
    lfd = listen_on(&port);
    s = open_sock("127.0.0.1", port, 0);
    CU_ASSERT_FATAL(s && start(s) == 0);
    c = accept_within(lfd, 3000);
    int64_t t0 = now_ms();
    sr_source_free(s);
    CU_ASSERT(now_ms() - t0 < 500);
    if (c >= 0)
        close(c);
    close(lfd);
}

/* stop(drain): what was received stays for one last take; stop without
 * drain discards it. */
static void test_drain_body(void);
static void test_drain(void) {
    quiet();
    test_drain_body();
    loud();
}
static void test_drain_body(void) {
    for (int drain = 0; drain <= 1; drain++) {
        int port = 0, lfd = listen_on(&port);
        CU_ASSERT_FATAL(lfd >= 0);
        sr_source *s = open_sock("127.0.0.1", port, 0);
        CU_ASSERT_FATAL(s && start(s) == 0);
        int c = accept_within(lfd, 3000);
        CU_ASSERT_FATAL(c >= 0);
        send_str(c, "p\nq\nr\nunfinished");
        int64_t end = now_ms() + 3000;
        while (sr_socket_source_buffered(s) < 3 && now_ms() < end)
            sleep_ms(5);
        CU_ASSERT_EQUAL(sr_socket_source_buffered(s), 3);
        sr_source_stop(s, drain);
        got g = { 0 };
        take_once(s, &g);
        if (drain) {
            CU_ASSERT(GOT_IS(&g, "p", "q", "r"));
        } else {
            CU_ASSERT_EQUAL(g.n, 0);
        }
        take_once(s, &g);
        CU_ASSERT_EQUAL(g.n, drain ? 3 : 0);
        /* A second stop (as the scheduler does before free) is harmless. */
        sr_source_stop(s, false);
        sr_source_free(s);
        close(c);
        close(lfd);
        got_free(&g);
    }
}

/* With a rate, complete lines already read but held back by the rate are
 * part of a drain. */
static void test_drain_rate_held_body(void);
static void test_drain_rate_held(void) {
    quiet();
    test_drain_rate_held_body();
    loud();
}
static void test_drain_rate_held_body(void) {
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_sock("127.0.0.1", port, 1);
    CU_ASSERT_FATAL(s && start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    send_str(c, "1\n2\n3\n");
    sleep_ms(200);
    sr_source_stop(s, true);
    got g = { 0 };
    take_once(s, &g);
    CU_ASSERT(GOT_IS(&g, "1", "2", "3"));
    sr_source_free(s);
    close(c);
    close(lfd);
    got_free(&g);
}

UNIT_SUITE(source_socket,
           { "lines in order across takes; last line at close", test_lines_in_order },
           { "200000 lines through many reads", test_many_lines },
           { "host name localhost", test_localhost },
           { "peer not up at start comes up later", test_peer_late },
           { "peer closes and accepts again", test_peer_reconnects },
           { "maxRate limits lines per second", test_max_rate },
           { "stop while waiting for a slow rate", test_slow_rate_stop },
           { "bounded buffer pushes back, loses nothing", test_bounded_buffer },
           { "a line longer than the bound is cut", test_long_line_cut },
           { "stop while the buffer is full", test_stop_when_full },
           { "stop is prompt connected and disconnected", test_stop_prompt },
           { "stop with and without drain", test_drain },
           { "drain includes rate-held lines", test_drain_rate_held })
