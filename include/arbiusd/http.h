/*
 * http.h - the HTTP server: libmicrohttpd daemon, routing table, static
 * files, per-thread read-only database connections, responses.
 *
 * Handlers run on libmicrohttpd's pool threads.  Each handler gets a
 * struct http_req (borrowed for the call) and fills a struct http_resp;
 * the server turns it into an MHD response, adds the security headers and
 * queues it.  Handlers never build SQL (store/queries do) and never block on
 * the network.
 */
#ifndef ARBIUSD_HTTP_H
#define ARBIUSD_HTTP_H

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arbiusd/buf.h"
#include "arbiusd/util.h"

struct auth_site;
struct cache;
struct cache_policy;
struct config;
struct db;
struct tmpl_set;
struct http_server;
struct stream_hub;
struct social;
struct MHD_Connection;

#define HTTP_MAX_BODY      ((size_t)64 << 10)   /* request bodies */
#define HTTP_MAX_RESPONSE  ((size_t)32 << 20)   /* rendered responses */
#define HTTP_MAX_QUERY     2048                 /* bytes of one query value */

/* Everything handlers share; owned by main, read-only once serving. */
struct http_req;

struct http_ctx {
    const struct config *cfg;
    struct tmpl_set *tmpl;     /* compiled templates */
    const char *db_path;
    uint64_t busy_timeout;
    int64_t started_at;        /* wall seconds */
    atomic_int draining;       /* set by main at shutdown, read by every
                                  HTTP thread */
    struct stream_hub *stream; /* /api/v1/stream fan-out (NULL: none) */
    struct http_server *server; /* set by http_server_new() */
    struct ops_sampler *ops;   /* index progress sampler (NULL: none) */
    int read_only;             /* serve --read-only: no scanner here */
    struct social *social;     /* social write side (NULL: read-only) */
    uint8_t session_key[32];   /* HMAC key of session cookies and nonces */
    const struct auth_site *site; /* where sign-in messages may come from
                                     (NULL: sign-in unavailable) */
    json_t *(*banner)(struct http_req *req); /* every page's banner: a new
                                     object or NULL (may be NULL) */
};

struct http_req {
    struct MHD_Connection *conn;
    const struct http_ctx *ctx;
    const char *method;        /* "GET", ... */
    const char *path;          /* decoded path, no query */
    const char *param;         /* the part matched by a trailing '*' */
    char segment[80];          /* the segment matched by an inner '*' */
    int is_head;
    int is_api;                /* path under /api/ or a JSON route */
    int is_text;               /* a plain-text route (/metrics) */
    const char *body;          /* request body (POST), NUL-terminated */
    size_t body_len;
    const char *client_ip;     /* peer, or X-Forwarded-For from a trusted
                                  proxy (textual IPv4/IPv6) */
};

struct http_header {
    char *name, *value;        /* owned */
};

/*
 * A streaming body of unknown length (chunked), produced on demand by the
 * pool thread that sends it: fn(cls, pos, buf, max) writes at most max
 * bytes and returns how many, HTTP_STREAM_END to finish the body,
 * HTTP_STREAM_ERROR to abort the connection, or 0 after suspending the
 * connection with http_conn_suspend() (never return 0 otherwise: the pool
 * thread would call again at once).  free_fn(cls) runs exactly once, when
 * the response is destroyed, also if it was never sent.
 */
#define HTTP_STREAM_END   ((ssize_t)-1)
#define HTTP_STREAM_ERROR ((ssize_t)-2)
typedef ssize_t (*http_stream_fn)(void *cls, uint64_t pos, char *buf,
                                  size_t max);

struct http_resp {
    int status;
    const char *content_type;  /* static string */
    struct buf body;
    int fd;                    /* >= 0: send this file instead of body */
    uint64_t fd_size;
    struct http_header headers[12];
    size_t nheaders;
    http_stream_fn stream_fn;  /* set: stream instead of body/fd */
    void (*stream_free)(void *cls); /* called once with stream_cls */
    void *stream_cls;          /* owned by the response once set */
    const void *mem;           /* set: send these bytes (static storage */
    size_t mem_len;            /*   owned by the server) instead of body */
    void (*mem_free)(void *cls); /* set: mem is held by a reference that */
    void *mem_cls;               /*   mem_free(mem_cls) drops once sent */
    int no_compress;           /* never gzip this response */
    int no_store;              /* never keep it in the response cache (a
                                  page with the scanner's banner) */
};

typedef int (*http_handler_fn)(struct http_req *req, struct http_resp *resp);

struct http_route {
    const char *method;        /* "GET" (HEAD follows GET) or "POST" */
    const char *pattern;       /* "/health"; a trailing star matches a
                                  prefix; a star followed by more pattern
                                  matches one non-empty segment (no '/') */
    http_handler_fn fn;
    const struct cache_policy *cache; /* how GET replies are cached and
                                         validated (cache.h); NULL: not */
};

/*
 * Binds cfg->listen and prepares the server with the given routes
 * (NULL-terminated table, borrowed for the server's life), without
 * accepting connections yet: the port is known (http_server_port) before
 * any request can arrive.  Sets ctx->server.  0, or -1 after logging.
 */
int http_server_new(struct http_ctx *ctx, const struct http_route *routes,
                    struct http_server **outp /* OUT */) WARN_UNUSED;
/*
 * Starts accepting: libmicrohttpd's thread pool and the connection sweeper
 * (header deadline [server] header_timeout, at most max_connections_per_ip
 * connections per client address that is not a trusted proxy).  Logs
 * "http: listening on HOST:PORT".  0, or -1 after logging.
 */
int http_server_start(struct http_server *srv) WARN_UNUSED;
/* Port actually bound (useful with port 0). */
uint16_t http_server_port(const struct http_server *srv);
/* Stops accepting, waits for in-flight requests, frees (started or not).
 * NULL is a no-op. */
void http_server_stop(struct http_server *srv);

/* The calling thread's read-only database connection, opened on first use
 * and closed when the thread exits.  NULL (logged) if it cannot be opened.
 * Under serve --read-only a connection to a file that was since replaced
 * is reopened between two requests of the thread, never during one. */
struct db *http_db(const struct http_req *req);

/*
 * How many times the database file was found replaced by another (a new
 * inode at the configured path, as a replica's sync job leaves it with
 * rename(2)) since a read-only server started: 0 on a writer and before
 * http_server_start().  Cheap to call per request: at most one stat(2) per
 * 200 ms for the whole process.  A thread holding a connection of its own
 * closes and reopens it when the value differs from the one it read before
 * opening.
 */
uint64_t http_db_generation(void);
/* Wall seconds of the last replacement http_db_generation() noticed, 0 if
 * none. */
int64_t http_db_replaced_at(void);

/* Calls fn(cls, name, value) for every query parameter in the order of
 * the request (value NULL for a name without '='); borrowed strings. */
void http_query_each(const struct http_req *req,
                     void (*fn)(void *cls, const char *name,
                                const char *value),
                     void *cls);
/* Query parameter value (decoded) or NULL; borrowed until the request ends. */
const char *http_query(const struct http_req *req, const char *name);
/* 1 if the query parameter is present but longer than HTTP_MAX_QUERY
 * (http_query then returns NULL), else 0: lets a handler name it in a 400
 * instead of treating it as absent. */
int http_query_too_long(const struct http_req *req, const char *name);
/* Request header value or NULL. */
const char *http_header(const struct http_req *req, const char *name);
/* The client's IP address as text (req->client_ip): the peer, or from
 * X-Forwarded-For, read from the right past every trusted proxy, when the
 * peer is one of [server] trusted_proxies. */
void http_client_ip(const struct http_req *req, char *out /* OUT */,
                    size_t outsz);
/* Cookie value or NULL; borrowed until the request ends. */
const char *http_cookie(const struct http_req *req, const char *name);
/* 1 when the client reached us over TLS: [server] public_url is https, or
 * a trusted proxy says X-Forwarded-Proto: https. */
int http_is_tls(const struct http_req *req);

/* Suspends / resumes a connection whose streaming response has nothing to
 * send (see http_stream_fn).  Resume only a connection you suspended and
 * that is still suspended; both may be called from any thread. */
void http_conn_suspend(struct MHD_Connection *conn);
void http_conn_resume(struct MHD_Connection *conn);

/* Adds a response header (copied). */
void http_resp_header(struct http_resp *resp, const char *name,
                      const char *value);

/* Sets resp to a JSON body (steals a reference to v).  Returns 0, or -1 if
 * it could not be serialised (resp becomes a 500). */
int http_reply_json(struct http_resp *resp, int status, json_t *v);
/* An error: {"error":{"code":status,"message":msg}} on API routes, the
 * error page (templates/error.html) on HTML routes. */
int http_reply_error(struct http_req *req, struct http_resp *resp, int status,
                     const char *msg);
/*
 * Renders template `name` with ctx (borrowed) inside templates/layout.html
 * (ctx gains "body", "title" stays as given).  On failure answers 500.
 */
int http_reply_page(struct http_req *req, struct http_resp *resp,
                    const char *name, json_t *ctx);

/* Serves a file under ctx->cfg->static_dir for the relative path rel,
 * refusing any escape.  Handles ETag / If-None-Match (cache_etag_matches). */
int http_reply_static(struct http_req *req, struct http_resp *resp,
                      const char *rel);

/* The server's response cache (cache.h), NULL when there is none. */
struct cache *http_cache(const struct http_req *req);

#define HTTP_GZIP_MIN 512 /* smaller bodies are sent as they are */
/* n bytes gzip-compressed into a new buffer (*outp, caller frees); 0, or
 * -1 when zlib failed or the result is not smaller. */
int http_gzip(const void *in, size_t n, unsigned char **outp /* OUT */,
              size_t *outlen /* OUT */) WARN_UNUSED;
/* 1 when the request's Accept-Encoding takes gzip. */
int http_accepts_gzip(const struct http_req *req);
/* Sends len bytes of data, or the gzip form gz (gzlen bytes, NULL: none)
 * when the client takes gzip, from memory that outlives the response
 * (resp->mem; see mem_free). */
void http_resp_mem(const struct http_req *req, struct http_resp *resp,
                   const void *data, size_t len, const void *gz, size_t gzlen);
/* 1 for the content types worth compressing (text, JSON, XML, SVG). */
int http_type_compressible(const char *type);

/* Content type for a file name by extension ("application/octet-stream"). */
const char *http_mime_type(const char *name);

/*
 * Static assets: at start the server reads every file under static_dir
 * into memory, names it by content (style.css -> style.<10 hex>.css, served
 * with Cache-Control immutable for a year) and keeps a gzip copy of what
 * compresses.  Templates reach the hashed names through the page context's
 * "asset" object: {{asset.style_css}} is "/static/style.<hash>.css" (the
 * relative path with '/', '.' and '-' turned into '_'; only files named
 * with [A-Za-z0-9._-] are taken, so templates may print the URL raw with
 * {{{asset.style_css}}}).  The plain name keeps
 * working with a one-hour cache.
 *
 * Returns the URL of rel's hashed name, or NULL if rel is not cached;
 * borrowed from the server.
 */
const char *http_asset_url(const struct http_server *srv, const char *rel);

/* Appends the HTTP server's metrics in Prometheus text format: requests by
 * route and status, latency histograms by route, rate-limited requests by
 * class, open connections.  0 or -1 (buffer full). */
int http_metrics_write(const struct http_server *srv, struct buf *out)
    WARN_UNUSED;

/* Prometheus label value escaping (\ \" \n) appended to out. */
int http_prom_label(struct buf *out, const char *v) WARN_UNUSED;

#endif
