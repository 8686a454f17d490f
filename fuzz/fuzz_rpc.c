/*
 * fuzz_rpc.c - libFuzzer target for the JSON-RPC reply parsers and the
 * provider error classifier.
 *
 * The input bytes are parsed as a reply to id 1 (rpc_parse_reply), as a
 * batch reply to ids 1..4 (rpc_parse_batch_reply), classified as a provider
 * message with a status and code picked from the input's length
 * (rpc_classify), and sanitized as a URL into a small buffer.
 *
 * Checked beyond "no crash, no sanitizer report":
 *   - a failed parse leaves the result untouched and says why (err->kind is
 *     the return value, a non-empty message without control characters);
 *   - a batch item has a result exactly when its error kind is RPC_OK;
 *   - classification is deterministic, its kind is a known one, a hint is
 *     ordered (from <= to), and nothing wrong means an all-zero error;
 *   - the sanitized URL fits its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arbiusd/log.h"
#include "arbiusd/rpc.h"
#include "arbiusd/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RPC_BATCH 4
#define FUZZ_RPC_MSG_MAX 4096

static const int fuzz_rpc_status[] = { 0, 200, 429, 503, 500, 400 };
static const long fuzz_rpc_code[] = { 0, -32000, -32005, -32001, -32602 };

/* Aborts unless err is a well-formed failure of kind kind. */
static void fuzz_rpc_check_err(const struct rpc_error *err, int kind)
{
    const char *p;

    if (kind >= 0 || kind < RPC_ERR_STOPPED || (int)err->kind != kind)
        abort();
    if (memchr(err->message, '\0', sizeof(err->message)) == NULL ||
        err->message[0] == '\0')
        abort();
    for (p = err->message; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    }
    if (err->has_hint && err->hint_from > err->hint_to)
        abort();
}

static void fuzz_rpc_reply(const char *body, size_t len)
{
    json_t *sentinel = json_null();
    json_t *res = sentinel;
    struct rpc_error err;
    int r = rpc_parse_reply(body, len, 1, &res, &err);

    if (r == RPC_OK) {
        uint64_t q;

        if (!res || res == sentinel || err.kind != RPC_OK)
            abort();
        q = 0;
        if (rpc_quantity(res, &q) != 0 && q != 0)
            abort(); /* a failed parse leaves *out alone */
        json_decref(res);
    } else {
        if (res != sentinel)
            abort();
        fuzz_rpc_check_err(&err, r);
    }
}

static void fuzz_rpc_batch(const char *body, size_t len)
{
    json_t *res[FUZZ_RPC_BATCH];
    struct rpc_error errs[FUZZ_RPC_BATCH], err;
    size_t i;
    int r = rpc_parse_batch_reply(body, len, 1, FUZZ_RPC_BATCH, res, errs,
                                  &err);

    if (r != RPC_OK) {
        fuzz_rpc_check_err(&err, r);
        return;
    }
    for (i = 0; i < FUZZ_RPC_BATCH; i++) {
        if ((res[i] != NULL) != (errs[i].kind == RPC_OK))
            abort();
        if (res[i])
            json_decref(res[i]);
        else
            fuzz_rpc_check_err(&errs[i], errs[i].kind);
    }
}

static void fuzz_rpc_classify(const char *msg, size_t size)
{
    static const struct rpc_error zero;
    struct rpc_error a, b;
    int status = fuzz_rpc_status[size % ARRAY_SIZE(fuzz_rpc_status)];
    long code = fuzz_rpc_code[(size / ARRAY_SIZE(fuzz_rpc_status)) %
                              ARRAY_SIZE(fuzz_rpc_code)];

    rpc_classify(status, code, msg, &a);
    memset(&b, 0x5a, sizeof(b));
    rpc_classify(status, code, msg, &b);
    if (memcmp(&a, &b, sizeof(a)) != 0)
        abort();
    if (a.kind == RPC_OK) {
        if (memcmp(&a, &zero, sizeof(a)) != 0)
            abort();
    } else {
        fuzz_rpc_check_err(&a, a.kind);
        if (a.kind == RPC_ERR_BAD_REPLY || a.kind == RPC_ERR_WRONG_CHAIN ||
            a.kind == RPC_ERR_STOPPED)
            abort(); /* classification never yields these */
    }
    if (a.kind != RPC_ERR_RANGE &&
        (a.has_hint || a.max_range || a.too_many_results))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    char *msg;
    char url[24];
    size_t n = size < FUZZ_RPC_MSG_MAX ? size : FUZZ_RPC_MSG_MAX;

    if (!initialized) {
        log_init(LOG_LVL_ERROR); /* hex.c's debug lines are noise here */
        initialized = 1;
    }
    fuzz_rpc_reply((const char *)data, size);
    fuzz_rpc_batch((const char *)data, size);

    msg = xmalloc(n + 1);
    memcpy(msg, data, n);
    msg[n] = '\0';
    fuzz_rpc_classify(msg, size);
    rpc_sanitize_url(msg, url, sizeof(url));
    if (memchr(url, '\0', sizeof(url)) == NULL)
        abort();
    free(msg);
    return 0;
}
