/* wc_hand.c - the hand-written word count the benchmarks compare against:
 * as fast as we can make it in plain C, doing the same work as the
 * benchmark's streamc program (bench/wordcount.stream).
 *
 *   wc_hand OUTDIR FILE...
 *
 * Each FILE is one batch: its words (split on ' ', lines on '\n', empty
 * words skipped) are counted, and the counts written to OUTDIR/<n> as
 * "(word,count)" lines, as saveAsTextFiles writes them. What makes it fast:
 *   - one pass per file: the file is read whole into one buffer, and each
 *     word is hashed eight bytes at a time while its end is searched for;
 *   - one memory access per word: an open-addressing table whose slots hold
 *     a word's first 16 bytes (zero-padded) next to its count, so words of
 *     up to 16 bytes are compared without reading them elsewhere (longer
 *     ones keep a pointer into the buffer);
 *   - a look-ahead ring: a word's slot is prefetched, and the word counted
 *     AHEAD words later, so that cache misses overlap;
 *   - transparent huge pages for the buffer and the table (far fewer TLB
 *     misses and page faults);
 *   - no per-word malloc; the table is cleared, not freed, between files. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A word's first 16 bytes zero-padded (longer: k0 points to it), its hash,
 * its length (0: an empty slot) and its count. 32 bytes. */
typedef struct { uint64_t k0, k1, hash; uint32_t len, count; } slot;

/* A word waiting in the look-ahead ring. */
typedef struct { uint64_t k0, k1, hash; const char *word; uint32_t len; } pending;

#define AHEAD 16 /* words in flight: a power of two */
#define HUGE_PAGE ((size_t)2 << 20)

static slot *table;
static size_t table_cap, table_used;

static void fail(const char *what) { perror(what); exit(1); }

static uint64_t mix(uint64_t h) { h ^= h >> 32; h *= 0xd6e8feb86659fd93ull; return h ^ (h >> 32); }

/* A mask with 0x80 in each byte of w that equals b (exact: no false hits). */
static uint64_t bytes_equal(uint64_t w, uint64_t b)
{
    uint64_t x = w ^ (b * 0x0101010101010101ull);
    return ~(((x & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | x | 0x7f7f7f7f7f7f7f7full);
}

/* n bytes or more, aligned to and backed by transparent huge pages. */
static void *huge_alloc(size_t n)
{
    size_t size = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = aligned_alloc(HUGE_PAGE, size);
    if (!p) fail("wc_hand");
    madvise(p, size, MADV_HUGEPAGE); /* a hint: failure is fine */
    return p;
}

static void grow(void)
{
    size_t old_cap = table_cap;
    slot *old = table;
    table_cap = old_cap ? old_cap * 2 : 1 << 16;
    table = huge_alloc(table_cap * sizeof *table);
    memset(table, 0, table_cap * sizeof *table);
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].len) continue;
        size_t j = old[i].hash & (table_cap - 1);
        while (table[j].len) j = (j + 1) & (table_cap - 1);
        table[j] = old[i];
    }
    free(old);
}

static inline void count_word(const pending *w)
{
    size_t j = w->hash & (table_cap - 1);
    for (;;) {
        slot *s = &table[j];
        if (!s->len) break;
        if (s->hash == w->hash && s->len == w->len &&
            (w->len <= 16 ? s->k0 == w->k0 && s->k1 == w->k1
                          : memcmp((const char *)(uintptr_t)s->k0, w->word, w->len) == 0)) {
            s->count++;
            return;
        }
        j = (j + 1) & (table_cap - 1);
    }
    table[j] = (slot){ w->len <= 16 ? w->k0 : (uint64_t)(uintptr_t)w->word, w->k1, w->hash, w->len, 1 };
    if (++table_used * 2 > table_cap) grow();
}

/* Count the words of buf[0, n); buf has 8 readable bytes past n. */
static void count_buffer(const char *buf, size_t n)
{
    const char *p = buf, *end = buf + n;
    pending ring[AHEAD];
    size_t pushed = 0;
    while (p < end) {
        const char *start = p;
        uint64_t h = 0x243f6a8885a308d3ull, k[2] = { 0, 0 };
        unsigned words = 0;
        for (;;) {  /* eight bytes at a time until a space or newline */
            uint64_t w;
            memcpy(&w, p, 8);
            uint64_t stop = bytes_equal(w, ' ') | bytes_equal(w, '\n');
            if (stop) {
                unsigned len = (unsigned)__builtin_ctzll(stop) >> 3;
                if (len) {
                    w &= ~0ull >> (64 - 8 * len);
                    h = mix(h ^ w);
                    if (words < 2) k[words] = w;
                }
                p += len;
                break;
            }
            h = mix(h ^ w);
            if (words < 2) k[words] = w;
            words++;
            p += 8;
        }
        if (p > end) p = end;
        if (p > start) {
            pending *r = &ring[pushed & (AHEAD - 1)];
            if (pushed >= AHEAD) count_word(r);  /* the word AHEAD back: its slot is in cache */
            *r = (pending){ k[0], k[1], h, start, (uint32_t)(p - start) };
            __builtin_prefetch(&table[h & (table_cap - 1)]);
            pushed++;
        }
        p++;  /* the separator */
    }
    for (size_t i = pushed > AHEAD ? pushed - AHEAD : 0; i < pushed; i++)
        count_word(&ring[i & (AHEAD - 1)]);
}

/* "(word,count)\n" for every word, formatted by hand into one buffer. */
static void write_counts(const char *path)
{
    static char *out;
    static size_t out_cap;
    size_t need = 0;
    for (size_t i = 0; i < table_cap; i++)
        if (table[i].len) need += table[i].len + 14;
    if (need > out_cap) {
        free(out);
        out_cap = need;
        if (!(out = malloc(out_cap))) fail("wc_hand");
    }
    char *o = out;
    for (size_t i = 0; i < table_cap; i++) {
        const slot *s = &table[i];
        if (!s->len) continue;
        *o++ = '(';
        if (s->len <= 16) {
            char inline_key[16];
            memcpy(inline_key, &s->k0, 8);
            memcpy(inline_key + 8, &s->k1, 8);
            memcpy(o, inline_key, s->len);
        } else {
            memcpy(o, (const char *)(uintptr_t)s->k0, s->len);
        }
        o += s->len;
        *o++ = ',';
        char digits[10];
        int nd = 0;
        for (uint32_t c = s->count; c; c /= 10) digits[nd++] = (char)('0' + c % 10);
        while (nd) *o++ = digits[--nd];
        *o++ = ')';
        *o++ = '\n';
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(path);
    for (char *p = out; p < o;) {
        ssize_t w = write(fd, p, (size_t)(o - p));
        if (w <= 0) fail(path);
        p += w;
    }
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: wc_hand OUTDIR FILE...\n"); return 2; }
    char *buf = NULL;
    size_t buf_cap = 0;
    grow();
    for (int f = 2; f < argc; f++) {
        int fd = open(argv[f], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) fail(argv[f]);
        size_t n = (size_t)st.st_size;
        if (n + 8 > buf_cap) {
            free(buf);
            buf_cap = n + 8;
            buf = huge_alloc(buf_cap);
        }
        size_t got = 0;
        while (got < n) {
            ssize_t r = read(fd, buf + got, n - got);
            if (r <= 0) fail(argv[f]);
            got += (size_t)r;
        }
        close(fd);
        memset(buf + n, '\n', 8);
        count_buffer(buf, n);
        char path[4096];
        snprintf(path, sizeof path, "%s/%d", argv[1], f - 1);
        write_counts(path);
        memset(table, 0, table_cap * sizeof *table);
        table_used = 0;
    }
    free(buf);
    free(table);
    return 0;
}
