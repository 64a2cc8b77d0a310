/* test_str.c - Java String semantics: split (also with a limit), trim,
 * substring, replace, searching, number parsing, checked indexing, the byte
 * hash, Java's hashCode and the smaller Scala/Java methods. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "streamrt.h"
#include "unit.h"

static sr_arena arena;
static sr_ctx cx;

static void setup(void) {
    sr_arena_free(&arena);
    sr_arena_init(&arena);
    memset(&cx, 0, sizeof cx);
    cx.arena = &arena;
    cx.worker = -1;
}

static sr_str S(const char *s) {
    return (sr_str){ s, (int64_t)strlen(s) };
}

/* Does s.split(sep) equal the n expected strings? Prints the difference. */
static int split_is(const char *s, const char *sep, int n, ...) {
    sr_seq r = sr_str_split(&cx, S(s), S(sep));
    int ok = r.len == n;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; ok && i < n; i++) {
        const char *want = va_arg(ap, const char *);
        sr_str got = SR_SEQ_AT(sr_str, r, i);
        ok = sr_str_eq(got, S(want));
        /* views into s */
        if (got.len)
            ok = ok && got.ptr >= s && got.ptr + got.len <= s + strlen(s);
    }
    va_end(ap);
    if (!ok) {
        fprintf(stderr, "\n  \"%s\".split(\"%s\") = [", s, sep);
        for (int64_t i = 0; i < r.len; i++) {
            sr_str g = SR_SEQ_AT(sr_str, r, i);
            fprintf(stderr, "%s\"%.*s\"", i ? ", " : "", (int)g.len, g.ptr);
        }
        fprintf(stderr, "], expected %d elements\n", n);
    }
    return ok;
}

static void test_split_plain(void) {
    setup();
    CU_ASSERT(split_is("a b c", " ", 3, "a", "b", "c"));
    CU_ASSERT(split_is("a  b", " ", 3, "a", "", "b"));
    CU_ASSERT(split_is(" a", " ", 2, "", "a"));
    CU_ASSERT(split_is("a b ", " ", 2, "a", "b"));
    CU_ASSERT(split_is("a b   ", " ", 2, "a", "b"));
    CU_ASSERT(split_is("", " ", 1, ""));
    CU_ASSERT(split_is("   ", " ", 0));
    CU_ASSERT(split_is(" ", " ", 0));
    CU_ASSERT(split_is("abc", " ", 1, "abc"));
    CU_ASSERT(split_is("a,b,,c,,", ",", 4, "a", "b", "", "c"));
    CU_ASSERT(split_is(",a", ",", 2, "", "a"));
    CU_ASSERT(split_is("word", "\t", 1, "word"));
    CU_ASSERT(split_is("k\tv", "\t", 2, "k", "v"));
}

static void test_split_multichar(void) {
    setup();
    CU_ASSERT(split_is("a, b, c", ", ", 3, "a", "b", "c"));
    CU_ASSERT(split_is("a::b::::c::", "::", 4, "a", "b", "", "c"));
    CU_ASSERT(split_is("::a", "::", 2, "", "a"));
    CU_ASSERT(split_is("a:b", "::", 1, "a:b"));
    CU_ASSERT(split_is("a:::b", "::", 2, "a", ":b"));
    CU_ASSERT(split_is("abcabc", "abc", 0));
    CU_ASSERT(split_is("xabcy", "abc", 2, "x", "y"));
}

static void test_split_regex(void) {
    setup();
    CU_ASSERT(split_is("a  b\t\tc\n d", "\\s+", 4, "a", "b", "c", "d"));
    CU_ASSERT(split_is("  a b  ", "\\s+", 3, "", "a", "b"));
    CU_ASSERT(split_is("   ", "\\s+", 0));
    CU_ASSERT(split_is("", "\\s+", 1, ""));
    CU_ASSERT(split_is("ab", "\\s+", 1, "ab"));
    CU_ASSERT(split_is("a   b", " +", 2, "a", "b"));
    CU_ASSERT(split_is("a \tb", " +", 2, "a", "\tb"));
    CU_ASSERT(split_is("a \tb", "\\s", 3, "a", "", "b"));
    CU_ASSERT(split_is("k\tv\tw", "\\t", 3, "k", "v", "w"));
    CU_ASSERT(split_is("a|b||c", "\\|", 4, "a", "b", "", "c"));
    CU_ASSERT(split_is("1.2.3", "\\.", 3, "1", "2", "3"));
    CU_ASSERT(split_is("a+b", "\\+", 2, "a", "b"));
    CU_ASSERT(split_is("a,b;c", "[,;]", 3, "a", "b", "c"));
    CU_ASSERT(split_is("a, b,c", ",\\s*", 3, "a", "b", "c"));
    CU_ASSERT(split_is("a1b22c", "\\d+", 3, "a", "b", "c"));
    CU_ASSERT(split_is("hello, world! ok", "\\W+", 3, "hello", "world", "ok"));
    CU_ASSERT(split_is("a--b---c", "-{2,}", 3, "a", "b", "c"));
    /* Java: the dot is a regex; every character is a separator. */
    CU_ASSERT(split_is("a.b", ".", 0));
    /* zero-width matches: "abc".split("") == [a, b, c] */
    CU_ASSERT(split_is("abc", "", 3, "a", "b", "c"));
    CU_ASSERT(split_is("abc", "x*", 3, "a", "b", "c"));
    CU_ASSERT(split_is("", "", 1, ""));
    /* unsupported regex syntax is taken literally */
    CU_ASSERT(split_is("a(b)c", "(b)", 2, "a", "c"));
}

static void test_split_many(void) {
    setup();
    /* More pieces than the on-stack collector holds. */
    char buf[4096];
    int n = 0;
    for (int i = 0; i < 1000; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%d ", i % 10);
    sr_seq r = sr_str_split(&cx, (sr_str){ buf, n }, SR_LIT(" "));
    CU_ASSERT_EQUAL_FATAL(r.len, 1000);
    int bad = 0;
    for (int i = 0; i < 1000; i++) {
        sr_str p = SR_SEQ_AT(sr_str, r, i);
        bad += p.len != 1 || p.ptr[0] != '0' + i % 10;
    }
    CU_ASSERT_EQUAL(bad, 0);
    r = sr_str_split(&cx, (sr_str){ buf, n }, SR_LIT("\\s+"));
    CU_ASSERT_EQUAL(r.len, 1000);
    /* Switching separators back and forth (the per-thread cache). */
    CU_ASSERT(split_is("a,b c", ",", 2, "a", "b c"));
    CU_ASSERT(split_is("a,b c", "\\s+", 2, "a,b", "c"));
    CU_ASSERT(split_is("a,b c", ",", 2, "a", "b c"));
}

static bool seq_same(sr_seq a, sr_seq b) {
    if (a.len != b.len)
        return false;
    for (int64_t i = 0; i < a.len; i++)
        if (!sr_str_eq(SR_SEQ_AT(sr_str, a, i), SR_SEQ_AT(sr_str, b, i)))
            return false;
    return true;
}

/* The fast paths agree with the general matcher on random inputs:
 * " " (byte fast path) == "[ ]" (one-of-a-set path) == "[ ]{1}" (regex),
 * "ab" (literal) == "a[b]" (regex), " +" (run) == "[ ][ ]*" (regex). */
static void test_split_differential(void) {
    setup();
    uint32_t x = 12345;
    char buf[16];
    int bad = 0;
    for (int iter = 0; iter < 20000; iter++) {
        int n = (int)(x % 12);
        for (int i = 0; i < n; i++) {
            x = x * 1103515245 + 12345;
            buf[i] = "ab  "[(x >> 16) % 4];
        }
        x = x * 1103515245 + 12345;
        sr_str s = { buf, n };
        bad += !seq_same(sr_str_split(&cx, s, SR_LIT(" ")), sr_str_split(&cx, s, SR_LIT("[ ]")));
        bad += !seq_same(sr_str_split(&cx, s, SR_LIT(" ")), sr_str_split(&cx, s, SR_LIT("[ ]{1}")));
        bad += !seq_same(sr_str_split(&cx, s, SR_LIT("ab")), sr_str_split(&cx, s, SR_LIT("a[b]")));
        bad += !seq_same(sr_str_split(&cx, s, SR_LIT(" +")), sr_str_split(&cx, s, SR_LIT("[ ][ ]*")));
        if (iter % 1000 == 0)
            sr_arena_reset(&arena);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_trim_case(void) {
    setup();
    CU_ASSERT(sr_str_eq(sr_str_trim(S("  a b \t\n")), S("a b")));
    CU_ASSERT(sr_str_eq(sr_str_trim(S("   ")), S("")));
    CU_ASSERT(sr_str_eq(sr_str_trim(S("")), S("")));
    CU_ASSERT(sr_str_eq(sr_str_trim(S("\x01x\x1f")), S("x")));
    CU_ASSERT(sr_str_eq(sr_str_lower(&cx, S("HeLLo 1!")), S("hello 1!")));
    CU_ASSERT(sr_str_eq(sr_str_upper(&cx, S("HeLLo 1!")), S("HELLO 1!")));
    sr_str same = S("abc");
    CU_ASSERT_PTR_EQUAL(sr_str_lower(&cx, same).ptr, same.ptr);
    CU_ASSERT(sr_str_eq(sr_str_upper(&cx, S("h\xc3\xa9llo")), S("H\xc3\xa9LLO")));
}

static void test_substring(void) {
    setup();
    sr_str s = S("hello");
    CU_ASSERT(sr_str_eq(sr_str_substring(&cx, s, 1, 3, 0), S("el")));
    CU_ASSERT(sr_str_eq(sr_str_substring(&cx, s, 0, 5, 0), S("hello")));
    CU_ASSERT(sr_str_eq(sr_str_substring(&cx, s, 5, 5, 0), S("")));
    CU_ASSERT(sr_str_eq(sr_str_substring_from(&cx, s, 2, 0), S("llo")));
    CU_ASSERT(sr_str_eq(sr_str_substring_from(&cx, s, 5, 0), S("")));
    CU_ASSERT_EQUAL(cx.err, SR_ERR_NONE);
    CU_ASSERT(sr_str_eq(sr_str_substring(&cx, s, 3, 2, 7), S("")));
    CU_ASSERT_EQUAL(cx.err, SR_ERR_INDEX);
    CU_ASSERT_EQUAL(cx.err_site, 7);
    cx.err = SR_ERR_NONE;
    sr_str_substring(&cx, s, -1, 2, 1);
    CU_ASSERT_EQUAL(cx.err, SR_ERR_INDEX);
    cx.err = SR_ERR_NONE;
    sr_str_substring(&cx, s, 0, 6, 1);
    CU_ASSERT_EQUAL(cx.err, SR_ERR_INDEX);
    cx.err = SR_ERR_NONE;
    sr_str_substring_from(&cx, s, 6, 1);
    CU_ASSERT_EQUAL(cx.err, SR_ERR_INDEX);
    cx.err = SR_ERR_NONE;
}

static void test_replace_concat(void) {
    setup();
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S("a.b.c"), S("."), S("::")), S("a::b::c")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S("aaaa"), S("aa"), S("b")), S("bb")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S("aaa"), S("aa"), S("b")), S("ba")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S("abc"), S("x"), S("y")), S("abc")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S("abcabc"), S("abc"), S("")), S("")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S("hello world"), S("o"), S("0")), S("hell0 w0rld")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S("abc"), S(""), S("-")), S("-a-b-c-")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S(""), S(""), S("-")), S("-")));
    CU_ASSERT(sr_str_eq(sr_str_replace(&cx, S(""), S("a"), S("-")), S("")));
    CU_ASSERT(sr_str_eq(sr_str_concat(&cx, S("ab"), S("cd")), S("abcd")));
    CU_ASSERT(sr_str_eq(sr_str_concat(&cx, S(""), S("cd")), S("cd")));
    CU_ASSERT(sr_str_eq(sr_str_concat(&cx, S("ab"), S("")), S("ab")));
}

static void test_search(void) {
    CU_ASSERT(sr_str_contains(S("hello"), S("ell")));
    CU_ASSERT(sr_str_contains(S("hello"), S("")));
    CU_ASSERT(!sr_str_contains(S("hello"), S("elo")));
    CU_ASSERT(!sr_str_contains(S("he"), S("hello")));
    CU_ASSERT(sr_str_starts_with(S("hello"), S("he")));
    CU_ASSERT(sr_str_starts_with(S("hello"), S("")));
    CU_ASSERT(!sr_str_starts_with(S("hello"), S("el")));
    CU_ASSERT(!sr_str_starts_with(S("h"), S("he")));
    CU_ASSERT(sr_str_ends_with(S("hello"), S("llo")));
    CU_ASSERT(!sr_str_ends_with(S("hello"), S("ll")));
    CU_ASSERT(!sr_str_ends_with(S("o"), S("lo")));
    CU_ASSERT_EQUAL(sr_str_index_of(S("hello"), S("l")), 2);
    CU_ASSERT_EQUAL(sr_str_index_of(S("hello"), S("lo")), 3);
    CU_ASSERT_EQUAL(sr_str_index_of(S("hello"), S("")), 0);
    CU_ASSERT_EQUAL(sr_str_index_of(S("hello"), S("x")), -1);
}

/* sr_str_eq at every length of its fast paths, with one byte different at
 * every position; on exact-size copies (the sanitizer build catches a read
 * past the end). */
static void test_eq(void) {
    for (int len = 0; len <= 40; len++) {
        char *a = malloc((size_t)len + 1), *b = malloc((size_t)len + 1);
        for (int i = 0; i < len; i++)
            a[i] = b[i] = (char)('a' + i % 26);
        CU_ASSERT(sr_str_eq((sr_str){ a, len }, (sr_str){ b, len }));
        for (int at = 0; at < len; at++) {
            b[at] ^= 1;
            CU_ASSERT_FALSE(sr_str_eq((sr_str){ a, len }, (sr_str){ b, len }));
            b[at] ^= 1;
        }
        if (len > 0)
            CU_ASSERT_FALSE(sr_str_eq((sr_str){ a, len }, (sr_str){ b, len - 1 }));
        free(a);
        free(b);
    }
}

static void test_cmp(void) {
    CU_ASSERT(sr_str_cmp(S("a"), S("b")) < 0);
    CU_ASSERT(sr_str_cmp(S("b"), S("a")) > 0);
    CU_ASSERT(sr_str_cmp(S("ab"), S("ab")) == 0);
    CU_ASSERT(sr_str_cmp(S("ab"), S("abc")) < 0);
    CU_ASSERT(sr_str_cmp(S("abc"), S("ab")) > 0);
    CU_ASSERT(sr_str_cmp(S(""), S("")) == 0);
    CU_ASSERT(sr_str_cmp(S("B"), S("a")) < 0);
    CU_ASSERT(sr_str_cmp(S("z"), S("\xc3\xa9")) < 0); /* bytewise, unsigned */
}

static int64_t L(const char *s, bool *ok) {
    cx.err = SR_ERR_NONE;
    int64_t v = sr_str_to_long(&cx, S(s), 3);
    *ok = cx.err == SR_ERR_NONE;
    if (!*ok)
        CU_ASSERT_EQUAL(cx.err, SR_ERR_NUMBER);
    cx.err = SR_ERR_NONE;
    return v;
}

static void test_to_long(void) {
    setup();
    bool ok;
    CU_ASSERT(L("0", &ok) == 0 && ok);
    CU_ASSERT(L("42", &ok) == 42 && ok);
    CU_ASSERT(L("-42", &ok) == -42 && ok);
    CU_ASSERT(L("+5", &ok) == 5 && ok);
    CU_ASSERT(L("007", &ok) == 7 && ok);
    CU_ASSERT(L("9223372036854775807", &ok) == INT64_MAX && ok);
    CU_ASSERT(L("-9223372036854775808", &ok) == INT64_MIN && ok);
    L("9223372036854775808", &ok);
    CU_ASSERT(!ok);
    L("-9223372036854775809", &ok);
    CU_ASSERT(!ok);
    L("99999999999999999999999", &ok);
    CU_ASSERT(!ok);
    /* up to 18 digits take a path without overflow checks: its edges */
    CU_ASSERT(L("999999999999999999", &ok) == 999999999999999999 && ok);
    CU_ASSERT(L("-999999999999999999", &ok) == -999999999999999999 && ok);
    CU_ASSERT(L("1000000000000000000", &ok) == 1000000000000000000 && ok);
    CU_ASSERT(L("0000000000000000001", &ok) == 1 && ok);
    CU_ASSERT(L("-00000000000000000000009", &ok) == -9 && ok);
    srand(5);
    for (int i = 0; i < 10000; i++) { /* any long round-trips */
        int64_t want = (int64_t)(((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand()) >> (rand() % 64);
        char text[32];
        snprintf(text, sizeof text, "%" PRId64, want);
        CU_ASSERT(L(text, &ok) == want && ok);
    }
    const char *bad[] = { "", "-", "+", " 5", "5 ", "1.0", "1e3", "abc", "0x10", "--1", "+-1", "1_000", "½" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        L(bad[i], &ok);
        if (ok)
            fprintf(stderr, "\n  accepted bad long '%s'\n", bad[i]);
        CU_ASSERT(!ok);
    }
    cx.err = SR_ERR_NONE;
    sr_str_to_long(&cx, S("x"), 9);
    CU_ASSERT_EQUAL(cx.err_site, 9);
    cx.err = SR_ERR_NONE;
}

static double D(const char *s, bool *ok) {
    cx.err = SR_ERR_NONE;
    double v = sr_str_to_double(&cx, S(s), 3);
    *ok = cx.err == SR_ERR_NONE;
    cx.err = SR_ERR_NONE;
    return v;
}

static void test_to_double(void) {
    setup();
    bool ok;
    CU_ASSERT(D("1.5", &ok) == 1.5 && ok);
    CU_ASSERT(D("-1.5", &ok) == -1.5 && ok);
    CU_ASSERT(D("+2", &ok) == 2 && ok);
    CU_ASSERT(D("  3.25  ", &ok) == 3.25 && ok);
    CU_ASSERT(D("1e3", &ok) == 1000 && ok);
    CU_ASSERT(D("1E-2", &ok) == 0.01 && ok);
    CU_ASSERT(D(".5", &ok) == 0.5 && ok);
    CU_ASSERT(D("5.", &ok) == 5 && ok);
    CU_ASSERT(D("2.5d", &ok) == 2.5 && ok);
    CU_ASSERT(D("2.5F", &ok) == 2.5 && ok);
    CU_ASSERT(D("0x1p4", &ok) == 16 && ok);
    CU_ASSERT(D("0x1.8p1d", &ok) == 3 && ok);
    CU_ASSERT(isnan(D("NaN", &ok)) && ok);
    CU_ASSERT(isnan(D("-NaN", &ok)) && ok);
    CU_ASSERT(D("Infinity", &ok) == INFINITY && ok);
    CU_ASSERT(D("-Infinity", &ok) == -INFINITY && ok);
    CU_ASSERT(D("1e400", &ok) == INFINITY && ok);
    double z = D("-0.0", &ok);
    CU_ASSERT(z == 0 && signbit(z) && ok);
    CU_ASSERT(D("0.1", &ok) == 0.1 && ok);
    /* long inputs go through a heap copy */
    char big[300];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CU_ASSERT(D(big, &ok) > 1e298 && ok);
    const char *bad[] = { "", " ", ".", "-", "e5", "1e", "1e+", "1.2.3", "abc", "inf", "nan",
                          "infinity", "NaNd", "0x10", "1 2", "1,5", "d", "--1", "Infinityx" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        D(bad[i], &ok);
        if (ok)
            fprintf(stderr, "\n  accepted bad double '%s'\n", bad[i]);
        CU_ASSERT(!ok);
    }
}

static void test_seq_at(void) {
    setup();
    int64_t data[3] = { 10, 20, 30 };
    sr_seq s = { data, 3, 3 };
    CU_ASSERT_EQUAL(SR_SEQ_GET(&cx, int64_t, s, 2, 0), 30);
    CU_ASSERT_EQUAL(cx.err, SR_ERR_NONE);
    CU_ASSERT_EQUAL(SR_SEQ_GET(&cx, int64_t, s, 3, 5), 0);
    CU_ASSERT_EQUAL(cx.err, SR_ERR_INDEX);
    CU_ASSERT_EQUAL(cx.err_site, 5);
    cx.err = SR_ERR_NONE;
    CU_ASSERT_EQUAL(SR_SEQ_GET(&cx, int64_t, s, -1, 5), 0);
    CU_ASSERT_EQUAL(cx.err, SR_ERR_INDEX);
    cx.err = SR_ERR_NONE;
    /* the scratch slot is zeroed again even if a caller wrote to it */
    typedef struct { sr_str a; int64_t b; double c; } tup;
    tup *t = sr_seq_at(&cx, (sr_seq){ 0 }, 0, sizeof(tup), 1);
    t->b = 99;
    t = sr_seq_at(&cx, (sr_seq){ 0 }, 0, sizeof(tup), 1);
    CU_ASSERT_EQUAL(t->b, 0);
    CU_ASSERT_EQUAL(t->a.len, 0);
    cx.err = SR_ERR_NONE;
}

static void test_hash(void) {
    const char *words[] = { "", "a", "b", "ab", "ba", "abc", "abd", "hello", "hellp", "hello ",
                            "the quick brown", "the quick brown fox jumps", "0123456789abcdef",
                            "0123456789abcdeF", "a much longer string that goes past forty-eight bytes!",
                            "a much longer string that goes past forty-eight bytes?" };
    int n = (int)(sizeof words / sizeof words[0]);
    for (int i = 0; i < n; i++) {
        uint64_t h = sr_hash_bytes(words[i], strlen(words[i]));
        CU_ASSERT_EQUAL(h, sr_hash_bytes(words[i], strlen(words[i])));
        CU_ASSERT_EQUAL(h, sr_hash_str(S(words[i])));
        for (int j = 0; j < i; j++)
            CU_ASSERT(h != sr_hash_bytes(words[j], strlen(words[j])));
    }
    /* The inline hash of strings is sr_hash_bytes, at every length. */
    char bytes[64];
    for (int len = 0; len <= 64; len++) {
        for (int i = 0; i < len; i++)
            bytes[i] = (char)(rand() & 0xff);
        CU_ASSERT_EQUAL(sr_hash_str((sr_str){ bytes, len }), sr_hash_bytes(bytes, (size_t)len));
    }
    /* Same bytes at a different address: same hash. */
    char copy[64];
    strcpy(copy + 1, "hello");
    CU_ASSERT_EQUAL(sr_hash_bytes(copy + 1, 5), sr_hash_bytes("hello", 5));
    /* Low bits (the map uses hash & mask) spread: 4096 keys in 4096 buckets. */
    static unsigned char seen[4096];
    memset(seen, 0, sizeof seen);
    int used = 0;
    for (int i = 0; i < 4096; i++) {
        char k[16];
        int len = snprintf(k, sizeof k, "w%d", i);
        unsigned b = (unsigned)(sr_hash_bytes(k, (size_t)len) & 4095);
        used += !seen[b];
        seen[b] = 1;
    }
    /* A random function fills about 63%. */
    CU_ASSERT(used > 2400 && used < 2800);
    /* Every length up to 100 hashes distinctly from its neighbours. */
    char buf[128];
    memset(buf, 'x', sizeof buf);
    for (int len = 1; len < 100; len++)
        CU_ASSERT(sr_hash_bytes(buf, (size_t)len) != sr_hash_bytes(buf, (size_t)len - 1));
}

/* Does s.split(sep, limit) give exactly the pieces in `want` ("|"-joined)? */
static int split_limit_is(const char *s, const char *sep, int64_t limit, const char *want) {
    sr_seq r = sr_str_split_limit(&cx, S(s), S(sep), limit);
    char got[256] = "";
    for (int64_t i = 0; i < r.len; i++) {
        sr_str g = SR_SEQ_AT(sr_str, r, i);
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s", i ? "|" : "", (int)g.len, g.ptr);
    }
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  \"%s\".split(\"%s\", %lld) = %s, expected %s\n", s, sep, (long long)limit, got, want);
    return strcmp(got, want) == 0;
}

static void test_split_limit(void) {
    setup();
    CU_ASSERT(split_limit_is("a,b,,c,,", ",", -1, "a|b||c||"));
    CU_ASSERT(split_limit_is("a,b,,c,,", ",", 0, "a|b||c"));
    CU_ASSERT(split_limit_is("a,b,,c,,", ",", 2, "a|b,,c,,"));
    CU_ASSERT(split_limit_is("a,b,,c,,", ",", 1, "a,b,,c,,"));
    CU_ASSERT(split_limit_is("a,b", ",", 9, "a|b"));
    CU_ASSERT(split_limit_is("a,", ",", 5, "a|"));
    CU_ASSERT(split_limit_is("", ",", -1, ""));
    CU_ASSERT(sr_str_split_limit(&cx, S(""), S(","), -1).len == 1);
    CU_ASSERT(split_limit_is("a  b", "\\s+", -1, "a|b"));
    CU_ASSERT(split_limit_is(",,", ",", -1, "||"));
}

static void test_more_string_methods(void) {
    setup();
    CU_ASSERT_EQUAL(sr_str_index_of_from(S("hello"), S("l"), 3), 3);
    CU_ASSERT_EQUAL(sr_str_index_of_from(S("hello"), S("l"), 4), -1);
    CU_ASSERT_EQUAL(sr_str_index_of_from(S("hello"), S("h"), -5), 0);
    CU_ASSERT_EQUAL(sr_str_index_of_from(S("hello"), S(""), 99), 5);
    CU_ASSERT_EQUAL(sr_str_last_index_of(S("hello"), S("l")), 3);
    CU_ASSERT_EQUAL(sr_str_last_index_of(S("hello"), S("")), 5);
    CU_ASSERT_EQUAL(sr_str_last_index_of(S("hello"), S("x")), -1);
    CU_ASSERT(sr_str_eq(sr_str_reverse(&cx, S("ab\xc3\xa9" "c")), S("c\xc3\xa9" "ba")));
    CU_ASSERT(sr_str_eq(sr_str_repeat(&cx, S("ab"), 3), S("ababab")));
    CU_ASSERT(sr_str_eq(sr_str_repeat(&cx, S("ab"), -1), S("")));
    CU_ASSERT(sr_str_eq(sr_str_capitalize(&cx, S("word")), S("Word")));
    CU_ASSERT(sr_str_eq(sr_str_capitalize(&cx, S("1st")), S("1st")));
    CU_ASSERT(sr_str_equals_ignore_case(S("HeLLo"), S("hello")));
    CU_ASSERT(!sr_str_equals_ignore_case(S("hello"), S("hell")));
    CU_ASSERT_EQUAL(sr_str_compare_to(S("apple"), S("apricot")), 'p' - 'r');
    CU_ASSERT_EQUAL(sr_str_compare_to(S("app"), S("apple")), -2);
    /* Java: "hello".hashCode() == 99162322, "".hashCode() == 0, and a
     * character outside the BMP counts as its two surrogates */
    CU_ASSERT_EQUAL(sr_str_hash_code(S("hello")), 99162322);
    CU_ASSERT_EQUAL(sr_str_hash_code(S("")), 0);
    CU_ASSERT_EQUAL(sr_str_hash_code(S("\xf0\x9f\x98\x80")), 31 * 0xD83D + 0xDE00);
    CU_ASSERT_EQUAL(sr_str_hash_code(S("polygenelubricants")), INT32_MIN); /* wraps to Integer.MIN_VALUE */
    CU_ASSERT(sr_str_eq(sr_str_slice(S("hello"), -3, 2), S("he")));
    CU_ASSERT(sr_str_eq(sr_str_slice(S("hello"), 4, 99), S("o")));
    CU_ASSERT(sr_str_eq(sr_str_slice(S("hello"), 3, 1), S("")));
    CU_ASSERT(sr_str_eq(sr_str_strip_prefix(S("hello"), S("he")), S("llo")));
    CU_ASSERT(sr_str_eq(sr_str_strip_suffix(S("hello"), S("x")), S("hello")));
}

static void cleanup_arena(void) {
    sr_arena_free(&arena);
}

UNIT_SUITE(str,
           { "split: single byte", test_split_plain },
           { "split: multi-byte separators", test_split_multichar },
           { "split: regexes", test_split_regex },
           { "split: many pieces, cache", test_split_many },
           { "split: fast paths agree with the matcher", test_split_differential },
           { "trim, lower, upper", test_trim_case },
           { "substring", test_substring },
           { "replace, concat", test_replace_concat },
           { "contains, startsWith, indexOf", test_search },
           { "equals", test_eq },
           { "compareTo", test_cmp },
           { "toLong", test_to_long },
           { "toDouble", test_to_double },
           { "checked seq access", test_seq_at },
           { "hash", test_hash },
           { "split with a limit", test_split_limit },
           { "indexOf(s, from), lastIndexOf, reverse, *, capitalize, compareTo, hashCode", test_more_string_methods },
           { "(free)", cleanup_arena })
