/* types.h - the types of .stream programs, interned.
 *
 * Every type is made once (hash-consed), so two types are equal exactly when
 * their pointers are. Each value type knows its C spelling in the emitted
 * program; composite types (tuples, options) get a generated struct name.
 */
#ifndef STREAMC_TYPES_H
#define STREAMC_TYPES_H

#include <stdbool.h>

typedef enum type_kind {
    TY_ERROR,     /* poison: an error was already reported */
    TY_UNIT,      /* Unit: statements, println */
    TY_BOOL,      /* Boolean */
    TY_INT,       /* Int and Long: 64-bit signed */
    TY_DOUBLE,    /* Double */
    TY_STRING,    /* String */
    TY_NULL,      /* the type of null */
    TY_TUPLE,     /* (A, B, ...) */
    TY_OPTION,    /* Option[T] */
    TY_SEQ,       /* Seq/List/Array/ListBuffer/Iterable[T]: `coll` names the Scala class */
    TY_DSTREAM,   /* DStream[T] */
    TY_RDD,       /* RDD[T]: a batch, in driver code */
    TY_BROADCAST, /* Broadcast[T] */
    TY_CONTEXT,   /* the StreamingContext `ssc` */
    TY_SPARK,     /* ssc.sparkContext */
    TY_DURATION,  /* Durations.seconds(5), 5s */
    TY_TIME,      /* a batch's Time (foreachRDD((rdd, time) => ...)): milliseconds */
    TY_KRECORD,   /* ConsumerRecord[String, String]: a Kafka record (sr_krec) */
    TY_ORANGE,    /* OffsetRange: a Kafka partition's range in a batch (sr_offset_range) */
    TY_OBJECT,    /* anything else accepted and ignored (classOf[X], partitioners...) */
} type_kind;

typedef enum seq_coll {
    COLL_SEQ,       /* Seq(...) prints as List(...) */
    COLL_LIST,      /* List(...) */
    COLL_ARRAY,     /* Array(...) */
    COLL_BUFFER,    /* ListBuffer(...) */
    COLL_ARRAYBUF,  /* ArrayBuffer(...) */
    COLL_ITERABLE,  /* groupByKey's values: prints as CompactBuffer(...) */
    COLL_MAP,       /* Map(k -> v, ...): the element type is (K, V), keys unique; up to 4
                       entries in insertion order (as Scala's Map1..Map4), more sorted
                       by key (Scala's hash order cannot be matched): lookups search */
    COLL_SET,       /* Set(x, ...): elements unique, in COLL_MAP's order */
} seq_coll;

typedef struct type type;
struct type {
    type_kind kind;
    int nelems;            /* TY_TUPLE: arity */
    const type **elems;    /* TY_TUPLE: fields; others: elems[0] = the element type */
    seq_coll coll;         /* TY_SEQ */
    int id;                /* unique, in creation order: names generated C types */
    const char *oname;     /* TY_OBJECT: the Scala name */
};

void types_init(void);
void types_free(void);

const type *ty_error(void);
const type *ty_unit(void);
const type *ty_bool(void);
const type *ty_int(void);
const type *ty_double(void);
const type *ty_string(void);
const type *ty_null(void);
const type *ty_context(void);
const type *ty_spark(void);
const type *ty_duration(void);
const type *ty_time(void);
const type *ty_krecord(void);
const type *ty_orange(void);
const type *ty_object(const char *name);
const type *ty_tuple(int n, const type **elems);
const type *ty_pair(const type *a, const type *b);
const type *ty_option(const type *elem);
const type *ty_seq(const type *elem, seq_coll coll);
const type *ty_dstream(const type *elem);
const type *ty_rdd(const type *elem);
const type *ty_broadcast(const type *elem);

/* The element type of a container type (Seq, Option, DStream, RDD, Broadcast). */
static inline const type *ty_elem(const type *t) { return t->elems[0]; }

/* A pair type (K, V): a 2-tuple. */
bool ty_is_pair(const type *t);
bool ty_is_numeric(const type *t);
/* Values of this type can live in the emitted C (not DStream, context, ...). */
bool ty_is_value(const type *t);

/* The Scala spelling, e.g. "DStream[(String, Int)]". Static buffer per call
 * rotation: valid until the 8th next call. */
const char *ty_name(const type *t);
/* The C spelling in the emitted program, e.g. "int64_t", "sr_str", "T3". */
const char *ty_c(const type *t);

/* Is a value of type `from` acceptable where `to` is expected? (equal, or
 * null for an Option/String, or Seq collections of the same element.) */
bool ty_assignable(const type *to, const type *from);

/* All interned types in creation order (the emitter defines them in order,
 * so a type's fields are always defined before it). */
int ty_count(void);
const type *ty_at(int i);

#endif
