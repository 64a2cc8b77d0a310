/* wal.c - a write-ahead log of bytes in segment files.
 *
 * A log is a directory of segment files named seg-<offset> (20 digits, so
 * `ls` sorts them), each holding the bytes from that logical offset on, and
 * a .lock file. Appends go to the last segment with pwrite at its end and
 * an fdatasync; only then do they count (sr_wal_end moves). A new segment
 * starts when the last one holds SR_WAL_SEGMENT_MAX bytes or is older than
 * the roll interval (created, then the directory fsync'ed). Deleting the
 * segments below an offset (sr_wal_trim) keeps the offsets of the rest.
 *
 * What every record of the log is made of (lines) matters in one place:
 * after a crash the last segment may end with a part of an append that was
 * never synced; opening cuts it back to the last '\n' (whole lines that
 * were read from the peer but not yet counted are kept: they were
 * received, and nothing took them yet).
 *
 * A failed append is cut off again (ftruncate to the old size), so the
 * next attempt writes at the same place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"
#include "wal.h"

#define SEG_PREFIX "seg-"

typedef struct segment {
    uint64_t start;             /* logical offset of its first byte */
    uint64_t size;              /* bytes that count */
    int fd;
    int64_t born_us;            /* created (or found at open), monotonic */
} segment;

struct sr_wal {
    char *dir;
    int lock_fd;
    int64_t roll_us;            /* 0 = by size only */

    pthread_mutex_t lock;       /* segs, nseg and end */
    segment *segs;              /* by start */
    int nseg, cap;
    uint64_t end;               /* the log's end (>= the last segment's end) */
};

static char *seg_path(const sr_wal *w, uint64_t start) {
    char *p;
    if (asprintf(&p, "%s/" SEG_PREFIX "%020" PRIu64, w->dir, start) < 0)
        abort();
    return p;
}

/* seg-<digits> -> offset; false for any other name. */
static bool seg_name(const char *name, uint64_t *start) {
    size_t n = strlen(SEG_PREFIX);
    if (strncmp(name, SEG_PREFIX, n) != 0 || !name[n])
        return false;
    uint64_t v = 0;
    for (const char *p = name + n; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *start = v;
    return true;
}

static int cmp_seg(const void *a, const void *b) {
    uint64_t x = ((const segment *)a)->start, y = ((const segment *)b)->start;
    return (x > y) - (x < y);
}

static void push_seg(sr_wal *w, segment s) {
    if (w->nseg == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->segs = sr_xrealloc(w->segs, (size_t)w->cap * sizeof *w->segs);
    }
    w->segs[w->nseg++] = s;
}

/* ===================================================================== */
/* Opening                                                                */
/* ===================================================================== */

/* The size of fd's content up to and including its last '\n' (0 if none). */
static int64_t through_last_newline(int fd, uint64_t size) {
    char buf[64 * 1024];
    uint64_t hi = size;
    while (hi > 0) {
        size_t n = hi < sizeof buf ? (size_t)hi : sizeof buf;
        ssize_t r = pread(fd, buf, n, (off_t)(hi - n));
        if (r < 0 && errno == EINTR)
            continue;
        if (r != (ssize_t)n)
            return -1;
        const char *nl = memrchr(buf, '\n', n);
        if (nl)
            return (int64_t)(hi - n + (uint64_t)(nl - buf) + 1);
        hi -= n;
    }
    return 0;
}

/* List and open the segments of w->dir. 0, or -1 with errstr. */
static int load_segments(sr_wal *w, char *errstr, size_t errlen) {
    DIR *d = opendir(w->dir);
    if (!d) {
        snprintf(errstr, errlen, "cannot list %s: %s", w->dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int64_t now = sr_mono_us();
    while ((e = readdir(d)) != NULL) {
        uint64_t start;
        if (!seg_name(e->d_name, &start))
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDWR | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            snprintf(errstr, errlen, "cannot open %s/%s: %s", w->dir, e->d_name, strerror(errno));
            if (fd >= 0)
                close(fd);
            closedir(d);
            return -1;
        }
        push_seg(w, (segment){ start, (uint64_t)st.st_size, fd, now });
    }
    closedir(d);
    if (w->nseg > 1)
        qsort(w->segs, (size_t)w->nseg, sizeof *w->segs, cmp_seg);
    for (int i = 0; i + 1 < w->nseg; i++) { /* never overlap the next one */
        uint64_t room = w->segs[i + 1].start - w->segs[i].start;
        if (w->segs[i].size > room)
            w->segs[i].size = room;
    }
    if (w->nseg == 0)
        return 0;
    segment *last = &w->segs[w->nseg - 1];
    int64_t keep = through_last_newline(last->fd, last->size);
    if (keep < 0) {
        snprintf(errstr, errlen, "cannot read %s/" SEG_PREFIX "%020" PRIu64 ": %s", w->dir, last->start,
                 strerror(errno ? errno : EIO));
        return -1;
    }
    if ((uint64_t)keep < last->size) {
        sr_log(SR_LOG_WARN, "write-ahead log %s: cut %" PRIu64 " bytes of an incomplete line at its end "
                            "(a crash during a write)",
               w->dir, last->size - (uint64_t)keep);
        if (ftruncate(last->fd, (off_t)keep) != 0 || fdatasync(last->fd) != 0) {
            snprintf(errstr, errlen, "cannot cut %s/" SEG_PREFIX "%020" PRIu64 ": %s", w->dir, last->start,
                     strerror(errno));
            return -1;
        }
        last->size = (uint64_t)keep;
    }
    w->end = last->start + last->size;
    return 0;
}

sr_wal *sr_wal_open(const char *dir, int64_t roll_ms, char *errstr, size_t errlen) {
    if (sr_mkdirs(dir) != 0) {
        snprintf(errstr, errlen, "cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    int fd = sr_lock_dir(dir, NULL, 0);
    if (fd == -1) {
        snprintf(errstr, errlen, "cannot use %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (fd == -2) {
        snprintf(errstr, errlen, "%s is in use (by another source with the same key, or another run)", dir);
        return NULL;
    }
    sr_wal *w = sr_xcalloc(1, sizeof *w);
    w->dir = strdup(dir);
    if (!w->dir)
        abort();
    w->lock_fd = fd;
    w->roll_us = roll_ms > 0 ? roll_ms * 1000 : 0;
    pthread_mutex_init(&w->lock, NULL);
    if (load_segments(w, errstr, errlen) != 0) {
        sr_wal_close(w);
        return NULL;
    }
    /* the new directories' entries, up to the checkpoint directory */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
            break;
        *slash = '\0';
        sr_fsync_dir(parent);
    }
    return w;
}

void sr_wal_close(sr_wal *w) {
    if (!w)
        return;
    for (int i = 0; i < w->nseg; i++)
        close(w->segs[i].fd);
    free(w->segs);
    close(w->lock_fd);
    pthread_mutex_destroy(&w->lock);
    free(w->dir);
    free(w);
}

/* ===================================================================== */
/* State                                                                  */
/* ===================================================================== */

uint64_t sr_wal_first(sr_wal *w) {
    pthread_mutex_lock(&w->lock);
    uint64_t v = w->nseg ? w->segs[0].start : w->end;
    pthread_mutex_unlock(&w->lock);
    return v;
}

uint64_t sr_wal_end(sr_wal *w) {
    pthread_mutex_lock(&w->lock);
    uint64_t v = w->end;
    pthread_mutex_unlock(&w->lock);
    return v;
}

int sr_wal_segments(sr_wal *w) {
    pthread_mutex_lock(&w->lock);
    int n = w->nseg;
    pthread_mutex_unlock(&w->lock);
    return n;
}

/* ===================================================================== */
/* Writing (the writer thread)                                            */
/* ===================================================================== */

/* A new, empty segment starting at `start` (the log's end). Its fd, or -1
 * with errno. */
static int new_segment(sr_wal *w, uint64_t start) {
    char *p = seg_path(w, start);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int e = errno;
    if (fd >= 0 && sr_fsync_dir(w->dir) != 0) {
        e = errno;
        close(fd);
        unlink(p);
        fd = -1;
    }
    free(p);
    if (fd < 0) {
        errno = e;
        return -1;
    }
    pthread_mutex_lock(&w->lock);
    push_seg(w, (segment){ start, 0, fd, sr_mono_us() });
    pthread_mutex_unlock(&w->lock);
    return fd;
}

int sr_wal_append(sr_wal *w, const char *p, size_t n) {
    if (n == 0)
        return 0;
    pthread_mutex_lock(&w->lock);
    uint64_t end = w->end;
    segment last = w->nseg ? w->segs[w->nseg - 1] : (segment){ 0, 0, -1, 0 };
    pthread_mutex_unlock(&w->lock);
    bool fresh = last.fd < 0 || last.start + last.size != end; /* none yet, or after a gap */
    if (!fresh && last.size > 0 &&
        (last.size >= SR_WAL_SEGMENT_MAX || (w->roll_us > 0 && sr_mono_us() - last.born_us >= w->roll_us)))
        fresh = true;
    if (fresh) {
        int fd = new_segment(w, end);
        if (fd < 0)
            return -1;
        last = (segment){ end, 0, fd, 0 };
    }
    size_t done = 0;
    int err = 0;
    while (done < n && !err) {
        ssize_t r = pwrite(last.fd, p + done, n - done, (off_t)(last.size + done));
        if (r > 0)
            done += (size_t)r;
        else if (r == 0)
            err = EIO;
        else if (errno != EINTR)
            err = errno;
    }
    if (!err && fdatasync(last.fd) != 0)
        err = errno;
    if (err) {
        (void)!ftruncate(last.fd, (off_t)last.size); /* best effort: the next try overwrites */
        errno = err;
        return -1;
    }
    pthread_mutex_lock(&w->lock);
    w->segs[w->nseg - 1].size += n;
    w->end += n;
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void sr_wal_skip_to(sr_wal *w, uint64_t offset) {
    pthread_mutex_lock(&w->lock);
    if (offset > w->end)
        w->end = offset; /* the next append starts a segment there */
    pthread_mutex_unlock(&w->lock);
}

/* ===================================================================== */
/* Reading and deleting (the reader thread)                               */
/* ===================================================================== */

int64_t sr_wal_read(sr_wal *w, uint64_t from, uint64_t to, char *dst) {
    if (to <= from)
        return 0;
    /* the segments that overlap [from, to); only this thread closes them */
    pthread_mutex_lock(&w->lock);
    segment *parts = sr_xmalloc((size_t)(w->nseg ? w->nseg : 1) * sizeof *parts);
    int n = 0;
    for (int i = 0; i < w->nseg; i++) {
        segment s = w->segs[i];
        if (s.start < to && s.start + s.size > from)
            parts[n++] = s;
    }
    pthread_mutex_unlock(&w->lock);
    int64_t copied = 0;
    for (int i = 0; i < n; i++) {
        uint64_t lo = parts[i].start > from ? parts[i].start : from;
        uint64_t hi = parts[i].start + parts[i].size < to ? parts[i].start + parts[i].size : to;
        uint64_t at = lo;
        while (at < hi) {
            ssize_t r = pread(parts[i].fd, dst + copied, (size_t)(hi - at), (off_t)(at - parts[i].start));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                free(parts);
                return -1;
            }
            if (r == 0)
                break; /* shorter than counted (cut by hand): the rest is missing */
            at += (uint64_t)r;
            copied += r;
        }
    }
    free(parts);
    return copied;
}

int sr_wal_trim(sr_wal *w, uint64_t offset) {
    pthread_mutex_lock(&w->lock);
    int k = 0;
    while (k + 1 < w->nseg && w->segs[k].start + w->segs[k].size <= offset)
        k++;
    segment *gone = sr_xmalloc((size_t)(k ? k : 1) * sizeof *gone);
    memcpy(gone, w->segs, (size_t)k * sizeof *gone);
    memmove(w->segs, w->segs + k, (size_t)(w->nseg - k) * sizeof *w->segs);
    w->nseg -= k;
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < k; i++) {
        close(gone[i].fd);
        char *p = seg_path(w, gone[i].start);
        if (unlink(p) != 0 && errno != ENOENT)
            sr_log(SR_LOG_WARN, "write-ahead log: cannot delete %s: %s", p, strerror(errno));
        free(p);
    }
    if (k)
        sr_fsync_dir(w->dir);
    free(gone);
    return k;
}
