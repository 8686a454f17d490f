/*
 * ipfs_monitor.c - the IPFS monitor: rounds of HEAD + ranged GET per
 * gateway on one libcurl multi handle, and the `serve` thread.
 *
 * A pass walks the due CIDs by keyset (never re-reading one it already
 * took), keeps at most a few batches of CIDs alive, starts requests while
 * fewer than [ipfs] concurrency are in flight and the bandwidth bucket is
 * not in debt, and writes finished CIDs in small transactions.
 */
#include "arbiusd/ipfs_monitor.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "arbiusd/buf.h"
#include "arbiusd/cid.h"
#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/ipfs_store.h"
#include "arbiusd/list.h"
#include "arbiusd/log.h"
#include "arbiusd/worker.h"

#define IPFS_BATCH 64            /* CIDs read from the database at once */
#define IPFS_FLUSH_CIDS 32       /* finished CIDs written per transaction */
#define IPFS_FLUSH_MS 250        /* ... or after this long */
#define IPFS_POLL_MS 100         /* the stop flag is seen within this */
#define IPFS_LOOKBACK 4096       /* solution rowids re-read each poll */
#define IPFS_DISCOVER_CHUNK 50000 /* solution rowids per full-scan step */
#define IPFS_HDR_COST 512        /* bandwidth charged for a HEAD up front */
#define IPFS_FOLLOW_MS 250       /* a following pass looks for due CIDs */

/* A gateway's part of a round. */
struct gw_state {
    enum ipfs_result res;
    bool done;
    int64_t latency_ms;        /* of the GET that served it; -1 */
    char ctype[IPFS_CTYPE_MAX];
    int64_t size;              /* -1: unknown */
};

/* A check row plus the strings it owns. */
struct check_own {
    struct ipfs_check_row row;
    char *ctype;
    char *error;
};

/* One CID's round. */
struct item {
    struct ipfs_due d;
    int64_t started;           /* wall seconds of the first request */
    size_t left;               /* gateways not done */
    struct gw_state *gw;
    struct check_own *checks;
    size_t nchecks, capchecks;
    char *text;                /* owned: the text output to store */
    size_t text_len;
    struct item *next;         /* in the finished list */
    struct item *lprev, *lnext; /* in the monitor's list of live items */
};

/* A request waiting to start. */
struct req {
    struct item *it;
    size_t gw;
    enum ipfs_method method;
};

struct xfer {
    CURL *h;
    struct curl_slist *hdrs;
    struct item *it;
    size_t gw;
    enum ipfs_method method;
    struct buf url;
    struct buf body;           /* at most cap bytes */
    uint64_t cap;
    bool capped;               /* the body reached cap: stopped on purpose */
    uint64_t bytes;            /* body bytes received */
    uint64_t hdr_bytes;
    char ctype[IPFS_CTYPE_MAX];
    int64_t clen;              /* Content-Length, -1 */
    int64_t crange_total;      /* total of Content-Range, -1 */
    int64_t t_wall;
    uint64_t t0_ms;
    uint64_t charge;           /* bandwidth charged at start */
    char errbuf[CURL_ERROR_SIZE];
};

struct ipfs_mon {
    const struct config *cfg;
    struct db *db;
    const atomic_bool *stop;
    CURLM *multi;
    int64_t watermark;         /* solutions rowid seen by discovery */
    bool have_watermark;
    ipfs_progress_fn *progress;
    void *progress_ud;
    /* bandwidth token bucket (bytes) */
    double tokens;
    uint64_t tokens_ms;
    /* the pass */
    struct req *queue;         /* HEADs, FIFO from qhead */
    size_t qhead, qlen, qcap;
    struct req *gets;          /* GETs go first: they finish CIDs */
    size_t ghead, glen, gcap;
    struct item *finished;
    size_t nfinished;
    size_t live;               /* items not yet written */
    struct item *live_head;    /* every item not yet freed */
    struct xfer **xfers;       /* in flight, nxfers of them */
    size_t nxfers;
    size_t running;
    struct ipfs_pass pass;
};

/* ---- small helpers ---- */

static void push(struct req **arr, size_t *head, size_t *len, size_t *cap,
                 struct req r)
{
    if (*head > 0 && *head + *len == *cap) {
        memmove(*arr, *arr + *head, *len * sizeof(**arr));
        *head = 0;
    }
    if (*head + *len == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *arr = xrealloc(*arr, *cap * sizeof(**arr));
    }
    (*arr)[*head + (*len)++] = r;
}

static struct req pop(struct req *arr, size_t *head, size_t *len)
{
    struct req r = arr[*head];

    (*head)++;
    (*len)--;
    if (*len == 0)
        *head = 0;
    return r;
}

static void item_free(struct ipfs_mon *m, struct item *it)
{
    size_t i;

    if (!it)
        return;
    LIST_UNLINK(&m->live_head, it, lprev, lnext);
    for (i = 0; i < it->nchecks; i++) {
        free(it->checks[i].ctype);
        free(it->checks[i].error);
    }
    free(it->checks);
    free(it->gw);
    free(it->text);
    ipfs_due_release(&it->d);
    free(it);
}

static struct check_own *item_add_check(struct item *it)
{
    struct check_own *c;

    if (it->nchecks == it->capchecks) {
        it->capchecks = it->capchecks ? it->capchecks * 2 : 4;
        it->checks = xrealloc(it->checks,
                              it->capchecks * sizeof(*it->checks));
    }
    c = &it->checks[it->nchecks++];
    memset(c, 0, sizeof(*c));
    return c;
}

/* ---- bandwidth ---- */

static void bucket_refill(struct ipfs_mon *m)
{
    uint64_t now = util_now_ms(), bw = m->cfg->ipfs_bandwidth;

    if (bw == 0)
        return;
    m->tokens += (double)bw * (double)(now - m->tokens_ms) / 1000.0;
    if (m->tokens > (double)bw)
        m->tokens = (double)bw;   /* at most one second of burst */
    m->tokens_ms = now;
}

/* ---- libcurl callbacks ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb, room;

    x->bytes += n;
    room = x->cap > x->body.len ? (size_t)(x->cap - x->body.len) : 0;
    if (n > room) {
        /* A gateway that ignores Range: keep the prefix, stop here. */
        if (room && buf_add(&x->body, p, room) < 0)
            return 0;
        x->capped = true;
        return 0;
    }
    if (buf_add(&x->body, p, n) < 0)
        return 0;
    if (x->body.len == x->cap)
        x->capped = true;
    return n;
}

/* Header value of name (case-insensitive) in line, trimmed; NULL if the
 * line is another header. */
static const char *header_value(const char *line, size_t n, const char *name,
                                size_t *vlen)
{
    size_t k = strlen(name), e;
    const char *v;

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    v = line + k + 1;
    e = n - k - 1;
    while (e && (*v == ' ' || *v == '\t')) {
        v++;
        e--;
    }
    while (e && (v[e - 1] == '\r' || v[e - 1] == '\n' || v[e - 1] == ' '))
        e--;
    *vlen = e;
    return v;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb, vlen;
    const char *v;

    x->hdr_bytes += n;
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new response (after a redirect): forget the last one's. */
        x->ctype[0] = '\0';
        x->clen = -1;
        x->crange_total = -1;
        return n;
    }
    if ((v = header_value(p, n, "content-type", &vlen))) {
        if (vlen >= sizeof(x->ctype))
            vlen = sizeof(x->ctype) - 1;
        memcpy(x->ctype, v, vlen);
        x->ctype[vlen] = '\0';
    } else if ((v = header_value(p, n, "content-length", &vlen))) {
        char tmp[24];
        uint64_t len;

        if (vlen < sizeof(tmp)) {
            memcpy(tmp, v, vlen);
            tmp[vlen] = '\0';
            if (util_parse_u64(tmp, 0, INT64_MAX, &len) == 0)
                x->clen = (int64_t)len;
        }
    } else if ((v = header_value(p, n, "content-range", &vlen))) {
        int64_t total;

        if (ipfs_parse_content_range(v, vlen, &total) == 0)
            x->crange_total = total;
    }
    return n;
}

/* ---- requests ---- */

static uint64_t get_cap(const struct ipfs_mon *m, const struct item *it)
{
    uint64_t cap = m->cfg->ipfs_range_bytes;

    if (it->d.is_text && cap < IPFS_TEXT_MAX)
        cap = IPFS_TEXT_MAX;
    return cap;
}

static void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    if (x->h)
        curl_easy_cleanup(x->h);
    curl_slist_free_all(x->hdrs);
    buf_release(&x->url);
    buf_release(&x->body);
    free(x);
}

static void gw_finish(struct ipfs_mon *m, struct item *it, size_t g,
                      enum ipfs_result res);

/* A request that could not even start is an error check of its own. */
static void record_setup_error(struct ipfs_mon *m, struct req r,
                               const char *why)
{
    struct check_own *c = item_add_check(r.it);

    c->row.gateway = m->cfg->gateways.items[r.gw];
    c->row.time = util_wall_s();
    c->row.method = r.method;
    c->row.result = IPFS_ERROR;
    c->row.bytes = -1;
    c->error = xstrdup(why);
    c->row.error = c->error;
    m->pass.checks++;
    gw_finish(m, r.it, r.gw, IPFS_ERROR);
}

/* Starts request r on the multi handle, charging the bandwidth bucket. */
static void start_req(struct ipfs_mon *m, struct req r)
{
    const struct config *cfg = m->cfg;
    struct xfer *x = xcalloc(1, sizeof(*x));
    struct buf range = BUF_INIT(64);

    buf_init(&x->url, 8192);
    x->it = r.it;
    x->gw = r.gw;
    x->method = r.method;
    x->clen = -1;
    x->crange_total = -1;
    x->cap = r.method == IPFS_GET ? get_cap(m, r.it) : 0;
    buf_init(&x->body, (size_t)x->cap + 1);
    if (cid_gateway_url(&x->url, cfg->gateways.items[r.gw], r.it->d.cid,
                        r.it->d.path) < 0) {
        xfer_free(x);
        record_setup_error(m, r, "URL too long");
        return;
    }
    x->h = curl_easy_init();
    if (!x->h) {
        xfer_free(x);
        record_setup_error(m, r, "curl_easy_init failed");
        return;
    }
    curl_easy_setopt(x->h, CURLOPT_URL, x->url.data);
    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS,
                     (long)(cfg->ipfs_timeout * 1000));
    curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(x->h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->h, CURLOPT_USERAGENT, "arbiusd-ipfs-monitor");
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
    if (cfg->ipfs_bandwidth)
        curl_easy_setopt(x->h, CURLOPT_MAX_RECV_SPEED_LARGE,
                         (curl_off_t)cfg->ipfs_bandwidth);
    if (r.method == IPFS_HEAD) {
        curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
        x->charge = IPFS_HDR_COST;
    } else {
        if (buf_adds(&range, "Range: ") < 0 ||
            ipfs_range_header(&range, x->cap) < 0) {
            buf_release(&range);
            xfer_free(x);
            record_setup_error(m, r, "Range header");
            return;
        }
        x->hdrs = curl_slist_append(NULL, range.data);
        buf_release(&range);
        curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
        x->charge = IPFS_HDR_COST + x->cap;
    }
    x->t_wall = util_wall_s();
    x->t0_ms = util_now_ms();
    if (r.it->started == 0)
        r.it->started = x->t_wall;
    if (curl_multi_add_handle(m->multi, x->h) != CURLM_OK) {
        xfer_free(x);
        record_setup_error(m, r, "curl_multi_add_handle failed");
        return;
    }
    if (cfg->ipfs_bandwidth)
        m->tokens -= (double)x->charge;
    m->xfers[m->nxfers++] = x;
    m->running++;
}

/* The gateway g of it has its answer: when it was the last one, the
 * round is complete and the item moves to the finished list. */
static void gw_finish(struct ipfs_mon *m, struct item *it, size_t g,
                      enum ipfs_result res)
{
    it->gw[g].res = res;
    it->gw[g].done = true;
    if (--it->left > 0)
        return;
    it->next = m->finished;
    m->finished = it;
    m->nfinished++;
}

/* Keeps the text of a text-output model from a serving GET. */
static void take_text(struct item *it, const struct xfer *x, int64_t size)
{
    size_t n = x->body.len, keep;
    bool truncated = x->capped || (size >= 0 && (uint64_t)size > n);

    if (it->text || !it->d.is_text)
        return;
    if (n > IPFS_TEXT_MAX) {
        n = IPFS_TEXT_MAX;
        truncated = true;
    }
    if (ipfs_utf8_prefix(x->body.data, n, truncated, &keep) < 0)
        return;
    it->text = xstrndup(x->body.data, keep);
    it->text_len = keep;
}

static void xfer_done(struct ipfs_mon *m, struct xfer *x, CURLcode rc)
{
    const struct config *cfg = m->cfg;
    struct item *it = x->it;
    struct gw_state *gs = &it->gw[x->gw];
    struct check_own *c;
    enum ipfs_transport tr;
    enum ipfs_result res;
    uint64_t lat = util_now_ms() - x->t0_ms, got;
    long http = 0;
    int64_t size;

    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &http);
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->capped))
        tr = IPFS_TR_DONE;
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        tr = IPFS_TR_TIMEOUT;
    else
        tr = IPFS_TR_FAILED;
    if (tr != IPFS_TR_DONE)
        http = 0;
    res = ipfs_classify(x->method, tr, http, lat, cfg->ipfs_slow_ms);
    got = x->hdr_bytes + x->bytes;
    m->pass.bytes += got;
    m->pass.checks++;
    if (cfg->ipfs_bandwidth)
        m->tokens -= (double)got - (double)x->charge;

    c = item_add_check(it);
    c->row.gateway = cfg->gateways.items[x->gw];
    c->row.time = x->t_wall;
    c->row.method = x->method;
    c->row.http_status = http;
    c->row.result = res;
    c->row.latency_ms = lat;
    if (x->ctype[0]) {
        c->ctype = xstrdup(x->ctype);
        c->row.content_type = c->ctype;
    }
    c->row.bytes = (int64_t)x->bytes;
    if (tr != IPFS_TR_DONE) {
        c->error = xstrdup(x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    } else if (res == IPFS_ERROR) {
        struct buf e = BUF_INIT(64);

        if (buf_addf(&e, "HTTP %ld", http) == 0)
            c->error = buf_take(&e, NULL);
        buf_release(&e);
    }
    c->row.error = c->error;

    size = x->crange_total >= 0 ? x->crange_total
           : (http == 200 && x->clen >= 0) ? x->clen
           : (http == 416) ? 0 : -1;
    if (x->method == IPFS_HEAD) {
        if (res == IPFS_OK || res == IPFS_SLOW ||
            (tr == IPFS_TR_DONE && ipfs_head_unsupported(http))) {
            struct req r = { it, x->gw, IPFS_GET };

            if (size >= 0)
                gs->size = size;
            if (x->ctype[0])
                snprintf(gs->ctype, sizeof(gs->ctype), "%s", x->ctype);
            push(&m->gets, &m->ghead, &m->glen, &m->gcap, r);
        } else {
            gw_finish(m, it, x->gw, res);
        }
        return;
    }
    if (res == IPFS_OK || res == IPFS_SLOW) {
        gs->latency_ms = (int64_t)lat;
        if (size >= 0)
            gs->size = size;
        if (x->ctype[0])
            snprintf(gs->ctype, sizeof(gs->ctype), "%s", x->ctype);
        take_text(it, x, gs->size);
    }
    gw_finish(m, it, x->gw, res);
}

/* ---- a round's outcome ---- */

static void round_row(const struct ipfs_mon *m, const struct item *it,
                      struct ipfs_round_row *r, enum ipfs_result *res)
{
    size_t g, ngw = m->cfg->gateways.n, best = ngw;

    memset(r, 0, sizeof(*r));
    r->cid = it->d.cid;
    for (g = 0; g < ngw; g++) {
        res[g] = it->gw[g].res;
        if (res[g] == IPFS_OK || res[g] == IPFS_SLOW) {
            r->ok_gateways++;
            if (best == ngw ||
                it->gw[g].latency_ms < it->gw[best].latency_ms)
                best = g;
        }
    }
    r->status = ipfs_round_status(res, ngw);
    r->attempts = it->d.attempts + 1;
    r->last_check = it->started ? it->started : util_wall_s();
    {
        int64_t delay = ipfs_next_delay(m->cfg->ipfs_retry.v,
                                        m->cfg->ipfs_retry.n, r->attempts,
                                        r->status);

        r->next_check = delay < 0 ? -1 : r->last_check + delay;
    }
    r->latency_ms = -1;
    r->size = -1;
    if (best < ngw) {
        r->latency_ms = it->gw[best].latency_ms;
        r->content_type = it->gw[best].ctype[0] ? it->gw[best].ctype : NULL;
        r->size = it->gw[best].size;
    }
    r->text = it->text;
    r->text_len = it->text_len;
}

/* Writes the finished items; 0 or -1. */
static int flush(struct ipfs_mon *m)
{
    size_t ngw = m->cfg->gateways.n, i = 0, k;
    struct ipfs_round_row *rows;
    struct ipfs_check_row **crow;
    enum ipfs_result *res;
    struct item *it;
    int ret;

    if (m->nfinished == 0)
        return 0;
    rows = xcalloc(m->nfinished, sizeof(*rows));
    crow = xcalloc(m->nfinished, sizeof(*crow));
    res = xcalloc(ngw, sizeof(*res));
    for (it = m->finished; it; it = it->next, i++) {
        round_row(m, it, &rows[i], res);
        crow[i] = xcalloc(it->nchecks ? it->nchecks : 1, sizeof(**crow));
        for (k = 0; k < it->nchecks; k++)
            crow[i][k] = it->checks[k].row;
        rows[i].checks = crow[i];
        rows[i].nchecks = it->nchecks;
    }
    ret = ipfs_store_rounds(m->db, rows, m->nfinished);
    for (i = 0, it = m->finished; it; i++) {
        struct item *next = it->next;

        if (ret == 0) {
            m->pass.cids++;
            m->pass.by_status[rows[i].status]++;
        }
        free(crow[i]);
        item_free(m, it);
        m->live--;
        it = next;
    }
    free(rows);
    free(crow);
    free(res);
    m->finished = NULL;
    m->nfinished = 0;
    return ret;
}

/* Reads the next due CIDs and queues their HEADs.  Returns the number
 * read (< IPFS_BATCH: exhausted) or -1. */
static int refill(struct ipfs_mon *m, int all, int64_t now, int64_t *knc,
                  int64_t *krow)
{
    struct ipfs_due due[IPFS_BATCH];
    size_t n = 0, i, g, ngw = m->cfg->gateways.n;

    if (ipfs_store_due(m->db, all, now, knc, krow, due, IPFS_BATCH, &n) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        struct item *it = xcalloc(1, sizeof(*it));

        it->d = due[i];
        it->left = ngw;
        it->gw = xcalloc(ngw, sizeof(*it->gw));
        for (g = 0; g < ngw; g++) {
            struct req r = { it, g, IPFS_HEAD };

            it->gw[g].latency_ms = -1;
            it->gw[g].size = -1;
            push(&m->queue, &m->qhead, &m->qlen, &m->qcap, r);
        }
        LIST_PUSH(&m->live_head, it, lprev, lnext);
        m->live++;
    }
    return (int)n;
}

/* Drops everything of an interrupted pass (nothing is written). */
static void abandon(struct ipfs_mon *m)
{
    size_t i;

    for (i = 0; i < m->nxfers; i++) {
        curl_multi_remove_handle(m->multi, m->xfers[i]->h);
        xfer_free(m->xfers[i]);
    }
    m->nxfers = 0;
    m->running = 0;
    m->qhead = m->qlen = 0;
    m->ghead = m->glen = 0;
    while (m->live_head)
        item_free(m, m->live_head);
    m->finished = NULL;
    m->nfinished = 0;
    m->live = 0;
}

/* Collects finished transfers. */
static void reap(struct ipfs_mon *m)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(m->multi, &left))) {
        struct xfer *x = NULL;
        size_t i;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(m->multi, msg->easy_handle);
        for (i = 0; i < m->nxfers; i++)
            if (m->xfers[i] == x) {
                m->xfers[i] = m->xfers[--m->nxfers];
                break;
            }
        m->running--;
        xfer_done(m, x, msg->data.result);
        xfer_free(x);
    }
}

/* Where a pass stands between turns of its loop. */
struct pass_loop {
    enum ipfs_run mode;
    int all;           /* every CID, not only the due ones */
    int64_t now;       /* wall time the due CIDs are read at */
    int64_t knc, krow; /* keyset position of the next read */
    bool exhausted;    /* the last read found no more CIDs */
    uint64_t last_flush, last_progress, last_look, last_discover; /* ms */
};

/* No request is in flight or queued. */
static bool pass_idle(const struct ipfs_mon *m)
{
    return m->running == 0 && !m->qlen && !m->glen;
}

/* Reads more CIDs while few are alive and, following, looks again for
 * CIDs that fell due or were just discovered.  0 or -1. */
static int pass_feed(struct ipfs_mon *m, struct pass_loop *p)
{
    size_t conc = (size_t)m->cfg->ipfs_concurrency;

    /* Keep a few batches alive: enough to fill every slot, few enough
     * that an interrupted pass loses little. */
    if (!p->exhausted && m->qlen < conc * 2 && m->live < conc * 4 + 64) {
        int got;

        /* Following, a CID that falls due while slow rounds are in flight
         * joins this pass: the keyset stays valid because a checked CID's
         * next_check is later than the one it had. */
        if (p->mode == IPFS_RUN_FOLLOW)
            p->now = util_wall_s();
        got = refill(m, p->all, p->now, &p->knc, &p->krow);
        if (got < 0)
            return -1;
        if (got < IPFS_BATCH) {
            p->exhausted = true;
            p->last_look = util_now_ms();
        }
    }
    if (p->mode != IPFS_RUN_FOLLOW)
        return 0;
    if (p->exhausted && m->live > 0 &&
        util_now_ms() - p->last_look >= IPFS_FOLLOW_MS)
        p->exhausted = false;
    /* A long following pass still finds new CIDs every interval (they are
     * due now, so after the keyset position). */
    if (util_now_ms() - p->last_discover >= m->cfg->ipfs_interval * 1000) {
        uint64_t added = 0;

        p->last_discover = util_now_ms();
        if (ipfs_mon_discover(m, 0, &added) == 0 && added) {
            log_info("ipfs: %" PRIu64 " new CIDs to check", added);
            p->exhausted = false;
        }
    }
    return 0;
}

/* Starts queued requests (GETs first) while slots are free and the
 * bandwidth bucket is not in debt.  Returns the ms to wait for activity;
 * *throttled is set when the debt stopped it. */
static int pass_start(struct ipfs_mon *m, bool *throttled)
{
    uint64_t bw = m->cfg->ipfs_bandwidth;

    bucket_refill(m);
    *throttled = false;
    while (m->running < (size_t)m->cfg->ipfs_concurrency &&
           (m->glen || m->qlen)) {
        struct req r;

        if (bw && m->tokens < 0) {
            double ms = -m->tokens * 1000.0 / (double)bw;

            *throttled = true;
            return ms < 1 ? 1 : ms > IPFS_POLL_MS ? IPFS_POLL_MS : (int)ms;
        }
        r = m->glen ? pop(m->gets, &m->ghead, &m->glen)
                    : pop(m->queue, &m->qhead, &m->qlen);
        start_req(m, r);
    }
    return IPFS_POLL_MS;
}

/* Writes the finished CIDs when enough are waiting, enough time passed or
 * nothing else is going on.  0 or -1. */
static int pass_flush(struct ipfs_mon *m, struct pass_loop *p)
{
    if (!m->nfinished ||
        (m->nfinished < IPFS_FLUSH_CIDS &&
         util_now_ms() - p->last_flush < IPFS_FLUSH_MS && !pass_idle(m)))
        return 0;
    if (flush(m) < 0)
        return -1;
    p->last_flush = util_now_ms();
    return 0;
}

int ipfs_mon_run(struct ipfs_mon *m, enum ipfs_run mode,
                 struct ipfs_pass *out)
{
    struct pass_loop p;
    int ret = IPFS_PASS_ERROR;

    memset(&p, 0, sizeof(p));
    p.mode = mode;
    p.all = mode == IPFS_RUN_ALL;
    p.now = util_wall_s();
    p.knc = INT64_MIN;
    p.last_flush = p.last_discover = util_now_ms();
    memset(&m->pass, 0, sizeof(m->pass));
    m->pass.started_ms = util_now_ms();
    if (ipfs_store_due_count(m->db, p.all, p.now, &m->pass.total) < 0)
        return IPFS_PASS_ERROR;
    m->tokens = m->cfg->ipfs_bandwidth ? (double)m->cfg->ipfs_bandwidth : 0;
    m->tokens_ms = util_now_ms();
    for (;;) {
        int still = 0, wait_ms;
        bool throttled;

        if (atomic_load(m->stop)) {
            ret = IPFS_PASS_STOPPED;
            goto out;
        }
        if (pass_feed(m, &p) < 0)
            goto out;
        wait_ms = pass_start(m, &throttled);
        /* Wait for activity (curl's own timers shorten the wait), then
         * drive the transfers; a freed slot is refilled next turn without
         * waiting.  Only a bandwidth debt with nothing in flight sleeps. */
        if (m->running) {
            curl_multi_poll(m->multi, NULL, 0, wait_ms, NULL);
            curl_multi_perform(m->multi, &still);
            reap(m);
        } else if (throttled) {
            usleep((useconds_t)wait_ms * 1000);
        }
        if (pass_flush(m, &p) < 0)
            goto out;
        if (m->progress && util_now_ms() - p.last_progress >= 250) {
            m->progress(&m->pass, m->progress_ud);
            p.last_progress = util_now_ms();
        }
        if (pass_idle(m) && m->live == 0 && p.exhausted)
            break;
    }
    ret = IPFS_PASS_DONE;
out:
    if (ret != IPFS_PASS_DONE)
        abandon(m);
    if (m->progress)
        m->progress(&m->pass, m->progress_ud);
    if (out)
        *out = m->pass;
    return ret;
}

/* ---- discovery ---- */

int ipfs_mon_discover(struct ipfs_mon *m, int full, uint64_t *added)
{
    int64_t max, from, now = util_wall_s();
    uint64_t total = 0;

    if (ipfs_store_max_solution(m->db, &max) < 0)
        return -1;
    if (full || !m->have_watermark) {
        for (from = 0; from < max; from += IPFS_DISCOVER_CHUNK) {
            uint64_t n = 0;

            if (atomic_load(m->stop))
                return -1;
            if (ipfs_store_discover(m->db, from, from + IPFS_DISCOVER_CHUNK,
                                    now, &n) < 0)
                return -1;
            total += n;
        }
    } else {
        uint64_t n = 0;

        /* A reorg deletes the newest solutions and SQLite hands their
         * rowids out again: look back over the last few. */
        if (max < m->watermark)
            m->watermark = max;
        from = m->watermark > IPFS_LOOKBACK ? m->watermark - IPFS_LOOKBACK
                                            : 0;
        if (max > from &&
            ipfs_store_discover(m->db, from, max, now, &n) < 0)
            return -1;
        total = n;
    }
    m->watermark = max;
    m->have_watermark = true;
    if (added)
        *added = total;
    return 0;
}

/* ---- lifecycle ---- */

int ipfs_mon_new(const struct config *cfg, struct db *db,
                 const atomic_bool *stop,
                 struct ipfs_mon **outp)
{
    struct ipfs_mon *m = xcalloc(1, sizeof(*m));

    m->cfg = cfg;
    m->db = db;
    m->stop = stop;
    m->multi = curl_multi_init();
    if (!m->multi) {
        free(m);
        log_warnx("ipfs: curl_multi_init failed");
        return -1;
    }
    curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      (long)cfg->ipfs_concurrency);
    m->xfers = xcalloc((size_t)cfg->ipfs_concurrency, sizeof(*m->xfers));
    *outp = m;
    return 0;
}

void ipfs_mon_free(struct ipfs_mon *m)
{
    if (!m)
        return;
    abandon(m);
    curl_multi_cleanup(m->multi);
    free(m->queue);
    free(m->gets);
    free(m->xfers);
    free(m);
}

void ipfs_mon_set_progress(struct ipfs_mon *m, ipfs_progress_fn *fn, void *ud)
{
    m->progress = fn;
    m->progress_ud = ud;
}

/* ---- the `serve` thread ---- */

struct ipfs_thread {
    const struct config *cfg;
    struct db *db;             /* the monitor's write connection, owned */
    struct ipfs_mon *mon;
    struct worker *w;
    bool first;                /* the first discovery looks at everything */
};

/* Discovers new CIDs, checks the due ones, then sleeps until the next
 * discovery or the next scheduled retry, whichever comes first. */
static int64_t ipfs_step(struct worker *w, void *arg)
{
    struct ipfs_thread *t = arg;
    struct ipfs_pass p;
    uint64_t added = 0, interval_ms = t->cfg->ipfs_interval * 1000;
    int64_t next = -1, now_ms;
    int r;

    (void)w;
    if (ipfs_mon_discover(t->mon, t->first, &added) == 0) {
        t->first = false;
        if (added)
            log_info("ipfs: %" PRIu64 " new CIDs to check", added);
    }
    r = ipfs_mon_run(t->mon, IPFS_RUN_FOLLOW, &p);
    if (r == IPFS_PASS_DONE && p.cids)
        log_info("ipfs: checked %" PRIu64 " CIDs (%" PRIu64
                 " requests): ok %" PRIu64 ", slow %" PRIu64
                 ", missing %" PRIu64 ", error %" PRIu64,
                 p.cids, p.checks, p.by_status[IPFS_ST_OK],
                 p.by_status[IPFS_ST_SLOW], p.by_status[IPFS_ST_MISSING],
                 p.by_status[IPFS_ST_ERROR]);
    /* next_check is wall time. */
    now_ms = util_wall_s() * 1000;
    if (r == IPFS_PASS_DONE && ipfs_store_next_due(t->db, &next) == 0 &&
        next >= 0 && next * 1000 - now_ms < (int64_t)interval_ms)
        return next * 1000 > now_ms ? next * 1000 - now_ms : 0;
    return (int64_t)interval_ms;
}

static const struct worker_def ipfs_worker = { "ipfs-monitor", ipfs_step,
                                               NULL };

int ipfs_thread_start(const struct config *cfg, struct ipfs_thread **outp)
{
    struct ipfs_thread *t = xcalloc(1, sizeof(*t));

    t->cfg = cfg;
    t->first = true;
    if (worker_new(&ipfs_worker, t, &t->w) < 0 ||
        db_open(cfg->db_path, DB_READWRITE, cfg->busy_timeout, &t->db) < 0 ||
        ipfs_mon_new(cfg, t->db, worker_stop_flag(t->w), &t->mon) < 0 ||
        worker_run(t->w) < 0) {
        log_warnx("ipfs: cannot start the monitor");
        ipfs_thread_stop(t);
        return -1;
    }
    log_info("ipfs: monitoring %zu gateway(s), %" PRIu64 " in flight, "
             "%zu retries", cfg->gateways.n, cfg->ipfs_concurrency,
             cfg->ipfs_retry.n);
    *outp = t;
    return 0;
}

void ipfs_thread_stop(struct ipfs_thread *t)
{
    if (!t)
        return;
    worker_stop(t->w);
    ipfs_mon_free(t->mon);
    db_close(t->db);
    free(t);
}
