/* main.c - the streamc driver: parse, check, plan, emit, cc.
 *
 *   streamc FILE.stream [-o EXE]       build an executable (default: FILE's base name)
 *   streamc -S FILE.stream [-o F.c]    write the C (also --emit-c)
 *   streamc -c FILE.stream [-o F.o]    compile to an object
 * Exit status: 0 ok, 1 errors in the program (or the C compiler failed),
 * 64 usage errors.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ast.h"
#include "check.h"
#include "emit.h"
#include "fuse.h"
#include "parse.h"
#include "source.h"
#include "types.h"
#include "util.h"
#include "version.h"

#define EXIT_USAGE 64

typedef enum mode { MODE_EXE, MODE_C, MODE_OBJECT, MODE_DUMP_DAG, MODE_DUMP_AST } mode;

typedef struct options {
    const char *input;
    const char *output;
    mode mode;
    bool fuse;
    bool line_directives;
    bool depfile;          /* -MD */
    const char *dep_path;  /* -MF */
    const char *dep_target;/* -MT */
    const char *cc;
    const char *cflags;
} options;

static void usage(FILE *out) {
    fprintf(out,
            "usage: streamc [options] FILE.stream\n"
            "Compile a Spark Streaming (DStream) program into a native executable.\n\n"
            "  -o FILE          output name (default: FILE's base name, .c with -S, .o with -c)\n"
            "  -S, --emit-c     write the generated C instead of an executable\n"
            "  -c               compile to an object file\n"
            "  -MD              also write a Make dependency file (OUTPUT.d)\n"
            "  -MF FILE         name of the dependency file\n"
            "  -MT TARGET       target named in the dependency file\n"
            "  --dump-dag       print the operator DAG before and after fusion (Graphviz dot)\n"
            "  --dump-ast       print the syntax tree\n"
            "  -fno-fuse        give every operator its own loop (for comparison)\n"
            "  --no-line        no #line directives in the generated C\n"
            "  --cc CC          C compiler (default: $CC or cc)\n"
            "  --cflags FLAGS   extra flags for the C compiler (default: -O2)\n"
            "  --version        print the version\n"
            "  --help           print this help\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "streamc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'streamc --help'.\n");
    return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, options *o) {
    *o = (options){ .mode = MODE_EXE, .fuse = true, .line_directives = true };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG() do { if (!next) return usage_error("option %s needs an argument", a); i++; } while (0)
        if (!strcmp(a, "-o")) { NEED_ARG(); o->output = next; }
        else if (!strcmp(a, "-S") || !strcmp(a, "--emit-c")) o->mode = MODE_C;
        else if (!strcmp(a, "-c")) o->mode = MODE_OBJECT;
        else if (!strcmp(a, "-MD")) o->depfile = true;
        else if (!strcmp(a, "-MF")) { NEED_ARG(); o->dep_path = next; o->depfile = true; }
        else if (!strcmp(a, "-MT")) { NEED_ARG(); o->dep_target = next; }
        else if (!strcmp(a, "--dump-dag")) o->mode = MODE_DUMP_DAG;
        else if (!strcmp(a, "--dump-ast")) o->mode = MODE_DUMP_AST;
        else if (!strcmp(a, "-fno-fuse")) o->fuse = false;
        else if (!strcmp(a, "-ffuse")) o->fuse = true;
        else if (!strcmp(a, "--no-line")) o->line_directives = false;
        else if (!strcmp(a, "--cc")) { NEED_ARG(); o->cc = next; }
        else if (!strcmp(a, "--cflags")) { NEED_ARG(); o->cflags = next; }
        else if (!strcmp(a, "--version")) { printf("streamc %s\n", SR_VERSION_STRING); exit(0); }
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(0); }
        else if (a[0] == '-' && a[1]) return usage_error("unknown option %s", a);
        else if (o->input) return usage_error("only one input file, not also %s", a);
        else o->input = a;
#undef NEED_ARG
    }
    if (!o->input)
        return usage_error("no input file%s", "");
    return 0;
}

/* FILE.stream -> FILE + suffix (in the current directory, like cc). */
static char *default_output(const char *input, const char *suffix) {
    char *copy = xstrdup(input);
    char *base = basename(copy);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    char *out = xasprintf("%s%s", base, suffix);
    free(copy);
    return out;
}

/* Is `path` the input file itself (an output must never overwrite it)? */
static bool is_input(const options *o, const char *path) {
    struct stat in, out;
    return strcmp(path, "-") != 0 && stat(o->input, &in) == 0 && stat(path, &out) == 0 &&
           in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

/* ===================================================================== */
/* Finding the runtime                                                   */
/* ===================================================================== */

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* pkg-config's value of `var` for streamc-runtime (malloc'd), or NULL. */
static char *pkg_config_var(const char *var) {
    char cmd[128], line[PATH_MAX];
    snprintf(cmd, sizeof cmd, "pkg-config --variable=%s streamc-runtime 2>/dev/null", var);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char *got = fgets(line, sizeof line, p) ? line : NULL;
    int status = pclose(p);
    if (!got || status != 0)
        return NULL;
    line[strcspn(line, "\n")] = '\0';
    return line[0] ? xstrdup(line) : NULL;
}

/* The runtime as pkg-config knows it (an install elsewhere). */
static bool runtime_from_pkg_config(char **incdir, char **lib) {
    char *inc = pkg_config_var("includedir"), *libdir = pkg_config_var("libdir");
    char *h = inc ? xasprintf("%s/streamrt.h", inc) : NULL, *a = libdir ? xasprintf("%s/libstreamrt.a", libdir) : NULL;
    bool found = h && a && exists(h) && exists(a);
    if (found) {
        *incdir = inc;
        *lib = a;
        inc = a = NULL;
    }
    free(inc), free(libdir), free(h), free(a);
    return found;
}

/* Where streamrt.h and libstreamrt.a are: $STREAMC_RUNTIME (a directory
 * holding both), next to this executable in the build tree, the install
 * layout bin/../include/streamc and bin/../lib, or where pkg-config's
 * streamc-runtime says. */
static bool find_runtime(char **incdir, char **lib) {
    const char *env = getenv("STREAMC_RUNTIME");
    if (env && *env) {
        *incdir = xstrdup(env);
        *lib = xasprintf("%s/libstreamrt.a", env);
        return exists(*lib);
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return runtime_from_pkg_config(incdir, lib);
    self[n] = '\0';
    char *dir = dirname(self);
    char *candidates[][2] = {
        { xasprintf("%s/../runtime", dir), xasprintf("%s/libstreamrt.a", dir) },
        { xasprintf("%s/../include/streamc", dir), xasprintf("%s/../lib/libstreamrt.a", dir) },
    };
    bool found = false;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        char *h = xasprintf("%s/streamrt.h", candidates[i][0]);
        if (!found && exists(h) && exists(candidates[i][1])) {
            *incdir = realpath(candidates[i][0], NULL);
            *lib = realpath(candidates[i][1], NULL);
            found = *incdir && *lib;
        }
        free(h);
        free(candidates[i][0]);
        free(candidates[i][1]);
    }
    return found || runtime_from_pkg_config(incdir, lib);
}

/* ===================================================================== */
/* Running the C compiler                                                */
/* ===================================================================== */

static void push_arg(char ***argv, int *argc, char *arg) {
    *argv = xrealloc(*argv, (size_t)(*argc + 2) * sizeof **argv);
    (*argv)[(*argc)++] = arg;
    (*argv)[*argc] = NULL;
}

/* Split a flags string on blanks (no quoting). */
static void push_words(char ***argv, int *argc, const char *words) {
    char *copy = xstrdup(words), *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        push_arg(argv, argc, xstrdup(w));
    free(copy);
}

/* Flags the runtime was built with that every program linking it needs too
 * (a build with the Makefile's SANITIZE=...); empty for a normal build. */
#ifndef STREAMC_RUNTIME_FLAGS
#define STREAMC_RUNTIME_FLAGS ""
#endif

static int run_cc(const options *o, const char *c_file, const char *output) {
    char *incdir = NULL, *lib = NULL;
    if (!find_runtime(&incdir, &lib)) {
        fprintf(stderr, "streamc: cannot find the runtime (streamrt.h and libstreamrt.a); "
                        "set STREAMC_RUNTIME to the directory that holds them\n");
        return 1;
    }
    const char *cc = o->cc ? o->cc : getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
    char **argv = NULL;
    int argc = 0;
    push_words(&argv, &argc, cc);
    push_words(&argv, &argc, o->cflags ? o->cflags : "-O2");
    push_words(&argv, &argc, STREAMC_RUNTIME_FLAGS);
    push_arg(&argv, &argc, xstrdup("-std=gnu11"));
    push_arg(&argv, &argc, xasprintf("-I%s", incdir));
    if (o->mode == MODE_OBJECT)
        push_arg(&argv, &argc, xstrdup("-c"));
    push_arg(&argv, &argc, xstrdup("-o"));
    push_arg(&argv, &argc, xstrdup(output));
    push_arg(&argv, &argc, xstrdup(c_file));
    if (o->mode != MODE_OBJECT) {
        /* a library no linked object refers to (librdkafka, hiredis in a
         * program without Kafka or Redis) is left out: a faster start */
        push_arg(&argv, &argc, xstrdup("-Wl,--as-needed"));
        push_arg(&argv, &argc, xstrdup(lib));
        push_arg(&argv, &argc, xstrdup("-lpthread"));
        push_arg(&argv, &argc, xstrdup("-lm"));
        push_arg(&argv, &argc, xstrdup("-lrdkafka"));
        push_arg(&argv, &argc, xstrdup("-lhiredis"));
    }
    int status = 1;
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "streamc: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        status = 0;
    else {
        fprintf(stderr, "streamc: the C compiler (%s) failed on the generated code\n", argv[0]);
        status = 1;
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    free(incdir);
    free(lib);
    return status;
}

/* ===================================================================== */
/* Depfiles                                                              */
/* ===================================================================== */

static int write_depfile(const options *o, const char *output) {
    char *path = o->dep_path ? xstrdup(o->dep_path) : xasprintf("%s.d", output);
    const char *target = o->dep_target ? o->dep_target : output;
    if (is_input(o, path)) {
        fprintf(stderr, "streamc: the dependency file %s is the input file; name another with -MF\n", path);
        free(path);
        return 1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "streamc: cannot write %s: %s\n", path, strerror(errno));
        free(path);
        return 1;
    }
    char *incdir = NULL, *lib = NULL;
    fprintf(f, "%s: %s", target, o->input);
    if (o->mode != MODE_C && find_runtime(&incdir, &lib))
        fprintf(f, " %s/streamrt.h%s%s", incdir, o->mode == MODE_EXE ? " " : "",
                o->mode == MODE_EXE ? lib : "");
    fprintf(f, "\n%s:\n", o->input);
    free(incdir);
    free(lib);
    int bad = fclose(f) != 0;
    free(path);
    return bad;
}

/* ===================================================================== */
/* The pass list                                                         */
/* ===================================================================== */

int main(int argc, char **argv) {
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;

    char err[512];
    source *src = source_read(o.input, err, sizeof err);
    if (!src) {
        fprintf(stderr, "streamc: %s\n", err);
        return 1;
    }
    types_init();
    ast_pool *pool = ast_pool_new();
    program prog = { .src = src, .pool = pool };
    int status = 0;

    prog.root = parse_program(src, pool);                     /* parse */
    if (prog.root && o.mode == MODE_DUMP_AST)
        ast_dump(stdout, prog.root);
    if (!prog.root || src->errors || o.mode == MODE_DUMP_AST) {
        status = src->errors ? 1 : 0;
        goto done;
    }
    if (check_program(&prog) || src->errors) {                /* check, build the DAG */
        status = 1;
        goto done;
    }
    if (o.mode == MODE_DUMP_DAG) {
        plan_dag(&prog.dag, false);
        dag_dump_dot(stdout, &prog.dag, "before fusion");
        plan_dag(&prog.dag, true);
        dag_dump_dot(stdout, &prog.dag, "after fusion");
        goto done;
    }
    plan_dag(&prog.dag, o.fuse);                              /* fuse */

    char *output = o.output ? xstrdup(o.output)
                            : default_output(o.input, o.mode == MODE_C ? ".c" : o.mode == MODE_OBJECT ? ".o" : "");
    char c_path[PATH_MAX];
    FILE *c_out;
    if (is_input(&o, output)) {
        fprintf(stderr, "streamc: the output %s is the input file; name another with -o\n", output);
        free(output);
        status = 1;
        goto done;
    }
    if (o.mode == MODE_C) {
        snprintf(c_path, sizeof c_path, "%s", output);
        c_out = strcmp(output, "-") == 0 ? stdout : fopen(output, "w");
    } else {
        const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(c_path, sizeof c_path, "%s/streamc-XXXXXX.c", tmp);
        int fd = mkstemps(c_path, 2);
        c_out = fd >= 0 ? fdopen(fd, "w") : NULL;
    }
    if (!c_out) {
        fprintf(stderr, "streamc: cannot write %s: %s\n", c_path, strerror(errno));
        free(output);
        status = 1;
        goto done;
    }
    emit_options eo = { .line_directives = o.line_directives, .c_name = c_path };
    status = emit_program(&prog, &eo, c_out) ? 1 : 0;         /* emit */
    if (c_out != stdout && fclose(c_out) != 0) {
        fprintf(stderr, "streamc: cannot write %s: %s\n", c_path, strerror(errno));
        status = 1;
    }
    if (!status && o.mode != MODE_C)
        status = run_cc(&o, c_path, output);                  /* cc */
    if (o.mode != MODE_C)
        unlink(c_path);
    if (!status && o.depfile)
        status = write_depfile(&o, output);
    free(output);

done:
    program_free(&prog);
    ast_pool_free(pool);
    source_free(src);
    types_free();
    return status;
}
