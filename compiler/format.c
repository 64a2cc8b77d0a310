/* format.c - parse java.util.Formatter format strings (see format.h). */
#include "format.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

bool fmt_takes_arg(char c) {
    return c != 'n' && c != '%';
}

static void push(fmt_piece **pieces, int *n, fmt_piece p) {
    *pieces = xrealloc(*pieces, (size_t)(*n + 1) * sizeof **pieces);
    (*pieces)[(*n)++] = p;
}

/* A decimal number at fmt[*i] (none: -1); false if absurdly long. */
static bool number(const char *fmt, size_t n, size_t *i, int *out) {
    *out = -1;
    if (*i >= n || fmt[*i] < '0' || fmt[*i] > '9')
        return true;
    long v = 0;
    while (*i < n && fmt[*i] >= '0' && fmt[*i] <= '9') {
        v = v * 10 + (fmt[(*i)++] - '0');
        if (v > 100000)
            return false;
    }
    *out = (int)v;
    return true;
}

static char *parse(const char *fmt, size_t n, fmt_piece **pieces, int *npieces);

char *fmt_parse(const char *fmt, size_t n, fmt_piece **pieces, int *npieces) {
    *pieces = NULL;
    *npieces = 0;
    char *err = parse(fmt, n, pieces, npieces);
    if (err) {
        free(*pieces);
        *pieces = NULL;
        *npieces = 0;
    }
    return err;
}

static char *parse(const char *fmt, size_t n, fmt_piece **pieces, int *npieces) {
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && fmt[i] != '%')
            i++;
        if (i > start)
            push(pieces, npieces, (fmt_piece){ .text = fmt + start, .len = i - start, .width = -1, .prec = -1 });
        if (i >= n)
            break;
        size_t at = i++; /* the '%' */
        fmt_piece p = { .width = -1, .prec = -1 };
        for (; i < n && strchr("-0,+ ", fmt[i]); i++) {
            switch (fmt[i]) {
            case '-': p.left = true; break;
            case '0': p.zero = true; break;
            case ',': p.comma = true; break;
            case '+': p.plus = true; break;
            default: p.space = true; break;
            }
        }
        if (!number(fmt, n, &i, &p.width))
            return xasprintf("the width at offset %zu is too large", at);
        if (i < n && fmt[i] == '.') {
            i++;
            if (!number(fmt, n, &i, &p.prec) || p.prec < 0)
                return xasprintf("the precision at offset %zu is missing or too large", at);
        }
        if (i >= n)
            return xasprintf("the format ends inside a conversion (offset %zu)", at);
        if (fmt[i] == '$')
            return xasprintf("argument indexes (%%1$s) are not supported (offset %zu)", at);
        p.conv = fmt[i++];
        if (!strchr("sSdxXofeEbn%", p.conv))
            return xasprintf("%%%c is not supported; %%s %%S %%d %%x %%X %%o %%f %%e %%E %%b %%n %%%% are", p.conv);
        if (p.left && p.width < 0)
            return xasprintf("the '-' flag needs a width (offset %zu)", at);
        if (p.zero && (p.width < 0 || p.left || !strchr("dxXofeE", p.conv)))
            return xasprintf("the '0' flag needs a width, no '-', and a number conversion (offset %zu)", at);
        if (p.comma && !strchr("df", p.conv))
            return xasprintf("the ',' flag is for %%d and %%f (offset %zu)", at);
        if (p.prec >= 0 && strchr("dxXon%", p.conv))
            return xasprintf("%%%c takes no precision (offset %zu)", p.conv, at);
        push(pieces, npieces, p);
    }
    return NULL;
}
