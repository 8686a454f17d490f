/*
 * metrics.c - /metrics, /health, /ready, /status, /api/v1/status,
 * /api/v1/openapi.json and the progress sampler (see metrics.h).
 */
#include "arbiusd/metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/ipfs_store.h"
#include "arbiusd/log.h"
#include "arbiusd/status.h"
#include "arbiusd/stream.h"
#include "arbiusd/worker.h"
#include "openapi.h"

#ifndef ARBIUSD_VERSION
#define ARBIUSD_VERSION "0.1.0"
#endif

/* ---- progress sampler ---- */

struct ops_sample {
    uint64_t ms;               /* monotonic */
    int64_t indexed;
};

struct ops_sampler {
    struct worker *w;
    pthread_mutex_t mu;        /* ring, n, next */
    char *db_path;
    uint64_t busy_ms;
    struct db *db;             /* the sampler's own, on its thread */
    uint64_t gen;              /* http_db_generation() db was opened at */
    struct ops_sample ring[OPS_SAMPLES];
    size_t n, next;            /* samples held, next slot */
};

/* Reads the indexed block once and keeps it with the time. */
static int64_t sampler_step(struct worker *w, void *arg)
{
    struct ops_sampler *s = arg;
    int64_t indexed = -1, head = -1;

    (void)w;
    if (s->db && s->gen != http_db_generation()) {
        db_close(s->db); /* a replica's file was swapped: read the new one */
        s->db = NULL;
    }
    if (!s->db) {
        s->gen = http_db_generation();
        if (db_open(s->db_path, DB_READONLY, s->busy_ms, &s->db) < 0)
            s->db = NULL;
    }
    if (s->db && status_progress(s->db, &indexed, &head) < 0) {
        db_close(s->db); /* reopen next time: the file may be replaced */
        s->db = NULL;
    }
    if (indexed >= 0) {
        pthread_mutex_lock(&s->mu);
        s->ring[s->next].ms = util_now_ms();
        s->ring[s->next].indexed = indexed;
        s->next = (s->next + 1) % OPS_SAMPLES;
        if (s->n < OPS_SAMPLES)
            s->n++;
        pthread_mutex_unlock(&s->mu);
    }
    return OPS_SAMPLE_MS;
}

static void sampler_done(void *arg)
{
    struct ops_sampler *s = arg;

    db_close(s->db);
    s->db = NULL;
}

static const struct worker_def sampler_worker = { "ops-sampler",
                                                  sampler_step,
                                                  sampler_done };

void ops_sampler_free(struct ops_sampler *s)
{
    if (!s)
        return;
    worker_stop(s->w);
    pthread_mutex_destroy(&s->mu);
    free(s->db_path);
    free(s);
}

int ops_sampler_new(const char *db_path, uint64_t busy_ms,
                    struct ops_sampler **outp)
{
    struct ops_sampler *s = xcalloc(1, sizeof(*s));

    pthread_mutex_init(&s->mu, NULL);
    s->db_path = xstrdup(db_path);
    s->busy_ms = busy_ms;
    if (worker_start(&sampler_worker, s, &s->w) < 0) {
        ops_sampler_free(s);
        return -1;
    }
    *outp = s;
    return 0;
}

double ops_sampler_rate(struct ops_sampler *s)
{
    double rate = -1;

    if (!s)
        return -1;
    pthread_mutex_lock(&s->mu);
    if (s->n >= 2) {
        const struct ops_sample *last =
            &s->ring[(s->next + OPS_SAMPLES - 1) % OPS_SAMPLES];
        const struct ops_sample *first =
            &s->ring[(s->next + OPS_SAMPLES - s->n) % OPS_SAMPLES];
        uint64_t dt = last->ms - first->ms;

        if (dt >= 5000)
            rate = last->indexed > first->indexed
                       ? (double)(last->indexed - first->indexed) * 1000.0 /
                             (double)dt
                       : 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rate;
}

/* ---- shared figures ---- */

/* Bytes of a file, 0 if it does not exist. */
static int64_t file_size(const char *path, const char *suffix)
{
    char p[4096];
    struct stat st;

    if ((size_t)snprintf(p, sizeof(p), "%s%s", path, suffix) >= sizeof(p) ||
        stat(p, &st) < 0)
        return 0;
    return (int64_t)st.st_size;
}

/* On a read-only server, seconds since its database file was last written
 * (a replica's copy: since it was restored and swapped in); -1 on a writer,
 * whose file changes only at checkpoints, or when the file is missing. */
static int64_t copy_age(const struct http_ctx *ctx)
{
    struct stat st;
    int64_t age;

    if (!ctx->read_only || stat(ctx->db_path, &st) < 0)
        return -1;
    age = util_wall_s() - (int64_t)st.st_mtime;
    return age > 0 ? age : 0;
}

/* "the scanner cannot reach ...: ..." of a failing status_health object
 * h, as a new string (a reason of /ready, the banner's first sentence);
 * NULL when the scanner is not failing. */
static json_t *failure_text(const json_t *h)
{
    const char *e = json_string_value(json_object_get(h, "error"));
    const char *ep = json_string_value(json_object_get(h, "endpoint"));
    const char *kind = json_string_value(json_object_get(h, "kind"));
    const char *stage = json_string_value(json_object_get(h, "stage"));
    char b[1024];

    if (!e)
        return NULL;
    if (ep && kind &&
        (strcmp(kind, "transport") == 0 || strcmp(kind, "wrong chain") == 0))
        snprintf(b, sizeof(b), "Can't reach the RPC endpoint %s: %s", ep, e);
    else if (ep && kind && strcmp(kind, "throttled") == 0)
        snprintf(b, sizeof(b), "The RPC endpoint %s refuses requests: %s", ep,
                 e);
    else
        snprintf(b, sizeof(b), "The scanner's last poll failed (%s): %s",
                 stage ? stage : "poll", e);
    return json_string(b);
}

/* Readiness from scan_state: NULL when ready, else why not.  reasons gets
 * one string per failed condition when given, led by the scanner's
 * failure when it is failing (health: a status_health object, may be
 * NULL). */
static const char *ready_check(const struct http_ctx *ctx,
                               const struct status_snap *s,
                               const json_t *health, json_t *reasons)
{
    const char *why = NULL;
    int64_t age = util_wall_s() - s->updated_at;
    size_t n0 = reasons ? json_array_size(reasons) : 0;
    json_t *fail;

    if (!s->initialized) {
        why = "the index is not initialised yet";
        if (reasons)
            json_array_append_new(reasons, json_string(why));
        goto out;
    }
    if (s->head_block <= 0 || s->head_block < s->start_block) {
        /* A new index before the scanner's first head: its lag is unknown,
         * not zero. */
        why = "the chain head is not known yet";
        if (reasons)
            json_array_append_new(reasons, json_string(why));
    } else if ((uint64_t)s->lag_blocks > ctx->cfg->ready_max_lag) {
        why = "the index lags the chain head by more than "
              "[server] ready_max_lag blocks";
        if (reasons)
            json_array_append_new(reasons, json_string(why));
    }
    if (age > 0 && (uint64_t)age > ctx->cfg->ready_max_poll_age) {
        const char *w = "the last successful poll is older than "
                        "[server] ready_max_poll_age seconds";
        int64_t cage = copy_age(ctx);

        /* A replica tells which side stopped.  Its own sync: the file
         * ages with the poll it holds (the poll is older by one trip
         * through Litestream).  The writer: the copies stay fresh while
         * the poll in them ages.  Half the poll age is the line. */
        if (cage >= 0 && cage * 2 > age)
            w = "this replica's database file was not replaced for more "
                "than [server] ready_max_poll_age seconds: is its sync job "
                "running?";
        else if (cage >= 0)
            w = "the writer's last successful poll, as recorded in this "
                "copy, is older than [server] ready_max_poll_age seconds: "
                "the writer or its replication has stopped";

        if (!why)
            why = w;
        if (reasons)
            json_array_append_new(reasons, json_string(w));
    }
out:
    /* Not ready, and the scanner says why: that first. */
    fail = why && reasons ? failure_text(health) : NULL;
    if (fail)
        json_array_insert_new(reasons, n0, fail);
    return why;
}

/* ---- the banner of every page ---- */

/* " Figures are as of block N." for s, into b at *n. */
static void banner_as_of(const struct status_snap *s, char *b, size_t sz)
{
    size_t n = strlen(b);

    if (s->initialized)
        snprintf(b + n, sz - n, " Figures are as of block %lld.",
                 (long long)s->indexed_block);
    else
        snprintf(b + n, sz - n, " Nothing is indexed yet.");
}

json_t *metrics_page_banner(struct http_req *req)
{
    struct db *db = http_db(req);
    struct status_snap s;
    json_t *health = NULL, *fail, *o = NULL;
    char b[1400];

    memset(&s, 0, sizeof(s));
    if (!db || status_state(db, &s) < 0 || status_health(db, &health) < 0)
        return NULL;
    fail = failure_text(health);
    if (fail) {
        snprintf(b, sizeof(b), "%s. Retrying every %lld s.",
                 json_string_value(fail),
                 (long long)json_integer_value(
                     json_object_get(health, "retry_seconds")));
        banner_as_of(&s, b, sizeof(b));
        o = json_pack("{s:s,s:s}", "kind", "failing", "text", b);
    } else if (s.initialized &&
               (uint64_t)s.lag_blocks > req->ctx->cfg->ready_max_lag) {
        snprintf(b, sizeof(b),
                 "The index is %lld blocks behind the chain "
                 "head and catching up.",
                 (long long)s.lag_blocks);
        banner_as_of(&s, b, sizeof(b));
        o = json_pack("{s:s,s:s}", "kind", "lagging", "text", b);
    }
    json_decref(fail);
    json_decref(health);
    return o;
}

/* ---- /ready ---- */

int metrics_api_health(struct http_req *req, struct http_resp *resp)
{
    struct db *db = http_db(req);
    int ok = db && status_ping(db) == 0;

    http_resp_header(resp, "Cache-Control", "no-store");
    return http_reply_json(
        resp, ok ? 200 : 503,
        json_pack("{s:s,s:s,s:I}", "status", ok ? "ok" : "unavailable",
                  "database", ok ? "ok" : "unreadable", "uptime_seconds",
                  (json_int_t)(util_wall_s() - req->ctx->started_at)));
}

/* Under --read-only: how old the copy is and how often it was swapped
 * under this process (null on a writer). */
static void ready_copy_fields(const struct http_req *req, json_t *o)
{
    int64_t cage = copy_age(req->ctx);

    json_object_set_new(o, "read_only", json_boolean(req->ctx->read_only));
    json_object_set_new(o, "copy_age_seconds",
                        cage >= 0 ? json_integer(cage) : json_null());
    json_object_set_new(
        o, "copy_reopens",
        req->ctx->read_only ? json_integer((json_int_t)http_db_generation())
                            : json_null());
    json_object_set_new(o, "copy_replaced_at",
                        http_db_replaced_at()
                            ? json_integer(http_db_replaced_at())
                            : json_null());
}

int metrics_api_ready(struct http_req *req, struct http_resp *resp)
{
    struct db *db = http_db(req);
    struct status_snap s;
    json_t *reasons, *o, *health = NULL;
    int ok;

    http_resp_header(resp, "Cache-Control", "no-store");
    memset(&s, 0, sizeof(s));
    if (!db || status_state(db, &s) < 0 || status_health(db, &health) < 0)
        return http_reply_json(
            resp, 503,
            json_pack("{s:s,s:[s]}", "status", "not ready", "reasons",
                      "the database cannot be read"));
    reasons = json_array();
    ok = ready_check(req->ctx, &s, health, reasons) == NULL;
    json_decref(health);
    o = json_pack("{s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "status",
                  ok ? "ready" : "not ready", "reasons", reasons,
                  "indexed_block", (json_int_t)s.indexed_block, "head_block",
                  (json_int_t)s.head_block, "lag_blocks",
                  (json_int_t)s.lag_blocks, "lag_seconds",
                  (json_int_t)s.lag_seconds, "poll_age_seconds",
                  (json_int_t)(s.initialized ? util_wall_s() - s.updated_at
                                             : 0),
                  "max_lag_blocks", (json_int_t)req->ctx->cfg->ready_max_lag,
                  "max_poll_age_seconds",
                  (json_int_t)req->ctx->cfg->ready_max_poll_age);
    ready_copy_fields(req, o);
    return http_reply_json(resp, ok ? 200 : 503, o);
}

/* ---- /api/v1/status and /status ---- */

static const char *const ipfs_statuses[] = { "pending", "ok", "slow",
                                             "missing", "error" };
static const char *const ipfs_results[] = { "ok", "slow", "missing",
                                            "timeout", "error" };

/* The whole status object; new reference in *outp.  0 or -1 (logged). */
static int status_build(struct http_req *req, json_t **outp)
{
    struct db *db = http_db(req);
    struct status_snap s;
    json_t *o = NULL, *rpc = NULL, *reorgs = NULL, *ipfs = NULL, *reasons;
    double bps;

    if (!db || status_json(db, &o) < 0)
        return -1;
    if (status_snapshot(db, &s) < 0 || status_rpc(db, &rpc) < 0 ||
        status_reorgs(db, 20, &reorgs) < 0) {
        json_decref(o);
        json_decref(rpc);
        return -1;
    }
    reasons = json_array();
    json_object_set_new(o, "ready",
                        json_boolean(ready_check(req->ctx, &s,
                                                 json_object_get(o, "scanner"),
                                                 reasons) == NULL));
    json_object_set_new(o, "not_ready_reasons", reasons);
    json_object_set_new(o, "last_poll_ok_at",
                        s.initialized ? json_integer(s.updated_at)
                                      : json_null());
    json_object_set_new(o, "poll_age_seconds",
                        s.initialized
                            ? json_integer(util_wall_s() - s.updated_at)
                            : json_null());
    bps = ops_sampler_rate(req->ctx->ops);
    json_object_set_new(o, "blocks_per_second",
                        bps >= 0 ? json_real((double)(int64_t)(bps * 10) / 10)
                                 : json_null());
    json_object_set_new(o, "eta_seconds",
                        bps > 0 && s.lag_blocks > 0
                            ? json_integer((json_int_t)((double)s.lag_blocks /
                                                        bps + 0.5))
                            : json_null());
    json_object_set_new(o, "backfilling",
                        json_boolean((uint64_t)s.lag_blocks >
                                     req->ctx->cfg->ready_max_lag));
    json_object_set_new(o, "read_only", json_boolean(req->ctx->read_only));
    json_object_set_new(o, "uptime_seconds",
                        json_integer(util_wall_s() - req->ctx->started_at));
    json_object_set_new(o, "version", json_string(ARBIUSD_VERSION));
    json_object_set_new(o, "rpc",
                        json_pack("{s:o,s:o}", "updated_at",
                                  s.rpc_stats_at ? json_integer(s.rpc_stats_at)
                                                 : json_null(),
                                  "endpoints", rpc));
    json_object_set_new(o, "reorgs",
                        json_pack("{s:I,s:I,s:o}", "count",
                                  (json_int_t)s.reorgs, "removed_rows",
                                  (json_int_t)s.reorg_removed_rows, "recent",
                                  reorgs));
    /* The IPFS monitor's own counting (ipfs_store.h): null if it fails. */
    if (ipfs_counts_json(db, &ipfs) < 0)
        ipfs = json_null();
    json_object_set_new(o, "ipfs", ipfs);
    json_object_set_new(
        o, "database",
        json_pack("{s:I,s:I,s:I}", "size_bytes",
                  (json_int_t)file_size(req->ctx->db_path, ""), "wal_bytes",
                  (json_int_t)file_size(req->ctx->db_path, "-wal"),
                  "free_bytes", (json_int_t)(s.freelist_pages * s.page_size)));
    *outp = o;
    return 0;
}

int metrics_api_status(struct http_req *req, struct http_resp *resp)
{
    json_t *o = NULL;

    http_resp_header(resp, "Cache-Control", "no-store");
    if (status_build(req, &o) < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    return http_reply_json(resp, 200, o);
}

/* "3 h 12 min" style durations for the page. */
static json_t *duration_text(int64_t secs)
{
    char b[64];

    if (secs < 0)
        secs = 0;
    if (secs < 120)
        snprintf(b, sizeof(b), "%lld s", (long long)secs);
    else if (secs < 7200)
        snprintf(b, sizeof(b), "%lld min", (long long)(secs / 60));
    else if (secs < 172800)
        snprintf(b, sizeof(b), "%lld h %lld min", (long long)(secs / 3600),
                 (long long)(secs % 3600 / 60));
    else
        snprintf(b, sizeof(b), "%lld days %lld h", (long long)(secs / 86400),
                 (long long)(secs % 86400 / 3600));
    return json_string(b);
}

/* "1.5 MiB" style sizes for the page. */
static json_t *size_text(json_t *v)
{
    static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    double n = (double)json_integer_value(v);
    size_t u = 0;
    char b[64];

    while (n >= 1024 && u + 1 < ARRAY_SIZE(units)) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(b, sizeof(b), "%.0f bytes", n);
    else
        snprintf(b, sizeof(b), "%.1f %s", n, units[u]);
    return json_string(b);
}

static json_t *time_text(json_t *t)
{
    char b[64];
    struct tm tm;
    time_t tt;

    if (!json_is_integer(t) || json_integer_value(t) <= 0)
        return json_string("never");
    tt = (time_t)json_integer_value(t);
    gmtime_r(&tt, &tm);
    strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S UTC", &tm);
    return json_string(b);
}

/* o[outkey] = the duration text of the integer o[key] (0 when missing). */
static void set_duration(json_t *o, const char *outkey, const char *key)
{
    json_object_set_new(o, outkey,
                        duration_text(
                            json_integer_value(json_object_get(o, key))));
}

/* o[outkey] = the UTC time text of o[key] ("never" unless positive). */
static void set_time(json_t *o, const char *outkey, const char *key)
{
    json_object_set_new(o, outkey, time_text(json_object_get(o, key)));
}

int metrics_page_status(struct http_req *req, struct http_resp *resp)
{
    json_t *o = NULL, *v, *ep, *r;
    size_t i;
    int ret;

    if (status_build(req, &o) < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    http_resp_header(resp, "Cache-Control", "no-store");
    /* Presentation-only fields for the template. */
    json_object_set_new(o, "title", json_string("Status"));
    set_duration(o, "lag_text", "lag_seconds");
    set_duration(o, "poll_text", "poll_age_seconds");
    if (json_is_integer(json_object_get(o, "eta_seconds")))
        set_duration(o, "eta_text", "eta_seconds");
    set_time(o, "indexed_time_text", "indexed_time");
    set_time(o, "head_time_text", "head_time");
    set_time(o, "poll_ok_text", "last_poll_ok_at");
    set_time(json_object_get(o, "scanner"), "failing_text", "failing_since");
    set_duration(o, "uptime_text", "uptime_seconds");
    v = json_object_get(o, "database");
    json_object_set_new(o, "db_size_text",
                        size_text(json_object_get(v, "size_bytes")));
    json_object_set_new(o, "wal_size_text",
                        size_text(json_object_get(v, "wal_bytes")));
    json_object_set_new(o, "has_gaps",
                        json_boolean(json_array_size(json_object_get(o, "gaps"))
                                     > 0));
    json_array_foreach(json_object_get(o, "coverage"), i, r)
        json_array_append_new(r, json_integer(
                                     json_integer_value(json_array_get(r, 1)) -
                                     json_integer_value(json_array_get(r, 0)) +
                                     1));
    json_array_foreach(json_object_get(json_object_get(o, "rpc"), "endpoints"),
                       i, ep)
    {
        set_time(ep, "last_ok_text", "last_ok_at");
        set_time(ep, "last_error_text", "last_error_at");
    }
    json_array_foreach(json_object_get(json_object_get(o, "reorgs"), "recent"),
                       i, r) set_time(r, "detected_text", "detected_at");
    ret = http_reply_page(req, resp, "status", o);
    json_decref(o);
    return ret;
}

/* ---- /api/v1/openapi.json ---- */

int metrics_api_openapi(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    resp->status = 200;
    resp->content_type = "application/json";
    http_resp_header(resp, "Cache-Control", "public, max-age=3600");
    /* Copied so that it is compressed like any JSON body. */
    return buf_add(&resp->body, openapi_files[0].data, openapi_files[0].len);
}

/* ---- /metrics ---- */

#define OUT(...)                                                            \
    do {                                                                    \
        if (buf_addf(out, __VA_ARGS__) < 0)                                 \
            return -1;                                                      \
    } while (0)

static int prom_head(struct buf *out, const char *name, const char *type,
                     const char *help)
{
    OUT("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    return 0;
}

static int prom_gauge(struct buf *out, const char *name, const char *help,
                      double v)
{
    if (prom_head(out, name, "gauge", help) < 0)
        return -1;
    OUT("%s %.17g\n", name, v);
    return 0;
}

/* Opens a labelled sample: name{label="<value, escaped> (the caller
 * closes the quote and the braces). */
static int prom_labeled(struct buf *out, const char *name, const char *label,
                        const char *value)
{
    OUT("%s{%s=\"", name, label);
    return http_prom_label(out, value ? value : "");
}

/* A counter with one sample. */
static int prom_counter(struct buf *out, const char *name, const char *help,
                        int64_t v)
{
    if (prom_head(out, name, "counter", help) < 0)
        return -1;
    OUT("%s %lld\n", name, (long long)v);
    return 0;
}

/* A gauge and its value, for tables of them. */
struct prom_value {
    const char *name;
    const char *help;
    double v;
};

/* Writes the n gauges of g in order.  0, or -1 when out is full. */
static int prom_gauges(struct buf *out, const struct prom_value *g, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (prom_gauge(out, g[i].name, g[i].help, g[i].v) < 0)
            return -1;
    return 0;
}

/* One sample per RPC endpoint of a numeric field of rpc_stats. */
static int prom_rpc(struct buf *out, json_t *eps, const char *name,
                    const char *type, const char *help, const char *field,
                    const char *sub, double scale)
{
    json_t *ep;
    size_t i;

    if (prom_head(out, name, type, help) < 0)
        return -1;
    json_array_foreach(eps, i, ep) {
        json_t *v = json_object_get(ep, field);
        const char *url = json_string_value(json_object_get(ep, "url"));

        if (sub)
            v = json_object_get(v, sub);
        if (!json_is_number(v) && !json_is_boolean(v))
            continue;
        if (prom_labeled(out, name, "endpoint", url) < 0)
            return -1;
        OUT("\"} %.17g\n",
            (json_is_boolean(v) ? (json_is_true(v) ? 1.0 : 0.0)
                                : json_number_value(v)) * scale);
    }
    return 0;
}

/* arbiusd_rpc_request_duration_seconds from each endpoint's latency_ms
 * {le, buckets, sum} (rpc.h); endpoints without a histogram are skipped. */
static int prom_rpc_histogram(struct buf *out, json_t *eps)
{
    json_t *ep;
    size_t i, b;

    if (prom_head(out, "arbiusd_rpc_request_duration_seconds", "histogram",
                  "JSON-RPC request latency per endpoint (scanner run).") < 0)
        return -1;
    json_array_foreach(eps, i, ep) {
        json_t *lat = json_object_get(ep, "latency_ms");
        json_t *le = json_object_get(lat, "le");
        json_t *bk = json_object_get(lat, "buckets");
        const char *url = json_string_value(json_object_get(ep, "url"));
        uint64_t cum = 0;

        if (!json_is_array(le) || !json_is_array(bk) ||
            json_array_size(bk) != json_array_size(le) + 1)
            continue;
        for (b = 0; b < json_array_size(bk); b++) {
            cum += (uint64_t)json_integer_value(json_array_get(bk, b));
            if (prom_labeled(out,
                             "arbiusd_rpc_request_duration_seconds_bucket",
                             "endpoint", url) < 0)
                return -1;
            if (b < json_array_size(le))
                OUT("\",le=\"%g\"} %llu\n",
                    (double)json_integer_value(json_array_get(le, b)) / 1000,
                    (unsigned long long)cum);
            else
                OUT("\",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        if (prom_labeled(out, "arbiusd_rpc_request_duration_seconds_sum",
                         "endpoint", url) < 0)
            return -1;
        OUT("\"} %g\n",
            (double)json_integer_value(json_object_get(lat, "sum")) / 1000);
        if (prom_labeled(out, "arbiusd_rpc_request_duration_seconds_count",
                         "endpoint", url) < 0)
            return -1;
        OUT("\"} %llu\n", (unsigned long long)cum);
    }
    return 0;
}

/* One sample of an integer member of o (0 when missing). */
static int prom_member(struct buf *out, const char *metric, const char *label,
                       const char *value, json_t *o, const char *key)
{
    if (prom_labeled(out, metric, label, value) < 0)
        return -1;
    OUT("\"} %lld\n",
        (long long)json_integer_value(json_object_get(o, key)));
    return 0;
}

/* The IPFS checks of c (ipfs_counts_json()): all time, the newest by
 * result, and the newest by gateway and result. */
static int prom_ipfs_checks(struct buf *out, json_t *c)
{
    json_t *checks = json_object_get(c, "checks");
    json_t *recent = json_object_get(checks, "recent"), *g;
    const char *url;
    size_t i;

    if (prom_counter(out, "arbiusd_ipfs_checks_total",
                     "IPFS gateway checks ever recorded.",
                     (int64_t)json_integer_value(
                         json_object_get(checks, "total"))) < 0 ||
        prom_head(out, "arbiusd_ipfs_recent_checks", "gauge",
                  "The newest " IPFS_COUNTS_WINDOW_SQL " IPFS gateway checks "
                  "by result.") < 0)
        return -1;
    for (i = 0; i < ARRAY_SIZE(ipfs_results); i++)
        if (prom_member(out, "arbiusd_ipfs_recent_checks", "result",
                        ipfs_results[i], recent, ipfs_results[i]) < 0)
            return -1;
    if (prom_head(out, "arbiusd_ipfs_gateway_recent_checks", "gauge",
                  "The newest IPFS checks by gateway and result.") < 0)
        return -1;
    json_object_foreach(json_object_get(checks, "gateways"), url, g)
    {
        for (i = 0; i < ARRAY_SIZE(ipfs_results); i++) {
            if (prom_labeled(out, "arbiusd_ipfs_gateway_recent_checks",
                             "gateway", url) < 0)
                return -1;
            OUT("\",result=\"%s\"} %lld\n", ipfs_results[i],
                (long long)json_integer_value(
                    json_object_get(g, ipfs_results[i])));
        }
    }
    return 0;
}

/* The IPFS monitor's schedule in c (ipfs_counts_json()). */
static int prom_ipfs_due(struct buf *out, json_t *c)
{
    const struct prom_value g[] = {
        { "arbiusd_ipfs_due_cids", "Solution outputs whose next check is due.",
          (double)json_integer_value(json_object_get(c, "due")) },
        { "arbiusd_ipfs_given_up_cids",
          "Missing or failing outputs past their last retry.",
          (double)json_integer_value(json_object_get(c, "given_up")) },
        { "arbiusd_ipfs_last_check_timestamp_seconds",
          "Wall time of the newest IPFS check (0: none).",
          (double)json_integer_value(json_object_get(c, "last_check")) },
    };

    return prom_gauges(out, g, ARRAY_SIZE(g));
}

/* The IPFS monitor's counts (ipfs_counts_json()); nothing when they cannot
 * be read. */
static int prom_ipfs(struct buf *out, struct db *db)
{
    json_t *c = NULL;
    int ret = -1;
    size_t i;

    if (ipfs_counts_json(db, &c) < 0)
        return 0;
    if (prom_head(out, "arbiusd_ipfs_cids", "gauge",
                  "Solution outputs by the IPFS monitor's status.") < 0)
        goto out;
    for (i = 0; i < ARRAY_SIZE(ipfs_statuses); i++)
        if (prom_member(out, "arbiusd_ipfs_cids", "status", ipfs_statuses[i],
                        json_object_get(c, "cids"), ipfs_statuses[i]) < 0)
            goto out;
    if (prom_ipfs_checks(out, c) < 0 || prom_ipfs_due(out, c) < 0)
        goto out;
    ret = 0;
out:
    json_decref(c);
    return ret;
}

/* The index's progress, its readiness, its events and its reorgs. */
static int prom_index(struct buf *out, struct http_req *req,
                      const struct status_snap *s)
{
    double bps = ops_sampler_rate(req->ctx->ops);
    const struct prom_value g[] = {
        { "arbiusd_database_up",
          "1 when the database could be read for this scrape.", 1 },
        { "arbiusd_index_initialized",
          "1 once the scanner has written its first checkpoint.",
          s->initialized },
        { "arbiusd_scanner_head_block",
          "Chain head block the scanner last saw.", (double)s->head_block },
        { "arbiusd_indexed_block",
          "Last block whose events are stored (the checkpoint).",
          (double)s->indexed_block },
        { "arbiusd_safe_block", "Rows at or below this block are final.",
          (double)s->safe_block },
        { "arbiusd_index_lag_blocks",
          "Blocks between the chain head and the checkpoint.",
          (double)s->lag_blocks },
        { "arbiusd_index_lag_seconds",
          "Seconds between the head's and the checkpoint's block "
          "timestamps.",
          (double)s->lag_seconds },
        { "arbiusd_scanner_last_success_timestamp_seconds",
          "Wall time of the scanner's last successful poll.",
          (double)s->updated_at },
        { "arbiusd_scanner_error",
          "1 while the scanner fails: from a request that reached no endpoint, or a failed poll, until a poll or range succeeds.",
          s->has_error },
        { "arbiusd_ready", "1 when /ready answers 200.",
          ready_check(req->ctx, s, NULL, NULL) == NULL },
        { "arbiusd_index_blocks_per_second",
          "Indexing speed over the last minute.", bps > 0 ? bps : 0 },
    };

    if (prom_gauges(out, g, ARRAY_SIZE(g)) < 0 ||
        prom_head(out, "arbiusd_indexed_events", "gauge",
                  "Events held in the index by type (falls on reorgs).") < 0)
        return -1;
    OUT("arbiusd_indexed_events{type=\"task\"} %lld\n"
        "arbiusd_indexed_events{type=\"solution\"} %lld\n"
        "arbiusd_indexed_events{type=\"claim\"} %lld\n"
        "arbiusd_indexed_events{type=\"contestation\"} %lld\n"
        "arbiusd_indexed_events{type=\"all\"} %lld\n",
        (long long)s->tasks, (long long)s->solutions, (long long)s->claims,
        (long long)s->contestations, (long long)s->events);
    if (prom_counter(out, "arbiusd_reorgs_total",
                     "Chain reorganisations rolled back (the reorg journal).",
                     s->reorgs) < 0 ||
        prom_counter(out, "arbiusd_reorg_blocks_total",
                     "Blocks rolled back by reorgs.",
                     s->reorg_depth_sum) < 0 ||
        prom_counter(out, "arbiusd_reorg_removed_rows_total",
                     "Rows removed by reorg rollbacks.",
                     s->reorg_removed_rows) < 0)
        return -1;
    return 0;
}

/* The RPC endpoints' counters (rpc_stats), in the order they are listed. */
static const struct {
    const char *name, *type, *help;
    const char *field, *sub; /* endpoint member (and its member) */
    double scale;
} PROM_RPC[] = {
    { "arbiusd_rpc_requests_total", "counter",
      "HTTP requests to each JSON-RPC endpoint (scanner run).", "requests",
      NULL, 1 },
    { "arbiusd_rpc_calls_total", "counter",
      "JSON-RPC calls to each endpoint, batches counted per call.", "calls",
      NULL, 1 },
    { "arbiusd_rpc_errors_total", "counter",
      "Failed requests to each endpoint.", "errors", NULL, 1 },
    { "arbiusd_rpc_throttled_total", "counter",
      "Requests each endpoint throttled (429, -32005, ...).", "throttled",
      NULL, 1 },
    { "arbiusd_rpc_requests_today", "gauge",
      "Calls to each endpoint since UTC midnight.", "requests_today", NULL,
      1 },
    { "arbiusd_rpc_budget_per_day", "gauge",
      "Configured daily call budget per endpoint.", "budget", NULL, 1 },
    { "arbiusd_rpc_latency_avg_seconds", "gauge",
      "Mean request latency of each endpoint.", "latency_ms", "avg", 0.001 },
    { "arbiusd_rpc_latency_last_seconds", "gauge",
      "Latency of each endpoint's last request.", "latency_ms", "last",
      0.001 },
    { "arbiusd_rpc_last_ok_timestamp_seconds", "gauge",
      "Wall time of each endpoint's last successful request.", "last_ok_at",
      NULL, 1 },
    { "arbiusd_rpc_endpoint_current", "gauge",
      "1 for the endpoint the scanner is using.", "current", NULL, 1 },
    { "arbiusd_rpc_endpoint_disabled", "gauge",
      "1 for an endpoint refused (wrong chain).", "disabled", NULL, 1 },
};

/* Every PROM_RPC series of the endpoints eps, then their latency
 * histogram and when the counters were saved. */
static int prom_rpc_all(struct buf *out, json_t *eps,
                        const struct status_snap *s)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(PROM_RPC); i++)
        if (prom_rpc(out, eps, PROM_RPC[i].name, PROM_RPC[i].type,
                     PROM_RPC[i].help, PROM_RPC[i].field, PROM_RPC[i].sub,
                     PROM_RPC[i].scale) < 0)
            return -1;
    if (prom_rpc_histogram(out, eps) < 0)
        return -1;
    return prom_gauge(out, "arbiusd_rpc_stats_timestamp_seconds",
                      "When the scanner last saved its RPC counters.",
                      (double)s->rpc_stats_at);
}

/* The database file's sizes. */
static int prom_database(struct buf *out, const struct http_req *req,
                         const struct status_snap *s)
{
    const struct prom_value g[] = {
        { "arbiusd_database_size_bytes", "Size of the SQLite database file.",
          (double)file_size(req->ctx->db_path, "") },
        { "arbiusd_database_wal_size_bytes",
          "Size of the SQLite write-ahead log.",
          (double)file_size(req->ctx->db_path, "-wal") },
        { "arbiusd_database_free_bytes",
          "Free pages inside the database file.",
          (double)(s->freelist_pages * s->page_size) },
    };

    return prom_gauges(out, g, ARRAY_SIZE(g));
}

/* Everything /metrics reads from the database: 0, 1 when it cannot be
 * read (nothing written), -1 when out is full. */
static int metrics_db(struct http_req *req, struct buf *out, struct db *db)
{
    struct status_snap s;
    json_t *eps = NULL;
    int ret = -1;

    if (status_snapshot(db, &s) < 0 || status_rpc(db, &eps) < 0)
        return 1;
    if (prom_index(out, req, &s) < 0 || prom_rpc_all(out, eps, &s) < 0 ||
        prom_ipfs(out, db) < 0 || prom_database(out, req, &s) < 0)
        goto out;
    ret = 0;
out:
    json_decref(eps);
    return ret;
}

int metrics_api_prometheus(struct http_req *req, struct http_resp *resp)
{
    struct buf *out = &resp->body;
    struct db *db = http_db(req);
    int r;

    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    http_resp_header(resp, "Cache-Control", "no-store");
    if (buf_addf(out,
                 "# HELP arbiusd_build_info Version of the running binary.\n"
                 "# TYPE arbiusd_build_info gauge\n"
                 "arbiusd_build_info{version=\"%s\"} 1\n",
                 ARBIUSD_VERSION) < 0 ||
        prom_gauge(out, "arbiusd_start_time_seconds",
                   "Wall time the process started.",
                   (double)req->ctx->started_at) < 0 ||
        prom_gauge(out, "arbiusd_read_only",
                   "1 when serving a database another process writes.",
                   req->ctx->read_only) < 0 ||
        prom_gauge(out, "arbiusd_sse_clients",
                   "Open /api/v1/stream connections.",
                   (double)stream_clients(req->ctx->stream)) < 0 ||
        http_metrics_write(req->ctx->server, out) < 0)
        goto fail;
    r = db ? metrics_db(req, out, db) : 1;
    if (r < 0)
        goto fail;
    if (r > 0 && prom_gauge(out, "arbiusd_database_up",
                            "1 when the database could be read for this "
                            "scrape.", 0) < 0)
        goto fail;
    resp->status = 200;
    return 0;
fail:
    return http_reply_error(req, resp, 500, "metrics too large");
}
