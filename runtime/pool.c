/* pool.c - the worker threads that run a batch's tasks.
 *
 * N workers, each with its own sr_ctx and sr_arena, run a job: a task
 * function and a task count. The driver publishes a job by bumping a
 * generation counter and waking the worker threads; they take task indices
 * from an atomic counter until none are left, and the last worker to check
 * out wakes the driver. Every worker checks out of every job, so a worker can
 * never mistake a new job's tasks for an old one's.
 *
 * Waiting uses Linux futexes on the generation and completion words (no
 * lock on the common path); a short bounded spin comes first because jobs
 * of one batch follow each other within microseconds (a futex wake-up costs
 * tens of microseconds on a virtual machine). Idle workers sleep.
 *
 * The driver is worker 0: it takes tasks from the counter like the others
 * (in worker 0's context) and then waits for the rest, so a pool of N
 * workers has N-1 threads, and local[1] none: no hand-over, no wake-up.
 */
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

/* Before sleeping on a futex, a waiter checks a few times with a pause,
 * then a few times with sched_yield (which lets a worker or the driver run
 * when threads outnumber cores, as with local[N] on a small machine). Then
 * it sleeps: an idle pool uses no CPU. */
#define SPIN_PAUSE 8
#define SPIN_YIELD 30

typedef struct worker {
    sr_pool *pool;
    int index;
    pthread_t thread;
    sr_arena arena;
    sr_ctx cx;
} worker;

struct sr_pool {
    int n;
    int nthreads;             /* threads started, for workers 1 .. n-1 */
    worker *w;
    /* The job (written by the driver before `gen` is bumped). */
    sr_task_fn fn;
    void *arg;
    sr_batch *batch;
    int ntasks;
    bool stop;
    _Atomic int next;         /* next task index to hand out */
    _Atomic int busy;         /* workers not yet checked out of the job */
    _Atomic uint32_t gen;     /* job generation (futex word for workers) */
    _Atomic uint32_t done;    /* 1 when the job is finished (futex word for the driver) */
    _Atomic int driver_sleeping;
    _Atomic int sleepers;     /* workers in (or entering) FUTEX_WAIT on gen */
};

/* The worker running on this thread, NULL on other threads. */
static __thread worker *self;

static long futex(_Atomic uint32_t *addr, int op, uint32_t val) {
    return syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static inline void cpu_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* A worker waits for the next job: until gen != seen; returns the new gen.
 * `sleepers` lets the driver skip the wake-up syscall when all spin. */
static uint32_t wait_job(sr_pool *p, uint32_t seen) {
    uint32_t v;
    for (int i = 0; i < SPIN_PAUSE + SPIN_YIELD; i++) {
        v = atomic_load_explicit(&p->gen, memory_order_acquire);
        if (v != seen)
            return v;
        if (i < SPIN_PAUSE)
            cpu_pause();
        else
            sched_yield();
    }
    atomic_fetch_add_explicit(&p->sleepers, 1, memory_order_seq_cst);
    while ((v = atomic_load_explicit(&p->gen, memory_order_seq_cst)) == seen)
        futex(&p->gen, FUTEX_WAIT, seen);
    atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
    return v;
}

/* w's share of the current job: tasks from the shared counter until none
 * are left, then check out; the last one out marks the job done. */
static void work_job(sr_pool *p, worker *w) {
    sr_task_fn fn = p->fn;
    void *fa = p->arg;
    int ntasks = p->ntasks;
    sr_batch *b = p->batch;
    w->cx.batch = b;
    w->cx.time_ms = b ? b->time_ms : 0;
    int t;
    while ((t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed)) < ntasks) {
        w->cx.err = SR_ERR_NONE;
        w->cx.partition = t;
        fn(&w->cx, t, fa);
    }
    if (atomic_fetch_sub_explicit(&p->busy, 1, memory_order_acq_rel) == 1) {
        atomic_store_explicit(&p->done, 1, memory_order_seq_cst);
        if (w != &p->w[0] && atomic_load_explicit(&p->driver_sleeping, memory_order_seq_cst))
            futex(&p->done, FUTEX_WAKE, 1);
    }
}

static void *worker_main(void *arg) {
    worker *w = arg;
    sr_pool *p = w->pool;
    uint32_t seen = 0;
    self = w;
    for (;;) {
        seen = wait_job(p, seen);
        if (p->stop)
            break;
        work_job(p, w);
    }
    return NULL;
}

sr_pool *sr_pool_new(int n, char *errstr, size_t errlen) {
    if (n < 1)
        n = 1;
    sr_pool *p = sr_xcalloc(1, sizeof *p);
    p->n = n;
    p->w = sr_xcalloc((size_t)n, sizeof *p->w);
    for (int i = 0; i < n; i++) {
        worker *w = &p->w[i];
        w->pool = p;
        w->index = i;
        sr_arena_init(&w->arena);
        w->cx.arena = &w->arena;
        w->cx.worker = i;
    }
    for (int i = 1; i < n; i++) { /* worker 0 is the driver itself */
        int rc = pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]);
        if (rc != 0) {
            snprintf(errstr, errlen, "cannot start worker thread %d: %s", i, strerror(rc));
            sr_pool_free(p); /* stops the ones already running */
            return NULL;
        }
        p->nthreads++;
    }
    return p;
}

void sr_pool_free(sr_pool *p) {
    if (!p)
        return;
    p->stop = true;
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    futex(&p->gen, FUTEX_WAKE, INT_MAX);
    for (int i = 1; i <= p->nthreads; i++)
        pthread_join(p->w[i].thread, NULL);
    for (int i = 0; i < p->n; i++) {
        sr_arena_free(&p->w[i].arena);
        sr_buf_free(&p->w[i].cx.text);
    }
    free(p->w);
    free(p);
}

int sr_pool_size(const sr_pool *p) {
    return p->n;
}

sr_ctx *sr_pool_ctx(sr_pool *p, int i) {
    return &p->w[i].cx;
}

void sr_pool_run(sr_pool *p, sr_batch *b, int ntasks, sr_task_fn fn, void *arg) {
    if (ntasks <= 0)
        return;
    if (SR_UNLIKELY(self != NULL)) {
        /* Called from inside a task: waiting for the pool would deadlock,
         * so the tasks run here, one after the other, in this worker's
         * context. */
        for (int t = 0; t < ntasks; t++) {
            self->cx.err = SR_ERR_NONE;
            self->cx.partition = t;
            fn(&self->cx, t, arg);
        }
        return;
    }
    p->fn = fn;
    p->arg = arg;
    p->batch = b;
    p->ntasks = ntasks;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    atomic_store_explicit(&p->busy, p->n, memory_order_relaxed);
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    if (p->n > 1) {
        atomic_fetch_add_explicit(&p->gen, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&p->sleepers, memory_order_seq_cst))
            futex(&p->gen, FUTEX_WAKE, INT_MAX);
    }
    self = &p->w[0]; /* the driver takes its share as worker 0 */
    work_job(p, &p->w[0]);
    self = NULL;

    for (int i = 0; i < SPIN_PAUSE + SPIN_YIELD; i++) {
        if (atomic_load_explicit(&p->done, memory_order_acquire))
            return;
        if (i < SPIN_PAUSE)
            cpu_pause();
        else
            sched_yield();
    }
    atomic_store_explicit(&p->driver_sleeping, 1, memory_order_seq_cst);
    while (!atomic_load_explicit(&p->done, memory_order_seq_cst))
        futex(&p->done, FUTEX_WAIT, 0);
    atomic_store_explicit(&p->driver_sleeping, 0, memory_order_relaxed);
}

int64_t sr_pool_end_batch(sr_pool *p) {
    int64_t dropped = 0;
    for (int i = 0; i < p->n; i++) {
        dropped += p->w[i].cx.dropped;
        p->w[i].cx.dropped = 0;
        p->w[i].cx.err = SR_ERR_NONE;
        sr_arena_reset(&p->w[i].arena);
    }
    return dropped;
}

size_t sr_pool_arena_bytes(const sr_pool *p) {
    size_t n = 0;
    for (int i = 0; i < p->n; i++)
        n += p->w[i].arena.bytes;
    return n;
}

/* The public entry: tasks of the batch's runtime pool. */
void sr_run_tasks(sr_batch *b, int ntasks, sr_task_fn fn, void *arg) {
    sr_pool_run(b->rt->pool, b, ntasks, fn, arg);
}
