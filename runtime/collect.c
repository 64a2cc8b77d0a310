/* collect.c - whole-batch operations: collect, take, union, repartition, sort.
 *
 * These run on the driver thread (driver code of foreachRDD / transform) or
 * between stages; none of them looks at element contents except sr_sort,
 * through the caller's comparison function.
 */
#include "streamrt.h"

#include "runtime.h"

sr_seq sr_rdd_take(sr_arena *a, sr_rdd r, int64_t n, size_t elem) {
    int64_t total = sr_rdd_count(r);
    if (n < 0 || n > total)
        n = total;
    sr_seq out = { 0 };
    sr_seq_reserve(a, &out, n ? n : 1, elem);
    for (int p = 0; p < r.nparts && out.len < n; p++) {
        int64_t k = r.parts[p].len;
        if (k > n - out.len)
            k = n - out.len;
        memcpy((char *)out.ptr + (size_t)out.len * elem, r.parts[p].ptr, (size_t)k * elem);
        out.len += k;
    }
    return out;
}

sr_seq sr_rdd_collect(sr_arena *a, sr_rdd r, size_t elem) {
    return sr_rdd_take(a, r, -1, elem);
}

sr_rdd sr_rdd_of(sr_batch *b, sr_seq s) {
    sr_rdd r = sr_rdd_new(b, 1);
    r.parts[0] = s;
    return r;
}

sr_rdd sr_rdd_union(sr_batch *b, sr_rdd a, sr_rdd c) {
    sr_rdd r = sr_rdd_new(b, a.nparts + c.nparts);
    memcpy(r.parts, a.parts, (size_t)a.nparts * sizeof *r.parts);
    memcpy(r.parts + a.nparts, c.parts, (size_t)c.nparts * sizeof *r.parts);
    return r;
}

sr_rdd sr_rdd_repartition(sr_batch *b, sr_rdd in, int64_t n, size_t elem) {
    if (n < 1)
        n = 1;
    sr_arena *a = b->driver->arena;
    sr_rdd r = sr_rdd_new(b, (int)n);
    int64_t total = sr_rdd_count(in);
    for (int p = 0; p < r.nparts; p++)
        sr_seq_reserve(a, &r.parts[p], total / n + 1, elem);
    int64_t k = 0;
    for (int p = 0; p < in.nparts; p++)
        for (int64_t i = 0; i < in.parts[p].len; i++, k++) {
            sr_seq *dst = &r.parts[k % n];
            memcpy(sr_seq_push(a, dst, elem), (char *)in.parts[p].ptr + (size_t)i * elem, elem);
        }
    return r;
}

static void merge_sort(char *base, char *tmp, int64_t n, size_t elem,
                       int (*cmp)(const void *, const void *, void *), void *arg) {
    if (n < 2)
        return;
    int64_t half = n / 2;
    merge_sort(base, tmp, half, elem, cmp, arg);
    merge_sort(base + (size_t)half * elem, tmp, n - half, elem, cmp, arg);
    int64_t i = 0, j = half, k = 0;
    while (i < half && j < n) {
        /* take from the right only when strictly smaller: stable */
        if (cmp(base + (size_t)j * elem, base + (size_t)i * elem, arg) < 0)
            memcpy(tmp + (size_t)k++ * elem, base + (size_t)j++ * elem, elem);
        else
            memcpy(tmp + (size_t)k++ * elem, base + (size_t)i++ * elem, elem);
    }
    while (i < half)
        memcpy(tmp + (size_t)k++ * elem, base + (size_t)i++ * elem, elem);
    while (j < n)
        memcpy(tmp + (size_t)k++ * elem, base + (size_t)j++ * elem, elem);
    memcpy(base, tmp, (size_t)n * elem);
}

void sr_sort(void *base, int64_t n, size_t elem,
             int (*cmp)(const void *x, const void *y, void *arg), void *arg, sr_arena *a) {
    if (n < 2)
        return;
    char *tmp = sr_arena_alloc(a, (size_t)n * elem);
    merge_sort(base, tmp, n, elem, cmp, arg);
}
