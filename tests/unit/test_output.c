/* test_output.c - print()'s exact format on stdout, and saveAsTextFiles'
 * directories (layout, _SUCCESS, atomic replacement, no temp left). */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"
#include "unit.h"

/* ===================================================================== */
/* stdout capture                                                         */
/* ===================================================================== */

static int saved_stdout = -1;
static char capture_path[] = "/tmp/streamc-test-out-XXXXXX";

static void capture_begin(void) {
    fflush(stdout);
    int fd = mkstemp(capture_path);
    CU_ASSERT_FATAL(fd >= 0);
    saved_stdout = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    close(fd);
}

/* Returns the captured text (malloc'd). */
static char *capture_end(void) {
    fflush(stdout);
    dup2(saved_stdout, STDOUT_FILENO);
    close(saved_stdout);
    FILE *f = fopen(capture_path, "r");
    char *text = calloc(1, 1 << 18);
    size_t n = fread(text, 1, (1 << 18) - 1, f);
    text[n] = '\0';
    fclose(f);
    unlink(capture_path);
    strcpy(capture_path, "/tmp/streamc-test-out-XXXXXX");
    return text;
}

static void test_print_format(void) {
    sr_batch b = { .time_ms = 1588950520000, .index = 1 };
    sr_buf line = { 0 };
    capture_begin();
    sr_print_header(&b);
    sr_buf_cstr(&line, "(hello,2)");
    sr_print_line(&b, &line);
    sr_buf_clear(&line);
    sr_buf_cstr(&line, "(world,1)");
    sr_print_line(&b, &line);
    sr_print_footer(&b, false);
    b.time_ms = 1588950525000;
    sr_print_header(&b);
    sr_buf_clear(&line);
    sr_buf_long(&line, 7);
    sr_print_line(&b, &line);
    sr_print_footer(&b, true);
    b.time_ms = 2000;
    sr_print_header(&b);
    sr_print_footer(&b, false);
    sr_buf_clear(&line);
    sr_buf_cstr(&line, "driver says hi");
    sr_println(&b, &line);
    sr_buf_clear(&line);
    sr_println(&b, &line);
    char *out = capture_end();
    const char *want =
        "-------------------------------------------\n"
        "Time: 1588950520000 ms\n"
        "-------------------------------------------\n"
        "(hello,2)\n"
        "(world,1)\n"
        "\n"
        "-------------------------------------------\n"
        "Time: 1588950525000 ms\n"
        "-------------------------------------------\n"
        "7\n"
        "...\n"
        "\n"
        "-------------------------------------------\n"
        "Time: 2000 ms\n"
        "-------------------------------------------\n"
        "\n"
        "driver says hi\n"
        "\n";
    CU_ASSERT_STRING_EQUAL(out, want);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "\n--- got:\n%s--- end\n", out);
    free(out);
    sr_buf_free(&line);
}

/* Lines printed from several threads at once never mix. */
typedef struct line_job {
    sr_batch *b;
} line_job;

static void print_task(sr_ctx *cx, int task, void *arg) {
    line_job *j = arg;
    sr_buf line = { 0 };
    for (int i = 0; i < 200; i++) {
        sr_buf_clear(&line);
        for (int k = 0; k < 50; k++)
            sr_buf_char(&line, (char)('a' + task % 26));
        sr_print_line(j->b, &line);
    }
    sr_buf_free(&line);
}

static void test_print_threads(void) {
    char err[128];
    sr_pool *p = sr_pool_new(4, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    sr_batch b = { .time_ms = 1 };
    line_job j = { &b };
    capture_begin();
    sr_pool_run(p, &b, 8, print_task, &j);
    char *out = capture_end();
    int lines = 0, bad = 0;
    for (char *l = out; *l;) {
        char *nl = strchr(l, '\n');
        if (!nl) {
            bad++;
            break;
        }
        if (nl - l != 50)
            bad++;
        for (char *c = l; c < nl; c++)
            bad += *c != *l;
        lines++;
        l = nl + 1;
    }
    CU_ASSERT_EQUAL(lines, 8 * 200);
    CU_ASSERT_EQUAL(bad, 0);
    free(out);
    sr_pool_free(p);
}

/* ===================================================================== */
/* saveAsTextFiles                                                        */
/* ===================================================================== */

static char tmpdir[] = "/tmp/streamc-test-save-XXXXXX";

static char *read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = calloc(1, 4096);
    size_t n = fread(text, 1, 4095, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Names in dir, sorted, joined with spaces. */
static char *list_dir(const char *dir) {
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    char *out = calloc(1, 4096);
    if (n < 0)
        return out;
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            if (*out)
                strcat(out, " ");
            strcat(out, names[i]->d_name);
        }
        free(names[i]);
    }
    free(names);
    return out;
}

static void rm_rf(const char *path) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_save_layout(void) {
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/out/nested/counts", tmpdir); /* parents made */
    sr_batch b = { .time_ms = 1000 };
    sr_saver *s = sr_save_begin(&b, prefix, "txt");
    sr_buf text = { 0 };
    sr_buf_cstr(&text, "(a,1)\n(b,2)\n");
    sr_save_part(s, 0, &text);
    sr_buf_clear(&text);
    sr_buf_cstr(&text, "(c,3)\n");
    sr_save_part(s, 2, &text); /* part 1 is empty */
    CU_ASSERT_EQUAL(sr_save_commit(s, 3), 0);

    char dir[300], path[400];
    snprintf(dir, sizeof dir, "%s-1000.txt", prefix);
    char *names = list_dir(dir);
    CU_ASSERT_STRING_EQUAL(names, "_SUCCESS part-00000 part-00001 part-00002");
    free(names);
    snprintf(path, sizeof path, "%s/part-00000", dir);
    char *t = read_file(path);
    CU_ASSERT_STRING_EQUAL(t, "(a,1)\n(b,2)\n");
    free(t);
    snprintf(path, sizeof path, "%s/part-00001", dir);
    t = read_file(path);
    CU_ASSERT_STRING_EQUAL(t, "");
    free(t);
    snprintf(path, sizeof path, "%s/part-00002", dir);
    t = read_file(path);
    CU_ASSERT_STRING_EQUAL(t, "(c,3)\n");
    free(t);
    /* no temp dir left next to it */
    snprintf(path, sizeof path, "%s/out/nested", tmpdir);
    names = list_dir(path);
    CU_ASSERT_STRING_EQUAL(names, "counts-1000.txt");
    free(names);

    /* no suffix */
    b.time_ms = 2000;
    s = sr_save_begin(&b, prefix, "");
    sr_save_part(s, 0, &text);
    CU_ASSERT_EQUAL(sr_save_commit(s, 1), 0);
    names = list_dir(path);
    CU_ASSERT_STRING_EQUAL(names, "counts-1000.txt counts-2000");
    free(names);
    sr_buf_free(&text);
}

static void test_save_replace(void) {
    char prefix[256], dir[300], path[400];
    snprintf(prefix, sizeof prefix, "%s/re", tmpdir);
    snprintf(dir, sizeof dir, "%s-5000", prefix);
    sr_batch b = { .time_ms = 5000 };
    sr_buf text = { 0 };
    sr_saver *s = sr_save_begin(&b, prefix, NULL);
    sr_buf_cstr(&text, "old\n");
    for (int i = 0; i < 3; i++)
        sr_save_part(s, i, &text);
    CU_ASSERT_EQUAL(sr_save_commit(s, 3), 0);
    /* second run, same batch time: 1 part, replaces the whole directory */
    s = sr_save_begin(&b, prefix, NULL);
    sr_buf_clear(&text);
    sr_buf_cstr(&text, "new\n");
    sr_save_part(s, 0, &text);
    CU_ASSERT_EQUAL(sr_save_commit(s, 1), 0);
    char *names = list_dir(dir);
    CU_ASSERT_STRING_EQUAL(names, "_SUCCESS part-00000");
    free(names);
    snprintf(path, sizeof path, "%s/part-00000", dir);
    char *t = read_file(path);
    CU_ASSERT_STRING_EQUAL(t, "new\n");
    free(t);
    names = list_dir(tmpdir);
    CU_ASSERT(strstr(names, "tmp") == NULL && strstr(names, "old") == NULL);
    free(names);
    sr_buf_free(&text);
}

static void test_save_errors(void) {
    char prefix[400];
    /* the parent is a regular file: cannot create the directory */
    char file[300];
    snprintf(file, sizeof file, "%s/plainfile", tmpdir);
    FILE *f = fopen(file, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    snprintf(prefix, sizeof prefix, "%s/sub/x", file);
    sr_batch b = { .time_ms = 1 };
    sr_log_level old = sr_log_get_level();
    sr_log_set_level(SR_LOG_OFF); /* the error is expected */
    sr_saver *s = sr_save_begin(&b, prefix, "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    sr_buf text = { 0 };
    sr_save_part(s, 0, &text);
    CU_ASSERT_EQUAL(sr_save_commit(s, 1), -1);
    sr_log_set_level(old);
    rm_rf(tmpdir);
}

UNIT_SUITE(output,
           { "print format", test_print_format },
           { "lines from many threads do not mix", test_print_threads },
           { "saveAsTextFiles layout", test_save_layout },
           { "saveAsTextFiles replaces an earlier directory", test_save_replace },
           { "saveAsTextFiles errors", test_save_errors })
