/* parser.y - the .stream grammar (pure bison, LALR(1), no conflicts).
 *
 * Actions only build nodes (ast.h). Every semantic value is an `ast *`;
 * lists under construction live in the `list` of a holder node. The token
 * stream comes from lexer_next() (lexer.l), which has already decided
 * which line ends are statement separators (NEWLINE), which words are
 * header keywords, and which `=>` ends the parameters of a block lambda
 * (BARROW). Syntax errors are reported by yyreport_syntax_error() below;
 * recovery is at statement level (`stmt: error`), resuming after the next
 * NEWLINE, ';' or '}'.
 *
 * No %destructor: every value is a node of the caller's pool, freed with
 * it, so values discarded during error recovery leak nothing.
 */

%code requires {
#include "ast.h"
#include "source.h"
typedef struct parse_ctx parse_ctx;
}

%code {
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "parse.h"

struct parse_ctx {
    lexer *lx;
    source *src;
    ast_pool *pool;
    ast *result;
    enum lex_mode mode;
};

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                            \
    do {                                                                       \
        if (N) {                                                               \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                              \
            (Cur).end = YYRHSLOC(Rhs, N).end;                                  \
        } else {                                                               \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                    \
        }                                                                      \
    } while (0)
#define YYLOCATION_PRINT(File, Loc) fprintf(File, "%d-%d", (int)(Loc)->start, (int)(Loc)->end)

static int yylex(YYSTYPE *val, YYLTYPE *loc, parse_ctx *ctx) {
    return lexer_next(ctx->lx, val, loc);
}
static void yyerror(YYLTYPE *loc, parse_ctx *ctx, const char *msg);

static ast *mk(parse_ctx *ctx, ast_kind kind, ast_loc loc);
static ast *list1(parse_ctx *ctx, ast *item, ast_loc loc);
static ast *push(parse_ctx *ctx, ast *holder, ast *item, ast_loc loc);
static ast *binary(parse_ctx *ctx, ast_op op, ast *a, ast *b, ast_loc loc);
static ast *assign(parse_ctx *ctx, ast_op op, ast *target, ast *value, ast_loc loc);
static ast *decl(parse_ctx *ctx, ast_kind kind, ast *name, ast *type, ast *init, ast_loc loc);
static ast *val_pattern(parse_ctx *ctx, ast *extractor, ast *items, ast *init, ast_loc loc);
static ast *paren(parse_ctx *ctx, ast *items, ast_loc loc);
static ast *params_of(parse_ctx *ctx, ast *items);
static ast *lambda(parse_ctx *ctx, ast *params, ast *body, ast_loc loc);
static ast *block_lambda(parse_ctx *ctx, ast *params, ast *stmts, ast_loc loc);
static ast *param(parse_ctx *ctx, ast *name, ast *type, ast_loc loc);
static ast *tuple_pattern(parse_ctx *ctx, ast *items, ast_loc loc);
static ast *qualify(parse_ctx *ctx, ast *prefix, ast *name, ast_loc loc);
static ast *type_of(parse_ctx *ctx, ast *name, ast *targs, ast_loc loc);
static ast *type_paren(parse_ctx *ctx, ast *types, ast_loc loc);
static ast *select_(parse_ctx *ctx, ast *obj, ast *name, ast *targs, ast_loc loc);
static ast *call(parse_ctx *ctx, ast *callee, ast *args, ast_loc loc);
static ast *with_targs(ast *node, ast *targs, ast_loc loc);
static ast *import_of(parse_ctx *ctx, ast_loc path);
static ast *setting(parse_ctx *ctx, const char *name, ast *a, ast *b, ast_loc loc);
static ast *check_word(parse_ctx *ctx, ast *word, const char *const *allowed, const char *what);
static ast *negate(parse_ctx *ctx, ast *lit, ast_loc loc);
}

%define api.pure full
%define api.value.type {struct ast *}
%define api.location.type {ast_loc}
/* `custom` is `detailed` with our own wording (yyreport_syntax_error):
 * keywords and operators quoted like character tokens ('=>', 'val'), the
 * two `=>` tokens shown as one, long expectation lists summarised. LAC
 * makes the list of expected tokens exact despite default reductions. */
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {parse_ctx *ctx}

/* Token aliases are the spellings the user sees in messages. */
%token YYEOF 0          "end of input"
%token START_PROGRAM    "start of program"
%token START_EXPR       "start of expression"
%token IDENT            "identifier"
%token INT_LIT          "integer literal"
%token DOUBLE_LIT       "floating-point literal"
%token STRING_LIT       "string literal"
%token INTERP_LIT       "interpolated string"
%token DURATION_LIT     "duration literal"
%token NEWLINE          "newline"

%token VAL "val" VAR "var" IF "if" ELSE "else" FOR "for" NEW "new"
%token IMPORT "import" CASE "case"
%token LIT_TRUE "true" LIT_FALSE "false" LIT_NULL "null"
/* Header keywords: only at the start of a top-level line (lexer.l). */
%token APP "app" BATCH "batch" MASTER "master" CHECKPOINT "checkpoint"
%token OFFSETS "offsets" CONF "conf" REDIS "redis"
/* Scala keywords that .stream does not support; reserved so that errors
 * name them. */
%token DEF "def" WHILE "while" DO "do" OBJECT "object" CLASS "class"
%token TRAIT "trait" MATCH "match" RETURN "return" LAZY "lazy"
%token YIELD "yield" TRY "try" CATCH "catch" THROW "throw"

%token EQ "==" NE "!=" LE "<=" GE ">=" ANDAND "&&" OROR "||"
%token ARROW "=>" BARROW "=> (block lambda)" LARROW "<-" PAIR "->"
%token PLUSEQ "+=" MINUSEQ "-=" TIMESEQ "*=" DIVEQ "/="

%precedence IF_NO_ELSE
%precedence ELSE
/* f(name = value) is a named argument, not an assignment to name */
%precedence IDENT_ALONE
%precedence '='

%left OROR
%left ANDAND
%left EQ NE
%left '<' LE '>' GE
%left PAIR
%left '+' '-'
%left '*' '/' '%'

%%

start:
    START_PROGRAM program       { ctx->result = $2; }
  | START_EXPR expr             { ctx->result = $2; }
  ;

/* program -> stmts (settings only occur at top level: the lexer makes
 * header keywords nowhere else) */
program:
    stmts                       { $$ = $1; $$->kind = AST_PROGRAM; }
  ;

/* ---- statement lists: separators before, between and after ---- */

/* Written out without an empty opt_seps in front, so that `stmt: error`
 * is reachable from the very first token of a program or block. */
stmts:
    %empty                      { $$ = mk(ctx, AST_BLOCK, @$); }
  | seps                        { $$ = mk(ctx, AST_BLOCK, @$); }
  | stmt_seq
  | stmt_seq seps
  | seps stmt_seq               { $$ = $2; }
  | seps stmt_seq seps          { $$ = $2; }
  ;

stmt_seq:
    stmt                        { $$ = list1(ctx, $1, @$); }
  | stmt_seq seps stmt          { $$ = push(ctx, $1, $3, @$); }
  ;

seps:
    sep                         { $$ = NULL; }
  | seps sep                    { $$ = NULL; }
  ;

/* A separator ends error recovery: the next error is reported at once,
 * even if it is on the very next line. */
sep:
    NEWLINE                     { $$ = NULL; yyerrok; }
  | ';'                         { $$ = NULL; yyerrok; }
  ;

/* ---- statements ---- */

stmt:
    setting
  | IMPORT import_expr          { $$ = import_of(ctx, @2); }
  | VAL IDENT opt_type '=' expr { $$ = decl(ctx, AST_VAL, $2, $3, $5, @$); }
  | VAL '(' patterns ')' '=' expr
                                { $$ = val_pattern(ctx, NULL, $3, $6, @$); }
  | VAL IDENT '(' patterns ')' '=' expr
                                { $$ = val_pattern(ctx, $2, $4, $7, @$); }
  | VAR IDENT opt_type '=' expr { $$ = decl(ctx, AST_VAR, $2, $3, $5, @$); }
  | FOR '(' IDENT LARROW expr ')' expr
                                { $$ = mk(ctx, AST_FOR, @$); $$->name = $3->name; $$->a = $5; $$->b = $7; }
  | expr
  | error                       { $$ = NULL; }
  | error block                 { $$ = NULL; /* skip `def f(...) = { ... }` as a whole */ }
  ;

opt_type:
    %empty                      { $$ = NULL; }
  | ':' type                    { $$ = $2; }
  ;

/* ---- header settings (ast.h documents the shapes) ---- */

setting:
    APP STRING_LIT              { $$ = setting(ctx, "app", $2, NULL, @$); }
  | BATCH expr                  { $$ = setting(ctx, "batch", $2, NULL, @$); }
  | MASTER STRING_LIT           { $$ = setting(ctx, "master", $2, NULL, @$); }
  | CHECKPOINT STRING_LIT       { $$ = setting(ctx, "checkpoint", $2, NULL, @$); }
  | CHECKPOINT STRING_LIT IDENT expr
                                { static const char *const every[] = {"every", NULL};
                                  $$ = setting(ctx, "checkpoint", $2,
                                               check_word(ctx, $3, every, "after the checkpoint directory") ? $4 : NULL, @$); }
  | OFFSETS IDENT               { static const char *const stores[] = {"kafka", "checkpoint", NULL};
                                  $$ = setting(ctx, "offsets", check_word(ctx, $2, stores, "as the offsets store"), NULL, @$); }
  | OFFSETS IDENT STRING_LIT    { static const char *const stores[] = {"redis", NULL};
                                  $$ = setting(ctx, "offsets", check_word(ctx, $2, stores, "before a URL"), $3, @$); }
  | REDIS STRING_LIT            { $$ = setting(ctx, "redis", $2, NULL, @$); }
  | CONF STRING_LIT '=' literal { $$ = setting(ctx, "conf", $2, $4, @$); }
  ;

literal:
    STRING_LIT | INT_LIT | DOUBLE_LIT | DURATION_LIT | LIT_TRUE | LIT_FALSE
  | '-' INT_LIT                 { $$ = negate(ctx, $2, @$); }
  | '-' DOUBLE_LIT              { $$ = negate(ctx, $2, @$); }
  ;

/* ---- import a.b.C / a.b._ / a.b.{X, Y => Z} ---- */

import_expr:
    import_path
  | import_path '.' '_'
  | import_path '.' '{' import_sels '}'
  ;

import_path:
    IDENT
  | import_path '.' IDENT
  ;

import_sels:
    import_sel
  | import_sels ',' import_sel
  ;

import_sel:
    IDENT | '_' | IDENT arrow IDENT | IDENT arrow '_'
  ;

arrow:
    ARROW | BARROW
  ;

/* ---- expressions, loosest first ---- */

expr:
    lambda_params ARROW expr    { $$ = lambda(ctx, $1, $3, @$); }
  | IF '(' expr ')' expr %prec IF_NO_ELSE
                                { $$ = mk(ctx, AST_IF, @$); $$->a = $3; $$->b = $5; }
  | IF '(' expr ')' expr ELSE expr
                                { $$ = mk(ctx, AST_IF, @$); $$->a = $3; $$->b = $5; $$->c = $7; }
  | postfix '=' expr            { $$ = assign(ctx, AST_OP_NONE, $1, $3, @$); }
  | postfix PLUSEQ expr         { $$ = assign(ctx, AST_OP_ADD, $1, $3, @$); }
  | postfix MINUSEQ expr        { $$ = assign(ctx, AST_OP_SUB, $1, $3, @$); }
  | postfix TIMESEQ expr        { $$ = assign(ctx, AST_OP_MUL, $1, $3, @$); }
  | postfix DIVEQ expr          { $$ = assign(ctx, AST_OP_DIV, $1, $3, @$); }
  | infix
  ;

/* x =>   _ =>   () =>   (a, b: Int) => */
lambda_params:
    IDENT                       { $$ = params_of(ctx, list1(ctx, $1, @$)); }
  | '_'                         { $$ = params_of(ctx, list1(ctx, $1, @$)); }
  | '(' ')'                     { $$ = mk(ctx, AST_LAMBDA, @$); }
  | '(' paren_list ')'          { $$ = params_of(ctx, $2); }
  ;

infix:
    infix OROR infix            { $$ = binary(ctx, AST_OP_OR, $1, $3, @$); }
  | infix ANDAND infix          { $$ = binary(ctx, AST_OP_AND, $1, $3, @$); }
  | infix EQ infix              { $$ = binary(ctx, AST_OP_EQ, $1, $3, @$); }
  | infix NE infix              { $$ = binary(ctx, AST_OP_NE, $1, $3, @$); }
  | infix '<' infix             { $$ = binary(ctx, AST_OP_LT, $1, $3, @$); }
  | infix LE infix              { $$ = binary(ctx, AST_OP_LE, $1, $3, @$); }
  | infix '>' infix             { $$ = binary(ctx, AST_OP_GT, $1, $3, @$); }
  | infix GE infix              { $$ = binary(ctx, AST_OP_GE, $1, $3, @$); }
  | infix PAIR infix            { $$ = binary(ctx, AST_OP_ARROW, $1, $3, @$); }
  | infix '+' infix             { $$ = binary(ctx, AST_OP_ADD, $1, $3, @$); }
  | infix '-' infix             { $$ = binary(ctx, AST_OP_SUB, $1, $3, @$); }
  | infix '*' infix             { $$ = binary(ctx, AST_OP_MUL, $1, $3, @$); }
  | infix '/' infix             { $$ = binary(ctx, AST_OP_DIV, $1, $3, @$); }
  | infix '%' infix             { $$ = binary(ctx, AST_OP_MOD, $1, $3, @$); }
  | prefix
  ;

prefix:
    '!' prefix                  { $$ = mk(ctx, AST_UNARY, @$); $$->op = AST_OP_NOT; $$->a = $2; }
  | '-' prefix                  { $$ = mk(ctx, AST_UNARY, @$); $$->op = AST_OP_NEG; $$->a = $2; }
  | postfix
  ;

/* member access, calls and block arguments, left to right */
postfix:
    primary
  | postfix '.' IDENT           { $$ = select_(ctx, $1, $3, NULL, @$); }
  | postfix '.' IDENT '[' types ']'
                                { $$ = select_(ctx, $1, $3, $5, @$); }
  | postfix '(' ')'             { $$ = call(ctx, $1, NULL, @$); }
  | postfix '(' args ')'        { $$ = call(ctx, $1, $3, @$); }
  | postfix block               { $$ = call(ctx, $1, list1(ctx, $2, @2), @$); }
  ;

primary:
    IDENT %prec IDENT_ALONE
  | IDENT '[' types ']'         { $$ = with_targs($1, $3, @$); }
  | '_'
  | INT_LIT | DOUBLE_LIT | STRING_LIT | INTERP_LIT | DURATION_LIT
  | LIT_TRUE | LIT_FALSE | LIT_NULL
  | '(' ')'                     { $$ = mk(ctx, AST_BLOCK, @$); /* unit: an empty block */ }
  | '(' paren_list ')'          { $$ = paren(ctx, $2, @$); }
  | block
  | NEW type '(' ')'            { $$ = mk(ctx, AST_NEW, @$); $$->type = $2; }
  | NEW type '(' args ')'       { $$ = mk(ctx, AST_NEW, @$); $$->type = $2; $$->list = $4->list; }
  ;

/* (e)  (a, b)  (e: T)  and lambda parameter lists */
paren_list:
    paren_item                  { $$ = list1(ctx, $1, @$); }
  | paren_list ',' paren_item   { $$ = push(ctx, $1, $3, @$); }
  ;

paren_item:
    expr
  | expr ':' type               { $$ = mk(ctx, AST_ASCRIBE, @$); $$->a = $1; $$->type = $3; }
  ;

args:
    arg                         { $$ = list1(ctx, $1, @$); }
  | args ',' arg                { $$ = push(ctx, $1, $3, @$); }
  ;

arg:
    expr
  | IDENT '=' expr              { $$ = mk(ctx, AST_NAMED_ARG, @$); $$->name = $1->name; $$->a = $3; }
  ;

/* { stmts }  or a lambda filling the block: { x => stmts } */
block:
    '{' block_body '}'          { $$ = $2; $$->loc = @$; }
  ;

block_body:
    stmts
  | block_head BARROW stmts     { $$ = block_lambda(ctx, $1, $3, @$); }
  | seps block_head BARROW stmts
                                { $$ = block_lambda(ctx, $2, $4, @$); }
  ;

block_head:
    IDENT                       { $$ = params_of(ctx, list1(ctx, $1, @$)); }
  | '_'                         { $$ = params_of(ctx, list1(ctx, $1, @$)); }
  | IDENT ':' type              { $$ = list1(ctx, param(ctx, $1, $3, @$), @$); }
  | '(' ')'                     { $$ = mk(ctx, AST_LAMBDA, @$); }
  | '(' paren_list ')'          { $$ = params_of(ctx, $2); }
  | CASE pattern                { $$ = list1(ctx, $2, @$); }
  ;

/* case patterns: x, _, x: T, (p, p, ...) */
pattern:
    IDENT                       { $$ = param(ctx, $1, NULL, @$); }
  | '_'                         { $$ = param(ctx, NULL, NULL, @$); }
  | IDENT ':' type              { $$ = param(ctx, $1, $3, @$); }
  | '(' patterns ')'            { $$ = tuple_pattern(ctx, $2, @$); }
  ;

patterns:
    pattern                     { $$ = list1(ctx, $1, @$); }
  | patterns ',' pattern        { $$ = push(ctx, $1, $3, @$); }
  ;

/* ---- types ---- */

type:
    qual_name                   { $$ = type_of(ctx, $1, NULL, @$); }
  | qual_name '[' types ']'     { $$ = type_of(ctx, $1, $3, @$); }
  | '(' types ')'               { $$ = type_paren(ctx, $2, @$); }
  ;

types:
    type                        { $$ = list1(ctx, $1, @$); }
  | types ',' type              { $$ = push(ctx, $1, $3, @$); }
  ;

qual_name:
    IDENT
  | qual_name '.' IDENT         { $$ = qualify(ctx, $1, $3, @$); }
  ;

%%

/* ===================================================================== */
/* Node builders used by the actions                                     */
/* ===================================================================== */

static ast *mk(parse_ctx *ctx, ast_kind kind, ast_loc loc) {
    return ast_new(ctx->pool, kind, loc);
}

/* A holder node (AST_BLOCK) whose list collects items. NULL items (from
 * error recovery) are left out. */
static ast *list1(parse_ctx *ctx, ast *item, ast_loc loc) {
    ast *h = mk(ctx, AST_BLOCK, loc);
    if (item)
        ast_list_push(ctx->pool, &h->list, item);
    return h;
}

static ast *push(parse_ctx *ctx, ast *holder, ast *item, ast_loc loc) {
    if (item)
        ast_list_push(ctx->pool, &holder->list, item);
    holder->loc = loc;
    return holder;
}

static ast *binary(parse_ctx *ctx, ast_op op, ast *a, ast *b, ast_loc loc) {
    ast *n = mk(ctx, AST_BINARY, loc);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static ast *assign(parse_ctx *ctx, ast_op op, ast *target, ast *value, ast_loc loc) {
    ast *n = mk(ctx, AST_ASSIGN, loc);
    n->op = op;
    n->a = target;
    n->b = value;
    return n;
}

static ast *decl(parse_ctx *ctx, ast_kind kind, ast *name, ast *type, ast *init, ast_loc loc) {
    ast *n = mk(ctx, kind, loc);
    n->name = name->name;
    n->type = type;
    n->a = init;
    return n;
}

/* val (a, b) = init, or val Array(a, b) = init (extractor: Array, List,
 * Seq): an AST_VAL named "_" whose b is the pattern. */
static ast *val_pattern(parse_ctx *ctx, ast *extractor, ast *items, ast *init, ast_loc loc) {
    ast *n = mk(ctx, AST_VAL, loc);
    n->name = ast_strdup(ctx->pool, "_", 1);
    n->a = init;
    if (extractor) { /* Array(p) keeps its one element as a pattern of one */
        n->b = mk(ctx, AST_PARAM, items->loc);
        n->b->list = items->list;
        n->str = extractor->name;
        n->str_len = strlen(extractor->name);
    } else {
        n->b = tuple_pattern(ctx, items, items->loc);
    }
    return n;
}

/* (e) is e itself, (e: T) an ascription, (a, b, ...) a tuple. */
static ast *paren(parse_ctx *ctx, ast *items, ast_loc loc) {
    if (items->list.len == 1)
        return items->list.items[0];
    ast *t = mk(ctx, AST_TUPLE, loc);
    t->list = items->list;
    return t;
}

/* The parameters of `(...) =>`, read back from what was parsed as a
 * parenthesised expression list: x, _, x: T and _: T are parameters;
 * anything else is reported. Returns a holder whose list holds AST_PARAMs. */
static ast *params_of(parse_ctx *ctx, ast *items) {
    ast *h = mk(ctx, AST_LAMBDA, items->loc);
    for (int i = 0; i < items->list.len; i++) {
        ast *e = items->list.items[i];
        ast *type = NULL;
        if (e->kind == AST_ASCRIBE) {
            type = e->type;
            e = e->a;
        }
        if ((e->kind == AST_IDENT && e->targs.len == 0) || e->kind == AST_PLACEHOLDER) {
            ast_list_push(ctx->pool, &h->list, param(ctx, e->kind == AST_IDENT ? e : NULL, type,
                                                     items->list.items[i]->loc));
        } else {
            source_error(ctx->src, e->loc,
                         "invalid lambda parameter: expected a name, '_' or 'name: Type'");
        }
    }
    return h;
}

static ast *lambda(parse_ctx *ctx, ast *params, ast *body, ast_loc loc) {
    ast *n = mk(ctx, AST_LAMBDA, loc);
    n->list = params->list;
    n->a = body;
    return n;
}

/* { params => stmts }: the body is the one expression if that is all the
 * block holds, else an AST_BLOCK of the statements. */
static ast *block_lambda(parse_ctx *ctx, ast *params, ast *stmts, ast_loc loc) {
    ast *body = stmts;
    if (stmts->list.len == 1) {
        ast *s = stmts->list.items[0];
        if (s->kind != AST_VAL && s->kind != AST_VAR && s->kind != AST_FOR && s->kind != AST_IMPORT &&
            s->kind != AST_SETTING)
            body = s;
    }
    return lambda(ctx, params, body, loc);
}

/* A parameter or pattern variable; `name` is an AST_IDENT or NULL for `_`. */
static ast *param(parse_ctx *ctx, ast *name, ast *type, ast_loc loc) {
    ast *p = mk(ctx, AST_PARAM, loc);
    p->name = name ? name->name : NULL;
    p->type = type;
    return p;
}

/* (p1, p2, ...) in a case pattern; (p) is p. */
static ast *tuple_pattern(parse_ctx *ctx, ast *items, ast_loc loc) {
    if (items->list.len == 1)
        return items->list.items[0];
    ast *p = mk(ctx, AST_PARAM, loc);
    p->list = items->list;
    return p;
}

/* prefix.name as one dotted identifier (qualified type names). */
static ast *qualify(parse_ctx *ctx, ast *prefix, ast *name, ast_loc loc) {
    ast *n = mk(ctx, AST_IDENT, loc);
    n->name = ast_dotted(ctx->pool, prefix->name, name->name);
    return n;
}

static ast *type_of(parse_ctx *ctx, ast *name, ast *targs, ast_loc loc) {
    ast *t = mk(ctx, AST_TYPE, loc);
    t->name = name->name;
    if (targs)
        t->targs = targs->list;
    return t;
}

/* (T) is T; (A, B, ...) a tuple type. */
static ast *type_paren(parse_ctx *ctx, ast *types, ast_loc loc) {
    if (types->list.len == 1)
        return types->list.items[0];
    ast *t = mk(ctx, AST_TYPE_TUPLE, loc);
    t->list = types->list;
    return t;
}

static ast *select_(parse_ctx *ctx, ast *obj, ast *name, ast *targs, ast_loc loc) {
    ast *n = mk(ctx, AST_SELECT, loc);
    n->a = obj;
    n->name = name->name;
    if (targs)
        n->targs = targs->list;
    return n;
}

static ast *call(parse_ctx *ctx, ast *callee, ast *args, ast_loc loc) {
    ast *n = mk(ctx, AST_CALL, loc);
    n->a = callee;
    if (args)
        n->list = args->list;
    return n;
}

static ast *with_targs(ast *node, ast *targs, ast_loc loc) {
    node->targs = targs->list;
    node->loc = loc;
    return node;
}

/* The import path as written in the source. */
static ast *import_of(parse_ctx *ctx, ast_loc path) {
    ast *n = mk(ctx, AST_IMPORT, path);
    n->name = ast_strdup(ctx->pool, ctx->src->text + path.start, (size_t)(path.end - path.start));
    return n;
}

static ast *setting(parse_ctx *ctx, const char *name, ast *a, ast *b, ast_loc loc) {
    ast *n = mk(ctx, AST_SETTING, loc);
    n->name = ast_strdup(ctx->pool, name, strlen(name));
    if (a)
        ast_list_push(ctx->pool, &n->list, a);
    if (b)
        ast_list_push(ctx->pool, &n->list, b);
    return n;
}

/* `word` (an AST_IDENT) if it is one of `allowed`, else report and NULL. */
static ast *check_word(parse_ctx *ctx, ast *word, const char *const *allowed, const char *what) {
    char list[128] = "";
    for (int i = 0; allowed[i]; i++) {
        if (strcmp(word->name, allowed[i]) == 0)
            return word;
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "%s'%s'", i == 0 ? "" : allowed[i + 1] ? ", " : " or ",
                 allowed[i]);
    }
    source_error(ctx->src, word->loc, "unexpected '%s' %s; expected %s", word->name, what, list);
    return NULL;
}

/* -1, -1.5 in a conf setting. */
static ast *negate(parse_ctx *ctx, ast *lit, ast_loc loc) {
    (void)ctx;
    lit->ival = -lit->ival;
    lit->dval = -lit->dval;
    lit->loc = loc;
    return lit;
}

/* ===================================================================== */
/* Error messages                                                        */
/* ===================================================================== */

/* How a token is named in a message: keywords and operators quoted like
 * the character tokens ('=>', 'val'); classes of tokens plain. */
static void token_name(const parse_ctx *ctx, yysymbol_kind_t sym, char *out, size_t len) {
    switch (sym) {
    case YYSYMBOL_YYEOF:
        /* the nested parse of ${...} ends at its closing brace */
        snprintf(out, len, "%s", ctx->mode == LEX_EXPR ? "end of expression" : yysymbol_name(sym));
        return;
    case YYSYMBOL_YYerror:
    case YYSYMBOL_YYUNDEF:
    case YYSYMBOL_IDENT:
    case YYSYMBOL_INT_LIT:
    case YYSYMBOL_DOUBLE_LIT:
    case YYSYMBOL_STRING_LIT:
    case YYSYMBOL_INTERP_LIT:
    case YYSYMBOL_DURATION_LIT:
    case YYSYMBOL_NEWLINE:
    case YYSYMBOL_START_PROGRAM:
    case YYSYMBOL_START_EXPR:
        snprintf(out, len, "%s", yysymbol_name(sym));
        return;
    case YYSYMBOL_BARROW:
        sym = YYSYMBOL_ARROW;
        break;
    default:
        break;
    }
    const char *name = yysymbol_name(sym);
    snprintf(out, len, name[0] == '\'' ? "%s" : "'%s'", name);
}

/* Tokens that can start an expression: summarised as "expression". */
static int starts_expression(yysymbol_kind_t sym) {
    switch (sym) {
    case YYSYMBOL_IDENT: case YYSYMBOL_INT_LIT: case YYSYMBOL_DOUBLE_LIT:
    case YYSYMBOL_STRING_LIT: case YYSYMBOL_INTERP_LIT: case YYSYMBOL_DURATION_LIT:
    case YYSYMBOL_LIT_TRUE: case YYSYMBOL_LIT_FALSE: case YYSYMBOL_LIT_NULL:
    case YYSYMBOL_NEW: case YYSYMBOL_IF:
        return 1;
    default:
        return 0;
    }
}

/* Tokens that would continue the expression just read (operators, member
 * access, call or block argument). */
static int continues_expression(yysymbol_kind_t sym) {
    switch (sym) {
    case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE: case YYSYMBOL_GE:
    case YYSYMBOL_ANDAND: case YYSYMBOL_OROR: case YYSYMBOL_PAIR:
    case YYSYMBOL_PLUSEQ: case YYSYMBOL_MINUSEQ: case YYSYMBOL_TIMESEQ: case YYSYMBOL_DIVEQ:
        return 1;
    default:
        return 0;
    }
}

/* "syntax error, unexpected X[, expecting A or B]". When more than four
 * tokens are expected, the ones that merely continue an expression are
 * left out and the ones that start an expression are summarised as
 * "expression", so that what closes the construct stands out; the list is
 * given if at most four entries remain. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, parse_ctx *ctx) {
    enum { MAX_LISTED = 4 };
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(yyctx, expected, YYNTOKENS);
    if (n < 0)
        return n;
    /* An expression can start here if a literal could come next; then
     * ( { - ! _ start one, else they continue the one just read. */
    int expression = 0, m = 0;
    for (int i = 0; i < n; i++)
        expression |= expected[i] == YYSYMBOL_INT_LIT;
    expression &= n > MAX_LISTED;
    for (int i = 0; i < n; i++) {
        yysymbol_kind_t s = expected[i] == YYSYMBOL_BARROW ? YYSYMBOL_ARROW : expected[i];
        const char *name = yysymbol_name(s);
        int is_char = name[0] == '\'' && name[1] && name[2] == '\'' && name[3] == '\0';
        if (expression && (starts_expression(s) || (is_char && strchr("(-!_{", name[1]))))
            continue;
        if (n > MAX_LISTED &&
            (continues_expression(s) || (is_char && strchr("+-*/%<>.([{=:", name[1]))))
            continue;
        int dup = 0;
        for (int j = 0; j < m; j++)
            dup |= expected[j] == s;
        if (!dup)
            expected[m++] = s;
    }
    for (int i = 0; i + 1 < m; i++) /* "end of input" reads best last */
        if (expected[i] == YYSYMBOL_YYEOF) {
            memmove(&expected[i], &expected[i + 1], (size_t)(m - i - 1) * sizeof expected[0]);
            expected[m - 1] = YYSYMBOL_YYEOF;
            break;
        }
    char msg[512], name[64];
    yysymbol_kind_t tok = yypcontext_token(yyctx);
    token_name(ctx, tok, name, sizeof name);
    size_t len = (size_t)snprintf(msg, sizeof msg, "syntax error, unexpected %s", name);
    if (tok >= YYSYMBOL_DEF && tok <= YYSYMBOL_THROW) {
        snprintf(msg + len, sizeof msg - len, " (Scala's '%s' is not part of the .stream language)",
                 yysymbol_name(tok));
        source_error(ctx->src, *yypcontext_location(yyctx), "%s", msg);
        return 0;
    }
    if (m + expression > 0 && m + expression <= MAX_LISTED) {
        for (int i = 0; i < m; i++) {
            token_name(ctx, expected[i], name, sizeof name);
            len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s",
                                    i == 0 ? ", expecting " : " or ", name);
        }
        if (expression)
            snprintf(msg + len, sizeof msg - len, "%s",
                     m == 0 ? ", expecting expression" : " or expression");
    }
    source_error(ctx->src, *yypcontext_location(yyctx), "%s", msg);
    return 0;
}

static void yyerror(YYLTYPE *loc, parse_ctx *ctx, const char *msg) {
    if (strcmp(msg, "memory exhausted") == 0)
        msg = "program nested too deeply (parser stack exhausted)";
    source_error(ctx->src, *loc, "%s", msg);
}

/* ===================================================================== */
/* Entry points                                                          */
/* ===================================================================== */

/* Later passes walk the tree recursively, so its depth is bounded here:
 * a chain such as 1+1+...+1 or x.f.f...f is deep without deepening the
 * parser's stack, and a million links would overflow the C stack. */
#define MAX_TREE_DEPTH 1000

/* The first node more than `limit` levels below `n`, or NULL. Recurses at
 * most `limit` levels itself. */
static const ast *too_deep(const ast *n, int limit) {
    if (!n)
        return NULL;
    if (limit == 0)
        return n;
    const ast *kids[] = {n->a, n->b, n->c, n->type}, *deep;
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
        if ((deep = too_deep(kids[i], limit - 1)))
            return deep;
    for (int i = 0; i < n->list.len; i++)
        if ((deep = too_deep(n->list.items[i], limit - 1)))
            return deep;
    for (int i = 0; i < n->targs.len; i++)
        if ((deep = too_deep(n->targs.items[i], limit - 1)))
            return deep;
    return NULL;
}

static ast *parse_range(source *src, ast_pool *pool, int32_t start, int32_t end, enum lex_mode mode,
                        int depth) {
    parse_ctx ctx = {.src = src, .pool = pool, .mode = mode};
    ctx.lx = lexer_new(src, pool, start, end, mode, depth);
    int errors = src->errors;
    int rc = yyparse(&ctx);
    lexer_free(ctx.lx);
    if (rc != 0 && src->errors == errors) /* cannot happen; never fail silently */
        source_error(src, (ast_loc){start, start}, "could not parse");
    if (rc != 0)
        return NULL;
    if (ctx.result && mode == LEX_PROGRAM)
        ctx.result->loc = (ast_loc){start, end};
    const ast *deep = depth == 0 ? too_deep(ctx.result, MAX_TREE_DEPTH) : NULL;
    if (deep) { /* the ${...} parts of strings are walked with their string */
        source_error(src, deep->loc, "expression nested too deeply (more than %d levels)",
                     MAX_TREE_DEPTH);
        return NULL;
    }
    return ctx.result;
}

ast *parse_program(source *src, ast_pool *pool) {
    return parse_range(src, pool, 0, (int32_t)src->len, LEX_PROGRAM, 0);
}

ast *parse_expression(source *src, ast_pool *pool, int32_t start, int32_t end) {
    return parse_range(src, pool, start, end, LEX_EXPR, 0);
}

ast *parse_nested_expression(source *src, ast_pool *pool, int32_t start, int32_t end, int depth) {
    return parse_range(src, pool, start, end, LEX_EXPR, depth);
}
