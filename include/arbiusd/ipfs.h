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
 * The pure helpers (classification, schedule, Content-Range, UTF-8) are
 * exposed for the unit tests.
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

/* ---- the monitor ---- */

struct config;
struct db;
struct ipfs_mon;

/* Totals of one pass (ipfs_mon_run), also handed to progress callbacks. */
struct ipfs_pass {
    uint64_t cids;                 /* CIDs whose round finished */
    uint64_t total;                /* CIDs the pass will check (estimate) */
    uint64_t checks;               /* requests finished */
    uint64_t bytes;                /* bytes received, headers included */
    uint64_t by_status[IPFS_STATUSES]; /* round results */
    uint64_t started_ms;           /* util_now_ms() at the start */
};

typedef void ipfs_progress_fn(const struct ipfs_pass *p, void *ud);

/*
 * Creates a monitor over db (a read-write connection the caller keeps
 * open and owns) with cfg's [ipfs] settings.  stop is polled at least every
 * 100 ms; setting it makes a pass return early (the CIDs in flight are not
 * written).  Returns 0 and *outp, or -1 (libcurl failed).
 */
int ipfs_mon_new(const struct config *cfg, struct db *db, atomic_bool *stop,
                 struct ipfs_mon **outp /* OUT */) WARN_UNUSED;
void ipfs_mon_free(struct ipfs_mon *m);
void ipfs_mon_set_progress(struct ipfs_mon *m, ipfs_progress_fn *fn,
                           void *ud);

/*
 * Adds an ipfs_cids row (status pending, due now) for every solution CID
 * that has none.  full=1 looks at every solution (startup, CLI); full=0
 * only at solutions above the last watermark minus a lookback window that
 * covers rowids a reorg may have reused.  *added (may be NULL) gets the
 * number of new rows.  0 or -1.
 */
int ipfs_mon_discover(struct ipfs_mon *m, int full,
                      uint64_t *added /* OUT */) WARN_UNUSED;

enum ipfs_run {
    IPFS_RUN_DUE = 0,   /* the CIDs due when the pass starts */
    IPFS_RUN_ALL,       /* every CID (--recheck) */
    IPFS_RUN_FOLLOW,    /* due ones, and those falling due while it runs,
                         * until nothing is due or in flight (the thread) */
};

/*
 * One pass of rounds over the CIDs mode selects.  Fills *out (may be
 * NULL).  Returns 0, 1 when stopped early, -1 on a database error.
 */
int ipfs_mon_run(struct ipfs_mon *m, enum ipfs_run mode,
                 struct ipfs_pass *out /* OUT */) WARN_UNUSED;

/* Starts/stops the monitor thread of `serve` (own DB connection). */
struct app;
int ipfs_monitor_start(struct app *app) WARN_UNUSED;
void ipfs_monitor_stop(struct app *app);

/* `arbiusd ipfs [--recheck] [--quiet]` */
int ipfs_cmd(struct app *app, int argc, char **argv);
#define IPFS_CMD_USAGE                                                       \
    "ipfs [--recheck] [--quiet]\n\n"                                        \
    "  --recheck  check every known CID again, ok ones included (default: "  \
    "only\n"                                                                 \
    "             new CIDs and missing ones whose retry is due)\n"           \
    "  --quiet    no progress line and no summary\n\n"                       \
    "Finds solution CIDs not yet monitored, checks them on every [ipfs] "    \
    "gateway\n(HEAD, then a ranged GET) and records the results like the "   \
    "monitor of\n`serve` does. It may run next to a `serve` on the same "     \
    "database (the\ndaemon's monitor may then check the same due CIDs "       \
    "too).\n"                                                               \
    "Exit codes: 0 done, 1 interrupted or database failure, 2 usage, 3 "     \
    "configuration, 4 database."

#endif
