/* format.h - java.util.Formatter's format strings ("%5.2f", "%-10s"), as
 * String.format and "...".format(args) take them: parsed at compile time
 * into literal text and conversions, each conversion then formatted by the
 * runtime (sr_fmt_* in streamrt.h). */
#ifndef STREAMC_FORMAT_H
#define STREAMC_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

/* One piece of a format string: text (conv 0) or a conversion. */
typedef struct fmt_piece {
    char conv;            /* 0: text; s S d x X o f e E b n % */
    const char *text;     /* conv 0: the text (a view into the format) */
    size_t len;
    bool left, zero, comma, plus, space; /* flags - 0 , + space */
    int width, prec;      /* -1 when absent */
} fmt_piece;

/* Parse fmt[0, n) into *pieces (malloc'd, *npieces of them). Returns NULL,
 * or a message (malloc'd) about the first unsupported or malformed
 * conversion; then *pieces is NULL. */
char *fmt_parse(const char *fmt, size_t n, fmt_piece **pieces, int *npieces);

/* Does conversion c take an argument (all but n and %)? */
bool fmt_takes_arg(char c);

#endif
