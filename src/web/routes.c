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
    { NULL, NULL, NULL },
};

const struct http_route *web_routes(void)
{
    return routes;
}
