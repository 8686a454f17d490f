/*
 * metrics.h - operations endpoints: /metrics (Prometheus text format),
 * /health, /ready, /status, /api/v1/status and /api/v1/openapi.json, and
 * the sampler that measures indexing speed for them.
 *
 * Everything about the chain side is read from the database (status.h):
 * the same handlers work in a daemon running its scanner and in a
 * `serve --read-only` replica of a database another process writes.
 */
#ifndef ARBIUSD_METRICS_H
#define ARBIUSD_METRICS_H

#include "arbiusd/http.h"

#define OPS_SAMPLE_MS      1000   /* progress sampling period */
#define OPS_SAMPLES        61     /* one minute of samples */

struct ops_sampler;

/* Starts a thread that reads the indexed block once a second on its own
 * read-only connection to db_path, so blocks/s and the ETA can be shown
 * while backfilling.  0, or -1 after logging. */
int ops_sampler_new(const char *db_path, uint64_t busy_ms,
                    struct ops_sampler **outp /* OUT */) WARN_UNUSED;
/* Stops and frees; NULL is a no-op. */
void ops_sampler_free(struct ops_sampler *s);
/* Indexing speed over the last minute of samples, blocks per second; -1
 * when fewer than 5 seconds have been sampled. */
double ops_sampler_rate(struct ops_sampler *s);

/* The banner every HTML page shows while the scanner is failing (it
 * cannot reach any endpoint, or its polls fail) or the index lags the head
 * by more than [server] ready_max_lag blocks: a new {kind ("failing" or
 * "lagging"), text} for the layout, or NULL when all is well (or the
 * database cannot be read).  Set as http_ctx.banner. */
json_t *metrics_page_banner(struct http_req *req);

/* The handlers. */
int metrics_api_prometheus(struct http_req *req, struct http_resp *resp);
int metrics_api_ready(struct http_req *req, struct http_resp *resp);
int metrics_api_health(struct http_req *req, struct http_resp *resp);
int metrics_api_openapi(struct http_req *req, struct http_resp *resp);
int metrics_api_status(struct http_req *req, struct http_resp *resp);
int metrics_page_status(struct http_req *req, struct http_resp *resp);

#endif
