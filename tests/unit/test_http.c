/*
 * test_http.c - the HTTP server's pure helpers: Accept-Encoding parsing,
 * gzip, IP parsing, the token-bucket rate limiter, Prometheus label
 * escaping; monitor.c's figures on a real (in-memory) schema; and a
 * read-only server's reopening of a database file swapped under it.
 */
#include "../../src/web/http.c"

#include <zlib.h>

#include "arbiusd/ipfs_store.h"
#include "arbiusd/migrate.h"
#include "arbiusd/status.h"
#include "unit.h"

START_TEST(test_http__accepts_gzip)
{
    ck_assert_int_eq(accepts_gzip(NULL), 0);
    ck_assert_int_eq(accepts_gzip(""), 0);
    ck_assert_int_eq(accepts_gzip("gzip"), 1);
    ck_assert_int_eq(accepts_gzip("deflate, gzip;q=0.5, br"), 1);
    ck_assert_int_eq(accepts_gzip("GZip"), 1);
    ck_assert_int_eq(accepts_gzip("gzip;q=0"), 0);
    ck_assert_int_eq(accepts_gzip("gzip; q=0.0, identity"), 0);
    ck_assert_int_eq(accepts_gzip("identity"), 0);
    ck_assert_int_eq(accepts_gzip("*"), 1);
    ck_assert_int_eq(accepts_gzip("x-gzip"), 0);
    ck_assert_int_eq(accepts_gzip("br, deflate"), 0);
}
END_TEST

START_TEST(test_http__gzip_roundtrip)
{
    char in[4096], back[4096];
    unsigned char *gz = NULL;
    size_t gzlen = 0, i;
    z_stream z;

    for (i = 0; i < sizeof(in); i++)
        in[i] = "abcabcabd"[i % 9];
    ck_assert_int_eq(gzip_bytes(in, sizeof(in), 6, &gz, &gzlen), 0);
    ck_assert_uint_lt(gzlen, sizeof(in));
    ck_assert_uint_eq(gz[0], 0x1f);
    ck_assert_uint_eq(gz[1], 0x8b);
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = gz;
    z.avail_in = (uInt)gzlen;
    z.next_out = (unsigned char *)back;
    z.avail_out = sizeof(back);
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(z.total_out, sizeof(in));
    inflateEnd(&z);
    ck_assert_int_eq(memcmp(in, back, sizeof(in)), 0);
    free(gz);
    /* Incompressible input is refused (sent as it is). */
    for (i = 0; i < 64; i++)
        in[i] = (char)(i * 97 + 13);
    ck_assert_int_eq(gzip_bytes(in, 64, 6, &gz, &gzlen), -1);
}
END_TEST

START_TEST(test_http__ip_parse_format)
{
    uint8_t a[16], b[16];
    char s[INET6_ADDRSTRLEN];

    ck_assert_int_eq(ip_parse("10.1.2.3", a), 0);
    ck_assert_int_eq(ip_parse("::ffff:10.1.2.3", b), 0);
    ck_assert_int_eq(memcmp(a, b, 16), 0);
    ip_format(a, s, sizeof(s));
    ck_assert_str_eq(s, "10.1.2.3");
    ck_assert_int_eq(ip_parse("2001:db8::1", a), 0);
    ip_format(a, s, sizeof(s));
    ck_assert_str_eq(s, "2001:db8::1");
    ck_assert_int_eq(ip_parse("10.1.2", a), -1);
    ck_assert_int_eq(ip_parse("example.com", a), -1);
    ck_assert_int_eq(ip_parse("", a), -1);
}
END_TEST

START_TEST(test_http__token_bucket)
{
    struct http_server srv;
    uint8_t ip[16], other[16];
    size_t i;
    unsigned w;

    memset(&srv, 0, sizeof(srv));
    srv.rl = xcalloc(RL_SHARDS, sizeof(*srv.rl));
    for (i = 0; i < RL_SHARDS; i++)
        pthread_mutex_init(&srv.rl[i].mu, NULL);
    srv.rates[RL_API].rate = 2;
    srv.rates[RL_API].burst = 3;
    ck_assert_int_eq(ip_parse("192.0.2.1", ip), 0);
    ck_assert_int_eq(ip_parse("192.0.2.2", other), 0);
    /* The burst, then refusals with a wait of at least one second. */
    for (i = 0; i < 3; i++)
        ck_assert_uint_eq(rl_take(&srv, ip, RL_API), 0);
    w = rl_take(&srv, ip, RL_API);
    ck_assert_uint_ge(w, 1);
    ck_assert_uint_le(w, 1);
    /* Another address and another class are independent; an unlimited
     * class never refuses. */
    ck_assert_uint_eq(rl_take(&srv, other, RL_API), 0);
    for (i = 0; i < 100; i++)
        ck_assert_uint_eq(rl_take(&srv, ip, RL_PAGE), 0);
    /* Refilled at `rate` per second. */
    usleep(600 * 1000);
    ck_assert_uint_eq(rl_take(&srv, ip, RL_API), 0);
    ck_assert_uint_ge(rl_take(&srv, ip, RL_API), 1);
    for (i = 0; i < RL_SHARDS; i++)
        pthread_mutex_destroy(&srv.rl[i].mu);
    free(srv.rl);
}
END_TEST

START_TEST(test_http__token_bucket_table_is_bounded)
{
    struct http_server srv;
    uint8_t ip[16];
    size_t i;

    memset(&srv, 0, sizeof(srv));
    srv.rl = xcalloc(RL_SHARDS, sizeof(*srv.rl));
    for (i = 0; i < RL_SHARDS; i++)
        pthread_mutex_init(&srv.rl[i].mu, NULL);
    srv.rates[RL_PAGE].rate = 1;
    srv.rates[RL_PAGE].burst = 1;
    /* Far more clients than entries: every first request is allowed (an
     * evicted client restarts with a full bucket), memory stays fixed. */
    memset(ip, 0, sizeof(ip));
    for (i = 0; i < 200000; i++) {
        memcpy(ip + 12, &i, 4);
        ck_assert_uint_eq(rl_take(&srv, ip, RL_PAGE), 0);
    }
    for (i = 0; i < RL_SHARDS; i++)
        pthread_mutex_destroy(&srv.rl[i].mu);
    free(srv.rl);
}
END_TEST

START_TEST(test_http__prom_label_and_class)
{
    struct buf b = BUF_INIT(1024);

    ck_assert_int_eq(http_prom_label(&b, "a\"b\\c\nd"), 0);
    ck_assert_str_eq(b.data, "a\\\"b\\\\c\\nd");
    buf_release(&b);
    ck_assert_int_eq(rl_class_of("/static/style.css"), RL_STATIC);
    ck_assert_int_eq(rl_class_of("/api/v1/stream"), RL_STREAM);
    ck_assert_int_eq(rl_class_of("/api/v1/stats"), RL_API);
    ck_assert_int_eq(rl_class_of("/metrics"), RL_API);
    ck_assert_int_eq(rl_class_of("/ready"), RL_API);
    ck_assert_int_eq(rl_class_of("/"), RL_PAGE);
    ck_assert_int_eq(rl_class_of("/status"), RL_PAGE);
}
END_TEST

START_TEST(test_http__monitor_snapshot)
{
    struct status_snap s;
    struct db *db = NULL;
    json_t *rpc = NULL, *reorgs = NULL, *cov = NULL, *gaps = NULL;

    ck_assert_int_eq(db_open(":memory:", DB_READWRITE, 1000, &db), 0);
    ck_assert_int_eq(migrate_apply(db, NULL, NULL, 0), 0);
    ck_assert_int_eq(status_snapshot(db, &s), 0);
    ck_assert_int_eq(s.initialized, 0);
    /* The IPFS counts of /status before the monitor's first check. */
    {
        json_t *c = NULL;

        ck_assert_int_eq(ipfs_counts_json(db, &c), 0);
        ck_assert(json_is_null(json_object_get(c, "last_check")));
        ck_assert_int_eq(json_integer_value(json_object_get(
                             json_object_get(c, "checks"), "total")), 0);
        json_decref(c);
    }
    ck_assert_int_eq(db_exec(db,
        "INSERT INTO scan_state (id, chain_id, engine, start_block, "
        "indexed_block, indexed_hash, indexed_time, head_block, head_time, "
        "safe_block, updated_at) VALUES (1, 1, '0x', 10, 90, '0xh', 900, "
        "120, 1000, 80, 5000);"
        "INSERT INTO coverage VALUES (10, 40, 0, '0x', 'r', 0), "
        "(41, 60, 0, '0x', 'r', 0), (70, 90, 0, '0x', 'r', 0);"
        "INSERT INTO reorgs (detected_at, ancestor_block, old_head, old_hash,"
        " depth, removed_rows) VALUES (1, 50, 53, '0xa', 3, 7);"
        "INSERT INTO ipfs_cids (cid, status, first_seen) VALUES "
        "('Qa', 'ok', 1), ('Qb', 'ok', 1), ('Qc', 'missing', 1), "
        "('Qd', 'weird', 1);"
        "INSERT INTO ipfs_checks (cid, gateway, time, method, result) VALUES "
        "('Qa', 'g', 1, 'HEAD', 'ok'), ('Qc', 'g', 1, 'HEAD', 'timeout');"
        "INSERT INTO rpc_stats VALUES "
        "(1, '[{\"url\":\"u\",\"errors\":2}]', 77);"),
        0);
    ck_assert_int_eq(status_snapshot(db, &s), 0);
    ck_assert_int_eq(s.initialized, 1);
    ck_assert_int_eq(s.lag_blocks, 30);
    ck_assert_int_eq(s.lag_seconds, 100);
    ck_assert_int_eq(s.updated_at, 5000);
    ck_assert_int_eq(s.reorgs, 1);
    ck_assert_int_eq(s.reorg_removed_rows, 7);
    ck_assert_int_eq(s.rpc_stats_at, 77);
    ck_assert_int_eq(status_rpc(db, &rpc), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rpc, 0),
                                                        "errors")), 2);
    ck_assert_int_eq(status_reorgs(db, 5, &reorgs), 0);
    ck_assert_uint_eq(json_array_size(reorgs), 1);
    ck_assert_int_eq(status_coverage(db, &cov, &gaps), 0);
    ck_assert_uint_eq(json_array_size(cov), 2);
    ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(cov, 0),
                                                       1)), 60);
    ck_assert_uint_eq(json_array_size(gaps), 1);
    ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(gaps, 0),
                                                       0)), 61);
    json_decref(rpc);
    json_decref(reorgs);
    json_decref(cov);
    json_decref(gaps);
    db_close(db);
}
END_TEST

/* One value from a connection: SELECT v FROM t. */
static int64_t read_v(struct db *db)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite(db), "SELECT v FROM t", -1,
                                        &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* A file with one row (v), in rollback-journal mode as a replica's copy. */
static void make_copy(const char *path, int v)
{
    struct db *db = NULL;
    char sql[128];

    ck_assert_int_eq(db_open(path, DB_READWRITE, 1000, &db), 0);
    snprintf(sql, sizeof(sql), "PRAGMA journal_mode=DELETE; "
                               "CREATE TABLE t (v); INSERT INTO t VALUES (%d)",
             v);
    ck_assert_int_eq(db_exec(db, sql), 0);
    db_close(db);
}

START_TEST(test_http__db_swap_reopens_between_requests)
{
    char dir[] = "/tmp/arbiusd-swap-XXXXXX", live[128], next[128];
    struct http_ctx ctx;
    struct http_req req;
    struct db *db, *db2;
    sqlite3_stmt *inflight = NULL;
    int64_t v1, v2;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(live, sizeof(live), "%s/live.db", dir);
    snprintf(next, sizeof(next), "%s/next.db", dir);
    make_copy(live, 1);
    make_copy(next, 2);
    memset(&ctx, 0, sizeof(ctx));
    memset(&req, 0, sizeof(req));
    ctx.db_path = live;
    ctx.busy_timeout = 1000;
    ctx.read_only = 1;
    req.ctx = &ctx;
    /* A writer never watches: generation 0 for ever. */
    ck_assert_uint_eq(http_db_generation(), 0);
    http_db_watch(live);
    db = http_db(&req);
    ck_assert_ptr_nonnull(db);
    ck_assert_int_eq(read_v(db), 1);
    ck_assert_int_eq(db_data_version(db, &v1), 0);
    /* A request in flight: a read transaction open on the old file. */
    ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite(db), "SELECT v FROM t", -1,
                                        &inflight, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(inflight), SQLITE_ROW);
    ck_assert_int_eq(rename(next, live), 0);
    /* Noticed within HTTP_DB_CHECK_MS, by one stat() whoever asks. */
    usleep((HTTP_DB_CHECK_MS + 50) * 1000);
    ck_assert_uint_eq(http_db_generation(), 1);
    ck_assert_int_ne(http_db_replaced_at(), 0);
    ck_assert_uint_eq(http_db_generation(), 1);
    /* During the request the thread keeps its connection and its file. */
    ck_assert_ptr_eq(http_db(&req), db);
    ck_assert_int_eq(sqlite3_column_int64(inflight, 0), 1);
    ck_assert_int_eq(read_v(db), 1);
    sqlite3_finalize(inflight);
    /* The next request reopens: the new copy, and a data_version that no
     * cache keyed by the old connection can match. */
    thread_db_refresh();
    db2 = http_db(&req);
    ck_assert_ptr_nonnull(db2);
    ck_assert_int_eq(read_v(db2), 2);
    ck_assert_int_eq(db_data_version(db2, &v2), 0);
    ck_assert_int_ne(v1, v2);
    /* No further replacement: the connection stays. */
    usleep((HTTP_DB_CHECK_MS + 50) * 1000);
    thread_db_refresh();
    ck_assert_ptr_eq(http_db(&req), db2);
    ck_assert_uint_eq(http_db_generation(), 1);
    /* Nothing was written beside the copy: no -wal, -shm or -journal. */
    {
        char p[160];
        const char *sfx[] = { "-wal", "-shm", "-journal" };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(sfx); i++) {
            snprintf(p, sizeof(p), "%s%s", live, sfx[i]);
            ck_assert_int_ne(access(p, F_OK), 0);
        }
    }
    unlink(live);
    rmdir(dir);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_http__accepts_gzip);
    tcase_add_test(tc, test_http__gzip_roundtrip);
    tcase_add_test(tc, test_http__ip_parse_format);
    tcase_add_test(tc, test_http__token_bucket);
    tcase_add_test(tc, test_http__token_bucket_table_is_bounded);
    tcase_add_test(tc, test_http__prom_label_and_class);
    tcase_add_test(tc, test_http__monitor_snapshot);
    tcase_add_test(tc, test_http__db_swap_reopens_between_requests);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(http_suite)
