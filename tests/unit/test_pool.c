/* test_pool.c - the worker pool: every task runs exactly once, in a
 * worker's context, call after call: worker 0's on the calling thread (the
 * driver), the others' on their own threads. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "runtime.h"
#include "unit.h"

typedef struct job {
    _Atomic int *runs;        /* per task */
    _Atomic int bad_ctx;
    pthread_t driver;
    int nworkers;
} job;

static void count_task(sr_ctx *cx, int task, void *arg) {
    job *j = arg;
    atomic_fetch_add(&j->runs[task], 1);
    bool on_driver = pthread_equal(pthread_self(), j->driver);
    if (cx->worker < 0 || cx->worker >= j->nworkers || on_driver != (cx->worker == 0) || !cx->arena ||
        cx->err != SR_ERR_NONE || cx->partition != task)
        atomic_fetch_add(&j->bad_ctx, 1);
    /* use the worker's arena */
    char *p = sr_arena_alloc(cx->arena, 32);
    memset(p, task & 0xff, 32);
}

static void run_many(int nworkers) {
    char err[128];
    sr_pool *p = sr_pool_new(nworkers, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(sr_pool_size(p), nworkers);
    enum { MAXT = 5000 };
    static _Atomic int runs[MAXT];
    job j = { .runs = runs, .driver = pthread_self(), .nworkers = nworkers };
    int bad = 0;
    for (int call = 0; call < 2000; call++) {
        int ntasks = call % 7 == 0 ? MAXT : call % 13;
        for (int t = 0; t < ntasks; t++)
            runs[t] = 0;
        sr_pool_run(p, NULL, ntasks, count_task, &j);
        for (int t = 0; t < ntasks; t++)
            bad += runs[t] != 1;
        if (call % 100 == 99)
            CU_ASSERT_EQUAL(sr_pool_end_batch(p), 0);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(j.bad_ctx, 0);
    sr_pool_free(p);
}

static void test_one_worker(void) {
    run_many(1);
}

static void test_four_workers(void) {
    run_many(4);
}

static void drop_task(sr_ctx *cx, int task, void *arg) {
    cx->err = SR_ERR_DIV_ZERO;
    cx->err_site = 0;
    cx->dropped++;
    cx->err = SR_ERR_NONE;
}

static void test_end_batch(void) {
    char err[128];
    sr_pool *p = sr_pool_new(3, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    sr_pool_run(p, NULL, 100, drop_task, NULL);
    CU_ASSERT(sr_pool_arena_bytes(p) == 0);
    CU_ASSERT_EQUAL(sr_pool_end_batch(p), 100);
    CU_ASSERT_EQUAL(sr_pool_end_batch(p), 0);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(sr_pool_ctx(p, i)->worker, i);
    sr_pool_run(p, NULL, 0, drop_task, NULL); /* no tasks: returns at once */
    sr_pool_free(p);
    sr_pool_free(NULL);
}

/* Tasks really run in parallel: with 4 workers, 4 tasks that wait for each
 * other all get started. */
typedef struct barrier_job {
    _Atomic int arrived;
    _Atomic int timeouts;
} barrier_job;

static void barrier_task(sr_ctx *cx, int task, void *arg) {
    barrier_job *b = arg;
    atomic_fetch_add(&b->arrived, 1);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&b->arrived) >= 4)
            return;
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 5) {
            atomic_fetch_add(&b->timeouts, 1);
            return;
        }
        sched_yield();
    }
}

static void test_parallel(void) {
    char err[128];
    sr_pool *p = sr_pool_new(4, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    barrier_job b = { 0 };
    sr_pool_run(p, NULL, 4, barrier_task, &b);
    CU_ASSERT_EQUAL(b.timeouts, 0);
    sr_pool_free(p);
}

/* sr_pool_run from inside a task runs the inner tasks inline. */
static sr_pool *nested_pool;
static _Atomic int inner_runs;

static void inner_task(sr_ctx *cx, int task, void *arg) {
    atomic_fetch_add(&inner_runs, 1);
}

static void outer_task(sr_ctx *cx, int task, void *arg) {
    sr_pool_run(nested_pool, NULL, 5, inner_task, NULL);
}

static void test_nested(void) {
    char err[128];
    for (int n = 1; n <= 2; n++) {
        nested_pool = sr_pool_new(n, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(nested_pool);
        inner_runs = 0;
        sr_pool_run(nested_pool, NULL, 4, outer_task, NULL);
        CU_ASSERT_EQUAL(inner_runs, 20);
        sr_pool_free(nested_pool);
    }
}

/* Per-call overhead, for information (not a pass/fail on time). */
static void nop_task(sr_ctx *cx, int task, void *arg) {
}

static void test_overhead(void) {
    char err[128];
    sr_pool *p = sr_pool_new(2, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum { CALLS = 20000 };
    for (int i = 0; i < CALLS; i++)
        sr_pool_run(p, NULL, 2, nop_task, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / CALLS;
    fprintf(stderr, "\n  pool: %.2f us per sr_pool_run (2 workers, back to back)\n", us);
    sr_pool_free(p);
}

UNIT_SUITE(pool,
           { "one worker: tasks run once each, on the caller", test_one_worker },
           { "four workers: tasks run once each", test_four_workers },
           { "end of batch: dropped counts, contexts", test_end_batch },
           { "tasks run in parallel", test_parallel },
           { "a task that runs tasks does not deadlock", test_nested },
           { "per-call overhead (info)", test_overhead })
