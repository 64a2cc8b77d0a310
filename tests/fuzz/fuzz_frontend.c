/* fuzz_frontend.c - libFuzzer harness for the front end and the checker.
 *
 * Each input is the contents of a .stream file. It goes through the same
 * passes as `streamc -S` (compiler/main.c): parse, check and build the DAG,
 * fuse, emit the C; all in memory (source_from_string, open_memstream), with
 * no file I/O and no C compiler. Everything is freed before returning, so
 * LeakSanitizer sees every leak. Inputs of even size are planned with
 * fusion, odd ones without (-fno-fuse): both emitters are fuzzed, and a
 * file always takes the same path.
 *
 * The contract checked, besides what the sanitizers check:
 *   - an input that is rejected (parse or check errors, or no tree at all)
 *     has printed at least one diagnostic;
 *   - an accepted input yields C text.
 * A breach calls abort(), which libFuzzer reports as a crash.
 *
 * Built and run by `make fuzz` (docs/fuzzing.md); any file can be replayed
 * with `build/fuzz/fuzz_frontend FILE...`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emit.h"
#include "fuse.h"
#include "parse.h"
#include "types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print why the input broke the contract, then abort (a libFuzzer crash). */
static void breach(const char *what, const char *diag) {
    fprintf(stderr, "fuzz_frontend: %s\n--- diagnostics ---\n%s\n", what, diag ? diag : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *diag = NULL, *c_text = NULL;
    size_t diag_len = 0, c_len = 0;
    FILE *diag_out = open_memstream(&diag, &diag_len);
    if (!diag_out)
        abort();

    types_init();                                             /* as main.c */
    source *src = source_from_string("fuzz.stream", (const char *)data, size);
    src->out = diag_out;
    ast_pool *pool = ast_pool_new();
    program prog = { .src = src, .pool = pool };
    bool rejected = true;

    prog.root = parse_program(src, pool);                     /* parse */
    if (prog.root && !src->errors && !check_program(&prog) && !src->errors) {
        plan_dag(&prog.dag, size % 2 == 0);                   /* fuse */
        FILE *c_out = open_memstream(&c_text, &c_len);
        if (!c_out)
            abort();
        emit_options eo = { .line_directives = true, .c_name = "fuzz.c" };
        rejected = emit_program(&prog, &eo, c_out) != 0;      /* emit */
        fclose(c_out);
        if (!rejected && c_len == 0)
            breach("accepted, but no C was emitted", NULL);
    }
    int errors = src->errors;
    program_free(&prog);
    ast_pool_free(pool);
    source_free(src);
    types_free();
    fclose(diag_out);

    if (rejected && (errors == 0 || diag_len == 0))
        breach("rejected without a diagnostic", diag);
    free(diag);
    free(c_text);
    return 0;
}
