/* test_metrics.c - the monitoring store: the ring of the last
 * SR_METRICS_KEEP batches, totals, histograms, failures, the running and
 * waiting batches, snapshots that outlive the store's changes. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "metrics.h"
#include "runtime.h"
#include "unit.h"

static const sr_program prog = { .app_name = "MetricsTest", .batch_ms = 1000, .noutputs = 2 };

static sr_runtime *fake_run(bool manual_clock) {
    static sr_runtime rt;
    memset(&rt, 0, sizeof rt);
    rt.prog = &prog;
    rt.nworkers = 2;
    rt.manual_clock = manual_clock;
    return &rt;
}

static void run_batches(sr_metrics *m, sr_runtime *rt, int64_t from, int64_t n) {
    for (int64_t i = from; i < from + n; i++) {
        sr_metrics_batch_begin(m, i * 1000, i, false, 3000);
        sr_metrics_batch_end(m, rt, (20 + i % 10) * 1000, i % 2, NULL);
    }
}

static void test_ring_keeps_the_last(void) {
    sr_runtime *rt = fake_run(true);
    sr_metrics *m = sr_metrics_new(rt);
    run_batches(m, rt, 1, 1500);
    sr_metrics_snapshot *s = sr_metrics_snapshot_take(m);
    CU_ASSERT_EQUAL(s->ncompleted, SR_METRICS_KEEP);
    CU_ASSERT_EQUAL(s->completed[0].time_ms, 501 * 1000);          /* oldest first */
    CU_ASSERT_EQUAL(s->completed[SR_METRICS_KEEP - 1].time_ms, 1500 * 1000);
    CU_ASSERT_EQUAL(s->batches_done, 1500);
    CU_ASSERT_EQUAL(s->dropped, 750);
    CU_ASSERT_EQUAL(s->completed[0].noutputs, 2);
    CU_ASSERT_EQUAL(s->completed[0].total_delay_ms, 3 + 20 + 501 % 10);
    CU_ASSERT_STRING_EQUAL(s->app, "MetricsTest");
    CU_ASSERT_EQUAL(s->nactive, 0);
    CU_ASSERT_PTR_NULL(sr_metrics_find_batch(s, 500 * 1000));       /* gone from the ring */
    const sr_batch_info *b = sr_metrics_find_batch(s, 777 * 1000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(b->index, 777);
    CU_ASSERT_EQUAL(b->status, SR_BATCH_COMPLETED);
    sr_metrics_snapshot_free(s);
    sr_metrics_free(m);
}

static void test_histograms_are_cumulative(void) {
    sr_runtime *rt = fake_run(true);
    sr_metrics *m = sr_metrics_new(rt);
    run_batches(m, rt, 1, 100); /* processing 20..29 ms */
    sr_metrics_snapshot *s = sr_metrics_snapshot_take(m);
    CU_ASSERT_EQUAL(s->processing.count, 100);
    for (int i = 1; i < SR_METRICS_NBUCKETS; i++)
        CU_ASSERT(s->processing.counts[i] >= s->processing.counts[i - 1]);
    CU_ASSERT_EQUAL(s->processing.counts[1], 0);   /* <= 0.01 s: none */
    CU_ASSERT_EQUAL(s->processing.counts[2], 60);  /* <= 0.025 s: 20..25 ms, 6 of 10 */
    CU_ASSERT_EQUAL(s->processing.counts[3], 100); /* <= 0.05 s: all */
    CU_ASSERT_DOUBLE_EQUAL(s->processing.sum, 100 * 0.0245, 1e-9);
    CU_ASSERT_EQUAL(s->scheduling.counts[0], 100); /* 3 ms <= 5 ms */
    sr_metrics_snapshot_free(s);
    sr_metrics_free(m);
}

static void test_failure_and_running(void) {
    sr_runtime *rt = fake_run(false);
    sr_metrics *m = sr_metrics_new(rt);
    sr_metrics_batch_begin(m, 1000, 1, true, 0);
    sr_metrics_batch_end(m, rt, 5000, 0, "Redis at x rejected a write");
    int64_t now = sr_now_ms();
    sr_metrics_batch_begin(m, now - 3500, 2, false, 3500 * 1000); /* 3 more batches are due behind it */
    sr_metrics_snapshot *s = sr_metrics_snapshot_take(m);
    CU_ASSERT_EQUAL(s->batches_failed, 1);
    CU_ASSERT_EQUAL(s->batches_done, 0);
    CU_ASSERT_EQUAL(s->completed[0].status, SR_BATCH_FAILED);
    CU_ASSERT_TRUE(s->completed[0].replayed);
    CU_ASSERT_STRING_EQUAL(s->completed[0].failure, "Redis at x rejected a write");
    CU_ASSERT_EQUAL(s->completed[0].nfailed_outputs, 1);
    CU_ASSERT_EQUAL_FATAL(s->nactive, 4);
    CU_ASSERT_EQUAL(s->active[0].status, SR_BATCH_PROCESSING);
    CU_ASSERT_EQUAL(s->active[1].status, SR_BATCH_QUEUED);
    CU_ASSERT_EQUAL(s->active[3].time_ms, now - 3500 + 3000);
    /* the snapshot stays as it was while the store goes on */
    sr_metrics_batch_end(m, rt, 7000, 0, NULL);
    run_batches(m, rt, 10, 5);
    CU_ASSERT_EQUAL(s->ncompleted, 1);
    CU_ASSERT_EQUAL(s->nactive, 4);
    sr_metrics_snapshot_free(s);
    s = sr_metrics_snapshot_take(m);
    CU_ASSERT_EQUAL(s->ncompleted, 7);
    CU_ASSERT_EQUAL(s->nactive, 0);
    sr_metrics_snapshot_free(s);
    sr_metrics_free(m);
}

UNIT_SUITE(metrics,
           { "the ring keeps the last batches, oldest first", test_ring_keeps_the_last },
           { "histograms are cumulative", test_histograms_are_cumulative },
           { "failed, running and waiting batches; snapshots are copies", test_failure_and_running })
