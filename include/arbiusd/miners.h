/*
 * miners.h - the miners, users and models handlers (src/web/miners.c):
 * the pages and their JSON twins under /api/v1/.
 */
#ifndef ARBIUSD_MINERS_H
#define ARBIUSD_MINERS_H

#include "arbiusd/http.h"

/* GET /miners, /api/v1/miners: the leaderboard */
int miners_page_miners(struct http_req *req, struct http_resp *resp);
int miners_api_miners(struct http_req *req, struct http_resp *resp);
/* GET /miner/<addr>, /api/v1/miner/<addr> */
int miners_page_miner(struct http_req *req, struct http_resp *resp);
int miners_api_miner(struct http_req *req, struct http_resp *resp);
/* GET /users, /api/v1/users */
int miners_page_users(struct http_req *req, struct http_resp *resp);
int miners_api_users(struct http_req *req, struct http_resp *resp);
/* GET /user/<addr>, /api/v1/user/<addr> */
int miners_page_user(struct http_req *req, struct http_resp *resp);
int miners_api_user(struct http_req *req, struct http_resp *resp);
/* GET /models, /api/v1/models */
int miners_page_models(struct http_req *req, struct http_resp *resp);
int miners_api_models(struct http_req *req, struct http_resp *resp);
/* GET /model/<id>, /api/v1/model/<id> */
int miners_page_model(struct http_req *req, struct http_resp *resp);
int miners_api_model(struct http_req *req, struct http_resp *resp);

#endif
