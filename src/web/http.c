/*
 * http.c - libmicrohttpd daemon, router, static files, responses.
 */
#include "arbiusd/http.h"

#define ZLIB_CONST
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <openssl/sha.h>
#include <stdatomic.h>
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
#include <zlib.h>

#include "arbiusd/cache.h"
#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/list.h"
#include "arbiusd/log.h"
#include "arbiusd/tmpl.h"
#include "arbiusd/worker.h"

/*
 * Limits a client must live within (README "Running on a VPS", SECURITY.md).
 * libmicrohttpd parses the request line, the headers and the query
 * parameters into one memory pool per connection of HTTP_CONN_MEMORY bytes
 * (half of it the read buffer).  libmicrohttpd 0.9.75 cannot answer a query
 * that does not fit (it leaves the connection hanging until the idle
 * timeout), so a request target longer than HTTP_MAX_URI or with more than
 * HTTP_MAX_PARAMS parameters is refused with 414 before it is parsed; within
 * those limits the parameters fit with room for the headers.  The pool is
 * no larger than that: libmicrohttpd zeroes the read buffer's half of it
 * between the requests of a connection, and 256 KiB cost a fifth of a
 * cached reply's time.
 */
#define HTTP_CONN_MEMORY   ((size_t)64 << 10)
#define HTTP_MAX_URI       16384
#define HTTP_MAX_PARAMS    256
#define HTTP_SWEEP_MS      250     /* how often header deadlines are checked */

/* ---- rate limiting: token buckets per client IP and route class ---- */

enum rl_class { RL_PAGE, RL_API, RL_STATIC, RL_STREAM, RL_NCLASS };
static const char *const rl_names[RL_NCLASS] = { "page", "api", "static",
                                                  "stream" };

/* A bounded table: RL_SHARDS locks, each over RL_SETS sets of RL_WAYS
 * entries.  A client whose set is full evicts the entry idle longest; an
 * evicted client starts again with a full bucket, so eviction can only
 * loosen a limit, never tighten it.  Memory is fixed: 16384 entries of 96
 * bytes, 1.5 MB. */
#define RL_SHARDS 16
#define RL_SETS   256
#define RL_WAYS   4

struct rl_entry {
    uint8_t ip[16];               /* IPv4 as ::ffff:a.b.c.d */
    int used;
    uint64_t seen_us;             /* last request of any class */
    uint64_t last_us[RL_NCLASS];  /* last refill per class (0: never) */
    double tokens[RL_NCLASS];
};

struct rl_shard {
    pthread_mutex_t mu;
    struct rl_entry e[RL_SETS * RL_WAYS];
};

/* ---- metrics ---- */

#define HTTP_NBUCKETS 13
static const double lat_bounds[HTTP_NBUCKETS - 1] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
};

struct route_stats {
    _Atomic uint64_t status[500];        /* by status - 100 */
    _Atomic uint64_t bucket[HTTP_NBUCKETS]; /* last one: above every bound */
    _Atomic uint64_t sum_us;
    _Atomic uint64_t cache_hits;   /* answered by the response cache */
    _Atomic uint64_t cache_misses; /* looked up, the handler ran */
};

/* ---- static assets held in memory ---- */

struct asset {
    char *name;                /* relative path under static/ */
    char *hashed;              /* name with .<hash> before the extension */
    char *url;                 /* "/static/" + hashed */
    char etag[16];             /* "\"<hash>\"" */
    const char *type;
    unsigned char *data;
    size_t len;
    unsigned char *gz;         /* gzip copy, NULL if it does not help */
    size_t gz_len;
};

#define HTTP_ASSET_MAX_FILE  ((size_t)8 << 20)
#define HTTP_ASSET_MAX_TOTAL ((size_t)64 << 20)

struct proxy_addr {
    uint8_t a[16];
};

/*
 * One TCP connection (libmicrohttpd's socket_context), from NOTIFY_STARTED
 * to NOTIFY_CLOSED.  A connection is "waiting for headers" until its
 * request's headers are complete; the sweeper closes one that waits past
 * its deadline: [server] header_timeout after the connection opened, or,
 * on a kept-alive connection, connection_timeout + header_timeout after the
 * previous response (a trickle of header bytes resets libmicrohttpd's idle
 * timer, never this deadline).
 */
struct conn {
    struct conn *prev, *next;     /* srv->conns, under srv->conns_mu */
    int fd;                       /* the socket (closed by MHD only after
                                     NOTIFY_CLOSED took us off the list) */
    uint8_t ip[16];
    int counted;                  /* counts towards its address's limit */
    _Atomic uint64_t deadline_ms; /* headers due by then; 0: in a request */
};

/* Connections per client address, for [server] max_connections_per_ip. */
#define HTTP_IP_BUCKETS 1024
struct ip_count {
    struct ip_count *next;
    uint8_t ip[16];
    uint64_t n;
};

/* What is summed up once per [log] summary_interval instead of a line
 * each. */
enum http_event {
    HTTP_EV_HEADER_TIMEOUT,       /* closed: headers not complete in time */
    HTTP_EV_PER_IP,               /* refused: over max_connections_per_ip */
    HTTP_EV_MHD,                  /* libmicrohttpd messages after the first */
    HTTP_EV_N
};

struct http_server {
    struct MHD_Daemon *d;
    struct http_ctx *ctx;
    const struct http_route *routes;
    uint16_t port;
    size_t nroutes;
    struct route_stats *rstats;   /* nroutes + 1 (the last: no route) */
    _Atomic uint64_t limited[RL_NCLASS];
    struct config_rate rates[RL_NCLASS];
    struct rl_shard *rl;          /* RL_SHARDS, NULL when every class is off */
    struct proxy_addr proxies[CONFIG_MAX_LIST];
    size_t nproxies;
    struct asset *assets;
    size_t nassets;
    size_t assets_bytes;
    json_t *asset_obj;            /* {"style_css": "/static/style.<h>.css"} */
    char *csp;                 /* Content-Security-Policy, built at start */
    int listen_fd;             /* bound by http_server_new, MHD's once started */
    pthread_mutex_t conns_mu;  /* conns, ips */
    struct conn *conns;        /* every open connection */
    _Atomic size_t nconns;     /* how many (for /metrics) */
    struct ip_count *ips[HTTP_IP_BUCKETS];
    struct worker *sweeper;    /* header deadlines, summary lines */
    struct cache *cache;       /* replies of the routes with a policy */
    _Atomic uint64_t events[HTTP_EV_N];  /* since the last summary */
    uint64_t last_summary_ms;  /* sweeper thread only */
    char mhd_last[128];        /* last libmicrohttpd message (conns_mu) */
};

/* Per-request state: born in the first callback, freed in completed_cb. */
struct req_state {
    struct buf body;      /* POST body, capped at HTTP_MAX_BODY */
    int started;          /* the first access_cb call has run */
    int uri_refused;      /* request target over HTTP_MAX_URI/PARAMS */
    int too_large;
    uint64_t start_us;
    char ip[INET6_ADDRSTRLEN];   /* the client (see client_ip()) */
    int limited;                 /* over its rate: answer 429 */
    unsigned retry_after;        /* seconds, with limited */
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

/*
 * Under serve --read-only the file at db_path may be replaced by another
 * one (a replica's sync job renames a fresh copy over it).  One caller at a
 * time, at most every HTTP_DB_CHECK_MS, stats the path; another inode bumps
 * the generation.  Every holder of a connection remembers the generation it
 * opened at: a pool thread reopens at the start of its next request (a
 * request in flight keeps the connection, and the old file, it started
 * with), the stream watcher and the sampler before their next read.
 */
#define HTTP_DB_CHECK_MS 200

static struct {
    char path[4096];             /* written before `on` is released */
    _Atomic int on;              /* 1: watching (read-only server) */
    atomic_flag busy;            /* held by the one caller stat()ing */
    _Atomic uint64_t next_ms;    /* monotonic ms of the next stat() */
    _Atomic uint64_t gen;        /* replacements seen so far */
    _Atomic int64_t replaced_at; /* wall s of the last one, 0: none */
    dev_t dev;                   /* the file's identity, under busy */
    ino_t ino;
} dbw = { .busy = ATOMIC_FLAG_INIT };

/* Starts watching path (the server is read-only).  Before any request. */
static void http_db_watch(const char *path)
{
    struct stat st;

    if (strlen(path) >= sizeof(dbw.path) || stat(path, &st) < 0) {
        log_warnx("http: %s: not watched for replacement", path);
        return;
    }
    memcpy(dbw.path, path, strlen(path) + 1);
    dbw.dev = st.st_dev;
    dbw.ino = st.st_ino;
    atomic_store(&dbw.next_ms, util_now_ms() + HTTP_DB_CHECK_MS);
    atomic_store_explicit(&dbw.on, 1, memory_order_release);
}

uint64_t http_db_generation(void)
{
    uint64_t now;
    struct stat st;

    if (!atomic_load_explicit(&dbw.on, memory_order_acquire))
        return 0;
    now = util_now_ms();
    if (now < atomic_load_explicit(&dbw.next_ms, memory_order_relaxed) ||
        atomic_flag_test_and_set(&dbw.busy))
        return atomic_load(&dbw.gen);
    atomic_store_explicit(&dbw.next_ms, now + HTTP_DB_CHECK_MS,
                          memory_order_relaxed);
    /* rename(2) replaces the name atomically: a failed stat() is another
     * kind of trouble, which the next connection to open will report. */
    if (stat(dbw.path, &st) == 0 &&
        (st.st_ino != dbw.ino || st.st_dev != dbw.dev)) {
        dbw.dev = st.st_dev;
        dbw.ino = st.st_ino;
        atomic_store(&dbw.replaced_at, util_wall_s());
        log_debug("http: %s was replaced (generation %llu): reopening",
                  dbw.path, (unsigned long long)atomic_load(&dbw.gen) + 1);
        atomic_fetch_add(&dbw.gen, 1);
    }
    atomic_flag_clear(&dbw.busy);
    return atomic_load(&dbw.gen);
}

int64_t http_db_replaced_at(void)
{
    return atomic_load(&dbw.replaced_at);
}

/* A pool thread's connection and the generation it was opened at. */
struct thread_db {
    struct db *db;
    uint64_t gen;
};

static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;

static void db_key_destroy(void *p)
{
    struct thread_db *t = p;

    db_close(t->db);
    free(t);
}

static void db_key_make(void)
{
    if (pthread_key_create(&db_key, db_key_destroy) != 0)
        fatalx("http: pthread_key_create failed");
}

static struct thread_db *thread_db_get(void)
{
    struct thread_db *t;

    pthread_once(&db_key_once, db_key_make);
    t = pthread_getspecific(db_key);
    if (!t) {
        t = xcalloc(1, sizeof(*t));
        pthread_setspecific(db_key, t);
    }
    return t;
}

/* Between two requests of this thread: drops a connection to a file that
 * has since been replaced, so the request about to run opens the new one. */
static void thread_db_refresh(void)
{
    struct thread_db *t = thread_db_get();

    if (t->db && t->gen != http_db_generation()) {
        db_close(t->db);
        t->db = NULL;
    }
}

struct db *http_db(const struct http_req *req)
{
    struct thread_db *t = thread_db_get();
    uint64_t gen;

    if (t->db)
        return t->db;
    /* The generation before the open: a replacement racing with it can
     * only cause one reopen too many, never a connection kept too long. */
    gen = http_db_generation();
    if (db_open(req->ctx->db_path, DB_READONLY, req->ctx->busy_timeout,
                &t->db) < 0) {
        t->db = NULL;
        return NULL;
    }
    t->gen = gen;
    return t->db;
}

/* ---- request accessors ---- */

/* MHD_get_connection_values() callback of http_query_each(). */
struct query_each {
    void (*fn)(void *cls, const char *name, const char *value);
    void *cls;
};

static enum MHD_Result query_each_cb(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    struct query_each *qe = cls;

    (void)kind;
    qe->fn(qe->cls, key, value);
    return MHD_YES;
}

void http_query_each(const struct http_req *req,
                     void (*fn)(void *cls, const char *name,
                                const char *value),
                     void *cls)
{
    struct query_each qe = { fn, cls };

    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_each_cb,
                              &qe);
}

struct cache *http_cache(const struct http_req *req)
{
    return req->ctx->server ? req->ctx->server->cache : NULL;
}

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

void http_client_ip(const struct http_req *req, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s", req->client_ip ? req->client_ip : "unknown");
}

const char *http_cookie(const struct http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
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
    if (resp->mem_free)
        resp->mem_free(resp->mem_cls);
    resp->mem_free = NULL;
}

/* ---- client address and X-Forwarded-For ---- */

/* Parses a textual IPv4/IPv6 address into 16 bytes (IPv4 mapped). */
static int ip_parse(const char *s, uint8_t out[16])
{
    struct in_addr a4;

    if (inet_pton(AF_INET6, s, out) == 1)
        return 0;
    if (inet_pton(AF_INET, s, &a4) != 1)
        return -1;
    memset(out, 0, 10);
    out[10] = 0xff;
    out[11] = 0xff;
    memcpy(out + 12, &a4, 4);
    return 0;
}

/* Formats 16 bytes as text, IPv4-mapped addresses as dotted quads. */
static void ip_format(const uint8_t a[16], char *out, size_t n)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0xff, 0xff };

    if (memcmp(a, mapped, 12) == 0)
        inet_ntop(AF_INET, a + 12, out, (socklen_t)n);
    else
        inet_ntop(AF_INET6, a, out, (socklen_t)n);
}

static int ip_is_proxy(const struct http_server *srv, const uint8_t a[16])
{
    size_t i;

    for (i = 0; i < srv->nproxies; i++)
        if (memcmp(srv->proxies[i].a, a, 16) == 0)
            return 1;
    return 0;
}

/* The TCP peer's address as 16 bytes (IPv4 mapped; zeros if unknown). */
static void peer_addr(struct MHD_Connection *conn, uint8_t peer[16])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

    memset(peer, 0, 16);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;

        if (sa->sa_family == AF_INET6) {
            memcpy(peer, &((const struct sockaddr_in6 *)(const void *)sa)
                              ->sin6_addr, 16);
        } else if (sa->sa_family == AF_INET) {
            peer[10] = 0xff;
            peer[11] = 0xff;
            memcpy(peer + 12,
                   &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                   4);
        }
    }
}

/*
 * The client's address: the peer, unless the peer is a configured trusted
 * proxy, in which case X-Forwarded-For is read from the right and the first
 * address that is not itself a trusted proxy is the client (entries to its
 * left were written by the client and prove nothing).  A malformed entry
 * stops the walk at the last trusted hop.
 */
static void client_ip(const struct http_server *srv,
                      struct MHD_Connection *conn, uint8_t out[16])
{
    const char *xff, *end;
    uint8_t peer[16];

    peer_addr(conn, peer);
    memcpy(out, peer, 16);
    if (srv->nproxies == 0 || !ip_is_proxy(srv, peer))
        return;
    xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      "X-Forwarded-For");
    if (!xff)
        return;
    end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        char item[INET6_ADDRSTRLEN + 8];
        uint8_t a[16];
        size_t n;

        while (start > xff && start[-1] != ',')
            start--;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        n = (size_t)(end - start);
        while (n && (start[n - 1] == ' ' || start[n - 1] == '\t'))
            n--;
        if (n == 0 || n >= sizeof(item))
            return;
        memcpy(item, start, n);
        item[n] = '\0';
        if (ip_parse(item, a) < 0)
            return;
        memcpy(out, a, 16);
        if (!ip_is_proxy(srv, a))
            return;
        end = start;
        while (end > xff && end[-1] != ',')
            end--;
        if (end > xff)
            end--; /* the comma */
    }
}

int http_is_tls(const struct http_req *req)
{
    const char *pu = req->ctx->cfg->public_url, *xfp;
    uint8_t peer[16];

    if (pu && strncmp(pu, "https://", 8) == 0)
        return 1;
    xfp = http_header(req, "X-Forwarded-Proto");
    if (!xfp || strcasecmp(xfp, "https") != 0 || !req->ctx->server)
        return 0;
    peer_addr(req->conn, peer);
    return ip_is_proxy(req->ctx->server, peer);
}

static enum rl_class rl_class_of(const char *url)
{
    if (strncmp(url, "/static/", 8) == 0)
        return RL_STATIC;
    if (strcmp(url, "/api/v1/stream") == 0)
        return RL_STREAM;
    if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/health") == 0 ||
        strcmp(url, "/ready") == 0 || strcmp(url, "/metrics") == 0)
        return RL_API;
    return RL_PAGE;
}

/* Takes a token for ip in class c.  0 if allowed, else the seconds until a
 * token is available (>= 1). */
static unsigned rl_take(struct http_server *srv, const uint8_t ip[16],
                        enum rl_class c)
{
    const struct config_rate *r = &srv->rates[c];
    uint64_t h = 1469598103934665603ull, now = util_now_us();
    struct rl_shard *sh;
    struct rl_entry *set, *e = NULL;
    unsigned wait = 0;
    size_t i;

    if (!r->rate || !srv->rl)
        return 0;
    for (i = 0; i < 16; i++)
        h = (h ^ ip[i]) * 1099511628211ull;
    sh = &srv->rl[h % RL_SHARDS];
    pthread_mutex_lock(&sh->mu);
    set = &sh->e[((h / RL_SHARDS) % RL_SETS) * RL_WAYS];
    for (i = 0; i < RL_WAYS; i++)
        if (set[i].used && memcmp(set[i].ip, ip, 16) == 0) {
            e = &set[i];
            break;
        }
    if (!e) {
        e = &set[0];
        for (i = 0; i < RL_WAYS; i++) {
            if (!set[i].used) {
                e = &set[i];
                break;
            }
            if (set[i].seen_us < e->seen_us)
                e = &set[i];
        }
        memset(e, 0, sizeof(*e));
        memcpy(e->ip, ip, 16);
        e->used = 1;
    }
    e->seen_us = now;
    if (!e->last_us[c]) {
        e->tokens[c] = (double)r->burst;
    } else {
        e->tokens[c] += (double)(now - e->last_us[c]) * (double)r->rate / 1e6;
        if (e->tokens[c] > (double)r->burst)
            e->tokens[c] = (double)r->burst;
    }
    e->last_us[c] = now;
    if (e->tokens[c] >= 1.0) {
        e->tokens[c] -= 1.0;
    } else {
        double secs = (1.0 - e->tokens[c]) / (double)r->rate;

        wait = (unsigned)ceil(secs);
        if (wait < 1)
            wait = 1;
    }
    pthread_mutex_unlock(&sh->mu);
    return wait;
}

/* ---- gzip ---- */

/* Compresses n bytes into a new gzip buffer; 0, or -1 if zlib failed or the
 * result is not smaller. */
static int gzip_bytes(const void *in, size_t n, int level,
                      unsigned char **outp /* OUT */, size_t *outlen)
{
    z_stream z;
    unsigned char *out;
    size_t cap;

    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    cap = deflateBound(&z, (uLong)n) + 32;
    out = xmalloc(cap);
    z.next_in = in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= n) {
        deflateEnd(&z);
        free(out);
        return -1;
    }
    *outlen = z.total_out;
    deflateEnd(&z);
    *outp = out;
    return 0;
}

int http_gzip(const void *in, size_t n, unsigned char **outp, size_t *outlen)
{
    return gzip_bytes(in, n, 6, outp, outlen);
}

/* Accept-Encoding allows gzip (a "gzip" or "*" token without q=0). */
static int accepts_gzip(const char *ae)
{
    const char *p = ae;

    if (!ae)
        return 0;
    while (*p) {
        const char *end = strchr(p, ','), *semi;
        size_t n;
        int match;

        if (!end)
            end = p + strlen(p);
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        semi = memchr(p, ';', (size_t)(end - p));
        n = (size_t)((semi ? semi : end) - p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        match = (n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
                (n == 1 && *p == '*');
        if (match) {
            const char *q = semi ? strstr(semi, "q=") : NULL;

            if (!q || q > end)
                return 1;
            return strtod(q + 2, NULL) > 0;
        }
        if (!*end)
            break;
        p = end + 1;
    }
    return 0;
}

int http_accepts_gzip(const struct http_req *req)
{
    return accepts_gzip(http_header(req, "Accept-Encoding"));
}

void http_resp_mem(const struct http_req *req, struct http_resp *resp,
                   const void *data, size_t len, const void *gz, size_t gzlen)
{
    buf_reset(&resp->body);
    resp->no_compress = 1;
    if (gz && http_accepts_gzip(req)) {
        http_resp_header(resp, "Content-Encoding", "gzip");
        resp->mem = gz;
        resp->mem_len = gzlen;
    } else {
        resp->mem = data;
        resp->mem_len = len;
    }
}

int http_type_compressible(const char *type)
{
    return type && (strncmp(type, "text/", 5) == 0 ||
                    strncmp(type, "application/json", 16) == 0 ||
                    strncmp(type, "application/xml", 15) == 0 ||
                    strncmp(type, "application/atom+xml", 20) == 0 ||
                    strncmp(type, "application/manifest+json", 25) == 0 ||
                    strncmp(type, "image/svg+xml", 13) == 0);
}

/* ---- static assets ---- */

static void asset_free_all(struct http_server *srv)
{
    size_t i;

    for (i = 0; i < srv->nassets; i++) {
        free(srv->assets[i].name);
        free(srv->assets[i].hashed);
        free(srv->assets[i].url);
        free(srv->assets[i].data);
        free(srv->assets[i].gz);
    }
    free(srv->assets);
    srv->assets = NULL;
    srv->nassets = 0;
    json_decref(srv->asset_obj);
    srv->asset_obj = NULL;
}

/* Reads one file into the table (skipped quietly when too large). */
static void asset_add(struct http_server *srv, const char *full,
                      const char *rel)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    struct asset *a;
    struct stat st;
    char hex[11], key[512];
    const char *base, *dot;
    unsigned char *data;
    size_t i, got = 0;
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    /* Only plain names: the URL is written into pages unescaped. */
    if (strspn(rel, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789._-/") != strlen(rel)) {
        if (fd >= 0)
            close(fd);
        return;
    }
    if (fd < 0)
        return;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        (size_t)st.st_size > HTTP_ASSET_MAX_FILE ||
        srv->assets_bytes + (size_t)st.st_size > HTTP_ASSET_MAX_TOTAL ||
        strlen(rel) >= sizeof(key)) {
        close(fd);
        return;
    }
    data = xmalloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        free(data);
        return;
    }
    SHA256(data, got, md);
    for (i = 0; i < 5; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    srv->assets = xrealloc(srv->assets,
                           (srv->nassets + 1) * sizeof(*srv->assets));
    a = &srv->assets[srv->nassets++];
    memset(a, 0, sizeof(*a));
    a->name = xstrdup(rel);
    a->data = data;
    a->len = got;
    a->type = http_mime_type(rel);
    snprintf(a->etag, sizeof(a->etag), "\"%s\"", hex);
    base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    dot = strrchr(base, '.');
    {
        struct buf b = BUF_INIT(4096);

        int r;

        /* rel is shorter than 512 bytes: these cannot overflow b. */
        if (dot && dot != base)
            r = buf_addf(&b, "%.*s.%s%s", (int)(dot - rel), rel, hex, dot);
        else
            r = buf_addf(&b, "%s.%s", rel, hex);
        if (r < 0)
            fatalx("http: asset name too long: %s", rel);
        a->hashed = buf_take(&b, NULL);
    }
    {
        struct buf b = BUF_INIT(4096);

        if (buf_addf(&b, "/static/%s", a->hashed) < 0)
            fatalx("http: asset name too long: %s", rel);
        a->url = buf_take(&b, NULL);
    }
    if (http_type_compressible(a->type) && got >= HTTP_GZIP_MIN &&
        gzip_bytes(data, got, 9, &a->gz, &a->gz_len) < 0)
        a->gz = NULL;
    srv->assets_bytes += got + a->gz_len;
    for (i = 0; rel[i]; i++)
        key[i] = (rel[i] == '/' || rel[i] == '.' || rel[i] == '-') ? '_'
                                                                   : rel[i];
    key[i] = '\0';
    json_object_set_new(srv->asset_obj, key, json_string(a->url));
}

/* Walks dir (relative prefix rel) depth-first, at most 4 levels. */
static void asset_walk(struct http_server *srv, const char *dir,
                       const char *rel, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        struct buf full = BUF_INIT(4096), r = BUF_INIT(4096);
        struct stat st;

        if (de->d_name[0] == '.')
            continue;
        if (buf_addf(&full, "%s/%s", dir, de->d_name) == 0 &&
            buf_addf(&r, "%s%s%s", rel, *rel ? "/" : "", de->d_name) == 0 &&
            lstat(full.data, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 4)
                asset_walk(srv, full.data, r.data, depth + 1);
            else if (S_ISREG(st.st_mode))
                asset_add(srv, full.data, r.data);
        }
        buf_release(&full);
        buf_release(&r);
    }
    closedir(d);
}

static const struct asset *asset_find(const struct http_server *srv,
                                      const char *rel, int *hashed)
{
    size_t i;

    for (i = 0; srv && i < srv->nassets; i++) {
        if (strcmp(srv->assets[i].hashed, rel) == 0) {
            *hashed = 1;
            return &srv->assets[i];
        }
        if (strcmp(srv->assets[i].name, rel) == 0) {
            *hashed = 0;
            return &srv->assets[i];
        }
    }
    return NULL;
}

const char *http_asset_url(const struct http_server *srv, const char *rel)
{
    size_t i;

    for (i = 0; srv && i < srv->nassets; i++)
        if (strcmp(srv->assets[i].name, rel) == 0)
            return srv->assets[i].url;
    return NULL;
}

/* ---- metrics ---- */

int http_prom_label(struct buf *out, const char *v)
{
    for (; *v; v++) {
        int r;

        if (*v == '\\')
            r = buf_adds(out, "\\\\");
        else if (*v == '"')
            r = buf_adds(out, "\\\"");
        else if (*v == '\n')
            r = buf_adds(out, "\\n");
        else
            r = buf_addch(out, *v);
        if (r < 0)
            return -1;
    }
    return 0;
}

static const char *route_label(const struct http_server *srv, size_t i)
{
    return i < srv->nroutes ? srv->routes[i].pattern : "unmatched";
}

static void metrics_record(struct http_server *srv,
                           const struct http_route *route, int status,
                           uint64_t us)
{
    size_t i = route ? (size_t)(route - srv->routes) : srv->nroutes;
    struct route_stats *rs = &srv->rstats[i];
    double secs = (double)us / 1e6;
    size_t b;

    if (status >= 100 && status < 600)
        atomic_fetch_add_explicit(&rs->status[status - 100], 1,
                                  memory_order_relaxed);
    for (b = 0; b < HTTP_NBUCKETS - 1; b++)
        if (secs <= lat_bounds[b])
            break;
    atomic_fetch_add_explicit(&rs->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&rs->sum_us, us, memory_order_relaxed);
}

int http_metrics_write(const struct http_server *srv, struct buf *out)
{
    size_t i, b;
    int s;

#define OUT(...) do { if (buf_addf(out, __VA_ARGS__) < 0) return -1; } while (0)
#define LABEL(v) do { if (http_prom_label(out, (v)) < 0) return -1; } while (0)
    OUT("# HELP arbiusd_http_requests_total HTTP requests answered, by route "
        "pattern and status.\n# TYPE arbiusd_http_requests_total counter\n");
    for (i = 0; i <= srv->nroutes; i++)
        for (s = 0; s < 500; s++) {
            uint64_t n = atomic_load_explicit(&srv->rstats[i].status[s],
                                              memory_order_relaxed);

            if (!n)
                continue;
            OUT("arbiusd_http_requests_total{route=\"");
            LABEL(route_label(srv, i));
            OUT("\",status=\"%d\"} %llu\n", s + 100, (unsigned long long)n);
        }
    OUT("# HELP arbiusd_http_request_duration_seconds Time from the request's "
        "arrival to its response being queued, by route pattern.\n"
        "# TYPE arbiusd_http_request_duration_seconds histogram\n");
    for (i = 0; i <= srv->nroutes; i++) {
        uint64_t cum = 0, counts[HTTP_NBUCKETS];

        for (b = 0; b < HTTP_NBUCKETS; b++) {
            counts[b] = atomic_load_explicit(&srv->rstats[i].bucket[b],
                                             memory_order_relaxed);
            cum += counts[b];
        }
        if (!cum)
            continue;
        cum = 0;
        for (b = 0; b < HTTP_NBUCKETS; b++) {
            cum += counts[b];
            OUT("arbiusd_http_request_duration_seconds_bucket{route=\"");
            LABEL(route_label(srv, i));
            if (b < HTTP_NBUCKETS - 1)
                OUT("\",le=\"%g\"} %llu\n", lat_bounds[b],
                    (unsigned long long)cum);
            else
                OUT("\",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        OUT("arbiusd_http_request_duration_seconds_sum{route=\"");
        LABEL(route_label(srv, i));
        OUT("\"} %.6f\n",
            (double)atomic_load_explicit(&srv->rstats[i].sum_us,
                                         memory_order_relaxed) / 1e6);
        OUT("arbiusd_http_request_duration_seconds_count{route=\"");
        LABEL(route_label(srv, i));
        OUT("\"} %llu\n", (unsigned long long)cum);
    }
    OUT("# HELP arbiusd_http_cache_lookups_total Requests of cached routes by "
        "route pattern and result: hit (answered from a kept reply or its "
        "validator), miss (the handler ran).\n"
        "# TYPE arbiusd_http_cache_lookups_total counter\n");
    for (i = 0; i < srv->nroutes; i++) {
        uint64_t h = atomic_load_explicit(&srv->rstats[i].cache_hits,
                                          memory_order_relaxed);
        uint64_t m = atomic_load_explicit(&srv->rstats[i].cache_misses,
                                          memory_order_relaxed);

        if (!srv->routes[i].cache)
            continue;
        OUT("arbiusd_http_cache_lookups_total{route=\"");
        LABEL(route_label(srv, i));
        OUT("\",result=\"hit\"} %llu\n", (unsigned long long)h);
        OUT("arbiusd_http_cache_lookups_total{route=\"");
        LABEL(route_label(srv, i));
        OUT("\",result=\"miss\"} %llu\n", (unsigned long long)m);
    }
    if (cache_metrics_write(srv->cache, out) < 0)
        return -1;
    OUT("# HELP arbiusd_http_rate_limited_total Requests answered 429 by the "
        "per-IP rate limiter, by route class.\n"
        "# TYPE arbiusd_http_rate_limited_total counter\n");
    for (i = 0; i < RL_NCLASS; i++)
        OUT("arbiusd_http_rate_limited_total{class=\"%s\"} %llu\n",
            rl_names[i],
            (unsigned long long)atomic_load_explicit(&srv->limited[i],
                                                     memory_order_relaxed));
    /* Our own count (notify_conn_cb): srv->d is the main thread's. */
    OUT("# HELP arbiusd_http_connections Open HTTP connections.\n"
        "# TYPE arbiusd_http_connections gauge\n"
        "arbiusd_http_connections %zu\n",
        atomic_load(&srv->nconns));
    OUT("# HELP arbiusd_http_connections_max Configured connection limit.\n"
        "# TYPE arbiusd_http_connections_max gauge\n"
        "arbiusd_http_connections_max %llu\n",
        (unsigned long long)srv->ctx->cfg->max_connections);
    OUT("# HELP arbiusd_static_assets_bytes Static files held in memory "
        "(plain and gzip).\n# TYPE arbiusd_static_assets_bytes gauge\n"
        "arbiusd_static_assets_bytes %zu\n", srv->assets_bytes);
#undef OUT
#undef LABEL
    return 0;
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
    if (req->is_text) {
        /* Scrapers read text: no HTML error page for /metrics. */
        buf_reset(&resp->body);
        resp->content_type = "text/plain; charset=utf-8";
        resp->status = status;
        return buf_addf(&resp->body, "%d %s: %s\n", status,
                        status_text(status), msg);
    }
    ctx = json_pack("{s:s,s:i,s:s,s:s}", "title", status_text(status),
                    "status", status, "heading", status_text(status),
                    "message", msg);
    r = http_reply_page(req, resp, "error", ctx);
    json_decref(ctx);
    resp->status = status;
    return r;
}

/* The layout's navigation: {"<section>": true} for the section req->path
 * belongs to, so its link says aria-current="page". */
static json_t *nav_of(const char *path)
{
    static const struct {
        const char *prefix, *section;
    } sections[] = {
        { "/gallery", "gallery" }, { "/image/", "gallery" },
        { "/miner", "miners" },    { "/user", "users" },
        { "/model", "models" },    { "/status", "status" },
        { "/admin", "admin" },
    };
    size_t i;

    if (path && strcmp(path, "/") == 0)
        return json_pack("{s:b}", "dashboard", 1);
    for (i = 0; path && i < ARRAY_SIZE(sections); i++)
        if (strncmp(path, sections[i].prefix, strlen(sections[i].prefix)) == 0)
            return json_pack("{s:b}", sections[i].section, 1);
    return json_object();
}

int http_reply_page(struct http_req *req, struct http_resp *resp,
                    const char *name, json_t *ctx)
{
    struct buf inner = BUF_INIT(HTTP_MAX_RESPONSE);
    json_t *page;
    int ret = -1;

    buf_reset(&resp->body);
    resp->content_type = "text/html; charset=utf-8";
    page = json_copy(ctx); /* shallow: the layout's keys go on the copy */
    if (!page)
        page = json_object();
    if (req->ctx->server && req->ctx->server->asset_obj)
        json_object_set_new(page, "asset",
                            json_deep_copy(req->ctx->server->asset_obj));
    if (tmpl_render(req->ctx->tmpl, name, page, &inner) < 0) {
        json_decref(page);
        log_warnx("http: rendering %s failed", name);
        goto fail;
    }
    json_object_set_new(page, "body",
                        json_stringn_nocheck(inner.data, inner.len));
    json_object_set_new(page, "path", json_string(req->path));
    json_object_set_new(page, "nav", nav_of(req->path));
    json_object_set_new(page, "chain_id",
                        json_integer((json_int_t)req->ctx->cfg->chain_id));
    if (req->ctx->banner) {
        json_t *banner = req->ctx->banner(req);

        resp->no_store = banner != NULL;
        json_object_set_new(page, "banner", banner);
    }
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
    {
        const struct asset *a;
        int hashed = 0;

        a = asset_find(req->ctx->server, rel, &hashed);
        if (a) {
            http_resp_header(resp, "ETag", a->etag);
            http_resp_header(resp, "Cache-Control",
                             hashed ? "public, max-age=31536000, immutable"
                                    : "public, max-age=3600");
            if (a->gz || http_type_compressible(a->type))
                http_resp_header(resp, "Vary", "Accept-Encoding");
            resp->content_type = a->type;
            resp->no_compress = 1;
            inm = http_header(req, "If-None-Match");
            if (inm && cache_etag_matches(inm, a->etag)) {
                resp->status = 304;
                return 0;
            }
            http_resp_mem(req, resp, a->data, a->len, a->gz, a->gz_len);
            resp->status = 200;
            return 0;
        }
    }
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
    if (inm && cache_etag_matches(inm, etag)) {
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

/* Compresses a buffered body in place when the client takes gzip and it is
 * worth it; adds Vary for every compressible type either way. */
static void maybe_gzip(struct MHD_Connection *conn, struct http_resp *resp)
{
    unsigned char *gz;
    size_t gzlen;

    if (resp->no_compress || resp->stream_fn || resp->fd >= 0 || resp->mem ||
        !http_type_compressible(resp->content_type) || resp->status == 304)
        return;
    http_resp_header(resp, "Vary", "Accept-Encoding");
    if (resp->body.len < HTTP_GZIP_MIN ||
        !accepts_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  "Accept-Encoding")))
        return;
    if (gzip_bytes(resp->body.data, resp->body.len, 5, &gz, &gzlen) < 0)
        return;
    buf_reset(&resp->body);
    if (buf_add(&resp->body, gz, gzlen) < 0) {
        free(gz);
        return;
    }
    free(gz);
    http_resp_header(resp, "Content-Encoding", "gzip");
}

static enum MHD_Result send_resp(const struct http_server *srv,
                                 struct MHD_Connection *conn,
                                 struct http_resp *resp)
{
    struct MHD_Response *mr;
    enum MHD_Result ret;
    size_t i;

    maybe_gzip(conn, resp);
    if (resp->mem && resp->mem_free) {
        mr = MHD_create_response_from_buffer_with_free_callback_cls(
            resp->mem_len, (void *)(uintptr_t)resp->mem, resp->mem_free,
            resp->mem_cls);
        if (mr)
            resp->mem_free = NULL; /* MHD calls it once sent */
    } else if (resp->mem) {
        mr = MHD_create_response_from_buffer(resp->mem_len,
                                             (void *)(uintptr_t)resp->mem,
                                             MHD_RESPMEM_PERSISTENT);
    } else if (resp->stream_fn) {
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

/* ---- connections: header deadlines, per-address limit ---- */

static struct ip_count **ip_slot(struct http_server *srv, const uint8_t ip[16])
{
    uint64_t h = 1469598103934665603ull;
    struct ip_count **pp;
    size_t i;

    for (i = 0; i < 16; i++)
        h = (h ^ ip[i]) * 1099511628211ull;
    pp = &srv->ips[h % HTTP_IP_BUCKETS];
    while (*pp && memcmp((*pp)->ip, ip, 16) != 0)
        pp = &(*pp)->next;
    return pp;
}

/* Counts a connection from ip (conns_mu held).  1 if it is over the
 * per-address limit (it is counted anyway; conn_forget uncounts it). */
static int ip_add(struct http_server *srv, const uint8_t ip[16])
{
    struct ip_count **pp = ip_slot(srv, ip);
    uint64_t cap = srv->ctx->cfg->max_connections_per_ip;

    if (!*pp) {
        *pp = xcalloc(1, sizeof(**pp));
        memcpy((*pp)->ip, ip, 16);
    }
    (*pp)->n++;
    return cap && (*pp)->n > cap;
}

static void ip_del(struct http_server *srv, const uint8_t ip[16])
{
    struct ip_count **pp = ip_slot(srv, ip), *e = *pp;

    if (!e)
        return;
    if (--e->n == 0) {
        *pp = e->next;
        free(e);
    }
}

static struct conn *conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* Sets the time by which the connection's next request headers must be
 * complete (0: a request is being answered). */
static void conn_set_deadline(struct MHD_Connection *mc, uint64_t at_ms)
{
    struct conn *c = conn_of(mc);

    if (c)
        atomic_store_explicit(&c->deadline_ms, at_ms, memory_order_relaxed);
}

static void notify_conn_cb(void *cls, struct MHD_Connection *mc,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;
    struct conn *c = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        int over = 0;

        c = xcalloc(1, sizeof(*c));
        c->fd = fd ? fd->connect_fd : -1;
        peer_addr(mc, c->ip);
        atomic_init(&c->deadline_ms,
                    util_now_ms() + srv->ctx->cfg->header_timeout * 1000);
        pthread_mutex_lock(&srv->conns_mu);
        /* A trusted proxy carries many clients: its clients are counted
         * by the rate limiter from X-Forwarded-For instead. */
        if (!ip_is_proxy(srv, c->ip)) {
            c->counted = 1;
            over = ip_add(srv, c->ip);
        }
        LIST_PUSH(&srv->conns, c, prev, next);
        srv->nconns++;
        if (over) {
            /* libmicrohttpd sees the end of the stream and closes it. */
            atomic_store(&c->deadline_ms, 0);
            if (c->fd >= 0)
                shutdown(c->fd, SHUT_RDWR);
        }
        pthread_mutex_unlock(&srv->conns_mu);
        if (over)
            atomic_fetch_add(&srv->events[HTTP_EV_PER_IP], 1);
        *socket_context = c;
        return;
    }
    if (!c)
        return;
    pthread_mutex_lock(&srv->conns_mu);
    LIST_UNLINK(&srv->conns, c, prev, next);
    srv->nconns--;
    if (c->counted)
        ip_del(srv, c->ip);
    pthread_mutex_unlock(&srv->conns_mu);
    free(c);
    *socket_context = NULL;
}

/* The summary of one event kind, when any happened since the last one. */
static void summary_line(struct http_server *srv, enum http_event ev)
{
    uint64_t n = atomic_exchange(&srv->events[ev], 0);
    unsigned secs = (unsigned)srv->ctx->cfg->log_summary_interval;
    char last[sizeof(srv->mhd_last)];

    if (!n)
        return;
    switch (ev) {
    case HTTP_EV_HEADER_TIMEOUT:
        log_warnx("http: closed %llu connections for header timeout (%llu s) "
                  "in the last %u s",
                  (unsigned long long)n,
                  (unsigned long long)srv->ctx->cfg->header_timeout, secs);
        break;
    case HTTP_EV_PER_IP:
        log_warnx("http: refused %llu connections over the limit of %llu per "
                  "client address in the last %u s",
                  (unsigned long long)n,
                  (unsigned long long)srv->ctx->cfg->max_connections_per_ip,
                  secs);
        break;
    default:
        pthread_mutex_lock(&srv->conns_mu);
        memcpy(last, srv->mhd_last, sizeof(last));
        pthread_mutex_unlock(&srv->conns_mu);
        log_warnx("http: %llu more libmicrohttpd messages in the last %u s "
                  "(the last: %s)",
                  (unsigned long long)n, secs, last);
        break;
    }
}

/* The sweeper: closes connections past their header deadline (shutdown:
 * libmicrohttpd then closes them itself) and writes the summary lines. */
static int64_t sweep_step(struct worker *w, void *arg)
{
    struct http_server *srv = arg;
    uint64_t now = util_now_ms(), closed = 0;
    struct conn *c;
    int ev;

    (void)w;
    pthread_mutex_lock(&srv->conns_mu);
    for (c = srv->conns; c; c = c->next) {
        uint64_t d = atomic_load_explicit(&c->deadline_ms,
                                          memory_order_relaxed);

        if (d && d <= now && c->fd >= 0) {
            atomic_store(&c->deadline_ms, 0);
            shutdown(c->fd, SHUT_RDWR);
            closed++;
        }
    }
    pthread_mutex_unlock(&srv->conns_mu);
    if (closed)
        atomic_fetch_add(&srv->events[HTTP_EV_HEADER_TIMEOUT], closed);
    if (!srv->last_summary_ms)
        srv->last_summary_ms = now;
    if (now - srv->last_summary_ms >=
        srv->ctx->cfg->log_summary_interval * 1000) {
        srv->last_summary_ms = now;
        for (ev = 0; ev < HTTP_EV_N; ev++)
            summary_line(srv, (enum http_event)ev);
    }
    return HTTP_SWEEP_MS;
}

static const struct worker_def sweeper_def = { "http-sweeper", sweep_step,
                                               NULL };

/* ---- requests ---- */

static struct req_state *req_state_new(void)
{
    struct req_state *st = xcalloc(1, sizeof(*st));

    buf_init(&st->body, HTTP_MAX_BODY);
    st->start_us = util_now_us();
    return st;
}

/*
 * Called by libmicrohttpd with the request target as soon as the request
 * line is in, before it parses the query: the request's state is born here.
 * A target that is too long or has too many parameters is refused (414 in
 * the first access_cb call); its query is cut at the '?' so that
 * libmicrohttpd parses none of it (see HTTP_CONN_MEMORY).
 */
static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *mc)
{
    struct req_state *st = req_state_new();
    const char *q = strchr(uri, '?');
    size_t params = 0;

    (void)cls;
    (void)mc;
    if (q && q[1]) {
        const char *p;

        params = 1;
        for (p = q + 1; *p; p++)
            params += *p == '&';
    }
    if (strlen(uri) > HTTP_MAX_URI || params > HTTP_MAX_PARAMS) {
        st->uri_refused = 1;
        if (q)
            ((char *)(uintptr_t)q)[1] = '\0';
    }
    return st;
}

/* Counts name among the request's headers (callback of
 * MHD_get_connection_values). */
struct header_count {
    const char *name;
    unsigned n;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind,
                                    const char *key, const char *value)
{
    struct header_count *hc = cls;

    (void)kind;
    (void)value;
    if (strcasecmp(key, hc->name) == 0)
        hc->n++;
    return MHD_YES;
}

static unsigned header_count(struct MHD_Connection *mc, const char *name)
{
    struct header_count hc = { name, 0 };

    MHD_get_connection_values(mc, MHD_HEADER_KIND, count_header, &hc);
    return hc.n;
}

/*
 * What must be refused from the request line and headers alone, before any
 * body is read: the status and message, or 0.  The answer closes the
 * connection, so nothing sent after it on the connection is read as a
 * request (RFC 9112 section 6.3: a request with both Content-Length and
 * Transfer-Encoding is a smuggling attempt).
 */
static int early_refusal(struct MHD_Connection *mc, const struct req_state *st,
                         const char **msg)
{
    const char *te = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
                                                 "Transfer-Encoding");
    const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
                                                 "Content-Length");

    if (st->uri_refused) {
        *msg = "request target too long: at most " "16384" " bytes and "
               "256" " query parameters";
        return 414;
    }
    if (te && cl) {
        *msg = "Content-Length and Transfer-Encoding in one request";
        return 400;
    }
    if (te && (strcasecmp(te, "chunked") != 0 ||
               header_count(mc, "Transfer-Encoding") > 1)) {
        *msg = "Transfer-Encoding: only a single \"chunked\" is supported";
        return 501;
    }
    if (cl && header_count(mc, "Content-Length") > 1) {
        *msg = "more than one Content-Length";
        return 400;
    }
    return 0;
}

_Static_assert(HTTP_MAX_URI == 16384 && HTTP_MAX_PARAMS == 256,
               "early_refusal() names the limits");

/* Rate limit and header checks of the first access_cb call.  0 to read
 * the body and answer later, else the status of an answer to send now
 * (*msg set). */
static int request_start(struct http_server *srv, struct MHD_Connection *mc,
                         struct req_state *st, const char *url,
                         const char **msg)
{
    uint8_t ip[16];
    int status;

    st->started = 1;
    conn_set_deadline(mc, 0);
    client_ip(srv, mc, ip);
    ip_format(ip, st->ip, sizeof(st->ip));
    status = early_refusal(mc, st, msg);
    if (status)
        return status;
    if (!atomic_load(&srv->ctx->draining)) {
        enum rl_class c = rl_class_of(url);
        unsigned wait = rl_take(srv, ip, c);

        if (wait) {
            st->limited = 1;
            st->retry_after = wait;
            atomic_fetch_add_explicit(&srv->limited[c], 1,
                                      memory_order_relaxed);
        }
    }
    return 0;
}

/*
 * Runs a route's handler, through the response cache when the route has a
 * policy (GET and HEAD only): a hit answers without the handler, a miss
 * runs it and gives the reply its validators (cache.h).
 */
static void route_run(struct http_server *srv, const struct http_route *route,
                      struct http_req *req, struct http_resp *resp)
{
    struct route_stats *rs = &srv->rstats[route - srv->routes];
    const struct cache_policy *pol =
        strcmp(route->method, "GET") == 0 ? route->cache : NULL;
    struct cache_req cr;

    if (cache_begin(srv->cache, req, resp, pol, &cr)) {
        atomic_fetch_add_explicit(&rs->cache_hits, 1, memory_order_relaxed);
        return;
    }
    if (cr.key)
        atomic_fetch_add_explicit(&rs->cache_misses, 1, memory_order_relaxed);
    if (route->fn(req, resp) < 0 && resp->status == 0)
        http_reply_error(req, resp, 500, "internal error");
    if (resp->status == 0)
        resp->status = 200;
    cache_end(srv->cache, req, resp, &cr);
}

/* Builds and queues the answer to a request (early: status and msg). */
static enum MHD_Result respond(struct http_server *srv,
                               struct MHD_Connection *conn,
                               struct req_state *st, const char *url,
                               const char *method, int early,
                               const char *early_msg)
{
    struct http_req req;
    struct http_resp resp;
    const struct http_route *route = NULL;
    const char *param = NULL;
    enum MHD_Result ret;
    int known;

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
    req.is_text = strcmp(url, "/metrics") == 0;
    req.body = st->body.data;
    req.body_len = st->body.len;
    req.client_ip = st->ip;

    if (early) {
        http_resp_header(&resp, "Connection", "close");
        http_reply_error(&req, &resp, early, early_msg);
    } else if (st->limited) {
        char ra[16];

        snprintf(ra, sizeof(ra), "%u", st->retry_after);
        http_resp_header(&resp, "Retry-After", ra);
        http_resp_header(&resp, "Cache-Control", "no-store");
        http_reply_error(&req, &resp, 429,
                         "too many requests from your address; retry after "
                         "the number of seconds in Retry-After");
    } else if (st->too_large) {
        http_reply_error(&req, &resp, 413, "request body too large");
    } else {
        route = route_find(srv->routes, method, url, &param, req.segment,
                           sizeof(req.segment), &known);
        if (route) {
            req.param = param;
            thread_db_refresh();
            route_run(srv, route, &req, &resp);
        } else if (known) {
            http_resp_header(&resp, "Allow", "GET, HEAD, POST");
            http_reply_error(&req, &resp, 405, "method not allowed");
        } else {
            http_reply_error(&req, &resp, 404, "no such page");
        }
    }
    {
        uint64_t us = util_now_us() - st->start_us;

        metrics_record(srv, route, resp.status, us);
        if (log_enabled(LOG_LVL_DEBUG))
            log_debug("http: %s %s %s -> %d (%llu us)", st->ip, method, url,
                      resp.status, (unsigned long long)us);
    }
    ret = send_resp(srv, conn, &resp);
    resp_release(&resp);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **req_cls)
{
    struct http_server *srv = cls;
    struct req_state *st = *req_cls;

    (void)version;
    if (!st) {
        st = req_state_new();
        *req_cls = st;
    }
    if (!st->started) {
        const char *msg = NULL;
        int early = request_start(srv, conn, st, url, &msg);

        if (early)
            return respond(srv, conn, st, url, method, early, msg);
        return MHD_YES;
    }
    if (*upload_size) {
        if (st->limited) {
            *upload_size = 0; /* answered 429 anyway: do not keep it */
            return MHD_YES;
        }
        if (!st->too_large && buf_add(&st->body, upload, *upload_size) < 0) {
            st->too_large = 1;
            buf_release(&st->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return respond(srv, conn, st, url, method, 0, NULL);
}

static void completed_cb(void *cls, struct MHD_Connection *conn,
                         void **req_cls, enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct req_state *st = *req_cls;
    const struct config *cfg = srv->ctx->cfg;

    (void)toe;
    /* A kept-alive connection may idle for connection_timeout, then gets
     * header_timeout for its next request's headers. */
    conn_set_deadline(conn, util_now_ms() + (cfg->connection_timeout +
                                             cfg->header_timeout) * 1000);
    if (!st)
        return;
    buf_release(&st->body);
    free(st);
    *req_cls = NULL;
}

/*
 * libmicrohttpd's messages: a message is logged the first time, then
 * counted into the minute's summary line, so that a flood of failing
 * connections cannot flood the log.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *srv = cls;
    char msg[128];
    size_t n;
    int repeat;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    pthread_mutex_lock(&srv->conns_mu);
    repeat = strcmp(srv->mhd_last, msg) == 0;
    memcpy(srv->mhd_last, msg, n + 1);
    pthread_mutex_unlock(&srv->conns_mu);
    if (repeat)
        atomic_fetch_add(&srv->events[HTTP_EV_MHD], 1);
    else
        log_warnx("http: %s", msg);
}

static void server_free(struct http_server *srv)
{
    struct conn *c, *next;
    size_t i;

    if (srv->rl) {
        for (i = 0; i < RL_SHARDS; i++)
            pthread_mutex_destroy(&srv->rl[i].mu);
        free(srv->rl);
    }
    for (c = srv->conns; c; c = next) {
        next = c->next;
        free(c);
    }
    for (i = 0; i < HTTP_IP_BUCKETS; i++) {
        struct ip_count *e, *en;

        for (e = srv->ips[i]; e; e = en) {
            en = e->next;
            free(e);
        }
    }
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    pthread_mutex_destroy(&srv->conns_mu);
    asset_free_all(srv);
    cache_free(srv->cache);
    free(srv->rstats);
    free(srv->csp);
    free(srv);
}

/* Binds and listens on cfg->listen; the socket in *fdp, the port bound
 * (useful with port 0) in *portp.  0, or -1 (logged). */
static int listen_socket(const struct config *cfg, int *fdp, uint16_t *portp)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int fd, one = 1, v6 = strchr(cfg->listen_host, ':') != NULL;

    memset(&ss, 0, sizeof(ss));
    if (v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(cfg->listen_port);
        if (inet_pton(AF_INET6, cfg->listen_host, &s6->sin6_addr) != 1)
            goto bad;
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

        s4->sin_family = AF_INET;
        s4->sin_port = htons(cfg->listen_port);
        if (inet_pton(AF_INET, cfg->listen_host, &s4->sin_addr) != 1)
            goto bad;
        len = sizeof(*s4);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_warn("http: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (v6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
        listen(fd, SOMAXCONN) < 0) {
        log_warn("http: cannot listen on %s", cfg->listen);
        close(fd);
        return -1;
    }
    len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        log_warn("http: getsockname");
        close(fd);
        return -1;
    }
    *portp = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                      : ((struct sockaddr_in *)&ss)->sin_port);
    *fdp = fd;
    return 0;
bad:
    log_warnx("http: bad listen address %s", cfg->listen);
    return -1;
}

int http_server_new(struct http_ctx *ctx, const struct http_route *routes,
                    struct http_server **outp)
{
    const struct config *cfg = ctx->cfg;
    struct http_server *srv = xcalloc(1, sizeof(*srv));
    size_t i;

    srv->listen_fd = -1;
    pthread_mutex_init(&srv->conns_mu, NULL);
    if (listen_socket(cfg, &srv->listen_fd, &srv->port) < 0) {
        server_free(srv);
        return -1;
    }
    srv->ctx = ctx;
    srv->routes = routes;
    if (ctx->read_only)
        http_db_watch(ctx->db_path);
    while (routes[srv->nroutes].pattern)
        srv->nroutes++;
    srv->rstats = xcalloc(srv->nroutes + 1, sizeof(*srv->rstats));
    srv->rates[RL_PAGE] = cfg->rl_page;
    srv->rates[RL_API] = cfg->rl_api;
    srv->rates[RL_STATIC] = cfg->rl_static;
    srv->rates[RL_STREAM] = cfg->rl_stream;
    if (cfg->rl_page.rate || cfg->rl_api.rate || cfg->rl_static.rate ||
        cfg->rl_stream.rate) {
        srv->rl = xcalloc(RL_SHARDS, sizeof(*srv->rl));
        for (i = 0; i < RL_SHARDS; i++)
            pthread_mutex_init(&srv->rl[i].mu, NULL);
    }
    for (i = 0; i < cfg->trusted_proxies.n; i++)
        if (ip_parse(cfg->trusted_proxies.items[i],
                     srv->proxies[srv->nproxies].a) == 0)
            srv->nproxies++;
    srv->asset_obj = json_object();
    asset_walk(srv, cfg->static_dir, "", 0);
    log_info("http: %zu static files in memory (%zu bytes with gzip copies)",
             srv->nassets, srv->assets_bytes);
    srv->csp = csp_build(cfg);
    srv->cache = cache_new((size_t)cfg->cache_size);
    ctx->server = srv;
    *outp = srv;
    return 0;
}

int http_server_start(struct http_server *srv)
{
    const struct config *cfg = srv->ctx->cfg;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

    if (strchr(cfg->listen_host, ':'))
        flags |= MHD_USE_IPv6;
    if (worker_start(&sweeper_def, srv, &srv->sweeper) < 0)
        return -1;
    /* Per-address limits are ours (notify_conn_cb): libmicrohttpd's own
     * cannot exempt a trusted proxy. */
    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, access_cb, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, uri_cb, srv,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv,
        MHD_OPTION_NOTIFY_CONNECTION, notify_conn_cb, srv,
        MHD_OPTION_END);
    if (!srv->d) {
        log_warn("http: cannot start the server on %s", cfg->listen);
        worker_stop(srv->sweeper);
        srv->sweeper = NULL;
        return -1;
    }
    srv->listen_fd = -1; /* libmicrohttpd's now */
    log_info("http: listening on %s%s%s:%u",
             strchr(cfg->listen_host, ':') ? "[" : "", cfg->listen_host,
             strchr(cfg->listen_host, ':') ? "]" : "", (unsigned)srv->port);
    return 0;
}

uint16_t http_server_port(const struct http_server *srv)
{
    return srv->port;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    worker_stop(srv->sweeper);
    if (srv->d)
        MHD_stop_daemon(srv->d);
    srv->ctx->server = NULL;
    server_free(srv);
}
