/*
 * web.h - the route table of every page and JSON endpoint.
 *
 * pages.c (HTML), api.c (JSON) and metrics.c (health) each contribute
 * handlers; web_routes() returns the table http_server_start() takes.
 */
#ifndef ARBIUSD_WEB_H
#define ARBIUSD_WEB_H

#include "arbiusd/http.h"

/* The NULL-terminated route table (static storage). */
const struct http_route *web_routes(void);

/* Handlers, grouped by file. */
int pages_static(struct http_req *req, struct http_resp *resp);
int pages_robots(struct http_req *req, struct http_resp *resp);
int api_health(struct http_req *req, struct http_resp *resp);
int api_status(struct http_req *req, struct http_resp *resp);
/* gallery.c: the gallery, its feeds and the detail of one task. */
int pages_gallery(struct http_req *req, struct http_resp *resp);
int pages_gallery_atom(struct http_req *req, struct http_resp *resp);
int pages_image(struct http_req *req, struct http_resp *resp);
int api_task(struct http_req *req, struct http_resp *resp);
int api_images(struct http_req *req, struct http_resp *resp);
int api_images_csv(struct http_req *req, struct http_resp *resp);
/* metrics.c: operations. */
int api_metrics(struct http_req *req, struct http_resp *resp);
int api_ready(struct http_req *req, struct http_resp *resp);
int api_openapi(struct http_req *req, struct http_resp *resp);
int pages_status(struct http_req *req, struct http_resp *resp);
/* dashboard.c: the dashboard page and its JSON. */
int pages_dashboard(struct http_req *req, struct http_resp *resp);
int api_stats(struct http_req *req, struct http_resp *resp);
int api_charts_daily(struct http_req *req, struct http_resp *resp);
/* miners.c: miners, users and models pages and their JSON. */
int pages_miners(struct http_req *req, struct http_resp *resp);
int pages_miner(struct http_req *req, struct http_resp *resp);
int pages_users(struct http_req *req, struct http_resp *resp);
int pages_user(struct http_req *req, struct http_resp *resp);
int pages_models(struct http_req *req, struct http_resp *resp);
int pages_model(struct http_req *req, struct http_resp *resp);
int api_miners(struct http_req *req, struct http_resp *resp);
int api_miner(struct http_req *req, struct http_resp *resp);
int api_users(struct http_req *req, struct http_resp *resp);
int api_user(struct http_req *req, struct http_resp *resp);
int api_models(struct http_req *req, struct http_resp *resp);
int api_model(struct http_req *req, struct http_resp *resp);
/* auth.c: Sign-In with Ethereum. */
int api_auth_nonce(struct http_req *req, struct http_resp *resp);
int api_auth_verify(struct http_req *req, struct http_resp *resp);
int api_auth_logout(struct http_req *req, struct http_resp *resp);
int api_auth_session(struct http_req *req, struct http_resp *resp);
/* social.c: votes, reactions, comments, moderation, /admin. */
int api_image_social(struct http_req *req, struct http_resp *resp);
int api_image_comments(struct http_req *req, struct http_resp *resp);
int api_image_vote(struct http_req *req, struct http_resp *resp);
int api_image_react(struct http_req *req, struct http_resp *resp);
int api_image_comment_post(struct http_req *req, struct http_resp *resp);
int api_comment_edit(struct http_req *req, struct http_resp *resp);
int api_admin_hide(struct http_req *req, struct http_resp *resp);
int api_admin_system(struct http_req *req, struct http_resp *resp);
int api_admin_audit(struct http_req *req, struct http_resp *resp);
int api_admin_hidden(struct http_req *req, struct http_resp *resp);
int pages_admin(struct http_req *req, struct http_resp *resp);

#endif
