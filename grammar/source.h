/* source.h - a source file in memory, and diagnostics that point into it.
 *
 * Messages follow GNU style:
 *     file:line:col: error: message
 *         the source line
 *             ^~~~~
 * Locations are byte ranges (ast_loc); line and column (1-based, column in
 * bytes) are computed when printing. Every error is counted so the driver
 * can report all of them and then exit non-zero.
 */
#ifndef STREAMC_SOURCE_H
#define STREAMC_SOURCE_H

#include <stdio.h>
#include "ast.h"

typedef struct source {
    char *path;        /* as given on the command line */
    char *text;        /* whole file, NUL-terminated (a NUL inside is an error for the lexer) */
    size_t len;
    int errors;        /* number of errors reported so far */
    int warnings;
    FILE *out;         /* where diagnostics go (stderr unless a test redirects it) */
} source;

/* Read `path` into a new source. Returns NULL and fills errbuf on failure. */
source *source_read(const char *path, char *errbuf, size_t errlen);
/* Make a source from memory (tests, fuzzing). Copies `text`. */
source *source_from_string(const char *path, const char *text, size_t len);
void source_free(source *src);

/* 1-based line and column of byte offset `pos`. */
void source_line_col(const source *src, int32_t pos, int *line, int *col);

/* Report an error / warning / note at `loc`, printf-style. */
void source_error(source *src, ast_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void source_warning(source *src, ast_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void source_note(source *src, ast_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
