/* check_kafka.c - Kafka in .stream programs, as the seed writes it.
 *
 *   val kafkaParams = Map[String, Object]("bootstrap.servers" -> "...", ...)
 *   val stream = KafkaUtils.createDirectStream[String, String](ssc,
 *       PreferConsistent, Subscribe[String, String](topics, kafkaParams))
 *   stream.foreachRDD { rdd =>
 *     val offsetRanges = rdd.asInstanceOf[HasOffsetRanges].offsetRanges
 *     stream.asInstanceOf[CanCommitOffsets].commitAsync(offsetRanges)
 *   }
 *
 * The consumer strategy (Subscribe, SubscribePattern, Assign) and its
 * arguments are read as constants, following top-level vals to their
 * initialisers; they become one source of the program. Deserializer
 * entries of kafkaParams are dropped (keys and values are strings), every
 * other entry goes to librdkafka as is.
 */
#include <string.h>

#include "check_internal.h"

/* e, or the initialiser of the top-level val it names (followed). */
static ast *resolve(checker *C, ast *e) {
    for (int depth = 0; e && depth < 8; depth++) {
        ast *init = ck_global_init(C, e);
        if (!init)
            break;
        e = init;
    }
    return e;
}

/* The callee's last name of a call: Map, Subscribe, compile, TopicPartition. */
static const char *callee_name(const ast *call) {
    if (!call)
        return "";
    if (call->kind == AST_NEW)
        return call->type && call->type->name ? call->type->name : "";
    if (call->kind != AST_CALL || !call->a)
        return "";
    const ast *f = call->a;
    return f->name ? f->name : "";
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A constant setting value: a string, number or Boolean, `(false:
 * java.lang.Boolean)` included. NULL if it is none of these. */
static char *const_value(checker *C, ast *v) {
    v = resolve(C, v);
    while (v && v->kind == AST_ASCRIBE)
        v = v->a;
    if (!v)
        return NULL;
    char *s = NULL;
    int64_t n;
    if (v->kind == AST_BOOL)
        return xstrdup(v->ival ? "true" : "false");
    if (ck_const_int(C, v, &n))
        return xasprintf("%lld", (long long)n);
    if (ck_const_str(C, v, &s))
        return s;
    return NULL;
}

/* kafkaParams: Map(k -> v, ...) into s->params. */
static bool read_params(checker *C, ast *e, prog_source *s) {
    ast *m = resolve(C, e);
    if (!m || m->kind != AST_CALL || strcmp(callee_name(m), "Map") != 0) {
        ck_error_at(C, e, "kafkaParams must be a constant Map(\"key\" -> value, ...)");
        return false;
    }
    for (int i = 0; i < m->list.len; i++) {
        ast *kv = m->list.items[i];
        char *key = NULL;
        if (kv->kind != AST_BINARY || kv->op != AST_OP_ARROW || !ck_const_str(C, kv->a, &key)) {
            ck_error_at(C, kv, "a Kafka parameter is written \"key\" -> value");
            return false;
        }
        if (ends_with(key, ".deserializer")) { /* keys and values are strings */
            free(key);
            continue;
        }
        char *value = const_value(C, kv->b);
        if (!value) {
            ck_error_at(C, kv->b, "the value of Kafka parameter \"%s\" must be a constant string, number or Boolean", key);
            free(key);
            return false;
        }
        conf_kv p = { key, value };
        PUSH(s->params, s->nparams, p);
    }
    return true;
}

/* topics: Array("a", "b") / List / Seq / Set, or one string. */
static bool read_topics(checker *C, ast *e, prog_source *s) {
    ast *t = resolve(C, e);
    char *one = NULL;
    if (t && ck_const_str(C, t, &one)) {
        PUSH(s->topics, s->ntopics, one);
        return true;
    }
    const char *f = callee_name(t);
    if (!t || t->kind != AST_CALL || (strcmp(f, "Array") && strcmp(f, "List") && strcmp(f, "Seq") && strcmp(f, "Set"))) {
        ck_error_at(C, e, "the topics must be a constant Array(\"topic\", ...)");
        return false;
    }
    for (int i = 0; i < t->list.len; i++) {
        char *name = NULL;
        if (!ck_const_str(C, t->list.items[i], &name) || !*name) {
            free(name);
            ck_error_at(C, t->list.items[i], "a topic must be a constant string");
            return false;
        }
        PUSH(s->topics, s->ntopics, name);
    }
    if (!s->ntopics)
        ck_error_at(C, e, "Subscribe needs at least one topic");
    return s->ntopics > 0;
}

/* new TopicPartition("t", 0) */
static bool read_partition(checker *C, ast *e, prog_assign *out) {
    ast *tp = resolve(C, e);
    int64_t part;
    out->topic = NULL;
    out->offset = -1;
    if (!tp || tp->kind != AST_NEW || strcmp(callee_name(tp), "TopicPartition") != 0 || tp->list.len != 2 ||
        !ck_const_str(C, tp->list.items[0], &out->topic) || !ck_const_int(C, tp->list.items[1], &part) || part < 0) {
        free(out->topic);
        out->topic = NULL;
        ck_error_at(C, e, "a partition is written new TopicPartition(\"topic\", n), with constants");
        return false;
    }
    out->partition = part;
    return true;
}

/* Assign's partitions: List(new TopicPartition(...), ...), or
 * fromOffsets.keys[.toList] of a constant Map. */
static bool read_assign(checker *C, ast *e, ast *from, prog_source *s) {
    ast *list = e;
    while (list && list->kind == AST_SELECT && (!strcmp(list->name, "keys") || !strcmp(list->name, "keySet") ||
                                               !strcmp(list->name, "toList") || !strcmp(list->name, "toSeq") ||
                                               !strcmp(list->name, "toSet")))
        list = list->a;
    bool keys = list != e;
    list = resolve(C, list);
    if (!list || list->kind != AST_CALL) {
        ck_error_at(C, e, "Assign's partitions must be a constant List(new TopicPartition(\"t\", 0), ...)");
        return false;
    }
    for (int i = 0; i < list->list.len; i++) {
        ast *item = list->list.items[i];
        if (keys) {
            if (item->kind != AST_BINARY || item->op != AST_OP_ARROW) {
                ck_error_at(C, item, "fromOffsets is written Map(new TopicPartition(\"t\", 0) -> offset, ...)");
                return false;
            }
            item = item->a;
        }
        prog_assign a;
        if (!read_partition(C, item, &a))
            return false;
        PUSH(s->assign, s->nassign, a);
    }
    if (!from)
        return true;
    ast *m = resolve(C, from);
    if (!m || m->kind != AST_CALL || strcmp(callee_name(m), "Map") != 0) {
        ck_error_at(C, from, "fromOffsets must be a constant Map(new TopicPartition(\"t\", 0) -> offset, ...)");
        return false;
    }
    for (int i = 0; i < m->list.len; i++) {
        ast *kv = m->list.items[i];
        prog_assign a;
        int64_t off;
        if (kv->kind != AST_BINARY || kv->op != AST_OP_ARROW || !read_partition(C, kv->a, &a))
            return false;
        if (!ck_const_int(C, kv->b, &off) || off < 0) {
            free(a.topic);
            ck_error_at(C, kv->b, "an offset must be a constant number >= 0");
            return false;
        }
        bool found = false;
        for (int j = 0; j < s->nassign; j++)
            if (!strcmp(s->assign[j].topic, a.topic) && s->assign[j].partition == a.partition) {
                s->assign[j].offset = off;
                found = true;
            }
        if (!found) {
            ck_error_at(C, kv->a, "fromOffsets names %s/%lld, which is not among the assigned partitions", a.topic,
                        (long long)a.partition);
            free(a.topic);
            return false;
        }
        free(a.topic);
    }
    return true;
}

void prog_source_free(prog_source *s) {
    free(s->host);
    free(s->dir);
    for (int i = 0; i < s->nparams; i++) {
        free(s->params[i].key);
        free(s->params[i].value);
    }
    for (int i = 0; i < s->ntopics; i++)
        free(s->topics[i]);
    for (int i = 0; i < s->nassign; i++)
        free(s->assign[i].topic);
    free(s->params);
    free(s->topics);
    free(s->pattern);
    free(s->assign);
}

const type *ck_kafka_source(checker *C, ast *call) {
    if (ck_nargs(call) != 3)
        return ck_error_at(C, call, "createDirectStream takes (ssc, locationStrategy, consumerStrategy)");
    ast *strategy = ck_arg(call, 2);
    const char *kind = callee_name(strategy);
    prog_source s = { .kind = OP_SOURCE_KAFKA };
    bool ok = false;
    if (!strcmp(kind, "Subscribe")) {
        ok = ck_nargs(strategy) >= 2 && read_topics(C, ck_arg(strategy, 0), &s) &&
             read_params(C, ck_arg(strategy, 1), &s);
    } else if (!strcmp(kind, "SubscribePattern")) {
        ast *pat = resolve(C, ck_arg(strategy, 0));
        if (pat && pat->kind == AST_CALL && !strcmp(callee_name(pat), "compile") && pat->list.len == 1)
            pat = pat->list.items[0]; /* java.util.regex.Pattern.compile("...") */
        if (!pat || !ck_const_str(C, pat, &s.pattern)) {
            prog_source_free(&s);
            return ck_error_at(C, strategy, "SubscribePattern needs a constant pattern: Pattern.compile(\"topic.*\")");
        }
        ok = ck_nargs(strategy) >= 2 && read_params(C, ck_arg(strategy, 1), &s);
    } else if (!strcmp(kind, "Assign")) {
        ok = ck_nargs(strategy) >= 2 && read_assign(C, ck_arg(strategy, 0), ck_arg(strategy, 2), &s) &&
             read_params(C, ck_arg(strategy, 1), &s);
    } else {
        prog_source_free(&s);
        return ck_error_at(C, strategy ? strategy : call,
                           "the consumer strategy must be Subscribe, SubscribePattern or Assign");
    }
    if (!ok) {
        prog_source_free(&s);
        return ck_nargs(strategy) < 2 ? ck_error_at(C, strategy, "%s takes the topics and kafkaParams", kind)
                                      : ty_error();
    }
    bool servers = false;
    for (int i = 0; i < s.nparams; i++)
        servers |= !strcmp(s.params[i].key, "bootstrap.servers");
    if (!servers) {
        prog_source_free(&s);
        return ck_error_at(C, strategy, "kafkaParams needs \"bootstrap.servers\"");
    }
    dag_node *n = ck_new_node(C, OP_SOURCE_KAFKA, ty_krecord(), call, NULL);
    n->source = C->p->nsources;
    PUSH(C->p->sources, C->p->nsources, s);
    return ty_dstream(ty_krecord());
}

/* x.asInstanceOf[HasOffsetRanges] of the RDD of a Kafka stream in its
 * foreachRDD, x.asInstanceOf[CanCommitOffsets] of the stream itself: an
 * object whose ival is the source's index. */
const type *ck_kafka_cast(checker *C, ast *sel, const type *T) {
    const char *to = sel->targs.len == 1 && sel->targs.items[0]->name ? sel->targs.items[0]->name : "";
    const char *last = strrchr(to, '.') ? strrchr(to, '.') + 1 : to;
    ck_set_method(sel, M_IGNORED);
    if (!strcmp(last, "HasOffsetRanges")) {
        if (T->kind != TY_RDD || C->kafka_rdd < 0)
            return ck_error_at(C, sel, "only the RDD of a Kafka stream itself has offset ranges: take them in "
                                       "foreachRDD of the stream createDirectStream returned, as in Spark");
        sel->ival = C->kafka_rdd;
        return ty_object("HasOffsetRanges");
    }
    if (!strcmp(last, "CanCommitOffsets")) {
        dag_node *n = T->kind == TY_DSTREAM ? ck_node_of(sel->a) : NULL;
        if (!n || n->op != OP_SOURCE_KAFKA)
            return ck_error_at(C, sel, "only the stream createDirectStream returned can commit offsets");
        if (!C->driver)
            return ck_error_at(C, sel, "commitAsync can only be used in driver code (foreachRDD)");
        sel->ival = n->source;
        return ty_object("CanCommitOffsets");
    }
    return ck_error_at(C, sel, "asInstanceOf[%s] is not supported: only HasOffsetRanges and CanCommitOffsets", to);
}
