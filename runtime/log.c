/* log.c - leveled log lines on stderr.
 *
 * One line per message, `yy/MM/dd HH:mm:ss LEVEL message` (log4j's default
 * layout as Spark prints it), written whole under a lock so lines from
 * workers, receivers and the scheduler never mix. The threshold is global:
 * the scheduler sets it from setLogLevel / --conf streamc.logLevel; the
 * default is INFO.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

static _Atomic int threshold = SR_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {
    [SR_LOG_ERROR] = "ERROR",
    [SR_LOG_WARN] = "WARN",
    [SR_LOG_INFO] = "INFO",
    [SR_LOG_DEBUG] = "DEBUG",
};

void sr_log_set_level(sr_log_level level) {
    atomic_store_explicit(&threshold, (int)level, memory_order_relaxed);
}

sr_log_level sr_log_get_level(void) {
    return (sr_log_level)atomic_load_explicit(&threshold, memory_order_relaxed);
}

bool sr_log_enabled(sr_log_level level) {
    return (int)level <= atomic_load_explicit(&threshold, memory_order_relaxed);
}

int sr_log_parse_level(const char *name, sr_log_level *out) {
    static const struct {
        const char *name;
        sr_log_level level;
    } names[] = {
        { "ERROR", SR_LOG_ERROR }, { "WARN", SR_LOG_WARN },   { "WARNING", SR_LOG_WARN },
        { "INFO", SR_LOG_INFO },   { "DEBUG", SR_LOG_DEBUG }, { "TRACE", SR_LOG_DEBUG },
        { "ALL", SR_LOG_DEBUG },   { "FATAL", SR_LOG_ERROR }, { "OFF", SR_LOG_OFF },
    };
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return -1;
}

/* The last ERROR message, whatever the threshold (monitoring shows it as
 * a failed batch's reason). */
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_error[512];
static uint64_t error_count;

uint64_t sr_log_last_error(char *out, size_t n) {
    pthread_mutex_lock(&error_lock);
    uint64_t count = error_count;
    if (out && n)
        snprintf(out, n, "%s", last_error);
    pthread_mutex_unlock(&error_lock);
    return count;
}

static void keep_error(const char *fmt, va_list ap) {
    char msg[sizeof last_error];
    vsnprintf(msg, sizeof msg, fmt, ap);
    pthread_mutex_lock(&error_lock);
    memcpy(last_error, msg, sizeof msg);
    error_count++;
    pthread_mutex_unlock(&error_lock);
}

/* Formats into a stack buffer (long messages are cut at ~4 KiB, with an
 * ellipsis) and writes the line with one write(2). */
void sr_log(sr_log_level level, const char *fmt, ...) {
    if (level == SR_LOG_ERROR) {
        va_list ap;
        va_start(ap, fmt);
        keep_error(fmt, ap);
        va_end(ap);
    }
    if (!sr_log_enabled(level) || (int)level < 0 || level > SR_LOG_DEBUG)
        return;
    char line[4096];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%y/%m/%d %H:%M:%S ", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, "%s ", level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    if ((size_t)m >= sizeof line - n - 1) {
        n = sizeof line - 5;
        memcpy(line + n, "...", 3);
        n += 3;
    } else {
        n += (size_t)m;
    }
    /* One line, even when the message ends with its own newline. */
    while (n > 0 && line[n - 1] == '\n')
        n--;
    line[n++] = '\n';
    pthread_mutex_lock(&log_lock);
    fflush(stderr);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(STDERR_FILENO, line + off, n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    pthread_mutex_unlock(&log_lock);
}
