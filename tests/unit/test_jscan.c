/*
 * test_jscan.c - the in-place JSON scanner: what it accepts is exactly
 * what jansson accepts (ASCII texts), and walking a document reads it.
 */
#include "arbiusd/jscan.h"

#include <jansson.h>
#include <string.h>

#include "unit.h"

static int skips(const char *t)
{
    struct jscan s;

    jscan_init(&s, t, strlen(t));
    return jscan_skip(&s) == 0 && jscan_end(&s) == 0;
}

static int jansson_ok(const char *t)
{
    json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);

    json_decref(j);
    return j != NULL;
}

/* Valid and invalid texts, each judged as jansson judges it. */
START_TEST(test_jscan__agrees_with_jansson)
{
    static const char *const texts[] = {
        "0",
        "-0",
        "12",
        "-1.5e+3",
        "1E9",
        "0.25",
        "true",
        "false",
        "null",
        "\"\"",
        "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\"",
        "[]",
        "{}",
        " [ 1 , 2 , [ ] , { } ] ",
        "{\"a\":{\"b\":[1,{\"c\":null}]}}",
        "[\"x\",true,false,null,-3]",
        /* invalid */
        "",
        " ",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        "tru",
        "nul",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{a:1}",
        "\"\\x\"",
        "\"\\u12\"",
        "\"abc",
        "[1",
        "1]",
        "{\"a\":1",
        "[1][2]",
        "\"a\tb\"",
        "[\"a\" \"b\"]",
        "{,}",
        "{\"a\" 1}",
        "[-]",
        "--1",
    };
    size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        ck_assert_msg(skips(texts[i]) == jansson_ok(texts[i]), "text %zu: %s",
                      i, texts[i]);
}
END_TEST

START_TEST(test_jscan__walk)
{
    static const char t[] =
        "{\"id\": 7, \"list\": [\"a\", \"b\\n\"], \"ok\": true, \"n\": null}";
    struct jscan s;
    const char *k, *v;
    size_t kl, vl;
    int r, b, esc, items = 0;

    jscan_init(&s, t, sizeof(t) - 1);
    ck_assert_int_eq(jscan_enter(&s, '{'), 0);
    while ((r = jscan_more(&s, '}')) == 1) {
        ck_assert_int_eq(jscan_key(&s, &k, &kl), 0);
        if (kl == 4 && memcmp(k, "list", 4) == 0) {
            ck_assert_int_eq(jscan_enter(&s, '['), 0);
            while (jscan_more(&s, ']') == 1) {
                ck_assert_int_eq(jscan_string(&s, &v, &vl, &esc), 0);
                ck_assert_int_eq(esc, items == 1);
                items++;
            }
        } else if (kl == 2 && memcmp(k, "ok", 2) == 0) {
            ck_assert_int_eq(jscan_bool(&s, &b), 0);
            ck_assert_int_eq(b, 1);
        } else if (kl == 1 && k[0] == 'n') {
            ck_assert_int_eq(jscan_null(&s), 1);
        } else {
            ck_assert_int_eq(jscan_skip(&s), 0);
        }
    }
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(items, 2);
    ck_assert_int_eq(jscan_end(&s), 0);
    /* A string where an object is expected fails, and stays failed. */
    jscan_init(&s, "\"x\"", 3);
    ck_assert_int_eq(jscan_enter(&s, '{'), -1);
    ck_assert_int_eq(jscan_skip(&s), -1);
}
END_TEST

/* Nesting past JSCAN_MAX_DEPTH is refused, not recursed into. */
START_TEST(test_jscan__depth)
{
    char t[2 * (JSCAN_MAX_DEPTH + 2) + 1];
    size_t i, n = JSCAN_MAX_DEPTH + 1;

    for (i = 0; i < n; i++) {
        t[i] = '[';
        t[n + i] = ']';
    }
    t[2 * n] = '\0';
    ck_assert(!skips(t));
    t[n - 1] = ' ';
    t[n] = ' ';
    ck_assert(skips(t));
}
END_TEST

static Suite *jscan_suite(void)
{
    Suite *s = suite_create("jscan");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_jscan__agrees_with_jansson);
    tcase_add_test(tc, test_jscan__walk);
    tcase_add_test(tc, test_jscan__depth);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(jscan_suite)
