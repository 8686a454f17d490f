/*
 * ipfs_store.h - the SQL of the IPFS monitor (tables ipfs_cids and
 * ipfs_checks of migrations/0003_gallery.sql).
 *
 * Only the monitor writes these tables; readers (gallery, /status) may use
 * ipfs_counts_json().  Functions return 0 or -1 (logged) unless noted.
 */
#ifndef ARBIUSD_IPFS_STORE_H
#define ARBIUSD_IPFS_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "arbiusd/ipfs.h"
#include "arbiusd/util.h"

struct db;

/* A CID to check, as ipfs_store_due() lists it. */
struct ipfs_due {
    int64_t rowid;       /* ipfs_cids rowid (keyset) */
    int64_t next_check;  /* keyset in due mode (0: NULL) */
    char cid[64];        /* Qm... */
    char *path;          /* output file (owned, "" = the directory) */
    bool is_text;        /* model output_type is text-like */
    uint64_t attempts;   /* rounds before this one */
};

/* One finished request. */
struct ipfs_check_row {
    const char *gateway;
    int64_t time;          /* wall seconds at the request's start */
    enum ipfs_method method;
    long http_status;      /* 0: no HTTP answer */
    enum ipfs_result result;
    uint64_t latency_ms;
    const char *content_type; /* NULL: none */
    int64_t bytes;         /* body bytes received */
    const char *error;     /* NULL: none */
};

/* The outcome of one round of one CID. */
struct ipfs_round_row {
    const char *cid;
    enum ipfs_status status;
    int64_t last_check;
    int64_t next_check;    /* < 0: NULL */
    uint64_t attempts;     /* including this round */
    uint64_t ok_gateways;
    int64_t latency_ms;    /* < 0: NULL */
    const char *content_type;
    int64_t size;          /* < 0: NULL */
    const char *text;      /* NULL: keep NULL */
    size_t text_len;
    const struct ipfs_check_row *checks;
    size_t nchecks;
};

/*
 * Inserts pending rows for solution CIDs with rowid in (after, upto] that
 * have no ipfs_cids row (reads first; writes only when something is new).
 * *added gets the number inserted, *maxrowid the largest rowid seen.
 */
int ipfs_store_discover(struct db *db, int64_t after, int64_t upto,
                        int64_t now, uint64_t *added /* OUT */) WARN_UNUSED;

/* max(rowid) of solutions (0 when empty). */
int ipfs_store_max_solution(struct db *db, int64_t *out /* OUT */) WARN_UNUSED;

/*
 * Lists up to max CIDs after the keyset position (*after_nc, *after_rowid):
 * all=0: next_check <= now, by (next_check, rowid);
 * all=1: every CID, by rowid (after_nc ignored).
 * Fills out[0..*n) (paths owned: ipfs_due_release) and moves the keyset.
 */
int ipfs_store_due(struct db *db, int all, int64_t now, int64_t *after_nc,
                   int64_t *after_rowid, struct ipfs_due *out, size_t max,
                   size_t *n /* OUT */) WARN_UNUSED;
void ipfs_due_release(struct ipfs_due *d);

/* How many CIDs ipfs_store_due would list in total (for progress). */
int ipfs_store_due_count(struct db *db, int all, int64_t now,
                         uint64_t *out /* OUT */) WARN_UNUSED;

/* Earliest next_check (*out = -1 when none). */
int ipfs_store_next_due(struct db *db, int64_t *out /* OUT */) WARN_UNUSED;

/* Writes rounds r[0..n) (their checks and the ipfs_cids update) in one
 * BEGIN IMMEDIATE transaction. */
int ipfs_store_rounds(struct db *db, const struct ipfs_round_row *r,
                      size_t n) WARN_UNUSED;

/*
 * Counts for /status and /api/v1/status:
 *   {"cids": {"total", "pending", "ok", "slow", "missing", "error"},
 *    "checks": {"total": checks ever recorded, "window": W,
 *               "recent": {"total", "ok", "slow", "missing", "timeout",
 *                          "error"} of the newest W checks,
 *               "gateways": {gateway URL: the same object, same checks}},
 *    "due": CIDs whose next check is due now,
 *    "given_up": missing/error CIDs past the last retry,
 *    "last_check": wall seconds of the newest check, or null}
 * Cost: O(W) for checks; O(CIDs not ok) for cids (totals come from
 * max(rowid)/max(id): the monitor never deletes rows of either table, and
 * nothing else may); due and given_up are
 * index ranges.  Returns 0 and a new object in *out, or -1.
 */
#define IPFS_COUNTS_WINDOW 10000
#define IPFS_COUNTS_WINDOW_SQL "10000"
int ipfs_counts_json(struct db *db, json_t **out /* OUT */) WARN_UNUSED;

#endif
