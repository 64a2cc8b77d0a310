/* test_checkpoint.c - the files of a checkpoint directory (checkpoint.c) in
 * temporary directories (mkdtemp, removed afterwards): the directory is
 * created and locked (a second open is refused naming the pid), leftover
 * temporary files are removed, only the newest two checkpoints are kept,
 * damaged or truncated checkpoints are moved aside and skipped, journal
 * records come back whole and in order, a torn record is ignored, older
 * journals are pruned; a write that finds the disk full (a file-size limit
 * here) leaves no temporary file and no part of a record behind. */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime.h"
#include "unit.h"

#define MAGIC "STREAMC-CHECKPOINT\n"
#define MAGIC_LEN (sizeof MAGIC - 1)

/* ===================================================================== */
/* Helpers                                                                */
/* ===================================================================== */

static sr_log_level saved_level;

static char *make_tmpdir(void) {
    char path[] = "/tmp/streamc-ckpt-XXXXXX";
    char *p = mkdtemp(path);
    return p ? strdup(p) : NULL;
}

static void drop_tmpdir(char *dir) {
    if (dir) {
        sr_remove_tree(dir);
        struct stat st;
        CU_ASSERT(stat(dir, &st) != 0); /* really gone */
        free(dir);
    }
}

/* Quiet: damaged checkpoints are logged as errors on purpose. */
static void quiet(void) {
    saved_level = sr_log_get_level();
    sr_log_set_level(SR_LOG_OFF);
}

static void loud(void) {
    sr_log_set_level(saved_level);
}

static char *join(const char *dir, const char *name) {
    char *p;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        abort();
    return p;
}

static bool exists(const char *dir, const char *name) {
    char *p = join(dir, name);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

/* Names in dir, sorted, joined with spaces ("." and ".." left out). */
static char *list_dir(const char *dir) {
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    sr_buf out = { 0 };
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            if (out.len)
                sr_buf_char(&out, ' ');
            sr_buf_cstr(&out, names[i]->d_name);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    sr_buf_char(&out, '\0');
    return out.ptr;
}

static void check_listing(const char *dir, const char *want) {
    char *names = list_dir(dir);
    CU_ASSERT_STRING_EQUAL(names, want);
    if (strcmp(names, want) != 0)
        fprintf(stderr, "\n  listing: got \"%s\"\n          want \"%s\"\n", names, want);
    free(names);
}

static void write_raw(const char *dir, const char *name, const char *p, size_t n, bool append) {
    char *path = join(dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(sr_write_all(fd, p, n), 0);
    close(fd);
    free(path);
}

/* The whole file (malloc'd, *n its length), NULL if it cannot be read. */
static char *read_raw(const char *dir, const char *name, size_t *n) {
    char *path = join(dir, name);
    FILE *f = fopen(path, "rb");
    free(path);
    *n = 0;
    if (!f)
        return NULL;
    sr_buf b = { 0 };
    char chunk[4096];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
        sr_buf_put(&b, chunk, r);
    fclose(f);
    *n = b.len;
    if (!b.ptr)
        b.ptr = malloc(1);
    return b.ptr;
}

static sr_ckdir *open_ok(const char *dir) {
    char err[512] = "";
    sr_ckdir *d = sr_ckdir_open(dir, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(d);
    if (!d)
        fprintf(stderr, "\n  sr_ckdir_open(%s): %s\n", dir, err);
    return d;
}

static void write_ok(sr_ckdir *d, int64_t t, const char *body, size_t n) {
    sr_buf b = { 0 };
    sr_buf_put(&b, body, n);
    char err[512] = "";
    int rc = sr_ckdir_write(d, t, &b, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "\n  sr_ckdir_write(%lld): %s\n", (long long)t, err);
    sr_buf_free(&b);
}

static void journal_ok(sr_ckdir *d, const char *payload, size_t n) {
    sr_buf b = { 0 };
    sr_buf_put(&b, payload, n);
    char err[512] = "";
    int rc = sr_ckdir_journal(d, &b, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "\n  sr_ckdir_journal: %s\n", err);
    sr_buf_free(&b);
}

/* The body of the newest checkpoint must be exactly want (time t). */
static void expect_newest(sr_ckdir *d, int64_t t, const char *want, size_t n) {
    sr_ckfile f;
    char err[512] = "";
    int rc = sr_ckdir_newest(d, &f, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 1);
    if (rc != 1) {
        fprintf(stderr, "\n  sr_ckdir_newest: %d %s\n", rc, err);
        return;
    }
    CU_ASSERT_EQUAL(f.time_ms, t);
    char tail[64];
    snprintf(tail, sizeof tail, "/checkpoint-%lld", (long long)t);
    CU_ASSERT(f.path && strlen(f.path) >= strlen(tail) &&
              strcmp(f.path + strlen(f.path) - strlen(tail), tail) == 0);
    CU_ASSERT_FALSE(f.body.bad);
    CU_ASSERT_EQUAL((size_t)(f.body.end - f.body.p), n);
    CU_ASSERT((size_t)(f.body.end - f.body.p) == n && memcmp(f.body.p, want, n) == 0);
    sr_ckfile_free(&f);
    CU_ASSERT_PTR_NULL(f.path);
    CU_ASSERT_PTR_NULL(f.data);
}

/* Records collected by sr_ckdir_each_record. */
typedef struct records {
    int n;
    char *p[32];
    size_t len[32];
} records;

static void collect(void *arg, sr_dec payload) {
    records *r = arg;
    CU_ASSERT_FALSE(payload.bad);
    CU_ASSERT_FATAL(r->n < 32);
    size_t n = (size_t)(payload.end - payload.p);
    r->p[r->n] = malloc(n ? n : 1);
    memcpy(r->p[r->n], payload.p, n);
    r->len[r->n] = n;
    r->n++;
}

static void records_free(records *r) {
    for (int i = 0; i < r->n; i++)
        free(r->p[i]);
    r->n = 0;
}

static bool record_is(const records *r, int i, const char *p, size_t n) {
    return i < r->n && r->len[i] == n && memcmp(r->p[i], p, n) == 0;
}

/* ===================================================================== */
/* The directory and its lock                                             */
/* ===================================================================== */

static void test_open_creates_and_locks(void) {
    char *tmp = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
    char *dir = join(tmp, "a/b/ck"); /* nested, none exists */
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct stat st;
    CU_ASSERT(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
    CU_ASSERT_STRING_EQUAL(sr_ckdir_path(d), dir);
    check_listing(dir, ".lock");

    /* the lock file holds our pid */
    char pid[32];
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    size_t n;
    char *lock = read_raw(dir, ".lock", &n);
    CU_ASSERT(lock && n == strlen(pid) && memcmp(lock, pid, n) == 0);
    free(lock);

    /* a second open in this process: flock locks belong to the open file
     * description, so the second open(2) of .lock conflicts with the first */
    char err[512] = "";
    sr_ckdir *d2 = sr_ckdir_open(dir, err, sizeof err);
    CU_ASSERT_PTR_NULL(d2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use by another run"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, dir));
    char want_pid[48];
    snprintf(want_pid, sizeof want_pid, "(pid %ld)", (long)getpid());
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want_pid));
    if (!strstr(err, want_pid))
        fprintf(stderr, "\n  message: %s\n", err);
    sr_ckdir_close(d2); /* NULL is fine */

    /* the refused open did not release the first one's lock */
    err[0] = '\0';
    CU_ASSERT_PTR_NULL(sr_ckdir_open(dir, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "in use by another run"));

    /* after close a new open succeeds */
    sr_ckdir_close(d);
    d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL(d);
    sr_ckdir_close(d);

    /* a plain file where the directory should be */
    write_raw(tmp, "plain", "x", 1, false);
    char *bad = join(tmp, "plain/ck");
    err[0] = '\0';
    CU_ASSERT_PTR_NULL(sr_ckdir_open(bad, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot create checkpoint directory"));
    free(bad);
    bad = join(tmp, "plain");
    err[0] = '\0';
    CU_ASSERT_PTR_NULL(sr_ckdir_open(bad, err, sizeof err));
    CU_ASSERT(err[0] != '\0');
    free(bad);

    free(dir);
    drop_tmpdir(tmp);
}

/* Another process holds the directory: refused, naming that process. */
static void test_lock_other_process(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    int ready[2], done[2];
    CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(done) == 0);
    pid_t child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0) {
        close(ready[0]);
        close(done[1]); /* else the parent's close would not reach read() */
        alarm(30);      /* never outlive a stuck parent */
        char err[512];
        sr_ckdir *d = sr_ckdir_open(dir, err, sizeof err);
        char c = d ? 'y' : 'n';
        (void)!write(ready[1], &c, 1);
        (void)!read(done[0], &c, 1); /* hold the lock until the parent is done */
        _exit(d ? 0 : 1);
    }
    close(ready[1]);
    close(done[0]);
    char c = 0;
    CU_ASSERT_EQUAL(read(ready[0], &c, 1), 1);
    CU_ASSERT_EQUAL(c, 'y');
    char err[512] = "";
    sr_ckdir *d = sr_ckdir_open(dir, err, sizeof err);
    CU_ASSERT_PTR_NULL(d);
    char want[64];
    snprintf(want, sizeof want, "in use by another run (pid %ld)", (long)child);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    if (!strstr(err, want))
        fprintf(stderr, "\n  message: %s\n", err);
    sr_ckdir_close(d);
    close(done[1]); /* the child exits, its lock goes with it */
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(child, &status, 0), child);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]);
    d = open_ok(dir);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

static void test_leftover_tmp_removed(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    write_raw(dir, ".checkpoint-5000.tmp", "half a checkpoint", 17, false);
    write_raw(dir, ".checkpoint-6000.tmp", "", 0, false);
    write_raw(dir, ".other", "keep", 4, false);
    write_raw(dir, "checkpoint-notes.txt", "keep", 4, false);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_FALSE(exists(dir, ".checkpoint-5000.tmp"));
    CU_ASSERT_FALSE(exists(dir, ".checkpoint-6000.tmp"));
    check_listing(dir, ".lock .other checkpoint-notes.txt");
    /* a name that is not <prefix><digits> is not a checkpoint */
    sr_ckfile f;
    char err[512] = "";
    CU_ASSERT_EQUAL(sr_ckdir_newest(d, &f, err, sizeof err), 0);
    sr_ckfile_free(&f);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

/* ===================================================================== */
/* Checkpoints                                                            */
/* ===================================================================== */

static void test_newest_empty(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    sr_ckfile f;
    memset(&f, 0x5a, sizeof f);
    char err[512] = "";
    CU_ASSERT_EQUAL(sr_ckdir_newest(d, &f, err, sizeof err), 0);
    CU_ASSERT_PTR_NULL(f.path);
    CU_ASSERT_PTR_NULL(f.data);
    sr_ckfile_free(&f);
    /* no journal before the first checkpoint */
    sr_buf b = { 0 };
    sr_buf_cstr(&b, "x");
    err[0] = '\0';
    CU_ASSERT_EQUAL(sr_ckdir_journal(d, &b, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no journal"));
    sr_buf_free(&b);
    records r = { 0 };
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 0, collect, &r), 0);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

static const char body1[] = "body of 1000";
static const char body2[] = "body\0of\0two thousand";
static const char body3[] = "the third body, 3000 ms\n\xff\x00\x01";
#define LEN(s) (sizeof(s) - 1)

static void write_three(sr_ckdir *d) {
    write_ok(d, 1000, body1, LEN(body1));
    write_ok(d, 2000, body2, LEN(body2));
    write_ok(d, 3000, body3, LEN(body3));
}

static void test_keep_newest_two(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    write_ok(d, 1000, body1, LEN(body1));
    check_listing(dir, ".lock checkpoint-1000 journal-1000");
    expect_newest(d, 1000, body1, LEN(body1));
    write_ok(d, 2000, body2, LEN(body2));
    check_listing(dir, ".lock checkpoint-1000 checkpoint-2000 journal-1000 journal-2000");
    write_ok(d, 3000, body3, LEN(body3));
    check_listing(dir, ".lock checkpoint-2000 checkpoint-3000 journal-2000 journal-3000");
    expect_newest(d, 3000, body3, LEN(body3));
    /* newest is only a reader: nothing moved */
    check_listing(dir, ".lock checkpoint-2000 checkpoint-3000 journal-2000 journal-3000");

    /* the file layout: magic, body, 8 bytes LE of sr_hash_bytes(body) */
    size_t n;
    char *raw = read_raw(dir, "checkpoint-3000", &n);
    CU_ASSERT_FATAL(raw != NULL);
    CU_ASSERT_EQUAL(n, MAGIC_LEN + LEN(body3) + 8);
    CU_ASSERT(memcmp(raw, MAGIC, MAGIC_LEN) == 0);
    CU_ASSERT(memcmp(raw + MAGIC_LEN, body3, LEN(body3)) == 0);
    uint64_t h = sr_hash_bytes(body3, LEN(body3)), s = 0;
    for (int i = 0; i < 8; i++)
        s |= (uint64_t)(unsigned char)raw[MAGIC_LEN + LEN(body3) + i] << (8 * i);
    CU_ASSERT_EQUAL(h, s);
    free(raw);

    /* order is by time, not by name: 10000 sorts before 3000 as text */
    write_ok(d, 10000, body1, LEN(body1));
    check_listing(dir, ".lock checkpoint-10000 checkpoint-3000 journal-10000 journal-3000");
    expect_newest(d, 10000, body1, LEN(body1));

    /* an empty body */
    write_ok(d, 11000, "", 0);
    expect_newest(d, 11000, "", 0);
    check_listing(dir, ".lock checkpoint-10000 checkpoint-11000 journal-10000 journal-11000");

    /* state survives close and reopen */
    sr_ckdir_close(d);
    d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    expect_newest(d, 11000, "", 0);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

static void test_big_body(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    size_t n = (3 << 20) + 17;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i * 7 + (i >> 12));
    write_ok(d, 5000, big, n);
    expect_newest(d, 5000, big, n);
    free(big);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

static void test_corrupt_skipped(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    write_three(d);
    size_t n;
    char *good3 = read_raw(dir, "checkpoint-3000", &n);
    CU_ASSERT_FATAL(good3 != NULL && n == MAGIC_LEN + LEN(body3) + 8);

    quiet();
    /* one body byte flipped: checksum mismatch, moved aside, 2000 used */
    char *bad = malloc(n);
    memcpy(bad, good3, n);
    bad[MAGIC_LEN + 5] ^= 0x01;
    write_raw(dir, "checkpoint-3000", bad, n, false);
    expect_newest(d, 2000, body2, LEN(body2));
    CU_ASSERT_FALSE(exists(dir, "checkpoint-3000"));
    CU_ASSERT_TRUE(exists(dir, "damaged-checkpoint-3000"));
    size_t dn;
    char *moved = read_raw(dir, "damaged-checkpoint-3000", &dn);
    CU_ASSERT(moved && dn == n && memcmp(moved, bad, n) == 0); /* moved as it was */
    free(moved);
    check_listing(dir, ".lock checkpoint-2000 damaged-checkpoint-3000 journal-2000 journal-3000");

    /* every other single-byte flip too: in the magic, the body, the hash */
    int missed = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(bad, good3, n);
        bad[i] ^= 0x40;
        write_raw(dir, "checkpoint-3000", bad, n, false);
        sr_ckfile f;
        char err[512] = "";
        int rc = sr_ckdir_newest(d, &f, err, sizeof err);
        if (rc != 1 || f.time_ms != 2000 || exists(dir, "checkpoint-3000")) {
            missed++;
            fprintf(stderr, "\n  flip at %zu: rc %d time %lld\n", i, rc, (long long)f.time_ms);
        }
        sr_ckfile_free(&f);
    }
    CU_ASSERT_EQUAL(missed, 0);

    /* every truncation of the file (incl. empty) */
    missed = 0;
    for (size_t k = 0; k < n; k++) {
        write_raw(dir, "checkpoint-3000", good3, k, false);
        sr_ckfile f;
        char err[512] = "";
        int rc = sr_ckdir_newest(d, &f, err, sizeof err);
        if (rc != 1 || f.time_ms != 2000 || exists(dir, "checkpoint-3000") ||
            !exists(dir, "damaged-checkpoint-3000")) {
            missed++;
            fprintf(stderr, "\n  truncated to %zu: rc %d time %lld\n", k, rc, (long long)f.time_ms);
        }
        sr_ckfile_free(&f);
    }
    CU_ASSERT_EQUAL(missed, 0);
    /* extra bytes after the hash */
    char *longer = malloc(n + 1);
    memcpy(longer, good3, n);
    longer[n] = '\n';
    write_raw(dir, "checkpoint-3000", longer, n + 1, false);
    expect_newest(d, 2000, body2, LEN(body2));
    free(longer);
    loud();

    /* the good file back in place: used again */
    write_raw(dir, "checkpoint-3000", good3, n, false);
    expect_newest(d, 3000, body3, LEN(body3));

    free(bad);
    free(good3);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

static void test_all_damaged(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    write_three(d);
    /* 3000: a flipped byte; 2000: cut short */
    size_t n;
    char *raw = read_raw(dir, "checkpoint-3000", &n);
    raw[n - 1] ^= 0xff;
    write_raw(dir, "checkpoint-3000", raw, n, false);
    free(raw);
    raw = read_raw(dir, "checkpoint-2000", &n);
    write_raw(dir, "checkpoint-2000", raw, n - 3, false);
    free(raw);

    quiet();
    sr_ckfile f;
    char err[512] = "";
    int rc = sr_ckdir_newest(d, &f, err, sizeof err);
    loud();
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "damaged"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, dir));
    CU_ASSERT_PTR_NULL(f.path);
    CU_ASSERT_PTR_NULL(f.data);
    sr_ckfile_free(&f);
    /* left in place, so that every later start refuses the same way */
    check_listing(dir, ".lock checkpoint-2000 checkpoint-3000 journal-2000 journal-3000");
    quiet();
    CU_ASSERT_EQUAL(sr_ckdir_newest(d, &f, err, sizeof err), -1);
    loud();
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

/* ===================================================================== */
/* The journal                                                            */
/* ===================================================================== */

static const char rec1[] = "first record";
static const char rec2[] = ""; /* an empty payload is a record too */
static const char rec3[] = "third\0record\xff";

static void test_journal_records(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    write_ok(d, 1000, body1, LEN(body1));
    records r = { 0 };
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 0); /* empty journal */
    journal_ok(d, rec1, LEN(rec1));
    journal_ok(d, rec2, LEN(rec2));
    journal_ok(d, rec3, LEN(rec3));

    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 3);
    CU_ASSERT_EQUAL(r.n, 3);
    CU_ASSERT_TRUE(record_is(&r, 0, rec1, LEN(rec1)));
    CU_ASSERT_TRUE(record_is(&r, 1, rec2, LEN(rec2)));
    CU_ASSERT_TRUE(record_is(&r, 2, rec3, LEN(rec3)));
    records_free(&r);
    /* from an earlier time: the same */
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 0, collect, &r), 3);
    records_free(&r);
    /* from a later time: none */
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1001, collect, &r), 0);
    CU_ASSERT_EQUAL(r.n, 0);

    /* the record format: varint length, payload, 8 bytes of hash */
    size_t n;
    char *raw = read_raw(dir, "journal-1000", &n);
    CU_ASSERT_EQUAL(n, (1 + LEN(rec1) + 8) + (1 + 0 + 8) + (1 + LEN(rec3) + 8));
    CU_ASSERT(raw && (unsigned char)raw[0] == LEN(rec1) && memcmp(raw + 1, rec1, LEN(rec1)) == 0);
    size_t whole = n;

    /* a torn record at the end (crash while appending): the three whole
     * records still come back, the rest is ignored */
    quiet();
    /* (a) a record cut short: a real record without its last byte */
    sr_buf torn = { 0 };
    sr_enc_u64(&torn, 5);
    sr_buf_put(&torn, "fourt", 5);
    uint64_t h = sr_hash_bytes("fourt", 5);
    for (int i = 0; i < 7; i++)
        sr_buf_char(&torn, (char)(h >> (8 * i)));
    write_raw(dir, "journal-1000", torn.ptr, torn.len, true);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 3);
    CU_ASSERT_TRUE(record_is(&r, 2, rec3, LEN(rec3)));
    records_free(&r);
    /* (b) plus garbage bytes */
    const char garbage[] = "\x07garbage bytes \x00\xff\xfe";
    write_raw(dir, "journal-1000", garbage, LEN(garbage), true);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 3);
    CU_ASSERT_EQUAL(r.n, 3);
    CU_ASSERT_TRUE(record_is(&r, 0, rec1, LEN(rec1)));
    CU_ASSERT_TRUE(record_is(&r, 1, rec2, LEN(rec2)));
    CU_ASSERT_TRUE(record_is(&r, 2, rec3, LEN(rec3)));
    records_free(&r);
    /* (c) a huge length, an over-long varint */
    write_raw(dir, "journal-1000", raw, whole, false);
    write_raw(dir, "journal-1000", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, true);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 3);
    records_free(&r);
    write_raw(dir, "journal-1000", raw, whole, false);
    write_raw(dir, "journal-1000", "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80", 11, true);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 3);
    records_free(&r);
    /* (d) every truncation of the whole journal: only whole records */
    int wrong = 0;
    size_t ends[3] = { 1 + LEN(rec1) + 8, 1 + LEN(rec1) + 8 + 1 + 8, whole };
    for (size_t k = 0; k <= whole; k++) {
        write_raw(dir, "journal-1000", raw, k, false);
        int want = (k >= ends[0]) + (k >= ends[1]) + (k >= ends[2]);
        int got = sr_ckdir_each_record(d, 1000, collect, &r);
        bool ok = got == want && r.n == want;
        for (int i = 0; ok && i < want; i++)
            ok = record_is(&r, i, i == 0 ? rec1 : i == 1 ? rec2 : rec3,
                           i == 0 ? LEN(rec1) : i == 1 ? LEN(rec2) : LEN(rec3));
        if (!ok) {
            wrong++;
            fprintf(stderr, "\n  journal cut to %zu: %d records, want %d\n", k, got, want);
        }
        records_free(&r);
    }
    CU_ASSERT_EQUAL(wrong, 0);
    /* (e) a flipped payload byte in the middle record stops reading there */
    write_raw(dir, "journal-1000", raw, whole, false);
    char *flip = malloc(whole);
    memcpy(flip, raw, whole);
    flip[ends[1] + 1] ^= 0x20; /* first payload byte of rec3 */
    write_raw(dir, "journal-1000", flip, whole, false);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 2);
    records_free(&r);
    free(flip);
    loud();
    sr_buf_free(&torn);
    free(raw);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

static void test_journal_from_ms(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    write_ok(d, 1000, body1, LEN(body1));
    journal_ok(d, "a1", 2);
    journal_ok(d, "a2", 2);
    write_ok(d, 2000, body2, LEN(body2));
    journal_ok(d, "b1", 2);
    quiet();
    /* a torn record at the end of the older journal: its whole records
     * still come back and the newer journal is still read */
    write_raw(dir, "journal-1000", "\x09torn", 5, true);

    records r = { 0 };
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 3); /* oldest first */
    CU_ASSERT_TRUE(record_is(&r, 0, "a1", 2));
    CU_ASSERT_TRUE(record_is(&r, 1, "a2", 2));
    CU_ASSERT_TRUE(record_is(&r, 2, "b1", 2));
    records_free(&r);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1500, collect, &r), 1);
    CU_ASSERT_TRUE(record_is(&r, 0, "b1", 2));
    records_free(&r);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 2000, collect, &r), 1);
    CU_ASSERT_TRUE(record_is(&r, 0, "b1", 2));
    records_free(&r);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 2001, collect, &r), 0);
    loud();

    /* new records go to the newest checkpoint's journal only */
    journal_ok(d, "b2", 2);
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 2000, collect, &r), 2);
    CU_ASSERT_TRUE(record_is(&r, 1, "b2", 2));
    records_free(&r);

    /* a reopened directory has no journal open until the next checkpoint,
     * and reads what the earlier run wrote */
    sr_ckdir_close(d);
    d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    quiet();
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 4);
    loud();
    records_free(&r);
    sr_buf b = { 0 };
    sr_buf_cstr(&b, "x");
    char err[512] = "";
    CU_ASSERT_EQUAL(sr_ckdir_journal(d, &b, err, sizeof err), -1);
    sr_buf_free(&b);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

static void test_prune_journals(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    /* a journal older than every checkpoint (e.g. of a removed one) */
    write_raw(dir, "journal-500", "", 0, false);
    write_ok(d, 1000, body1, LEN(body1));
    journal_ok(d, "a", 1);
    check_listing(dir, ".lock checkpoint-1000 journal-1000");
    write_ok(d, 2000, body2, LEN(body2));
    journal_ok(d, "b", 1);
    check_listing(dir, ".lock checkpoint-1000 checkpoint-2000 journal-1000 journal-2000");
    write_ok(d, 3000, body3, LEN(body3));
    /* keeps journals >= the older kept checkpoint (2000) */
    check_listing(dir, ".lock checkpoint-2000 checkpoint-3000 journal-2000 journal-3000");
    records r = { 0 };
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 0, collect, &r), 1);
    CU_ASSERT_TRUE(record_is(&r, 0, "b", 1));
    records_free(&r);
    /* journals older than the older kept checkpoint go, also ones that
     * belong to no checkpoint */
    write_raw(dir, "journal-2500", "", 0, false);
    write_ok(d, 4000, body1, LEN(body1));
    check_listing(dir, ".lock checkpoint-3000 checkpoint-4000 journal-3000 journal-4000");
    /* ... and ones between the two kept checkpoints stay */
    write_raw(dir, "journal-4500", "", 0, false);
    write_ok(d, 5000, body2, LEN(body2));
    check_listing(dir, ".lock checkpoint-4000 checkpoint-5000 journal-4000 journal-4500 journal-5000");
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

/* ===================================================================== */
/* A full disk: a file-size limit (EFBIG) stands in for it                */
/* ===================================================================== */

/* Limit the files this process writes to `bytes` (SIGXFSZ ignored, as
 * sr_main does, so a write past it fails with EFBIG); restore undoes it. */
typedef struct fsize_limit {
    struct rlimit old;
    struct sigaction xfsz;
} fsize_limit;

static void limit_files(fsize_limit *l, rlim_t bytes) {
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ign, &l->xfsz);
    getrlimit(RLIMIT_FSIZE, &l->old);
    struct rlimit r = { bytes, l->old.rlim_max };
    CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static void unlimit_files(fsize_limit *l) {
    setrlimit(RLIMIT_FSIZE, &l->old);
    sigaction(SIGXFSZ, &l->xfsz, NULL);
}

static void test_full_disk_leaves_nothing(void) {
    char *dir = make_tmpdir();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_ckdir *d = open_ok(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    write_ok(d, 1000, body1, LEN(body1));
    journal_ok(d, "a1", 2);
    size_t n0;
    free(read_raw(dir, "journal-1000", &n0));

    /* a journal record that crosses the limit: it is written in part, then
     * EFBIG; the part is cut off again */
    char big[200];
    memset(big, 'x', sizeof big);
    sr_buf rec = { 0 };
    sr_buf_put(&rec, big, sizeof big);
    char err[512] = "";
    fsize_limit l;
    limit_files(&l, (rlim_t)(n0 + 100));
    errno = 0;
    CU_ASSERT_EQUAL(sr_ckdir_journal(d, &rec, err, sizeof err), -1);
    CU_ASSERT_EQUAL(errno, EFBIG);
    CU_ASSERT_TRUE(sr_is_no_space(errno));
    CU_ASSERT(strstr(err, "File too large") != NULL);
    size_t n1;
    free(read_raw(dir, "journal-1000", &n1));
    CU_ASSERT_EQUAL(n1, n0);

    /* a checkpoint past the limit: EFBIG, no temporary file left, the
     * newest checkpoint and its journal untouched */
    char body[300];
    memset(body, 'y', sizeof body);
    sr_buf b = { 0 };
    sr_buf_put(&b, body, sizeof body);
    errno = 0;
    CU_ASSERT_EQUAL(sr_ckdir_write(d, 2000, &b, err, sizeof err), -1);
    CU_ASSERT_EQUAL(errno, EFBIG);
    check_listing(dir, ".lock checkpoint-1000 journal-1000");
    /* the journal of checkpoint-1000 still takes records */
    journal_ok(d, "a2", 2);
    unlimit_files(&l);

    /* with room again the same calls succeed, and the journal reads whole */
    journal_ok(d, big, sizeof big);
    records r = { 0 };
    CU_ASSERT_EQUAL(sr_ckdir_each_record(d, 1000, collect, &r), 3);
    CU_ASSERT_TRUE(record_is(&r, 0, "a1", 2));
    CU_ASSERT_TRUE(record_is(&r, 1, "a2", 2));
    CU_ASSERT_TRUE(record_is(&r, 2, big, sizeof big));
    records_free(&r);
    write_ok(d, 2000, body, sizeof body);
    expect_newest(d, 2000, body, sizeof body);
    check_listing(dir, ".lock checkpoint-1000 checkpoint-2000 journal-1000 journal-2000");
    sr_buf_free(&b);
    sr_buf_free(&rec);
    sr_ckdir_close(d);
    drop_tmpdir(dir);
}

UNIT_SUITE(checkpoint,
           { "open creates the directory and locks it", test_open_creates_and_locks },
           { "a directory locked by another process", test_lock_other_process },
           { "leftover temporary files removed", test_leftover_tmp_removed },
           { "newest of an empty directory", test_newest_empty },
           { "only the newest two checkpoints kept", test_keep_newest_two },
           { "a 3 MB body", test_big_body },
           { "damaged and truncated checkpoints skipped", test_corrupt_skipped },
           { "every checkpoint damaged", test_all_damaged },
           { "journal records, torn records ignored", test_journal_records },
           { "journal records from a time on", test_journal_from_ms },
           { "old journals pruned", test_prune_journals },
           { "a full disk leaves no temp file nor part of a record", test_full_disk_leaves_nothing })
