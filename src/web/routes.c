/*
 * routes.c - the route table: every URL the server answers.
 */
#include "arbiusd/web.h"

#include <stddef.h>

#include "arbiusd/stream.h"

static const struct http_route routes[] = {
    { "GET", "/", pages_dashboard },
    { "GET", "/robots.txt", pages_robots },
    { "GET", "/static/*", pages_static },
    { "GET", "/health", api_health },
    { "GET", "/ready", api_ready },
    { "GET", "/metrics", api_metrics },
    { "GET", "/status", pages_status },
    { "GET", "/api/v1/status", api_status },
    { "GET", "/api/v1/openapi.json", api_openapi },
    { "GET", "/gallery", pages_gallery },
    { "GET", "/gallery.atom", pages_gallery_atom },
    { "GET", "/image/*", pages_image },
    /* Inner-star routes come before the image prefix route. */
    { "GET", "/api/v1/image/*/social", api_image_social },
    { "GET", "/api/v1/image/*/comments", api_image_comments },
    { "POST", "/api/v1/image/*/comments", api_image_comment_post },
    { "POST", "/api/v1/image/*/vote", api_image_vote },
    { "POST", "/api/v1/image/*/react", api_image_react },
    { "GET", "/api/v1/image/*", api_task },
    { "GET", "/api/v1/images", api_images },
    { "GET", "/api/v1/images.csv", api_images_csv },
    { "GET", "/api/v1/stats", api_stats },
    { "GET", "/api/v1/charts/daily", api_charts_daily },
    { "GET", "/api/v1/stream", api_stream },
    { "GET", "/miners", pages_miners },
    { "GET", "/miner/*", pages_miner },
    { "GET", "/users", pages_users },
    { "GET", "/user/*", pages_user },
    { "GET", "/models", pages_models },
    { "GET", "/model/*", pages_model },
    { "GET", "/api/v1/miners", api_miners },
    { "GET", "/api/v1/miner/*", api_miner },
    { "GET", "/api/v1/users", api_users },
    { "GET", "/api/v1/user/*", api_user },
    { "GET", "/api/v1/models", api_models },
    { "GET", "/api/v1/model/*", api_model },
    { "GET", "/api/v1/auth/nonce", api_auth_nonce },
    { "POST", "/api/v1/auth/verify", api_auth_verify },
    { "POST", "/api/v1/auth/logout", api_auth_logout },
    { "GET", "/api/v1/auth/session", api_auth_session },
    { "POST", "/api/v1/comment/*/edit", api_comment_edit },
    { "POST", "/api/v1/admin/hide", api_admin_hide },
    { "GET", "/api/v1/admin/system", api_admin_system },
    { "GET", "/api/v1/admin/audit", api_admin_audit },
    { "GET", "/api/v1/admin/hidden", api_admin_hidden },
    { "GET", "/admin", pages_admin },
    { NULL, NULL, NULL },
};

const struct http_route *web_routes(void)
{
    return routes;
}
