/*
 * routes.h - the route table of every page and JSON endpoint
 * (src/web/routes.c).  Each handler is declared by the header of the
 * module that implements it (gallery.h, dashboard.h, miners.h, social.h,
 * auth.h, metrics.h, stream.h).
 */
#ifndef ARBIUSD_ROUTES_H
#define ARBIUSD_ROUTES_H

#include "arbiusd/http.h"

/* The NULL-terminated route table (static storage), for
 * http_server_new(). */
const struct http_route *routes_table(void);

#endif
