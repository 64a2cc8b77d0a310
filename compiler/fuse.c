/* fuse.c - decide fusion: which nodes are materialised, which run inside
 * their consumer's loop. */
#include "fuse.h"

void plan_dag(dag *d, bool fuse) {
    for (int i = 0; i < d->len; i++)
        d->nodes[i]->nconsumers = 0;
    for (int i = 0; i < d->len; i++)
        for (int j = 0; j < d->nodes[i]->nin; j++)
            d->nodes[i]->in[j]->nconsumers++;
    /* Decide from the consumers' side: a narrow node is fused when its one
     * consumer takes a chain (narrow or keyed). */
    for (int i = 0; i < d->len; i++) {
        dag_node *n = d->nodes[i];
        n->materialized = op_class_of(n->op) != OPC_OUTPUT;
    }
    if (!fuse)
        return;
    for (int i = 0; i < d->len; i++) {
        dag_node *consumer = d->nodes[i];
        op_class cls = op_class_of(consumer->op);
        if (cls != OPC_NARROW && cls != OPC_KEYED)
            continue;
        for (int j = 0; j < consumer->nin; j++) {
            dag_node *in = consumer->in[j];
            if (op_class_of(in->op) == OPC_NARROW && in->nconsumers == 1)
                in->materialized = false;
        }
    }
    /* nodes come after their inputs, so the chain behind a node is already
     * cut when the node is measured */
    for (int i = 0; i < d->len; i++) {
        dag_node *n = d->nodes[i];
        int len = 0;
        for (dag_node *at = n; at && op_class_of(at->op) == OPC_NARROW && !at->materialized; at = at->in[0])
            len++;
        if (len > MAX_FUSED)
            n->materialized = true;
    }
}

int plan_chain(dag_node *in, dag_node **chain, dag_node **base) {
    int n = 0;
    dag_node *at = in;
    while (!at->materialized) {
        chain[n++] = at;
        at = at->in[0];
    }
    *base = at;
    /* reverse: from the base outwards */
    for (int i = 0; i < n / 2; i++) {
        dag_node *t = chain[i];
        chain[i] = chain[n - 1 - i];
        chain[n - 1 - i] = t;
    }
    return n;
}
