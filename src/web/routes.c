/*
 * routes.c - the route table: every URL the server answers, and the two
 * handlers too small for a module of their own (static files, robots.txt).
 */
#include "arbiusd/routes.h"

#include <stddef.h>

#include "arbiusd/auth.h"
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

static const struct http_route routes[] = {
    { "GET", "/", dashboard_page },
    { "GET", "/robots.txt", routes_robots },
    { "GET", "/static/*", routes_static },
    { "GET", "/health", metrics_api_health },
    { "GET", "/ready", metrics_api_ready },
    { "GET", "/metrics", metrics_api_prometheus },
    { "GET", "/status", metrics_page_status },
    { "GET", "/api/v1/status", metrics_api_status },
    { "GET", "/api/v1/openapi.json", metrics_api_openapi },
    { "GET", "/gallery", gallery_page_index },
    { "GET", "/gallery.atom", gallery_page_atom },
    { "GET", "/image/*", gallery_page_image },
    /* Inner-star routes come before the image prefix route. */
    { "GET", "/api/v1/image/*/social", social_api_image },
    { "GET", "/api/v1/image/*/comments", social_api_comments },
    { "POST", "/api/v1/image/*/comments", social_api_comment_post },
    { "POST", "/api/v1/image/*/vote", social_api_vote },
    { "POST", "/api/v1/image/*/react", social_api_react },
    { "GET", "/api/v1/image/*", gallery_api_image },
    { "GET", "/api/v1/images", gallery_api_images },
    { "GET", "/api/v1/images.csv", gallery_api_csv },
    { "GET", "/api/v1/stats", dashboard_api_stats },
    { "GET", "/api/v1/charts/daily", dashboard_api_charts },
    { "GET", "/api/v1/stream", stream_api },
    { "GET", "/miners", miners_page_miners },
    { "GET", "/miner/*", miners_page_miner },
    { "GET", "/users", miners_page_users },
    { "GET", "/user/*", miners_page_user },
    { "GET", "/models", miners_page_models },
    { "GET", "/model/*", miners_page_model },
    { "GET", "/api/v1/miners", miners_api_miners },
    { "GET", "/api/v1/miner/*", miners_api_miner },
    { "GET", "/api/v1/users", miners_api_users },
    { "GET", "/api/v1/user/*", miners_api_user },
    { "GET", "/api/v1/models", miners_api_models },
    { "GET", "/api/v1/model/*", miners_api_model },
    { "GET", "/api/v1/auth/nonce", auth_api_nonce },
    { "POST", "/api/v1/auth/verify", auth_api_verify },
    { "POST", "/api/v1/auth/logout", auth_api_logout },
    { "GET", "/api/v1/auth/session", auth_api_session },
    { "POST", "/api/v1/comment/*/edit", social_api_comment_edit },
    { "POST", "/api/v1/admin/hide", social_api_hide },
    { "GET", "/api/v1/admin/system", social_api_system },
    { "GET", "/api/v1/admin/audit", social_api_audit },
    { "GET", "/api/v1/admin/hidden", social_api_hidden },
    { "GET", "/admin", social_page_admin },
    { NULL, NULL, NULL },
};

const struct http_route *routes_table(void)
{
    return routes;
}
