/*
 * lookup.c - engine views in one batch per range, templates from IPFS
 * gateways (see lookup.h).
 */
#include "arbiusd/lookup.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/arbius.h"
#include "arbiusd/buf.h"
#include "arbiusd/cid.h"
#include "arbiusd/hex.h"
#include "arbiusd/log.h"
#include "arbiusd/modelnames.h"

/* The eth_call params of item it on engine: its selector (and model id)
 * at its block. */
static json_t *view_params(const struct lookup *it, const char *engine)
{
    const uint8_t *sel =
        it->kind == LOOKUP_MODEL ? ARBIUS_SEL_MODELS : ARBIUS_SEL_VOTE_ADDER;
    char data[2 + 8 + 64 + 1], block[24];

    snprintf(data, sizeof(data), "0x%02x%02x%02x%02x%s", sel[0], sel[1],
             sel[2], sel[3], it->kind == LOOKUP_MODEL ? it->id + 2 : "");
    snprintf(block, sizeof(block), "0x%" PRIx64, it->block);
    return json_pack("[{s:s,s:s},s]", "to", engine, "data", data, block);
}

/* Takes one view's reply res (NULL: e says why) into it.  0, or -1 when
 * the call failed in a way a retry may mend. */
static int view_result(struct lookup *it, const json_t *res,
                       const struct rpc_error *e)
{
    const char *s = json_string_value(res);
    uint8_t *b;
    size_t len = 0;
    int ok;

    if (!res) {
        if (e->kind != RPC_ERR_RPC)
            return -1;
        it->status = LOOKUP_NONE; /* reverted: no such view, or state */
        return 0;
    }
    b = xmalloc(s ? strlen(s) / 2 + 1 : 1);
    ok = s && hex_decode(s, strlen(s), b, strlen(s) / 2 + 1, &len) == 0;
    if (ok && it->kind == LOOKUP_MODEL)
        ok = arbius_decode_model_view(b, len, it->model) == 0;
    else if (ok)
        ok = arbius_decode_uint_view(b, len, &it->value) == 0;
    free(b);
    /* An unregistered model reads as zeros: nothing to learn. */
    it->status = ok && (it->kind != LOOKUP_MODEL || it->model->cid[0])
                     ? LOOKUP_FOUND
                     : LOOKUP_NONE;
    return 0;
}

int lookup_views(struct rpc_client *rpc, size_t batch, const char *engine,
                 struct lookup *items, size_t n, struct rpc_error *err)
{
    size_t i, j, m;
    int ret = 0;

    if (batch == 0)
        batch = 1;
    for (i = 0; i < n && ret == 0; i += m) {
        const char **methods;
        json_t **params, **res;
        struct rpc_error *errs;

        m = n - i < batch ? n - i : batch;
        methods = xcalloc(m, sizeof(*methods));
        params = xcalloc(m, sizeof(*params));
        res = xcalloc(m, sizeof(*res));
        errs = xcalloc(m, sizeof(*errs));
        for (j = 0; j < m; j++) {
            methods[j] = "eth_call";
            params[j] = view_params(&items[i + j], engine);
        }
        if (rpc_batch(rpc, m, methods, params, res, errs) != RPC_OK) {
            *err = errs[0];
            ret = -1;
        }
        for (j = 0; j < m; j++) {
            if (ret == 0 && view_result(&items[i + j], res[j], &errs[j]) < 0) {
                *err = errs[j];
                ret = -1;
            }
            json_decref(res[j]);
        }
        free(methods);
        free(params);
        free(res);
        free(errs);
    }
    return ret;
}

/* ---- templates ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    return buf_add(ud, p, size * nmemb) == 0 ? size * nmemb : 0;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
                       curl_off_t un)
{
    const atomic_bool *stop = ud;

    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return stop && atomic_load(stop);
}

/* One GET of url into body within timeout_ms: the HTTP status, or -1 with
 * why filled. */
static long fetch_one(CURL *h, const char *url, uint64_t timeout_ms,
                      const atomic_bool *stop, struct buf *body, char *why,
                      size_t whysz)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode cc;

    buf_reset(body);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "arbiusd-scanner");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)(uintptr_t)stop);
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        snprintf(why, whysz, "%s: %s", url,
                 cc == CURLE_WRITE_ERROR ? "larger than a template can be"
                 : errbuf[0]             ? errbuf
                                         : curl_easy_strerror(cc));
        return -1;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

int lookup_template(const char *const *gateways, size_t n, const char *cid,
                    uint64_t deadline_ms, const atomic_bool *stop,
                    uint8_t **outp, size_t *lenp, char *why, size_t whysz)
{
    uint8_t mh[CID_V0_LEN], got[CID_V0_LEN];
    char qm[CID_V0_TEXT_SIZE];
    struct buf url = BUF_INIT(4096), body = BUF_INIT(CID_MAX_CONTENT + 1);
    CURL *h = NULL;
    size_t i, len;
    int ret = -1;

    snprintf(why, whysz, "no gateway configured");
    if (!cid || hex_decode(cid, strlen(cid), mh, sizeof(mh), &len) < 0 ||
        cid_format_v0(mh, len, qm, sizeof(qm)) < 0) {
        snprintf(why, whysz, "cid %s is not a CIDv0 multihash",
                 cid ? cid : "(none)");
        return -1;
    }
    h = curl_easy_init();
    for (i = 0; h && i < n && ret < 0; i++) {
        uint64_t now = util_now_ms();
        long status;

        if (now >= deadline_ms || (stop && atomic_load(stop))) {
            snprintf(why, whysz, "out of time before %s", gateways[i]);
            break;
        }
        buf_reset(&url);
        if (cid_gateway_url(&url, gateways[i], qm, NULL) < 0)
            continue;
        status =
            fetch_one(h, url.data, deadline_ms - now, stop, &body, why, whysz);
        if (status < 0)
            continue;
        if (status != 200) {
            snprintf(why, whysz, "%s: HTTP %ld", url.data, status);
            continue;
        }
        if (cid_hash_content(body.data, body.len, got) < 0 ||
            memcmp(got, mh, sizeof(mh)) != 0) {
            snprintf(why, whysz, "%s: the %zu bytes served are not %s",
                     url.data, body.len, qm);
            continue;
        }
        *lenp = body.len;
        *outp = (uint8_t *)buf_take(&body, NULL);
        why[0] = '\0';
        ret = 0;
    }
    if (h)
        curl_easy_cleanup(h);
    buf_release(&url);
    buf_release(&body);
    return ret;
}

/* ---- one range's lookups ---- */

/* Appends a lookup of kind at block (for a model: id) to *lk. */
static void lookup_add(struct lookup **lk, size_t *nlk, enum lookup_kind kind,
                       const char *id, uint64_t block)
{
    *lk = xrealloc(*lk, (*nlk + 1) * sizeof(**lk));
    memset(&(*lk)[*nlk], 0, sizeof(**lk));
    (*lk)[*nlk].kind = kind;
    snprintf((*lk)[*nlk].id, ST_HASH_SIZE, "%s", id);
    (*lk)[(*nlk)++].block = block;
}

/* Whether model id needs the view: named by the range, not registered by
 * it, not known to the index.  1, 0, or -1 on error. */
static int model_unknown(const struct lookup_ctx *c,
                         const struct st_event *evs, size_t n, const char *id)
{
    size_t i;
    int known;

    for (i = 0; i < n; i++)
        if (evs[i].kind == ST_MODEL && strcmp(evs[i].u.model.id, id) == 0)
            return 0;
    known = store_model_known(c->store, id);
    return known < 0 ? -1 : !known;
}

/* The range's view reads: models its tasks and model changes name that
 * nobody registered in sight, and the vote adder before each first
 * finish.  A new array in *lkp (caller frees), also on error.  0 or -1. */
static int range_lookups(const struct lookup_ctx *c,
                         const struct st_event *evs, size_t n, uint64_t to,
                         struct lookup **lkp, size_t *nlk)
{
    char(*ids)[ST_HASH_SIZE] = NULL;
    size_t nids = 0, i, k;
    int ret = 0;

    *lkp = NULL;
    *nlk = 0;
    for (i = 0; i < n; i++) {
        const struct st_event *e = &evs[i];
        const char *model = e->kind == ST_TASK           ? e->u.task.model
                            : e->kind == ST_MODEL_CHANGE ? e->u.change.model
                                                         : NULL;

        /* The distinct models first: a range names a few, many times. */
        for (k = 0; model && k < nids; k++)
            if (strcmp(ids[k], model) == 0)
                break;
        if (model && k == nids) {
            ids = xrealloc(ids, (nids + 1) * sizeof(*ids));
            snprintf(ids[nids++], ST_HASH_SIZE, "%s", model);
        }
        if (e->kind == ST_VOTE_FINISH && e->u.finish.start_idx == 0 &&
            e->pos.block > 0)
            lookup_add(lkp, nlk, LOOKUP_ADDER, e->u.finish.task,
                       e->pos.block - 1);
    }
    for (k = 0; k < nids && ret == 0; k++) {
        ret = model_unknown(c, evs, n, ids[k]);
        if (ret > 0)
            lookup_add(lkp, nlk, LOOKUP_MODEL, ids[k], to);
        ret = ret < 0 ? -1 : 0;
    }
    free(ids);
    return ret;
}

/* Seconds before the try after `tries` failed ones ([ipfs] retry, the last
 * delay repeating); 0: never again. */
static int64_t template_delay(const struct lookup_ctx *c, int64_t tries)
{
    const struct config_nums *r = &c->cfg->ipfs_retry;

    if (r->n == 0)
        return 0;
    return (int64_t)r->v[(size_t)tries < r->n ? (size_t)tries : r->n - 1];
}

/* Tries m's template on the gateways until deadline: m->template_bytes on
 * success, else the error and when to try next. */
static void fetch_template(const struct lookup_ctx *c, struct st_model *m,
                           uint64_t deadline)
{
    const struct config_list *gw = &c->cfg->gateways;
    int64_t delay;

    if (!m->cid[0] || gw->n == 0)
        return;
    m->template_tried = 1;
    if (lookup_template((const char *const *)gw->items, gw->n, m->cid,
                        deadline, c->stop, &m->template_bytes,
                        &m->template_len, m->template_error,
                        sizeof(m->template_error)) == 0)
        return;
    delay = template_delay(c, m->template_tries);
    m->template_next = delay ? util_wall_s() + delay : 0;
    log_info("scanner: model %s: template not fetched yet: %s", m->id,
             m->template_error);
}

/* A model the view knows: the built-in kind and output file, and the
 * template from the gateways (until deadline). */
static void model_from_view(const struct lookup_ctx *c, struct st_model *m,
                            uint64_t deadline)
{
    const struct modelname_row *row = modelnames_row(m->id);

    m->from_view = 1;
    m->kind = row ? row->kind : NULL;
    m->output = row ? row->output : NULL;
    fetch_template(c, m, deadline);
}

int lookup_range(const struct lookup_ctx *c, struct st_event *evs, size_t n,
                 uint64_t to, struct st_model **modelsp, size_t *nmodels,
                 struct rpc_error *err)
{
    uint64_t deadline = util_now_ms() + LOOKUP_TEMPLATE_BUDGET_MS;
    struct st_model *ms;
    struct lookup *lk = NULL;
    size_t nlk = 0, nm = 0, i, k = 0, due = 0;
    int r;

    *modelsp = NULL;
    *nmodels = 0;
    if (range_lookups(c, evs, n, to, &lk, &nlk) < 0)
        goto fail;
    ms = xcalloc(nlk + LOOKUP_TEMPLATES_DUE + 1, sizeof(*ms));
    *modelsp = ms;
    for (i = 0; i < nlk; i++)
        if (lk[i].kind == LOOKUP_MODEL)
            lk[i].model = &ms[nm++];
    if (nlk && c->rpc_lock)
        pthread_mutex_lock(c->rpc_lock);
    r = nlk ? lookup_views(c->rpc, c->cfg->rpc_batch, c->engine, lk, nlk, err)
            : 0;
    if (nlk && c->rpc_lock)
        pthread_mutex_unlock(c->rpc_lock);
    if (r < 0)
        goto fail;
    for (i = 0; i < nlk; i++) {
        if (lk[i].kind == LOOKUP_ADDER) {
            /* The adders were asked in the order of the first finishes. */
            for (; k < n; k++)
                if (evs[k].kind == ST_VOTE_FINISH &&
                    evs[k].u.finish.start_idx == 0)
                    break;
            if (k < n && lk[i].status == LOOKUP_FOUND)
                evs[k].u.finish.adder = (int64_t)lk[i].value;
            k++;
            continue;
        }
        snprintf(lk[i].model->id, sizeof(lk[i].model->id), "%s", lk[i].id);
        if (lk[i].status == LOOKUP_FOUND)
            model_from_view(c, lk[i].model, deadline);
    }
    *nmodels = nm;
    if (store_models_due(c->store, util_wall_s(), &ms[nm],
                         LOOKUP_TEMPLATES_DUE, &due) < 0)
        goto fail;
    for (i = nm; i < nm + due; i++)
        fetch_template(c, &ms[i], deadline);
    *nmodels = nm + due;
    free(lk);
    return nlk ? (int)((nlk + c->cfg->rpc_batch - 1) / c->cfg->rpc_batch) : 0;
fail:
    free(lk);
    if (err->kind == RPC_OK)
        snprintf(err->message, sizeof(err->message), "database read failed");
    return -1;
}
