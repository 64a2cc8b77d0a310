/* arena.c - bump allocation in malloc'd chunks, freed all at once.
 *
 * An arena is a list of chunks, newest first; allocation bumps a pointer in
 * the newest chunk (the fast path is inline in streamrt.h). When a chunk is
 * full a new one is taken from malloc, at least twice the size of the last
 * one (geometric growth, 64 KiB minimum), or bigger if one allocation needs
 * it. A reset keeps one chunk: the largest, when it could have held all
 * that was allocated since the last reset; else one new chunk that can, the
 * others freed. So a steady stream of similar batches runs in one chunk,
 * with no malloc and no new pages, from the second batch on.
 * Also here: sequences' growth and the aborting malloc wrappers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define MIN_CHUNK ((size_t)64 * 1024)
/* Beyond this, chunks stop doubling (a huge batch still gets what it asks). */
#define MAX_GROWTH ((size_t)64 * 1024 * 1024)

struct sr_arena_chunk {
    sr_arena_chunk *next;
    size_t size;                 /* usable bytes in data[] */
    _Alignas(16) char data[];
};

/* ===================================================================== */
/* malloc wrappers                                                        */
/* ===================================================================== */

static void oom(size_t n) {
    fprintf(stderr, "streamc runtime: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *sr_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *sr_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *sr_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

/* ===================================================================== */
/* Arenas                                                                 */
/* ===================================================================== */

void sr_arena_init(sr_arena *a) {
    memset(a, 0, sizeof *a);
}

/* Slow path: the current chunk cannot hold n bytes. Normally a new chunk,
 * twice the last one, becomes current. An allocation bigger than that gets a
 * chunk of its own, linked behind the current one, which stays current (so
 * its free space is not abandoned). */
void *sr_arena_alloc_slow(sr_arena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    size_t size = MIN_CHUNK;
    if (a->chunks) {
        size_t last = a->chunks->size;
        size = last < MAX_GROWTH ? last * 2 : last;
        if (size < MIN_CHUNK)
            size = MIN_CHUNK;
    }
    if (n > SIZE_MAX - sizeof(sr_arena_chunk))
        oom(n);
    if (n > size && a->chunks) {
        sr_arena_chunk *big = sr_xmalloc(sizeof *big + n);
        big->size = n;
        big->next = a->chunks->next;
        a->chunks->next = big;
        a->bytes += n;
        return big->data;
    }
    if (size < n)
        size = n;
    sr_arena_chunk *c = sr_xmalloc(sizeof *c + size);
    c->size = size;
    c->next = a->chunks;
    a->chunks = c;
    a->cur = c->data + n;
    a->end = c->data + size;
    a->bytes += n;
    return c->data;
}

/* Keep the largest chunk, or one that holds what was allocated (it becomes
 * current and empty); free the others. */
void sr_arena_reset(sr_arena *a) {
    sr_arena_chunk *keep = NULL;
    for (sr_arena_chunk *c = a->chunks; c; c = c->next)
        if (!keep || c->size > keep->size)
            keep = c;
    if (keep && keep->size < a->bytes)
        keep = NULL; /* too small for the next such batch: one that fits */
    sr_arena_chunk *c = a->chunks;
    while (c) {
        sr_arena_chunk *next = c->next;
        if (c != keep)
            free(c);
        c = next;
    }
    if (!keep && a->bytes) { /* (no memory for it: start small again) */
        size_t size = a->bytes + a->bytes / 8; /* and some room to grow */
        keep = size < SIZE_MAX / 2 ? malloc(sizeof *keep + size) : NULL;
        if (keep)
            keep->size = size;
    }
    a->chunks = keep;
    a->bytes = 0;
    if (keep) {
        keep->next = NULL;
        a->cur = keep->data;
        a->end = keep->data + keep->size;
    } else {
        a->cur = a->end = NULL;
    }
}

void sr_arena_free(sr_arena *a) {
    sr_arena_chunk *c = a->chunks;
    while (c) {
        sr_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    memset(a, 0, sizeof *a);
}

int sr_arena_chunk_count(const sr_arena *a, size_t *largest) {
    int n = 0;
    size_t big = 0;
    for (const sr_arena_chunk *c = a->chunks; c; c = c->next) {
        n++;
        if (c->size > big)
            big = c->size;
    }
    if (largest)
        *largest = big;
    return n;
}

sr_str sr_str_dup(sr_arena *a, sr_str s) {
    if (s.len <= 0)
        return (sr_str){ "", 0 };
    char *p = sr_arena_alloc(a, (size_t)s.len);
    memcpy(p, s.ptr, (size_t)s.len);
    return (sr_str){ p, s.len };
}

/* ===================================================================== */
/* Sequences                                                              */
/* ===================================================================== */

/* New capacity: at least `need`, at least double the old one, at least 4. */
void sr_seq_reserve(sr_arena *a, sr_seq *s, int64_t need, size_t elem) {
    if (need <= s->cap)
        return;
    int64_t cap = s->cap * 2;
    if (cap < need)
        cap = need;
    if (cap < 4)
        cap = 4;
    if (elem && (uint64_t)cap > SIZE_MAX / elem)
        oom(SIZE_MAX);
    void *p = sr_arena_alloc(a, (size_t)cap * elem);
    if (s->len > 0)
        memcpy(p, s->ptr, (size_t)s->len * elem);
    s->ptr = p;
    s->cap = cap;
}
