/* dag.c - the operator DAG: nodes, the operator table, a dot dump. */
#include "dag.h"

#include <stdlib.h>

#include "util.h"

static const struct {
    const char *spelling;
    op_class cls;
} op_table[] = {
#define OP(ID, SPELLING, CLASS) { SPELLING, OPC_##CLASS },
#include "ops.def"
#undef OP
};

const char *op_spelling(op_kind op) { return op_table[op].spelling; }
op_class op_class_of(op_kind op) { return op_table[op].cls; }

dag_node *dag_add(dag *d, op_kind op, const type *elem, ast *at) {
    dag_node *n = xcalloc(1, sizeof *n);
    n->op = op;
    n->elem = elem;
    n->at = at;
    n->id = d->len;
    if (d->len == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->nodes = xrealloc(d->nodes, (size_t)d->cap * sizeof *d->nodes);
    }
    d->nodes[d->len++] = n;
    return n;
}

void dag_add_input(dag_node *n, dag_node *in) {
    n->in = xrealloc(n->in, (size_t)(n->nin + 1) * sizeof *n->in);
    n->in[n->nin++] = in;
}

void dag_free(dag *d) {
    for (int i = 0; i < d->len; i++) {
        free(d->nodes[i]->in);
        free(d->nodes[i]->prefix);
        free(d->nodes[i]->suffix);
        free(d->nodes[i]->label);
        free(d->nodes[i]);
    }
    free(d->nodes);
    d->nodes = NULL;
    d->len = d->cap = 0;
}

void dag_dump_dot(FILE *out, const dag *d, const char *title) {
    fprintf(out, "digraph \"%s\" {\n  rankdir=LR;\n  node [shape=box];\n", title);
    for (int i = 0; i < d->len; i++) {
        const dag_node *n = d->nodes[i];
        fprintf(out, "  n%d [label=\"%s\\n%s\"%s];\n", n->id, op_spelling(n->op),
                ty_name(n->elem), n->materialized ? ", style=bold" : ", style=dashed");
        for (int j = 0; j < n->nin; j++)
            fprintf(out, "  n%d -> n%d;\n", n->in[j]->id, n->id);
    }
    fprintf(out, "}\n");
}
