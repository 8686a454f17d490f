/*
 * test_logs.c - eth_getLogs batch replies read in place equal what the
 * general parser reads; every other shape is left to it.
 */
#include "arbiusd/logs.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/hex.h"
#include "unit.h"

/* The real logs of tests/data/rpc/reply_getlogs.json as a batch reply to
 * ids 5 and 6 (the second answer empty).  Caller frees. */
static char *batch_of_real_logs(json_t **logsp)
{
    char path[512];
    json_error_t je;
    json_t *reply = json_load_file(test_data_path("rpc/reply_getlogs.json",
                                                  path, sizeof(path)),
                                   0, &je);
    json_t *batch;
    char *s;

    ck_assert_ptr_nonnull(reply);
    *logsp = json_incref(json_object_get(reply, "result"));
    batch =
        json_pack("[{s:s,s:i,s:O},{s:s,s:i,s:[]}]", "jsonrpc", "2.0", "id", 6,
                  "result", *logsp, "jsonrpc", "2.0", "id", 5, "result");
    s = json_dumps(batch, JSON_COMPACT);
    json_decref(batch);
    json_decref(reply);
    return s;
}

static void hex_of(const json_t *o, const char *k, uint8_t *out, size_t n)
{
    const char *s = json_string_value(json_object_get(o, k));

    ck_assert_int_eq(hex_decode_exact(s, strlen(s), out, n), 0);
}

START_TEST(test_logs__real_reply)
{
    json_t *want;
    char *body = batch_of_real_logs(&want);
    struct logs_entry *logs;
    size_t n, i;

    ck_assert_int_eq(logs_from_reply(body, strlen(body), 5, 2, &logs, &n), 0);
    ck_assert_uint_eq(n, json_array_size(want));
    ck_assert_uint_gt(n, 0);
    for (i = 0; i < n; i++) {
        const json_t *w = json_array_get(want, i);
        const json_t *topics = json_object_get(w, "topics");
        const char *data = json_string_value(json_object_get(w, "data"));
        uint8_t b[32], d[256];
        size_t dl, k;

        hex_of(w, "address", b, 20);
        ck_assert_mem_eq(logs[i].log.address, b, 20);
        ck_assert_str_eq(logs[i].log.tx,
                         json_string_value(
                             json_object_get(w, "transactionHash")));
        ck_assert_str_eq(logs[i].log.block_hash,
                         json_string_value(json_object_get(w, "blockHash")));
        ck_assert_uint_eq(logs[i].log.ntopics, json_array_size(topics));
        for (k = 0; k < logs[i].log.ntopics; k++) {
            const char *t = json_string_value(json_array_get(topics, k));

            ck_assert_int_eq(hex_decode_exact(t, strlen(t), b, 32), 0);
            ck_assert_mem_eq(logs[i].log.topics[k], b, 32);
        }
        ck_assert_int_eq(hex_decode(data, strlen(data), d, sizeof(d), &dl), 0);
        ck_assert_uint_eq(logs[i].log.data_len, dl);
        ck_assert_mem_eq(logs[i].log.data, d, dl);
        ck_assert_ptr_eq(logs[i].log.data, logs[i].data);
    }
    ck_assert_uint_eq(logs[0].log.block, 0x9e32713);
    logs_free(logs, n);
    free(body);
    json_decref(want);
}
END_TEST

/* One log with the given data, block hash and removed texts. */
static void one_log(char *out, size_t n, const char *data, const char *bhash,
                    const char *removed)
{
    snprintf(
        out, n,
        "{\"address\":\"0x53c9f1a7aff9f5b1028712e29bc2206ef9241385\","
        "\"topics\":[],\"data\":\"%s\",\"blockNumber\":\"0x1\","
        "\"transactionHash\":\"0x%s\",\"blockHash\":\"0x%s\","
        "\"logIndex\":\"0x0\",\"removed\":%s}",
        data,
        "1111111111111111111111111111111111111111111111111111111111111111",
        bhash, removed);
}

static int read1(const char *log)
{
    struct logs_entry *logs = NULL;
    size_t n = 0;
    char t[2048];
    int r;

    snprintf(t, sizeof(t), "[{\"id\":1,\"result\":[%s]}]", log);
    r = logs_from_reply(t, strlen(t), 1, 1, &logs, &n);
    if (r == 0)
        logs_free(logs, n);
    return r;
}

static int read_batch(const char *t)
{
    struct logs_entry *logs = NULL;
    size_t n = 0;
    int r = logs_from_reply(t, strlen(t), 1, 2, &logs, &n);

    if (r == 0)
        logs_free(logs, n);
    return r;
}

/* Shapes the in-place reader leaves to the general parser. */
START_TEST(test_logs__other_shapes)
{
    static const char h32[] =
        "2222222222222222222222222222222222222222222222222222222222222222";
    char log[1024];

    one_log(log, sizeof(log), "0xab", h32, "false");
    ck_assert_int_eq(read1(log), 0);
    /* a removed log, an escaped string, a short hash, a field missing */
    one_log(log, sizeof(log), "0xab", h32, "true");
    ck_assert_int_eq(read1(log), -1);
    one_log(log, sizeof(log), "0x\\u0061b", h32, "false");
    ck_assert_int_eq(read1(log), -1);
    one_log(log, sizeof(log), "0xab", h32 + 2, "false");
    ck_assert_int_eq(read1(log), -1);
    ck_assert_int_eq(read1("{\"topics\":[]}"), -1);
    /* an error item, an id missing, twice, out of range; not an array */
    ck_assert_int_eq(read_batch("[{\"id\":2,\"result\":[]},{\"id\":1,"
                                "\"result\":[]}]"),
                     0);
    ck_assert_int_eq(read_batch("[{\"id\":1,\"error\":{\"code\":-32005,"
                                "\"message\":\"x\"}},{\"id\":2,"
                                "\"result\":[]}]"),
                     -1);
    ck_assert_int_eq(read_batch("[{\"id\":1,\"result\":[]}]"), -1);
    ck_assert_int_eq(read_batch("[{\"id\":1,\"result\":[]},{\"id\":1,"
                                "\"result\":[]}]"),
                     -1);
    ck_assert_int_eq(read_batch("[{\"id\":3,\"result\":[]},{\"id\":1,"
                                "\"result\":[]}]"),
                     -1);
    ck_assert_int_eq(read_batch("{\"id\":1,\"result\":[]}"), -1);
    ck_assert_int_eq(read_batch("[{\"id\":1,\"result\":[]},{\"id\":2,"
                                "\"result\":[]}] x"),
                     -1);
}
END_TEST

static Suite *logs_suite(void)
{
    Suite *s = suite_create("logs");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_logs__real_reply);
    tcase_add_test(tc, test_logs__other_shapes);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(logs_suite)
