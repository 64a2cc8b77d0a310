/* rdd.c - a batch's data for one DStream: partitions of elements.
 *
 * An sr_rdd is just an array of sr_seq, one per partition, allocated in the
 * driver's arena for the batch; elements are typed by the generated code.
 */
#include "runtime.h"

int64_t sr_rdd_count(sr_rdd r) {
    int64_t n = 0;
    for (int i = 0; i < r.nparts; i++)
        n += r.parts[i].len;
    return n;
}

/* nparts empty partitions (nparts < 0 is taken as 0), valid until the batch
 * ends. */
sr_rdd sr_rdd_new(sr_batch *b, int nparts) {
    if (nparts < 0)
        nparts = 0;
    sr_rdd r = { nparts, NULL };
    if (nparts) {
        r.parts = sr_arena_alloc(b->driver->arena, (size_t)nparts * sizeof *r.parts);
        memset(r.parts, 0, (size_t)nparts * sizeof *r.parts);
    }
    return r;
}
