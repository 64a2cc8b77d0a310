/* output.c - print() and println() on stdout, saveAsTextFiles directories.
 *
 * Printing goes through stdio's stdout under its own lock (flockfile), so a
 * line is never mixed with another thread's; the footer flushes, so a
 * batch's print block reaches a pipe as soon as it is complete.
 *
 * A saved batch is built in a hidden sibling directory
 * `.<name>.tmp-<pid>`: the part files, then `_SUCCESS`, then a rename to
 * `<prefix>-<ms>[.<suffix>]` (an older directory of that name from an
 * earlier run is swapped out atomically and removed). Readers see either
 * nothing or the whole batch. With rt->sync_outputs (a checkpoint
 * directory) the files and the directory are fsync'ed before the rename and
 * the parent after it, so a batch the checkpoint counts as done survives a
 * machine crash.
 *
 * A full disk (ENOSPC, EDQUOT, EFBIG) does not lose the batch: the parts
 * that could not be written are kept in memory, and the commit retries the
 * whole directory with back-off (0.1 s doubling to 5 s) until it is
 * written or a stop signal comes (sr_write_waiting_for_space, fileio.c).
 * Any other error, or a stop while waiting, fails the batch: the run
 * stops, and a restart from the checkpoint writes it again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

/* ===================================================================== */
/* print                                                                  */
/* ===================================================================== */

#define DASHES "-------------------------------------------\n"

void sr_print_header(sr_batch *b) {
    char time[64];
    int n = snprintf(time, sizeof time, "Time: %lld ms\n", (long long)b->time_ms);
    flockfile(stdout);
    fwrite_unlocked(DASHES, 1, sizeof DASHES - 1, stdout);
    fwrite_unlocked(time, 1, (size_t)n, stdout);
    fwrite_unlocked(DASHES, 1, sizeof DASHES - 1, stdout);
    funlockfile(stdout);
}

static void put_line(const sr_buf *line) {
    flockfile(stdout);
    if (line->len)
        fwrite_unlocked(line->ptr, 1, line->len, stdout);
    putc_unlocked('\n', stdout);
    funlockfile(stdout);
}

void sr_print_line(sr_batch *b, const sr_buf *line) {
    put_line(line);
}

void sr_print_footer(sr_batch *b, bool more) {
    flockfile(stdout);
    if (more)
        fwrite_unlocked("...\n", 1, 4, stdout);
    putc_unlocked('\n', stdout);
    fflush_unlocked(stdout);
    funlockfile(stdout);
}

void sr_println(sr_batch *b, const sr_buf *line) {
    put_line(line);
}

/* ===================================================================== */
/* saveAsTextFiles                                                        */
/* ===================================================================== */

#define MAX_PARTS_TRACKED 4096

struct sr_saver {
    sr_runtime *rt;         /* NULL in unit tests */
    bool sync;              /* fsync what is written (rt->sync_outputs) */
    int64_t time_ms;        /* the batch's */
    char final[PATH_MAX];   /* prefix-<ms>[.suffix] */
    char parent[PATH_MAX];  /* its directory */
    char name[NAME_MAX + 1];/* its last component */
    char tmp[PATH_MAX + NAME_MAX + 32]; /* parent/.name.tmp-<pid> */
    pthread_mutex_t lock;
    _Atomic bool failed;    /* an error was logged; commit will fail */
    _Atomic bool no_space;  /* a write found the disk full: commit retries */
    _Atomic int space_errno;/* which error said so */
    unsigned char written[MAX_PARTS_TRACKED]; /* part files created */
    sr_buf *held;           /* [MAX_PARTS_TRACKED] parts not written for want
                             * of space; allocated at the first one */
};

static void save_error(sr_saver *s, const char *what, const char *path) {
    int e = errno;
    pthread_mutex_lock(&s->lock);
    bool first = !s->failed;
    s->failed = true;
    pthread_mutex_unlock(&s->lock);
    if (first)
        sr_log(SR_LOG_ERROR, "saveAsTextFiles: cannot %s %s: %s", what, path, strerror(e));
}

/* Remove the temporary directories `.<name>.tmp-<pid>` that runs killed
 * before their rename left in `parent` (their pid no longer runs). Done the
 * first time this process saves into `parent`, so a long run does not list
 * its output directory every batch. */
static void remove_stale_temps(const char *parent) {
    static char done[16][PATH_MAX];
    static int ndone;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < ndone; i++)
        if (strcmp(done[i], parent) == 0) {
            pthread_mutex_unlock(&lock);
            return;
        }
    if (ndone < 16)
        snprintf(done[ndone++], PATH_MAX, "%s", parent);
    pthread_mutex_unlock(&lock);
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *tag = e->d_name[0] == '.' ? strstr(e->d_name, ".tmp-") : NULL;
        if (!tag)
            continue;
        char *end;
        long pid = strtol(tag + 5, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[PATH_MAX + NAME_MAX + 2];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        sr_remove_tree(path);
    }
    closedir(d);
}

/* Never NULL: on error the saver is marked failed (the error is logged) and
 * the later calls do nothing; sr_save_commit then returns -1. */
sr_saver *sr_save_begin(sr_batch *b, const char *prefix, const char *suffix) {
    sr_saver *s = sr_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->rt = b->rt;
    s->sync = b->rt && b->rt->sync_outputs;
    s->time_ms = b->time_ms;
    int n;
    if (suffix && *suffix)
        n = snprintf(s->final, sizeof s->final, "%s-%lld.%s", prefix, (long long)b->time_ms, suffix);
    else
        n = snprintf(s->final, sizeof s->final, "%s-%lld", prefix, (long long)b->time_ms);
    if (n < 0 || (size_t)n >= sizeof s->final) {
        errno = ENAMETOOLONG;
        save_error(s, "create", prefix);
        return s;
    }
    const char *slash = strrchr(s->final, '/');
    const char *base = slash ? slash + 1 : s->final;
    size_t blen = strlen(base);
    if (blen == 0 || blen + 24 > NAME_MAX) {
        errno = blen ? ENAMETOOLONG : EINVAL;
        save_error(s, "create", s->final);
        return s;
    }
    memcpy(s->name, base, blen + 1);
    if (!slash) {
        strcpy(s->parent, ".");
    } else if (slash == s->final) {
        strcpy(s->parent, "/");
    } else {
        memcpy(s->parent, s->final, (size_t)(slash - s->final));
        s->parent[slash - s->final] = '\0';
    }
    if (sr_mkdirs(s->parent) != 0) {
        save_error(s, "create directory", s->parent);
        return s;
    }
    snprintf(s->tmp, sizeof s->tmp, "%s/.%s.tmp-%ld", s->parent, s->name, (long)getpid());
    sr_remove_tree(s->tmp); /* left over by a killed run with our pid */
    remove_stale_temps(s->parent);
    if (mkdir(s->tmp, 0777) != 0) {
        save_error(s, "create directory", s->tmp);
        return s;
    }
    return s;
}

/* An error of step `what`: a full disk only notes it (errno kept), any
 * other fails the saver. -1 either way. */
static int step_error(sr_saver *s, const char *what, const char *path) {
    int e = errno;
    if (sr_is_no_space(e)) {
        s->no_space = true;
        s->space_errno = e;
        errno = e;
        return -1;
    }
    save_error(s, what, path);
    return -1;
}

/* Create (or replace) one file in the temp dir with the given bytes
 * (fsync'ed with s->sync). 0, or -1 (a full disk leaves it to the
 * commit's retries). */
static int write_file(sr_saver *s, const char *name, const char *p, size_t n) {
    char path[sizeof s->tmp + 32];
    snprintf(path, sizeof path, "%s/%s", s->tmp, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return step_error(s, "create", path);
    if (sr_write_all(fd, p, n) != 0 || (s->sync && fsync(fd) != 0)) {
        int e = errno;
        close(fd);
        unlink(path); /* give the space back */
        errno = e;
        return step_error(s, "write", path);
    }
    if (close(fd) != 0)
        return step_error(s, "close", path);
    return 0;
}

void sr_save_part(sr_saver *s, int part, const sr_buf *text) {
    if (s->failed || part < 0)
        return;
    char name[32];
    snprintf(name, sizeof name, "part-%05d", part);
    if (write_file(s, name, text->ptr ? text->ptr : "", text->len) == 0) {
        if (part < MAX_PARTS_TRACKED)
            s->written[part] = 1;
    } else if (!s->failed && part < MAX_PARTS_TRACKED) { /* no space: keep it for the retries */
        pthread_mutex_lock(&s->lock);
        if (!s->held)
            s->held = sr_xcalloc(MAX_PARTS_TRACKED, sizeof *s->held);
        pthread_mutex_unlock(&s->lock);
        sr_buf_put(&s->held[part], text->ptr ? text->ptr : "", text->len);
    } else if (!s->failed) {
        save_error(s, "write", name);
    }
}

/* Put tmp in place of final. An existing final is exchanged atomically
 * (renameat2 RENAME_EXCHANGE) and then removed; where the file system
 * cannot exchange, it is first moved aside. */
static int install(sr_saver *s) {
    if (rename(s->tmp, s->final) == 0)
        return 0;
    if (errno != ENOTEMPTY && errno != EEXIST && errno != EISDIR && errno != ENOTDIR)
        return -1;
    if (renameat2(AT_FDCWD, s->tmp, AT_FDCWD, s->final, RENAME_EXCHANGE) == 0) {
        sr_remove_tree(s->tmp); /* now the old batch */
        return 0;
    }
    char old[sizeof s->tmp];
    snprintf(old, sizeof old, "%s/.%s.old-%ld", s->parent, s->name, (long)getpid());
    sr_remove_tree(old);
    if (rename(s->final, old) != 0)
        return -1;
    if (rename(s->tmp, s->final) != 0) {
        int e = errno;
        rename(old, s->final);
        errno = e;
        return -1;
    }
    sr_remove_tree(old);
    return 0;
}

/* One attempt at the rest of the directory: the held parts, the empty
 * parts, _SUCCESS, the fsyncs (with s->sync) and the rename. 0, or
 * -1 with errno set. */
static int try_commit(sr_saver *s, int nparts) {
    s->no_space = false;
    for (int i = 0; i < nparts; i++) {
        char name[32];
        snprintf(name, sizeof name, "part-%05d", i);
        if (i < MAX_PARTS_TRACKED && s->written[i])
            continue;
        /* empty partitions still have their (empty) part file, as in Spark */
        const sr_buf *text = i < MAX_PARTS_TRACKED && s->held ? &s->held[i] : NULL;
        if (!text) {
            char path[sizeof s->tmp + 32];
            snprintf(path, sizeof path, "%s/%s", s->tmp, name);
            if (access(path, F_OK) == 0)
                continue;
        }
        if (write_file(s, name, text && text->ptr ? text->ptr : "", text ? text->len : 0) != 0)
            return -1;
        if (i < MAX_PARTS_TRACKED)
            s->written[i] = 1;
        if (text)
            sr_buf_free(&s->held[i]);
    }
    if (write_file(s, "_SUCCESS", "", 0) != 0)
        return -1;
    if (s->sync && sr_fsync_dir(s->tmp) != 0)
        return step_error(s, "fsync", s->tmp);
    if (install(s) != 0)
        return step_error(s, "rename into place", s->final);
    if (s->sync && sr_fsync_dir(s->parent) != 0)
        return step_error(s, "fsync", s->parent);
    return 0;
}

typedef struct commit_arg {
    sr_saver *s;
    int nparts;
} commit_arg;

/* One try_commit for sr_write_waiting_for_space: -1 with the full disk's
 * errno to wait, ECANCELED for any other error (logged already). */
static int commit_attempt(void *arg) {
    commit_arg *c = arg;
    if (try_commit(c->s, c->nparts) == 0)
        return 0;
    errno = c->s->no_space && !c->s->failed ? c->s->space_errno : ECANCELED;
    return -1;
}

int sr_save_commit(sr_saver *s, int nparts) {
    int rc = -1;
    if (!s->failed) {
        char waits[96];
        snprintf(waits, sizeof waits, "batch %lld ms waits for space and retries", (long long)s->time_ms);
        sr_space_wait w = { "saveAsTextFiles", s->final, waits, "a restart from the checkpoint writes it" };
        commit_arg c = { s, nparts };
        rc = sr_write_waiting_for_space(&w, commit_attempt, &c);
    }
    if (rc != 0) {
        if (s->tmp[0])
            sr_remove_tree(s->tmp);
        if (s->rt)
            s->rt->batch_failed = true; /* the batch does not count: the run stops */
    }
    for (int i = 0; s->held && i < MAX_PARTS_TRACKED; i++)
        sr_buf_free(&s->held[i]);
    free(s->held);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return rc == 0 ? 0 : -1;
}
