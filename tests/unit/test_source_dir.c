/* test_source_dir.c - textFileStream and queueStream on temporary
 * directories (mkdtemp, removed afterwards): files present at start are
 * ignored, new files (renamed in) are read once in name order, hidden and
 * non-regular files are skipped, a vanished file is skipped with a WARN, a
 * missing directory is watched; queueStream takes one file per batch. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"
#include "source_impl.h"
#include "unit.h"

/* ===================================================================== */
/* Helpers                                                                */
/* ===================================================================== */

static char *make_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/streamc-src-XXXXXX", base && base[0] ? base : "/tmp");
    char *p = mkdtemp(path);
    return p ? strdup(p) : NULL;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(char *dir) {
    if (dir) {
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
    }
}

/* Write dir/name directly (not atomically). */
static void put(const char *dir, const char *name, const char *text) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

/* Write dir/.name.tmp, then rename it to dir/name: the file appears whole. */
static void put_atomic(const char *dir, const char *name, const char *text) {
    char tmp[1024], path[1024], hidden[512];
    snprintf(hidden, sizeof hidden, ".%s.tmp", name);
    put(dir, hidden, text);
    snprintf(tmp, sizeof tmp, "%s/%s", dir, hidden);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CU_ASSERT_EQUAL(rename(tmp, path), 0);
}

static sr_source *open_dir(sr_source_kind kind, const char *dir, char *err, size_t errlen) {
    sr_source_spec spec = { .kind = kind, .dir = dir };
    sr_source_opts opts = { .batch_ms = 1000 };
    err[0] = '\0';
    return sr_source_open(&spec, &opts, err, errlen);
}

/* One take, as one string: lines joined with '|' (into buf). */
static const char *take_joined(sr_source *s, char *buf, size_t n, int64_t *bytes) {
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_source_take(s, 0, &a, &out);
    size_t k = 0;
    buf[0] = '\0';
    for (int64_t i = 0; i < out.n && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%.*s", i ? "|" : "", (int)out.lines[i].len,
                              out.lines[i].ptr);
    if (bytes)
        *bytes = out.bytes;
    if (out.n == 0)
        snprintf(buf, n, "<none>");
    sr_arena_free(&a);
    return buf;
}

/* Capture stderr (the log) while a test runs, at INFO level. */
typedef struct capture {
    int saved;
    FILE *f;
    sr_log_level level;
} capture;

static void capture_begin(capture *c) {
    c->level = sr_log_get_level();
    sr_log_set_level(SR_LOG_INFO);
    fflush(stderr);
    c->f = tmpfile();
    c->saved = dup(2);
    dup2(fileno(c->f), 2);
}

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

/* ===================================================================== */
/* textFileStream                                                         */
/* ===================================================================== */

static void test_new_files_once(void) {
    char *dir = make_tmpdir(), err[256], buf[4096];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    put(dir, "old.txt", "old\n");
    sr_source *s = open_dir(SR_SOURCE_TEXTFILE, dir, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT(strncmp(sr_source_name(s), "textFileStream ", 15) == 0);
    CU_ASSERT_EQUAL(sr_source_start(s, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    put_atomic(dir, "b.txt", "b1\nb2\n");
    put_atomic(dir, "a.txt", "a1\r\n\r\na3");
    put_atomic(dir, "c.txt", "");
    int64_t bytes = 0;
    /* Name order; a file's last line without newline counts. */
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, &bytes), "a1||a3|b1|b2");
    CU_ASSERT_EQUAL(bytes, 8 + 6);
    /* Each file is read once. */
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    put_atomic(dir, "d.txt", "d\n");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "d");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    sr_source_stop(s, true);
    sr_source_free(s);
    rm_tree(dir);
}

static void test_hidden_and_special(void) {
    char *dir = make_tmpdir(), err[256], buf[4096], path[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_source *s = open_dir(SR_SOURCE_TEXTFILE, dir, err, sizeof err);
    CU_ASSERT_FATAL(s && sr_source_start(s, err, sizeof err) == 0);
    put(dir, ".hidden", "no\n");
    put(dir, "_SUCCESS", "no\n");
    put(dir, "_temporary", "no\n");
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0700);
    put(dir, "sub/inner.txt", "no\n");
    snprintf(path, sizeof path, "%s/fifo", dir);
    mkfifo(path, 0600);
    put(dir, "real", "yes\n");
    symlink("real", (snprintf(path, sizeof path, "%s/zlink", dir), path));
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "yes|yes");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    sr_source_free(s);
    rm_tree(dir);
}

/* A name that is listed but cannot be opened (a dangling symlink, as a file
 * removed between listing and reading would look) is skipped with one WARN;
 * the other files are read. */
static void test_vanished_file(void) {
    char *dir = make_tmpdir(), err[256], buf[4096], path[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    capture cap;
    capture_begin(&cap);
    sr_source *s = open_dir(SR_SOURCE_TEXTFILE, dir, err, sizeof err);
    int ok = s && sr_source_start(s, err, sizeof err) == 0;
    snprintf(path, sizeof path, "%s/b-gone", dir);
    int linked = symlink("does-not-exist", path) == 0;
    put_atomic(dir, "a", "first\n");
    put_atomic(dir, "c", "third\n");
    const char *t1 = s ? take_joined(s, buf, sizeof buf, NULL) : "";
    int first_ok = strcmp(t1, "first|third") == 0;
    const char *t2 = s ? take_joined(s, buf, sizeof buf, NULL) : "";
    int second_ok = strcmp(t2, "<none>") == 0;
    if (s)
        sr_source_free(s);
    char *log = capture_end(&cap);
    CU_ASSERT_FATAL(ok && linked);
    CU_ASSERT(first_ok);
    CU_ASSERT(second_ok);
    CU_ASSERT(strstr(log, "WARN textFileStream:") != NULL);
    CU_ASSERT(strstr(log, "b-gone vanished before it was read; skipped") != NULL);
    /* Warned once, not at every batch. */
    const char *w = strstr(log, "b-gone");
    CU_ASSERT(w && !strstr(w + 1, "b-gone"));
    free(log);
    rm_tree(dir);
}

static void test_unreadable_file(void) {
    if (geteuid() == 0)
        return; /* root reads anything */
    char *dir = make_tmpdir(), err[256], buf[4096], path[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    capture cap;
    capture_begin(&cap);
    sr_source *s = open_dir(SR_SOURCE_TEXTFILE, dir, err, sizeof err);
    int ok = s && sr_source_start(s, err, sizeof err) == 0;
    put(dir, "locked", "secret\n");
    snprintf(path, sizeof path, "%s/locked", dir);
    chmod(path, 0);
    put(dir, "open", "fine\n");
    int t_ok = s && strcmp(take_joined(s, buf, sizeof buf, NULL), "fine") == 0;
    if (s)
        sr_source_free(s);
    char *log = capture_end(&cap);
    CU_ASSERT(ok && t_ok);
    CU_ASSERT(strstr(log, "cannot read") != NULL);
    free(log);
    rm_tree(dir);
}

/* A missing directory: one WARN, then it is watched; files in it once it
 * exists are new. */
static void test_missing_dir(void) {
    char *base = make_tmpdir(), err[256], buf[4096], dir[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(base);
    snprintf(dir, sizeof dir, "%s/later", base);
    capture cap;
    capture_begin(&cap);
    sr_source *s = open_dir(SR_SOURCE_TEXTFILE, dir, err, sizeof err);
    int ok = s && sr_source_start(s, err, sizeof err) == 0;
    int none1 = s && strcmp(take_joined(s, buf, sizeof buf, NULL), "<none>") == 0;
    int none2 = s && strcmp(take_joined(s, buf, sizeof buf, NULL), "<none>") == 0;
    mkdir(dir, 0700);
    put_atomic(dir, "f", "now\n");
    int got = s && strcmp(take_joined(s, buf, sizeof buf, NULL), "now") == 0;
    if (s)
        sr_source_free(s);
    char *log = capture_end(&cap);
    CU_ASSERT_FATAL(ok);
    CU_ASSERT(none1 && none2 && got);
    const char *w = strstr(log, "does not exist");
    CU_ASSERT(w != NULL);
    CU_ASSERT(w && !strstr(w + 1, "does not exist"));
    CU_ASSERT(strstr(log, "WARN textFileStream: directory ") != NULL);
    free(log);
    rm_tree(base);
}

/* A name is forgotten once it leaves the directory: a new file under the
 * same name is read again. */
static void test_name_reused(void) {
    char *dir = make_tmpdir(), err[256], buf[4096], path[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    put(dir, "x", "at start\n");
    sr_source *s = open_dir(SR_SOURCE_TEXTFILE, dir, err, sizeof err);
    CU_ASSERT_FATAL(s && sr_source_start(s, err, sizeof err) == 0);
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    snprintf(path, sizeof path, "%s/x", dir);
    unlink(path);
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    put_atomic(dir, "x", "second x\n");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "second x");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    sr_source_free(s);
    rm_tree(dir);
}

/* Many files at once, and a stop without drain ends the takes. */
static void test_many_files(void) {
    char *dir = make_tmpdir(), err[256], name[64], text[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_source *s = open_dir(SR_SOURCE_TEXTFILE, dir, err, sizeof err);
    CU_ASSERT_FATAL(s && sr_source_start(s, err, sizeof err) == 0);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "part-%05d", (i * 7) % 300);
        snprintf(text, sizeof text, "%d\n%d\n", (i * 7) % 300, -((i * 7) % 300));
        put_atomic(dir, name, text);
    }
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_source_take(s, 0, &a, &out);
    CU_ASSERT_EQUAL_FATAL(out.n, 600);
    int in_order = 1;
    for (int i = 0; i < 300; i++) {
        snprintf(text, sizeof text, "%d", i);
        if (out.lines[2 * i].len != (int64_t)strlen(text) ||
            memcmp(out.lines[2 * i].ptr, text, strlen(text)) != 0)
            in_order = 0;
    }
    CU_ASSERT(in_order);
    sr_arena_reset(&a);
    put_atomic(dir, "zzz", "late\n");
    sr_source_stop(s, false);
    sr_source_take(s, 0, &a, &out);
    CU_ASSERT_EQUAL(out.n, 0);
    sr_arena_free(&a);
    sr_source_free(s);
    rm_tree(dir);
}

/* ===================================================================== */
/* queueStream                                                            */
/* ===================================================================== */

static void test_queue_order(void) {
    char *dir = make_tmpdir(), err[256], buf[4096], path[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    put(dir, "b", "b1\nb2\n");
    put(dir, "a", "a1\n");
    put(dir, "c", "c1\r\nc2");
    put(dir, ".hidden", "no\n");
    put(dir, "_SUCCESS", "");
    snprintf(path, sizeof path, "%s/subdir", dir);
    mkdir(path, 0700);
    sr_source *s = open_dir(SR_SOURCE_QUEUE, dir, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT(strncmp(sr_source_name(s), "queueStream ", 12) == 0);
    sr_log_level lv = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    CU_ASSERT_EQUAL(sr_source_start(s, err, sizeof err), 0);
    sr_log_set_level(lv);
    put(dir, "aa-later", "not seen\n");
    int64_t bytes = 0;
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, &bytes), "a1");
    CU_ASSERT_EQUAL(bytes, 3);
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "b1|b2");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "c1|c2");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    CU_ASSERT_STRING_EQUAL(take_joined(s, buf, sizeof buf, NULL), "<none>");
    sr_source_stop(s, true);
    sr_source_stop(s, false);
    sr_source_free(s);
    rm_tree(dir);
}

/* A file that vanishes after start gives an empty batch (with a WARN); the
 * next batch takes the next file. */
static void test_queue_vanished(void) {
    char *dir = make_tmpdir(), err[256], buf[4096], path[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    put(dir, "1", "one\n");
    put(dir, "2", "two\n");
    put(dir, "3", "three\n");
    capture cap;
    capture_begin(&cap);
    sr_source *s = open_dir(SR_SOURCE_QUEUE, dir, err, sizeof err);
    int ok = s && sr_source_start(s, err, sizeof err) == 0;
    snprintf(path, sizeof path, "%s/2", dir);
    unlink(path);
    char t[3][64] = { "", "", "" };
    for (int i = 0; s && i < 3; i++)
        snprintf(t[i], sizeof t[i], "%s", take_joined(s, buf, sizeof buf, NULL));
    if (s)
        sr_source_free(s);
    char *log = capture_end(&cap);
    CU_ASSERT_FATAL(ok);
    CU_ASSERT_STRING_EQUAL(t[0], "one");
    CU_ASSERT_STRING_EQUAL(t[1], "<none>");
    CU_ASSERT_STRING_EQUAL(t[2], "three");
    CU_ASSERT(strstr(log, "WARN queueStream:") != NULL);
    free(log);
    rm_tree(dir);
}

static void test_queue_missing_dir(void) {
    char *base = make_tmpdir(), err[256], dir[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(base);
    snprintf(dir, sizeof dir, "%s/nope", base);
    CU_ASSERT_PTR_NULL(open_dir(SR_SOURCE_QUEUE, dir, err, sizeof err));
    CU_ASSERT(strstr(err, "queueStream: directory ") != NULL);
    CU_ASSERT(strstr(err, "does not exist") != NULL);
    put(base, "plain", "x\n");
    snprintf(dir, sizeof dir, "%s/plain", base);
    CU_ASSERT_PTR_NULL(open_dir(SR_SOURCE_QUEUE, dir, err, sizeof err));
    CU_ASSERT(strstr(err, "not a directory") != NULL);
    rm_tree(base);
}

/* ===================================================================== */
/* Both, reading and cutting big files on a pool                          */
/* ===================================================================== */

/* Random lines (CRLF ends, empty lines, a line of thousands of bytes, no
 * final newline in every other file) into text[0..n). */
static void random_text(char *text, size_t n, unsigned seed) {
    srand(seed);
    for (size_t i = 0; i < n; i++)
        text[i] = i > n / 2 && i < n / 2 + 5000 ? 'L' : "abc \r\n\n"[rand() % 7];
    if (seed % 2)
        text[n - 1] = 'z';
}

/* One take of source s is exactly the lines of the texts t[0..n), cut
 * alone, in order. */
static int take_is(sr_source *s, char **t, const size_t *len, int n) {
    sr_arena a;
    sr_arena_init(&a);
    sr_lines got;
    sr_source_take(s, 0, &a, &got);
    int64_t at = 0, bytes = 0;
    int ok = 1;
    for (int k = 0; k < n; k++) {
        sr_lines want;
        sr_lines_from_block(&a, t[k], len[k], -1, &want);
        bytes += (int64_t)len[k];
        for (int64_t i = 0; i < want.n && ok; i++, at++)
            ok = at < got.n && sr_str_eq(got.lines[at], want.lines[i]);
    }
    ok = ok && at == got.n && got.bytes == bytes;
    sr_arena_free(&a);
    return ok;
}

/* With a pool of 3 and ranges of 1000 bytes, a file of 60 KB is read in
 * three ranges and cut in three (textFileStream: several files in one
 * take, queueStream: one a take): the lines are those a whole read and
 * cut give. */
static void test_ranges_on_pool(void) {
    char *dir = make_tmpdir(), err[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    sr_pool *pool = sr_pool_new(3, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
    size_t saved_min = sr_range_min;
    sr_range_min = 1000;
    sr_source_opts opts = { .batch_ms = 1000, .pool = pool };
    sr_source_spec text = { .kind = SR_SOURCE_TEXTFILE, .dir = dir };
    sr_source *ts = sr_source_open(&text, &opts, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
    CU_ASSERT_EQUAL(sr_source_start(ts, err, sizeof err), 0);
    char *t[4], name[2] = "a";
    size_t len[4] = { 60000, 2500, 999, 61111 };
    for (int k = 0; k < 4; k++, name[0]++) {
        t[k] = malloc(len[k] + 1);
        random_text(t[k], len[k], (unsigned)k + 1);
        t[k][len[k]] = '\0';
        put_atomic(dir, name, t[k]);
    }
    CU_ASSERT(take_is(ts, t, len, 4));
    sr_source_stop(ts, true);
    sr_source_free(ts);

    sr_source_spec queue = { .kind = SR_SOURCE_QUEUE, .dir = dir };
    sr_source *qs = sr_source_open(&queue, &opts, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(qs);
    sr_log_level lv = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    CU_ASSERT_EQUAL(sr_source_start(qs, err, sizeof err), 0);
    sr_log_set_level(lv);
    for (int k = 0; k < 4; k++)
        CU_ASSERT(take_is(qs, &t[k], &len[k], 1));
    sr_source_stop(qs, true);
    sr_source_free(qs);

    sr_range_min = saved_min;
    for (int k = 0; k < 4; k++)
        free(t[k]);
    sr_pool_free(pool);
    rm_tree(dir);
}

UNIT_SUITE(source_dir,
           { "textFileStream: new files once, in name order", test_new_files_once },
           { "textFileStream: hidden and non-regular files", test_hidden_and_special },
           { "textFileStream: vanished file skipped", test_vanished_file },
           { "textFileStream: unreadable file skipped", test_unreadable_file },
           { "textFileStream: missing directory watched", test_missing_dir },
           { "textFileStream: a reused name is read again", test_name_reused },
           { "textFileStream: 300 files in one take; stop", test_many_files },
           { "queueStream: one file per take in name order", test_queue_order },
           { "queueStream: vanished file, empty batch", test_queue_vanished },
           { "queueStream: missing directory", test_queue_missing_dir },
           { "both: big files read and cut in ranges on a pool", test_ranges_on_pool })
