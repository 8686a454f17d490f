/*
 * test_fmt.c - unit tests for numbers, amounts and times as people read
 * them (src/web/fmt.c).
 */
#include "arbiusd/fmt.h"

#include <string.h>

#include "unit.h"

/* fmt_aius(wei) must give want. */
static void check_aius(const char *wei, const char *want)
{
    char out[FMT_AIUS_SIZE];

    ck_assert_int_eq(fmt_aius(wei, strlen(wei), out), 0);
    ck_assert_str_eq(out, want);
}

START_TEST(test_fmt__aius_significant_digits)
{
    check_aius("4821000000000000000", "4.821 AIUS");
    check_aius("4821499999999999999", "4.821 AIUS");
    check_aius("4821500000000000000", "4.822 AIUS"); /* half up */
    check_aius("3500000000000000", "0.0035 AIUS");   /* zeros dropped */
    check_aius("1000000000000000000", "1 AIUS");
    check_aius("1862651835185185182", "1.863 AIUS");
    check_aius("9999500000000000000", "10 AIUS"); /* carry */
    check_aius("999950000000000000000", "1,000 AIUS");
    check_aius("1234567000000000000000", "1,235 AIUS");
    check_aius("12345670000000000000000", "12.35k AIUS");
    check_aius("123456700000000000000000", "123.5k AIUS");
    check_aius("1234567000000000000000000", "1.235M AIUS");
    check_aius("999999000000000000000000", "1M AIUS");
    check_aius("1234567000000000000000000000000", "1.235T AIUS");
    check_aius("1234567000000000000000000000000000", "1.235e15 AIUS");
    check_aius("90000000000012", "0.00009 AIUS");
    check_aius("1000000000000", "0.000001 AIUS");
    check_aius("999999999999", "0.000001 AIUS"); /* rounds up to it */
    check_aius("999949999999", "< 0.000001 AIUS");
    check_aius("7", "< 0.000001 AIUS");
    check_aius("0", "0 AIUS");
    check_aius("000", "0 AIUS");
    check_aius("0004821000000000000000", "4.821 AIUS");
}
END_TEST

START_TEST(test_fmt__aius_refuses)
{
    char out[FMT_AIUS_SIZE];
    char big[80];

    ck_assert_int_eq(fmt_aius("", 0, out), -1);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(fmt_aius("12a", 3, out), -1);
    ck_assert_int_eq(fmt_aius("-1", 2, out), -1);
    memset(big, '9', 79);
    ck_assert_int_eq(fmt_aius(big, 79, out), -1);
    ck_assert_int_eq(fmt_aius(big, 78, out), 0);
    ck_assert_str_eq(out, "1.000e60 AIUS");
}
END_TEST

START_TEST(test_fmt__num_and_count)
{
    char n[FMT_NUM_SIZE];
    struct buf b = BUF_INIT(256);

    fmt_num(0, n);
    ck_assert_str_eq(n, "0");
    fmt_num(999, n);
    ck_assert_str_eq(n, "999");
    fmt_num(1000, n);
    ck_assert_str_eq(n, "1,000");
    fmt_num(-1234567, n);
    ck_assert_str_eq(n, "-1,234,567");
    fmt_num(INT64_MIN, n);
    ck_assert_str_eq(n, "-9,223,372,036,854,775,808");
    ck_assert_int_eq(fmt_count(&b, 1, "task", 4), 0);
    ck_assert_int_eq(fmt_count(&b, 0, "task", 4), 0);
    ck_assert_int_eq(fmt_count(&b, 12345, "miner", 5), 0);
    ck_assert_int_eq(fmt_count(&b, 2, "entry", 5), 0);
    ck_assert_int_eq(fmt_count(&b, 2, "day", 3), 0);
    ck_assert_int_eq(fmt_count(&b, 2, "match", 5), 0);
    ck_assert_int_eq(fmt_count(&b, 2, "box", 3), 0);
    ck_assert_int_eq(fmt_count(&b, 1, "entry", 5), 0);
    ck_assert_str_eq(b.data, "1 task0 tasks12,345 miners2 entries2 days"
                             "2 matches2 boxes1 entry");
    buf_release(&b);
}
END_TEST

START_TEST(test_fmt__ago)
{
    const int64_t now = 1800000000;
    char t[FMT_TIME_SIZE];
    static const struct {
        int64_t delta;
        const char *want;
    } cases[] = {
        { 0, "just now" },
        { 44, "just now" },
        { -44, "just now" },
        { 45, "1 min ago" },
        { 125, "2 min ago" },
        { 3599, "59 min ago" },
        { 3600, "1 h ago" },
        { 86399, "23 h ago" },
        { 86400, "1 day ago" },
        { 2 * 86400, "2 days ago" },
        { 29 * 86400, "29 days ago" },
        { 30 * 86400, "1 month ago" },
        { 200 * 86400, "6 months ago" },
        { 365 * 86400, "1 year ago" },
        { 800 * 86400, "2 years ago" },
        { -300, "in 5 min" },
        { -3 * 86400, "in 3 days" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fmt_ago(now - cases[i].delta, now, t);
        ck_assert_msg(strcmp(t, cases[i].want) == 0, "%lld: %s, not %s",
                      (long long)cases[i].delta, t, cases[i].want);
    }
    fmt_utc(1800000000, t);
    ck_assert_str_eq(t, "2027-01-15 08:00:00 UTC");
    fmt_iso(1800000000, t);
    ck_assert_str_eq(t, "2027-01-15T08:00:00Z");
}
END_TEST

START_TEST(test_fmt__duration)
{
    char d[FMT_DUR_SIZE];

    fmt_duration(0, d);
    ck_assert_str_eq(d, "0 s");
    fmt_duration(59, d);
    ck_assert_str_eq(d, "59 s");
    fmt_duration(120, d);
    ck_assert_str_eq(d, "2 min");
    fmt_duration(159, d);
    ck_assert_str_eq(d, "2 min 39 s");
    fmt_duration(3900, d);
    ck_assert_str_eq(d, "1 h 5 min");
    fmt_duration(4 * 86400 + 3 * 3600 + 59, d);
    ck_assert_str_eq(d, "4 d 3 h");
    fmt_duration(-5, d);
    ck_assert_str_eq(d, "0 s");
}
END_TEST

START_TEST(test_fmt__html_filters)
{
    struct buf b = BUF_INIT(1024);
    json_t *t = json_integer(1800000000 - 7200);
    json_t *real = json_real(12.25), *big = json_real(159.6);

    ck_assert_int_eq(fmt_html_time(&b, t, 1800000000), 0);
    ck_assert_str_eq(b.data, "<time datetime=\"2027-01-15T06:00:00Z\" "
                             "title=\"2027-01-15 06:00:00 UTC\" data-ago>2 h "
                             "ago</time>");
    buf_reset(&b);
    ck_assert_int_eq(fmt_html_dur(&b, real), 0);
    ck_assert_int_eq(fmt_html_dur(&b, big), 0);
    ck_assert_str_eq(b.data, "12.2 s2 min 40 s");
    buf_reset(&b);
    /* An exact title for an amount rounded on the page. */
    json_decref(t);
    t = json_string("1862651835185185182");
    ck_assert_int_eq(fmt_html_aius(&b, t), 0);
    ck_assert_str_eq(b.data,
                     "<span class=\"aius\" title=\"1.862651835185185182 "
                     "AIUS\">1.863 AIUS</span>");
    json_decref(t);
    buf_reset(&b);
    t = json_integer(512);
    ck_assert_int_eq(fmt_html_bytes(&b, t), 0);
    json_decref(t);
    t = json_integer(1572864);
    ck_assert_int_eq(fmt_html_bytes(&b, t), 0);
    ck_assert_str_eq(b.data, "512 bytes1.5 MiB");
    json_decref(t);
    json_decref(real);
    json_decref(big);
    buf_release(&b);
}
END_TEST

static Suite *fmt_suite(void)
{
    Suite *s = suite_create("fmt");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_fmt__aius_significant_digits);
    tcase_add_test(tc, test_fmt__aius_refuses);
    tcase_add_test(tc, test_fmt__num_and_count);
    tcase_add_test(tc, test_fmt__ago);
    tcase_add_test(tc, test_fmt__duration);
    tcase_add_test(tc, test_fmt__html_filters);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(fmt_suite)
