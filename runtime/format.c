/* format.c - java.util.Formatter's conversions (sr_fmt_*, streamrt.h): the
 * run-time half of String.format; the compiler splits the format string
 * (compiler/format.c) and calls these once per conversion. */
#include <math.h>
#include <string.h>

#include "runtime.h"

/* Characters (UTF-8 sequences) in p[0, n). */
static int64_t chars(const char *p, int64_t n) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

static void spaces(sr_buf *b, int64_t n) {
    for (; n > 0; n--)
        sr_buf_char(b, ' ');
}

/* sign (may be empty) and body, padded to the width: spaces before or
 * after, or zeros between the sign and the body. */
static void pad(sr_buf *b, const sr_fmt *f, const char *sign, const char *body, int64_t len, bool zero_ok) {
    int64_t n = (int64_t)strlen(sign) + chars(body, len), gap = f->width > n ? f->width - n : 0;
    if (!f->left && !(f->zero && zero_ok))
        spaces(b, gap);
    sr_buf_cstr(b, sign);
    if (f->zero && zero_ok)
        for (int64_t i = 0; i < gap; i++)
            sr_buf_char(b, '0');
    sr_buf_put(b, body, (size_t)len);
    if (f->left)
        spaces(b, gap);
}

static const char *sign_of(const sr_fmt *f, bool negative) {
    return negative ? "-" : f->plus ? "+" : f->space ? " " : "";
}

/* digits[0, n) with a ',' every three from the right, into out. */
static int64_t group(const char *digits, int64_t n, char *out) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    return k;
}

void sr_fmt_str(sr_buf *b, const sr_fmt *f, sr_str s) {
    int64_t len = s.len;
    if (f->prec >= 0) { /* at most prec characters */
        int64_t c = 0, i = 0;
        for (; i < s.len; i++) {
            if (((unsigned char)s.ptr[i] & 0xC0) != 0x80 && c++ == f->prec)
                break;
        }
        len = i;
    }
    size_t at = b->len;
    pad(b, f, "", s.ptr, len, false);
    if (f->conv == 'S') /* upper-case what was appended (ASCII letters) */
        for (size_t i = at; i < b->len; i++)
            if (b->ptr[i] >= 'a' && b->ptr[i] <= 'z')
                b->ptr[i] = (char)(b->ptr[i] - 'a' + 'A');
}

void sr_fmt_long(sr_buf *b, const sr_fmt *f, int64_t v) {
    char digits[32], grouped[40];
    int64_t n = 0;
    if (f->conv == 'd') {
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        char tmp[24];
        int k = 0;
        do tmp[k++] = (char)('0' + u % 10); while (u /= 10);
        while (k)
            digits[n++] = tmp[--k];
        if (f->comma)
            n = group(digits, n, grouped);
        pad(b, f, sign_of(f, v < 0), f->comma ? grouped : digits, n, true);
        return;
    }
    /* x X o: the 64 bits, unsigned, as Java's Long */
    unsigned shift = f->conv == 'o' ? 3 : 4, mask = f->conv == 'o' ? 7 : 15;
    const char *hex = f->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    uint64_t u = (uint64_t)v;
    char tmp[24];
    int k = 0;
    do tmp[k++] = hex[u & mask]; while (u >>= shift);
    while (k)
        digits[n++] = tmp[--k];
    pad(b, f, "", digits, n, true);
}

/* Round the decimal digits d[0, *n) (value 0.d1d2... * 10^(*e + 1)) half
 * up so that `keep` digits remain (keep may be <= 0: all of them go). */
static void round_digits(char *d, int *n, int *e, int keep) {
    if (keep >= *n)
        return;
    if (keep < 0) {
        *n = 1;
        d[0] = '0';
        return;
    }
    bool up = d[keep] >= '5';
    *n = keep;
    if (!up) {
        if (*n == 0) {
            *n = 1;
            d[0] = '0';
        }
        return;
    }
    int i = keep - 1;
    while (i >= 0 && d[i] == '9')
        d[i--] = '0';
    if (i >= 0) {
        d[i]++;
        return;
    }
    /* 99.9 -> 100: one more digit in front */
    memmove(d + 1, d, (size_t)*n);
    d[0] = '1';
    (*n)++;
    (*e)++;
}

void sr_fmt_double(sr_buf *b, const sr_fmt *f, double v) {
    bool negative = signbit(v);
    if (isnan(v) || isinf(v)) {
        const char *t = isnan(v) ? "NaN" : "Infinity";
        pad(b, f, isnan(v) ? "" : sign_of(f, negative), t, (int64_t)strlen(t), false);
        return;
    }
    char d[24];
    int e = 0, n = 1;
    d[0] = '0';
    if (v != 0)
        n = sr_double_digits(fabs(v), d, &e);
    int prec = f->prec >= 0 ? f->prec : 6;
    sr_buf body = { 0 };
    if (f->conv == 'f') {
        bool zero = v == 0;
        round_digits(d, &n, &e, e + 1 + prec);
        zero = zero || (n == 1 && d[0] == '0');
        if (zero)
            e = 0;
        char intpart[400], grouped[540];
        int64_t ni = 0;
        if (e < 0)
            intpart[ni++] = '0';
        for (int i = 0; i <= e && ni < (int64_t)sizeof intpart; i++)
            intpart[ni++] = i < n ? d[i] : '0';
        if (f->comma)
            sr_buf_put(&body, grouped, (size_t)group(intpart, ni, grouped));
        else
            sr_buf_put(&body, intpart, (size_t)ni);
        if (prec > 0)
            sr_buf_char(&body, '.');
        for (int k = 1; k <= prec; k++) {
            int i = e + k;
            sr_buf_char(&body, !zero && i >= 0 && i < n ? d[i] : '0');
        }
    } else { /* e E: d.ddde+xx */
        if (v != 0)
            round_digits(d, &n, &e, prec + 1);
        sr_buf_char(&body, d[0]);
        if (prec > 0)
            sr_buf_char(&body, '.');
        for (int k = 1; k <= prec; k++)
            sr_buf_char(&body, k < n ? d[k] : '0');
        sr_buf_char(&body, f->conv == 'E' ? 'E' : 'e');
        int x = v == 0 ? 0 : e;
        sr_buf_char(&body, x < 0 ? '-' : '+');
        x = x < 0 ? -x : x;
        if (x < 10)
            sr_buf_char(&body, '0');
        sr_buf_long(&body, x);
    }
    pad(b, f, sign_of(f, negative), body.ptr, (int64_t)body.len, true);
    sr_buf_free(&body);
}
