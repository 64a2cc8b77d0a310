/* check_values.c - methods of values: String, Int/Long/Double, Option,
 * Seq/Array/List/ListBuffer. */
#include "check_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "util.h"

/* ===================================================================== */
/* Methods of values                                                     */
/* ===================================================================== */

/* Check the arguments of `call` against parameter types (NULL = any value). */
static bool value_args(checker *C, ast *call, const char *name, int n, const type *t0,
                       const type *t1) {
    int got = ck_nargs(call);
    if (got != n) {
        ck_error_at(C, call, "%s takes %d argument%s, not %d", name, n, n == 1 ? "" : "s", got);
        return false;
    }
    const type *want[2] = { t0, t1 };
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const type *t = ck_check_expr(C, ck_arg(call, i), want[i]);
        if (want[i] && !ty_assignable(want[i], t) &&
            !(want[i]->kind == TY_DOUBLE && t->kind == TY_INT)) {
            ck_error_at(C, ck_arg(call, i), "%s expects %s here, not %s", name, ty_name(want[i]), ty_name(t));
            ok = false;
        }
    }
    return ok;
}

const type *ck_format(checker *C, ast *call, ast *fmt_expr, int first) {
    char *fmt = NULL;
    ck_check_expr(C, fmt_expr, ty_string());
    if (!ck_const_str(C, fmt_expr, &fmt))
        return ck_error_at(C, fmt_expr, "format needs a constant format string, such as \"%%s: %%.2f\"");
    fmt_piece *pieces;
    int npieces;
    char *err = fmt_parse(fmt, strlen(fmt), &pieces, &npieces);
    if (err) {
        ck_error_at(C, fmt_expr, "format string: %s", err);
        free(err);
        free(fmt);
        return ty_error();
    }
    int arg = first;
    bool ok = true;
    for (int i = 0; i < npieces; i++) {
        char c = pieces[i].conv;
        if (!c || !fmt_takes_arg(c))
            continue;
        if (arg >= ck_nargs(call)) {
            ok = false;
            ck_error_at(C, call, "the format needs an argument for %%%c (Java: MissingFormatArgumentException)", c);
            break;
        }
        ast *a = ck_arg(call, arg++);
        const type *t = ck_check_expr(C, a, NULL);
        if (ck_is_err(t))
            ok = false;
        else if (!ty_is_value(t))
            ok = !ck_error_at(C, a, "cannot format a %s", ty_name(t));
        else if (strchr("dxXo", c) && t->kind != TY_INT)
            ok = !ck_error_at(C, a, "%%%c needs an Int, not %s (Java: IllegalFormatConversionException)", c, ty_name(t));
        else if (strchr("feE", c) && t->kind != TY_DOUBLE)
            ok = !ck_error_at(C, a, "%%%c needs a Double, not %s (Java: IllegalFormatConversionException); "
                              "write x.toDouble", c, ty_name(t));
    }
    for (; arg < ck_nargs(call); arg++) /* extra arguments: Java ignores them */
        ck_check_expr(C, ck_arg(call, arg), NULL);
    free(pieces);
    if (!ok) {
        free(fmt);
        return ty_error();
    }
    call->str = ast_strdup(C->p->pool, fmt, strlen(fmt));
    call->str_len = strlen(fmt);
    call->ival = first;
    free(fmt);
    ck_set_method(call, M_STR_FORMAT);
    return ty_string();
}

const type *ck_string_method(checker *C, ast *call, ast *sel) {
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
        { "take", M_STR_TAKE, 1, 'I', 'S', NULL },
        { "drop", M_STR_DROP, 1, 'I', 'S', NULL },
        { "takeRight", M_STR_TAKERIGHT, 1, 'I', 'S', NULL },
        { "dropRight", M_STR_DROPRIGHT, 1, 'I', 'S', NULL },
        { "slice", M_STR_SLICE, 2, 'I', 'S', NULL },
        { "reverse", M_STR_REVERSE, 0, 0, 'S', NULL },
        { "capitalize", M_STR_CAPITALIZE, 0, 0, 'S', NULL },
        { "lastIndexOf", M_STR_LASTINDEXOF, 1, 'S', 'I', NULL },
        { "stripPrefix", M_STR_STRIPPREFIX, 1, 'S', 'S', NULL },
        { "stripSuffix", M_STR_STRIPSUFFIX, 1, 'S', 'S', NULL },
        { "concat", M_STR_CONCAT, 1, 'S', 'S', NULL },
        { "equalsIgnoreCase", M_STR_EQUALSIC, 1, 'S', 'B', NULL },
        { "compareTo", M_STR_COMPARETO, 1, 'S', 'I', NULL },
        { "hashCode", M_STR_HASHCODE, 0, 0, 'I', NULL },
    };
    if (!strcmp(m, "format") && call)
        return ck_format(C, call, sel->a, 0);
    /* two arguments of different types: (String, Int) */
    if ((!strcmp(m, "indexOf") || !strcmp(m, "split")) && ck_nargs(call) == 2) {
        value_args(C, call, m, 2, S, I);
        ck_set_method(at, m[0] == 'i' ? M_STR_INDEXOF_FROM : M_STR_SPLIT_LIMIT);
        return m[0] == 'i' ? I : ty_seq(S, COLL_ARRAY);
    }
    if (!strcmp(m, "substring")) {
        int n = ck_nargs(call);
        if (n < 1 || n > 2)
            return ck_error_at(C, at, "substring takes 1 or 2 arguments, not %d", n);
        value_args(C, call, m, n, I, I);
        ck_set_method(at, M_STR_SUBSTRING);
        ck_add_site(C, at, "substring");
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
        ck_set_method(at, table[i].meth);
        if (table[i].fails)
            ck_add_site(C, at, table[i].fails);
        switch (table[i].ret) {
        case 'S': return S;
        case 'I': return I;
        case 'B': return B;
        case 'D': return ty_double();
        default: return ty_seq(S, COLL_ARRAY);
        }
    }
    return ck_error_at(C, sel, "String has no method '%s'", m);
}

const type *ck_number_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    if (call && (!strcmp(m, "max") || !strcmp(m, "min"))) {
        if (!value_args(C, call, m, 1, T, NULL))
            return ty_error();
        ck_set_method(at, m[1] == 'a' ? M_NUM_MAX : M_NUM_MIN);
        return T;
    }
    if (call && ck_nargs(call) > 0)
        return ck_error_at(C, call, "%s.%s takes no arguments", ty_name(T), m);
    if (!strcmp(m, "toInt") || !strcmp(m, "toLong")) {
        ck_set_method(at, M_NUM_TOINT);
        return ty_int();
    }
    if (!strcmp(m, "toDouble") || !strcmp(m, "toFloat")) {
        ck_set_method(at, M_NUM_TODOUBLE);
        return ty_double();
    }
    if (!strcmp(m, "abs")) {
        ck_set_method(at, M_NUM_ABS);
        return T;
    }
    if (!strcmp(m, "toString")) {
        ck_set_method(at, M_TOSTRING);
        return ty_string();
    }
    return ck_error_at(C, sel, "%s has no method '%s'", ty_name(T), m);
}

const type *ck_option_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    const type *E = T->elems[0];
    if (!strcmp(m, "getOrElse")) { /* at, not call: NULL for o.getOrElse without parentheses */
        if (!value_args(C, at, m, 1, E->kind == TY_NULL ? NULL : E, NULL))
            return ty_error();
        ck_set_method(at, M_OPT_GETORELSE);
        return E->kind == TY_NULL ? ck_arg(call, 0)->ty : E;
    }
    if (call && ck_nargs(call) > 0)
        return ck_error_at(C, call, "Option.%s takes no arguments", m);
    if (!strcmp(m, "isEmpty")) { ck_set_method(at, M_OPT_ISEMPTY); return ty_bool(); }
    if (!strcmp(m, "isDefined") || !strcmp(m, "nonEmpty")) { ck_set_method(at, M_OPT_ISDEFINED); return ty_bool(); }
    if (!strcmp(m, "get")) {
        ck_set_method(at, M_OPT_GET);
        ck_add_site(C, at, "None.get");
        return E;
    }
    if (!strcmp(m, "toString")) { ck_set_method(at, M_TOSTRING); return ty_string(); }
    return ck_error_at(C, sel, "%s has no method '%s'", ty_name(T), m);
}

/* The methods of a Map (COLL_MAP): lookups, keys and values, and those
 * sequence methods that keep a Map a Map or leave it (others would break
 * the order lookups rely on). */
static const type *map_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    const type *K = T->elems[0]->elems[0], *V = T->elems[0]->elems[1];
    if (!strcmp(m, "get") || !strcmp(m, "contains") || !strcmp(m, "getOrElse")) { /* m(k): check_call */
        bool or_else = m[0] == 'g' && m[3] == 'O';
        if (!value_args(C, at, m, or_else ? 2 : 1, K, or_else ? V : NULL))
            return ty_error();
        if (m[0] == 'c') {
            ck_set_method(at, M_MAP_CONTAINS);
            return ty_bool();
        }
        ck_set_method(at, or_else ? M_MAP_GETORELSE : M_MAP_GET);
        return or_else ? V : ty_option(V);
    }
    if (!strcmp(m, "keys") || !strcmp(m, "values") || !strcmp(m, "keySet")) {
        if (ck_nargs(call))
            return ck_error_at(C, call, "Map.%s takes no arguments", m);
        ck_set_method(at, m[0] == 'k' ? M_MAP_KEYS : M_MAP_VALUES);
        return ty_seq(m[0] == 'k' ? K : V, COLL_LIST);
    }
    static const char *const kept[] = { "size", "isEmpty", "nonEmpty", "foreach", "map", "filter", "exists",
        "forall", "count", "toList", "toSeq", "toArray", "toBuffer", "mkString", "toString", "toMap", NULL };
    for (int i = 0; kept[i]; i++)
        if (!strcmp(m, kept[i]))
            return NULL; /* the sequence method */
    return ck_error_at(C, sel, "%s has no method '%s' here; convert it with .toSeq first", ty_name(T), m);
}

/* The methods of a Set (COLL_SET): contains searches; as for Maps, only
 * the sequence methods that keep the order lookups rely on. */
static const type *set_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    if (!strcmp(m, "contains")) {
        if (!value_args(C, at, m, 1, T->elems[0], NULL))
            return ty_error();
        ck_set_method(at, M_MAP_CONTAINS);
        return ty_bool();
    }
    static const char *const kept[] = { "size", "isEmpty", "nonEmpty", "foreach", "map", "filter", "exists",
        "forall", "count", "toList", "toSeq", "toArray", "toBuffer", "mkString", "toString", "toSet", "sum", "max",
        "min", NULL };
    for (int i = 0; kept[i]; i++)
        if (!strcmp(m, kept[i]))
            return NULL; /* the sequence method */
    return ck_error_at(C, sel, "%s has no method '%s' here; convert it with .toSeq first", ty_name(T), m);
}

const type *ck_seq_method(checker *C, ast *call, ast *sel, const type *T) {
    const char *m = sel->name;
    ast *at = call ? call : sel;
    const type *E = T->elems[0];
    ast *f = ck_arg(call, 0);
    if (T->coll == COLL_MAP || T->coll == COLL_SET) {
        const type *r = T->coll == COLL_MAP ? map_method(C, call, sel, T) : set_method(C, call, sel, T);
        if (r)
            return r;
    }
    if (!strcmp(m, "flatMap") || !strcmp(m, "find") || !strcmp(m, "groupBy")) {
        if (!ck_need_args(C, at, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn1(C, f, E, FN_INLINE, NULL);
        if (ck_is_err(ret))
            return ret;
        seq_coll coll = T->coll == COLL_ITERABLE || T->coll == COLL_MAP ? COLL_LIST : T->coll;
        switch (m[0]) {
        case 'f':
            if (m[1] == 'l') {
                const type *U = ck_flat_elem(C, f, ret);
                if (ck_is_err(U))
                    return U;
                ck_set_method(at, M_SEQ_FLATMAP);
                return ty_seq(U, coll);
            }
            if (ret->kind != TY_BOOL)
                return ck_error_at(C, f, "find's function must return Boolean, not %s", ty_name(ret));
            ck_set_method(at, M_SEQ_FIND);
            return ty_option(E);
        default:
            if (!ty_is_value(ret))
                return ck_error_at(C, f, "groupBy's function must return a key, not %s", ty_name(ret));
            ck_set_method(at, M_SEQ_GROUPBY);
            return ty_seq(ty_pair(ret, ty_seq(E, coll)), COLL_MAP);
        }
    }
    if (!strcmp(m, "zip")) {
        if (!ck_need_args(C, at, m, 1, 1))
            return ty_error();
        const type *U = ck_check_expr(C, f, NULL);
        if (ck_is_err(U))
            return U;
        if (U->kind != TY_SEQ)
            return ck_error_at(C, f, "zip needs a collection, not %s", ty_name(U));
        ck_set_method(at, M_SEQ_ZIP);
        return ty_seq(ty_pair(E, U->elems[0]), T->coll == COLL_ARRAY ? COLL_ARRAY : COLL_LIST);
    }
    if (!strcmp(m, "indexOf")) {
        if (!value_args(C, at, m, 1, E, NULL))
            return ty_error();
        ck_set_method(at, M_SEQ_INDEXOF);
        return ty_int();
    }
    if (!strcmp(m, "zipWithIndex") || !strcmp(m, "headOption") || !strcmp(m, "lastOption")) {
        if (ck_nargs(call))
            return ck_error_at(C, call, "%s takes no arguments", m);
        ck_set_method(at, m[0] == 'z' ? M_SEQ_ZIPWITHINDEX : m[0] == 'h' ? M_SEQ_HEADOPTION : M_SEQ_LASTOPTION);
        return m[0] == 'z' ? ty_seq(ty_pair(E, ty_int()), T->coll == COLL_ARRAY ? COLL_ARRAY : COLL_LIST)
                           : ty_option(E);
    }
    if (!strcmp(m, "toSet")) {
        if (ck_nargs(call))
            return ck_error_at(C, call, "toSet takes no arguments");
        ck_set_method(at, M_SEQ_TOSET);
        return ty_seq(E, COLL_SET);
    }
    if (!strcmp(m, "toMap")) {
        if (E->kind != TY_TUPLE || E->nelems != 2)
            return ck_error_at(C, sel, "toMap needs a collection of pairs, not %s", ty_name(T));
        if (ck_nargs(call))
            return ck_error_at(C, call, "toMap takes no arguments");
        ck_set_method(at, M_SEQ_TOMAP);
        return ty_seq(E, COLL_MAP);
    }
    if (!strcmp(m, "foreach") || !strcmp(m, "map") || !strcmp(m, "filter") ||
        !strcmp(m, "exists") || !strcmp(m, "forall")) {
        if (!ck_need_args(C, call ? call : sel, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn1(C, f, E, FN_INLINE, NULL);
        switch (m[0]) {
        case 'f':
            if (m[1] == 'o' && m[2] == 'r' && m[3] == 'e') {
                ck_set_method(at, M_SEQ_FOREACH);
                return ty_unit();
            }
            if (ret->kind != TY_BOOL && !ck_is_err(ret))
                ck_error_at(C, f, "%s's function must return Boolean, not %s", m, ty_name(ret));
            ck_set_method(at, m[1] == 'i' ? M_SEQ_FILTER : M_SEQ_FORALL);
            return m[1] == 'i' ? ty_seq(E, T->coll) : ty_bool();
        case 'e':
            if (ret->kind != TY_BOOL && !ck_is_err(ret))
                ck_error_at(C, f, "exists's function must return Boolean, not %s", ty_name(ret));
            ck_set_method(at, M_SEQ_EXISTS);
            return ty_bool();
        default:
            if (!ty_is_value(ret) && !ck_is_err(ret))
                return ck_error_at(C, f, "map's function must return a value, not %s", ty_name(ret));
            ck_set_method(at, M_SEQ_MAP);
            if (T->coll == COLL_MAP) /* pairs give a Map again, anything else a List */
                return ty_seq(ret, ret->kind == TY_TUPLE && ret->nelems == 2 ? COLL_MAP : COLL_LIST);
            if (T->coll == COLL_SET)
                return ty_seq(ret, COLL_SET);
            return ty_seq(ret, T->coll == COLL_ITERABLE ? COLL_LIST : T->coll);
        }
    }
    if (!strcmp(m, "contains")) {
        if (!value_args(C, at, m, 1, E, NULL))
            return ty_error();
        ck_set_method(at, M_SEQ_CONTAINS);
        return ty_bool();
    }
    if (!strcmp(m, "append") || !strcmp(m, "+=")) {
        if (!value_args(C, at, m, 1, E, NULL))
            return ty_error();
        ck_set_method(at, M_SEQ_APPEND);
        return ty_unit();
    }
    if (!strcmp(m, "mkString")) {
        if (ck_nargs(call) > 1)
            return ck_error_at(C, at, "mkString takes at most 1 argument here");
        if (ck_nargs(call) == 1 && !value_args(C, call, m, 1, ty_string(), NULL))
            return ty_error();
        ck_set_method(at, M_SEQ_MKSTRING);
        return ty_string();
    }
    if (!strcmp(m, "foldLeft")) /* the whole call, xs.foldLeft(z)(f), is ck_seq_fold's */
        return ck_error_at(C, at, "foldLeft takes a start value and a function: xs.foldLeft(z)(f)");
    if (!strcmp(m, "reduce") || !strcmp(m, "reduceLeft")) {
        if (!ck_need_args(C, at, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn2(C, f, E, E, FN_INLINE, NULL);
        if (!ty_assignable(E, ret) && !ck_is_err(ret))
            return ck_error_at(C, f, "%s's function must return %s, not %s", m, ty_name(E), ty_name(ret));
        ck_set_method(at, M_SEQ_REDUCE);
        ck_add_site(C, at, "reduce of an empty collection");
        return E;
    }
    if (!strcmp(m, "count")) {
        if (!ck_need_args(C, at, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn1(C, f, E, FN_INLINE, NULL);
        if (ret->kind != TY_BOOL && !ck_is_err(ret))
            return ck_error_at(C, f, "count's function must return Boolean, not %s", ty_name(ret));
        ck_set_method(at, M_SEQ_COUNT);
        return ty_int();
    }
    if (!strcmp(m, "sortBy")) {
        if (!ck_need_args(C, at, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn1(C, f, E, FN_INLINE, NULL);
        if (!ty_is_value(ret) && !ck_is_err(ret))
            return ck_error_at(C, f, "sortBy's function must return a value to order by, not %s", ty_name(ret));
        ck_set_method(at, M_SEQ_SORTBY);
        return T;
    }
    if (!strcmp(m, "sortWith")) {
        if (!ck_need_args(C, at, m, 1, 1))
            return ty_error();
        const type *ret = ck_check_fn2(C, f, E, E, FN_INLINE, NULL);
        if (ret->kind != TY_BOOL && !ck_is_err(ret))
            return ck_error_at(C, f, "sortWith's function must return Boolean (a before b), not %s", ty_name(ret));
        ck_set_method(at, M_SEQ_SORTWITH);
        return T;
    }
    if (!strcmp(m, "take") || !strcmp(m, "drop")) {
        if (!value_args(C, at, m, 1, ty_int(), NULL))
            return ty_error();
        ck_set_method(at, m[0] == 't' ? M_SEQ_TAKE : M_SEQ_DROP);
        return T;
    }
    if (!strcmp(m, "slice")) {
        if (!value_args(C, at, m, 2, ty_int(), ty_int()))
            return ty_error();
        ck_set_method(at, M_SEQ_SLICE);
        return T;
    }
    static const char *const no_args[] = { "size", "length", "isEmpty", "nonEmpty", "toList", "toSeq",
        "toArray", "toBuffer", "toString", "sum", "max", "min", "head", "last", "reverse", "sorted",
        "distinct", NULL };
    if (call && ck_nargs(call) > 0) {
        for (int i = 0; no_args[i]; i++)
            if (!strcmp(m, no_args[i]))
                return ck_error_at(C, call, "%s.%s takes no arguments", ty_name(T), m);
        return ck_error_at(C, sel, "%s has no method '%s'", ty_name(T), m);
    }
    if (!strcmp(m, "reverse")) { ck_set_method(at, M_SEQ_REVERSE); return T; }
    if (!strcmp(m, "sorted")) { ck_set_method(at, M_SEQ_SORTED); return T; }
    if (!strcmp(m, "distinct")) { ck_set_method(at, M_SEQ_DISTINCT); return T; }
    if (!strcmp(m, "size") || !strcmp(m, "length")) { ck_set_method(at, M_SEQ_SIZE); return ty_int(); }
    if (!strcmp(m, "isEmpty")) { ck_set_method(at, M_SEQ_ISEMPTY); return ty_bool(); }
    if (!strcmp(m, "nonEmpty")) { ck_set_method(at, M_SEQ_NONEMPTY); return ty_bool(); }
    if (!strcmp(m, "toList") || !strcmp(m, "toSeq") || !strcmp(m, "toArray") ||
        !strcmp(m, "toBuffer")) {
        ck_set_method(at, M_SEQ_TOSEQ);
        return ty_seq(E, m[2] == 'L' ? COLL_LIST : m[2] == 'A' ? COLL_ARRAY :
                         m[2] == 'B' ? COLL_BUFFER : COLL_SEQ);
    }
    if (!strcmp(m, "toString")) { ck_set_method(at, M_TOSTRING); return ty_string(); }
    if (!strcmp(m, "sum") || !strcmp(m, "max") || !strcmp(m, "min")) {
        if (!ty_is_numeric(E) && !(m[1] != 'u' && E->kind == TY_STRING))
            return ck_error_at(C, sel, "%s of %s: elements are not numbers", m, ty_name(T));
        ck_set_method(at, m[1] == 'u' ? M_SEQ_SUM : m[1] == 'a' ? M_SEQ_MAX : M_SEQ_MIN);
        if (m[1] != 'u')
            ck_add_site(C, at, m[1] == 'a' ? "max of an empty collection" : "min of an empty collection");
        return E;
    }
    if (!strcmp(m, "head") || !strcmp(m, "last")) {
        ck_set_method(at, m[0] == 'h' ? M_SEQ_HEAD : M_SEQ_LAST);
        ck_add_site(C, at, m[0] == 'h' ? "head of an empty collection" : "last of an empty collection");
        return E;
    }
    return ck_error_at(C, sel, "%s has no method '%s'", ty_name(T), m);
}

/* xs.foldLeft(z)(f): `call` is the outer call (f), `inner` the call with z. */
const type *ck_seq_fold(checker *C, ast *call, ast *inner) {
    ast *sel = inner->a;
    const type *T = ck_check_expr(C, sel->a, NULL);
    sel->ty = T;
    if (ck_is_err(T))
        return T;
    if (T->kind != TY_SEQ)
        return ck_error_at(C, sel, "%s has no method 'foldLeft'", ty_name(T));
    if (ck_nargs(inner) != 1 || ck_nargs(call) != 1)
        return ck_error_at(C, call, "foldLeft takes a start value and a function: xs.foldLeft(z)(f)");
    const type *Z = ck_check_expr(C, ck_arg(inner, 0), NULL);
    if (ck_is_err(Z))
        return Z;
    if (!ty_is_value(Z))
        return ck_error_at(C, ck_arg(inner, 0), "foldLeft's start value must be data, not %s", ty_name(Z));
    ast *f = ck_arg(call, 0);
    const type *ret = ck_check_fn2(C, f, Z, T->elems[0], FN_INLINE, NULL);
    if (!ty_assignable(Z, ret) && !ck_is_err(ret))
        return ck_error_at(C, f, "foldLeft's function must return %s (the start value's type), not %s",
                           ty_name(Z), ty_name(ret));
    ck_set_method(call, M_SEQ_FOLD);
    return Z;
}
