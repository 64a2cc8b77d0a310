/* drop.c - records dropped by a run-time error (division by zero, a bad
 * number, an index out of range...).
 *
 * The generated loop calls sr_drop when a record's lambda failed: the record
 * is counted in its context (summed into the batch's metrics by the
 * scheduler), and the first SR_DROP_LOG_MAX drops of the run are logged with
 * the place in the .stream file, so a user sees what went wrong without a
 * flood of messages.
 */
#include <stdatomic.h>

#include "runtime.h"

static _Atomic int64_t drops_seen;

void sr_drop_reset(void) {
    atomic_store(&drops_seen, 0);
}

int64_t sr_drop_total(void) {
    return atomic_load(&drops_seen);
}

const char *sr_err_name(sr_err err) {
    switch (err) {
    case SR_ERR_NONE: return "no error";
    case SR_ERR_DIV_ZERO: return "division by zero";
    case SR_ERR_NUMBER: return "not a number";
    case SR_ERR_INDEX: return "index out of range";
    case SR_ERR_NONE_GET: return "None.get";
    case SR_ERR_NULL: return "null value";
    case SR_ERR_MATCH: return "MatchError";
    case SR_ERR_KEY: return "key not found";
    }
    return "error";
}

void sr_drop(sr_ctx *cx) {
    cx->dropped++;
    int64_t k = atomic_fetch_add_explicit(&drops_seen, 1, memory_order_relaxed);
    if (k < SR_DROP_LOG_MAX && sr_log_enabled(SR_LOG_WARN)) {
        const sr_program *prog = NULL;
        if (cx->batch && cx->batch->rt)
            prog = cx->batch->rt->prog;
        else if (sr_rt_current)
            prog = sr_rt_current->prog;
        const char *file = prog && prog->source_file ? prog->source_file : "<program>";
        if (prog && cx->err_site >= 0 && cx->err_site < prog->nsites) {
            const sr_site *st = &prog->sites[cx->err_site];
            sr_log(SR_LOG_WARN, "%s:%d:%d: dropped a record: %s in %s%s", file, st->line, st->col,
                   sr_err_name(cx->err), st->what ? st->what : "expression",
                   k == SR_DROP_LOG_MAX - 1 ? " (further drops are only counted)" : "");
        } else {
            sr_log(SR_LOG_WARN, "%s: dropped a record: %s%s", file, sr_err_name(cx->err),
                   k == SR_DROP_LOG_MAX - 1 ? " (further drops are only counted)" : "");
        }
    }
    cx->err = SR_ERR_NONE;
    cx->err_site = 0;
}
