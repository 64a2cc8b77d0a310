/* util.h - small helpers of the compiler: checked allocation, a string builder. */
#ifndef STREAMC_UTIL_H
#define STREAMC_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Allocation that aborts with a message when memory runs out. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated string. Zero-initialise; sb_free releases. */
typedef struct strbuf {
    char *ptr;
    size_t len;
    size_t cap;
} strbuf;

void sb_putn(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(strbuf *b, const char *fmt, va_list ap);
/* Take the string out (caller frees); the buffer is left empty. */
char *sb_take(strbuf *b);
void sb_free(strbuf *b);

#endif
