/* check_ops.c - typing rules of the DStream operations (building the DAG),
 * of the RDD operations of driver code, and of the StreamingContext,
 * SparkContext and library objects (sources, settings, broadcast). */
#include "check_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ===================================================================== */
/* DStream operations (top level)                                        */
/* ===================================================================== */

dag_node *ck_new_node(checker *C, op_kind op, const type *elem, ast *at, dag_node *in) {
    dag_node *n = dag_add(&C->p->dag, op, elem, at);
    n->slide_ms = in ? in->slide_ms : C->p->batch_ms; /* windows change it */
    if (in)
        dag_add_input(n, in);
    at->sem_kind = SEM_NODE;
    at->sem = n;
    return n;
}

/* Can streams a and b be combined (union, join, transformWith)? Not if
 * their batches come at different times: Spark refuses them ("different
 * slide durations"), as we do, at `at`. */
static bool same_slide(checker *C, ast *at, const dag_node *a, const dag_node *b) {
    if (a->slide_ms == b->slide_ms)
        return true;
    ck_error_at(C, at, "these DStreams have different slide durations (%lld ms and %lld ms): their batches come at "
                       "different times, so they cannot be combined",
                (long long)a->slide_ms, (long long)b->slide_ms);
    return false;
}

/* The key and value types of a pair stream, or an error naming `what`. */
bool ck_pair_parts(checker *C, ast *at, const type *elem, const char *what,
                       const type **k, const type **v) {
    if (ty_is_pair(elem)) {
        *k = elem->elems[0];
        *v = elem->elems[1];
        return true;
    }
    if (!ck_is_err(elem))
        ck_error_at(C, at, "%s needs a stream of pairs (K, V), not of %s", what, ty_name(elem));
    return false;
}

bool ck_need_args(checker *C, ast *call, const char *name, int lo, int hi) {
    int n = ck_nargs(call);
    if (n >= lo && n <= hi)
        return true;
    if (lo == hi)
        ck_error_at(C, call, "%s takes %d argument%s, not %d", name, lo, lo == 1 ? "" : "s", n);
    else
        ck_error_at(C, call, "%s takes %d to %d arguments, not %d", name, lo, hi, n);
    return false;
}

/* A DStream argument (union, join ...). */
dag_node *ck_stream_arg(checker *C, ast *e, const type **elem) {
    const type *t = ck_check_expr(C, e, NULL);
    if (t->kind != TY_DSTREAM) {
        if (!ck_is_err(t))
            ck_error_at(C, e, "expected a DStream here, not %s", ty_name(t));
        return NULL;
    }
    *elem = t->elems[0];
    return ck_node_of(e);
}

/* The value of a broadcast read from outside, again before every batch:
 *   sc.fromRedisSet(key), sc.fromRedisHash(key), sc.textFile(path), each
 *   with or without .collect();
 *   [scala.io.]Source.fromFile(path).getLines[()].toList (or .toSeq,
 *   .toArray, .toBuffer).
 * The call that names the key or path, and the method it stands for
 * (M_BC_REDIS_SET, M_BC_REDIS_HASH, M_BC_FILE); NULL if e is none of them. */
ast *ck_external_read(ast *e, method *kind) {
    static const char *const to[] = { "toList", "toSeq", "toArray", "toBuffer", NULL };
    const char *last = e->kind == AST_SELECT ? e->name : e->kind == AST_CALL && e->a && e->a->kind == AST_SELECT &&
                                                                 e->list.len == 0 ? e->a->name : "";
    for (int i = 0; to[i]; i++) { /* Source.fromFile(path).getLines[()].toX[()] */
        if (strcmp(last, to[i]))
            continue;
        ast *g = e->kind == AST_SELECT ? e->a : e->a->a;
        if (g->kind == AST_CALL && g->list.len == 0 && g->a && g->a->kind == AST_SELECT)
            g = g->a; /* getLines() */
        if (g->kind != AST_SELECT || strcmp(g->name, "getLines"))
            return NULL;
        ast *from = g->a, *src = from->kind == AST_CALL && from->a && from->a->kind == AST_SELECT ? from->a->a : NULL;
        if (!src || strcmp(from->a->name, "fromFile") ||
            !((src->kind == AST_IDENT || src->kind == AST_SELECT) && !strcmp(src->name, "Source")))
            return NULL;
        *kind = M_BC_FILE;
        return from;
    }
    if (e->kind == AST_CALL && e->list.len == 0 && e->a && e->a->kind == AST_SELECT && !strcmp(e->a->name, "collect"))
        e = e->a->a;
    if (e->kind != AST_CALL || !e->a || e->a->kind != AST_SELECT)
        return NULL;
    const char *m = e->a->name;
    *kind = !strcmp(m, "fromRedisSet") ? M_BC_REDIS_SET : !strcmp(m, "fromRedisHash") ? M_BC_REDIS_HASH
          : !strcmp(m, "textFile") ? M_BC_FILE : M_NONE;
    return *kind == M_NONE ? NULL : e;
}

/* sc.broadcast(read) of a value read from outside (ck_external_read): a
 * ListBuffer[String] of a set's members or a file's lines, or a
 * ListBuffer[(String, String)] of a hash's fields and values (docs/redis.md,
 * language.md). The key or path must be a constant. */
static const type *check_external_broadcast(checker *C, ast *call, ast *read, method kind) {
    const char *what = read->a->name;
    const ast *owner_ast = read->a->a;
    bool source = (owner_ast->kind == AST_IDENT || owner_ast->kind == AST_SELECT) && owner_ast->name &&
                  !strcmp(owner_ast->name, "Source");
    if (!source) { /* sc.xxx(...) */
        const type *owner = ck_check_expr(C, read->a->a, NULL);
        if (ck_is_err(owner))
            return owner;
        if (owner->kind != TY_SPARK)
            return ck_error_at(C, read->a, "%s is a method of the SparkContext (ssc.sparkContext)", what);
    }
    if (read->list.len != 1)
        return ck_error_at(C, read, "%s takes one argument: %s(\"%s\")", what, what,
                           kind == M_BC_FILE ? "path" : "key");
    char *name = NULL;
    const type *t = ck_check_expr(C, read->list.items[0], ty_string());
    if (ck_is_err(t) || !ck_const_str(C, read->list.items[0], &name) || !*name) {
        free(name);
        return ck_is_err(t) ? t : ck_error_at(C, read->list.items[0], "%s needs a constant, non-empty %s", what,
                                              kind == M_BC_FILE ? "path" : "key");
    }
    free(name);
    ck_set_method(call, kind);
    const type *elem = kind == M_BC_REDIS_HASH ? ty_pair(ty_string(), ty_string()) : ty_string();
    return ty_broadcast(ty_seq(elem, COLL_BUFFER));
}

/* saveToRedis(kind, name[, mode]) with kind hash, kv, list or set and
 * mode "set" (the default) or "increment", also named: `mode = "..."`
 * (docs/redis.md). The node keeps the name in prefix, the kind in suffix
 * and the mode in count (0 set, 1 integer increment, 2 double increment). */
static const type *check_save_redis(checker *C, ast *call, dag_node *in, const type *T) {
    static const char *const kinds[] = { "hash", "kv", "list", "set", NULL };
    int nargs = ck_nargs(call);
    ast *mode_arg = NULL;
    if (nargs == 3) { /* also as mode = "...": check_call unwrapped it */
        mode_arg = ck_arg(call, 2);
        nargs = 2;
    }
    if (nargs < 1 || nargs > 2)
        return ck_error_at(C, call, "saveToRedis takes a kind and a name: saveToRedis(\"hash\", \"counts\"), "
                                    "optionally with \"increment\"");
    char *kind = NULL, *name = NULL, *mode = NULL;
    int k = -1;
    ck_check_expr(C, ck_arg(call, 0), ty_string());
    if (ck_const_str(C, ck_arg(call, 0), &kind))
        for (int i = 0; kinds[i]; i++)
            if (!strcmp(kind, kinds[i]))
                k = i;
    if (k < 0) {
        free(kind);
        return ck_error_at(C, ck_arg(call, 0), "saveToRedis's kind must be \"hash\", \"kv\", \"list\" or \"set\"");
    }
    if (nargs == 2) {
        const type *t = ck_check_expr(C, ck_arg(call, 1), ty_string());
        if (ck_is_err(t) || !ck_const_str(C, ck_arg(call, 1), &name)) {
            free(kind);
            return ck_is_err(t) ? t : ck_error_at(C, ck_arg(call, 1), "saveToRedis needs a constant name");
        }
    }
    if (!name)
        name = xstrdup("");
    const type *err = NULL;
    if (k != 1 && !*name) {
        err = ck_error_at(C, call, "saveToRedis(\"%s\", name) needs the name of the %s", kind, kind);
    } else if ((k == 0 || k == 1) && !ty_is_pair(T)) {
        err = ck_error_at(C, call, "saveToRedis(\"%s\", ...) writes key-value pairs; this stream holds %s", kind,
                          ty_name(T));
    }
    int64_t how = 0;
    if (!err && mode_arg) {
        ck_check_expr(C, mode_arg, ty_string());
        if (!ck_const_str(C, mode_arg, &mode) || (strcmp(mode, "set") && strcmp(mode, "increment")))
            err = ck_error_at(C, mode_arg, "saveToRedis's mode must be \"set\" or \"increment\"");
        else if (!strcmp(mode, "increment") && k >= 2)
            err = ck_error_at(C, mode_arg, "\"increment\" is for \"hash\" and \"kv\", not \"%s\"", kind);
        else if (!strcmp(mode, "increment")) {
            const type *v = T->elems[1];
            if (v->kind == TY_INT)
                how = 1;
            else if (v->kind == TY_DOUBLE)
                how = 2;
            else
                err = ck_error_at(C, mode_arg, "\"increment\" adds numbers; the values are %s", ty_name(v));
        }
    }
    free(mode);
    if (err) {
        free(kind);
        free(name);
        return err;
    }
    dag_node *n = ck_new_node(C, OP_SAVEREDIS, T, call, in);
    n->prefix = name;
    n->suffix = kind;
    n->count = how;
    PUSH(C->p->outputs, C->p->noutputs, n);
    return ty_unit();
}

static const char *const unsupported_yet[] = {
    "mapWithState", NULL,
};

/* A window holds one slot per batch, allocated when the program starts:
 * this many at most (a day of 1-second batches fits). */
#define MAX_WINDOW_BATCHES 100000

/* A window or slide duration: a constant multiple of the batch interval. */
static bool window_duration(checker *C, ast *e, const char *what, int64_t *ms) {
    ck_check_expr(C, e, NULL);
    if (!ck_const_duration(C, e, ms) || *ms <= 0) {
        ck_error_at(C, e, "the %s must be a constant duration such as Durations.seconds(10)", what);
        return false;
    }
    int64_t batch = C->p->batch_ms;
    if (batch && *ms % batch != 0) {
        ck_error_at(C, e, "the %s (%lld ms) is not a multiple of the batch interval (%lld ms)", what,
                 (long long)*ms, (long long)batch);
        return false;
    }
    if (batch && *ms / batch > MAX_WINDOW_BATCHES) {
        ck_error_at(C, e, "the %s (%lld ms) spans %lld batches; at most %d are supported", what, (long long)*ms,
                    (long long)(*ms / batch), MAX_WINDOW_BATCHES);
        return false;
    }
    return true;
}

/* window(w, s) over `in`: the node every windowed operator starts from. */
static dag_node *window_node(checker *C, ast *call, dag_node *in, const type *T, ast *w, ast *s) {
    int64_t wms, sms = C->p->batch_ms;
    if (!window_duration(C, w, "window duration", &wms))
        return NULL;
    if (s && !window_duration(C, s, "slide duration", &sms))
        return NULL;
    if (in->slide_ms > C->p->batch_ms && (wms % in->slide_ms || sms % in->slide_ms)) {
        ck_error_at(C, call, "a window over a windowed stream must be a multiple of its slide (%lld ms)",
                 (long long)in->slide_ms);
        return NULL;
    }
    dag_node *n = ck_new_node(C, OP_WINDOW, T, call, in);
    n->window_ms = wms;
    n->slide_ms = sms;
    return n;
}

/* reduceByKeyAndWindow(f, inv, w[, s[, numPartitions[, filterFunc]]]):
 * kept incrementally, so keys whose value returns to zero stay (Spark). */
static const type *window_inverse(checker *C, ast *call, dag_node *in, const type *T, const type *K,
                                  const type *V) {
    int64_t wms, sms = in->slide_ms;
    ast *f = ck_arg(call, 0), *inv = ck_arg(call, 1), *filter = ck_arg(call, 5);
    if (!ck_need_args(C, call, "reduceByKeyAndWindow with an inverse", 3, 6))
        return ty_error();
    if (!window_duration(C, ck_arg(call, 2), "window duration", &wms))
        return ty_error();
    if (ck_arg(call, 3) && !window_duration(C, ck_arg(call, 3), "slide duration", &sms))
        return ty_error();
    if (in->slide_ms > C->p->batch_ms)
        return ck_error_at(C, call, "reduceByKeyAndWindow with an inverse over a windowed stream is not supported");
    dag_node *n = ck_new_node(C, OP_WINDOWINV, T, call, in);
    n->window_ms = wms;
    n->slide_ms = sms;
    const type *r = ck_check_fn2(C, f, V, V, FN_EXEC, n);
    if (!ty_assignable(V, r) && !ck_is_err(r))
        ck_error_at(C, f, "reduceByKeyAndWindow's function must return %s, not %s", ty_name(V), ty_name(r));
    r = ck_check_fn2(C, inv, V, V, FN_EXEC, n);
    if (!ty_assignable(V, r) && !ck_is_err(r))
        ck_error_at(C, inv, "the inverse function must return %s, not %s", ty_name(V), ty_name(r));
    if (ck_arg(call, 4))
        ck_check_expr(C, ck_arg(call, 4), ty_int());
    if (filter) {
        r = ck_check_fn1(C, filter, T, FN_EXEC, n);
        if (r->kind != TY_BOOL && !ck_is_err(r))
            ck_error_at(C, filter, "filterFunc must return Boolean, not %s", ty_name(r));
    }
    n->fn = f;
    n->inv = inv;
    n->filter = filter;
    C->p->stateful = true;
    return ty_dstream(T);
}

/* A node of an incremental window reduce (OP_WINDOWINV; callers may change
 * the op) of mode `mode` with durations w and s. */
static dag_node *incremental_window(checker *C, ast *call, dag_node *in, const type *elem, ast *w,
                                    ast *s, int mode) {
    int64_t wms, sms = C->p->batch_ms;
    if (!window_duration(C, w, "window duration", &wms) || (s && !window_duration(C, s, "slide duration", &sms)))
        return NULL;
    /* windows without keys keep their panes under the Int key 0: Int's
     * value functions must be emitted even if the program has no Int */
    (void)ty_int();
    dag_node *n = ck_new_node(C, OP_WINDOWINV, elem, call, in);
    n->window_ms = wms;
    n->slide_ms = sms;
    n->wmode = mode;
    C->p->stateful = true;
    return n;
}

/* The windowed operators. */
static const type *windowed(checker *C, ast *call, ast *sel, dag_node *in, const type *T) {
    const char *m = sel->name;
    ast *a0 = ck_arg(call, 0), *a1 = ck_arg(call, 1), *a2 = ck_arg(call, 2);
    const type *K = NULL, *V = NULL;
    dag_node *w, *n;
    if (!strcmp(m, "window")) {
        if (!ck_need_args(C, call, m, 1, 2) || !(w = window_node(C, call, in, T, a0, a1)))
            return ty_error();
        return ty_dstream(T);
    }
    if (!strcmp(m, "countByWindow") || !strcmp(m, "countByValueAndWindow") ||
        !strcmp(m, "groupByKeyAndWindow")) {
        if (!ck_need_args(C, call, m, 2, 3))
            return ty_error();
        bool group = m[0] == 'g', by_value = !strcmp(m, "countByValueAndWindow");
        if (group && !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (!group && in->slide_ms <= C->p->batch_ms) {
            /* counted incrementally, as Spark does (a reduce with an inverse) */
            n = incremental_window(C, call, in, by_value ? ty_pair(T, ty_int()) : ty_int(), a0, a1,
                                   by_value ? WM_BY_VALUE : WM_COUNT);
            if (a2)
                ck_check_expr(C, a2, ty_int());
            return n ? ty_dstream(n->elem) : ty_error();
        }
        if (!(w = window_node(C, call, in, T, a0, a1)))
            return ty_error();
        if (a2)
            ck_check_expr(C, a2, ty_int());
        const type *elem = group ? ty_pair(K, ty_seq(V, COLL_ITERABLE)) :
                           by_value ? ty_pair(T, ty_int()) : ty_int();
        n = ck_new_node(C, group ? OP_GROUPBYKEY : by_value ? OP_COUNTBYVALUE : OP_COUNT, elem, call, w);
        n->slide_ms = w->slide_ms;
        /* Spark counts windows by reducing with an inverse: nothing is
         * output before the first element arrives, then 0 for empty windows */
        n->count = !group && !by_value;
        return ty_dstream(elem);
    }
    if (!strcmp(m, "reduceByWindow") || !strcmp(m, "reduceByKeyAndWindow")) {
        bool keyed = m[8] == 'K';
        if (!ck_need_args(C, call, m, 2, 6))
            return ty_error();
        if (keyed && !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        /* the inverse form (f, inv, w, s...) is told apart by its second
         * argument being a function */
        ast *maybe_inv = a1;
        bool inverse = maybe_inv && (maybe_inv->kind == AST_LAMBDA || ck_has_placeholder(maybe_inv) ||
                                     (maybe_inv->kind == AST_BLOCK && maybe_inv->list.len == 1 &&
                                      maybe_inv->list.items[0]->kind == AST_LAMBDA));
        if (inverse && !keyed) {
            if (!ck_need_args(C, call, m, 4, 4))
                return ty_error();
            n = incremental_window(C, call, in, T, ck_arg(call, 2), ck_arg(call, 3), WM_SINGLE);
            if (!n)
                return ty_error();
            n->op = OP_WINDOWINV;
            const type *r = ck_check_fn2(C, a0, T, T, FN_EXEC, n);
            if (!ty_assignable(T, r) && !ck_is_err(r))
                ck_error_at(C, a0, "reduceByWindow's function must return %s, not %s", ty_name(T), ty_name(r));
            r = ck_check_fn2(C, a1, T, T, FN_EXEC, n);
            if (!ty_assignable(T, r) && !ck_is_err(r))
                ck_error_at(C, a1, "the inverse function must return %s, not %s", ty_name(T), ty_name(r));
            n->fn = a0;
            n->inv = a1;
            return ty_dstream(T);
        }
        if (inverse)
            return window_inverse(C, call, in, T, K, V);
        if (ck_nargs(call) > (keyed ? 4 : 3))
            return ck_error_at(C, call, "%s(f, window, slide%s) takes at most %d arguments", m,
                            keyed ? ", partitions" : "", keyed ? 4 : 3);
        if (in->slide_ms <= C->p->batch_ms) {
            /* per-batch panes combined with Two-Stacks: per-slide work does
             * not grow with the window's length */
            if (!(n = incremental_window(C, call, in, T, a1, a2, keyed ? WM_PAIRS : WM_SINGLE)))
                return ty_error();
            n->op = OP_WINDOWAGG;
        } else {
            if (!(w = window_node(C, call, in, T, a1, a2)))
                return ty_error();
            n = ck_new_node(C, keyed ? OP_REDUCEBYKEY : OP_REDUCE, T, call, w);
            n->slide_ms = w->slide_ms;
        }
        const type *v = keyed ? V : T;
        const type *ret = ck_check_fn2(C, a0, v, v, FN_EXEC, n);
        if (!ty_assignable(v, ret) && !ck_is_err(ret))
            ck_error_at(C, a0, "%s's function must return %s, not %s", m, ty_name(v), ty_name(ret));
        n->fn = a0;
        if (keyed && ck_nargs(call) == 4)
            ck_check_expr(C, ck_arg(call, 3), ty_int());
        return ty_dstream(T);
    }
    return NULL;
}

/* updateStateByKey(f) / (f, numPartitions) / (f, partitioner, initialRDD)
 * with f: (Seq[V], Option[S]) => Option[S]. S comes from the function's
 * declared state parameter or from updateStateByKey[S]. */
static const type *update_state(checker *C, ast *call, ast *sel, dag_node *in, const type *T) {
    const char *m = sel->name;
    const type *K, *V, *S = NULL;
    if (!ck_need_args(C, call, m, 1, 3) || !ck_pair_parts(C, call, T, m, &K, &V))
        return ty_error();
    ast *f = ck_arg(call, 0);
    if (sel->targs.len == 1)
        S = ck_resolve_type(C, sel->targs.items[0]);
    ast *lam = ck_as_lambda(C, f, 2);
    if (!S && lam && lam->list.len == 2 && lam->list.items[1]->type) {
        const type *declared = ck_resolve_type(C, lam->list.items[1]->type);
        if (declared->kind == TY_OPTION)
            S = declared->elems[0];
        else if (!ck_is_err(declared))
            return ck_error_at(C, lam->list.items[1], "the state parameter must be an Option[S], not %s",
                            ty_name(declared));
    }
    if (!S)
        return ck_error_at(C, f, "write the state's type, as in (values: Seq[%s], state: Option[Int]) => ...",
                        ty_name(V));
    if (ck_is_err(S))
        return S;
    if (!ty_is_value(S))
        return ck_error_at(C, f, "the state must be a value, not %s", ty_name(S));
    dag_node *n = ck_new_node(C, OP_UPDATESTATE, ty_pair(K, S), call, in);
    const type *ret = ck_check_fn2(C, f, ty_seq(V, COLL_SEQ), ty_option(S), FN_EXEC, n);
    if (!ck_is_err(ret) && ret != ty_option(S) && !(ret->kind == TY_OPTION && ret->elems[0]->kind == TY_NULL))
        ck_error_at(C, f, "updateStateByKey's function must return Option[%s], not %s", ty_name(S), ty_name(ret));
    else if (ret != ty_option(S) && sem_lambda(f))
        sem_lambda(f)->ret = ty_option(S); /* a function that only says None */
    n->fn = f;
    if (ck_nargs(call) >= 2)
        ck_check_expr(C, ck_arg(call, 1), NULL); /* partitions or a partitioner: state is kept per worker */
    if (ck_nargs(call) == 3) {
        ast *init = ck_arg(call, 2);
        const type *it = ck_check_expr(C, init, NULL);
        binding *b = sem_binding(init);
        if (ck_is_err(it))
            return it;
        if (it != ty_rdd(ty_pair(K, S)) || !b || b->kind != BIND_GLOBAL)
            return ck_error_at(C, init, "the initial state must be a top-level RDD[%s] from ssc.sparkContext.parallelize(...)",
                            ty_name(ty_pair(K, S)));
        n->initial = b;
    }
    C->p->stateful = true;
    return ty_dstream(n->elem);
}

const type *ck_stream_method(checker *C, ast *call, ast *sel, dag_node *in, const type *T) {
    const char *m = sel->name;
    ast *f = ck_arg(call, 0);
    const type *K, *V;
    dag_node *n;

    if (!in)
        return ty_error();
    if (!strcmp(m, "map") || !strcmp(m, "flatMap") || !strcmp(m, "filter")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        op_kind op = m[0] == 'm' ? OP_MAP : m[1] == 'l' ? OP_FLATMAP : OP_FILTER;
        n = ck_new_node(C, op, T, call, in);
        const type *ret = ck_check_fn1(C, f, T, FN_EXEC, n);
        if (op == OP_MAP)
            n->elem = ck_value_result(C, f, m, ret);
        else if (op == OP_FLATMAP)
            n->elem = ck_flat_elem(C, f, ret);
        else if (ret->kind != TY_BOOL && !ck_is_err(ret))
            ck_error_at(C, f, "filter's function must return Boolean, not %s", ty_name(ret));
        n->fn = f;
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "mapValues") || !strcmp(m, "flatMapValues")) {
        if (!ck_need_args(C, call, m, 1, 1) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        bool flat = m[0] == 'f';
        n = ck_new_node(C, flat ? OP_FLATMAPVALUES : OP_MAPVALUES, T, call, in);
        const type *ret = ck_check_fn1(C, f, V, FN_EXEC, n);
        n->elem = ty_pair(K, flat ? ck_flat_elem(C, f, ret) : ck_value_result(C, f, m, ret));
        n->fn = f;
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "union")) {
        const type *U;
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        dag_node *other = ck_stream_arg(C, f, &U);
        if (!other)
            return ty_error();
        if (U != T)
            return ck_error_at(C, f, "union of DStream[%s] with DStream[%s]: element types differ",
                            ty_name(T), ty_name(U));
        if (!same_slide(C, call, in, other))
            return ty_error();
        n = ck_new_node(C, OP_UNION, T, call, in);
        dag_add_input(n, other);
        return ty_dstream(T);
    }
    if (!strcmp(m, "count") || !strcmp(m, "countByValue")) {
        if (!ck_need_args(C, call, m, 0, 1))
            return ty_error();
        bool by_value = m[5] == 'B';
        n = ck_new_node(C, by_value ? OP_COUNTBYVALUE : OP_COUNT,
                     by_value ? ty_pair(T, ty_int()) : ty_int(), call, in);
        if (f)
            ck_check_expr(C, f, NULL);
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "reduce")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        n = ck_new_node(C, OP_REDUCE, T, call, in);
        const type *ret = ck_check_fn2(C, f, T, T, FN_EXEC, n);
        if (!ty_assignable(T, ret))
            ck_error_at(C, f, "reduce's function must return %s, not %s", ty_name(T), ty_name(ret));
        n->fn = f;
        return ty_dstream(T);
    }
    if (!strcmp(m, "reduceByKey")) {
        if (!ck_need_args(C, call, m, 1, 2) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        n = ck_new_node(C, OP_REDUCEBYKEY, T, call, in);
        const type *ret = ck_check_fn2(C, f, V, V, FN_EXEC, n);
        if (!ty_assignable(V, ret))
            ck_error_at(C, f, "reduceByKey's function must return %s, not %s", ty_name(V), ty_name(ret));
        n->fn = f;
        if (ck_nargs(call) == 2)
            ck_check_expr(C, ck_arg(call, 1), NULL);
        return ty_dstream(T);
    }
    if (!strcmp(m, "groupByKey")) {
        if (!ck_need_args(C, call, m, 0, 1) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (f)
            ck_check_expr(C, f, NULL);
        n = ck_new_node(C, OP_GROUPBYKEY, ty_pair(K, ty_seq(V, COLL_ITERABLE)), call, in);
        return ty_dstream(n->elem);
    }
    static const struct { const char *name; op_kind op; } joins[] = {
        { "join", OP_JOIN }, { "leftOuterJoin", OP_LEFTOUTERJOIN },
        { "rightOuterJoin", OP_RIGHTOUTERJOIN }, { "fullOuterJoin", OP_FULLOUTERJOIN },
        { "cogroup", OP_COGROUP },
    };
    for (size_t j = 0; j < sizeof joins / sizeof joins[0]; j++) {
        if (strcmp(m, joins[j].name) != 0)
            continue;
        const type *U, *K2, *W;
        if (!ck_need_args(C, call, m, 1, 2) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        dag_node *other = ck_stream_arg(C, f, &U);
        if (!other || !ck_pair_parts(C, f, U, m, &K2, &W))
            return ty_error();
        if (K != K2)
            return ck_error_at(C, f, "%s of keys %s with keys %s: key types differ", m, ty_name(K),
                            ty_name(K2));
        if (!same_slide(C, call, in, other))
            return ty_error();
        if (ck_nargs(call) == 2)
            ck_check_expr(C, ck_arg(call, 1), NULL);
        const type *vw;
        switch (joins[j].op) {
        case OP_LEFTOUTERJOIN: vw = ty_pair(V, ty_option(W)); break;
        case OP_RIGHTOUTERJOIN: vw = ty_pair(ty_option(V), W); break;
        case OP_FULLOUTERJOIN: vw = ty_pair(ty_option(V), ty_option(W)); break;
        case OP_COGROUP: vw = ty_pair(ty_seq(V, COLL_ITERABLE), ty_seq(W, COLL_ITERABLE)); break;
        default: vw = ty_pair(V, W); break;
        }
        n = ck_new_node(C, joins[j].op, ty_pair(K, vw), call, in);
        dag_add_input(n, other);
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "updateStateByKey"))
        return update_state(C, call, sel, in, T);
    const type *wt = windowed(C, call, sel, in, T);
    if (wt)
        return wt;
    if (!strcmp(m, "transform")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        n = ck_new_node(C, OP_TRANSFORM, T, call, in);
        ast *lam = ck_as_lambda(C, f, 1); /* transform((rdd, time) => ...) also */
        const type *ret = lam && lam->list.len == 2 ? ck_check_fn2(C, f, ty_rdd(T), ty_time(), FN_DRIVER, n)
                                                    : ck_check_fn1(C, f, ty_rdd(T), FN_DRIVER, n);
        if (ret->kind != TY_RDD) {
            if (!ck_is_err(ret))
                ck_error_at(C, f, "transform's function must return an RDD, not %s", ty_name(ret));
            return ty_error();
        }
        n->elem = ret->elems[0];
        n->fn = f;
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "transformWith")) {
        const type *U;
        if (!ck_need_args(C, call, m, 2, 2))
            return ty_error();
        dag_node *other = ck_stream_arg(C, f, &U);
        if (!other || !same_slide(C, call, in, other))
            return ty_error();
        n = ck_new_node(C, OP_TRANSFORMWITH, T, call, in);
        dag_add_input(n, other);
        const type *ret = ck_check_fn2(C, ck_arg(call, 1), ty_rdd(T), ty_rdd(U), FN_DRIVER, n);
        if (ret->kind != TY_RDD) {
            if (!ck_is_err(ret))
                ck_error_at(C, ck_arg(call, 1), "transformWith's function must return an RDD, not %s",
                         ty_name(ret));
            return ty_error();
        }
        n->elem = ret->elems[0];
        n->fn = ck_arg(call, 1);
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "mapPartitions")) { /* f(a partition's elements): that partition's new elements */
        if (!ck_need_args(C, call, m, 1, 2))
            return ty_error();
        if (ck_nargs(call) == 2) /* preservesPartitioning: partitions are kept anyway */
            ck_check_expr(C, ck_arg(call, 1), ty_bool());
        n = ck_new_node(C, OP_MAPPARTITIONS, T, call, in);
        const type *ret = ck_check_fn1(C, f, ty_seq(T, COLL_ITERABLE), FN_EXEC, n);
        if (ret->kind != TY_SEQ) {
            if (!ck_is_err(ret))
                ck_error_at(C, f, "mapPartitions's function must return an Iterator or a collection, not %s",
                            ty_name(ret));
            return ty_error();
        }
        n->elem = ret->elems[0];
        n->fn = f;
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "glom")) { /* each partition as one Array */
        if (!ck_need_args(C, call, m, 0, 0))
            return ty_error();
        n = ck_new_node(C, OP_GLOM, ty_seq(T, COLL_ARRAY), call, in);
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "repartition")) {
        int64_t parts;
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        ck_check_expr(C, f, ty_int());
        if (!ck_const_int(C, f, &parts) || parts < 1 || parts > 4096)
            return ck_error_at(C, f, "repartition needs a constant number of partitions (1 to 4096)");
        n = ck_new_node(C, OP_REPARTITION, T, call, in);
        n->count = parts;
        return ty_dstream(T);
    }
    if (!strcmp(m, "print")) {
        int64_t count = 10;
        if (!ck_need_args(C, call, m, 0, 1))
            return ty_error();
        if (f) {
            ck_check_expr(C, f, ty_int());
            if (!ck_const_int(C, f, &count) || count < 0)
                return ck_error_at(C, f, "print needs a constant, non-negative number of elements");
        }
        n = ck_new_node(C, OP_PRINT, T, call, in);
        n->count = count;
        PUSH(C->p->outputs, C->p->noutputs, n);
        return ty_unit();
    }
    if (!strcmp(m, "saveAsTextFiles")) {
        char *prefix = NULL, *suffix = NULL;
        if (!ck_need_args(C, call, m, 1, 2))
            return ty_error();
        for (int i = 0; i < ck_nargs(call); i++)
            ck_check_expr(C, ck_arg(call, i), ty_string());
        if (!ck_const_str(C, f, &prefix))
            return ck_error_at(C, f, "saveAsTextFiles needs a constant prefix string");
        if (ck_nargs(call) == 2 && !ck_const_str(C, ck_arg(call, 1), &suffix)) {
            free(prefix);
            return ck_error_at(C, ck_arg(call, 1), "saveAsTextFiles needs a constant suffix string");
        }
        if (!*prefix) {
            free(prefix);
            free(suffix);
            return ck_error_at(C, f, "saveAsTextFiles needs a non-empty prefix");
        }
        n = ck_new_node(C, OP_SAVE, T, call, in);
        n->prefix = prefix;
        n->suffix = suffix ? suffix : xstrdup("");
        PUSH(C->p->outputs, C->p->noutputs, n);
        return ty_unit();
    }
    if (!strcmp(m, "saveToKafka")) { /* records: pairs give key and value, else the value */
        char *topic = NULL;
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        ck_check_expr(C, f, ty_string());
        if (!ck_const_str(C, f, &topic) || !*topic) {
            free(topic);
            return ck_error_at(C, f, "saveToKafka needs a constant topic name");
        }
        n = ck_new_node(C, OP_SAVEKAFKA, T, call, in);
        n->prefix = topic;
        PUSH(C->p->outputs, C->p->noutputs, n);
        return ty_unit();
    }
    if (!strcmp(m, "saveToRedis"))
        return check_save_redis(C, call, in, T);
    if (!strcmp(m, "foreachRDD")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        n = ck_new_node(C, OP_FOREACHRDD, T, call, in);
        ast *lam = ck_as_lambda(C, f, 1);
        int outer = C->kafka_rdd; /* the rdd of a Kafka stream has offset ranges */
        C->kafka_rdd = in->op == OP_SOURCE_KAFKA ? in->source : -1;
        if (lam && lam->list.len == 2)
            ck_check_fn2(C, f, ty_rdd(T), ty_time(), FN_DRIVER, n);
        else
            ck_check_fn1(C, f, ty_rdd(T), FN_DRIVER, n);
        C->kafka_rdd = outer;
        /* what the function returns is dropped: an RDD left at its end is
         * never computed, as in Spark */
        if (sem_lambda(f))
            sem_lambda(f)->ret = ty_unit();
        n->fn = f;
        PUSH(C->p->outputs, C->p->noutputs, n);
        return ty_unit();
    }
    if (!strcmp(m, "cache") || !strcmp(m, "persist") || !strcmp(m, "checkpoint") ||
        !strcmp(m, "name") || !strcmp(m, "setName")) {
        for (int i = 0; i < ck_nargs(call); i++)
            ck_check_expr(C, ck_arg(call, i), NULL);
        /* .name("totals") on a stateful operator names its state in checkpoints */
        bool stateful = in->op == OP_UPDATESTATE || in->op == OP_WINDOW || in->op == OP_WINDOWINV ||
                        in->op == OP_WINDOWAGG;
        char *label = NULL;
        if ((!strcmp(m, "name") || !strcmp(m, "setName")) && ck_nargs(call) == 1 && stateful) {
            if (!ck_const_str(C, ck_arg(call, 0), &label) || !label[0]) {
                free(label);
                return ck_error_at(C, ck_arg(call, 0), "a state's name must be a non-empty constant string");
            }
            if (in->label && strcmp(in->label, label) != 0)
                ck_error_at(C, ck_arg(call, 0), "this state is already named \"%s\"", in->label);
            for (int i = 0; i < C->p->dag.len; i++)
                if (C->p->dag.nodes[i] != in && C->p->dag.nodes[i]->label &&
                    !strcmp(C->p->dag.nodes[i]->label, label))
                    ck_error_at(C, ck_arg(call, 0), "another stateful operator is already named \"%s\"", label);
            free(in->label);
            in->label = label;
        }
        call->sem_kind = SEM_NODE;
        call->sem = in;
        return ty_dstream(T);
    }
    for (int i = 0; unsupported_yet[i]; i++)
        if (!strcmp(m, unsupported_yet[i]))
            return ck_error_at(C, sel, "'%s' is not supported yet by this version of streamc", m);
    return ck_error_at(C, sel, "DStream[%s] has no operation '%s'", ty_name(T), m);
}

/* ===================================================================== */
/* RDD operations (driver code)                                          */
/* ===================================================================== */

const type *ck_rdd_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *f = ck_arg(call, 0);
    const type *K, *V;
    static const char *identity[] = { "cache", "persist", "repartition", "coalesce", "unpersist",
                                      "setName", NULL };
    for (int i = 0; identity[i]; i++)
        if (!strcmp(m, identity[i])) {
            for (int j = 0; j < ck_nargs(call); j++)
                ck_check_expr(C, ck_arg(call, j), NULL);
            ck_set_method(call ? call : sel, R_IDENTITY);
            return ty_rdd(T);
        }
    if (!call)
        call = sel; /* rdd.count without parentheses */
    ck_set_method(call, M_NONE);
    if (!strcmp(m, "map") || !strcmp(m, "flatMap") || !strcmp(m, "filter")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn1(C, f, T, FN_EXEC, NULL);
        ck_set_method(call, m[0] == 'm' ? R_MAP : m[1] == 'l' ? R_FLATMAP : R_FILTER);
        if (m[0] == 'm')
            return ty_rdd(ck_value_result(C, f, m, ret));
        if (m[1] == 'l')
            return ty_rdd(ck_flat_elem(C, f, ret));
        if (ret->kind != TY_BOOL && !ck_is_err(ret))
            ck_error_at(C, f, "filter's function must return Boolean, not %s", ty_name(ret));
        return ty_rdd(T);
    }
    if (!strcmp(m, "mapValues") || !strcmp(m, "flatMapValues")) {
        if (!ck_need_args(C, call, m, 1, 1) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        const type *ret = ck_check_fn1(C, f, V, FN_EXEC, NULL);
        bool flat = m[0] == 'f';
        ck_set_method(call, flat ? R_FLATMAPVALUES : R_MAPVALUES);
        return ty_rdd(ty_pair(K, flat ? ck_flat_elem(C, f, ret) : ret));
    }
    if (!strcmp(m, "sortByKey")) {
        if (!ck_need_args(C, call, m, 0, 2) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (f)
            ck_check_expr(C, f, ty_bool());
        if (ck_nargs(call) > 1)
            ck_check_expr(C, ck_arg(call, 1), ty_int());
        ck_set_method(call, R_SORTBYKEY);
        return ty_rdd(T);
    }
    if (!strcmp(m, "sortBy")) {
        if (!ck_need_args(C, call, m, 1, 3))
            return ty_error();
        const type *key = ck_check_fn1(C, f, T, FN_EXEC, NULL);
        if (!ty_is_value(key) && !ck_is_err(key))
            ck_error_at(C, f, "sortBy's key must be a value, not %s", ty_name(key));
        if (ck_nargs(call) > 1)
            ck_check_expr(C, ck_arg(call, 1), ty_bool());
        if (ck_nargs(call) > 2)
            ck_check_expr(C, ck_arg(call, 2), ty_int());
        ck_set_method(call, R_SORTBY);
        return ty_rdd(T);
    }
    if (!strcmp(m, "reduceByKey")) {
        if (!ck_need_args(C, call, m, 1, 2) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        const type *ret = ck_check_fn2(C, f, V, V, FN_EXEC, NULL);
        if (!ty_assignable(V, ret))
            ck_error_at(C, f, "reduceByKey's function must return %s, not %s", ty_name(V), ty_name(ret));
        if (ck_nargs(call) > 1)
            ck_check_expr(C, ck_arg(call, 1), ty_int());
        ck_set_method(call, R_REDUCEBYKEY);
        return ty_rdd(T);
    }
    if (!strcmp(m, "union")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        const type *U = ck_check_expr(C, f, ty_rdd(T));
        if (U != ty_rdd(T) && !ck_is_err(U))
            ck_error_at(C, f, "union of RDD[%s] with %s", ty_name(T), ty_name(U));
        ck_set_method(call, R_UNION);
        return ty_rdd(T);
    }
    static const struct { const char *name; method meth; } joins[] = {
        { "join", R_JOIN }, { "leftOuterJoin", R_LEFTOUTERJOIN },
        { "rightOuterJoin", R_RIGHTOUTERJOIN }, { "fullOuterJoin", R_FULLOUTERJOIN },
        { "cogroup", R_COGROUP },
    };
    for (size_t j = 0; j < sizeof joins / sizeof joins[0]; j++) {
        if (strcmp(m, joins[j].name) != 0)
            continue;
        const type *K2, *W;
        if (!ck_need_args(C, call, m, 1, 2) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        const type *U = ck_check_expr(C, f, NULL);
        if (ck_is_err(U))
            return U;
        if (U->kind != TY_RDD)
            return ck_error_at(C, f, "%s needs an RDD here, not %s", m, ty_name(U));
        if (!ck_pair_parts(C, f, U->elems[0], m, &K2, &W))
            return ty_error();
        if (K != K2)
            return ck_error_at(C, f, "%s of keys %s with keys %s: key types differ", m, ty_name(K), ty_name(K2));
        if (ck_nargs(call) == 2)
            ck_check_expr(C, ck_arg(call, 1), ty_int());
        const type *vw;
        switch (joins[j].meth) {
        case R_LEFTOUTERJOIN: vw = ty_pair(V, ty_option(W)); break;
        case R_RIGHTOUTERJOIN: vw = ty_pair(ty_option(V), W); break;
        case R_FULLOUTERJOIN: vw = ty_pair(ty_option(V), ty_option(W)); break;
        case R_COGROUP: vw = ty_pair(ty_seq(V, COLL_ITERABLE), ty_seq(W, COLL_ITERABLE)); break;
        default: vw = ty_pair(V, W); break;
        }
        ck_set_method(call, joins[j].meth);
        return ty_rdd(ty_pair(K, vw));
    }
    if (!strcmp(m, "groupByKey")) {
        if (!ck_need_args(C, call == sel ? NULL : call, m, 0, 1) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (f)
            ck_check_expr(C, f, ty_int());
        ck_set_method(call, R_GROUPBYKEY);
        return ty_rdd(ty_pair(K, ty_seq(V, COLL_ITERABLE)));
    }
    if (!strcmp(m, "distinct")) {
        if (!ck_need_args(C, call == sel ? NULL : call, m, 0, 1))
            return ty_error();
        if (f)
            ck_check_expr(C, f, ty_int());
        ck_set_method(call, R_DISTINCT);
        return ty_rdd(T);
    }
    if (!strcmp(m, "reduce")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn2(C, f, T, T, FN_EXEC, NULL);
        if (!ty_assignable(T, ret) && !ck_is_err(ret))
            ck_error_at(C, f, "reduce's function must return %s, not %s", ty_name(T), ty_name(ret));
        ck_set_method(call, R_REDUCE);
        ck_add_site(C, call, "reduce of an empty RDD");
        return T;
    }
    if (!strcmp(m, "take") || !strcmp(m, "top") || !strcmp(m, "takeOrdered")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        ck_check_expr(C, f, ty_int());
        ck_set_method(call, m[1] == 'o' ? R_TOP : m[4] == 'O' ? R_TAKEORDERED : R_TAKE);
        return ty_seq(T, COLL_ARRAY);
    }
    if (!strcmp(m, "countByValue") || !strcmp(m, "countByKey")) { /* a Map[T, Long] on the driver */
        if (!ck_need_args(C, call == sel ? NULL : call, m, 0, 0))
            return ty_error();
        if (m[7] == 'K' && !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        ck_set_method(call, m[7] == 'K' ? R_COUNTBYKEY : R_COUNTBYVALUE);
        return ty_seq(ty_pair(m[7] == 'K' ? K : T, ty_int()), COLL_MAP);
    }
    if (!strcmp(m, "keys") || !strcmp(m, "values")) {
        if (!ck_need_args(C, call == sel ? NULL : call, m, 0, 0) || !ck_pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        ck_set_method(call, m[0] == 'k' ? R_KEYS : R_VALUES);
        return ty_rdd(m[0] == 'k' ? K : V);
    }
    if (!strcmp(m, "sum") || !strcmp(m, "max") || !strcmp(m, "min")) {
        if (!ck_need_args(C, call == sel ? NULL : call, m, 0, 0))
            return ty_error();
        if (m[1] == 'u' && !ty_is_numeric(T))
            return ck_error_at(C, call, "sum of an RDD[%s]: the elements are not numbers", ty_name(T));
        ck_set_method(call, m[1] == 'u' ? R_SUM : m[1] == 'a' ? R_MAX : R_MIN);
        if (m[1] == 'u')
            return ty_double(); /* Spark's DoubleRDDFunctions.sum */
        ck_add_site(C, call, m[1] == 'a' ? "max() of an empty RDD" : "min() of an empty RDD");
        return T;
    }
    if (!strcmp(m, "collect") || !strcmp(m, "count") || !strcmp(m, "first") ||
        !strcmp(m, "isEmpty")) {
        if (!ck_need_args(C, call == sel ? NULL : call, m, 0, 0))
            return ty_error();
        switch (m[1]) {
        case 'o': ck_set_method(call, m[2] == 'l' ? R_COLLECT : R_COUNT);
            return m[2] == 'l' ? ty_seq(T, COLL_ARRAY) : ty_int();
        case 'i': ck_set_method(call, R_FIRST); ck_add_site(C, call, "first() of an empty RDD"); return T;
        default: ck_set_method(call, R_ISEMPTY); return ty_bool();
        }
    }
    if (!strcmp(m, "foreach")) {
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        ck_check_fn1(C, f, T, FN_EXEC, NULL);
        ck_set_method(call, R_FOREACH);
        return ty_unit();
    }
    if (!strcmp(m, "mapPartitions")) { /* f(a partition's elements): that partition's new elements */
        if (!ck_need_args(C, call, m, 1, 2))
            return ty_error();
        if (ck_nargs(call) == 2)
            ck_check_expr(C, ck_arg(call, 1), ty_bool());
        const type *ret = ck_check_fn1(C, f, ty_seq(T, COLL_ITERABLE), FN_EXEC, NULL);
        if (ck_is_err(ret))
            return ret;
        if (ret->kind != TY_SEQ)
            return ck_error_at(C, f, "mapPartitions's function must return an Iterator or a collection, not %s",
                               ty_name(ret));
        ck_set_method(call, R_MAPPARTITIONS);
        return ty_rdd(ret->elems[0]);
    }
    if (!strcmp(m, "glom")) {
        if (!ck_need_args(C, call == sel ? NULL : call, m, 0, 0))
            return ty_error();
        ck_set_method(call, R_GLOM);
        return ty_rdd(ty_seq(T, COLL_ARRAY));
    }
    if (!strcmp(m, "foreachPartition")) { /* f(the partition's elements), partition by partition */
        if (!ck_need_args(C, call, m, 1, 1))
            return ty_error();
        ck_check_fn1(C, f, ty_seq(T, COLL_ITERABLE), FN_EXEC, NULL);
        ck_set_method(call, R_FOREACHPARTITION);
        return ty_unit();
    }
    return ck_error_at(C, sel, "RDD[%s] has no operation '%s' in this version of streamc", ty_name(T), m);
}

/* ===================================================================== */
/* The StreamingContext, SparkContext and library objects                */
/* ===================================================================== */

static const type *add_source(checker *C, ast *call, op_kind kind) {
    program *p = C->p;
    prog_source s = { .kind = kind };
    for (int i = 0; i < ck_nargs(call); i++)
        ck_check_expr(C, ck_arg(call, i), NULL);
    if (kind == OP_SOURCE_SOCKET) {
        if (ck_nargs(call) < 2 || ck_nargs(call) > 3)
            return ck_error_at(C, call, "socketTextStream takes a host and a port");
        if (!ck_const_str(C, ck_arg(call, 0), &s.host))
            return ck_error_at(C, ck_arg(call, 0), "socketTextStream needs a constant host name");
        if (!ck_const_int(C, ck_arg(call, 1), &s.port) || s.port < 1 || s.port > 65535) {
            free(s.host);
            return ck_error_at(C, ck_arg(call, 1), "socketTextStream needs a constant port (1 to 65535)");
        }
    } else {
        const char *name = kind == OP_SOURCE_QUEUE ? "queueStream" : "textFileStream";
        if (ck_nargs(call) < 1 || ck_nargs(call) > 2)
            return ck_error_at(C, call, "%s takes a directory", name);
        if (!ck_const_str(C, ck_arg(call, 0), &s.dir) || !*s.dir) {
            free(s.dir);
            return ck_error_at(C, ck_arg(call, 0), "%s needs a constant directory name", name);
        }
    }
    dag_node *n = ck_new_node(C, kind, ty_string(), call, NULL);
    n->source = p->nsources;
    PUSH(p->sources, p->nsources, s);
    return ty_dstream(ty_string());
}


const type *ck_context_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    char *s;
    ck_set_method(at, M_IGNORED);
    if (T->kind == TY_CONTEXT) {
        if (!strcmp(m, "socketTextStream") && call)
            return add_source(C, call, OP_SOURCE_SOCKET);
        if (!strcmp(m, "textFileStream") && call)
            return add_source(C, call, OP_SOURCE_TEXTFILE);
        if (!strcmp(m, "queueStream") && call)
            return add_source(C, call, OP_SOURCE_QUEUE);
        if (!strcmp(m, "sparkContext") && !call)
            return ty_spark();
        if (!strcmp(m, "union") && call && ck_nargs(call) == 1) {
            ast *seq = ck_arg(call, 0);
            if (seq->kind != AST_CALL || seq->a->kind != AST_IDENT || seq->list.len == 0)
                return ck_error_at(C, seq, "ssc.union takes Seq(stream1, stream2, ...)");
            /* inputs first: node ids must stay a topological order */
            const type *T0 = NULL;
            dag_node **ins = xcalloc((size_t)seq->list.len, sizeof *ins);
            for (int i = 0; i < seq->list.len; i++) {
                const type *U;
                ins[i] = ck_stream_arg(C, seq->list.items[i], &U);
                if (ins[i] && T0 && U != T0) {
                    ck_error_at(C, seq->list.items[i], "ssc.union of DStream[%s] with DStream[%s]",
                             ty_name(T0), ty_name(U));
                    ins[i] = NULL;
                }
                if (ins[i] && i > 0 && !same_slide(C, seq->list.items[i], ins[0], ins[i]))
                    ins[i] = NULL;
                if (!ins[i]) {
                    free(ins);
                    return ty_error();
                }
                T0 = U;
            }
            dag_node *n = ck_new_node(C, OP_UNION, T0, call, NULL);
            n->slide_ms = ins[0]->slide_ms;
            for (int i = 0; i < seq->list.len; i++)
                dag_add_input(n, ins[i]);
            free(ins);
            return ty_dstream(T0);
        }
        if (!strcmp(m, "checkpoint") && call && ck_nargs(call) == 1) {
            ck_check_expr(C, ck_arg(call, 0), ty_string());
            if (!ck_const_str(C, ck_arg(call, 0), &s))
                return ck_error_at(C, ck_arg(call, 0), "ssc.checkpoint needs a constant directory name");
            ck_set_once(C, call, &C->p->checkpoint, s, "the checkpoint directory");
            return ty_unit();
        }
        static const char *ignored[] = { "start", "awaitTermination", "stop",
                                         "awaitTerminationOrTimeout", "remember", NULL };
        for (int i = 0; ignored[i]; i++)
            if (!strcmp(m, ignored[i])) {
                for (int j = 0; j < ck_nargs(call); j++)
                    ck_check_expr(C, ck_arg(call, j), NULL);
                return ty_unit();
            }
        return ck_error_at(C, sel, "StreamingContext has no method '%s' in this version of streamc", m);
    }
    if (T->kind == TY_SPARK) {
        if ((!strcmp(m, "setLogLevel") || !strcmp(m, "setCheckpointDir")) && call &&
            ck_nargs(call) == 1) {
            ck_check_expr(C, ck_arg(call, 0), ty_string());
            if (!ck_const_str(C, ck_arg(call, 0), &s))
                return ck_error_at(C, ck_arg(call, 0), "%s needs a constant string", m);
            if (m[3] == 'L')
                ck_set_once(C, call, &C->p->log_level, s, "the log level");
            else
                ck_set_once(C, call, &C->p->checkpoint, s, "the checkpoint directory");
            return ty_unit();
        }
        if (!strcmp(m, "broadcast") && call && ck_nargs(call) == 1) {
            if (C->lam)
                return ck_error_at(C, call, "create broadcast values at the top level of the program");
            method kind;
            ast *read = ck_external_read(ck_arg(call, 0), &kind);
            if (read)
                return check_external_broadcast(C, call, read, kind);
            const type *v = ck_check_expr(C, ck_arg(call, 0), NULL);
            if (ck_is_err(v))
                return v;
            if (v->kind != TY_SEQ)
                return ck_error_at(C, ck_arg(call, 0), "broadcast values must be collections (ListBuffer, Seq, Array), not %s",
                                ty_name(v));
            ck_set_method(at, M_NONE);
            return ty_broadcast(v);
        }
        if (!strcmp(m, "fromRedisSet") || !strcmp(m, "fromRedisHash") || !strcmp(m, "textFile"))
            return ck_error_at(C, call ? call : sel, "%s is read before every batch as a broadcast value: "
                                                    "sc.broadcast(sc.%s(\"%s\"))", m, m,
                               m[0] == 't' ? "path" : "key");
        if (!strcmp(m, "parallelize") && call && (ck_nargs(call) == 1 || ck_nargs(call) == 2)) {
            if (C->lam)
                return ck_error_at(C, call, "parallelize belongs at the top level (an initial state)");
            const type *v = ck_check_expr(C, ck_arg(call, 0), NULL);
            if (ck_is_err(v))
                return v;
            if (v->kind != TY_SEQ)
                return ck_error_at(C, ck_arg(call, 0), "parallelize takes a collection, as in Seq((\"a\", 1))");
            if (ck_nargs(call) == 2)
                ck_check_expr(C, ck_arg(call, 1), ty_int());
            ck_set_method(at, M_NONE);
            return ty_rdd(v->elems[0]);
        }
        return ck_error_at(C, sel, "SparkContext has no method '%s' in this version of streamc", m);
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "TaskContext")) {
        if (!strcmp(m, "get")) { /* TaskContext.get: the task's context, only read below */
            ck_set_method(call ? call : sel, M_IGNORED);
            return T;
        }
        if (!strcmp(m, "partitionId") || !strcmp(m, "getPartitionId")) {
            ck_set_method(call ? call : sel, F_PARTITION_ID);
            return ty_int();
        }
        return ck_error_at(C, sel, "TaskContext.%s is not supported; TaskContext.get.partitionId is", m);
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "Durations") && call) {
        int64_t ms;
        if (!ck_const_duration(C, call, &ms))
            return ck_error_at(C, call, "expected a constant duration such as Durations.seconds(5)");
        return ty_duration();
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "String") && call) {
        if (!strcmp(m, "format") && ck_nargs(call) >= 1)
            return ck_format(C, call, ck_arg(call, 0), 1);
        if (!strcmp(m, "valueOf") && ck_nargs(call) == 1) {
            const type *t = ck_check_expr(C, ck_arg(call, 0), NULL);
            if (!ty_is_value(t) && !ck_is_err(t))
                return ck_error_at(C, ck_arg(call, 0), "String.valueOf of a %s", ty_name(t));
            ck_set_method(call, F_VALUEOF);
            return ty_string();
        }
        return ck_error_at(C, sel, "String.%s is not supported; String.format(fmt, ...) and String.valueOf(x) are", m);
    }
    if (T->kind == TY_OBJECT && (!strcmp(T->oname, "Int") || !strcmp(T->oname, "Long")) && !call) {
        bool is_int = T->oname[0] == 'I';
        if (strcmp(m, "MaxValue") && strcmp(m, "MinValue"))
            return ck_error_at(C, sel, "%s.%s is not supported; %s.MaxValue and %s.MinValue are", T->oname, m,
                               T->oname, T->oname);
        ck_set_method(sel, F_INT_CONST);
        sel->ival = m[1] == 'a' ? (is_int ? INT32_MAX : INT64_MAX) : (is_int ? INT32_MIN : INT64_MIN);
        return ty_int();
    }
    if (T->kind == TY_OBJECT && (!strcmp(T->oname, "math") || !strcmp(T->oname, "Math")) && call) {
        int fn = ck_math_double(m);
        if (fn >= 0 || !strcmp(m, "round")) {
            int n = fn >= 0 ? math_doubles[fn].nargs : 1;
            if (ck_nargs(call) != n)
                return ck_error_at(C, call, "math.%s takes %d argument%s", m, n, n == 1 ? "" : "s");
            for (int i = 0; i < n; i++) {
                const type *a = ck_check_expr(C, ck_arg(call, i), ty_double());
                if (ck_is_err(a))
                    return a;
                if (!ty_is_numeric(a))
                    return ck_error_at(C, ck_arg(call, i), "math.%s needs numbers, not %s", m, ty_name(a));
            }
            ck_set_method(call, fn >= 0 ? F_MATH_DOUBLE : F_MATH_ROUND);
            call->ival = fn;
            return fn >= 0 ? ty_double() : ty_int();
        }
        bool abs = !strcmp(m, "abs");
        if (!abs && strcmp(m, "max") && strcmp(m, "min"))
            return ck_error_at(C, sel, "math.%s is not supported; math.max, min, abs, pow, sqrt, exp, log, log10, "
                               "floor, ceil and round are", m);
        if (ck_nargs(call) != (abs ? 1 : 2))
            return ck_error_at(C, call, "math.%s takes %d argument%s", m, abs ? 1 : 2, abs ? "" : "s");
        const type *t = NULL;
        for (int i = 0; i < ck_nargs(call); i++) {
            const type *a = ck_check_expr(C, ck_arg(call, i), NULL);
            if (ck_is_err(a))
                return a;
            if (!ty_is_numeric(a))
                return ck_error_at(C, ck_arg(call, i), "math.%s needs numbers, not %s", m, ty_name(a));
            t = t ? ck_unify(t, a) : a;
        }
        ck_set_method(call, abs ? F_MATH_ABS : m[1] == 'a' ? F_MATH_MAX : F_MATH_MIN);
        return t;
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "StorageLevel") && !call)
        return ty_object("StorageLevel"); /* accepted and ignored: data stays in memory */
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "KafkaUtils") && !strcmp(m, "createDirectStream") && call)
        return ck_kafka_source(C, call);
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "HasOffsetRanges") && !strcmp(m, "offsetRanges") &&
        !ck_nargs(call)) {
        ck_set_method(at, M_KAFKA_RANGES);
        at->ival = sel->a->ival;
        return ty_seq(ty_orange(), COLL_ARRAY);
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "CanCommitOffsets") && !strcmp(m, "commitAsync") &&
        ck_nargs(call) >= 1) {
        const type *r = ck_check_expr(C, ck_arg(call, 0), NULL);
        if (!ck_is_err(r) && (r->kind != TY_SEQ || r->elems[0] != ty_orange()))
            return ck_error_at(C, ck_arg(call, 0), "commitAsync takes the offset ranges, not %s", ty_name(r));
        ck_set_method(at, M_KAFKA_COMMIT);
        at->ival = sel->a->ival;
        return ty_unit();
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "KafkaUtils"))
        return ck_error_at(C, sel, "KafkaUtils.%s is not supported: use createDirectStream", m);
    return ck_error_at(C, sel, "%s has no member '%s' that streamc knows", ty_name(T), m);
}
