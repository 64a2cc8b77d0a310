/* test_split_scratch.c - the allocation-free split used by fused flatMaps
 * gives exactly what sr_str_split (Java's String.split) gives. */
#include <stdlib.h>

#include "streamrt.h"
#include "unit.h"

static void same_as_split(const char *text, int64_t len, const char *sep) {
    sr_arena arena;
    sr_arena_init(&arena);
    sr_ctx cx = { .arena = &arena };
    sr_seq scratch = { 0 };
    sr_str s = { text, len }, p = { sep, (int64_t)strlen(sep) };
    sr_seq want = sr_str_split(&cx, s, p);
    sr_seq got = sr_str_split_scratch(&cx, s, p, &scratch);
    CU_ASSERT_EQUAL_FATAL(got.len, want.len);
    for (int64_t i = 0; i < got.len; i++)
        CU_ASSERT(sr_str_eq(SR_SEQ_AT(sr_str, got, i), SR_SEQ_AT(sr_str, want, i)));

    sr_arena_free(&arena);
}

static void test_java_cases(void) {
    const char *cases[] = { "", " ", "   ", "a", "a b", "a  b", " a", "a ", "a b  ", "  a  b  ", "abc" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        same_as_split(cases[i], (int64_t)strlen(cases[i]), " ");
        same_as_split(cases[i], (int64_t)strlen(cases[i]), ",");
        same_as_split(cases[i], (int64_t)strlen(cases[i]), "\\s+");
    }
}

static void test_random_lines(void) {
    srand(42);
    char line[200];
    for (int round = 0; round < 5000; round++) {
        int n = rand() % (int)sizeof line;
        for (int i = 0; i < n; i++)
            line[i] = "ab ,"[rand() % 4];
        same_as_split(line, n, " ");
        same_as_split(line, n, ",");
    }
}

static void test_reuses_its_buffer(void) {
    sr_arena arena;
    sr_arena_init(&arena);
    sr_ctx cx = { .arena = &arena };
    sr_seq scratch = { 0 };
    sr_str_split_scratch(&cx, SR_LIT("a b c d e f"), SR_LIT(" "), &scratch);
    void *buf = scratch.ptr; /* in the arena, kept for the batch */
    size_t before = arena.bytes;
    for (int i = 0; i < 1000; i++)
        sr_str_split_scratch(&cx, SR_LIT("x y z"), SR_LIT(" "), &scratch);
    CU_ASSERT_PTR_EQUAL(scratch.ptr, buf);
    CU_ASSERT_EQUAL(arena.bytes, before); /* nothing allocated per record */

    sr_arena_free(&arena);
}

UNIT_SUITE(split_scratch,
           { "Java cases equal sr_str_split", test_java_cases },
           { "random lines equal sr_str_split", test_random_lines },
           { "reuses its buffer, allocates nothing", test_reuses_its_buffer })
