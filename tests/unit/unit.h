/*
 * unit.h - shared glue for the Check unit tests.
 *
 * Each tests/unit/test_<module>.c builds a Suite and ends with
 * UNIT_MAIN(<module>_suite); the Makefile builds one binary per file.
 * test_data_path() resolves files under tests/data (ARBIUSD_TEST_DATA).
 */
#ifndef ARBIUSD_UNIT_H
#define ARBIUSD_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static inline const char *test_data_path(const char *rel, char *out, size_t n)
{
    const char *base = getenv("ARBIUSD_TEST_DATA");
    snprintf(out, n, "%s/%s", base ? base : "tests/data", rel);
    return out;
}

#define UNIT_MAIN(make_suite)                                          \
    int main(void)                                                     \
    {                                                                  \
        SRunner *sr = srunner_create(make_suite());                    \
        int nf;                                                        \
        srunner_run_all(sr, CK_NORMAL);                                \
        nf = srunner_ntests_failed(sr);                                \
        srunner_free(sr);                                              \
        return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                  \
    }

#endif
