/*
 * social.h - the social handlers (src/web/social.c): votes, reactions,
 * comments, moderation and /admin.  The SQL is social_store.h.
 */
#ifndef ARBIUSD_SOCIAL_H
#define ARBIUSD_SOCIAL_H

#include "arbiusd/http.h"

/* GET /api/v1/image/<taskid>/social */
int social_api_image(struct http_req *req, struct http_resp *resp);
/* GET, POST /api/v1/image/<taskid>/comments */
int social_api_comments(struct http_req *req, struct http_resp *resp);
int social_api_comment_post(struct http_req *req, struct http_resp *resp);
/* POST /api/v1/image/<taskid>/vote, /react */
int social_api_vote(struct http_req *req, struct http_resp *resp);
int social_api_react(struct http_req *req, struct http_resp *resp);
/* POST /api/v1/comment/<id>/edit */
int social_api_comment_edit(struct http_req *req, struct http_resp *resp);
/* admins: POST /api/v1/admin/hide; GET /api/v1/admin/system, audit,
 * hidden; GET /admin */
int social_api_hide(struct http_req *req, struct http_resp *resp);
int social_api_system(struct http_req *req, struct http_resp *resp);
int social_api_audit(struct http_req *req, struct http_resp *resp);
int social_api_hidden(struct http_req *req, struct http_resp *resp);
int social_page_admin(struct http_req *req, struct http_resp *resp);

#endif
