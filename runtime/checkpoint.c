/* checkpoint.c - the files of a checkpoint directory.
 *
 *   checkpoint-<ms>   the state after the batch of time <ms> (the newest
 *                     two are kept)
 *   journal-<ms>      one record per batch started after checkpoint-<ms>:
 *                     its time and what it took from each source, written
 *                     and fsync'ed before the batch runs
 *   .lock             held (flock) by the run using the directory
 *   damaged-checkpoint-<ms>   a checkpoint that failed its checksum, moved
 *                     aside for inspection
 *
 * A checkpoint file is the line "STREAMC-CHECKPOINT\n", a body, and 8 bytes
 * (little-endian) of sr_hash_bytes over the body. It is
 * written under a hidden temporary name, fsync'ed, renamed into place and
 * the directory fsync'ed, so a reader finds either the old set of files or
 * the new one, never half a checkpoint. A journal record is a varint length,
 * the payload and 8 bytes of hash of the payload; a record cut short by a
 * crash ends the journal there.
 *
 * This file knows the layout only; what a body and a record hold is
 * recovery.c's business.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

#define MAGIC "STREAMC-CHECKPOINT\n"
#define MAGIC_LEN (sizeof MAGIC - 1)
#define CKPT_PREFIX "checkpoint-"
#define JOURNAL_PREFIX "journal-"
/* The longest journal record accepted (a corrupt length stops reading). */
#define MAX_RECORD ((uint64_t)1 << 30)

struct sr_ckdir {
    char *dir;
    int lock_fd;
    int journal_fd;          /* journal of the last checkpoint written, -1 = none */
};

static void errf(char *errstr, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *errstr, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errlen, fmt, ap);
    va_end(ap);
}

static void put_hash(sr_buf *b, const char *p, size_t n) {
    uint64_t h = sr_hash_bytes(p, n);
    char tmp[8];
    for (int i = 0; i < 8; i++)
        tmp[i] = (char)(h >> (8 * i));
    sr_buf_put(b, tmp, 8);
}

static bool hash_ok(const char *p, size_t n, const char *stored) {
    uint64_t h = sr_hash_bytes(p, n), s = 0;
    for (int i = 0; i < 8; i++)
        s |= (uint64_t)(unsigned char)stored[i] << (8 * i);
    return h == s;
}

/* <prefix><ms> -> ms, or -1 for any other name. */
static int64_t name_time(const char *name, const char *prefix) {
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || !name[n])
        return -1;
    if (name[n] == '0' && name[n + 1]) /* only the names path_of writes */
        return -1;
    int64_t v = 0;
    for (const char *p = name + n; *p; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

typedef struct times {
    int64_t *v;
    size_t n;
} times;

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The times of the files named <prefix><ms>, ascending. */
static int list_times(const char *dir, const char *prefix, times *out) {
    out->v = NULL;
    out->n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int64_t t = name_time(e->d_name, prefix);
        if (t < 0)
            continue;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->v = sr_xrealloc(out->v, cap * sizeof *out->v);
        }
        out->v[out->n++] = t;
    }
    closedir(d);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_i64);
    return 0;
}

static char *path_of(const sr_ckdir *d, const char *prefix, int64_t t) {
    char *p;
    if (asprintf(&p, "%s/%s%" PRId64, d->dir, prefix, t) < 0)
        abort();
    return p;
}

/* ===================================================================== */
/* The directory                                                          */
/* ===================================================================== */

sr_ckdir *sr_ckdir_open(const char *dir, char *errstr, size_t errlen) {
    if (sr_mkdirs(dir) != 0) {
        errf(errstr, errlen, "cannot create checkpoint directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    char pid[32];
    int fd = sr_lock_dir(dir, pid, sizeof pid);
    if (fd == -1) {
        errf(errstr, errlen, "cannot use checkpoint directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (fd == -2) {
        errf(errstr, errlen, "checkpoint directory %s is in use by another run%s%s%s", dir,
             pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
        return NULL;
    }
    sr_ckdir *d = sr_xcalloc(1, sizeof *d);
    d->dir = strdup(dir);
    d->lock_fd = fd;
    d->journal_fd = -1;
    /* temporary files of a run killed while writing */
    DIR *dd = opendir(dir);
    if (dd) {
        struct dirent *e;
        while ((e = readdir(dd)) != NULL)
            if (strncmp(e->d_name, "." CKPT_PREFIX, sizeof CKPT_PREFIX) == 0) {
                char p[PATH_MAX + NAME_MAX + 2];
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(dd);
    }
    return d;
}

void sr_ckdir_close(sr_ckdir *d) {
    if (!d)
        return;
    if (d->journal_fd >= 0)
        close(d->journal_fd);
    close(d->lock_fd); /* releases the lock */
    free(d->dir);
    free(d);
}

const char *sr_ckdir_path(const sr_ckdir *d) {
    return d->dir;
}

/* ===================================================================== */
/* Checkpoints                                                            */
/* ===================================================================== */

static int read_whole(const char *path, char **data, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *p = sr_xmalloc(cap);
    for (;;) {
        if (n == cap)
            p = sr_xrealloc(p, cap *= 2);
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(p);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *data = p;
    *len = n;
    return 0;
}

/* Read and verify checkpoint-<t>. 0, or -1 with a reason in why. */
static int load_file(sr_ckdir *d, int64_t t, sr_ckfile *out, char *why, size_t whylen) {
    memset(out, 0, sizeof *out);
    out->time_ms = t;
    out->path = path_of(d, CKPT_PREFIX, t);
    if (read_whole(out->path, &out->data, &out->len) != 0) {
        errf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    if (out->len < MAGIC_LEN + 8 || memcmp(out->data, MAGIC, MAGIC_LEN) != 0) {
        errf(why, whylen, out->len < MAGIC_LEN + 8 ? "truncated (%zu bytes)" : "not a streamc checkpoint",
             out->len);
        return -1;
    }
    if (!hash_ok(out->data + MAGIC_LEN, out->len - MAGIC_LEN - 8, out->data + out->len - 8)) {
        errf(why, whylen, "checksum mismatch (truncated or corrupt, %zu bytes)", out->len);
        return -1;
    }
    out->body = (sr_dec){ out->data + MAGIC_LEN, out->data + out->len - 8, false };
    return 0;
}

void sr_ckfile_free(sr_ckfile *f) {
    free(f->path);
    free(f->data);
    memset(f, 0, sizeof *f);
}

int sr_ckdir_newest(sr_ckdir *d, sr_ckfile *out, char *errstr, size_t errlen) {
    times ts;
    memset(out, 0, sizeof *out);
    if (list_times(d->dir, CKPT_PREFIX, &ts) != 0) {
        errf(errstr, errlen, "cannot list checkpoint directory %s: %s", d->dir, strerror(errno));
        return -1;
    }
    size_t i = ts.n;
    char (*why)[256] = sr_xcalloc(ts.n ? ts.n : 1, sizeof *why);
    while (i-- > 0) {
        if (load_file(d, ts.v[i], out, why[i], sizeof why[i]) == 0)
            break;
        sr_ckfile_free(out);
    }
    bool found = i < ts.n; /* the newest whole one is ts.v[i] */
    for (size_t j = found ? i + 1 : 0; j < ts.n; j++) {
        char *path = path_of(d, CKPT_PREFIX, ts.v[j]);
        if (!found) {
            /* left in place: every later start refuses the same way */
            sr_log(SR_LOG_ERROR, "checkpoint %s is damaged: %s", path, why[j]);
        } else {
            char aside[PATH_MAX + 32];
            snprintf(aside, sizeof aside, "%s/damaged-%s%" PRId64, d->dir, CKPT_PREFIX, ts.v[j]);
            sr_log(SR_LOG_ERROR, "checkpoint %s is damaged: %s; moved to %s, using the one before it",
                   path, why[j], aside);
            rename(path, aside);
        }
        free(path);
    }
    free(why);
    bool any = ts.n > 0;
    free(ts.v);
    if (!found && any) {
        errf(errstr, errlen, "every checkpoint in %s is damaged; to start over without the old state, "
             "remove them or use an empty checkpoint directory", d->dir);
        return -1;
    }
    sr_fsync_dir(d->dir);
    return found;
}

/* Remove checkpoints older than the newest two and the journals older than
 * the oldest checkpoint kept. */
static void prune(sr_ckdir *d) {
    times ck, jn;
    if (list_times(d->dir, CKPT_PREFIX, &ck) != 0)
        return;
    int64_t keep_from = ck.n >= 2 ? ck.v[ck.n - 2] : ck.n ? ck.v[0] : 0;
    for (size_t i = 0; i + 2 < ck.n; i++) {
        char *p = path_of(d, CKPT_PREFIX, ck.v[i]);
        unlink(p);
        free(p);
    }
    if (list_times(d->dir, JOURNAL_PREFIX, &jn) == 0) {
        for (size_t i = 0; i < jn.n; i++)
            if (jn.v[i] < keep_from) {
                char *p = path_of(d, JOURNAL_PREFIX, jn.v[i]);
                unlink(p);
                free(p);
            }
        free(jn.v);
    }
    free(ck.v);
}

int sr_ckdir_write(sr_ckdir *d, int64_t time_ms, const sr_buf *body, char *errstr, size_t errlen) {
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/.%s%" PRId64 ".tmp", d->dir, CKPT_PREFIX, time_ms);
    char *final = path_of(d, CKPT_PREFIX, time_ms), *jp = NULL;
    sr_buf trailer = { 0 };
    int rc = -1, e = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        e = errno;
        errf(errstr, errlen, "cannot create %s: %s", tmp, strerror(e));
        goto out;
    }
    put_hash(&trailer, body->ptr, body->len);
    bool written = sr_write_all(fd, MAGIC, MAGIC_LEN) == 0 && sr_write_all(fd, body->ptr, body->len) == 0 &&
                   sr_write_all(fd, trailer.ptr, trailer.len) == 0 && fsync(fd) == 0;
    e = errno;
    if (close(fd) != 0 && written) {
        written = false;
        e = errno;
    }
    if (!written) {
        errf(errstr, errlen, "cannot write %s: %s", tmp, strerror(e));
        unlink(tmp); /* give the space back */
        goto out;
    }
    if (rename(tmp, final) != 0) {
        e = errno;
        errf(errstr, errlen, "cannot put %s in place: %s", final, strerror(e));
        unlink(tmp);
        goto out;
    }
    /* From here the new checkpoint may be the newest a start finds, so no
     * record goes to the older journal any more, even if what follows
     * fails: its batches would not be replayed after this checkpoint. */
    if (d->journal_fd >= 0)
        close(d->journal_fd);
    d->journal_fd = -1;
    if (sr_fsync_dir(d->dir) != 0) {
        e = errno;
        errf(errstr, errlen, "cannot put %s in place: %s", final, strerror(e));
        goto out;
    }
    jp = path_of(d, JOURNAL_PREFIX, time_ms);
    d->journal_fd = open(jp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (d->journal_fd < 0) {
        e = errno;
        errf(errstr, errlen, "cannot create %s: %s", jp, strerror(e));
        goto out;
    }
    sr_fsync_dir(d->dir);
    prune(d);
    rc = 0;
out:
    free(jp);
    sr_buf_free(&trailer);
    free(final);
    if (rc != 0)
        errno = e;
    return rc;
}

/* ===================================================================== */
/* The journal                                                            */
/* ===================================================================== */

int sr_ckdir_journal(sr_ckdir *d, const sr_buf *payload, char *errstr, size_t errlen) {
    if (d->journal_fd < 0) {
        errf(errstr, errlen, "no journal open in %s", d->dir);
        errno = EBADF;
        return -1;
    }
    sr_buf rec = { 0 };
    sr_enc_u64(&rec, payload->len);
    sr_buf_put(&rec, payload->ptr, payload->len);
    put_hash(&rec, payload->ptr, payload->len);
    int rc = 0, e = 0;
    off_t end = lseek(d->journal_fd, 0, SEEK_END);
    if (end < 0 || sr_write_all(d->journal_fd, rec.ptr, rec.len) != 0 || fdatasync(d->journal_fd) != 0) {
        e = errno;
        rc = -1;
        /* a record cut short would end the journal there, hiding the ones
         * written after it: cut it off (and give its space back), so that
         * the record can be written again whole */
        if (end >= 0 && ftruncate(d->journal_fd, end) != 0) {
            errf(errstr, errlen, "cannot write the journal in %s: %s; nor remove the part written: %s",
                 d->dir, strerror(e), strerror(errno));
            e = EIO; /* not a full disk to wait out: nothing may follow the torn record */
        } else {
            errf(errstr, errlen, "cannot write the journal in %s: %s", d->dir, strerror(e));
        }
    }
    sr_buf_free(&rec);
    if (rc != 0)
        errno = e;
    return rc;
}

int sr_ckdir_each_record(sr_ckdir *d, int64_t from_ms, sr_record_fn fn, void *arg) {
    times jn;
    if (list_times(d->dir, JOURNAL_PREFIX, &jn) != 0)
        return -1;
    int n = 0;
    for (size_t i = 0; i < jn.n; i++) {
        if (jn.v[i] < from_ms)
            continue;
        char *p = path_of(d, JOURNAL_PREFIX, jn.v[i]), *data = NULL;
        size_t len = 0;
        if (read_whole(p, &data, &len) != 0) {
            sr_log(SR_LOG_WARN, "cannot read journal %s: %s", p, strerror(errno));
            free(p);
            continue;
        }
        sr_dec in = { data, data + len, false };
        while (in.p < in.end) {
            uint64_t n_payload = sr_dec_u64(&in);
            if (in.bad || n_payload > MAX_RECORD || (uint64_t)(in.end - in.p) < n_payload + 8 ||
                !hash_ok(in.p, n_payload, in.p + n_payload)) {
                /* a record cut short by a crash: its batch never started */
                sr_log(i + 1 < jn.n ? SR_LOG_WARN : SR_LOG_DEBUG,
                       "journal %s ends with an incomplete record (%zu bytes ignored)", p,
                       (size_t)(in.end - in.p));
                break;
            }
            fn(arg, (sr_dec){ in.p, in.p + n_payload, false });
            n++;
            in.p += n_payload + 8;
        }
        free(data);
        free(p);
    }
    free(jn.v);
    return n;
}
