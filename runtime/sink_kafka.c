/* sink_kafka.c - saveToKafka(topic): a batch's elements as Kafka records.
 *
 * One librdkafka producer per output operation, made at its first batch.
 * Its settings: the kafkaParams of the program's first Kafka source that
 * a producer understands (bootstrap.servers, security, client settings;
 * consumer-only ones are left out), then the run's `--conf
 * streamc.kafka.PROPERTY=value` settings. Workers send their partitions'
 * records concurrently (rd_kafka_producev is thread-safe); the batch then
 * flushes and waits for every delivery report: the output is done only
 * when every record is delivered. A record that cannot be delivered (after
 * librdkafka's own retries) fails the batch: it is logged and the run
 * stops with status 1, so that a restart from a checkpoint sends the batch
 * again (at-least-once).
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdatomic.h>
#include <stdio.h>

#include "runtime.h"

#define FLUSH_SLICE_MS 100

struct sr_kafka_sink {
    rd_kafka_t *rk;
    char *topic;
    atomic_llong sent, failed;     /* this batch */
    char first_error[256];         /* of this batch */
    atomic_flag error_taken;
};

/* Properties a producer must not be given. */
static bool consumer_only(const char *key) {
    static const char *const skip[] = {
        "group.id", "auto.offset.reset", "enable.auto.commit", "enable.auto.offset.store",
        "enable.partition.eof", "auto.commit.interval.ms", "session.timeout.ms", "heartbeat.interval.ms",
        "max.poll.interval.ms", "fetch.wait.max.ms", "fetch.min.bytes", "fetch.max.bytes",
        "max.partition.fetch.bytes", "isolation.level", "partition.assignment.strategy",
        "group.instance.id", "check.crcs", "queued.min.messages", "queued.max.messages.kbytes", NULL,
    };
    if (strstr(key, "deserializer"))
        return true;
    for (int i = 0; skip[i]; i++)
        if (strcmp(key, skip[i]) == 0)
            return true;
    return false;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    sr_kafka_sink *s = opaque;
    if (!m->err)
        return;
    atomic_fetch_add(&s->failed, 1);
    if (!atomic_flag_test_and_set(&s->error_taken))
        snprintf(s->first_error, sizeof s->first_error, "%s", rd_kafka_err2str(m->err));
}

static int set(rd_kafka_conf_t *c, const char *key, const char *value, char *err, size_t errlen) {
    return rd_kafka_conf_set(c, key, value, err, errlen) == RD_KAFKA_CONF_OK ? 0 : -1;
}

static sr_kafka_sink *sink_new(sr_runtime *rt, const char *topic, char *err, size_t errlen) {
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    const sr_program *p = rt->prog;
    for (int i = 0; i < p->nsources; i++) {
        if (p->sources[i].kind != SR_SOURCE_KAFKA)
            continue;
        for (int j = 0; j < p->sources[i].nkafka_params; j++) {
            const sr_conf_kv *kv = &p->sources[i].kafka_params[j];
            if (kv->key && kv->value && !consumer_only(kv->key) && set(c, kv->key, kv->value, err, errlen) != 0)
                goto fail;
        }
        break;
    }
    for (int i = 0; i < rt->nconf_over; i++) {
        const char *key = rt->conf_over[i].key;
        if (strncmp(key, "streamc.kafka.", 14) != 0 || strcmp(key, "streamc.kafka.startTimeoutMs") == 0 ||
            consumer_only(key + 14))
            continue;
        if (set(c, key + 14, rt->conf_over[i].value, err, errlen) != 0)
            goto fail;
    }
    size_t n = 0; /* the length of bootstrap.servers with its NUL: 1 when unset */
    if (rd_kafka_conf_get(c, "bootstrap.servers", NULL, &n) != RD_KAFKA_CONF_OK || n <= 1) {
        snprintf(err, errlen, "no Kafka cluster: the program has no Kafka source to take bootstrap.servers "
                 "from; give --conf streamc.kafka.bootstrap.servers=HOST:PORT");
        goto fail;
    }
    if (set(c, "enable.idempotence", "true", err, errlen) != 0)
        goto fail;
    sr_kafka_sink *s = sr_xcalloc(1, sizeof *s);
    atomic_flag_clear(&s->error_taken);
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_opaque(c, s);
    s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, errlen);
    if (!s->rk) {
        free(s);
        goto fail;
    }
    s->topic = strdup(topic);
    return s;
fail:
    rd_kafka_conf_destroy(c);
    return NULL;
}

sr_kafka_sink *sr_kafka_sink_get(sr_batch *b, int out, const char *topic) {
    sr_runtime *rt = b->rt;
    if (out < 0 || out >= SR_MAX_SINKS) {
        sr_log(SR_LOG_ERROR, "saveToKafka(%s): at most %d outputs can write to Kafka", topic, SR_MAX_SINKS);
        rt->batch_failed = true;
        return NULL;
    }
    if (!rt->sinks[out]) {
        char err[512] = "";
        rt->sinks[out] = sink_new(rt, topic, err, sizeof err);
        if (!rt->sinks[out]) {
            sr_log(SR_LOG_ERROR, "saveToKafka(%s): cannot make a producer: %s", topic, err);
            rt->batch_failed = true;
            return NULL;
        }
    }
    sr_kafka_sink *s = rt->sinks[out];
    atomic_store(&s->sent, 0);
    atomic_store(&s->failed, 0);
    atomic_flag_clear(&s->error_taken);
    return s;
}

void sr_kafka_send(sr_kafka_sink *s, sr_str key, sr_str value) {
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            s->rk, RD_KAFKA_V_TOPIC(s->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key.ptr, key.ptr ? (size_t)key.len : 0),
            RD_KAFKA_V_VALUE((void *)value.ptr, value.ptr ? (size_t)value.len : 0), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) { /* wait for deliveries to make room */
            rd_kafka_poll(s->rk, 10);
            continue;
        }
        if (e) {
            atomic_fetch_add(&s->failed, 1);
            if (!atomic_flag_test_and_set(&s->error_taken))
                snprintf(s->first_error, sizeof s->first_error, "%s", rd_kafka_err2str(e));
        } else {
            atomic_fetch_add(&s->sent, 1);
        }
        return;
    }
}

int sr_kafka_sink_flush(sr_batch *b, sr_kafka_sink *s) {
    if (!s)
        return -1;
    int64_t waited = 0;
    while (rd_kafka_outq_len(s->rk) > 0) {
        rd_kafka_flush(s->rk, FLUSH_SLICE_MS);
        waited += FLUSH_SLICE_MS;
        if (waited % 10000 == 0)
            sr_log(SR_LOG_WARN, "saveToKafka(%s): %d records of batch %" PRId64 " ms not delivered after %" PRId64 " s; waiting",
                   s->topic, rd_kafka_outq_len(s->rk), b->time_ms, waited / 1000);
    }
    long long failed = atomic_load(&s->failed);
    if (failed) {
        sr_log(SR_LOG_ERROR, "saveToKafka(%s): %lld of %lld records of batch %" PRId64 " ms were not delivered (%s); "
                             "stopping: a restart from the checkpoint sends the batch again",
               s->topic, failed, (long long)atomic_load(&s->sent), b->time_ms, s->first_error);
        b->rt->batch_failed = true;
        return -1;
    }
    return 0;
}

void sr_kafka_sinks_free(sr_runtime *rt) {
    for (int i = 0; i < SR_MAX_SINKS; i++) {
        sr_kafka_sink *s = rt->sinks[i];
        if (!s)
            continue;
        rd_kafka_flush(s->rk, 5000);
        rd_kafka_destroy(s->rk);
        free(s->topic);
        free(s);
        rt->sinks[i] = NULL;
    }
}
