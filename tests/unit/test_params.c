/* test_params.c - the query-parameter validators: every accepted value,
 * the edges around them, and the 400 messages that name the parameter. */
#include <string.h>

#include "arbiusd/params.h"
#include "unit.h"

#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"

START_TEST(test_params__automine)
{
    const char *msg = NULL;
    int show = 7;

    ck_assert_int_eq(param_automine(NULL, &show, &msg), 0);
    ck_assert_int_eq(show, 0);
    ck_assert_int_eq(param_automine("show", &show, &msg), 0);
    ck_assert_int_eq(show, 1);
    ck_assert_int_eq(param_automine("hide", &show, &msg), 0);
    ck_assert_int_eq(show, 0);
    ck_assert_int_eq(param_automine("SHOW", &show, &msg), -1);
    ck_assert_str_eq(msg, "automine: expected hide or show");
    ck_assert_int_eq(param_automine("", &show, &msg), -1);
    ck_assert_int_eq(param_automine("show ", &show, &msg), -1);
    ck_assert_int_eq(param_automine("1", &show, &msg), -1);
}
END_TEST

START_TEST(test_params__days)
{
    static const struct {
        const char *v;
        int64_t days;
    } ok[] = { { "7", 7 }, { "30", 30 }, { "90", 90 }, { "365", 365 },
               { "all", 0 } };
    static const char *const bad[] = { "", "0", "07", "8", "-7", "7 ",
                                       "ALL", "365.0", "1e2", "30x" };
    const char *msg = NULL;
    int64_t days = -1;
    int given = -1;
    size_t i;

    ck_assert_int_eq(param_days(NULL, &days, &given, &msg), 0);
    ck_assert_int_eq(days, PARAM_DEFAULT_DAYS);
    ck_assert_int_eq(given, 0);
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ck_assert_int_eq(param_days(ok[i].v, &days, &given, &msg), 0);
        ck_assert_int_eq(days, ok[i].days);
        ck_assert_int_eq(given, 1);
    }
    ck_assert_uint_eq(PARAM_DAY_RANGES_N, 5);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        msg = NULL;
        ck_assert_int_eq(param_days(bad[i], &days, &given, &msg), -1);
        ck_assert_str_eq(msg, "days: expected 7, 30, 90, 365 or all");
    }
}
END_TEST

START_TEST(test_params__hex32_and_model)
{
    char out[PARAM_HEX32_SIZE] = "untouched";
    const char *msg = NULL;
    char longer[80];

    ck_assert_int_eq(param_hex32("0x" HEX64, out), 0);
    ck_assert_str_eq(out, "0x00112233445566778899aabbccddeeff"
                          "00112233445566778899aabbccddeeff");
    ck_assert_int_eq(param_hex32("0X" HEX64, out), 0);
    ck_assert_int_eq(out[1], 'x');
    /* One digit short, one too many, a bad digit, no prefix: untouched. */
    memcpy(out, "untouched", 10);
    ck_assert_int_eq(param_hex32("0x" "0112233445566778899aabbccddeeff"
                                 "00112233445566778899AABBCCDDEEFF", out), -1);
    snprintf(longer, sizeof(longer), "0x%s0", HEX64);
    ck_assert_int_eq(param_hex32(longer, out), -1);
    snprintf(longer, sizeof(longer), "0x%.63sg", HEX64);
    ck_assert_int_eq(param_hex32(longer, out), -1);
    ck_assert_int_eq(param_hex32("00" HEX64, out), -1);
    ck_assert_int_eq(param_hex32("", out), -1);
    ck_assert_int_eq(param_hex32(NULL, out), -1);
    ck_assert_str_eq(out, "untouched");

    ck_assert_int_eq(param_model(NULL, out, &msg), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(param_model("", out, &msg), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(param_model("0x" HEX64, out, &msg), 0);
    ck_assert_uint_eq(strlen(out), 66);
    ck_assert_int_eq(param_model("0x12", out, &msg), -1);
    ck_assert_str_eq(msg, "model: expected 0x and 64 hex digits");
}
END_TEST

/* A fixed query for params_dashboard: names and values side by side. */
struct kv {
    const char *const *pairs; /* name, value, ..., NULL */
};

static const char *kv_get(const void *ud, const char *name)
{
    const struct kv *q = ud;
    size_t i;

    for (i = 0; q->pairs[i]; i += 2)
        if (strcmp(q->pairs[i], name) == 0)
            return q->pairs[i + 1];
    return NULL;
}

START_TEST(test_params__dashboard)
{
    static const char *const all[] = { "automine", "show", "days", "all",
                                       "model", "0x" HEX64, "x", "y", NULL };
    static const char *const bad_days[] = { "days", "9", NULL };
    static const char *const bad_model[] = { "model", "zz", NULL };
    static const char *const bad_auto[] = { "automine", "yes", "days", "9",
                                            NULL };
    struct kv q = { all };
    struct dash_params p;
    const char *msg = NULL;

    ck_assert_int_eq(params_dashboard(kv_get, &q, PARAM_DAYS | PARAM_MODEL,
                                      &p, &msg), 0);
    ck_assert_int_eq(p.show_automine, 1);
    ck_assert_int_eq(p.days, 0);
    ck_assert_int_eq(p.days_given, 1);
    ck_assert_uint_eq(strlen(p.model), 66);
    /* Without the flags, days= and model= are ignored. */
    ck_assert_int_eq(params_dashboard(kv_get, &q, 0, &p, &msg), 0);
    ck_assert_int_eq(p.days, PARAM_DEFAULT_DAYS);
    ck_assert_int_eq(p.days_given, 0);
    ck_assert_str_eq(p.model, "");
    q.pairs = bad_days;
    ck_assert_int_eq(params_dashboard(kv_get, &q, 0, &p, &msg), 0);
    ck_assert_int_eq(params_dashboard(kv_get, &q, PARAM_DAYS, &p, &msg), -1);
    ck_assert_str_eq(msg, "days: expected 7, 30, 90, 365 or all");
    q.pairs = bad_model;
    ck_assert_int_eq(params_dashboard(kv_get, &q, PARAM_MODEL, &p, &msg), -1);
    ck_assert_str_eq(msg, "model: expected 0x and 64 hex digits");
    /* The first bad parameter is the one named. */
    q.pairs = bad_auto;
    ck_assert_int_eq(params_dashboard(kv_get, &q, PARAM_DAYS, &p, &msg), -1);
    ck_assert_str_eq(msg, "automine: expected hide or show");
}
END_TEST

static Suite *params_suite(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_params__automine);
    tcase_add_test(tc, test_params__days);
    tcase_add_test(tc, test_params__hex32_and_model);
    tcase_add_test(tc, test_params__dashboard);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(params_suite)
