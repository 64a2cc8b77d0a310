/* test_arena.c - arenas, sequences, sr_str_dup, the malloc wrappers. */
#include <CUnit/CUnit.h>
#include <stdint.h>

#include "runtime.h"
#include "unit.h"

static void test_small_allocs(void) {
    sr_arena a;
    sr_arena_init(&a);
    char *prev = NULL;
    for (int i = 0; i < 1000; i++) {
        char *p = sr_arena_alloc(&a, 10);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL((uintptr_t)p % 8, 0);
        memset(p, i & 0xff, 10);
        if (prev)
            CU_ASSERT(p != prev);
        prev = p;
    }
    CU_ASSERT_EQUAL(a.bytes, 1000 * 16);
    sr_arena_free(&a);
    CU_ASSERT_PTR_NULL(a.chunks);
}

static void test_alignment(void) {
    sr_arena a;
    sr_arena_init(&a);
    for (size_t n = 1; n < 200; n++) {
        void *p = sr_arena_alloc(&a, n);
        CU_ASSERT_EQUAL((uintptr_t)p % 8, 0);
    }
    sr_arena_free(&a);
}

/* Allocations keep their contents while the arena grows through chunks. */
static void test_growth(void) {
    sr_arena a;
    sr_arena_init(&a);
    enum { N = 20000 };
    static int64_t *ptrs[N];
    for (int i = 0; i < N; i++) {
        ptrs[i] = sr_arena_alloc(&a, 100 * sizeof(int64_t));
        for (int j = 0; j < 100; j++)
            ptrs[i][j] = (int64_t)i * 1000 + j;
    }
    int bad = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 100; j++)
            bad += ptrs[i][j] != (int64_t)i * 1000 + j;
    CU_ASSERT_EQUAL(bad, 0);
    /* 16 MB in chunks that double: few chunks. */
    CU_ASSERT(sr_arena_chunk_count(&a, NULL) < 12);
    sr_arena_free(&a);
}

static void test_large(void) {
    sr_arena a;
    sr_arena_init(&a);
    char *small = sr_arena_alloc(&a, 16);
    char *cur = a.cur;
    size_t big = 10 * 1024 * 1024;
    char *p = sr_arena_alloc(&a, big);
    memset(p, 7, big);
    CU_ASSERT_EQUAL(p[big - 1], 7);
    /* The current chunk stays current: the next small allocation follows. */
    char *q = sr_arena_alloc(&a, 16);
    CU_ASSERT_PTR_EQUAL(q, cur);
    CU_ASSERT(q == small + 16);
    sr_arena_free(&a);
}

/* One batch's allocations: many small ones, a big one (a file), more small. */
static void one_batch(sr_arena *a, char **seen, int *nseen) {
    *nseen = 0;
    for (int i = 0; i < 3000; i++)
        seen[(*nseen)++] = sr_arena_alloc(a, 1000);
    seen[(*nseen)++] = sr_arena_alloc(a, 10 * 1024 * 1024);
    for (int i = 0; i < 3000; i++)
        seen[(*nseen)++] = sr_arena_alloc(a, 700);
}

static void test_reset_reuses_memory(void) {
    static char *first[6001], *again[6001];
    int n1, n2;
    sr_arena a;
    sr_arena_init(&a);
    one_batch(&a, first, &n1);
    size_t held1 = 0, held2 = 0, held3 = 0;
    int chunks = sr_arena_chunk_count(&a, &held1);
    CU_ASSERT(chunks > 3);
    sr_arena_reset(&a);
    CU_ASSERT_EQUAL(a.bytes, 0);
    CU_ASSERT_EQUAL(sr_arena_chunk_count(&a, NULL), chunks); /* all kept */
    /* The same batch again lands at the same addresses: no malloc. */
    one_batch(&a, again, &n2);
    CU_ASSERT_EQUAL(n1, n2);
    int same = 0;
    for (int i = 0; i < n1; i++)
        same += first[i] == again[i];
    CU_ASSERT_EQUAL(same, n1);
    CU_ASSERT_EQUAL(sr_arena_chunk_count(&a, &held2), chunks);
    CU_ASSERT_EQUAL(held2, held1);
    /* A small batch: the chunks it did not take are freed at its end. */
    sr_arena_reset(&a);
    char *p = sr_arena_alloc(&a, 64);
    CU_ASSERT_PTR_EQUAL(p, first[0]); /* the smallest spare that fits */
    sr_arena_reset(&a);
    CU_ASSERT_EQUAL(sr_arena_chunk_count(&a, &held3), 1);
    CU_ASSERT(held3 < held1 / 10);
    sr_arena_free(&a);
    CU_ASSERT_EQUAL(sr_arena_chunk_count(&a, NULL), 0);
    /* Reset of an empty arena. */
    sr_arena_init(&a);
    sr_arena_reset(&a);
    CU_ASSERT_PTR_NULL(a.chunks);
    CU_ASSERT_PTR_NOT_NULL(sr_arena_alloc(&a, 8));
    sr_arena_free(&a);
}

static void test_str_dup(void) {
    sr_arena a;
    sr_arena_init(&a);
    char src[] = "hello";
    sr_str d = sr_str_dup(&a, (sr_str){ src, 5 });
    src[0] = 'j';
    CU_ASSERT_EQUAL(d.len, 5);
    CU_ASSERT_NSTRING_EQUAL(d.ptr, "hello", 5);
    sr_str e = sr_str_dup(&a, (sr_str){ NULL, 0 });
    CU_ASSERT_EQUAL(e.len, 0);
    sr_arena_free(&a);
}

static void test_seq(void) {
    sr_arena a;
    sr_arena_init(&a);
    sr_seq s = { 0 };
    for (int64_t i = 0; i < 100000; i++)
        *(int64_t *)sr_seq_push(&a, &s, sizeof(int64_t)) = i * 3;
    CU_ASSERT_EQUAL(s.len, 100000);
    CU_ASSERT(s.cap >= s.len && s.cap < 2 * s.len + 8);
    int bad = 0;
    for (int64_t i = 0; i < s.len; i++)
        bad += SR_SEQ_AT(int64_t, s, i) != i * 3;
    CU_ASSERT_EQUAL(bad, 0);
    /* reserve keeps contents and never shrinks */
    sr_seq t = { 0 };
    sr_seq_reserve(&a, &t, 3, 24);
    CU_ASSERT(t.cap >= 3);
    memset(t.ptr, 'x', 3 * 24);
    t.len = 3;
    sr_seq_reserve(&a, &t, 2, 24);
    CU_ASSERT(t.cap >= 3);
    sr_seq_reserve(&a, &t, 1000, 24);
    CU_ASSERT(t.cap >= 1000);
    CU_ASSERT_EQUAL(((char *)t.ptr)[3 * 24 - 1], 'x');
    sr_arena_free(&a);
}

static void test_xalloc(void) {
    char *p = sr_xmalloc(10);
    memset(p, 1, 10);
    p = sr_xrealloc(p, 1 << 20);
    CU_ASSERT_EQUAL(p[9], 1);
    free(p);
    int *z = sr_xcalloc(100, sizeof *z);
    int sum = 0;
    for (int i = 0; i < 100; i++)
        sum += z[i];
    CU_ASSERT_EQUAL(sum, 0);
    free(z);
    free(sr_xmalloc(0));
}

/* Big blocks (256 KB up) come whole huge pages, aligned; small ones as
 * asked; both usable to the last byte and freed with free(). */
static void test_xmalloc_big(void) {
    size_t got = 0;
    char *small = sr_xmalloc_big(1000, &got);
    CU_ASSERT_EQUAL(got, 1000);
    memset(small, 7, got);
    free(small);
    small = sr_xmalloc_big((256 << 10) - 1, &got);
    CU_ASSERT_EQUAL(got, (256 << 10) - 1);
    free(small);
    char *mid = sr_xmalloc_big(256 << 10, &got);
    CU_ASSERT_EQUAL((uintptr_t)mid % ((size_t)2 << 20), 0);
    CU_ASSERT_EQUAL(got, (size_t)2 << 20);
    memset(mid, 7, got);
    free(mid);
    size_t n = ((size_t)2 << 20) + 1;
    char *big = sr_xmalloc_big(n, &got);
    CU_ASSERT_EQUAL((uintptr_t)big % ((size_t)2 << 20), 0);
    CU_ASSERT_EQUAL(got, (size_t)4 << 20);
    memset(big, 7, got);
    CU_ASSERT_EQUAL(big[got - 1], 7);
    free(big);
    free(sr_xmalloc_big((size_t)2 << 20, NULL));
}

UNIT_SUITE(arena,
           { "small allocations", test_small_allocs },
           { "8-byte alignment", test_alignment },
           { "grows through chunks", test_growth },
           { "large allocation", test_large },
           { "reset: the next batch reuses the memory", test_reset_reuses_memory },
           { "sr_str_dup", test_str_dup },
           { "sequences", test_seq },
           { "x-allocators", test_xalloc },
           { "big blocks in huge pages", test_xmalloc_big })
