/* unit.h - how a CUnit suite registers itself.
 *
 * Each tests/unit/test_<module>.c ends with
 *     UNIT_SUITE(arena, { "grows past a chunk", test_grows }, ...)
 * and main.c runs every registered suite. No central list to edit.
 */
#ifndef STREAMC_UNIT_H
#define STREAMC_UNIT_H

#include <CUnit/CUnit.h>

typedef struct unit_case {
    const char *name;
    CU_TestFunc fn;
} unit_case;

void unit_register(const char *suite, const unit_case *cases, int ncases);

#define UNIT_SUITE(NAME, ...)                                                   \
    static const unit_case unit_cases_##NAME[] = { __VA_ARGS__ };               \
    __attribute__((constructor)) static void unit_reg_##NAME(void) {            \
        unit_register(#NAME, unit_cases_##NAME,                                 \
                      (int)(sizeof unit_cases_##NAME / sizeof unit_cases_##NAME[0])); \
    }

#endif
