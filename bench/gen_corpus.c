/* gen_corpus.c - a deterministic word corpus for the benchmarks.
 *
 *   gen_corpus DIR [MB] [FILES] [DISTINCT]
 *
 * Writes FILES files DIR/00001 .. (one queueStream batch each), MB megabytes
 * in all, of lines of 4..16 space-separated words. Words are drawn from
 * DISTINCT words (lower-case, 2..12 letters) with a Zipf distribution
 * (s = 1), so a few words are very common and most are rare, as in text.
 * The same arguments always give the same bytes (a fixed-seed PRNG, no libc
 * rand). Defaults: 100 MB, 10 files, 100 000 distinct words. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t next_random(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double next_unit(void) { return (next_random() >> 11) * (1.0 / 9007199254740992.0); }

/* Word i of the vocabulary: its letters come from a hash of i, with i's
 * base-26 digits appended so that no two words are equal. */
static int make_word(unsigned i, char *out)
{
    uint64_t h = (uint64_t)i * 0x9e3779b97f4a7c15ull + 12345;
    int len = 0, prefix = 1 + (int)(h % 8);
    for (int k = 0; k < prefix; k++) {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        out[len++] = (char)('a' + (h >> 33) % 26);
    }
    do { out[len++] = (char)('a' + i % 26); i /= 26; } while (i);
    return len;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen_corpus DIR [MB] [FILES] [DISTINCT]\n");
        return 2;
    }
    const char *dir = argv[1];
    long mb = argc > 2 ? atol(argv[2]) : 100;
    int files = argc > 3 ? atoi(argv[3]) : 10;
    unsigned distinct = argc > 4 ? (unsigned)atol(argv[4]) : 100000;
    if (mb <= 0 || files <= 0 || distinct == 0) {
        fprintf(stderr, "gen_corpus: MB, FILES and DISTINCT must be positive\n");
        return 2;
    }
    char (*words)[16] = malloc(sizeof *words * distinct);
    unsigned char *lens = malloc(distinct);
    double *cdf = malloc(sizeof *cdf * distinct);
    if (!words || !lens || !cdf) { perror("gen_corpus"); return 1; }
    double total = 0;
    for (unsigned i = 0; i < distinct; i++) {
        lens[i] = (unsigned char)make_word(i, words[i]);
        total += 1.0 / (i + 1);
        cdf[i] = total;
    }
    for (unsigned i = 0; i < distinct; i++) cdf[i] /= total;

    long per_file = mb * 1024 * 1024 / files;
    char *line = malloc(16 * 17 + 2);
    for (int f = 1; f <= files; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%05d", dir, f);
        FILE *out = fopen(path, "w");
        if (!out) { perror(path); return 1; }
        for (long written = 0; written < per_file;) {
            int n = 4 + (int)(next_random() % 13), len = 0;
            for (int w = 0; w < n; w++) {
                double u = next_unit();
                unsigned lo = 0, hi = distinct - 1;
                while (lo < hi) {  /* the first rank whose cdf reaches u */
                    unsigned mid = (lo + hi) / 2;
                    if (cdf[mid] < u) lo = mid + 1; else hi = mid;
                }
                if (w) line[len++] = ' ';
                memcpy(line + len, words[lo], lens[lo]);
                len += lens[lo];
            }
            line[len++] = '\n';
            fwrite(line, 1, (size_t)len, out);
            written += len;
        }
        if (fclose(out) != 0) { perror(path); return 1; }
    }
    free(line); free(cdf); free(lens); free(words);
    return 0;
}
