/* emit.c - lay out the C program for a checked, planned .stream program.
 *
 * The file, top to bottom:
 *   banner, #include "streamrt.h"
 *   types          one struct per tuple and Option type
 *   value code     toString / equality / hash / order / copy per type
 *   data           top-level values, broadcast values, driver statics
 *   lambdas        one static function each (driver helpers before them)
 *   stages         one function per materialised DAG node (memoised per
 *                  batch), keyed operators as map and reduce tasks
 *   outputs        one function per output operation
 *   run_batch, init, the program table, main
 */
#include "emit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fuse.h"
#include "version.h"

/* ===================================================================== */
/* Writing                                                               */
/* ===================================================================== */

void emit(emitter *E, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(E->out, fmt, ap);
    va_end(ap);
}

void emitln(emitter *E, const char *fmt, ...) {
    for (int i = 0; i < E->indent; i++)
        sb_puts(E->out, "    ");
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(E->out, fmt, ap);
    va_end(ap);
    sb_putc(E->out, '\n');
}

void emit_line_of(emitter *E, const ast *n) {
    int line, col;
    source_line_col(E->p->src, n->loc.start, &line, &col);
    char *file = c_string_lit(E->p->src->path, strlen(E->p->src->path));
    sb_printf(E->out, "#line %d %s\n", line, file);
    free(file);
}

/* Point #line back at the emitted file itself after code from the source. */
static void emit_line_restore(emitter *E) {
    if (!E->opt->line_directives || E->out != &E->file)
        return;
    int line = 2;
    for (size_t i = 0; i < E->file.len; i++)
        line += E->file.ptr[i] == '\n';
    const char *name = E->opt->c_name ? E->opt->c_name : "streamc-output.c";
    char *file = c_string_lit(name, strlen(name));
    sb_printf(E->out, "#line %d %s\n", line, file);
    free(file);
}

const char *tkey(const type *t) {
    static char ring[8][16];
    static int next;
    char *out = ring[next++ & 7];
    snprintf(out, sizeof ring[0], "t%d", t->id);
    return out;
}

char *zero_of(const type *t) {
    switch (t->kind) {
    case TY_INT: return xstrdup("((int64_t)0)");
    case TY_DOUBLE: return xstrdup("0.0");
    case TY_BOOL: return xstrdup("false");
    default:
        break;
    }
    /* (T){0} draws -Wmissing-braces when T's first member is a struct, and
     * {{0}} then -Wmissing-field-initializers: a zero static instead */
    const type *first = t; /* a tuple's first field, down to a non-tuple */
    while (first->kind == TY_TUPLE)
        first = first->elems[0];
    bool scalar_first = first->kind == TY_INT || first->kind == TY_DOUBLE || first->kind == TY_BOOL ||
                        first->kind == TY_TIME;
    bool struct_first = t->kind == TY_KRECORD || t->kind == TY_ORANGE || (first != t && !scalar_first);
    if (struct_first)
        return xasprintf("({ static const %s _zero; _zero; })", ty_c(t));
    return xasprintf("((%s){0})", ty_c(t));
}

/* ===================================================================== */
/* Types and their value functions                                       */
/* ===================================================================== */

static void emit_types(emitter *E) {
    emit(E, "/* ---- types ---- */\n");
    for (int i = 0; i < ty_count(); i++) {
        const type *t = ty_at(i);
        if (!ty_is_value(t) || (t->kind != TY_TUPLE && t->kind != TY_OPTION))
            continue;
        emit(E, "typedef struct %s { ", ty_c(t));
        if (t->kind == TY_TUPLE)
            for (int f = 0; f < t->nelems; f++)
                emit(E, "%s _%d; ", ty_c(t->elems[f]), f + 1);
        else
            emit(E, "bool some; %s v; ", ty_c(t->elems[0]));
        emit(E, "} %s; /* %s */\n", ty_c(t), ty_name(t));
    }
    emit(E, "\n");
}

static const char *coll_display(seq_coll c) {
    switch (c) {
    case COLL_SEQ: case COLL_LIST: return "List";
    case COLL_ARRAY: return "Array";
    case COLL_BUFFER: return "ListBuffer";
    case COLL_ARRAYBUF: return "ArrayBuffer";
    case COLL_ITERABLE: return "CompactBuffer";
    case COLL_MAP: return "Map";
    case COLL_SET: return "Set";
    }
    return "List";
}

/* The members of the Kafka records (streamrt.h's sr_krec and
 * sr_offset_range), in their encoding's order. */
typedef struct record_member {
    type_kind kind;
    const char *field;
    bool str;               /* sr_str (null allowed), else int64_t */
} record_member;
static const record_member record_members[] = {
    { TY_KRECORD, "key", true }, { TY_KRECORD, "value", true }, { TY_KRECORD, "topic", true },
    { TY_KRECORD, "partition", false }, { TY_KRECORD, "offset", false }, { TY_KRECORD, "timestamp", false },
    { TY_ORANGE, "topic", true }, { TY_ORANGE, "partition", false }, { TY_ORANGE, "from", false },
    { TY_ORANGE, "until", false }, { 0, NULL, false },
};

/* eq_ and copy_ member by member; hash_ and cmp_ by (topic, partition,
 * `pos`): where the record is in Kafka. */
static void emit_record_functions(emitter *E, const type *t, const char *pos) {
    char k[16], c[32];
    snprintf(k, sizeof k, "%s", tkey(t));
    snprintf(c, sizeof c, "%s", ty_c(t));
    emit(E, "static inline bool eq_%s(%s a, %s b) {\n    return true", k, c, c);
    for (const record_member *m = record_members; m->field; m++)
        if (m->kind == t->kind)
            emit(E, m->str ? " && sr_str_eq(a.%s, b.%s)" : " && a.%s == b.%s", m->field, m->field);
    emit(E, ";\n}\n");
    emit(E, "static inline uint64_t hash_%s(%s v) { return sr_hash_mix(sr_hash_mix(sr_hash_str(v.topic), sr_hash_long(v.partition)), sr_hash_long(v.%s)); }\n",
         k, c, pos);
    emit(E, "static inline int cmp_%s(%s a, %s b) {\n    int c = sr_str_cmp(a.topic, b.topic);\n", k, c, c);
    emit(E, "    if (c) return c;\n    if (a.partition != b.partition) return a.partition < b.partition ? -1 : 1;\n");
    emit(E, "    return (a.%s > b.%s) - (a.%s < b.%s);\n}\n", pos, pos, pos, pos);
    emit(E, "static inline %s copy_%s(sr_arena *a, %s v) {\n", c, k, c);
    for (const record_member *m = record_members; m->field; m++)
        if (m->kind == t->kind && m->str)
            emit(E, "    if (v.%s.ptr) v.%s = sr_str_dup(a, v.%s);\n", m->field, m->field, m->field);
    emit(E, "    return v;\n}\n");
}

/* enc_ and dec_: a value to and from its checkpoint encoding (streamrt.h);
 * dec_ allocates what the value points to in arena `a`. */
static void emit_codec_functions(emitter *E, const type *t) {
    char k[16], c[32];
    snprintf(k, sizeof k, "%s", tkey(t));
    snprintf(c, sizeof c, "%s", ty_c(t));
    switch (t->kind) {
    case TY_INT: case TY_TIME: case TY_DOUBLE: case TY_BOOL: {
        const char *how = t->kind == TY_DOUBLE ? "f64" : t->kind == TY_BOOL ? "bool" : "i64";
        emit(E, "static inline void enc_%s(sr_buf *b, %s v) { sr_enc_%s(b, v); }\n", k, c, how);
        emit(E, "static inline %s dec_%s(sr_dec *d, sr_arena *a) { (void)a; return sr_dec_%s(d); }\n", c, k, how);
        break;
    }
    case TY_STRING:
        emit(E, "static inline void enc_%s(sr_buf *b, sr_str v) { sr_enc_str(b, v); }\n", k);
        emit(E, "static inline sr_str dec_%s(sr_dec *d, sr_arena *a) { return sr_dec_str(d, a); }\n", k);
        break;
    case TY_TUPLE:
        emit(E, "static inline void enc_%s(sr_buf *b, %s v) {\n", k, c);
        for (int f = 0; f < t->nelems; f++)
            emit(E, "    enc_%s(b, v._%d);\n", tkey(t->elems[f]), f + 1);
        emit(E, "}\nstatic inline %s dec_%s(sr_dec *d, sr_arena *a) {\n    %s v;\n", c, k, c);
        for (int f = 0; f < t->nelems; f++)
            emit(E, "    v._%d = dec_%s(d, a);\n", f + 1, tkey(t->elems[f]));
        emit(E, "    return v;\n}\n");
        break;
    case TY_OPTION: {
        char ek[16];
        snprintf(ek, sizeof ek, "%s", tkey(t->elems[0]));
        emit(E, "static inline void enc_%s(sr_buf *b, %s v) { sr_enc_bool(b, v.some); if (v.some) enc_%s(b, v.v); }\n",
             k, c, ek);
        emit(E, "static inline %s dec_%s(sr_dec *d, sr_arena *a) {\n    %s v = {0};\n", c, k, c);
        emit(E, "    if ((v.some = sr_dec_bool(d))) v.v = dec_%s(d, a);\n    return v;\n}\n", ek);
        break;
    }
    case TY_SEQ: {
        char ek[16], ec[32];
        snprintf(ek, sizeof ek, "%s", tkey(t->elems[0]));
        snprintf(ec, sizeof ec, "%s", ty_c(t->elems[0]));
        emit(E, "static inline void enc_%s(sr_buf *b, sr_seq v) {\n    sr_enc_u64(b, (uint64_t)v.len);\n", k);
        emit(E, "    for (int64_t i = 0; i < v.len; i++) enc_%s(b, SR_SEQ_AT(%s, v, i));\n}\n", ek, ec);
        emit(E, "static inline sr_seq dec_%s(sr_dec *d, sr_arena *a) {\n", k);
        emit(E, "    sr_seq v = {0};\n    int64_t n = sr_dec_count(d);\n");
        emit(E, "    sr_seq_reserve(a, &v, n ? n : 1, sizeof(%s));\n", ec);
        emit(E, "    for (int64_t i = 0; i < n && !d->bad; i++) SR_SEQ_AT(%s, v, v.len++) = dec_%s(d, a);\n", ec, ek);
        emit(E, "    return v;\n}\n");
        break;
    }
    case TY_KRECORD:
    case TY_ORANGE:
        emit(E, "static inline void enc_%s(sr_buf *b, %s v) {\n", k, c);
        for (const record_member *m = record_members; m->field; m++)
            if (m->kind == t->kind)
                emit(E, "    sr_enc_%s(b, v.%s);\n", m->str ? "str" : "i64", m->field);
        emit(E, "}\nstatic inline %s dec_%s(sr_dec *d, sr_arena *a) {\n    %s v;\n", c, k, c);
        for (const record_member *m = record_members; m->field; m++)
            if (m->kind == t->kind)
                emit(E, "    v.%s = %s;\n", m->field, m->str ? "sr_dec_str(d, a)" : "sr_dec_i64(d)");
        emit(E, "    return v;\n}\n");
        break;
    default:
        break;
    }
}

/* fmt_ (Scala toString into a buffer), tostr_, eq_, hash_, cmp_, copy_. */
static void emit_value_functions(emitter *E, const type *t) {
    char k[16], c[32]; /* tkey() and ty_c() return rotating buffers */
    snprintf(k, sizeof k, "%s", tkey(t));
    snprintf(c, sizeof c, "%s", ty_c(t));
    emit(E, "/* %s */\n", ty_name(t));
    switch (t->kind) {
    case TY_INT:
    case TY_TIME:
    case TY_DOUBLE:
    case TY_BOOL: {
        const char *fmt = t->kind == TY_DOUBLE ? "sr_buf_double" : t->kind == TY_BOOL ? "sr_buf_bool" : "sr_buf_long";
        const char *hash = t->kind == TY_BOOL ? "sr_hash_bool" : "sr_hash_long";
        if (t->kind == TY_TIME) /* Spark's Time prints as "<ms> ms" */
            emit(E, "static inline void fmt_%s(sr_buf *b, int64_t v) { sr_buf_long(b, v); sr_buf_cstr(b, \" ms\"); }\n", k);
        else
            emit(E, "static inline void fmt_%s(sr_buf *b, %s v) { %s(b, v); }\n", k, c, fmt);
        if (t->kind == TY_TIME)
            ; /* tostr_ below, through fmt_ */
        else if (t->kind == TY_BOOL)
            emit(E, "static inline sr_str tostr_%s(sr_ctx *cx, %s v) { (void)cx; return sr_bool_to_str(v); }\n", k, c);
        else
            emit(E, "static inline sr_str tostr_%s(sr_ctx *cx, %s v) { return %s(cx, v); }\n", k, c,
                 t->kind == TY_INT ? "sr_long_to_str" : "sr_double_to_str");
        if (t->kind == TY_DOUBLE) { /* Java's Double.equals and compare */
            emit(E, "static inline bool eq_%s(double a, double b) { return sr_double_eq(a, b); }\n", k);
            emit(E, "static inline uint64_t hash_%s(double v) { return sr_hash_double(v); }\n", k);
            emit(E, "static inline int cmp_%s(double a, double b) { return sr_double_cmp(a, b); }\n", k);
        } else {
            emit(E, "static inline bool eq_%s(%s a, %s b) { return a == b; }\n", k, c, c);
            emit(E, "static inline uint64_t hash_%s(%s v) { return %s(v); }\n", k, c, hash);
            emit(E, "static inline int cmp_%s(%s a, %s b) { return (a > b) - (a < b); }\n", k, c, c);
        }
        emit(E, "static inline %s copy_%s(sr_arena *a, %s v) { (void)a; return v; }\n", c, k, c);
        break;
    }
    case TY_STRING:
        emit(E, "static inline void fmt_%s(sr_buf *b, sr_str v) { if (v.ptr) sr_buf_str(b, v); else sr_buf_cstr(b, \"null\"); }\n", k);
        emit(E, "static inline sr_str tostr_%s(sr_ctx *cx, sr_str v) { (void)cx; return v.ptr ? v : SR_LIT(\"null\"); }\n", k);
        emit(E, "static inline bool eq_%s(sr_str a, sr_str b) { return sr_str_eq(a, b); }\n", k);
        emit(E, "static inline uint64_t hash_%s(sr_str v) { return sr_hash_str(v); }\n", k);
        emit(E, "static inline int cmp_%s(sr_str a, sr_str b) { return sr_str_cmp(a, b); }\n", k);
        emit(E, "static inline sr_str copy_%s(sr_arena *a, sr_str v) { return v.ptr ? sr_str_dup(a, v) : v; }\n", k);
        break;
    case TY_TUPLE:
        emit(E, "static inline void fmt_%s(sr_buf *b, %s v) {\n    sr_buf_char(b, '(');\n", k, c);
        for (int f = 0; f < t->nelems; f++)
            emit(E, "%s    fmt_%s(b, v._%d);\n", f ? "    sr_buf_char(b, ',');\n" : "", tkey(t->elems[f]), f + 1);
        emit(E, "    sr_buf_char(b, ')');\n}\n");
        emit(E, "static inline bool eq_%s(%s a, %s b) {\n    return true", k, c, c);
        for (int f = 0; f < t->nelems; f++)
            emit(E, " && eq_%s(a._%d, b._%d)", tkey(t->elems[f]), f + 1, f + 1);
        emit(E, ";\n}\n");
        emit(E, "static inline uint64_t hash_%s(%s v) {\n    uint64_t h = %d;\n", k, c, t->nelems);
        for (int f = 0; f < t->nelems; f++)
            emit(E, "    h = sr_hash_mix(h, hash_%s(v._%d));\n", tkey(t->elems[f]), f + 1);
        emit(E, "    return h;\n}\n");
        emit(E, "static inline int cmp_%s(%s a, %s b) {\n    int c = 0;\n", k, c, c);
        for (int f = 0; f < t->nelems; f++)
            emit(E, "    if ((c = cmp_%s(a._%d, b._%d)) != 0) return c;\n", tkey(t->elems[f]), f + 1, f + 1);
        emit(E, "    return c;\n}\n");
        emit(E, "static inline %s copy_%s(sr_arena *a, %s v) {\n", c, k, c);
        for (int f = 0; f < t->nelems; f++)
            emit(E, "    v._%d = copy_%s(a, v._%d);\n", f + 1, tkey(t->elems[f]), f + 1);
        emit(E, "    return v;\n}\n");
        break;
    case TY_OPTION: {
        const char *ek = xstrdup(tkey(t->elems[0]));
        emit(E, "static inline void fmt_%s(sr_buf *b, %s v) {\n", k, c);
        emit(E, "    if (!v.some) { sr_buf_cstr(b, \"None\"); return; }\n");
        emit(E, "    sr_buf_cstr(b, \"Some(\");\n    fmt_%s(b, v.v);\n    sr_buf_char(b, ')');\n}\n", ek);
        emit(E, "static inline bool eq_%s(%s a, %s b) { return a.some == b.some && (!a.some || eq_%s(a.v, b.v)); }\n", k, c, c, ek);
        emit(E, "static inline uint64_t hash_%s(%s v) { return v.some ? sr_hash_mix(1, hash_%s(v.v)) : 0; }\n", k, c, ek);
        emit(E, "static inline int cmp_%s(%s a, %s b) { return a.some != b.some ? (int)a.some - (int)b.some : a.some ? cmp_%s(a.v, b.v) : 0; }\n", k, c, c, ek);
        emit(E, "static inline %s copy_%s(sr_arena *a, %s v) { if (v.some) v.v = copy_%s(a, v.v); return v; }\n", c, k, c, ek);
        free((char *)ek);
        break;
    }
    case TY_SEQ: {
        const char *ek = xstrdup(tkey(t->elems[0]));
        char ec[32];
        snprintf(ec, sizeof ec, "%s", ty_c(t->elems[0]));
        emit(E, "static inline void fmt_%s(sr_buf *b, sr_seq v) {\n", k);
        emit(E, "    sr_buf_cstr(b, \"%s(\");\n", coll_display(t->coll));
        emit(E, "    for (int64_t i = 0; i < v.len; i++) {\n        if (i) sr_buf_cstr(b, \", \");\n");
        if (t->coll == COLL_MAP) /* k -> v */
            emit(E, "        fmt_%s(b, SR_SEQ_AT(%s, v, i)._1);\n        sr_buf_cstr(b, \" -> \");\n"
                    "        fmt_%s(b, SR_SEQ_AT(%s, v, i)._2);\n    }\n    sr_buf_char(b, ')');\n}\n",
                 tkey(t->elems[0]->elems[0]), ec, tkey(t->elems[0]->elems[1]), ec);
        else
            emit(E, "        fmt_%s(b, SR_SEQ_AT(%s, v, i));\n    }\n    sr_buf_char(b, ')');\n}\n", ek, ec);
        emit(E, "static inline bool eq_%s(sr_seq a, sr_seq b) {\n    if (a.len != b.len) return false;\n", k);
        emit(E, "    for (int64_t i = 0; i < a.len; i++)\n        if (!eq_%s(SR_SEQ_AT(%s, a, i), SR_SEQ_AT(%s, b, i))) return false;\n    return true;\n}\n", ek, ec, ec);
        emit(E, "static inline uint64_t hash_%s(sr_seq v) {\n    uint64_t h = 7;\n", k);
        emit(E, "    for (int64_t i = 0; i < v.len; i++) h = sr_hash_mix(h, hash_%s(SR_SEQ_AT(%s, v, i)));\n    return h;\n}\n", ek, ec);
        emit(E, "static inline int cmp_%s(sr_seq a, sr_seq b) {\n", k);
        emit(E, "    for (int64_t i = 0; i < a.len && i < b.len; i++) {\n");
        emit(E, "        int c = cmp_%s(SR_SEQ_AT(%s, a, i), SR_SEQ_AT(%s, b, i));\n        if (c) return c;\n    }\n", ek, ec, ec);
        emit(E, "    return (a.len > b.len) - (a.len < b.len);\n}\n");
        emit(E, "static inline sr_seq copy_%s(sr_arena *a, sr_seq v) {\n    sr_seq r = {0};\n", k);
        emit(E, "    sr_seq_reserve(a, &r, v.len ? v.len : 1, sizeof(%s));\n", ec);
        emit(E, "    for (int64_t i = 0; i < v.len; i++) SR_SEQ_AT(%s, r, i) = copy_%s(a, SR_SEQ_AT(%s, v, i));\n", ec, ek, ec);
        emit(E, "    r.len = v.len;\n    return r;\n}\n");
        free((char *)ek);
        break;
    }
    case TY_KRECORD:
        emit(E, "static inline void fmt_%s(sr_buf *b, sr_krec v) {\n", k);
        emit(E, "    sr_buf_cstr(b, \"ConsumerRecord(topic = \"); sr_buf_str(b, v.topic);\n");
        emit(E, "    sr_buf_cstr(b, \", partition = \"); sr_buf_long(b, v.partition);\n");
        emit(E, "    sr_buf_cstr(b, \", offset = \"); sr_buf_long(b, v.offset);\n");
        emit(E, "    sr_buf_cstr(b, \", CreateTime = \"); sr_buf_long(b, v.timestamp);\n");
        emit(E, "    sr_buf_cstr(b, \", key = \"); if (v.key.ptr) sr_buf_str(b, v.key); else sr_buf_cstr(b, \"null\");\n");
        emit(E, "    sr_buf_cstr(b, \", value = \"); if (v.value.ptr) sr_buf_str(b, v.value); else sr_buf_cstr(b, \"null\");\n");
        emit(E, "    sr_buf_char(b, ')');\n}\n");
        emit_record_functions(E, t, "offset");
        break;
    case TY_ORANGE:
        emit(E, "static inline void fmt_%s(sr_buf *b, sr_offset_range v) {\n", k);
        emit(E, "    sr_buf_cstr(b, \"OffsetRange(topic: '\"); sr_buf_str(b, v.topic);\n");
        emit(E, "    sr_buf_cstr(b, \"', partition: \"); sr_buf_long(b, v.partition);\n");
        emit(E, "    sr_buf_cstr(b, \", range: [\"); sr_buf_long(b, v.from);\n");
        emit(E, "    sr_buf_cstr(b, \" -> \"); sr_buf_long(b, v.until);\n    sr_buf_cstr(b, \"])\");\n}\n");
        emit_record_functions(E, t, "from");
        break;
    default:
        return;
    }
    emit_codec_functions(E, t);
    if (t->kind == TY_TUPLE || t->kind == TY_OPTION || t->kind == TY_SEQ || t->kind == TY_TIME ||
        t->kind == TY_KRECORD || t->kind == TY_ORANGE)
        emit(E, "static inline sr_str tostr_%s(sr_ctx *cx, %s v) {\n    sr_buf b = {0};\n    fmt_%s(&b, v);\n"
                "    sr_str s = sr_buf_to_str(cx, &b);\n    sr_buf_free(&b);\n    return s;\n}\n", k, c, k);
    emit(E, "\n");
}

/* ===================================================================== */
/* Data and lambdas                                                      */
/* ===================================================================== */

static void emit_data(emitter *E) {
    program *p = E->p;
    emit(E, "/* ---- program data ---- */\n");
    emit(E, "static sr_arena sr_prog_arena; /* values kept for the whole run */\n");
    for (int i = 0; i < p->nglobals; i++) {
        binding *b = p->globals[i];
        if (b->ty->kind == TY_BROADCAST)
            emit(E, "static sr_seq %s_live, %s_snap; /* broadcast %s: driver's copy, this batch's copy */\n",
                 b->cname, b->cname, b->name);
        else if (b->ty->kind == TY_RDD)
            emit(E, "static sr_seq %s; /* %s: parallelized at start */\n", b->cname, b->name);
        else if (ty_is_value(b->ty))
            emit(E, "static %s %s; /* %s */\n", ty_c(b->ty), b->cname, b->name);
    }
    for (int i = 0; i < p->nstatics; i++) {
        binding *b = p->statics[i];
        if (ty_is_value(b->ty) || b->ty->kind == TY_RDD)
            emit(E, "static %s %s SR_UNUSED; /* driver: %s */\n", ty_c(b->ty), b->cname, b->name);
    }
    emit(E, "\n");
}

static void emit_lambdas(emitter *E) {
    program *p = E->p;
    emit(E, "/* ---- lambdas ---- */\n");
    for (int i = 0; i < p->nlambdas; i++) {
        lambda_info *li = p->lambdas[i];
        if (li->is_inline)
            continue;
        emit(E, "static %s L%d(sr_ctx *cx", ty_c(li->ret), li->id);
        for (int j = 0; j < li->nparams; j++)
            emit(E, ", %s", ty_c(li->params[j]->ty));
        emit(E, ") SR_UNUSED; /* an unused lambda belongs to an RDD no action uses */\n");
    }
    emit(E, "\n");
    for (int i = 0; i < p->nlambdas; i++) {
        lambda_info *li = p->lambdas[i];
        if (li->is_inline)
            continue;
        strbuf body = { 0 }, pending = { 0 };
        E->out = &body;
        E->pending = &pending;
        lower_lambda(E, li);
        E->out = &E->file;
        E->pending = NULL;
        if (pending.ptr)
            sb_puts(&E->file, pending.ptr);
        sb_puts(&E->file, body.ptr);
        emit_line_restore(E);
        emit(E, "\n");
        sb_free(&body);
        sb_free(&pending);
    }
}

/* ===================================================================== */
/* Stages: one function per materialised node                            */
/* ===================================================================== */

/* The steps of the fused chain that ends in `in`, and its materialised base. */
static int chain_steps(emitter *E, dag_node *in, step *steps, dag_node **base) {
    dag_node **chain = xmalloc((size_t)E->p->dag.len * sizeof *chain);
    int n = plan_chain(in, chain, base);
    for (int i = 0; i < n; i++)
        steps[i] = step_of(chain[i]);
    free(chain);
    return n;
}

static void emit_stage_comment(emitter *E, dag_node *n, const step *steps, int nsteps) {
    int line, col;
    source_line_col(E->p->src, n->at->loc.start, &line, &col);
    emit(E, "/* node %d: %s (line %d)", n->id, op_spelling(n->op), line);
    if (nsteps) {
        emit(E, ", fused:");
        for (int i = 0; i < nsteps; i++)
            emit(E, " %s", op_spelling(steps[i].op));
    }
    emit(E, " */\n");
}

/* for (init; cond; i++) over the elements in[i] of `in`; the body is the
 * steps followed by the sink. */
static void emit_element_loop(emitter *E, const char *init, const char *cond, const type *in_t,
                              const step *steps, int nsteps, sink_fn sink, void *arg) {
    emitln(E, "for (%s; %s; i++) {", init, cond);
    E->indent++;
    emitln(E, "%s x SR_UNUSED = SR_SEQ_AT(%s, in, i);", ty_c(in_t), ty_c(in_t));
    emit_steps(E, steps, nsteps, "x", in_t, sink, arg);
    E->indent--;
    emitln(E, "}");
}

/* The per-element loop over partition `task` of `in_expr`. */
static void emit_task_loop(emitter *E, const char *in_expr, const type *in_t, const step *steps,
                           int nsteps, sink_fn sink, void *arg) {
    emitln(E, "sr_seq in = %s;", in_expr);
    emit_step_locals(E, steps, nsteps);
    emit_element_loop(E, "int64_t i = 0", "i < in.len", in_t, steps, nsteps, sink, arg);
}

static void sink_push_out(emitter *E, const char *var, const type *t, void *arg) {
    (void)arg;
    emitln(E, "*(%s *)sr_seq_push(cx->arena, out, sizeof(%s)) = %s;", ty_c(t), ty_c(t), var);
}

static void emit_memo_begin(emitter *E, dag_node *n) {
    emit(E, "static int64_t n%d_at = -1; /* batch index n%d_rdd belongs to */\n", n->id, n->id);
    emit(E, "static sr_rdd n%d_rdd;\n", n->id);
    emit(E, "static sr_rdd node_%d(sr_batch *b) {\n", n->id);
    emit(E, "    if (n%d_at == b->index) return n%d_rdd;\n", n->id, n->id);
}

static void emit_memo_end(emitter *E, dag_node *n, const char *result) {
    emit(E, "    n%d_at = b->index;\n    return n%d_rdd = %s;\n}\n\n", n->id, n->id, result);
}

static void emit_narrow(emitter *E, dag_node *n) {
    step steps[64];
    dag_node *base;
    int ns = chain_steps(E, n->in[0], steps, &base);
    steps[ns++] = step_of(n);
    emit_stage_comment(E, n, steps, ns);
    bool one_to_one = true;
    for (int i = 0; i < ns; i++)
        one_to_one &= steps[i].op == OP_MAP || steps[i].op == OP_MAPVALUES;
    emit(E, "static void node_%d_task(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", n->id);
    E->indent = 1;
    emitln(E, "sr_rdd *io = arg; /* io[0]: input, io[1]: output */");
    emitln(E, "sr_seq *out = &io[1].parts[task];");
    if (one_to_one)
        emitln(E, "sr_seq_reserve(cx->arena, out, io[0].parts[task].len, sizeof(%s));", ty_c(n->elem));
    emit_task_loop(E, "io[0].parts[task]", base->elem, steps, ns, sink_push_out, NULL);
    E->indent = 0;
    emit(E, "}\n");
    emit_memo_begin(E, n);
    emit(E, "    sr_rdd io[2] = { node_%d(b), {0} };\n", base->id);
    emit(E, "    io[1] = sr_rdd_new(b, io[0].nparts);\n");
    emit(E, "    sr_run_tasks(b, io[0].nparts, node_%d_task, io);\n", n->id);
    emit_memo_end(E, n, "io[1]");
}

/* ---- keyed operators ---- */

typedef struct keyed_sink {
    dag_node *n;
    int side;     /* which input (joins) */
} keyed_sink;

/* map side of reduceByKey / countByValue: combine into the task's table,
 * through the table's look-ahead queue (SR_MAP_DEFINE), which fetches what
 * each lookup needs ahead and hands the element back SR_AHEAD elements
 * later for node_<id>_put (sink_combine); or, while the table stays in
 * cache, directly (sink_put). Keys and values are views into the batch's
 * arena or input, valid while they wait. */
static void emit_combine_sink(emitter *E, const char *var, const type *t, keyed_sink *ks, bool queued) {
    dag_node *n = ks->n;
    bool by_value = n->op == OP_COUNTBYVALUE;
    const type *K = by_value ? t : t->elems[0];
    char *key = by_value ? xstrdup(var) : xasprintf("%s._1", var);
    char *val = by_value ? xstrdup("1") : xasprintf("%s._2", var);
    if (queued) {
        emitln(E, "if (M%d_ahead_push(m, &ahead, %s, hash_%s(%s), %s, &rk, &rh, &rv))", n->id, key, tkey(K), key, val);
        emitln(E, "    node_%d_put(cx, m, rk, rh, rv);", n->id);
    } else {
        emitln(E, "node_%d_put(cx, m, %s, hash_%s(%s), %s);", n->id, key, tkey(K), key, val);
    }
    free(key);
    free(val);
}

static void sink_combine(emitter *E, const char *var, const type *t, void *arg) {
    emit_combine_sink(E, var, t, arg, true);
}

static void sink_put(emitter *E, const char *var, const type *t, void *arg) {
    emit_combine_sink(E, var, t, arg, false);
}

/* node_<id>_<name>: one element into table m, combined with its key's value
 * or added; copy_key: a new key is copied into the task's arena (the map
 * side's keys are views into the batch), else it is kept as it is (the
 * reduce side's keys are the map tables' copies). */
static void emit_combine_fn(emitter *E, dag_node *n, const type *K, const type *V, const char *name, bool copy_key) {
    bool by_value = n->op == OP_COUNTBYVALUE;
    /* always inlined: the fused loop has two calls of put, and GCC then
     * left it out of line (10-14% of a word count) */
    emit(E, "static inline SR_ALWAYS_INLINE void node_%d_%s(sr_ctx *cx, M%d *m, %s key, uint64_t hash, %s val) {\n", n->id, name,
         n->id, ty_c(K), ty_c(V));
    if (!copy_key) /* a merge copies no key; its combine may not use cx either */
        emit(E, "    (void)cx;\n");
    emit(E, "    bool added;\n");
    emit(E, "    %s *v = M%d_put(m, key, hash, &added);\n", ty_c(V), n->id);
    if (copy_key) /* the table keeps its own copy of a new key: compact, cache-friendly */
        emit(E, "    if (added) { *M%d_last_key(m) = copy_%s(cx->arena, key); *v = val; return; }\n", n->id, tkey(K));
    else
        emit(E, "    if (added) { *v = val; return; }\n");
    if (by_value) {
        emit(E, "    *v = sr_add(*v, val);\n");
    } else {
        lambda_info *li = sem_lambda(n->fn);
        emit(E, "    %s r = L%d(cx, *v, val);\n", ty_c(V), li->id);
        if (li->may_fail)
            emit(E, "    if (SR_UNLIKELY(cx->err)) { sr_drop(cx); return; }\n");
        emit(E, "    *v = r;\n");
    }
    emit(E, "}\n");
}

/* map side of groupByKey and the joins: collect values per key */
static void sink_collect(emitter *E, const char *var, const type *t, void *arg) {
    keyed_sink *ks = arg;
    const type *K = t->elems[0], *V = t->elems[1];
    emitln(E, "bool added;");
    emitln(E, "sr_seq *vs = M%d_%d_put(m, %s._1, hash_%s(%s._1), &added);", ks->n->id, ks->side, var,
           tkey(K), var);
    emitln(E, "if (added) *vs = (sr_seq){0};");
    emitln(E, "*(%s *)sr_seq_push(cx->arena, vs, sizeof(%s)) = %s._2;", ty_c(V), ty_c(V), var);
}

static void sink_count(emitter *E, const char *var, const type *t, void *arg) {
    (void)t, (void)arg;
    emitln(E, "(void)%s;", var);
    emitln(E, "count++;");
}

static void sink_reduce(emitter *E, const char *var, const type *t, void *arg) {
    keyed_sink *ks = arg;
    lambda_info *li = sem_lambda(ks->n->fn);
    emitln(E, "if (!has) { acc = %s; has = true; continue; }", var);
    emitln(E, "%s r = L%d(cx, acc, %s);", ty_c(t), li->id, var);
    if (li->may_fail)
        emitln(E, "if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }");
    emitln(E, "acc = r;");
}

/* An array NAME_tables of maps of type M kept across batches, one per task,
 * grown by NAME_tables_for(n) when more tasks come. */
static void emit_table_array(emitter *E, const char *M, const char *name) {
    emit(E, "static %s *%s_tables;\nstatic int %s_ntables;\n", M, name, name);
    emit(E, "static %s *%s_tables_for(int n) {\n", M, name);
    emit(E, "    if (n > %s_ntables) {\n", name);
    emit(E, "        %s_tables = sr_xrealloc(%s_tables, (size_t)n * sizeof *%s_tables);\n", name, name, name);
    emit(E, "        for (int i = %s_ntables; i < n; i++) %s_init(&%s_tables[i]);\n", name, M, name);
    emit(E, "        %s_ntables = n;\n    }\n    return %s_tables;\n}\n", name, name);
}

/* A map type M and its per-task array M_tables. */
static void emit_tables(emitter *E, const char *M, const char *K, const char *V, const char *eq) {
    emit(E, "SR_MAP_DEFINE(%s, %s, %s, %s)\n", M, K, V, eq);
    emit_table_array(E, M, M);
}

static void emit_count_or_reduce(emitter *E, dag_node *n) {
    step steps[64];
    dag_node *base;
    int ns = chain_steps(E, n->in[0], steps, &base);
    bool count = n->op == OP_COUNT;
    const type *T = count ? n->in[0]->elem : n->elem;
    keyed_sink ks = { n, 0 };
    emit_stage_comment(E, n, steps, ns);
    emit(E, "struct n%d_io { sr_rdd in; %s *acc; bool *has; };\n", n->id, count ? "int64_t" : ty_c(T));
    emit(E, "static void node_%d_task(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", n->id);
    E->indent = 1;
    emitln(E, "struct n%d_io *io = arg;", n->id);
    if (count)
        emitln(E, "int64_t count = 0;");
    else {
        char *z = zero_of(T);
        emitln(E, "%s acc = %s;", ty_c(T), z);
        emitln(E, "bool has = false;");
        free(z);
    }
    emit_task_loop(E, "io->in.parts[task]", base->elem, steps, ns, count ? sink_count : sink_reduce, &ks);
    emitln(E, "io->acc[task] = %s;", count ? "count" : "acc");
    if (!count)
        emitln(E, "io->has[task] = has;");
    E->indent = 0;
    emit(E, "}\n");
    emit_memo_begin(E, n);
    emit(E, "    struct n%d_io io = { node_%d(b), NULL, NULL };\n", n->id, base->id);
    emit(E, "    io.acc = sr_arena_alloc(b->driver->arena, (size_t)io.in.nparts * sizeof *io.acc);\n");
    emit(E, "    io.has = sr_arena_alloc(b->driver->arena, (size_t)io.in.nparts * sizeof *io.has);\n");
    emit(E, "    sr_run_tasks(b, io.in.nparts, node_%d_task, &io);\n", n->id);
    emit(E, "    sr_rdd out = sr_rdd_new(b, 1);\n");
    if (count) {
        emit(E, "    int64_t total = 0;\n");
        emit(E, "    for (int t = 0; t < io.in.nparts; t++) total += io.acc[t];\n");
        if (n->count) { /* countByWindow */
            emit(E, "    static bool seen; /* has any element arrived yet? */\n");
            emit(E, "    seen |= total > 0;\n");
            emit(E, "    if (seen)\n    ");
        }
        emit(E, "    *(int64_t *)sr_seq_push(b->driver->arena, &out.parts[0], sizeof(int64_t)) = total;\n");
    } else {
        lambda_info *li = sem_lambda(n->fn);
        char *z = zero_of(T);
        emit(E, "    sr_ctx *cx = b->driver;\n    bool has = false;\n    %s acc = %s;\n", ty_c(T), z);
        free(z);
        emit(E, "    for (int t = 0; t < io.in.nparts; t++) {\n");
        emit(E, "        if (!io.has[t]) continue;\n");
        emit(E, "        if (!has) { acc = io.acc[t]; has = true; continue; }\n");
        emit(E, "        %s r = L%d(cx, acc, io.acc[t]);\n", ty_c(T), li->id);
        emit(E, "        if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }\n");
        emit(E, "        acc = r;\n    }\n");
        emit(E, "    if (has) *(%s *)sr_seq_push(cx->arena, &out.parts[0], sizeof(%s)) = acc;\n", ty_c(T), ty_c(T));
    }
    emit_memo_end(E, n, "out");
}

/* The end of a keyed reduce task: every entry of table `table` (an
 * expression of a map, entries at table.ents[j]) appended to partition
 * `task` of `outs` as `elem` (C, may use j). */
static void emit_table_out(emitter *E, const char *outs, const char *table, const char *tc, const char *elem) {
    emit(E, "    sr_seq *out = &%s.parts[task];\n", outs);
    emit(E, "    sr_seq_reserve(cx->arena, out, %s.len ? %s.len : 1, sizeof(%s));\n", table, table, tc);
    emit(E, "    for (int64_t j = 0; j < %s.len; j++)\n", table);
    emit(E, "        SR_SEQ_AT(%s, *out, out->len++) = %s;\n", tc, elem);
}

/* The reduce side's scan: a loop over the entries `e` (M_ent *) of key
 * partition `task` in every map table `tables`[0 .. `ntables`) of type M,
 * in table order, then entry order (so values meet in input order). The
 * entries of each block of SR_SELECT are picked first, without a branch
 * per entry. `parts` (sr_parts) and `task` are in scope; the body follows
 * at E->indent + 3, closed by emit_part_scan_end. */
static void emit_part_scan_begin(emitter *E, const char *M, const char *tables, const char *ntables) {
    emitln(E, "for (int t = 0; t < %s; t++) {", ntables);
    emitln(E, "    %s *m = &%s[t];", M, tables);
    emitln(E, "    for (int64_t from = 0; from < m->len; from += SR_SELECT) {");
    emitln(E, "        int32_t sel[SR_SELECT];");
    emitln(E, "        int nsel = %s_select(m, from, parts, (uint32_t)task, sel);", M);
    emitln(E, "        for (int j = 0; j < nsel; j++) {");
    emitln(E, "            %s_ent *e = &m->ents[sel[j]];", M);
}

static void emit_part_scan_end(emitter *E) {
    emitln(E, "        }");
    emitln(E, "    }");
    emitln(E, "}");
}

static void emit_reduce_by_key(emitter *E, dag_node *n) {
    step steps[64];
    dag_node *base;
    int ns = chain_steps(E, n->in[0], steps, &base);
    const type *T = n->elem, *K = T->elems[0], *V = T->elems[1];
    char M[32], eq[32];
    snprintf(M, sizeof M, "M%d", n->id);
    snprintf(eq, sizeof eq, "eq_%s", tkey(K));
    keyed_sink ks = { n, 0 };
    emit_stage_comment(E, n, steps, ns);
    emit_tables(E, M, ty_c(K), ty_c(V), eq);
    char R[32];
    snprintf(R, sizeof R, "R%d", n->id);
    emit_table_array(E, M, R); /* the reduce side's tables, one per key partition */
    /* map side */
    emit_combine_fn(E, n, K, V, "put", true);
    emit(E, "static void node_%d_map(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", n->id);
    E->indent = 1;
    emitln(E, "sr_rdd *io = arg;");
    emitln(E, "%s *m = &%s_tables[task];", M, M);
    emitln(E, "%s_clear(m);", M);
    emitln(E, "%s_ahead ahead;", M);
    emitln(E, "%s_ahead_init(&ahead);", M);
    emitln(E, "%s rk = {0};", ty_c(K));
    emitln(E, "uint64_t rh = 0;");
    emitln(E, "%s rv = {0};", ty_c(V));
    emitln(E, "sr_seq in = io[0].parts[task];");
    emit_step_locals(E, steps, ns);
    emitln(E, "int64_t i = 0;");
    emitln(E, "/* while the table stays in cache, puts go straight in; then through the queue */");
    char cached[64];
    snprintf(cached, sizeof cached, "i < in.len && %s_cached(m)", M);
    emit_element_loop(E, "", cached, base->elem, steps, ns, sink_put, &ks);
    emit_element_loop(E, "", "i < in.len", base->elem, steps, ns, sink_combine, &ks);
    emitln(E, "while (%s_ahead_pop(&ahead, &rk, &rh, &rv))", M);
    emitln(E, "    node_%d_put(cx, m, rk, rh, rv);", n->id);
    E->indent = 0;
    emit(E, "}\n");
    /* reduce side: partition `task` of the keys, merged through the
     * look-ahead queue (the keys are the map tables' copies: no copy) */
    emit_combine_fn(E, n, K, V, "merge", false);
    emit(E, "static void node_%d_reduce(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", n->id);
    emit(E, "    sr_rdd *io = arg;\n");
    emit(E, "    sr_parts parts = sr_parts_of(io[1].nparts);\n");
    emit(E, "    %s *r = &%s_tables[0]; /* one map task, one reducer: its table is the result */\n", M, M);
    emit(E, "    if (io[0].nparts > 1 || parts.n > 1) {\n");
    emit(E, "        r = &R%d_tables[task];\n", n->id);
    emit(E, "        %s_clear(r);\n", M);
    emit(E, "        %s_ahead ahead;\n", M);
    emit(E, "        %s_ahead_init(&ahead);\n", M);
    emit(E, "        %s rk = {0};\n        uint64_t rh = 0;\n        %s rv = {0};\n", ty_c(K), ty_c(V));
    {
        char tables[40];
        snprintf(tables, sizeof tables, "%s_tables", M);
        E->indent = 2;
        emit_part_scan_begin(E, M, tables, "io[0].nparts");
        emitln(E, "            if (%s_ahead_push(r, &ahead, e->key, e->hash, e->val, &rk, &rh, &rv))", M);
        emitln(E, "                node_%d_merge(cx, r, rk, rh, rv);", n->id);
        emit_part_scan_end(E);
        E->indent = 0;
    }
    emit(E, "        while (%s_ahead_pop(&ahead, &rk, &rh, &rv))\n", M);
    emit(E, "            node_%d_merge(cx, r, rk, rh, rv);\n", n->id);
    emit(E, "    }\n");
    {
        char tc[32], elem[96];
        snprintf(tc, sizeof tc, "%s", ty_c(T));
        snprintf(elem, sizeof elem, "(%s){r->ents[j].key, r->ents[j].val}", tc);
        emit_table_out(E, "io[1]", "(*r)", tc, elem);
    }
    emit(E, "}\n");
    emit_memo_begin(E, n);
    emit(E, "    sr_rdd io[2] = { node_%d(b), sr_rdd_new(b, b->nworkers) };\n", base->id);
    emit(E, "    %s_tables_for(io[0].nparts);\n", M);
    emit(E, "    R%d_tables_for(b->nworkers);\n", n->id);
    emit(E, "    sr_run_tasks(b, io[0].nparts, node_%d_map, io);\n", n->id);
    emit(E, "    sr_run_tasks(b, io[1].nparts, node_%d_reduce, io);\n", n->id);
    emit_memo_end(E, n, "io[1]");
}

/* groupByKey, join, leftOuterJoin, rightOuterJoin, fullOuterJoin, cogroup:
 * each input's chain collects values per key (map side); the reduce side
 * merges, per key partition, the left values then the right values. */
static void emit_grouping(emitter *E, dag_node *n) {
    int sides = n->op == OP_GROUPBYKEY ? 1 : 2;
    const type *T = n->elem, *K = T->elems[0];
    dag_node *base[2];
    emit(E, "/* node %d: %s */\n", n->id, op_spelling(n->op));
    for (int s = 0; s < sides; s++) {
        step steps[64];
        int ns = chain_steps(E, n->in[s], steps, &base[s]);
        keyed_sink ks = { n, s };
        char M[32], eq[32];
        snprintf(M, sizeof M, "M%d_%d", n->id, s);
        snprintf(eq, sizeof eq, "eq_%s", tkey(K));
        emit_tables(E, M, ty_c(K), "sr_seq", eq);
        emit(E, "static void node_%d_map%d(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", n->id, s);
        E->indent = 1;
        emitln(E, "sr_rdd *io = arg;");
        emitln(E, "%s *m = &%s_tables[task];", M, M);
        emitln(E, "%s_clear(m);", M);
        emit_task_loop(E, "io[0].parts[task]", base[s]->elem, steps, ns, sink_collect, &ks);
        E->indent = 0;
        emit(E, "}\n");
    }
    emit(E, "typedef struct J%d_vals { sr_seq l, r; } J%d_vals;\n", n->id, n->id);
    char M[32], eq[32], vals[32];
    snprintf(M, sizeof M, "J%d", n->id);
    snprintf(eq, sizeof eq, "eq_%s", tkey(K));
    snprintf(vals, sizeof vals, "J%d_vals", n->id);
    emit_tables(E, M, ty_c(K), vals, eq);
    emit(E, "struct n%d_io { sr_rdd in[2]; sr_rdd out; };\n", n->id);
    emit(E, "static void node_%d_reduce(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", n->id);
    emit(E, "    struct n%d_io *io = arg;\n", n->id);
    emit(E, "    sr_parts parts = sr_parts_of(io->out.nparts);\n");
    emit(E, "    J%d *r = &J%d_tables[task];\n", n->id, n->id);
    emit(E, "    J%d_clear(r);\n", n->id);
    for (int s = 0; s < sides; s++) {
        const type *V = n->in[s]->elem->elems[1];
        char side_map[32], tables[48], ntables[32];
        snprintf(side_map, sizeof side_map, "M%d_%d", n->id, s);
        snprintf(tables, sizeof tables, "%s_tables", side_map);
        snprintf(ntables, sizeof ntables, "io->in[%d].nparts", s);
        E->indent = 1;
        emit_part_scan_begin(E, side_map, tables, ntables);
        emitln(E, "            bool added;");
        emitln(E, "            J%d_vals *v = J%d_put(r, e->key, e->hash, &added);", n->id, n->id);
        emitln(E, "            if (added) *v = (J%d_vals){{0}, {0}};", n->id);
        emitln(E, "            sr_seq *dst = &v->%c;", s ? 'r' : 'l');
        emitln(E, "            sr_seq_reserve(cx->arena, dst, dst->len + e->val.len, sizeof(%s));", ty_c(V));
        emitln(E, "            memcpy((%s *)dst->ptr + dst->len, e->val.ptr, (size_t)e->val.len * sizeof(%s));", ty_c(V), ty_c(V));
        emitln(E, "            dst->len += e->val.len;");
        emit_part_scan_end(E);
        E->indent = 0;
    }
    emit(E, "    sr_seq *out = &io->out.parts[task];\n");
    emit(E, "    for (int64_t i = 0; i < r->len; i++) {\n");
    emit(E, "        %s k = r->ents[i].key;\n", ty_c(K));
    emit(E, "        sr_seq ls = r->ents[i].val.l, rs = r->ents[i].val.r;\n");
    E->indent = 2;
    emit_group_output(E, n->op, T, n->in[0]->elem->elems[1],
                      sides == 2 ? n->in[1]->elem->elems[1] : NULL, "out");
    E->indent = 0;
    emit(E, "    }\n}\n");
    emit_memo_begin(E, n);
    emit(E, "    struct n%d_io io = { { node_%d(b), {0} }, sr_rdd_new(b, b->nworkers) };\n", n->id, base[0]->id);
    if (sides == 2)
        emit(E, "    io.in[1] = node_%d(b);\n", base[1]->id);
    for (int s = 0; s < sides; s++) {
        emit(E, "    M%d_%d_tables_for(io.in[%d].nparts);\n", n->id, s, s);
        emit(E, "    sr_run_tasks(b, io.in[%d].nparts, node_%d_map%d, &io.in[%d]);\n", s, n->id, s, s);
    }
    emit(E, "    J%d_tables_for(b->nworkers);\n", n->id);
    emit(E, "    sr_run_tasks(b, io.out.nparts, node_%d_reduce, &io);\n", n->id);
    emit_memo_end(E, n, "io.out");
}

/* updateStateByKey: the new values are grouped per key (map side, as
 * groupByKey); the reduce task of key partition r calls the function for
 * every key with state or new values and writes the surviving states into
 * the other of two generations of its store, whose arena is then reset:
 * memory follows the live keys. The store is kept per key partition. */
static void emit_update_state(emitter *E, dag_node *n) {
    step steps[64];
    dag_node *base;
    int ns = chain_steps(E, n->in[0], steps, &base);
    const type *T = n->elem, *K = T->elems[0], *S = T->elems[1];
    const type *V = n->in[0]->elem->elems[1];
    lambda_info *li = sem_lambda(n->fn);
    char kc[32], sc[32], kk[16], sk[16], oc[32], tc[32];
    snprintf(kc, sizeof kc, "%s", ty_c(K));
    snprintf(sc, sizeof sc, "%s", ty_c(S));
    snprintf(kk, sizeof kk, "%s", tkey(K));
    snprintf(sk, sizeof sk, "%s", tkey(S));
    snprintf(oc, sizeof oc, "%s", ty_c(ty_option(S)));
    snprintf(tc, sizeof tc, "%s", ty_c(T));
    int id = n->id;
    keyed_sink ks = { n, 0 };
    char M[32], G[32], ST[32], eq[32];
    snprintf(M, sizeof M, "M%d_0", id);
    snprintf(G, sizeof G, "G%d", id);
    snprintf(ST, sizeof ST, "ST%d", id);
    snprintf(eq, sizeof eq, "eq_%s", kk);
    emit_stage_comment(E, n, steps, ns);
    emit_tables(E, M, kc, "sr_seq", eq);
    emit(E, "typedef struct %s_new { sr_seq vs; bool seen; } %s_new; /* a key's new values */\n", G, G);
    {
        char gv[48];
        snprintf(gv, sizeof gv, "%s_new", G);
        emit_tables(E, G, kc, gv, eq);
    }
    emit(E, "SR_MAP_DEFINE(%s, %s, %s, %s)\n", ST, kc, sc, eq);
    emit(E, "typedef struct %s_part { %s map; sr_arena arena; } %s_part; /* one key partition's state */\n", ST, ST, ST);
    emit(E, "static %s_part *%s_gen[2]; /* [cur]: the state now; [!cur]: being written */\n", ST, ST);
    emit(E, "static int %s_cur, %s_parts;\n", ST, ST);
    emit_state_updatestate(E, n);
    /* map side */
    emit(E, "static void node_%d_map(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", id);
    E->indent = 1;
    emitln(E, "sr_rdd *io = arg;");
    emitln(E, "%s *m = &%s_tables[task];", M, M);
    emitln(E, "%s_clear(m);", M);
    emit_task_loop(E, "io[0].parts[task]", base->elem, steps, ns, sink_collect, &ks);
    E->indent = 0;
    emit(E, "}\n");
    /* reduce side: new state of partition `task` */
    emit(E, "static void node_%d_reduce(sr_ctx *cx, int task, void *arg) {\n", id);
    emit(E, "    sr_rdd *io = arg;\n");
    emit(E, "    sr_parts parts = sr_parts_of(io[1].nparts);\n");
    emit(E, "    %s *g = &%s_tables[task];\n", G, G);
    emit(E, "    %s_clear(g);\n", G);
    {
        char tables[40];
        snprintf(tables, sizeof tables, "%s_tables", M);
        E->indent = 1;
        emit_part_scan_begin(E, M, tables, "io[0].nparts");
        emitln(E, "            bool added;");
        emitln(E, "            %s_new *v = %s_put(g, e->key, e->hash, &added);", G, G);
        emitln(E, "            if (added) *v = (%s_new){{0}, false};", G);
        emitln(E, "            sr_seq_reserve(cx->arena, &v->vs, v->vs.len + e->val.len, sizeof(%s));", ty_c(V));
        emitln(E, "            memcpy((%s *)v->vs.ptr + v->vs.len, e->val.ptr, (size_t)e->val.len * sizeof(%s));", ty_c(V), ty_c(V));
        emitln(E, "            v->vs.len += e->val.len;");
        emit_part_scan_end(E);
        E->indent = 0;
    }
    emit(E, "    %s_part *old = &%s_gen[%s_cur][task], *now = &%s_gen[!%s_cur][task];\n", ST, ST, ST, ST, ST);
    emit(E, "    %s_clear(&now->map);\n", ST);
    emit(E, "    sr_arena_reset(&now->arena);\n");
    emit(E, "    bool added;\n");
    emit(E, "    for (int64_t i = 0; i < old->map.len; i++) { /* keys with state, in order */\n");
    emit(E, "        %s_ent *e = &old->map.ents[i];\n", ST);
    emit(E, "        if (i + SR_AHEAD < old->map.len) { /* lookups are cache misses: fetch ahead */\n");
    emit(E, "            %s_prefetch(g, e[SR_AHEAD].hash);\n", G);
    emit(E, "            %s_prefetch(&now->map, e[SR_AHEAD].hash);\n        }\n", ST);
    emit(E, "        %s_new *v = %s_find(g, e->key, e->hash);\n", G, G);
    emit(E, "        sr_seq vs = {0};\n");
    emit(E, "        if (v) { v->seen = true; vs = v->vs; }\n");
    emit(E, "        %s r = L%d(cx, vs, (%s){true, e->val});\n", oc, li->id, oc);
    emit(E, "        if (SR_UNLIKELY(cx->err)) { sr_drop(cx); r = (%s){true, e->val}; } /* keep the old state */\n", oc);
    emit(E, "        if (!r.some) continue; /* None removes the key */\n");
    emit(E, "        *%s_put(&now->map, copy_%s(&now->arena, e->key), e->hash, &added) = copy_%s(&now->arena, r.v);\n", ST, kk, sk);
    emit(E, "    }\n");
    emit(E, "    for (int64_t i = 0; i < g->len; i++) { /* keys new in this batch */\n");
    emit(E, "        if (g->ents[i].val.seen) continue;\n");
    emit(E, "        %s r = L%d(cx, g->ents[i].val.vs, (%s){0});\n", oc, li->id, oc);
    emit(E, "        if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }\n");
    emit(E, "        if (!r.some) continue;\n");
    emit(E, "        *%s_put(&now->map, copy_%s(&now->arena, g->ents[i].key), g->ents[i].hash, &added) = copy_%s(&now->arena, r.v);\n", ST, kk, sk);
    emit(E, "    }\n");
    {
        char elem[96];
        snprintf(elem, sizeof elem, "(%s){now->map.ents[j].key, now->map.ents[j].val}", tc);
        emit_table_out(E, "io[1]", "now->map", tc, elem);
    }
    emit(E, "}\n");
    /* the node: one state store per key partition, made at the first batch */
    emit_memo_begin(E, n);
    emit(E, "    %s_prepare(b->nworkers);\n", ST);
    emit(E, "    sr_rdd io[2] = { node_%d(b), sr_rdd_new(b, %s_parts) };\n", base->id, ST);
    emit(E, "    %s_tables_for(io[0].nparts);\n", M);
    emit(E, "    %s_tables_for(%s_parts);\n", G, ST);
    emit(E, "    sr_run_tasks(b, io[0].nparts, node_%d_map, io);\n", id);
    emit(E, "    sr_run_tasks(b, io[1].nparts, node_%d_reduce, io);\n", id);
    emit(E, "    %s_cur = !%s_cur;\n", ST, ST);
    emit_memo_end(E, n, "io[1]");
}

/* window(w, s): a ring of the last w/batch batches of the input, each
 * copied into its slot's arena when it arrives (win_N_ingest, every batch);
 * the window is the union of the slots in time order. */
static void emit_window(emitter *E, dag_node *n) {
    int64_t slots = n->window_ms / E->p->batch_ms;
    const char *tc = ty_c(n->elem);
    int id = n->id;
    emit(E, "/* node %d: window(%lld ms, %lld ms): the last %lld batches */\n", id, (long long)n->window_ms,
         (long long)n->slide_ms, (long long)slots);
    emit(E, "typedef struct W%d_slot { sr_arena arena; sr_seq elems; int64_t index; } W%d_slot;\n", id, id);
    emit(E, "static W%d_slot W%d_ring[%lld];\n", id, id, (long long)slots);
    emit_state_window(E, n, slots);
    emit(E, "static void win_%d_ingest(sr_batch *b) {\n", id);
    emit(E, "    W%d_prepare(b->nworkers);\n", id);
    emit(E, "    sr_rdd in = node_%d(b);\n", n->in[0]->id);
    emit(E, "    W%d_slot *s = &W%d_ring[b->index %% %lld];\n", id, id, (long long)slots);
    emit(E, "    sr_arena_reset(&s->arena);\n");
    emit(E, "    s->elems = (sr_seq){0};\n    s->index = b->index;\n");
    emit(E, "    sr_seq_reserve(&s->arena, &s->elems, sr_rdd_count(in) + 1, sizeof(%s));\n", tc);
    emit(E, "    for (int p = 0; p < in.nparts; p++)\n");
    emit(E, "        for (int64_t i = 0; i < in.parts[p].len; i++)\n");
    emit(E, "            SR_SEQ_AT(%s, s->elems, s->elems.len++) = copy_%s(&s->arena, SR_SEQ_AT(%s, in.parts[p], i));\n",
         tc, tkey(n->elem), tc);
    emit(E, "}\n");
    emit_memo_begin(E, n);
    emit(E, "    sr_rdd r = sr_rdd_new(b, %lld);\n    int k = 0;\n", (long long)slots);
    emit(E, "    for (int64_t i = b->index - %lld + 1; i <= b->index; i++) {\n", (long long)slots);
    emit(E, "        W%d_slot *s = &W%d_ring[(i + %lld) %% %lld];\n", id, id, (long long)slots, (long long)slots);
    emit(E, "        if (i >= 1 && s->index == i) r.parts[k++] = s->elems;\n    }\n");
    emit(E, "    r.nparts = k ? k : 1;\n");
    emit_memo_end(E, n, "r");
}

/* The shape of an incremental window reduce (see WM_* in dag.h): the key
 * and value types it keeps, how an input element x gives them, how two
 * values combine and uncombine, and what an output element is. */
typedef struct wshape {
    const type *K, *V, *in;
    char kc[32], vc[32], kk[16], vk[16], tc[32], xc[32];
    int f, inv;          /* lambda ids; -1: built-in + and - (counts) */
    const char *key, *val; /* printf formats of the key and value of x */
    bool single;         /* output the value alone */
} wshape;

static wshape shape_of(dag_node *n) {
    wshape w = { 0 };
    w.in = n->in[0]->elem;
    switch (n->wmode) {
    case WM_BY_VALUE: w.K = w.in; w.V = ty_int(); w.key = "%s"; w.val = "INT64_C(1)"; break;
    case WM_SINGLE: w.K = ty_int(); w.V = n->elem; w.key = "INT64_C(0)"; w.val = "%s"; w.single = true; break;
    case WM_COUNT: w.K = ty_int(); w.V = ty_int(); w.key = "INT64_C(0)"; w.val = "INT64_C(1)"; w.single = true; break;
    default: w.K = n->elem->elems[0]; w.V = n->elem->elems[1]; w.key = "%s._1"; w.val = "%s._2"; break;
    }
    snprintf(w.kc, sizeof w.kc, "%s", ty_c(w.K));
    snprintf(w.vc, sizeof w.vc, "%s", ty_c(w.V));
    snprintf(w.kk, sizeof w.kk, "%s", tkey(w.K));
    snprintf(w.vk, sizeof w.vk, "%s", tkey(w.V));
    snprintf(w.tc, sizeof w.tc, "%s", ty_c(n->elem));
    snprintf(w.xc, sizeof w.xc, "%s", ty_c(w.in));
    w.f = n->fn ? sem_lambda(n->fn)->id : -1;
    w.inv = n->inv ? sem_lambda(n->inv)->id : -1;
    return w;
}

/* a (+) b, or a (-) b with `inverse` */
static char *w_combine(const wshape *w, const char *a, const char *b, bool inverse) {
    int fn = inverse ? w->inv : w->f;
    if (fn < 0)
        return xasprintf("%s(%s, %s)", inverse ? "sr_sub" : "sr_add", a, b);
    return xasprintf("L%d(cx, %s, %s)", fn, a, b);
}

/* the output element for key k and value v */
static char *w_out(const wshape *w, const char *k, const char *v) {
    return w->single ? xstrdup(v) : xasprintf("(%s){%s, %s}", w->tc, k, v);
}

/* The loop that reduces the keys of partition `task` (of `parts`) in batch
 * `in` into the table PREFIX<id> of the pane struct `pane` (map + arena),
 * keys and values copied into the pane's arena. `added`, `cx`, `task` and
 * `parts` are in scope. */
static void emit_pane_reduce(emitter *E, dag_node *n, const wshape *w, const char *prefix, const char *pane) {
    int id = n->id;
    char *key = xasprintf(w->key, "x"), *val = xasprintf(w->val, "x");
    char *comb = w_combine(w, "*v", val, false);
    emit(E, "    for (int p = 0; p < in.nparts; p++)\n");
    emit(E, "        for (int64_t i = 0; i < in.parts[p].len; i++) {\n");
    emit(E, "            %s x SR_UNUSED = SR_SEQ_AT(%s, in.parts[p], i);\n", w->xc, w->xc);
    emit(E, "            uint64_t h = hash_%s(%s);\n", w->kk, key);
    emit(E, "            if (sr_key_part(parts, h) != (uint32_t)task) continue; /* another partition's key */\n");
    emit(E, "            %s *v = %s%d_put(&%s->map, %s, h, &added);\n", w->vc, prefix, id, pane, key);
    emit(E, "            if (added) { *%s%d_last_key(&%s->map) = copy_%s(&%s->arena, %s); *v = copy_%s(&%s->arena, %s); continue; }\n",
         prefix, id, pane, w->kk, pane, key, w->vk, pane, val);
    emit(E, "            %s r = %s;\n", w->vc, comb);
    emit(E, "            if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }\n");
    emit(E, "            *v = copy_%s(&%s->arena, r);\n        }\n", w->vk, pane);
    free(key);
    free(val);
    free(comb);
}

/* Window stores keep one part per key partition (hash of the key, as the
 * state of updateStateByKey): a part is ingested, updated and output by
 * the worker task of its partition. The number of partitions is the worker
 * count, fixed by <S>_prepare before the first batch (emit_state.c). */

/* reduceByKeyAndWindow with an inverse (and countByWindow,
 * countByValueAndWindow, reduceByWindow with an inverse): every batch is
 * reduced into its slot of a ring (per-key partials); at each slide the
 * batches that left the window are taken out of the window's table with the
 * inverse and the batches that entered are added: work follows the keys of
 * those batches, not the window's length. A filter rebuilds the table
 * without the keys it rejects. */
static void emit_window_inverse(emitter *E, dag_node *n) {
    /* the window's batches, and those that leave it by the next slide */
    int64_t slots = (n->window_ms + n->slide_ms) / E->p->batch_ms;
    wshape ws = shape_of(n);
    const char *tc = ws.tc, *kc = ws.kc, *vc = ws.vc, *kk = ws.kk, *vk = ws.vk;
    int id = n->id;
    char *uncomb = w_combine(&ws, "*v", "s->map.ents[j].val", true);
    char *comb = w_combine(&ws, "*v", "s->map.ents[j].val", false);
    char *out = w_out(&ws, "w->map.ents[j].key", "w->map.ents[j].val");
    long long W = (long long)slots, win = (long long)(n->window_ms / E->p->batch_ms);
    emit(E, "/* node %d: %s(f, inv, %lld ms, %lld ms), one store per key partition */\n", id,
         op_spelling(n->op), (long long)n->window_ms, (long long)n->slide_ms);
    emit(E, "SR_MAP_DEFINE(WI%d, %s, %s, eq_%s)\n", id, kc, vc, kk);
    emit(E, "typedef struct WI%d_part { WI%d map; sr_arena arena; int64_t index; } WI%d_part;\n", id, id, id);
    emit(E, "static WI%d_part *WI%d_ring; /* [p * %lld + slot]: a batch reduced per key */\n", id, id, W);
    emit(E, "static WI%d_part *WI%d_win;  /* [p * 2 + WI%d_cur[p]]: the window's table */\n", id, id, id);
    emit(E, "static int *WI%d_cur, WI%d_parts;\n", id, id);
    emit(E, "static int64_t WI%d_last; /* batch index of the last slide */\n", id);
    emit_state_window_inverse(E, n, ws.K, ws.V, slots);
    emit(E, "static void wininv_%d_task(sr_ctx *cx, int task, void *arg) {\n", id);
    emit(E, "    sr_rdd in = *(sr_rdd *)arg;\n    sr_parts parts = sr_parts_of(WI%d_parts);\n    bool added;\n", id);
    emit(E, "    WI%d_part *s = &WI%d_ring[task * %lld + cx->batch->index %% %lld];\n", id, id, W, W);
    emit(E, "    WI%d_clear(&s->map);\n    sr_arena_reset(&s->arena);\n    s->index = cx->batch->index;\n", id);
    emit_pane_reduce(E, n, &ws, "WI", "s");
    emit(E, "}\n");
    emit(E, "static void wininv_%d_ingest(sr_batch *b) {\n", id);
    emit(E, "    WI%d_prepare(b->nworkers);\n", id);
    emit(E, "    sr_rdd in = node_%d(b);\n", n->in[0]->id);
    emit(E, "    sr_run_tasks(b, WI%d_parts, wininv_%d_task, &in);\n}\n", id, id);
    /* the slide: one task per key partition */
    emit(E, "static void wininv_%d_slide(sr_ctx *cx, int task, void *arg) {\n", id);
    emit(E, "    sr_rdd *outs = arg;\n    bool added;\n");
    emit(E, "    WI%d_part *w = &WI%d_win[task * 2 + WI%d_cur[task]];\n", id, id, id);
    emit(E, "    int64_t last = WI%d_last, now = cx->batch->index;\n", id);
    emit(E, "    /* batches that left the window since the last slide: take them out */\n");
    emit(E, "    for (int64_t i = last - %lld + 1; i <= now - %lld && i <= last; i++) {\n", win, win);
    emit(E, "        WI%d_part *s = &WI%d_ring[task * %lld + (i + %lld) %% %lld];\n", id, id, W, W, W);
    emit(E, "        if (i < 1 || s->index != i) continue;\n");
    emit(E, "        for (int64_t j = 0; j < s->map.len; j++) {\n");
    emit(E, "            %s *v = WI%d_find(&w->map, s->map.ents[j].key, s->map.ents[j].hash);\n", vc, id);
    emit(E, "            if (!v) continue;\n");
    emit(E, "            %s r = %s;\n", vc, uncomb);
    emit(E, "            if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }\n");
    emit(E, "            *v = copy_%s(&w->arena, r);\n        }\n    }\n", vk);
    emit(E, "    /* batches that entered: add them */\n");
    emit(E, "    for (int64_t i = (last + 1 > now - %lld + 1 ? last + 1 : now - %lld + 1); i <= now; i++) {\n", win, win);
    emit(E, "        WI%d_part *s = &WI%d_ring[task * %lld + (i + %lld) %% %lld];\n", id, id, W, W, W);
    emit(E, "        if (i < 1 || s->index != i) continue;\n");
    emit(E, "        for (int64_t j = 0; j < s->map.len; j++) {\n");
    emit(E, "            %s *v = WI%d_put(&w->map, s->map.ents[j].key, s->map.ents[j].hash, &added);\n", vc, id);
    emit(E, "            if (added) { *WI%d_last_key(&w->map) = copy_%s(&w->arena, s->map.ents[j].key); *v = copy_%s(&w->arena, s->map.ents[j].val); continue; }\n", id, kk, vk);
    emit(E, "            %s r = %s;\n", vc, comb);
    emit(E, "            if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }\n");
    emit(E, "            *v = copy_%s(&w->arena, r);\n        }\n    }\n", vk);
    {
        /* the filter drops the keys it rejects; without one, the table is
         * rebuilt only when replaced values (strings) have filled its arena,
         * so memory follows the live keys */
        bool filtering = n->filter || n->wmode == WM_BY_VALUE;
        if (filtering)
            emit(E, "    {\n");
        else
            emit(E, "    if (w->arena.bytes > 65536 + 4 * (size_t)w->map.len * sizeof(WI%d_ent)) {\n", id);
        emit(E, "    WI%d_part *keep = &WI%d_win[task * 2 + !WI%d_cur[task]];\n", id, id, id);
        emit(E, "    WI%d_clear(&keep->map);\n    sr_arena_reset(&keep->arena);\n", id);
        emit(E, "    for (int64_t j = 0; j < w->map.len; j++) {\n");
        if (n->filter)
            emit(E, "        bool ok = L%d(cx, (%s){w->map.ents[j].key, w->map.ents[j].val});\n", sem_lambda(n->filter)->id, tc);
        else if (n->wmode == WM_BY_VALUE) /* countByValueAndWindow drops values whose count fell to 0 */
            emit(E, "        bool ok = w->map.ents[j].val != 0;\n");
        else
            emit(E, "        bool ok = true;\n");
        emit(E, "        if (SR_UNLIKELY(cx->err)) { sr_drop(cx); ok = true; }\n");
        emit(E, "        if (!ok) continue;\n");
        emit(E, "        *WI%d_put(&keep->map, copy_%s(&keep->arena, w->map.ents[j].key), w->map.ents[j].hash, &added) =\n", id, kk);
        emit(E, "            copy_%s(&keep->arena, w->map.ents[j].val);\n    }\n", vk);
        emit(E, "    WI%d_cur[task] = !WI%d_cur[task];\n    w = keep;\n", id, id);
        emit(E, "    }\n");
    }
    emit_table_out(E, "(*outs)", "w->map", tc, out);
    emit(E, "}\n");
    emit_memo_begin(E, n);
    emit(E, "    sr_rdd outs = sr_rdd_new(b, WI%d_parts);\n", id);
    emit(E, "    sr_run_tasks(b, WI%d_parts, wininv_%d_slide, &outs);\n", id, id);
    emit(E, "    WI%d_last = b->index;\n", id);
    emit_memo_end(E, n, "outs");
    free(uncomb);
    free(comb);
    free(out);
}

/* reduceByKeyAndWindow(f, w, s) and reduceByWindow(f, w, s) without an
 * inverse, by Two-Stacks: every batch is reduced into a pane; the window is
 * front[low] (the aggregate of panes low..fhi, one suffix aggregate per
 * pane, rebuilt from the panes when the window's start passes fhi: once per
 * window length) combined with back (the aggregate of the panes after fhi,
 * grown as panes arrive). A slide costs the keys of those two aggregates,
 * not the window's length. One set of stacks per key partition. */
static void emit_window_twostacks(emitter *E, dag_node *n) {
    long long W = (long long)(n->window_ms / E->p->batch_ms), NP = W + 1;
    wshape ws = shape_of(n);
    const char *tc = ws.tc, *kc = ws.kc, *vc = ws.vc, *kk = ws.kk, *vk = ws.vk;
    int id = n->id;
    char *comb = w_combine(&ws, "*v", "src->ents[j].val", false);
    char k[64], v[64];
    snprintf(k, sizeof k, "copy_%s(cx->arena, o->map.ents[j].key)", kk);
    snprintf(v, sizeof v, "copy_%s(cx->arena, o->map.ents[j].val)", vk);
    char *out = w_out(&ws, k, v);
    emit(E, "/* node %d: %s(f, %lld ms, %lld ms) by Two-Stacks over per-batch panes, per key partition */\n", id,
         op_spelling(n->op), (long long)n->window_ms, (long long)n->slide_ms);
    emit(E, "SR_MAP_DEFINE(TS%d, %s, %s, eq_%s)\n", id, kc, vc, kk);
    emit(E, "typedef struct TS%d_part { TS%d map; sr_arena arena; } TS%d_part;\n", id, id, id);
    emit(E, "static TS%d_part *TS%d_pane;  /* [p * %lld + i %% %lld]: batch i's partials */\n", id, id, NP, NP);
    emit(E, "static TS%d_part *TS%d_front; /* [p * %lld + i %% %lld]: aggregate of panes i..fhi */\n", id, id, NP, NP);
    emit(E, "static TS%d_part *TS%d_back, *TS%d_out; /* [p]: panes fhi+1..now; the window */\n", id, id, id);
    emit(E, "static int TS%d_parts;\n", id);
    emit(E, "static int64_t TS%d_flo = 1, TS%d_fhi = 0; /* front covers panes flo..fhi */\n", id, id);
    emit_state_window_twostacks(E, n, ws.K, ws.V, NP);
    emit(E, "static void TS%d_merge(sr_ctx *cx, TS%d_part *dst, TS%d *src) { /* dst (+)= src */\n", id, id, id);
    emit(E, "    bool added;\n");
    emit(E, "    for (int64_t j = 0; j < src->len; j++) {\n");
    emit(E, "        %s *v = TS%d_put(&dst->map, src->ents[j].key, src->ents[j].hash, &added);\n", vc, id);
    emit(E, "        if (added) { *v = src->ents[j].val; continue; }\n");
    emit(E, "        %s r = %s;\n", vc, comb);
    emit(E, "        if (SR_UNLIKELY(cx->err)) { sr_drop(cx); continue; }\n");
    emit(E, "        *v = copy_%s(&dst->arena, r);\n    }\n}\n", vk);
    emit(E, "static void TS%d_reset(TS%d_part *t) { TS%d_clear(&t->map); sr_arena_reset(&t->arena); }\n", id, id, id);
    emit(E, "static void win2_%d_task(sr_ctx *cx, int task, void *arg) {\n", id);
    emit(E, "    sr_rdd in = *(sr_rdd *)arg;\n    sr_parts parts = sr_parts_of(TS%d_parts);\n    bool added;\n", id);
    emit(E, "    TS%d_part *pane = &TS%d_pane[task * %lld + cx->batch->index %% %lld];\n", id, id, NP, NP);
    emit(E, "    TS%d_reset(pane);\n", id);
    emit_pane_reduce(E, n, &ws, "TS", "pane");
    emit(E, "    TS%d_merge(cx, &TS%d_back[task], &pane->map); /* push */\n}\n", id, id);
    emit(E, "static void win2_%d_ingest(sr_batch *b) {\n", id);
    emit(E, "    TS%d_prepare(b->nworkers);\n", id);
    emit(E, "    sr_rdd in = node_%d(b);\n", n->in[0]->id);
    emit(E, "    sr_run_tasks(b, TS%d_parts, win2_%d_task, &in);\n}\n", id, id);
    emit(E, "static void win2_%d_slide(sr_ctx *cx, int task, void *arg) {\n", id);
    emit(E, "    sr_rdd *outs = arg;\n");
    emit(E, "    int64_t now = cx->batch->index, low = now - %lld + 1 > 1 ? now - %lld + 1 : 1;\n", W, W);
    emit(E, "    if (low > TS%d_fhi) {\n", id);
    emit(E, "        /* flip: the front becomes the suffix aggregates of panes low..now */\n");
    emit(E, "        for (int64_t i = now; i >= low; i--) {\n");
    emit(E, "            TS%d_part *s = &TS%d_front[task * %lld + i %% %lld];\n", id, id, NP, NP);
    emit(E, "            TS%d_reset(s);\n", id);
    emit(E, "            TS%d_merge(cx, s, &TS%d_pane[task * %lld + i %% %lld].map); /* older values first */\n", id, id, NP, NP);
    emit(E, "            if (i < now) TS%d_merge(cx, s, &TS%d_front[task * %lld + (i + 1) %% %lld].map);\n", id, id, NP, NP);
    emit(E, "        }\n");
    emit(E, "        TS%d_reset(&TS%d_back[task]);\n    }\n", id, id);
    emit(E, "    /* the window: front[low] then back (older values first) */\n");
    emit(E, "    TS%d_part *o = &TS%d_out[task];\n", id, id);
    emit(E, "    TS%d_reset(o);\n", id);
    emit(E, "    TS%d_merge(cx, o, &TS%d_front[task * %lld + low %% %lld].map);\n", id, id, NP, NP);
    emit(E, "    TS%d_merge(cx, o, &TS%d_back[task].map);\n", id, id);
    emit_table_out(E, "(*outs)", "o->map", tc, out);
    emit(E, "}\n");
    emit_memo_begin(E, n);
    emit(E, "    sr_rdd outs = sr_rdd_new(b, TS%d_parts);\n", id);
    emit(E, "    sr_run_tasks(b, TS%d_parts, win2_%d_slide, &outs);\n", id, id);
    emit(E, "    int64_t low = b->index - %lld + 1 > 1 ? b->index - %lld + 1 : 1;\n", W, W);
    emit(E, "    if (low > TS%d_fhi) { TS%d_flo = low; TS%d_fhi = b->index; } /* every partition flipped */\n", id, id, id);
    emit_memo_end(E, n, "outs");
    free(comb);
    free(out);
}

static void emit_node(emitter *E, dag_node *n) {
    if (!n->materialized)
        return;
    switch (n->op) {
    case OP_SOURCE_SOCKET:
    case OP_SOURCE_TEXTFILE:
    case OP_SOURCE_QUEUE:
    case OP_SOURCE_KAFKA:
        emit(E, "/* node %d: %s */\n", n->id, op_spelling(n->op));
        emit(E, "static sr_rdd node_%d(sr_batch *b) { return sr_source_batch(b, %d); }\n\n", n->id, n->source);
        return;
    case OP_MAP: case OP_FLATMAP: case OP_FILTER: case OP_MAPVALUES: case OP_FLATMAPVALUES:
        emit_narrow(E, n);
        return;
    case OP_COUNT:
    case OP_REDUCE:
        emit_count_or_reduce(E, n);
        return;
    case OP_COUNTBYVALUE:
    case OP_REDUCEBYKEY:
        emit_reduce_by_key(E, n);
        return;
    case OP_UPDATESTATE:
        emit_update_state(E, n);
        return;
    case OP_GROUPBYKEY: case OP_JOIN: case OP_LEFTOUTERJOIN: case OP_RIGHTOUTERJOIN:
    case OP_FULLOUTERJOIN: case OP_COGROUP:
        emit_grouping(E, n);
        return;
    case OP_WINDOW:
        emit_window(E, n);
        return;
    case OP_WINDOWINV:
        emit_window_inverse(E, n);
        return;
    case OP_WINDOWAGG:
        emit_window_twostacks(E, n);
        return;
    case OP_UNION:
        emit(E, "/* node %d: union */\n", n->id);
        emit_memo_begin(E, n);
        emit(E, "    sr_rdd r = node_%d(b);\n", n->in[0]->id);
        for (int i = 1; i < n->nin; i++)
            emit(E, "    r = sr_rdd_union(b, r, node_%d(b));\n", n->in[i]->id);
        emit_memo_end(E, n, "r");
        return;
    case OP_REPARTITION:
        emit(E, "/* node %d: repartition(%" PRId64 ") */\n", n->id, n->count);
        emit_memo_begin(E, n);
        emit(E, "    sr_rdd r = sr_rdd_repartition(b, node_%d(b), %" PRId64 ", sizeof(%s));\n", n->in[0]->id,
             n->count, ty_c(n->elem));
        emit_memo_end(E, n, "r");
        return;
    case OP_MAPPARTITIONS:
    case OP_GLOM: { /* partition by partition, in the workers */
        emit(E, "/* node %d: %s */\n", n->id, op_spelling(n->op));
        emit(E, "struct n%d_io { sr_rdd in, out; };\n", n->id);
        emit(E, "static void node_%d_task(sr_ctx *cx, int task, void *arg) {\n", n->id);
        emit(E, "    struct n%d_io *io = arg;\n", n->id);
        if (n->op == OP_GLOM) {
            emit(E, "    sr_seq r = {0};\n");
            emit(E, "    *(sr_seq *)sr_seq_push(cx->arena, &r, sizeof(sr_seq)) = io->in.parts[task];\n");
        } else {
            emit(E, "    cx->partition = task;\n");
            emit(E, "    sr_seq r = L%d(cx, io->in.parts[task]);\n", sem_lambda(n->fn)->id);
            emit(E, "    cx->partition = 0;\n");
            emit(E, "    if (SR_UNLIKELY(cx->err)) { sr_drop(cx); r = (sr_seq){0}; } /* the partition is lost */\n");
        }
        emit(E, "    io->out.parts[task] = r;\n}\n");
        emit_memo_begin(E, n);
        emit(E, "    struct n%d_io io = { node_%d(b), {0} };\n", n->id, n->in[0]->id);
        emit(E, "    io.out = sr_rdd_new(b, io.in.nparts);\n");
        emit(E, "    sr_run_tasks(b, io.in.nparts, node_%d_task, &io);\n", n->id);
        emit_memo_end(E, n, "io.out");
        return;
    }
    case OP_TRANSFORM:
    case OP_TRANSFORMWITH: {
        lambda_info *li = sem_lambda(n->fn);
        emit(E, "/* node %d: %s: driver code per batch */\n", n->id, op_spelling(n->op));
        emit_memo_begin(E, n);
        emit(E, "    sr_ctx *cx = b->driver;\n");
        if (n->op == OP_TRANSFORM)
            emit(E, "    sr_rdd r = L%d(cx, node_%d(b)%s);\n", li->id, n->in[0]->id, li->nparams == 2 ? ", b->time_ms" : "");
        else
            emit(E, "    sr_rdd r = L%d(cx, node_%d(b), node_%d(b));\n", li->id, n->in[0]->id, n->in[1]->id);
        emit(E, "    if (SR_UNLIKELY(cx->err)) { sr_drop(cx); r = sr_rdd_new(b, 1); }\n");
        emit_memo_end(E, n, "r");
        return;
    }
    case OP_PRINT: case OP_SAVE: case OP_SAVEKAFKA: case OP_SAVEREDIS: case OP_FOREACHRDD: case OP__COUNT:
        return;
    }
}

/* ===================================================================== */
/* Outputs, run_batch, init, the program table                           */
/* ===================================================================== */

static void emit_output(emitter *E, dag_node *n, int k) {
    const type *T = n->elem;
    const char *tc = ty_c(T);
    int line, col;
    source_line_col(E->p->src, n->at->loc.start, &line, &col);
    emit(E, "/* output %d: %s (line %d) */\n", k, op_spelling(n->op), line);
    switch (n->op) {
    case OP_PRINT:
        emit(E, "static void out_%d(sr_batch *b) {\n", k);
        emit(E, "    sr_rdd r = node_%d(b);\n", n->in[0]->id);
        emit(E, "    sr_buf line = {0};\n    int64_t shown = 0;\n    bool more = false;\n");
        emit(E, "    sr_print_header(b);\n");
        emit(E, "    for (int p = 0; p < r.nparts && !more; p++)\n");
        emit(E, "        for (int64_t i = 0; i < r.parts[p].len; i++) {\n");
        emit(E, "            if (shown == %" PRId64 ") { more = true; break; }\n", n->count);
        emit(E, "            sr_buf_clear(&line);\n");
        emit(E, "            fmt_%s(&line, SR_SEQ_AT(%s, r.parts[p], i));\n", tkey(T), tc);
        emit(E, "            sr_print_line(b, &line);\n            shown++;\n        }\n");
        emit(E, "    sr_buf_free(&line);\n    sr_print_footer(b, more);\n}\n\n");
        return;
    case OP_SAVE: {
        char *prefix = c_string_lit(n->prefix, strlen(n->prefix));
        char *suffix = c_string_lit(n->suffix, strlen(n->suffix));
        emit(E, "struct out_%d_io { sr_rdd r; sr_saver *s; };\n", k);
        emit(E, "static void out_%d_task(sr_ctx *cx, int task, void *arg) {\n", k);
        /* the worker's buffer: its memory serves batch after batch */
        emit(E, "    struct out_%d_io *io = arg;\n    sr_seq s = io->r.parts[task];\n", k);
        emit(E, "    sr_buf *text = &cx->text;\n    sr_buf_clear(text);\n");
        emit(E, "    for (int64_t i = 0; i < s.len; i++) {\n");
        emit(E, "        fmt_%s(text, SR_SEQ_AT(%s, s, i));\n        sr_buf_char(text, '\\n');\n    }\n", tkey(T), tc);
        emit(E, "    sr_save_part(io->s, task, text);\n}\n");
        emit(E, "static void out_%d(sr_batch *b) {\n", k);
        emit(E, "    struct out_%d_io io = { node_%d(b), NULL };\n", k, n->in[0]->id);
        emit(E, "    io.s = sr_save_begin(b, %s, %s);\n", prefix, suffix);
        emit(E, "    if (!io.s) return;\n");
        emit(E, "    sr_run_tasks(b, io.r.nparts, out_%d_task, &io);\n", k);
        emit(E, "    sr_save_commit(io.s, io.r.nparts);\n}\n\n");
        free(prefix);
        free(suffix);
        return;
    }
    case OP_SAVEKAFKA: {
        /* a pair is a record's key and value, anything else its value */
        char *topic = c_string_lit(n->prefix, strlen(n->prefix));
        bool pair = ty_is_pair(T);
        emit(E, "struct out_%d_io { sr_rdd r; sr_kafka_sink *s; };\n", k);
        emit(E, "static void out_%d_task(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", k);
        emit(E, "    struct out_%d_io *io = arg;\n    sr_seq s = io->r.parts[task];\n    sr_buf key = {0}, val = {0};\n", k);
        emit(E, "    for (int64_t i = 0; i < s.len; i++) {\n        %s x = SR_SEQ_AT(%s, s, i);\n", tc, tc);
        emit(E, "        sr_buf_clear(&key);\n        sr_buf_clear(&val);\n");
        if (pair) {
            emit(E, "        fmt_%s(&key, x._1);\n        fmt_%s(&val, x._2);\n", tkey(T->elems[0]), tkey(T->elems[1]));
            emit(E, "        sr_kafka_send(io->s, (sr_str){ key.ptr ? key.ptr : \"\", (int64_t)key.len }, (sr_str){ val.ptr ? val.ptr : \"\", (int64_t)val.len });\n");
        } else {
            emit(E, "        fmt_%s(&val, x);\n", tkey(T));
            emit(E, "        sr_kafka_send(io->s, (sr_str){ NULL, 0 }, (sr_str){ val.ptr ? val.ptr : \"\", (int64_t)val.len });\n");
        }
        emit(E, "    }\n    sr_buf_free(&key);\n    sr_buf_free(&val);\n}\n");
        emit(E, "static void out_%d(sr_batch *b) {\n", k);
        emit(E, "    struct out_%d_io io = { node_%d(b), sr_kafka_sink_get(b, %d, %s) };\n", k, n->in[0]->id, k, topic);
        emit(E, "    if (!io.s) return;\n");
        emit(E, "    sr_run_tasks(b, io.r.nparts, out_%d_task, &io);\n", k);
        emit(E, "    sr_kafka_sink_flush(b, io.s);\n}\n\n");
        free(topic);
        return;
    }
    case OP_SAVEREDIS: {
        /* pairs give key and value (hash, kv); list and set take the element */
        static const char *const kinds[] = { "hash", "kv", "list", "set" };
        static const char *const kind_c[] = { "SR_REDIS_HASH", "SR_REDIS_KV", "SR_REDIS_LIST", "SR_REDIS_SET" };
        static const char *const mode_c[] = { "SR_REDIS_PUT", "SR_REDIS_INCR", "SR_REDIS_INCRFLOAT" };
        int kind = 0;
        for (int i = 0; i < 4; i++)
            if (!strcmp(n->suffix, kinds[i]))
                kind = i;
        bool keyed = kind <= 1;
        char *name = c_string_lit(n->prefix, strlen(n->prefix));
        emit(E, "struct out_%d_io { sr_rdd r; sr_redis_sink *s; };\n", k);
        emit(E, "static void out_%d_task(sr_ctx *cx, int task, void *arg) {\n    (void)cx;\n", k);
        emit(E, "    struct out_%d_io *io = arg;\n    sr_seq s = io->r.parts[task];\n    sr_buf key = {0}, val = {0};\n", k);
        emit(E, "    for (int64_t i = 0; i < s.len; i++) {\n        %s x = SR_SEQ_AT(%s, s, i);\n", tc, tc);
        emit(E, "        sr_buf_clear(&key);\n        sr_buf_clear(&val);\n");
        if (keyed)
            emit(E, "        fmt_%s(&key, x._1);\n        fmt_%s(&val, x._2);\n", tkey(T->elems[0]), tkey(T->elems[1]));
        else
            emit(E, "        fmt_%s(&val, x);\n", tkey(T));
        emit(E, "        sr_redis_put(io->s, task, (sr_str){ key.ptr, (int64_t)key.len }, (sr_str){ val.ptr, (int64_t)val.len });\n");
        emit(E, "    }\n    sr_buf_free(&key);\n    sr_buf_free(&val);\n}\n");
        emit(E, "static void out_%d(sr_batch *b) {\n", k);
        emit(E, "    struct out_%d_io io = { node_%d(b), sr_redis_sink_get(b, %d, %s, %s, %s) };\n", k, n->in[0]->id, k,
             kind_c[kind], mode_c[n->count], name);
        emit(E, "    if (!io.s) return;\n");
        emit(E, "    sr_redis_sink_begin(io.s, io.r.nparts);\n");
        emit(E, "    sr_run_tasks(b, io.r.nparts, out_%d_task, &io);\n", k);
        emit(E, "    sr_redis_sink_end(b, io.s);\n}\n\n");
        free(name);
        return;
    }
    case OP_FOREACHRDD: {
        lambda_info *li = sem_lambda(n->fn);
        emit(E, "static void out_%d(sr_batch *b) {\n", k);
        emit(E, "    sr_ctx *cx = b->driver;\n");
        emit(E, "    L%d(cx, node_%d(b)%s);\n", li->id, n->in[0]->id, li->nparams == 2 ? ", b->time_ms" : "");
        emit(E, "    if (SR_UNLIKELY(cx->err)) sr_drop(cx);\n}\n\n");
        return;
    }
    default:
        return;
    }
}

/* Does the program use Kafka (a source or saveToKafka) / Redis (offsets,
 * saveToRedis, a broadcast value)? Only then is that part of the runtime,
 * and its library, linked in (SR_USES_KAFKA / SR_USES_REDIS). */
static bool uses_kafka(const program *p) {
    for (int i = 0; i < p->nsources; i++)
        if (p->sources[i].kind == OP_SOURCE_KAFKA)
            return true;
    for (int k = 0; k < p->noutputs; k++)
        if (p->outputs[k]->op == OP_SAVEKAFKA)
            return true;
    return false;
}

static bool uses_redis(const program *p) {
    if (p->offsets && !strcmp(p->offsets, "redis"))
        return true;
    for (int k = 0; k < p->noutputs; k++)
        if (p->outputs[k]->op == OP_SAVEREDIS)
            return true;
    for (int i = 0; i < p->nbroadcasts; i++) {
        method m = external_broadcast_kind(p->broadcasts[i]);
        if (m == M_BC_REDIS_SET || m == M_BC_REDIS_HASH)
            return true;
    }
    return false;
}

method external_broadcast_kind(const binding *b) {
    method m = b->decl && b->decl->a ? sem_method(b->decl->a) : M_NONE;
    return m == M_BC_REDIS_SET || m == M_BC_REDIS_HASH || m == M_BC_FILE ? m : M_NONE;
}

int broadcast_id(const program *p, const binding *b) {
    for (int i = 0; i < p->nbroadcasts; i++)
        if (p->broadcasts[i] == b)
            return i;
    return -1;
}

static void emit_init(emitter *E) {
    program *p = E->p;
    emit(E, "/* top-level values, once before the first batch */\n");
    emit(E, "static int init(sr_runtime *rt, char *errstr, size_t errlen) {\n");
    emit(E, "    sr_ctx ctx = { .arena = &sr_prog_arena, .worker = -1 };\n");
    emit(E, "    sr_ctx *cx = &ctx;\n    (void)rt;\n");
    emit(E, "    sr_arena_init(&sr_prog_arena);\n");
    E->indent = 1;
    E->bail = "goto fail;";
    /* top-level values and statements, in program order */
    for (int i = 0; i < p->root->list.len; i++) {
        ast *s = p->root->list.items[i];
        binding *b = sem_binding(s);
        if ((s->kind == AST_VAL || s->kind == AST_VAR) && b && b->kind == BIND_GLOBAL) {
            if (ty_is_value(b->ty) || b->ty->kind == TY_BROADCAST || b->ty->kind == TY_RDD)
                lower_global_init(E, b);
        } else if (s->kind != AST_VAL && s->kind != AST_VAR && s->kind != AST_SETTING &&
                   s->kind != AST_IMPORT && s->sem_kind != SEM_NODE && sem_method(s) != M_IGNORED &&
                   s->ty && (s->ty->kind == TY_UNIT || ty_is_value(s->ty))) {
            lower_top_stmt(E, s); /* println("starting") and the like */
        }
    }
    E->indent = 0;
    E->bail = NULL;
    emit_line_restore(E);
    emit(E, "    (void)errstr, (void)errlen;\n    return 0;\n");
    emit(E, "fail: SR_UNUSED;\n");
    emit(E, "    snprintf(errstr, errlen, \"%%s:%%d:%%d: %%s failed while computing a top-level value\",\n");
    emit(E, "             program.source_file, program.sites[cx->err_site].line,\n");
    emit(E, "             program.sites[cx->err_site].col, program.sites[cx->err_site].what);\n");
    emit(E, "    return -1;\n}\n\n");
}

static void emit_program_table(emitter *E) {
    program *p = E->p;
    emit(E, "static const sr_site sites[] = {\n");
    for (int i = 0; i < p->nsites; i++) {
        char *what = c_string_lit(p->sites[i].what, strlen(p->sites[i].what));
        emit(E, "    { %d, %d, %s },\n", p->sites[i].line, p->sites[i].col, what);
        free(what);
    }
    if (!p->nsites)
        emit(E, "    { 0, 0, \"\" },\n");
    emit(E, "};\n");
    for (int i = 0; i < p->nsources; i++) { /* a Kafka source's lists */
        prog_source *s = &p->sources[i];
        if (s->kind != OP_SOURCE_KAFKA)
            continue;
        emit(E, "static const sr_conf_kv kafka_params_%d[] = {\n", i);
        for (int j = 0; j < s->nparams; j++) {
            char *k = c_string_lit(s->params[j].key, strlen(s->params[j].key));
            char *v = c_string_lit(s->params[j].value, strlen(s->params[j].value));
            emit(E, "    { %s, %s },\n", k, v);
            free(k);
            free(v);
        }
        emit(E, "};\n");
        if (s->ntopics) {
            emit(E, "static const char *const kafka_topics_%d[] = {", i);
            for (int j = 0; j < s->ntopics; j++) {
                char *t = c_string_lit(s->topics[j], strlen(s->topics[j]));
                emit(E, " %s,", t);
                free(t);
            }
            emit(E, " };\n");
        }
        if (s->nassign) {
            emit(E, "static const sr_kafka_assign kafka_assign_%d[] = {\n", i);
            for (int j = 0; j < s->nassign; j++) {
                char *t = c_string_lit(s->assign[j].topic, strlen(s->assign[j].topic));
                emit(E, "    { %s, %" PRId64 ", INT64_C(%" PRId64 ") },\n", t, s->assign[j].partition, s->assign[j].offset);
                free(t);
            }
            emit(E, "};\n");
        }
    }
    emit(E, "static const sr_source_spec sources[] = {\n");
    for (int i = 0; i < p->nsources; i++) {
        prog_source *s = &p->sources[i];
        if (s->kind == OP_SOURCE_KAFKA) {
            char *pat = s->pattern ? c_string_lit(s->pattern, strlen(s->pattern)) : xstrdup("NULL");
            emit(E, "    { .kind = SR_SOURCE_KAFKA, .kafka_params = kafka_params_%d, .nkafka_params = %d,\n", i, s->nparams);
            if (s->ntopics)
                emit(E, "      .topics = kafka_topics_%d, .ntopics = %d,\n", i, s->ntopics);
            if (s->nassign)
                emit(E, "      .assign = kafka_assign_%d, .nassign = %d,\n", i, s->nassign);
            emit(E, "      .pattern = %s },\n", pat);
            free(pat);
            continue;
        }
        const char *kind = s->kind == OP_SOURCE_SOCKET ? "SR_SOURCE_SOCKET" :
                           s->kind == OP_SOURCE_TEXTFILE ? "SR_SOURCE_TEXTFILE" : "SR_SOURCE_QUEUE";
        char *host = s->host ? c_string_lit(s->host, strlen(s->host)) : xstrdup("NULL");
        char *dir = s->dir ? c_string_lit(s->dir, strlen(s->dir)) : xstrdup("NULL");
        emit(E, "    { .kind = %s, .host = %s, .port = %" PRId64 ", .dir = %s },\n", kind, host, s->port, dir);
        free(host);
        free(dir);
    }
    if (!p->nsources)
        emit(E, "    { .kind = SR_SOURCE_QUEUE },\n");
    emit(E, "};\n");
    emit(E, "static const sr_conf_kv conf[] = {\n");
    for (int i = 0; i < p->nconf; i++) {
        char *k = c_string_lit(p->conf[i].key, strlen(p->conf[i].key));
        char *v = c_string_lit(p->conf[i].value, strlen(p->conf[i].value));
        emit(E, "    { %s, %s },\n", k, v);
        free(k);
        free(v);
    }
    if (!p->nconf)
        emit(E, "    { NULL, NULL },\n");
    emit(E, "};\n");
}

static char *opt_lit(const char *s) {
    return s ? c_string_lit(s, strlen(s)) : xstrdup("NULL");
}

/* The start of a run_batch statement that runs when stream n has a batch:
 * every batch, or for a windowed stream only at multiples of its slide. */
static void emit_on_batches_of(emitter *E, const dag_node *n) {
    if (n->slide_ms > E->p->batch_ms)
        emit(E, "    if (b->index * INT64_C(%lld) %% INT64_C(%lld) == 0)\n        ", (long long)E->p->batch_ms,
             (long long)n->slide_ms);
    else
        emit(E, "    ");
}

int emit_program(program *p, const emit_options *opt, FILE *out) {
    emitter E = { .p = p, .opt = opt };
    E.out = &E.file;
    char *path = c_comment_text(p->src->path, strlen(p->src->path));
    emit(&E, "/* Generated by streamc %s from %s -- DO NOT EDIT */\n", SR_VERSION_STRING, path);
    free(path);
    emit(&E, "#include \"streamrt.h\"\n\n");
    emit_types(&E);
    emit(&E, "/* ---- value functions: toString, equality, hash, order, copy ---- */\n");
    for (int i = 0; i < ty_count(); i++)
        if (ty_is_value(ty_at(i)))
            emit_value_functions(&E, ty_at(i));
    emit_data(&E);
    emit(&E, "static const sr_program program;\n\n");
    emit_lambdas(&E);
    emit(&E, "/* ---- stages ---- */\n");
    for (int i = 0; i < p->dag.len; i++)
        emit_node(&E, p->dag.nodes[i]);
    emit(&E, "/* ---- outputs ---- */\n");
    for (int k = 0; k < p->noutputs; k++)
        emit_output(&E, p->outputs[k], k);
    emit(&E, "static void run_batch(sr_batch *b) {\n");
    for (int i = 0; i < p->nbroadcasts; i++) {
        if (external_broadcast_kind(p->broadcasts[i]) != M_NONE) /* read again: replaced if it changed */
            emit(&E, "    sr_broadcast_refresh(b, %d, &%s_live);\n", i, p->broadcasts[i]->cname);
        emit(&E, "    %s_snap = %s_live; /* lambdas see the value as the batch starts */\n",
             p->broadcasts[i]->cname, p->broadcasts[i]->cname);
    }
    for (int i = 0; i < p->dag.len; i++) { /* windows take in every batch of their input */
        dag_node *n = p->dag.nodes[i];
        if (n->op != OP_WINDOW && n->op != OP_WINDOWINV && n->op != OP_WINDOWAGG)
            continue;
        emit_on_batches_of(&E, n->in[0]);
        emit(&E, "win%s_%d_ingest(b);\n", n->op == OP_WINDOW ? "" : n->op == OP_WINDOWINV ? "inv" : "2", n->id);
    }
    for (int k = 0; k < p->noutputs; k++) {
        emit_on_batches_of(&E, p->outputs[k]);
        emit(&E, "out_%d(b);\n", k);
    }
    emit(&E, "}\n\n");
    emit_state_table(&E);
    emit_init(&E);
    emit_program_table(&E);
    /* the application's name defaults to the file's base name */
    char *base = xstrdup(p->src->path), *slash = strrchr(base, '/'), *name = slash ? slash + 1 : base;
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    char *app = opt_lit(p->app ? p->app : name), *file = opt_lit(p->src->path), *master = opt_lit(p->master);
    free(base);
    char *ckpt = opt_lit(p->checkpoint), *level = opt_lit(p->log_level);
    if (uses_kafka(p))
        emit(&E, "SR_USES_KAFKA\n");
    if (uses_redis(p))
        emit(&E, "SR_USES_REDIS\n");
    emit(&E, "static const sr_program program = {\n");
    emit(&E, "    .app_name = %s,\n    .source_file = %s,\n    .batch_ms = %" PRId64 ",\n", app, file, p->batch_ms);
    emit(&E, "    .master = %s,\n    .checkpoint_dir = %s,\n    .checkpoint_every_ms = %" PRId64 ",\n",
         master, ckpt, checkpoint_interval(p));
    emit(&E, "    .log_level = %s,\n    .conf = conf,\n    .nconf = %d,\n", level, p->nconf);
    emit(&E, "    .sources = sources,\n    .nsources = %d,\n    .sites = sites,\n    .nsites = %d,\n",
         p->nsources, p->nsites);
    emit(&E, "    .stateful = %s,\n", p->stateful ? "true" : "false");
    emit(&E, "    .state_ops = state_ops,\n    .nstate_ops = %d,\n    .noutputs = %d,\n", E.nstate_ops, p->noutputs);
    {
        const char *o = p->offsets;
        char *url = opt_lit(p->offsets_redis);
        char *redis = opt_lit(p->redis_url ? p->redis_url : p->offsets_redis);
        emit(&E, "    .offsets = %s,\n    .offsets_redis = %s,\n    .redis_url = %s,\n",
             !o ? "SR_OFFSETS_DEFAULT" : !strcmp(o, "kafka") ? "SR_OFFSETS_KAFKA" :
             !strcmp(o, "checkpoint") ? "SR_OFFSETS_CHECKPOINT" : "SR_OFFSETS_REDIS", url, redis);
        free(url);
        free(redis);
    }
    emit(&E, "    .init = init,\n    .run_batch = run_batch,\n};\n\n");
    emit(&E, "int main(int argc, char **argv) { return sr_main(argc, argv, &program); }\n");
    free(app);
    free(file);
    free(master);
    free(ckpt);
    free(level);
    fwrite(E.file.ptr, 1, E.file.len, out);
    sb_free(&E.file);
    return 0;
}
