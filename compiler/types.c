/* types.c - interned types of .stream programs. */
#include "types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static type **all;
static int nall, capall;

static const type *intern(type_kind kind, int n, const type **elems, seq_coll coll,
                          const char *oname) {
    for (int i = 0; i < nall; i++) {
        type *t = all[i];
        if (t->kind != kind || t->nelems != n || t->coll != coll)
            continue;
        if ((t->oname == NULL) != (oname == NULL) || (oname && strcmp(t->oname, oname) != 0))
            continue;
        if (n && memcmp(t->elems, elems, (size_t)n * sizeof *elems) != 0)
            continue;
        return t;
    }
    type *t = xcalloc(1, sizeof *t);
    t->kind = kind;
    t->nelems = n;
    t->coll = coll;
    t->oname = oname ? xstrdup(oname) : NULL;
    if (n) {
        t->elems = xmalloc((size_t)n * sizeof *elems);
        memcpy(t->elems, elems, (size_t)n * sizeof *elems);
    }
    t->id = nall;
    if (nall == capall) {
        capall = capall ? capall * 2 : 64;
        all = xrealloc(all, (size_t)capall * sizeof *all);
    }
    all[nall++] = t;
    return t;
}

void types_init(void) {
    types_free();
}

void types_free(void) {
    for (int i = 0; i < nall; i++) {
        free(all[i]->elems);
        free((char *)all[i]->oname);
        free(all[i]);
    }
    free(all);
    all = NULL;
    nall = capall = 0;
}

const type *ty_error(void) { return intern(TY_ERROR, 0, NULL, 0, NULL); }
const type *ty_unit(void) { return intern(TY_UNIT, 0, NULL, 0, NULL); }
const type *ty_bool(void) { return intern(TY_BOOL, 0, NULL, 0, NULL); }
const type *ty_int(void) { return intern(TY_INT, 0, NULL, 0, NULL); }
const type *ty_double(void) { return intern(TY_DOUBLE, 0, NULL, 0, NULL); }
const type *ty_string(void) { return intern(TY_STRING, 0, NULL, 0, NULL); }
const type *ty_null(void) { return intern(TY_NULL, 0, NULL, 0, NULL); }
const type *ty_context(void) { return intern(TY_CONTEXT, 0, NULL, 0, NULL); }
const type *ty_spark(void) { return intern(TY_SPARK, 0, NULL, 0, NULL); }
const type *ty_duration(void) { return intern(TY_DURATION, 0, NULL, 0, NULL); }
const type *ty_time(void) { return intern(TY_TIME, 0, NULL, 0, NULL); }
const type *ty_krecord(void) { return intern(TY_KRECORD, 0, NULL, 0, NULL); }
const type *ty_orange(void) { return intern(TY_ORANGE, 0, NULL, 0, NULL); }
const type *ty_object(const char *name) { return intern(TY_OBJECT, 0, NULL, 0, name); }
const type *ty_tuple(int n, const type **elems) { return intern(TY_TUPLE, n, elems, 0, NULL); }
const type *ty_pair(const type *a, const type *b) {
    const type *e[2] = { a, b };
    return ty_tuple(2, e);
}
static const type *wrap(type_kind kind, const type *elem, seq_coll coll) {
    return intern(kind, 1, &elem, coll, NULL);
}
const type *ty_option(const type *elem) { return wrap(TY_OPTION, elem, 0); }
const type *ty_seq(const type *elem, seq_coll coll) { return wrap(TY_SEQ, elem, coll); }
const type *ty_dstream(const type *elem) { return wrap(TY_DSTREAM, elem, 0); }
const type *ty_rdd(const type *elem) { return wrap(TY_RDD, elem, 0); }
const type *ty_broadcast(const type *elem) { return wrap(TY_BROADCAST, elem, 0); }

bool ty_is_pair(const type *t) { return t->kind == TY_TUPLE && t->nelems == 2; }
bool ty_is_numeric(const type *t) { return t->kind == TY_INT || t->kind == TY_DOUBLE; }

bool ty_is_value(const type *t) {
    switch (t->kind) {
    case TY_BOOL: case TY_INT: case TY_DOUBLE: case TY_STRING: case TY_TIME: case TY_KRECORD:
    case TY_ORANGE:
        return true;
    case TY_TUPLE:
        for (int i = 0; i < t->nelems; i++)
            if (!ty_is_value(t->elems[i]))
                return false;
        return true;
    case TY_OPTION: case TY_SEQ:
        return ty_is_value(t->elems[0]);
    case TY_ERROR: case TY_UNIT: case TY_NULL: case TY_DSTREAM: case TY_RDD:
    case TY_BROADCAST: case TY_CONTEXT: case TY_SPARK: case TY_DURATION: case TY_OBJECT:
        return false;
    }
    return false;
}

static const char *coll_name(seq_coll c) {
    switch (c) {
    case COLL_SEQ: return "Seq";
    case COLL_LIST: return "List";
    case COLL_ARRAY: return "Array";
    case COLL_BUFFER: return "ListBuffer";
    case COLL_ARRAYBUF: return "ArrayBuffer";
    case COLL_ITERABLE: return "Iterable";
    case COLL_MAP: return "Map";
    case COLL_SET: return "Set";
    }
    return "Seq";
}

static void name_into(strbuf *b, const type *t) {
    switch (t->kind) {
    case TY_ERROR: sb_puts(b, "<error>"); return;
    case TY_UNIT: sb_puts(b, "Unit"); return;
    case TY_BOOL: sb_puts(b, "Boolean"); return;
    case TY_INT: sb_puts(b, "Int"); return;
    case TY_DOUBLE: sb_puts(b, "Double"); return;
    case TY_STRING: sb_puts(b, "String"); return;
    case TY_NULL: sb_puts(b, "Null"); return;
    case TY_CONTEXT: sb_puts(b, "StreamingContext"); return;
    case TY_SPARK: sb_puts(b, "SparkContext"); return;
    case TY_DURATION: sb_puts(b, "Duration"); return;
    case TY_TIME: sb_puts(b, "Time"); return;
    case TY_KRECORD: sb_puts(b, "ConsumerRecord[String, String]"); return;
    case TY_ORANGE: sb_puts(b, "OffsetRange"); return;
    case TY_OBJECT: sb_puts(b, t->oname); return;
    case TY_TUPLE:
        sb_putc(b, '(');
        for (int i = 0; i < t->nelems; i++) {
            if (i)
                sb_puts(b, ", ");
            name_into(b, t->elems[i]);
        }
        sb_putc(b, ')');
        return;
    case TY_OPTION: sb_puts(b, "Option["); break;
    case TY_SEQ:
        if (t->coll == COLL_MAP && t->elems[0]->kind == TY_TUPLE) { /* Map[K, V] */
            sb_puts(b, "Map[");
            name_into(b, t->elems[0]->elems[0]);
            sb_puts(b, ", ");
            name_into(b, t->elems[0]->elems[1]);
            sb_putc(b, ']');
            return;
        }
        sb_puts(b, coll_name(t->coll));
        sb_putc(b, '[');
        break;
    case TY_DSTREAM: sb_puts(b, "DStream["); break;
    case TY_RDD: sb_puts(b, "RDD["); break;
    case TY_BROADCAST: sb_puts(b, "Broadcast["); break;
    }
    name_into(b, t->elems[0]);
    sb_putc(b, ']');
}

const char *ty_name(const type *t) {
    static char ring[8][256];
    static int next;
    strbuf b = { 0 };
    name_into(&b, t);
    char *out = ring[next++ & 7];
    snprintf(out, sizeof ring[0], "%s", b.ptr ? b.ptr : "");
    sb_free(&b);
    return out;
}

const char *ty_c(const type *t) {
    static char ring[8][32];
    static int next;
    switch (t->kind) {
    case TY_BOOL: return "bool";
    case TY_INT: case TY_TIME: return "int64_t";
    case TY_DOUBLE: return "double";
    case TY_STRING: return "sr_str";
    case TY_KRECORD: return "sr_krec";
    case TY_ORANGE: return "sr_offset_range";
    case TY_SEQ: return "sr_seq";
    case TY_RDD: return "sr_rdd";
    case TY_UNIT: return "void";
    case TY_TUPLE: case TY_OPTION: {
        char *out = ring[next++ & 7];
        snprintf(out, sizeof ring[0], "%s%d", t->kind == TY_TUPLE ? "T" : "O", t->id);
        return out;
    }
    case TY_BROADCAST: return "sr_seq";
    case TY_ERROR: case TY_NULL: case TY_DSTREAM: case TY_CONTEXT: case TY_SPARK:
    case TY_DURATION: case TY_OBJECT:
        return "int";
    }
    return "int";
}

bool ty_assignable(const type *to, const type *from) {
    if (to == from || to->kind == TY_ERROR || from->kind == TY_ERROR)
        return true;
    if (from->kind == TY_NULL)
        return to->kind == TY_STRING || to->kind == TY_OPTION || to->kind == TY_SEQ;
    if (to->kind == TY_OBJECT && (from->kind == TY_OBJECT || !ty_is_value(from)))
        return true; /* Object, AnyRef: accepted, ignored */
    if (to->kind == TY_OBJECT && strcmp(to->oname, "Any") == 0)
        return true;
    if (to->kind == TY_SEQ && from->kind == TY_SEQ)
        return ty_assignable(to->elems[0], from->elems[0]);
    if (to->kind == from->kind && to->nelems == from->nelems && to->nelems > 0 &&
        to->kind != TY_SEQ) {
        for (int i = 0; i < to->nelems; i++)
            if (!ty_assignable(to->elems[i], from->elems[i]))
                return false;
        return true;
    }
    return false;
}

int ty_count(void) { return nall; }
const type *ty_at(int i) { return all[i]; }
