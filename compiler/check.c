/* check.c - names, types, settings and the operator DAG of a program.
 *
 * One walk over the program in source order. Expressions are typed forward:
 * a lambda's parameter types come from the operation it is passed to, its
 * result type from its body. Every resolved name and built-in method is
 * written into the node (ast->sem, ast->sem_kind, ast->ty) for the emitter.
 *
 * Code lives in three worlds, which decide how names become C:
 *   top level      - DStreams (DAG nodes) and global values set in init();
 *   driver code    - the bodies of foreachRDD / transform, run once per
 *                    batch on the scheduler thread: names become statics;
 *   executor code  - lambdas of DStream and RDD operations, run per record
 *                    on the workers: names become C locals.
 */
#include "check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef enum fn_mode {
    FN_EXEC,   /* executor lambda: a static function, per record */
    FN_DRIVER, /* driver code: a static function, per batch */
    FN_INLINE, /* Seq / Option method: emitted in place */
} fn_mode;

typedef struct checker {
    program *p;
    source *src;
    binding *scope;       /* innermost binding first */
    lambda_info *lam;     /* the lambda being checked, NULL at top level */
    bool driver;          /* checking driver code */
    int nbind;            /* bindings made, for unique C names */
} checker;

static const type *check_expr(checker *C, ast *e, const type *expect);
static void check_stmt(checker *C, ast *s);

/* ===================================================================== */
/* Errors, sites, small helpers                                          */
/* ===================================================================== */

static const type *error_at(checker *C, ast *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const type *error_at(checker *C, ast *n, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    source_error(C->src, n->loc, "%s", msg);
    return ty_error();
}

#define PUSH(arr, n, item)                                                   \
    do {                                                                     \
        (arr) = xrealloc((arr), (size_t)((n) + 1) * sizeof *(arr));          \
        (arr)[(n)++] = (item);                                               \
    } while (0)

/* Note that `n` can fail at run time (division, toInt, index...). */
static void add_site(checker *C, ast *n, const char *what) {
    program *p = C->p;
    site s;
    source_line_col(C->src, n->loc.start, &s.line, &s.col);
    s.what = xstrdup(what);
    PUSH(p->sites, p->nsites, s);
    n->site = p->nsites;
    if (C->lam)
        C->lam->may_fail = true;
}

static void set_method(ast *n, method m) {
    n->sem_kind = SEM_METHOD;
    n->sem = (void *)(intptr_t)m;
}

static bool is_err(const type *t) { return t->kind == TY_ERROR; }

/* A C-safe, unique name for a binding. */
static char *c_name(checker *C, const char *prefix, const char *name) {
    strbuf b = { 0 };
    sb_printf(&b, "%s%d_", prefix, ++C->nbind);
    for (const char *s = name; *s; s++)
        sb_putc(&b, (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                            (*s >= '0' && *s <= '9') || *s == '_' ? *s : 'x');
    return sb_take(&b);
}

static binding *bind(checker *C, const char *name, const type *ty, bind_kind kind, ast *decl) {
    binding *b = xcalloc(1, sizeof *b);
    b->name = xstrdup(name);
    b->ty = ty;
    b->kind = kind;
    b->decl = decl;
    const char *prefix = kind == BIND_GLOBAL ? "g" : kind == BIND_DRIVER ? "d" : "v";
    b->cname = c_name(C, prefix, name);
    b->next = C->scope;
    C->scope = b;
    /* keep every binding reachable for program_free */
    binding *keep = xcalloc(1, sizeof *keep);
    *keep = (binding){ .name = (char *)b, .next = C->p->all_bindings };
    C->p->all_bindings = keep;
    if (kind == BIND_DRIVER)
        PUSH(C->p->statics, C->p->nstatics, b);
    return b;
}

static binding *lookup(checker *C, const char *name) {
    for (binding *b = C->scope; b; b = b->next)
        if (strcmp(b->name, name) == 0)
            return b;
    return NULL;
}

/* The kind of binding a name declared here gets. */
static bind_kind local_kind(checker *C) {
    if (!C->lam)
        return BIND_GLOBAL;
    return C->driver ? BIND_DRIVER : BIND_LOCAL;
}

/* The DAG node an expression of DStream type denotes. */
static dag_node *node_of(ast *e) {
    if (e->sem_kind == SEM_NODE)
        return e->sem;
    binding *b = sem_binding(e);
    if (b && b->kind == BIND_DSTREAM)
        return b->node;
    return NULL;
}

static ast *arg(ast *call, int i) { return call && i < call->list.len ? call->list.items[i] : NULL; }
static int nargs(ast *call) { return call ? call->list.len : 0; }

/* ===================================================================== */
/* Types written in the source                                           */
/* ===================================================================== */

static const char *last_part(const char *dotted) {
    const char *dot = strrchr(dotted, '.');
    return dot ? dot + 1 : dotted;
}

static const type *resolve_type(checker *C, ast *t) {
    if (!t)
        return ty_error();
    if (t->kind == AST_TYPE_TUPLE) {
        const type *elems[16];
        if (t->list.len > 16)
            return error_at(C, t, "tuples of more than 16 elements are not supported");
        for (int i = 0; i < t->list.len; i++)
            elems[i] = resolve_type(C, t->list.items[i]);
        return ty_tuple(t->list.len, elems);
    }
    if (t->kind != AST_TYPE)
        return error_at(C, t, "expected a type");
    const char *name = last_part(t->name);
    int n = t->targs.len;
    const type *a0 = n > 0 ? resolve_type(C, t->targs.items[0]) : NULL;
    static const struct { const char *name; type_kind kind; } scalars[] = {
        { "Int", TY_INT }, { "Long", TY_INT }, { "Short", TY_INT }, { "Byte", TY_INT },
        { "Integer", TY_INT }, { "Double", TY_DOUBLE }, { "Float", TY_DOUBLE },
        { "Boolean", TY_BOOL }, { "String", TY_STRING }, { "Unit", TY_UNIT },
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        if (strcmp(name, scalars[i].name) != 0)
            continue;
        if (n)
            return error_at(C, t, "type %s takes no type arguments", name);
        switch (scalars[i].kind) {
        case TY_INT: return ty_int();
        case TY_DOUBLE: return ty_double();
        case TY_BOOL: return ty_bool();
        case TY_STRING: return ty_string();
        default: return ty_unit();
        }
    }
    static const struct { const char *name; seq_coll coll; } seqs[] = {
        { "Seq", COLL_SEQ }, { "List", COLL_LIST }, { "Array", COLL_ARRAY },
        { "ListBuffer", COLL_BUFFER }, { "Iterable", COLL_ITERABLE },
        { "ArrayBuffer", COLL_BUFFER }, { "IndexedSeq", COLL_SEQ }, { "Vector", COLL_SEQ },
    };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        if (strcmp(name, seqs[i].name) == 0) {
            if (n != 1)
                return error_at(C, t, "%s takes one type argument", name);
            return ty_seq(a0, seqs[i].coll);
        }
    if (strcmp(name, "Option") == 0 || strcmp(name, "Some") == 0) {
        if (n != 1)
            return error_at(C, t, "Option takes one type argument");
        return ty_option(a0);
    }
    if (strcmp(name, "DStream") == 0 || strcmp(name, "ReceiverInputDStream") == 0 ||
        strcmp(name, "InputDStream") == 0) {
        if (n != 1)
            return error_at(C, t, "%s takes one type argument", name);
        return ty_dstream(a0);
    }
    if (strcmp(name, "RDD") == 0) {
        if (n != 1)
            return error_at(C, t, "RDD takes one type argument");
        return ty_rdd(a0);
    }
    if (strcmp(name, "Broadcast") == 0) {
        if (n != 1)
            return error_at(C, t, "Broadcast takes one type argument");
        return ty_broadcast(a0);
    }
    if (strcmp(name, "Tuple2") == 0 && n == 2)
        return ty_pair(a0, resolve_type(C, t->targs.items[1]));
    return ty_object(name);
}

/* ===================================================================== */
/* Constants (source arguments, print counts, durations, settings)       */
/* ===================================================================== */

static bool const_str(checker *C, ast *e, char **out);

static ast *global_init(checker *C, ast *e) {
    if (e->kind != AST_IDENT)
        return NULL;
    binding *b = lookup(C, e->name);
    if (!b || b->kind != BIND_GLOBAL || b->is_var || !b->decl)
        return NULL;
    return b->decl->a;
}

static bool const_int(checker *C, ast *e, int64_t *out) {
    if (e->kind == AST_INT) {
        *out = e->ival;
        return true;
    }
    if (e->kind == AST_UNARY && e->op == AST_OP_NEG && const_int(C, e->a, out)) {
        *out = -*out;
        return true;
    }
    ast *init = global_init(C, e);
    return init && const_int(C, init, out);
}

static bool const_str(checker *C, ast *e, char **out) {
    if (e->kind == AST_STRING) {
        *out = xstrdup(e->str);
        return true;
    }
    if (e->kind == AST_BINARY && e->op == AST_OP_ADD) {
        char *a, *b;
        int64_t n;
        if (!const_str(C, e->a, &a))
            return false;
        if (const_str(C, e->b, &b)) {
            *out = xasprintf("%s%s", a, b);
            free(b);
        } else if (const_int(C, e->b, &n)) {
            *out = xasprintf("%s%" PRId64, a, n);
        } else {
            free(a);
            return false;
        }
        free(a);
        return true;
    }
    ast *init = global_init(C, e);
    return init && const_str(C, init, out);
}

/* Durations.seconds(n), Seconds(n), Minutes(n), Milliseconds(n), 5s. */
static bool const_duration(checker *C, ast *e, int64_t *ms) {
    if (e->kind == AST_DURATION) {
        *ms = e->ival;
        return true;
    }
    if (e->kind == AST_CALL && nargs(e) == 1) {
        const char *fn = NULL;
        if (e->a->kind == AST_IDENT)
            fn = e->a->name;
        else if (e->a->kind == AST_SELECT && e->a->a->kind == AST_IDENT &&
                 strcmp(e->a->a->name, "Durations") == 0)
            fn = e->a->name;
        int64_t n;
        if (!fn || !const_int(C, arg(e, 0), &n))
            return false;
        int64_t unit = 0;
        if (!strcasecmp(fn, "seconds"))
            unit = 1000;
        else if (!strcasecmp(fn, "minutes"))
            unit = 60000;
        else if (!strcasecmp(fn, "milliseconds"))
            unit = 1;
        if (!unit)
            return false;
        *ms = n * unit;
        return true;
    }
    ast *init = global_init(C, e);
    return init && const_duration(C, init, ms);
}

/* ===================================================================== */
/* Lambdas                                                               */
/* ===================================================================== */

/* Does `e` contain a placeholder `_` that belongs to it (not to a nested
 * call argument or lambda, which take their own)? */
static bool has_placeholder(ast *e) {
    if (!e)
        return false;
    switch (e->kind) {
    case AST_PLACEHOLDER:
        return true;
    case AST_LAMBDA:
        return false;
    case AST_CALL:
        /* an argument that is itself an expression with `_` in it is its
         * own function; a bare `_` argument belongs to this call (Scala:
         * f(math.max(_, _)) is f((a, b) => math.max(a, b))) */
        if (has_placeholder(e->a))
            return true;
        for (int i = 0; i < e->list.len; i++)
            if (e->list.items[i]->kind == AST_PLACEHOLDER)
                return true;
        return false;
    case AST_BLOCK:
        return false;
    default:
        break;
    }
    if (has_placeholder(e->a) || has_placeholder(e->b) || has_placeholder(e->c))
        return true;
    for (int i = 0; i < e->list.len; i++)
        if (has_placeholder(e->list.items[i]))
            return true;
    return false;
}

/* Replace the placeholders of `e` by identifiers _p1, _p2, ... in order. */
static void name_placeholders(checker *C, ast *e, int *count) {
    if (!e || e->kind == AST_LAMBDA || e->kind == AST_BLOCK)
        return;
    if (e->kind == AST_PLACEHOLDER) {
        char name[16];
        snprintf(name, sizeof name, "_p%d", ++*count);
        e->kind = AST_IDENT;
        e->name = ast_strdup(C->p->pool, name, strlen(name));
        return;
    }
    if (e->kind == AST_CALL) {
        name_placeholders(C, e->a, count);
        for (int i = 0; i < e->list.len; i++)
            if (e->list.items[i]->kind == AST_PLACEHOLDER)
                name_placeholders(C, e->list.items[i], count);
        return;
    }
    name_placeholders(C, e->a, count);
    name_placeholders(C, e->b, count);
    name_placeholders(C, e->c, count);
    for (int i = 0; i < e->list.len; i++)
        name_placeholders(C, e->list.items[i], count);
}

/* Turn a function argument into an AST_LAMBDA: placeholder expressions
 * (`_ + _`) and function names (`println`) become lambdas. */
static ast *as_lambda(checker *C, ast *e, int arity) {
    ast_pool *pool = C->p->pool;
    if (e->kind == AST_LAMBDA)
        return e;
    if (e->kind == AST_BLOCK && e->list.len == 1 && e->list.items[0]->kind == AST_LAMBDA) {
        *e = *e->list.items[0]; /* { x => ... } in braces: the node becomes the lambda */
        return e;
    }
    if (has_placeholder(e)) {
        ast *body = ast_new(pool, AST_BLOCK, e->loc);
        *body = *e; /* the lambda takes over the node; body keeps its contents */
        int count = 0;
        name_placeholders(C, body, &count);
        memset(e, 0, sizeof *e);
        e->kind = AST_LAMBDA;
        e->loc = body->loc;
        for (int i = 1; i <= count; i++) {
            char name[16];
            snprintf(name, sizeof name, "_p%d", i);
            ast *p = ast_new(pool, AST_PARAM, body->loc);
            p->name = ast_strdup(pool, name, strlen(name));
            ast_list_push(pool, &e->list, p);
        }
        e->a = body;
        return e;
    }
    if (e->kind == AST_IDENT && strcmp(e->name, "println") == 0 && arity == 1) {
        ast *call = ast_new(pool, AST_CALL, e->loc);
        call->a = ast_new(pool, AST_IDENT, e->loc);
        call->a->name = e->name;
        ast *x = ast_new(pool, AST_IDENT, e->loc);
        x->name = ast_strdup(pool, "_p1", 3);
        ast_list_push(pool, &call->list, x);
        memset(e, 0, sizeof *e);
        e->kind = AST_LAMBDA;
        e->loc = call->loc;
        ast *p = ast_new(pool, AST_PARAM, call->loc);
        p->name = x->name;
        ast_list_push(pool, &e->list, p);
        e->a = call;
        return e;
    }
    return NULL;
}

/* Bind a parameter (or a tuple pattern) of type `ty`. */
static void bind_param(checker *C, ast *param, const type *ty, bind_kind kind, lambda_info *li) {
    if (param->type) {
        const type *decl = resolve_type(C, param->type);
        if (!ty_assignable(decl, ty) && !ty_assignable(ty, decl))
            error_at(C, param, "parameter '%s' is declared %s but receives %s",
                     param->name ? param->name : "_", ty_name(decl), ty_name(ty));
    }
    binding *b = bind(C, param->name ? param->name : "_", ty, kind, param);
    param->sem_kind = SEM_BINDING;
    param->sem = b;
    param->ty = ty;
    if (li)
        PUSH(li->params, li->nparams, b);
    if (param->list.len == 0)
        return;
    if (ty->kind != TY_TUPLE || ty->nelems != param->list.len) {
        if (!is_err(ty))
            error_at(C, param, "pattern of %d names does not match %s", param->list.len, ty_name(ty));
        for (int i = 0; i < param->list.len; i++)
            bind_param(C, param->list.items[i], ty_error(), kind, NULL);
        return;
    }
    for (int i = 0; i < param->list.len; i++)
        bind_param(C, param->list.items[i], ty->elems[i], kind, NULL);
}

/* Check `e` as a function of `n` parameters of types `ptypes`. Returns the
 * result type (ty_error after an error). */
static const type *check_fn(checker *C, ast *e, int n, const type **ptypes, fn_mode mode,
                            dag_node *owner) {
    ast *lam = as_lambda(C, e, n);
    if (!lam)
        return error_at(C, e, "expected a function of %d parameter%s here", n, n == 1 ? "" : "s");
    int np = lam->list.len;
    /* Scala lets a one-parameter lambda take a tuple of arguments only as a
     * pattern; `(k, v) => ...` for a function of one pair is a common slip. */
    if (np != n) {
        if (n == 1 && np > 1 && ptypes[0]->kind == TY_TUPLE && ptypes[0]->nelems == np)
            return error_at(C, lam, "this function receives one tuple %s; write { case (%s, ...) => ... } or use ._1, ._2",
                            ty_name(ptypes[0]), lam->list.items[0]->name ? lam->list.items[0]->name : "_");
        return error_at(C, lam, "expected a function of %d parameter%s, this one has %d", n,
                        n == 1 ? "" : "s", np);
    }
    lambda_info *li = xcalloc(1, sizeof *li);
    li->id = C->p->nlambdas;
    li->node = lam;
    li->owner = owner;
    li->is_inline = mode == FN_INLINE;
    li->driver = mode == FN_DRIVER || (mode == FN_INLINE && C->driver);
    PUSH(C->p->lambdas, C->p->nlambdas, li);
    lam->sem_kind = SEM_LAMBDA;
    lam->sem = li;

    binding *saved_scope = C->scope;
    lambda_info *saved_lam = C->lam;
    bool saved_driver = C->driver;
    C->lam = li;
    C->driver = li->driver;
    bind_kind kind = C->driver ? BIND_DRIVER : BIND_LOCAL;
    for (int i = 0; i < np; i++)
        bind_param(C, lam->list.items[i], ptypes[i], kind, li);
    const type *ret = check_expr(C, lam->a, NULL);
    li->ret = ret;
    lam->ty = ret;
    bool failed = li->may_fail;
    C->scope = saved_scope;
    C->lam = saved_lam;
    C->driver = saved_driver;
    /* an inline lambda's failures are its enclosing lambda's */
    if (mode == FN_INLINE && failed && C->lam)
        C->lam->may_fail = true;
    return ret;
}

static const type *check_fn1(checker *C, ast *e, const type *p0, fn_mode mode, dag_node *owner) {
    return check_fn(C, e, 1, &p0, mode, owner);
}
static const type *check_fn2(checker *C, ast *e, const type *p0, const type *p1, fn_mode mode,
                             dag_node *owner) {
    const type *ps[2] = { p0, p1 };
    return check_fn(C, e, 2, ps, mode, owner);
}

/* The element type of what a flatMap function returns (a Seq or Option). */
static const type *flat_elem(checker *C, ast *at, const type *ret) {
    if (ret->kind == TY_SEQ || ret->kind == TY_OPTION)
        return ret->elems[0];
    if (is_err(ret))
        return ret;
    return error_at(C, at, "flatMap's function must return a collection (Seq, Array, List or Option), not %s",
                    ty_name(ret));
}

/* ===================================================================== */
/* DStream operations (top level)                                        */
/* ===================================================================== */

static dag_node *new_node(checker *C, op_kind op, const type *elem, ast *at, dag_node *in) {
    dag_node *n = dag_add(&C->p->dag, op, elem, at);
    n->slide_ms = in ? in->slide_ms : C->p->batch_ms; /* windows change it */
    if (in)
        dag_add_input(n, in);
    at->sem_kind = SEM_NODE;
    at->sem = n;
    return n;
}

/* The key and value types of a pair stream, or an error naming `what`. */
static bool pair_parts(checker *C, ast *at, const type *elem, const char *what,
                       const type **k, const type **v) {
    if (ty_is_pair(elem)) {
        *k = elem->elems[0];
        *v = elem->elems[1];
        return true;
    }
    if (!is_err(elem))
        error_at(C, at, "%s needs a stream of pairs (K, V), not of %s", what, ty_name(elem));
    return false;
}

static bool need_args(checker *C, ast *call, const char *name, int lo, int hi) {
    int n = nargs(call);
    if (n >= lo && n <= hi)
        return true;
    if (lo == hi)
        error_at(C, call, "%s takes %d argument%s, not %d", name, lo, lo == 1 ? "" : "s", n);
    else
        error_at(C, call, "%s takes %d to %d arguments, not %d", name, lo, hi, n);
    return false;
}

/* A DStream argument (union, join ...). */
static dag_node *stream_arg(checker *C, ast *e, const type **elem) {
    const type *t = check_expr(C, e, NULL);
    if (t->kind != TY_DSTREAM) {
        if (!is_err(t))
            error_at(C, e, "expected a DStream here, not %s", ty_name(t));
        return NULL;
    }
    *elem = t->elems[0];
    return node_of(e);
}

static const char *const unsupported_yet[] = {
    "mapWithState", "saveToKafka", "saveToRedis", NULL,
};

/* A window or slide duration: a constant multiple of the batch interval. */
static bool window_duration(checker *C, ast *e, const char *what, int64_t *ms) {
    check_expr(C, e, NULL);
    if (!const_duration(C, e, ms) || *ms <= 0) {
        error_at(C, e, "the %s must be a constant duration such as Durations.seconds(10)", what);
        return false;
    }
    int64_t batch = C->p->batch_ms;
    if (batch && *ms % batch != 0) {
        error_at(C, e, "the %s (%lld ms) is not a multiple of the batch interval (%lld ms)", what,
                 (long long)*ms, (long long)batch);
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
        error_at(C, call, "a window over a windowed stream must be a multiple of its slide (%lld ms)",
                 (long long)in->slide_ms);
        return NULL;
    }
    dag_node *n = new_node(C, OP_WINDOW, T, call, in);
    n->window_ms = wms;
    n->slide_ms = sms;
    return n;
}

/* reduceByKeyAndWindow(f, inv, w[, s[, numPartitions[, filterFunc]]]):
 * kept incrementally, so keys whose value returns to zero stay (Spark). */
static const type *window_inverse(checker *C, ast *call, dag_node *in, const type *T, const type *K,
                                  const type *V) {
    int64_t wms, sms = in->slide_ms;
    ast *f = arg(call, 0), *inv = arg(call, 1), *filter = arg(call, 5);
    if (!window_duration(C, arg(call, 2), "window duration", &wms))
        return ty_error();
    if (arg(call, 3) && !window_duration(C, arg(call, 3), "slide duration", &sms))
        return ty_error();
    if (in->slide_ms > C->p->batch_ms)
        return error_at(C, call, "reduceByKeyAndWindow with an inverse over a windowed stream is not supported");
    dag_node *n = new_node(C, OP_WINDOWINV, T, call, in);
    n->window_ms = wms;
    n->slide_ms = sms;
    const type *r = check_fn2(C, f, V, V, FN_EXEC, n);
    if (!ty_assignable(V, r) && !is_err(r))
        error_at(C, f, "reduceByKeyAndWindow's function must return %s, not %s", ty_name(V), ty_name(r));
    r = check_fn2(C, inv, V, V, FN_EXEC, n);
    if (!ty_assignable(V, r) && !is_err(r))
        error_at(C, inv, "the inverse function must return %s, not %s", ty_name(V), ty_name(r));
    if (arg(call, 4))
        check_expr(C, arg(call, 4), ty_int());
    if (filter) {
        r = check_fn1(C, filter, T, FN_EXEC, n);
        if (r->kind != TY_BOOL && !is_err(r))
            error_at(C, filter, "filterFunc must return Boolean, not %s", ty_name(r));
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
    dag_node *n = new_node(C, OP_WINDOWINV, elem, call, in);
    n->window_ms = wms;
    n->slide_ms = sms;
    n->wmode = mode;
    C->p->stateful = true;
    return n;
}

/* The windowed operators. */
static const type *windowed(checker *C, ast *call, ast *sel, dag_node *in, const type *T) {
    const char *m = sel->name;
    ast *a0 = arg(call, 0), *a1 = arg(call, 1), *a2 = arg(call, 2);
    const type *K = NULL, *V = NULL;
    dag_node *w, *n;
    if (!strcmp(m, "window")) {
        if (!need_args(C, call, m, 1, 2) || !(w = window_node(C, call, in, T, a0, a1)))
            return ty_error();
        return ty_dstream(T);
    }
    if (!strcmp(m, "countByWindow") || !strcmp(m, "countByValueAndWindow") ||
        !strcmp(m, "groupByKeyAndWindow")) {
        if (!need_args(C, call, m, 2, 3))
            return ty_error();
        bool group = m[0] == 'g', by_value = !strcmp(m, "countByValueAndWindow");
        if (group && !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (!group && in->slide_ms <= C->p->batch_ms) {
            /* counted incrementally, as Spark does (a reduce with an inverse) */
            n = incremental_window(C, call, in, by_value ? ty_pair(T, ty_int()) : ty_int(), a0, a1,
                                   by_value ? WM_BY_VALUE : WM_COUNT);
            if (a2)
                check_expr(C, a2, ty_int());
            return n ? ty_dstream(n->elem) : ty_error();
        }
        if (!(w = window_node(C, call, in, T, a0, a1)))
            return ty_error();
        if (a2)
            check_expr(C, a2, ty_int());
        const type *elem = group ? ty_pair(K, ty_seq(V, COLL_ITERABLE)) :
                           by_value ? ty_pair(T, ty_int()) : ty_int();
        n = new_node(C, group ? OP_GROUPBYKEY : by_value ? OP_COUNTBYVALUE : OP_COUNT, elem, call, w);
        n->slide_ms = w->slide_ms;
        /* Spark counts windows by reducing with an inverse: nothing is
         * output before the first element arrives, then 0 for empty windows */
        n->count = !group && !by_value;
        return ty_dstream(elem);
    }
    if (!strcmp(m, "reduceByWindow") || !strcmp(m, "reduceByKeyAndWindow")) {
        bool keyed = m[8] == 'K';
        if (!need_args(C, call, m, 2, 6))
            return ty_error();
        if (keyed && !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        /* the inverse form (f, inv, w, s...) is told apart by its second
         * argument being a function */
        ast *maybe_inv = a1;
        bool inverse = maybe_inv && (maybe_inv->kind == AST_LAMBDA || has_placeholder(maybe_inv) ||
                                     (maybe_inv->kind == AST_BLOCK && maybe_inv->list.len == 1 &&
                                      maybe_inv->list.items[0]->kind == AST_LAMBDA));
        if (inverse && !keyed) {
            if (!need_args(C, call, m, 4, 4))
                return ty_error();
            n = incremental_window(C, call, in, T, arg(call, 2), arg(call, 3), WM_SINGLE);
            if (!n)
                return ty_error();
            n->op = OP_WINDOWINV;
            const type *r = check_fn2(C, a0, T, T, FN_EXEC, n);
            if (!ty_assignable(T, r) && !is_err(r))
                error_at(C, a0, "reduceByWindow's function must return %s, not %s", ty_name(T), ty_name(r));
            r = check_fn2(C, a1, T, T, FN_EXEC, n);
            if (!ty_assignable(T, r) && !is_err(r))
                error_at(C, a1, "the inverse function must return %s, not %s", ty_name(T), ty_name(r));
            n->fn = a0;
            n->inv = a1;
            return ty_dstream(T);
        }
        if (inverse)
            return window_inverse(C, call, in, T, K, V);
        if (nargs(call) > (keyed ? 4 : 3))
            return error_at(C, call, "%s(f, window, slide%s) takes at most %d arguments", m,
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
            n = new_node(C, keyed ? OP_REDUCEBYKEY : OP_REDUCE, T, call, w);
            n->slide_ms = w->slide_ms;
        }
        const type *v = keyed ? V : T;
        const type *ret = check_fn2(C, a0, v, v, FN_EXEC, n);
        if (!ty_assignable(v, ret) && !is_err(ret))
            error_at(C, a0, "%s's function must return %s, not %s", m, ty_name(v), ty_name(ret));
        n->fn = a0;
        if (keyed && nargs(call) == 4)
            check_expr(C, arg(call, 3), ty_int());
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
    if (!need_args(C, call, m, 1, 3) || !pair_parts(C, call, T, m, &K, &V))
        return ty_error();
    ast *f = arg(call, 0);
    if (sel->targs.len == 1)
        S = resolve_type(C, sel->targs.items[0]);
    ast *lam = as_lambda(C, f, 2);
    if (!S && lam && lam->list.len == 2 && lam->list.items[1]->type) {
        const type *declared = resolve_type(C, lam->list.items[1]->type);
        if (declared->kind == TY_OPTION)
            S = declared->elems[0];
        else if (!is_err(declared))
            return error_at(C, lam->list.items[1], "the state parameter must be an Option[S], not %s",
                            ty_name(declared));
    }
    if (!S)
        return error_at(C, f, "write the state's type, as in (values: Seq[%s], state: Option[Int]) => ...",
                        ty_name(V));
    if (is_err(S))
        return S;
    if (!ty_is_value(S))
        return error_at(C, f, "the state must be a value, not %s", ty_name(S));
    dag_node *n = new_node(C, OP_UPDATESTATE, ty_pair(K, S), call, in);
    const type *ret = check_fn2(C, f, ty_seq(V, COLL_SEQ), ty_option(S), FN_EXEC, n);
    if (!is_err(ret) && ret != ty_option(S) && !(ret->kind == TY_OPTION && ret->elems[0]->kind == TY_NULL))
        error_at(C, f, "updateStateByKey's function must return Option[%s], not %s", ty_name(S), ty_name(ret));
    n->fn = f;
    if (nargs(call) >= 2)
        check_expr(C, arg(call, 1), NULL); /* partitions or a partitioner: state is kept per worker */
    if (nargs(call) == 3) {
        ast *init = arg(call, 2);
        const type *it = check_expr(C, init, NULL);
        binding *b = sem_binding(init);
        if (is_err(it))
            return it;
        if (it != ty_rdd(ty_pair(K, S)) || !b || b->kind != BIND_GLOBAL)
            return error_at(C, init, "the initial state must be a top-level RDD[%s] from ssc.sparkContext.parallelize(...)",
                            ty_name(ty_pair(K, S)));
        n->initial = b;
    }
    C->p->stateful = true;
    return ty_dstream(n->elem);
}

static const type *stream_method(checker *C, ast *call, ast *sel, dag_node *in, const type *T) {
    const char *m = sel->name;
    ast *f = arg(call, 0);
    const type *K, *V;
    dag_node *n;

    if (!in)
        return ty_error();
    if (!strcmp(m, "map") || !strcmp(m, "flatMap") || !strcmp(m, "filter")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        op_kind op = m[0] == 'm' ? OP_MAP : m[1] == 'l' ? OP_FLATMAP : OP_FILTER;
        n = new_node(C, op, T, call, in);
        const type *ret = check_fn1(C, f, T, FN_EXEC, n);
        if (op == OP_MAP)
            n->elem = ret;
        else if (op == OP_FLATMAP)
            n->elem = flat_elem(C, f, ret);
        else if (ret->kind != TY_BOOL && !is_err(ret))
            error_at(C, f, "filter's function must return Boolean, not %s", ty_name(ret));
        n->fn = f;
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "mapValues") || !strcmp(m, "flatMapValues")) {
        if (!need_args(C, call, m, 1, 1) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        bool flat = m[0] == 'f';
        n = new_node(C, flat ? OP_FLATMAPVALUES : OP_MAPVALUES, T, call, in);
        const type *ret = check_fn1(C, f, V, FN_EXEC, n);
        n->elem = ty_pair(K, flat ? flat_elem(C, f, ret) : ret);
        n->fn = f;
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "union")) {
        const type *U;
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        dag_node *other = stream_arg(C, f, &U);
        if (!other)
            return ty_error();
        if (U != T)
            return error_at(C, f, "union of DStream[%s] with DStream[%s]: element types differ",
                            ty_name(T), ty_name(U));
        n = new_node(C, OP_UNION, T, call, in);
        dag_add_input(n, other);
        return ty_dstream(T);
    }
    if (!strcmp(m, "count") || !strcmp(m, "countByValue")) {
        if (!need_args(C, call, m, 0, 1))
            return ty_error();
        bool by_value = m[5] == 'B';
        n = new_node(C, by_value ? OP_COUNTBYVALUE : OP_COUNT,
                     by_value ? ty_pair(T, ty_int()) : ty_int(), call, in);
        if (f)
            check_expr(C, f, NULL);
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "reduce")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        n = new_node(C, OP_REDUCE, T, call, in);
        const type *ret = check_fn2(C, f, T, T, FN_EXEC, n);
        if (!ty_assignable(T, ret))
            error_at(C, f, "reduce's function must return %s, not %s", ty_name(T), ty_name(ret));
        n->fn = f;
        return ty_dstream(T);
    }
    if (!strcmp(m, "reduceByKey")) {
        if (!need_args(C, call, m, 1, 2) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        n = new_node(C, OP_REDUCEBYKEY, T, call, in);
        const type *ret = check_fn2(C, f, V, V, FN_EXEC, n);
        if (!ty_assignable(V, ret))
            error_at(C, f, "reduceByKey's function must return %s, not %s", ty_name(V), ty_name(ret));
        n->fn = f;
        if (nargs(call) == 2)
            check_expr(C, arg(call, 1), NULL);
        return ty_dstream(T);
    }
    if (!strcmp(m, "groupByKey")) {
        if (!need_args(C, call, m, 0, 1) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (f)
            check_expr(C, f, NULL);
        n = new_node(C, OP_GROUPBYKEY, ty_pair(K, ty_seq(V, COLL_ITERABLE)), call, in);
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
        if (!need_args(C, call, m, 1, 2) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        dag_node *other = stream_arg(C, f, &U);
        if (!other || !pair_parts(C, f, U, m, &K2, &W))
            return ty_error();
        if (K != K2)
            return error_at(C, f, "%s of keys %s with keys %s: key types differ", m, ty_name(K),
                            ty_name(K2));
        if (nargs(call) == 2)
            check_expr(C, arg(call, 1), NULL);
        const type *vw;
        switch (joins[j].op) {
        case OP_LEFTOUTERJOIN: vw = ty_pair(V, ty_option(W)); break;
        case OP_RIGHTOUTERJOIN: vw = ty_pair(ty_option(V), W); break;
        case OP_FULLOUTERJOIN: vw = ty_pair(ty_option(V), ty_option(W)); break;
        case OP_COGROUP: vw = ty_pair(ty_seq(V, COLL_ITERABLE), ty_seq(W, COLL_ITERABLE)); break;
        default: vw = ty_pair(V, W); break;
        }
        n = new_node(C, joins[j].op, ty_pair(K, vw), call, in);
        dag_add_input(n, other);
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "updateStateByKey"))
        return update_state(C, call, sel, in, T);
    const type *wt = windowed(C, call, sel, in, T);
    if (wt)
        return wt;
    if (!strcmp(m, "transform")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        n = new_node(C, OP_TRANSFORM, T, call, in);
        const type *ret = check_fn1(C, f, ty_rdd(T), FN_DRIVER, n);
        if (ret->kind != TY_RDD) {
            if (!is_err(ret))
                error_at(C, f, "transform's function must return an RDD, not %s", ty_name(ret));
            return ty_error();
        }
        n->elem = ret->elems[0];
        n->fn = f;
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "transformWith")) {
        const type *U;
        if (!need_args(C, call, m, 2, 2))
            return ty_error();
        dag_node *other = stream_arg(C, f, &U);
        if (!other)
            return ty_error();
        n = new_node(C, OP_TRANSFORMWITH, T, call, in);
        dag_add_input(n, other);
        const type *ret = check_fn2(C, arg(call, 1), ty_rdd(T), ty_rdd(U), FN_DRIVER, n);
        if (ret->kind != TY_RDD) {
            if (!is_err(ret))
                error_at(C, arg(call, 1), "transformWith's function must return an RDD, not %s",
                         ty_name(ret));
            return ty_error();
        }
        n->elem = ret->elems[0];
        n->fn = arg(call, 1);
        return ty_dstream(n->elem);
    }
    if (!strcmp(m, "repartition")) {
        int64_t parts;
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        check_expr(C, f, ty_int());
        if (!const_int(C, f, &parts) || parts < 1 || parts > 4096)
            return error_at(C, f, "repartition needs a constant number of partitions (1 to 4096)");
        n = new_node(C, OP_REPARTITION, T, call, in);
        n->count = parts;
        return ty_dstream(T);
    }
    if (!strcmp(m, "print")) {
        int64_t count = 10;
        if (!need_args(C, call, m, 0, 1))
            return ty_error();
        if (f) {
            check_expr(C, f, ty_int());
            if (!const_int(C, f, &count) || count < 0)
                return error_at(C, f, "print needs a constant, non-negative number of elements");
        }
        n = new_node(C, OP_PRINT, T, call, in);
        n->count = count;
        PUSH(C->p->outputs, C->p->noutputs, n);
        return ty_unit();
    }
    if (!strcmp(m, "saveAsTextFiles")) {
        char *prefix = NULL, *suffix = NULL;
        if (!need_args(C, call, m, 1, 2))
            return ty_error();
        for (int i = 0; i < nargs(call); i++)
            check_expr(C, arg(call, i), ty_string());
        if (!const_str(C, f, &prefix))
            return error_at(C, f, "saveAsTextFiles needs a constant prefix string");
        if (nargs(call) == 2 && !const_str(C, arg(call, 1), &suffix)) {
            free(prefix);
            return error_at(C, arg(call, 1), "saveAsTextFiles needs a constant suffix string");
        }
        if (!*prefix) {
            free(prefix);
            free(suffix);
            return error_at(C, f, "saveAsTextFiles needs a non-empty prefix");
        }
        n = new_node(C, OP_SAVE, T, call, in);
        n->prefix = prefix;
        n->suffix = suffix ? suffix : xstrdup("");
        PUSH(C->p->outputs, C->p->noutputs, n);
        return ty_unit();
    }
    if (!strcmp(m, "foreachRDD")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        n = new_node(C, OP_FOREACHRDD, T, call, in);
        ast *lam = as_lambda(C, f, 1);
        if (lam && lam->list.len == 2)
            check_fn2(C, f, ty_rdd(T), ty_time(), FN_DRIVER, n);
        else
            check_fn1(C, f, ty_rdd(T), FN_DRIVER, n);
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
        for (int i = 0; i < nargs(call); i++)
            check_expr(C, arg(call, i), NULL);
        call->sem_kind = SEM_NODE;
        call->sem = in;
        return ty_dstream(T);
    }
    for (int i = 0; unsupported_yet[i]; i++)
        if (!strcmp(m, unsupported_yet[i]))
            return error_at(C, sel, "'%s' is not supported yet by this version of streamc", m);
    return error_at(C, sel, "DStream[%s] has no operation '%s'", ty_name(T), m);
}

/* ===================================================================== */
/* RDD operations (driver code)                                          */
/* ===================================================================== */

static const type *rdd_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *f = arg(call, 0);
    const type *K, *V;
    static const char *identity[] = { "cache", "persist", "repartition", "coalesce", "unpersist",
                                      "setName", NULL };
    for (int i = 0; identity[i]; i++)
        if (!strcmp(m, identity[i])) {
            for (int j = 0; j < nargs(call); j++)
                check_expr(C, arg(call, j), NULL);
            set_method(call ? call : sel, R_IDENTITY);
            return ty_rdd(T);
        }
    if (!call)
        call = sel; /* rdd.count without parentheses */
    set_method(call, M_NONE);
    if (!strcmp(m, "map") || !strcmp(m, "flatMap") || !strcmp(m, "filter")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        const type *ret = check_fn1(C, f, T, FN_EXEC, NULL);
        set_method(call, m[0] == 'm' ? R_MAP : m[1] == 'l' ? R_FLATMAP : R_FILTER);
        if (m[0] == 'm')
            return ty_rdd(ret);
        if (m[1] == 'l')
            return ty_rdd(flat_elem(C, f, ret));
        if (ret->kind != TY_BOOL && !is_err(ret))
            error_at(C, f, "filter's function must return Boolean, not %s", ty_name(ret));
        return ty_rdd(T);
    }
    if (!strcmp(m, "mapValues") || !strcmp(m, "flatMapValues")) {
        if (!need_args(C, call, m, 1, 1) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        const type *ret = check_fn1(C, f, V, FN_EXEC, NULL);
        bool flat = m[0] == 'f';
        set_method(call, flat ? R_FLATMAPVALUES : R_MAPVALUES);
        return ty_rdd(ty_pair(K, flat ? flat_elem(C, f, ret) : ret));
    }
    if (!strcmp(m, "sortByKey")) {
        if (!need_args(C, call, m, 0, 2) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (f)
            check_expr(C, f, ty_bool());
        if (nargs(call) > 1)
            check_expr(C, arg(call, 1), ty_int());
        set_method(call, R_SORTBYKEY);
        return ty_rdd(T);
    }
    if (!strcmp(m, "sortBy")) {
        if (!need_args(C, call, m, 1, 3))
            return ty_error();
        const type *key = check_fn1(C, f, T, FN_EXEC, NULL);
        if (!ty_is_value(key) && !is_err(key))
            error_at(C, f, "sortBy's key must be a value, not %s", ty_name(key));
        if (nargs(call) > 1)
            check_expr(C, arg(call, 1), ty_bool());
        if (nargs(call) > 2)
            check_expr(C, arg(call, 2), ty_int());
        set_method(call, R_SORTBY);
        return ty_rdd(T);
    }
    if (!strcmp(m, "reduceByKey")) {
        if (!need_args(C, call, m, 1, 2) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        const type *ret = check_fn2(C, f, V, V, FN_EXEC, NULL);
        if (!ty_assignable(V, ret))
            error_at(C, f, "reduceByKey's function must return %s, not %s", ty_name(V), ty_name(ret));
        if (nargs(call) > 1)
            check_expr(C, arg(call, 1), ty_int());
        set_method(call, R_REDUCEBYKEY);
        return ty_rdd(T);
    }
    if (!strcmp(m, "union")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        const type *U = check_expr(C, f, ty_rdd(T));
        if (U != ty_rdd(T) && !is_err(U))
            error_at(C, f, "union of RDD[%s] with %s", ty_name(T), ty_name(U));
        set_method(call, R_UNION);
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
        if (!need_args(C, call, m, 1, 2) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        const type *U = check_expr(C, f, NULL);
        if (is_err(U))
            return U;
        if (U->kind != TY_RDD)
            return error_at(C, f, "%s needs an RDD here, not %s", m, ty_name(U));
        if (!pair_parts(C, f, U->elems[0], m, &K2, &W))
            return ty_error();
        if (K != K2)
            return error_at(C, f, "%s of keys %s with keys %s: key types differ", m, ty_name(K), ty_name(K2));
        if (nargs(call) == 2)
            check_expr(C, arg(call, 1), ty_int());
        const type *vw;
        switch (joins[j].meth) {
        case R_LEFTOUTERJOIN: vw = ty_pair(V, ty_option(W)); break;
        case R_RIGHTOUTERJOIN: vw = ty_pair(ty_option(V), W); break;
        case R_FULLOUTERJOIN: vw = ty_pair(ty_option(V), ty_option(W)); break;
        case R_COGROUP: vw = ty_pair(ty_seq(V, COLL_ITERABLE), ty_seq(W, COLL_ITERABLE)); break;
        default: vw = ty_pair(V, W); break;
        }
        set_method(call, joins[j].meth);
        return ty_rdd(ty_pair(K, vw));
    }
    if (!strcmp(m, "groupByKey")) {
        if (!need_args(C, call == sel ? NULL : call, m, 0, 1) || !pair_parts(C, call, T, m, &K, &V))
            return ty_error();
        if (f)
            check_expr(C, f, ty_int());
        set_method(call, R_GROUPBYKEY);
        return ty_rdd(ty_pair(K, ty_seq(V, COLL_ITERABLE)));
    }
    if (!strcmp(m, "distinct")) {
        if (!need_args(C, call == sel ? NULL : call, m, 0, 1))
            return ty_error();
        if (f)
            check_expr(C, f, ty_int());
        set_method(call, R_DISTINCT);
        return ty_rdd(T);
    }
    if (!strcmp(m, "reduce")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        const type *ret = check_fn2(C, f, T, T, FN_EXEC, NULL);
        if (!ty_assignable(T, ret) && !is_err(ret))
            error_at(C, f, "reduce's function must return %s, not %s", ty_name(T), ty_name(ret));
        set_method(call, R_REDUCE);
        add_site(C, call, "reduce of an empty RDD");
        return T;
    }
    if (!strcmp(m, "take")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        check_expr(C, f, ty_int());
        set_method(call, R_TAKE);
        return ty_seq(T, COLL_ARRAY);
    }
    if (!strcmp(m, "collect") || !strcmp(m, "count") || !strcmp(m, "first") ||
        !strcmp(m, "isEmpty")) {
        if (!need_args(C, call == sel ? NULL : call, m, 0, 0))
            return ty_error();
        switch (m[1]) {
        case 'o': set_method(call, m[2] == 'l' ? R_COLLECT : R_COUNT);
            return m[2] == 'l' ? ty_seq(T, COLL_ARRAY) : ty_int();
        case 'i': set_method(call, R_FIRST); add_site(C, call, "first() of an empty RDD"); return T;
        default: set_method(call, R_ISEMPTY); return ty_bool();
        }
    }
    if (!strcmp(m, "foreach")) {
        if (!need_args(C, call, m, 1, 1))
            return ty_error();
        check_fn1(C, f, T, FN_EXEC, NULL);
        set_method(call, R_FOREACH);
        return ty_unit();
    }
    return error_at(C, sel, "RDD[%s] has no operation '%s' in this version of streamc", ty_name(T), m);
}

/* ===================================================================== */
/* Methods of values                                                     */
/* ===================================================================== */

/* Check the arguments of `call` against parameter types (NULL = any value). */
static bool value_args(checker *C, ast *call, const char *name, int n, const type *t0,
                       const type *t1) {
    int got = nargs(call);
    if (got != n) {
        error_at(C, call, "%s takes %d argument%s, not %d", name, n, n == 1 ? "" : "s", got);
        return false;
    }
    const type *want[2] = { t0, t1 };
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const type *t = check_expr(C, arg(call, i), want[i]);
        if (want[i] && !ty_assignable(want[i], t) &&
            !(want[i]->kind == TY_DOUBLE && t->kind == TY_INT)) {
            error_at(C, arg(call, i), "%s expects %s here, not %s", name, ty_name(want[i]), ty_name(t));
            ok = false;
        }
    }
    return ok;
}

static const type *string_method(checker *C, ast *call, ast *sel) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    const type *S = ty_string(), *I = ty_int(), *B = ty_bool();
    static const struct {
        const char *name;
        method meth;
        int nargs;
        int arg;     /* 0: none, 'S': strings, 'I': ints */
        char ret;    /* 'S' String, 'I' Int, 'B' Boolean, 'D' Double, 'A' Array[String] */
        const char *fails;
    } table[] = {
        { "split", M_STR_SPLIT, 1, 'S', 'A', NULL },
        { "trim", M_STR_TRIM, 0, 0, 'S', NULL },
        { "toLowerCase", M_STR_LOWER, 0, 0, 'S', NULL },
        { "toUpperCase", M_STR_UPPER, 0, 0, 'S', NULL },
        { "length", M_STR_LENGTH, 0, 0, 'I', NULL },
        { "size", M_STR_LENGTH, 0, 0, 'I', NULL },
        { "contains", M_STR_CONTAINS, 1, 'S', 'B', NULL },
        { "startsWith", M_STR_STARTS, 1, 'S', 'B', NULL },
        { "endsWith", M_STR_ENDS, 1, 'S', 'B', NULL },
        { "replace", M_STR_REPLACE, 2, 'S', 'S', NULL },
        { "replaceAll", M_STR_REPLACEALL, 2, 'S', 'S', NULL },
        { "toInt", M_STR_TOINT, 0, 0, 'I', "toInt" },
        { "toLong", M_STR_TOINT, 0, 0, 'I', "toLong" },
        { "toDouble", M_STR_TODOUBLE, 0, 0, 'D', "toDouble" },
        { "isEmpty", M_STR_ISEMPTY, 0, 0, 'B', NULL },
        { "nonEmpty", M_STR_NONEMPTY, 0, 0, 'B', NULL },
        { "indexOf", M_STR_INDEXOF, 1, 'S', 'I', NULL },
        { "equals", M_STR_EQUALS, 1, 'S', 'B', NULL },
        { "toString", M_TOSTRING, 0, 0, 'S', NULL },
    };
    if (!strcmp(m, "substring")) {
        int n = nargs(call);
        if (n < 1 || n > 2)
            return error_at(C, at, "substring takes 1 or 2 arguments, not %d", n);
        value_args(C, call, m, n, I, I);
        set_method(at, M_STR_SUBSTRING);
        add_site(C, at, "substring");
        return S;
    }
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(m, table[i].name) != 0)
            continue;
        if (table[i].nargs > 0 || call) {
            const type *a = table[i].arg == 'S' ? S : table[i].arg == 'I' ? I : NULL;
            if (!value_args(C, call ? call : sel, m, table[i].nargs, a, a))
                return ty_error();
        }
        set_method(at, table[i].meth);
        if (table[i].fails)
            add_site(C, at, table[i].fails);
        switch (table[i].ret) {
        case 'S': return S;
        case 'I': return I;
        case 'B': return B;
        case 'D': return ty_double();
        default: return ty_seq(S, COLL_ARRAY);
        }
    }
    return error_at(C, sel, "String has no method '%s'", m);
}

static const type *number_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    if (call && (!strcmp(m, "max") || !strcmp(m, "min"))) {
        if (!value_args(C, call, m, 1, T, NULL))
            return ty_error();
        set_method(at, m[1] == 'a' ? M_NUM_MAX : M_NUM_MIN);
        return T;
    }
    if (call && nargs(call) > 0)
        return error_at(C, call, "%s.%s takes no arguments", ty_name(T), m);
    if (!strcmp(m, "toInt") || !strcmp(m, "toLong")) {
        set_method(at, M_NUM_TOINT);
        return ty_int();
    }
    if (!strcmp(m, "toDouble") || !strcmp(m, "toFloat")) {
        set_method(at, M_NUM_TODOUBLE);
        return ty_double();
    }
    if (!strcmp(m, "abs")) {
        set_method(at, M_NUM_ABS);
        return T;
    }
    if (!strcmp(m, "toString")) {
        set_method(at, M_TOSTRING);
        return ty_string();
    }
    return error_at(C, sel, "%s has no method '%s'", ty_name(T), m);
}

static const type *option_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    const type *E = T->elems[0];
    if (!strcmp(m, "getOrElse")) {
        if (!value_args(C, call, m, 1, E->kind == TY_NULL ? NULL : E, NULL))
            return ty_error();
        set_method(at, M_OPT_GETORELSE);
        return E->kind == TY_NULL ? arg(call, 0)->ty : E;
    }
    if (call && nargs(call) > 0)
        return error_at(C, call, "Option.%s takes no arguments", m);
    if (!strcmp(m, "isEmpty")) { set_method(at, M_OPT_ISEMPTY); return ty_bool(); }
    if (!strcmp(m, "isDefined") || !strcmp(m, "nonEmpty")) { set_method(at, M_OPT_ISDEFINED); return ty_bool(); }
    if (!strcmp(m, "get")) {
        set_method(at, M_OPT_GET);
        add_site(C, at, "None.get");
        return E;
    }
    if (!strcmp(m, "toString")) { set_method(at, M_TOSTRING); return ty_string(); }
    return error_at(C, sel, "%s has no method '%s'", ty_name(T), m);
}

static const type *seq_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    const type *E = T->elems[0];
    ast *f = arg(call, 0);
    if (!strcmp(m, "foreach") || !strcmp(m, "map") || !strcmp(m, "filter") ||
        !strcmp(m, "exists") || !strcmp(m, "forall")) {
        if (!need_args(C, call ? call : sel, m, 1, 1))
            return ty_error();
        const type *ret = check_fn1(C, f, E, FN_INLINE, NULL);
        switch (m[0]) {
        case 'f':
            if (m[1] == 'o' && m[2] == 'r' && m[3] == 'e') {
                set_method(at, M_SEQ_FOREACH);
                return ty_unit();
            }
            if (ret->kind != TY_BOOL && !is_err(ret))
                error_at(C, f, "%s's function must return Boolean, not %s", m, ty_name(ret));
            set_method(at, m[1] == 'i' ? M_SEQ_FILTER : M_SEQ_FORALL);
            return m[1] == 'i' ? ty_seq(E, T->coll) : ty_bool();
        case 'e':
            if (ret->kind != TY_BOOL && !is_err(ret))
                error_at(C, f, "exists's function must return Boolean, not %s", ty_name(ret));
            set_method(at, M_SEQ_EXISTS);
            return ty_bool();
        default:
            if (!ty_is_value(ret) && !is_err(ret))
                return error_at(C, f, "map's function must return a value, not %s", ty_name(ret));
            set_method(at, M_SEQ_MAP);
            return ty_seq(ret, T->coll == COLL_ITERABLE ? COLL_LIST : T->coll);
        }
    }
    if (!strcmp(m, "contains")) {
        if (!value_args(C, call, m, 1, E, NULL))
            return ty_error();
        set_method(at, M_SEQ_CONTAINS);
        return ty_bool();
    }
    if (!strcmp(m, "append") || !strcmp(m, "+=")) {
        if (!value_args(C, call, m, 1, E, NULL))
            return ty_error();
        set_method(at, M_SEQ_APPEND);
        return ty_unit();
    }
    if (!strcmp(m, "mkString")) {
        if (nargs(call) > 1)
            return error_at(C, at, "mkString takes at most 1 argument here");
        if (nargs(call) == 1 && !value_args(C, call, m, 1, ty_string(), NULL))
            return ty_error();
        set_method(at, M_SEQ_MKSTRING);
        return ty_string();
    }
    if (call && nargs(call) > 0)
        return error_at(C, call, "%s.%s takes no arguments", ty_name(T), m);
    if (!strcmp(m, "size") || !strcmp(m, "length")) { set_method(at, M_SEQ_SIZE); return ty_int(); }
    if (!strcmp(m, "isEmpty")) { set_method(at, M_SEQ_ISEMPTY); return ty_bool(); }
    if (!strcmp(m, "nonEmpty")) { set_method(at, M_SEQ_NONEMPTY); return ty_bool(); }
    if (!strcmp(m, "toList") || !strcmp(m, "toSeq") || !strcmp(m, "toArray") ||
        !strcmp(m, "toBuffer")) {
        set_method(at, M_SEQ_TOSEQ);
        return ty_seq(E, m[2] == 'L' ? COLL_LIST : m[2] == 'A' ? COLL_ARRAY :
                         m[2] == 'B' ? COLL_BUFFER : COLL_SEQ);
    }
    if (!strcmp(m, "toString")) { set_method(at, M_TOSTRING); return ty_string(); }
    if (!strcmp(m, "sum") || !strcmp(m, "max") || !strcmp(m, "min")) {
        if (!ty_is_numeric(E) && !(m[1] != 'u' && E->kind == TY_STRING))
            return error_at(C, sel, "%s of %s: elements are not numbers", m, ty_name(T));
        set_method(at, m[1] == 'u' ? M_SEQ_SUM : m[1] == 'a' ? M_SEQ_MAX : M_SEQ_MIN);
        if (m[1] != 'u')
            add_site(C, at, m[1] == 'a' ? "max of an empty collection" : "min of an empty collection");
        return E;
    }
    if (!strcmp(m, "head") || !strcmp(m, "last")) {
        set_method(at, m[0] == 'h' ? M_SEQ_HEAD : M_SEQ_LAST);
        add_site(C, at, m[0] == 'h' ? "head of an empty collection" : "last of an empty collection");
        return E;
    }
    return error_at(C, sel, "%s has no method '%s'", ty_name(T), m);
}

static const type *context_method(checker *C, ast *call, ast *sel, const type *T);
static const type *unify(const type *a, const type *b);

/* obj.name or obj.name(args) with the receiver already checked (type T). */
static const type *method_call(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    switch (T->kind) {
    case TY_CONTEXT:
    case TY_SPARK:
    case TY_OBJECT:
        return context_method(C, call, sel, T);
    case TY_DURATION:
        break;
    case TY_DSTREAM:
        if (!call && strcmp(m, "count") && strcmp(m, "print") && strcmp(m, "countByValue") &&
            strcmp(m, "groupByKey") && strcmp(m, "cache") && strcmp(m, "persist"))
            return error_at(C, sel, "DStream operation '%s' needs arguments", m);
        return stream_method(C, call ? call : sel, sel, node_of(sel->a), T->elems[0]);
    case TY_RDD:
        if (!C->driver)
            return error_at(C, sel, "RDD operations can only be used in driver code (foreachRDD, transform)");
        return rdd_method(C, call, sel, T->elems[0]);
    case TY_STRING:
        return string_method(C, call, sel);
    case TY_INT:
    case TY_DOUBLE:
        return number_method(C, call, sel, T);
    case TY_BOOL:
        if (!strcmp(m, "toString") && !nargs(call)) {
            set_method(at, M_TOSTRING);
            return ty_string();
        }
        return error_at(C, sel, "Boolean has no method '%s'", m);
    case TY_TUPLE:
        if (m[0] == '_' && m[1] >= '1' && m[1] <= '9' && !call) {
            int i = atoi(m + 1);
            if (i < 1 || i > T->nelems)
                return error_at(C, sel, "%s has no field %s", ty_name(T), m);
            set_method(sel, M_TUPLE_FIELD);
            sel->ival = i;
            return T->elems[i - 1];
        }
        if (!strcmp(m, "toString")) {
            set_method(at, M_TOSTRING);
            return ty_string();
        }
        return error_at(C, sel, "%s has no member '%s'", ty_name(T), m);
    case TY_OPTION:
        return option_method(C, call, sel, T);
    case TY_SEQ:
        return seq_method(C, call, sel, T);
    case TY_BROADCAST:
        if (!strcmp(m, "value") && !nargs(call)) {
            set_method(at, M_BC_VALUE);
            return T->elems[0];
        }
        return error_at(C, sel, "a broadcast value has only '.value', not '%s'", m);
    case TY_TIME:
        if (!strcmp(m, "milliseconds") && !nargs(call)) {
            set_method(at, M_TIME_MS);
            return ty_int();
        }
        if (!strcmp(m, "toString") && !nargs(call)) {
            set_method(at, M_TOSTRING);
            return ty_string();
        }
        return error_at(C, sel, "Time has .milliseconds and .toString, not '%s'", m);
    case TY_ERROR: case TY_UNIT: case TY_NULL:
        break;
    }
    return error_at(C, sel, "%s has no member '%s'", ty_name(T), m);
}

/* ===================================================================== */
/* The StreamingContext, SparkContext and library objects                */
/* ===================================================================== */

static const type *add_source(checker *C, ast *call, op_kind kind) {
    program *p = C->p;
    prog_source s = { .kind = kind };
    for (int i = 0; i < nargs(call); i++)
        check_expr(C, arg(call, i), NULL);
    if (kind == OP_SOURCE_SOCKET) {
        if (nargs(call) < 2 || nargs(call) > 3)
            return error_at(C, call, "socketTextStream takes a host and a port");
        if (!const_str(C, arg(call, 0), &s.host))
            return error_at(C, arg(call, 0), "socketTextStream needs a constant host name");
        if (!const_int(C, arg(call, 1), &s.port) || s.port < 1 || s.port > 65535) {
            free(s.host);
            return error_at(C, arg(call, 1), "socketTextStream needs a constant port (1 to 65535)");
        }
    } else {
        const char *name = kind == OP_SOURCE_QUEUE ? "queueStream" : "textFileStream";
        if (nargs(call) < 1 || nargs(call) > 2)
            return error_at(C, call, "%s takes a directory", name);
        if (!const_str(C, arg(call, 0), &s.dir) || !*s.dir) {
            free(s.dir);
            return error_at(C, arg(call, 0), "%s needs a constant directory name", name);
        }
    }
    dag_node *n = new_node(C, kind, ty_string(), call, NULL);
    n->source = p->nsources;
    PUSH(p->sources, p->nsources, s);
    return ty_dstream(ty_string());
}

static void set_once(checker *C, ast *at, char **slot, char *value, const char *what) {
    if (*slot && strcmp(*slot, value) != 0)
        error_at(C, at, "%s is set twice, to \"%s\" and to \"%s\"", what, *slot, value);
    free(*slot);
    *slot = value;
}

static const type *context_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    char *s;
    set_method(at, M_IGNORED);
    if (T->kind == TY_CONTEXT) {
        if (!strcmp(m, "socketTextStream") && call)
            return add_source(C, call, OP_SOURCE_SOCKET);
        if (!strcmp(m, "textFileStream") && call)
            return add_source(C, call, OP_SOURCE_TEXTFILE);
        if (!strcmp(m, "queueStream") && call)
            return add_source(C, call, OP_SOURCE_QUEUE);
        if (!strcmp(m, "sparkContext") && !call)
            return ty_spark();
        if (!strcmp(m, "union") && call && nargs(call) == 1) {
            ast *seq = arg(call, 0);
            if (seq->kind != AST_CALL || seq->a->kind != AST_IDENT || seq->list.len == 0)
                return error_at(C, seq, "ssc.union takes Seq(stream1, stream2, ...)");
            /* inputs first: node ids must stay a topological order */
            const type *T0 = NULL;
            dag_node **ins = xcalloc((size_t)seq->list.len, sizeof *ins);
            for (int i = 0; i < seq->list.len; i++) {
                const type *U;
                ins[i] = stream_arg(C, seq->list.items[i], &U);
                if (ins[i] && T0 && U != T0) {
                    error_at(C, seq->list.items[i], "ssc.union of DStream[%s] with DStream[%s]",
                             ty_name(T0), ty_name(U));
                    ins[i] = NULL;
                }
                if (!ins[i]) {
                    free(ins);
                    return ty_error();
                }
                T0 = U;
            }
            dag_node *n = new_node(C, OP_UNION, T0, call, NULL);
            for (int i = 0; i < seq->list.len; i++)
                dag_add_input(n, ins[i]);
            free(ins);
            return ty_dstream(T0);
        }
        if (!strcmp(m, "checkpoint") && call && nargs(call) == 1) {
            check_expr(C, arg(call, 0), ty_string());
            if (!const_str(C, arg(call, 0), &s))
                return error_at(C, arg(call, 0), "ssc.checkpoint needs a constant directory name");
            set_once(C, call, &C->p->checkpoint, s, "the checkpoint directory");
            return ty_unit();
        }
        static const char *ignored[] = { "start", "awaitTermination", "stop",
                                         "awaitTerminationOrTimeout", "remember", NULL };
        for (int i = 0; ignored[i]; i++)
            if (!strcmp(m, ignored[i])) {
                for (int j = 0; j < nargs(call); j++)
                    check_expr(C, arg(call, j), NULL);
                return ty_unit();
            }
        return error_at(C, sel, "StreamingContext has no method '%s' in this version of streamc", m);
    }
    if (T->kind == TY_SPARK) {
        if ((!strcmp(m, "setLogLevel") || !strcmp(m, "setCheckpointDir")) && call &&
            nargs(call) == 1) {
            check_expr(C, arg(call, 0), ty_string());
            if (!const_str(C, arg(call, 0), &s))
                return error_at(C, arg(call, 0), "%s needs a constant string", m);
            if (m[3] == 'L')
                set_once(C, call, &C->p->log_level, s, "the log level");
            else
                set_once(C, call, &C->p->checkpoint, s, "the checkpoint directory");
            return ty_unit();
        }
        if (!strcmp(m, "broadcast") && call && nargs(call) == 1) {
            if (C->lam)
                return error_at(C, call, "create broadcast values at the top level of the program");
            const type *v = check_expr(C, arg(call, 0), NULL);
            if (is_err(v))
                return v;
            if (v->kind != TY_SEQ)
                return error_at(C, arg(call, 0), "broadcast values must be collections (ListBuffer, Seq, Array), not %s",
                                ty_name(v));
            set_method(at, M_NONE);
            return ty_broadcast(v);
        }
        if (!strcmp(m, "parallelize") && call && (nargs(call) == 1 || nargs(call) == 2)) {
            if (C->lam)
                return error_at(C, call, "parallelize belongs at the top level (an initial state)");
            const type *v = check_expr(C, arg(call, 0), NULL);
            if (is_err(v))
                return v;
            if (v->kind != TY_SEQ)
                return error_at(C, arg(call, 0), "parallelize takes a collection, as in Seq((\"a\", 1))");
            if (nargs(call) == 2)
                check_expr(C, arg(call, 1), ty_int());
            set_method(at, M_NONE);
            return ty_rdd(v->elems[0]);
        }
        return error_at(C, sel, "SparkContext has no method '%s' in this version of streamc", m);
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "Durations") && call) {
        int64_t ms;
        if (!const_duration(C, call, &ms))
            return error_at(C, call, "expected a constant duration such as Durations.seconds(5)");
        return ty_duration();
    }
    if (T->kind == TY_OBJECT && (!strcmp(T->oname, "math") || !strcmp(T->oname, "Math")) && call) {
        bool abs = !strcmp(m, "abs");
        if (!abs && strcmp(m, "max") && strcmp(m, "min"))
            return error_at(C, sel, "math.%s is not supported; math.max, math.min and math.abs are", m);
        if (nargs(call) != (abs ? 1 : 2))
            return error_at(C, call, "math.%s takes %d argument%s", m, abs ? 1 : 2, abs ? "" : "s");
        const type *t = NULL;
        for (int i = 0; i < nargs(call); i++) {
            const type *a = check_expr(C, arg(call, i), NULL);
            if (is_err(a))
                return a;
            if (!ty_is_numeric(a))
                return error_at(C, arg(call, i), "math.%s needs numbers, not %s", m, ty_name(a));
            t = t ? unify(t, a) : a;
        }
        set_method(call, abs ? F_MATH_ABS : m[1] == 'a' ? F_MATH_MAX : F_MATH_MIN);
        return t;
    }
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "StorageLevel") && !call)
        return ty_object("StorageLevel"); /* accepted and ignored: data stays in memory */
    if (T->kind == TY_OBJECT && !strcmp(T->oname, "KafkaUtils"))
        return error_at(C, sel, "Kafka sources are not supported yet by this version of streamc");
    return error_at(C, sel, "%s has no member '%s' that streamc knows", ty_name(T), m);
}

/* Library objects a program may name without defining them. */
static const char *const known_objects[] = {
    "Durations", "KafkaUtils", "PreferConsistent", "PreferBrokers", "LocationStrategies",
    "ConsumerStrategies", "Subscribe", "Assign", "StorageLevel", "TaskContext",
    "StringDeserializer", "HashPartitioner", "math", "Math", NULL,
};

/* ===================================================================== */
/* Expressions                                                           */
/* ===================================================================== */

/* The common type of two branches / elements, or NULL. */
static const type *unify(const type *a, const type *b) {
    if (a == b || is_err(b))
        return a;
    if (is_err(a))
        return b;
    if (ty_is_numeric(a) && ty_is_numeric(b))
        return ty_double();
    if (a->kind == TY_NULL && (b->kind == TY_STRING || b->kind == TY_OPTION || b->kind == TY_SEQ))
        return b;
    if (b->kind == TY_NULL && (a->kind == TY_STRING || a->kind == TY_OPTION || a->kind == TY_SEQ))
        return a;
    if (a->kind == TY_OPTION && b->kind == TY_OPTION) {
        if (a->elems[0]->kind == TY_NULL)
            return b;
        if (b->elems[0]->kind == TY_NULL)
            return a;
    }
    if (a->kind == TY_SEQ && b->kind == TY_SEQ && a->elems[0] == b->elems[0])
        return a;
    if (a->kind == TY_TUPLE && b->kind == TY_TUPLE && a->nelems == b->nelems) {
        const type *e[16];
        for (int i = 0; i < a->nelems && i < 16; i++)
            if (!(e[i] = unify(a->elems[i], b->elems[i])) || e[i] != a->elems[i])
                return NULL; /* keep it simple: tuples must agree exactly */
        return a;
    }
    return NULL;
}

static const type *collection(checker *C, ast *call, const char *fn, const type *expect) {
    seq_coll coll = !strcmp(fn, "List") ? COLL_LIST : !strcmp(fn, "Array") ? COLL_ARRAY :
                    !strcmp(fn, "Seq") ? COLL_SEQ : COLL_BUFFER;
    const type *elem = NULL;
    ast *callee = call->a;
    if (callee->targs.len == 1)
        elem = resolve_type(C, callee->targs.items[0]);
    else if (expect && expect->kind == TY_SEQ)
        elem = expect->elems[0];
    for (int i = 0; i < nargs(call); i++) {
        const type *t = check_expr(C, arg(call, i), elem);
        if (is_err(t))
            continue;
        if (!ty_is_value(t))
            return error_at(C, arg(call, i), "%s elements must be values, not %s", fn, ty_name(t));
        const type *u = elem ? unify(elem, t) : t;
        if (!u || (callee->targs.len == 1 && !ty_assignable(elem, t)))
            return error_at(C, arg(call, i), "%s element of type %s where %s was expected", fn,
                            ty_name(t), ty_name(elem));
        elem = u;
    }
    if (!elem)
        return error_at(C, call, "cannot tell the element type of an empty %s; write %s[Type]()", fn, fn);
    set_method(call, coll == COLL_LIST ? F_LIST : coll == COLL_ARRAY ? F_ARRAY :
                     coll == COLL_SEQ ? F_SEQ : F_LISTBUFFER);
    return ty_seq(elem, coll);
}

/* f(args) where f is a name that is not bound. */
static const type *function_call(checker *C, ast *call, const type *expect) {
    const char *fn = call->a->name;
    if (!strcmp(fn, "println")) {
        if (nargs(call) > 1)
            return error_at(C, call, "println takes one argument");
        if (nargs(call) == 1) {
            const type *t = check_expr(C, arg(call, 0), NULL);
            if (!ty_is_value(t) && !is_err(t) && t->kind != TY_UNIT)
                return error_at(C, arg(call, 0), "cannot print a %s", ty_name(t));
        }
        set_method(call, F_PRINTLN);
        return ty_unit();
    }
    if (!strcmp(fn, "Some") || !strcmp(fn, "Option")) {
        if (nargs(call) != 1)
            return error_at(C, call, "%s takes one argument", fn);
        const type *want = expect && expect->kind == TY_OPTION ? expect->elems[0] : NULL;
        const type *t = check_expr(C, arg(call, 0), want);
        if (!ty_is_value(t) && !is_err(t))
            return error_at(C, arg(call, 0), "%s of a %s", fn, ty_name(t));
        set_method(call, fn[0] == 'S' ? F_SOME : F_OPTION);
        return ty_option(t);
    }
    if (!strcmp(fn, "Seq") || !strcmp(fn, "List") || !strcmp(fn, "Array") ||
        !strcmp(fn, "ListBuffer") || !strcmp(fn, "ArrayBuffer"))
        return collection(C, call, fn, expect);
    if (!strcmp(fn, "Map")) {
        for (int i = 0; i < nargs(call); i++)
            check_expr(C, arg(call, i), NULL);
        set_method(call, M_IGNORED);
        return ty_object("Map");
    }
    if (!strcmp(fn, "Seconds") || !strcmp(fn, "Minutes") || !strcmp(fn, "Milliseconds")) {
        int64_t ms;
        if (!const_duration(C, call, &ms))
            return error_at(C, call, "%s needs a constant number", fn);
        set_method(call, M_IGNORED);
        return ty_duration();
    }
    if (!strcmp(fn, "classOf")) {
        set_method(call, M_IGNORED);
        return ty_object("Class");
    }
    return error_at(C, call->a, "unknown function '%s'", fn);
}

static const type *check_ident(checker *C, ast *e, const type *expect) {
    binding *b = lookup(C, e->name);
    if (b) {
        e->sem_kind = SEM_BINDING;
        e->sem = b;
        return b->ty;
    }
    if (!strcmp(e->name, "ssc"))
        return ty_context();
    if (!strcmp(e->name, "None")) {
        set_method(e, F_NONE);
        return expect && expect->kind == TY_OPTION ? expect : ty_option(ty_null());
    }
    if (!strcmp(e->name, "classOf")) {
        set_method(e, M_IGNORED);
        return ty_object("Class");
    }
    for (int i = 0; known_objects[i]; i++)
        if (!strcmp(e->name, known_objects[i]))
            return ty_object(e->name);
    if (e->name[0] == '_' && e->name[1] == 'p')
        return error_at(C, e, "'_' is only allowed in a function argument");
    return error_at(C, e, "unknown name '%s'", e->name);
}

static const type *check_binary(checker *C, ast *e) {
    const type *a = check_expr(C, e->a, NULL);
    const type *b = check_expr(C, e->b, NULL);
    if (is_err(a) || is_err(b))
        return ty_error();
    const char *op = ast_op_spelling(e->op);
    switch (e->op) {
    case AST_OP_ADD:
        if (a->kind == TY_STRING || b->kind == TY_STRING) {
            if (!ty_is_value(a) || !ty_is_value(b))
                break;
            return ty_string();
        }
        /* fall through */
    case AST_OP_SUB:
    case AST_OP_MUL:
    case AST_OP_DIV:
    case AST_OP_MOD:
        if (!ty_is_numeric(a) || !ty_is_numeric(b))
            break;
        if ((e->op == AST_OP_DIV || e->op == AST_OP_MOD) && a->kind == TY_INT && b->kind == TY_INT)
            add_site(C, e, e->op == AST_OP_DIV ? "/" : "%");
        return a->kind == TY_DOUBLE || b->kind == TY_DOUBLE ? ty_double() : ty_int();
    case AST_OP_EQ:
    case AST_OP_NE:
        if (!unify(a, b) || !ty_is_value(unify(a, b) ? unify(a, b) : a)) {
            if (!(a->kind == TY_NULL || b->kind == TY_NULL))
                break;
        }
        return ty_bool();
    case AST_OP_LT: case AST_OP_LE: case AST_OP_GT: case AST_OP_GE:
        if ((ty_is_numeric(a) && ty_is_numeric(b)) ||
            (a->kind == TY_STRING && b->kind == TY_STRING))
            return ty_bool();
        break;
    case AST_OP_AND:
    case AST_OP_OR:
        if (a->kind == TY_BOOL && b->kind == TY_BOOL)
            return ty_bool();
        break;
    case AST_OP_ARROW:
        if (!ty_is_value(a) || !ty_is_value(b)) {
            e->ty = ty_object("Pair");
            return e->ty; /* kafka parameters: Map("k" -> classOf[X]) */
        }
        return ty_pair(a, b);
    case AST_OP_NONE: case AST_OP_NOT: case AST_OP_NEG:
        break;
    }
    return error_at(C, e, "operator %s cannot be applied to %s and %s", op, ty_name(a), ty_name(b));
}

static const type *check_call(checker *C, ast *e, const type *expect) {
    ast *callee = e->a;
    if (callee->kind == AST_SELECT) {
        const type *T = check_expr(C, callee->a, NULL);
        callee->ty = T;
        if (is_err(T))
            return T;
        return method_call(C, e, callee, T);
    }
    if (callee->kind == AST_IDENT && !lookup(C, callee->name) && strcmp(callee->name, "ssc"))
        return function_call(C, e, expect);
    const type *T = check_expr(C, callee, NULL);
    if (is_err(T))
        return T;
    if (T->kind == TY_SEQ) {
        if (nargs(e) != 1)
            return error_at(C, e, "a collection is indexed with one argument: xs(i)");
        const type *i = check_expr(C, arg(e, 0), ty_int());
        if (i->kind != TY_INT && !is_err(i))
            return error_at(C, arg(e, 0), "an index must be an Int, not %s", ty_name(i));
        set_method(e, M_SEQ_APPLY);
        add_site(C, e, "index");
        return T->elems[0];
    }
    return error_at(C, e, "a %s cannot be called", ty_name(T));
}

static const type *check_block(checker *C, ast *e) {
    binding *saved = C->scope;
    const type *t = ty_unit();
    for (int i = 0; i < e->list.len; i++) {
        ast *s = e->list.items[i];
        bool last = i == e->list.len - 1;
        switch (s->kind) {
        case AST_VAL: case AST_VAR: case AST_ASSIGN: case AST_FOR: case AST_IMPORT:
        case AST_SETTING:
            check_stmt(C, s);
            t = ty_unit();
            break;
        default:
            t = check_expr(C, s, NULL);
            if (!last)
                t = ty_unit();
            break;
        }
    }
    C->scope = saved;
    return t;
}

static const type *check_expr_inner(checker *C, ast *e, const type *expect) {
    switch (e->kind) {
    case AST_INT: return ty_int();
    case AST_DOUBLE: return ty_double();
    case AST_STRING: return ty_string();
    case AST_BOOL: return ty_bool();
    case AST_NULL: return ty_null();
    case AST_DURATION: return ty_duration();
    case AST_INTERP:
        for (int i = 0; i < e->list.len; i++) {
            const type *t = check_expr(C, e->list.items[i], NULL);
            if (!ty_is_value(t) && !is_err(t))
                error_at(C, e->list.items[i], "cannot put a %s into a string", ty_name(t));
        }
        return ty_string();
    case AST_IDENT: return check_ident(C, e, expect);
    case AST_PLACEHOLDER:
        return error_at(C, e, "'_' is only allowed in a function argument, as in map(_ * 2)");
    case AST_UNARY: {
        const type *t = check_expr(C, e->a, NULL);
        if (is_err(t))
            return t;
        if (e->op == AST_OP_NOT && t->kind == TY_BOOL)
            return t;
        if (e->op == AST_OP_NEG && ty_is_numeric(t))
            return t;
        return error_at(C, e, "operator %s cannot be applied to %s", ast_op_spelling(e->op), ty_name(t));
    }
    case AST_BINARY: return check_binary(C, e);
    case AST_IF: {
        const type *c = check_expr(C, e->a, ty_bool());
        if (c->kind != TY_BOOL && !is_err(c))
            error_at(C, e->a, "a condition must be Boolean, not %s", ty_name(c));
        const type *t = check_expr(C, e->b, expect);
        if (!e->c)
            return ty_unit();
        const type *f = check_expr(C, e->c, expect);
        if (t->kind == TY_UNIT || f->kind == TY_UNIT)
            return ty_unit();
        const type *u = unify(t, f);
        if (!u)
            return error_at(C, e, "the branches of this if have different types: %s and %s",
                            ty_name(t), ty_name(f));
        return u;
    }
    case AST_BLOCK: return check_block(C, e);
    case AST_TUPLE: {
        const type *elems[16];
        if (e->list.len > 16)
            return error_at(C, e, "tuples of more than 16 elements are not supported");
        for (int i = 0; i < e->list.len; i++) {
            const type *want = expect && expect->kind == TY_TUPLE && expect->nelems == e->list.len
                                   ? expect->elems[i] : NULL;
            elems[i] = check_expr(C, e->list.items[i], want);
            if (is_err(elems[i]))
                return elems[i];
            if (!ty_is_value(elems[i]))
                return error_at(C, e->list.items[i], "a tuple cannot hold a %s", ty_name(elems[i]));
        }
        return ty_tuple(e->list.len, elems);
    }
    case AST_SELECT: {
        const type *T = check_expr(C, e->a, NULL);
        if (is_err(T))
            return T;
        return method_call(C, NULL, e, T);
    }
    case AST_CALL: return check_call(C, e, expect);
    case AST_NEW:
        for (int i = 0; i < e->list.len; i++)
            check_expr(C, e->list.items[i], NULL);
        set_method(e, M_IGNORED);
        return ty_object(last_part(e->type ? e->type->name ? e->type->name : "Object" : "Object"));
    case AST_ASCRIBE: {
        const type *want = resolve_type(C, e->type);
        const type *t = check_expr(C, e->a, want);
        if (!ty_assignable(want, t) && !is_err(want))
            return error_at(C, e, "%s is not a %s", ty_name(t), ty_name(want));
        return t;
    }
    case AST_LAMBDA:
        return error_at(C, e, "a function is not allowed here");
    case AST_VAL: case AST_VAR: case AST_ASSIGN: case AST_FOR:
        check_stmt(C, e);
        return ty_unit();
    case AST_PROGRAM: case AST_SETTING: case AST_IMPORT: case AST_PARAM: case AST_TYPE:
    case AST_TYPE_TUPLE:
        break;
    }
    return error_at(C, e, "unexpected %s here", ast_kind_name(e->kind));
}

static const type *check_expr(checker *C, ast *e, const type *expect) {
    const type *t = check_expr_inner(C, e, expect);
    /* a method call annotates its node itself; keep the type on every node */
    e->ty = t;
    return t;
}

/* ===================================================================== */
/* Statements                                                            */
/* ===================================================================== */

static void check_val(checker *C, ast *s) {
    const type *want = s->type ? resolve_type(C, s->type) : NULL;
    const type *t = check_expr(C, s->a, want);
    if (want && !is_err(t) && !ty_assignable(want, t) &&
        !(want->kind == TY_DOUBLE && t->kind == TY_INT)) {
        error_at(C, s->type, "'%s' is declared %s but its value is %s", s->name, ty_name(want),
                 ty_name(t));
        t = ty_error();
    } else if (want && !is_err(want) && want->kind != TY_OBJECT && t->kind != TY_DSTREAM) {
        t = want->kind == TY_DOUBLE && t->kind == TY_INT ? want : t;
    }
    if (t->kind == TY_UNIT) {
        error_at(C, s->a, "'%s' would hold no value (Unit)", s->name);
        t = ty_error();
    }
    bind_kind kind = local_kind(C);
    if (t->kind == TY_DSTREAM) {
        if (C->lam)
            error_at(C, s, "DStreams can only be defined at the top level of the program");
        kind = BIND_DSTREAM;
    } else if (t->kind == TY_CONTEXT || t->kind == TY_SPARK || t->kind == TY_OBJECT ||
               t->kind == TY_DURATION || t->kind == TY_NULL) {
        kind = BIND_IGNORED;
    } else if (t->kind == TY_BROADCAST && C->lam) {
        error_at(C, s, "broadcast values can only be defined at the top level of the program");
    } else if (t->kind == TY_RDD && !C->driver && C->lam) {
        error_at(C, s, "RDDs exist only in driver code (foreachRDD, transform)");
    }
    binding *b = bind(C, s->name, t, kind, s);
    b->is_var = s->kind == AST_VAR;
    s->sem_kind = SEM_BINDING;
    s->sem = b;
    s->ty = t;
    if (kind == BIND_DSTREAM) {
        b->node = node_of(s->a);
        if (b->is_var)
            error_at(C, s, "declare DStreams with val, not var");
    } else if (kind == BIND_GLOBAL) {
        PUSH(C->p->globals, C->p->nglobals, b);
        if (t->kind == TY_BROADCAST)
            PUSH(C->p->broadcasts, C->p->nbroadcasts, b);
        if (t->kind == TY_RDD && sem_method(s->a) != M_NONE)
            error_at(C, s->a, "a top-level RDD comes from ssc.sparkContext.parallelize(...)");
    }
}

static void check_assign(checker *C, ast *s) {
    ast *target = s->a;
    const type *t = check_expr(C, target, NULL);
    if (is_err(t)) {
        check_expr(C, s->b, NULL);
        return;
    }
    /* buffer += x appends */
    if (t->kind == TY_SEQ && s->op == AST_OP_ADD) {
        const type *v = check_expr(C, s->b, t->elems[0]);
        if (!ty_assignable(t->elems[0], v) && !is_err(v))
            error_at(C, s->b, "cannot append a %s to a %s", ty_name(v), ty_name(t));
        set_method(s, M_SEQ_APPEND);
        return;
    }
    binding *b = sem_binding(target);
    if (!b || !b->is_var) {
        error_at(C, target, "only a var can be assigned");
        check_expr(C, s->b, NULL);
        return;
    }
    if (b->kind == BIND_GLOBAL && C->lam && !C->driver)
        error_at(C, target, "'%s' is a top-level var: executor code cannot change it (it runs on many threads)",
                 b->name);
    const type *v = check_expr(C, s->b, t);
    if (is_err(v))
        return;
    if (s->op == AST_OP_NONE) {
        if (!ty_assignable(t, v) && !(t->kind == TY_DOUBLE && v->kind == TY_INT))
            error_at(C, s->b, "cannot assign a %s to '%s' of type %s", ty_name(v), b->name, ty_name(t));
        return;
    }
    bool ok = (ty_is_numeric(t) && ty_is_numeric(v) && (t->kind == TY_DOUBLE || v->kind == TY_INT)) ||
              (t->kind == TY_STRING && s->op == AST_OP_ADD && ty_is_value(v));
    if (!ok)
        error_at(C, s, "operator %s= cannot be applied to %s and %s", ast_op_spelling(s->op),
                 ty_name(t), ty_name(v));
    else if ((s->op == AST_OP_DIV || s->op == AST_OP_MOD) && t->kind == TY_INT)
        add_site(C, s, s->op == AST_OP_DIV ? "/" : "%");
}

static void check_for(checker *C, ast *s) {
    const type *t = check_expr(C, s->a, NULL);
    const type *elem = ty_error();
    if (t->kind == TY_SEQ)
        elem = t->elems[0];
    else if (!is_err(t))
        error_at(C, s->a, "for (x <- ...) needs a collection, not %s", ty_name(t));
    binding *saved = C->scope;
    binding *b = bind(C, s->name, elem, C->driver ? BIND_DRIVER : C->lam ? BIND_LOCAL : BIND_GLOBAL, s);
    if (!C->lam) {
        error_at(C, s, "for loops belong inside functions (foreachRDD, map, ...)");
    }
    s->sem_kind = SEM_BINDING;
    s->sem = b;
    check_expr(C, s->b, NULL);
    C->scope = saved;
}

static void check_setting(checker *C, ast *s);

static void check_stmt(checker *C, ast *s) {
    switch (s->kind) {
    case AST_VAL:
    case AST_VAR:
        check_val(C, s);
        return;
    case AST_ASSIGN:
        check_assign(C, s);
        return;
    case AST_FOR:
        check_for(C, s);
        return;
    case AST_IMPORT:
        return;
    case AST_SETTING:
        if (C->lam)
            error_at(C, s, "settings belong at the top level");
        else
            check_setting(C, s);
        return;
    default:
        check_expr(C, s, NULL);
        return;
    }
}

/* ===================================================================== */
/* Header settings                                                       */
/* ===================================================================== */

static bool valid_master(const char *m) {
    if (!strcmp(m, "local") || !strcmp(m, "local[*]"))
        return true;
    if (strncmp(m, "local[", 6) != 0)
        return false;
    char *end;
    long n = strtol(m + 6, &end, 10);
    return n >= 1 && n <= 1024 && end[0] == ']' && end[1] == '\0';
}

static void check_setting(checker *C, ast *s) {
    program *p = C->p;
    ast *a0 = arg(s, 0), *a1 = arg(s, 1);
    char *str = NULL;
    int64_t ms;
    if (!strcmp(s->name, "app")) {
        if (!a0 || !const_str(C, a0, &str))
            error_at(C, s, "app needs a name: app \"MyApp\"");
        else
            set_once(C, s, &p->app, str, "the application name");
    } else if (!strcmp(s->name, "batch")) {
        if (!a0 || !const_duration(C, a0, &ms) || ms <= 0)
            error_at(C, a0 ? a0 : s, "batch needs a positive duration: batch 5s or batch Durations.seconds(5)");
        else if (p->batch_ms && p->batch_ms != ms)
            error_at(C, s, "the batch interval is set twice");
        else
            p->batch_ms = ms;
    } else if (!strcmp(s->name, "master")) {
        if (!a0 || !const_str(C, a0, &str) || !valid_master(str)) {
            error_at(C, a0 ? a0 : s, "master must be \"local\", \"local[N]\" or \"local[*]\"");
            free(str);
        } else {
            set_once(C, s, &p->master, str, "the master");
        }
    } else if (!strcmp(s->name, "checkpoint")) {
        if (!a0 || !const_str(C, a0, &str) || !*str) {
            error_at(C, a0 ? a0 : s, "checkpoint needs a directory: checkpoint \"./ckpt\"");
            free(str);
        } else {
            set_once(C, s, &p->checkpoint, str, "the checkpoint directory");
        }
        if (a1) {
            if (!const_duration(C, a1, &ms) || ms <= 0)
                error_at(C, a1, "checkpoint ... every needs a positive duration");
            else
                p->checkpoint_every_ms = ms;
        }
    } else if (!strcmp(s->name, "offsets")) {
        if (!a0 || a0->kind != AST_IDENT || (strcmp(a0->name, "kafka") && strcmp(a0->name, "redis") &&
                                             strcmp(a0->name, "checkpoint")))
            error_at(C, a0 ? a0 : s, "offsets must be kafka, checkpoint or redis \"redis://host:port/db\"");
    } else if (!strcmp(s->name, "conf")) {
        char *key = NULL;
        if (!a0 || !const_str(C, a0, &key) || !a1) {
            error_at(C, s, "conf needs a key and a value: conf \"key\" = value");
            free(key);
            return;
        }
        char *value = NULL;
        int64_t n;
        if (a1->kind == AST_BOOL)
            value = xstrdup(a1->ival ? "true" : "false");
        else if (a1->kind == AST_DOUBLE)
            value = xasprintf("%g", a1->dval);
        else if (const_int(C, a1, &n))
            value = xasprintf("%" PRId64, n);
        else if (const_duration(C, a1, &n))
            value = xasprintf("%" PRId64 "ms", n);
        else if (!const_str(C, a1, &value)) {
            error_at(C, a1, "conf values must be constants");
            free(key);
            return;
        }
        for (int i = 0; i < p->nconf; i++)
            if (!strcmp(p->conf[i].key, key))
                error_at(C, s, "conf \"%s\" is set twice", key);
        conf_kv kv = { key, value };
        PUSH(p->conf, p->nconf, kv);
    } else {
        error_at(C, s, "unknown setting '%s'", s->name);
    }
}

/* ===================================================================== */
/* The program                                                           */
/* ===================================================================== */

int check_program(program *p) {
    checker C = { .p = p, .src = p->src };
    int before = p->src->errors;
    ast *root = p->root;
    /* header settings first, so the batch interval is known everywhere */
    for (int i = 0; i < root->list.len; i++)
        if (root->list.items[i]->kind == AST_SETTING)
            check_setting(&C, root->list.items[i]);
    for (int i = 0; i < root->list.len; i++)
        if (root->list.items[i]->kind != AST_SETTING)
            check_stmt(&C, root->list.items[i]);
    /* whole-program errors point at the start of the file; they are left
     * out when an earlier error may be their cause */
    ast_loc start = { 0, 0 };
    bool clean = p->src->errors == before;
    bool has_batch = false;
    for (int i = 0; i < root->list.len; i++)
        has_batch |= root->list.items[i]->kind == AST_SETTING && !strcmp(root->list.items[i]->name, "batch");
    if (!has_batch)
        source_error(p->src, start, "no batch interval: add a header line such as 'batch 5s'");
    if (p->noutputs == 0 && clean)
        source_error(p->src, start,
                     "no output operation: a program needs print(), saveAsTextFiles() or foreachRDD()");
    if (p->nsources == 0 && clean)
        source_error(p->src, start,
                     "no input: a program needs a source such as ssc.socketTextStream(host, port)");
    return p->src->errors - before;
}

void program_free(program *p) {
    for (binding *k = p->all_bindings, *next; k; k = next) {
        next = k->next;
        binding *b = (binding *)k->name;
        free(b->name);
        free(b->cname);
        free(b);
        free(k);
    }
    for (int i = 0; i < p->nlambdas; i++) {
        free(p->lambdas[i]->params);
        free(p->lambdas[i]);
    }
    for (int i = 0; i < p->nsites; i++)
        free(p->sites[i].what);
    for (int i = 0; i < p->nsources; i++) {
        free(p->sources[i].host);
        free(p->sources[i].dir);
    }
    for (int i = 0; i < p->nconf; i++) {
        free(p->conf[i].key);
        free(p->conf[i].value);
    }
    free(p->conf);
    free(p->lambdas);
    free(p->sites);
    free(p->sources);
    free(p->globals);
    free(p->statics);
    free(p->broadcasts);
    free(p->outputs);
    free(p->app);
    free(p->master);
    free(p->checkpoint);
    free(p->log_level);
    dag_free(&p->dag);
}
