/*
 * ipfs.h - the IPFS monitor: is every solution's output actually served?
 *
 * For each solution CID (solutions.cid_text) the monitor keeps one row in
 * ipfs_cids (migrations/0003_gallery.sql) and one row in ipfs_checks per
 * HTTP request.  A "round" checks one CID on every configured gateway:
 * HEAD of gateway/ipfs/<cid>/<output file>, then, if the HEAD found it, a
 * ranged GET (Range: bytes=0-N) that proves the bytes come and gives the
 * content type, the size (Content-Range) and, for text-output models, the
 * first 64 KiB of the text.  The round's result is the CID's status:
 *   ok       some gateway served it within [ipfs] slow_ms
 *   slow     some gateway served it, none within slow_ms
 *   missing  no gateway served it and at least one said 404/410 or timed out
 *   error    every gateway failed otherwise (5xx, refused, TLS, ...)
 * missing and error CIDs are checked again after [ipfs] retry[attempts-1]
 * seconds; after the last delay next_check becomes NULL (given up).  ok and
 * slow CIDs are not checked again unless `arbiusd ipfs --recheck` asks.
 *
 * Requests run on one libcurl multi handle: at most [ipfs] concurrency in
 * flight, received bytes held under [ipfs] bandwidth bytes/s by a token
 * bucket, every transfer capped at its Range size even when a gateway
 * ignores Range.  The monitor has its own write connection; each finished
 * CID is written in a short BEGIN IMMEDIATE transaction (batched), so the
 * scanner is never blocked for long.  All state lives in the database: a
 * restart resumes the schedule.
 *
 * This header holds the pure decisions (classification, schedule,
 * Content-Range, UTF-8; src/ipfs/ipfs.c); the monitor itself (libcurl
 * rounds, the `serve` thread) is ipfs_monitor.h.
 */
#ifndef ARBIUSD_IPFS_H
#define ARBIUSD_IPFS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define IPFS_TEXT_MAX 65536      /* text output bytes kept (ipfs_cids.text) */
#define IPFS_CTYPE_MAX 128       /* longest content type stored */

/* Result of one request (ipfs_checks.result) and of one gateway. */
enum ipfs_result {
    IPFS_OK = 0,
    IPFS_SLOW,
    IPFS_MISSING,
    IPFS_TIMEOUT,
    IPFS_ERROR,
};
#define IPFS_RESULTS 5

/* Status of a CID (ipfs_cids.status). */
enum ipfs_status {
    IPFS_ST_PENDING = 0,
    IPFS_ST_OK,
    IPFS_ST_SLOW,
    IPFS_ST_MISSING,
    IPFS_ST_ERROR,
};
#define IPFS_STATUSES 5

enum ipfs_method { IPFS_HEAD = 0, IPFS_GET };

/* Transport outcome of one request, as libcurl reported it. */
enum ipfs_transport {
    IPFS_TR_DONE = 0,   /* an HTTP answer arrived (or we stopped at the cap) */
    IPFS_TR_TIMEOUT,    /* [ipfs] timeout elapsed */
    IPFS_TR_FAILED,     /* refused, DNS, TLS, reset, ... */
};

/* Names as stored in the database ("ok", "slow", ...). */
const char *ipfs_result_name(enum ipfs_result r);
const char *ipfs_status_name(enum ipfs_status s);
const char *ipfs_method_name(enum ipfs_method m);

/*
 * Classifies one request: a transport failure or timeout wins; then HTTP
 * 200/206 (and 416 for GET: an empty file) is ok, or slow when latency_ms
 * exceeds slow_ms; 404 and 410 are missing; anything else is error.
 */
enum ipfs_result ipfs_classify(enum ipfs_method m, enum ipfs_transport tr,
                               long http_status, uint64_t latency_ms,
                               uint64_t slow_ms);

/* True when a HEAD answer means "try GET instead" (405, 501: gateways that
 * do not implement HEAD). */
bool ipfs_head_unsupported(long http_status);

/*
 * Combines the gateways' results of one round into the CID's status:
 * any ok -> ok; else any slow -> slow; else any missing or timeout ->
 * missing; else error.  n == 0 gives pending.
 */
enum ipfs_status ipfs_round_status(const enum ipfs_result *gw, size_t n);

/*
 * Seconds until the next check of a CID whose round number `attempts`
 * (1 for the first) ended in status st: sched[attempts-1] for missing and
 * error while the schedule lasts, else -1 (no further check).
 */
int64_t ipfs_next_delay(const uint64_t *sched, size_t nsched,
                        uint64_t attempts, enum ipfs_status st);

/*
 * Parses a Content-Range value "bytes A-B/TOTAL" or "bytes * /TOTAL"
 * (without the blank) from v[0..len).  Returns 0 and the total size in
 * *total, or -1 if the value is malformed or the total is "*".
 */
int ipfs_parse_content_range(const char *v, size_t len,
                             int64_t *total /* OUT */) WARN_UNUSED;

/*
 * Decides what of a received prefix p[0..n) is stored as text: when
 * truncated (more bytes exist than were received) a trailing incomplete
 * UTF-8 sequence is dropped first.  Returns 0 and the length to keep in
 * *keep when the rest is valid UTF-8 without NUL bytes (no overlongs, no
 * surrogates, nothing above U+10FFFF), else -1.
 */
int ipfs_utf8_prefix(const char *p, size_t n, bool truncated,
                     size_t *keep /* OUT */) WARN_UNUSED;

/* Appends "bytes=0-(n-1)" (n >= 1) for the Range header. */
struct buf;
int ipfs_range_header(struct buf *out, uint64_t n) WARN_UNUSED;

#endif
