/* buf.c - growable byte buffers and Scala's toString of scalars.
 *
 * sr_buf is malloc-backed and meant to be reused record after record (clear,
 * append, hand over). The number formatting matches the JVM exactly, since
 * outputs are compared with Spark's: Long.toString, and Double.toString
 * with the shortest decimal that reads back as the same double (the JDK 19+
 * specification, which also agrees with older JDKs on ordinary values):
 * at least one digit after the point, plain notation for 1e-3 <= |v| < 1e7,
 * else computerized scientific notation (1.0E7, 1.234E-5).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

/* ===================================================================== */
/* Buffers                                                                */
/* ===================================================================== */

void sr_buf_free(sr_buf *b) {
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

/* Doubling; from SR_BIG_BLOCK up the buffer is whole huge pages, filled
 * with a page fault per 2 MB instead of one per 4 KB (a batch's output). */
void sr_buf_grow(sr_buf *b, size_t n) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap - b->len < n)
        cap *= 2;
    if (cap < SR_BIG_BLOCK) {
        b->ptr = sr_xrealloc(b->ptr, cap);
        b->cap = cap;
        return;
    }
    char *p = sr_xmalloc_big(cap, &b->cap);
    if (b->len)
        memcpy(p, b->ptr, b->len);
    free(b->ptr);
    b->ptr = p;
}

void sr_buf_cstr(sr_buf *b, const char *s) {
    sr_buf_put(b, s, strlen(s));
}

void sr_buf_bool(sr_buf *b, bool v) {
    if (v)
        sr_buf_put(b, "true", 4);
    else
        sr_buf_put(b, "false", 5);
}

/* Decimal digits of v into the end of tmp[24]; returns the first byte. */
static char *fmt_long(char tmp[24], int64_t v) {
    char *p = tmp + 24;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return p;
}

void sr_buf_long(sr_buf *b, int64_t v) {
    char tmp[24];
    char *p = fmt_long(tmp, v);
    sr_buf_put(b, p, (size_t)(tmp + 24 - p));
}

/* ===================================================================== */
/* Double.toString                                                        */
/* ===================================================================== */

/* The shortest decimal of finite v != 0 that reads back as v: its digits
 * (no leading/trailing zeros but at least one digit) and the decimal
 * exponent of the first digit (v = 0.d1d2d3... * 10^(exp+1)). Like Java,
 * when one digit is enough the closest two-digit decimal is taken (4.9E-324
 * rather than 5.0E-324), whose second digit is often 0. */
int sr_double_digits(double v, char digits[20], int *exp10) {
    char tmp[40];
    /* Round-tripping is monotone in the precision. Results of arithmetic
     * usually need 16 or 17 digits, literals few: test 15 first, then go
     * up (16, 17: 17 always round-trips) or binary search 1..15. */
    int lo, hi;
    snprintf(tmp, sizeof tmp, "%.14e", v);
    if (strtod(tmp, NULL) != v) {
        snprintf(tmp, sizeof tmp, "%.15e", v);
        lo = hi = strtod(tmp, NULL) == v ? 16 : 17;
    } else {
        lo = 1;
        hi = 15;
    }
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(tmp, sizeof tmp, "%.*e", mid - 1, v);
        if (strtod(tmp, NULL) == v)
            hi = mid;
        else
            lo = mid + 1;
    }
    int prec = lo == 1 ? 2 : lo;
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    /* tmp: [-]d.ddde[+-]xx */
    const char *p = tmp;
    if (*p == '-')
        p++;
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    *exp10 = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

/* Java's Double.toString into out (>= 32 bytes); returns the length. */
static int fmt_double(char *out, double v) {
    if (isnan(v))
        return (int)(memcpy(out, "NaN", 3), 3);
    if (isinf(v)) {
        if (v < 0)
            return (int)(memcpy(out, "-Infinity", 9), 9);
        return (int)(memcpy(out, "Infinity", 8), 8);
    }
    char *q = out;
    if (signbit(v))
        *q++ = '-';
    if (v == 0) {
        memcpy(q, "0.0", 3);
        return (int)(q - out) + 3;
    }
    char d[20];
    int e;
    int n = sr_double_digits(v, d, &e);
    double a = fabs(v);
    if (a >= 1e-3 && a < 1e7) {
        if (e < 0) {
            /* 0.000ddd */
            *q++ = '0';
            *q++ = '.';
            for (int i = 0; i < -e - 1; i++)
                *q++ = '0';
            memcpy(q, d, (size_t)n);
            q += n;
        } else {
            /* ddd.ddd, at least one digit each side */
            for (int i = 0; i <= e; i++)
                *q++ = i < n ? d[i] : '0';
            *q++ = '.';
            if (n > e + 1) {
                memcpy(q, d + e + 1, (size_t)(n - e - 1));
                q += n - e - 1;
            } else {
                *q++ = '0';
            }
        }
    } else {
        *q++ = d[0];
        *q++ = '.';
        if (n > 1) {
            memcpy(q, d + 1, (size_t)(n - 1));
            q += n - 1;
        } else {
            *q++ = '0';
        }
        *q++ = 'E';
        char tmp[24];
        char *p = fmt_long(tmp, e);
        memcpy(q, p, (size_t)(tmp + 24 - p));
        q += tmp + 24 - p;
    }
    return (int)(q - out);
}

void sr_buf_double(sr_buf *b, double v) {
    char tmp[48];
    int n = fmt_double(tmp, v);
    sr_buf_put(b, tmp, (size_t)n);
}

/* ===================================================================== */
/* Arena strings                                                          */
/* ===================================================================== */

static sr_str arena_copy(sr_ctx *cx, const char *p, size_t n) {
    if (!n)
        return (sr_str){ "", 0 };
    char *q = sr_arena_alloc(cx->arena, n);
    memcpy(q, p, n);
    return (sr_str){ q, (int64_t)n };
}

sr_str sr_buf_to_str(sr_ctx *cx, const sr_buf *b) {
    return arena_copy(cx, b->ptr, b->len);
}

sr_str sr_long_to_str(sr_ctx *cx, int64_t v) {
    char tmp[24];
    char *p = fmt_long(tmp, v);
    return arena_copy(cx, p, (size_t)(tmp + 24 - p));
}

sr_str sr_double_to_str(sr_ctx *cx, double v) {
    char tmp[48];
    int n = fmt_double(tmp, v);
    return arena_copy(cx, tmp, (size_t)n);
}

sr_str sr_bool_to_str(bool v) {
    return v ? SR_LIT("true") : SR_LIT("false");
}
