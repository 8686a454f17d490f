/*
 * pages.c - HTML pages rendered from templates/.
 */
#include "arbiusd/web.h"

#include <stdio.h>
#include <string.h>

#include "arbiusd/config.h"

int pages_static(struct http_req *req, struct http_resp *resp)
{
    return http_reply_static(req, resp, req->param);
}

int pages_robots(struct http_req *req, struct http_resp *resp)
{
    (void)req;
    resp->status = 200;
    resp->content_type = "text/plain; charset=utf-8";
    return buf_adds(&resp->body, "User-agent: *\nAllow: /\n");
}
