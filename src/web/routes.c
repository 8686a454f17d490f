/*
 * routes.c - the route table: every URL the server answers, and the two
 * handlers too small for a module of their own (static files, robots.txt).
 */
#include "arbiusd/routes.h"

#include <stddef.h>

#include "arbiusd/auth.h"
#include "arbiusd/cache.h"
#include "arbiusd/dashboard.h"
#include "arbiusd/gallery.h"
#include "arbiusd/metrics.h"
#include "arbiusd/miners.h"
#include "arbiusd/social.h"
#include "arbiusd/stream.h"

/* GET /static/<path>: the file under [server] static (http.c). */
static int routes_static(struct http_req *req, struct http_resp *resp)
{
    return http_reply_static(req, resp, req->param);
}

static int routes_robots(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    resp->status = 200;
    resp->content_type = "text/plain; charset=utf-8";
    return buf_adds(&resp->body, "User-agent: *\nAllow: /\n");
}

/*
 * How replies are cached and validated (cache.h).  Chain figures move with
 * the indexed head; the gallery and the image pages also show votes and
 * the IPFS monitor's checks, so any commit moves them; cards say "5 min
 * ago" (30 s), the status pages the uptime and the poll's age (1 s).
 * Pages are shared only among requests without a cookie; pages that print
 * absolute URLs (feed, OpenGraph) are kept per Host.
 */
static const struct cache_policy API_HEAD = { CACHE_HEAD | CACHE_HEAD_ETAG,
                                              0 };
static const struct cache_policy PAGE_HEAD = { CACHE_HEAD | CACHE_VIEWER, 0 };
static const struct cache_policy API_DATA = { CACHE_DATA, 0 };
static const struct cache_policy PAGE_DATA = {
    CACHE_DATA | CACHE_VIEWER | CACHE_HOST, 0
};
static const struct cache_policy PAGE_CARDS = { CACHE_DATA | CACHE_VIEWER,
                                                30 };
static const struct cache_policy FEED = { CACHE_DATA | CACHE_HOST, 0 };
static const struct cache_policy API_LIVE = { CACHE_DATA, 1 };
static const struct cache_policy PAGE_LIVE = { CACHE_DATA | CACHE_VIEWER, 1 };

static const struct http_route routes[] = {
    { "GET", "/", dashboard_page, &PAGE_HEAD },
    { "GET", "/robots.txt", routes_robots, NULL },
    { "GET", "/static/*", routes_static, NULL },
    { "GET", "/health", metrics_api_health, NULL },
    { "GET", "/ready", metrics_api_ready, NULL },
    { "GET", "/metrics", metrics_api_prometheus, NULL },
    { "GET", "/status", metrics_page_status, &PAGE_LIVE },
    { "GET", "/api/v1/status", metrics_api_status, &API_LIVE },
    { "GET", "/api/v1/openapi.json", metrics_api_openapi, NULL },
    { "GET", "/gallery", gallery_page_index, &PAGE_CARDS },
    { "GET", "/gallery.atom", gallery_page_atom, &FEED },
    { "GET", "/image/*", gallery_page_image, &PAGE_DATA },
    /* Inner-star routes come before the image prefix route. */
    { "GET", "/api/v1/image/*/social", social_api_image, NULL },
    { "GET", "/api/v1/image/*/comments", social_api_comments, NULL },
    { "POST", "/api/v1/image/*/comments", social_api_comment_post, NULL },
    { "POST", "/api/v1/image/*/vote", social_api_vote, NULL },
    { "POST", "/api/v1/image/*/react", social_api_react, NULL },
    { "GET", "/api/v1/image/*", gallery_api_image, &API_DATA },
    { "GET", "/api/v1/images", gallery_api_images, &API_DATA },
    { "GET", "/api/v1/images.csv", gallery_api_csv, NULL },
    { "GET", "/api/v1/stats", dashboard_api_stats, &API_HEAD },
    { "GET", "/api/v1/charts/daily", dashboard_api_charts, &API_HEAD },
    { "GET", "/api/v1/stream", stream_api, NULL },
    { "GET", "/miners", miners_page_miners, &PAGE_HEAD },
    { "GET", "/miner/*", miners_page_miner, &PAGE_HEAD },
    { "GET", "/users", miners_page_users, &PAGE_HEAD },
    { "GET", "/user/*", miners_page_user, &PAGE_HEAD },
    { "GET", "/models", miners_page_models, &PAGE_HEAD },
    { "GET", "/model/*", miners_page_model, &PAGE_HEAD },
    { "GET", "/api/v1/miners", miners_api_miners, &API_HEAD },
    { "GET", "/api/v1/miner/*", miners_api_miner, &API_HEAD },
    { "GET", "/api/v1/users", miners_api_users, &API_HEAD },
    { "GET", "/api/v1/user/*", miners_api_user, &API_HEAD },
    { "GET", "/api/v1/models", miners_api_models, &API_HEAD },
    { "GET", "/api/v1/model/*", miners_api_model, &API_HEAD },
    { "GET", "/api/v1/auth/nonce", auth_api_nonce, NULL },
    { "POST", "/api/v1/auth/verify", auth_api_verify, NULL },
    { "POST", "/api/v1/auth/logout", auth_api_logout, NULL },
    { "GET", "/api/v1/auth/session", auth_api_session, NULL },
    { "POST", "/api/v1/comment/*/edit", social_api_comment_edit, NULL },
    { "POST", "/api/v1/admin/hide", social_api_hide, NULL },
    { "GET", "/api/v1/admin/system", social_api_system, NULL },
    { "GET", "/api/v1/admin/audit", social_api_audit, NULL },
    { "GET", "/api/v1/admin/hidden", social_api_hidden, NULL },
    { "GET", "/admin", social_page_admin, NULL },
    { NULL, NULL, NULL, NULL },
};

const struct http_route *routes_table(void)
{
    return routes;
}
