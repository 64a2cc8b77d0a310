/* metrics.c - the store behind metrics.h: a ring of the last
 * SR_METRICS_KEEP completed batches, the running batch, the sources'
 * status, the state key counts, totals and histograms.
 *
 * The scheduler thread writes at the start and end of each batch; readers
 * take a deep copy under the lock (sr_metrics_snapshot_take). Every batch
 * record owns its allocations; a record leaving the ring frees them, so a
 * long run holds at most SR_METRICS_KEEP records.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "linked.h"
#include "metrics.h"
#include "runtime.h"

const double sr_metrics_bounds[SR_METRICS_NBUCKETS] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 600,
};

/* Waiting batches listed at most (a program far behind lists the oldest). */
#define MAX_WAITING 1000

struct sr_metrics {
    pthread_mutex_t lock;
    sr_metrics_snapshot s;      /* completed: a ring of SR_METRICS_KEEP, `ring_at` the oldest */
    int ring_at;
    sr_batch_info running;      /* valid while has_running */
    int64_t running_delay_us;   /* its scheduling delay, exactly */
    bool has_running;
    uint64_t errors_before;     /* sr_log_last_error's count when the batch began */
};

static char *dup_or_null(const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    return memcpy(sr_xmalloc(n), s, n);
}

static void batch_clear(sr_batch_info *b) {
    free(b->source_records);
    free(b->failure);
    for (int i = 0; i < b->nranges; i++)
        free(b->ranges[i].topic);
    free(b->ranges);
    memset(b, 0, sizeof *b);
}

static void batch_copy(sr_batch_info *to, const sr_batch_info *from) {
    *to = *from;
    to->source_records = NULL;
    if (from->nsources) {
        to->source_records = sr_xmalloc((size_t)from->nsources * sizeof *to->source_records);
        memcpy(to->source_records, from->source_records, (size_t)from->nsources * sizeof *to->source_records);
    }
    to->failure = dup_or_null(from->failure);
    to->ranges = NULL;
    if (from->nranges) {
        to->ranges = sr_xmalloc((size_t)from->nranges * sizeof *to->ranges);
        for (int i = 0; i < from->nranges; i++) {
            to->ranges[i] = from->ranges[i];
            to->ranges[i].topic = dup_or_null(from->ranges[i].topic);
        }
    }
}

static void source_clear(sr_source_info *s) {
    free(s->name);
    free(s->kind);
    free(s->last_error);
    for (int i = 0; i < s->nlags; i++)
        free(s->lags[i].topic);
    free(s->lags);
}

static void source_copy(sr_source_info *to, const sr_source_info *from) {
    *to = *from;
    to->name = dup_or_null(from->name);
    to->kind = dup_or_null(from->kind);
    to->last_error = dup_or_null(from->last_error);
    to->lags = NULL;
    if (from->nlags) {
        to->lags = sr_xmalloc((size_t)from->nlags * sizeof *to->lags);
        for (int i = 0; i < from->nlags; i++) {
            to->lags[i] = from->lags[i];
            to->lags[i].topic = dup_or_null(from->lags[i].topic);
        }
    }
}

static void observe(sr_histogram *h, double seconds) {
    for (int i = 0; i < SR_METRICS_NBUCKETS; i++)
        if (seconds <= sr_metrics_bounds[i])
            h->counts[i]++;
    h->count++;
    h->sum += seconds;
}

/* ===================================================================== */
/* The scheduler's side                                                   */
/* ===================================================================== */

sr_metrics *sr_metrics_new(sr_runtime *rt) {
    sr_metrics *m = sr_xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    const sr_program *p = rt->prog;
    m->s.app = dup_or_null(p->app_name ? p->app_name : "app");
    m->s.batch_ms = p->batch_ms;
    m->s.start_ms = sr_now_ms();
    m->s.nworkers = rt->nworkers;
    m->s.manual_clock = rt->manual_clock;
    m->s.version = SR_VERSION;
    m->s.compiler = __VERSION__;
    m->s.completed = sr_xcalloc(SR_METRICS_KEEP, sizeof *m->s.completed);
    m->s.nsources = rt->nsources;
    m->s.sources = sr_xcalloc((size_t)(rt->nsources ? rt->nsources : 1), sizeof *m->s.sources);
    for (int i = 0; i < rt->nsources; i++) {
        m->s.sources[i].name = dup_or_null(sr_source_name(rt->sources[i].src));
        m->s.sources[i].kind = dup_or_null(sr_source_kind_name(rt->sources[i].src));
        m->s.sources[i].active = true;
    }
    m->s.nstates = p->nstate_ops;
    m->s.states = sr_xcalloc((size_t)(p->nstate_ops ? p->nstate_ops : 1), sizeof *m->s.states);
    for (int i = 0; i < p->nstate_ops; i++) {
        m->s.states[i].id = dup_or_null(p->state_ops[i].id);
        m->s.states[i].what = dup_or_null(p->state_ops[i].what);
    }
    return m;
}

void sr_metrics_free(sr_metrics *m) {
    if (!m)
        return;
    for (int i = 0; i < SR_METRICS_KEEP; i++)
        batch_clear(&m->s.completed[i]);
    free(m->s.completed);
    batch_clear(&m->running);
    for (int i = 0; i < m->s.nsources; i++)
        source_clear(&m->s.sources[i]);
    free(m->s.sources);
    for (int i = 0; i < m->s.nstates; i++) {
        free(m->s.states[i].id);
        free(m->s.states[i].what);
    }
    free(m->s.states);
    free(m->s.app);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* Sources' status and the state key counts, read outside the lock. */
void sr_metrics_refresh(sr_metrics *m, sr_runtime *rt) {
    int n = m->s.nsources;
    sr_source_info *fresh = sr_xcalloc((size_t)(n ? n : 1), sizeof *fresh);
    for (int i = 0; i < n && i < rt->nsources; i++) {
        sr_source *src = rt->sources[i].src;
        char err[256];
        sr_source_status(src, &fresh[i].active, err, sizeof err, &fresh[i].last_error_ms);
        fresh[i].last_error = err[0] ? dup_or_null(err) : NULL;
        int nl = sr_source_lags(src, NULL, 0);
        if (nl > 0) {
            sr_partition_lag *lags = sr_xmalloc((size_t)nl * sizeof *lags);
            nl = sr_source_lags(src, lags, nl);
            fresh[i].lags = sr_xmalloc((size_t)nl * sizeof *fresh[i].lags);
            for (int j = 0; j < nl; j++)
                fresh[i].lags[j] = (sr_lag_info){ dup_or_null(lags[j].topic), lags[j].partition, lags[j].lag };
            fresh[i].nlags = nl;
            free(lags);
        }
    }
    int64_t *keys = sr_xcalloc((size_t)(m->s.nstates ? m->s.nstates : 1), sizeof *keys);
    for (int i = 0; i < m->s.nstates; i++)
        keys[i] = rt->prog->state_ops[i].keys ? rt->prog->state_ops[i].keys() : 0;

    pthread_mutex_lock(&m->lock);
    for (int i = 0; i < n; i++) {
        sr_source_info *s = &m->s.sources[i];
        free(s->last_error);
        for (int j = 0; j < s->nlags; j++)
            free(s->lags[j].topic);
        free(s->lags);
        s->active = fresh[i].active;
        s->last_error = fresh[i].last_error;
        s->last_error_ms = fresh[i].last_error_ms;
        s->lags = fresh[i].lags;
        s->nlags = fresh[i].nlags;
    }
    for (int i = 0; i < m->s.nstates; i++)
        m->s.states[i].keys = keys[i];
    pthread_mutex_unlock(&m->lock);
    free(fresh);
    free(keys);
}

void sr_metrics_batch_begin(sr_metrics *m, int64_t time_ms, int64_t index, bool replayed, int64_t sched_delay_us) {
    pthread_mutex_lock(&m->lock);
    batch_clear(&m->running);
    m->running = (sr_batch_info){
        .time_ms = time_ms,
        .index = index,
        .status = SR_BATCH_PROCESSING,
        .replayed = replayed,
        .start_ms = sr_now_ms(),
        .sched_delay_ms = sched_delay_us / 1000,
        .processing_ms = -1,
        .total_delay_ms = -1,
        .noutputs = 0,
    };
    m->has_running = true;
    m->running_delay_us = sched_delay_us;
    pthread_mutex_unlock(&m->lock);
    m->errors_before = sr_log_last_error(NULL, 0);
}

void sr_metrics_batch_end(sr_metrics *m, sr_runtime *rt, int64_t processing_us, int64_t dropped,
                          const char *failure) {
    /* what the batch took, built outside the lock */
    sr_batch_info done = { 0 };
    int n = rt->nsources;
    done.nsources = n;
    done.source_records = sr_xcalloc((size_t)(n ? n : 1), sizeof *done.source_records);
    sr_arena scratch;
    sr_arena_init(&scratch);
    for (int i = 0; i < n; i++) {
        done.source_records[i] = rt->sources[i].lines.n;
        done.records += rt->sources[i].lines.n;
        done.bytes += rt->sources[i].lines.bytes;
        sr_seq rg = sr_source_offset_ranges ? sr_source_offset_ranges(rt->sources[i].src, &scratch)
                                            : (sr_seq){ 0 }; /* no Kafka linked */
        if (!rg.len)
            continue;
        done.ranges = sr_xrealloc(done.ranges, (size_t)(done.nranges + rg.len) * sizeof *done.ranges);
        for (int64_t j = 0; j < rg.len; j++) {
            const sr_offset_range *r = &SR_SEQ_AT(sr_offset_range, rg, j);
            char *topic = sr_xmalloc((size_t)r->topic.len + 1);
            memcpy(topic, r->topic.ptr, (size_t)r->topic.len);
            topic[r->topic.len] = '\0';
            done.ranges[done.nranges++] = (sr_range_info){ topic, (int32_t)r->partition, r->from, r->until };
        }
    }
    sr_arena_free(&scratch);
    char why[512] = "";
    if (failure && !failure[0] && sr_log_last_error(why, sizeof why) == m->errors_before)
        snprintf(why, sizeof why, "an output operation failed");
    sr_metrics_refresh(m, rt);

    pthread_mutex_lock(&m->lock);
    sr_batch_info *r = &m->running;
    done.time_ms = r->time_ms;
    done.index = r->index;
    done.replayed = r->replayed;
    done.start_ms = r->start_ms;
    done.sched_delay_ms = r->sched_delay_ms;
    done.processing_ms = processing_us / 1000;
    done.total_delay_ms = (m->running_delay_us + processing_us) / 1000;
    done.noutputs = rt->prog->noutputs;
    done.dropped = dropped;
    done.status = failure ? SR_BATCH_FAILED : SR_BATCH_COMPLETED;
    done.nfailed_outputs = failure ? 1 : 0;
    done.failure = failure ? dup_or_null(failure[0] ? failure : why) : NULL;
    batch_clear(r);
    m->has_running = false;

    sr_metrics_snapshot *s = &m->s;
    int slot = (m->ring_at + s->ncompleted) % SR_METRICS_KEEP;
    if (s->ncompleted == SR_METRICS_KEEP) { /* the oldest leaves */
        slot = m->ring_at;
        m->ring_at = (m->ring_at + 1) % SR_METRICS_KEEP;
    } else {
        s->ncompleted++;
    }
    batch_clear(&s->completed[slot]);
    s->completed[slot] = done;
    if (failure) {
        s->batches_failed++;
    } else {
        s->batches_done++;
        observe(&s->processing, (double)processing_us / 1e6);
        observe(&s->scheduling, (double)m->running_delay_us / 1e6);
        observe(&s->total, (double)(m->running_delay_us + processing_us) / 1e6);
    }
    s->records += done.records;
    s->dropped += dropped;
    for (int i = 0; i < s->nsources && i < n; i++)
        s->sources[i].records += done.source_records[i];
    pthread_mutex_unlock(&m->lock);
}

/* ===================================================================== */
/* Readers                                                                */
/* ===================================================================== */

sr_metrics_snapshot *sr_metrics_snapshot_take(sr_metrics *m) {
    sr_metrics_snapshot *c = sr_xcalloc(1, sizeof *c);
    pthread_mutex_lock(&m->lock);
    const sr_metrics_snapshot *s = &m->s;
    *c = *s;
    c->app = dup_or_null(s->app);
    c->now_ms = sr_now_ms();
    c->completed = sr_xcalloc((size_t)(s->ncompleted ? s->ncompleted : 1), sizeof *c->completed);
    for (int i = 0; i < s->ncompleted; i++) /* oldest first */
        batch_copy(&c->completed[i], &s->completed[(m->ring_at + i) % SR_METRICS_KEEP]);
    /* the running batch and those due behind it (processing is late) */
    int64_t waiting = 0;
    if (m->has_running && !s->manual_clock && s->batch_ms > 0 && c->now_ms > m->running.time_ms)
        waiting = (c->now_ms - m->running.time_ms) / s->batch_ms;
    if (waiting > MAX_WAITING)
        waiting = MAX_WAITING;
    c->nactive = m->has_running ? 1 + (int)waiting : 0;
    c->active = sr_xcalloc((size_t)(c->nactive ? c->nactive : 1), sizeof *c->active);
    if (m->has_running) {
        batch_copy(&c->active[0], &m->running);
        for (int64_t k = 1; k <= waiting; k++)
            c->active[k] = (sr_batch_info){
                .time_ms = m->running.time_ms + k * s->batch_ms,
                .index = m->running.index + k,
                .status = SR_BATCH_QUEUED,
                .start_ms = -1,
                .sched_delay_ms = -1,
                .processing_ms = -1,
                .total_delay_ms = -1,
            };
    }
    c->sources = sr_xcalloc((size_t)(s->nsources ? s->nsources : 1), sizeof *c->sources);
    for (int i = 0; i < s->nsources; i++)
        source_copy(&c->sources[i], &s->sources[i]);
    c->states = sr_xcalloc((size_t)(s->nstates ? s->nstates : 1), sizeof *c->states);
    for (int i = 0; i < s->nstates; i++) {
        c->states[i] = s->states[i];
        c->states[i].id = dup_or_null(s->states[i].id);
        c->states[i].what = dup_or_null(s->states[i].what);
    }
    pthread_mutex_unlock(&m->lock);
    return c;
}

void sr_metrics_snapshot_free(sr_metrics_snapshot *s) {
    if (!s)
        return;
    for (int i = 0; i < s->ncompleted; i++)
        batch_clear(&s->completed[i]);
    free(s->completed);
    for (int i = 0; i < s->nactive; i++)
        batch_clear(&s->active[i]);
    free(s->active);
    for (int i = 0; i < s->nsources; i++)
        source_clear(&s->sources[i]);
    free(s->sources);
    for (int i = 0; i < s->nstates; i++) {
        free(s->states[i].id);
        free(s->states[i].what);
    }
    free(s->states);
    free(s->app);
    free(s);
}

const sr_batch_info *sr_metrics_find_batch(const sr_metrics_snapshot *s, int64_t time_ms) {
    for (int i = 0; i < s->ncompleted; i++)
        if (s->completed[i].time_ms == time_ms)
            return &s->completed[i];
    for (int i = 0; i < s->nactive; i++)
        if (s->active[i].time_ms == time_ms)
            return &s->active[i];
    return NULL;
}
