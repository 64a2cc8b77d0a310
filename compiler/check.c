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
 *
 * This file holds the walk itself: helpers, types written in the source,
 * constants, lambdas, expressions, statements, settings. The typing rules
 * of operations are in check_ops.c (DStream, RDD, StreamingContext) and
 * check_values.c (String, numbers, Option, Seq).
 */
#include "check_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void check_stmt(checker *C, ast *s);

/* ===================================================================== */
/* Errors, sites, small helpers                                          */
/* ===================================================================== */

const type *ck_error_at(checker *C, ast *n, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    source_error(C->src, n->loc, "%s", msg);
    return ty_error();
}

/* Note that `n` can fail at run time (division, toInt, index...). */
void ck_add_site(checker *C, ast *n, const char *what) {
    program *p = C->p;
    site s;
    source_line_col(C->src, n->loc.start, &s.line, &s.col);
    s.what = xstrdup(what);
    PUSH(p->sites, p->nsites, s);
    n->site = p->nsites;
    if (C->lam)
        C->lam->may_fail = true;
}

void ck_set_method(ast *n, method m) {
    n->sem_kind = SEM_METHOD;
    n->sem = (void *)(intptr_t)m;
}

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

binding *ck_lookup(checker *C, const char *name) {
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
dag_node *ck_node_of(ast *e) {
    if (e->sem_kind == SEM_NODE)
        return e->sem;
    binding *b = sem_binding(e);
    if (b && b->kind == BIND_DSTREAM)
        return b->node;
    return NULL;
}


/* ===================================================================== */
/* Types written in the source                                           */
/* ===================================================================== */

static const char *last_part(const char *dotted) {
    const char *dot = strrchr(dotted, '.');
    return dot ? dot + 1 : dotted;
}

const type *ck_resolve_type(checker *C, ast *t) {
    if (!t)
        return ty_error();
    if (t->kind == AST_TYPE_TUPLE) {
        const type *elems[16];
        if (t->list.len > 16)
            return ck_error_at(C, t, "tuples of more than 16 elements are not supported");
        for (int i = 0; i < t->list.len; i++)
            elems[i] = ck_resolve_type(C, t->list.items[i]);
        return ty_tuple(t->list.len, elems);
    }
    if (t->kind != AST_TYPE)
        return ck_error_at(C, t, "expected a type");
    const char *name = last_part(t->name);
    int n = t->targs.len;
    const type *a0 = n > 0 ? ck_resolve_type(C, t->targs.items[0]) : NULL;
    static const struct { const char *name; type_kind kind; } scalars[] = {
        { "Int", TY_INT }, { "Long", TY_INT }, { "Short", TY_INT }, { "Byte", TY_INT },
        { "Integer", TY_INT }, { "Double", TY_DOUBLE }, { "Float", TY_DOUBLE },
        { "Boolean", TY_BOOL }, { "String", TY_STRING }, { "Unit", TY_UNIT },
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        if (strcmp(name, scalars[i].name) != 0)
            continue;
        if (n)
            return ck_error_at(C, t, "type %s takes no type arguments", name);
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
        { "ListBuffer", COLL_BUFFER }, { "Iterable", COLL_ITERABLE }, { "Iterator", COLL_ITERABLE },
        { "ArrayBuffer", COLL_ARRAYBUF }, { "IndexedSeq", COLL_SEQ }, { "Vector", COLL_SEQ },
        { "Set", COLL_SET },
    };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        if (strcmp(name, seqs[i].name) == 0) {
            if (n != 1)
                return ck_error_at(C, t, "%s takes one type argument", name);
            return ty_seq(a0, seqs[i].coll);
        }
    if (strcmp(name, "Map") == 0 && n == 2) { /* Map[String, Object] (kafkaParams) stays an object */
        const type *v = ck_resolve_type(C, t->targs.items[1]);
        if (ty_is_value(a0) && ty_is_value(v))
            return ty_seq(ty_pair(a0, v), COLL_MAP);
        return ty_object(name);
    }
    if (strcmp(name, "Option") == 0 || strcmp(name, "Some") == 0) {
        if (n != 1)
            return ck_error_at(C, t, "Option takes one type argument");
        return ty_option(a0);
    }
    if (strcmp(name, "DStream") == 0 || strcmp(name, "ReceiverInputDStream") == 0 ||
        strcmp(name, "InputDStream") == 0) {
        if (n != 1)
            return ck_error_at(C, t, "%s takes one type argument", name);
        return ty_dstream(a0);
    }
    if (strcmp(name, "RDD") == 0) {
        if (n != 1)
            return ck_error_at(C, t, "RDD takes one type argument");
        return ty_rdd(a0);
    }
    if (strcmp(name, "Broadcast") == 0) {
        if (n != 1)
            return ck_error_at(C, t, "Broadcast takes one type argument");
        return ty_broadcast(a0);
    }
    if (strcmp(name, "ConsumerRecord") == 0)
        return ty_krecord(); /* [String, String]: keys and values are strings */
    if (strcmp(name, "OffsetRange") == 0)
        return ty_orange();
    if (strcmp(name, "Tuple2") == 0 && n == 2)
        return ty_pair(a0, ck_resolve_type(C, t->targs.items[1]));
    return ty_object(name);
}

/* ===================================================================== */
/* Constants (source arguments, print counts, durations, settings)       */
/* ===================================================================== */

bool ck_const_str(checker *C, ast *e, char **out);

ast *ck_global_init(checker *C, ast *e) {
    if (e->kind != AST_IDENT)
        return NULL;
    binding *b = ck_lookup(C, e->name);
    if (!b || (b->kind != BIND_GLOBAL && b->kind != BIND_IGNORED) || b->is_var || !b->decl)
        return NULL;
    return b->decl->a;
}

bool ck_const_int(checker *C, ast *e, int64_t *out) {
    if (e->kind == AST_INT) {
        *out = e->ival;
        return true;
    }
    if (e->kind == AST_UNARY && e->op == AST_OP_NEG && ck_const_int(C, e->a, out)) {
        *out = -*out;
        return true;
    }
    ast *init = ck_global_init(C, e);
    return init && ck_const_int(C, init, out);
}

bool ck_const_str(checker *C, ast *e, char **out) {
    if (e->kind == AST_STRING) {
        /* names and settings become C strings: a NUL would cut them short */
        if (strlen(e->str) != e->str_len)
            ck_error_at(C, e, "a name or setting cannot contain \\u0000");
        *out = xstrdup(e->str);
        return true;
    }
    if (e->kind == AST_BINARY && e->op == AST_OP_ADD) {
        char *a, *b;
        int64_t n;
        if (!ck_const_str(C, e->a, &a))
            return false;
        if (ck_const_str(C, e->b, &b)) {
            *out = xasprintf("%s%s", a, b);
            free(b);
        } else if (ck_const_int(C, e->b, &n)) {
            *out = xasprintf("%s%" PRId64, a, n);
        } else {
            free(a);
            return false;
        }
        free(a);
        return true;
    }
    ast *init = ck_global_init(C, e);
    return init && ck_const_str(C, init, out);
}

/* Durations.seconds(n), Seconds(n), Minutes(n), Milliseconds(n), 5s. */
bool ck_const_duration(checker *C, ast *e, int64_t *ms) {
    if (e->kind == AST_DURATION) {
        *ms = e->ival;
        return true;
    }
    if (e->kind == AST_CALL && ck_nargs(e) == 1) {
        const char *fn = NULL;
        if (e->a->kind == AST_IDENT)
            fn = e->a->name;
        else if (e->a->kind == AST_SELECT && e->a->a->kind == AST_IDENT &&
                 strcmp(e->a->a->name, "Durations") == 0)
            fn = e->a->name;
        int64_t n;
        if (!fn || !ck_const_int(C, ck_arg(e, 0), &n))
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
        return !__builtin_mul_overflow(n, unit, ms); /* Minutes(Long.MaxValue) is no duration */
    }
    ast *init = ck_global_init(C, e);
    return init && ck_const_duration(C, init, ms);
}

/* ===================================================================== */
/* Lambdas                                                               */
/* ===================================================================== */

/* Does `e` contain a placeholder `_` that belongs to it (not to a nested
 * call argument or lambda, which take their own)? */
bool ck_has_placeholder(ast *e) {
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
        if (ck_has_placeholder(e->a))
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
    if (ck_has_placeholder(e->a) || ck_has_placeholder(e->b) || ck_has_placeholder(e->c))
        return true;
    for (int i = 0; i < e->list.len; i++)
        if (ck_has_placeholder(e->list.items[i]))
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

/* `val f = (a: A, b: B) => ...`: a function kept by name, checked where
 * it is passed to an operation (ck_as_lambda), as if written there. */
static bool is_function_val(const binding *b) {
    return b && b->ty->kind == TY_OBJECT && !strcmp(b->ty->oname, "Function") && b->decl &&
           b->decl->a && b->decl->a->kind == AST_LAMBDA;
}

/* Turn a function argument into an AST_LAMBDA: placeholder expressions
 * (`_ + _`) and function names (`println`) become lambdas. */
ast *ck_as_lambda(checker *C, ast *e, int arity) {
    ast_pool *pool = C->p->pool;
    if (e->kind == AST_LAMBDA)
        return e;
    if (e->kind == AST_BLOCK && e->list.len == 1 && e->list.items[0]->kind == AST_LAMBDA) {
        *e = *e->list.items[0]; /* { x => ... } in braces: the node becomes the lambda */
        return e;
    }
    if (e->kind == AST_IDENT) {
        binding *b = ck_lookup(C, e->name);
        if (is_function_val(b)) { /* a copy of the function, checked here */
            *e = *ast_clone(pool, b->decl->a);
            return e;
        }
    }
    if (ck_has_placeholder(e)) {
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
        const type *decl = ck_resolve_type(C, param->type);
        if (!ty_assignable(decl, ty) && !ty_assignable(ty, decl))
            ck_error_at(C, param, "parameter '%s' is declared %s but receives %s",
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
        if (!ck_is_err(ty))
            ck_error_at(C, param, "pattern of %d names does not match %s", param->list.len, ty_name(ty));
        for (int i = 0; i < param->list.len; i++)
            bind_param(C, param->list.items[i], ty_error(), kind, NULL);
        return;
    }
    for (int i = 0; i < param->list.len; i++)
        bind_param(C, param->list.items[i], ty->elems[i], kind, NULL);
}

/* Check `e` as a function of `n` parameters of types `ptypes`. Returns the
 * result type (ty_error after an error). */
const type *ck_check_fn(checker *C, ast *e, int n, const type **ptypes, fn_mode mode,
                            dag_node *owner) {
    ast *lam = ck_as_lambda(C, e, n);
    if (!lam)
        return ck_error_at(C, e, "expected a function of %d parameter%s here", n, n == 1 ? "" : "s");
    int np = lam->list.len;
    /* Scala lets a one-parameter lambda take a tuple of arguments only as a
     * pattern; `(k, v) => ...` for a function of one pair is a common slip. */
    if (np != n) {
        if (n == 1 && np > 1 && ptypes[0]->kind == TY_TUPLE && ptypes[0]->nelems == np)
            return ck_error_at(C, lam, "this function receives one tuple %s; write { case (%s, ...) => ... } or use ._1, ._2",
                            ty_name(ptypes[0]), lam->list.items[0]->name ? lam->list.items[0]->name : "_");
        return ck_error_at(C, lam, "expected a function of %d parameter%s, this one has %d", n,
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
    const type *ret = ck_check_expr(C, lam->a, NULL);
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

const type *ck_check_fn1(checker *C, ast *e, const type *p0, fn_mode mode, dag_node *owner) {
    return ck_check_fn(C, e, 1, &p0, mode, owner);
}
const type *ck_check_fn2(checker *C, ast *e, const type *p0, const type *p1, fn_mode mode,
                             dag_node *owner) {
    const type *ps[2] = { p0, p1 };
    return ck_check_fn(C, e, 2, ps, mode, owner);
}

/* ret, the result of the function of `what` (map, mapValues), if it is
 * data an element can hold; else an error at `at` (Unit, null, a DStream,
 * an RDD, a broadcast handle, the contexts, a duration). */
const type *ck_value_result(checker *C, ast *at, const char *what, const type *ret) {
    if (ty_is_value(ret) || ck_is_err(ret))
        return ret;
    return ck_error_at(C, at, "%s's function must return a value, not %s", what, ty_name(ret));
}

/* The element type of what a flatMap function returns (a Seq or Option of
 * data). */
const type *ck_flat_elem(checker *C, ast *at, const type *ret) {
    if ((ret->kind == TY_SEQ || ret->kind == TY_OPTION) && ty_is_value(ret->elems[0]))
        return ret->elems[0];
    if (ck_is_err(ret))
        return ret;
    return ck_error_at(C, at, "flatMap's function must return a collection (Seq, Array, List or Option), not %s",
                    ty_name(ret));
}


/* The fields of the Kafka types, as C expressions of the value in %s. */
const record_field record_fields[] = {
    { TY_KRECORD, "key", "(%s).key", true },
    { TY_KRECORD, "value", "(%s).value", true },
    { TY_KRECORD, "topic", "(%s).topic", true },
    { TY_KRECORD, "partition", "(%s).partition", false },
    { TY_KRECORD, "offset", "(%s).offset", false },
    { TY_KRECORD, "timestamp", "(%s).timestamp", false },
    { TY_ORANGE, "topic", "(%s).topic", true },
    { TY_ORANGE, "partition", "(%s).partition", false },
    { TY_ORANGE, "fromOffset", "(%s).from", false },
    { TY_ORANGE, "untilOffset", "(%s).until", false },
    { TY_ORANGE, "count", "({ sr_offset_range _r = %s; _r.until - _r.from; })", false },
    { 0, NULL, NULL, false },
};

/* obj.name or obj.name(args) with the receiver already checked (type T). */
static const type *method_call(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    if (!strcmp(m, "asInstanceOf") && !call)
        return ck_kafka_cast(C, sel, T);
    switch (T->kind) {
    case TY_CONTEXT:
    case TY_SPARK:
    case TY_OBJECT:
        return ck_context_method(C, call, sel, T);
    case TY_DURATION:
        break;
    case TY_DSTREAM:
        if (!call && strcmp(m, "count") && strcmp(m, "print") && strcmp(m, "countByValue") &&
            strcmp(m, "groupByKey") && strcmp(m, "cache") && strcmp(m, "persist"))
            return ck_error_at(C, sel, "DStream operation '%s' needs arguments", m);
        return ck_stream_method(C, call ? call : sel, sel, ck_node_of(sel->a), T->elems[0]);
    case TY_RDD:
        if (!C->driver)
            return ck_error_at(C, sel, "RDD operations can only be used in driver code (foreachRDD, transform)");
        return ck_rdd_method(C, call, sel, T->elems[0]);
    case TY_STRING:
        return ck_string_method(C, call, sel);
    case TY_INT:
    case TY_DOUBLE:
        return ck_number_method(C, call, sel, T);
    case TY_BOOL:
        if (!strcmp(m, "toString") && !ck_nargs(call)) {
            ck_set_method(at, M_TOSTRING);
            return ty_string();
        }
        return ck_error_at(C, sel, "Boolean has no method '%s'", m);
    case TY_TUPLE:
        if (m[0] == '_' && m[1] >= '1' && m[1] <= '9' && !call) {
            int i = atoi(m + 1);
            if (i < 1 || i > T->nelems)
                return ck_error_at(C, sel, "%s has no field %s", ty_name(T), m);
            ck_set_method(sel, M_TUPLE_FIELD);
            sel->ival = i;
            return T->elems[i - 1];
        }
        if (!strcmp(m, "toString")) {
            ck_set_method(at, M_TOSTRING);
            return ty_string();
        }
        if (!strcmp(m, "swap") && T->nelems == 2 && !ck_nargs(call)) {
            ck_set_method(at, M_TUPLE_SWAP);
            return ty_pair(T->elems[1], T->elems[0]);
        }
        return ck_error_at(C, sel, "%s has no member '%s'", ty_name(T), m);
    case TY_OPTION:
        return ck_option_method(C, call, sel, T);
    case TY_SEQ:
        return ck_seq_method(C, call, sel, T);
    case TY_BROADCAST:
        if (!strcmp(m, "value") && !ck_nargs(call)) {
            ck_set_method(at, M_BC_VALUE);
            return T->elems[0];
        }
        return ck_error_at(C, sel, "a broadcast value has only '.value', not '%s'", m);
    case TY_TIME:
        if (!strcmp(m, "milliseconds") && !ck_nargs(call)) {
            ck_set_method(at, M_TIME_MS);
            return ty_int();
        }
        if (!strcmp(m, "toString") && !ck_nargs(call)) {
            ck_set_method(at, M_TOSTRING);
            return ty_string();
        }
        return ck_error_at(C, sel, "Time has .milliseconds and .toString, not '%s'", m);
    case TY_KRECORD:
    case TY_ORANGE:
        for (int i = 0; record_fields[i].name; i++)
            if (record_fields[i].kind == T->kind && !strcmp(m, record_fields[i].name) && !ck_nargs(call)) {
                ck_set_method(at, M_RECORD_FIELD);
                at->ival = i;
                return record_fields[i].is_string ? ty_string() : ty_int();
            }
        if (!strcmp(m, "toString") && !ck_nargs(call)) {
            ck_set_method(at, M_TOSTRING);
            return ty_string();
        }
        return ck_error_at(C, sel, "%s has no member '%s'", ty_name(T), m);
    case TY_ERROR: case TY_UNIT: case TY_NULL:
        break;
    }
    return ck_error_at(C, sel, "%s has no member '%s'", ty_name(T), m);
}

void ck_set_once(checker *C, ast *at, char **slot, char *value, const char *what) {
    if (*slot && strcmp(*slot, value) != 0)
        ck_error_at(C, at, "%s is set twice, to \"%s\" and to \"%s\"", what, *slot, value);
    free(*slot);
    *slot = value;
}

const math_double math_doubles[] = {
    { "pow", "pow", 2 }, { "sqrt", "sqrt", 1 }, { "cbrt", "cbrt", 1 }, { "exp", "exp", 1 },
    { "log", "log", 1 }, { "log10", "log10", 1 }, { "floor", "floor", 1 }, { "ceil", "ceil", 1 },
    { "hypot", "hypot", 2 }, { NULL, NULL, 0 },
};

int ck_math_double(const char *name) {
    for (int i = 0; math_doubles[i].name; i++)
        if (!strcmp(math_doubles[i].name, name))
            return i;
    return -1;
}

/* Library objects a program may name without defining them. */
static const char *const known_objects[] = {
    "Durations", "KafkaUtils", "PreferConsistent", "PreferBrokers", "LocationStrategies",
    "ConsumerStrategies", "Subscribe", "Assign", "StorageLevel", "TaskContext",
    "StringDeserializer", "HashPartitioner", "math", "Math", "Int", "Long", "String", NULL,
};

/* ===================================================================== */
/* Expressions                                                           */
/* ===================================================================== */

/* The common type of two branches / elements, or NULL. */
const type *ck_unify(const type *a, const type *b) {
    if (a == b || ck_is_err(b))
        return a;
    if (ck_is_err(a))
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
            if (!(e[i] = ck_unify(a->elems[i], b->elems[i])) || e[i] != a->elems[i])
                return NULL; /* keep it simple: tuples must agree exactly */
        return a;
    }
    return NULL;
}

static const type *collection(checker *C, ast *call, const char *fn, const type *expect) {
    seq_coll coll = !strcmp(fn, "List") ? COLL_LIST : !strcmp(fn, "Array") ? COLL_ARRAY :
                    !strcmp(fn, "Seq") ? COLL_SEQ : !strcmp(fn, "ArrayBuffer") ? COLL_ARRAYBUF :
                    !strcmp(fn, "Iterator") ? COLL_ITERABLE : !strcmp(fn, "Set") ? COLL_SET : COLL_BUFFER;
    const type *elem = NULL;
    ast *callee = call->a;
    if (callee->targs.len == 1)
        elem = ck_resolve_type(C, callee->targs.items[0]);
    else if (expect && expect->kind == TY_SEQ)
        elem = expect->elems[0];
    for (int i = 0; i < ck_nargs(call); i++) {
        const type *t = ck_check_expr(C, ck_arg(call, i), elem);
        if (ck_is_err(t))
            continue;
        if (!ty_is_value(t))
            return ck_error_at(C, ck_arg(call, i), "%s elements must be values, not %s", fn, ty_name(t));
        const type *u = elem ? ck_unify(elem, t) : t;
        if (!u || (callee->targs.len == 1 && !ty_assignable(elem, t)))
            return ck_error_at(C, ck_arg(call, i), "%s element of type %s where %s was expected", fn,
                            ty_name(t), ty_name(elem));
        elem = u;
    }
    if (!elem)
        return ck_error_at(C, call, "cannot tell the element type of an empty %s; write %s[Type]()", fn, fn);
    ck_set_method(call, coll == COLL_LIST ? F_LIST : coll == COLL_ARRAY ? F_ARRAY : coll == COLL_SET ? F_SET :
                     coll == COLL_SEQ || coll == COLL_ITERABLE ? F_SEQ : F_LISTBUFFER);
    return ty_seq(elem, coll);
}

/* Map(k -> v, ...) of values: a COLL_MAP. A Map holding other things (the
 * kafkaParams' classOf[...] and java.lang.Boolean) is a library object,
 * read by the Kafka checks from the syntax. */
static const type *map_literal(checker *C, ast *call, const type *expect) {
    ast *callee = call->a;
    const type *K = NULL, *V = NULL;
    bool values = true;
    if (callee->targs.len == 2) {
        static const char *const opaque[] = { "Object", "Any", "AnyRef", "java.lang.Object", NULL };
        for (int i = 0; opaque[i]; i++)
            values &= !(callee->targs.items[1]->kind == AST_TYPE && !strcmp(callee->targs.items[1]->name, opaque[i]));
        if (values) {
            K = ck_resolve_type(C, callee->targs.items[0]);
            V = ck_resolve_type(C, callee->targs.items[1]);
        }
    } else if (expect && expect->kind == TY_SEQ && expect->coll == COLL_MAP) {
        K = expect->elems[0]->elems[0];
        V = expect->elems[0]->elems[1];
    }
    for (int i = 0; i < ck_nargs(call); i++) {
        const type *t = ck_check_expr(C, ck_arg(call, i), K && V ? ty_pair(K, V) : NULL);
        if (ck_is_err(t))
            return t;
        if (!values || t->kind != TY_TUPLE || t->nelems != 2 || !ty_is_value(t)) {
            values = false;
            continue;
        }
        const type *k = K ? ck_unify(K, t->elems[0]) : t->elems[0], *v = V ? ck_unify(V, t->elems[1]) : t->elems[1];
        if (!k || !v)
            return ck_error_at(C, ck_arg(call, i), "Map entry of type %s where (%s, %s) was expected", ty_name(t),
                               ty_name(K), ty_name(V));
        K = k;
        V = v;
    }
    if (!values || (K && !ty_is_value(K)) || (V && !ty_is_value(V))) {
        ck_set_method(call, M_IGNORED);
        return ty_object("Map");
    }
    if (!K || !V)
        return ck_error_at(C, call, "cannot tell the types of an empty Map; write Map[K, V]()");
    ck_set_method(call, F_MAP);
    return ty_seq(ty_pair(K, V), COLL_MAP);
}

/* f(args) where f is a name that is not bound. */
static const type *function_call(checker *C, ast *call, const type *expect) {
    const char *fn = call->a->name;
    if (!strcmp(fn, "println")) {
        if (ck_nargs(call) > 1)
            return ck_error_at(C, call, "println takes one argument");
        if (ck_nargs(call) == 1) {
            const type *t = ck_check_expr(C, ck_arg(call, 0), NULL);
            if (!ty_is_value(t) && !ck_is_err(t) && t->kind != TY_UNIT)
                return ck_error_at(C, ck_arg(call, 0), "cannot print a %s", ty_name(t));
        }
        ck_set_method(call, F_PRINTLN);
        return ty_unit();
    }
    if (!strcmp(fn, "Some") || !strcmp(fn, "Option")) {
        if (ck_nargs(call) != 1)
            return ck_error_at(C, call, "%s takes one argument", fn);
        const type *want = expect && expect->kind == TY_OPTION ? expect->elems[0] : NULL;
        const type *t = ck_check_expr(C, ck_arg(call, 0), want);
        if (!ty_is_value(t) && !ck_is_err(t))
            return ck_error_at(C, ck_arg(call, 0), "%s of a %s", fn, ty_name(t));
        ck_set_method(call, fn[0] == 'S' ? F_SOME : F_OPTION);
        return ty_option(t);
    }
    if (!strcmp(fn, "Seq") || !strcmp(fn, "List") || !strcmp(fn, "Array") ||
        !strcmp(fn, "ListBuffer") || !strcmp(fn, "ArrayBuffer") || !strcmp(fn, "Iterator") || !strcmp(fn, "Set"))
        return collection(C, call, fn, expect);
    if (!strcmp(fn, "Map"))
        return map_literal(C, call, expect);
    if (!strcmp(fn, "Seconds") || !strcmp(fn, "Minutes") || !strcmp(fn, "Milliseconds")) {
        int64_t ms;
        if (!ck_const_duration(C, call, &ms))
            return ck_error_at(C, call, ck_nargs(call) == 1 && ck_const_int(C, ck_arg(call, 0), &ms)
                                            ? "%s: duration out of range" : "%s needs a constant number", fn);
        ck_set_method(call, M_IGNORED);
        return ty_duration();
    }
    if (!strcmp(fn, "classOf")) {
        ck_set_method(call, M_IGNORED);
        return ty_object("Class");
    }
    return ck_error_at(C, call->a, "unknown function '%s'", fn);
}

static const type *check_ident(checker *C, ast *e, const type *expect) {
    binding *b = ck_lookup(C, e->name);
    if (b) {
        e->sem_kind = SEM_BINDING;
        e->sem = b;
        return b->ty;
    }
    if (!strcmp(e->name, "ssc"))
        return ty_context();
    if (!strcmp(e->name, "None")) {
        ck_set_method(e, F_NONE);
        return expect && expect->kind == TY_OPTION ? expect : ty_option(ty_null());
    }
    if (!strcmp(e->name, "classOf")) {
        ck_set_method(e, M_IGNORED);
        return ty_object("Class");
    }
    for (int i = 0; known_objects[i]; i++)
        if (!strcmp(e->name, known_objects[i]))
            return ty_object(e->name);
    if (e->name[0] == '_' && e->name[1] == 'p')
        return ck_error_at(C, e, "'_' is only allowed in a function argument");
    return ck_error_at(C, e, "unknown name '%s'", e->name);
}

static const type *check_binary(checker *C, ast *e) {
    const type *a = ck_check_expr(C, e->a, NULL);
    const type *b = ck_check_expr(C, e->b, NULL);
    if (ck_is_err(a) || ck_is_err(b))
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
        if (e->op == AST_OP_MUL && a->kind == TY_STRING && b->kind == TY_INT)
            return ty_string(); /* "-" * 40 */
        /* fall through */
    case AST_OP_DIV:
    case AST_OP_MOD:
        if (!ty_is_numeric(a) || !ty_is_numeric(b))
            break;
        if ((e->op == AST_OP_DIV || e->op == AST_OP_MOD) && a->kind == TY_INT && b->kind == TY_INT)
            ck_add_site(C, e, e->op == AST_OP_DIV ? "/" : "%");
        return a->kind == TY_DOUBLE || b->kind == TY_DOUBLE ? ty_double() : ty_int();
    case AST_OP_EQ:
    case AST_OP_NE:
        if (!ck_unify(a, b) || !ty_is_value(ck_unify(a, b) ? ck_unify(a, b) : a)) {
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
    return ck_error_at(C, e, "operator %s cannot be applied to %s and %s", op, ty_name(a), ty_name(b));
}

/* The named arguments streamc knows: method, argument name, its position
 * (-1: any, for calls that are accepted and ignored). */
static const struct { const char *method, *arg; int pos; } named_args[] = {
    { "sortBy", "ascending", 1 }, { "sortByKey", "ascending", 0 },
    { "stop", "stopSparkContext", -1 }, { "stop", "stopGracefully", -1 },
    { "awaitTerminationOrTimeout", "timeout", 0 }, { "saveToRedis", "mode", 2 },
    { "reduceByKey", "numPartitions", 1 }, { "groupByKey", "numPartitions", 0 },
    { "updateStateByKey", "numPartitions", 1 }, { "repartition", "numPartitions", 0 },
    { "window", "windowDuration", 0 }, { "window", "slideDuration", 1 },
    { "countByWindow", "windowDuration", 0 }, { "countByWindow", "slideDuration", 1 },
    { "countByValueAndWindow", "windowDuration", 0 }, { "countByValueAndWindow", "slideDuration", 1 },
    /* with and without an inverse function */
    { "reduceByWindow", "windowDuration", 1 }, { "reduceByWindow", "slideDuration", 2 },
    { "reduceByWindow", "windowDuration", 2 }, { "reduceByWindow", "slideDuration", 3 },
    { "reduceByKeyAndWindow", "windowDuration", 1 }, { "reduceByKeyAndWindow", "slideDuration", 2 },
    { "reduceByKeyAndWindow", "windowDuration", 2 }, { "reduceByKeyAndWindow", "slideDuration", 3 },
    { NULL, NULL, 0 },
};

/* Replace the named arguments of call e by their values where the method
 * takes them in that position; false (after an error) for any other. */
static bool unwrap_named_args(checker *C, ast *e) {
    const char *m = e->a->kind == AST_SELECT ? e->a->name : "";
    for (int i = 0; i < e->list.len; i++) {
        ast *arg = e->list.items[i];
        if (arg->kind != AST_NAMED_ARG)
            continue;
        int known = -1, hint = -1; /* the entry that fits; one for m to suggest */
        for (int k = 0; named_args[k].method && known < 0; k++) {
            if (strcmp(named_args[k].method, m) != 0)
                continue;
            if (!strcmp(named_args[k].arg, arg->name) && (named_args[k].pos < 0 || named_args[k].pos == i))
                known = k;
            else if (hint < 0 && named_args[k].pos >= 0)
                hint = k;
        }
        if (known < 0) {
            if (hint >= 0)
                ck_error_at(C, arg, "named argument '%s' is not supported here; %s takes %s = ... as argument %d",
                            arg->name, m, named_args[hint].arg, named_args[hint].pos + 1);
            else
                ck_error_at(C, arg, "named argument '%s' is not supported here; write the value alone", arg->name);
            return false;
        }
        e->list.items[i] = arg->a;
    }
    return true;
}

static const type *apply_call(checker *C, ast *e, const type *T);

static const type *check_call(checker *C, ast *e, const type *expect) {
    ast *callee = e->a;
    if (!unwrap_named_args(C, e))
        return ty_error();
    if (callee->kind == AST_CALL && callee->a->kind == AST_SELECT && !strcmp(callee->a->name, "foldLeft"))
        return ck_seq_fold(C, e, callee);
    if (callee->kind == AST_SELECT) {
        const type *T = ck_check_expr(C, callee->a, NULL);
        callee->ty = T;
        if (ck_is_err(T))
            return T;
        /* bc.value(k), pair._2(0): a field, then applied to the arguments */
        bool field = (T->kind == TY_BROADCAST && !strcmp(callee->name, "value")) ||
                     (T->kind == TY_TUPLE && callee->name[0] == '_' && callee->name[1] >= '1' && callee->name[1] <= '9');
        if (!field)
            return method_call(C, e, callee, T);
        const type *F = method_call(C, NULL, callee, T);
        callee->ty = F;
        return ck_is_err(F) ? F : apply_call(C, e, F);
    }
    if (callee->kind == AST_IDENT && !ck_lookup(C, callee->name) && strcmp(callee->name, "ssc"))
        return function_call(C, e, expect);
    const type *T = ck_check_expr(C, callee, NULL);
    if (ck_is_err(T))
        return T;
    return apply_call(C, e, T);
}

/* xs(i) or m(k): call e applied to a value of type T. */
static const type *apply_call(checker *C, ast *e, const type *T) {
    if (T->kind == TY_SEQ && T->coll == COLL_SET) { /* s(x): s.contains(x) */
        if (ck_nargs(e) != 1)
            return ck_error_at(C, e, "a Set is asked about one element: s(x)");
        const type *x = ck_check_expr(C, ck_arg(e, 0), T->elems[0]);
        if (!ty_assignable(T->elems[0], x) && !ck_is_err(x))
            return ck_error_at(C, ck_arg(e, 0), "the elements of this Set are %s, not %s", ty_name(T->elems[0]), ty_name(x));
        ck_set_method(e, M_MAP_CONTAINS);
        return ty_bool();
    }
    if (T->kind == TY_SEQ && T->coll == COLL_MAP) {
        if (ck_nargs(e) != 1)
            return ck_error_at(C, e, "a Map is looked up with one key: m(k)");
        const type *K = T->elems[0]->elems[0];
        const type *k = ck_check_expr(C, ck_arg(e, 0), K);
        if (!ty_assignable(K, k) && !ck_is_err(k))
            return ck_error_at(C, ck_arg(e, 0), "the keys of this Map are %s, not %s", ty_name(K), ty_name(k));
        ck_set_method(e, M_MAP_APPLY);
        ck_add_site(C, e, "m(k) (NoSuchElementException)");
        return T->elems[0]->elems[1];
    }
    if (T->kind == TY_SEQ) {
        if (ck_nargs(e) != 1)
            return ck_error_at(C, e, "a collection is indexed with one argument: xs(i)");
        const type *i = ck_check_expr(C, ck_arg(e, 0), ty_int());
        if (i->kind != TY_INT && !ck_is_err(i))
            return ck_error_at(C, ck_arg(e, 0), "an index must be an Int, not %s", ty_name(i));
        ck_set_method(e, M_SEQ_APPLY);
        ck_add_site(C, e, "index");
        return T->elems[0];
    }
    return ck_error_at(C, e, "a %s cannot be called", ty_name(T));
}

/* f"$name%-10s ${x * 2}%.2f": the same as "%-10s %.2f".format(name, x * 2)
 * (a splice without a format after it takes %s). e becomes that call. */
static const type *check_f_interp(checker *C, ast *e, const type *expect) {
    ast_pool *pool = C->p->pool;
    strbuf fmt = { 0 };
    ast *call = ast_new(pool, AST_CALL, e->loc);
    for (int i = 0; i < e->list.len; i++) {
        ast *part = e->list.items[i];
        if (part->kind == AST_STRING) {
            sb_putn(&fmt, part->str, part->str_len);
            continue;
        }
        ast_list_push(pool, &call->list, part);
        ast *next = i + 1 < e->list.len ? e->list.items[i + 1] : NULL;
        bool spec = next && next->kind == AST_STRING && next->str_len >= 2 && next->str[0] == '%' &&
                    next->str[1] != '%' && next->str[1] != 'n';
        if (!spec)
            sb_puts(&fmt, "%s");
    }
    ast *text = ast_new(pool, AST_STRING, e->loc);
    text->str = ast_strdup(pool, fmt.ptr ? fmt.ptr : "", fmt.len);
    text->str_len = fmt.len;
    sb_free(&fmt);
    call->a = ast_new(pool, AST_SELECT, e->loc);
    call->a->a = text;
    call->a->name = ast_strdup(pool, "format", 6);
    *e = *call;
    return check_call(C, e, expect);
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
            t = ck_check_expr(C, s, NULL);
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
        if (e->ival == 'f')
            return check_f_interp(C, e, expect);
        for (int i = 0; i < e->list.len; i++) {
            const type *t = ck_check_expr(C, e->list.items[i], NULL);
            if (!ty_is_value(t) && !ck_is_err(t))
                ck_error_at(C, e->list.items[i], "cannot put a %s into a string", ty_name(t));
        }
        return ty_string();
    case AST_IDENT: return check_ident(C, e, expect);
    case AST_PLACEHOLDER:
        return ck_error_at(C, e, "'_' is only allowed in a function argument, as in map(_ * 2)");
    case AST_UNARY: {
        const type *t = ck_check_expr(C, e->a, NULL);
        if (ck_is_err(t))
            return t;
        if (e->op == AST_OP_NOT && t->kind == TY_BOOL)
            return t;
        if (e->op == AST_OP_NEG && ty_is_numeric(t))
            return t;
        return ck_error_at(C, e, "operator %s cannot be applied to %s", ast_op_spelling(e->op), ty_name(t));
    }
    case AST_BINARY: return check_binary(C, e);
    case AST_IF: {
        const type *c = ck_check_expr(C, e->a, ty_bool());
        if (c->kind != TY_BOOL && !ck_is_err(c))
            ck_error_at(C, e->a, "a condition must be Boolean, not %s", ty_name(c));
        const type *t = ck_check_expr(C, e->b, expect);
        if (!e->c)
            return ty_unit();
        const type *f = ck_check_expr(C, e->c, expect);
        if (t->kind == TY_DSTREAM || f->kind == TY_DSTREAM)
            return ck_error_at(C, e, "an if cannot choose between DStreams: the graph of streams is fixed before "
                                     "the first batch (choose inside a transformation, or filter)");
        if (t->kind == TY_UNIT || f->kind == TY_UNIT)
            return ty_unit();
        const type *u = ck_unify(t, f);
        if (!u)
            return ck_error_at(C, e, "the branches of this if have different types: %s and %s",
                            ty_name(t), ty_name(f));
        return u;
    }
    case AST_BLOCK: return check_block(C, e);
    case AST_TUPLE: {
        const type *elems[16];
        if (e->list.len > 16)
            return ck_error_at(C, e, "tuples of more than 16 elements are not supported");
        for (int i = 0; i < e->list.len; i++) {
            const type *want = expect && expect->kind == TY_TUPLE && expect->nelems == e->list.len
                                   ? expect->elems[i] : NULL;
            elems[i] = ck_check_expr(C, e->list.items[i], want);
            if (ck_is_err(elems[i]))
                return elems[i];
            if (!ty_is_value(elems[i]))
                return ck_error_at(C, e->list.items[i], "a tuple cannot hold a %s", ty_name(elems[i]));
        }
        return ty_tuple(e->list.len, elems);
    }
    case AST_SELECT: {
        const type *T = ck_check_expr(C, e->a, NULL);
        if (ck_is_err(T))
            return T;
        return method_call(C, NULL, e, T);
    }
    case AST_CALL: return check_call(C, e, expect);
    case AST_NEW:
        for (int i = 0; i < e->list.len; i++)
            ck_check_expr(C, e->list.items[i], NULL);
        ck_set_method(e, M_IGNORED);
        return ty_object(last_part(e->type ? e->type->name ? e->type->name : "Object" : "Object"));
    case AST_NAMED_ARG:
        return ck_error_at(C, e, "a named argument (%s = ...) is only allowed in a call", e->name);
    case AST_ASCRIBE: {
        const type *want = ck_resolve_type(C, e->type);
        const type *t = ck_check_expr(C, e->a, want);
        if (!ty_assignable(want, t) && !ck_is_err(want))
            return ck_error_at(C, e, "%s is not a %s", ty_name(t), ty_name(want));
        return t;
    }
    case AST_LAMBDA:
        return ck_error_at(C, e, "a function is not allowed here");
    case AST_VAL: case AST_VAR: case AST_ASSIGN: case AST_FOR:
        check_stmt(C, e);
        return ty_unit();
    case AST_PROGRAM: case AST_SETTING: case AST_IMPORT: case AST_PARAM: case AST_TYPE:
    case AST_TYPE_TUPLE:
        break;
    }
    return ck_error_at(C, e, "unexpected %s here", ast_kind_name(e->kind));
}

const type *ck_check_expr(checker *C, ast *e, const type *expect) {
    const type *t = check_expr_inner(C, e, expect);
    /* a method call annotates its node itself; keep the type on every node */
    e->ty = t;
    return t;
}

/* ===================================================================== */
/* Statements                                                            */
/* ===================================================================== */

/* val (a, b) = e binds a tuple's fields; val Array(a, b) = e (also List,
 * Seq) a sequence's elements, failing at run time when the length differs
 * (Scala's MatchError). Inside functions only. */
static void check_val_pattern(checker *C, ast *s) {
    ast *pat = s->b;
    const type *t = ck_check_expr(C, s->a, NULL);
    bind_kind kind = local_kind(C);
    if (!C->lam) {
        ck_error_at(C, s, "a val with a pattern is only allowed inside a function");
        t = ty_error();
    }
    if (!s->str) {
        bind_param(C, pat, t, kind, NULL);
        return;
    }
    if (strcmp(s->str, "Array") && strcmp(s->str, "List") && strcmp(s->str, "Seq")) {
        ck_error_at(C, s, "val %s(...) is not supported; val Array(a, b), List(...), Seq(...) and (a, b) are",
                    s->str);
        t = ty_error();
    } else if (t->kind != TY_SEQ && !ck_is_err(t)) {
        ck_error_at(C, s->a, "val %s(...) needs a collection, not %s", s->str, ty_name(t));
        t = ty_error();
    }
    const type *elem = t->kind == TY_SEQ ? t->elems[0] : ty_error();
    binding *whole = bind(C, "_", t, kind, pat);
    pat->sem_kind = SEM_BINDING;
    pat->sem = whole;
    pat->ty = t;
    for (int i = 0; i < pat->list.len; i++)
        bind_param(C, pat->list.items[i], elem, kind, NULL);
    ck_add_site(C, s, "a collection of another length than the pattern's");
}

static void check_val(checker *C, ast *s) {
    if (s->b) {
        check_val_pattern(C, s);
        return;
    }
    if (s->kind == AST_VAL && s->a && s->a->kind == AST_BLOCK && s->a->list.len == 1 &&
        s->a->list.items[0]->kind == AST_LAMBDA)
        s->a = s->a->list.items[0];
    if (s->kind == AST_VAL && s->a && s->a->kind == AST_LAMBDA && !s->type) {
        binding *b = bind(C, s->name, ty_object("Function"), BIND_IGNORED, s);
        s->sem_kind = SEM_BINDING;
        s->sem = b;
        s->ty = b->ty;
        return;
    }
    const type *want = s->type ? ck_resolve_type(C, s->type) : NULL;
    const type *t = ck_check_expr(C, s->a, want);
    if (want && !ck_is_err(t) && !ty_assignable(want, t) &&
        !(want->kind == TY_DOUBLE && t->kind == TY_INT)) {
        ck_error_at(C, s->type, "'%s' is declared %s but its value is %s", s->name, ty_name(want),
                 ty_name(t));
        t = ty_error();
    } else if (want && !ck_is_err(want) && want->kind != TY_OBJECT && t->kind != TY_DSTREAM) {
        t = want->kind == TY_DOUBLE && t->kind == TY_INT ? want : t;
    }
    if (t->kind == TY_UNIT) {
        ck_error_at(C, s->a, "'%s' would hold no value (Unit)", s->name);
        t = ty_error();
    }
    bind_kind kind = local_kind(C);
    if (t->kind == TY_DSTREAM) {
        if (C->lam)
            ck_error_at(C, s, "DStreams can only be defined at the top level of the program");
        kind = BIND_DSTREAM;
    } else if (t->kind == TY_CONTEXT || t->kind == TY_SPARK || t->kind == TY_OBJECT ||
               t->kind == TY_DURATION || t->kind == TY_NULL) {
        kind = BIND_IGNORED;
    } else if (t->kind == TY_BROADCAST && C->lam) {
        ck_error_at(C, s, "broadcast values can only be defined at the top level of the program");
    } else if (t->kind == TY_RDD && !C->driver && C->lam) {
        ck_error_at(C, s, "RDDs exist only in driver code (foreachRDD, transform)");
    }
    binding *b = bind(C, s->name, t, kind, s);
    b->is_var = s->kind == AST_VAR;
    s->sem_kind = SEM_BINDING;
    s->sem = b;
    s->ty = t;
    if (kind == BIND_DSTREAM) {
        b->node = ck_node_of(s->a);
        if (b->is_var)
            ck_error_at(C, s, "declare DStreams with val, not var");
    } else if (kind == BIND_GLOBAL) {
        PUSH(C->p->globals, C->p->nglobals, b);
        if (t->kind == TY_BROADCAST)
            PUSH(C->p->broadcasts, C->p->nbroadcasts, b);
        if (t->kind == TY_RDD && sem_method(s->a) != M_NONE)
            ck_error_at(C, s->a, "a top-level RDD comes from ssc.sparkContext.parallelize(...)");
    }
}

static void check_assign(checker *C, ast *s) {
    ast *target = s->a;
    const type *t = ck_check_expr(C, target, NULL);
    if (ck_is_err(t)) {
        ck_check_expr(C, s->b, NULL);
        return;
    }
    /* buffer += x appends */
    if (t->kind == TY_SEQ && s->op == AST_OP_ADD) {
        const type *v = ck_check_expr(C, s->b, t->elems[0]);
        if (!ty_assignable(t->elems[0], v) && !ck_is_err(v))
            ck_error_at(C, s->b, "cannot append a %s to a %s", ty_name(v), ty_name(t));
        ck_set_method(s, M_SEQ_APPEND);
        return;
    }
    binding *b = sem_binding(target);
    if (!b || !b->is_var) {
        ck_error_at(C, target, "only a var can be assigned");
        ck_check_expr(C, s->b, NULL);
        return;
    }
    if (b->kind == BIND_GLOBAL && C->lam && !C->driver)
        ck_error_at(C, target, "'%s' is a top-level var: executor code cannot change it (it runs on many threads)",
                 b->name);
    const type *v = ck_check_expr(C, s->b, t);
    if (ck_is_err(v))
        return;
    if (s->op == AST_OP_NONE) {
        if (!ty_assignable(t, v) && !(t->kind == TY_DOUBLE && v->kind == TY_INT))
            ck_error_at(C, s->b, "cannot assign a %s to '%s' of type %s", ty_name(v), b->name, ty_name(t));
        return;
    }
    bool ok = (ty_is_numeric(t) && ty_is_numeric(v) && (t->kind == TY_DOUBLE || v->kind == TY_INT)) ||
              (t->kind == TY_STRING && s->op == AST_OP_ADD && ty_is_value(v));
    if (!ok)
        ck_error_at(C, s, "operator %s= cannot be applied to %s and %s", ast_op_spelling(s->op),
                 ty_name(t), ty_name(v));
    else if ((s->op == AST_OP_DIV || s->op == AST_OP_MOD) && t->kind == TY_INT)
        ck_add_site(C, s, s->op == AST_OP_DIV ? "/" : "%");
}

static void check_for(checker *C, ast *s) {
    const type *t = ck_check_expr(C, s->a, NULL);
    const type *elem = ty_error();
    if (t->kind == TY_SEQ)
        elem = t->elems[0];
    else if (!ck_is_err(t))
        ck_error_at(C, s->a, "for (x <- ...) needs a collection, not %s", ty_name(t));
    binding *saved = C->scope;
    binding *b = bind(C, s->name, elem, C->driver ? BIND_DRIVER : C->lam ? BIND_LOCAL : BIND_GLOBAL, s);
    if (!C->lam) {
        ck_error_at(C, s, "for loops belong inside functions (foreachRDD, map, ...)");
    }
    s->sem_kind = SEM_BINDING;
    s->sem = b;
    ck_check_expr(C, s->b, NULL);
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
            ck_error_at(C, s, "settings belong at the top level");
        else
            check_setting(C, s);
        return;
    default:
        ck_check_expr(C, s, NULL);
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

/* The longest batch interval: batch times stay far from overflowing. */
#define MAX_BATCH_MS ((int64_t)365 * 24 * 3600 * 1000)

static void check_setting(checker *C, ast *s) {
    program *p = C->p;
    ast *a0 = ck_arg(s, 0), *a1 = ck_arg(s, 1);
    char *str = NULL;
    int64_t ms;
    if (!strcmp(s->name, "app")) {
        if (!a0 || !ck_const_str(C, a0, &str))
            ck_error_at(C, s, "app needs a name: app \"MyApp\"");
        else
            ck_set_once(C, s, &p->app, str, "the application name");
    } else if (!strcmp(s->name, "batch")) {
        if (!a0 || !ck_const_duration(C, a0, &ms) || ms <= 0)
            ck_error_at(C, a0 ? a0 : s, "batch needs a positive duration: batch 5s or batch Durations.seconds(5)");
        else if (ms > MAX_BATCH_MS)
            ck_error_at(C, a0, "the batch interval must be at most 365 days");
        else if (p->batch_ms && p->batch_ms != ms)
            ck_error_at(C, s, "the batch interval is set twice");
        else
            p->batch_ms = ms;
    } else if (!strcmp(s->name, "master")) {
        if (!a0 || !ck_const_str(C, a0, &str) || !valid_master(str)) {
            ck_error_at(C, a0 ? a0 : s, "master must be \"local\", \"local[N]\" or \"local[*]\"");
            free(str);
        } else {
            ck_set_once(C, s, &p->master, str, "the master");
        }
    } else if (!strcmp(s->name, "checkpoint")) {
        if (!a0 || !ck_const_str(C, a0, &str) || !*str) {
            ck_error_at(C, a0 ? a0 : s, "checkpoint needs a directory: checkpoint \"./ckpt\"");
            free(str);
        } else {
            ck_set_once(C, s, &p->checkpoint, str, "the checkpoint directory");
        }
        if (a1) {
            if (!ck_const_duration(C, a1, &ms) || ms <= 0)
                ck_error_at(C, a1, "checkpoint ... every needs a positive duration");
            else
                p->checkpoint_every_ms = ms;
        }
    } else if (!strcmp(s->name, "offsets")) {
        char *url = NULL;
        if (!a0 || a0->kind != AST_IDENT || (strcmp(a0->name, "kafka") && strcmp(a0->name, "redis") &&
                                             strcmp(a0->name, "checkpoint")))
            ck_error_at(C, a0 ? a0 : s, "offsets must be kafka, checkpoint or redis \"redis://host:port/db\"");
        else if (!strcmp(a0->name, "redis") && (!a1 || !ck_const_str(C, a1, &url) || strncmp(url, "redis://", 8)))
            ck_error_at(C, a1 ? a1 : a0, "offsets redis needs a URL: offsets redis \"redis://host:port/db\"");
        else {
            ck_set_once(C, s, &p->offsets, xstrdup(a0->name), "the offset store");
            free(p->offsets_redis);
            p->offsets_redis = url;
            url = NULL;
        }
        free(url);
    } else if (!strcmp(s->name, "redis")) {
        char *url = NULL;
        if (!a0 || !ck_const_str(C, a0, &url) || strncmp(url, "redis://", 8)) {
            ck_error_at(C, a0 ? a0 : s, "redis needs a URL: redis \"redis://host:port/db\"");
            free(url);
        } else {
            ck_set_once(C, s, &p->redis_url, url, "the Redis address");
        }
    } else if (!strcmp(s->name, "conf")) {
        char *key = NULL;
        if (!a0 || !ck_const_str(C, a0, &key) || !a1) {
            ck_error_at(C, s, "conf needs a key and a value: conf \"key\" = value");
            free(key);
            return;
        }
        char *value = NULL;
        int64_t n;
        if (a1->kind == AST_BOOL)
            value = xstrdup(a1->ival ? "true" : "false");
        else if (a1->kind == AST_DOUBLE)
            value = xasprintf("%g", a1->dval);
        else if (ck_const_int(C, a1, &n))
            value = xasprintf("%" PRId64, n);
        else if (ck_const_duration(C, a1, &n))
            value = xasprintf("%" PRId64 "ms", n);
        else if (!ck_const_str(C, a1, &value)) {
            ck_error_at(C, a1, "conf values must be constants");
            free(key);
            return;
        }
        for (int i = 0; i < p->nconf; i++)
            if (!strcmp(p->conf[i].key, key))
                ck_error_at(C, s, "conf \"%s\" is set twice", key);
        /* spark.master and spark.app.name are the master and app settings */
        if (!strcmp(key, "spark.master") && !valid_master(value))
            ck_error_at(C, a1, "spark.master must be \"local\", \"local[N]\" or \"local[*]\"");
        else if (!strcmp(key, "spark.master"))
            ck_set_once(C, s, &p->master, xstrdup(value), "the master");
        else if (!strcmp(key, "spark.app.name"))
            ck_set_once(C, s, &p->app, xstrdup(value), "the application name");
        conf_kv kv = { key, value };
        PUSH(p->conf, p->nconf, kv);
    } else {
        ck_error_at(C, s, "unknown setting '%s'", s->name);
    }
}

/* ===================================================================== */
/* The program                                                           */
/* ===================================================================== */

int check_program(program *p) {
    checker C = { .p = p, .src = p->src, .kafka_rdd = -1 };
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
    for (int i = 0; i < p->nsources; i++)
        prog_source_free(&p->sources[i]);
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
    free(p->offsets);
    free(p->offsets_redis);
    free(p->redis_url);
    free(p->checkpoint);
    free(p->log_level);
    dag_free(&p->dag);
}
