/* recovery.c - checkpoints of a run and recovery from them (Driver HA).
 *
 * With a checkpoint directory the run is recoverable at every moment:
 *  - before a batch runs, what it takes from each source (its receipt:
 *    files, log ranges) goes to the journal, fsync'ed;
 *  - every checkpoint interval, after the batch's outputs, a checkpoint
 *    holds the program's identity, the last batch's time and index, every
 *    source's position and every stateful operator's state.
 * On start, the newest whole checkpoint is loaded: its state restored, the
 * sources put back at their positions, and the journal's batches after it
 * run again with their own times and exactly the input they had, so their
 * outputs (saveAsTextFiles directories) are rewritten identically. Then the
 * clock goes on from the last batch: batches that fell due while the
 * program was down run at once, as in Spark.
 *
 * A full disk (ENOSPC, EDQUOT, EFBIG) while writing a journal record or a
 * checkpoint is waited out in place (sr_write_waiting_for_space): the
 * batch waits, nothing is skipped or done twice. A stop signal while
 * waiting stops the run; what was not written is recovered by the next
 * start from the checkpoint before it, which a failed write never touches.
 *
 * State is matched per operator (its .name("...") or position "#k") and
 * must have the same signature (kind, types, window); anything else is a
 * mismatch that is reported by name and stops the start, unless
 * --on-mismatch=reset-state says to drop that state.
 *
 * Checkpoint body (varints, see streamrt.h):
 *   version, app, batch_ms, time_ms, index, written_at_ms,
 *   nsources × (key, position), nops × (id, signature, what, state)
 * Journal record: time_ms, index, nsources × (key, receipt)
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

#include "runtime.h"

#define FORMAT_VERSION 2 /* 2: the lineage after the time written; 1 is read too */

static void put_cstr(sr_buf *b, const char *s) {
    sr_enc_str(b, s ? (sr_str){ s, (int64_t)strlen(s) } : (sr_str){ NULL, 0 });
}

static bool str_is(sr_str s, const char *c) {
    return s.ptr && c && (size_t)s.len == strlen(c) && memcmp(s.ptr, c, (size_t)s.len) == 0;
}

/* A string written in place: begin leaves room for its length (a varint
 * padded to 10 bytes, which every LEB128 reader accepts), end fills it in.
 * This spares encoding a state elsewhere and copying it. */
static size_t blob_begin(sr_buf *b) {
    sr_buf_room(b, 10);
    b->len += 10;
    return b->len;
}

static void blob_end(sr_buf *b, size_t start) {
    uint64_t v = (uint64_t)(b->len - start) + 1; /* sr_enc_str's length + 1 */
    char *p = b->ptr + start - 10;
    for (int i = 0; i < 9; i++, v >>= 7)
        p[i] = (char)((v & 0x7f) | 0x80);
    p[9] = (char)v;
}

/* ===================================================================== */
/* Writing                                                                */
/* ===================================================================== */

/* One attempt at a checkpoint or a journal record, for
 * sr_write_waiting_for_space (which waits out a full disk). */
typedef struct ckpt_write {
    sr_ckdir *d;
    int64_t time_ms;     /* the checkpoint's; unused for a record */
    const sr_buf *data;  /* the body, or the record's payload */
    char err[512];       /* the last attempt's error */
} ckpt_write;

static int ckpt_attempt(void *arg) {
    ckpt_write *w = arg;
    return sr_ckdir_write(w->d, w->time_ms, w->data, w->err, sizeof w->err);
}

static int journal_attempt(void *arg) {
    ckpt_write *w = arg;
    return sr_ckdir_journal(w->d, w->data, w->err, sizeof w->err);
}

int sr_recovery_checkpoint(sr_runtime *rt) {
    if (!rt->ckdir)
        return 0;
    int64_t t0 = sr_mono_us();
    const sr_program *p = rt->prog;
    sr_buf body = rt->ckpt_buf; /* kept from the last checkpoint: no regrowing */
    sr_buf_clear(&body);
    sr_enc_u64(&body, FORMAT_VERSION);
    put_cstr(&body, p->app_name);
    sr_enc_i64(&body, p->batch_ms);
    sr_enc_i64(&body, rt->last_time_ms);
    sr_enc_i64(&body, rt->last_index);
    sr_enc_i64(&body, sr_now_ms());
    sr_enc_u64(&body, rt->lineage);
    sr_enc_u64(&body, (uint64_t)rt->nsources);
    for (int i = 0; i < rt->nsources; i++) {
        put_cstr(&body, sr_source_key(rt->sources[i].src));
        size_t at = blob_begin(&body);
        sr_source_save(rt->sources[i].src, &body);
        blob_end(&body, at);
    }
    sr_enc_u64(&body, (uint64_t)p->nstate_ops);
    for (int i = 0; i < p->nstate_ops; i++) {
        const sr_state_op *op = &p->state_ops[i];
        put_cstr(&body, op->id);
        put_cstr(&body, op->signature);
        put_cstr(&body, op->what);
        size_t at = blob_begin(&body);
        op->save(&body, rt->last_index);
        blob_end(&body, at);
    }
    int64_t encoded_us = sr_mono_us() - t0;
    char what[64], who[PATH_MAX + 32];
    snprintf(what, sizeof what, "checkpoint-%" PRId64, rt->last_time_ms);
    snprintf(who, sizeof who, "checkpoint directory %s", sr_ckdir_path(rt->ckdir));
    sr_space_wait w = { who, what, "batches wait while it retries (every 0.1 s to 5 s) until space comes back",
                        "a restart resumes from the checkpoint before it, if any, and replays the journal since" };
    ckpt_write cw = { rt->ckdir, rt->last_time_ms, &body, "" };
    int rc = sr_write_waiting_for_space(&w, ckpt_attempt, &cw);
    if (rc == -1) {
        sr_log(SR_LOG_ERROR, "checkpoint failed: %s", cw.err);
    } else if (rc == 0) {
        rt->ckpt_index = rt->last_index;
        rt->ckpt_count++;
        rt->ckpt_last_us = sr_mono_us() - t0;
        rt->ckpt_last_bytes = (int64_t)body.len;
        sr_log(SR_LOG_DEBUG, "checkpoint of batch %" PRId64 " ms written: %zu bytes in %.1f ms (encoding %.1f ms)",
               rt->last_time_ms, body.len, (double)rt->ckpt_last_us / 1000.0, (double)encoded_us / 1000.0);
    }
    rt->ckpt_buf = body;
    return rc;
}

int sr_recovery_journal(sr_runtime *rt, int64_t time_ms, int64_t index) {
    if (!rt->ckdir)
        return 0;
    sr_buf rec = { 0 };
    sr_enc_i64(&rec, time_ms);
    sr_enc_i64(&rec, index);
    sr_enc_u64(&rec, (uint64_t)rt->nsources);
    for (int i = 0; i < rt->nsources; i++) {
        put_cstr(&rec, sr_source_key(rt->sources[i].src));
        sr_buf *r = &rt->receipts[i];
        sr_enc_str(&rec, (sr_str){ r->ptr ? r->ptr : "", (int64_t)r->len });
    }
    char what[80], who[PATH_MAX + 32];
    snprintf(what, sizeof what, "the journal record of batch %" PRId64 " ms", time_ms);
    snprintf(who, sizeof who, "checkpoint directory %s", sr_ckdir_path(rt->ckdir));
    sr_space_wait w = { who, what, "the batch waits while it retries (every 0.1 s to 5 s) until space comes back",
                        "the batch did not run: a restart from the checkpoint runs it" };
    ckpt_write jw = { rt->ckdir, time_ms, &rec, "" };
    int rc = sr_write_waiting_for_space(&w, journal_attempt, &jw);
    if (rc == -1)
        sr_log(SR_LOG_ERROR, "%s", jw.err);
    sr_buf_free(&rec);
    return rc;
}

/* ===================================================================== */
/* Reading                                                                */
/* ===================================================================== */

sr_dec sr_recovery_receipt(const sr_pending *pb, const char *key) {
    sr_dec d = { pb->data, pb->data + pb->len, false };
    sr_dec_i64(&d);
    sr_dec_i64(&d);
    for (int64_t i = 0, n = sr_dec_count(&d); i < n && !d.bad; i++) {
        sr_str k = sr_dec_view(&d), r = sr_dec_view(&d);
        if (!d.bad && str_is(k, key))
            return (sr_dec){ r.ptr, r.ptr + r.len, false };
    }
    return (sr_dec){ NULL, NULL, false };
}

/* Journal records after the checkpoint, in order, as pending batches. */
static void add_pending(void *arg, sr_dec payload) {
    sr_runtime *rt = arg;
    sr_dec d = payload;
    int64_t time_ms = sr_dec_i64(&d), index = sr_dec_i64(&d);
    int64_t last = rt->npending ? rt->pending[rt->npending - 1].time_ms : rt->last_time_ms;
    if (d.bad || time_ms <= last)
        return; /* already in the checkpoint, or a duplicate */
    rt->pending = sr_xrealloc(rt->pending, (size_t)(rt->npending + 1) * sizeof *rt->pending);
    sr_pending *pb = &rt->pending[rt->npending++];
    pb->time_ms = time_ms;
    pb->index = index;
    pb->len = (size_t)(payload.end - payload.p);
    pb->data = sr_xmalloc(pb->len ? pb->len : 1);
    memcpy(pb->data, payload.p, pb->len);
}

typedef struct saved_op {
    sr_str id, signature, what, state;
} saved_op;

/* Compare the checkpoint's operators with the program's; report every
 * mismatch. Returns the number of mismatches; matched[i] is the saved
 * operator for program operator i, or -1. */
static int match_ops(sr_runtime *rt, const saved_op *saved, int nsaved, bool interval_changed,
                     int *matched) {
    const sr_program *p = rt->prog;
    int mismatches = 0;
    sr_log_level lvl = rt->reset_on_mismatch ? SR_LOG_WARN : SR_LOG_ERROR;
    for (int i = 0; i < p->nstate_ops; i++)
        matched[i] = -1;
    for (int j = 0; j < nsaved; j++) {
        int found = -1;
        for (int i = 0; i < p->nstate_ops; i++)
            if (str_is(saved[j].id, p->state_ops[i].id))
                found = i;
        const saved_op *s = &saved[j];
        if (found < 0) {
            sr_log(lvl, "state mismatch: the checkpoint holds state of %.*s (%.*s, %.*s), which the "
                        "program no longer has",
                   (int)s->what.len, s->what.ptr, (int)s->id.len, s->id.ptr, (int)s->signature.len,
                   s->signature.ptr);
            mismatches++;
        } else if (interval_changed || !str_is(s->signature, p->state_ops[found].signature)) {
            const sr_state_op *op = &p->state_ops[found];
            sr_log(lvl, "state mismatch: %s (%s) now keeps %s, but the checkpoint holds %.*s%s", op->what,
                   op->id, op->signature, (int)s->signature.len, s->signature.ptr,
                   interval_changed ? " (and the batch interval changed)" : "");
            mismatches++;
        } else {
            matched[found] = j;
        }
    }
    for (int i = 0; i < p->nstate_ops; i++) {
        bool known = false;
        for (int j = 0; j < nsaved; j++)
            known |= str_is(saved[j].id, p->state_ops[i].id);
        if (!known)
            sr_log(SR_LOG_INFO, "%s (%s) is new: its state starts empty", p->state_ops[i].what,
                   p->state_ops[i].id);
    }
    return mismatches;
}

/* Restore from checkpoint f. 0, or the exit status after the error. */
static int restore(sr_runtime *rt, sr_ckfile *f) {
    const sr_program *p = rt->prog;
    const char *app = p->app_name ? p->app_name : "app";
    sr_dec d = f->body;
    uint64_t version = sr_dec_u64(&d);
    if (d.bad || (version != FORMAT_VERSION && version != 1)) {
        sr_log(SR_LOG_ERROR, "%s was written by another version of streamc (format %" PRIu64
                             ", this one reads %d); use another checkpoint directory",
               f->path, version, FORMAT_VERSION);
        return 1;
    }
    sr_str saved_app = sr_dec_view(&d);
    int64_t batch_ms = sr_dec_i64(&d);
    rt->last_time_ms = sr_dec_i64(&d);
    rt->last_index = sr_dec_i64(&d);
    sr_dec_i64(&d); /* written at */
    if (version >= 2)
        rt->lineage = sr_dec_u64(&d);
    if (!str_is(saved_app, p->app_name))
        sr_log(SR_LOG_WARN, "the checkpoint in %s belongs to application '%.*s', this is '%s'",
               sr_ckdir_path(rt->ckdir), (int)saved_app.len, saved_app.ptr ? saved_app.ptr : "", app);
    bool interval_changed = batch_ms != p->batch_ms;
    if (interval_changed)
        sr_log(rt->reset_on_mismatch ? SR_LOG_WARN : SR_LOG_ERROR,
               "the batch interval changed from %" PRId64 " ms to %" PRId64 " ms", batch_ms, p->batch_ms);

    /* sources: positions by key */
    int64_t nsrc = sr_dec_count(&d);
    for (int64_t j = 0; j < nsrc && !d.bad; j++) {
        sr_str key = sr_dec_view(&d), pos = sr_dec_view(&d);
        bool found = false;
        for (int i = 0; i < rt->nsources && !d.bad; i++) {
            if (!str_is(key, sr_source_key(rt->sources[i].src)))
                continue;
            found = true;
            char err[512] = "";
            sr_dec in = { pos.ptr, pos.ptr + pos.len, false };
            if (sr_source_restore(rt->sources[i].src, &in, err, sizeof err) != 0) {
                sr_log(SR_LOG_ERROR, "cannot restore the position of %s: %s", sr_source_key(rt->sources[i].src), err);
                return 1;
            }
        }
        if (!found && !d.bad)
            sr_log(SR_LOG_WARN, "the checkpoint has a position for %.*s, which the program no longer reads",
                   (int)key.len, key.ptr);
    }

    /* operators */
    int64_t nops = sr_dec_count(&d);
    saved_op *saved = sr_xcalloc((size_t)(nops > 0 ? nops : 1), sizeof *saved);
    for (int64_t j = 0; j < nops && !d.bad; j++) {
        saved[j].id = sr_dec_view(&d);
        saved[j].signature = sr_dec_view(&d);
        saved[j].what = sr_dec_view(&d);
        saved[j].state = sr_dec_view(&d);
    }
    if (d.bad) {
        free(saved);
        sr_log(SR_LOG_ERROR, "%s does not decode although its checksum holds; use another checkpoint "
                             "directory", f->path);
        return 1;
    }
    int *matched = sr_xcalloc((size_t)(p->nstate_ops > 0 ? p->nstate_ops : 1), sizeof *matched);
    int bad = match_ops(rt, saved, (int)nops, interval_changed, matched);
    if (bad && !rt->reset_on_mismatch) {
        sr_log(SR_LOG_ERROR, "%s refuses to start: %d stateful operator%s of the checkpoint in %s do%s not "
                             "match the program. Name state with .name(\"...\") to keep it across changes; "
                             "or start with --on-mismatch=reset-state to drop what does not match (source "
                             "positions are kept); or use an empty checkpoint directory to start over",
               app, bad, bad == 1 ? "" : "s", sr_ckdir_path(rt->ckdir), bad == 1 ? "es" : "");
        free(saved);
        free(matched);
        return 1;
    }
    if (bad)
        sr_log(SR_LOG_WARN, "--on-mismatch=reset-state: dropping the state of %d operator%s", bad,
               bad == 1 ? "" : "s");
    for (int i = 0; i < p->nstate_ops; i++) {
        if (matched[i] < 0)
            continue;
        sr_str s = saved[matched[i]].state;
        sr_dec in = { s.ptr, s.ptr + s.len, false };
        if (p->state_ops[i].load(&in, rt->last_index) != 0) {
            sr_log(SR_LOG_ERROR, "the state of %s in %s does not decode; use another checkpoint directory",
                   p->state_ops[i].what, f->path);
            free(saved);
            free(matched);
            return 1;
        }
    }
    free(saved);
    free(matched);
    return 0;
}

int sr_recovery_open(sr_runtime *rt) {
    char err[1024] = "";
    rt->ckdir = sr_ckdir_open(rt->checkpoint_dir, err, sizeof err);
    if (!rt->ckdir) {
        sr_log(SR_LOG_ERROR, "%s", err);
        return 1;
    }
    rt->receipts = sr_xcalloc((size_t)(rt->nsources > 0 ? rt->nsources : 1), sizeof *rt->receipts);
    sr_ckfile f;
    int found = sr_ckdir_newest(rt->ckdir, &f, err, sizeof err);
    if (found < 0) {
        sr_log(SR_LOG_ERROR, "%s", err);
        return 1;
    }
    if (found == 0)
        return 0;
    rt->restored = true;
    int status = restore(rt, &f);
    if (status == 0) {
        sr_ckdir_each_record(rt->ckdir, f.time_ms, add_pending, rt);
        sr_log(SR_LOG_INFO, "Recovering from %s: batch %" PRId64 " ms (#%" PRId64 ") done, %d batch%s to replay",
               f.path, rt->last_time_ms, rt->last_index, rt->npending, rt->npending == 1 ? "" : "es");
    }
    sr_ckfile_free(&f);
    return status;
}

void sr_recovery_close(sr_runtime *rt) {
    for (int i = 0; i < rt->npending; i++)
        free(rt->pending[i].data);
    free(rt->pending);
    rt->pending = NULL;
    rt->npending = 0;
    if (rt->receipts)
        for (int i = 0; i < rt->nsources; i++)
            sr_buf_free(&rt->receipts[i]);
    free(rt->receipts);
    rt->receipts = NULL;
    sr_buf_free(&rt->ckpt_buf);
    sr_ckdir_close(rt->ckdir);
    rt->ckdir = NULL;
}
