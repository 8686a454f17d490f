/*
 * dashboard.h - the dashboard handlers (src/web/dashboard.c): /, and its
 * JSON twins /api/v1/stats and /api/v1/charts/daily.
 */
#ifndef ARBIUSD_DASHBOARD_H
#define ARBIUSD_DASHBOARD_H

#include "arbiusd/http.h"

/* GET / */
int dashboard_page(struct http_req *req, struct http_resp *resp);
/* GET /api/v1/stats */
int dashboard_api_stats(struct http_req *req, struct http_resp *resp);
/* GET /api/v1/charts/daily */
int dashboard_api_charts(struct http_req *req, struct http_resp *resp);

#endif
