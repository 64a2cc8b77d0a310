/* source_dir.c - the directory sources: textFileStream and queueStream.
 *
 * ssc.textFileStream(dir): the files present when the source starts are
 * ignored; every take lists the directory and reads, in name order, the
 * files that appeared since (each exactly once), like Spark's
 * FileInputDStream. Files are expected to appear atomically (written
 * elsewhere, then renamed in). Names starting with '.' or '_' are hidden
 * (temporary and marker files: Hadoop's hidden-file rule) and never read;
 * only regular files (or symlinks to them) are read. A name is remembered
 * while it stays in the directory: once it is gone from a listing it is
 * forgotten, so a new file that later reuses the name is read again.
 * A missing or unreadable directory is not an error: the source logs one
 * WARN and keeps polling (the directory may be created later; the files
 * in it then count as new). A file that vanishes between the listing and
 * the read, or cannot be read, is skipped with a WARN.
 *
 * ssc.queueStream(dir): when the source starts it lists the directory's
 * regular, non-hidden files in name order; batch k takes file k, read
 * whole, and after the last file the batches are empty. Files added later
 * are not seen. The directory must exist when the source is opened.
 *
 * Files are read straight into the batch's arena and cut into lines there;
 * a big file (2 MiB and more) in ranges on the run's workers, which are idle
 * while sources are taken: a pread per range, then lines counted and cut a
 * range of whole lines each (sr_lines_from_blocks).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"
#include "source_impl.h"

/* ===================================================================== */
/* A set of names, with a generation mark per name for forgetting.        */
/* ===================================================================== */

typedef struct name_ent {
    char *name;                 /* malloc'd; NULL = empty slot */
    uint64_t hash;
    uint64_t gen;               /* the last listing that showed it */
} name_ent;

typedef struct name_set {
    name_ent *ents;
    size_t cap;                 /* power of two, or 0 */
    size_t len;
} name_set;

static uint64_t name_hash(const char *name) {
    return sr_hash_bytes(name, strlen(name));
}

static name_ent *set_find(const name_set *set, const char *name, uint64_t h) {
    if (!set->cap)
        return NULL;
    for (size_t j = h & (set->cap - 1);; j = (j + 1) & (set->cap - 1)) {
        name_ent *e = &set->ents[j];
        if (!e->name)
            return NULL;
        if (e->hash == h && strcmp(e->name, name) == 0)
            return e;
    }
}

/* Insert an entry known to be absent; takes ownership of e.name. */
static void set_put(name_set *set, name_ent e) {
    if ((set->len + 1) * 2 > set->cap) {
        name_set big = { 0 };
        big.cap = set->cap ? set->cap * 2 : 64;
        big.ents = sr_xcalloc(big.cap, sizeof *big.ents);
        for (size_t i = 0; i < set->cap; i++)
            if (set->ents[i].name)
                set_put(&big, set->ents[i]);
        free(set->ents);
        *set = big;
    }
    size_t j = e.hash & (set->cap - 1);
    while (set->ents[j].name)
        j = (j + 1) & (set->cap - 1);
    set->ents[j] = e;
    set->len++;
}

static void set_add(name_set *set, const char *name, uint64_t h, uint64_t gen) {
    name_ent e = { strdup(name), h, gen };
    if (!e.name)
        e.name = sr_xmalloc(1), e.name[0] = '\0';
    set_put(set, e);
}

/* Forget the names whose mark is not `gen`. */
static void set_keep_gen(name_set *set, uint64_t gen) {
    name_set kept = { 0 };
    for (size_t i = 0; i < set->cap; i++) {
        name_ent e = set->ents[i];
        if (!e.name)
            continue;
        if (e.gen == gen)
            set_put(&kept, e);
        else
            free(e.name);
    }
    free(set->ents);
    *set = kept;
}

static void set_free(name_set *set) {
    for (size_t i = 0; i < set->cap; i++)
        free(set->ents[i].name);
    free(set->ents);
    memset(set, 0, sizeof *set);
}

/* ===================================================================== */
/* Listing and reading                                                    */
/* ===================================================================== */

typedef struct name_list {
    char **names;
    size_t n, cap;
} name_list;

static void list_push(name_list *l, const char *name) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->names = sr_xrealloc(l->names, l->cap * sizeof *l->names);
    }
    char *copy = strdup(name);
    if (!copy)
        copy = sr_xcalloc(1, 1);
    l->names[l->n++] = copy;
}

static void list_free(name_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool hidden(const char *name) {
    return name[0] == '.' || name[0] == '_';
}

/* The non-hidden names of an open directory, in directory order. */
static int read_names(DIR *d, name_list *out) {
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (!hidden(de->d_name))
            list_push(out, de->d_name);
        errno = 0;
    }
    return errno ? -1 : 0;
}

/* p[from, to) of the file, read with pread until it is there or the file
 * ends. Returns the bytes read, or -1 with errno. */
static ssize_t pread_range(int fd, char *p, size_t from, size_t to) {
    size_t at = from;
    while (at < to) {
        ssize_t n = pread(fd, p + at, to - at, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        at += (size_t)n;
    }
    return (ssize_t)(at - from);
}

/* A file's first `size` bytes read in ranges, one per task. */
typedef struct read_job {
    int fd;
    char *p;
    size_t size;
    int nranges;
    ssize_t got[SR_MAX_RANGES]; /* bytes, or -1 */
    int err[SR_MAX_RANGES];
} read_job;

static size_t range_start(const read_job *j, int t) {
    return t == j->nranges ? j->size : j->size / (size_t)j->nranges * (size_t)t;
}

static void read_range(sr_ctx *cx, int t, void *arg) {
    (void)cx;
    read_job *j = arg;
    j->got[t] = pread_range(j->fd, j->p, range_start(j, t), range_start(j, t + 1));
    j->err[t] = j->got[t] < 0 ? errno : 0;
}

/* The first `size` bytes of the file into p, in ranges on the pool; what
 * a read from the start gives: up to where a range came short (the file
 * shrank). Returns the bytes read, or -1 with errno. */
static ssize_t read_ranges(sr_pool *pool, int fd, char *p, size_t size, int nranges) {
    read_job j = { .fd = fd, .p = p, .size = size, .nranges = nranges };
    sr_pool_run(pool, NULL, nranges, read_range, &j);
    size_t len = 0;
    for (int t = 0; t < nranges; t++) {
        if (j.got[t] < 0) {
            errno = j.err[t];
            return -1;
        }
        len += (size_t)j.got[t];
        if (range_start(&j, t) + (size_t)j.got[t] < range_start(&j, t + 1))
            break;
    }
    return (ssize_t)len;
}

/* A file's whole content, read into the arena (the file may be longer than
 * fstat said when it grows while read); a big one in ranges on the pool.
 * Returns 0, or -1 with errno. */
static int read_fd(int fd, const struct stat *st, sr_pool *pool, sr_arena *arena, char **out,
                   size_t *outlen) {
    size_t size = (size_t)st->st_size, cap = size + 1, len = 0;
    char *p = sr_arena_alloc(arena, cap);
    int nranges = sr_range_count(pool, size);
    if (nranges > 1) {
        ssize_t got = read_ranges(pool, fd, p, size, nranges);
        if (got < 0)
            return -1;
        len = (size_t)got; /* the rest, if the file grew, as below */
    }
    for (;;) {
        if (len == cap) {
            size_t ncap = cap * 2;
            char *q = sr_arena_alloc(arena, ncap);
            memcpy(q, p, len);
            p = q;
            cap = ncap;
        }
        ssize_t n = pread(fd, p + len, cap - len, (off_t)len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *out = p;
    *outlen = len;
    return 0;
}

typedef enum open_result {
    OPEN_OK,        /* a regular file, read */
    OPEN_SKIP,      /* not a regular file: quietly ignored */
    OPEN_GONE,      /* vanished */
    OPEN_FAILED,    /* could not be opened or read (errno) */
} open_result;

/* Open dir/name (relative to dfd) without blocking on FIFOs, and read it
 * if it is a regular file. */
static open_result read_file(int dfd, const char *name, sr_pool *pool, sr_arena *arena, char **p,
                             size_t *n, int *err) {
    int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *err = errno;
        return errno == ENOENT ? OPEN_GONE : OPEN_FAILED;
    }
    struct stat st;
    open_result r = OPEN_OK;
    if (fstat(fd, &st) != 0) {
        *err = errno;
        r = OPEN_FAILED;
    } else if (!S_ISREG(st.st_mode)) {
        r = OPEN_SKIP;
    } else if (read_fd(fd, &st, pool, arena, p, n) != 0) {
        *err = errno;
        r = OPEN_FAILED;
    }
    close(fd);
    return r;
}

/* ===================================================================== */
/* The sources                                                            */
/* ===================================================================== */

typedef struct dir_src {
    sr_source base;
    char *dir;
    sr_pool *pool;              /* big files are read and cut on it (NULL: here) */
    bool stopped;               /* stopped without drain: takes are empty */

    /* textFileStream */
    name_set seen;
    uint64_t gen;
    bool trouble;               /* the directory could not be listed; WARN logged */
    bool restored;              /* `seen` came from a checkpoint: start lists nothing */

    /* queueStream */
    name_list files;            /* in name order */
    size_t next;
    char *last;                 /* the name taken last (checkpoints), NULL = none */
    char *resume_after;         /* from a checkpoint: start after this name */
} dir_src;

/* textFileStream: remember what is there now. */
static int text_start(sr_source *src, char *errstr, size_t errlen) {
    dir_src *s = (dir_src *)src;
    (void)errstr;
    (void)errlen;
    if (s->restored) { /* the files already read are known: the others are new */
        sr_log(SR_LOG_DEBUG, "textFileStream: %s: %zu files read before the restart", s->dir,
               s->seen.len);
        return 0;
    }
    DIR *d = opendir(s->dir);
    if (!d) {
        if (!s->trouble)
            sr_source_log(&s->base, SR_LOG_WARN, "textFileStream: directory %s %s; watching for it to appear", s->dir,
                   errno == ENOENT ? "does not exist" : strerror(errno));
        s->trouble = true;
        return 0;
    }
    name_list l = { 0 };
    if (read_names(d, &l) != 0)
        sr_source_log(&s->base, SR_LOG_WARN, "textFileStream: listing %s: %s", s->dir, strerror(errno));
    s->gen++;
    for (size_t i = 0; i < l.n; i++) {
        uint64_t h = name_hash(l.names[i]);
        name_ent *e = set_find(&s->seen, l.names[i], h);
        if (e)
            e->gen = s->gen;
        else
            set_add(&s->seen, l.names[i], h, s->gen);
    }
    list_free(&l);
    closedir(d);
    sr_log(SR_LOG_DEBUG, "textFileStream: %s: ignoring the %zu files already there", s->dir,
           s->seen.len);
    return 0;
}

/* Read the named files of the open directory d, in the order given, into
 * `arena` and cut them into lines; the names of the files read go to
 * `receipt` (when not NULL) as a count and the names. */
static void read_files(dir_src *s, DIR *d, char **names, size_t n, sr_arena *arena,
                       sr_lines *out, sr_buf *receipt) {
    sr_block *blocks = sr_xmalloc((n ? n : 1) * sizeof *blocks);
    size_t nblocks = 0;
    sr_buf read_names = { 0 };
    for (size_t i = 0; i < n; i++) {
        sr_block b = { NULL, 0 };
        int err = 0;
        switch (read_file(dirfd(d), names[i], s->pool, arena, &b.p, &b.n, &err)) {
        case OPEN_OK:
            blocks[nblocks++] = b;
            sr_enc_str(&read_names, (sr_str){ names[i], (int64_t)strlen(names[i]) });
            sr_log(SR_LOG_DEBUG, "textFileStream: read %s/%s (%zu bytes)", s->dir, names[i], b.n);
            break;
        case OPEN_SKIP:
            break;
        case OPEN_GONE:
            sr_source_log(&s->base, SR_LOG_WARN, "textFileStream: %s/%s vanished before it was read; skipped",
                   s->dir, names[i]);
            break;
        case OPEN_FAILED:
            sr_source_log(&s->base, SR_LOG_WARN, "textFileStream: cannot read %s/%s: %s; skipped", s->dir,
                   names[i], strerror(err));
            break;
        }
    }
    if (receipt && nblocks) {
        sr_enc_u64(receipt, nblocks);
        sr_buf_put(receipt, read_names.ptr, read_names.len);
    }
    sr_buf_free(&read_names);
    sr_lines_from_blocks(s->pool, arena, blocks, nblocks, out);
    free(blocks);
}

/* The directory, opened; NULL (one WARN per outage) if it cannot be. */
static DIR *open_watched(dir_src *s) {
    DIR *d = opendir(s->dir);
    if (!d) {
        if (!s->trouble)
            sr_source_log(&s->base, SR_LOG_WARN, "textFileStream: directory %s %s; watching for it to appear", s->dir,
                   errno == ENOENT ? "does not exist" : strerror(errno));
        s->trouble = true;
        return NULL;
    }
    if (s->trouble)
        sr_log(SR_LOG_INFO, "textFileStream: directory %s is there now", s->dir);
    s->trouble = false;
    return d;
}

static void text_take(sr_source *src, int64_t time_ms, sr_arena *arena, sr_lines *out,
                      sr_buf *receipt) {
    dir_src *s = (dir_src *)src;
    (void)time_ms;
    if (s->stopped)
        return;
    DIR *d = open_watched(s);
    if (!d)
        return;
    name_list l = { 0 };
    bool complete = read_names(d, &l) == 0;
    if (!complete)
        sr_source_log(&s->base, SR_LOG_WARN, "textFileStream: listing %s: %s", s->dir, strerror(errno));
    uint64_t gen = ++s->gen;
    /* New names, marked as seen now: each is tried once, whatever happens. */
    name_list fresh = { 0 };
    for (size_t i = 0; i < l.n; i++) {
        uint64_t h = name_hash(l.names[i]);
        name_ent *e = set_find(&s->seen, l.names[i], h);
        if (e) {
            e->gen = gen;
        } else {
            set_add(&s->seen, l.names[i], h, gen);
            list_push(&fresh, l.names[i]);
        }
    }
    if (complete && s->seen.len > l.n)
        set_keep_gen(&s->seen, gen);
    list_free(&l);
    if (fresh.n > 1)
        qsort(fresh.names, fresh.n, sizeof *fresh.names, cmp_names);
    if (fresh.n)
        read_files(s, d, fresh.names, fresh.n, arena, out, receipt);
    closedir(d);
    list_free(&fresh);
}

/* The files a receipt names, read again; they count as seen. */
static void text_replay(sr_source *src, sr_dec *receipt, sr_arena *arena, sr_lines *out) {
    dir_src *s = (dir_src *)src;
    name_list names = { 0 };
    for (int64_t i = 0, n = sr_dec_count(receipt); i < n && !receipt->bad; i++) {
        sr_str name = sr_dec_str(receipt, arena);
        if (!name.ptr || receipt->bad)
            break;
        char *c = strndup(name.ptr, (size_t)name.len);
        if (!c)
            continue;
        list_push(&names, c);
        free(c);
    }
    for (size_t i = 0; i < names.n; i++) {
        uint64_t h = name_hash(names.names[i]);
        if (!set_find(&s->seen, names.names[i], h))
            set_add(&s->seen, names.names[i], h, s->gen);
    }
    DIR *d = names.n ? open_watched(s) : NULL;
    if (d) {
        read_files(s, d, names.names, names.n, arena, out, NULL);
        closedir(d);
    } else if (names.n) {
        sr_source_log(&s->base, SR_LOG_WARN, "textFileStream: the %zu files of a replayed batch are gone with %s",
               names.n, s->dir);
    }
    list_free(&names);
}

/* Position: the names known to be read. */
static void text_save(sr_source *src, sr_buf *out) {
    dir_src *s = (dir_src *)src;
    sr_enc_u64(out, s->seen.len);
    for (size_t i = 0; i < s->seen.cap; i++)
        if (s->seen.ents[i].name)
            sr_enc_str(out, (sr_str){ s->seen.ents[i].name, (int64_t)strlen(s->seen.ents[i].name) });
}

static int text_restore(sr_source *src, sr_dec *in, char *errstr, size_t errlen) {
    dir_src *s = (dir_src *)src;
    sr_arena scratch;
    sr_arena_init(&scratch);
    for (int64_t i = 0, n = sr_dec_count(in); i < n && !in->bad; i++) {
        sr_str name = sr_dec_str(in, &scratch);
        char *c = name.ptr ? strndup(name.ptr, (size_t)name.len) : NULL;
        if (!c)
            continue;
        uint64_t h = name_hash(c);
        if (!set_find(&s->seen, c, h))
            set_add(&s->seen, c, h, s->gen);
        free(c);
    }
    sr_arena_free(&scratch);
    if (in->bad) {
        sr_source_errf(errstr, errlen, "textFileStream %s: the checkpointed list of files is damaged",
                       s->dir);
        return -1;
    }
    s->restored = true;
    return 0;
}

/* Directory sources do no work between takes; stop only matters for the
 * takes that follow it. */
static void dir_stop(sr_source *src, bool drain) {
    dir_src *s = (dir_src *)src;
    if (!drain)
        s->stopped = true;
}

static void dir_free(sr_source *src) {
    dir_src *s = (dir_src *)src;
    set_free(&s->seen);
    list_free(&s->files);
    free(s->last);
    free(s->resume_after);
    free(s->dir);
    sr_source_base_free(&s->base);
    free(s);
}

/* queueStream: fix the list of files, in name order. */
static int queue_start(sr_source *src, char *errstr, size_t errlen) {
    dir_src *s = (dir_src *)src;
    if (s->files.n || s->next)
        return 0;
    DIR *d = opendir(s->dir);
    if (!d) {
        sr_source_errf(errstr, errlen, "queueStream: directory %s %s", s->dir,
                       errno == ENOENT ? "does not exist" : strerror(errno));
        return -1;
    }
    name_list l = { 0 };
    if (read_names(d, &l) != 0) {
        sr_source_errf(errstr, errlen, "queueStream: listing %s: %s", s->dir, strerror(errno));
        list_free(&l);
        closedir(d);
        return -1;
    }
    for (size_t i = 0; i < l.n; i++) {
        struct stat st;
        if (fstatat(dirfd(d), l.names[i], &st, 0) == 0 && S_ISREG(st.st_mode)) {
            s->files.names = sr_xrealloc(s->files.names, (s->files.n + 1) * sizeof(char *));
            s->files.names[s->files.n++] = l.names[i];
            l.names[i] = NULL;
        }
    }
    s->files.cap = s->files.n;
    list_free(&l);
    closedir(d);
    if (s->files.n > 1)
        qsort(s->files.names, s->files.n, sizeof *s->files.names, cmp_names);
    if (s->resume_after) /* restored: the files up to the last one taken are done */
        while (s->next < s->files.n && strcmp(s->files.names[s->next], s->resume_after) <= 0)
            s->next++;
    sr_log(SR_LOG_INFO, "queueStream: %zu files in %s, one per batch%s", s->files.n - s->next,
           s->dir, s->resume_after ? " (after the checkpointed position)" : "");
    return 0;
}

/* Read dir/name whole into the batch's lines. */
static void queue_read(dir_src *s, const char *name, sr_arena *arena, sr_lines *out) {
    int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        sr_source_log(&s->base, SR_LOG_WARN, "queueStream: cannot open %s: %s; batch of %s/%s is empty", s->dir,
               strerror(errno), s->dir, name);
        return;
    }
    sr_block b = { NULL, 0 };
    int err = 0;
    switch (read_file(dfd, name, s->pool, arena, &b.p, &b.n, &err)) {
    case OPEN_OK:
        sr_lines_from_blocks(s->pool, arena, &b, 1, out);
        break;
    case OPEN_SKIP:
        sr_source_log(&s->base, SR_LOG_WARN, "queueStream: %s/%s is no longer a regular file; empty batch", s->dir,
               name);
        break;
    case OPEN_GONE:
        sr_source_log(&s->base, SR_LOG_WARN, "queueStream: %s/%s vanished; empty batch", s->dir, name);
        break;
    case OPEN_FAILED:
        sr_source_log(&s->base, SR_LOG_WARN, "queueStream: cannot read %s/%s: %s; empty batch", s->dir, name,
               strerror(err));
        break;
    }
    close(dfd);
}

static void queue_set_last(dir_src *s, const char *name) {
    free(s->last);
    s->last = strdup(name);
}

static void queue_take(sr_source *src, int64_t time_ms, sr_arena *arena, sr_lines *out,
                       sr_buf *receipt) {
    dir_src *s = (dir_src *)src;
    (void)time_ms;
    if (s->stopped || s->next >= s->files.n)
        return;
    const char *name = s->files.names[s->next++];
    queue_set_last(s, name);
    if (receipt)
        sr_enc_str(receipt, (sr_str){ name, (int64_t)strlen(name) });
    queue_read(s, name, arena, out);
}

/* The file a receipt names; the queue goes on after it. */
static void queue_replay(sr_source *src, sr_dec *receipt, sr_arena *arena, sr_lines *out) {
    dir_src *s = (dir_src *)src;
    sr_str name = sr_dec_str(receipt, arena);
    if (receipt->bad || !name.ptr)
        return;
    char *c = strndup(name.ptr, (size_t)name.len);
    if (!c)
        return;
    for (size_t i = 0; i < s->files.n; i++)
        if (strcmp(s->files.names[i], c) == 0 && i + 1 > s->next)
            s->next = i + 1;
    queue_set_last(s, c);
    queue_read(s, c, arena, out);
    free(c);
}

/* Position: the name of the file taken last (files are taken in name order). */
static void queue_save(sr_source *src, sr_buf *out) {
    dir_src *s = (dir_src *)src;
    sr_enc_str(out, s->last ? (sr_str){ s->last, (int64_t)strlen(s->last) } : (sr_str){ NULL, 0 });
}

static int queue_restore(sr_source *src, sr_dec *in, char *errstr, size_t errlen) {
    dir_src *s = (dir_src *)src;
    sr_arena scratch;
    sr_arena_init(&scratch);
    sr_str last = sr_dec_str(in, &scratch);
    if (!in->bad && last.ptr) {
        free(s->resume_after);
        s->resume_after = strndup(last.ptr, (size_t)last.len);
        queue_set_last(s, s->resume_after);
    }
    sr_arena_free(&scratch);
    if (in->bad) {
        sr_source_errf(errstr, errlen, "queueStream %s: the checkpointed position is damaged", s->dir);
        return -1;
    }
    return 0;
}

static const sr_source_ops text_ops = {
    .start = text_start, .take = text_take, .stop = dir_stop, .free = dir_free,
    .replay = text_replay, .save = text_save, .restore = text_restore,
};
static const sr_source_ops queue_ops = {
    .start = queue_start, .take = queue_take, .stop = dir_stop, .free = dir_free,
    .replay = queue_replay, .save = queue_save, .restore = queue_restore,
};

static dir_src *dir_new(const sr_source_spec *spec, const sr_source_opts *opts,
                        const sr_source_ops *ops, const char *what) {
    dir_src *s = sr_xcalloc(1, sizeof *s);
    s->pool = opts->pool;
    sr_source_base_init(&s->base, ops, spec->kind, "%s %s", what, spec->dir);
    s->dir = strdup(spec->dir);
    if (!s->dir)
        s->dir = sr_xcalloc(1, 1);
    return s;
}

sr_source *sr_textfile_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                   char *errstr, size_t errlen) {
    (void)errstr;
    (void)errlen;
    return &dir_new(spec, opts, &text_ops, "textFileStream")->base;
}

/* The directory must exist now (its files are listed at start). */
sr_source *sr_queue_source_open(const sr_source_spec *spec, const sr_source_opts *opts,
                                char *errstr, size_t errlen) {
    struct stat st;
    if (stat(spec->dir, &st) != 0) {
        sr_source_errf(errstr, errlen, "queueStream: directory %s %s", spec->dir,
                       errno == ENOENT ? "does not exist" : strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        sr_source_errf(errstr, errlen, "queueStream: %s is not a directory", spec->dir);
        return NULL;
    }
    return &dir_new(spec, opts, &queue_ops, "queueStream")->base;
}
