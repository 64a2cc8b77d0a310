/* lower.c - expressions, statements and lambdas to C.
 *
 * Expressions become C expressions; Scala blocks and conditionals that
 * carry statements become GNU statement expressions `({ ... })`. Every
 * generated function has `cx` (sr_ctx *) in scope: its arena receives new
 * strings and collections, and checked operations report errors through it.
 * A statement that can fail is followed by a bail-out (`if (cx->err)
 * return ...`), so a failed record has no further side effects; the caller
 * of the lambda drops the record.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "format.h"

static void lower_stmt(emitter *E, ast *s);

/* ===================================================================== */
/* Small helpers                                                         */
/* ===================================================================== */

/* A C string literal for any bytes: printable ASCII as is (with \" \\ and
 * \? escaped), everything else as three-digit octal, so no input can end
 * the literal, start a comment or form a trigraph. */
char *c_string_lit(const char *s, size_t len) {
    strbuf b = { 0 };
    sb_putc(&b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '?')
            sb_printf(&b, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            sb_putc(&b, (char)c);
        else
            sb_printf(&b, "\\%03o", c);
    }
    sb_putc(&b, '"');
    return sb_take(&b);
}

/* Any bytes as text for inside a C comment: printable ASCII as is, but
 * `*`, `\` and `?` escaped (\052, \\, \?) and everything else as
 * three-digit octal, so the text can neither end the comment (`*` + `/`),
 * open a nested one, form a trigraph nor hold a newline. */
char *c_comment_text(const char *s, size_t len) {
    strbuf b = { 0 };
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '?')
            sb_printf(&b, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f && c != '*')
            sb_putc(&b, (char)c);
        else
            sb_printf(&b, "\\%03o", c);
    }
    return sb_take(&b);
}

static char *tmp_name(emitter *E, const char *stem) {
    return xasprintf("_%s%d", stem, ++E->tmp);
}

/* Does `e` (outside nested function lambdas) contain an operation that can
 * fail at run time? */
static bool can_fail(const ast *e) {
    if (!e)
        return false;
    if (e->site)
        return true;
    if (e->kind == AST_LAMBDA) {
        lambda_info *li = sem_lambda(e);
        if (li && !li->is_inline)
            return false;
    }
    if (can_fail(e->a) || can_fail(e->b) || can_fail(e->c))
        return true;
    for (int i = 0; i < e->list.len; i++)
        if (can_fail(e->list.items[i]))
            return true;
    return false;
}

/* The statement that leaves the current function after a failed record. */
static void emit_bail(emitter *E, ast *s) {
    if (!can_fail(s))
        return;
    emitln(E, "if (SR_UNLIKELY(cx->err)) %s", E->bail);
}

/* Declare (C local) or assign (static / global) a binding. */
static void emit_bind(emitter *E, binding *b, const char *value) {
    if (b->kind == BIND_LOCAL)
        emitln(E, "%s %s SR_UNUSED = %s;", ty_c(b->ty), b->cname, value);
    else
        emitln(E, "%s = %s;", b->cname, value);
}

/* Bind a lambda parameter (and the names of a tuple pattern) to `value`. */
static void emit_param(emitter *E, ast *param, const char *value) {
    binding *b = sem_binding(param);
    if (!b)
        return;
    emit_bind(E, b, value);
    for (int i = 0; i < param->list.len; i++) {
        char *field = xasprintf("%s._%d", b->cname, i + 1);
        emit_param(E, param->list.items[i], field);
        free(field);
    }
}

/* Capture what emitting `fn(E, arg)` writes, as a string. */
static char *capture_begin(emitter *E, strbuf *tmp, strbuf **saved) {
    *saved = E->out;
    E->out = tmp;
    E->indent++;
    return NULL;
}
static char *capture_end(emitter *E, strbuf *tmp, strbuf *saved) {
    E->indent--;
    E->out = saved;
    return sb_take(tmp);
}

/* Wrap captured statements and a final value into a statement expression. */
static char *stmt_expr(emitter *E, char *stmts, const char *value) {
    char *r = xasprintf("({\n%s%*s%s%s})", stmts, (E->indent + 1) * 4, "", value ? value : "",
                        value ? ";\n" : "");
    if (!value) {
        /* no value: close on its own line */
        free(r);
        r = xasprintf("({\n%s%*s})", stmts, E->indent * 4, "");
    } else {
        free(r);
        r = xasprintf("({\n%s%*s%s;\n%*s})", stmts, (E->indent + 1) * 4, "", value, E->indent * 4, "");
    }
    free(stmts);
    return r;
}

/* ===================================================================== */
/* Conversions                                                           */
/* ===================================================================== */

static bool is_none(const ast *e) {
    return e->kind == AST_IDENT && sem_method(e) == F_NONE;
}

/* A tuple literal as a compound literal of tuple type `to`. */
static char *lower_tuple(emitter *E, ast *e, const type *to) {
    strbuf b = { 0 };
    sb_printf(&b, "((%s){", ty_c(to));
    for (int i = 0; i < e->list.len; i++) {
        char *x = lower_expr_as(E, e->list.items[i], to->elems[i]);
        sb_printf(&b, "%s%s", i ? ", " : "", x);
        free(x);
    }
    sb_puts(&b, "})");
    return sb_take(&b);
}

char *lower_expr_as(emitter *E, ast *e, const type *to) {
    const type *from = e->ty;
    if (to && to->kind == TY_TUPLE && e->kind == AST_TUPLE && to->nelems == e->list.len)
        return lower_tuple(E, e, to);
    if (to && to->kind == TY_TUPLE && to->nelems == 2 && e->kind == AST_BINARY && e->op == AST_OP_ARROW) {
        char *x = lower_expr_as(E, e->a, to->elems[0]), *y = lower_expr_as(E, e->b, to->elems[1]);
        char *r = xasprintf("((%s){%s, %s})", ty_c(to), x, y); /* k -> v */
        free(x);
        free(y);
        return r;
    }
    if (to && from != to) {
        if (is_none(e) || e->kind == AST_NULL)
            return zero_of(to);
        if (to->kind == TY_DOUBLE && from->kind == TY_INT) {
            char *x = lower_expr(E, e);
            char *r = xasprintf("((double)(%s))", x);
            free(x);
            return r;
        }
        if (to->kind == TY_OPTION && from->kind == TY_OPTION && e->kind == AST_CALL &&
            (sem_method(e) == F_SOME || sem_method(e) == F_OPTION)) {
            char *x = lower_expr_as(E, e->list.items[0], to->elems[0]);
            char *r = xasprintf("((%s){true, %s})", ty_c(to), x);
            free(x);
            return r;
        }
    }
    return lower_expr(E, e);
}

/* The value of `e` as a string (toString), for + and interpolation. */
static char *lower_tostr(emitter *E, ast *e) {
    char *x = lower_expr(E, e);
    if (e->ty->kind == TY_STRING)
        return x;
    char *r = xasprintf("tostr_%s(cx, %s)", tkey(e->ty), x);
    free(x);
    return r;
}

/* ===================================================================== */
/* Operators                                                             */
/* ===================================================================== */

static char *lower_binary(emitter *E, ast *e) {
    const type *a = e->a->ty, *b = e->b->ty, *t = e->ty;
    char *x, *y, *r;
    switch (e->op) {
    case AST_OP_ADD:
        if (t->kind == TY_STRING) {
            x = lower_tostr(E, e->a);
            y = lower_tostr(E, e->b);
            r = xasprintf("sr_str_concat(cx, %s, %s)", x, y);
            break;
        }
        /* fall through */
    case AST_OP_SUB:
    case AST_OP_MUL:
        if (t->kind == TY_STRING) { /* "-" * 40 */
            x = lower_expr(E, e->a);
            y = lower_expr(E, e->b);
            r = xasprintf("sr_str_repeat(cx, %s, %s)", x, y);
            break;
        }
        /* fall through */
    case AST_OP_DIV:
    case AST_OP_MOD:
        x = lower_expr_as(E, e->a, t);
        y = lower_expr_as(E, e->b, t);
        if (t->kind == TY_DOUBLE) {
            if (e->op == AST_OP_MOD)
                r = xasprintf("fmod(%s, %s)", x, y);
            else
                r = xasprintf("(%s %s %s)", x, ast_op_spelling(e->op), y);
        } else {
            static const char *fn[] = { [AST_OP_ADD] = "sr_add", [AST_OP_SUB] = "sr_sub",
                                        [AST_OP_MUL] = "sr_mul", [AST_OP_DIV] = "sr_div",
                                        [AST_OP_MOD] = "sr_mod" };
            if (e->op == AST_OP_DIV || e->op == AST_OP_MOD)
                r = xasprintf("%s(cx, %s, %s, %d)", fn[e->op], x, y, e->site - 1);
            else
                r = xasprintf("%s(%s, %s)", fn[e->op], x, y);
        }
        break;
    case AST_OP_EQ:
    case AST_OP_NE: {
        const char *neg = e->op == AST_OP_NE ? "!" : "";
        if (a->kind == TY_NULL || b->kind == TY_NULL) {
            ast *v = a->kind == TY_NULL ? e->b : e->a;
            x = lower_expr(E, v);
            y = NULL;
            if (v->ty->kind == TY_STRING || v->ty->kind == TY_SEQ)
                r = xasprintf("(%s((%s).ptr == NULL))", neg, x);
            else if (v->ty->kind == TY_OPTION)
                r = xasprintf("(%s(!(%s).some))", neg, x);
            else
                r = xasprintf("(%sfalse)", neg);
            break;
        }
        if (ty_is_numeric(a) && ty_is_numeric(b)) {
            const type *c = a->kind == TY_DOUBLE || b->kind == TY_DOUBLE ? ty_double() : ty_int();
            x = lower_expr_as(E, e->a, c);
            y = lower_expr_as(E, e->b, c);
            r = xasprintf("(%s %s %s)", x, e->op == AST_OP_EQ ? "==" : "!=", y);
            break;
        }
        const type *c = is_none(e->a) ? b : a;
        x = lower_expr_as(E, e->a, c);
        y = lower_expr_as(E, e->b, c);
        r = xasprintf("(%seq_%s(%s, %s))", neg, tkey(c), x, y);
        break;
    }
    case AST_OP_LT: case AST_OP_LE: case AST_OP_GT: case AST_OP_GE:
        if (a->kind == TY_STRING) {
            x = lower_expr(E, e->a);
            y = lower_expr(E, e->b);
            r = xasprintf("(sr_str_cmp(%s, %s) %s 0)", x, y, ast_op_spelling(e->op));
        } else {
            const type *c = a->kind == TY_DOUBLE || b->kind == TY_DOUBLE ? ty_double() : ty_int();
            x = lower_expr_as(E, e->a, c);
            y = lower_expr_as(E, e->b, c);
            r = xasprintf("(%s %s %s)", x, ast_op_spelling(e->op), y);
        }
        break;
    case AST_OP_AND:
    case AST_OP_OR:
        x = lower_expr(E, e->a);
        y = lower_expr(E, e->b);
        r = xasprintf("(%s %s %s)", x, ast_op_spelling(e->op), y);
        break;
    case AST_OP_ARROW:
        x = lower_expr(E, e->a);
        y = lower_expr(E, e->b);
        r = xasprintf("((%s){%s, %s})", ty_c(t), x, y);
        break;
    case AST_OP_NONE: case AST_OP_NOT: case AST_OP_NEG:
    default:
        return xstrdup("0");
    }
    free(x);
    free(y);
    return r;
}

/* ===================================================================== */
/* Inline lambdas (Seq methods)                                          */
/* ===================================================================== */

/* Emit a loop over the sequence `seq` binding the lambda's parameter, with
 * `body_fmt` applied to the lambda body's value (%s) inside. */
static void inline_loop(emitter *E, ast *lam, const char *seq_var, const type *elem,
                        const char *body_fmt) {
    lambda_info *li = sem_lambda(lam);
    char *i = tmp_name(E, "i");
    emitln(E, "for (int64_t %s = 0; %s < %s.len; %s++) {", i, i, seq_var, i);
    E->indent++;
    char *item = xasprintf("SR_SEQ_AT(%s, %s, %s)", ty_c(elem), seq_var, i);
    emit_param(E, lam->list.items[0], item);
    if (li && li->ret->kind == TY_UNIT) {
        lower_stmt(E, lam->a);
    } else {
        char *v = lower_expr(E, lam->a);
        emitln(E, body_fmt, v);
        free(v);
    }
    E->indent--;
    emitln(E, "}");
    free(item);
    free(i);
}

/* Emit a loop over `seq_var` from element `from` on, folding into the
 * variable `acc`: the two-parameter lambda gets (acc, element) and its
 * value becomes acc (foldLeft, reduce). */
static void inline_fold(emitter *E, ast *lam, const char *seq_var, const type *elem, const char *acc,
                        int from) {
    char *i = tmp_name(E, "i");
    emitln(E, "for (int64_t %s = %d; %s < %s.len; %s++) {", i, from, i, seq_var, i);
    E->indent++;
    char *item = xasprintf("SR_SEQ_AT(%s, %s, %s)", ty_c(elem), seq_var, i);
    emit_param(E, lam->list.items[0], acc);
    emit_param(E, lam->list.items[1], item);
    char *v = lower_expr_as(E, lam->a, sem_binding(lam->list.items[0])->ty);
    emitln(E, "%s = %s;", acc, v);
    free(v);
    E->indent--;
    emitln(E, "}");
    free(item);
    free(i);
}

/* Emit a stable merge sort of the indices 0 .. n-1 of sequence `seq_var`
 * into a new int64_t array `ix` (arena memory). `less` is a C expression
 * over the indices `_a` and `_b`, true when element _a goes strictly
 * before element _b; or, when lam is a two-parameter lambda (sortWith),
 * the lambda's body with its parameters bound to elements _a and _b. */
static void emit_index_sort(emitter *E, const char *seq_var, const char *ix, const char *less, ast *lam,
                            const type *elem) {
    char *tmp = tmp_name(E, "ixt");
    emitln(E, "int64_t *%s = sr_arena_alloc(cx->arena, (size_t)(%s.len * 2 + 1) * sizeof(int64_t));", ix, seq_var);
    emitln(E, "int64_t *%s = %s + %s.len;", tmp, ix, seq_var);
    emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++) %s[_k] = _k;", seq_var, ix);
    emitln(E, "for (int64_t _w = 1; _w < %s.len; _w *= 2) {", seq_var);
    emitln(E, "    for (int64_t _lo = 0; _lo < %s.len - _w; _lo += 2 * _w) {", seq_var);
    emitln(E, "        int64_t _mid = _lo + _w, _hi = _mid + _w < %s.len ? _mid + _w : %s.len;", seq_var, seq_var);
    emitln(E, "        int64_t _i = _lo, _j = _mid, _o = _lo;");
    emitln(E, "        while (_i < _mid && _j < _hi) {");
    emitln(E, "            int64_t _a = %s[_j], _b = %s[_i];", ix, ix);
    E->indent += 3;
    if (lam) { /* sortWith(lt): lt(right, left) takes the right one first */
        char *x = xasprintf("SR_SEQ_AT(%s, %s, _a)", ty_c(elem), seq_var);
        char *y = xasprintf("SR_SEQ_AT(%s, %s, _b)", ty_c(elem), seq_var);
        emitln(E, "bool _lt;");
        emitln(E, "{");
        E->indent++;
        emit_param(E, lam->list.items[0], x);
        emit_param(E, lam->list.items[1], y);
        char *v = lower_expr(E, lam->a);
        emitln(E, "_lt = %s;", v);
        free(v);
        E->indent--;
        emitln(E, "}");
        free(x);
        free(y);
    } else {
        emitln(E, "bool _lt = %s;", less);
    }
    E->indent -= 3;
    emitln(E, "            %s[_o++] = _lt ? %s[_j++] : %s[_i++];", tmp, ix, ix);
    emitln(E, "        }");
    emitln(E, "        while (_i < _mid) %s[_o++] = %s[_i++];", tmp, ix);
    emitln(E, "        while (_j < _hi) %s[_o++] = %s[_j++];", tmp, ix);
    emitln(E, "        memcpy(%s + _lo, %s + _lo, (size_t)(_hi - _lo) * sizeof(int64_t));", ix, tmp);
    emitln(E, "    }");
    emitln(E, "}");
    free(tmp);
}

/* The Map or Set (T: COLL_MAP, COLL_SET) of the elements of sequence
 * expression `elems`, as Scala builds them: one entry per key (a Map's key
 * is its pair's _1, a Set's the element), in the place of its first
 * occurrence, a Map entry with the last value; up to 4 entries in that
 * order, more sorted by key (for the lookups' binary search). */
static char *lower_to_keyed(emitter *E, const char *elems, const type *T) {
    bool map = T->coll == COLL_MAP;
    const type *P = T->elems[0], *K = map ? P->elems[0] : P;
    const char *key = map ? "._1" : "";
    char pc[32], kk[16];
    snprintf(pc, sizeof pc, "%s", ty_c(P));
    snprintf(kk, sizeof kk, "%s", tkey(K));
    strbuf tmp = { 0 }, *saved;
    char *sv = tmp_name(E, "s"), *ix = tmp_name(E, "ix"), *out = tmp_name(E, "m");
    capture_begin(E, &tmp, &saved);
    emitln(E, "sr_seq %s = %s;", sv, elems);
    char *less = xasprintf("cmp_%s(SR_SEQ_AT(%s, %s, _a)%s, SR_SEQ_AT(%s, %s, _b)%s) < 0", kk, pc, sv, key, pc, sv,
                           key);
    emit_index_sort(E, sv, ix, less, NULL, P);
    free(less);
    /* each run of equal keys: its first entry's place gets its last entry */
    emitln(E, "int64_t *_last = sr_arena_alloc(cx->arena, (size_t)(%s.len + 1) * sizeof(int64_t)), _runs = 0;", sv);
    emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++) _last[_k] = -1;", sv);
    emitln(E, "for (int64_t _k = 0, _j; _k < %s.len; _k = _j) {", sv);
    emitln(E, "    for (_j = _k + 1; _j < %s.len && cmp_%s(SR_SEQ_AT(%s, %s, %s[_j])%s, SR_SEQ_AT(%s, %s, %s[_k])%s) == 0; _j++) {}",
           sv, kk, pc, sv, ix, key, pc, sv, ix, key);
    emitln(E, "    _last[%s[_k]] = %s[_j - 1];", ix, ix);
    emitln(E, "    %s[_runs++] = %s[_k];", ix, ix); /* the runs' first entries, in key order */
    emitln(E, "}");
    emitln(E, "sr_seq %s = {0};", out);
    emitln(E, "sr_seq_reserve(cx->arena, &%s, _runs ? _runs : 1, sizeof(%s));", out, pc);
    emitln(E, "for (int64_t _k = 0; _k < (_runs <= 4 ? %s.len : _runs); _k++) {", sv);
    emitln(E, "    int64_t _f = _runs <= 4 ? _k : %s[_k];", ix);
    emitln(E, "    if (_last[_f] < 0) continue;");
    if (map)
        emitln(E, "    SR_SEQ_AT(%s, %s, %s.len++) = (%s){ SR_SEQ_AT(%s, %s, _f)._1, SR_SEQ_AT(%s, %s, _last[_f])._2 };",
               pc, out, out, pc, pc, sv, pc, sv);
    else
        emitln(E, "    SR_SEQ_AT(%s, %s, %s.len++) = SR_SEQ_AT(%s, %s, _f);", pc, out, out, pc, sv);
    emitln(E, "}");
    char *stmts = capture_end(E, &tmp, saved);
    char *r = stmt_expr(E, stmts, out);
    free(sv);
    free(ix);
    free(out);
    return r;
}

/* Look key k up in Map or Set m (of type T, built by lower_to_keyed):
 * `found` is the C expression of the result given the entry's index _at
 * (-1: absent). */
static char *lower_keyed_lookup(const type *T, const char *m, const char *k, const char *found) {
    bool map = T->coll == COLL_MAP;
    const type *P = T->elems[0], *K = map ? P->elems[0] : P;
    const char *key = map ? "._1" : "";
    char pc[32], kc[32], kk[16];
    snprintf(pc, sizeof pc, "%s", ty_c(P));
    snprintf(kc, sizeof kc, "%s", ty_c(K));
    snprintf(kk, sizeof kk, "%s", tkey(K));
    return xasprintf("({ sr_seq _m = %s; %s _key = %s; int64_t _at = -1; "
                     "if (_m.len <= 4) { for (int64_t _i = 0; _i < _m.len; _i++) "
                     "if (eq_%s(SR_SEQ_AT(%s, _m, _i)%s, _key)) { _at = _i; break; } } "
                     "else { int64_t _lo = 0, _hi = _m.len; while (_lo < _hi) { int64_t _mid = _lo + (_hi - _lo) / 2; "
                     "int _c = cmp_%s(SR_SEQ_AT(%s, _m, _mid)%s, _key); "
                     "if (_c == 0) { _at = _mid; break; } if (_c < 0) _lo = _mid + 1; else _hi = _mid; } } "
                     "%s; })",
                     m, kc, k, kk, pc, key, kk, pc, key, found);
}

static char *lower_seq_method(emitter *E, ast *e, method m, ast *recv) {
    const type *T = recv->ty, *elem = T->elems[0];
    ast *a0 = e->kind == AST_CALL && e->list.len ? e->list.items[0] : NULL;
    strbuf tmp = { 0 }, *saved;
    char *s = lower_expr(E, recv), *r = NULL;
    char *sv = tmp_name(E, "s");
    char *acc = tmp_name(E, "r");
    capture_begin(E, &tmp, &saved);
    emitln(E, "sr_seq %s = %s;", sv, s);
    switch (m) {
    case M_SEQ_FOREACH:
        inline_loop(E, a0, sv, elem, "(void)(%s);");
        r = NULL;
        break;
    case M_SEQ_MAP: {
        const type *out = e->ty->elems[0];
        emitln(E, "sr_seq %s = {0};", acc);
        emitln(E, "sr_seq_reserve(cx->arena, &%s, %s.len, sizeof(%s));", acc, sv, ty_c(out));
        char *body = xasprintf("SR_SEQ_AT(%s, %s, %s.len++) = %%s;", ty_c(out), acc, acc);
        inline_loop(E, a0, sv, elem, body);
        free(body);
        r = e->ty->coll == COLL_MAP || e->ty->coll == COLL_SET ? lower_to_keyed(E, acc, e->ty) : xstrdup(acc);
        break;
    }
    case M_SEQ_FILTER: {
        emitln(E, "sr_seq %s = {0};", acc);
        emitln(E, "sr_seq_reserve(cx->arena, &%s, %s.len, sizeof(%s));", acc, sv, ty_c(elem));
        lambda_info *li = sem_lambda(a0);
        char *var = li && li->nparams ? li->params[0]->cname : NULL;
        char *body = xasprintf("if (%%s) SR_SEQ_AT(%s, %s, %s.len++) = %s;", ty_c(elem), acc, acc,
                               var ? var : "0");
        inline_loop(E, a0, sv, elem, body);
        free(body);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_EXISTS:
    case M_SEQ_FORALL: {
        bool ex = m == M_SEQ_EXISTS;
        emitln(E, "bool %s = %s;", acc, ex ? "false" : "true");
        char *body = xasprintf(ex ? "if (%%s) { %s = true; break; }" : "if (!(%%s)) { %s = false; break; }", acc);
        inline_loop(E, a0, sv, elem, body);
        free(body);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_FOLD: {
        char *z = lower_expr_as(E, e->a->list.items[0], e->ty);
        emitln(E, "%s %s = %s;", ty_c(e->ty), acc, z);
        free(z);
        inline_fold(E, a0, sv, elem, acc, 0);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_REDUCE: {
        emitln(E, "if (%s.len == 0) sr_fail(cx, SR_ERR_INDEX, %d);", sv, e->site - 1);
        char *z = zero_of(elem);
        emitln(E, "%s %s = %s.len ? SR_SEQ_AT(%s, %s, 0) : %s;", ty_c(elem), acc, sv, ty_c(elem), sv, z);
        free(z);
        inline_fold(E, a0, sv, elem, acc, 1);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_SORTED:
    case M_SEQ_SORTBY:
    case M_SEQ_SORTWITH:
    case M_SEQ_DISTINCT: {
        char ec[32];
        snprintf(ec, sizeof ec, "%s", ty_c(elem));
        char *ix = tmp_name(E, "ix"), *keys = NULL, *less = NULL;
        if (m == M_SEQ_SORTBY) { /* the keys first, one call of f per element */
            const type *K = sem_lambda(a0)->ret;
            keys = tmp_name(E, "keys");
            emitln(E, "sr_seq %s = {0};", keys);
            emitln(E, "sr_seq_reserve(cx->arena, &%s, %s.len, sizeof(%s));", keys, sv, ty_c(K));
            char *body = xasprintf("SR_SEQ_AT(%s, %s, %s.len++) = %%s;", ty_c(K), keys, keys);
            inline_loop(E, a0, sv, elem, body);
            free(body);
            less = xasprintf("cmp_%s(SR_SEQ_AT(%s, %s, _a), SR_SEQ_AT(%s, %s, _b)) < 0", tkey(K), ty_c(K), keys,
                             ty_c(K), keys);
        } else {
            less = xasprintf("cmp_%s(SR_SEQ_AT(%s, %s, _a), SR_SEQ_AT(%s, %s, _b)) < 0", tkey(elem), ec, sv, ec, sv);
        }
        emit_index_sort(E, sv, ix, less, m == M_SEQ_SORTWITH ? a0 : NULL, elem);
        emitln(E, "sr_seq %s = {0};", acc);
        emitln(E, "sr_seq_reserve(cx->arena, &%s, %s.len, sizeof(%s));", acc, sv, ec);
        if (m == M_SEQ_DISTINCT) { /* the first of each run of equal elements, in the original order */
            emitln(E, "bool *_keep = sr_arena_alloc(cx->arena, (size_t)%s.len + 1);", sv);
            emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++)", sv);
            emitln(E, "    _keep[%s[_k]] = _k == 0 || !eq_%s(SR_SEQ_AT(%s, %s, %s[_k]), SR_SEQ_AT(%s, %s, %s[_k - 1]));",
                   ix, tkey(elem), ec, sv, ix, ec, sv, ix);
            emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++)", sv);
            emitln(E, "    if (_keep[_k]) SR_SEQ_AT(%s, %s, %s.len++) = SR_SEQ_AT(%s, %s, _k);", ec, acc, acc, ec, sv);
        } else {
            emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++)", sv);
            emitln(E, "    SR_SEQ_AT(%s, %s, %s.len++) = SR_SEQ_AT(%s, %s, %s[_k]);", ec, acc, acc, ec, sv, ix);
        }
        free(ix);
        free(keys);
        free(less);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_FLATMAP: { /* each element's collection (or Option), in order */
        const type *out = e->ty->elems[0], *ret = sem_lambda(a0)->ret;
        char oc[32];
        snprintf(oc, sizeof oc, "%s", ty_c(out));
        emitln(E, "sr_seq %s = {0};", acc);
        char *body = ret->kind == TY_OPTION
            ? xasprintf("{ %s _o = %%s; if (_o.some) *(%s *)sr_seq_push(cx->arena, &%s, sizeof(%s)) = _o.v; }",
                        ty_c(ret), oc, acc, oc)
            : xasprintf("{ sr_seq _in = %%s; for (int64_t _j = 0; _j < _in.len; _j++) "
                        "*(%s *)sr_seq_push(cx->arena, &%s, sizeof(%s)) = SR_SEQ_AT(%s, _in, _j); }",
                        oc, acc, oc, oc);
        inline_loop(E, a0, sv, elem, body);
        free(body);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_FIND: {
        lambda_info *li = sem_lambda(a0);
        char *var = li && li->nparams ? li->params[0]->cname : NULL;
        emitln(E, "%s %s = {0};", ty_c(e->ty), acc);
        char *body = xasprintf("if (%%s) { %s = (%s){ true, %s }; break; }", acc, ty_c(e->ty), var ? var : "0");
        inline_loop(E, a0, sv, elem, body);
        free(body);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_GROUPBY: { /* (key, the elements with that key in order), keyed as a Map */
        const type *P = e->ty->elems[0], *K = P->elems[0];
        char pc[32], kc[32], ec[32];
        snprintf(pc, sizeof pc, "%s", ty_c(P));
        snprintf(kc, sizeof kc, "%s", ty_c(K));
        snprintf(ec, sizeof ec, "%s", ty_c(elem));
        char *keys = tmp_name(E, "keys"), *ix = tmp_name(E, "ix");
        emitln(E, "sr_seq %s = {0};", keys);
        emitln(E, "sr_seq_reserve(cx->arena, &%s, %s.len ? %s.len : 1, sizeof(%s));", keys, sv, sv, kc);
        char *body = xasprintf("SR_SEQ_AT(%s, %s, %s.len++) = %%s;", kc, keys, keys);
        inline_loop(E, a0, sv, elem, body);
        free(body);
        char *less = xasprintf("cmp_%s(SR_SEQ_AT(%s, %s, _a), SR_SEQ_AT(%s, %s, _b)) < 0", tkey(K), kc, keys, kc, keys);
        emit_index_sort(E, keys, ix, less, NULL, K);
        free(less);
        /* the runs of equal keys, then the groups in the order of their
         * first elements (the order lower_to_keyed keeps for small maps) */
        char *firsts = tmp_name(E, "firsts"), *order = tmp_name(E, "order");
        emitln(E, "sr_seq %s = {0};", firsts);
        emitln(E, "int64_t *_ends = sr_arena_alloc(cx->arena, (size_t)(%s.len + 1) * sizeof(int64_t));", keys);
        emitln(E, "for (int64_t _k = 0, _j; _k < %s.len; _k = _j) {", keys);
        emitln(E, "    for (_j = _k + 1; _j < %s.len && cmp_%s(SR_SEQ_AT(%s, %s, %s[_j]), SR_SEQ_AT(%s, %s, %s[_k])) == 0; _j++) {}",
               keys, tkey(K), kc, keys, ix, kc, keys, ix);
        emitln(E, "    _ends[%s.len] = _j;", firsts);
        emitln(E, "    *(int64_t *)sr_seq_push(cx->arena, &%s, sizeof(int64_t)) = _k;", firsts);
        emitln(E, "}");
        char *by_first = xasprintf("%s[SR_SEQ_AT(int64_t, %s, _a)] < %s[SR_SEQ_AT(int64_t, %s, _b)]", ix, firsts, ix,
                                   firsts);
        emit_index_sort(E, firsts, order, by_first, NULL, ty_int());
        free(by_first);
        emitln(E, "sr_seq %s = {0};", acc);
        emitln(E, "for (int64_t _r = 0; _r < %s.len; _r++) {", firsts);
        emitln(E, "    int64_t _k = SR_SEQ_AT(int64_t, %s, %s[_r]);", firsts, order);
        emitln(E, "    sr_seq _g = {0};");
        emitln(E, "    for (int64_t _j = _k; _j < _ends[%s[_r]]; _j++)", order);
        emitln(E, "        *(%s *)sr_seq_push(cx->arena, &_g, sizeof(%s)) = SR_SEQ_AT(%s, %s, %s[_j]);", ec, ec, ec, sv, ix);
        emitln(E, "    *(%s *)sr_seq_push(cx->arena, &%s, sizeof(%s)) = (%s){ SR_SEQ_AT(%s, %s, %s[_k]), _g };", pc, acc,
               pc, pc, kc, keys, ix);
        emitln(E, "}");
        r = lower_to_keyed(E, acc, e->ty);
        free(keys);
        free(ix);
        free(firsts);
        free(order);
        break;
    }
    case M_SEQ_COUNT: {
        emitln(E, "int64_t %s = 0;", acc);
        char *body = xasprintf("if (%%s) %s++;", acc);
        inline_loop(E, a0, sv, elem, body);
        free(body);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_SUM:
        emitln(E, "%s %s = 0;", ty_c(elem), acc);
        emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++)", sv);
        if (elem->kind == TY_INT)
            emitln(E, "    %s = sr_add(%s, SR_SEQ_AT(int64_t, %s, _k));", acc, acc, sv);
        else
            emitln(E, "    %s += SR_SEQ_AT(double, %s, _k);", acc, sv);
        r = xstrdup(acc);
        break;
    case M_SEQ_MAX:
    case M_SEQ_MIN:
        emitln(E, "if (%s.len == 0) sr_fail(cx, SR_ERR_INDEX, %d);", sv, e->site - 1);
        char *z = zero_of(elem);
        emitln(E, "%s %s = %s.len ? SR_SEQ_AT(%s, %s, 0) : %s;", ty_c(elem), acc, sv, ty_c(elem), sv, z);
        free(z);
        emitln(E, "for (int64_t _k = 1; _k < %s.len; _k++)", sv);
        emitln(E, "    if (cmp_%s(SR_SEQ_AT(%s, %s, _k), %s) %s 0) %s = SR_SEQ_AT(%s, %s, _k);",
               tkey(elem), ty_c(elem), sv, acc, m == M_SEQ_MAX ? ">" : "<", acc, ty_c(elem), sv);
        r = xstrdup(acc);
        break;
    case M_SEQ_CONTAINS: {
        char *x = lower_expr_as(E, a0, elem);
        char *xv = tmp_name(E, "x");
        emitln(E, "%s %s = %s;", ty_c(elem), xv, x);
        emitln(E, "bool %s = false;", acc);
        emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++)", sv);
        emitln(E, "    if (eq_%s(SR_SEQ_AT(%s, %s, _k), %s)) { %s = true; break; }", tkey(elem),
               ty_c(elem), sv, xv, acc);
        free(x);
        free(xv);
        r = xstrdup(acc);
        break;
    }
    case M_SEQ_MKSTRING: {
        char *sep = a0 ? lower_expr(E, a0) : xstrdup("SR_LIT(\"\")");
        emitln(E, "sr_str _sep = %s;", sep);
        emitln(E, "sr_buf _b = {0};");
        emitln(E, "for (int64_t _k = 0; _k < %s.len; _k++) {", sv);
        emitln(E, "    if (_k) sr_buf_str(&_b, _sep);");
        emitln(E, "    fmt_%s(&_b, SR_SEQ_AT(%s, %s, _k));", tkey(elem), ty_c(elem), sv);
        emitln(E, "}");
        emitln(E, "sr_str %s = sr_buf_to_str(cx, &_b);", acc);
        emitln(E, "sr_buf_free(&_b);");
        free(sep);
        r = xstrdup(acc);
        break;
    }
    default:
        break;
    }
    char *stmts = capture_end(E, &tmp, saved);
    char *out = stmt_expr(E, stmts, r);
    free(r);
    free(s);
    free(sv);
    free(acc);
    return out;
}

/* ===================================================================== */
/* Method calls                                                          */
/* ===================================================================== */

/* math.max(a, b) / a.max(b) and the mins, of numbers of type t: Java's
 * Math.max/min for Doubles (NaN wins, 0.0 above -0.0). */
static char *lower_max_min(const type *t, bool max, const char *a, const char *b) {
    if (t->kind == TY_DOUBLE)
        return xasprintf("sr_double_%s(%s, %s)", max ? "max" : "min", a, b);
    return xasprintf("({ %s _a = %s, _b = %s; _a %s _b ? _a : _b; })", ty_c(t), a, b, max ? ">=" : "<=");
}

/* math.abs(a) / a.abs. */
static char *lower_abs(const type *t, const char *a) {
    if (t->kind == TY_DOUBLE)
        return xasprintf("fabs(%s)", a);
    return xasprintf("({ int64_t _a = %s; _a < 0 ? sr_neg(_a) : _a; })", a);
}

/* Where appended elements live: data kept across batches (broadcast values,
 * top-level vars) goes to the program's arena, with its strings copied. */
static bool persistent_target(ast *recv) {
    if (sem_method(recv) == M_BC_VALUE)
        return true;
    binding *b = sem_binding(recv);
    return b && (b->kind == BIND_GLOBAL || b->kind == BIND_DRIVER);
}

static char *lower_append(emitter *E, ast *recv, ast *value) {
    const type *elem = recv->ty->elems[0];
    char *target = lower_expr(E, recv);
    char *v = lower_expr_as(E, value, elem);
    char *r;
    /* nothing is appended when computing the value failed */
    if (persistent_target(recv))
        r = xasprintf("({ %s _v = %s; if (SR_LIKELY(!cx->err)) *(%s *)sr_seq_push(&sr_prog_arena, &%s, sizeof(%s)) = copy_%s(&sr_prog_arena, _v); })",
                      ty_c(elem), v, ty_c(elem), target, ty_c(elem), tkey(elem));
    else
        r = xasprintf("({ %s _v = %s; if (SR_LIKELY(!cx->err)) *(%s *)sr_seq_push(cx->arena, &%s, sizeof(%s)) = _v; })",
                      ty_c(elem), v, ty_c(elem), target, ty_c(elem));
    free(target);
    free(v);
    return r;
}

/* fmt.format(args): the text pieces and one sr_fmt_* call per conversion,
 * into a buffer (see compiler/format.h). */
static char *lower_format(emitter *E, ast *e) {
    fmt_piece *pieces;
    int npieces;
    char *err = fmt_parse(e->str, e->str_len, &pieces, &npieces);
    free(err); /* the checker reported it */
    strbuf b = { 0 };
    sb_puts(&b, "({ sr_buf _fb = {0}; ");
    int arg = (int)e->ival;
    for (int i = 0; i < npieces; i++) {
        const fmt_piece *p = &pieces[i];
        if (!p->conv || p->conv == 'n' || p->conv == '%') {
            const char *t = !p->conv ? p->text : p->conv == 'n' ? "\n" : "%";
            size_t n = !p->conv ? p->len : 1;
            char *lit = c_string_lit(t, n);
            sb_printf(&b, "sr_buf_put(&_fb, %s, %zu); ", lit, n);
            free(lit);
            continue;
        }
        ast *a = e->list.items[arg++];
        sb_printf(&b, "sr_fmt_%s(&_fb, &(sr_fmt){ '%c', %d, %d, %d, %d, %d, %d, %d }, ",
                  strchr("dxXo", p->conv) ? "long" : strchr("feE", p->conv) ? "double" : "str", p->conv,
                  p->left, p->zero, p->comma, p->plus, p->space, p->width, p->prec);
        char *v;
        if (p->conv == 'b' && a->ty->kind == TY_BOOL) {
            char *x = lower_expr(E, a);
            v = xasprintf("sr_bool_to_str(%s)", x);
            free(x);
        } else if (p->conv == 'b') { /* Java: any non-null value is true */
            v = xstrdup("SR_LIT(\"true\")");
        } else if (strchr("sS", p->conv)) {
            v = lower_tostr(E, a);
        } else {
            v = lower_expr_as(E, a, a->ty);
        }
        sb_printf(&b, "%s); ", v);
        free(v);
    }
    sb_puts(&b, "sr_str _fr = sr_buf_to_str(cx, &_fb); sr_buf_free(&_fb); _fr; })");
    free(pieces);
    return sb_take(&b);
}

static char *lower_method(emitter *E, ast *e) {
    method m = sem_method(e);
    ast *sel = e->kind == AST_CALL ? e->a : e;
    ast *recv = sel->kind == AST_SELECT ? sel->a : NULL;
    ast *a0 = e->kind == AST_CALL && e->list.len > 0 ? e->list.items[0] : NULL;
    ast *a1 = e->kind == AST_CALL && e->list.len > 1 ? e->list.items[1] : NULL;
    char *R = NULL, *A = NULL, *B = NULL, *r = NULL;
    int site = e->site - 1;

    if (m >= R_MAP && m <= R_IDENTITY)
        return lower_rdd_method(E, e, m, recv);
    if (m == M_SEQ_FOREACH || m == M_SEQ_MAP || m == M_SEQ_FILTER || m == M_SEQ_EXISTS ||
        m == M_SEQ_FORALL || m == M_SEQ_SUM || m == M_SEQ_MAX || m == M_SEQ_MIN ||
        m == M_SEQ_CONTAINS || m == M_SEQ_MKSTRING || m == M_SEQ_REDUCE || m == M_SEQ_COUNT ||
        m == M_SEQ_SORTED || m == M_SEQ_SORTBY || m == M_SEQ_SORTWITH || m == M_SEQ_DISTINCT ||
        m == M_SEQ_FLATMAP || m == M_SEQ_FIND || m == M_SEQ_GROUPBY)
        return lower_seq_method(E, e, m, recv);
    if (m == M_SEQ_FOLD) /* xs.foldLeft(z)(f): e->a is the call with z */
        return lower_seq_method(E, e, m, e->a->a->a);
    if (m == M_SEQ_APPEND)
        return lower_append(E, recv, a0);
    if (m == M_MAP_APPLY || m == M_MAP_GET || m == M_MAP_GETORELSE || m == M_MAP_CONTAINS) {
        /* m(k), s(x), bc.value(k): e->a is the collection; m.get(k),
         * s.contains(x): e->a selects the method (no meaning of its own) */
        ast *map = e->a->kind != AST_SELECT || sem_method(e->a) != M_NONE ? e->a : recv;
        bool is_map = map->ty->coll == COLL_MAP;
        const type *V = is_map ? map->ty->elems[0]->elems[1] : NULL;
        R = lower_expr(E, map);
        A = lower_expr_as(E, a0, is_map ? map->ty->elems[0]->elems[0] : map->ty->elems[0]);
        char *found;
        if (m == M_MAP_APPLY) {
            char *z = zero_of(V);
            found = xasprintf("if (_at < 0) sr_fail(cx, SR_ERR_KEY, %d); _at >= 0 ? SR_SEQ_AT(%s, _m, _at)._2 : %s",
                              site, ty_c(map->ty->elems[0]), z);
            free(z);
        } else if (m == M_MAP_GET) {
            found = xasprintf("_at >= 0 ? (%s){ true, SR_SEQ_AT(%s, _m, _at)._2 } : (%s){ 0 }", ty_c(e->ty),
                              ty_c(map->ty->elems[0]), ty_c(e->ty));
        } else if (m == M_MAP_GETORELSE) {
            B = lower_expr_as(E, a1, V);
            found = xasprintf("_at >= 0 ? SR_SEQ_AT(%s, _m, _at)._2 : %s", ty_c(map->ty->elems[0]), B);
        } else {
            found = xstrdup("_at >= 0");
        }
        r = lower_keyed_lookup(map->ty, R, A, found);
        free(found);
        goto done;
    }
    if (m == M_SEQ_APPLY) {
        R = lower_expr(E, e->a);
        A = lower_expr(E, a0);
        r = xasprintf("SR_SEQ_GET(cx, %s, %s, %s, %d)", ty_c(e->ty), R, A, site);
        goto done;
    }
    if (m == F_PARTITION_ID) {
        r = xstrdup("((int64_t)cx->partition)");
        goto done;
    }
    if (m == F_MATH_MAX || m == F_MATH_MIN || m == F_MATH_ABS) {
        A = lower_expr_as(E, a0, e->ty);
        if (m == F_MATH_ABS) {
            r = lower_abs(e->ty, A);
        } else {
            B = lower_expr_as(E, a1, e->ty);
            r = lower_max_min(e->ty, m == F_MATH_MAX, A, B);
        }
        goto done;
    }
    if (m == F_MATH_DOUBLE) {
        A = lower_expr_as(E, a0, ty_double());
        B = a1 ? lower_expr_as(E, a1, ty_double()) : NULL;
        r = xasprintf("%s(%s%s%s)", math_doubles[e->ival].c_fn, A, B ? ", " : "", B ? B : "");
        goto done;
    }
    if (m == F_MATH_ROUND) {
        A = lower_expr_as(E, a0, ty_double());
        r = xasprintf("sr_double_round(%s)", A);
        goto done;
    }
    if (m == M_STR_FORMAT) {
        r = lower_format(E, e);
        goto done;
    }
    if (m == F_VALUEOF) {
        r = lower_tostr(E, a0);
        goto done;
    }
    if (m == F_INT_CONST) {
        r = e->ival == INT64_MIN ? xstrdup("INT64_MIN") : xasprintf("INT64_C(%" PRId64 ")", e->ival);
        goto done;
    }
    if (recv)
        R = lower_expr(E, recv);
    switch (m) {
    case M_STR_SPLIT: A = lower_expr(E, a0); r = xasprintf("sr_str_split(cx, %s, %s)", R, A); break;
    case M_STR_TRIM: r = xasprintf("sr_str_trim(%s)", R); break;
    case M_STR_LOWER: r = xasprintf("sr_str_lower(cx, %s)", R); break;
    case M_STR_UPPER: r = xasprintf("sr_str_upper(cx, %s)", R); break;
    case M_STR_LENGTH: r = xasprintf("(%s).len", R); break;
    case M_STR_CONTAINS: A = lower_expr(E, a0); r = xasprintf("sr_str_contains(%s, %s)", R, A); break;
    case M_STR_STARTS: A = lower_expr(E, a0); r = xasprintf("sr_str_starts_with(%s, %s)", R, A); break;
    case M_STR_ENDS: A = lower_expr(E, a0); r = xasprintf("sr_str_ends_with(%s, %s)", R, A); break;
    case M_STR_SUBSTRING:
        A = lower_expr(E, a0);
        if (a1) {
            B = lower_expr(E, a1);
            r = xasprintf("sr_str_substring(cx, %s, %s, %s, %d)", R, A, B, site);
        } else {
            r = xasprintf("sr_str_substring_from(cx, %s, %s, %d)", R, A, site);
        }
        break;
    case M_STR_REPLACE:
        A = lower_expr(E, a0);
        B = lower_expr(E, a1);
        r = xasprintf("sr_str_replace(cx, %s, %s, %s)", R, A, B);
        break;
    case M_STR_REPLACEALL:
        A = lower_expr(E, a0);
        B = lower_expr(E, a1);
        r = xasprintf("sr_str_replace_all(cx, %s, %s, %s)", R, A, B);
        break;
    case M_STR_TOINT: r = xasprintf("sr_str_to_long(cx, %s, %d)", R, site); break;
    case M_STR_TODOUBLE: r = xasprintf("sr_str_to_double(cx, %s, %d)", R, site); break;
    case M_STR_ISEMPTY: r = xasprintf("((%s).len == 0)", R); break;
    case M_STR_NONEMPTY: r = xasprintf("((%s).len != 0)", R); break;
    case M_STR_INDEXOF: A = lower_expr(E, a0); r = xasprintf("sr_str_index_of(%s, %s)", R, A); break;
    case M_STR_EQUALS: A = lower_expr(E, a0); r = xasprintf("sr_str_eq(%s, %s)", R, A); break;
    case M_STR_TAKE: A = lower_expr(E, a0); r = xasprintf("sr_str_slice(%s, 0, %s)", R, A); break;
    case M_STR_DROP: A = lower_expr(E, a0); r = xasprintf("sr_str_slice(%s, %s, INT64_MAX)", R, A); break;
    case M_STR_TAKERIGHT:
    case M_STR_DROPRIGHT:
        A = lower_expr(E, a0);
        r = xasprintf(m == M_STR_TAKERIGHT ? "({ sr_str _s = %s; int64_t _n = %s; sr_str_slice(_s, _n < 0 ? _s.len : _s.len - _n, _s.len); })"
                                           : "({ sr_str _s = %s; int64_t _n = %s; sr_str_slice(_s, 0, _n < 0 ? _s.len : _s.len - _n); })",
                      R, A);
        break;
    case M_STR_SLICE:
        A = lower_expr(E, a0);
        B = lower_expr(E, a1);
        r = xasprintf("sr_str_slice(%s, %s, %s)", R, A, B);
        break;
    case M_STR_REVERSE: r = xasprintf("sr_str_reverse(cx, %s)", R); break;
    case M_STR_CAPITALIZE: r = xasprintf("sr_str_capitalize(cx, %s)", R); break;
    case M_STR_LASTINDEXOF: A = lower_expr(E, a0); r = xasprintf("sr_str_last_index_of(%s, %s)", R, A); break;
    case M_STR_STRIPPREFIX: A = lower_expr(E, a0); r = xasprintf("sr_str_strip_prefix(%s, %s)", R, A); break;
    case M_STR_STRIPSUFFIX: A = lower_expr(E, a0); r = xasprintf("sr_str_strip_suffix(%s, %s)", R, A); break;
    case M_STR_CONCAT: A = lower_expr(E, a0); r = xasprintf("sr_str_concat(cx, %s, %s)", R, A); break;
    case M_STR_EQUALSIC: A = lower_expr(E, a0); r = xasprintf("sr_str_equals_ignore_case(%s, %s)", R, A); break;
    case M_STR_COMPARETO: A = lower_expr(E, a0); r = xasprintf("sr_str_compare_to(%s, %s)", R, A); break;
    case M_STR_HASHCODE: r = xasprintf("sr_str_hash_code(%s)", R); break;
    case M_STR_INDEXOF_FROM:
        A = lower_expr(E, a0);
        B = lower_expr(E, a1);
        r = xasprintf("sr_str_index_of_from(%s, %s, %s)", R, A, B);
        break;
    case M_STR_SPLIT_LIMIT:
        A = lower_expr(E, a0);
        B = lower_expr(E, a1);
        r = xasprintf("sr_str_split_limit(cx, %s, %s, %s)", R, A, B);
        break;
    case M_TOSTRING:
        r = recv->ty->kind == TY_STRING ? xstrdup(R) : xasprintf("tostr_%s(cx, %s)", tkey(recv->ty), R);
        break;
    case M_NUM_TOINT:
        r = recv->ty->kind == TY_DOUBLE ? xasprintf("sr_double_to_long(%s)", R) : xstrdup(R);
        break;
    case M_NUM_TODOUBLE: r = xasprintf("((double)(%s))", R); break;
    case M_NUM_MAX:
    case M_NUM_MIN:
        A = lower_expr_as(E, a0, e->ty);
        r = lower_max_min(e->ty, m == M_NUM_MAX, R, A);
        break;
    case M_NUM_ABS:
        r = lower_abs(e->ty, R);
        break;
    case M_TUPLE_FIELD: r = xasprintf("(%s)._%" PRId64, R, sel->ival); break;
    case M_TUPLE_SWAP: {
        char swapped[32];
        snprintf(swapped, sizeof swapped, "%s", ty_c(e->ty));
        r = xasprintf("({ %s _t = %s; (%s){_t._2, _t._1}; })", ty_c(recv->ty), R, swapped);
        break;
    }
    case M_OPT_ISEMPTY: r = xasprintf("(!(%s).some)", R); break;
    case M_OPT_ISDEFINED: r = xasprintf("((%s).some)", R); break;
    case M_OPT_GET:
        r = xasprintf("({ %s _o = %s; if (!_o.some) sr_fail(cx, SR_ERR_NONE_GET, %d); _o.v; })",
                      ty_c(recv->ty), R, site);
        break;
    case M_OPT_GETORELSE:
        A = lower_expr_as(E, a0, e->ty);
        r = xasprintf("({ %s _o = %s; _o.some ? _o.v : %s; })", ty_c(recv->ty), R, A);
        break;
    case M_SEQ_SIZE: r = xasprintf("(%s).len", R); break;
    case M_SEQ_ISEMPTY: r = xasprintf("((%s).len == 0)", R); break;
    case M_SEQ_NONEMPTY: r = xasprintf("((%s).len != 0)", R); break;
    case M_SEQ_HEAD: r = xasprintf("SR_SEQ_GET(cx, %s, %s, 0, %d)", ty_c(e->ty), R, site); break;
    case M_SEQ_LAST:
        r = xasprintf("({ sr_seq _l = %s; SR_SEQ_GET(cx, %s, _l, _l.len - 1, %d); })", R, ty_c(e->ty), site);
        break;
    case M_SEQ_TOSEQ: r = xstrdup(R); break;
    case M_SEQ_TOMAP:
    case M_SEQ_TOSET: r = lower_to_keyed(E, R, e->ty); break;
    case M_SEQ_HEADOPTION:
    case M_SEQ_LASTOPTION:
        r = xasprintf("({ sr_seq _s = %s; _s.len ? (%s){ true, SR_SEQ_AT(%s, _s, %s) } : (%s){ 0 }; })", R,
                      ty_c(e->ty), ty_c(recv->ty->elems[0]), m == M_SEQ_HEADOPTION ? "0" : "_s.len - 1", ty_c(e->ty));
        break;
    case M_SEQ_INDEXOF: {
        char ec[32];
        snprintf(ec, sizeof ec, "%s", ty_c(recv->ty->elems[0]));
        A = lower_expr_as(E, a0, recv->ty->elems[0]);
        r = xasprintf("({ sr_seq _s = %s; %s _x = %s; int64_t _at = -1; for (int64_t _k = 0; _k < _s.len; _k++) "
                      "if (eq_%s(SR_SEQ_AT(%s, _s, _k), _x)) { _at = _k; break; } _at; })",
                      R, ec, A, tkey(recv->ty->elems[0]), ec);
        break;
    }
    case M_SEQ_ZIP:
    case M_SEQ_ZIPWITHINDEX: {
        const type *P = e->ty->elems[0];
        char pc[32], ac[32];
        snprintf(pc, sizeof pc, "%s", ty_c(P));
        snprintf(ac, sizeof ac, "%s", ty_c(P->elems[0]));
        if (m == M_SEQ_ZIP) {
            char *ys = lower_expr(E, a0);
            A = xasprintf(", _b = %s", ys);
            free(ys);
        } else {
            A = xstrdup("");
        }
        B = m == M_SEQ_ZIP ? xasprintf("SR_SEQ_AT(%s, _b, _k)", ty_c(P->elems[1])) : xstrdup("_k");
        r = xasprintf("({ sr_seq _a = %s%s, _r = {0}; int64_t _n = %s; "
                      "sr_seq_reserve(cx->arena, &_r, _n ? _n : 1, sizeof(%s)); "
                      "for (int64_t _k = 0; _k < _n; _k++) SR_SEQ_AT(%s, _r, _r.len++) = (%s){ SR_SEQ_AT(%s, _a, _k), %s }; _r; })",
                      R, A, m == M_SEQ_ZIP ? "_a.len < _b.len ? _a.len : _b.len" : "_a.len", pc, pc, pc, ac, B);
        break;
    }
    case M_MAP_KEYS:
    case M_MAP_VALUES: {
        char ec[32];
        snprintf(ec, sizeof ec, "%s", ty_c(e->ty->elems[0]));
        r = xasprintf("({ sr_seq _m = %s, _r = {0}; sr_seq_reserve(cx->arena, &_r, _m.len ? _m.len : 1, sizeof(%s)); "
                      "for (int64_t _k = 0; _k < _m.len; _k++) SR_SEQ_AT(%s, _r, _r.len++) = SR_SEQ_AT(%s, _m, _k)._%d; _r; })",
                      R, ec, ec, ty_c(recv->ty->elems[0]), m == M_MAP_KEYS ? 1 : 2);
        break;
    }
    case M_SEQ_TAKE:
    case M_SEQ_DROP:
    case M_SEQ_SLICE: { /* a view of elements [_a, _b), with no room to append in place */
        char ec[32];
        snprintf(ec, sizeof ec, "%s", ty_c(e->ty->elems[0]));
        A = lower_expr(E, a0);
        B = m == M_SEQ_SLICE ? lower_expr(E, a1) : NULL;
        r = xasprintf("({ sr_seq _s = %s; int64_t _a = %s, _b = %s; "
                      "_a = _a < 0 ? 0 : _a > _s.len ? _s.len : _a; _b = _b < _a ? _a : _b > _s.len ? _s.len : _b; "
                      "(sr_seq){ (char *)_s.ptr + _a * (int64_t)sizeof(%s), _b - _a, _b - _a }; })",
                      R, m == M_SEQ_TAKE ? "0" : A, m == M_SEQ_TAKE ? A : m == M_SEQ_DROP ? "INT64_MAX" : B, ec);
        break;
    }
    case M_SEQ_REVERSE: {
        char ec[32];
        snprintf(ec, sizeof ec, "%s", ty_c(e->ty->elems[0]));
        r = xasprintf("({ sr_seq _s = %s, _r = {0}; sr_seq_reserve(cx->arena, &_r, _s.len, sizeof(%s)); "
                      "for (int64_t _k = _s.len - 1; _k >= 0; _k--) SR_SEQ_AT(%s, _r, _r.len++) = SR_SEQ_AT(%s, _s, _k); _r; })",
                      R, ec, ec, ec);
        break;
    }
    case M_TIME_MS: r = xstrdup(R); break;
    case M_RECORD_FIELD: r = xasprintf(record_fields[e->ival].c_fmt, R); break;
    case M_KAFKA_RANGES: r = xasprintf("sr_kafka_offset_ranges(cx->batch, %lld)", (long long)e->ival); break;
    case M_KAFKA_COMMIT:
        A = lower_expr(E, a0);
        r = xasprintf("(sr_kafka_commit(cx->batch, %lld, %s), 0)", (long long)e->ival, A);
        break;
    case M_BC_VALUE: {
        binding *b = sem_binding(recv);
        bool driver = E->fn ? E->fn->driver : true;
        r = b ? xasprintf("%s_%s", b->cname, driver ? "live" : "snap") : xstrdup("((sr_seq){0})");
        break;
    }
    case M_IGNORED: r = xstrdup("0"); break;
    default:
        r = xasprintf("0 /* unsupported method %d */", m);
        break;
    }
done:
    free(R);
    free(A);
    free(B);
    return r;
}

/* Function-like calls: println, Some, Option, Seq(...), ... */
static char *lower_function(emitter *E, ast *e) {
    method m = sem_method(e);
    ast *a0 = e->list.len ? e->list.items[0] : NULL;
    switch (m) {
    case F_PRINTLN: {
        if (!a0)
            return xstrdup("({ sr_buf _b = {0}; sr_println(cx->batch, &_b); })");
        char *x = lower_expr(E, a0);
        /* nothing is printed when computing the value failed */
        char *r = xasprintf("({ %s _v = %s; if (SR_LIKELY(!cx->err)) { sr_buf _b = {0}; fmt_%s(&_b, _v); "
                            "sr_println(cx->batch, &_b); sr_buf_free(&_b); } })",
                            ty_c(a0->ty), x, tkey(a0->ty));
        free(x);
        return r;
    }
    case F_SOME:
    case F_OPTION: {
        const type *elem = e->ty->elems[0];
        char *x = lower_expr_as(E, a0, elem);
        char *r;
        if (m == F_OPTION && (elem->kind == TY_STRING || elem->kind == TY_SEQ))
            r = xasprintf("({ %s _x = %s; (%s){_x.ptr != NULL, _x}; })", ty_c(elem), x, ty_c(e->ty));
        else
            r = xasprintf("((%s){true, %s})", ty_c(e->ty), x);
        free(x);
        return r;
    }
    case F_SEQ:
    case F_LIST:
    case F_ARRAY:
    case F_LISTBUFFER:
    case F_MAP:
    case F_SET: {
        const type *elem = e->ty->elems[0];
        strbuf b = { 0 };
        sb_printf(&b, "({ sr_seq _s = {0}; sr_seq_reserve(cx->arena, &_s, %d, sizeof(%s)); ",
                  e->list.len ? e->list.len : 1, ty_c(elem));
        for (int i = 0; i < e->list.len; i++) {
            char *x = lower_expr_as(E, e->list.items[i], elem);
            sb_printf(&b, "SR_SEQ_AT(%s, _s, _s.len++) = %s; ", ty_c(elem), x);
            free(x);
        }
        sb_puts(&b, "_s; })");
        if (sem_method(e) != F_MAP && sem_method(e) != F_SET)
            return sb_take(&b);
        char *pairs = sb_take(&b), *r = lower_to_keyed(E, pairs, e->ty);
        free(pairs);
        return r;
    }
    default:
        return xstrdup("0");
    }
}

/* ===================================================================== */
/* Expressions                                                           */
/* ===================================================================== */

static char *lower_block(emitter *E, ast *e) {
    strbuf tmp = { 0 }, *saved;
    capture_begin(E, &tmp, &saved);
    char *value = NULL;
    for (int i = 0; i < e->list.len; i++) {
        ast *s = e->list.items[i];
        bool last = i == e->list.len - 1;
        bool is_stmt = s->kind == AST_VAL || s->kind == AST_VAR || s->kind == AST_ASSIGN ||
                       s->kind == AST_FOR || s->kind == AST_IMPORT;
        if (last && !is_stmt && e->ty->kind != TY_UNIT)
            value = lower_expr_as(E, s, e->ty);
        else
            lower_stmt(E, s);
    }
    char *stmts = capture_end(E, &tmp, saved);
    char *r = stmt_expr(E, stmts, value);
    free(value);
    return r;
}

static char *lower_if(emitter *E, ast *e) {
    char *c = lower_expr(E, e->a);
    char *r;
    if (e->ty->kind == TY_UNIT || !e->c) {
        strbuf tmp = { 0 }, *saved;
        capture_begin(E, &tmp, &saved);
        emitln(E, "if (%s) {", c);
        E->indent++;
        lower_stmt(E, e->b);
        E->indent--;
        if (e->c) {
            emitln(E, "} else {");
            E->indent++;
            lower_stmt(E, e->c);
            E->indent--;
        }
        emitln(E, "}");
        char *stmts = capture_end(E, &tmp, saved);
        r = stmt_expr(E, stmts, NULL);
    } else {
        char *t = lower_expr_as(E, e->b, e->ty);
        char *f = lower_expr_as(E, e->c, e->ty);
        r = xasprintf("(%s ? %s : %s)", c, t, f);
        free(t);
        free(f);
    }
    free(c);
    return r;
}

static char *lower_interp(emitter *E, ast *e) {
    char *acc = xstrdup("SR_LIT(\"\")");
    for (int i = 0; i < e->list.len; i++) {
        char *part = lower_tostr(E, e->list.items[i]);
        char *next = i == 0 ? xstrdup(part) : xasprintf("sr_str_concat(cx, %s, %s)", acc, part);
        free(acc);
        free(part);
        acc = next;
    }
    return acc;
}

char *lower_expr(emitter *E, ast *e) {
    switch (e->kind) {
    case AST_INT:
        if (e->ival == INT64_MIN)
            return xstrdup("INT64_MIN");
        return xasprintf("INT64_C(%" PRId64 ")", e->ival);
    case AST_DOUBLE: {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", e->dval);
        if (!strpbrk(buf, ".eEni"))
            strcat(buf, ".0");
        return xasprintf("%s", buf);
    }
    case AST_STRING: {
        char *lit = c_string_lit(e->str, e->str_len);
        char *r = xasprintf("((sr_str){%s, %zu})", lit, e->str_len);
        free(lit);
        return r;
    }
    case AST_BOOL: return xstrdup(e->ival ? "true" : "false");
    case AST_NULL: return xstrdup("((sr_str){0})");
    case AST_DURATION: return xasprintf("INT64_C(%" PRId64 ")", e->ival);
    case AST_INTERP: return lower_interp(E, e);
    case AST_IDENT: {
        binding *b = sem_binding(e);
        if (b && b->kind == BIND_GLOBAL && b->ty->kind == TY_RDD) /* parallelized: one partition */
            return xasprintf("((sr_rdd){ 1, &%s })", b->cname);
        if (b)
            return xstrdup(b->cname);
        if (sem_method(e) == F_NONE)
            return zero_of(e->ty);
        return xstrdup("0");
    }
    case AST_UNARY: {
        char *x = lower_expr(E, e->a);
        char *r;
        if (e->op == AST_OP_NOT)
            r = xasprintf("(!%s)", x);
        else if (e->ty->kind == TY_INT)
            r = xasprintf("sr_neg(%s)", x);
        else
            r = xasprintf("(-%s)", x);
        free(x);
        return r;
    }
    case AST_BINARY: return lower_binary(E, e);
    case AST_IF: return lower_if(E, e);
    case AST_BLOCK: return lower_block(E, e);
    case AST_TUPLE: return lower_tuple(E, e, e->ty);
    case AST_SELECT: return lower_method(E, e);
    case AST_CALL:
        if (e->a->kind == AST_IDENT && !sem_binding(e->a) && sem_method(e) != M_SEQ_APPLY)
            return lower_function(E, e);
        return lower_method(E, e);
    case AST_ASCRIBE:
    case AST_NAMED_ARG: return lower_expr(E, e->a);
    case AST_NEW: return xstrdup("0");
    case AST_VAL: case AST_VAR: case AST_ASSIGN: case AST_FOR: {
        strbuf tmp = { 0 }, *saved;
        capture_begin(E, &tmp, &saved);
        lower_stmt(E, e);
        char *stmts = capture_end(E, &tmp, saved);
        return stmt_expr(E, stmts, NULL);
    }
    case AST_PROGRAM: case AST_SETTING: case AST_IMPORT: case AST_PLACEHOLDER: case AST_LAMBDA:
    case AST_PARAM: case AST_TYPE: case AST_TYPE_TUPLE:
        break;
    }
    return xstrdup("0");
}

/* ===================================================================== */
/* Statements                                                            */
/* ===================================================================== */

/* Is the RDD bound by `b` used by any statement of `list` from `from` on? */
static bool uses_binding(const ast *e, const binding *b) {
    if (!e)
        return false;
    if (e->sem_kind == SEM_BINDING && e->sem == b && e->kind == AST_IDENT)
        return true;
    if (uses_binding(e->a, b) || uses_binding(e->b, b) || uses_binding(e->c, b))
        return true;
    for (int i = 0; i < e->list.len; i++)
        if (uses_binding(e->list.items[i], b))
            return true;
    return false;
}

/* val (a, b) = e, val Array(a, b) = e: see check_val_pattern. */
static void lower_val_pattern(emitter *E, ast *s) {
    ast *pat = s->b;
    char *v = lower_expr_as(E, s->a, pat->ty);
    if (!s->str) {
        emit_param(E, pat, v);
        free(v);
        emit_bail(E, s);
        return;
    }
    binding *whole = sem_binding(pat);
    emit_bind(E, whole, v);
    free(v);
    emitln(E, "if (SR_UNLIKELY(%s.len != %d)) { sr_fail(cx, SR_ERR_MATCH, %d); %s }", whole->cname, pat->list.len,
           s->site - 1, E->bail);
    for (int i = 0; i < pat->list.len; i++) {
        char *x = xasprintf("SR_SEQ_AT(%s, %s, %d)", ty_c(pat->ty->elems[0]), whole->cname, i);
        emit_param(E, pat->list.items[i], x);
        free(x);
    }
}

static void lower_stmt(emitter *E, ast *s) {
    if (E->opt->line_directives && s->kind != AST_BLOCK)
        emit_line_of(E, s);
    switch (s->kind) {
    case AST_VAL:
    case AST_VAR: {
        if (s->b) {
            lower_val_pattern(E, s);
            return;
        }
        binding *b = sem_binding(s);
        if (!b || b->kind == BIND_IGNORED || b->kind == BIND_DSTREAM)
            return;
        char *v = lower_expr_as(E, s->a, b->ty);
        emit_bind(E, b, v);
        free(v);
        emit_bail(E, s);
        return;
    }
    case AST_ASSIGN: {
        if (sem_method(s) == M_SEQ_APPEND) {
            char *x = lower_append(E, s->a, s->b);
            emitln(E, "%s;", x);
            free(x);
            emit_bail(E, s);
            return;
        }
        binding *b = sem_binding(s->a);
        if (!b)
            return;
        char *v = lower_expr_as(E, s->b, b->ty);
        if (s->op == AST_OP_NONE) {
            emitln(E, "%s = %s;", b->cname, v);
        } else if (b->ty->kind == TY_STRING) {
            char *t = lower_tostr(E, s->b);
            emitln(E, "%s = sr_str_concat(cx, %s, %s);", b->cname, b->cname, t);
            free(t);
        } else if (b->ty->kind == TY_DOUBLE) {
            if (s->op == AST_OP_MOD)
                emitln(E, "%s = fmod(%s, %s);", b->cname, b->cname, v);
            else
                emitln(E, "%s %s= %s;", b->cname, ast_op_spelling(s->op), v);
        } else {
            static const char *fn[] = { [AST_OP_ADD] = "sr_add", [AST_OP_SUB] = "sr_sub",
                                        [AST_OP_MUL] = "sr_mul" };
            if (s->op == AST_OP_DIV || s->op == AST_OP_MOD)
                emitln(E, "%s = %s(cx, %s, %s, %d);", b->cname, s->op == AST_OP_DIV ? "sr_div" : "sr_mod",
                       b->cname, v, s->site - 1);
            else
                emitln(E, "%s = %s(%s, %s);", b->cname, fn[s->op], b->cname, v);
        }
        free(v);
        emit_bail(E, s);
        return;
    }
    case AST_FOR: {
        binding *b = sem_binding(s);
        char *seq = lower_expr(E, s->a);
        char *sv = tmp_name(E, "s"), *i = tmp_name(E, "i");
        emitln(E, "{");
        E->indent++;
        emitln(E, "sr_seq %s = %s;", sv, seq);
        emitln(E, "for (int64_t %s = 0; %s < %s.len; %s++) {", i, i, sv, i);
        E->indent++;
        if (b) {
            char *item = xasprintf("SR_SEQ_AT(%s, %s, %s)", ty_c(b->ty), sv, i);
            emit_bind(E, b, item);
            free(item);
        }
        lower_stmt(E, s->b);
        E->indent--;
        emitln(E, "}");
        E->indent--;
        emitln(E, "}");
        free(seq);
        free(sv);
        free(i);
        emit_bail(E, s);
        return;
    }
    case AST_BLOCK: {
        emitln(E, "{");
        E->indent++;
        for (int i = 0; i < s->list.len; i++) {
            ast *x = s->list.items[i];
            /* an RDD computed and never used is never computed (Spark is lazy) */
            if (x->ty && x->ty->kind == TY_RDD && x->kind != AST_VAL && x->kind != AST_VAR &&
                i < s->list.len - 1)
                continue;
            if ((x->kind == AST_VAL || x->kind == AST_VAR) && x->ty && x->ty->kind == TY_RDD) {
                bool used = false;
                for (int j = i + 1; j < s->list.len && !used; j++)
                    used = uses_binding(s->list.items[j], sem_binding(x));
                if (!used)
                    continue;
            }
            lower_stmt(E, x);
        }
        E->indent--;
        emitln(E, "}");
        return;
    }
    case AST_IMPORT:
    case AST_SETTING:
        return;
    default:
        break;
    }
    /* an expression used as a statement */
    if (s->ty && s->ty->kind == TY_RDD)
        return; /* lazy and unused */
    if (sem_method(s) == M_IGNORED || (s->ty && (s->ty->kind == TY_DSTREAM || s->ty->kind == TY_CONTEXT)))
        return;
    char *x = lower_expr(E, s);
    emitln(E, "(void)%s;", x);
    free(x);
    emit_bail(E, s);
}

/* ===================================================================== */
/* Lambdas as functions                                                  */
/* ===================================================================== */

void lower_lambda(emitter *E, lambda_info *li) {
    ast *lam = li->node;
    const type *ret = li->ret;
    strbuf sig = { 0 };
    sb_printf(&sig, "static %s L%d(sr_ctx *cx", ty_c(ret), li->id);
    for (int i = 0; i < li->nparams; i++)
        sb_printf(&sig, ", %s p%d", ty_c(li->params[i]->ty), i);
    sb_puts(&sig, ")");
    int line, col;
    source_line_col(E->p->src, lam->loc.start, &line, &col);
    char *path = c_comment_text(E->p->src->path, strlen(E->p->src->path));
    emitln(E, "/* %s:%d: %s lambda */", path, line, li->driver ? "driver" : "executor");
    free(path);
    emitln(E, "%s {", sig.ptr);
    sb_free(&sig);
    E->indent++;
    emitln(E, "(void)cx;");
    E->fn = li;
    char *zero = zero_of(ret);
    char *bail = ret->kind == TY_UNIT ? xstrdup("return;") : xasprintf("return %s;", zero);
    free(zero);
    E->bail = bail;
    if (E->opt->line_directives)
        emit_line_of(E, lam);
    for (int i = 0; i < li->nparams; i++) {
        char *p = xasprintf("p%d", i);
        emit_param(E, lam->list.items[i], p);
        free(p);
    }
    ast *body = lam->a;
    if (body->kind == AST_BLOCK) {
        for (int i = 0; i < body->list.len; i++) {
            ast *s = body->list.items[i];
            bool last = i == body->list.len - 1;
            bool is_stmt = s->kind == AST_VAL || s->kind == AST_VAR || s->kind == AST_ASSIGN ||
                           s->kind == AST_FOR || s->kind == AST_IMPORT;
            /* RDDs no action uses are never computed (Spark is lazy) */
            if (s->ty && s->ty->kind == TY_RDD && !is_stmt && (!last || ret->kind == TY_UNIT))
                continue;
            if ((s->kind == AST_VAL || s->kind == AST_VAR) && s->ty && s->ty->kind == TY_RDD) {
                bool used = false;
                for (int j = i + 1; j < body->list.len && !used; j++)
                    used = uses_binding(body->list.items[j], sem_binding(s));
                if (!used)
                    continue;
            }
            if (last && !is_stmt && ret->kind != TY_UNIT) {
                if (E->opt->line_directives)
                    emit_line_of(E, s);
                char *v = lower_expr_as(E, s, ret);
                emitln(E, "return %s;", v);
                free(v);
            } else {
                lower_stmt(E, s);
            }
        }
    } else if (ret->kind == TY_UNIT) {
        lower_stmt(E, body);
    } else {
        char *v = lower_expr_as(E, body, ret);
        emitln(E, "return %s;", v);
        free(v);
    }
    E->indent--;
    emitln(E, "}");
    E->fn = NULL;
    E->bail = NULL;
    free(bail);
}

void lower_top_stmt(emitter *E, ast *s) {
    lower_stmt(E, s);
}

void lower_global_init(emitter *E, binding *b) {
    ast *decl = b->decl;
    if (E->opt->line_directives)
        emit_line_of(E, decl);
    ast *init = decl->a;
    method external = external_broadcast_kind(b);
    if (external != M_NONE) { /* read from Redis or a file, again before every batch */
        method kind;
        ast *read = ck_external_read(init->list.items[0], &kind);
        char *name = lower_expr_as(E, read->list.items[0], ty_string());
        emitln(E, "if (sr_broadcast_init(rt, %d, %s, %s, &%s_live, errstr, errlen) != 0) return -1;",
               broadcast_id(E->p, b),
               kind == M_BC_REDIS_SET ? "SR_BCAST_REDIS_SET" : kind == M_BC_REDIS_HASH ? "SR_BCAST_REDIS_HASH"
                                                                                      : "SR_BCAST_FILE",
               name, b->cname);
        emitln(E, "%s_snap = %s_live;", b->cname, b->cname);
        free(name);
        emit_bail(E, decl);
        return;
    }
    bool wraps = b->ty->kind == TY_BROADCAST || b->ty->kind == TY_RDD;
    if (wraps) /* sc.broadcast(value), sc.parallelize(seq): the value */
        init = init->kind == AST_CALL && init->list.len >= 1 ? init->list.items[0] : init;
    char *v = lower_expr_as(E, init, wraps ? init->ty : b->ty);
    if (b->ty->kind == TY_BROADCAST) {
        emitln(E, "%s_live = copy_%s(&sr_prog_arena, %s);", b->cname, tkey(b->ty->elems[0]), v);
        emitln(E, "%s_snap = %s_live;", b->cname, b->cname);
    } else {
        emitln(E, "%s = copy_%s(&sr_prog_arena, %s);", b->cname, tkey(wraps ? init->ty : b->ty), v);
    }
    free(v);
    emit_bail(E, decl);
}
