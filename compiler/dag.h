/* dag.h - the operator DAG of a program.
 *
 * The checker adds one node per DStream operation it types; the planner
 * (fuse.c) decides which nodes are materialised per batch and which are
 * fused into their consumer's loop; the emitter walks the nodes in order.
 * Node ids are creation order, which is a topological order.
 */
#ifndef STREAMC_DAG_H
#define STREAMC_DAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "types.h"

typedef enum op_kind {
#define OP(ID, SPELLING, CLASS) OP_##ID,
#include "ops.def"
#undef OP
    OP__COUNT
} op_kind;

typedef enum op_class {
    OPC_SOURCE, /* reads input */
    OPC_NARROW, /* per element: fusable */
    OPC_KEYED,  /* shuffles by key; absorbs the chain before it */
    OPC_OTHER,  /* whole batches */
    OPC_OUTPUT, /* output operation */
} op_class;

const char *op_spelling(op_kind op);
op_class op_class_of(op_kind op);

typedef struct dag_node dag_node;
struct dag_node {
    int id;
    op_kind op;
    const type *elem;     /* element type of this node's output (outputs: of the input) */
    ast *at;              /* the call, for messages and #line */
    dag_node **in;        /* inputs */
    int nin;
    ast *fn;              /* the lambda (map, reduceByKey, transform, foreachRDD...) */
    ast *inv, *filter;    /* reduceByKeyAndWindow with an inverse: invReduceFunc, filterFunc */
    int64_t count;        /* print(n), repartition(n) */
    char *prefix, *suffix;/* saveAsTextFiles */
    int source;           /* index of the source (SOURCE_*) */
    struct binding *initial; /* updateStateByKey: the initial state RDD (a top-level value) */
    int64_t window_ms;    /* window: its length */
    int wmode;            /* window reduces: WM_* below */
    int64_t slide_ms;     /* batches of this node exist at multiples of this (0: every batch) */
    char *label;          /* .name("...") of a stateful node: its identity in checkpoints */
    /* planning (fuse.c) */
    int nconsumers;
    bool materialized;    /* computed into an sr_rdd each batch */
};

/* What the incremental window reduces (reduceByKeyAndWindow and friends)
 * read and write. */
enum {
    WM_PAIRS,    /* (K, V) in, (K, V) out, the node's functions */
    WM_BY_VALUE, /* countByValueAndWindow: x in, (x, count) out, zero counts dropped */
    WM_SINGLE,   /* reduceByWindow: x in, the window's one value out */
    WM_COUNT,    /* countByWindow: x in, the window's element count out */
};

typedef struct dag {
    dag_node **nodes;
    int len, cap;
} dag;

dag_node *dag_add(dag *d, op_kind op, const type *elem, ast *at);
void dag_add_input(dag_node *n, dag_node *in);
void dag_free(dag *d);

/* Graphviz dot of the DAG; `title` names the graph. */
void dag_dump_dot(FILE *out, const dag *d, const char *title);

#endif
