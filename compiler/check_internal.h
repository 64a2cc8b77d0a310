/* check_internal.h - what the checker's files share (check.c: names,
 * expressions, statements, settings; check_ops.c: DStream, RDD and
 * StreamingContext operations; check_values.c: methods of values).
 * Not for other passes: they read what the checker wrote into the AST. */
#ifndef STREAMC_CHECK_INTERNAL_H
#define STREAMC_CHECK_INTERNAL_H

#include <stdlib.h>

#include "check.h"
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
    int kafka_rdd;        /* in foreachRDD of a Kafka stream: its source index, else -1 */
} checker;

/* Append to a malloc'd array that has a count. */
#define PUSH(arr, n, item)                                                   \
    do {                                                                     \
        (arr) = xrealloc((arr), (size_t)((n) + 1) * sizeof *(arr));          \
        (arr)[(n)++] = (item);                                               \
    } while (0)

/* check.c */
const type *ck_error_at(checker *C, ast *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ck_add_site(checker *C, ast *n, const char *what);   /* `n` can fail at run time */
void ck_set_method(ast *n, method m);
static inline bool ck_is_err(const type *t) { return t->kind == TY_ERROR; }
static inline ast *ck_arg(ast *call, int i) { return call && i < call->list.len ? call->list.items[i] : NULL; }
static inline int ck_nargs(ast *call) { return call ? call->list.len : 0; }
binding *ck_lookup(checker *C, const char *name);
dag_node *ck_node_of(ast *e);                               /* the DStream an expression denotes */
const type *ck_resolve_type(checker *C, ast *t);
bool ck_const_int(checker *C, ast *e, int64_t *out);
/* The initialiser of the top-level val `e` names, or NULL. */
ast *ck_global_init(checker *C, ast *e);
bool ck_const_str(checker *C, ast *e, char **out);          /* malloc'd */
bool ck_const_duration(checker *C, ast *e, int64_t *ms);
bool ck_has_placeholder(ast *e);
ast *ck_as_lambda(checker *C, ast *e, int arity);           /* NULL if `e` is no function */
const type *ck_check_fn(checker *C, ast *e, int n, const type **ptypes, fn_mode mode, dag_node *owner);
const type *ck_check_fn1(checker *C, ast *e, const type *p0, fn_mode mode, dag_node *owner);
const type *ck_check_fn2(checker *C, ast *e, const type *p0, const type *p1, fn_mode mode, dag_node *owner);
const type *ck_value_result(checker *C, ast *at, const char *what, const type *ret);
const type *ck_flat_elem(checker *C, ast *at, const type *ret);
const type *ck_check_expr(checker *C, ast *e, const type *expect);
const type *ck_unify(const type *a, const type *b);         /* NULL if incompatible */
void ck_set_once(checker *C, ast *at, char **slot, char *value, const char *what);

/* check_ops.c */
dag_node *ck_new_node(checker *C, op_kind op, const type *elem, ast *at, dag_node *in);
bool ck_need_args(checker *C, ast *call, const char *name, int lo, int hi);
bool ck_pair_parts(checker *C, ast *at, const type *elem, const char *what, const type **k, const type **v);
dag_node *ck_stream_arg(checker *C, ast *e, const type **elem);
const type *ck_stream_method(checker *C, ast *call, ast *sel, dag_node *in, const type *T);
const type *ck_rdd_method(checker *C, ast *call, ast *sel, const type *T);
const type *ck_context_method(checker *C, ast *call, ast *sel, const type *T);

/* check_values.c */
const type *ck_string_method(checker *C, ast *call, ast *sel);
/* A format call: the format string is fmt_expr, its arguments call's from
 * index `first` on. */
const type *ck_format(checker *C, ast *call, ast *fmt_expr, int first);
const type *ck_number_method(checker *C, ast *call, ast *sel, const type *T);
const type *ck_option_method(checker *C, ast *call, ast *sel, const type *T);
const type *ck_seq_method(checker *C, ast *call, ast *sel, const type *T);
const type *ck_seq_fold(checker *C, ast *call, ast *inner);

/* check_kafka.c: KafkaUtils.createDirectStream(...) as a source, and the
 * Kafka members of driver code (offsetRanges, commitAsync). */
const type *ck_kafka_source(checker *C, ast *call);
const type *ck_kafka_cast(checker *C, ast *sel, const type *T);

#endif
