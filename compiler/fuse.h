/* fuse.h - the planner: which DAG nodes are materialised each batch.
 *
 * A narrow operation (map, flatMap, filter, mapValues, flatMapValues) whose
 * only consumer is another narrow operation or a keyed operation is fused
 * into that consumer: no collection is built for it, its lambda runs inside
 * the consumer's loop. Everything else is materialised as an sr_rdd.
 */
#ifndef STREAMC_FUSE_H
#define STREAMC_FUSE_H

#include <stdbool.h>

#include "dag.h"

/* At most this many narrow nodes fuse into one chain; a longer chain is
 * cut by materialising a node (the emitter keeps a chain's steps in
 * fixed arrays of 64). */
#define MAX_FUSED 32

/* Count consumers and set `materialized` on every node. With fuse == false
 * (-fno-fuse) every operation gets its own loop and collection. */
void plan_dag(dag *d, bool fuse);

/* The chain of fused narrow nodes that ends in `in` (the input of a
 * materialised or keyed node): fills chain[0..n) from the materialised
 * source node outwards and returns n; *base is the materialised node the
 * chain starts from. `chain` must hold d->len entries. */
int plan_chain(dag_node *in, dag_node **chain, dag_node **base);

#endif
