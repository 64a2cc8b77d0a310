/* test_source_lines.c - cutting source bytes into lines (source.c): "\n"
 * and "\r\n" ends, a last line without newline, empty lines, empty input,
 * NUL bytes inside lines; and the source.h checks on bad specs. */
#include <CUnit/CUnit.h>
#include <stdio.h>

#include "runtime.h"
#include "source_impl.h"
#include "streamrt.h"
#include "unit.h"

/* Split `n` bytes and compare with the expected lines (NULL-terminated). */
static int split_is(const char *p, size_t n, const char *const *want) {
    int64_t nwant = 0;
    while (want[nwant])
        nwant++;
    int64_t count = sr_lines_count(p, n);
    if (count != nwant) {
        fprintf(stderr, "\n  count %lld, expected %lld\n", (long long)count, (long long)nwant);
        return 0;
    }
    sr_arena a;
    sr_arena_init(&a);
    char *block = sr_arena_alloc(&a, n ? n : 1);
    memcpy(block, p, n);
    sr_lines out;
    sr_lines_from_block(&a, block, n, -1, &out);
    int ok = out.n == nwant && out.bytes == (int64_t)n;
    for (int64_t i = 0; ok && i < nwant; i++) {
        sr_str w = { want[i], (int64_t)strlen(want[i]) };
        if (!sr_str_eq(out.lines[i], w)) {
            fprintf(stderr, "\n  line %lld = \"%.*s\", expected \"%s\"\n", (long long)i,
                    (int)out.lines[i].len, out.lines[i].ptr, want[i]);
            ok = 0;
        }
        /* Views point into the block. */
        if (out.lines[i].ptr < block || out.lines[i].ptr + out.lines[i].len > block + n)
            ok = 0;
    }
    sr_arena_free(&a);
    return ok;
}

#define SPLIT_IS(lit, ...) split_is((lit), sizeof(lit) - 1, (const char *const[]){ __VA_ARGS__, NULL })

static void test_plain(void) {
    CU_ASSERT(SPLIT_IS("a\nbb\nccc\n", "a", "bb", "ccc"));
    CU_ASSERT(SPLIT_IS("one line\n", "one line"));
    CU_ASSERT(SPLIT_IS("x", "x"));
}

static void test_no_final_newline(void) {
    CU_ASSERT(SPLIT_IS("a\nb", "a", "b"));
    CU_ASSERT(SPLIT_IS("a\r\nb", "a", "b"));
    CU_ASSERT(SPLIT_IS("a\nb\r", "a", "b"));
}

static void test_crlf(void) {
    CU_ASSERT(SPLIT_IS("a\r\nb\r\n", "a", "b"));
    CU_ASSERT(SPLIT_IS("a\r\n\r\nb\n", "a", "", "b"));
    /* A '\r' inside a line stays. */
    CU_ASSERT(SPLIT_IS("a\rb\n", "a\rb"));
    CU_ASSERT(SPLIT_IS("\r\n", ""));
}

static void test_empty_lines(void) {
    CU_ASSERT(SPLIT_IS("\n", ""));
    CU_ASSERT(SPLIT_IS("\n\n", "", ""));
    CU_ASSERT(SPLIT_IS("a\n\nb\n", "a", "", "b"));
    CU_ASSERT(SPLIT_IS("a\n\n", "a", ""));
    CU_ASSERT(SPLIT_IS("\na", "", "a"));
}

static void test_empty_input(void) {
    CU_ASSERT_EQUAL(sr_lines_count("", 0), 0);
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out = { .lines = (sr_str *)&a, .n = 99, .bytes = 99 };
    sr_lines_from_block(&a, "", 0, -1, &out);
    CU_ASSERT_EQUAL(out.n, 0);
    CU_ASSERT_EQUAL(out.bytes, 0);
    CU_ASSERT_PTR_NULL(out.lines);
    sr_arena_free(&a);
}

static void test_nul_bytes(void) {
    static const char data[] = "a\0b\n\0\n\0";
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_lines_from_block(&a, data, sizeof data - 1, -1, &out);
    CU_ASSERT_EQUAL_FATAL(out.n, 3);
    CU_ASSERT(sr_str_eq(out.lines[0], ((sr_str){ "a\0b", 3 })));
    CU_ASSERT(sr_str_eq(out.lines[1], ((sr_str){ "\0", 1 })));
    CU_ASSERT(sr_str_eq(out.lines[2], ((sr_str){ "\0", 1 })));
    CU_ASSERT_EQUAL(out.bytes, 7);
    sr_arena_free(&a);
}

/* Many lines, long and short: the count and the sum of lengths agree. */
static void test_big(void) {
    size_t n = 0, cap = 1 << 20;
    char *p = malloc(cap);
    int64_t lines = 0, chars = 0;
    for (int i = 0; n + 200 < cap; i++) {
        int len = (i * 7919) % 150;
        memset(p + n, 'x', (size_t)len);
        n += (size_t)len;
        chars += len;
        if (i % 3 == 0)
            p[n++] = '\r';
        p[n++] = '\n';
        lines++;
    }
    CU_ASSERT_EQUAL(sr_lines_count(p, n), lines);
    sr_str *out = malloc((size_t)lines * sizeof *out);
    CU_ASSERT_EQUAL(sr_lines_split(p, n, out), lines);
    int64_t sum = 0;
    for (int64_t i = 0; i < lines; i++)
        sum += out[i].len;
    CU_ASSERT_EQUAL(sum, chars);
    free(out);
    free(p);
}

static void test_bad_specs(void) {
    char err[256];
    sr_source_opts opts = { .batch_ms = 1000 };
    sr_source_spec no_host = { .kind = SR_SOURCE_SOCKET, .port = 9999 };
    err[0] = '\0';
    CU_ASSERT_PTR_NULL(sr_source_open(&no_host, &opts, err, sizeof err));
    CU_ASSERT(strstr(err, "host") != NULL);
    sr_source_spec bad_port = { .kind = SR_SOURCE_SOCKET, .host = "localhost", .port = 0 };
    err[0] = '\0';
    CU_ASSERT_PTR_NULL(sr_source_open(&bad_port, &opts, err, sizeof err));
    CU_ASSERT(strstr(err, "port") != NULL);
    sr_source_spec no_dir = { .kind = SR_SOURCE_TEXTFILE };
    err[0] = '\0';
    CU_ASSERT_PTR_NULL(sr_source_open(&no_dir, &opts, err, sizeof err));
    CU_ASSERT(strstr(err, "textFileStream") != NULL);
    sr_source_spec no_qdir = { .kind = SR_SOURCE_QUEUE, .dir = "" };
    CU_ASSERT_PTR_NULL(sr_source_open(&no_qdir, &opts, err, sizeof err));

    sr_source_spec ok = { .kind = SR_SOURCE_SOCKET, .host = "localhost", .port = 9999 };
    sr_source *s = sr_source_open(&ok, &opts, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(sr_source_name(s), "socket localhost:9999");
    /* Never started: stop, take and free are still fine. */
    sr_source_stop(s, true);
    sr_arena a;
    sr_arena_init(&a);
    sr_lines out;
    sr_source_take(s, 1000, &a, &out);
    CU_ASSERT_EQUAL(out.n, 0);
    sr_arena_free(&a);
    sr_source_free(s);
    sr_source_free(NULL);
}

/* Random bytes of a, '\r' and '\n' at random offsets and lengths (the
 * search goes 64 aligned bytes at a time): the lines a byte-by-byte cut
 * gives. */
static void test_random_against_bytes(void) {
    srand(11);
    char *buf = malloc(400);
    for (int round = 0; round < 3000; round++) {
        size_t off = (size_t)(rand() % 64), n = (size_t)(rand() % 300);
        char *p = buf + off;
        for (size_t i = 0; i < n; i++)
            p[i] = round % 2 ? "aaa\r\n"[rand() % 5] : rand() % 80 ? 'a' : '\n'; /* short, long lines */
        sr_str want[301];
        int64_t nwant = 0;
        for (size_t i = 0, start = 0; i <= n; i++) {
            if (i < n && p[i] != '\n')
                continue;
            if (i == n && start == n)
                break;
            int64_t len = (int64_t)(i - start);
            if (len > 0 && p[start + (size_t)len - 1] == '\r')
                len--;
            want[nwant++] = (sr_str){ p + start, len };
            start = i + 1;
        }
        CU_ASSERT_EQUAL_FATAL(sr_lines_count(p, n), nwant);
        sr_str got[301];
        CU_ASSERT_EQUAL_FATAL(sr_lines_split(p, n, got), nwant);
        for (int64_t i = 0; i < nwant; i++)
            CU_ASSERT(got[i].ptr == want[i].ptr && got[i].len == want[i].len);
    }
    free(buf);
}

/* Blocks cut into ranges on a pool (ranges of a few bytes here): the same
 * lines, views into the same bytes, as each block cut alone; also without
 * a pool, and with blocks that are empty or one long line. */
static void test_blocks_on_pool(void) {
    char err[256];
    sr_pool *pool = sr_pool_new(3, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
    size_t saved_min = sr_range_min;
    srand(12);
    char *buf = malloc(4 * 300);
    for (int round = 0; round < 2000; round++) {
        sr_block b[4];
        size_t nblocks = 1 + (size_t)(rand() % 4);
        for (size_t k = 0; k < nblocks; k++) {
            b[k] = (sr_block){ buf + k * 300, (size_t)(rand() % 5 ? rand() % 300 : 0) };
            for (size_t i = 0; i < b[k].n; i++)
                b[k].p[i] = round % 3 == 0 ? "aaa\r\n"[rand() % 5] : round % 3 == 1 ? "a\n"[rand() % 2]
                          : rand() % 150 ? 'a' : '\n';
        }
        sr_arena a;
        sr_arena_init(&a);
        sr_str want[4 * 301];
        int64_t nwant = 0, bytes = 0;
        for (size_t k = 0; k < nblocks; k++) {
            sr_lines one;
            sr_lines_from_block(&a, b[k].p, b[k].n, -1, &one);
            for (int64_t i = 0; i < one.n; i++)
                want[nwant++] = one.lines[i];
            bytes += (int64_t)b[k].n;
        }
        sr_range_min = 1 + (size_t)(rand() % 40);
        sr_lines got;
        sr_lines_from_blocks(round % 4 ? pool : NULL, &a, b, nblocks, &got);
        sr_range_min = saved_min;
        CU_ASSERT_EQUAL_FATAL(got.n, nwant);
        CU_ASSERT_EQUAL(got.bytes, bytes);
        for (int64_t i = 0; i < nwant; i++)
            if (got.lines[i].ptr != want[i].ptr || got.lines[i].len != want[i].len) {
                CU_FAIL("a line differs");
                break;
            }
        sr_arena_free(&a);
    }
    free(buf);
    sr_pool_free(pool);
}

UNIT_SUITE(source_lines,
           { "plain lines", test_plain },
           { "last line without newline", test_no_final_newline },
           { "CRLF line ends", test_crlf },
           { "empty lines are records", test_empty_lines },
           { "empty input", test_empty_input },
           { "NUL bytes inside lines", test_nul_bytes },
           { "a megabyte of lines", test_big },
           { "random bytes: as a byte-by-byte cut", test_random_against_bytes },
           { "blocks cut in ranges on a pool", test_blocks_on_pool },
           { "bad specs and an unstarted source", test_bad_specs })
