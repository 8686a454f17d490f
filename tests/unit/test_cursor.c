/*
 * test_cursor.c - the gallery's keyset cursor (codec/cursor.c) and the
 * FTS5 query builder of store/images.c.
 */
#include "arbiusd/cursor.h"

#include <math.h>
#include <string.h>

#include "arbiusd/images.h"
#include "unit.h"

START_TEST(test_cursor__roundtrip)
{
    struct cursor in[] = {
        { CURSOR_NEWEST, 0, 0, 0, 0, 0 },
        { CURSOR_OLDEST, 1, 123456789, 42, 0, 0 },
        { CURSOR_UPVOTES, 0, 99, 7, 123456, 0 },
        { CURSOR_RELEVANCE, 1, 5, 3, 0, -0.000001234 },
        { CURSOR_NEWEST, 1, CURSOR_MAX_BLOCK, CURSOR_MAX_LOG_INDEX, 0, 0 },
    };
    char text[CURSOR_TEXT_SIZE];
    struct cursor out;
    size_t i;

    for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        ck_assert_int_eq(cursor_encode(&in[i], text, sizeof(text)), 0);
        ck_assert_uint_le(strlen(text), CURSOR_MAX_TEXT);
        ck_assert(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                               "vwxyz0123456789-_") == strlen(text));
        ck_assert_int_eq(cursor_decode(text, strlen(text), &out), 0);
        ck_assert_int_eq(out.sort, in[i].sort);
        ck_assert_int_eq(out.before, in[i].before);
        ck_assert_int_eq(out.block, in[i].block);
        ck_assert_int_eq(out.log_index, in[i].log_index);
        ck_assert_int_eq(out.upvotes, in[i].upvotes);
        ck_assert(out.rank == in[i].rank);
    }
    /* The layout is the documented one (bench/scale.mjs builds cursors). */
    ck_assert_int_eq(cursor_encode(&in[1], text, sizeof(text)), 0);
    ck_assert_str_eq(text, "AQEBAAAAAAdbzRUAAAAq");
}
END_TEST

START_TEST(test_cursor__rejects)
{
    static const char *const bad[] = {
        "", "A", "AQ", "AQEBAAAAAAdbzRUAAAAq=",      /* padding */
        "AQEBAAAAAAdbzRUAAAA+",                      /* standard alphabet */
        "AQEBAAAAAAdbzRUAAAAqAA",                    /* too long for sort */
        "AgEBAAAAAAdbzRUAAAAq",                      /* version 2 */
        "AQkBAAAAAAdbzRUAAAAq",                      /* sort 9 */
        "AQECAAAAAAdbzRUAAAAq",                      /* direction 2 */
        "AQIAAAAAAAAAYwAAAAc",                       /* upvotes cut short */
        "AQEB____________AAAq",                      /* block too large */
        "AQEBAAAAAAdbzRX_____",                      /* log index too large */
        "AQMBAAAAAAAAAAUAAAADf_AAAAAAAAA",           /* rank +inf */
        "AQMBAAAAAAAAAAUAAAADgAAAAAAAAAA",           /* rank -0 */
        "AQEBAAAAAAdbzRUAAAAq AQ",
        "\xff\xfe",
    };
    struct cursor out, sentinel;
    size_t i;

    memset(&out, 0x5a, sizeof(out));
    memcpy(&sentinel, &out, sizeof(out));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(cursor_decode(bad[i], strlen(bad[i]), &out) == -1,
                      "accepted %s", bad[i]);
        ck_assert(memcmp(&out, &sentinel, sizeof(out)) == 0);
    }
    /* Non-canonical trailing bits: the same bytes spelled differently. */
    {
        struct cursor c = { CURSOR_UPVOTES, 0, 99, 7, 5, 0 };
        char text[CURSOR_TEXT_SIZE];
        size_t n;

        ck_assert_int_eq(cursor_encode(&c, text, sizeof(text)), 0);
        n = strlen(text);
        ck_assert_int_eq(n, 31);
        text[n - 1] = (char)(text[n - 1] + 1);
        ck_assert_int_eq(cursor_decode(text, n, &out), -1);
    }
}
END_TEST

START_TEST(test_cursor__encode_rejects)
{
    struct cursor c = { CURSOR_NEWEST, 0, -1, 0, 0, 0 };
    char text[CURSOR_TEXT_SIZE];

    ck_assert_int_eq(cursor_encode(&c, text, sizeof(text)), -1);
    c.block = 1;
    ck_assert_int_eq(cursor_encode(&c, text, CURSOR_TEXT_SIZE - 1), -1);
    c.sort = 9;
    ck_assert_int_eq(cursor_encode(&c, text, sizeof(text)), -1);
    c.sort = CURSOR_RELEVANCE;
    c.rank = NAN;
    ck_assert_int_eq(cursor_encode(&c, text, sizeof(text)), -1);
}
END_TEST

START_TEST(test_cursor__fts_query)
{
    struct buf b = BUF_INIT(4096);
    char many[64];

    ck_assert_int_eq(images_fts_query("  fox  castle ", &b), 0);
    ck_assert_str_eq(b.data, "\"fox\" \"castle\"");
    ck_assert_int_eq(images_fts_query("a\"b NEAR(x) *", &b), 0);
    ck_assert_str_eq(b.data, "\"a\"\"b\" \"NEAR(x)\" \"*\"");
    ck_assert_int_eq(images_fts_query(" \t\n", &b), -1);
    ck_assert_int_eq(images_fts_query("", &b), -1);
    memset(many, 0, sizeof(many));
    for (size_t i = 0; i < 17; i++)
        memcpy(many + 2 * i, "x ", 2);
    ck_assert_int_eq(images_fts_query(many, &b), -1);
    many[32] = '\0';
    ck_assert_int_eq(images_fts_query(many, &b), 0);
    buf_release(&b);
}
END_TEST

static Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_cursor__roundtrip);
    tcase_add_test(tc, test_cursor__rejects);
    tcase_add_test(tc, test_cursor__encode_rejects);
    tcase_add_test(tc, test_cursor__fts_query);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(cursor_suite)
