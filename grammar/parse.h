/* parse.h - entry points of the .stream parser (lexer.l + parser.y).
 *
 * The parser is reentrant: all scanner and parser state lives in the call.
 * Syntax errors are reported through source_error() and recovered from at
 * statement level, so one call reports every error it can find.
 */
#ifndef STREAMC_PARSE_H
#define STREAMC_PARSE_H

#include "ast.h"
#include "source.h"

/* Parse the whole file. Returns the AST_PROGRAM node (allocated in `pool`),
 * or NULL when nothing could be built or the tree is nested too deeply for
 * later passes to walk (after reporting it); check src->errors either way. */
ast *parse_program(source *src, ast_pool *pool);

/* Parse the bytes [start, end) of `src` as one expression (used for the
 * ${...} parts of interpolated strings; locations stay file offsets). */
ast *parse_expression(source *src, ast_pool *pool, int32_t start, int32_t end);

#endif
