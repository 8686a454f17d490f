/*
 * test_chart.c - unit tests for the SVG charts (src/web/chart.c).
 */
#include "../../src/web/chart.c"

#include <string.h>

#include "unit.h"

/* Occurrences of needle in hay. */
static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    const char *p = hay;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += strlen(needle);
    }
    return n;
}

START_TEST(test_chart__nice_step)
{
    ck_assert_int_eq(nice_step(1), 1);
    ck_assert_int_eq(nice_step(3), 5);
    ck_assert_int_eq(nice_step(6), 10);
    ck_assert_int_eq(nice_step(11), 20);
    ck_assert_int_eq(nice_step(2001), 5000);
    ck_assert_int_eq(nice_step(INT64_MAX), INT64_MAX);
}
END_TEST

START_TEST(test_chart__day_text)
{
    char b[32];

    chart_day_text(0, b, sizeof(b));
    ck_assert_str_eq(b, "1970-01-01");
    chart_day_text(20415, b, sizeof(b));
    ck_assert_str_eq(b, "2025-11-23");
}
END_TEST

START_TEST(test_chart__bars)
{
    struct chart_point p[3] = { { 20415, 0 }, { 20416, 7 }, { 20417, 2 } };
    struct buf b = BUF_INIT(1 << 20);

    ck_assert_int_eq(chart_svg(&b, CHART_BARS, "c1", "Images <per> day",
                               "images", p, 3), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "<svg class=\"chart\""));
    ck_assert_ptr_nonnull(strstr(b.data, "aria-labelledby=\"c1-t c1-d\""));
    ck_assert_ptr_nonnull(strstr(b.data, "Images &lt;per&gt; day"));
    ck_assert_uint_eq(count(b.data, "class=\"chart-bar\""), 3);
    ck_assert_ptr_nonnull(
        strstr(b.data, "<title>2025-11-24: 7 images</title>"));
    ck_assert_ptr_nonnull(strstr(b.data, "highest 7, last 2."));
    ck_assert_uint_eq(count(b.data, "<svg"), 1);
    ck_assert_uint_eq(count(b.data, "</svg>"), 1);
    buf_release(&b);
}
END_TEST

START_TEST(test_chart__line_and_empty)
{
    struct chart_point p[2] = { { 1, 5 }, { 2, 9 } };
    struct buf b = BUF_INIT(1 << 20);

    ck_assert_int_eq(chart_svg(&b, CHART_LINE, "c2", "t", "images", p, 2), 0);
    ck_assert_uint_eq(count(b.data, "<polyline"), 1);
    ck_assert_uint_eq(count(b.data, "<circle"), 2);
    buf_reset(&b);
    ck_assert_int_eq(chart_svg(&b, CHART_LINE, "c3", "t", "images", p, 0), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "No data."));
    buf_release(&b);
}
END_TEST

START_TEST(test_chart__cap)
{
    struct chart_point p[200];
    struct buf b = BUF_INIT(512);
    size_t i;

    for (i = 0; i < 200; i++) {
        p[i].day = (int64_t)i;
        p[i].value = (int64_t)i;
    }
    ck_assert_int_eq(chart_svg(&b, CHART_BARS, "c", "t", "images", p, 200), -1);
    ck_assert_uint_le(b.len, 512);
    buf_release(&b);
}
END_TEST

static Suite *chart_suite(void)
{
    Suite *s = suite_create("chart");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_chart__nice_step);
    tcase_add_test(tc, test_chart__day_text);
    tcase_add_test(tc, test_chart__bars);
    tcase_add_test(tc, test_chart__line_and_empty);
    tcase_add_test(tc, test_chart__cap);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(chart_suite)
