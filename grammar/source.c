/* source.c - source files in memory and GNU-style diagnostics.
 *
 * A diagnostic is three lines:
 *     file:line:col: error: message
 *     the source line, as is
 *     ^~~~ under the reported range
 * The caret line copies the tabs of the source line so the caret lines up
 * whatever the tab width, and advances by one column per character (two for
 * East Asian wide characters), not per byte, so UTF-8 text before the error
 * does not push the caret to the right. A range that continues past the end
 * of its first line is underlined to the end of that line.
 *
 * After MAX_SHOWN errors the rest are counted but not printed, so a binary
 * file fed to the compiler cannot produce megabytes of output.
 */
#include "source.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHOWN 100

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("streamc: out of memory\n", stderr);
        abort();
    }
    return p;
}

static char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

source *source_from_string(const char *path, const char *text, size_t len) {
    source *src = xmalloc(sizeof *src);
    memset(src, 0, sizeof *src);
    src->path = xstrdup(path ? path : "<string>");
    src->text = xmalloc(len + 1);
    if (len)
        memcpy(src->text, text, len);
    src->text[len] = '\0';
    src->len = len;
    src->out = stderr;
    return src;
}

source *source_read(const char *path, char *errbuf, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errbuf, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= (size_t)INT32_MAX / 2) {
                snprintf(errbuf, errlen, "'%s' is too large", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            cap *= 2;
            char *nbuf = realloc(buf, cap);
            if (!nbuf) {
                free(buf);
                fclose(f);
                snprintf(errbuf, errlen, "'%s': out of memory", path);
                return NULL;
            }
            buf = nbuf;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(errbuf, errlen, "cannot read '%s': %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    source *src = source_from_string(path, buf, len);
    free(buf);
    return src;
}

void source_free(source *src) {
    if (!src)
        return;
    free(src->path);
    free(src->text);
    free(src);
}

/* Clamp `pos` into the text. */
static size_t clamp(const source *src, int32_t pos) {
    if (pos < 0)
        return 0;
    if ((size_t)pos > src->len)
        return src->len;
    return (size_t)pos;
}

void source_line_col(const source *src, int32_t pos, int *line, int *col) {
    size_t p = clamp(src, pos);
    int ln = 1;
    size_t bol = 0;
    const char *t = src->text;
    for (;;) {
        const char *nl = memchr(t + bol, '\n', p - bol);
        if (!nl)
            break;
        ln++;
        bol = (size_t)(nl - t) + 1;
    }
    *line = ln;
    *col = (int)(p - bol) + 1;
}

/* Length of the UTF-8 sequence starting at s[0] (1 if it is not valid)
 * and its code point. */
static int utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp) {
    unsigned c = s[0];
    int n;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2, v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, v = c & 0x07;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    if ((size_t)n > avail) {
        *cp = 0xfffd;
        return 1;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return n;
}

/* Terminal columns of code point `cp`: 2 for East Asian wide characters. */
static int cp_width(uint32_t cp) {
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* Write `cols` copies of `c`. */
static void repeat(FILE *out, int c, int cols) {
    for (int i = 0; i < cols; i++)
        fputc(c, out);
}

static void report(source *src, const char *what, ast_loc loc, const char *fmt, va_list ap) {
    FILE *out = src->out ? src->out : stderr;
    size_t start = clamp(src, loc.start);
    size_t end = clamp(src, loc.end);
    if (end < start)
        end = start;
    /* The end of input after a final newline is shown at the end of the
     * last line, where the reader expects the missing text. */
    if (start == src->len && start > 0 && src->text[start - 1] == '\n')
        start = end = start - 1;

    int line, col;
    source_line_col(src, (int32_t)start, &line, &col);
    fprintf(out, "%s:%d:%d: %s: ", src->path, line, col, what);
    vfprintf(out, fmt, ap);
    fputc('\n', out);

    const char *t = src->text;
    size_t bol = start;
    while (bol > 0 && t[bol - 1] != '\n')
        bol--;
    size_t eol = start;
    while (eol < src->len && t[eol] != '\n')
        eol++;
    size_t shown = eol;
    if (shown > bol && t[shown - 1] == '\r')
        shown--;
    fwrite(t + bol, 1, shown - bol, out);
    fputc('\n', out);

    /* Padding up to the caret: tabs copied, one space per column. */
    const unsigned char *u = (const unsigned char *)t;
    size_t i = bol;
    while (i < start) {
        uint32_t cp;
        int n = utf8_decode(u + i, start - i, &cp);
        if (u[i] == '\t')
            fputc('\t', out);
        else
            repeat(out, ' ', cp_width(cp));
        i += (size_t)n;
    }
    fputc('^', out);
    /* The rest of the range on this line. */
    if (end > shown)
        end = shown;
    if (start < end) {
        uint32_t cp;
        i = start + (size_t)utf8_decode(u + start, end - start, &cp);
        int extra = cp_width(cp) - 1;
        while (i < end) {
            int n = utf8_decode(u + i, end - i, &cp);
            extra += u[i] == '\t' ? 1 : cp_width(cp);
            i += (size_t)n;
        }
        repeat(out, '~', extra);
    }
    fputc('\n', out);
}

void source_error(source *src, ast_loc loc, const char *fmt, ...) {
    src->errors++;
    if (src->errors > MAX_SHOWN) {
        if (src->errors == MAX_SHOWN + 1)
            fprintf(src->out ? src->out : stderr,
                    "%s: note: too many errors; the rest are not shown\n", src->path);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    report(src, "error", loc, fmt, ap);
    va_end(ap);
}

void source_warning(source *src, ast_loc loc, const char *fmt, ...) {
    src->warnings++;
    va_list ap;
    va_start(ap, fmt);
    report(src, "warning", loc, fmt, ap);
    va_end(ap);
}

void source_note(source *src, ast_loc loc, const char *fmt, ...) {
    if (src->errors > MAX_SHOWN)
        return; /* a note belongs to an error that was not shown */
    va_list ap;
    va_start(ap, fmt);
    report(src, "note", loc, fmt, ap);
    va_end(ap);
}
