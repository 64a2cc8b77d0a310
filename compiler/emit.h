/* emit.h - the C emitter: one C file per program, specialised to its types.
 *
 * emit.c lays out the file (types, value functions, lambdas, one function
 * per materialised DAG node, outputs, the program table, main); lower.c
 * turns expressions, statements and lambdas into C. Both write through the
 * helpers below.
 */
#ifndef STREAMC_EMIT_H
#define STREAMC_EMIT_H

#include <stdbool.h>
#include <stdio.h>

#include "check.h"
#include "util.h"

typedef struct emit_options {
    bool line_directives;   /* #line back to the .stream file (off: --no-line) */
    const char *c_name;     /* the name of the emitted file, for #line after lambdas */
} emit_options;

/* Write the C program for checked program `p` to `out`. Returns the number
 * of errors found while emitting (reported through p->src). */
int emit_program(program *p, const emit_options *opt, FILE *out);

/* ---- internal to emit.c and lower.c ---- */

typedef struct emitter {
    program *p;
    const emit_options *opt;
    strbuf *out;           /* where emit() writes */
    strbuf file;           /* the whole file so far */
    int indent;
    int tmp;               /* counter for temporaries */
    int helper;            /* counter for generated helper functions */
    lambda_info *fn;       /* the function lambda being emitted */
    strbuf *pending;       /* helper functions a lambda needs, written before it */
    const char *bail;      /* statement leaving the current function on error */
    int nstate_ops;        /* entries of state_ops[] (emit_state_table) */
} emitter;

void emit(emitter *E, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* emit() at the current indentation, with a newline. */
void emitln(emitter *E, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* #line N "file.stream" for the node's line (when enabled). */
void emit_line_of(emitter *E, const ast *n);

/* A broadcast value read from outside before every batch (a Redis set or
 * hash, a file): its method, M_BC_REDIS_SET, M_BC_REDIS_HASH or M_BC_FILE,
 * else M_NONE; and a broadcast's id for the runtime (its index among the
 * program's broadcasts). */
method external_broadcast_kind(const binding *b);
int broadcast_id(const program *p, const binding *b);

/* Type keys and names. */
const char *tkey(const type *t);      /* "t7": names fmt_t7, eq_t7 ... */
char *zero_of(const type *t);         /* C zero value of a type (malloc'd) */

/* lower.c */
char *c_string_lit(const char *s, size_t len);
char *c_comment_text(const char *s, size_t len);           /* any bytes, safe inside a comment */
char *lower_expr(emitter *E, ast *e);                      /* C expression (malloc'd) */
char *lower_expr_as(emitter *E, ast *e, const type *to);   /* with conversion */
void lower_lambda(emitter *E, lambda_info *li);            /* a static function */
void lower_global_init(emitter *E, binding *b);            /* statements in init() */
void lower_top_stmt(emitter *E, ast *s);                   /* a top-level statement, in init() */

/* stage.c: loops over the elements of a batch */
typedef struct step {
    op_kind op;             /* OP_MAP, OP_FLATMAP, OP_FILTER, OP_MAPVALUES, OP_FLATMAPVALUES */
    ast *fn;                /* the lambda */
    const type *in, *out;   /* element types before and after */
} step;

/* What happens to each element that comes out of the steps. */
typedef void (*sink_fn)(emitter *E, const char *var, const type *t, void *arg);

/* Emit the steps applied to the element in C variable `var` (type `t`),
 * then the sink, inside the caller's per-element loop (so `continue`
 * drops an element). */
void emit_steps(emitter *E, const step *steps, int n, const char *var, const type *t,
                sink_fn sink, void *arg);
/* For one key `k` with left values `ls` and right values `rs` (C variables
 * in scope), append what a grouping operator yields to sr_seq *`out`. */
void emit_group_output(emitter *E, op_kind op, const type *T, const type *V, const type *W,
                       const char *out);
/* Declarations the steps' loop needs before it starts (reused buffers). */
void emit_step_locals(emitter *E, const step *steps, int n);
/* The step of a narrow DAG node. */
step step_of(const dag_node *n);
/* RDD operations in driver code (R_*): a helper function plus its call. */
char *lower_rdd_method(emitter *E, ast *e, method m, ast *recv);

/* emit_state.c: checkpoint support of the stateful nodes, written after
 * each one's store declarations: <S><id>_prepare, _save and _load. */
void emit_table_codec(emitter *E, const char *P, const type *K, const type *V);
void emit_state_updatestate(emitter *E, dag_node *n);
void emit_state_window(emitter *E, dag_node *n, int64_t slots);
void emit_state_window_inverse(emitter *E, dag_node *n, const type *K, const type *V, int64_t slots);
void emit_state_window_twostacks(emitter *E, dag_node *n, const type *K, const type *V, int64_t np);
/* The state_ops[] table of the program (after every node). */
void emit_state_table(emitter *E);
/* The checkpoint interval: `checkpoint ... every D` (default 10 s) rounded
 * up to a multiple of the batch interval and of every slide, as Spark. */
int64_t checkpoint_interval(const program *p);

#endif
