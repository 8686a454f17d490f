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
#include <pthread.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/arbius.h"
#include "arbiusd/buf.h"
#include "arbiusd/cid.h"
#include "arbiusd/hex.h"
#include "arbiusd/log.h"
#include "arbiusd/logs.h"
#include "arbiusd/lookup.h"
#include "arbiusd/recover.h"
#include "arbiusd/rpc.h"
#include "arbiusd/store.h"
#include "arbiusd/worker.h"

#define SC_MIN_RANGE 1
#define SC_MAX_WINDOW 1024
#define SC_REORG_BATCH 32 /* window headers fetched per request */

enum { SC_OK = 0, SC_FAIL = -1, SC_RANGE = -2, SC_REORG = -3, SC_LAG = -4 };

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
    struct recover *recover; /* inputs, owners, cids beyond logs */
    struct buf body;         /* eth_getLogs replies, read in place */
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
    int caught_up;                /* the last sync reached the head: poll */
    void (*on_commit)(void *arg); /* after each committed range, or NULL */
    void *on_commit_arg;
    uint64_t last_fail_note_ms; /* on_attempt_failed's last write */
    /* A backfill's fetcher thread uses the client while this thread
     * commits: the lookups of a commit take rpc_lock (the fetcher holds it
     * while it reads a range), and a failure the fetcher meets waits in
     * fail_note for this thread to record it (the store is this
     * thread's).  rpc_lock is recursive: a lookup's failed attempt saves
     * the counters while its thread holds it. */
    pthread_mutex_t rpc_lock;
    pthread_mutex_t note_lock;
    /* What polls committed from eth_getLogs up to "latest" and no later
     * explicit read has confirmed yet (poll_verify): from the checkpoint
     * before it, through to, with nlogs logs. */
    struct {
        int on;
        struct st_checkpoint cp;
        uint64_t to;
        size_t nlogs;
    } vfy;
    struct rpc_error fail_note;
    int fail_noted;
};

/* Set on the fetcher's thread (see struct scanner). */
static _Thread_local int on_fetcher;

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
    o.batch_max = cfg->rpc_batch;
    o.summary_s = cfg->log_summary_interval;
    o.on_fail = on_attempt_failed;
    o.on_fail_ud = sc;
    sc->cfg = cfg;
    sc->db = db;
    sc->stop = stop;
    sc->range = cfg->max_range < 2000 ? cfg->max_range : 2000;
    buf_init(&sc->body, BUF_MAX_DEFAULT);
    {
        pthread_mutexattr_t ma;

        pthread_mutexattr_init(&ma);
        pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&sc->rpc_lock, &ma);
        pthread_mutexattr_destroy(&ma);
    }
    pthread_mutex_init(&sc->note_lock, NULL);
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
    sc->recover = recover_new(sc->rpc, &sc->addrs);
    *outp = sc;
    return 0;
}

void scanner_free(struct scanner *sc)
{
    if (!sc)
        return;
    recover_free(sc->recover);
    buf_release(&sc->body);
    pthread_mutex_destroy(&sc->rpc_lock);
    pthread_mutex_destroy(&sc->note_lock);
    rpc_free(sc->rpc);
    store_free(sc->store);
    free(sc);
}

void scanner_set_progress(struct scanner *sc, scan_progress_fn fn, void *ud)
{
    sc->progress = fn;
    sc->progress_ud = ud;
}

void scanner_set_commit_hook(struct scanner *sc, void (*fn)(void *arg),
                             void *arg)
{
    sc->on_commit = fn;
    sc->on_commit_arg = arg;
}

void scanner_save_stats(struct scanner *sc)
{
    json_t *j;
    char *s;

    /* The fetcher counts requests under rpc_lock; this thread may hold it
     * already (a lookup's failed attempt), hence a recursive lock. */
    pthread_mutex_lock(&sc->rpc_lock);
    j = rpc_stats_json(sc->rpc);
    pthread_mutex_unlock(&sc->rpc_lock);
    s = j ? json_dumps(j, JSON_COMPACT) : NULL;

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

    if (err->kind != RPC_ERR_TRANSPORT && err->kind != RPC_ERR_WRONG_CHAIN)
        return;
    if (on_fetcher) {
        pthread_mutex_lock(&sc->note_lock);
        sc->fail_note = *err;
        sc->fail_noted = 1;
        pthread_mutex_unlock(&sc->note_lock);
        return;
    }
    if (util_now_ms() - sc->last_fail_note_ms < 1000)
        return;
    sc->last_fail_note_ms = util_now_ms();
    scanner_save_stats(sc);
    if (store_note_health(sc->store, &h) < 0)
        log_warnx("scanner: could not record the error");
}

/* Records the failure the fetcher met last, if any (on the store's
 * thread). */
static void note_fetcher_failure(struct scanner *sc)
{
    struct rpc_error e;
    int noted;

    pthread_mutex_lock(&sc->note_lock);
    noted = sc->fail_noted;
    sc->fail_noted = 0;
    if (noted)
        e = sc->fail_note;
    pthread_mutex_unlock(&sc->note_lock);
    if (noted)
        on_attempt_failed(sc, &e);
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

/* Counts the HTTP requests since before (an rpc_requests_sent value). */
static void count_requests(struct scanner *sc, uint64_t before)
{
    sc->prog.requests += rpc_requests_sent(sc->rpc) - before;
}

/* Records a missing or malformed header of block n as the error. */
static void bad_header(struct scanner *sc, uint64_t n,
                       const struct rpc_error *e)
{
    sc->last_err = *e;
    if (sc->last_err.kind != RPC_OK)
        return;
    sc->last_err.kind = RPC_ERR_BAD_REPLY;
    snprintf(sc->last_err.message, sizeof(sc->last_err.message),
             "block %" PRIu64 " missing or malformed", n);
    log_warnx("scanner: %s", sc->last_err.message);
}

/*
 * The headers of blocks nums[0..nn) into hdr and the transactions
 * hashes[0..nt) into txs (new references; NULL when the node does not know
 * one), in one batch (rpc_batch splits it as the endpoint needs).  0, or
 * -1 with sc->last_err set (a header missing, or the transport).
 */
static int fetch_blocks(struct scanner *sc, const uint64_t *nums, size_t nn,
                        struct header *hdr, char (*hashes)[ST_HASH_SIZE],
                        size_t nt, json_t **txs)
{
    size_t n = nn + nt, i;
    const char **methods = xcalloc(n + 1, sizeof(*methods));
    json_t **params = xcalloc(n + 1, sizeof(*params));
    json_t **res = xcalloc(n + 1, sizeof(*res));
    struct rpc_error *errs = xcalloc(n + 1, sizeof(*errs));
    uint64_t before = rpc_requests_sent(sc->rpc);
    int ret = -1;

    for (i = 0; i < n; i++) {
        methods[i] =
            i < nn ? "eth_getBlockByNumber" : "eth_getTransactionByHash";
        params[i] = i < nn ? json_pack("[o,b]", qty(nums[i]), 0)
                           : json_pack("[s]", hashes[i - nn]);
    }
    if (rpc_batch(sc->rpc, n, methods, params, res, errs) != RPC_OK) {
        sc->last_err = errs[0];
        goto out;
    }
    for (i = 0; i < nn; i++)
        if (!res[i] || parse_header(res[i], &hdr[i]) < 0 ||
            hdr[i].number != nums[i]) {
            bad_header(sc, nums[i], &errs[i]);
            goto out;
        }
    for (i = nn; i < n; i++) {
        /* A transaction the node does not know (null, an error object)
         * leaves views and traces to say what they can. */
        if (!res[i] && errs[i].kind != RPC_ERR_RPC) {
            sc->last_err = errs[i];
            goto out;
        }
        txs[i - nn] = res[i];
        res[i] = NULL;
    }
    ret = 0;
out:
    count_requests(sc, before);
    for (i = 0; i < n; i++)
        json_decref(res[i]);
    free(methods);
    free(params);
    free(res);
    free(errs);
    return ret;
}

/* Fetches headers of blocks nums[0..n) (batched).  0 or -1. */
static int fetch_headers(struct scanner *sc, const uint64_t *nums, size_t n,
                         struct header *out)
{
    return fetch_blocks(sc, nums, n, out, NULL, 0, NULL);
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

/* Finality: the node's "safe" tag where it has one, else a fixed depth;
 * from an answer to eth_getBlockByNumber("safe") (res NULL: the call
 * failed with e).  A node without a usable tag is remembered. */
static uint64_t safe_from(struct scanner *sc, uint64_t head, const json_t *res,
                          const struct rpc_error *e)
{
    struct header h;

    if (res && parse_header(res, &h) == 0) {
        sc->tags = 1;
        return h.number <= head ? h.number : head;
    }
    if (sc->tags >= 0 && (e->kind == RPC_ERR_RPC || e->kind == RPC_OK)) {
        log_info("scanner: node has no usable \"safe\" tag; using a "
                 "depth of %" PRIu64 " blocks",
                 sc->cfg->confirmations);
        sc->tags = -1;
    }
    return head > sc->cfg->confirmations ? head - sc->cfg->confirmations : 0;
}

/* The safe block, asked on its own (the backfill's head). */
static uint64_t safe_block(struct scanner *sc, uint64_t head)
{
    struct rpc_error e;
    json_t *r = NULL;
    uint64_t safe;

    memset(&e, 0, sizeof(e));
    if (sc->tags < 0)
        return safe_from(sc, head, NULL, &e);
    if (rpc_call(sc->rpc, "eth_getBlockByNumber",
                 json_pack("[s,b]", "safe", 0), &r, &e) != RPC_OK)
        r = NULL;
    safe = safe_from(sc, head, r, &e);
    json_decref(r);
    return safe;
}

/* ---- logs ---- */

static int cmp_log(const void *a, const void *b)
{
    const struct logs_entry *x = a, *y = b;

    if (x->log.block != y->log.block)
        return x->log.block < y->log.block ? -1 : 1;
    return x->log.log_index < y->log.log_index ? -1
           : x->log.log_index > y->log.log_index;
}

static int parse_log(const json_t *o, struct logs_entry *rl)
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

/* The params of both eth_getLogs of [from, to] (to 0: "latest"): engine
 * and router logs, and AIUS transfers out of the engine. */
static void logs_params(const struct scanner *sc, uint64_t from, uint64_t to,
                        json_t *params[2])
{
    json_t *addrs = json_pack("[s]", sc->engine_hex);
    json_t *t1 = to ? qty(to) : json_string("latest");
    json_t *t2 = to ? qty(to) : json_string("latest");
    char topic_engine[ST_HASH_SIZE];

    if (sc->addrs.has_router)
        json_array_append_new(addrs, json_string(sc->router_hex));
    snprintf(topic_engine, sizeof(topic_engine),
             "0x000000000000000000000000%s", sc->engine_hex + 2);
    params[0] = json_pack("[{s:o,s:o,s:o}]", "fromBlock", qty(from), "toBlock",
                          t1, "address", addrs);
    params[1] = json_pack(
        "[{s:o,s:o,s:s,s:[s,s]}]", "fromBlock", qty(from), "toBlock", t2,
        "address", sc->token_hex, "topics",
        "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
        topic_engine);
}

/* Records a reply that is not what eth_getLogs promises. */
static int logs_bad(struct scanner *sc, const char *what, uint64_t from,
                    uint64_t to)
{
    sc->last_err.kind = RPC_ERR_BAD_REPLY;
    snprintf(sc->last_err.message, sizeof(sc->last_err.message), "%s", what);
    log_warnx("scanner: %s (%" PRIu64 "-%" PRIu64 ")", sc->last_err.message,
              from, to);
    return SC_FAIL;
}

/* Appends the logs of one eth_getLogs answer (the general parser).
 * SC_OK or SC_FAIL. */
static int logs_add(struct scanner *sc, const json_t *arr, uint64_t from,
                    uint64_t to, struct logs_entry **logs, size_t *n,
                    size_t *cap)
{
    size_t i;

    if (!json_is_array(arr))
        return logs_bad(sc, "eth_getLogs result is not an array", from, to);
    for (i = 0; i < json_array_size(arr); i++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *logs = xrealloc(*logs, *cap * sizeof(**logs));
        }
        if (parse_log(json_array_get(arr, i), &(*logs)[*n]) < 0) {
            free((*logs)[*n].data);
            return logs_bad(sc,
                            "eth_getLogs returned a malformed or removed log",
                            from, to);
        }
        (*n)++;
    }
    return SC_OK;
}

/*
 * Checks the logs[0..n) of [from, to] (taking the array): in the range
 * (with clip, logs above to are left out: a "latest" range read past the
 * head we name), sorted, no log twice.  SC_OK with *outp and *np, or
 * SC_FAIL.
 */
static int logs_check(struct scanner *sc, struct logs_entry *logs, size_t n,
                      uint64_t from, uint64_t to, int clip,
                      struct logs_entry **outp, size_t *np)
{
    size_t i, j = 0;
    int ret = SC_OK;

    for (i = 0; i < n; i++) {
        if (logs[i].log.block < from || (logs[i].log.block > to && !clip)) {
            ret = logs_bad(sc, "eth_getLogs returned a log out of the range",
                           from, to);
            break;
        }
        if (logs[i].log.block > to)
            free(logs[i].data);
        else
            logs[j++] = logs[i];
    }
    if (ret != SC_OK) {
        for (; i < n; i++)
            logs[j++] = logs[i];
        logs_free(logs, j);
        return ret;
    }
    n = j;
    if (n > 1)
        qsort(logs, n, sizeof(*logs), cmp_log);
    /* The same log twice (a buggy node) would be ambiguous: refuse. */
    for (i = 1; i < n && ret == SC_OK; i++) {
        if (logs[i].log.block == logs[i - 1].log.block &&
            logs[i].log.log_index == logs[i - 1].log.log_index) {
            char what[96];

            snprintf(what, sizeof(what), "duplicate log %" PRIu64 "/%u",
                     logs[i].log.block, logs[i].log.log_index);
            ret = logs_bad(sc, what, from, to);
        }
    }
    if (ret != SC_OK) {
        logs_free(logs, n);
        return ret;
    }
    *outp = logs;
    *np = n;
    return SC_OK;
}

/*
 * The logs of both eth_getLogs answers res[2] (errs when NULL) of [from,
 * to] (see logs_check).  Returns SC_OK, SC_RANGE (a refusal a smaller
 * range may pass) or SC_FAIL.
 */
static int logs_parse(struct scanner *sc, json_t *const res[2],
                      const struct rpc_error errs[2], uint64_t from,
                      uint64_t to, int clip, struct logs_entry **outp,
                      size_t *np)
{
    struct logs_entry *logs = NULL;
    size_t n = 0, cap = 0, k;
    int ret = SC_OK;

    for (k = 0; k < 2 && ret == SC_OK; k++)
        ret = res[k] ? logs_add(sc, res[k], from, to, &logs, &n, &cap)
                     : logs_refused(sc, &errs[k]);
    if (ret != SC_OK) {
        logs_free(logs, n);
        return ret;
    }
    return logs_check(sc, logs, n, from, to, clip, outp, np);
}

/* Both eth_getLogs of a range through rpc_batch and the general parser.
 * Returns SC_OK, SC_RANGE or SC_FAIL. */
static int fetch_logs_json(struct scanner *sc, uint64_t from, uint64_t to,
                           struct logs_entry **outp, size_t *np)
{
    const char *methods[2] = { "eth_getLogs", "eth_getLogs" };
    json_t *params[2], *res[2] = { NULL, NULL };
    struct rpc_error errs[2];
    uint64_t before = rpc_requests_sent(sc->rpc);
    int rc, ret;

    logs_params(sc, from, to, params);
    rc = rpc_batch(sc->rpc, 2, methods, params, res, errs);
    count_requests(sc, before);
    ret = rc != RPC_OK ? logs_refused(sc, &errs[0])
                       : logs_parse(sc, res, errs, from, to, 0, outp, np);
    json_decref(res[0]);
    json_decref(res[1]);
    return ret;
}

/*
 * Both eth_getLogs of a range, in one request, read in place (logs.h);
 * a reply of another shape (a refusal, throttled items, escapes) goes the
 * general way, rpc_batch with its item retries.  Returns SC_OK, SC_RANGE
 * or SC_FAIL.
 */
static int fetch_logs(struct scanner *sc, uint64_t from, uint64_t to,
                      struct logs_entry **outp, size_t *np)
{
    const char *methods[2] = { "eth_getLogs", "eth_getLogs" };
    json_t *params[2];
    struct rpc_error err;
    struct logs_entry *logs;
    uint64_t before = rpc_requests_sent(sc->rpc);
    json_int_t id0 = 0;
    size_t n;
    int rc;

    logs_params(sc, from, to, params);
    rc = rpc_batch_raw(sc->rpc, 2, methods, params, &sc->body, &id0, &err);
    count_requests(sc, before);
    if (rc == RPC_OK &&
        logs_from_reply(sc->body.data, sc->body.len, id0, 2, &logs, &n) == 0)
        return logs_check(sc, logs, n, from, to, 0, outp, np);
    if (rc != RPC_OK && !err.batch_rejected && !err.batch_too_large)
        return logs_refused(sc, &err);
    return fetch_logs_json(sc, from, to, outp, np);
}

/* ---- one range ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int cmp_header(const void *a, const void *b)
{
    return cmp_u64(&((const struct header *)a)->number,
                   &((const struct header *)b)->number);
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

/* The blocks whose headers a range needs: to (unless known_to: its header
 * is at hand), from when its parent is checked, and every block with a
 * log; sorted and distinct.  Returns a new array (caller frees) and its
 * length in *np. */
static uint64_t *range_blocks(const struct logs_entry *logs, size_t nlogs,
                              uint64_t from, uint64_t to, int with_from,
                              int known_to, size_t *np)
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
        if ((j == 0 || nums[j - 1] != nums[i]) && !(known_to && nums[i] == to))
            nums[j++] = nums[i];
    *np = j;
    return nums;
}

/*
 * Checks the headers just read against the range's logs: every log has
 * the hash of its block's header.  Returns SC_OK, or SC_FAIL (the chain
 * moved while reading: try again).
 */
static int check_headers(struct scanner *sc, const struct header *hdr,
                         size_t nh, const struct logs_entry *logs,
                         size_t nlogs)
{
    size_t i;

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
 * and frees); *nev gets the count.  Block times come later. */
static struct st_event *decode_logs(const struct scanner *sc,
                                    const struct logs_entry *logs,
                                    size_t nlogs, size_t *nev)
{
    struct st_event *evs = xcalloc(nlogs ? nlogs : 1, sizeof(*evs));
    size_t i, n = 0;

    for (i = 0; i < nlogs; i++)
        if (arbius_decode_log(&logs[i].log, &sc->addrs, &evs[n]) ==
            ARBIUS_LOG_KEPT)
            n++;
    *nev = n;
    return evs;
}

/* A range read from the node, decoded and completed: what its commit
 * needs.  fetched_release() frees it. */
struct fetched {
    struct header *hdr; /* sorted by number */
    size_t nh;
    struct st_event *evs;
    size_t nev;
};

static void fetched_release(struct fetched *f)
{
    size_t i;

    for (i = 0; i < f->nev; i++)
        st_event_release(&f->evs[i]);
    free(f->evs);
    free(f->hdr);
    memset(f, 0, sizeof(*f));
}

/* Block times from the headers; the reorg window's hashes from them too. */
static void set_times(struct st_event *evs, size_t n, const struct header *hdr,
                      size_t nh)
{
    size_t i;

    for (i = 0; i < n; i++)
        evs[i].pos.time = find_header(hdr, nh, evs[i].pos.block)->time;
}

/*
 * Reads what [from, to] needs beyond its logs in one batch: the headers (of
 * to unless to_hdr has it, of from with with_from, of every block with a
 * log) and the calldata of its tasks, solutions and models; checks them
 * and completes the events (recover.h; prev is the task before from, or
 * NULL; views at view_block).  Returns SC_OK with *out filled, or SC_FAIL.
 */
static int read_range(struct scanner *sc, uint64_t from, uint64_t to,
                      int with_from, const struct header *to_hdr,
                      const char *prev, uint64_t view_block,
                      const struct logs_entry *logs, size_t nlogs,
                      struct fetched *out)
{
    struct fetched f = { NULL, 0, NULL, 0 };
    struct recover_counts c;
    char(*hashes)[ST_HASH_SIZE];
    uint64_t *nums;
    json_t **txs;
    size_t nn, nt = 0, i;
    int ret = SC_FAIL;

    f.evs = decode_logs(sc, logs, nlogs, &f.nev);
    arbius_link_payouts(f.evs, f.nev);
    hashes = recover_txs(f.evs, f.nev, &nt);
    nums = range_blocks(logs, nlogs, from, to, with_from, to_hdr != NULL, &nn);
    f.hdr = xcalloc(nn + 1, sizeof(*f.hdr));
    txs = xcalloc(nt + 1, sizeof(*txs));
    if (fetch_blocks(sc, nums, nn, f.hdr, hashes, nt, txs) < 0)
        goto out;
    f.nh = nn;
    if (to_hdr) {
        f.hdr[f.nh++] = *to_hdr;
        qsort(f.hdr, f.nh, sizeof(*f.hdr), cmp_header);
    }
    if (check_headers(sc, f.hdr, f.nh, logs, nlogs) != SC_OK)
        goto out;
    set_times(f.evs, f.nev, f.hdr, f.nh);
    if (recover_range(sc->recover, f.evs, f.nev, txs, prev, view_block, &c,
                      &sc->last_err) < 0)
        goto out;
    sc->prog.requests += c.requests;
    *out = f;
    memset(&f, 0, sizeof(f));
    ret = SC_OK;
out:
    for (i = 0; i < nt; i++)
        json_decref(txs[i]);
    free(txs);
    free(hashes);
    free(nums);
    fetched_release(&f);
    return ret;
}

/*
 * Writes [from, to] in one transaction: the events, the headers read for
 * the reorg window, and (with advance) the checkpoint at to; then counts
 * the progress.  0, or -1 (logged; a fetcher may still be using
 * sc->last_err, so the caller records the failure).
 */
static int commit_range(struct scanner *sc, uint64_t from, uint64_t to,
                        int advance, const struct fetched *fr,
                        struct st_model *models, size_t nmodels)
{
    const struct header *hdr = fr->hdr, *t = find_header(hdr, fr->nh, to);
    size_t nh = fr->nh, i;
    uint64_t *bn = xcalloc(nh, sizeof(*bn));
    char(*bh)[ST_HASH_SIZE] = xcalloc(nh, sizeof(*bh));
    char(*bp)[ST_HASH_SIZE] = xcalloc(nh, sizeof(*bp));
    int64_t *bt = xcalloc(nh, sizeof(*bt));
    struct st_range r;
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
    if (store_commit_range(sc->store, &r, fr->evs, fr->nev) < 0)
        goto out;
    sc->prog.events += fr->nev;
    sc->prog.ranges++;
    sc->prog.done_to = to;
    if (to > sc->head) {
        sc->head = to;
        sc->head_time = r.to_time;
    }
    if (sc->on_commit)
        sc->on_commit(sc->on_commit_arg);
    ret = 0;
out:
    free(bn);
    free(bh);
    free(bp);
    free(bt);
    return ret;
}

/* Records a failed database write as the scanner's error: SC_FAIL. */
static int db_failed(struct scanner *sc)
{
    sc->last_err.kind = RPC_OK;
    snprintf(sc->last_err.message, sizeof(sc->last_err.message),
             "database write failed");
    return SC_FAIL;
}

/* ---- what a range needs from the chain's state (lookup.h) ---- */

/*
 * The range's lookups (lookup_range) and its commit, on the store's
 * thread: adders into fr's events, models into the commit.  A fetcher may
 * be reading ahead, so the views take rpc_lock and a failure goes to err,
 * not sc->last_err.  Returns 0, -1 (a lookup failed: err) or -2 (the
 * database write failed).
 */
static int learn_commit(struct scanner *sc, uint64_t from, uint64_t to,
                        int advance, struct fetched *fr, struct rpc_error *err)
{
    const struct lookup_ctx ctx = { sc->rpc,  sc->store,      sc->cfg,
                                    sc->stop, sc->engine_hex, &sc->rpc_lock };
    struct st_model *models = NULL;
    size_t nmodels = 0, i;
    int r = lookup_range(&ctx, fr->evs, fr->nev, to, &models, &nmodels, err);

    if (r >= 0) {
        pthread_mutex_lock(&sc->rpc_lock);
        sc->prog.requests += (uint64_t)r;
        pthread_mutex_unlock(&sc->rpc_lock);
        r = commit_range(sc, from, to, advance, fr, models, nmodels) < 0 ? -2
                                                                         : 0;
    }
    for (i = 0; i < nmodels; i++)
        free(models[i].template_bytes);
    free(models);
    return r;
}

/* The id of the indexed task before block from into prev: prev, or NULL
 * when there is none; -1 on a database error (as a failed range). */
static int task_before(struct scanner *sc, uint64_t from,
                       char prev[ST_HASH_SIZE], const char **outp)
{
    int r = store_task_before(sc->store, from, prev);

    if (r < 0) {
        sc->last_err.kind = RPC_OK;
        snprintf(sc->last_err.message, sizeof(sc->last_err.message),
                 "database read failed");
        return -1;
    }
    *outp = r == 0 ? prev : NULL;
    return 0;
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

/* ---- the backfill: ranges fetched ahead of their commit ---- */

/*
 * A span is indexed by two threads: a fetcher (a worker with the RPC client
 * to itself for the span) reads ranges ahead, SC_QUEUE at most, while the
 * scanner's own thread commits them in order, so the node is asked for the
 * next range while the last one is written.  Ranges aim at
 * SC_TARGET_EVENTS events (the density of the previous range says how many
 * blocks that is; a span's first range is SC_FIRST_RANGE blocks), within
 * the AIMD range the node accepts.  The fetcher touches only what the
 * committer leaves alone: the RPC client, the recover state, the range
 * control and sc->last_err (read by the committer once the fetcher ended).
 */
#define SC_QUEUE         2
#define SC_TARGET_EVENTS 4000
#define SC_FIRST_RANGE   32

/* What the fetcher hands over: a range, or its last word. */
struct fitem {
    int rc; /* SC_OK: a range; SC_FAIL; 1: the span done */
    uint64_t from, to;
    struct fetched f;
};

struct fetcher {
    struct scanner *sc;
    struct worker *w;
    uint64_t next, to;       /* next block to read, the span's last */
    int with_from;           /* read each range's first header too */
    uint64_t view_block;     /* views of the span at this block */
    char prev[ST_HASH_SIZE]; /* the last task read, "" none */
    uint64_t blocks, events; /* the previous range's size and logs */
    pthread_mutex_t lock;
    pthread_cond_t cond;      /* an item was pushed */
    struct fitem q[SC_QUEUE]; /* a ring */
    size_t qhead, qlen;
};

static void fetcher_push(struct fetcher *fe, const struct fitem *it)
{
    pthread_mutex_lock(&fe->lock);
    fe->q[(fe->qhead + fe->qlen++) % SC_QUEUE] = *it;
    pthread_cond_signal(&fe->cond);
    pthread_mutex_unlock(&fe->lock);
}

/* The end of the next range from fe->next: the AIMD range, the density of
 * the previous range, never the very range just refused. */
static uint64_t next_end(const struct fetcher *fe)
{
    const struct scanner *sc = fe->sc;
    uint64_t from = fe->next, w = sc->range, end;

    if (fe->blocks == 0 && w > SC_FIRST_RANGE)
        w = SC_FIRST_RANGE;
    if (fe->events >= SC_TARGET_EVENTS &&
        fe->blocks * SC_TARGET_EVENTS / fe->events < w)
        w = fe->blocks * SC_TARGET_EVENTS / fe->events;
    if (w == 0)
        w = 1;
    end = from + w - 1;
    if (end > fe->to || end < from)
        end = fe->to;
    if (from == sc->rejected_from && end == sc->rejected_to && end > from)
        end = from + (end - from) / 2;
    return end;
}

/* After a refusal of [from, end]: a smaller range next, SC_RANGE; or
 * SC_FAIL when even one block is refused. */
static int refused_range(struct scanner *sc, uint64_t from, uint64_t end)
{
    if (end == from) {
        log_warnx("scanner: the node refuses even the single block %" PRIu64
                  ": %s",
                  from, sc->last_err.message);
        return SC_FAIL;
    }
    sc->rejected_from = from;
    sc->rejected_to = end;
    sc->range = shrink(sc, from, end);
    log_debug("scanner: range %" PRIu64 "-%" PRIu64 " refused; next %" PRIu64
              " blocks",
              from, end, sc->range);
    return SC_RANGE;
}

/* Reads [from, end] into it (logs, headers, calldata, views).  Returns
 * SC_OK, SC_RANGE or SC_FAIL. */
static int fetch_one(struct fetcher *fe, uint64_t from, uint64_t end,
                     struct fitem *it)
{
    struct scanner *sc = fe->sc;
    struct logs_entry *logs = NULL;
    size_t nlogs = 0, i;
    uint64_t t0 = util_now_ms(), t1;
    int r = fetch_logs(sc, from, end, &logs, &nlogs);

    if (r == SC_RANGE)
        return refused_range(sc, from, end);
    if (r != SC_OK)
        return r;
    t1 = util_now_ms();
    r = read_range(sc, from, end, fe->with_from, NULL,
                   fe->prev[0] ? fe->prev : NULL, fe->view_block, logs, nlogs,
                   &it->f);
    log_debug("scanner: %" PRIu64 "-%" PRIu64 ": %zu logs in %" PRIu64
              " ms, read in %" PRIu64 " ms",
              from, end, nlogs, t1 - t0, util_now_ms() - t1);
    logs_free(logs, nlogs);
    if (r != SC_OK)
        return r;
    for (i = it->f.nev; i-- > 0;)
        if (it->f.evs[i].kind == ST_TASK) {
            memcpy(fe->prev, it->f.evs[i].u.task.id, ST_HASH_SIZE);
            break;
        }
    fe->blocks = end - from + 1;
    fe->events = nlogs;
    return SC_OK;
}

/* The fetcher's step: one range, unless the queue is full (the committer
 * wakes it) or the span is read. */
static int64_t fetch_step(struct worker *w, void *arg)
{
    struct fetcher *fe = arg;
    struct scanner *sc = fe->sc;
    struct fitem it;
    uint64_t end;
    int full, r;

    pthread_mutex_lock(&fe->lock);
    full = fe->qlen == SC_QUEUE;
    pthread_mutex_unlock(&fe->lock);
    if (full)
        return 1000;
    memset(&it, 0, sizeof(it));
    it.rc = 1;
    if (fe->next > fe->to || worker_stopping(w) || stopped(sc)) {
        fetcher_push(fe, &it);
        return WORKER_DONE;
    }
    end = next_end(fe);
    on_fetcher = 1;
    pthread_mutex_lock(&sc->rpc_lock);
    r = fetch_one(fe, fe->next, end, &it);
    pthread_mutex_unlock(&sc->rpc_lock);
    if (r == SC_RANGE)
        return 0;
    it.rc = r;
    it.from = fe->next;
    it.to = end;
    if (r == SC_OK) {
        sc->rejected_from = sc->rejected_to = 0;
        if (sc->range < sc->cfg->max_range)
            sc->range = sc->range + sc->range / 2 + 1 > sc->cfg->max_range
                            ? sc->cfg->max_range
                            : sc->range + sc->range / 2 + 1;
        fe->next = end + 1;
    }
    fetcher_push(fe, &it);
    return r == SC_OK ? 0 : WORKER_DONE;
}

static const struct worker_def fetcher_worker = { "scan-fetch", fetch_step,
                                                  NULL };

/* Waits for the fetcher's next item.  */
static void fetcher_pop(struct fetcher *fe, struct fitem *it)
{
    pthread_mutex_lock(&fe->lock);
    while (fe->qlen == 0) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec++;
        if (pthread_cond_timedwait(&fe->cond, &fe->lock, &ts) != 0) {
            /* A fetcher retrying for long: say so on /status now. */
            pthread_mutex_unlock(&fe->lock);
            note_fetcher_failure(fe->sc);
            pthread_mutex_lock(&fe->lock);
        }
    }
    *it = fe->q[fe->qhead];
    fe->qhead = (fe->qhead + 1) % SC_QUEUE;
    fe->qlen--;
    pthread_mutex_unlock(&fe->lock);
    if (fe->w)
        worker_wake(fe->w); /* room in the queue */
}

/* Commits one fetched range: with advance, its first block must follow the
 * checkpoint cp (moved to the range's end).  SC_OK, SC_REORG or SC_FAIL
 * (a lookup's failure in *err, else the database's). */
static int commit_item(struct scanner *sc, struct fitem *it, int advance,
                       struct st_checkpoint *cp, struct rpc_error *err)
{
    const struct header *f = find_header(it->f.hdr, it->f.nh, it->from);

    if (advance && cp->hash[0] && strcmp(f->parent, cp->hash) != 0) {
        log_info("scanner: block %" PRIu64 " has parent %s, we indexed %s: "
                 "reorg",
                 it->from, f->parent, cp->hash);
        return SC_REORG;
    }
    uint64_t t0 = util_now_ms();

    if (learn_commit(sc, it->from, it->to, advance, &it->f, err) < 0)
        return SC_FAIL;
    log_debug("scanner: %" PRIu64 "-%" PRIu64 ": %zu events committed in "
              "%" PRIu64 " ms",
              it->from, it->to, it->f.nev, util_now_ms() - t0);
    cp->block = it->to;
    memcpy(cp->hash, find_header(it->f.hdr, it->f.nh, it->to)->hash,
           ST_HASH_SIZE);
    if (sc->progress)
        sc->progress(&sc->prog, sc->progress_ud);
    return SC_OK;
}

/*
 * Indexes [from, to] with a fetcher ahead of the commits.  cp is the
 * checkpoint for advance.  Returns SC_OK, SC_REORG (cp's block was
 * replaced) or SC_FAIL, with sc->last_err set.
 */
static int span_pipeline(struct scanner *sc, uint64_t from, uint64_t to,
                         int advance, struct st_checkpoint *cp)
{
    struct fetcher fe;
    struct fitem it;
    struct rpc_error lerr;
    const char *prev = NULL;
    int ret = SC_FAIL, db = 0;

    memset(&fe, 0, sizeof(fe));
    memset(&lerr, 0, sizeof(lerr));
    fe.sc = sc;
    fe.next = from;
    fe.to = to;
    fe.with_from = advance;
    fe.view_block = sc->head;
    if (task_before(sc, from, fe.prev, &prev) < 0)
        return SC_FAIL;
    pthread_mutex_init(&fe.lock, NULL);
    pthread_cond_init(&fe.cond, NULL);
    store_backfill(sc->store, 1);
    if (worker_new(&fetcher_worker, &fe, &fe.w) < 0 || worker_run(fe.w) < 0)
        goto out;
    for (;;) {
        fetcher_pop(&fe, &it);
        ret =
            it.rc == SC_OK ? commit_item(sc, &it, advance, cp, &lerr) : it.rc;
        db = it.rc == SC_OK && ret == SC_FAIL;
        fetched_release(&it.f);
        if (ret != SC_OK)
            break;
    }
    ret = ret == 1 ? SC_OK : ret;
out:
    worker_stop(fe.w);
    fe.w = NULL;
    while (fe.qlen) {
        fetcher_pop(&fe, &it);
        fetched_release(&it.f);
    }
    pthread_cond_destroy(&fe.cond);
    pthread_mutex_destroy(&fe.lock);
    store_backfill(sc->store, 0);
    note_fetcher_failure(sc);
    if (db && lerr.message[0]) {
        sc->last_err = lerr;
        return SC_FAIL;
    }
    return db ? db_failed(sc) : ret;
}

/*
 * Indexes [from, to] in adaptive ranges.  With advance, block from-1 must
 * be the checkpoint (its hash is checked for reorgs).
 */
static int scan_span(struct scanner *sc, uint64_t from, uint64_t to,
                     int advance)
{
    struct st_checkpoint cp;

    memset(&cp, 0, sizeof(cp));
    while (from <= to && !stopped(sc)) {
        int r;

        if (advance) {
            if (store_checkpoint(sc->store, &cp) < 0)
                return -1;
            from = cp.block + 1;
            if (from > to)
                break;
        }
        r = span_pipeline(sc, from, to, advance, &cp);
        if (r == SC_OK)
            break;
        if (r == SC_REORG) {
            if (handle_reorg(sc, &cp) < 0) {
                note_error(sc, "reorg");
                return -1;
            }
            continue;
        }
        if (!stopped(sc))
            note_error(sc, "range");
        return -1;
    }
    return stopped(sc) ? -1 : 0;
}

/* ---- the head: one request per poll ---- */

/* One poll's batch: its answers and the headers in them. */
struct poll {
    json_t *res[7];
    struct rpc_error errs[7];
    size_t n;             /* calls sent: 5 with the "safe" tag */
    size_t nv;            /* and 2 more: the logs of sc->vfy's span */
    struct header latest; /* the head */
    struct header at_cp;  /* the checkpoint block as the node has it */
};

static void poll_release(struct poll *p)
{
    size_t i;

    for (i = 0; i < p->n + p->nv; i++)
        json_decref(p->res[i]);
}

/*
 * Sends the poll: the head's header ("latest"), the checkpoint block's
 * header (a reorg below the checkpoint changes its hash), both eth_getLogs
 * from the checkpoint to "latest" and, where the node has the tag, the
 * "safe" block; one request.  Returns SC_OK with the headers parsed and
 * the head and finality noted, SC_LAG (the node lacks the checkpoint
 * block) or SC_FAIL.
 */
static int poll_send(struct scanner *sc, const struct st_checkpoint *cp,
                     struct poll *p)
{
    const char *methods[7] = { "eth_getBlockByNumber", "eth_getBlockByNumber",
                               "eth_getLogs",          "eth_getLogs",
                               "eth_getBlockByNumber", "eth_getLogs",
                               "eth_getLogs" };
    json_t *params[7];
    uint64_t before = rpc_requests_sent(sc->rpc);
    int rc;

    p->n = sc->tags >= 0 ? 5 : 4;
    p->nv = sc->vfy.on ? 2 : 0;
    params[0] = json_pack("[s,b]", "latest", 0);
    params[1] = json_pack("[o,b]", qty(cp->block), 0);
    logs_params(sc, cp->block + 1, 0, &params[2]);
    params[4] = p->n == 5 ? json_pack("[s,b]", "safe", 0) : NULL;
    if (p->nv) {
        /* After the "safe" call or in its place, so that the first n
         * answers keep their positions. */
        methods[p->n] = "eth_getLogs";
        logs_params(sc, sc->vfy.cp.block + 1, sc->vfy.to, &params[p->n]);
    }
    rc = rpc_batch(sc->rpc, p->n + p->nv, methods, params, p->res, p->errs);
    count_requests(sc, before);
    if (rc != RPC_OK) {
        sc->last_err = p->errs[0];
        return SC_FAIL;
    }
    if (!p->res[0] || parse_header(p->res[0], &p->latest) < 0) {
        bad_header(sc, cp->block + 1, &p->errs[0]);
        return SC_FAIL;
    }
    if (!p->res[1] || json_is_null(p->res[1]))
        return SC_LAG;
    if (parse_header(p->res[1], &p->at_cp) < 0 ||
        p->at_cp.number != cp->block) {
        bad_header(sc, cp->block, &p->errs[1]);
        return SC_FAIL;
    }
    sc->head = p->latest.number;
    sc->head_time = p->latest.time;
    sc->safe = safe_from(sc, sc->head, p->n == 5 ? p->res[4] : NULL,
                         &p->errs[p->n == 5 ? 4 : 0]);
    return SC_OK;
}

/* Blocks the head must be past the span's end before an explicit read of
 * it that agrees with what the polls committed confirms them: a node that
 * lags behind the head by fewer blocks answers it whole. */
#define SC_VERIFY_DEPTH 8

/*
 * The explicit read of sc->vfy's span that came with poll p.  A poll reads
 * logs up to "latest", and a provider may answer the calls of one batch
 * from different nodes: the header from one at the head, the logs from one
 * some blocks behind, whose logs then stop short of the head the header
 * names, with nothing in the reply to tell.  So what polls commit is read
 * again by number with the next polls: more logs than were committed
 * means some were missed, and the span is rolled back to the checkpoint
 * before it, to be indexed again; as many confirm it once the head is
 * SC_VERIFY_DEPTH past it; fewer is a lagging node's answer (asked again).
 * Returns SC_OK (*rolled: whether it rolled back), or what db_failed says
 * when the rollback failed.
 */
static int poll_verify(struct scanner *sc, const struct poll *p, int *rolled)
{
    struct logs_entry *logs = NULL;
    size_t got = 0;
    uint64_t removed = 0;

    *rolled = 0;
    /* Read as the poll read its logs (in the span, no log twice); a reply
     * that is not that proves nothing either way. */
    if (!p->nv || !json_is_array(p->res[p->n]) ||
        !json_is_array(p->res[p->n + 1]) ||
        logs_parse(sc, &p->res[p->n], &p->errs[p->n], sc->vfy.cp.block + 1,
                   sc->vfy.to, 0, &logs, &got) != SC_OK)
        return SC_OK;
    logs_free(logs, got);
    if (got < sc->vfy.nlogs)
        return SC_OK;
    if (got == sc->vfy.nlogs) {
        if (p->latest.number >= sc->vfy.to + SC_VERIFY_DEPTH)
            sc->vfy.on = 0;
        return SC_OK;
    }
    log_warnx("scanner: blocks %" PRIu64 "-%" PRIu64 " hold %zu logs, a "
              "poll read %zu (a node behind the head answered it): "
              "indexing them again",
              sc->vfy.cp.block + 1, sc->vfy.to, got, sc->vfy.nlogs);
    sc->vfy.on = 0;
    if (store_rollback(sc->store, sc->vfy.cp.block, sc->vfy.cp.hash,
                       sc->vfy.cp.time, NULL, &removed) < 0)
        return db_failed(sc);
    *rolled = 1;
    return SC_OK;
}

/* Notes [cp + 1, to] with nlogs logs, just committed by a poll, as read
 * up to "latest" (see poll_verify). */
static void poll_committed(struct scanner *sc, const struct st_checkpoint *cp,
                           uint64_t to, size_t nlogs)
{
    if (!sc->vfy.on) {
        sc->vfy.on = 1;
        sc->vfy.cp = *cp;
        sc->vfy.nlogs = 0;
    }
    sc->vfy.to = to;
    sc->vfy.nlogs += nlogs;
}

/*
 * One poll while caught up.  A node answers a batch in order, so its
 * "latest" for the logs is at least the header's: logs above the head the
 * header names are left for the next poll.  Blocks with logs then take
 * one request more (their headers and their transactions' calldata).
 * Returns SC_OK (indexed to the head, or nothing new), SC_REORG, SC_RANGE
 * (too far behind, or a refused range: back to the backfill), SC_LAG or
 * SC_FAIL.
 */
static int poll_head(struct scanner *sc, const struct st_checkpoint *cp)
{
    struct poll p;
    struct logs_entry *logs = NULL;
    struct fetched f = { NULL, 0, NULL, 0 };
    char buf[ST_HASH_SIZE];
    const char *prev = NULL;
    uint64_t from = cp->block + 1, to;
    size_t nlogs = 0;
    int ret, rolled = 0;

    memset(&p, 0, sizeof(p));
    /* A span below the checkpoint was rolled back or reindexed since. */
    if (sc->vfy.on &&
        (cp->block != sc->vfy.to || sc->vfy.to - sc->vfy.cp.block > sc->range))
        sc->vfy.on = 0;
    ret = poll_send(sc, cp, &p);
    to = p.latest.number;
    if (ret != SC_OK)
        goto out;
    if (cp->hash[0] && strcmp(p.at_cp.hash, cp->hash) != 0) {
        log_info("scanner: block %" PRIu64 " is now %s, we indexed %s: reorg",
                 cp->block, p.at_cp.hash, cp->hash);
        sc->vfy.on = 0;
        ret = SC_REORG;
    } else if (sc->vfy.on && (ret = poll_verify(sc, &p, &rolled)) != SC_OK) {
        ; /* the rollback failed */
    } else if (rolled) {
        ; /* the next poll reads from the checkpoint rolled back to */
    } else if (to < cp->block) {
        ret = SC_LAG;
    } else if (to > cp->block && to - cp->block > sc->range) {
        ret = SC_RANGE;
    } else if (to > cp->block) {
        ret =
            logs_parse(sc, &p.res[2], &p.errs[2], from, to, 1, &logs, &nlogs);
        if (ret == SC_OK)
            ret = task_before(sc, from, buf, &prev) < 0
                      ? SC_FAIL
                      : read_range(sc, from, to, 0, &p.latest, prev, to, logs,
                                   nlogs, &f);
        if (ret == SC_OK) {
            int lr = learn_commit(sc, from, to, 1, &f, &sc->last_err);

            ret = lr == -2 ? db_failed(sc) : lr < 0 ? SC_FAIL : SC_OK;
        }
        if (ret == SC_OK)
            poll_committed(sc, cp, to, nlogs);
    }
out:
    logs_free(logs, nlogs);
    fetched_release(&f);
    poll_release(&p);
    return ret;
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

/* A node whose head is below block `indexed` is lagging, not reorging:
 * another endpoint.  Returns -1 (recorded). */
static int lagging(struct scanner *sc, uint64_t indexed)
{
    log_warnx("scanner: %s reports head %" PRIu64 " below our %" PRIu64
              "; trying another endpoint",
              rpc_endpoint(sc->rpc), sc->head, indexed);
    rpc_rotate(sc->rpc, "lagging head");
    sc->last_err.kind = RPC_OK;
    snprintf(sc->last_err.message, sizeof(sc->last_err.message),
             "endpoint head %" PRIu64 " is behind the index", sc->head);
    note_error(sc, "lagging node");
    return -1;
}

/* The end of a sync: the head and finality for /status, and the RPC
 * counters every 5 s.  Returns r, or -1 if recording failed. */
static int sync_done(struct scanner *sc, int r)
{
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

/* A sync while caught up: one poll.  Returns 0, -1 (recorded), or 1 when
 * the backfill path must take over (behind by more than a range). */
static int sync_poll(struct scanner *sc)
{
    struct st_checkpoint cp;

    if (store_checkpoint(sc->store, &cp) < 0 || !cp.found)
        return 1;
    switch (poll_head(sc, &cp)) {
    case SC_OK: return 0;
    case SC_RANGE: return 1;
    case SC_REORG:
        if (handle_reorg(sc, &cp) == 0)
            return 0;
        note_error(sc, "reorg");
        return -1;
    case SC_LAG: return lagging(sc, cp.block);
    default: note_error(sc, "poll"); return -1;
    }
}

int scanner_sync(struct scanner *sc)
{
    struct st_checkpoint cp;
    int r;

    memset(&sc->last_err, 0, sizeof(sc->last_err));
    if (sc->caught_up) {
        r = sync_poll(sc);
        if (r <= 0)
            return sync_done(sc, r);
        sc->caught_up = 0;
    }
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
    if (sc->head + 1 < cp.block + 1)
        return lagging(sc, cp.block);
    sc->prog.from = cp.block + 1;
    sc->prog.to = sc->head;
    if (!sc->prog.started_us)
        sc->prog.started_us = util_now_us();
    r = scan_span(sc, cp.block + 1, sc->head, 1);
    if (r == 0)
        sc->caught_up = 1; /* from now on one request a poll */
    return sync_done(sc, r);
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
                         void (*on_commit)(void *arg), void *arg,
                         struct scanner_thread **outp)
{
    struct scanner_thread *t = xcalloc(1, sizeof(*t));

    t->cfg = cfg;
    if (worker_new(&scanner_worker, t, &t->w) < 0 ||
        db_open(cfg->db_path, DB_READWRITE, cfg->busy_timeout, &t->db) < 0 ||
        scanner_new(cfg, t->db, worker_stop_flag(t->w), &t->sc) < 0) {
        log_warnx("scanner: cannot start");
        scanner_thread_stop(t);
        return -1;
    }
    scanner_set_commit_hook(t->sc, on_commit, arg);
    if (worker_run(t->w) < 0) {
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
