/* test_buf.c - the capped buffer's invariants. */
#include <string.h>

#include "arbiusd/buf.h"
#include "unit.h"

START_TEST(test_buf__add_and_cap)
{
    struct buf b = BUF_INIT(10);

    ck_assert_str_eq(b.data, "");
    ck_assert_int_eq(buf_adds(&b, "hello"), 0);
    ck_assert_int_eq(buf_addf(&b, "%d", 1234), 0);
    ck_assert_str_eq(b.data, "hello1234");
    ck_assert_int_eq(buf_adds(&b, "xx"), -1);    /* would be 11 > 10 */
    ck_assert_str_eq(b.data, "hello1234");       /* unchanged */
    ck_assert_int_eq(buf_addf(&b, "%s", "yy"), -1);
    ck_assert_uint_eq(b.len, 9);
    ck_assert_str_eq(b.data, "hello1234");
    ck_assert_int_eq(buf_addch(&b, '!'), 0);
    ck_assert_uint_eq(b.len, 10);
    buf_release(&b);
    ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_buf__addf_grows)
{
    struct buf b = BUF_INIT(1 << 20);
    char big[5000];
    size_t i;

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (i = 0; i < 10; i++)
        ck_assert_int_eq(buf_addf(&b, "%s|", big), 0);
    ck_assert_uint_eq(b.len, 10 * 5000);
    ck_assert_uint_eq(strlen(b.data), b.len);
    buf_release(&b);
}
END_TEST

START_TEST(test_buf__html_escape)
{
    struct buf b = BUF_INIT(1024);
    const char *s = "<script>\"a\"&'b'=`c`</script>";

    ck_assert_int_eq(buf_add_html(&b, s, strlen(s)), 0);
    ck_assert_str_eq(b.data, "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&#61;"
                             "&#96;c&#96;&lt;&#47;script&gt;");
    buf_release(&b);
}
END_TEST

/* NUL and the other C0 controls never reach a page raw: U+FFFD, except
 * tab and newline; the text after a NUL is kept. */
START_TEST(test_buf__html_controls)
{
    struct buf b = BUF_INIT(1024);
    static const char s[] = "a\0b\tc\nd\re\x1b[31mf\x7f";

    ck_assert_int_eq(buf_add_html(&b, s, sizeof(s) - 1), 0);
    ck_assert_uint_eq(b.len, strlen(b.data)); /* no NUL inside */
    ck_assert_str_eq(b.data, "a\xef\xbf\xbd" "b\tc\nd\xef\xbf\xbd" "e"
                             "\xef\xbf\xbd" "[31mf\x7f");
    buf_release(&b);
}
END_TEST

START_TEST(test_buf__take_and_truncate)
{
    struct buf b = BUF_INIT(100);
    size_t len;
    char *p;

    ck_assert_int_eq(buf_adds(&b, "abcdef"), 0);
    buf_truncate(&b, 3);
    ck_assert_str_eq(b.data, "abc");
    p = buf_take(&b, &len);
    ck_assert_str_eq(p, "abc");
    ck_assert_uint_eq(len, 3);
    ck_assert_str_eq(b.data, "");
    free(p);
    p = buf_take(&b, &len); /* empty buffer still gives a string */
    ck_assert_str_eq(p, "");
    free(p);
}
END_TEST

static Suite *buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_buf__add_and_cap);
    tcase_add_test(tc, test_buf__addf_grows);
    tcase_add_test(tc, test_buf__html_escape);
    tcase_add_test(tc, test_buf__html_controls);
    tcase_add_test(tc, test_buf__take_and_truncate);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(buf_suite)
