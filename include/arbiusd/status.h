/*
 * status.h - read-side SQL for operations: the scanner's state, totals,
 * coverage, the RPC counters it saves, the reorg journal and the database's
 * size, for /metrics, /ready, /health, /status, /api/v1/status and
 * `arbiusd status`.
 *
 * The scanner (chain/) and the HTTP side (web/) meet only in the database:
 * everything here is read from scan_state, rpc_stats, reorgs, coverage,
 * and totals (the IPFS monitor's counts come from ipfs_counts_json(),
 * ipfs_store.h).  All functions read through the given connection and
 * return 0, or -1 after logging a database error.
 */
#ifndef ARBIUSD_STATUS_H
#define ARBIUSD_STATUS_H

#include <jansson.h>
#include <stdint.h>

#include "arbiusd/db.h"

/* Plain figures, cheap to read: no scan of a table that grows with the
 * chain. */
struct status_snap {
    int initialized;           /* scan_state has its row */
    int64_t start_block;
    int64_t indexed_block;     /* last block whose logs are stored */
    int64_t indexed_time;      /* its timestamp */
    int64_t head_block;        /* chain head the scanner last saw */
    int64_t head_time;
    int64_t safe_block;
    int64_t updated_at;        /* wall time of the last successful poll */
    int has_error;             /* the scanner is failing (scanner_health:
                                  a poll, or an attempt that reached no
                                  endpoint, failed since the last success) */
    int64_t lag_blocks;        /* head - indexed, >= 0 */
    int64_t lag_seconds;       /* head_time - indexed_time, >= 0 */
    int64_t tasks, solutions, claims, contestations, events; /* totals */
    int64_t reorgs;            /* journal rows */
    int64_t reorg_depth_sum;   /* sum of depths */
    int64_t reorg_removed_rows;
    int64_t db_pages, page_size, freelist_pages;
    int64_t rpc_stats_at;      /* when the scanner saved its counters */
};

/* Everything in struct status_snap. */
int status_snapshot(struct db *db, struct status_snap *out /* OUT */)
    WARN_UNUSED;
/* Only the scan_state fields (initialized .. lag_seconds), one row read;
 * the other fields of *out are left as they were. */
int status_state(struct db *db, struct status_snap *out /* OUT */)
    WARN_UNUSED;

/* Indexed block and head only (-1 each when not initialised). */
int status_progress(struct db *db, int64_t *indexed /* OUT */,
                    int64_t *head /* OUT */) WARN_UNUSED;

/* Index state as a new object: scan_state's fields (chain_id, engine,
 * start_block, indexed_block, indexed_hash, indexed_time, head_block,
 * head_time, safe_block, updated_at), last_error (the scanner's, as in
 * status_health), lag_blocks, lag_seconds, initialized, totals, coverage,
 * gaps and scanner (status_health) (`arbiusd status`, /api/v1/status). */
int status_json(struct db *db, json_t **outp /* OUT */) WARN_UNUSED;

/* The scanner's health as a new object: {failing, error (null while
 * polls succeed), kind, endpoint (sanitized URL or null), failing_since,
 * failures (failed polls), retry_seconds, updated_at}. */
int status_health(struct db *db, json_t **outp /* OUT */) WARN_UNUSED;

/* The scanner's per-endpoint RPC counters (rpc_stats_json()'s array, see
 * rpc.h), a new array; empty when none were saved yet. */
int status_rpc(struct db *db, json_t **outp /* OUT */) WARN_UNUSED;

/* The newest `limit` reorg journal rows, newest first, as a new array of
 * {id, detected_at, ancestor_block, old_head, old_hash, new_hash, depth,
 * removed_rows}. */
int status_reorgs(struct db *db, int limit, json_t **outp /* OUT */)
    WARN_UNUSED;

/* Coverage ledger: merged contiguous ranges [[from, to], ...] and the gaps
 * between them, as two new arrays. */
int status_coverage(struct db *db, json_t **ranges /* OUT */,
                    json_t **gaps /* OUT */) WARN_UNUSED;

/* Cheap liveness probe: reads one row.  0 or -1. */
int status_ping(struct db *db) WARN_UNUSED;

#endif
