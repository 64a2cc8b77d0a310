/* test_split_scratch.c - the allocation-free splits used by fused flatMaps
 * (sr_str_split_scratch, and sr_split1 for one-character separators) give
 * exactly what sr_str_split (Java's String.split) gives. */
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
    if (strlen(sep) != 1 || strchr(".$|()[{^?*+\\", sep[0]))
        return;
    /* sr_split1 over an exact-size copy: the sanitizer build catches a
     * read past the end */
    char *exact = malloc(len ? (size_t)len : 1);
    memcpy(exact, text, (size_t)len);
    sr_arena_init(&arena);
    want = sr_str_split(&cx, (sr_str){ exact, len }, p);
    sr_split1 it;
    sr_split1_begin(&it, (sr_str){ exact, len }, sep[0]);
    int64_t k = 0;
    for (sr_str piece; sr_split1_next(&it, &piece); k++)
        CU_ASSERT(k < want.len && sr_str_eq(piece, SR_SEQ_AT(sr_str, want, k)));
    CU_ASSERT_EQUAL(k, want.len);
    sr_arena_free(&arena);
    free(exact);
}

static void test_java_cases(void) {
    const char *cases[] = { "", " ", "   ", "a", "a b", "a  b", " a", "a ", "a b  ", "  a  b  ", "abc" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        same_as_split(cases[i], (int64_t)strlen(cases[i]), " ");
        same_as_split(cases[i], (int64_t)strlen(cases[i]), ",");
        same_as_split(cases[i], (int64_t)strlen(cases[i]), "\\s+");
        same_as_split(cases[i], (int64_t)strlen(cases[i]), "");
        same_as_split(cases[i], (int64_t)strlen(cases[i]), "a ");
    }
}

static void test_random_lines(void) {
    srand(42);
    char line[200];
    for (int round = 0; round < 5000; round++) {
        int n = rand() % (int)sizeof line;
        const char *alphabet = round % 2 ? "ab ," : "abcdefghijklmnopqrstuvwxy ,"; /* short and long pieces */
        for (int i = 0; i < n; i++)
            line[i] = alphabet[rand() % (int)strlen(alphabet)];
        same_as_split(line, n, " ");
        same_as_split(line, n, ",");
        same_as_split(line, n, ", ");
        same_as_split(line, n, "\\s+");
        same_as_split(line, n, "");
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
    /* the same for a regex and for "" (one character each) */
    sr_str_split_scratch(&cx, SR_LIT("a  b\tc d e f g h"), SR_LIT("\\s+"), &scratch);
    sr_str_split_scratch(&cx, SR_LIT("abcdefgh"), SR_LIT(""), &scratch);
    buf = scratch.ptr;
    before = arena.bytes;
    for (int i = 0; i < 1000; i++) {
        sr_str_split_scratch(&cx, SR_LIT("x  y\tz"), SR_LIT("\\s+"), &scratch);
        sr_str_split_scratch(&cx, SR_LIT("xyz"), SR_LIT(""), &scratch);
    }
    CU_ASSERT_PTR_EQUAL(scratch.ptr, buf);
    CU_ASSERT_EQUAL(arena.bytes, before);

    sr_arena_free(&arena);
}

UNIT_SUITE(split_scratch,
           { "Java cases equal sr_str_split", test_java_cases },
           { "random lines equal sr_str_split", test_random_lines },
           { "reuses its buffer, allocates nothing", test_reuses_its_buffer })
