/* ast.h - the syntax tree of a .stream file.
 *
 * The parser builds this tree and nothing more: names, types and meaning are
 * resolved by compiler/ passes. Every node carries the byte range of source
 * it came from; line and column are computed only when a message is printed
 * (see source.h). Nodes are allocated from one pool owned by the program and
 * freed together with ast_pool_free().
 */
#ifndef STREAMC_AST_H
#define STREAMC_AST_H

#include <stddef.h>
#include <stdint.h>

/* A half-open byte range [start, end) of the source text. */
typedef struct ast_loc {
    int32_t start;
    int32_t end;
} ast_loc;

typedef struct ast ast;

/* A growable array of child nodes. */
typedef struct ast_list {
    ast **items;
    int len;
    int cap;
} ast_list;

typedef enum ast_kind {
    /* top level */
    AST_PROGRAM,     /* list: settings and statements in source order */
    AST_SETTING,     /* name: app|batch|master|checkpoint|offsets|conf; see below */
    AST_IMPORT,      /* name: the dotted path as written (ignored later) */
    /* statements (also allowed inside blocks) */
    AST_VAL,         /* name; type (may be NULL); a: initialiser. A pattern val
                        (val (a, b) = e; val Array(a, b) = e) is named "_", b is
                        the pattern (AST_PARAM), str the extractor (Array) or NULL */
    AST_VAR,         /* name; type (may be NULL); a: initialiser */
    AST_ASSIGN,      /* op: AST_OP_NONE for '=', else the compound op (+= -> ADD); a: target; b: value */
    AST_FOR,         /* name: loop variable; a: iterated expression; b: body */
    /* expressions */
    AST_IDENT,       /* name; targs: type arguments as in ListBuffer[String] (may be empty) */
    AST_PLACEHOLDER, /* `_` in an expression (placeholder lambda) */
    AST_INT,         /* ival; is_long: written with an L suffix */
    AST_DOUBLE,      /* dval */
    AST_STRING,      /* str/str_len: the decoded bytes (may contain NUL) */
    AST_INTERP,      /* s"..." or f"..." (ival 's' or 'f'): list of parts, AST_STRING
                        pieces and expressions */
    AST_BOOL,        /* ival: 0 or 1 */
    AST_NULL,        /* null */
    AST_DURATION,    /* ival: milliseconds, from a literal such as 500ms 5s 1m 1h */
    AST_UNARY,       /* op: AST_OP_NOT or AST_OP_NEG; a: operand */
    AST_BINARY,      /* op; a: left; b: right */
    AST_IF,          /* a: condition; b: then; c: else (may be NULL) */
    AST_BLOCK,       /* list: statements; a trailing expression is the block's value */
    AST_LAMBDA,      /* list: parameters (AST_PARAM); a: body. `{ case (k, v) => e }` is a
                        lambda whose one parameter is a tuple pattern */
    AST_PARAM,       /* name (NULL for `_` or a tuple pattern); type (may be NULL);
                        list: sub-patterns (AST_PARAM) when the parameter is a tuple pattern */
    AST_TUPLE,       /* list: two or more elements */
    AST_SELECT,      /* a: object; name: member; targs: as in x.asInstanceOf[T] */
    AST_CALL,        /* a: callee (IDENT, SELECT or any expression: arr(0)); list: arguments.
                        A block argument `f { x => ... }` is one AST_LAMBDA or AST_BLOCK argument */
    AST_NEW,         /* type: the class; list: constructor arguments */
    AST_ASCRIBE,     /* a: expression; type: as in (false: java.lang.Boolean) */
    AST_NAMED_ARG,   /* name = a, only as a call argument: sortBy(f, ascending = false) */
    /* types */
    AST_TYPE,        /* name: dotted name as written; targs: type arguments */
    AST_TYPE_TUPLE,  /* list: element types */
} ast_kind;

typedef enum ast_op {
    AST_OP_NONE,
    AST_OP_ADD,   /* + */
    AST_OP_SUB,   /* - */
    AST_OP_MUL,   /* * */
    AST_OP_DIV,   /* / */
    AST_OP_MOD,   /* % */
    AST_OP_EQ,    /* == */
    AST_OP_NE,    /* != */
    AST_OP_LT,    /* < */
    AST_OP_LE,    /* <= */
    AST_OP_GT,    /* > */
    AST_OP_GE,    /* >= */
    AST_OP_AND,   /* && */
    AST_OP_OR,    /* || */
    AST_OP_ARROW, /* -> (builds a pair) */
    AST_OP_NOT,   /* ! (unary) */
    AST_OP_NEG,   /* - (unary) */
} ast_op;

/*
 * AST_SETTING shapes (the header replaces SparkConf / StreamingContext):
 *   app "name"                       name="app",        list: [STRING]
 *   batch 5s | batch Seconds(5)      name="batch",      list: [expr]
 *   master "local[2]"                name="master",     list: [STRING]
 *   checkpoint "dir" [every 10s]     name="checkpoint", list: [STRING] or [STRING, expr]
 *   offsets kafka|checkpoint         name="offsets",    list: [IDENT kafka|checkpoint]
 *   offsets redis "redis://h:p/db"   name="offsets",    list: [IDENT redis, STRING]
 *   conf "key" = literal             name="conf",       list: [STRING key, literal]
 */

struct ast {
    ast_kind kind;
    ast_loc loc;
    ast_op op;
    int is_long;        /* AST_INT written as 10L */
    char *name;         /* identifier, member, setting or type name (NUL-terminated) */
    char *str;          /* AST_STRING bytes (NUL-terminated, but may contain NUL) */
    size_t str_len;
    int64_t ival;
    double dval;
    ast *a, *b, *c;     /* fixed children, meaning per kind above */
    ast *type;          /* declared type: AST_VAL, AST_VAR, AST_PARAM, AST_NEW, AST_ASCRIBE */
    ast_list list;      /* variable children, meaning per kind above */
    ast_list targs;     /* type arguments: AST_IDENT, AST_SELECT, AST_TYPE */
    /* Filled by compiler passes, never by the parser (zero after ast_new). */
    const struct type *ty; /* the checked type of an expression */
    void *sem;             /* what a name or member resolved to (compiler/check.h) */
    int sem_kind;          /* how to read `sem` */
    int site;              /* run-time error site index + 1 (0: cannot fail) */
};

/* The nodes of one parsed file; ast_free() releases them all. */
typedef struct ast_pool ast_pool;

ast_pool *ast_pool_new(void);
void ast_pool_free(ast_pool *pool);

/* Allocate a zeroed node of `kind` at `loc`, owned by `pool`. Never NULL
 * (aborts on out-of-memory, like every allocation in the compiler). */
ast *ast_new(ast_pool *pool, ast_kind kind, ast_loc loc);
/* Copy `len` bytes into the pool as a NUL-terminated string. */
char *ast_strdup(ast_pool *pool, const char *s, size_t len);
/* "a.b" in the pool (a qualified name from its two parts). */
char *ast_dotted(ast_pool *pool, const char *a, const char *b);
/* A deep copy of what the parser filled in (compiler fields zero). */
ast *ast_clone(ast_pool *pool, const ast *e);
/* Append `item` to `list` (storage owned by `pool`). */
void ast_list_push(ast_pool *pool, ast_list *list, ast *item);

/* The name of a kind / an operator's spelling, for dumps and messages. */
const char *ast_kind_name(ast_kind kind);
const char *ast_op_spelling(ast_op op);

/* Print the tree as an indented S-expression (tests and --dump-ast). */
#include <stdio.h>
void ast_dump(FILE *out, const ast *node);

#endif
