/* main.c - the streamc driver (temporary: parse and dump only). */
#include <stdio.h>
#include <string.h>
#include "ast.h"
#include "parse.h"
#include "source.h"

int main(int argc, char **argv) {
    const char *path = NULL;
    int dump = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dump-ast") == 0)
            dump = 1;
        else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: streamc [--dump-ast] FILE.stream\n");
        return 64;
    }
    char err[256];
    source *src = source_read(path, err, sizeof err);
    if (!src) {
        fprintf(stderr, "streamc: %s\n", err);
        return 1;
    }
    ast_pool *pool = ast_pool_new();
    ast *prog = parse_program(src, pool);
    if (prog && dump)
        ast_dump(stdout, prog);
    int status = src->errors ? 1 : 0;
    ast_pool_free(pool);
    source_free(src);
    return status;
}
