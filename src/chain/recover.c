/*
 * recover.c - tasks, solutions and models of a range completed from
 * calldata, contract calls, views and traces (see recover.h).
 *
 * One recover_range() is a few batched rounds, each only when needed:
 * the transactions' calldata; the tasks(id) and solutions(task) views of
 * what calldata could not settle; the traces of the transactions still
 * missing something.  Between the rounds everything is local: decoding,
 * unwrap_scan() of a contract's calldata, CIDs and task ids.
 */
#include "arbiusd/recover.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/cid.h"
#include "arbiusd/hex.h"
#include "arbiusd/log.h"
#include "arbiusd/u256.h"
#include "arbiusd/unwrap.h"

/* What an endpoint answered once, remembered for the client's life. */
struct rc_caps {
    char name[RPC_URL_TEXT_SIZE];
    int views;  /* -1: refuses eth_call of the views */
    int tracer; /* -1 none, 0 unknown, 1 has callTracer */
};

struct recover {
    struct rpc_client *rpc; /* borrowed */
    struct arbius_addrs addrs;
    char engine_hex[ST_ADDR_SIZE], router_hex[ST_ADDR_SIZE];
    struct rc_caps *caps;
    size_t ncaps;
};

struct rc_tx {
    char hash[ST_HASH_SIZE];
    uint8_t *input; /* owned calldata, NULL if unknown */
    size_t len;
    int decoded;                   /* submit and pairs below are set */
    struct arbius_submit submit;   /* a direct submit call */
    struct arbius_cid_pair *pairs; /* a direct solution call; owned */
    size_t npairs;
    int scanned;      /* uw is set */
    struct unwrap uw; /* calls inside a contract's calldata */
    int traced;       /* 1 tr is set, -1 no trace */
    struct unwrap tr;
    int want_trace;
    size_t call_k;      /* next embedded call, and tasks taken */
    uint64_t call_used; /* from it */
    size_t tr_k;        /* the same over the trace's calls */
    uint64_t tr_used;
    size_t bytes_k; /* byte string that matched last */
};

struct rc_task {
    struct st_task *t;
    struct rc_tx *tx;
    uint8_t id[32], sender[20], model[32], fee[32], prev[32];
    int has_prev; /* prev is the engine's previous task */
    int direct;   /* from the transaction's own call */
    int have_input, have_owner;
    int bulk_call;            /* the engine call was bulkSubmitTask */
    int view;                 /* 0 none, 1 wanted, 2 answered, -1 failed */
    uint8_t vcid[CID_V0_LEN]; /* the view's input cid */
    size_t vcid_len;
};

struct rc_sol {
    struct st_solution *s;
    struct rc_tx *tx;
    int have;
    int view; /* as rc_task's */
};

/* One recover_range() call. */
struct rc_range {
    struct recover *rc;
    struct rc_caps *cap; /* of the endpoint in use at the start */
    struct rc_tx *txs;
    size_t ntx;
    struct rc_task *tasks;
    size_t ntasks;
    struct rc_sol *sols;
    size_t nsols;
    uint64_t view_block;
    struct recover_counts *n;
    struct rpc_error *err;
};

struct recover *recover_new(struct rpc_client *rpc,
                            const struct arbius_addrs *a)
{
    struct recover *rc = xcalloc(1, sizeof(*rc));

    rc->rpc = rpc;
    rc->addrs = *a;
    if (hex_encode_0x(a->engine, 20, rc->engine_hex, ST_ADDR_SIZE) < 0 ||
        hex_encode_0x(a->router, 20, rc->router_hex, ST_ADDR_SIZE) < 0)
        rc->engine_hex[0] = rc->router_hex[0] = '\0';
    if (!a->has_router)
        rc->router_hex[0] = '\0';
    return rc;
}

void recover_free(struct recover *rc)
{
    if (!rc)
        return;
    free(rc->caps);
    free(rc);
}

/* The capabilities record of the endpoint in use (made on first use). */
static struct rc_caps *caps_of(struct recover *rc)
{
    const char *name = rpc_endpoint(rc->rpc);
    size_t i;

    for (i = 0; i < rc->ncaps; i++)
        if (strcmp(rc->caps[i].name, name) == 0)
            return &rc->caps[i];
    rc->caps = xrealloc(rc->caps, (rc->ncaps + 1) * sizeof(*rc->caps));
    memset(&rc->caps[rc->ncaps], 0, sizeof(rc->caps[0]));
    snprintf(rc->caps[rc->ncaps].name, sizeof(rc->caps[0].name), "%s", name);
    return &rc->caps[rc->ncaps++];
}

/* Whether an error says the endpoint does not offer the method at all
 * (as opposed to this call failing). */
static int method_refused(const struct rpc_error *e)
{
    static const char *const words[] = {
        "does not exist", "not available", "not supported",   "unsupported",
        "not found",      "not allowed",   "disabled",        "only supports",
        "unknown tracer", "not enabled",   "not whitelisted",
    };
    size_t i;

    if (e->kind != RPC_ERR_RPC)
        return 0;
    if (e->code == -32601)
        return 1;
    for (i = 0; i < ARRAY_SIZE(words); i++)
        if (strstr(e->message, words[i]))
            return 1;
    return 0;
}

/*
 * n calls of method (params[i] stolen) in batches: res[i] a new reference
 * or NULL with errs[i].  Counts requests.  0, or -1 with *rr->err set
 * when the transport failed.
 */
static int rc_batch(struct rc_range *rr, const char *method, size_t n,
                    json_t **params, json_t **res, struct rpc_error *errs)
{
    const char **methods = xcalloc(n ? n : 1, sizeof(*methods));
    uint64_t before = rpc_requests_sent(rr->rc->rpc);
    size_t i;
    int rc;

    for (i = 0; i < n; i++)
        methods[i] = method;
    rc = rpc_batch(rr->rc->rpc, n, methods, params, res, errs);
    rr->n->requests += rpc_requests_sent(rr->rc->rpc) - before;
    free(methods);
    if (rc != RPC_OK) {
        *rr->err = errs[0];
        for (i = 0; i < n; i++) {
            json_decref(res[i]);
            res[i] = NULL;
        }
        return -1;
    }
    return 0;
}

/* Decodes a JSON hex string into a new buffer (*out, caller frees).  0 or
 * -1. */
static int hex_bytes(const json_t *v, uint8_t **out, size_t *len)
{
    const char *s = json_string_value(v);
    size_t n;

    if (!s)
        return -1;
    n = strlen(s);
    *out = xmalloc(n / 2 + 1);
    if (hex_decode(s, n, *out, n / 2 + 1, len) < 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* ---- calldata ---- */

static int cmp_tx(const void *a, const void *b)
{
    return strcmp(((const struct rc_tx *)a)->hash,
                  ((const struct rc_tx *)b)->hash);
}

static struct rc_tx *find_tx(struct rc_range *rr, const char *hash)
{
    struct rc_tx key;

    if (rr->ntx == 0)
        return NULL;
    memcpy(key.hash, hash, ST_HASH_SIZE);
    return bsearch(&key, rr->txs, rr->ntx, sizeof(*rr->txs), cmp_tx);
}

static int needs_tx(enum st_kind k)
{
    return k == ST_TASK || k == ST_SOLUTION || k == ST_MODEL;
}

/* The distinct transactions of the events that need calldata, sorted,
 * into a new array of *np (zeroed records but for the hash). */
static struct rc_tx *collect_txs(const struct st_event *evs, size_t n,
                                 size_t *np)
{
    struct rc_tx *txs = xcalloc(n ? n : 1, sizeof(*txs));
    size_t i, j, nt = 0;

    for (i = 0; i < n; i++) {
        if (!needs_tx(evs[i].kind) ||
            (nt && strcmp(txs[nt - 1].hash, evs[i].pos.tx) == 0))
            continue;
        memcpy(txs[nt++].hash, evs[i].pos.tx, ST_HASH_SIZE);
    }
    if (nt > 1)
        qsort(txs, nt, sizeof(*txs), cmp_tx);
    for (i = 0, j = 0; i < nt; i++)
        if (j == 0 || strcmp(txs[j - 1].hash, txs[i].hash) != 0)
            txs[j++] = txs[i];
    *np = j;
    return txs;
}

char (*recover_txs(const struct st_event *evs, size_t n,
                   size_t *np))[ST_HASH_SIZE]
{
    struct rc_tx *txs = collect_txs(evs, n, np);
    char(*out)[ST_HASH_SIZE] = xcalloc(*np ? *np : 1, sizeof(*out));
    size_t i;

    for (i = 0; i < *np; i++)
        memcpy(out[i], txs[i].hash, ST_HASH_SIZE);
    free(txs);
    return out;
}

/* The calldata of each transaction from its eth_getTransactionByHash
 * answer (NULL, json null or no input: unknown). */
static void take_calldata(struct rc_range *rr, json_t *const *txs)
{
    size_t i;

    for (i = 0; i < rr->ntx; i++) {
        struct rc_tx *t = &rr->txs[i];

        if (!txs || !txs[i] ||
            hex_bytes(json_object_get(txs[i], "input"), &t->input, &t->len) <
                0)
            t->input = NULL;
    }
    rr->n->txs = rr->ntx;
}

/* Decodes a transaction's own call once. */
static void tx_decode(struct rc_tx *t)
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

/* Scans a contract call's calldata once (nothing without calldata). */
static struct unwrap *tx_unwrap(struct rc_tx *t)
{
    if (!t->scanned) {
        t->scanned = 1;
        if (t->input)
            unwrap_scan(t->input, t->len, &t->uw);
    }
    return &t->uw;
}

static void tx_release(struct rc_tx *t)
{
    free(t->input);
    free(t->pairs);
    unwrap_release(&t->uw);
    unwrap_release(&t->tr);
}

/* ---- tasks ---- */

/* The bytes of a task's log fields, for task ids.  0 or -1. */
static int task_words(struct rc_task *k)
{
    const struct st_task *t = k->t;
    struct u256 fee;
    size_t n1, n2, n3;

    if (hex_decode(t->id, strlen(t->id), k->id, 32, &n1) < 0 ||
        hex_decode(t->sender, strlen(t->sender), k->sender, 20, &n2) < 0 ||
        hex_decode(t->model, strlen(t->model), k->model, 32, &n3) < 0 ||
        n1 != 32 || n2 != 20 || n3 != 32 ||
        u256_from_dec(t->fee, strlen(t->fee), &fee) < 0)
        return -1;
    u256_to_be32(&fee, k->fee);
    return 0;
}

/* Whether an input with engine CID cid gives the task's id. */
static int id_matches(const struct rc_task *k, const uint8_t *cid)
{
    uint8_t id[32];

    return cid && k->has_prev &&
           unwrap_task_id(k->sender, k->prev, k->model, k->fee, cid,
                          CID_V0_LEN, id) == 0 &&
           memcmp(id, k->id, 32) == 0;
}

/*
 * The next submit call of calls[] (from *kp, which moves past a call once
 * its n tasks are taken) that made task k: model and fee equal, and the
 * task id when the previous task is known.  NULL if none.
 */
static struct unwrap_call *match_call(struct rc_task *k,
                                      struct unwrap_call *calls, size_t n,
                                      size_t *kp, uint64_t *used)
{
    size_t j;

    for (j = *kp; j < n; j++) {
        struct unwrap_call *c = &calls[j];

        if (strcmp(c->sub.model, k->t->model) != 0 ||
            strcmp(c->sub.fee, k->t->fee) != 0 ||
            (k->has_prev && !id_matches(k, unwrap_call_cid(c))))
            continue;
        if (j != *kp)
            *used = 0;
        *kp = j;
        if (++*used >= c->sub.n) {
            (*kp)++;
            *used = 0;
        }
        return c;
    }
    return NULL;
}

/* Takes owner, version and input from a submit call that made k. */
static void task_from_call(struct rc_task *k, const struct arbius_submit *s,
                           unsigned flag)
{
    struct st_task *t = k->t;

    memcpy(t->owner, s->owner, ST_ADDR_SIZE);
    t->version = s->version;
    arbius_task_set_input(t, s->input, s->input_len);
    t->input_flags |= flag;
    t->input_flags &= ~TASK_OWNER_FROM_VIEW;
    k->have_input = k->have_owner = 1;
    k->bulk_call = strcmp(s->via, "bulk") == 0;
}

/* A byte string of the calldata that gives k's id (chained) or whose CID
 * is the view's (cid != NULL).  Returns it or NULL. */
static struct unwrap_bytes *match_bytes(struct rc_task *k, const uint8_t *cid)
{
    struct unwrap *u = tx_unwrap(k->tx);
    size_t i;

    for (i = 0; i < u->nbytes; i++) {
        size_t j = (k->tx->bytes_k + i) % u->nbytes;
        const uint8_t *c = unwrap_bytes_cid(&u->bytes[j]);

        if (cid ? (c && memcmp(c, cid, CID_V0_LEN) == 0) : id_matches(k, c)) {
            k->tx->bytes_k = j;
            return &u->bytes[j];
        }
    }
    return NULL;
}

/* Steps 1 to 3 for one task, before any view. */
static void task_from_calldata(struct rc_range *rr, struct rc_task *k)
{
    struct rc_tx *tx = k->tx;
    const struct arbius_submit *sub = tx ? &tx->submit : NULL;
    struct unwrap_call *c;
    struct unwrap_bytes *b;
    struct unwrap *u;

    if (sub && sub->found && strcmp(sub->model, k->t->model) == 0) {
        memcpy(k->t->owner, sub->owner, ST_ADDR_SIZE);
        k->t->version = sub->version;
        k->t->via = sub->via;
        k->t->bulk_size = sub->n > UINT32_MAX ? UINT32_MAX : (uint32_t)sub->n;
        arbius_task_set_input(k->t, sub->input, sub->input_len);
        k->direct = k->have_input = k->have_owner = 1;
        rr->n->tasks_direct++;
        return;
    }
    rr->n->tasks_contract++;
    k->view = 1; /* the owner, at least, unless a call below has it */
    if (!tx || !tx->input)
        return;
    u = tx_unwrap(tx);
    c = match_call(k, u->calls, u->ncalls, &tx->call_k, &tx->call_used);
    if (c) {
        task_from_call(k, &c->sub, TASK_INPUT_CONTRACT);
        k->view = 0;
        rr->n->inputs_embedded++;
        return;
    }
    b = k->has_prev ? match_bytes(k, NULL) : NULL;
    if (b) {
        arbius_task_set_input(k->t, b->p, b->len);
        k->t->input_flags |= TASK_INPUT_CONTRACT;
        k->have_input = 1;
        rr->n->inputs_chained++;
    }
}

/* ---- solutions ---- */

static void sol_set(struct rc_sol *so, const struct arbius_cid_pair *p,
                    unsigned flag)
{
    arbius_solution_set_cid(so->s, p->cid, p->cid_len);
    so->s->cid_flags |= flag;
    so->have = 1;
}

/* A solution's cid from its transaction's call or a call inside it. */
static void sol_from_calldata(struct rc_range *rr, struct rc_sol *so)
{
    struct rc_tx *tx = so->tx;
    const struct arbius_cid_pair *p;
    struct unwrap *u;

    if (!tx || !tx->input) {
        so->view = 1;
        return;
    }
    p = arbius_cid_pair_find(tx->pairs, tx->npairs, so->s->task);
    if (p) {
        sol_set(so, p, 0);
        rr->n->sols_calldata++;
        return;
    }
    u = tx->npairs ? NULL : tx_unwrap(tx);
    p = u ? arbius_cid_pair_find(u->pairs, u->npairs, so->s->task) : NULL;
    if (p) {
        sol_set(so, p, SOL_CID_CONTRACT);
        rr->n->sols_calldata++;
        return;
    }
    so->view = 1;
}

/* ---- views ---- */

/* eth_call params of view sel(id) at the range's view block. */
static json_t *view_params(const struct rc_range *rr, const uint8_t sel[4],
                           const char *id)
{
    char data[2 + 8 + 64 + 1], blk[24];

    snprintf(data, sizeof(data), "0x%02x%02x%02x%02x%s", sel[0], sel[1],
             sel[2], sel[3], id + 2);
    if (rr->view_block)
        snprintf(blk, sizeof(blk), "0x%" PRIx64, rr->view_block);
    else
        snprintf(blk, sizeof(blk), "latest");
    return json_pack("[{s:s,s:s},s]", "to", rr->rc->engine_hex, "data", data,
                     blk);
}

/* A tasks(id) answer: the owner unless a call had it, the input cid. */
static void task_view(struct rc_range *rr, struct rc_task *k,
                      const uint8_t *ret, size_t len)
{
    char owner[ST_ADDR_SIZE];
    const uint8_t *cid;
    size_t cid_len;
    int version;

    if (arbius_decode_task_view(ret, len, owner, &version, &cid, &cid_len) <
            0 ||
        cid_len == 0) {
        k->view = -1; /* no such task now (retracted?) */
        return;
    }
    k->view = 2;
    if (!k->have_owner) {
        memcpy(k->t->owner, owner, ST_ADDR_SIZE);
        k->t->version = version;
        k->t->input_flags |= TASK_OWNER_FROM_VIEW;
        k->have_owner = 1;
        rr->n->owners_viewed++;
    }
    if (cid_len <= sizeof(k->vcid)) {
        memcpy(k->vcid, cid, cid_len);
        k->vcid_len = cid_len;
    }
}

/* A solutions(task) answer. */
static void sol_view(struct rc_range *rr, struct rc_sol *so,
                     const uint8_t *ret, size_t len)
{
    const uint8_t *cid;
    size_t cid_len;

    if (arbius_decode_solution_view(ret, len, &cid, &cid_len) < 0 ||
        cid_len == 0) {
        so->view = -1;
        return;
    }
    so->view = 2;
    arbius_solution_set_cid(so->s, cid, cid_len);
    so->s->cid_flags |= SOL_CID_FROM_VIEW;
    so->have = 1;
    rr->n->sols_viewed++;
}

/* Notes that the endpoint refuses a method (once, for its life). */
static void refused(struct rc_range *rr, int *flag, const char *what,
                    const struct rpc_error *e)
{
    if (*flag < 0)
        return;
    *flag = -1;
    log_info("scanner: %s refuses %s (%s); not asked again", rr->cap->name,
             what, e->message);
}

/* One answer of the views batch: item i of the tasks, then solutions. */
static void view_answer(struct rc_range *rr, struct rc_task **tk,
                        struct rc_sol **sk, size_t nt, size_t i,
                        const json_t *res, const struct rpc_error *e)
{
    uint8_t *ret = NULL;
    size_t len = 0;
    int *state = i < nt ? &tk[i]->view : &sk[i - nt]->view;

    if (!res || hex_bytes(res, &ret, &len) < 0) {
        if (!res && method_refused(e))
            refused(rr, &rr->cap->views, "the engine's views", e);
        *state = -1;
    } else if (i < nt) {
        task_view(rr, tk[i], ret, len);
    } else {
        sol_view(rr, sk[i - nt], ret, len);
    }
    free(ret);
}

/*
 * tasks(id) of every task still without an owner, solutions(task) of every
 * solution without a cid: one batch.  0 or -1 (transport).
 */
static int run_views(struct rc_range *rr)
{
    struct rc_task **tk = xcalloc(rr->ntasks + 1, sizeof(*tk));
    struct rc_sol **sk = xcalloc(rr->nsols + 1, sizeof(*sk));
    size_t nt = 0, ns = 0, i, m;
    json_t **params, **res;
    struct rpc_error *errs;
    int ret = 0;

    for (i = 0; i < rr->ntasks; i++)
        if (rr->tasks[i].view == 1)
            tk[nt++] = &rr->tasks[i];
    for (i = 0; i < rr->nsols; i++)
        if (rr->sols[i].view == 1)
            sk[ns++] = &rr->sols[i];
    m = nt + ns;
    params = xcalloc(m + 1, sizeof(*params));
    res = xcalloc(m + 1, sizeof(*res));
    errs = xcalloc(m + 1, sizeof(*errs));
    for (i = 0; i < m && rr->cap->views >= 0; i++)
        params[i] = i < nt ? view_params(rr, ARBIUS_SEL_TASKS, tk[i]->t->id)
                           : view_params(rr, ARBIUS_SEL_SOLUTIONS,
                                         sk[i - nt]->s->task);
    if (m && rr->cap->views >= 0) {
        rr->n->views += m;
        ret = rc_batch(rr, "eth_call", m, params, res, errs);
    }
    for (i = 0; i < m && ret == 0; i++) {
        if (rr->cap->views < 0 && !res[i])
            *(i < nt ? &tk[i]->view : &sk[i - nt]->view) = -1;
        else
            view_answer(rr, tk, sk, nt, i, res[i], &errs[i]);
        json_decref(res[i]);
    }
    free(tk);
    free(sk);
    free(params);
    free(res);
    free(errs);
    return ret;
}

/* After the views: byte strings whose CID is the view's input cid. */
static void inputs_by_view(struct rc_range *rr)
{
    size_t i;

    for (i = 0; i < rr->ntasks; i++) {
        struct rc_task *k = &rr->tasks[i];
        struct unwrap_bytes *b;

        if (k->direct || k->have_input || k->view != 2 ||
            k->vcid_len != CID_V0_LEN || !k->tx || !k->tx->input)
            continue;
        b = match_bytes(k, k->vcid);
        if (!b)
            continue;
        arbius_task_set_input(k->t, b->p, b->len);
        k->t->input_flags |= TASK_INPUT_CONTRACT;
        k->have_input = 1;
        rr->n->inputs_viewed++;
    }
}

/* ---- traces ---- */

/* The transactions that still miss something, marked; their count. */
static size_t want_traces(struct rc_range *rr)
{
    size_t i, n = 0;

    for (i = 0; i < rr->ntasks; i++) {
        struct rc_task *k = &rr->tasks[i];

        if (k->tx && !k->direct && (!k->have_input || !k->have_owner))
            k->tx->want_trace = 1;
    }
    for (i = 0; i < rr->nsols; i++)
        if (rr->sols[i].tx && !rr->sols[i].have)
            rr->sols[i].tx->want_trace = 1;
    for (i = 0; i < rr->ntx; i++)
        n += rr->txs[i].want_trace;
    return n;
}

/* Takes a trace answer for tx.  Returns -1 when the endpoint has no
 * tracer (remembered), else 0. */
static int trace_answer(struct rc_range *rr, struct rc_tx *tx,
                        const json_t *res, const struct rpc_error *e)
{
    if (res && unwrap_trace(res, rr->rc->addrs.engine, &tx->tr) == 0) {
        tx->traced = 1;
        rr->cap->tracer = 1;
        return 0;
    }
    tx->traced = -1;
    if (!res && method_refused(e)) {
        refused(rr, &rr->cap->tracer, "debug_traceTransaction (callTracer)",
                e);
        return -1;
    }
    return 0;
}

/* debug_traceTransaction of every transaction still missing something,
 * where the endpoint may have a tracer.  0 or -1 (transport). */
static int run_traces(struct rc_range *rr)
{
    size_t n = want_traces(rr), i, m = 0;
    struct rc_tx **tx;
    json_t **params, **res;
    struct rpc_error *errs;
    int ret = 0;

    if (n == 0 || rr->cap->tracer < 0)
        return 0;
    tx = xcalloc(n, sizeof(*tx));
    params = xcalloc(n, sizeof(*params));
    res = xcalloc(n, sizeof(*res));
    errs = xcalloc(n, sizeof(*errs));
    for (i = 0; i < rr->ntx; i++) {
        if (!rr->txs[i].want_trace)
            continue;
        tx[m] = &rr->txs[i];
        params[m++] =
            json_pack("[s,{s:s}]", rr->txs[i].hash, "tracer", "callTracer");
    }
    rr->n->traces += m;
    ret = rc_batch(rr, "debug_traceTransaction", m, params, res, errs);
    for (i = 0; i < m && ret == 0; i++)
        if (trace_answer(rr, tx[i], res[i], &errs[i]) < 0)
            break;
    for (i = 0; i < m; i++)
        json_decref(res[i]);
    free(tx);
    free(params);
    free(res);
    free(errs);
    return ret;
}

/* What the traces say, task by task in log order (each transaction's
 * calls taken in order, whatever was already known). */
static void from_traces(struct rc_range *rr)
{
    size_t i;

    for (i = 0; i < rr->ntasks; i++) {
        struct rc_task *k = &rr->tasks[i];
        struct unwrap_call *c;

        if (k->direct || !k->tx || k->tx->traced != 1)
            continue;
        c = match_call(k, k->tx->tr.calls, k->tx->tr.ncalls, &k->tx->tr_k,
                       &k->tx->tr_used);
        if (!c || (k->have_input && k->have_owner))
            continue;
        task_from_call(k, &c->sub, TASK_INPUT_TRACE);
        rr->n->inputs_traced++;
    }
    for (i = 0; i < rr->nsols; i++) {
        struct rc_sol *so = &rr->sols[i];
        const struct arbius_cid_pair *p;

        if (so->have || !so->tx || so->tx->traced != 1)
            continue;
        p = arbius_cid_pair_find(so->tx->tr.pairs, so->tx->tr.npairs,
                                 so->s->task);
        if (p) {
            sol_set(so, p, SOL_CID_TRACE);
            rr->n->sols_traced++;
        }
    }
}

/* ---- the end of a range ---- */

/* How tasks of a contract came in, and how many shared their input in
 * their transaction (the tasks of one transaction are adjacent). */
static void contract_routes(struct rc_range *rr)
{
    size_t i, j;

    for (i = 0; i < rr->ntasks; i++) {
        struct rc_task *k = &rr->tasks[i];
        struct st_task *t = k->t;
        uint32_t same = 0;

        if (k->direct)
            continue;
        for (j = 0; j < rr->ntasks && t->cid[0]; j++) {
            const struct rc_task *o = &rr->tasks[j];

            same +=
                !o->direct && o->tx == k->tx && strcmp(o->t->cid, t->cid) == 0;
        }
        t->bulk_size = same ? same : 1;
        if (k->bulk_call || t->bulk_size > 1)
            t->via = "bulk";
        else if (rr->rc->router_hex[0] &&
                 strcmp(t->sender, rr->rc->router_hex) == 0)
            t->via = "router";
        else
            t->via = "contract";
    }
}

/* Unrecoverable inputs are said so, with the view's input cid. */
static void finish(struct rc_range *rr)
{
    size_t i;

    for (i = 0; i < rr->ntasks; i++) {
        struct rc_task *k = &rr->tasks[i];

        if (k->direct || k->have_input)
            continue;
        k->t->input_flags |= TASK_INPUT_UNRECOVERABLE;
        if (k->vcid_len && hex_encode_0x(k->vcid, k->vcid_len, k->t->cid,
                                         sizeof(k->t->cid)) < 0)
            k->t->cid[0] = '\0';
        rr->n->inputs_lost++;
    }
    for (i = 0; i < rr->nsols; i++)
        rr->n->sols_lost += !rr->sols[i].have;
    contract_routes(rr);
}

/* A model's address, fee and template from registerModel calldata. */
static void model_from_calldata(struct st_model *m, const struct rc_tx *tx)
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

/* One line for the range when anything came from beyond calldata. */
static void summary(const struct rc_range *rr)
{
    const struct recover_counts *n = rr->n;

    if (!n->tasks_contract && !n->sols_viewed && !n->sols_traced &&
        !n->sols_lost)
        return;
    log_info("scanner: %zu tasks from contracts (inputs: %zu from calls "
             "inside, %zu by task id, %zu by tasks(id), %zu by trace, %zu "
             "unrecoverable; %zu owners by view); solution CIDs: %zu by "
             "view, %zu by trace, %zu missing; %zu views, %zu traces",
             n->tasks_contract, n->inputs_embedded, n->inputs_chained,
             n->inputs_viewed, n->inputs_traced, n->inputs_lost,
             n->owners_viewed, n->sols_viewed, n->sols_traced, n->sols_lost,
             n->views, n->traces);
}

/* The tasks and solutions of evs with their transactions; steps 1-3. */
static void build(struct rc_range *rr, struct st_event *evs, size_t n,
                  const char *prev)
{
    uint8_t last[32];
    size_t i, len = 0;

    /* Without an indexed task before the range, guess the engine's first
     * prevhash (zero): right when the index starts at the deployment, and
     * a wrong guess only fails its checks. */
    memset(last, 0, sizeof(last));
    if (prev &&
        (hex_decode(prev, strlen(prev), last, 32, &len) < 0 || len != 32))
        memset(last, 0, sizeof(last));

    rr->tasks = xcalloc(n + 1, sizeof(*rr->tasks));
    rr->sols = xcalloc(n + 1, sizeof(*rr->sols));
    for (i = 0; i < rr->ntx; i++)
        tx_decode(&rr->txs[i]);
    for (i = 0; i < n; i++) {
        struct st_event *e = &evs[i];

        if (e->kind == ST_TASK) {
            struct rc_task *k = &rr->tasks[rr->ntasks++];

            k->t = &e->u.task;
            k->tx = find_tx(rr, e->pos.tx);
            if (task_words(k) == 0) {
                memcpy(k->prev, last, 32);
                k->has_prev = 1;
                memcpy(last, k->id, 32);
            }
            task_from_calldata(rr, k);
        } else if (e->kind == ST_SOLUTION) {
            struct rc_sol *so = &rr->sols[rr->nsols++];

            so->s = &e->u.solution;
            so->tx = find_tx(rr, e->pos.tx);
            sol_from_calldata(rr, so);
        } else if (e->kind == ST_MODEL) {
            model_from_calldata(&e->u.model, find_tx(rr, e->pos.tx));
        }
    }
}

int recover_range(struct recover *rc, struct st_event *evs, size_t n,
                  json_t *const *txs, const char *prev, uint64_t view_block,
                  struct recover_counts *counts, struct rpc_error *err)
{
    struct recover_counts local;
    struct rc_range rr;
    size_t i;
    int ret = -1;

    memset(&rr, 0, sizeof(rr));
    rr.rc = rc;
    rr.n = counts ? counts : &local;
    memset(rr.n, 0, sizeof(*rr.n));
    rr.err = err;
    rr.view_block = view_block;
    rr.cap = caps_of(rc);
    rr.txs = collect_txs(evs, n, &rr.ntx);
    take_calldata(&rr, txs);
    build(&rr, evs, n, prev);
    if (run_views(&rr) < 0)
        goto out;
    inputs_by_view(&rr);
    if (run_traces(&rr) < 0)
        goto out;
    from_traces(&rr);
    finish(&rr);
    summary(&rr);
    ret = 0;
out:
    for (i = 0; i < rr.ntx; i++)
        tx_release(&rr.txs[i]);
    free(rr.txs);
    free(rr.tasks);
    free(rr.sols);
    return ret;
}
