/* test_buf.c - byte buffers, Scala/Java toString of Long, Boolean and
 * Double (Double.toString: shortest round-trip digits, Java layout), and
 * java.util.Formatter's conversions (sr_fmt_*). */
#include <CUnit/CUnit.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "streamrt.h"
#include "unit.h"

static int dbl_is(double v, const char *want) {
    sr_buf b = { 0 };
    sr_buf_double(&b, v);
    int ok = b.len == strlen(want) && memcmp(b.ptr, want, b.len) == 0;
    if (!ok)
        fprintf(stderr, "\n  Double.toString(%.17g) = \"%.*s\", expected \"%s\"\n", v, (int)b.len,
                b.ptr, want);
    sr_buf_free(&b);
    return ok;
}

static void test_double(void) {
    volatile double three = 3.0, zero = 0.0;
    CU_ASSERT(dbl_is(0.0, "0.0"));
    CU_ASSERT(dbl_is(-0.0, "-0.0"));
    CU_ASSERT(dbl_is(1.0, "1.0"));
    CU_ASSERT(dbl_is(-1.0, "-1.0"));
    CU_ASSERT(dbl_is(0.1, "0.1"));
    CU_ASSERT(dbl_is(0.2, "0.2"));
    CU_ASSERT(dbl_is(0.1 + 0.2, "0.30000000000000004"));
    CU_ASSERT(dbl_is(0.001, "0.001"));
    CU_ASSERT(dbl_is(0.0015, "0.0015"));
    CU_ASSERT(dbl_is(1.0e-4, "1.0E-4"));
    CU_ASSERT(dbl_is(9.99e-4, "9.99E-4"));
    CU_ASSERT(dbl_is(1.234e-5, "1.234E-5"));
    CU_ASSERT(dbl_is(1234567.0, "1234567.0"));
    CU_ASSERT(dbl_is(9999999.0, "9999999.0"));
    CU_ASSERT(dbl_is(1.0e7, "1.0E7"));
    CU_ASSERT(dbl_is(12345678.0, "1.2345678E7"));
    CU_ASSERT(dbl_is(-1.0e10, "-1.0E10"));
    CU_ASSERT(dbl_is(3.14, "3.14"));
    CU_ASSERT(dbl_is(1 / three, "0.3333333333333333"));
    CU_ASSERT(dbl_is(2 / three, "0.6666666666666666"));
    CU_ASSERT(dbl_is(100.0, "100.0"));
    CU_ASSERT(dbl_is(123.456, "123.456"));
    CU_ASSERT(dbl_is(1e21, "1.0E21"));
    CU_ASSERT(dbl_is(1e22, "1.0E22"));
    CU_ASSERT(dbl_is(1e23, "1.0E23"));
    CU_ASSERT(dbl_is(DBL_MAX, "1.7976931348623157E308"));
    CU_ASSERT(dbl_is(4.9e-324, "4.9E-324"));
    CU_ASSERT(dbl_is(DBL_MIN, "2.2250738585072014E-308"));
    CU_ASSERT(dbl_is(zero / zero, "NaN"));
    CU_ASSERT(dbl_is(1 / zero, "Infinity"));
    CU_ASSERT(dbl_is(-1 / zero, "-Infinity"));
    CU_ASSERT(dbl_is(0.5, "0.5"));
    CU_ASSERT(dbl_is(2.5, "2.5"));
    CU_ASSERT(dbl_is(10.0, "10.0"));
    CU_ASSERT(dbl_is(1.5e300, "1.5E300"));
    CU_ASSERT(dbl_is(123456.789, "123456.789"));
    CU_ASSERT(dbl_is(9007199254740992.0, "9.007199254740992E15"));
    CU_ASSERT(dbl_is(0.01, "0.01"));
    CU_ASSERT(dbl_is(1.1, "1.1"));
    CU_ASSERT(dbl_is(2.0 / 3 * 100, "66.66666666666666"));
    CU_ASSERT(dbl_is(42.0, "42.0"));
    CU_ASSERT(dbl_is(1.0e-3, "0.001"));
    CU_ASSERT(dbl_is(9.999999999999999e-4, "9.999999999999998E-4"));
    CU_ASSERT(dbl_is(4.35, "4.35"));
    CU_ASSERT(dbl_is(2e-3, "0.002"));
    CU_ASSERT(dbl_is(5e-324 * 3, "1.5E-323"));
}

/* Every output parses back to the same double (random bit patterns). */
static void test_double_roundtrip(void) {
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    int bad = 0;
    sr_buf b = { 0 };
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d))
            continue;
        sr_buf_clear(&b);
        sr_buf_double(&b, d);
        sr_buf_char(&b, '\0');
        if (strtod(b.ptr, NULL) != d)
            bad++;
        /* Java layout: one '.', at least one digit after it */
        const char *dot = strchr(b.ptr, '.');
        if (!dot || !(dot[1] >= '0' && dot[1] <= '9'))
            bad++;
    }
    sr_buf_free(&b);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_long_bool(void) {
    sr_buf b = { 0 };
    sr_buf_long(&b, 0);
    sr_buf_char(&b, ' ');
    sr_buf_long(&b, -42);
    sr_buf_char(&b, ' ');
    sr_buf_long(&b, INT64_MAX);
    sr_buf_char(&b, ' ');
    sr_buf_long(&b, INT64_MIN);
    sr_buf_char(&b, ' ');
    sr_buf_bool(&b, true);
    sr_buf_bool(&b, false);
    const char *want = "0 -42 9223372036854775807 -9223372036854775808 truefalse";
    CU_ASSERT_EQUAL(b.len, strlen(want));
    CU_ASSERT_NSTRING_EQUAL(b.ptr, want, strlen(want));
    sr_buf_free(&b);
    CU_ASSERT_PTR_NULL(b.ptr);
}

static void test_buf_growth(void) {
    sr_buf b = { 0 };
    for (int i = 0; i < 10000; i++)
        sr_buf_cstr(&b, "abc");
    CU_ASSERT_EQUAL(b.len, 30000);
    CU_ASSERT(b.cap >= b.len);
    CU_ASSERT_NSTRING_EQUAL(b.ptr + 29997, "abc", 3);
    sr_buf_clear(&b);
    CU_ASSERT_EQUAL(b.len, 0);
    sr_buf_str(&b, SR_LIT("xy"));
    sr_buf_put(&b, NULL, 0);
    CU_ASSERT_EQUAL(b.len, 2);
    sr_buf_free(&b);
    /* past SR_BIG_BLOCK: whole huge pages, every byte kept across the move */
    char piece[1000];
    for (int i = 0; i < 1000; i++)
        piece[i] = (char)('a' + i % 26);
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        sr_buf_put(&b, piece + i % 7, 1000 - i % 7);
        bad += b.cap < b.len;
    }
    CU_ASSERT(b.cap >= ((size_t)2 << 20));
    CU_ASSERT_EQUAL((uintptr_t)b.ptr % ((size_t)2 << 20), 0);
    size_t at = 0;
    for (int i = 0; i < 3000; i++) {
        bad += memcmp(b.ptr + at, piece + i % 7, 1000 - i % 7) != 0;
        at += 1000 - i % 7;
    }
    CU_ASSERT_EQUAL(at, b.len);
    CU_ASSERT_EQUAL(bad, 0);
    sr_buf_free(&b);
}

static void test_to_str(void) {
    sr_arena a;
    sr_arena_init(&a);
    sr_ctx cx = { .arena = &a };
    CU_ASSERT(sr_str_eq(sr_long_to_str(&cx, -1234), SR_LIT("-1234")));
    CU_ASSERT(sr_str_eq(sr_double_to_str(&cx, 1e7), SR_LIT("1.0E7")));
    CU_ASSERT(sr_str_eq(sr_double_to_str(&cx, 0.25), SR_LIT("0.25")));
    CU_ASSERT(sr_str_eq(sr_bool_to_str(true), SR_LIT("true")));
    CU_ASSERT(sr_str_eq(sr_bool_to_str(false), SR_LIT("false")));
    sr_buf b = { 0 };
    sr_buf_cstr(&b, "(a,");
    sr_buf_long(&b, 1);
    sr_buf_char(&b, ')');
    sr_str s = sr_buf_to_str(&cx, &b);
    sr_buf_clear(&b);
    sr_buf_cstr(&b, "zzzz");
    CU_ASSERT(sr_str_eq(s, SR_LIT("(a,1)")));
    sr_buf_clear(&b);
    CU_ASSERT_EQUAL(sr_buf_to_str(&cx, &b).len, 0);
    sr_buf_free(&b);
    sr_arena_free(&a);
}

/* Does the conversion spec (parsed by hand here) of v give `want`? */
static int fmt_is(char conv, int width, int prec, const char *flags, double dv, int64_t lv, const char *sv,
                  const char *want) {
    sr_fmt f = { conv, strchr(flags, '-') != NULL, strchr(flags, '0') != NULL, strchr(flags, ',') != NULL,
                 strchr(flags, '+') != NULL, strchr(flags, ' ') != NULL, width, prec };
    sr_buf b = { 0 };
    if (strchr("feE", conv))
        sr_fmt_double(&b, &f, dv);
    else if (strchr("dxXo", conv))
        sr_fmt_long(&b, &f, lv);
    else
        sr_fmt_str(&b, &f, (sr_str){ sv, (int64_t)strlen(sv) });
    int ok = b.len == strlen(want) && memcmp(b.ptr, want, b.len) == 0;
    if (!ok)
        fprintf(stderr, "\n  %%%s%d.%d%c = \"%.*s\", expected \"%s\"\n", flags, width, prec, conv, (int)b.len,
                b.ptr, want);
    sr_buf_free(&b);
    return ok;
}

/* java.util.Formatter's results (Java 17) */
static void test_format(void) {
    CU_ASSERT(fmt_is('f', -1, 2, "", 1.005, 0, "", "1.01"));   /* half up on Double.toString's digits */
    CU_ASSERT(fmt_is('f', -1, 2, "", 0.125, 0, "", "0.13"));
    CU_ASSERT(fmt_is('f', -1, 0, "", -2.5, 0, "", "-3"));
    CU_ASSERT(fmt_is('f', -1, -1, "", 3.0, 0, "", "3.000000"));
    CU_ASSERT(fmt_is('f', -1, 1, "", 99.96, 0, "", "100.0"));
    CU_ASSERT(fmt_is('f', -1, 3, "", -0.0001, 0, "", "-0.000"));
    CU_ASSERT(fmt_is('f', -1, 2, "", 0.004, 0, "", "0.00"));
    CU_ASSERT(fmt_is('f', -1, 2, "", 0.005, 0, "", "0.01"));
    CU_ASSERT(fmt_is('f', -1, -1, "", 1e20, 0, "", "100000000000000000000.000000"));
    CU_ASSERT(fmt_is('f', 10, 2, "0", -3.14159, 0, "", "-000003.14"));
    CU_ASSERT(fmt_is('f', -1, 2, ",", 1234567.891, 0, "", "1,234,567.89"));
    CU_ASSERT(fmt_is('f', 6, -1, "", NAN, 0, "", "   NaN"));
    CU_ASSERT(fmt_is('f', -1, -1, "", -INFINITY, 0, "", "-Infinity"));
    CU_ASSERT(fmt_is('e', -1, -1, "", 12345.678, 0, "", "1.234568e+04"));
    CU_ASSERT(fmt_is('e', -1, 0, "", 9.5, 0, "", "1e+01"));
    CU_ASSERT(fmt_is('E', -1, 2, "", 0.000123456, 0, "", "1.23E-04"));
    CU_ASSERT(fmt_is('e', -1, -1, "", 0.0, 0, "", "0.000000e+00"));
    CU_ASSERT(fmt_is('e', -1, 1, "", 1e-300, 0, "", "1.0e-300"));
    CU_ASSERT(fmt_is('d', 5, -1, "0", 0, -42, "", "-0042"));
    CU_ASSERT(fmt_is('d', -1, -1, ",", 0, -1234567, "", "-1,234,567"));
    CU_ASSERT(fmt_is('d', -1, -1, "+", 0, 5, "", "+5"));
    CU_ASSERT(fmt_is('d', -1, -1, "", 0, INT64_MIN, "", "-9223372036854775808"));
    CU_ASSERT(fmt_is('x', -1, -1, "", 0, 255, "", "ff"));
    CU_ASSERT(fmt_is('X', -1, -1, "", 0, -1, "", "FFFFFFFFFFFFFFFF"));
    CU_ASSERT(fmt_is('o', -1, -1, "", 0, 8, "", "10"));
    CU_ASSERT(fmt_is('s', 5, -1, "", 0, 0, "ab", "   ab"));
    CU_ASSERT(fmt_is('s', 5, -1, "-", 0, 0, "ab", "ab   "));
    CU_ASSERT(fmt_is('s', -1, 2, "", 0, 0, "h\xc3\xa9llo", "h\xc3\xa9")); /* characters, not bytes */
    CU_ASSERT(fmt_is('s', 3, -1, "", 0, 0, "\xc3\xa9", "  \xc3\xa9"));
    CU_ASSERT(fmt_is('S', -1, -1, "", 0, 0, "abc", "ABC"));
}

UNIT_SUITE(buf,
           { "Double.toString", test_double },
           { "Double.toString round-trips", test_double_roundtrip },
           { "Long and Boolean toString", test_long_bool },
           { "buffer growth", test_buf_growth },
           { "arena strings", test_to_str },
           { "String.format conversions", test_format })
