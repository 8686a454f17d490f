/*
 * test_ipfs.c - the IPFS monitor's pure decisions (classification, round
 * status, retry schedule, Content-Range, UTF-8 prefixes, Range header), its
 * config keys, and its SQL on an in-memory database with the real
 * migrations.
 */
#include "arbiusd/ipfs.h"

#include <string.h>

#include "arbiusd/buf.h"
#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/ipfs_store.h"
#include "arbiusd/migrate.h"
#include "unit.h"

START_TEST(test_ipfs__classify)
{
    static const struct {
        enum ipfs_method m;
        enum ipfs_transport tr;
        long http;
        uint64_t lat;
        enum ipfs_result want;
    } cases[] = {
        { IPFS_HEAD, IPFS_TR_DONE, 200, 10, IPFS_OK },
        { IPFS_HEAD, IPFS_TR_DONE, 200, 1000, IPFS_OK },    /* = slow_ms */
        { IPFS_HEAD, IPFS_TR_DONE, 200, 1001, IPFS_SLOW },
        { IPFS_GET, IPFS_TR_DONE, 206, 5, IPFS_OK },
        { IPFS_GET, IPFS_TR_DONE, 206, 5000, IPFS_SLOW },
        { IPFS_GET, IPFS_TR_DONE, 416, 5, IPFS_OK },        /* empty file */
        { IPFS_HEAD, IPFS_TR_DONE, 416, 5, IPFS_ERROR },
        { IPFS_GET, IPFS_TR_DONE, 404, 5, IPFS_MISSING },
        { IPFS_HEAD, IPFS_TR_DONE, 410, 5, IPFS_MISSING },
        { IPFS_GET, IPFS_TR_DONE, 504, 5, IPFS_ERROR },
        { IPFS_GET, IPFS_TR_DONE, 500, 5, IPFS_ERROR },
        { IPFS_HEAD, IPFS_TR_DONE, 405, 5, IPFS_ERROR },
        { IPFS_GET, IPFS_TR_DONE, 302, 5, IPFS_ERROR },
        { IPFS_GET, IPFS_TR_DONE, 400, 5, IPFS_ERROR },
        { IPFS_GET, IPFS_TR_TIMEOUT, 0, 20000, IPFS_TIMEOUT },
        { IPFS_GET, IPFS_TR_TIMEOUT, 200, 20000, IPFS_TIMEOUT },
        { IPFS_HEAD, IPFS_TR_FAILED, 0, 1, IPFS_ERROR },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++)
        ck_assert_msg(ipfs_classify(cases[i].m, cases[i].tr, cases[i].http,
                                    cases[i].lat, 1000) == cases[i].want,
                      "case %zu", i);
    ck_assert(ipfs_head_unsupported(405));
    ck_assert(ipfs_head_unsupported(501));
    ck_assert(!ipfs_head_unsupported(404));
    ck_assert_str_eq(ipfs_result_name(IPFS_TIMEOUT), "timeout");
    ck_assert_str_eq(ipfs_status_name(IPFS_ST_PENDING), "pending");
    ck_assert_str_eq(ipfs_method_name(IPFS_GET), "GET");
}
END_TEST

START_TEST(test_ipfs__round_status)
{
    static const struct {
        enum ipfs_result r[3];
        size_t n;
        enum ipfs_status want;
    } cases[] = {
        { { IPFS_OK }, 1, IPFS_ST_OK },
        { { IPFS_MISSING, IPFS_OK }, 2, IPFS_ST_OK },
        { { IPFS_SLOW, IPFS_OK }, 2, IPFS_ST_OK },
        { { IPFS_SLOW, IPFS_MISSING }, 2, IPFS_ST_SLOW },
        { { IPFS_ERROR, IPFS_SLOW }, 2, IPFS_ST_SLOW },
        { { IPFS_MISSING, IPFS_MISSING }, 2, IPFS_ST_MISSING },
        { { IPFS_TIMEOUT, IPFS_ERROR }, 2, IPFS_ST_MISSING },
        { { IPFS_ERROR, IPFS_MISSING, IPFS_ERROR }, 3, IPFS_ST_MISSING },
        { { IPFS_ERROR, IPFS_ERROR }, 2, IPFS_ST_ERROR },
        { { IPFS_TIMEOUT }, 1, IPFS_ST_MISSING },
        { { IPFS_OK }, 0, IPFS_ST_PENDING },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++)
        ck_assert_msg(ipfs_round_status(cases[i].r, cases[i].n) ==
                          cases[i].want, "case %zu", i);
}
END_TEST

START_TEST(test_ipfs__schedule)
{
    static const uint64_t s[] = { 60, 300, 1800, 7200, 21600, 86400 };
    uint64_t a;

    /* Round k (1-based) failed: wait s[k-1]; after the last, give up. */
    for (a = 1; a <= 6; a++) {
        ck_assert_int_eq(ipfs_next_delay(s, 6, a, IPFS_ST_MISSING),
                         (int64_t)s[a - 1]);
        ck_assert_int_eq(ipfs_next_delay(s, 6, a, IPFS_ST_ERROR),
                         (int64_t)s[a - 1]);
    }
    ck_assert_int_eq(ipfs_next_delay(s, 6, 7, IPFS_ST_MISSING), -1);
    ck_assert_int_eq(ipfs_next_delay(s, 6, 100, IPFS_ST_ERROR), -1);
    ck_assert_int_eq(ipfs_next_delay(s, 6, 0, IPFS_ST_MISSING), -1);
    /* Served CIDs are never rescheduled. */
    ck_assert_int_eq(ipfs_next_delay(s, 6, 1, IPFS_ST_OK), -1);
    ck_assert_int_eq(ipfs_next_delay(s, 6, 1, IPFS_ST_SLOW), -1);
    ck_assert_int_eq(ipfs_next_delay(s, 6, 1, IPFS_ST_PENDING), -1);
    /* An empty schedule: one check only. */
    ck_assert_int_eq(ipfs_next_delay(s, 0, 1, IPFS_ST_MISSING), -1);
}
END_TEST

START_TEST(test_ipfs__content_range)
{
    static const struct {
        const char *v;
        int ok;
        int64_t total;
    } cases[] = {
        { "bytes 0-1023/146515", 0, 146515 },
        { "bytes 0-79/80", 0, 80 },
        { "bytes */0", 0, 0 },
        { "bytes */4711\r\n", 0, 4711 },
        { "  bytes 10-20/21", 0, 21 },
        { "bytes 0-1023/*", -1, 0 },
        { "bytes 5-3/10", -1, 0 },
        { "bytes 0-1/", -1, 0 },
        { "items 0-1/2", -1, 0 },
        { "bytes 0-1/2x", -1, 0 },
        { "bytes -1/2", -1, 0 },
        { "bytes 0-1/99999999999999999999999", -1, 0 },
        { "", -1, 0 },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        int64_t t = -7;
        int r = ipfs_parse_content_range(cases[i].v, strlen(cases[i].v), &t);

        ck_assert_msg(r == cases[i].ok, "case %zu: %s", i, cases[i].v);
        ck_assert_int_eq(t, cases[i].ok == 0 ? cases[i].total : -7);
    }
}
END_TEST

START_TEST(test_ipfs__utf8_prefix)
{
    size_t keep = 99;
    const char *moon = "moon \xf0\x9f\x8c\x95!";  /* U+1F315 */

    ck_assert_int_eq(ipfs_utf8_prefix("hello", 5, false, &keep), 0);
    ck_assert_uint_eq(keep, 5);
    ck_assert_int_eq(ipfs_utf8_prefix(moon, strlen(moon), false, &keep), 0);
    ck_assert_uint_eq(keep, strlen(moon));
    /* A range that cut the emoji after 1, 2 or 3 of its 4 bytes. */
    ck_assert_int_eq(ipfs_utf8_prefix(moon, 6, true, &keep), 0);
    ck_assert_uint_eq(keep, 5);
    ck_assert_int_eq(ipfs_utf8_prefix(moon, 7, true, &keep), 0);
    ck_assert_uint_eq(keep, 5);
    ck_assert_int_eq(ipfs_utf8_prefix(moon, 8, true, &keep), 0);
    ck_assert_uint_eq(keep, 5);
    ck_assert_int_eq(ipfs_utf8_prefix(moon, 9, true, &keep), 0);
    ck_assert_uint_eq(keep, 9);
    /* ... but a complete file that ends mid-sequence is not text. */
    ck_assert_int_eq(ipfs_utf8_prefix(moon, 7, false, &keep), -1);
    /* Binary, overlong, surrogates, NUL, above U+10FFFF. */
    ck_assert_int_eq(ipfs_utf8_prefix("\x89PNG\r\n", 6, false, &keep), -1);
    ck_assert_int_eq(ipfs_utf8_prefix("\xc0\xaf", 2, false, &keep), -1);
    ck_assert_int_eq(ipfs_utf8_prefix("\xe0\x80\xaf", 3, false, &keep), -1);
    ck_assert_int_eq(ipfs_utf8_prefix("\xed\xa0\x80", 3, false, &keep), -1);
    ck_assert_int_eq(ipfs_utf8_prefix("a\0b", 3, false, &keep), -1);
    ck_assert_int_eq(ipfs_utf8_prefix("\xf4\x90\x80\x80", 4, false, &keep),
                     -1);
    ck_assert_int_eq(ipfs_utf8_prefix("", 0, false, &keep), 0);
    ck_assert_uint_eq(keep, 0);
    /* Truncation never hides garbage before the cut. */
    ck_assert_int_eq(ipfs_utf8_prefix("\xff" "abc\xe2\x82", 6, true, &keep),
                     -1);
}
END_TEST

START_TEST(test_ipfs__range_header)
{
    struct buf b = BUF_INIT(64);

    ck_assert_int_eq(ipfs_range_header(&b, 4096), 0);
    ck_assert_str_eq(b.data, "bytes=0-4095");
    buf_reset(&b);
    ck_assert_int_eq(ipfs_range_header(&b, 1), 0);
    ck_assert_str_eq(b.data, "bytes=0-0");
    buf_reset(&b);
    ck_assert_int_eq(ipfs_range_header(&b, 0), -1);
    buf_release(&b);
}
END_TEST

START_TEST(test_ipfs__config_keys)
{
    static const struct {
        const char *key, *value;
        int ok;
    } cases[] = {
        { "retry", "60,300,1800", 0 },
        { "retry", " 5 , 5, 9 ", 0 },
        { "retry", "", 0 },
        { "retry", "60,30", -1 },
        { "retry", "0", -1 },
        { "retry", "1,,2", -1 },
        { "retry", "1,2,", -1 },
        { "retry", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", -1 },
        { "retry", "31536001", -1 },
        { "monitor", "off", 0 },
        { "monitor", "yes", 0 },
        { "monitor", "2", -1 },
        { "slow_ms", "0", -1 },
        { "range_bytes", "1048577", -1 },
        { "bandwidth", "0", 0 },
        { "interval", "0", -1 },
    };
    struct config c;
    char err[256];
    size_t i;

    config_init_defaults(&c);
    ck_assert_int_eq(c.ipfs_monitor, 1);
    ck_assert_uint_eq(c.ipfs_retry.n, 6);
    ck_assert_uint_eq(c.ipfs_retry.v[5], 86400);
    for (i = 0; i < ARRAY_SIZE(cases); i++)
        ck_assert_msg(config_set(&c, "ipfs", cases[i].key, cases[i].value,
                                 err, sizeof(err)) == cases[i].ok,
                      "%s = %s", cases[i].key, cases[i].value);
    ck_assert_int_eq(config_set(&c, "ipfs", "retry", " 5 , 5, 9 ", err,
                                sizeof(err)), 0);
    ck_assert_uint_eq(c.ipfs_retry.n, 3);
    ck_assert_uint_eq(c.ipfs_retry.v[2], 9);
    ck_assert_int_eq(config_set(&c, "ipfs", "retry", "60,30", err,
                                sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "must not decrease"));
    ck_assert_uint_eq(c.ipfs_retry.n, 3);   /* unchanged on error */
    config_release(&c);
}
END_TEST

/* ---- SQL ---- */

static struct db *fresh_db(void)
{
    struct db *db = NULL;

    ck_assert_int_eq(db_open(":memory:", DB_READWRITE, 1000, &db), 0);
    ck_assert_int_eq(migrate_apply(db, NULL, NULL, 0), 0);
    ck_assert_int_eq(db_exec(db,
        "INSERT INTO models (id, output_file, output_type) VALUES "
        "('img', 'out-1.png', 'image'), ('txt', 'out-1.txt', 'text');"
        "INSERT INTO tasks (id, model, fee, fee_aius, owner, sender, block, "
        "log_index, tx, time) VALUES "
        "('t1', 'img', '0', 0, 'o', 'o', 1, 0, 'x', 0),"
        "('t2', 'txt', '0', 0, 'o', 'o', 1, 1, 'x', 0),"
        "('t3', 'nomodel', '0', 0, 'o', 'o', 1, 2, 'x', 0),"
        "('t4', 'img', '0', 0, 'o', 'o', 1, 3, 'x', 0);"
        "INSERT INTO solutions (task, validator, cid_text, block, log_index, "
        "tx, time) VALUES ('t1', 'v', 'QmA', 2, 0, 'y', 0),"
        "('t2', 'v', 'QmB', 2, 1, 'y', 0), ('t3', 'v', 'QmC', 2, 2, 'y', 0),"
        "('t4', 'v', NULL, 2, 3, 'y', 0);"), 0);
    return db;
}

START_TEST(test_ipfs__store_discover_due_rounds)
{
    struct db *db = fresh_db();
    struct ipfs_due due[8];
    struct ipfs_check_row chk[2];
    struct ipfs_round_row round;
    int64_t nc = INT64_MIN, row = 0, next = 0;
    uint64_t added = 0, n64 = 0;
    json_t *counts = NULL;
    size_t n = 0, i;

    ck_assert_int_eq(ipfs_store_discover(db, 0, 100, 1000, &added), 0);
    ck_assert_uint_eq(added, 3);
    ck_assert_int_eq(ipfs_store_discover(db, 0, 100, 1000, &added), 0);
    ck_assert_uint_eq(added, 0);   /* idempotent */
    ck_assert_int_eq(ipfs_store_due_count(db, 0, 999, &n64), 0);
    ck_assert_uint_eq(n64, 0);     /* due from first_seen on */
    ck_assert_int_eq(ipfs_store_due(db, 0, 1000, &nc, &row, due, 2, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(due[0].cid, "QmA");
    ck_assert_str_eq(due[0].path, "out-1.png");
    ck_assert(!due[0].is_text);
    ck_assert_str_eq(due[1].cid, "QmB");
    ck_assert_str_eq(due[1].path, "out-1.txt");
    ck_assert(due[1].is_text);
    for (i = 0; i < n; i++)
        ipfs_due_release(&due[i]);
    /* The keyset moves on: the third, then nothing. */
    ck_assert_int_eq(ipfs_store_due(db, 0, 1000, &nc, &row, due, 2, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(due[0].cid, "QmC");
    ck_assert_str_eq(due[0].path, "");   /* unknown model: the directory */
    ck_assert(!due[0].is_text);
    ipfs_due_release(&due[0]);
    ck_assert_int_eq(ipfs_store_due(db, 0, 1000, &nc, &row, due, 2, &n), 0);
    ck_assert_uint_eq(n, 0);

    /* A missing round on QmB: due again at 1003, checks recorded. */
    memset(chk, 0, sizeof(chk));
    chk[0].gateway = "http://a";
    chk[0].time = 1000;
    chk[0].method = IPFS_HEAD;
    chk[0].http_status = 404;
    chk[0].result = IPFS_MISSING;
    chk[0].bytes = 0;
    chk[1] = chk[0];
    chk[1].gateway = "http://b";
    chk[1].http_status = 0;
    chk[1].result = IPFS_TIMEOUT;
    chk[1].error = "Operation timed out";
    memset(&round, 0, sizeof(round));
    round.cid = "QmB";
    round.status = IPFS_ST_MISSING;
    round.last_check = 1000;
    round.next_check = 1003;
    round.attempts = 1;
    round.latency_ms = -1;
    round.size = -1;
    round.checks = chk;
    round.nchecks = 2;
    ck_assert_int_eq(ipfs_store_rounds(db, &round, 1), 0);
    ck_assert_int_eq(ipfs_store_next_due(db, &next), 0);
    ck_assert_int_eq(next, 1000);   /* QmA and QmC still pending */
    ck_assert_int_eq(ipfs_store_due_count(db, 0, 1002, &n64), 0);
    ck_assert_uint_eq(n64, 2);
    ck_assert_int_eq(ipfs_store_due_count(db, 0, 1003, &n64), 0);
    ck_assert_uint_eq(n64, 3);
    ck_assert_int_eq(ipfs_store_due_count(db, 1, 0, &n64), 0);
    ck_assert_uint_eq(n64, 3);

    /* Then ok with text; a later round without text keeps it. */
    round.status = IPFS_ST_OK;
    round.next_check = -1;
    round.attempts = 2;
    round.ok_gateways = 1;
    round.latency_ms = 12;
    round.content_type = "text/plain";
    round.size = 5;
    round.text = "hello";
    round.text_len = 5;
    round.nchecks = 0;
    ck_assert_int_eq(ipfs_store_rounds(db, &round, 1), 0);
    round.text = NULL;
    round.attempts = 3;
    ck_assert_int_eq(ipfs_store_rounds(db, &round, 1), 0);

    ck_assert_int_eq(ipfs_counts_json(db, &counts), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(
        json_object_get(counts, "cids"), "pending")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(
        json_object_get(counts, "cids"), "ok")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(
        json_object_get(counts, "cids"), "total")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(
        json_object_get(json_object_get(counts, "checks"), "recent"),
        "timeout")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(
        json_object_get(json_object_get(counts, "checks"), "recent"),
        "slow")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(
        json_object_get(counts, "checks"), "total")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(
        json_object_get(counts, "checks"), "window")), IPFS_COUNTS_WINDOW);
    ck_assert_int_eq(json_integer_value(json_object_get(counts,
                                                        "last_check")), 1000);
    {
        json_t *g = json_object_get(json_object_get(counts, "checks"),
                                    "gateways");

        ck_assert_uint_eq(json_object_size(g), 2);
        ck_assert_int_eq(json_integer_value(json_object_get(
            json_object_get(g, "http://a"), "missing")), 1);
        ck_assert_int_eq(json_integer_value(json_object_get(
            json_object_get(g, "http://b"), "timeout")), 1);
        ck_assert_int_eq(json_integer_value(json_object_get(
            json_object_get(g, "http://b"), "total")), 1);
    }
    json_decref(counts);
    {
        sqlite3_stmt *st;

        ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite(db),
            "SELECT text, attempts, next_check IS NULL FROM ipfs_cids "
            "WHERE cid = 'QmB'", -1, &st, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
        ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "hello");
        ck_assert_int_eq(sqlite3_column_int(st, 1), 3);
        ck_assert_int_eq(sqlite3_column_int(st, 2), 1);
        sqlite3_finalize(st);
    }
    /* every CID, by rowid, for --recheck */
    nc = INT64_MIN;
    row = 0;
    ck_assert_int_eq(ipfs_store_due(db, 1, 0, &nc, &row, due, 8, &n), 0);
    ck_assert_uint_eq(n, 3);
    for (i = 0; i < n; i++)
        ipfs_due_release(&due[i]);
    db_close(db);
}
END_TEST

START_TEST(test_ipfs__due_uses_index)
{
    struct db *db = fresh_db();
    sqlite3_stmt *st;
    int uses = 0;

    /* The due query must walk the partial index, not the table. */
    ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite(db),
        "EXPLAIN QUERY PLAN SELECT c.rowid FROM ipfs_cids c "
        "WHERE c.next_check <= 5 AND (c.next_check, c.rowid) > (1, 2) "
        "ORDER BY c.next_check, c.rowid LIMIT 64", -1, &st, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        if (strstr((const char *)sqlite3_column_text(st, 3), "ipfs_cids_due"))
            uses = 1;
    sqlite3_finalize(st);
    ck_assert(uses);
    db_close(db);
}
END_TEST

static Suite *ipfs_suite(void)
{
    Suite *s = suite_create("ipfs");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_ipfs__classify);
    tcase_add_test(tc, test_ipfs__round_status);
    tcase_add_test(tc, test_ipfs__schedule);
    tcase_add_test(tc, test_ipfs__content_range);
    tcase_add_test(tc, test_ipfs__utf8_prefix);
    tcase_add_test(tc, test_ipfs__range_header);
    tcase_add_test(tc, test_ipfs__config_keys);
    tcase_add_test(tc, test_ipfs__store_discover_due_rounds);
    tcase_add_test(tc, test_ipfs__due_uses_index);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(ipfs_suite)
