/* util.c - checked allocation and the string builder. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p, size_t n) {
    if (!p && n) {
        fprintf(stderr, "streamc: out of memory\n");
        abort();
    }
    return p;
}

void *xmalloc(size_t n) { return check(malloc(n ? n : 1), 1); }
void *xcalloc(size_t n, size_t size) { return check(calloc(n ? n : 1, size ? size : 1), 1); }
void *xrealloc(void *p, size_t n) { return check(realloc(p, n ? n : 1), 1); }

char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...) {
    strbuf b = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    return sb_take(&b);
}

static void reserve(strbuf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->ptr = xrealloc(b->ptr, cap);
    b->cap = cap;
}

void sb_putn(strbuf *b, const char *s, size_t n) {
    reserve(b, n);
    memcpy(b->ptr + b->len, s, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

void sb_puts(strbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
void sb_putc(strbuf *b, char c) { sb_putn(b, &c, 1); }

void sb_vprintf(strbuf *b, const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sb_printf(strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

char *sb_take(strbuf *b) {
    char *s = b->ptr ? b->ptr : xstrdup("");
    b->ptr = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(strbuf *b) {
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}
