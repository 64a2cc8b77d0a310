/* check.h - the checker: names, types, settings, and the operator DAG.
 *
 * check_program() walks the parsed program once, in source order. It reads
 * the header settings, types every expression forward from the sources
 * (annotations are checked against what it infers), resolves every name
 * and method call (ast->sem / ast->sem_kind), builds the DAG of DStream
 * operations, and records everything the emitter needs in `program`.
 */
#ifndef STREAMC_CHECK_H
#define STREAMC_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "dag.h"
#include "source.h"
#include "types.h"

/* How to read ast->sem. */
typedef enum sem_kind {
    SEM_NONE,
    SEM_BINDING, /* AST_IDENT: sem is a binding */
    SEM_METHOD,  /* AST_CALL / AST_SELECT / AST_IDENT: sem is (void *)(intptr_t)method */
    SEM_LAMBDA,  /* AST_LAMBDA: sem is a lambda_info */
    SEM_NODE,    /* an expression that denotes a DStream: sem is its dag_node */
} sem_kind;

typedef enum bind_kind {
    BIND_GLOBAL,    /* top-level value: a C global set once in init() */
    BIND_DRIVER,    /* name bound in driver code: a file-scope static */
    BIND_LOCAL,     /* parameter or local of an executor lambda: a C local */
    BIND_DSTREAM,   /* a DStream: `node` */
    BIND_CONTEXT,   /* ssc */
    BIND_IGNORED,   /* values accepted and not used at run time (kafka params ...) */
} bind_kind;

typedef struct binding binding;
struct binding {
    char *name;
    const type *ty;
    bind_kind kind;
    bool is_var;      /* declared with var */
    char *cname;      /* C name in the emitted program */
    dag_node *node;   /* BIND_DSTREAM */
    ast *decl;        /* the declaring node */
    binding *next;    /* enclosing scope chain */
};

/* Built-in methods and functions a call or selection resolved to. */
typedef enum method {
    M_NONE,
    /* String */
    M_STR_SPLIT, M_STR_TRIM, M_STR_LOWER, M_STR_UPPER, M_STR_LENGTH, M_STR_CONTAINS,
    M_STR_STARTS, M_STR_ENDS, M_STR_SUBSTRING, M_STR_REPLACE, M_STR_TOINT, M_STR_TODOUBLE,
    M_STR_ISEMPTY, M_STR_NONEMPTY, M_STR_INDEXOF, M_STR_EQUALS, M_STR_REPLACEALL,
    M_STR_TAKE, M_STR_DROP, M_STR_TAKERIGHT, M_STR_DROPRIGHT, M_STR_SLICE, M_STR_REVERSE,
    M_STR_CAPITALIZE, M_STR_LASTINDEXOF, M_STR_INDEXOF_FROM, M_STR_STRIPPREFIX, M_STR_STRIPSUFFIX,
    M_STR_CONCAT, M_STR_EQUALSIC, M_STR_COMPARETO, M_STR_HASHCODE, M_STR_SPLIT_LIMIT,
    M_STR_FORMAT,     /* fmt.format(args), String.format(fmt, args): str = fmt, ival = first arg */
    /* any value */
    M_TOSTRING,
    /* numbers */
    M_NUM_TOINT, M_NUM_TODOUBLE, M_NUM_MAX, M_NUM_MIN, M_NUM_ABS,
    /* tuples: _1 .. _N (the field number is in ast->ival of the SELECT) */
    M_TUPLE_FIELD,
    M_TUPLE_SWAP,     /* (a, b).swap */
    /* Option */
    M_OPT_ISEMPTY, M_OPT_ISDEFINED, M_OPT_GET, M_OPT_GETORELSE,
    /* Seq / Array / List / ListBuffer */
    M_SEQ_SIZE, M_SEQ_APPLY, M_SEQ_SUM, M_SEQ_CONTAINS, M_SEQ_ISEMPTY, M_SEQ_NONEMPTY,
    M_SEQ_HEAD, M_SEQ_LAST, M_SEQ_FOREACH, M_SEQ_MAP, M_SEQ_FILTER, M_SEQ_MKSTRING,
    M_SEQ_APPEND, M_SEQ_EXISTS, M_SEQ_FORALL, M_SEQ_MAX, M_SEQ_MIN, M_SEQ_TOSEQ,
    M_SEQ_FOLD, M_SEQ_REDUCE, M_SEQ_COUNT, M_SEQ_TAKE, M_SEQ_DROP, M_SEQ_SLICE, M_SEQ_REVERSE,
    M_SEQ_SORTED, M_SEQ_SORTBY, M_SEQ_SORTWITH, M_SEQ_DISTINCT,
    /* Map (a sequence of pairs, COLL_MAP) */
    M_MAP_GET, M_MAP_GETORELSE, M_MAP_CONTAINS, M_MAP_APPLY, M_MAP_KEYS, M_MAP_VALUES, M_SEQ_TOMAP,
    M_SEQ_TOSET,      /* xs.toSet; a Set's contains is M_MAP_CONTAINS */
    M_SEQ_FLATMAP, M_SEQ_ZIP, M_SEQ_ZIPWITHINDEX, M_SEQ_FIND, M_SEQ_HEADOPTION, M_SEQ_LASTOPTION,
    M_SEQ_INDEXOF, M_SEQ_GROUPBY,
    /* Broadcast */
    M_BC_VALUE,
    /* Time */
    M_TIME_MS,
    M_RECORD_FIELD,   /* ConsumerRecord / OffsetRange field: ival indexes record_fields[] */
    M_KAFKA_RANGES,   /* rdd.asInstanceOf[HasOffsetRanges].offsetRanges: ival = source */
    M_KAFKA_COMMIT,   /* stream.asInstanceOf[CanCommitOffsets].commitAsync(r): ival = source */
    M_BC_REDIS_SET,   /* sc.broadcast(sc.fromRedisSet(key)): refreshed before each batch */
    M_BC_REDIS_HASH,  /* sc.broadcast(sc.fromRedisHash(key)) */
    M_BC_FILE,        /* sc.broadcast(sc.textFile(path).collect()): the file's lines */
    /* functions */
    F_PRINTLN, F_SOME, F_NONE, F_OPTION, F_SEQ, F_LIST, F_ARRAY, F_LISTBUFFER, F_MAP, F_SET,
    F_MATH_MAX, F_MATH_MIN, F_MATH_ABS, /* math.max(a, b), math.min(a, b), math.abs(a) */
    F_MATH_DOUBLE,    /* math.pow, sqrt, ...: a C <math.h> function; ival indexes math_doubles[] */
    F_MATH_ROUND,     /* math.round(x): Java's Math.round */
    F_INT_CONST,      /* Int.MaxValue, Long.MinValue, ...: the value in ival */
    F_VALUEOF,        /* String.valueOf(x): x.toString */
    F_PARTITION_ID,   /* TaskContext.get.partitionId: the partition a task works on */
    /* RDD operations in driver code */
    R_MAP, R_FLATMAP, R_FILTER, R_MAPVALUES, R_FLATMAPVALUES, R_SORTBYKEY, R_SORTBY,
    R_TAKE, R_COUNT, R_COLLECT, R_FOREACH, R_FOREACHPARTITION, R_FIRST, R_ISEMPTY, R_REDUCEBYKEY, R_UNION,
    R_JOIN, R_LEFTOUTERJOIN, R_RIGHTOUTERJOIN, R_FULLOUTERJOIN, R_COGROUP, R_GROUPBYKEY,
    R_DISTINCT, R_REDUCE, R_KEYS, R_VALUES, R_SUM, R_MAX, R_MIN, R_TOP, R_TAKEORDERED, R_COUNTBYVALUE,
    R_COUNTBYKEY, R_MAPPARTITIONS, R_GLOM,
    R_IDENTITY, /* cache(), persist(), repartition() ... on an RDD: the same batch */
    /* calls that do nothing at run time (ssc.start(), settings, ...) */
    M_IGNORED,
} method;

typedef struct lambda_info {
    int id;
    bool driver;        /* driver code: foreachRDD / transform bodies */
    bool is_inline;     /* emitted in place (Seq / Option methods) */
    int nparams;
    binding **params;
    const type *ret;
    bool may_fail;      /* contains an operation that can fail at run time */
    ast *node;
    dag_node *owner;    /* the DStream operation it belongs to, if any */
} lambda_info;

typedef struct site {
    int line, col;
    char *what;
} site;

/* A field of a Kafka type (ConsumerRecord, OffsetRange). */
typedef struct record_field {
    type_kind kind;
    const char *name;
    const char *c_fmt;      /* C expression, %s = the value */
    bool is_string;         /* else Long */
} record_field;
extern const record_field record_fields[];

/* A math function of Doubles giving a Double (math.pow, math.sqrt, ...). */
typedef struct math_double {
    const char *name; /* in Scala's math and Java's Math */
    const char *c_fn; /* the <math.h> function, the same for every input */
    int nargs;
} math_double;
extern const math_double math_doubles[];
int ck_math_double(const char *name); /* its index, or -1 */

typedef struct conf_kv conf_kv;

/* A partition of ConsumerStrategies.Assign and its starting offset. */
typedef struct prog_assign {
    char *topic;
    int64_t partition;
    int64_t offset;     /* from fromOffsets, -1: none given */
} prog_assign;

typedef struct prog_source {
    op_kind kind;       /* OP_SOURCE_* */
    char *host;
    int64_t port;
    char *dir;
    /* OP_SOURCE_KAFKA */
    conf_kv *params;    /* kafkaParams, deserializers left out */
    int nparams;
    char **topics;      /* Subscribe */
    int ntopics;
    char *pattern;      /* SubscribePattern */
    prog_assign *assign;/* Assign */
    int nassign;
} prog_source;

struct conf_kv {
    char *key, *value;
};

/* Free what a source owns (check_kafka.c). */
void prog_source_free(prog_source *s);

typedef struct program {
    source *src;
    ast_pool *pool;
    ast *root;
    /* settings */
    char *app;
    int64_t batch_ms;
    char *master;
    char *checkpoint;
    int64_t checkpoint_every_ms;
    char *log_level;
    char *offsets;          /* the `offsets` setting: kafka, checkpoint, redis; NULL = default */
    char *offsets_redis;    /* with redis: its URL */
    char *redis_url;        /* the `redis "URL"` setting: sinks and broadcasts */
    conf_kv *conf;
    int nconf;
    /* what the emitter walks */
    dag dag;
    prog_source *sources;
    int nsources;
    binding **globals;      /* top-level values, in order (initialised in init()) */
    int nglobals;
    binding **statics;      /* driver-code names (file-scope statics) */
    int nstatics;
    binding **broadcasts;   /* broadcast values */
    int nbroadcasts;
    lambda_info **lambdas;
    int nlambdas;
    dag_node **outputs;     /* output operations, in program order */
    int noutputs;
    site *sites;
    int nsites;
    binding *all_bindings;  /* every binding, for freeing */
    bool stateful;          /* has operators that keep state across batches */
} program;

/* Check `p->root`; fills `p`. Returns the number of errors (also counted in
 * p->src->errors). */
int check_program(program *p);
void program_free(program *p);

/* The binding / method / lambda an annotated node resolved to. */
static inline binding *sem_binding(const ast *n) { return n->sem_kind == SEM_BINDING ? (binding *)n->sem : 0; }
/* The call naming the Redis key or file path of a broadcast value read
 * from outside (sc.fromRedisSet(k), sc.fromRedisHash(k), sc.textFile(p),
 * Source.fromFile(p).getLines.toList, ...) with its method in *kind; NULL
 * if `value` (sc.broadcast's argument) is not one. */
ast *ck_external_read(ast *value, method *kind);
static inline method sem_method(const ast *n) { return n->sem_kind == SEM_METHOD ? (method)(intptr_t)n->sem : M_NONE; }
static inline lambda_info *sem_lambda(const ast *n) { return n->sem_kind == SEM_LAMBDA ? (lambda_info *)n->sem : 0; }

#endif
