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
    { "GET", "/api/v1/status", api_status },
    { "GET", "/gallery", pages_gallery },
    { "GET", "/gallery.atom", pages_gallery_atom },
    { "GET", "/image/*", pages_image },
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
    { NULL, NULL, NULL },
};

const struct http_route *web_routes(void)
{
    return routes;
}
