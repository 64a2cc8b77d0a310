/* test_codec.c - the checkpoint encoding (streamrt.h "Checkpoint encoding",
 * codec.c): exact bytes and round trips of edge values, and that a decoder
 * never reads past `end` and sets `bad` on every truncation of a valid
 * encoding, an over-long varint, a bool byte > 1, a count larger than the
 * bytes left; a padded (non-minimal) 10-byte varint still decodes. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "unit.h"

/* ===================================================================== */
/* Helpers                                                                */
/* ===================================================================== */

/* A heap copy of exactly n bytes (so ASan sees any read past the end). */
static char *exact_copy(const char *p, size_t n) {
    char *c = malloc(n ? n : 1);
    if (n)
        memcpy(c, p, n);
    return c;
}

static bool bytes_are(const sr_buf *b, const char *want, size_t n) {
    return b->len == n && memcmp(b->ptr, want, n) == 0;
}

static uint64_t bits_of(double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double double_of(uint64_t u) {
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* ===================================================================== */
/* Exact bytes                                                            */
/* ===================================================================== */

static void test_exact_bytes(void) {
    sr_buf b = { 0 };
    sr_enc_u64(&b, 0);
    CU_ASSERT(bytes_are(&b, "\x00", 1));
    sr_buf_clear(&b);
    sr_enc_u64(&b, 1);
    CU_ASSERT(bytes_are(&b, "\x01", 1));
    sr_buf_clear(&b);
    sr_enc_u64(&b, 127);
    CU_ASSERT(bytes_are(&b, "\x7f", 1));
    sr_buf_clear(&b);
    sr_enc_u64(&b, 128);
    CU_ASSERT(bytes_are(&b, "\x80\x01", 2));
    sr_buf_clear(&b);
    sr_enc_u64(&b, 300);
    CU_ASSERT(bytes_are(&b, "\xac\x02", 2));
    sr_buf_clear(&b);
    sr_enc_u64(&b, UINT64_MAX);
    CU_ASSERT(bytes_are(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10));

    /* zigzag */
    sr_buf_clear(&b);
    sr_enc_i64(&b, 0);
    CU_ASSERT(bytes_are(&b, "\x00", 1));
    sr_buf_clear(&b);
    sr_enc_i64(&b, -1);
    CU_ASSERT(bytes_are(&b, "\x01", 1));
    sr_buf_clear(&b);
    sr_enc_i64(&b, 1);
    CU_ASSERT(bytes_are(&b, "\x02", 1));
    sr_buf_clear(&b);
    sr_enc_i64(&b, -64);
    CU_ASSERT(bytes_are(&b, "\x7f", 1));
    sr_buf_clear(&b);
    sr_enc_i64(&b, 64);
    CU_ASSERT(bytes_are(&b, "\x80\x01", 2));
    sr_buf_clear(&b);
    sr_enc_i64(&b, INT64_MAX);
    CU_ASSERT(bytes_are(&b, "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10));
    sr_buf_clear(&b);
    sr_enc_i64(&b, INT64_MIN);
    CU_ASSERT(bytes_are(&b, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10));

    /* doubles: 8 bytes little-endian */
    sr_buf_clear(&b);
    sr_enc_f64(&b, 1.0);
    CU_ASSERT(bytes_are(&b, "\x00\x00\x00\x00\x00\x00\xf0\x3f", 8));
    sr_buf_clear(&b);
    sr_enc_f64(&b, -0.0);
    CU_ASSERT(bytes_are(&b, "\x00\x00\x00\x00\x00\x00\x00\x80", 8));

    /* bools */
    sr_buf_clear(&b);
    sr_enc_bool(&b, false);
    sr_enc_bool(&b, true);
    CU_ASSERT(bytes_are(&b, "\x00\x01", 2));

    /* strings: null 0, "" 1, "ab" 3 'a' 'b' */
    sr_buf_clear(&b);
    sr_enc_str(&b, (sr_str){ NULL, 0 });
    CU_ASSERT(bytes_are(&b, "\x00", 1));
    sr_buf_clear(&b);
    sr_enc_str(&b, (sr_str){ "", 0 });
    CU_ASSERT(bytes_are(&b, "\x01", 1));
    sr_buf_clear(&b);
    sr_enc_str(&b, SR_LIT("ab"));
    CU_ASSERT(bytes_are(&b, "\x03" "ab", 3));
    sr_buf_clear(&b);
    sr_enc_str(&b, (sr_str){ "a\0b", 3 });
    CU_ASSERT(bytes_are(&b, "\x04" "a\0b", 4));
    sr_buf_free(&b);
}

/* ===================================================================== */
/* Round trips                                                            */
/* ===================================================================== */

static const uint64_t u64_values[] = {
    0, 1, 2, 63, 64, 127, 128, 129, 255, 256, 16383, 16384, 16385,
    (1u << 21) - 1, 1u << 21, (uint64_t)1 << 28, ((uint64_t)1 << 35) - 1,
    (uint64_t)1 << 56, ((uint64_t)1 << 63) - 1, (uint64_t)1 << 63,
    UINT64_MAX - 1, UINT64_MAX,
};

static const int64_t i64_values[] = {
    0, 1, -1, 2, -2, 63, -63, 64, -64, 65, -65, 127, -127, 128, -128,
    1588950520000, -1588950520000, INT32_MAX, INT32_MIN,
    (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1,
    INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_roundtrip_ints(void) {
    sr_buf b = { 0 };
    for (size_t i = 0; i < N_OF(u64_values); i++)
        sr_enc_u64(&b, u64_values[i]);
    for (size_t i = 0; i < N_OF(i64_values); i++)
        sr_enc_i64(&b, i64_values[i]);
    char *copy = exact_copy(b.ptr, b.len);
    sr_dec d = { copy, copy + b.len, false };
    for (size_t i = 0; i < N_OF(u64_values); i++) {
        uint64_t v = sr_dec_u64(&d);
        CU_ASSERT_EQUAL(v, u64_values[i]);
        if (v != u64_values[i])
            fprintf(stderr, "\nu64 #%zu: got %llu want %llu\n", i, (unsigned long long)v,
                    (unsigned long long)u64_values[i]);
    }
    for (size_t i = 0; i < N_OF(i64_values); i++) {
        int64_t v = sr_dec_i64(&d);
        CU_ASSERT_EQUAL(v, i64_values[i]);
        if (v != i64_values[i])
            fprintf(stderr, "\ni64 #%zu: got %lld want %lld\n", i, (long long)v, (long long)i64_values[i]);
    }
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_PTR_EQUAL(d.p, d.end);
    free(copy);

    /* every single value alone: the encoding is minimal and consumed whole */
    for (size_t i = 0; i < N_OF(u64_values); i++) {
        sr_buf_clear(&b);
        sr_enc_u64(&b, u64_values[i]);
        size_t want_len = 1;
        for (uint64_t v = u64_values[i]; v >= 0x80; v >>= 7)
            want_len++;
        CU_ASSERT_EQUAL(b.len, want_len);
        sr_dec d1 = { b.ptr, b.ptr + b.len, false };
        CU_ASSERT_EQUAL(sr_dec_u64(&d1), u64_values[i]);
        CU_ASSERT_FALSE(d1.bad);
        CU_ASSERT_PTR_EQUAL(d1.p, d1.end);
    }
    sr_buf_free(&b);
}

static void test_roundtrip_doubles(void) {
    const uint64_t bit_values[] = {
        0x0000000000000000ull, /* 0.0 */
        0x8000000000000000ull, /* -0.0 */
        0x3ff0000000000000ull, /* 1.0 */
        0xbff0000000000000ull, /* -1.0 */
        0x7ff0000000000000ull, /* Infinity */
        0xfff0000000000000ull, /* -Infinity */
        0x7ff8000000000000ull, /* quiet NaN */
        0xfff8000000000001ull, /* negative NaN with payload */
        0x7ff8000000abcdefull, /* quiet NaN with payload */
        0x7ff0000000000001ull, /* signaling NaN */
        0x0000000000000001ull, /* smallest subnormal */
        0x000fffffffffffffull, /* largest subnormal */
        0x0010000000000000ull, /* DBL_MIN */
        0x7fefffffffffffffull, /* DBL_MAX */
        0x3fb999999999999aull, /* 0.1 */
        0x0123456789abcdefull,
    };
    sr_buf b = { 0 };
    for (size_t i = 0; i < N_OF(bit_values); i++)
        sr_enc_f64(&b, double_of(bit_values[i]));
    CU_ASSERT_EQUAL(b.len, 8 * N_OF(bit_values));
    char *copy = exact_copy(b.ptr, b.len);
    sr_dec d = { copy, copy + b.len, false };
    for (size_t i = 0; i < N_OF(bit_values); i++) {
        uint64_t got = bits_of(sr_dec_f64(&d));
        CU_ASSERT_EQUAL(got, bit_values[i]);
        if (got != bit_values[i])
            fprintf(stderr, "\nf64 #%zu: got %016llx want %016llx\n", i, (unsigned long long)got,
                    (unsigned long long)bit_values[i]);
    }
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_PTR_EQUAL(d.p, d.end);
    free(copy);

    /* the values themselves */
    sr_buf_clear(&b);
    sr_enc_f64(&b, -0.0);
    sr_enc_f64(&b, INFINITY);
    sr_enc_f64(&b, -INFINITY);
    sr_enc_f64(&b, NAN);
    sr_enc_f64(&b, 3.141592653589793);
    sr_dec d2 = { b.ptr, b.ptr + b.len, false };
    double z = sr_dec_f64(&d2);
    CU_ASSERT(z == 0.0 && signbit(z));
    double inf = sr_dec_f64(&d2);
    CU_ASSERT(isinf(inf) && inf > 0);
    double ninf = sr_dec_f64(&d2);
    CU_ASSERT(isinf(ninf) && ninf < 0);
    CU_ASSERT(isnan(sr_dec_f64(&d2)));
    CU_ASSERT_EQUAL(sr_dec_f64(&d2), 3.141592653589793);
    CU_ASSERT_FALSE(d2.bad);
    CU_ASSERT_PTR_EQUAL(d2.p, d2.end);
    sr_buf_free(&b);
}

static void test_roundtrip_bools(void) {
    sr_buf b = { 0 };
    sr_enc_bool(&b, true);
    sr_enc_bool(&b, false);
    sr_enc_bool(&b, true);
    sr_dec d = { b.ptr, b.ptr + b.len, false };
    CU_ASSERT_TRUE(sr_dec_bool(&d));
    CU_ASSERT_FALSE(sr_dec_bool(&d));
    CU_ASSERT_TRUE(sr_dec_bool(&d));
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_PTR_EQUAL(d.p, d.end);
    sr_buf_free(&b);
}

static void test_roundtrip_strings(void) {
    sr_arena a;
    sr_arena_init(&a);
    sr_buf b = { 0 };
    sr_enc_str(&b, (sr_str){ NULL, 0 });        /* null */
    sr_enc_str(&b, (sr_str){ "", 0 });          /* empty */
    sr_enc_str(&b, (sr_str){ "x\0y\0", 4 });    /* NUL bytes */
    sr_enc_str(&b, (sr_str){ "\0", 1 });
    sr_enc_str(&b, SR_LIT("héllo wörld"));
    char s127[127], s128[128]; /* length + 1 crosses one varint byte */
    memset(s127, 'q', sizeof s127);
    memset(s128, 'r', sizeof s128);
    sr_enc_str(&b, (sr_str){ s127, 126 });
    sr_enc_str(&b, (sr_str){ s127, 127 });
    sr_enc_str(&b, (sr_str){ s128, 128 });
    sr_enc_str(&b, (sr_str){ NULL, 0 });        /* null again, last */

    char *copy = exact_copy(b.ptr, b.len);
    sr_dec d = { copy, copy + b.len, false };
    sr_str s = sr_dec_str(&d, &a);
    CU_ASSERT_PTR_NULL(s.ptr);
    CU_ASSERT_EQUAL(s.len, 0);
    s = sr_dec_str(&d, &a);
    CU_ASSERT_PTR_NOT_NULL(s.ptr); /* empty is not null */
    CU_ASSERT_EQUAL(s.len, 0);
    s = sr_dec_str(&d, &a);
    CU_ASSERT(s.len == 4 && memcmp(s.ptr, "x\0y\0", 4) == 0);
    s = sr_dec_str(&d, &a);
    CU_ASSERT(s.len == 1 && s.ptr && s.ptr[0] == '\0');
    s = sr_dec_str(&d, &a);
    CU_ASSERT(sr_str_eq(s, SR_LIT("héllo wörld")));
    s = sr_dec_str(&d, &a);
    CU_ASSERT(s.len == 126 && memcmp(s.ptr, s127, 126) == 0);
    s = sr_dec_str(&d, &a);
    CU_ASSERT(s.len == 127 && memcmp(s.ptr, s127, 127) == 0);
    s = sr_dec_str(&d, &a);
    CU_ASSERT(s.len == 128 && memcmp(s.ptr, s128, 128) == 0);
    s = sr_dec_str(&d, &a);
    CU_ASSERT_PTR_NULL(s.ptr);
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_PTR_EQUAL(d.p, d.end);
    /* the decoded strings are copies in the arena, not views of the input */
    free(copy);
    sr_arena_free(&a);
    sr_buf_free(&b);
}

static void test_big_string(void) {
    size_t n = 1 << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i * 131 + (i >> 8)); /* every byte value, NULs too */
    sr_arena a;
    sr_arena_init(&a);
    sr_buf b = { 0 };
    sr_enc_str(&b, (sr_str){ big, (int64_t)n });
    sr_enc_u64(&b, 42);
    CU_ASSERT_EQUAL(b.len, 3 + n + 1); /* n + 1 = 2^20 + 1 takes 3 varint bytes */
    sr_dec d = { b.ptr, b.ptr + b.len, false };
    sr_str s = sr_dec_str(&d, &a);
    CU_ASSERT_EQUAL(s.len, (int64_t)n);
    CU_ASSERT(s.ptr && memcmp(s.ptr, big, n) == 0);
    CU_ASSERT_EQUAL(sr_dec_u64(&d), 42);
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_PTR_EQUAL(d.p, d.end);

    /* one byte short of the 1 MB body: bad, p clamped to end */
    sr_dec t = { b.ptr, b.ptr + 3 + n - 1, false };
    s = sr_dec_str(&t, &a);
    CU_ASSERT_TRUE(t.bad);
    CU_ASSERT_PTR_NULL(s.ptr);
    CU_ASSERT_EQUAL(s.len, 0);
    CU_ASSERT(t.p <= t.end);
    sr_arena_free(&a);
    sr_buf_free(&b);
    free(big);
}

/* ===================================================================== */
/* Truncation: every prefix of a valid encoding is bad                     */
/* ===================================================================== */

/* One value of each kind, in a fixed order; decode_mixed reads them all
 * back and returns true if every value came back right. */
static const char mixed_str[] = "mixed\0string with a NUL";

static void encode_mixed(sr_buf *b) {
    sr_enc_u64(b, 0);
    sr_enc_u64(b, UINT64_MAX);
    sr_enc_i64(b, INT64_MIN);
    sr_enc_i64(b, -1);
    sr_enc_f64(b, -0.0);
    sr_enc_bool(b, true);
    sr_enc_str(b, (sr_str){ NULL, 0 });
    sr_enc_str(b, (sr_str){ "", 0 });
    sr_enc_str(b, (sr_str){ mixed_str, (int64_t)sizeof mixed_str - 1 });
    sr_enc_u64(b, 128);
    sr_enc_f64(b, INFINITY);
    sr_enc_bool(b, false);
    sr_enc_u64(b, 3); /* a count: three bytes follow */
    sr_enc_bool(b, true);
    sr_enc_bool(b, false);
    sr_enc_bool(b, true);
    sr_enc_i64(b, INT64_MAX);
}

static bool decode_mixed(sr_dec *d, sr_arena *a) {
    bool ok = true;
    ok &= sr_dec_u64(d) == 0;
    ok &= sr_dec_u64(d) == UINT64_MAX;
    ok &= sr_dec_i64(d) == INT64_MIN;
    ok &= sr_dec_i64(d) == -1;
    ok &= bits_of(sr_dec_f64(d)) == 0x8000000000000000ull;
    ok &= sr_dec_bool(d) == true;
    ok &= sr_dec_str(d, a).ptr == NULL;
    sr_str e = sr_dec_str(d, a);
    ok &= e.ptr != NULL && e.len == 0;
    sr_str m = sr_dec_str(d, a);
    ok &= m.len == (int64_t)sizeof mixed_str - 1 && memcmp(m.ptr, mixed_str, sizeof mixed_str - 1) == 0;
    ok &= sr_dec_u64(d) == 128;
    ok &= isinf(sr_dec_f64(d));
    ok &= sr_dec_bool(d) == false;
    int64_t n = sr_dec_count(d);
    ok &= n == 3;
    for (int64_t i = 0; i < n; i++)
        ok &= sr_dec_bool(d) == (i != 1);
    ok &= sr_dec_i64(d) == INT64_MAX;
    return ok;
}

static void test_every_truncation(void) {
    sr_arena a;
    sr_arena_init(&a);
    sr_buf b = { 0 };
    encode_mixed(&b);

    /* whole: every value back, nothing left */
    char *copy = exact_copy(b.ptr, b.len);
    sr_dec d = { copy, copy + b.len, false };
    CU_ASSERT_TRUE(decode_mixed(&d, &a));
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_PTR_EQUAL(d.p, d.end);
    free(copy);

    /* every shorter prefix: bad, and no read past the end (ASan: the copy
     * is exactly k bytes) */
    int not_bad = 0, overrun = 0;
    for (size_t k = 0; k < b.len; k++) {
        copy = exact_copy(b.ptr, k);
        sr_dec t = { copy, copy + k, false };
        decode_mixed(&t, &a);
        if (!t.bad) {
            not_bad++;
            fprintf(stderr, "\nprefix of %zu of %zu bytes decoded without bad\n", k, b.len);
        }
        if (t.p < copy || t.p > t.end)
            overrun++;
        free(copy);
        sr_arena_reset(&a);
    }
    CU_ASSERT_EQUAL(not_bad, 0);
    CU_ASSERT_EQUAL(overrun, 0);
    sr_arena_free(&a);
    sr_buf_free(&b);
}

/* Each decoder alone, on every prefix of its own encoding. */
static void test_truncation_each_kind(void) {
    sr_arena a;
    sr_arena_init(&a);
    sr_buf b = { 0 };
    int fails = 0;

    for (size_t i = 0; i < N_OF(u64_values); i++) {
        sr_buf_clear(&b);
        sr_enc_u64(&b, u64_values[i]);
        for (size_t k = 0; k < b.len; k++) {
            char *c = exact_copy(b.ptr, k);
            sr_dec t = { c, c + k, false };
            uint64_t v = sr_dec_u64(&t);
            fails += !t.bad || v != 0 || t.p > t.end;
            free(c);
        }
    }
    for (size_t i = 0; i < N_OF(i64_values); i++) {
        sr_buf_clear(&b);
        sr_enc_i64(&b, i64_values[i]);
        for (size_t k = 0; k < b.len; k++) {
            char *c = exact_copy(b.ptr, k);
            sr_dec t = { c, c + k, false };
            int64_t v = sr_dec_i64(&t);
            fails += !t.bad || v != 0 || t.p > t.end;
            free(c);
        }
    }
    sr_buf_clear(&b);
    sr_enc_f64(&b, -1.5);
    for (size_t k = 0; k < b.len; k++) {
        char *c = exact_copy(b.ptr, k);
        sr_dec t = { c, c + k, false };
        double v = sr_dec_f64(&t);
        fails += !t.bad || bits_of(v) != 0 || t.p != t.end;
        free(c);
    }
    /* bool: the empty input */
    {
        sr_dec t = { NULL, NULL, false };
        bool v = sr_dec_bool(&t);
        fails += !t.bad || v;
    }
    /* strings of lengths around a varint byte boundary */
    const int64_t lens[] = { 0, 1, 2, 126, 127, 128, 300 };
    char text[300];
    memset(text, 'z', sizeof text);
    for (size_t i = 0; i < N_OF(lens); i++) {
        sr_buf_clear(&b);
        sr_enc_str(&b, (sr_str){ text, lens[i] });
        for (size_t k = 0; k < b.len; k++) {
            char *c = exact_copy(b.ptr, k);
            sr_dec t = { c, c + k, false };
            sr_str s = sr_dec_str(&t, &a);
            fails += !t.bad || s.ptr != NULL || s.len != 0 || t.p > t.end;
            free(c);
        }
    }
    /* a bad decoder stays bad: later values are zeros */
    {
        static const char cont[1] = { (char)0x80 };
        sr_dec t = { cont, cont + 1, false };
        (void)sr_dec_u64(&t);
        CU_ASSERT_TRUE(t.bad);
        CU_ASSERT_EQUAL(sr_dec_u64(&t), 0);
        CU_ASSERT_EQUAL(bits_of(sr_dec_f64(&t)), 0);
        CU_ASSERT_FALSE(sr_dec_bool(&t));
        CU_ASSERT_PTR_NULL(sr_dec_str(&t, &a).ptr);
        CU_ASSERT_TRUE(t.bad);
    }
    CU_ASSERT_EQUAL(fails, 0);
    sr_arena_free(&a);
    sr_buf_free(&b);
}

/* ===================================================================== */
/* Impossible values                                                      */
/* ===================================================================== */

static void test_overlong_varint(void) {
    char over[11];
    memset(over, 0x80, sizeof over);
    char *c = exact_copy(over, sizeof over);
    sr_dec d = { c, c + sizeof over, false };
    CU_ASSERT_EQUAL(sr_dec_u64(&d), 0);
    CU_ASSERT_TRUE(d.bad);
    CU_ASSERT(d.p <= d.end);
    free(c);

    /* 11 bytes with a terminator in the 11th: still too long */
    char over2[11];
    memset(over2, 0x81, 10);
    over2[10] = 0x00;
    c = exact_copy(over2, sizeof over2);
    sr_dec d2 = { c, c + sizeof over2, false };
    CU_ASSERT_EQUAL(sr_dec_u64(&d2), 0);
    CU_ASSERT_TRUE(d2.bad);
    free(c);

    /* the same through i64 and as a string length */
    c = exact_copy(over, sizeof over);
    sr_dec d3 = { c, c + sizeof over, false };
    CU_ASSERT_EQUAL(sr_dec_i64(&d3), 0);
    CU_ASSERT_TRUE(d3.bad);
    sr_arena a;
    sr_arena_init(&a);
    sr_dec d4 = { c, c + sizeof over, false };
    CU_ASSERT_PTR_NULL(sr_dec_str(&d4, &a).ptr);
    CU_ASSERT_TRUE(d4.bad);
    sr_arena_free(&a);
    free(c);
}

/* blob_end in recovery.c writes a length as a 10-byte varint padded with
 * continuation bytes (non-minimal LEB128): it must decode like the
 * minimal one. */
static void pad10(char *p, uint64_t v) {
    for (int i = 0; i < 9; i++, v >>= 7)
        p[i] = (char)((v & 0x7f) | 0x80);
    p[9] = (char)v;
}

static void test_padded_varint(void) {
    const uint64_t vals[] = { 0, 1, 5, 127, 128, 1000, (uint64_t)1 << 20, ((uint64_t)1 << 63) - 1,
                              (uint64_t)1 << 63, UINT64_MAX };
    for (size_t i = 0; i < N_OF(vals); i++) {
        char p[10];
        pad10(p, vals[i]);
        char *c = exact_copy(p, 10);
        sr_dec d = { c, c + 10, false };
        uint64_t v = sr_dec_u64(&d);
        CU_ASSERT_EQUAL(v, vals[i]);
        CU_ASSERT_FALSE(d.bad);
        CU_ASSERT_PTR_EQUAL(d.p, d.end);
        free(c);
        /* and every prefix of it is bad */
        for (size_t k = 0; k < 10; k++) {
            c = exact_copy(p, k);
            sr_dec t = { c, c + k, false };
            (void)sr_dec_u64(&t);
            CU_ASSERT_TRUE(t.bad);
            free(c);
        }
    }

    /* as blob_end uses it: a string whose length prefix is padded */
    sr_buf b = { 0 };
    char p[10];
    const char body[] = "blob\0body";
    pad10(p, sizeof body - 1 + 1);
    sr_buf_put(&b, p, 10);
    sr_buf_put(&b, body, sizeof body - 1);
    sr_enc_u64(&b, 7);
    sr_arena a;
    sr_arena_init(&a);
    sr_dec d = { b.ptr, b.ptr + b.len, false };
    sr_str s = sr_dec_str(&d, &a);
    CU_ASSERT(s.len == (int64_t)sizeof body - 1 && memcmp(s.ptr, body, sizeof body - 1) == 0);
    CU_ASSERT_EQUAL(sr_dec_u64(&d), 7);
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_PTR_EQUAL(d.p, d.end);
    sr_arena_free(&a);
    sr_buf_free(&b);
}

static void test_bad_bool(void) {
    const char bytes[] = { 0, 1, 2, (char)0xff, (char)0x80 };
    sr_dec d = { bytes, bytes + 2, false };
    CU_ASSERT_FALSE(sr_dec_bool(&d));
    CU_ASSERT_TRUE(sr_dec_bool(&d));
    CU_ASSERT_FALSE(d.bad);
    for (int i = 2; i < 5; i++) {
        sr_dec t = { bytes + i, bytes + i + 1, false };
        CU_ASSERT_FALSE(sr_dec_bool(&t));
        CU_ASSERT_TRUE(t.bad);
        CU_ASSERT(t.p <= t.end);
    }
}

static void test_count_bounds(void) {
    sr_buf b = { 0 };
    /* count 3 with exactly 3 bytes after it: fine */
    sr_enc_u64(&b, 3);
    sr_buf_put(&b, "abc", 3);
    char *c = exact_copy(b.ptr, b.len);
    sr_dec d = { c, c + b.len, false };
    CU_ASSERT_EQUAL(sr_dec_count(&d), 3);
    CU_ASSERT_FALSE(d.bad);
    CU_ASSERT_EQUAL(d.end - d.p, 3);
    free(c);
    /* count 4 with 3 bytes: bad, 0 */
    sr_buf_clear(&b);
    sr_enc_u64(&b, 4);
    sr_buf_put(&b, "abc", 3);
    c = exact_copy(b.ptr, b.len);
    sr_dec d2 = { c, c + b.len, false };
    CU_ASSERT_EQUAL(sr_dec_count(&d2), 0);
    CU_ASSERT_TRUE(d2.bad);
    CU_ASSERT(d2.p <= d2.end);
    free(c);
    /* count 0 with nothing after it: fine */
    sr_buf_clear(&b);
    sr_enc_u64(&b, 0);
    c = exact_copy(b.ptr, b.len);
    sr_dec d3 = { c, c + b.len, false };
    CU_ASSERT_EQUAL(sr_dec_count(&d3), 0);
    CU_ASSERT_FALSE(d3.bad);
    free(c);
    /* huge counts: bad, never negative */
    const uint64_t huge[] = { UINT64_MAX, (uint64_t)1 << 63, (uint64_t)INT64_MAX, (uint64_t)1 << 40 };
    for (size_t i = 0; i < N_OF(huge); i++) {
        sr_buf_clear(&b);
        sr_enc_u64(&b, huge[i]);
        sr_buf_put(&b, "0123456789", 10);
        c = exact_copy(b.ptr, b.len);
        sr_dec t = { c, c + b.len, false };
        int64_t n = sr_dec_count(&t);
        CU_ASSERT_EQUAL(n, 0);
        CU_ASSERT_TRUE(t.bad);
        free(c);
    }
    /* a truncated count */
    static const char ff[1] = { (char)0xff };
    sr_dec t = { ff, ff + 1, false };
    CU_ASSERT_EQUAL(sr_dec_count(&t), 0);
    CU_ASSERT_TRUE(t.bad);
    sr_buf_free(&b);
}

/* A string length larger than the bytes left, incl. lengths that overflow
 * when 1 is subtracted or that do not fit int64_t. */
static void test_string_length_bounds(void) {
    sr_arena a;
    sr_arena_init(&a);
    const uint64_t lens[] = { 5, 6, 100, (uint64_t)INT64_MAX, (uint64_t)1 << 63, UINT64_MAX };
    for (size_t i = 0; i < N_OF(lens); i++) {
        sr_buf b = { 0 };
        sr_enc_u64(&b, lens[i]);
        sr_buf_put(&b, "abc", 3); /* 3 bytes, a length + 1 of 4 would fit */
        char *c = exact_copy(b.ptr, b.len);
        sr_dec d = { c, c + b.len, false };
        sr_str s = sr_dec_str(&d, &a);
        CU_ASSERT_TRUE(d.bad);
        CU_ASSERT_PTR_NULL(s.ptr);
        CU_ASSERT_EQUAL(s.len, 0);
        CU_ASSERT(d.p <= d.end);
        free(c);
        sr_buf_free(&b);
    }
    /* the largest that fits: length + 1 = 4 */
    static const char fits[4] = { 4, 'a', 'b', 'c' };
    sr_dec ok = { fits, fits + 4, false };
    sr_str s = sr_dec_str(&ok, &a);
    CU_ASSERT(sr_str_eq(s, SR_LIT("abc")));
    CU_ASSERT_FALSE(ok.bad);
    sr_arena_free(&a);
}

/* A 10th byte carrying bits past the 64th is an impossible value. */
static void test_tenth_byte_bits(void) {
    const char over[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
    const char zero[] = "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02";
    const char max[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
    sr_dec d = { over, over + 10, false };
    sr_dec_u64(&d);
    CU_ASSERT_TRUE(d.bad);
    d = (sr_dec){ zero, zero + 10, false };
    sr_dec_u64(&d);
    CU_ASSERT_TRUE(d.bad);
    d = (sr_dec){ max, max + 10, false };
    CU_ASSERT_EQUAL(sr_dec_u64(&d), UINT64_MAX);
    CU_ASSERT_FALSE(d.bad);
}

UNIT_SUITE(codec,
           { "10th byte with bits past 64 is bad", test_tenth_byte_bits },
           { "exact bytes", test_exact_bytes },
           { "integer round trips", test_roundtrip_ints },
           { "double round trips (bits)", test_roundtrip_doubles },
           { "bool round trips", test_roundtrip_bools },
           { "string round trips: null, empty, NULs", test_roundtrip_strings },
           { "1 MB string", test_big_string },
           { "every truncation of a mixed encoding is bad", test_every_truncation },
           { "every truncation of each kind is bad", test_truncation_each_kind },
           { "over-long varint is bad", test_overlong_varint },
           { "padded 10-byte varint decodes", test_padded_varint },
           { "bool byte > 1 is bad", test_bad_bool },
           { "count larger than the bytes left is bad", test_count_bounds },
           { "string length larger than the bytes left is bad", test_string_length_bounds })
