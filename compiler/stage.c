/* stage.c - loops over the elements of a batch.
 *
 * A fused stage is one loop over its input partition in which the narrow
 * operations (map, flatMap, filter, mapValues, flatMapValues) follow each
 * other as nested code, with no collection in between; the sink at the end
 * stores, combines or prints the element. The same step code serves the
 * DAG's stages (emit.c) and the RDD operations of driver code (below).
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

static char *fresh(emitter *E, const char *stem) { return xasprintf("_%s%d", stem, ++E->tmp); }

/* After calling a lambda that can fail: drop the element. */
static void drop_if_failed(emitter *E, ast *fn) {
    lambda_info *li = sem_lambda(fn);
    if (li && li->may_fail)
        emitln(E, "if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }");
}

/* If lambda `fn` is `x => x.split("literal")`, the literal; else NULL. */
static ast *split_of_param(ast *fn) {
    lambda_info *li = sem_lambda(fn);
    if (!li || li->nparams != 1 || fn->list.items[0]->list.len)
        return NULL;
    ast *body = fn->a;
    if (body->kind == AST_BLOCK && body->list.len == 1)
        body = body->list.items[0];
    if (body->kind != AST_CALL || sem_method(body) != M_STR_SPLIT || body->a->kind != AST_SELECT)
        return NULL;
    ast *recv = body->a->a;
    if (recv->kind != AST_IDENT || sem_binding(recv) != li->params[0])
        return NULL;
    ast *sep = body->list.items[0];
    return sep->kind == AST_STRING ? sep : NULL;
}

/* The separator of a split that sr_split1 walks (one byte that Java's
 * split takes literally), else -1. */
static int split1_char(const ast *sep) {
    if (!sep || sep->str_len != 1 || sep->str[0] == '\0' || strchr(".$|()[{^?*+\\", sep->str[0]))
        return -1;
    return (unsigned char)sep->str[0];
}

/* Does `e` use binding `b` (an array) only to read its size or an element
 * (a(i), a.length, a.size, a.isEmpty, a.nonEmpty, a.head, a.last)? Then
 * nothing that `e` computes holds on to the array itself. */
static bool reads_array_only(const ast *e, const ast *parent, const binding *b) {
    if (!e)
        return true;
    if (e->kind == AST_IDENT && sem_binding(e) == b) {
        if (parent && parent->kind == AST_CALL && parent->a == e)
            return sem_method(parent) == M_SEQ_APPLY;
        static const char *const reads[] = { "length", "size", "isEmpty", "nonEmpty", "head", "last", NULL };
        if (parent && parent->kind == AST_SELECT && parent->a == e)
            for (int i = 0; reads[i]; i++)
                if (!strcmp(parent->name, reads[i]))
                    return true;
        return false;
    }
    if (!reads_array_only(e->a, e, b) || !reads_array_only(e->b, e, b) || !reads_array_only(e->c, e, b))
        return false;
    for (int i = 0; i < e->list.len; i++)
        if (!reads_array_only(e->list.items[i], e, b))
            return false;
    return true;
}

/* steps[0] maps each record to x.split(literal): can the array go into a
 * buffer that the next record reuses? Yes when the steps after it only
 * read its size and elements (views into x) in filters, then a map or a
 * flatMap: the array is gone before the next record. */
static bool split_map_consumed(const step *steps, int n) {
    if (steps[0].op != OP_MAP || !split_of_param(steps[0].fn))
        return false;
    for (int i = 1; i < n; i++) {
        const step *s = &steps[i];
        lambda_info *li = sem_lambda(s->fn);
        if ((s->op != OP_FILTER && s->op != OP_MAP && s->op != OP_FLATMAP) || !li || li->nparams != 1 ||
            s->fn->list.items[0]->list.len || !reads_array_only(s->fn->a, NULL, li->params[0]))
            return false;
        if (s->op != OP_FILTER)
            return true;
    }
    return false; /* the array reaches the sink */
}

/* Byte c as a C char expression: ' ' or (char)9. */
static char *char_lit(int c) {
    if (c >= ' ' && c <= '~' && c != '\'' && c != '\\')
        return xasprintf("'%c'", c);
    return xasprintf("(char)%d", c);
}

void emit_step_locals(emitter *E, const step *steps, int n) {
    for (int i = 0; i < n; i++) {
        ast *sep = split_of_param(steps[i].fn);
        if ((steps[i].op == OP_FLATMAP && sep && split1_char(sep) < 0) || split_map_consumed(steps + i, n - i))
            emitln(E, "sr_seq _split%d = {0}; /* reused by every record of the loop */",
                   sem_lambda(steps[i].fn)->id);
    }
}

step step_of(const dag_node *n) {
    step s = { n->op, n->fn, n->in[0]->elem, n->elem };
    return s;
}

/* Loop over a collection returned by a flatMap lambda (Seq or Option),
 * binding each item to a fresh variable, then `then(item)`. */
static void emit_flat(emitter *E, const step *steps, int n, const char *coll, const type *ct,
                      const char *key, sink_fn sink, void *arg) {
    const type *item_t = ct->elems[0];
    const type *out = steps[0].out;
    char *y = fresh(E, "e");
    char *value;
    if (ct->kind == TY_OPTION) {
        emitln(E, "if (%s.some) {", coll);
        value = xasprintf("%s.v", coll);
    } else {
        char *j = fresh(E, "j");
        emitln(E, "for (int64_t %s = 0; %s < %s.len; %s++) {", j, j, coll, j);
        value = xasprintf("SR_SEQ_AT(%s, %s, %s)", ty_c(item_t), coll, j);
        free(j);
    }
    E->indent++;
    if (key)
        emitln(E, "%s %s = {%s, %s};", ty_c(out), y, key, value);
    else
        emitln(E, "%s %s = %s;", ty_c(out), y, value);
    emit_steps(E, steps + 1, n - 1, y, out, sink, arg);
    E->indent--;
    emitln(E, "}");
    free(value);
    free(y);
}

void emit_steps(emitter *E, const step *steps, int n, const char *var, const type *t,
                sink_fn sink, void *arg) {
    if (n == 0) {
        sink(E, var, t, arg);
        return;
    }
    const step *s = &steps[0];
    lambda_info *li = sem_lambda(s->fn);
    int id = li ? li->id : -1;
    char *y = fresh(E, "e");
    switch (s->op) {
    case OP_MAP:
        if (split_map_consumed(steps, n)) {
            /* x.split(lit) read by the next steps only: a reused buffer */
            ast *sep = split_of_param(s->fn);
            int c = split1_char(sep);
            char *lit = c >= 0 ? char_lit(c) : lower_expr(E, sep);
            emitln(E, "sr_seq %s = %s(cx, %s, %s, &_split%d);", y, c >= 0 ? "sr_split1_scratch" : "sr_str_split_scratch",
                   var, lit, id);
            free(lit);
        } else {
            emitln(E, "%s %s = L%d(cx, %s);", ty_c(s->out), y, id, var);
            drop_if_failed(E, s->fn);
        }
        emit_steps(E, steps + 1, n - 1, y, s->out, sink, arg);
        break;
    case OP_FILTER:
        emitln(E, "bool %s = L%d(cx, %s);", y, id, var);
        drop_if_failed(E, s->fn);
        emitln(E, "if (!%s) continue;", y);
        emit_steps(E, steps + 1, n - 1, var, t, sink, arg);
        break;
    case OP_FLATMAP: {
        ast *sep = split_of_param(s->fn);
        int c = split1_char(sep);
        if (c >= 0) {
            /* x.split(one char) walked piece by piece: no buffer at all */
            char *it = fresh(E, "it"), *lit = char_lit(c);
            emitln(E, "sr_split1 %s;", it);
            emitln(E, "sr_split1_begin(&%s, %s, %s);", it, var, lit);
            free(lit);
            emitln(E, "for (sr_str %s; sr_split1_next(&%s, &%s);) {", y, it, y);
            E->indent++;
            emit_steps(E, steps + 1, n - 1, y, s->out, sink, arg);
            E->indent--;
            emitln(E, "}");
            free(it);
            break;
        }
        if (sep) {
            /* x.split(lit) consumed right here: split into a reused buffer */
            char *lit = lower_expr(E, sep);
            emitln(E, "sr_seq %s = sr_str_split_scratch(cx, %s, %s, &_split%d);", y, var, lit, id);
            free(lit);
        } else {
            emitln(E, "%s %s = L%d(cx, %s);", ty_c(li->ret), y, id, var);
            drop_if_failed(E, s->fn);
        }
        emit_flat(E, steps, n, y, li->ret, NULL, sink, arg);
        break;
    }
    case OP_MAPVALUES: {
        char *v = fresh(E, "v");
        emitln(E, "%s %s = L%d(cx, %s._2);", ty_c(li->ret), v, id, var);
        drop_if_failed(E, s->fn);
        emitln(E, "%s %s = {%s._1, %s};", ty_c(s->out), y, var, v);
        emit_steps(E, steps + 1, n - 1, y, s->out, sink, arg);
        free(v);
        break;
    }
    case OP_FLATMAPVALUES: {
        char *key = xasprintf("%s._1", var);
        emitln(E, "%s %s = L%d(cx, %s._2);", ty_c(li->ret), y, id, var);
        drop_if_failed(E, s->fn);
        emit_flat(E, steps, n, y, li->ret, key, sink, arg);
        free(key);
        break;
    }
    default:
        emitln(E, "/* unexpected step %s */", op_spelling(s->op));
        break;
    }
    free(y);
}

/* ===================================================================== */
/* Keyed outputs: the elements one key of a grouping yields              */
/* ===================================================================== */

void emit_group_output(emitter *E, op_kind op, const type *T, const type *V, const type *W,
                       const char *out) {
    char tc[32];
    snprintf(tc, sizeof tc, "%s", ty_c(T));
    if (op == OP_GROUPBYKEY) {
        emitln(E, "(void)rs;");
        emitln(E, "*(%s *)sr_seq_push(cx->arena, %s, sizeof(%s)) = (%s){k, ls};", tc, out, tc, tc);
        return;
    }
    if (op == OP_COGROUP) {
        emitln(E, "*(%s *)sr_seq_push(cx->arena, %s, sizeof(%s)) = (%s){k, {ls, rs}};", tc, out, tc, tc);
        return;
    }
    const type *VW = T->elems[1];
    char vc[32], wc[32], vwc[32], o0[32], o1[32];
    snprintf(vc, sizeof vc, "%s", ty_c(V));
    snprintf(wc, sizeof wc, "%s", ty_c(W));
    snprintf(vwc, sizeof vwc, "%s", ty_c(VW));
    snprintf(o0, sizeof o0, "%s", ty_c(VW->elems[0]));
    snprintf(o1, sizeof o1, "%s", ty_c(VW->elems[1]));
    bool keep_l = op == OP_LEFTOUTERJOIN || op == OP_FULLOUTERJOIN;
    bool keep_r = op == OP_RIGHTOUTERJOIN || op == OP_FULLOUTERJOIN;
    /* where the join kind makes a side optional, its values are Some(...) */
    char *lv = VW->elems[0] != V ? xasprintf("(%s){true, v}", o0) : xstrdup("v");
    char *rw = VW->elems[1] != W ? xasprintf("(%s){true, w}", o1) : xstrdup("w");
    emitln(E, "for (int64_t a = 0; a < ls.len; a++) {");
    emitln(E, "    %s v = SR_SEQ_AT(%s, ls, a);", vc, vc);
    if (keep_l)
        emitln(E, "    if (rs.len == 0) *(%s *)sr_seq_push(cx->arena, %s, sizeof(%s)) = (%s){k, (%s){%s, (%s){0}}};",
               tc, out, tc, tc, vwc, lv, o1);
    emitln(E, "    for (int64_t c = 0; c < rs.len; c++) {");
    emitln(E, "        %s w = SR_SEQ_AT(%s, rs, c);", wc, wc);
    emitln(E, "        *(%s *)sr_seq_push(cx->arena, %s, sizeof(%s)) = (%s){k, (%s){%s, %s}};", tc, out, tc,
           tc, vwc, lv, rw);
    emitln(E, "    }");
    emitln(E, "}");
    if (keep_r) {
        emitln(E, "if (ls.len == 0)");
        emitln(E, "    for (int64_t c = 0; c < rs.len; c++) {");
        emitln(E, "        %s w = SR_SEQ_AT(%s, rs, c);", wc, wc);
        emitln(E, "        *(%s *)sr_seq_push(cx->arena, %s, sizeof(%s)) = (%s){k, (%s){(%s){0}, %s}};", tc, out,
               tc, tc, vwc, o0, rw);
        emitln(E, "    }");
    }
    free(lv);
    free(rw);
}

/* ===================================================================== */
/* RDD operations in driver code                                         */
/* ===================================================================== */

/* Sink: append the element to partition `dst` (a C pointer variable). */
static void sink_push(emitter *E, const char *var, const type *t, void *arg) {
    emitln(E, "*(%s *)sr_seq_push(cx->arena, %s, sizeof(%s)) = %s;", ty_c(t), (const char *)arg,
           ty_c(t), var);
}

/* Sink: call the foreach lambda. */
static void sink_call(emitter *E, const char *var, const type *t, void *arg) {
    ast *fn = arg;
    lambda_info *li = sem_lambda(fn);
    (void)t;
    emitln(E, "L%d(cx, %s);", li->id, var);
    drop_if_failed(E, fn);
}

/* Start a helper function in a buffer of its own; it goes to E->pending. */
static strbuf *helper_begin(emitter *E, strbuf *buf, int *saved_indent) {
    strbuf *saved = E->out;
    E->out = buf;
    *saved_indent = E->indent;
    E->indent = 0;
    return saved;
}

static void helper_end(emitter *E, strbuf *buf, strbuf *saved, int saved_indent) {
    E->out = saved;
    E->indent = saved_indent;
    sb_puts(E->pending, buf->ptr ? buf->ptr : "");
    sb_free(buf);
}

/* A loop over every element of rdd `in` of element type `t`. */
static void rdd_loop_begin(emitter *E, const type *t, const char *x) {
    emitln(E, "for (int _p = 0; _p < in.nparts; _p++) {");
    emitln(E, "    sr_seq src = in.parts[_p];");
    emitln(E, "    for (int64_t _i = 0; _i < src.len; _i++) {");
    emitln(E, "        %s %s = SR_SEQ_AT(%s, src, _i);", ty_c(t), x, ty_c(t));
    E->indent += 2;
}

static void rdd_loop_end(emitter *E) {
    E->indent -= 2;
    emitln(E, "    }");
    emitln(E, "}");
}

/* Open H<h>, an RDD -> RDD helper, and its loop over each element x of
 * rdd `in` (element type t) with `dst` its output partition; the locals of
 * step s (if any) come before the loop. rdd_map_helper_end closes it. */
static void rdd_map_helper_begin(emitter *E, int h, const type *t, const step *s) {
    emitln(E, "static sr_rdd H%d(sr_ctx *cx, sr_rdd in) {", h);
    emitln(E, "    sr_rdd out = sr_rdd_new(cx->batch, in.nparts);");
    E->indent++;
    if (s)
        emit_step_locals(E, s, 1);
    rdd_loop_begin(E, t, "x");
    emitln(E, "sr_seq *dst = &out.parts[_p];");
}

static void rdd_map_helper_end(emitter *E) {
    rdd_loop_end(E);
    E->indent--;
    emitln(E, "    return out;");
    emitln(E, "}\n");
}

char *lower_rdd_method(emitter *E, ast *e, method m, ast *recv) {
    const type *T = recv->ty->elems[0];
    ast *a0 = e->kind == AST_CALL && e->list.len ? e->list.items[0] : NULL;
    ast *a1 = e->kind == AST_CALL && e->list.len > 1 ? e->list.items[1] : NULL;
    char *R = lower_expr(E, recv);
    char *r = NULL;
    int h = ++E->helper;
    strbuf buf = { 0 };
    int si;
    strbuf *saved;

    switch (m) {
    case R_MAP: case R_FLATMAP: case R_FILTER: case R_MAPVALUES: case R_FLATMAPVALUES: {
        static const op_kind ops[] = { [R_MAP] = OP_MAP, [R_FLATMAP] = OP_FLATMAP,
                                       [R_FILTER] = OP_FILTER, [R_MAPVALUES] = OP_MAPVALUES,
                                       [R_FLATMAPVALUES] = OP_FLATMAPVALUES };
        step s = { ops[m], a0, T, e->ty->elems[0] };
        saved = helper_begin(E, &buf, &si);
        emitln(E, "/* rdd.%s (line %d) */", e->a->name, 0);
        rdd_map_helper_begin(E, h, T, &s);
        emit_steps(E, &s, 1, "x", T, sink_push, "dst");
        rdd_map_helper_end(E);
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    }
    case R_FOREACH:
        saved = helper_begin(E, &buf, &si);
        emitln(E, "static void H%d(sr_ctx *cx, sr_rdd in) {", h);
        E->indent++;
        rdd_loop_begin(E, T, "x");
        sink_call(E, "x", T, a0);
        rdd_loop_end(E);
        E->indent--;
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    case R_FOREACHPARTITION:
        saved = helper_begin(E, &buf, &si);
        emitln(E, "static void H%d(sr_ctx *cx, sr_rdd in) {", h);
        E->indent++;
        emitln(E, "for (int _p = 0; _p < in.nparts; _p++) {");
        E->indent++;
        emitln(E, "cx->partition = _p;");
        emitln(E, "L%d(cx, in.parts[_p]);", sem_lambda(a0)->id);
        drop_if_failed(E, a0);
        E->indent--;
        emitln(E, "}");
        emitln(E, "cx->partition = 0;");
        E->indent--;
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    case R_MAPPARTITIONS:
    case R_GLOM: /* partition by partition on this thread, as foreachPartition */
        saved = helper_begin(E, &buf, &si);
        emitln(E, "static sr_rdd H%d(sr_ctx *cx, sr_rdd in) {", h);
        E->indent++;
        emitln(E, "sr_rdd out = sr_rdd_new(cx->batch, in.nparts);");
        emitln(E, "for (int _p = 0; _p < in.nparts; _p++) {");
        if (m == R_GLOM) {
            emitln(E, "    *(sr_seq *)sr_seq_push(cx->arena, &out.parts[_p], sizeof(sr_seq)) = in.parts[_p];");
        } else {
            emitln(E, "    cx->partition = _p;");
            emitln(E, "    out.parts[_p] = L%d(cx, in.parts[_p]);", sem_lambda(a0)->id);
            emitln(E, "    if (SR_UNLIKELY(cx->err)) { sr_drop(cx); out.parts[_p] = (sr_seq){0}; } /* the partition is lost */");
        }
        emitln(E, "}");
        if (m == R_MAPPARTITIONS)
            emitln(E, "cx->partition = 0;");
        emitln(E, "return out;");
        E->indent--;
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    case R_SORTBYKEY:
    case R_SORTBY: {
        bool by_key = m == R_SORTBYKEY;
        ast *asc_arg = by_key ? a0 : a1;
        char *asc = asc_arg ? lower_expr(E, asc_arg) : xstrdup("true");
        saved = helper_begin(E, &buf, &si);
        emitln(E, "struct H%d_order { sr_ctx *cx; bool asc; };", h);
        emitln(E, "static int H%d_cmp(const void *a, const void *b, void *arg) {", h);
        emitln(E, "    struct H%d_order *o = arg;", h);
        if (by_key) {
            emitln(E, "    (void)o->cx;");
            emitln(E, "    int c = cmp_%s(((const %s *)a)->_1, ((const %s *)b)->_1);",
                   tkey(T->elems[0]), ty_c(T), ty_c(T));
        } else {
            lambda_info *li = sem_lambda(a0);
            emitln(E, "    sr_ctx *cx = o->cx;");
            emitln(E, "    int c = cmp_%s(L%d(cx, *(const %s *)a), L%d(cx, *(const %s *)b));",
                   tkey(li->ret), li->id, ty_c(T), li->id, ty_c(T));
        }
        emitln(E, "    return o->asc ? c : -c;");
        emitln(E, "}");
        emitln(E, "static sr_rdd H%d(sr_ctx *cx, sr_rdd in, bool asc) {", h);
        emitln(E, "    struct H%d_order o = { cx, asc };", h);
        emitln(E, "    sr_seq all = sr_rdd_collect(cx->arena, in, sizeof(%s));", ty_c(T));
        emitln(E, "    sr_sort(all.ptr, all.len, sizeof(%s), H%d_cmp, &o, cx->arena);", ty_c(T), h);
        emitln(E, "    return sr_rdd_of(cx->batch, all);");
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s, %s)", h, R, asc);
        free(asc);
        break;
    }
    case R_REDUCEBYKEY: {
        const type *K = T->elems[0], *V = T->elems[1];
        lambda_info *li = sem_lambda(a0);
        saved = helper_begin(E, &buf, &si);
        emitln(E, "SR_MAP_DEFINE(H%d_map, %s, %s, eq_%s)", h, ty_c(K), ty_c(V), tkey(K));
        emitln(E, "static sr_rdd H%d(sr_ctx *cx, sr_rdd in) {", h);
        emitln(E, "    H%d_map m;", h);
        emitln(E, "    H%d_map_init(&m);", h);
        E->indent++;
        rdd_loop_begin(E, T, "x");
        emitln(E, "bool added;");
        emitln(E, "%s *v = H%d_map_put(&m, x._1, hash_%s(x._1), &added);", ty_c(V), h, tkey(K));
        emitln(E, "if (added) { *v = x._2; continue; }");
        emitln(E, "%s r = L%d(cx, *v, x._2);", ty_c(V), li->id);
        drop_if_failed(E, a0);
        emitln(E, "*v = r;");
        rdd_loop_end(E);
        E->indent--;
        emitln(E, "    sr_seq out = {0};");
        emitln(E, "    sr_seq_reserve(cx->arena, &out, m.len, sizeof(%s));", ty_c(T));
        emitln(E, "    for (int64_t i = 0; i < m.len; i++)");
        emitln(E, "        SR_SEQ_AT(%s, out, out.len++) = (%s){m.ents[i].key, m.ents[i].val};", ty_c(T), ty_c(T));
        emitln(E, "    H%d_map_free(&m);", h);
        emitln(E, "    return sr_rdd_of(cx->batch, out);");
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    }
    case R_JOIN: case R_LEFTOUTERJOIN: case R_RIGHTOUTERJOIN: case R_FULLOUTERJOIN:
    case R_COGROUP: case R_GROUPBYKEY: {
        static const op_kind ops[] = { [R_JOIN] = OP_JOIN, [R_LEFTOUTERJOIN] = OP_LEFTOUTERJOIN,
                                       [R_RIGHTOUTERJOIN] = OP_RIGHTOUTERJOIN,
                                       [R_FULLOUTERJOIN] = OP_FULLOUTERJOIN,
                                       [R_COGROUP] = OP_COGROUP, [R_GROUPBYKEY] = OP_GROUPBYKEY };
        const type *K = T->elems[0], *V = T->elems[1];
        const type *W = a0 ? a0->ty->elems[0]->elems[1] : NULL;
        const type *out = e->ty->elems[0];
        char *other = a0 ? lower_expr(E, a0) : xstrdup("sr_rdd_new(cx->batch, 1)");
        saved = helper_begin(E, &buf, &si);
        emitln(E, "typedef struct H%d_vals { sr_seq l, r; } H%d_vals;", h, h);
        emitln(E, "SR_MAP_DEFINE(H%d_map, %s, H%d_vals, eq_%s)", h, ty_c(K), h, tkey(K));
        emitln(E, "static sr_rdd H%d(sr_ctx *cx, sr_rdd left, sr_rdd right) {", h);
        E->indent = 1;
        emitln(E, "H%d_map m;", h);
        emitln(E, "H%d_map_init(&m);", h);
        emitln(E, "(void)right; /* groupByKey has one side */");
        for (int side = 0; side < (a0 ? 2 : 1); side++) {
            const type *S = side ? a0->ty->elems[0] : T;
            const type *SV = S->elems[1];
            emitln(E, "for (int p = 0; p < %s.nparts; p++)", side ? "right" : "left");
            emitln(E, "    for (int64_t i = 0; i < %s.parts[p].len; i++) {", side ? "right" : "left");
            emitln(E, "        %s x = SR_SEQ_AT(%s, %s.parts[p], i);", ty_c(S), ty_c(S), side ? "right" : "left");
            emitln(E, "        bool added;");
            emitln(E, "        H%d_vals *vs = H%d_map_put(&m, x._1, hash_%s(x._1), &added);", h, h, tkey(K));
            emitln(E, "        if (added) *vs = (H%d_vals){{0}, {0}};", h);
            emitln(E, "        *(%s *)sr_seq_push(cx->arena, &vs->%c, sizeof(%s)) = x._2;", ty_c(SV), side ? 'r' : 'l', ty_c(SV));
            emitln(E, "    }");
        }
        emitln(E, "sr_seq out = {0};");
        emitln(E, "for (int64_t i = 0; i < m.len; i++) {");
        emitln(E, "    %s k = m.ents[i].key;", ty_c(K));
        emitln(E, "    sr_seq ls = m.ents[i].val.l, rs = m.ents[i].val.r;");
        E->indent = 2;
        emit_group_output(E, ops[m], out, V, W, "&out");
        E->indent = 1;
        emitln(E, "}");
        emitln(E, "H%d_map_free(&m);", h);
        emitln(E, "if (!out.ptr) sr_seq_reserve(cx->arena, &out, 1, sizeof(%s));", ty_c(out));
        emitln(E, "return sr_rdd_of(cx->batch, out);");
        E->indent = 0;
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s, %s)", h, R, other);
        free(other);
        break;
    }
    case R_DISTINCT: {
        saved = helper_begin(E, &buf, &si);
        emitln(E, "SR_MAP_DEFINE(H%d_set, %s, bool, eq_%s)", h, ty_c(T), tkey(T));
        emitln(E, "static sr_rdd H%d(sr_ctx *cx, sr_rdd in) {", h);
        emitln(E, "    H%d_set m;", h);
        emitln(E, "    H%d_set_init(&m);", h);
        emitln(E, "    sr_seq out = {0};");
        emitln(E, "    sr_seq_reserve(cx->arena, &out, 1, sizeof(%s));", ty_c(T));
        E->indent++;
        rdd_loop_begin(E, T, "x");
        emitln(E, "bool added;");
        emitln(E, "*H%d_set_put(&m, x, hash_%s(x), &added) = true;", h, tkey(T));
        emitln(E, "if (added) *(%s *)sr_seq_push(cx->arena, &out, sizeof(%s)) = x;", ty_c(T), ty_c(T));
        rdd_loop_end(E);
        E->indent--;
        emitln(E, "    H%d_set_free(&m);", h);
        emitln(E, "    return sr_rdd_of(cx->batch, out);");
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    }
    case R_COUNTBYVALUE:
    case R_COUNTBYKEY: { /* counts in a Map: up to 4 keys in first-seen order, more sorted (see COLL_MAP) */
        const type *P = e->ty->elems[0], *K = P->elems[0];
        char pc[32], kc[32], kk[16];
        snprintf(pc, sizeof pc, "%s", ty_c(P));
        snprintf(kc, sizeof kc, "%s", ty_c(K));
        snprintf(kk, sizeof kk, "%s", tkey(K));
        saved = helper_begin(E, &buf, &si);
        emitln(E, "SR_MAP_DEFINE(H%d_map, %s, int64_t, eq_%s)", h, kc, kk);
        emitln(E, "static int H%d_cmp(const void *a, const void *b, void *arg) {", h);
        emitln(E, "    (void)arg;");
        emitln(E, "    return cmp_%s(((const %s *)a)->_1, ((const %s *)b)->_1);", kk, pc, pc);
        emitln(E, "}");
        emitln(E, "static sr_seq H%d(sr_ctx *cx, sr_rdd in) {", h);
        emitln(E, "    H%d_map m;", h);
        emitln(E, "    H%d_map_init(&m);", h);
        E->indent++;
        rdd_loop_begin(E, T, "x");
        emitln(E, "bool added;");
        emitln(E, "%s k = x%s;", kc, m == R_COUNTBYKEY ? "._1" : "");
        emitln(E, "int64_t *n = H%d_map_put(&m, k, hash_%s(k), &added);", h, kk);
        emitln(E, "*n = added ? 1 : *n + 1;");
        rdd_loop_end(E);
        E->indent--;
        emitln(E, "    sr_seq out = {0};");
        emitln(E, "    sr_seq_reserve(cx->arena, &out, m.len ? m.len : 1, sizeof(%s));", pc);
        emitln(E, "    for (int64_t i = 0; i < m.len; i++)");
        emitln(E, "        SR_SEQ_AT(%s, out, out.len++) = (%s){ m.ents[i].key, m.ents[i].val };", pc, pc);
        emitln(E, "    if (out.len > 4) sr_sort(out.ptr, out.len, sizeof(%s), H%d_cmp, NULL, cx->arena);", pc, h);
        emitln(E, "    H%d_map_free(&m);", h);
        emitln(E, "    return out;");
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    }
    case R_REDUCE: {
        lambda_info *li = sem_lambda(a0);
        char *z = zero_of(T);
        saved = helper_begin(E, &buf, &si);
        emitln(E, "static %s H%d(sr_ctx *cx, sr_rdd in) {", ty_c(T), h);
        emitln(E, "    bool has = false;");
        emitln(E, "    %s acc = %s;", ty_c(T), z);
        E->indent++;
        rdd_loop_begin(E, T, "x");
        emitln(E, "if (!has) { acc = x; has = true; continue; }");
        emitln(E, "%s r = L%d(cx, acc, x);", ty_c(T), li->id);
        emitln(E, "if (SR_UNLIKELY(cx->err)) return acc;");
        emitln(E, "acc = r;");
        rdd_loop_end(E);
        E->indent--;
        emitln(E, "    if (!has) sr_fail(cx, SR_ERR_INDEX, %d); /* reduce of an empty RDD */", e->site - 1);
        emitln(E, "    return acc;");
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        free(z);
        break;
    }
    case R_TAKE: {
        char *n = lower_expr(E, a0);
        r = xasprintf("sr_rdd_take(cx->arena, %s, %s, sizeof(%s))", R, n, ty_c(T));
        free(n);
        break;
    }
    case R_KEYS:
    case R_VALUES: {
        const type *U = e->ty->elems[0];
        saved = helper_begin(E, &buf, &si);
        rdd_map_helper_begin(E, h, T, NULL);
        emitln(E, "*(%s *)sr_seq_push(cx->arena, dst, sizeof(%s)) = x._%d;", ty_c(U), ty_c(U), m == R_KEYS ? 1 : 2);
        rdd_map_helper_end(E);
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    }
    case R_SUM:
    case R_MAX:
    case R_MIN: {
        saved = helper_begin(E, &buf, &si);
        emitln(E, "static %s H%d(sr_ctx *cx, sr_rdd in) {", ty_c(e->ty), h);
        if (m == R_SUM) {
            emitln(E, "    (void)cx;");
            emitln(E, "    double acc = 0;");
        } else {
            char *z = zero_of(T);
            emitln(E, "    bool some = false;");
            emitln(E, "    %s acc = %s;", ty_c(T), z);
            free(z);
        }
        E->indent++;
        rdd_loop_begin(E, T, "x");
        if (m == R_SUM)
            emitln(E, "acc += (double)x;");
        else
            emitln(E, "if (!some || cmp_%s(x, acc) %s 0) { acc = x; some = true; }", tkey(T), m == R_MAX ? ">" : "<");
        rdd_loop_end(E);
        E->indent--;
        if (m != R_SUM)
            emitln(E, "    if (!some) sr_fail(cx, SR_ERR_INDEX, %d);", e->site - 1);
        emitln(E, "    return acc;");
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s)", h, R);
        break;
    }
    case R_TOP:
    case R_TAKEORDERED: { /* all elements sorted (stable), the first n */
        char *n = lower_expr(E, a0);
        saved = helper_begin(E, &buf, &si);
        emitln(E, "static int H%d_cmp(const void *a, const void *b, void *arg) {", h);
        emitln(E, "    (void)arg;");
        emitln(E, "    return %scmp_%s(*(const %s *)a, *(const %s *)b);", m == R_TOP ? "-" : "", tkey(T), ty_c(T),
               ty_c(T));
        emitln(E, "}");
        emitln(E, "static sr_seq H%d(sr_ctx *cx, sr_rdd in, int64_t n) {", h);
        emitln(E, "    sr_seq all = sr_rdd_collect(cx->arena, in, sizeof(%s));", ty_c(T));
        emitln(E, "    sr_sort(all.ptr, all.len, sizeof(%s), H%d_cmp, NULL, cx->arena);", ty_c(T), h);
        emitln(E, "    if (n < 0) n = 0;");
        emitln(E, "    if (all.len > n) all.len = n;");
        emitln(E, "    return all;");
        emitln(E, "}\n");
        helper_end(E, &buf, saved, si);
        r = xasprintf("H%d(cx, %s, %s)", h, R, n);
        free(n);
        break;
    }
    case R_COLLECT: r = xasprintf("sr_rdd_collect(cx->arena, %s, sizeof(%s))", R, ty_c(T)); break;
    case R_COUNT: r = xasprintf("sr_rdd_count(%s)", R); break;
    case R_ISEMPTY: r = xasprintf("(sr_rdd_count(%s) == 0)", R); break;
    case R_FIRST: {
        char *z = zero_of(T);
        r = xasprintf("({ sr_seq _f = sr_rdd_take(cx->arena, %s, 1, sizeof(%s)); if (!_f.len) sr_fail(cx, SR_ERR_INDEX, %d); _f.len ? SR_SEQ_AT(%s, _f, 0) : %s; })",
                      R, ty_c(T), e->site - 1, ty_c(T), z);
        free(z);
        break;
    }
    case R_UNION: {
        char *o = lower_expr(E, a0);
        r = xasprintf("sr_rdd_union(cx->batch, %s, %s)", R, o);
        free(o);
        break;
    }
    case R_IDENTITY:
    default:
        r = xstrdup(R);
        break;
    }
    free(R);
    return r;
}
