/* test_map.c - the hash map template SR_MAP_DEFINE from streamrt.h. */
#include <CUnit/CUnit.h>
#include <stdio.h>

#include "streamrt.h"
#include "unit.h"

SR_MAP_DEFINE(wc_map, sr_str, int64_t, sr_str_eq)

static bool long_eq(int64_t a, int64_t b) {
    return a == b;
}
SR_MAP_DEFINE(lmap, int64_t, double, long_eq)

static void test_word_count(void) {
    wc_map m;
    wc_map_init(&m);
    const char *words[] = { "a", "b", "a", "c", "b", "a" };
    for (int i = 0; i < 6; i++) {
        sr_str w = { words[i], 1 };
        bool added;
        int64_t *v = wc_map_put(&m, w, sr_hash_str(w), &added);
        if (added)
            *v = 0;
        *v += 1;
    }
    CU_ASSERT_EQUAL(m.len, 3);
    /* insertion order */
    CU_ASSERT(sr_str_eq(m.ents[0].key, SR_LIT("a")) && m.ents[0].val == 3);
    CU_ASSERT(sr_str_eq(m.ents[1].key, SR_LIT("b")) && m.ents[1].val == 2);
    CU_ASSERT(sr_str_eq(m.ents[2].key, SR_LIT("c")) && m.ents[2].val == 1);
    sr_str x = SR_LIT("x");
    CU_ASSERT_PTR_NULL(wc_map_find(&m, x, sr_hash_str(x)));
    sr_str b = SR_LIT("b");
    int64_t *v = wc_map_find(&m, b, sr_hash_str(b));
    CU_ASSERT(v && *v == 2);
    wc_map_free(&m);
}

static void test_many_keys(void) {
    lmap m;
    lmap_init(&m);
    CU_ASSERT_PTR_NULL(lmap_find(&m, 1, sr_hash_long(1)));
    enum { N = 200000 };
    for (int64_t k = 0; k < N; k++) {
        bool added;
        double *v = lmap_put(&m, k * 7, sr_hash_long(k * 7), &added);
        CU_ASSERT_FATAL(added);
        *v = (double)k;
    }
    CU_ASSERT_EQUAL(m.len, N);
    int bad = 0;
    for (int64_t k = 0; k < N; k++) {
        double *v = lmap_find(&m, k * 7, sr_hash_long(k * 7));
        bad += !v || *v != (double)k;
        bad += m.ents[k].key != k * 7; /* insertion order survives growth */
        bad += lmap_find(&m, k * 7 + 1, sr_hash_long(k * 7 + 1)) != NULL;
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* put of an existing key finds it */
    bool added = true;
    double *v = lmap_put(&m, 70, sr_hash_long(70), &added);
    CU_ASSERT(!added && *v == 10.0);
    lmap_free(&m);
}

static void test_clear_reuse(void) {
    wc_map m;
    wc_map_init(&m);
    char keys[1000][8];
    for (int round = 0; round < 5; round++) {
        int n = 100 + round * 200;
        for (int i = 0; i < n; i++) {
            int len = snprintf(keys[i], sizeof keys[i], "k%d", i);
            sr_str k = { keys[i], len };
            bool added;
            int64_t *v = wc_map_put(&m, k, sr_hash_str(k), &added);
            CU_ASSERT_FATAL(added);
            *v = i + round;
        }
        CU_ASSERT_EQUAL(m.len, n);
        int bad = 0;
        for (int i = 0; i < n; i++) {
            sr_str k = { keys[i], (int64_t)strlen(keys[i]) };
            int64_t *v = wc_map_find(&m, k, sr_hash_str(k));
            bad += !v || *v != i + round;
        }
        CU_ASSERT_EQUAL(bad, 0);
        int64_t cap = m.cap;
        wc_map_clear(&m);
        CU_ASSERT_EQUAL(m.len, 0);
        CU_ASSERT_EQUAL(m.cap, cap); /* memory kept */
        sr_str k0 = SR_LIT("k0");
        CU_ASSERT_PTR_NULL(wc_map_find(&m, k0, sr_hash_str(k0)));
    }
    wc_map_free(&m);
    CU_ASSERT_EQUAL(m.len, 0);
    CU_ASSERT_PTR_NULL(m.ents);
}

/* Colliding hashes still tell keys apart by EQ. */
static void test_collisions(void) {
    wc_map m;
    wc_map_init(&m);
    const char *ks[] = { "x", "y", "z", "w" };
    for (int i = 0; i < 4; i++) {
        bool added;
        *wc_map_put(&m, (sr_str){ ks[i], 1 }, 42, &added) = i;
        CU_ASSERT(added);
    }
    for (int i = 0; i < 4; i++) {
        int64_t *v = wc_map_find(&m, (sr_str){ ks[i], 1 }, 42);
        CU_ASSERT(v && *v == i);
    }
    wc_map_free(&m);
}

/* Counting through the look-ahead queue gives what direct puts give, in
 * the same insertion order; the queue hands each element back once. */
static void test_ahead_queue(void) {
    enum { N = 20000 };
    static char keys[N][8];
    wc_map direct, queued;
    wc_map_init(&direct);
    wc_map_init(&queued);
    wc_map_ahead ahead;
    wc_map_ahead_init(&ahead);
    int64_t handed = 0;
    sr_str rk = { 0 };
    uint64_t rh = 0;
    int64_t rv = 0;
    srand(7);
    for (int i = 0; i < N; i++) {
        int len = snprintf(keys[i], sizeof keys[i], "k%d", rand() % 3000);
        sr_str k = { keys[i], len };
        bool added;
        int64_t *v = wc_map_put(&direct, k, sr_hash_str(k), &added);
        *v = (added ? 0 : *v) + i;
        if (wc_map_ahead_push(&queued, &ahead, k, sr_hash_str(k), i, &rk, &rh, &rv)) {
            handed++;
            v = wc_map_put(&queued, rk, rh, &added);
            *v = (added ? 0 : *v) + rv;
        }
    }
    CU_ASSERT_EQUAL(handed, N - SR_AHEAD); /* the queue holds SR_AHEAD */
    while (wc_map_ahead_pop(&ahead, &rk, &rh, &rv)) {
        handed++;
        bool added;
        int64_t *v = wc_map_put(&queued, rk, rh, &added);
        *v = (added ? 0 : *v) + rv;
    }
    CU_ASSERT_EQUAL(handed, N);
    CU_ASSERT_FALSE(wc_map_ahead_pop(&ahead, &rk, &rh, &rv));
    CU_ASSERT_EQUAL_FATAL(queued.len, direct.len);
    for (int64_t j = 0; j < direct.len; j++) {
        CU_ASSERT(sr_str_eq(queued.ents[j].key, direct.ents[j].key));
        CU_ASSERT_EQUAL(queued.ents[j].val, direct.ents[j].val);
    }
    wc_map_free(&direct);
    wc_map_free(&queued);
}

/* sr_key_part is (hash >> 32) mod n, for every n a run can have and
 * hashes with every high word: random ones and the extremes. */
static void test_key_part(void) {
    uint64_t x = 0x9e3779b97f4a7c15ULL, bad = 0;
    const uint64_t edges[] = { 0, 1, 0xffffffffULL, 0x100000000ULL, 0xffffffff00000000ULL,
                               UINT64_MAX, 0x7fffffff00000000ULL, 0x8000000000000000ULL };
    for (int n = 1; n <= 300; n++) {
        sr_parts p = sr_parts_of(n);
        for (int i = 0; i < 2000; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            bad += sr_key_part(p, x) != (x >> 32) % (uint64_t)n;
        }
        for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
            bad += sr_key_part(p, edges[i]) != (edges[i] >> 32) % (uint64_t)n;
    }
    sr_parts big = sr_parts_of(INT32_MAX);
    bad += sr_key_part(big, UINT64_MAX) != (UINT64_MAX >> 32) % INT32_MAX;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(sr_key_part(sr_parts_of(0), UINT64_MAX), 0); /* fewer than 1: one partition */
}

/* select picks, block by block, exactly the entries of one partition, in
 * order: the blocks' picks of every partition together are every entry
 * once. */
static void test_select(void) {
    lmap m;
    lmap_init(&m);
    bool added;
    for (int64_t i = 0; i < 1000; i++)
        *lmap_put(&m, i * 7919, sr_hash_long(i * 7919), &added) = (double)i;
    for (int n = 1; n <= 5; n++) {
        sr_parts p = sr_parts_of(n);
        int64_t seen = 0, bad = 0;
        for (uint32_t part = 0; part < (uint32_t)n; part++) {
            int64_t last = -1;
            for (int64_t from = 0; from < m.len; from += SR_SELECT) {
                int32_t sel[SR_SELECT];
                int k = lmap_select(&m, from, p, part, sel);
                CU_ASSERT(k >= 0 && k <= SR_SELECT);
                for (int j = 0; j < k; j++) {
                    bad += sel[j] <= last || sel[j] < from || sel[j] >= from + SR_SELECT;
                    bad += sr_key_part(p, m.ents[sel[j]].hash) != part;
                    last = sel[j];
                    seen++;
                }
            }
        }
        CU_ASSERT_EQUAL(bad, 0);
        CU_ASSERT_EQUAL(seen, m.len);
    }
    lmap_free(&m);
}

/* cached: true while the table and the one of the batch before hold at
 * most SR_CACHED_KEYS keys; once false, false until the next clear. */
static void test_cached(void) {
    lmap m;
    lmap_init(&m);
    bool added, flipped = false, back = false;
    CU_ASSERT(lmap_cached(&m));
    for (int64_t i = 0; i < SR_CACHED_KEYS + 100; i++) {
        *lmap_put(&m, i, sr_hash_long(i), &added) = 1.0;
        bool c = lmap_cached(&m);
        if (!c && !flipped) {
            flipped = true;
            CU_ASSERT_EQUAL(m.len, SR_CACHED_KEYS + 1);
        }
        back |= flipped && c;
    }
    CU_ASSERT(flipped);
    CU_ASSERT_FALSE(back);
    lmap_clear(&m); /* the last batch had too many keys: not cached */
    CU_ASSERT_FALSE(lmap_cached(&m));
    *lmap_put(&m, 1, sr_hash_long(1), &added) = 1.0;
    lmap_clear(&m); /* a batch of one key: cached again */
    CU_ASSERT(lmap_cached(&m));
    lmap_free(&m);
}

UNIT_SUITE(map,
           { "cached: few keys now and in the last batch", test_cached },
           { "key partitions without division", test_key_part },
           { "select: one partition's entries", test_select },
           { "word count", test_word_count },
           { "many keys, growth, order", test_many_keys },
           { "clear and reuse", test_clear_reuse },
           { "hash collisions", test_collisions },
           { "look-ahead queue equals direct puts", test_ahead_queue })
