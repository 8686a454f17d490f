/*
 * scanner.c - from JSON-RPC to committed ranges.
 *
 * A range [from, to] is: two eth_getLogs (engine + router logs, and AIUS
 * transfers out of the engine) in one batch; the headers of every block
 * that holds a log plus `to` (and `from` when it continues the checkpoint,
 * to check its parent hash); the calldata of every distinct transaction
 * that submitted a task, a solution or a model; then one store commit.
 * Anything that fails before the commit leaves the database untouched and
 * the same range is tried again.
 */
#include "arbiusd/scanner.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/arbius.h"
#include "arbiusd/cid.h"
#include "arbiusd/hex.h"
#include "arbiusd/log.h"
#include "arbiusd/lookup.h"
#include "arbiusd/rpc.h"
#include "arbiusd/store.h"
#include "arbiusd/worker.h"

#define SC_MIN_RANGE 1
#define SC_MAX_WINDOW 1024
#define SC_REORG_BATCH 32 /* window headers fetched per request */

enum { SC_OK = 0, SC_FAIL = -1, SC_RANGE = -2, SC_REORG = -3 };

struct header {
    uint64_t number;
    char hash[ST_HASH_SIZE], parent[ST_HASH_SIZE];
    int64_t time;
};

struct scanner {
    const struct config *cfg;
    struct db *db;
    struct store *store;
    struct rpc_client *rpc;
    const atomic_bool *stop;
    struct arbius_addrs addrs;
    char engine_hex[ST_ADDR_SIZE], token_hex[ST_ADDR_SIZE],
        router_hex[ST_ADDR_SIZE];
    uint64_t range;                 /* current AIMD range, blocks */
    uint64_t rejected_from, rejected_to; /* last refused getLogs range */
    int tags;                       /* 1 safe tag works, 0 unknown, -1 no */
    uint64_t head, safe;
    int64_t head_time;
    struct rpc_error last_err;
    struct scan_progress prog;
    scan_progress_fn progress;
    void *progress_ud;
    uint64_t last_stats_ms;
    uint64_t last_fail_note_ms; /* on_attempt_failed's last write */
};

static int stopped(const struct scanner *sc)
{
    return sc->stop && atomic_load(sc->stop);
}

static void on_attempt_failed(void *ud, const struct rpc_error *err);

int scanner_new(const struct config *cfg, struct db *db,
                const atomic_bool *stop, struct scanner **outp)
{
    struct scanner *sc = xcalloc(1, sizeof(*sc));
    struct rpc_options o;

    arbius_init();
    memset(&o, 0, sizeof(o));
    o.urls = (const char *const *)cfg->rpc_urls.items;
    o.nurls = cfg->rpc_urls.n;
    o.timeout_s = cfg->rpc_timeout;
    o.chain_id = cfg->chain_id;
    o.stop = stop;
    o.budget_per_day = cfg->rpc_budget;
    o.summary_s = cfg->log_summary_interval;
    o.on_fail = on_attempt_failed;
    o.on_fail_ud = sc;
    sc->cfg = cfg;
    sc->db = db;
    sc->stop = stop;
    sc->range = cfg->max_range < 2000 ? cfg->max_range : 2000;
    memcpy(sc->addrs.engine, cfg->engine, 20);
    memcpy(sc->addrs.token, cfg->token, 20);
    memcpy(sc->addrs.router, cfg->router, 20);
    sc->addrs.has_router = cfg->has_router;
    if (rpc_new(&o, &sc->rpc) < 0 || store_new(db, &sc->store) < 0 ||
        hex_encode_0x(cfg->engine, 20, sc->engine_hex, ST_ADDR_SIZE) < 0 ||
        hex_encode_0x(cfg->token, 20, sc->token_hex, ST_ADDR_SIZE) < 0 ||
        hex_encode_0x(cfg->router, 20, sc->router_hex, ST_ADDR_SIZE) < 0) {
        scanner_free(sc);
        return -1;
    }
    store_set_active_window(sc->store,
                            (int64_t)cfg->miners_active_window * 3600);
    *outp = sc;
    return 0;
}

void scanner_free(struct scanner *sc)
{
    if (!sc)
        return;
    rpc_free(sc->rpc);
    store_free(sc->store);
    free(sc);
}

void scanner_set_progress(struct scanner *sc, scan_progress_fn fn, void *ud)
{
    sc->progress = fn;
    sc->progress_ud = ud;
}

void scanner_save_stats(struct scanner *sc)
{
    json_t *j = rpc_stats_json(sc->rpc);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

    if (s && store_save_rpc_stats(sc->store, s) < 0)
        log_warnx("scanner: could not save RPC counters");
    free(s);
    json_decref(j);
}

/* Records that an attempt could not reach an endpoint, the moment it
 * happens (a poll may go on retrying for minutes): the RPC counters and
 * the scanner's health, at most once a second. */
static void on_attempt_failed(void *ud, const struct rpc_error *err)
{
    struct scanner *sc = ud;
    struct st_health h = { err->message,  "request", rpc_err_name(err->kind),
                           err->endpoint, 0,         sc->cfg->poll_interval };

    if ((err->kind != RPC_ERR_TRANSPORT && err->kind != RPC_ERR_WRONG_CHAIN) ||
        util_now_ms() - sc->last_fail_note_ms < 1000)
        return;
    sc->last_fail_note_ms = util_now_ms();
    scanner_save_stats(sc);
    if (store_note_health(sc->store, &h) < 0)
        log_warnx("scanner: could not record the error");
}

/* Records a failed poll for /status; the failure was logged where it
 * happened.  A stop is no failure and says nothing about the chain. */
static void note_error(struct scanner *sc, const char *what)
{
    const char *text =
        sc->last_err.message[0] ? sc->last_err.message : "failed";
    char msg[768];
    struct st_health h = { text, what,
                           what, sc->last_err.endpoint,
                           1,    sc->cfg->poll_interval };

    if (stopped(sc) || sc->last_err.kind == RPC_ERR_STOPPED)
        return;
    if (sc->last_err.kind != RPC_OK)
        h.kind = rpc_err_name(sc->last_err.kind);
    snprintf(msg, sizeof(msg), "%s: %s", what, text);
    if (store_note_state(sc->store, sc->head, sc->head_time, sc->safe, msg) <
            0 ||
        store_note_health(sc->store, &h) < 0)
        log_warnx("scanner: could not record the error");
    scanner_save_stats(sc);
    sc->last_stats_ms = util_now_ms();
}

/* ---- JSON helpers ---- */

static json_t *qty(uint64_t n)
{
    char s[24];

    snprintf(s, sizeof(s), "0x%" PRIx64, n);
    return json_string(s);
}

static int get_qty(const json_t *o, const char *k, uint64_t *out)
{
    return rpc_quantity(json_object_get(o, k), out);
}

static int get_hash(const json_t *o, const char *k, char out[ST_HASH_SIZE])
{
    const char *s = json_string_value(json_object_get(o, k));
    uint8_t b[32];
    size_t n;

    if (!s || hex_decode(s, strlen(s), b, sizeof(b), &n) < 0 || n != 32)
        return -1;
    return hex_encode_0x(b, 32, out, ST_HASH_SIZE);
}

static int parse_header(const json_t *b, struct header *h)
{
    uint64_t t;

    if (!json_is_object(b) || get_qty(b, "number", &h->number) < 0 ||
        get_hash(b, "hash", h->hash) < 0 ||
        get_hash(b, "parentHash", h->parent) < 0 ||
        get_qty(b, "timestamp", &t) < 0 || t > INT64_MAX)
        return -1;
    h->time = (int64_t)t;
    return 0;
}

/*
 * Calls method for items 0..n-1 in batches of rpc_batch: params_fn builds
 * item i's params, result_fn takes its result (borrowed; NULL when that item
 * failed with err filled) and returns -1 to fail the whole call.  A
 * transport failure of a batch fails the call with sc->last_err set.
 */
typedef json_t *(*batch_params_fn)(size_t i, void *ud);
typedef int (*batch_result_fn)(size_t i, const json_t *res,
                               const struct rpc_error *err, void *ud);

static int batch_each(struct scanner *sc, const char *method, size_t n,
                      batch_params_fn params_fn, batch_result_fn result_fn,
                      void *ud)
{
    size_t chunk = sc->cfg->rpc_batch, i, j;

    for (i = 0; i < n; i += chunk) {
        size_t m = n - i < chunk ? n - i : chunk;
        const char **methods = xcalloc(m, sizeof(*methods));
        json_t **params = xcalloc(m, sizeof(*params));
        json_t **res = xcalloc(m, sizeof(*res));
        struct rpc_error *errs = xcalloc(m, sizeof(*errs));
        int rc, ok = 1;

        for (j = 0; j < m; j++) {
            methods[j] = method;
            params[j] = params_fn(i + j, ud);
        }
        rc = rpc_batch(sc->rpc, m, methods, params, res, errs);
        sc->prog.requests++;
        if (rc != RPC_OK) {
            sc->last_err = errs[0];
            ok = 0;
        }
        for (j = 0; j < m; j++) {
            if (ok && result_fn(i + j, res[j], &errs[j], ud) < 0) {
                if (errs[j].kind != RPC_OK)
                    sc->last_err = errs[j];
                ok = 0;
            }
            json_decref(res[j]);
        }
        free(methods);
        free(params);
        free(res);
        free(errs);
        if (!ok)
            return -1;
    }
    return 0;
}

struct headers_job {
    struct scanner *sc;
    const uint64_t *nums;
    struct header *out;
};

static json_t *header_params(size_t i, void *ud)
{
    const struct headers_job *job = ud;

    return json_pack("[o,b]", qty(job->nums[i]), 0);
}

static int header_result(size_t i, const json_t *res,
                         const struct rpc_error *err, void *ud)
{
    struct headers_job *job = ud;
    struct scanner *sc = job->sc;

    if (res && parse_header(res, &job->out[i]) == 0 &&
        job->out[i].number == job->nums[i])
        return 0;
    sc->last_err = *err;
    if (sc->last_err.kind == RPC_OK) {
        sc->last_err.kind = RPC_ERR_BAD_REPLY;
        snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                 "block %" PRIu64 " missing or malformed", job->nums[i]);
        log_warnx("scanner: %s", sc->last_err.message);
    }
    return -1;
}

/* Fetches headers of blocks nums[0..n) (batched).  0 or -1. */
static int fetch_headers(struct scanner *sc, const uint64_t *nums, size_t n,
                         struct header *out)
{
    struct headers_job job = { sc, nums, out };

    return batch_each(sc, "eth_getBlockByNumber", n, header_params,
                      header_result, &job);
}

int scanner_head(struct scanner *sc, uint64_t *head)
{
    json_t *r = NULL;
    int rc = rpc_call(sc->rpc, "eth_blockNumber", NULL, &r, &sc->last_err);

    sc->prog.requests++;
    if (rc != RPC_OK)
        return -1;
    rc = rpc_quantity(r, head);
    json_decref(r);
    if (rc < 0) {
        log_warnx("scanner: eth_blockNumber: not a quantity");
        return -1;
    }
    return 0;
}

/* Finality: the node's "safe" tag where it has one, else a fixed depth. */
static uint64_t safe_block(struct scanner *sc, uint64_t head)
{
    uint64_t depth_safe = head > sc->cfg->confirmations
                              ? head - sc->cfg->confirmations
                              : 0;

    if (sc->tags >= 0) {
        json_t *r = NULL;
        struct rpc_error e;
        struct header h;

        if (rpc_call(sc->rpc, "eth_getBlockByNumber",
                     json_pack("[s,b]", "safe", 0), &r, &e) == RPC_OK &&
            parse_header(r, &h) == 0) {
            json_decref(r);
            sc->tags = 1;
            return h.number <= head ? h.number : head;
        }
        json_decref(r);
        if (e.kind == RPC_ERR_RPC || e.kind == RPC_OK) {
            log_info("scanner: node has no usable \"safe\" tag; using a "
                     "depth of %" PRIu64 " blocks", sc->cfg->confirmations);
            sc->tags = -1;
        }
    }
    return depth_safe;
}

/* ---- logs ---- */

struct rawlog {
    struct arbius_log log;
    uint8_t *data;            /* owned */
};

static int cmp_log(const void *a, const void *b)
{
    const struct rawlog *x = a, *y = b;

    if (x->log.block != y->log.block)
        return x->log.block < y->log.block ? -1 : 1;
    return x->log.log_index < y->log.log_index ? -1
           : x->log.log_index > y->log.log_index;
}

static int parse_log(const json_t *o, struct rawlog *rl)
{
    const char *addr = json_string_value(json_object_get(o, "address"));
    const char *data = json_string_value(json_object_get(o, "data"));
    const json_t *topics = json_object_get(o, "topics");
    uint64_t li;
    size_t n, i;

    memset(rl, 0, sizeof(*rl));
    if (json_is_true(json_object_get(o, "removed")))
        return -1;
    if (get_qty(o, "blockNumber", &rl->log.block) < 0 ||
        get_qty(o, "logIndex", &li) < 0 || li > UINT32_MAX ||
        get_hash(o, "transactionHash", rl->log.tx) < 0 ||
        get_hash(o, "blockHash", rl->log.block_hash) < 0 || !addr ||
        hex_decode(addr, strlen(addr), rl->log.address, 20, &n) < 0 ||
        n != 20 || !data || !json_is_array(topics) ||
        json_array_size(topics) > ARBIUS_MAX_TOPICS)
        return -1;
    rl->log.log_index = (uint32_t)li;
    for (i = 0; i < json_array_size(topics); i++) {
        const char *t = json_string_value(json_array_get(topics, i));

        if (!t || hex_decode(t, strlen(t), rl->log.topics[i], 32, &n) < 0 ||
            n != 32)
            return -1;
    }
    rl->log.ntopics = json_array_size(topics);
    n = strlen(data);
    rl->data = xmalloc(n / 2 + 1);
    if (hex_decode(data, n, rl->data, n / 2 + 1, &rl->log.data_len) < 0) {
        free(rl->data);
        rl->data = NULL;
        return -1;
    }
    rl->log.data = rl->data;
    return 0;
}

/* Records why an eth_getLogs failed: SC_RANGE when the node refused the
 * range as too wide or its reply was too big (a smaller range may pass),
 * else SC_FAIL. */
static int logs_refused(struct scanner *sc, const struct rpc_error *e)
{
    sc->last_err = *e;
    return e->kind == RPC_ERR_RANGE ||
                   (e->kind == RPC_ERR_BAD_REPLY && e->too_big)
               ? SC_RANGE
               : SC_FAIL;
}

/* Both eth_getLogs of a range.  Returns SC_OK, SC_RANGE or SC_FAIL. */
static int fetch_logs(struct scanner *sc, uint64_t from, uint64_t to,
                      struct rawlog **outp, size_t *np)
{
    const char *methods[2] = { "eth_getLogs", "eth_getLogs" };
    json_t *params[2], *res[2] = { NULL, NULL }, *addrs;
    struct rpc_error errs[2];
    char topic_engine[ST_HASH_SIZE];
    struct rawlog *logs = NULL;
    size_t n = 0, cap = 0, i, k;
    int rc, ret = SC_FAIL;

    addrs = json_pack("[s]", sc->engine_hex);
    if (sc->addrs.has_router)
        json_array_append_new(addrs, json_string(sc->router_hex));
    snprintf(topic_engine, sizeof(topic_engine),
             "0x000000000000000000000000%s", sc->engine_hex + 2);
    params[0] = json_pack("[{s:o,s:o,s:o}]", "fromBlock", qty(from), "toBlock",
                          qty(to), "address", addrs);
    params[1] = json_pack(
        "[{s:o,s:o,s:s,s:[s,s]}]", "fromBlock", qty(from), "toBlock", qty(to),
        "address", sc->token_hex, "topics",
        "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
        topic_engine);
    rc = rpc_batch(sc->rpc, 2, methods, params, res, errs);
    sc->prog.requests++;
    if (rc != RPC_OK) {
        ret = logs_refused(sc, &errs[0]);
        goto out;
    }
    for (k = 0; k < 2; k++) {
        if (!res[k]) {
            ret = logs_refused(sc, &errs[k]);
            goto out;
        }
        if (!json_is_array(res[k])) {
            sc->last_err.kind = RPC_ERR_BAD_REPLY;
            snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                     "eth_getLogs result is not an array");
            log_warnx("scanner: %s (%" PRIu64 "-%" PRIu64 ")",
                      sc->last_err.message, from, to);
            goto out;
        }
        for (i = 0; i < json_array_size(res[k]); i++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                logs = xrealloc(logs, cap * sizeof(*logs));
            }
            if (parse_log(json_array_get(res[k], i), &logs[n]) < 0 ||
                logs[n].log.block < from || logs[n].log.block > to) {
                free(logs[n].data);
                sc->last_err.kind = RPC_ERR_BAD_REPLY;
                snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                         "eth_getLogs returned a malformed, removed or "
                         "out-of-range log");
                log_warnx("scanner: %s (%" PRIu64 "-%" PRIu64 ")",
                          sc->last_err.message, from, to);
                goto out;
            }
            n++;
        }
    }
    if (n > 1)
        qsort(logs, n, sizeof(*logs), cmp_log);
    /* The same log twice (a buggy node) would be ambiguous: refuse. */
    for (i = 1; i < n; i++) {
        if (logs[i].log.block == logs[i - 1].log.block &&
            logs[i].log.log_index == logs[i - 1].log.log_index) {
            sc->last_err.kind = RPC_ERR_BAD_REPLY;
            snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                     "duplicate log %" PRIu64 "/%u", logs[i].log.block,
                     logs[i].log.log_index);
            log_warnx("scanner: %s", sc->last_err.message);
            goto out;
        }
    }
    *outp = logs;
    *np = n;
    logs = NULL;
    n = 0;
    ret = SC_OK;
out:
    for (i = 0; i < n; i++)
        free(logs[i].data);
    free(logs);
    json_decref(res[0]);
    json_decref(res[1]);
    return ret;
}

static void free_logs(struct rawlog *logs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(logs[i].data);
    free(logs);
}

/* ---- enrichment ---- */

struct txdata {
    char hash[ST_HASH_SIZE];
    uint8_t *input;           /* owned calldata, NULL if not found */
    size_t len;
    int decoded;              /* submit/pairs below are filled */
    struct arbius_submit submit;
    struct arbius_cid_pair *pairs; /* owned; borrow input */
    size_t npairs;
};

/* Decodes a transaction's calldata once, however many events it holds. */
static void tx_decode(struct txdata *t)
{
    if (t->decoded || !t->input)
        return;
    t->decoded = 1;
    if (arbius_decode_submit(t->input, t->len, &t->submit) < 0)
        t->submit.found = 0;
    if (arbius_solution_cids(t->input, t->len, &t->pairs, &t->npairs) < 0) {
        t->pairs = NULL;
        t->npairs = 0;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static json_t *tx_params(size_t i, void *ud)
{
    const struct txdata *txs = ud;

    return json_pack("[s]", txs[i].hash);
}

/* A transaction the node does not know (null) keeps input NULL: the task's
 * owner then comes from the tasks(id) view.  Only a transport or reply
 * problem fails the range. */
static int tx_result(size_t i, const json_t *res, const struct rpc_error *err,
                     void *ud)
{
    struct txdata *t = &((struct txdata *)ud)[i];
    const char *in = json_string_value(json_object_get(res, "input"));

    if (!res && err->kind != RPC_ERR_RPC)
        return -1;
    if (in) {
        size_t len = strlen(in);

        t->input = xmalloc(len / 2 + 1);
        if (hex_decode(in, len, t->input, len / 2 + 1, &t->len) < 0) {
            free(t->input);
            t->input = NULL;
        }
    }
    return 0;
}

/* Fetches calldata of every tx that needs it, one request per distinct tx,
 * batched. */
static int fetch_calldata(struct scanner *sc, struct st_event *evs, size_t n,
                          struct txdata **outp, size_t *np)
{
    struct txdata *txs = NULL;
    size_t ntx = 0, i, j;

    for (i = 0; i < n; i++) {
        enum st_kind k = evs[i].kind;

        if (k != ST_TASK && k != ST_SOLUTION && k != ST_MODEL)
            continue;
        if (ntx && strcmp(txs[ntx - 1].hash, evs[i].pos.tx) == 0)
            continue;
        txs = xrealloc(txs, (ntx + 1) * sizeof(*txs));
        memset(&txs[ntx], 0, sizeof(txs[ntx]));
        memcpy(txs[ntx].hash, evs[i].pos.tx, ST_HASH_SIZE);
        ntx++;
    }
    if (ntx > 1)
        qsort(txs, ntx, sizeof(*txs), cmp_str);
    for (i = 0, j = 0; i < ntx; i++)
        if (j == 0 || strcmp(txs[j - 1].hash, txs[i].hash) != 0)
            txs[j++] = txs[i];
    ntx = j;
    if (batch_each(sc, "eth_getTransactionByHash", ntx, tx_params,
                   tx_result, txs) < 0) {
        for (j = 0; j < ntx; j++)
            free(txs[j].input);
        free(txs);
        return -1;
    }
    *outp = txs;
    *np = ntx;
    return 0;
}

static struct txdata *find_tx(struct txdata *txs, size_t n, const char *hash)
{
    struct txdata *t;

    if (n == 0)
        return NULL;
    t = bsearch(hash, txs, n, sizeof(*txs), cmp_str);
    if (t)
        tx_decode(t);
    return t;
}

/* What call_view() got. */
enum sc_view {
    SC_VIEW_FAILED = -1, /* transport or node trouble: retry the range */
    SC_VIEW_OK = 0,      /* *out holds the return bytes */
    SC_VIEW_NOTHING = 1, /* the view reverted or returned no bytes */
};

/* eth_call of a view(bytes32) at the latest block: the raw return bytes
 * in a new *out (caller frees) of *len bytes.  Returns an enum sc_view. */
static int call_view(struct scanner *sc, const uint8_t sel4[4],
                     const char *id, uint8_t **out, size_t *len)
{
    char data[2 + 8 + 64 + 1];
    json_t *r = NULL;
    const char *s;
    int rc;

    snprintf(data, sizeof(data), "0x%02x%02x%02x%02x%s", sel4[0], sel4[1],
             sel4[2], sel4[3], id + 2);
    rc = rpc_call(sc->rpc, "eth_call",
                  json_pack("[{s:s,s:s},s]", "to", sc->engine_hex, "data",
                            data, "latest"),
                  &r, &sc->last_err);
    sc->prog.requests++;
    if (rc == RPC_ERR_RPC)
        return SC_VIEW_NOTHING; /* the view reverted: nothing to learn */
    if (rc != RPC_OK)
        return SC_VIEW_FAILED;
    s = json_string_value(r);
    rc = SC_VIEW_NOTHING;
    if (s) {
        *out = xmalloc(strlen(s) / 2 + 1);
        rc = SC_VIEW_OK;
        if (hex_decode(s, strlen(s), *out, strlen(s) / 2 + 1, len) < 0) {
            free(*out);
            *out = NULL;
            rc = SC_VIEW_NOTHING;
        }
    }
    json_decref(r);
    return rc;
}

/* A task from its transaction's calldata: owner, version, route and input.
 * A contract that called the engine leaves only the tasks(id) view, which
 * still has the owner (the input is not recoverable then).  0, or -1 when
 * the view could not be read. */
static int enrich_task(struct scanner *sc, struct st_task *t,
                       const struct txdata *tx)
{
    const struct arbius_submit *sub = tx ? &tx->submit : NULL;
    uint8_t *ret_bytes = NULL;
    size_t len = 0;
    int r;

    if (sub && sub->found && strcmp(sub->model, t->model) == 0) {
        memcpy(t->owner, sub->owner, ST_ADDR_SIZE);
        t->version = sub->version;
        t->via = sub->via;
        t->bulk_size = sub->n > UINT32_MAX ? UINT32_MAX : (uint32_t)sub->n;
        arbius_task_set_input(t, sub->input, sub->input_len);
        return 0;
    }
    r = call_view(sc, ARBIUS_SEL_TASKS, t->id, &ret_bytes, &len);
    if (r == SC_VIEW_FAILED)
        return -1;
    if (r == SC_VIEW_OK &&
        arbius_decode_task_view(ret_bytes, len, t->owner, &t->version) == 0)
        t->input_flags |= TASK_OWNER_FROM_VIEW;
    free(ret_bytes);
    return 0;
}

/* A solution's cid from its transaction's calldata, else from the
 * solutions(task) view.  0, or -1 when the view could not be read. */
static int enrich_solution(struct scanner *sc, struct st_solution *so,
                           const struct txdata *tx)
{
    const struct arbius_cid_pair *pair =
        tx ? arbius_cid_pair_find(tx->pairs, tx->npairs, so->task) : NULL;
    const uint8_t *cid = NULL;
    uint8_t *ret_bytes = NULL;
    size_t cid_len = 0, len = 0;
    int r;

    if (pair) {
        arbius_solution_set_cid(so, pair->cid, pair->cid_len);
        return 0;
    }
    r = call_view(sc, ARBIUS_SEL_SOLUTIONS, so->task, &ret_bytes, &len);
    if (r == SC_VIEW_FAILED)
        return -1;
    if (r == SC_VIEW_OK &&
        arbius_decode_solution_view(ret_bytes, len, &cid, &cid_len) == 0 &&
        cid_len > 0) {
        arbius_solution_set_cid(so, cid, cid_len);
        so->cid_flags |= SOL_CID_FROM_VIEW;
    }
    free(ret_bytes);
    return 0;
}

/* A model's address, fee and template from registerModel calldata. */
static void enrich_model(struct st_model *m, const struct txdata *tx)
{
    const uint8_t *tb;
    size_t tl;
    uint8_t cid[CID_V0_LEN];

    if (!tx || !tx->input ||
        arbius_decode_register(tx->input, tx->len, &tb, &tl, m->addr, m->fee) <
            0)
        return;
    m->template_bytes = xmalloc(tl ? tl : 1);
    memcpy(m->template_bytes, tb, tl);
    m->template_len = tl;
    if (cid_hash_content(tb, tl, cid) == 0 &&
        hex_encode_0x(cid, sizeof(cid), m->cid, sizeof(m->cid)) < 0)
        m->cid[0] = '\0';
}

/* Completes tasks, solutions and models from calldata (fetched once per
 * transaction) or views.  0 or -1. */
static int enrich(struct scanner *sc, struct st_event *evs, size_t n)
{
    struct txdata *txs = NULL;
    size_t ntx = 0, i;
    int ret = -1;

    if (fetch_calldata(sc, evs, n, &txs, &ntx) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        struct st_event *e = &evs[i];
        struct txdata *tx = (e->kind == ST_TASK || e->kind == ST_SOLUTION ||
                             e->kind == ST_MODEL)
                                ? find_tx(txs, ntx, e->pos.tx)
                                : NULL;

        if (e->kind == ST_TASK && enrich_task(sc, &e->u.task, tx) < 0)
            goto out;
        if (e->kind == ST_SOLUTION &&
            enrich_solution(sc, &e->u.solution, tx) < 0)
            goto out;
        if (e->kind == ST_MODEL)
            enrich_model(&e->u.model, tx);
    }
    ret = 0;
out:
    for (i = 0; i < ntx; i++) {
        free(txs[i].input);
        free(txs[i].pairs);
    }
    free(txs);
    return ret;
}

/* ---- what a range needs from the chain's state (lookup.h) ---- */

/* The range's lookups (lookup_range): adders into evs, models for the
 * commit in *modelsp (caller releases).  0, or -1 with sc->last_err. */
static int learn(struct scanner *sc, struct st_event *evs, size_t n,
                 uint64_t to, struct st_model **modelsp, size_t *nmodels)
{
    const struct lookup_ctx ctx = { sc->rpc, sc->store, sc->cfg, sc->stop,
                                    sc->engine_hex };
    int r = lookup_range(&ctx, evs, n, to, modelsp, nmodels, &sc->last_err);

    if (r < 0)
        return -1;
    sc->prog.requests += (uint64_t)r;
    return 0;
}

/* ---- one range ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static const struct header *find_header(const struct header *h, size_t n,
                                        uint64_t num)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (h[mid].number == num)
            return &h[mid];
        if (h[mid].number < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The blocks whose headers a range needs: to, from when its parent is
 * checked, and every block with a log; sorted and distinct.  Returns a new
 * array (caller frees) and its length in *np. */
static uint64_t *range_blocks(const struct rawlog *logs, size_t nlogs,
                              uint64_t from, uint64_t to, int with_from,
                              size_t *np)
{
    uint64_t *nums = xcalloc(nlogs + 2, sizeof(*nums));
    size_t n = 0, i, j = 0;

    nums[n++] = to;
    if (with_from)
        nums[n++] = from;
    for (i = 0; i < nlogs; i++)
        nums[n++] = logs[i].log.block;
    qsort(nums, n, sizeof(*nums), cmp_u64);
    for (i = 0; i < n; i++)
        if (j == 0 || nums[j - 1] != nums[i])
            nums[j++] = nums[i];
    *np = j;
    return nums;
}

/*
 * Checks the headers just read against the range's logs and our index:
 * block from must have parent parent_hash (unless NULL), and every log the
 * hash of its block's header.  Returns SC_OK, SC_REORG (from's parent
 * differs) or SC_FAIL (the chain moved while reading: try again).
 */
static int check_headers(struct scanner *sc, const struct header *hdr,
                         size_t nh, const struct rawlog *logs, size_t nlogs,
                         uint64_t from, const char *parent_hash)
{
    size_t i;

    if (parent_hash) {
        const struct header *f = find_header(hdr, nh, from);

        if (strcmp(f->parent, parent_hash) != 0) {
            log_info("scanner: block %" PRIu64 " has parent %s, we indexed "
                     "%s: reorg", from, f->parent, parent_hash);
            return SC_REORG;
        }
    }
    for (i = 0; i < nlogs; i++) {
        const struct header *h = find_header(hdr, nh, logs[i].log.block);

        if (!h || strcmp(h->hash, logs[i].log.block_hash) != 0) {
            sc->last_err.kind = RPC_ERR_BAD_REPLY;
            snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                     "block %" PRIu64 " changed while reading it",
                     logs[i].log.block);
            log_info("scanner: %s; retrying", sc->last_err.message);
            return SC_FAIL;
        }
    }
    return SC_OK;
}

/* Decodes the logs we keep into a new array of events (caller releases
 * and frees) with their block times; *nev gets the count. */
static struct st_event *decode_logs(const struct scanner *sc,
                                    const struct rawlog *logs, size_t nlogs,
                                    const struct header *hdr, size_t nh,
                                    size_t *nev)
{
    struct st_event *evs = xcalloc(nlogs ? nlogs : 1, sizeof(*evs));
    size_t i, n = 0;

    for (i = 0; i < nlogs; i++) {
        if (arbius_decode_log(&logs[i].log, &sc->addrs, &evs[n]) !=
            ARBIUS_LOG_KEPT)
            continue;
        evs[n].pos.time = find_header(hdr, nh, logs[i].log.block)->time;
        n++;
    }
    *nev = n;
    return evs;
}

/*
 * Writes [from, to] in one transaction: the events, the headers read for
 * the reorg window, and (with advance) the checkpoint at to; then counts
 * the progress.  0, or -1 with sc->last_err set.
 */
static int commit_range(struct scanner *sc, uint64_t from, uint64_t to,
                        int advance, const struct header *hdr, size_t nh,
                        struct st_event *evs, size_t nev,
                        struct st_model *models, size_t nmodels)
{
    const struct header *t = find_header(hdr, nh, to);
    uint64_t *bn = xcalloc(nh, sizeof(*bn));
    char(*bh)[ST_HASH_SIZE] = xcalloc(nh, sizeof(*bh));
    char(*bp)[ST_HASH_SIZE] = xcalloc(nh, sizeof(*bp));
    int64_t *bt = xcalloc(nh, sizeof(*bt));
    struct st_range r;
    size_t i;
    int ret = -1;

    memset(&r, 0, sizeof(r));
    r.from = from;
    r.to = to;
    memcpy(r.to_hash, t->hash, ST_HASH_SIZE);
    memcpy(r.to_parent, t->parent, ST_HASH_SIZE);
    r.to_time = t->time;
    r.head = sc->head > to ? sc->head : to;
    r.head_time = sc->head_time > r.to_time ? sc->head_time : r.to_time;
    r.safe = sc->safe;
    r.rpc = rpc_endpoint(sc->rpc);
    r.advance = advance;
    for (i = 0; i < nh; i++) {
        bn[i] = hdr[i].number;
        memcpy(bh[i], hdr[i].hash, ST_HASH_SIZE);
        memcpy(bp[i], hdr[i].parent, ST_HASH_SIZE);
        bt[i] = hdr[i].time;
    }
    r.nblocks = nh;
    r.block_numbers = bn;
    r.block_hashes = bh;
    r.block_parents = bp;
    r.block_times = bt;
    r.models = models;
    r.nmodels = nmodels;
    if (store_commit_range(sc->store, &r, evs, nev) < 0) {
        sc->last_err.kind = RPC_OK;
        snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                 "database write failed");
        goto out;
    }
    sc->prog.events += nev;
    sc->prog.ranges++;
    sc->prog.done_to = to;
    if (to > sc->head) {
        sc->head = to;
        sc->head_time = r.to_time;
    }
    ret = 0;
out:
    free(bn);
    free(bh);
    free(bp);
    free(bt);
    return ret;
}

/*
 * Fetches, decodes and commits [from, to].  parent_hash (or NULL) is the
 * hash block from-1 must have.  Returns SC_OK, SC_RANGE, SC_REORG, SC_FAIL.
 */
static int process_range(struct scanner *sc, uint64_t from, uint64_t to,
                         const char *parent_hash, int advance)
{
    struct rawlog *logs = NULL;
    struct st_event *evs = NULL;
    struct st_model *models = NULL;
    struct header *hdr = NULL;
    uint64_t *nums = NULL;
    size_t nlogs = 0, nev = 0, nnums = 0, nmodels = 0, i;
    int ret;

    ret = fetch_logs(sc, from, to, &logs, &nlogs);
    if (ret != SC_OK)
        return ret;
    nums = range_blocks(logs, nlogs, from, to, parent_hash != NULL, &nnums);
    hdr = xcalloc(nnums, sizeof(*hdr));
    ret = SC_FAIL;
    if (fetch_headers(sc, nums, nnums, hdr) < 0)
        goto out;
    ret = check_headers(sc, hdr, nnums, logs, nlogs, from, parent_hash);
    if (ret != SC_OK)
        goto out;
    ret = SC_FAIL;
    evs = decode_logs(sc, logs, nlogs, hdr, nnums, &nev);
    arbius_link_payouts(evs, nev);
    if (enrich(sc, evs, nev) < 0 ||
        learn(sc, evs, nev, to, &models, &nmodels) < 0 ||
        commit_range(sc, from, to, advance, hdr, nnums, evs, nev, models,
                     nmodels) < 0)
        goto out;
    ret = SC_OK;
out:
    for (i = 0; i < nmodels; i++)
        free(models[i].template_bytes);
    free(models);
    for (i = 0; i < nev; i++)
        st_event_release(&evs[i]);
    free(evs);
    free_logs(logs, nlogs);
    free(nums);
    free(hdr);
    return ret;
}

/* ---- reorgs ---- */

static int handle_reorg(struct scanner *sc, const struct st_checkpoint *cp)
{
    uint64_t nums[SC_MAX_WINDOW], ancestor;
    struct header *hdr;
    size_t n = 0, i;
    uint64_t removed = 0;
    char stored[ST_HASH_SIZE];
    int found = 0;

    if (store_window_blocks(sc->store, cp->block, nums, SC_MAX_WINDOW, &n) < 0)
        return -1;
    if (n == 0) {
        log_warnx("scanner: reorg below every stored block; re-indexing "
                  "from %" PRIu64, cp->start_block);
        ancestor = cp->start_block ? cp->start_block - 1 : 0;
    } else {
        hdr = xcalloc(n, sizeof(*hdr));
        /* Newest first, a batch at a time: the first stored hash the chain
         * still has is the common ancestor (most reorgs need one batch). */
        for (i = 0; i < n && !found; i += SC_REORG_BATCH) {
            size_t m = n - i < SC_REORG_BATCH ? n - i : SC_REORG_BATCH, k;

            if (fetch_headers(sc, &nums[i], m, &hdr[i]) < 0) {
                free(hdr);
                return -1;
            }
            for (k = i; k < i + m && !found; k++) {
                if (store_block_hash(sc->store, nums[k], stored) != 0)
                    continue;
                if (strcmp(stored, hdr[k].hash) == 0) {
                    found = 1;
                    ancestor = nums[k];
                }
            }
        }
        free(hdr);
        if (!found) {
            ancestor = nums[n - 1] ? nums[n - 1] - 1 : 0;
            log_warnx("scanner: reorg deeper than the %zu stored blocks; "
                      "rolling back to %" PRIu64, n, ancestor);
        }
    }
    {
        struct header a;

        if (fetch_headers(sc, &ancestor, 1, &a) < 0)
            return -1;
        if (store_rollback(sc->store, ancestor, a.hash, a.time, NULL,
                           &removed) < 0)
            return -1;
    }
    log_info("scanner: reorg: rolled back %" PRIu64 " blocks to %" PRIu64
             ", %" PRIu64 " rows removed",
             cp->block - ancestor, ancestor, removed);
    return 0;
}

/* ---- range control ---- */

/* Next range size after a refusal of [from, to]. */
static uint64_t shrink(struct scanner *sc, uint64_t from, uint64_t to)
{
    const struct rpc_error *e = &sc->last_err;
    uint64_t width = to - from + 1, next;

    if (e->kind == RPC_ERR_RANGE && e->has_hint && e->hint_from == from &&
        e->hint_to >= from && e->hint_to < to)
        next = e->hint_to - from + 1;
    else if (e->kind == RPC_ERR_RANGE && e->max_range && e->max_range < width)
        next = e->max_range;
    else
        next = width / 2;
    if (next < SC_MIN_RANGE)
        next = SC_MIN_RANGE;
    /* Never ask for the very range that was just refused. */
    if (next >= width)
        next = width / 2 ? width / 2 : 1;
    return next;
}

/*
 * Indexes [from, to] in adaptive ranges.  With advance, block from-1 must
 * be the checkpoint (its hash is checked for reorgs).
 */
static int scan_span(struct scanner *sc, uint64_t from, uint64_t to,
                     int advance)
{
    struct st_checkpoint cp;

    while (from <= to && !stopped(sc)) {
        uint64_t end = from + sc->range - 1, width;
        int r;

        if (end > to || end < from)
            end = to;
        if (advance) {
            if (store_checkpoint(sc->store, &cp) < 0)
                return -1;
            from = cp.block + 1;
            if (from > to)
                break;
            if (end < from)
                end = from + sc->range - 1 > to ? to : from + sc->range - 1;
        }
        if (from == sc->rejected_from && end == sc->rejected_to && end > from)
            end = from + (end - from) / 2;
        width = end - from + 1;
        r = process_range(sc, from, end,
                          advance && cp.hash[0] ? cp.hash : NULL, advance);
        if (r == SC_OK) {
            sc->rejected_from = sc->rejected_to = 0;
            if (sc->range < sc->cfg->max_range)
                sc->range = sc->range + sc->range / 2 + 1 > sc->cfg->max_range
                                ? sc->cfg->max_range
                                : sc->range + sc->range / 2 + 1;
            if (sc->progress)
                sc->progress(&sc->prog, sc->progress_ud);
            if (!advance)
                from = end + 1;
            continue;
        }
        if (r == SC_RANGE) {
            if (width == 1) {
                log_warnx("scanner: the node refuses even the single block "
                          "%" PRIu64 ": %s", from, sc->last_err.message);
                note_error(sc, "eth_getLogs");
                return -1;
            }
            sc->rejected_from = from;
            sc->rejected_to = end;
            sc->range = shrink(sc, from, end);
            log_debug("scanner: range %" PRIu64 "-%" PRIu64 " refused; next "
                      "%" PRIu64 " blocks", from, end, sc->range);
            continue;
        }
        if (r == SC_REORG) {
            if (handle_reorg(sc, &cp) < 0) {
                note_error(sc, "reorg");
                return -1;
            }
            continue;
        }
        note_error(sc, "range");
        return -1;
    }
    return stopped(sc) ? -1 : 0;
}

/* ---- start block ---- */

/* The engine's deployment block: binary search on eth_getCode. */
static int find_deploy_block(struct scanner *sc, uint64_t head, uint64_t *out)
{
    uint64_t lo = 0, hi = head;

    while (lo < hi && !stopped(sc)) {
        uint64_t mid = lo + (hi - lo) / 2;
        json_t *r = NULL;
        const char *code;
        int rc;

        rc = rpc_call(sc->rpc, "eth_getCode",
                      json_pack("[s,o]", sc->engine_hex, qty(mid)), &r,
                      &sc->last_err);
        if (rc != RPC_OK) {
            log_warnx("scanner: cannot find the engine's deployment block "
                      "(the node may keep no history); set [chain] "
                      "start_block");
            return -1;
        }
        code = json_string_value(r);
        if (code && strlen(code) > 2)
            hi = mid;
        else
            lo = mid + 1;
        json_decref(r);
    }
    *out = lo;
    log_info("scanner: engine deployed at block %" PRIu64, lo);
    return 0;
}

/* A fresh index that starts at block start: its checkpoint is start-1 with
 * that block's hash (none before block 0). */
static int init_checkpoint_at(struct scanner *sc, uint64_t start)
{
    char hash[ST_HASH_SIZE] = "";
    int64_t t = 0;

    if (start > 0) {
        struct header h;
        uint64_t prev = start - 1;

        if (fetch_headers(sc, &prev, 1, &h) < 0)
            return -1;
        memcpy(hash, h.hash, ST_HASH_SIZE);
        t = h.time;
    }
    return store_init_checkpoint(sc->store, sc->cfg->chain_id, sc->engine_hex,
                                 start, hash, t);
}

static int ensure_checkpoint(struct scanner *sc, struct st_checkpoint *cp)
{
    uint64_t start = sc->cfg->start_block;

    if (store_checkpoint(sc->store, cp) < 0)
        return -1;
    if (cp->found) {
        if (cp->chain_id != sc->cfg->chain_id) {
            log_warnx("scanner: the database indexes chain %" PRIu64
                      " but [chain] chain_id is %" PRIu64,
                      cp->chain_id, sc->cfg->chain_id);
            return -1;
        }
        return 0;
    }
    if (start == 0 && find_deploy_block(sc, sc->head, &start) < 0)
        return -1;
    if (init_checkpoint_at(sc, start) < 0)
        return -1;
    log_info("scanner: new index from block %" PRIu64, start);
    return store_checkpoint(sc->store, cp);
}

static int refresh_head(struct scanner *sc)
{
    struct header h;

    if (scanner_head(sc, &sc->head) < 0)
        return -1;
    if (fetch_headers(sc, &sc->head, 1, &h) == 0)
        sc->head_time = h.time;
    sc->safe = safe_block(sc, sc->head);
    return 0;
}

int scanner_sync(struct scanner *sc)
{
    struct st_checkpoint cp;
    int r;

    memset(&sc->last_err, 0, sizeof(sc->last_err));
    if (refresh_head(sc) < 0) {
        note_error(sc, "head");
        return -1;
    }
    if (ensure_checkpoint(sc, &cp) < 0) {
        note_error(sc, "start");
        return -1;
    }
    /* cp.block is start-1, which wraps to UINT64_MAX for a chain indexed
     * from block 0: compare the next block instead. */
    if (sc->head + 1 < cp.block + 1) {
        /* A node behind us is lagging, not reorging. */
        log_warnx("scanner: %s reports head %" PRIu64 " below our %" PRIu64
                  "; trying another endpoint",
                  rpc_endpoint(sc->rpc), sc->head, cp.block);
        rpc_rotate(sc->rpc, "lagging head");
        sc->last_err.kind = RPC_OK;
        snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                 "endpoint head %" PRIu64 " is behind the index", sc->head);
        note_error(sc, "lagging node");
        return -1;
    }
    sc->prog.from = cp.block + 1;
    sc->prog.to = sc->head;
    if (!sc->prog.started_us)
        sc->prog.started_us = util_now_us();
    r = scan_span(sc, cp.block + 1, sc->head, 1);
    if (r == 0 && (store_note_state(sc->store, sc->head, sc->head_time,
                                    sc->safe, NULL) < 0 ||
                   store_note_health(sc->store, NULL) < 0))
        r = -1;
    if (util_now_ms() - sc->last_stats_ms > 5000) {
        scanner_save_stats(sc);
        sc->last_stats_ms = util_now_ms();
    }
    return r;
}

int scanner_scan_range(struct scanner *sc, uint64_t from, uint64_t to)
{
    struct st_checkpoint cp;

    if (refresh_head(sc) < 0)
        return -1;
    if (to > sc->head)
        to = sc->head;
    if (from > to) {
        log_warnx("scanner: nothing to scan: %" PRIu64 " is past the head "
                  "%" PRIu64, from, to);
        return -1;
    }
    if (store_checkpoint(sc->store, &cp) < 0)
        return -1;
    if (!cp.found && (init_checkpoint_at(sc, from) < 0 ||
                      store_checkpoint(sc->store, &cp) < 0))
        return -1;
    sc->prog.from = from;
    sc->prog.to = to;
    sc->prog.started_us = util_now_us();
    /* Blocks already indexed are re-read idempotently; the part that
     * continues the checkpoint advances it. */
    if (from < cp.block + 1) {
        uint64_t mid = to < cp.block ? to : cp.block;

        if (scan_span(sc, from, mid, 0) < 0)
            return -1;
        from = mid + 1;
    }
    if (from <= to) {
        if (from == cp.block + 1)
            return scan_span(sc, from, to, 1);
        return scan_span(sc, from, to, 0);
    }
    return 0;
}

int scanner_deep_scan(struct scanner *sc, uint64_t *recovered)
{
    struct st_checkpoint cp;
    int64_t before = 0, after = 0;

    if (refresh_head(sc) < 0 || store_checkpoint(sc->store, &cp) < 0)
        return -1;
    if (!cp.found || cp.block + 1 <= cp.start_block) {
        log_warnx("scanner: nothing indexed yet; run serve or scan first");
        return -1;
    }
    if (store_events(sc->store, &before) < 0)
        return -1;
    sc->prog.from = cp.start_block;
    sc->prog.to = cp.block;
    sc->prog.started_us = util_now_us();
    if (scan_span(sc, cp.start_block, cp.block, 0) < 0 ||
        store_events(sc->store, &after) < 0)
        return -1;
    *recovered = after > before ? (uint64_t)(after - before) : 0;
    return 0;
}

int scanner_block_at_time(struct scanner *sc, int64_t t, uint64_t *block)
{
    uint64_t lo = 0, hi;
    struct header h;

    if (refresh_head(sc) < 0)
        return -1;
    hi = sc->head;
    while (lo < hi && !stopped(sc)) {
        uint64_t mid = lo + (hi - lo) / 2;

        if (fetch_headers(sc, &mid, 1, &h) < 0)
            return -1;
        if (h.time >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    *block = lo;
    return 0;
}

/* ---- the scanner of `serve` ---- */

struct scanner_thread {
    const struct config *cfg;
    struct db *db;             /* the writer connection, owned */
    struct scanner *sc;
    struct worker *w;
};

/* One poll, then the poll interval (the stop flag cuts a backfill short). */
static int64_t scanner_step(struct worker *w, void *arg)
{
    struct scanner_thread *t = arg;

    if (scanner_sync(t->sc) < 0 && !worker_stopping(w))
        log_debug("scanner: poll failed; next try in %" PRIu64 " s",
                  t->cfg->poll_interval);
    return (int64_t)(t->cfg->poll_interval * 1000);
}

/* The last thing on the thread: the RPC counters for /status. */
static void scanner_done(void *arg)
{
    struct scanner_thread *t = arg;

    scanner_save_stats(t->sc);
}

static const struct worker_def scanner_worker = { "scanner", scanner_step,
                                                  scanner_done };

int scanner_thread_start(const struct config *cfg,
                         struct scanner_thread **outp)
{
    struct scanner_thread *t = xcalloc(1, sizeof(*t));

    t->cfg = cfg;
    if (worker_new(&scanner_worker, t, &t->w) < 0 ||
        db_open(cfg->db_path, DB_READWRITE, cfg->busy_timeout, &t->db) < 0 ||
        scanner_new(cfg, t->db, worker_stop_flag(t->w), &t->sc) < 0 ||
        worker_run(t->w) < 0) {
        log_warnx("scanner: cannot start");
        scanner_thread_stop(t);
        return -1;
    }
    log_info("scanner: polling %s every %" PRIu64 " s", cfg->rpc_urls.items[0],
             cfg->poll_interval);
    *outp = t;
    return 0;
}

void scanner_thread_stop(struct scanner_thread *t)
{
    if (!t)
        return;
    worker_stop(t->w);
    scanner_free(t->sc);
    if (t->db && db_checkpoint(t->db) < 0)
        log_warnx("scanner: WAL checkpoint at exit failed");
    db_close(t->db);
    free(t);
}
