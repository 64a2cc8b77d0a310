/* wc_hand.c - the hand-written word count the benchmarks compare against:
 * as fast as we can make it in plain C, doing the same work as the
 * benchmark's streamc program (bench/wordcount.stream).
 *
 *   wc_hand OUTDIR FILE...
 *
 * Each FILE is one batch: its words (split on ' ', lines on '\n', empty
 * words skipped) are counted, and the counts written to OUTDIR/<n> as
 * "(word,count)" lines, as saveAsTextFiles writes them. One pass per file:
 * the file is read whole into one buffer, and each word is hashed eight
 * bytes at a time while its end is searched for; the table keeps views
 * into the buffer (no per-word copy or malloc) and is cleared per batch. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct { const char *word; uint32_t len; uint32_t count; uint64_t hash; } slot;

static slot *table;
static size_t table_cap, table_used;

static uint64_t mix(uint64_t h) { h ^= h >> 32; h *= 0xd6e8feb86659fd93ull; return h ^ (h >> 32); }

/* A mask with 0x80 in each byte of w that equals b (exact: no false hits). */
static uint64_t bytes_equal(uint64_t w, uint64_t b)
{
    uint64_t x = w ^ (b * 0x0101010101010101ull);
    return ~(((x & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | x | 0x7f7f7f7f7f7f7f7full);
}

static void grow(void)
{
    size_t old_cap = table_cap;
    slot *old = table;
    table_cap = old_cap ? old_cap * 2 : 1 << 16;
    table = calloc(table_cap, sizeof *table);
    if (!table) { perror("wc_hand"); exit(1); }
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].word) continue;
        size_t j = old[i].hash & (table_cap - 1);
        while (table[j].word) j = (j + 1) & (table_cap - 1);
        table[j] = old[i];
    }
    free(old);
}

static inline void count_word(const char *word, uint32_t len, uint64_t hash)
{
    size_t j = hash & (table_cap - 1);
    for (;;) {
        slot *s = &table[j];
        if (!s->word) break;
        if (s->hash == hash && s->len == len && memcmp(s->word, word, len) == 0) { s->count++; return; }
        j = (j + 1) & (table_cap - 1);
    }
    table[j] = (slot){ word, len, 1, hash };
    if (++table_used * 2 > table_cap) grow();
}

/* Count the words of buf[0, n); buf has 8 readable bytes past n. */
static void count_buffer(const char *buf, size_t n)
{
    const char *p = buf, *end = buf + n;
    while (p < end) {
        const char *start = p;
        uint64_t h = 0x243f6a8885a308d3ull;
        for (;;) {  /* eight bytes at a time until a space or newline */
            uint64_t w;
            memcpy(&w, p, 8);
            uint64_t stop = bytes_equal(w, ' ') | bytes_equal(w, '\n');
            if (stop) {
                unsigned k = (unsigned)__builtin_ctzll(stop) >> 3;
                if (k) h = mix(h ^ (w & (~0ull >> (64 - 8 * k))));
                p += k;
                break;
            }
            h = mix(h ^ w);
            p += 8;
        }
        if (p > end) p = end;
        if (p > start) count_word(start, (uint32_t)(p - start), h);
        p++;  /* the separator */
    }
}

/* "(word,count)\n" for every word, formatted by hand into one buffer. */
static void write_counts(const char *path)
{
    static char *out;
    static size_t out_cap;
    size_t need = 0;
    for (size_t i = 0; i < table_cap; i++)
        if (table[i].word) need += table[i].len + 14;
    if (need > out_cap) { free(out); out_cap = need; out = malloc(out_cap); if (!out) { perror("wc_hand"); exit(1); } }
    char *o = out;
    for (size_t i = 0; i < table_cap; i++) {
        if (!table[i].word) continue;
        *o++ = '(';
        memcpy(o, table[i].word, table[i].len);
        o += table[i].len;
        *o++ = ',';
        char digits[10];
        int nd = 0;
        for (uint32_t c = table[i].count; c; c /= 10) digits[nd++] = (char)('0' + c % 10);
        while (nd) *o++ = digits[--nd];
        *o++ = ')';
        *o++ = '\n';
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror(path); exit(1); }
    for (char *p = out; p < o;) {
        ssize_t w = write(fd, p, (size_t)(o - p));
        if (w <= 0) { perror(path); exit(1); }
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
        if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[f]); return 1; }
        size_t n = (size_t)st.st_size;
        if (n + 8 > buf_cap) {
            buf_cap = n + 8;
            free(buf);
            buf = malloc(buf_cap);
            if (!buf) { perror("wc_hand"); return 1; }
        }
        size_t got = 0;
        while (got < n) {
            ssize_t r = read(fd, buf + got, n - got);
            if (r <= 0) { perror(argv[f]); return 1; }
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
