/*
 * cache.c - the response cache and the server's validators (see cache.h).
 *
 * The table: a hash table of entries chained per bucket, and a list of the
 * same entries from the most to the least recently used, both under one
 * mutex held only to look up, link and unlink (never to render, compress
 * or copy).  An entry is immutable once linked and reference counted: the
 * table holds one reference, every response being sent from it another, so
 * eviction never frees bytes libmicrohttpd is still writing.
 *
 * The data version: PRAGMA data_version is per connection (it changes when
 * another connection commits), so the pool threads share an epoch instead.
 * A thread whose connection reports a new value since its last look bumps
 * the epoch; replies are kept and found under the epoch read before they
 * were made.  A commit after a reply was made is seen by the next lookup of
 * any thread (its own connection reports it, or it reported it earlier and
 * the thread bumped the epoch then), so no reply outlives a commit.
 */
#include "arbiusd/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/db.h"
#include "arbiusd/http.h"
#include "arbiusd/stats.h"

#define CACHE_MAX_KEY  ((size_t)24 << 10) /* longer keys are not kept */
#define CACHE_BUCKETS0 256                /* initial buckets, doubled */
#define CACHE_MAX_HDRS 8                  /* headers a reply keeps */

struct cache_entry {
    struct cache_entry *hnext;       /* bucket chain */
    struct cache_entry *prev, *next; /* LRU list, most recent first */
    _Atomic unsigned refs;           /* the table's and senders' */
    uint64_t hash;                   /* of key */
    char *key;                       /* owned */
    size_t keylen;
    uint64_t ver;                           /* the dependency's version */
    int64_t made;                           /* wall seconds */
    unsigned ttl;                           /* 0: no lifetime */
    int64_t lm;                             /* Last-Modified, -1: none */
    char etag[40];                          /* "" for a memo */
    const char *ctype;                      /* static; NULL for a memo */
    struct http_header hdr[CACHE_MAX_HDRS]; /* owned copies */
    size_t nhdr;
    unsigned char *body; /* owned, NUL-terminated */
    size_t len;
    unsigned char *gz; /* gzip form or NULL */
    size_t gzlen;
    size_t cost; /* bytes counted against max */
};

struct cache {
    pthread_mutex_t mu;
    struct cache_entry **b; /* buckets */
    size_t nb, n;
    struct cache_entry *head, *tail; /* LRU */
    size_t bytes, max;
    _Atomic uint64_t hits, misses, nm, stores, evictions;
    /* The last banner check: a hash of the database's state it was made
     * at (bit 0 clear), with bit 0 the answer; 0 before the first. */
    _Atomic uint64_t banner;
};

/* ---- entries and the table ---- */

static uint64_t fnv64(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

#define FNV0 1469598103934665603ull

static void entry_free(struct cache_entry *e)
{
    size_t i;

    for (i = 0; i < e->nhdr; i++) {
        free(e->hdr[i].name);
        free(e->hdr[i].value);
    }
    free(e->key);
    free(e->body);
    free(e->gz);
    free(e);
}

/* Drops one reference; the last one frees the entry. */
static void entry_unref(struct cache_entry *e)
{
    if (atomic_fetch_sub(&e->refs, 1) == 1)
        entry_free(e);
}

/* entry_unref() as a libmicrohttpd free callback. */
static void entry_unref_cb(void *cls)
{
    entry_unref(cls);
}

struct cache *cache_new(size_t max_bytes)
{
    struct cache *c = xcalloc(1, sizeof(*c));

    pthread_mutex_init(&c->mu, NULL);
    c->nb = CACHE_BUCKETS0;
    c->b = xcalloc(c->nb, sizeof(*c->b));
    c->max = max_bytes;
    return c;
}

void cache_free(struct cache *c)
{
    struct cache_entry *e, *next;

    if (!c)
        return;
    for (e = c->head; e; e = next) {
        next = e->next;
        entry_unref(e);
    }
    pthread_mutex_destroy(&c->mu);
    free(c->b);
    free(c);
}

/* The bucket slot holding key, or the empty slot at its chain's end
 * (mutex held). */
static struct cache_entry **slot_of(struct cache *c, const char *key,
                                    size_t keylen, uint64_t hash)
{
    struct cache_entry **pp = &c->b[hash & (c->nb - 1)];

    while (*pp && !((*pp)->hash == hash && (*pp)->keylen == keylen &&
                    memcmp((*pp)->key, key, keylen) == 0))
        pp = &(*pp)->hnext;
    return pp;
}

static void lru_unlink(struct cache *c, struct cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct cache *c, struct cache_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

/* Takes e out of the table and drops the table's reference (mutex
 * held). */
static void table_remove(struct cache *c, struct cache_entry *e)
{
    struct cache_entry **pp = slot_of(c, e->key, e->keylen, e->hash);

    if (*pp == e)
        *pp = e->hnext;
    lru_unlink(c, e);
    c->bytes -= e->cost;
    c->n--;
    entry_unref(e);
}

/* Doubles the buckets when the chains grow longer than one on average
 * (mutex held). */
static void table_grow(struct cache *c)
{
    struct cache_entry **nb, *e, *next;
    size_t i, n = c->nb * 2;

    if (c->n <= c->nb || c->nb >= ((size_t)1 << 24))
        return;
    nb = xcalloc(n, sizeof(*nb));
    for (i = 0; i < c->nb; i++)
        for (e = c->b[i]; e; e = next) {
            next = e->hnext;
            e->hnext = nb[e->hash & (n - 1)];
            nb[e->hash & (n - 1)] = e;
        }
    free(c->b);
    c->b = nb;
    c->nb = n;
}

/* Links e (taking its reference), replacing an entry of the same key and
 * evicting the least recently used until the bytes fit. */
static void table_put(struct cache *c, struct cache_entry *e)
{
    struct cache_entry **pp;

    pthread_mutex_lock(&c->mu);
    pp = slot_of(c, e->key, e->keylen, e->hash);
    if (*pp)
        table_remove(c, *pp);
    pp = slot_of(c, e->key, e->keylen, e->hash);
    e->hnext = NULL;
    *pp = e;
    lru_push(c, e);
    c->bytes += e->cost;
    c->n++;
    while (c->bytes > c->max && c->tail && c->tail != e) {
        table_remove(c, c->tail);
        atomic_fetch_add_explicit(&c->evictions, 1, memory_order_relaxed);
    }
    table_grow(c);
    pthread_mutex_unlock(&c->mu);
    atomic_fetch_add_explicit(&c->stores, 1, memory_order_relaxed);
}

/* The entry of key at version ver that is still within its lifetime, with
 * a reference for the caller; NULL if none. */
static struct cache_entry *table_get(struct cache *c, const char *key,
                                     size_t keylen, uint64_t ver)
{
    uint64_t hash = fnv64(key, keylen, FNV0);
    int64_t now = util_wall_s();
    struct cache_entry *e;

    pthread_mutex_lock(&c->mu);
    e = *slot_of(c, key, keylen, hash);
    if (e && (e->ver != ver ||
              (e->ttl && (now < e->made || now - e->made >= e->ttl))))
        e = NULL;
    if (e) {
        atomic_fetch_add(&e->refs, 1);
        lru_unlink(c, e);
        lru_push(c, e);
    }
    pthread_mutex_unlock(&c->mu);
    return e;
}

/* A new entry of key (copied) with one reference, for the table. */
static struct cache_entry *entry_new(const char *key, size_t keylen,
                                     uint64_t ver, const void *body,
                                     size_t len)
{
    struct cache_entry *e = xcalloc(1, sizeof(*e));

    atomic_init(&e->refs, 1);
    e->key = xmalloc(keylen + 1);
    memcpy(e->key, key, keylen);
    e->key[keylen] = '\0';
    e->keylen = keylen;
    e->hash = fnv64(key, keylen, FNV0);
    e->ver = ver;
    e->made = util_wall_s();
    e->lm = -1;
    e->body = xmalloc(len + 1);
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->len = len;
    e->cost = sizeof(*e) + keylen + len;
    return e;
}

/* ---- memos ---- */

int cache_memo_get(struct cache *c, const char *key, uint64_t ver,
                   struct buf *out)
{
    struct cache_entry *e;
    int hit;

    if (!c || !c->max)
        return 0;
    e = table_get(c, key, strlen(key), ver);
    if (!e)
        return 0;
    buf_reset(out);
    hit = buf_add(out, e->body, e->len) == 0;
    entry_unref(e);
    return hit;
}

void cache_memo_put(struct cache *c, const char *key, uint64_t ver,
                    const void *data, size_t len)
{
    size_t keylen = strlen(key);

    if (!c || len > c->max / 4 || keylen > CACHE_MAX_KEY)
        return;
    table_put(c, entry_new(key, keylen, ver, data, len));
}

/* ---- versions ---- */

uint64_t cache_head_version(int64_t block, const char *hash)
{
    uint64_t h;

    if (block <= 0 && (!hash || !*hash))
        return 0;
    h = fnv64(&block, sizeof(block), FNV0);
    h = fnv64(hash, strlen(hash), h);
    return h ? h : 1;
}

static _Atomic uint64_t data_epoch = 1;
static _Thread_local int64_t tl_dv; /* this thread's last data_version */
static _Thread_local int tl_dv_known;

/* The shared data epoch, bumped first when this thread's connection saw a
 * commit since its last look.  0 or -1. */
static int data_version(struct db *db, uint64_t *out)
{
    int64_t v;

    if (db_data_version(db, &v) < 0)
        return -1;
    if (!tl_dv_known || v != tl_dv) {
        tl_dv = v;
        tl_dv_known = 1;
        atomic_fetch_add(&data_epoch, 1);
    }
    *out = atomic_load(&data_epoch);
    return 0;
}

/* The head's validator into out (40 bytes). */
static void head_etag(const struct stats_head *h, char out[40])
{
    if (!h->initialized)
        snprintf(out, 40, "\"empty\"");
    else
        snprintf(out, 40, "\"b%lld-%.16s\"", (long long)h->block,
                 strlen(h->hash) > 2 ? h->hash + 2 : "0");
}

/* What the policy depends on, now: cr->ver (and for the head its
 * validator and time).  0, or -1 when it cannot be read. */
static int version_read(struct http_req *req, const struct cache_policy *pol,
                        struct cache_req *cr)
{
    struct db *db = http_db(req);
    struct stats_head h;

    if (!db)
        return -1;
    if (pol->flags & CACHE_DATA)
        return data_version(db, &cr->ver);
    if (stats_head(db, &h) < 0)
        return -1;
    cr->ver = h.initialized ? cache_head_version(h.block, h.hash) : 0;
    cr->lm = h.initialized ? h.time : -1;
    head_etag(&h, cr->etag);
    return 0;
}

/* ---- keys ---- */

struct qarg {
    const char *name, *value;
};

struct qargs {
    struct qarg a[256];
    size_t n;
    int over; /* more than fit: not cached */
};

static void qarg_add(void *cls, const char *name, const char *value)
{
    struct qargs *q = cls;

    if (q->n == ARRAY_SIZE(q->a)) {
        q->over = 1;
        return;
    }
    q->a[q->n].name = name;
    q->a[q->n].value = value;
    q->n++;
}

/*
 * The key of a request: the path, the query parameters ordered by name
 * (an insertion sort, so that repeated names keep their order: the first
 * is the one handlers read) and the Host with CACHE_HOST.  Lengths before
 * every part keep two requests from ever spelling one key.  A new string,
 * or NULL when the request is not cached (too long).
 */
static char *key_build(const struct http_req *req,
                       const struct cache_policy *pol, size_t *lenp)
{
    struct buf b = BUF_INIT(CACHE_MAX_KEY);
    struct qargs qa, *q = &qa; /* 4 kB on the stack, filled as far as n */
    const char *host = http_header(req, "Host");
    size_t i, j;
    int r;

    q->n = 0;
    q->over = 0;
    http_query_each(req, qarg_add, q);
    for (i = 1; i < q->n; i++) {
        struct qarg x = q->a[i];

        for (j = i; j > 0 && strcmp(q->a[j - 1].name, x.name) > 0; j--)
            q->a[j] = q->a[j - 1];
        q->a[j] = x;
    }
    r = q->over ? -1 : buf_addf(&b, "%zu:%s?", strlen(req->path), req->path);
    for (i = 0; r == 0 && i < q->n; i++)
        r = buf_addf(&b, "%zu:%s=%zd:%s&", strlen(q->a[i].name), q->a[i].name,
                     q->a[i].value ? (ssize_t)strlen(q->a[i].value) : -1,
                     q->a[i].value ? q->a[i].value : "");
    if (r == 0 && (pol->flags & CACHE_HOST))
        r = buf_addf(&b, "#%s", host ? host : "");
    if (r < 0) {
        buf_release(&b);
        return NULL;
    }
    return buf_take(&b, lenp);
}

/* ---- validators ---- */

int cache_etag_matches(const char *inm, const char *etag)
{
    const char *p = inm;
    size_t elen = strlen(etag);

    while (p && *p) {
        const char *end;
        size_t n;

        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        end = strchr(p, ',');
        n = end ? (size_t)(end - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 1 && p[0] == '*')
            return 1;
        if (n >= 2 && p[0] == 'W' && p[1] == '/') {
            p += 2;
            n -= 2;
        }
        if (n == elen && memcmp(p, etag, n) == 0)
            return 1;
        p = end;
    }
    return 0;
}

/* FNV-1a over 8-byte words (the tail bytewise): the same 64 bits for the
 * same bytes on every thread, eight times fewer multiplications than
 * bytewise FNV on a 50 kB page. */
static uint64_t words64(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = FNV0, w;

    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 1099511628211ull;
        h ^= h >> 29;
    }
    return fnv64(s, n, h);
}

/* The validator of a reply's bytes: "g-<64-bit hash>". */
static void body_etag(const void *p, size_t n, char out[40])
{
    snprintf(out, 40, "\"g-%016llx\"", (unsigned long long)words64(p, n));
}

/* Adds ETag (when given), Last-Modified (lm >= 0) and, with vary, Vary
 * (send_resp() adds it to the bodies it compresses itself). */
static void validators_add(struct http_resp *resp, const char *etag,
                           int64_t lm, int vary)
{
    char date[64];
    time_t t = (time_t)lm;
    struct tm tm;

    if (etag && *etag)
        http_resp_header(resp, "ETag", etag);
    if (lm >= 0 && gmtime_r(&t, &tm) &&
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0)
        http_resp_header(resp, "Last-Modified", date);
    if (vary && http_type_compressible(resp->content_type))
        http_resp_header(resp, "Vary", "Accept-Encoding");
}

/* Turns resp into a 304 (its headers stay). */
static void not_modified(struct cache *c, struct http_resp *resp)
{
    buf_reset(&resp->body);
    resp->status = 304;
    resp->no_compress = 1;
    if (c)
        atomic_fetch_add_explicit(&c->nm, 1, memory_order_relaxed);
}

/*
 * Answers resp from e (taking the caller's reference): 304 when inm names
 * its validator, else its bytes (the gzip form when the client takes it),
 * sent from the entry itself.  With replay, the stored headers first (a
 * hit; a reply just stored has its own).
 */
static void entry_serve(struct cache *c, struct http_req *req,
                        struct http_resp *resp, struct cache_entry *e,
                        int replay)
{
    const char *inm = http_header(req, "If-None-Match");
    size_t i;

    resp->status = 200;
    resp->content_type = e->ctype;
    for (i = 0; replay && i < e->nhdr; i++)
        http_resp_header(resp, e->hdr[i].name, e->hdr[i].value);
    validators_add(resp, e->etag, e->lm, 1);
    if (inm && cache_etag_matches(inm, e->etag)) {
        not_modified(c, resp);
        entry_unref(e);
        return;
    }
    http_resp_mem(req, resp, e->body, e->len, e->gz, e->gzlen);
    resp->mem_free = entry_unref_cb;
    resp->mem_cls = e;
}

/* ---- the request path ---- */

/*
 * Whether the page of this request carries the banner (the scanner is
 * failing or lagging): such a page is neither served from the cache nor
 * kept in it, since the banner does not follow what the key depends on.
 * The banner is a function of the database (the scanner's health and
 * head), so the answer is kept per database state (the data epoch and the
 * head's version cr->ver): two status reads per page would cost a third
 * of a cached page's time.  0 or 1.
 */
static int banner_due(struct cache *c, struct http_req *req,
                      const struct cache_req *cr)
{
    uint64_t ep, want, seen;
    struct db *db = http_db(req);
    json_t *b;

    if (!req->ctx->banner)
        return 0;
    if (!db || data_version(db, &ep) < 0)
        ep = 0;
    want = fnv64(&cr->ver, sizeof(cr->ver), fnv64(&ep, sizeof(ep), FNV0));
    want = (want | 2) & ~(uint64_t)1;
    seen = atomic_load_explicit(&c->banner, memory_order_relaxed);
    if (ep && (seen & ~(uint64_t)1) == want)
        return (int)(seen & 1);
    b = req->ctx->banner(req);
    json_decref(b);
    atomic_store_explicit(&c->banner, want | (b != NULL),
                          memory_order_relaxed);
    return b != NULL;
}

int cache_begin(struct cache *c, struct http_req *req, struct http_resp *resp,
                const struct cache_policy *pol, struct cache_req *cr)
{
    struct cache_entry *e;
    size_t keylen = 0;

    memset(cr, 0, sizeof(*cr));
    cr->lm = -1;
    cr->pol = pol;
    if (!pol || version_read(req, pol, cr) < 0)
        return 0;
    cr->known = 1;
    if (!c || !c->max ||
        ((pol->flags & CACHE_VIEWER) &&
         (http_header(req, "Cookie") || banner_due(c, req, cr))))
        return 0;
    cr->key = key_build(req, pol, &keylen);
    if (!cr->key)
        return 0;
    e = table_get(c, cr->key, keylen, cr->ver);
    if (!e) {
        atomic_fetch_add_explicit(&c->misses, 1, memory_order_relaxed);
        return 0;
    }
    atomic_fetch_add_explicit(&c->hits, 1, memory_order_relaxed);
    entry_serve(c, req, resp, e, 1);
    free(cr->key);
    cr->key = NULL;
    return 1;
}

/* A stored entry of the reply in resp under cr's key, validators set. */
static struct cache_entry *entry_of_reply(struct cache *c,
                                          const struct http_resp *resp,
                                          const struct cache_req *cr,
                                          const char *etag)
{
    struct cache_entry *e = entry_new(cr->key, strlen(cr->key), cr->ver,
                                      resp->body.data, resp->body.len);
    size_t i;

    e->ttl = cr->pol->ttl;
    e->lm = (cr->pol->flags & CACHE_HEAD) ? cr->lm : -1;
    snprintf(e->etag, sizeof(e->etag), "%s", etag);
    e->ctype = resp->content_type;
    for (i = 0; i < resp->nheaders && e->nhdr < CACHE_MAX_HDRS; i++) {
        e->hdr[e->nhdr].name = xstrdup(resp->headers[i].name);
        e->hdr[e->nhdr].value = xstrdup(resp->headers[i].value);
        e->cost +=
            strlen(resp->headers[i].name) + strlen(resp->headers[i].value) + 2;
        e->nhdr++;
    }
    if (http_type_compressible(e->ctype) && e->len >= HTTP_GZIP_MIN &&
        http_gzip(e->body, e->len, &e->gz, &e->gzlen) < 0)
        e->gz = NULL;
    e->cost += e->gzlen;
    (void)c;
    return e;
}

void cache_end(struct cache *c, struct http_req *req, struct http_resp *resp,
               struct cache_req *cr)
{
    const struct cache_policy *pol = cr->pol;
    const char *inm = http_header(req, "If-None-Match");
    struct cache_req now;
    char etag[40] = "";
    int moved, match;

    if (!pol || resp->status != 200 || resp->fd >= 0 || resp->stream_fn ||
        resp->mem)
        goto out;
    /* The reply is of the version read before it only if nothing moved
     * while it was made. */
    memset(&now, 0, sizeof(now));
    moved =
        !cr->known || version_read(req, pol, &now) < 0 || now.ver != cr->ver;
    if (pol->flags & CACHE_HEAD_ETAG) {
        if (!moved)
            snprintf(etag, sizeof(etag), "%s", cr->etag);
    } else {
        body_etag(resp->body.data, resp->body.len, etag);
    }
    if (c && c->max && cr->key && !moved && !resp->no_store &&
        resp->body.len <= c->max / 4 && etag[0]) {
        struct cache_entry *e = entry_of_reply(c, resp, cr, etag);

        atomic_fetch_add(&e->refs, 1); /* the table's, and this reply's */
        table_put(c, e);
        entry_serve(c, req, resp, e, 0);
        goto out;
    }
    match = etag[0] && inm && cache_etag_matches(inm, etag);
    validators_add(resp, etag,
                   !moved && (pol->flags & CACHE_HEAD) ? cr->lm : -1, match);
    if (match)
        not_modified(c, resp);
out:
    free(cr->key);
    cr->key = NULL;
}

/* ---- figures ---- */

void cache_stats(struct cache *c, struct cache_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!c)
        return;
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->not_modified = atomic_load(&c->nm);
    out->stores = atomic_load(&c->stores);
    out->evictions = atomic_load(&c->evictions);
    pthread_mutex_lock(&c->mu);
    out->bytes = c->bytes;
    out->entries = c->n;
    pthread_mutex_unlock(&c->mu);
    out->max_bytes = c->max;
}

int cache_metrics_write(struct cache *c, struct buf *out)
{
    struct cache_stats s;

    cache_stats(c, &s);
    return buf_addf(
        out,
        "# HELP arbiusd_http_cache_not_modified_total Conditional requests "
        "answered 304.\n"
        "# TYPE arbiusd_http_cache_not_modified_total counter\n"
        "arbiusd_http_cache_not_modified_total %llu\n"
        "# HELP arbiusd_http_cache_stores_total Replies kept.\n"
        "# TYPE arbiusd_http_cache_stores_total counter\n"
        "arbiusd_http_cache_stores_total %llu\n"
        "# HELP arbiusd_http_cache_evictions_total Replies dropped to make "
        "room ([server] cache_size).\n"
        "# TYPE arbiusd_http_cache_evictions_total counter\n"
        "arbiusd_http_cache_evictions_total %llu\n"
        "# HELP arbiusd_http_cache_bytes Bytes the kept replies hold.\n"
        "# TYPE arbiusd_http_cache_bytes gauge\n"
        "arbiusd_http_cache_bytes %llu\n"
        "# HELP arbiusd_http_cache_entries Replies kept.\n"
        "# TYPE arbiusd_http_cache_entries gauge\n"
        "arbiusd_http_cache_entries %llu\n"
        "# HELP arbiusd_http_cache_max_bytes [server] cache_size.\n"
        "# TYPE arbiusd_http_cache_max_bytes gauge\n"
        "arbiusd_http_cache_max_bytes %llu\n",
        (unsigned long long)s.not_modified, (unsigned long long)s.stores,
        (unsigned long long)s.evictions, (unsigned long long)s.bytes,
        (unsigned long long)s.entries, (unsigned long long)s.max_bytes);
}
