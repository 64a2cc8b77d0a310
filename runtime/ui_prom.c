/* ui_prom.c - the monitoring UI's /metrics: Prometheus text format 0.0.4.
 *
 * Counters since the start, gauges of now, and the delay histograms of
 * metrics.h, one HELP and TYPE head per metric; label values escaped,
 * numbers in the shortest form that reads back the same.
 */
#include "ui_impl.h"

/* ===================================================================== */
/* Text: label values, numbers                                            */
/* ===================================================================== */

/* Prometheus label values: backslash, double quote, newline. */
static const char *esc_prom(unsigned char c, char tmp[8]) {
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    default: return NULL;
    }
}

/* A number for Prometheus: the shortest %g that reads back the same;
 * NaN, +Inf, -Inf. */
static void put_num(sr_buf *b, double v) {
    char tmp[40];
    if (isnan(v)) {
        sr_buf_cstr(b, "NaN");
        return;
    }
    if (isinf(v)) {
        sr_buf_cstr(b, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    sr_buf_cstr(b, tmp);
}

/* ===================================================================== */
/* Prometheus                                                             */
/* ===================================================================== */

static void prom_head(sr_buf *b, const char *name, const char *type, const char *help) {
    sr_buf_cstr(b, "# HELP ");
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    sr_buf_cstr(b, help);
    sr_buf_cstr(b, "\n# TYPE ");
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    sr_buf_cstr(b, type);
    sr_buf_char(b, '\n');
}

/* name="value" (escaped), after a '{' or ','. */
static void prom_label(sr_buf *b, const char *name, const char *value) {
    sr_buf_cstr(b, name);
    sr_buf_cstr(b, "=\"");
    sr_ui_put_escaped(b, value ? value : "", esc_prom);
    sr_buf_char(b, '"');
}

static void prom_long(sr_buf *b, const char *name, int64_t v) {
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    sr_buf_long(b, v);
    sr_buf_char(b, '\n');
}

static void prom_num(sr_buf *b, const char *name, double v) {
    sr_buf_cstr(b, name);
    sr_buf_char(b, ' ');
    put_num(b, v);
    sr_buf_char(b, '\n');
}

static void prom_histogram(sr_buf *b, const char *name, const char *help, const sr_histogram *h) {
    prom_head(b, name, "histogram", help);
    for (int i = 0; i <= SR_METRICS_NBUCKETS; i++) {
        sr_buf_cstr(b, name);
        sr_buf_cstr(b, "_bucket{le=\"");
        if (i < SR_METRICS_NBUCKETS)
            put_num(b, sr_metrics_bounds[i]);
        else
            sr_buf_cstr(b, "+Inf");
        sr_buf_cstr(b, "\"} ");
        sr_buf_long(b, i < SR_METRICS_NBUCKETS ? h->counts[i] : h->count);
        sr_buf_char(b, '\n');
    }
    sr_buf_cstr(b, name);
    sr_buf_cstr(b, "_sum ");
    put_num(b, h->sum);
    sr_buf_char(b, '\n');
    sr_buf_cstr(b, name);
    sr_buf_cstr(b, "_count ");
    sr_buf_long(b, h->count);
    sr_buf_char(b, '\n');
}

void sr_ui_render_prometheus(sr_buf *b, const sr_metrics_snapshot *s) {
    prom_head(b, "streamc_build_info", "gauge", "streamc version and the C compiler of its runtime.");
    sr_buf_cstr(b, "streamc_build_info{");
    prom_label(b, "version", s->version);
    sr_buf_char(b, ',');
    prom_label(b, "compiler", s->compiler);
    sr_buf_cstr(b, ",app=\"");
    sr_ui_put_escaped(b, sr_ui_app_name(s), esc_prom);
    sr_buf_cstr(b, "\"} 1\n");

    prom_head(b, "streamc_batches_completed_total", "counter",
              "Batches completed since the start (failed ones not included).");
    prom_long(b, "streamc_batches_completed_total", s->batches_done);
    prom_head(b, "streamc_batches_failed_total", "counter", "Batches whose output failed.");
    prom_long(b, "streamc_batches_failed_total", s->batches_failed);

    prom_head(b, "streamc_records_total", "counter", "Input records taken from each source.");
    for (int i = 0; i < s->nsources; i++) {
        sr_buf_cstr(b, "streamc_records_total{");
        prom_label(b, "source", s->sources[i].name);
        sr_buf_cstr(b, "} ");
        sr_buf_long(b, s->sources[i].records);
        sr_buf_char(b, '\n');
    }
    prom_head(b, "streamc_records_dropped_total", "counter",
              "Records dropped by a run-time error (counted and skipped).");
    prom_long(b, "streamc_records_dropped_total", s->dropped);

    int waiting = 0;
    for (int i = 0; i < s->nactive; i++)
        waiting += s->active[i].status == SR_BATCH_QUEUED;
    prom_head(b, "streamc_batches_waiting", "gauge", "Batches due but not started.");
    prom_long(b, "streamc_batches_waiting", waiting);
    prom_head(b, "streamc_batch_interval_seconds", "gauge", "The batch interval.");
    prom_num(b, "streamc_batch_interval_seconds", (double)s->batch_ms / 1000.0);

    prom_histogram(b, "streamc_processing_seconds", "Processing time of the batches.", &s->processing);
    prom_histogram(b, "streamc_scheduling_delay_seconds",
                   "Time from a batch's time to the start of its processing.", &s->scheduling);
    prom_histogram(b, "streamc_total_delay_seconds", "Scheduling delay plus processing time.",
                   &s->total);

    prom_head(b, "streamc_state_keys", "gauge", "Keys held by each stateful operator.");
    for (int i = 0; i < s->nstates; i++) {
        sr_buf_cstr(b, "streamc_state_keys{");
        prom_label(b, "operator", s->states[i].id);
        sr_buf_char(b, ',');
        prom_label(b, "what", s->states[i].what);
        sr_buf_cstr(b, "} ");
        sr_buf_long(b, s->states[i].keys);
        sr_buf_char(b, '\n');
    }
    prom_head(b, "streamc_kafka_lag", "gauge",
              "Records of a Kafka partition not yet read (end offset - next offset).");
    for (int i = 0; i < s->nsources; i++) {
        for (int k = 0; k < s->sources[i].nlags; k++) {
            const sr_lag_info *l = &s->sources[i].lags[k];
            char part[16];
            snprintf(part, sizeof part, "%d", (int)l->partition);
            sr_buf_cstr(b, "streamc_kafka_lag{");
            prom_label(b, "topic", l->topic);
            sr_buf_char(b, ',');
            prom_label(b, "partition", part);
            sr_buf_char(b, ',');
            prom_label(b, "source", s->sources[i].name);
            sr_buf_cstr(b, "} ");
            sr_buf_long(b, l->lag);
            sr_buf_char(b, '\n');
        }
    }
    prom_head(b, "streamc_source_up", "gauge", "1 when a source is receiving (connected, reachable).");
    for (int i = 0; i < s->nsources; i++) {
        sr_buf_cstr(b, "streamc_source_up{");
        prom_label(b, "source", s->sources[i].name);
        sr_buf_cstr(b, s->sources[i].active ? "} 1\n" : "} 0\n");
    }
    prom_head(b, "streamc_uptime_seconds", "gauge", "Time since the start.");
    prom_num(b, "streamc_uptime_seconds", (double)(s->now_ms - s->start_ms) / 1000.0);
}
