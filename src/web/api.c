/*
 * api.c - JSON endpoints.
 */
#include "arbiusd/web.h"

#include <string.h>

#include "arbiusd/db.h"
#include "arbiusd/ipfs_store.h"
#include "arbiusd/queries.h"

int api_health(struct http_req *req, struct http_resp *resp)
{
    struct db *db = http_db(req);
    int ok = db && queries_ping(db) == 0;

    http_resp_header(resp, "Cache-Control", "no-store");
    return http_reply_json(
        resp, ok ? 200 : 503,
        json_pack("{s:s,s:s,s:I}", "status", ok ? "ok" : "unavailable",
                  "database", ok ? "ok" : "unreadable", "uptime_seconds",
                  (json_int_t)(util_wall_s() - req->ctx->started_at)));
}

int api_status(struct http_req *req, struct http_resp *resp)
{
    struct db *db = http_db(req);
    json_t *st = NULL, *ipfs = NULL;

    if (!db || queries_status(db, &st) < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    if (ipfs_counts_json(db, &ipfs) == 0)
        json_object_set_new(st, "ipfs", ipfs);
    return http_reply_json(resp, 200, st);
}
