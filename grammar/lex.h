/* lex.h - the interface between lexer.l and parser.y (private to grammar/).
 *
 * lexer_next() hands the parser one token at a time. Underneath, the flex
 * scanner produces raw tokens (a NEWLINE for every line end); lexer_next()
 * decides which line ends separate statements, turns header words into
 * keywords at the start of a top-level line, and marks the `=>` that ends
 * the parameters of a lambda filling a whole block (see README.md).
 */
#ifndef STREAMC_LEX_H
#define STREAMC_LEX_H

#include <stdint.h>

#include "ast.h"
#include "source.h"

typedef struct lexer lexer;

/* What the token stream starts with: START_PROGRAM or START_EXPR. */
enum lex_mode { LEX_PROGRAM, LEX_EXPR };

/* A scanner over the bytes [start, end) of `src`; token locations are
 * offsets into the whole file. `depth` counts enclosing ${...} parts of
 * interpolated strings. Leaf nodes (literals, identifiers) are allocated
 * in `pool`. Never NULL. */
lexer *lexer_new(source *src, ast_pool *pool, int32_t start, int32_t end, enum lex_mode mode,
                 int depth);
void lexer_free(lexer *lx);

/* The next token (a parser.h token kind, 0 at the end), its value (a leaf
 * node or NULL) and its location. */
int lexer_next(lexer *lx, ast **val, ast_loc *loc);

/* Defined in parser.y: parse [start, end) as one expression for the ${...}
 * of an interpolated string. NULL (after reporting) on a syntax error. */
ast *parse_nested_expression(source *src, ast_pool *pool, int32_t start, int32_t end, int depth);

#endif
