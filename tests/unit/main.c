/* main.c - runs every CUnit suite that registered itself (see unit.h).
 * Usage: unit_tests [SUITE...]   (no arguments: all suites) */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"

#define MAX_SUITES 128

static struct {
    const char *name;
    const unit_case *cases;
    int ncases;
} suites[MAX_SUITES];
static int nsuites;

void unit_register(const char *suite, const unit_case *cases, int ncases) {
    if (nsuites == MAX_SUITES) {
        fprintf(stderr, "unit: too many suites\n");
        return;
    }
    suites[nsuites].name = suite;
    suites[nsuites].cases = cases;
    suites[nsuites].ncases = ncases;
    nsuites++;
}

static int wanted(const char *name, int argc, char **argv) {
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv) {
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    for (int s = 0; s < nsuites; s++) {
        if (!wanted(suites[s].name, argc, argv))
            continue;
        CU_pSuite suite = CU_add_suite(suites[s].name, NULL, NULL);
        for (int c = 0; c < suites[s].ncases; c++)
            CU_add_test(suite, suites[s].cases[c].name, suites[s].cases[c].fn);
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
