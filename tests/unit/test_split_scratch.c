/* test_split_scratch.c - the splits (sr_str_split, the allocation-free
 * sr_str_split_scratch of fused flatMaps, and sr_split1 for one plain
 * character) give what Java's String.split gives: for one plain character,
 * as a byte-by-byte reference split; otherwise as sr_str_split's general
 * path (the regex subset). */
#include <stdlib.h>

#include "streamrt.h"
#include "unit.h"

/* Java's split around one plain character, byte by byte: the reference
 * for the fast paths (which all walk sr_split1). */
static sr_seq naive_split1(sr_ctx *cx, sr_str s, char c) {
    sr_seq out = { 0 };
    int64_t start = 0;
    for (int64_t i = 0; i <= s.len; i++)
        if (i == s.len || s.ptr[i] == c) {
            *(sr_str *)sr_seq_push(cx->arena, &out, sizeof(sr_str)) = (sr_str){ s.ptr + start, i - start };
            start = i + 1;
        }
    if (out.len > 1 || s.len > 0) /* "" gives [""]; else trailing empties go */
        while (out.len > 0 && SR_SEQ_AT(sr_str, out, out.len - 1).len == 0)
            out.len--;
    return out;
}

static void same_as_split(const char *text, int64_t len, const char *sep) {
    sr_arena arena;
    sr_arena_init(&arena);
    sr_ctx cx = { .arena = &arena };
    sr_seq scratch = { 0 };
    sr_str s = { text, len }, p = { sep, (int64_t)strlen(sep) };
    bool plain1 = strlen(sep) == 1 && !strchr(".$|()[{^?*+\\", sep[0]);
    sr_seq want = plain1 ? naive_split1(&cx, s, sep[0]) : sr_str_split(&cx, s, p);
    if (plain1) {
        sr_seq split = sr_str_split(&cx, s, p);
        CU_ASSERT_EQUAL_FATAL(split.len, want.len);
        for (int64_t i = 0; i < split.len; i++)
            CU_ASSERT(sr_str_eq(SR_SEQ_AT(sr_str, split, i), SR_SEQ_AT(sr_str, want, i)));
    }
    sr_seq got = sr_str_split_scratch(&cx, s, p, &scratch);
    CU_ASSERT_EQUAL_FATAL(got.len, want.len);
    for (int64_t i = 0; i < got.len; i++)
        CU_ASSERT(sr_str_eq(SR_SEQ_AT(sr_str, got, i), SR_SEQ_AT(sr_str, want, i)));

    if (!plain1) {
        sr_arena_free(&arena);
        return;
    }
    /* sr_split1 over an exact-size copy at a random alignment: its pieces
     * never take a byte from outside the string (its aligned blocks may
     * read past the end, within the page) */
    char *exact = malloc(len ? (size_t)len : 1);
    memcpy(exact, text, (size_t)len);
    want = naive_split1(&cx, (sr_str){ exact, len }, sep[0]);
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
        if (round % 3 == 0) /* pieces longer than a 64-byte block */
            for (int i = 0; i < n; i++)
                line[i] = rand() % 90 ? 'a' + rand() % 26 : rand() % 2 ? ' ' : ',';
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

/* The SSE2 block mask (where there is one) and the portable one agree with
 * a byte-by-byte comparison. */
static void test_block_masks(void) {
    _Alignas(64) char block[64];
    srand(7);
    for (int round = 0; round < 2000; round++) {
        for (int i = 0; i < 64; i++)
            block[i] = " \n,a\xff\x80"[rand() % 6];
        for (const char *b = " \n,\xff\x80"; *b; b++) {
            uint64_t want = 0;
            for (int i = 0; i < 64; i++)
                want |= (uint64_t)(block[i] == *b) << i;
            CU_ASSERT_EQUAL(sr_block_mask(block, (unsigned char)*b), want);
            CU_ASSERT_EQUAL(sr_block_mask_swar(block, (unsigned char)*b), want);
        }
    }
}

UNIT_SUITE(split_scratch,
           { "block masks: SSE2 and portable", test_block_masks },
           { "Java cases equal sr_str_split", test_java_cases },
           { "random lines equal sr_str_split", test_random_lines },
           { "reuses its buffer, allocates nothing", test_reuses_its_buffer })
