/* str.c - Java/Scala String methods on sr_str views, number parsing,
 * checked sequence access and the byte hash.
 *
 * Strings are UTF-8 byte views; indices (substring, indexOf, length) count
 * bytes, which equals Java's char indices for ASCII text. Results that are
 * new strings are allocated in the context's arena; views point into their
 * argument and live as long as it does.
 *
 * split() follows java.lang.String.split(regex) with limit 0. The separator
 * is a Java regex; this file understands the subset Spark programs use:
 * literal characters, escapes (\\s \\S \\d \\D \\w \\W \\t \\n \\r \\f
 * and \\ before any non-alphanumeric character), '.', classes [...] with
 * ranges and ^, and the quantifiers * + ? {n} {n,} {n,m} (greedy), e.g.
 * " ", ", ", "\\s+", " +", "\\|", "[,;]", ",\\s*". A separator using
 * anything else (groups, |, anchors, lazy quantifiers) is taken as a plain
 * string. Common shapes (one byte, a literal string, a run of one class)
 * take fast paths; the compiled separator is cached per thread.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "streamrt.h"

/* ===================================================================== */
/* Comparison and searching                                               */
/* ===================================================================== */

int sr_str_cmp(sr_str a, sr_str b) {
    int64_t n = a.len < b.len ? a.len : b.len;
    for (int64_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a.ptr[i], y = (unsigned char)b.ptr[i];
        if (x != y)
            return (int)x - (int)y;
    }
    int64_t d = a.len - b.len;
    return d < 0 ? -1 : d > 0 ? 1 : 0;
}

int64_t sr_str_index_of(sr_str s, sr_str part) {
    if (part.len == 0)
        return 0;
    if (part.len > s.len)
        return -1;
    const char *p;
    if (part.len == 1)
        p = memchr(s.ptr, part.ptr[0], (size_t)s.len);
    else
        p = memmem(s.ptr, (size_t)s.len, part.ptr, (size_t)part.len);
    return p ? p - s.ptr : -1;
}

int64_t sr_str_index_of_from(sr_str s, sr_str part, int64_t from) {
    if (from < 0)
        from = 0;
    if (from > s.len)
        return part.len == 0 ? s.len : -1;
    int64_t i = sr_str_index_of((sr_str){ s.ptr + from, s.len - from }, part);
    return i < 0 ? -1 : i + from;
}

int64_t sr_str_last_index_of(sr_str s, sr_str part) {
    if (part.len > s.len)
        return -1;
    for (int64_t i = s.len - part.len; i >= 0; i--)
        if (memcmp(s.ptr + i, part.ptr, (size_t)part.len) == 0)
            return i;
    return -1;
}

bool sr_str_equals_ignore_case(sr_str a, sr_str b) {
    if (a.len != b.len)
        return false;
    for (int64_t i = 0; i < a.len; i++) {
        char x = a.ptr[i], y = b.ptr[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* Java: the difference of the first differing characters, else of the
 * lengths (here bytes: the same for ASCII text). */
int64_t sr_str_compare_to(sr_str a, sr_str b) {
    int64_t n = a.len < b.len ? a.len : b.len;
    for (int64_t i = 0; i < n; i++)
        if (a.ptr[i] != b.ptr[i])
            return (int64_t)(unsigned char)a.ptr[i] - (int64_t)(unsigned char)b.ptr[i];
    return a.len - b.len;
}

/* Java's s[0]*31^(n-1) + ... + s[n-1] over the UTF-16 units of s, in 32
 * bits; a malformed UTF-8 byte counts as U+FFFD, as a decoder makes it. */
int64_t sr_str_hash_code(sr_str s) {
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s.ptr, *end = p + s.len;
    while (p < end) {
        uint32_t c = *p, need = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
        if (need == 9 || end - p <= (ptrdiff_t)need) {
            c = 0xFFFD;
            need = 0;
        } else if (need) {
            c &= 0x3F >> need;
            for (uint32_t k = 1; k <= need; k++) {
                if ((p[k] & 0xC0) != 0x80) { c = 0xFFFD; need = k - 1; break; }
                c = (c << 6) | (p[k] & 0x3F);
            }
        }
        p += need + 1;
        if (c >= 0x10000) { /* a surrogate pair */
            c -= 0x10000;
            h = h * 31 + (0xD800 + (c >> 10));
            c = 0xDC00 + (c & 0x3FF);
        }
        h = h * 31 + c;
    }
    return (int32_t)h;
}

bool sr_str_contains(sr_str s, sr_str part) {
    return sr_str_index_of(s, part) >= 0;
}

bool sr_str_starts_with(sr_str s, sr_str prefix) {
    return prefix.len <= s.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, (size_t)prefix.len) == 0);
}

bool sr_str_ends_with(sr_str s, sr_str suffix) {
    return suffix.len <= s.len &&
           (suffix.len == 0 || memcmp(s.ptr + s.len - suffix.len, suffix.ptr, (size_t)suffix.len) == 0);
}

/* ===================================================================== */
/* Case, trim, substring, replace, concat                                 */
/* ===================================================================== */

/* Java's trim(): strip bytes <= ' ' at both ends. */
sr_str sr_str_trim(sr_str s) {
    int64_t b = 0, e = s.len;
    while (b < e && (unsigned char)s.ptr[b] <= ' ')
        b++;
    while (e > b && (unsigned char)s.ptr[e - 1] <= ' ')
        e--;
    return (sr_str){ s.ptr + b, e - b };
}

/* Map ASCII letters between lo..hi by adding delta; returns s itself when
 * nothing changes (no allocation). */
static sr_str map_case(sr_ctx *cx, sr_str s, char lo, char hi, int delta) {
    int64_t i = 0;
    while (i < s.len && !(s.ptr[i] >= lo && s.ptr[i] <= hi))
        i++;
    if (i == s.len)
        return s;
    char *p = sr_arena_alloc(cx->arena, (size_t)s.len);
    memcpy(p, s.ptr, (size_t)i);
    for (; i < s.len; i++) {
        char c = s.ptr[i];
        p[i] = (c >= lo && c <= hi) ? (char)(c + delta) : c;
    }
    return (sr_str){ p, s.len };
}

sr_str sr_str_lower(sr_ctx *cx, sr_str s) {
    return map_case(cx, s, 'A', 'Z', 'a' - 'A');
}

sr_str sr_str_upper(sr_ctx *cx, sr_str s) {
    return map_case(cx, s, 'a', 'z', 'A' - 'a');
}

/* Java: 0 <= begin <= end <= length, else StringIndexOutOfBoundsException
 * (here: SR_ERR_INDEX and ""). */
sr_str sr_str_substring(sr_ctx *cx, sr_str s, int64_t begin, int64_t end, int site) {
    if (SR_UNLIKELY(begin < 0 || end > s.len || begin > end)) {
        sr_fail(cx, SR_ERR_INDEX, site);
        return (sr_str){ "", 0 };
    }
    return (sr_str){ s.ptr + begin, end - begin };
}

sr_str sr_str_substring_from(sr_ctx *cx, sr_str s, int64_t begin, int site) {
    return sr_str_substring(cx, s, begin, s.len, site);
}

sr_str sr_str_reverse(sr_ctx *cx, sr_str s) {
    if (s.len < 2)
        return s;
    char *p = sr_arena_alloc(cx->arena, (size_t)s.len);
    int64_t out = s.len;
    for (int64_t i = 0; i < s.len;) { /* each character's bytes, in place from the end */
        int64_t j = i + 1;
        while (j < s.len && ((unsigned char)s.ptr[j] & 0xC0) == 0x80)
            j++;
        out -= j - i;
        memcpy(p + out, s.ptr + i, (size_t)(j - i));
        i = j;
    }
    return (sr_str){ p, s.len };
}

sr_str sr_str_repeat(sr_ctx *cx, sr_str s, int64_t n) {
    if (n <= 0 || s.len == 0)
        return (sr_str){ "", 0 };
    if (n == 1)
        return s;
    char *p = sr_arena_alloc(cx->arena, (size_t)(s.len * n));
    for (int64_t i = 0; i < n; i++)
        memcpy(p + i * s.len, s.ptr, (size_t)s.len);
    return (sr_str){ p, s.len * n };
}

/* Scala's capitalize: the first character upper-cased (ASCII letters). */
sr_str sr_str_capitalize(sr_ctx *cx, sr_str s) {
    if (s.len == 0 || s.ptr[0] < 'a' || s.ptr[0] > 'z')
        return s;
    char *p = sr_arena_alloc(cx->arena, (size_t)s.len);
    memcpy(p, s.ptr, (size_t)s.len);
    p[0] = (char)(p[0] - 'a' + 'A');
    return (sr_str){ p, s.len };
}

/* Java's replace(CharSequence, CharSequence): every non-overlapping
 * occurrence, left to right. An empty `from` inserts `to` before every
 * character (UTF-8 sequence) and at the end, as Java does. */
sr_str sr_str_replace(sr_ctx *cx, sr_str s, sr_str from, sr_str to) {
    if (from.len == 0) {
        int64_t nchars = 0;
        for (int64_t i = 0; i < s.len; i++)
            if (((unsigned char)s.ptr[i] & 0xC0) != 0x80)
                nchars++;
        int64_t n = s.len + (nchars + 1) * to.len;
        char *p = sr_arena_alloc(cx->arena, (size_t)n), *q = p;
        for (int64_t i = 0; i < s.len; i++) {
            if (((unsigned char)s.ptr[i] & 0xC0) != 0x80) {
                memcpy(q, to.ptr, (size_t)to.len);
                q += to.len;
            }
            *q++ = s.ptr[i];
        }
        memcpy(q, to.ptr, (size_t)to.len);
        return (sr_str){ p, n };
    }
    int64_t first = sr_str_index_of(s, from);
    if (first < 0)
        return s;
    int64_t count = 0;
    for (int64_t i = first; i >= 0;) {
        count++;
        sr_str rest = { s.ptr + i + from.len, s.len - i - from.len };
        int64_t j = sr_str_index_of(rest, from);
        i = j < 0 ? -1 : i + from.len + j;
    }
    int64_t n = s.len + count * (to.len - from.len);
    char *p = sr_arena_alloc(cx->arena, (size_t)(n > 0 ? n : 1)), *q = p;
    int64_t done = 0;
    for (int64_t i = first; i >= 0;) {
        memcpy(q, s.ptr + done, (size_t)(i - done));
        q += i - done;
        memcpy(q, to.ptr, (size_t)to.len);
        q += to.len;
        done = i + from.len;
        sr_str rest = { s.ptr + done, s.len - done };
        int64_t j = sr_str_index_of(rest, from);
        i = j < 0 ? -1 : done + j;
    }
    memcpy(q, s.ptr + done, (size_t)(s.len - done));
    return (sr_str){ p, n };
}

sr_str sr_str_concat(sr_ctx *cx, sr_str a, sr_str b) {
    if (b.len == 0)
        return a;
    if (a.len == 0)
        return b;
    char *p = sr_arena_alloc(cx->arena, (size_t)(a.len + b.len));
    memcpy(p, a.ptr, (size_t)a.len);
    memcpy(p + a.len, b.ptr, (size_t)b.len);
    return (sr_str){ p, a.len + b.len };
}

/* ===================================================================== */
/* split: the separator                                                   */
/* ===================================================================== */

#define MAX_NODES 16
#define MAX_PATTERN 64

typedef struct byteset {
    uint64_t w[4];
} byteset;

static inline bool set_has(const byteset *s, unsigned char c) {
    return (s->w[c >> 6] >> (c & 63)) & 1;
}
static inline void set_add(byteset *s, unsigned char c) {
    s->w[c >> 6] |= (uint64_t)1 << (c & 63);
}
static void set_range(byteset *s, unsigned lo, unsigned hi) {
    for (unsigned c = lo; c <= hi; c++)
        set_add(s, (unsigned char)c);
}
static void set_invert(byteset *s) {
    for (int i = 0; i < 4; i++)
        s->w[i] = ~s->w[i];
}
static void set_union(byteset *s, const byteset *t) {
    for (int i = 0; i < 4; i++)
        s->w[i] |= t->w[i];
}
static int set_count(const byteset *s) {
    int n = 0;
    for (int i = 0; i < 4; i++)
        n += __builtin_popcountll(s->w[i]);
    return n;
}

/* One element of a separator: a byte from `set`, min..max times (max -1 =
 * unbounded), matched greedily. */
typedef struct node {
    byteset set;
    int min, max;
} node;

typedef enum sep_kind {
    SEP_LITERAL,  /* a plain byte string (lit, litlen >= 1) */
    SEP_BYTE,     /* one byte of a set: "\\s", "[,;]" */
    SEP_RUN,      /* one or more bytes of a set: "\\s+", " +" */
    SEP_REGEX,    /* the general matcher over nodes[] */
} sep_kind;

typedef struct sep {
    sep_kind kind;
    int nnodes;
    node nodes[MAX_NODES];
    char lit[MAX_PATTERN];
    int litlen;
    byteset set;  /* BYTE, RUN */
} sep;

/* The set of a Java escape \c (c not a digit); false if unsupported. */
static bool escape_set(char c, byteset *out) {
    memset(out, 0, sizeof *out);
    switch (c) {
    case 's': case 'S':
        set_add(out, ' '); set_add(out, '\t'); set_add(out, '\n');
        set_add(out, '\v'); set_add(out, '\f'); set_add(out, '\r');
        if (c == 'S') set_invert(out);
        return true;
    case 'd': case 'D':
        set_range(out, '0', '9');
        if (c == 'D') set_invert(out);
        return true;
    case 'w': case 'W':
        set_range(out, 'a', 'z'); set_range(out, 'A', 'Z');
        set_range(out, '0', '9'); set_add(out, '_');
        if (c == 'W') set_invert(out);
        return true;
    case 't': set_add(out, '\t'); return true;
    case 'n': set_add(out, '\n'); return true;
    case 'r': set_add(out, '\r'); return true;
    case 'f': set_add(out, '\f'); return true;
    case 'a': set_add(out, '\a'); return true;
    case 'e': set_add(out, 0x1b); return true;
    default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            return false;
        set_add(out, (unsigned char)c);
        return true;
    }
}

/* A bracket class starting after '['; returns the index after ']' or -1. */
static int parse_class(const char *p, int n, int i, byteset *out) {
    memset(out, 0, sizeof *out);
    bool neg = false;
    if (i < n && p[i] == '^') {
        neg = true;
        i++;
    }
    bool first = true;
    while (i < n && (p[i] != ']' || first)) {
        first = false;
        byteset one;
        int lo;
        if (p[i] == '[' || (p[i] == '&' && i + 1 < n && p[i + 1] == '&'))
            return -1; /* nested classes, intersections */
        if (p[i] == '\\') {
            if (i + 1 >= n || !escape_set(p[i + 1], &one))
                return -1;
            i += 2;
            if (set_count(&one) != 1) {
                set_union(out, &one);
                continue;
            }
            lo = -1;
            for (int c = 0; c < 256; c++)
                if (set_has(&one, (unsigned char)c))
                    lo = c;
        } else {
            lo = (unsigned char)p[i++];
        }
        if (i + 1 < n && p[i] == '-' && p[i + 1] != ']') {
            int hi;
            if (p[i + 1] == '\\') {
                if (i + 2 >= n || !escape_set(p[i + 2], &one) || set_count(&one) != 1)
                    return -1;
                hi = -1;
                for (int c = 0; c < 256; c++)
                    if (set_has(&one, (unsigned char)c))
                        hi = c;
                i += 3;
            } else {
                hi = (unsigned char)p[i + 1];
                i += 2;
            }
            if (hi < lo)
                return -1;
            set_range(out, (unsigned)lo, (unsigned)hi);
        } else {
            set_add(out, (unsigned char)lo);
        }
    }
    if (i >= n)
        return -1;
    if (neg)
        set_invert(out);
    return i + 1;
}

/* Parse {n}, {n,}, {n,m} at p[i] == '{'; returns the index after '}'. */
static int parse_braces(const char *p, int n, int i, int *min, int *max) {
    i++;
    int a = 0, b, digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9' && a < 10000) {
        a = a * 10 + (p[i++] - '0');
        digits++;
    }
    if (!digits || i >= n)
        return -1;
    if (p[i] == '}') {
        *min = *max = a;
        return i + 1;
    }
    if (p[i] != ',')
        return -1;
    i++;
    if (i < n && p[i] == '}') {
        *min = a;
        *max = -1;
        return i + 1;
    }
    b = 0;
    digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9' && b < 10000) {
        b = b * 10 + (p[i++] - '0');
        digits++;
    }
    if (!digits || i >= n || p[i] != '}' || b < a)
        return -1;
    *min = a;
    *max = b;
    return i + 1;
}

/* Compile a separator; false if it uses regex syntax we do not handle. */
static bool compile_regex(const char *p, int n, sep *out) {
    out->nnodes = 0;
    int i = 0;
    while (i < n) {
        if (out->nnodes == MAX_NODES)
            return false;
        node *nd = &out->nodes[out->nnodes++];
        char c = p[i];
        if (c == '\\') {
            if (i + 1 >= n || !escape_set(p[i + 1], &nd->set))
                return false;
            i += 2;
        } else if (c == '[') {
            i = parse_class(p, n, i + 1, &nd->set);
            if (i < 0)
                return false;
        } else if (c == '.') {
            memset(&nd->set, 0, sizeof nd->set);
            set_invert(&nd->set);
            nd->set.w['\n' >> 6] &= ~((uint64_t)1 << '\n');
            nd->set.w['\r' >> 6] &= ~((uint64_t)1 << '\r');
            i++;
        } else if (strchr("()|^$*+?{}]", c)) {
            return false;
        } else {
            memset(&nd->set, 0, sizeof nd->set);
            set_add(&nd->set, (unsigned char)c);
            i++;
        }
        nd->min = nd->max = 1;
        if (i < n) {
            if (p[i] == '*') { nd->min = 0; nd->max = -1; i++; }
            else if (p[i] == '+') { nd->min = 1; nd->max = -1; i++; }
            else if (p[i] == '?') { nd->min = 0; nd->max = 1; i++; }
            else if (p[i] == '{') {
                i = parse_braces(p, n, i, &nd->min, &nd->max);
                if (i < 0)
                    return false;
            }
            if (i < n && (p[i] == '?' || p[i] == '+' || p[i] == '*' || p[i] == '{'))
                return false; /* lazy, possessive, stacked */
        }
    }
    return true;
}

static void compile_sep(const char *p, int n, sep *out) {
    memset(out, 0, sizeof *out);
    if (n > 0 && n <= MAX_PATTERN && compile_regex(p, n, out)) {
        /* A chain of single bytes is a literal. */
        bool lit = true;
        for (int k = 0; k < out->nnodes && lit; k++)
            lit = out->nodes[k].min == 1 && out->nodes[k].max == 1 && set_count(&out->nodes[k].set) == 1;
        if (lit) {
            for (int k = 0; k < out->nnodes; k++)
                for (int c = 0; c < 256; c++)
                    if (set_has(&out->nodes[k].set, (unsigned char)c))
                        out->lit[out->litlen++] = (char)c;
            out->kind = SEP_LITERAL;
            return;
        }
        if (out->nnodes == 1 && out->nodes[0].min == 1 && (out->nodes[0].max == 1 || out->nodes[0].max == -1)) {
            out->set = out->nodes[0].set;
            out->kind = out->nodes[0].max == 1 ? SEP_BYTE : SEP_RUN;
            return;
        }
        out->kind = SEP_REGEX;
        return;
    }
    if (n == 0) {
        out->kind = SEP_REGEX; /* the empty regex: matches everywhere */
        out->nnodes = 0;
        return;
    }
    /* Unsupported regex (or too long): a plain string (find_sep reads a long
     * one from the pattern itself). */
    out->kind = SEP_LITERAL;
    out->litlen = n;
    if (n <= MAX_PATTERN)
        memcpy(out->lit, p, (size_t)n);
}

/* Greedy backtracking match of nodes[k..] at s[i]; end index or -1. */
static int64_t match_at(const sep *sp, int k, const char *s, int64_t len, int64_t i) {
    if (k == sp->nnodes)
        return i;
    const node *nd = &sp->nodes[k];
    int64_t c = 0;
    while (i + c < len && (nd->max < 0 || c < nd->max) && set_has(&nd->set, (unsigned char)s[i + c]))
        c++;
    for (; c >= nd->min; c--) {
        int64_t e = match_at(sp, k + 1, s, len, i + c);
        if (e >= 0)
            return e;
    }
    return -1;
}

/* Java Matcher.find from `from`: the leftmost match; false if none. Start
 * positions inside a UTF-8 sequence are skipped. `pat` is the separator's
 * bytes (for the unsupported-regex literal case). */
static inline bool find_sep(const sep *sp, const char *pat, const char *s, int64_t len,
                            int64_t from, int64_t *ms, int64_t *me) {
    switch (sp->kind) {
    case SEP_LITERAL: {
        const char *lit = sp->litlen <= MAX_PATTERN ? sp->lit : pat;
        int64_t ll = sp->litlen;
        if (from + ll > len)
            return false;
        const char *p = ll == 1 ? memchr(s + from, lit[0], (size_t)(len - from))
                                : memmem(s + from, (size_t)(len - from), lit, (size_t)ll);
        if (!p)
            return false;
        *ms = p - s;
        *me = *ms + ll;
        return true;
    }
    case SEP_BYTE:
    case SEP_RUN:
        for (int64_t i = from; i < len; i++) {
            if (set_has(&sp->set, (unsigned char)s[i])) {
                int64_t e = i + 1;
                if (sp->kind == SEP_RUN)
                    while (e < len && set_has(&sp->set, (unsigned char)s[e]))
                        e++;
                *ms = i;
                *me = e;
                return true;
            }
        }
        return false;
    case SEP_REGEX:
        for (int64_t i = from; i <= len; i++) {
            if (i < len && i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
                continue;
            int64_t e = match_at(sp, 0, s, len, i);
            if (e >= 0) {
                *ms = i;
                *me = e;
                return true;
            }
        }
        return false;
    }
    return false;
}

/* One compiled separator per thread, reused while the program splits by the
 * same separator. */
static __thread struct {
    bool valid;
    int len;
    char bytes[MAX_PATTERN];
    sep sp;
} sep_cache;

static const sep *get_sep(sr_str pat, sep *local) {
    if (pat.len <= MAX_PATTERN) {
        if (sep_cache.valid && sep_cache.len == pat.len &&
            (pat.len == 0 || memcmp(sep_cache.bytes, pat.ptr, (size_t)pat.len) == 0))
            return &sep_cache.sp;
        compile_sep(pat.ptr, (int)pat.len, &sep_cache.sp);
        if (pat.len)
            memcpy(sep_cache.bytes, pat.ptr, (size_t)pat.len);
        sep_cache.len = (int)pat.len;
        sep_cache.valid = true;
        return &sep_cache.sp;
    }
    compile_sep(pat.ptr, (int)pat.len, local);
    return local;
}

/* ===================================================================== */
/* split                                                                  */
/* ===================================================================== */

#define SPLIT_STACK 128

typedef struct collector {
    sr_str stack[SPLIT_STACK];
    int64_t n;
    sr_seq heap;      /* used once the stack is full */
    sr_arena *arena;
} collector;

static inline void collect(collector *c, sr_str piece) {
    if (SR_LIKELY(c->n < SPLIT_STACK)) {
        c->stack[c->n++] = piece;
        return;
    }
    if (c->heap.len == 0) {
        sr_seq_reserve(c->arena, &c->heap, SPLIT_STACK * 2, sizeof(sr_str));
        memcpy(c->heap.ptr, c->stack, sizeof c->stack);
        c->heap.len = SPLIT_STACK;
    }
    *(sr_str *)sr_seq_push(c->arena, &c->heap, sizeof(sr_str)) = piece;
    c->n++;
}

/* The next piece of s before a separator, searching from *from (the piece
 * starts at *index); false when no separator is left (the rest of s, from
 * *index, is the last piece). Java's rules: no empty leading piece for a
 * zero-width match at 0, and a zero-width match moves on by a character. */
static bool next_piece(const sep *sp, sr_str pat, sr_str s, int64_t *index, int64_t *from, sr_str *piece) {
    int64_t ms, me;
    while (*from <= s.len && find_sep(sp, pat.ptr, s.ptr, s.len, *from, &ms, &me)) {
        bool skip = *index == 0 && ms == 0 && me == 0;
        if (!skip) {
            *piece = (sr_str){ s.ptr + *index, ms - *index };
            *index = me;
        }
        *from = me;
        if (me == ms) {
            (*from)++;
            while (*from < s.len && ((unsigned char)s.ptr[*from] & 0xC0) == 0x80)
                (*from)++;
        }
        if (!skip)
            return true;
    }
    return false;
}

static sr_seq one_elem(sr_ctx *cx, sr_str s) {
    sr_str *p = sr_arena_alloc(cx->arena, sizeof *p);
    *p = s;
    return (sr_seq){ p, 1, 1 };
}

/* The pieces of non-empty s around the matches of pat, as Java's
 * split(pat, limit): limit > 0 gives at most limit pieces, the last one the
 * rest; limit 0 drops trailing empty pieces; limit < 0 keeps them. */
static sr_seq split_pieces(sr_ctx *cx, sr_str s, sr_str pat, int64_t limit) {
    sep local;
    const sep *sp = get_sep(pat, &local);
    collector col; /* fields set one by one: the stack array stays uninitialised */
    col.n = 0;
    col.heap = (sr_seq){ 0 };
    col.arena = cx->arena;
    int64_t index = 0, from = 0;
    bool any = false;
    for (sr_str piece; (limit <= 0 || col.n < limit - 1) && next_piece(sp, pat, s, &index, &from, &piece); any = true)
        collect(&col, piece);
    if (!any)
        return one_elem(cx, s);
    collect(&col, (sr_str){ s.ptr + index, s.len - index }); /* the rest, empty or not */
    int64_t n = col.n;
    sr_str *src = col.heap.len ? (sr_str *)col.heap.ptr : col.stack;
    if (limit == 0)
        while (n > 0 && src[n - 1].len == 0)
            n--;
    if (n == 0)
        return (sr_seq){ NULL, 0, 0 };
    if (col.heap.len)
        return (sr_seq){ col.heap.ptr, n, col.heap.cap };
    sr_str *out = sr_arena_alloc(cx->arena, (size_t)n * sizeof *out);
    memcpy(out, src, (size_t)n * sizeof *out);
    return (sr_seq){ out, n, n };
}

/* Java String.split(regex), limit 0. */
sr_seq sr_str_split(sr_ctx *cx, sr_str s, sr_str pat) {
    if (s.len == 0)
        return one_elem(cx, (sr_str){ "", 0 }); /* "".split(x) == [""] */
    /* A single ordinary byte: count the separators (a loop the compiler
     * vectorises) for the array's size, then fill it from sr_split1, which
     * drops the trailing empty pieces. */
    if (pat.len == 1 && !strchr(".$|()[{^?*+\\", pat.ptr[0]) && pat.ptr[0] != '\0') {
        const char c = pat.ptr[0];
        int64_t nsep = 0;
        for (int64_t i = 0; i < s.len; i++)
            nsep += s.ptr[i] == c;
        if (nsep == 0)
            return one_elem(cx, s);
        sr_str *out = sr_arena_alloc(cx->arena, (size_t)(nsep + 1) * sizeof *out);
        sr_split1 it;
        sr_split1_begin(&it, s, c);
        int64_t k = 0;
        while (sr_split1_next(&it, &out[k]))
            k++;
        return k ? (sr_seq){ out, k, nsep + 1 } : (sr_seq){ NULL, 0, 0 };
    }

    return split_pieces(cx, s, pat, 0);
}

sr_seq sr_str_split_limit(sr_ctx *cx, sr_str s, sr_str pat, int64_t limit) {
    if (limit == 0)
        return sr_str_split(cx, s, pat);
    if (s.len == 0)
        return one_elem(cx, (sr_str){ "", 0 });
    return split_pieces(cx, s, pat, limit);
}

/* Java String.replaceAll(regex, replacement) for the regex subset split
 * understands; the replacement is taken literally (no $1 groups). */
sr_str sr_str_replace_all(sr_ctx *cx, sr_str s, sr_str pat, sr_str to) {
    sep local;
    const sep *sp = get_sep(pat, &local);
    sr_buf out = { 0 };
    int64_t done = 0, from = 0, ms, me;
    bool any = false;
    while (from <= s.len && find_sep(sp, pat.ptr, s.ptr, s.len, from, &ms, &me)) {
        sr_buf_put(&out, s.ptr + done, (size_t)(ms - done));
        sr_buf_put(&out, to.ptr, (size_t)to.len);
        done = me;
        any = true;
        from = me;
        if (me == ms) { /* an empty match: keep the next character, move on */
            if (from >= s.len)
                break;
            int64_t next = from + 1;
            while (next < s.len && ((unsigned char)s.ptr[next] & 0xC0) == 0x80)
                next++;
            sr_buf_put(&out, s.ptr + from, (size_t)(next - from));
            done = from = next;
        }
    }
    if (!any) {
        sr_buf_free(&out);
        return s;
    }
    sr_buf_put(&out, s.ptr + done, (size_t)(s.len - done));
    sr_str r = sr_buf_to_str(cx, &out);
    sr_buf_free(&out);
    return r;
}

/* Append piece to *scratch, growing it in the arena when full. */
static inline void scratch_push(sr_ctx *cx, sr_seq *scratch, sr_str piece) {
    if (SR_UNLIKELY(scratch->len == scratch->cap))
        sr_seq_reserve(cx->arena, scratch, scratch->len < 32 ? 64 : scratch->len * 2, sizeof(sr_str));
    ((sr_str *)scratch->ptr)[scratch->len++] = piece;
}

/* sr_str_split's general path (regexes, longer or empty separators) into
 * the scratch buffer: nothing allocated per record either. */
static sr_seq split_general_scratch(sr_ctx *cx, sr_str s, sr_str pat, sr_seq *scratch) {
    scratch->len = 0;
    if (s.len == 0) { /* "".split(x) == [""] */
        scratch_push(cx, scratch, (sr_str){ "", 0 });
        return *scratch;
    }
    sep local;
    const sep *sp = get_sep(pat, &local);
    int64_t index = 0, from = 0;
    bool any = false;
    for (sr_str piece; next_piece(sp, pat, s, &index, &from, &piece); any = true)
        scratch_push(cx, scratch, piece);
    scratch_push(cx, scratch, any ? (sr_str){ s.ptr + index, s.len - index } : s);
    if (any) /* trailing empty strings go */
        while (scratch->len > 0 && ((sr_str *)scratch->ptr)[scratch->len - 1].len == 0)
            scratch->len--;
    return *scratch;
}

sr_seq sr_str_split_scratch(sr_ctx *cx, sr_str s, sr_str pat, sr_seq *scratch) {
    if (s.len == 0 || pat.len != 1 || strchr(".$|()[{^?*+\\", pat.ptr[0]) || pat.ptr[0] == '\0')
        return split_general_scratch(cx, s, pat, scratch);
    return sr_split1_scratch(cx, s, pat.ptr[0], scratch);
}

/* ===================================================================== */
/* Numbers                                                                */
/* ===================================================================== */

/* Long.parseLong: [+-]digits, nothing else; overflow is an error. */
int64_t sr_str_to_long(sr_ctx *cx, sr_str s, int site) {
    int64_t i = 0;
    bool neg = false;
    if (s.len > 0 && (s.ptr[0] == '-' || s.ptr[0] == '+')) {
        neg = s.ptr[0] == '-';
        i = 1;
    }
    if (i == s.len)
        goto bad;
    if (s.len - i <= 18) { /* below 10^18: no overflow to check */
        int64_t v = 0;
        for (; i < s.len; i++) {
            unsigned d = (unsigned char)s.ptr[i] - '0';
            if (d > 9)
                goto bad;
            v = v * 10 + (int64_t)d;
        }
        return neg ? -v : v;
    }
    /* Accumulate negatively: -9223372036854775808 fits, its opposite not. */
    int64_t v = 0;
    for (; i < s.len; i++) {
        unsigned d = (unsigned char)s.ptr[i] - '0';
        if (d > 9)
            goto bad;
        if (v < (INT64_MIN + (int64_t)d) / 10)
            goto bad;
        v = v * 10 - (int64_t)d;
    }
    if (!neg) {
        if (v == INT64_MIN)
            goto bad;
        v = -v;
    }
    return v;
bad:
    sr_fail(cx, SR_ERR_NUMBER, site);
    return 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Is p[0..n) a Java FloatingPointLiteral body (after the sign, before an
 * optional [fFdD] suffix, which the caller removed)? */
static bool java_float_syntax(const char *p, int64_t n) {
    int64_t i = 0, digits = 0;
    if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        i = 2;
        while (i < n && is_hex(p[i])) { i++; digits++; }
        if (i < n && p[i] == '.') {
            i++;
            while (i < n && is_hex(p[i])) { i++; digits++; }
        }
        if (!digits || i >= n || (p[i] != 'p' && p[i] != 'P'))
            return false; /* hex needs the binary exponent */
    } else {
        while (i < n && is_digit(p[i])) { i++; digits++; }
        if (i < n && p[i] == '.') {
            i++;
            while (i < n && is_digit(p[i])) { i++; digits++; }
        }
        if (!digits)
            return false;
        if (i == n)
            return true;
        if (p[i] != 'e' && p[i] != 'E')
            return false;
    }
    i++; /* the exponent letter */
    if (i < n && (p[i] == '+' || p[i] == '-'))
        i++;
    int64_t e = 0;
    while (i < n && is_digit(p[i])) { i++; e++; }
    return e > 0 && i == n;
}

/* Double.parseDouble: surrounding bytes <= ' ' allowed, [+-], then NaN,
 * Infinity, a decimal or hex literal with an optional f/F/d/D suffix. */
double sr_str_to_double(sr_ctx *cx, sr_str s, int site) {
    s = sr_str_trim(s);
    const char *p = s.ptr;
    int64_t n = s.len, i = 0;
    bool neg = false;
    if (n > 0 && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        i = 1;
    }
    sr_str body = { p + i, n - i };
    if (sr_str_eq(body, SR_LIT("NaN")))
        return NAN;
    if (sr_str_eq(body, SR_LIT("Infinity")))
        return neg ? -INFINITY : INFINITY;
    /* The type suffix. (A valid literal never ends in a hex digit d/f: hex
     * literals end with the decimal digits of their binary exponent.) */
    if (n > i && strchr("fFdD", p[n - 1]))
        n--;
    if (!java_float_syntax(p + i, n - i))
        goto bad;
    char small[64];
    char *buf = n < (int64_t)sizeof small ? small : sr_xmalloc((size_t)n + 1);
    memcpy(buf, p, (size_t)n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    bool ok = end == buf + n;
    if (buf != small)
        free(buf);
    if (!ok)
        goto bad;
    return v;
bad:
    sr_fail(cx, SR_ERR_NUMBER, site);
    return 0;
}

/* ===================================================================== */
/* Checked sequence access                                                */
/* ===================================================================== */

/* Where a failed access points: zeroed, big enough for any element the
 * generated code indexes (tuples of a few fields). */
#define SCRATCH_BYTES 256
static __thread _Alignas(16) unsigned char seq_scratch[SCRATCH_BYTES];

void *sr_seq_at_fail(sr_ctx *cx, size_t elem, int site) {
    assert(elem <= SCRATCH_BYTES && "sr_seq_at: element larger than the scratch slot");
    sr_fail(cx, SR_ERR_INDEX, site);
    memset(seq_scratch, 0, elem <= SCRATCH_BYTES ? elem : SCRATCH_BYTES);
    return seq_scratch;
}

/* ===================================================================== */
/* Hashing: wyhash-style (after Wang Yi's public-domain wyhash final4).   */
/* ===================================================================== */

static const uint64_t wyp[4] = { 0x2d358dccaa6c78a5ULL, 0x8bb84b93962eacc9ULL,
                                 0x4b33a62ed433d4a3ULL, 0x4d5a2da51de1aa47ULL };

static inline void wymum(uint64_t *a, uint64_t *b) {
    __uint128_t r = (__uint128_t)*a * *b;
    *a = (uint64_t)r;
    *b = (uint64_t)(r >> 64);
}
static inline uint64_t wymix(uint64_t a, uint64_t b) {
    wymum(&a, &b);
    return a ^ b;
}
static inline uint64_t rd8(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline uint64_t rd4(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t rd3(const uint8_t *p, size_t k) {
    return ((uint64_t)p[0] << 16) | ((uint64_t)p[k >> 1] << 8) | p[k - 1];
}

uint64_t sr_hash_bytes(const void *key, size_t len) {
    const uint8_t *p = key;
    uint64_t seed = wymix(0x9e3779b97f4a7c15ULL ^ wyp[0], wyp[1]);
    uint64_t a, b;
    if (SR_LIKELY(len <= 16)) {
        if (SR_LIKELY(len >= 4)) {
            a = (rd4(p) << 32) | rd4(p + ((len >> 3) << 2));
            b = (rd4(p + len - 4) << 32) | rd4(p + len - 4 - ((len >> 3) << 2));
        } else if (len > 0) {
            a = rd3(p, len);
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = len;
        if (SR_UNLIKELY(i > 48)) {
            uint64_t s1 = seed, s2 = seed;
            do {
                seed = wymix(rd8(p) ^ wyp[1], rd8(p + 8) ^ seed);
                s1 = wymix(rd8(p + 16) ^ wyp[2], rd8(p + 24) ^ s1);
                s2 = wymix(rd8(p + 32) ^ wyp[3], rd8(p + 40) ^ s2);
                p += 48;
                i -= 48;
            } while (SR_LIKELY(i > 48));
            seed ^= s1 ^ s2;
        }
        while (SR_UNLIKELY(i > 16)) {
            seed = wymix(rd8(p) ^ wyp[1], rd8(p + 8) ^ seed);
            i -= 16;
            p += 16;
        }
        a = rd8(p + i - 16);
        b = rd8(p + i - 8);
    }
    a ^= wyp[1];
    b ^= seed;
    wymum(&a, &b);
    return wymix(a ^ wyp[0] ^ len, b ^ wyp[1]);
}
