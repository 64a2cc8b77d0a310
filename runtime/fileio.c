/* fileio.c - file system helpers the outputs and checkpoints share:
 * mkdir -p, rm -r, fsync of a directory, writes that finish, and the wait
 * that outlasts a full disk (saveAsTextFiles, the journal, checkpoints). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

/* mkdir -p; 0 or -1 with errno. */
int sr_mkdirs(const char *path) {
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0)
        return 0;
    if (n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(tmp, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* rm -r of a directory we made (regular files and subdirectories). */
void sr_remove_tree(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    char sub[PATH_MAX];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR)
            sr_remove_tree(sub);
        else if (unlink(sub) != 0 && errno == EISDIR)
            sr_remove_tree(sub);
    }
    closedir(d);
    rmdir(path);
}

int sr_fsync_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int sr_write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sr_lock_dir(const char *dir, char *holder, size_t holderlen) {
    if (holderlen)
        holder[0] = '\0';
    char lock[PATH_MAX];
    snprintf(lock, sizeof lock, "%s/.lock", dir);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (holderlen)
            snprintf(holder, holderlen, "%s", pid);
        close(fd);
        return -2;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0)
        (void)!pwrite(fd, pid, (size_t)n, 0);
    return fd;
}

/* ===================================================================== */
/* Waiting out a full disk                                                */
/* ===================================================================== */

#define SPACE_WAIT_FIRST_US 100000  /* the first back-off: 0.1 s ... */
#define SPACE_WAIT_MAX_US 5000000   /* ... doubling up to 5 s */
#define SPACE_WAIT_SLICE_US 50000   /* a stop signal is seen within this */

bool sr_is_no_space(int e) {
    return e == ENOSPC || e == EDQUOT || e == EFBIG;
}

/* Sleep us microseconds in slices; false at once when a stop signal
 * comes. */
static bool nap_unless_stopped(int64_t us) {
    while (us > 0) {
        if (sr_stop_requested())
            return false;
        int64_t slice = us < SPACE_WAIT_SLICE_US ? us : SPACE_WAIT_SLICE_US;
        struct timespec ts = { 0, (long)slice * 1000 };
        nanosleep(&ts, NULL); /* a signal cuts it short: checked above */
        us -= slice;
    }
    return !sr_stop_requested();
}

int sr_write_waiting_for_space(const sr_space_wait *w, int (*attempt)(void *arg), void *arg) {
    int tries = 0, space_errno = 0;
    int64_t wait_us = SPACE_WAIT_FIRST_US, since = 0;
    for (;;) {
        if (attempt(arg) == 0)
            break;
        int e = errno;
        if (!sr_is_no_space(e)) {
            errno = e;
            return -1;
        }
        space_errno = e;
        if (tries++ == 0) {
            since = sr_mono_us();
            sr_log(SR_LOG_WARN, "%s: %s: %s; %s", w->who, w->what, strerror(e), w->waits);
        }
        if (!nap_unless_stopped(wait_us)) {
            sr_log(SR_LOG_ERROR, "%s: stopping before %s could be written (%s); %s", w->who, w->what,
                   strerror(space_errno), w->on_stop);
            errno = space_errno;
            return -2;
        }
        wait_us = wait_us * 2 > SPACE_WAIT_MAX_US ? SPACE_WAIT_MAX_US : wait_us * 2;
    }
    if (tries)
        sr_log(SR_LOG_INFO, "%s: %s written after %d retr%s (%.1f s)", w->who, w->what, tries,
               tries == 1 ? "y" : "ies", (double)(sr_mono_us() - since) / 1e6);
    return 0;
}
