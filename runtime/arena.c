/* arena.c - bump allocation in malloc'd chunks, freed all at once.
 *
 * An arena is a list of chunks, newest first; allocation bumps a pointer in
 * the newest chunk (the fast path is inline in streamrt.h). When a chunk is
 * full a new one is taken from malloc, at least twice the size of the last
 * one (geometric growth, 64 KiB minimum), or bigger if one allocation needs
 * it. A reset keeps every chunk as a spare and frees the spares the batch
 * did not take; the slow path takes the smallest spare that fits before it
 * calls malloc. So the next batch lays itself out in the memory the last
 * one used, its pages already mapped: a steady stream of similar batches
 * calls no malloc and takes no page fault after the first, and holds no
 * more memory than one batch needs.
 * Also here: sequences' growth and the aborting malloc wrappers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "runtime.h"

#define MIN_CHUNK ((size_t)64 * 1024)
/* Beyond this, chunks stop doubling (a huge batch still gets what it asks). */
#define MAX_GROWTH ((size_t)64 * 1024 * 1024)
/* A transparent huge page: blocks of SR_BIG_BLOCK and more are made of them. */
#define HUGE_PAGE ((size_t)2 * 1024 * 1024)

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

void *sr_xmalloc_big(size_t n, size_t *got) {
    if (n < SR_BIG_BLOCK) {
        if (got)
            *got = n;
        return sr_xmalloc(n);
    }
    size_t size = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p;
    if (size < n || posix_memalign(&p, HUGE_PAGE, size) != 0)
        oom(n);
    madvise(p, size, MADV_HUGEPAGE); /* a hint: failure is fine */
    if (got)
        *got = size;
    return p;
}

/* ===================================================================== */
/* Arenas                                                                 */
/* ===================================================================== */

void sr_arena_init(sr_arena *a) {
    memset(a, 0, sizeof *a);
}

/* The smallest spare of at least n bytes, taken off the list; or NULL. */
static sr_arena_chunk *take_spare(sr_arena *a, size_t n) {
    sr_arena_chunk **best = NULL;
    for (sr_arena_chunk **pp = &a->spare; *pp; pp = &(*pp)->next)
        if ((*pp)->size >= n && (!best || (*pp)->size < (*best)->size))
            best = pp;
    if (!best)
        return NULL;
    sr_arena_chunk *c = *best;
    *best = c->next;
    return c;
}

/* Slow path: the current chunk cannot hold n bytes. Normally a chunk twice
 * the last one becomes current. An allocation bigger than that gets a chunk
 * of its own, linked behind the current one, which stays current (so its
 * free space is not abandoned). Either chunk is a spare if one fits. */
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
    bool big = n > size && a->chunks;
    if (size < n)
        size = n;
    sr_arena_chunk *c = take_spare(a, n);
    if (!c) {
        size_t got;
        c = sr_xmalloc_big(sizeof *c + size, &got);
        c->size = got - sizeof *c;
    }
    a->bytes += n;
    if (big) {
        c->next = a->chunks->next;
        a->chunks->next = c;
        return c->data;
    }
    c->next = a->chunks;
    a->chunks = c;
    a->cur = c->data + n;
    a->end = c->data + c->size;
    return c->data;
}

static void free_chunks(sr_arena_chunk *c) {
    while (c) {
        sr_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* Every chunk becomes a spare; the spares this batch did not take go. */
void sr_arena_reset(sr_arena *a) {
    free_chunks(a->spare);
    a->spare = a->chunks;
    a->chunks = NULL;
    a->cur = a->end = NULL;
    a->bytes = 0;
}

void sr_arena_free(sr_arena *a) {
    free_chunks(a->chunks);
    free_chunks(a->spare);
    memset(a, 0, sizeof *a);
}

/* The number of chunks held, in use or spare; *held (if given): their bytes. */
int sr_arena_chunk_count(const sr_arena *a, size_t *held) {
    int n = 0;
    size_t bytes = 0;
    for (const sr_arena_chunk *list[2] = { a->chunks, a->spare }, **l = list; l < list + 2; l++)
        for (const sr_arena_chunk *c = *l; c; c = c->next) {
            n++;
            bytes += c->size;
        }
    if (held)
        *held = bytes;
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
