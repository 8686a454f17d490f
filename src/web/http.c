/*
 * http.c - libmicrohttpd daemon, router, static files, responses.
 */
#include "arbiusd/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/log.h"
#include "arbiusd/tmpl.h"

struct http_server {
    struct MHD_Daemon *d;
    struct http_ctx *ctx;
    const struct http_route *routes;
    uint16_t port;
    char *csp;                 /* Content-Security-Policy, built at start */
};

/* Per-request state: born in the first callback, freed in completed_cb. */
struct req_state {
    struct buf body;      /* POST body, capped at HTTP_MAX_BODY */
    int too_large;
    uint64_t start_us;
};

#define CSP_HEAD "default-src 'self'; img-src 'self' https: data:"
#define CSP_TAIL "; style-src 'self'; script-src 'self'; connect-src 'self'; " \
    "object-src 'none'; base-uri 'none'; form-action 'self'; "            \
    "frame-ancestors 'none'"

/*
 * The policy: CSP_HEAD, then the origin of every configured plain-http
 * IPFS gateway (a local node or test stub; https: is already allowed) so
 * gallery images load, then CSP_TAIL.  An origin is added only when it is
 * made of host characters, so no configuration can inject a directive.
 * Returns a new string, caller frees.
 */
static char *csp_build(const struct config *cfg)
{
    struct buf b = BUF_INIT(4096);
    size_t i;
    int r = buf_adds(&b, CSP_HEAD);

    for (i = 0; i < cfg->gateways.n; i++) {
        const char *g = cfg->gateways.items[i];
        size_t n;

        if (strncmp(g, "http://", 7) != 0)
            continue;
        n = 7 + strcspn(g + 7, "/?#");
        if (n == 7 || strspn(g + 7, "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") <
                          n - 7)
            continue;
        r |= buf_addch(&b, ' ');
        r |= buf_add(&b, g, n);
    }
    r |= buf_adds(&b, CSP_TAIL);
    if (r) {
        buf_release(&b);
        return xstrdup(CSP_HEAD CSP_TAIL);
    }
    return buf_take(&b, NULL);
}

/* ---- per-thread database connections ---- */

static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

static void db_key_destroy(void *p)
{
    db_close(p);
}

static void db_key_make(void)
{
    if (pthread_key_create(&db_key, db_key_destroy) != 0)
        fatalx("http: pthread_key_create failed");
}

struct db *http_db(const struct http_req *req)
{
    struct db *db;

    pthread_once(&db_key_once, db_key_make);
    db = pthread_getspecific(db_key);
    if (db)
        return db;
    if (db_open(req->ctx->db_path, DB_READONLY, req->ctx->busy_timeout,
                &db) < 0)
        return NULL;
    pthread_setspecific(db_key, db);
    return db;
}

/* ---- request accessors ---- */

const char *http_query(const struct http_req *req, const char *name)
{
    const char *v = MHD_lookup_connection_value(req->conn,
                                                MHD_GET_ARGUMENT_KIND, name);

    if (v && strlen(v) > HTTP_MAX_QUERY)
        return NULL;
    return v;
}

int http_query_too_long(const struct http_req *req, const char *name)
{
    const char *v = MHD_lookup_connection_value(req->conn,
                                                MHD_GET_ARGUMENT_KIND, name);

    return v && strlen(v) > HTTP_MAX_QUERY;
}

const char *http_header(const struct http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(const struct http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

/* inet_pton-normalised comparison of two textual IP addresses. */
static int ip_equal(const char *a, const char *b)
{
    unsigned char x[16], y[16];

    if (inet_pton(AF_INET, a, x) == 1)
        return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
    if (inet_pton(AF_INET6, a, x) == 1)
        return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
    return 0;
}

static int peer_trusted(const struct http_req *req, const char *peer)
{
    const struct config_list *l = &req->ctx->cfg->trusted_proxies;
    size_t i;

    for (i = 0; i < l->n; i++)
        if (ip_equal(l->items[i], peer))
            return 1;
    return 0;
}

static void peer_ip(const struct http_req *req, char *out, size_t outsz)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
        req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(out, outsz, "unknown");
    if (!sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                  out, (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                  out, (socklen_t)outsz);
}

void http_client_ip(const struct http_req *req, char *out, size_t outsz)
{
    const char *xff, *last;
    char hop[64];
    size_t n;

    peer_ip(req, out, outsz);
    if (!peer_trusted(req, out))
        return;
    xff = http_header(req, "X-Forwarded-For");
    if (!xff)
        return;
    last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    n = strcspn(last, " ");
    if (n == 0 || n >= sizeof(hop))
        return;
    memcpy(hop, last, n);
    hop[n] = '\0';
    if (ip_equal(hop, hop))
        snprintf(out, outsz, "%s", hop);
}

int http_is_tls(const struct http_req *req)
{
    const char *pu = req->ctx->cfg->public_url, *xfp;
    char peer[64];

    if (pu && strncmp(pu, "https://", 8) == 0)
        return 1;
    xfp = http_header(req, "X-Forwarded-Proto");
    if (!xfp || strcasecmp(xfp, "https") != 0)
        return 0;
    peer_ip(req, peer, sizeof(peer));
    return peer_trusted(req, peer);
}

_Static_assert(HTTP_STREAM_END == MHD_CONTENT_READER_END_OF_STREAM,
               "HTTP_STREAM_END is libmicrohttpd's end of stream");
_Static_assert(HTTP_STREAM_ERROR == MHD_CONTENT_READER_END_WITH_ERROR,
               "HTTP_STREAM_ERROR is libmicrohttpd's end with error");

void http_conn_suspend(struct MHD_Connection *conn)
{
    MHD_suspend_connection(conn);
}

void http_conn_resume(struct MHD_Connection *conn)
{
    MHD_resume_connection(conn);
}

void http_resp_header(struct http_resp *resp, const char *name,
                      const char *value)
{
    if (resp->nheaders == ARRAY_SIZE(resp->headers)) {
        log_warnx("http: too many headers, dropped %s", name);
        return;
    }
    resp->headers[resp->nheaders].name = xstrdup(name);
    resp->headers[resp->nheaders].value = xstrdup(value);
    resp->nheaders++;
}

static void resp_release(struct http_resp *resp)
{
    size_t i;

    buf_release(&resp->body);
    for (i = 0; i < resp->nheaders; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    resp->nheaders = 0;
    if (resp->fd >= 0)
        close(resp->fd);
    resp->fd = -1;
    if (resp->stream_fn && resp->stream_free)
        resp->stream_free(resp->stream_cls);
    resp->stream_fn = NULL;
    resp->stream_cls = NULL;
}

/* ---- replies ---- */

int http_reply_json(struct http_resp *resp, int status, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);

    json_decref(v);
    buf_reset(&resp->body);
    resp->content_type = "application/json";
    if (!s || buf_adds(&resp->body, s) < 0 || buf_addch(&resp->body, '\n') < 0) {
        free(s);
        buf_reset(&resp->body);
        resp->status = 500;
        if (buf_adds(&resp->body, "{\"error\":{\"code\":500,\"message\":"
                                  "\"response too large\"}}\n") < 0)
            return -1;
        return -1;
    }
    free(s);
    resp->status = status;
    return 0;
}

static const char *status_text(int status)
{
    switch (status) {
    case 400: return "Bad request";
    case 401: return "Sign-in required";
    case 403: return "Forbidden";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 413: return "Request too large";
    case 429: return "Too many requests";
    case 503: return "Unavailable";
    default: return status >= 500 ? "Server error" : "Error";
    }
}

int http_reply_error(struct http_req *req, struct http_resp *resp, int status,
                     const char *msg)
{
    json_t *ctx;
    int r;

    if (req->is_api)
        return http_reply_json(resp, status,
                               json_pack("{s:{s:i,s:s}}", "error", "code",
                                         status, "message", msg));
    ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", status_text(status),
                    "status", status, "heading", status_text(status),
                    "message", msg);
    r = http_reply_page(req, resp, "error", ctx);
    json_decref(ctx);
    resp->status = status;
    return r;
}

int http_reply_page(struct http_req *req, struct http_resp *resp,
                    const char *name, json_t *ctx)
{
    struct buf inner = BUF_INIT(HTTP_MAX_RESPONSE);
    json_t *page;
    int ret = -1;

    buf_reset(&resp->body);
    resp->content_type = "text/html; charset=utf-8";
    if (tmpl_render(req->ctx->tmpl, name, ctx, &inner) < 0) {
        log_warnx("http: rendering %s failed", name);
        goto fail;
    }
    page = json_deep_copy(ctx);
    if (!page)
        page = json_object();
    json_object_set_new(page, "body", json_stringn(inner.data, inner.len));
    json_object_set_new(page, "path", json_string(req->path));
    json_object_set_new(page, "chain_id",
                        json_integer((json_int_t)req->ctx->cfg->chain_id));
    if (tmpl_render(req->ctx->tmpl, "layout", page, &resp->body) < 0) {
        json_decref(page);
        log_warnx("http: rendering layout for %s failed", name);
        goto fail;
    }
    json_decref(page);
    if (resp->status == 0)
        resp->status = 200;
    ret = 0;
    goto out;
fail:
    buf_reset(&resp->body);
    resp->status = 500;
    resp->content_type = "text/plain; charset=utf-8";
    if (buf_adds(&resp->body, "internal error while rendering the page\n") < 0)
        buf_reset(&resp->body);
out:
    buf_release(&inner);
    return ret;
}

const char *http_mime_type(const char *name)
{
    static const struct { const char *ext, *type; } types[] = {
        { ".css", "text/css; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".mjs", "text/javascript; charset=utf-8" },
        { ".json", "application/json" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".jpg", "image/jpeg" },
        { ".jpeg", "image/jpeg" },
        { ".gif", "image/gif" },
        { ".webp", "image/webp" },
        { ".ico", "image/x-icon" },
        { ".woff2", "font/woff2" },
        { ".txt", "text/plain; charset=utf-8" },
        { ".html", "text/html; charset=utf-8" },
        { ".xml", "application/xml" },
        { ".webmanifest", "application/manifest+json" },
    };
    const char *dot = strrchr(name, '.');
    size_t i;

    if (dot)
        for (i = 0; i < ARRAY_SIZE(types); i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* A static path is safe when every segment is a plain name: no "..", no
 * hidden files, no empty segments, no backslashes or control bytes. */
static int static_path_ok(const char *rel)
{
    const char *p = rel;

    if (*p == '\0' || strlen(rel) > 512)
        return 0;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t i;

        if (n == 0 || p[0] == '.')
            return 0;
        for (i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == '\\' || p[i] == 0x7f)
                return 0;
        if (!end)
            break;
        p = end + 1;
    }
    return 1;
}

int http_reply_static(struct http_req *req, struct http_resp *resp,
                      const char *rel)
{
    char path[1024], etag[64];
    const char *inm;
    struct stat st;
    int fd;

    if (!static_path_ok(rel))
        return http_reply_error(req, resp, 404, "no such file");
    if ((size_t)snprintf(path, sizeof(path), "%s/%s",
                         req->ctx->cfg->static_dir, rel) >= sizeof(path))
        return http_reply_error(req, resp, 404, "no such file");
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return http_reply_error(req, resp, 404, "no such file");
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return http_reply_error(req, resp, 404, "no such file");
    }
    snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
             (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    http_resp_header(resp, "ETag", etag);
    http_resp_header(resp, "Cache-Control", "public, max-age=3600");
    resp->content_type = http_mime_type(rel);
    inm = http_header(req, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        resp->status = 304;
        return 0;
    }
    resp->fd = fd;
    resp->fd_size = (uint64_t)st.st_size;
    resp->status = 200;
    return 0;
}

/* ---- dispatch ---- */

/*
 * Matches path against pattern: exact, a trailing '*' (prefix; *param gets
 * the rest) or one inner '*' matching one non-empty segment without '/'
 * (copied into segment, at most segsz - 1 bytes).
 */
static int route_match(const char *pattern, const char *path,
                       const char **param, char *segment, size_t segsz)
{
    const char *star = strchr(pattern, '*');
    size_t pre, seg;
    const char *rest;

    *param = NULL;
    if (!star)
        return strcmp(path, pattern) == 0;
    pre = (size_t)(star - pattern);
    if (strncmp(path, pattern, pre) != 0)
        return 0;
    if (star[1] == '\0') {
        *param = path + pre;
        return 1;
    }
    rest = strchr(path + pre, '/');
    seg = rest ? (size_t)(rest - (path + pre)) : strlen(path + pre);
    if (seg == 0 || seg >= segsz || !rest || strcmp(rest, star + 1) != 0)
        return 0;
    memcpy(segment, path + pre, seg);
    segment[seg] = '\0';
    return 1;
}

static const struct http_route *route_find(const struct http_route *routes,
                                           const char *method,
                                           const char *path,
                                           const char **param, char *segment,
                                           size_t segsz, int *path_known)
{
    const struct http_route *r;

    *path_known = 0;
    for (r = routes; r->pattern; r++) {
        const char *p = NULL;

        if (!route_match(r->pattern, path, &p, segment, segsz))
            continue;
        *path_known = 1;
        if (strcmp(r->method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
            *param = p;
            return r;
        }
    }
    return NULL;
}

static enum MHD_Result send_resp(const struct http_server *srv,
                                 struct MHD_Connection *conn,
                                 struct http_resp *resp)
{
    struct MHD_Response *mr;
    enum MHD_Result ret;
    size_t i;

    if (resp->stream_fn) {
        mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
                                               resp->stream_fn,
                                               resp->stream_cls,
                                               resp->stream_free);
        if (mr)
            resp->stream_fn = NULL; /* MHD calls stream_free now */
    } else if (resp->fd >= 0) {
        mr = MHD_create_response_from_fd((uint64_t)resp->fd_size, resp->fd);
        if (mr)
            resp->fd = -1; /* MHD owns it now */
    } else {
        size_t len;
        char *data = buf_take(&resp->body, &len);

        mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!mr)
            free(data);
    }
    if (!mr)
        return MHD_NO;
    if (resp->content_type && resp->status != 304)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                                resp->content_type);
    MHD_add_response_header(mr, "Content-Security-Policy", srv->csp);
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, "Referrer-Policy",
                            "strict-origin-when-cross-origin");
    MHD_add_response_header(mr, "X-Frame-Options", "DENY");
    for (i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(mr, resp->headers[i].name,
                                resp->headers[i].value);
    ret = MHD_queue_response(conn, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **req_cls)
{
    struct http_server *srv = cls;
    struct req_state *st = *req_cls;
    struct http_req req;
    struct http_resp resp;
    const struct http_route *route;
    const char *param = NULL;
    int known;
    enum MHD_Result ret;

    (void)version;
    if (!st) {
        st = xcalloc(1, sizeof(*st));
        buf_init(&st->body, HTTP_MAX_BODY);
        st->start_us = util_now_us();
        *req_cls = st;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!st->too_large && buf_add(&st->body, upload, *upload_size) < 0) {
            st->too_large = 1;
            buf_release(&st->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    buf_init(&resp.body, HTTP_MAX_RESPONSE);
    resp.fd = -1;
    req.conn = conn;
    req.ctx = srv->ctx;
    req.method = method;
    req.path = url;
    req.is_head = strcmp(method, "HEAD") == 0;
    req.is_api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/health") == 0 ||
                 strcmp(url, "/ready") == 0;
    req.body = st->body.data;
    req.body_len = st->body.len;

    if (st->too_large) {
        http_reply_error(&req, &resp, 413, "request body too large");
    } else {
        route = route_find(srv->routes, method, url, &param, req.segment,
                           sizeof(req.segment), &known);
        if (route) {
            req.param = param;
            if (route->fn(&req, &resp) < 0 && resp.status == 0)
                http_reply_error(&req, &resp, 500, "internal error");
            if (resp.status == 0)
                resp.status = 200;
        } else if (known) {
            http_resp_header(&resp, "Allow", "GET, HEAD, POST");
            http_reply_error(&req, &resp, 405, "method not allowed");
        } else {
            http_reply_error(&req, &resp, 404, "no such page");
        }
    }
    if (log_enabled(LOG_LVL_DEBUG))
        log_debug("http: %s %s -> %d (%llu us)", method, url, resp.status,
                  (unsigned long long)(util_now_us() - st->start_us));
    ret = send_resp(srv, conn, &resp);
    resp_release(&resp);
    return ret;
}

static void completed_cb(void *cls, struct MHD_Connection *conn,
                         void **req_cls, enum MHD_RequestTerminationCode toe)
{
    struct req_state *st = *req_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (!st)
        return;
    buf_release(&st->body);
    free(st);
    *req_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    log_warnx("http: %s", msg);
}

int http_server_start(struct http_ctx *ctx, const struct http_route *routes,
                      struct http_server **outp)
{
    const struct config *cfg = ctx->cfg;
    struct http_server *srv = xcalloc(1, sizeof(*srv));
    struct sockaddr_storage ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    const union MHD_DaemonInfo *info;

    memset(&ss, 0, sizeof(ss));
    if (strchr(cfg->listen_host, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(cfg->listen_port);
        if (inet_pton(AF_INET6, cfg->listen_host, &s6->sin6_addr) != 1)
            goto bad;
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

        s4->sin_family = AF_INET;
        s4->sin_port = htons(cfg->listen_port);
        if (inet_pton(AF_INET, cfg->listen_host, &s4->sin_addr) != 1)
            goto bad;
    }
    srv->ctx = ctx;
    srv->routes = routes;
    srv->csp = csp_build(cfg);
    srv->d = MHD_start_daemon(
        flags, cfg->listen_port, NULL, NULL, access_cb, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)128 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_END);
    if (!srv->d) {
        log_warn("http: cannot listen on %s", cfg->listen);
        free(srv->csp);
        free(srv);
        return -1;
    }
    info = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->listen_port;
    log_info("http: listening on %s%s%s:%u", strchr(cfg->listen_host, ':') ? "[" : "",
             cfg->listen_host, strchr(cfg->listen_host, ':') ? "]" : "",
             (unsigned)srv->port);
    *outp = srv;
    return 0;
bad:
    log_warnx("http: bad listen address %s", cfg->listen);
    free(srv);
    return -1;
}

uint16_t http_server_port(const struct http_server *srv)
{
    return srv->port;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    MHD_stop_daemon(srv->d);
    free(srv->csp);
    free(srv);
}
