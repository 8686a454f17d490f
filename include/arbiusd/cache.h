/*
 * cache.h - the response cache (src/web/cache.c): one for every page and
 * JSON reply of the server, and the one place where replies get their
 * validators (ETag, Last-Modified) and conditional requests their 304.
 *
 * A reply is cached under its key: the route, the decoded path, the query
 * parameters in a normal order (by name, repeated names kept in their
 * order) and, for replies that print absolute URLs, the Host header.  What
 * it depends on is checked on every lookup, never expired by a clock alone:
 *
 *   CACHE_HEAD   the indexed head (block and hash of scan_state): replies
 *                made only of chain data, "as of" the head;
 *   CACHE_DATA   the database's data version: any commit by any connection
 *                (votes, comments, the IPFS monitor's checks, the scanner).
 *
 * A policy may add a lifetime (ttl seconds) for replies that also print
 * the wall clock ("5 min ago", uptime).  HTML with CACHE_VIEWER is shared
 * only among requests without a Cookie: what a page may show of a session
 * never reaches another client.  Only complete 200 replies of GET and HEAD
 * are kept, each with its gzip form (made once, when stored).
 *
 * Validators: CACHE_HEAD_ETAG replies (JSON "as of" the head) carry the
 * head's validator "b<block>-<16 hex of its hash>", shared by every such
 * reply of one head; every other reply an ETag of its bytes "g-<16 hex of
 * a 64-bit hash>", the same on every thread.  CACHE_HEAD replies carry
 * Last-Modified, the head's block time.  If-None-Match takes lists, weak
 * validators (W/) and "*"; a match answers 304 with the validators.
 *
 * Size: [server] cache_size bytes (keys, bodies, gzip forms and headers),
 * least recently used first out; 0 turns caching off (validators and 304s
 * still work).  Thread-safe: one mutex for the table, entries reference
 * counted so a reply being sent outlives its eviction.
 */
#ifndef ARBIUSD_CACHE_H
#define ARBIUSD_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/buf.h"
#include "arbiusd/util.h"

struct http_req;
struct http_resp;
struct cache;

#define CACHE_HEAD      0x01u /* depends on the indexed head */
#define CACHE_DATA      0x02u /* depends on any commit (data version) */
#define CACHE_HEAD_ETAG 0x04u /* the head is the validator (with HEAD) */
#define CACHE_VIEWER    0x08u /* HTML: shared among cookie-less requests */
#define CACHE_HOST      0x10u /* the Host header is part of the key */

/* How a route's replies are cached (a static table in routes.c). */
struct cache_policy {
    unsigned flags; /* CACHE_* */
    unsigned ttl;   /* seconds a reply stays valid, 0: until its
                         dependency moves */
};

/* A new cache of at most max_bytes (0: keeps nothing).  Never fails. */
struct cache *cache_new(size_t max_bytes);
/* Frees the cache; replies still being sent keep their entries until
 * sent.  NULL is a no-op. */
void cache_free(struct cache *c);

/*
 * What cache_begin() found out for cache_end(); lives on the caller's
 * stack for one request.
 */
struct cache_req {
    const struct cache_policy *pol; /* NULL: the route is not cached */
    char *key;     /* owned; NULL when the reply is not shared */
    uint64_t ver;  /* the dependency's version at the lookup */
    int known;     /* ver could be read */
    int64_t lm;    /* Last-Modified (head time), -1 if none */
    char etag[40]; /* the head's validator with CACHE_HEAD_ETAG */
};

/*
 * Before the handler: reads what the route depends on and answers from the
 * cache when it can (200 from a stored reply, or 304 when If-None-Match
 * names its validator).  Returns 1 when resp is answered (a hit), 0 when
 * the handler must run; then call cache_end() with the same cr.  c may be
 * NULL (nothing stored).
 */
int cache_begin(struct cache *c, struct http_req *req, struct http_resp *resp,
                const struct cache_policy *pol, struct cache_req *cr);
/*
 * After the handler: gives a 200 reply its validators, keeps it when it is
 * shared and what it depends on did not move while it was made, and turns
 * it into a 304 when If-None-Match names it.  Frees what cr holds.
 */
void cache_end(struct cache *c, struct http_req *req, struct http_resp *resp,
               struct cache_req *cr);

/*
 * A value of a handler's own kept beside the replies (a drawn chart):
 * the bytes stored under key at version ver, copied into out; 1 on a hit,
 * 0 on a miss or a full out.
 */
int cache_memo_get(struct cache *c, const char *key, uint64_t ver,
                   struct buf *out);
/* Keeps len bytes of data under key at version ver. */
void cache_memo_put(struct cache *c, const char *key, uint64_t ver,
                    const void *data, size_t len);
/* A 64-bit version of the indexed head (block, hash): 0 before the first
 * scan. */
uint64_t cache_head_version(int64_t block, const char *hash);

/* Counters since start. */
struct cache_stats {
    uint64_t hits, misses, not_modified, stores, evictions;
    uint64_t bytes, entries, max_bytes;
};
void cache_stats(struct cache *c, struct cache_stats *out /* OUT */);
/* Appends the cache's families in Prometheus text format.  0 or -1 (out
 * full). */
int cache_metrics_write(struct cache *c, struct buf *out) WARN_UNUSED;

/* 1 if If-None-Match (a list, W/ prefixes, or *) names etag. */
int cache_etag_matches(const char *inm, const char *etag);

#endif
