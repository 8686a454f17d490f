/*
 * pages.c - HTML pages rendered from templates/.
 */
#include "arbiusd/web.h"

#include <stdio.h>
#include <string.h>

#include "arbiusd/config.h"
#include "arbiusd/queries.h"

int pages_static(struct http_req *req, struct http_resp *resp)
{
    return http_reply_static(req, resp, req->param);
}

int pages_robots(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    resp->status = 200;
    resp->content_type = "text/plain; charset=utf-8";
    return buf_adds(&resp->body, "User-agent: *\nAllow: /\n");
}

/* The overview: what the index holds and how fresh it is. */
int pages_home(struct http_req *req, struct http_resp *resp)
{
    struct db *db = http_db(req);
    json_t *st = NULL, *ctx;
    int r;

    if (!db || queries_status(db, &st) < 0)
        return http_reply_error(req, resp, 503, "the database is unavailable");
    ctx = json_pack("{s:s,s:o}", "title", "Arbius index", "status", st);
    r = http_reply_page(req, resp, "home", ctx);
    json_decref(ctx);
    return r;
}
