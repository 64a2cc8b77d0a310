/* ast.c - the node pool, node constructors and the S-expression dump.
 *
 * Every node, string and child array of one parsed file lives in one
 * ast_pool: a list of chunks that are bump-allocated and released together
 * by ast_pool_free(). Nothing in the tree is freed on its own, so the parser
 * never has to track ownership, even while it recovers from errors.
 *
 * ast_dump() prints a tree as an indented S-expression. Tests compare its
 * output, so the format is stable:
 *     (kind inline-attributes
 *       child
 *       child)
 * with two spaces of indentation per level. Types, lambda parameters and
 * type arguments print inline in Scala notation (`DStream[(String, Int)]`,
 * `[a: Int, (k, v)]`).
 */
#include "ast.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===================================================================== */
/* Pool                                                                  */
/* ===================================================================== */

#define CHUNK_SIZE (64 * 1024)
#define ALIGN 16

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char data[];
} chunk;

struct ast_pool {
    chunk *head; /* current chunk first; big allocations are linked behind it */
};

static void *xmalloc(size_t n) {
    void *p = malloc(n);
    if (!p) {
        fputs("streamc: out of memory\n", stderr);
        abort();
    }
    return p;
}

ast_pool *ast_pool_new(void) {
    ast_pool *pool = xmalloc(sizeof *pool);
    pool->head = NULL;
    return pool;
}

void ast_pool_free(ast_pool *pool) {
    if (!pool)
        return;
    chunk *c = pool->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(pool);
}

/* Zeroed, ALIGN-aligned storage of `n` bytes owned by `pool`. */
static void *pool_alloc(ast_pool *pool, size_t n) {
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    chunk *c = pool->head;
    if (!c || c->size - c->used < n) {
        if (n > CHUNK_SIZE / 4) {
            /* A big block gets a chunk of its own, kept behind the current
             * one so the current chunk's free space is not wasted. */
            chunk *big = xmalloc(sizeof *big + n);
            big->used = big->size = n;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                big->next = NULL;
                pool->head = big;
            }
            memset(big->data, 0, n);
            return big->data;
        }
        c = xmalloc(sizeof *c + CHUNK_SIZE);
        c->size = CHUNK_SIZE;
        c->used = 0;
        c->next = pool->head;
        pool->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

ast *ast_new(ast_pool *pool, ast_kind kind, ast_loc loc) {
    ast *n = pool_alloc(pool, sizeof *n);
    n->kind = kind;
    n->loc = loc;
    return n;
}

char *ast_strdup(ast_pool *pool, const char *s, size_t len) {
    char *p = pool_alloc(pool, len + 1);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *ast_dotted(ast_pool *pool, const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *p = pool_alloc(pool, la + 1 + lb + 1);
    memcpy(p, a, la);
    p[la] = '.';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

static void clone_list(ast_pool *pool, ast_list *to, const ast_list *from) {
    *to = (ast_list){ 0 };
    for (int i = 0; i < from->len; i++)
        ast_list_push(pool, to, ast_clone(pool, from->items[i]));
}

ast *ast_clone(ast_pool *pool, const ast *e) {
    if (!e)
        return NULL;
    ast *c = ast_new(pool, e->kind, e->loc);
    c->op = e->op;
    c->is_long = e->is_long;
    c->name = e->name; /* strings live in the pool and are never changed */
    c->str = e->str;
    c->str_len = e->str_len;
    c->ival = e->ival;
    c->dval = e->dval;
    c->a = ast_clone(pool, e->a);
    c->b = ast_clone(pool, e->b);
    c->c = ast_clone(pool, e->c);
    c->type = ast_clone(pool, e->type);
    clone_list(pool, &c->list, &e->list);
    clone_list(pool, &c->targs, &e->targs);
    return c;
}

void ast_list_push(ast_pool *pool, ast_list *list, ast *item) {
    if (list->len == list->cap) {
        int cap = list->cap ? list->cap * 2 : 4;
        ast **items = pool_alloc(pool, (size_t)cap * sizeof *items);
        if (list->len)
            memcpy(items, list->items, (size_t)list->len * sizeof *items);
        list->items = items; /* the old array stays in the pool until it is freed */
        list->cap = cap;
    }
    list->items[list->len++] = item;
}

/* ===================================================================== */
/* Names                                                                 */
/* ===================================================================== */

const char *ast_kind_name(ast_kind kind) {
    switch (kind) {
    case AST_PROGRAM: return "program";
    case AST_SETTING: return "setting";
    case AST_IMPORT: return "import";
    case AST_VAL: return "val";
    case AST_VAR: return "var";
    case AST_ASSIGN: return "assign";
    case AST_FOR: return "for";
    case AST_IDENT: return "ident";
    case AST_PLACEHOLDER: return "placeholder";
    case AST_INT: return "int";
    case AST_DOUBLE: return "double";
    case AST_STRING: return "string";
    case AST_INTERP: return "interp";
    case AST_BOOL: return "bool";
    case AST_NULL: return "null";
    case AST_DURATION: return "duration";
    case AST_UNARY: return "unary";
    case AST_BINARY: return "binary";
    case AST_IF: return "if";
    case AST_BLOCK: return "block";
    case AST_LAMBDA: return "lambda";
    case AST_PARAM: return "param";
    case AST_TUPLE: return "tuple";
    case AST_SELECT: return "select";
    case AST_CALL: return "call";
    case AST_NEW: return "new";
    case AST_ASCRIBE: return "ascribe";
    case AST_NAMED_ARG: return "named-arg";
    case AST_TYPE: return "type";
    case AST_TYPE_TUPLE: return "type-tuple";
    }
    return "?";
}

const char *ast_op_spelling(ast_op op) {
    switch (op) {
    case AST_OP_NONE: return "";
    case AST_OP_ADD: return "+";
    case AST_OP_SUB: return "-";
    case AST_OP_MUL: return "*";
    case AST_OP_DIV: return "/";
    case AST_OP_MOD: return "%";
    case AST_OP_EQ: return "==";
    case AST_OP_NE: return "!=";
    case AST_OP_LT: return "<";
    case AST_OP_LE: return "<=";
    case AST_OP_GT: return ">";
    case AST_OP_GE: return ">=";
    case AST_OP_AND: return "&&";
    case AST_OP_OR: return "||";
    case AST_OP_ARROW: return "->";
    case AST_OP_NOT: return "!";
    case AST_OP_NEG: return "-";
    }
    return "?";
}

/* ===================================================================== */
/* Dump                                                                  */
/* ===================================================================== */

static void dump_node(FILE *out, const ast *n, int indent);

/* A type in Scala notation: Map[String, (Int, Long)]. */
static void dump_type(FILE *out, const ast *t) {
    if (!t) {
        fputs("?", out);
        return;
    }
    if (t->kind == AST_TYPE_TUPLE) {
        fputc('(', out);
        for (int i = 0; i < t->list.len; i++) {
            if (i)
                fputs(", ", out);
            dump_type(out, t->list.items[i]);
        }
        fputc(')', out);
        return;
    }
    fputs(t->name ? t->name : "?", out);
    if (t->targs.len) {
        fputc('[', out);
        for (int i = 0; i < t->targs.len; i++) {
            if (i)
                fputs(", ", out);
            dump_type(out, t->targs.items[i]);
        }
        fputc(']', out);
    }
}

static void dump_targs(FILE *out, const ast_list *targs) {
    if (!targs->len)
        return;
    fputs(" [", out);
    for (int i = 0; i < targs->len; i++) {
        if (i)
            fputs(", ", out);
        dump_type(out, targs->items[i]);
    }
    fputc(']', out);
}

/* A parameter or pattern: x, x: Int, _, (k, (a, _)). */
static void dump_param(FILE *out, const ast *p) {
    if (!p || p->kind != AST_PARAM) {
        fputs("?", out);
        return;
    }
    if (p->list.len) {
        fputc('(', out);
        for (int i = 0; i < p->list.len; i++) {
            if (i)
                fputs(", ", out);
            dump_param(out, p->list.items[i]);
        }
        fputc(')', out);
    } else {
        fputs(p->name ? p->name : "_", out);
    }
    if (p->type) {
        fputs(": ", out);
        dump_type(out, p->type);
    }
}

/* Bytes as a C-like string literal; bytes >= 0x80 are copied (UTF-8). */
static void dump_bytes(FILE *out, const char *s, size_t len) {
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\x%02x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

/* Whole numbers as Scala prints them (2.0); others in the shortest %g
 * form that reads back as the same double. */
static void dump_double(FILE *out, double d) {
    char buf[64];
    if (d == (double)(int64_t)d && d > -1e15 && d < 1e15) {
        fprintf(out, "%.1f", d);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    fputs(buf, out);
}

static void dump_children(FILE *out, const ast *const *kids, int n, int indent) {
    for (int i = 0; i < n; i++) {
        fputc('\n', out);
        dump_node(out, kids[i], indent + 2);
    }
}

static void dump_list(FILE *out, const ast_list *list, int indent) {
    dump_children(out, (const ast *const *)list->items, list->len, indent);
}

static void dump_node(FILE *out, const ast *n, int indent) {
    fprintf(out, "%*s", indent, "");
    if (!n) {
        fputs("(missing)", out);
        return;
    }
    fprintf(out, "(%s", ast_kind_name(n->kind));
    switch (n->kind) {
    case AST_PROGRAM:
    case AST_BLOCK:
    case AST_TUPLE:
    case AST_INTERP:
        dump_list(out, &n->list, indent);
        break;
    case AST_SETTING:
        fprintf(out, " %s", n->name ? n->name : "?");
        dump_list(out, &n->list, indent);
        break;
    case AST_IMPORT:
        fprintf(out, " %s", n->name ? n->name : "?");
        break;
    case AST_VAL:
    case AST_VAR:
        fprintf(out, " %s", n->name ? n->name : "?");
        if (n->type) {
            fputs(": ", out);
            dump_type(out, n->type);
        }
        dump_children(out, (const ast *const[]){n->a}, 1, indent);
        break;
    case AST_ASSIGN:
        fprintf(out, " %s=", ast_op_spelling(n->op));
        dump_children(out, (const ast *const[]){n->a, n->b}, 2, indent);
        break;
    case AST_FOR:
        fprintf(out, " %s", n->name ? n->name : "?");
        dump_children(out, (const ast *const[]){n->a, n->b}, 2, indent);
        break;
    case AST_IDENT:
        fprintf(out, " %s", n->name ? n->name : "?");
        dump_targs(out, &n->targs);
        break;
    case AST_PLACEHOLDER:
    case AST_NULL:
        break;
    case AST_INT:
        fprintf(out, " %" PRId64 "%s", n->ival, n->is_long ? "L" : "");
        break;
    case AST_DOUBLE:
        fputc(' ', out);
        dump_double(out, n->dval);
        break;
    case AST_STRING:
        fputc(' ', out);
        dump_bytes(out, n->str ? n->str : "", n->str ? n->str_len : 0);
        break;
    case AST_BOOL:
        fputs(n->ival ? " true" : " false", out);
        break;
    case AST_DURATION:
        fprintf(out, " %" PRId64 "ms", n->ival);
        break;
    case AST_UNARY:
        fprintf(out, " %s", ast_op_spelling(n->op));
        dump_children(out, (const ast *const[]){n->a}, 1, indent);
        break;
    case AST_BINARY:
        fprintf(out, " %s", ast_op_spelling(n->op));
        dump_children(out, (const ast *const[]){n->a, n->b}, 2, indent);
        break;
    case AST_IF:
        dump_children(out, (const ast *const[]){n->a, n->b, n->c}, n->c ? 3 : 2, indent);
        break;
    case AST_LAMBDA:
        fputs(" [", out);
        for (int i = 0; i < n->list.len; i++) {
            if (i)
                fputs(", ", out);
            dump_param(out, n->list.items[i]);
        }
        fputc(']', out);
        dump_children(out, (const ast *const[]){n->a}, 1, indent);
        break;
    case AST_PARAM:
        fputc(' ', out);
        dump_param(out, n);
        break;
    case AST_SELECT:
        fprintf(out, " %s", n->name ? n->name : "?");
        dump_targs(out, &n->targs);
        dump_children(out, (const ast *const[]){n->a}, 1, indent);
        break;
    case AST_CALL:
        dump_children(out, (const ast *const[]){n->a}, 1, indent);
        dump_list(out, &n->list, indent);
        break;
    case AST_NEW:
        fputc(' ', out);
        dump_type(out, n->type);
        dump_list(out, &n->list, indent);
        break;
    case AST_ASCRIBE:
        fputc(' ', out);
        dump_type(out, n->type);
        dump_children(out, (const ast *const[]){n->a}, 1, indent);
        break;
    case AST_NAMED_ARG:
        fprintf(out, " %s", n->name);
        dump_children(out, (const ast *const[]){n->a}, 1, indent);
        break;
    case AST_TYPE:
    case AST_TYPE_TUPLE:
        fputc(' ', out);
        dump_type(out, n);
        break;
    }
    fputc(')', out);
}

void ast_dump(FILE *out, const ast *node) {
    dump_node(out, node, 0);
    fputc('\n', out);
}
