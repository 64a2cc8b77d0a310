/* test_log.c - log levels and line format, and the dropped-record message. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime.h"
#include "unit.h"

static int saved_fd = -1, cap_fd = -1;
static char cap_path[64];

static void capture_stderr(void) {
    fflush(stderr);
    strcpy(cap_path, "/tmp/streamc-test-log-XXXXXX");
    cap_fd = mkstemp(cap_path);
    saved_fd = dup(STDERR_FILENO);
    dup2(cap_fd, STDERR_FILENO);
}

/* The captured text, malloc'd. */
static char *end_capture(void) {
    fflush(stderr);
    dup2(saved_fd, STDERR_FILENO);
    close(saved_fd);
    char *text = calloc(1, 8192);
    ssize_t n = pread(cap_fd, text, 8191, 0);
    text[n > 0 ? n : 0] = '\0';
    close(cap_fd);
    unlink(cap_path);
    return text;
}

static void test_levels(void) {
    sr_log_level l;
    CU_ASSERT(sr_log_parse_level("ERROR", &l) == 0 && l == SR_LOG_ERROR);
    CU_ASSERT(sr_log_parse_level("warn", &l) == 0 && l == SR_LOG_WARN);
    CU_ASSERT(sr_log_parse_level("Info", &l) == 0 && l == SR_LOG_INFO);
    CU_ASSERT(sr_log_parse_level("DEBUG", &l) == 0 && l == SR_LOG_DEBUG);
    CU_ASSERT(sr_log_parse_level("ALL", &l) == 0 && l == SR_LOG_DEBUG);
    CU_ASSERT(sr_log_parse_level("off", &l) == 0 && l == SR_LOG_OFF);
    CU_ASSERT(sr_log_parse_level("LOUD", &l) == -1);
    CU_ASSERT(sr_log_parse_level(NULL, &l) == -1);

    sr_log_level old = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    CU_ASSERT(sr_log_enabled(SR_LOG_ERROR));
    CU_ASSERT(sr_log_enabled(SR_LOG_WARN));
    CU_ASSERT(!sr_log_enabled(SR_LOG_INFO));
    sr_log_set_level(SR_LOG_OFF);
    CU_ASSERT(!sr_log_enabled(SR_LOG_ERROR));
    sr_log_set_level(old);
}

static void test_format(void) {
    sr_log_level old = sr_log_get_level();
    sr_log_set_level(SR_LOG_INFO);
    capture_stderr();
    sr_log(SR_LOG_INFO, "hello %d", 42);
    sr_log(SR_LOG_DEBUG, "not shown");
    sr_log(SR_LOG_WARN, "with newline\n");
    char *text = end_capture();
    sr_log_set_level(old);
    /* yy/MM/dd HH:mm:ss LEVEL message */
    int yy, mo, dd, hh, mi, ss;
    char msg[64];
    CU_ASSERT_EQUAL(sscanf(text, "%d/%d/%d %d:%d:%d INFO %63[^\n]", &yy, &mo, &dd, &hh, &mi, &ss, msg), 7);
    CU_ASSERT_STRING_EQUAL(msg, "hello 42");
    CU_ASSERT_PTR_NULL(strstr(text, "not shown"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, " WARN with newline\n"));
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 2);
    free(text);

    /* very long messages are cut, still one line */
    sr_log_set_level(SR_LOG_INFO);
    char *big = malloc(10000);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    capture_stderr();
    sr_log(SR_LOG_INFO, "%s", big);
    text = end_capture();
    sr_log_set_level(old);
    CU_ASSERT(strlen(text) < 4200);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "...\n"));
    free(text);
    free(big);
}

static void test_drop_message(void) {
    static const sr_site sites[] = { { 3, 14, "toInt" }, { 7, 2, "/" } };
    sr_program prog = { .source_file = "wc.stream", .sites = sites, .nsites = 2, .batch_ms = 1 };
    sr_runtime *rt = calloc(1, sizeof *rt);
    rt->prog = &prog;
    sr_batch b = { .time_ms = 1, .rt = rt };
    sr_ctx cx = { .batch = &b };
    sr_drop_reset();
    sr_log_level old = sr_log_get_level();
    sr_log_set_level(SR_LOG_WARN);
    capture_stderr();
    for (int i = 0; i < 15; i++) {
        sr_fail(&cx, i % 2 ? SR_ERR_DIV_ZERO : SR_ERR_NUMBER, i % 2);
        sr_drop(&cx);
        CU_ASSERT_EQUAL(cx.err, SR_ERR_NONE);
    }
    char *text = end_capture();
    sr_log_set_level(old);
    CU_ASSERT_EQUAL(cx.dropped, 15);
    CU_ASSERT_EQUAL(sr_drop_total(), 15);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, " WARN wc.stream:3:14: dropped a record: not a number in toInt\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, " WARN wc.stream:7:2: dropped a record: division by zero in /\n"));
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, SR_DROP_LOG_MAX); /* only the first ones are logged */
    free(text);
    free(rt);
    sr_drop_reset();
}

UNIT_SUITE(log,
           { "levels", test_levels },
           { "line format", test_format },
           { "dropped-record messages", test_drop_message })
