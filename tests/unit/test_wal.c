/* test_wal.c - the receivers' write-ahead log (wal.c) and the socket
 * source with it: ranges read back across segments, offsets kept when
 * segments are deleted or the log is reopened, a torn tail cut at open,
 * the lock, gaps; and socketTextStream's receipts, replay, save/restore
 * over a simulated crash (the source freed without a drain), the lines
 * received but never taken delivered after the restart, the bound on the
 * bytes not yet taken, segments deleted by saves. Logs go to temporary
 * directories. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "source_impl.h"
#include "unit.h"
#include "wal.h"

/* ===================================================================== */
/* Helpers                                                                */
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

/* A fresh temporary directory (malloc'd path). */
static char *temp_dir(void) {
    char tmpl[] = "/tmp/test_wal.XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static char *path_in(const char *dir, const char *name) {
    char *p;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        abort();
    return p;
}

static int count_files(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static int64_t read_all(sr_wal *w, uint64_t from, uint64_t to, char *out) {
    int64_t n = sr_wal_read(w, from, to, out);
    if (n >= 0)
        out[n] = '\0';
    return n;
}

static sr_log_level saved_level;
static void quiet(void) {
    saved_level = sr_log_get_level();
    sr_log_set_level(SR_LOG_OFF);
}
static void loud(void) {
    sr_log_set_level(saved_level);
}

/* ===================================================================== */
/* The log                                                                */
/* ===================================================================== */

static void test_append_read(void) {
    char *dir = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char *logdir = path_in(dir, "wal/x");
    char err[256] = "", buf[256];
    sr_wal *w = sr_wal_open(logdir, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(sr_wal_first(w), 0);
    CU_ASSERT_EQUAL(sr_wal_end(w), 0);
    CU_ASSERT_EQUAL(sr_wal_segments(w), 0);
    CU_ASSERT_EQUAL(sr_wal_append(w, "a\nbb\n", 5), 0);
    CU_ASSERT_EQUAL(sr_wal_append(w, "ccc\n", 4), 0);
    CU_ASSERT_EQUAL(sr_wal_end(w), 9);
    CU_ASSERT_EQUAL(sr_wal_segments(w), 1);
    CU_ASSERT_EQUAL(read_all(w, 0, 9, buf), 9);
    CU_ASSERT_STRING_EQUAL(buf, "a\nbb\nccc\n");
    CU_ASSERT_EQUAL(read_all(w, 2, 5, buf), 3);
    CU_ASSERT_STRING_EQUAL(buf, "bb\n");
    /* a second opener is refused while the first holds the lock */
    sr_wal *w2 = sr_wal_open(logdir, 0, err, sizeof err);
    CU_ASSERT_PTR_NULL(w2);
    CU_ASSERT(strstr(err, "in use") != NULL);
    sr_wal_close(w);
    /* reopened: the same bytes at the same offsets, appends go on */
    w = sr_wal_open(logdir, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(sr_wal_end(w), 9);
    CU_ASSERT_EQUAL(sr_wal_append(w, "d\n", 2), 0);
    CU_ASSERT_EQUAL(read_all(w, 5, 11, buf), 6);
    CU_ASSERT_STRING_EQUAL(buf, "ccc\nd\n");
    sr_wal_close(w);
    sr_remove_tree(dir);
    free(logdir);
    free(dir);
}

/* Segments roll by time; ranges read across them; trim deletes whole
 * segments below an offset (never the last) and the offsets stay. */
static void test_segments_trim(void) {
    char *dir = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char err[256] = "", buf[256];
    sr_wal *w = sr_wal_open(dir, 1, err, sizeof err); /* roll after 1 ms */
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    const char *parts[] = { "one\n", "two\n", "three\n", "four\n" };
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(sr_wal_append(w, parts[i], strlen(parts[i])), 0);
        sleep_ms(3);
    }
    CU_ASSERT_EQUAL(sr_wal_segments(w), 4);
    CU_ASSERT_EQUAL(count_files(dir, "seg-"), 4);
    CU_ASSERT_EQUAL(sr_wal_end(w), 19);
    CU_ASSERT_EQUAL(read_all(w, 2, 17, buf), 15);
    CU_ASSERT_STRING_EQUAL(buf, "e\ntwo\nthree\nfou");
    /* "one\n" ends at 4, "two\n" at 8: trim(9) deletes both, "three\n" not */
    CU_ASSERT_EQUAL(sr_wal_trim(w, 9), 2);
    CU_ASSERT_EQUAL(sr_wal_first(w), 8);
    CU_ASSERT_EQUAL(count_files(dir, "seg-"), 2);
    /* what is gone is left out */
    CU_ASSERT_EQUAL(read_all(w, 0, 19, buf), 11);
    CU_ASSERT_STRING_EQUAL(buf, "three\nfour\n");
    /* the last segment stays even when all of it is below */
    CU_ASSERT_EQUAL(sr_wal_trim(w, 100), 1);
    CU_ASSERT_EQUAL(sr_wal_segments(w), 1);
    CU_ASSERT_EQUAL(sr_wal_first(w), 14);
    sr_wal_close(w);
    w = sr_wal_open(dir, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(sr_wal_first(w), 14);
    CU_ASSERT_EQUAL(sr_wal_end(w), 19);
    CU_ASSERT_EQUAL(read_all(w, 14, 19, buf), 5);
    CU_ASSERT_STRING_EQUAL(buf, "four\n");
    sr_wal_close(w);
    sr_remove_tree(dir);
    free(dir);
}

/* A crash in the middle of an append: open cuts back to the last '\n'. */
static void test_torn_tail(void) {
    quiet();
    char *dir = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char err[256] = "", buf[256];
    sr_wal *w = sr_wal_open(dir, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(sr_wal_append(w, "whole\n", 6), 0);
    sr_wal_close(w);
    char *seg = path_in(dir, "seg-00000000000000000000");
    int fd = open(seg, O_WRONLY | O_APPEND);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "also\npart", 9), 9);
    close(fd);
    w = sr_wal_open(dir, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(sr_wal_end(w), 11); /* "also\n" was read whole: kept */
    CU_ASSERT_EQUAL(read_all(w, 0, 11, buf), 11);
    CU_ASSERT_STRING_EQUAL(buf, "whole\nalso\n");
    struct stat st;
    CU_ASSERT(stat(seg, &st) == 0 && st.st_size == 11);
    CU_ASSERT_EQUAL(sr_wal_append(w, "next\n", 5), 0);
    CU_ASSERT_EQUAL(read_all(w, 6, 16, buf), 10);
    CU_ASSERT_STRING_EQUAL(buf, "also\nnext\n");
    sr_wal_close(w);
    sr_remove_tree(dir);
    free(seg);
    free(dir);
    loud();
}

/* skip_to: appends go on at the new offset in a new segment; the missing
 * bytes are left out of reads. */
static void test_gap(void) {
    char *dir = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char err[256] = "", buf[256];
    sr_wal *w = sr_wal_open(dir, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(sr_wal_append(w, "a\n", 2), 0);
    sr_wal_skip_to(w, 10);
    CU_ASSERT_EQUAL(sr_wal_end(w), 10);
    CU_ASSERT_EQUAL(sr_wal_append(w, "b\n", 2), 0);
    CU_ASSERT_EQUAL(sr_wal_segments(w), 2);
    CU_ASSERT_EQUAL(sr_wal_end(w), 12);
    CU_ASSERT_EQUAL(read_all(w, 0, 12, buf), 4);
    CU_ASSERT_STRING_EQUAL(buf, "a\nb\n");
    sr_wal_close(w);
    w = sr_wal_open(dir, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(sr_wal_end(w), 12);
    CU_ASSERT_EQUAL(read_all(w, 10, 12, buf), 2);
    sr_wal_close(w);
    sr_remove_tree(dir);
    free(dir);
}

/* ===================================================================== */
/* socketTextStream with the log                                          */
/* ===================================================================== */

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

static int accept_within(int lfd, int ms) {
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    if (poll(&p, 1, ms) <= 0)
        return -1;
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

static int send_str(int fd, const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static sr_source *open_wal_sock(int port, const char *ckdir) {
    sr_source_spec spec = { .kind = SR_SOURCE_SOCKET, .host = "127.0.0.1", .port = port };
    sr_source_opts opts = { .batch_ms = 1000, .wal_dir = ckdir };
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

/* The lines of a take or replay joined with '|' (malloc'd). */
static char *joined(const sr_lines *l) {
    sr_buf b = { 0 };
    for (int64_t i = 0; i < l->n; i++) {
        if (i)
            sr_buf_char(&b, '|');
        sr_buf_str(&b, l->lines[i]);
    }
    sr_buf_char(&b, '\0');
    return b.ptr;
}

/* Take (with a receipt) until at least `want` lines came or 3 s passed;
 * appends the lines to *acc ('|'-joined) and the receipts to r[]. */
typedef struct taken {
    char text[4096];
    sr_buf receipts[64];
    int nreceipts;
    int64_t lines;
} taken;

static void take_some(sr_source *s, taken *t, int64_t want) {
    int64_t end = now_ms() + 3000, got = 0;
    while (got < want && now_ms() < end) {
        sr_arena a;
        sr_arena_init(&a);
        sr_lines out;
        sr_buf *r = &t->receipts[t->nreceipts];
        sr_buf_clear(r);
        sr_source_take_receipt(s, 0, &a, &out, r);
        if (out.n > 0) {
            char *j = joined(&out);
            size_t len = strlen(t->text);
            snprintf(t->text + len, sizeof t->text - len, "%s%s", len ? "|" : "", j);
            free(j);
            got += out.n;
            t->lines += out.n;
            if (t->nreceipts < 63)
                t->nreceipts++;
        } else {
            CU_ASSERT_EQUAL(r->len, 0); /* an empty take: nothing to replay */
            sleep_ms(5);
        }
        sr_arena_free(&a);
    }
}

static void taken_free(taken *t) {
    for (int i = 0; i < 64; i++)
        sr_buf_free(&t->receipts[i]);
}

static char *replayed(sr_source *s, const sr_buf *receipt) {
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_dec d = { receipt->ptr, receipt->ptr + receipt->len, false };
    sr_source_replay(s, &d, &a, &out);
    char *j = joined(&out);
    sr_arena_free(&a);
    return j;
}

/* Run 1 takes "a|b" (a checkpoint saved before it) and "c", then receives
 * "d|e" and "crashes" (freed, no drain). Run 2 restores the checkpoint,
 * replays both receipts exactly, and its first take delivers "d|e" before
 * what comes after the restart. */
static void test_socket_crash_restart(void) {
    quiet();
    char *ck = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ck);
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);

    sr_source *s = open_wal_sock(port, ck);
    CU_ASSERT_FATAL(s && start(s) == 0);
    sr_buf pos = { 0 };
    sr_source_save(s, &pos); /* the checkpoint before any batch */
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    taken t1 = { 0 };
    send_str(c, "a\nb\n");
    take_some(s, &t1, 2);
    send_str(c, "c\r\n");
    take_some(s, &t1, 1);
    CU_ASSERT_STRING_EQUAL(t1.text, "a|b|c");
    CU_ASSERT_EQUAL(t1.nreceipts, 2);
    send_str(c, "d\ne\n");
    int64_t end = now_ms() + 3000;
    while (sr_socket_source_buffered(s) < 2 && now_ms() < end)
        sleep_ms(5);
    CU_ASSERT_EQUAL(sr_socket_source_buffered(s), 2);
    sr_source_free(s); /* the crash: nothing drained, nothing checkpointed */
    close(c);

    s = open_wal_sock(port, ck);
    CU_ASSERT_FATAL(s != NULL);
    sr_dec in = { pos.ptr, pos.ptr + pos.len, false };
    char err[256] = "";
    CU_ASSERT_EQUAL(sr_source_restore(s, &in, err, sizeof err), 0);
    CU_ASSERT_FATAL(start(s) == 0);
    char *r1 = replayed(s, &t1.receipts[0]), *r2 = replayed(s, &t1.receipts[1]);
    CU_ASSERT_STRING_EQUAL(r1, "a|b");
    CU_ASSERT_STRING_EQUAL(r2, "c");
    free(r1);
    free(r2);
    c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    send_str(c, "f\n");
    taken t2 = { 0 };
    take_some(s, &t2, 3);
    CU_ASSERT_STRING_EQUAL(t2.text, "d|e|f");
    /* the position now is after everything */
    sr_buf pos2 = { 0 };
    sr_source_save(s, &pos2);
    sr_dec d2 = { pos2.ptr, pos2.ptr + pos2.len, false };
    CU_ASSERT_EQUAL(sr_dec_u64(&d2), strlen("a\nb\nc\r\nd\ne\nf\n"));
    sr_source_free(s);
    close(c);
    close(lfd);
    taken_free(&t1);
    taken_free(&t2);
    sr_buf_free(&pos);
    sr_buf_free(&pos2);
    sr_remove_tree(ck);
    free(ck);
    loud();
}

/* Without a checkpoint to restore, the lines the log holds are new: a
 * crash before the first checkpoint loses nothing either. A graceful stop
 * (drain) still delivers what was received. */
static void test_socket_no_checkpoint(void) {
    quiet();
    char *ck = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ck);
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_wal_sock(port, ck);
    CU_ASSERT_FATAL(s && start(s) == 0);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    send_str(c, "x\ny\n");
    int64_t end = now_ms() + 3000;
    while (sr_socket_source_buffered(s) < 2 && now_ms() < end)
        sleep_ms(5);
    sr_source_free(s);
    close(c);
    s = open_wal_sock(port, ck);
    CU_ASSERT_FATAL(s && start(s) == 0);
    c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    send_str(c, "z\n");
    taken t = { 0 };
    take_some(s, &t, 3);
    CU_ASSERT_STRING_EQUAL(t.text, "x|y|z");
    send_str(c, "last\n");
    sleep_ms(100);
    sr_source_stop(s, true);
    take_some(s, &t, 1);
    CU_ASSERT_STRING_EQUAL(t.text, "x|y|z|last");
    sr_source_free(s);
    close(c);
    close(lfd);
    taken_free(&t);
    sr_remove_tree(ck);
    free(ck);
    loud();
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
    const char *p = buf;
    b->ok = 1;
    while (n > 0) {
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            b->ok = 0;
            break;
        }
        p += w;
        n -= (size_t)w;
    }
    free(buf);
    close(c);
    return NULL;
}

/* The bound of the buffer bounds the log's bytes not yet taken; nothing
 * is lost; saves delete the segments below the save two before. */
static void test_socket_cap_and_trim(void) {
    quiet();
    char *ck = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ck);
    int port = 0;
    blast b = { listen_on(&port), 200000, 0 };
    CU_ASSERT_FATAL(b.lfd >= 0);
    sr_source_spec spec = { .kind = SR_SOURCE_SOCKET, .host = "127.0.0.1", .port = port };
    sr_source_opts opts = { .batch_ms = 1000, .wal_dir = ck, .wal_roll_ms = 1 };
    char err[256] = "";
    sr_source *s = sr_source_open(&spec, &opts, err, sizeof err);
    CU_ASSERT_FATAL(s != NULL);
    sr_socket_source_set_cap(s, 4096);
    CU_ASSERT_FATAL(start(s) == 0);
    char *dir = NULL;
    if (asprintf(&dir, "%s/wal/socket_127.0.0.1_%d", ck, port) < 0)
        abort();
    pthread_t t;
    pthread_create(&t, NULL, blast_peer, &b);
    sleep_ms(100); /* let the receiver fill up and wait */
    int64_t max_backlog = sr_socket_source_buffered(s), lines = 0, next = 0;
    int64_t deadline = now_ms() + 20000;
    bool in_order = true;
    int max_segs = 0, idle = 0;
    while (idle < 3 && now_ms() < deadline) {
        int64_t bl = sr_socket_source_buffered(s);
        if (bl > max_backlog)
            max_backlog = bl;
        sr_arena a;
        sr_arena_init(&a);
        sr_lines out;
        sr_source_take(s, 0, &a, &out);
        for (int64_t i = 0; i < out.n; i++) {
            char want[8];
            sprintf(want, "%06d", (int)next++);
            if (out.lines[i].len != 6 || memcmp(out.lines[i].ptr, want, 6) != 0)
                in_order = false;
        }
        lines += out.n;
        sr_arena_free(&a);
        sr_buf pos = { 0 };
        sr_source_save(s, &pos); /* a checkpoint after every batch */
        sr_buf_free(&pos);
        int n = count_files(dir, "seg-");
        if (n > max_segs)
            max_segs = n;
        idle = lines == b.nlines ? idle + 1 : 0;
        sleep_ms(2);
    }
    pthread_join(t, NULL);
    CU_ASSERT(b.ok);
    CU_ASSERT_EQUAL(lines, b.nlines);
    CU_ASSERT(in_order);
    CU_ASSERT(max_backlog * 7 <= 4096 + 128 * 1024);
    /* rolled at every move, trimmed at every save: the first segment is
     * gone, and only the last one is left at the end */
    char *first = path_in(dir, "seg-00000000000000000000");
    CU_ASSERT(access(first, F_OK) != 0);
    free(first);
    CU_ASSERT(max_segs <= 4);
    CU_ASSERT_EQUAL(count_files(dir, "seg-"), 1);
    sr_source_free(s);
    close(b.lfd);
    free(dir);
    sr_remove_tree(ck);
    free(ck);
    loud();
}

/* A log that lost data: a checkpointed position past its end and a
 * receipt past it are reported and skipped; new lines go on after the
 * position and are not skipped. */
static void test_socket_lost_log(void) {
    quiet();
    char *ck = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ck);
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *s = open_wal_sock(port, ck);
    CU_ASSERT_FATAL(s != NULL);
    sr_buf pos = { 0 }, receipt = { 0 };
    sr_enc_u64(&pos, 1000);
    sr_enc_u64(&receipt, 1000);
    sr_enc_u64(&receipt, 5000);
    sr_dec in = { pos.ptr, pos.ptr + pos.len, false };
    char err[256] = "";
    CU_ASSERT_EQUAL(sr_source_restore(s, &in, err, sizeof err), 0);
    CU_ASSERT_FATAL(start(s) == 0);
    char *r = replayed(s, &receipt);
    CU_ASSERT_STRING_EQUAL(r, "");
    free(r);
    int c = accept_within(lfd, 3000);
    CU_ASSERT_FATAL(c >= 0);
    send_str(c, "q\n");
    taken t = { 0 };
    take_some(s, &t, 1);
    CU_ASSERT_STRING_EQUAL(t.text, "q");
    CU_ASSERT_EQUAL(t.nreceipts, 1);
    sr_dec d = { t.receipts[0].ptr, t.receipts[0].ptr + t.receipts[0].len, false };
    CU_ASSERT_EQUAL(sr_dec_u64(&d), 1000);
    CU_ASSERT_EQUAL(sr_dec_u64(&d), 1002);
    sr_source_free(s);
    close(c);
    close(lfd);
    taken_free(&t);
    sr_buf_free(&pos);
    sr_buf_free(&receipt);
    sr_remove_tree(ck);
    free(ck);
    loud();
}

/* Two sources with the same key cannot share a log. */
static void test_socket_same_key(void) {
    quiet();
    char *ck = temp_dir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ck);
    int port = 0, lfd = listen_on(&port);
    CU_ASSERT_FATAL(lfd >= 0);
    sr_source *a = open_wal_sock(port, ck), *b = open_wal_sock(port, ck);
    CU_ASSERT_FATAL(a && b);
    CU_ASSERT_EQUAL(start(a), 0);
    char err[256] = "";
    CU_ASSERT_EQUAL(sr_source_start(b, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "in use") != NULL);
    sr_source_free(a);
    sr_source_free(b);
    close(lfd);
    sr_remove_tree(ck);
    free(ck);
    loud();
}

UNIT_SUITE(wal,
           { "append, read ranges, reopen, lock", test_append_read },
           { "segments roll; trim keeps offsets", test_segments_trim },
           { "a torn tail is cut at open", test_torn_tail },
           { "a gap after skip_to", test_gap },
           { "socket: crash, replay, lines not taken come first", test_socket_crash_restart },
           { "socket: no checkpoint, graceful drain", test_socket_no_checkpoint },
           { "socket: cap bounds the backlog; saves delete segments", test_socket_cap_and_trim },
           { "socket: a log that lost data", test_socket_lost_log },
           { "socket: two sources with the same key", test_socket_same_key })
