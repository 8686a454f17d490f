/*
 * scanner.h - the indexing loop: head and finality, adaptive eth_getLogs
 * ranges, calldata enrichment, reorg detection and rollback.
 *
 * One scanner per thread: it owns an RPC client and a writer store on the
 * connection it is given.  Every range is committed in one transaction with
 * its checkpoint, so a kill at any moment loses nothing committed.
 */
#ifndef ARBIUSD_SCANNER_H
#define ARBIUSD_SCANNER_H

#include <stdatomic.h>
#include <stdint.h>

#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/util.h"

struct scanner;

/* Progress of long work (for the terminal line and logs). */
struct scan_progress {
    uint64_t from, to;        /* the whole job */
    uint64_t done_to;         /* last block committed */
    uint64_t events;          /* rows written */
    uint64_t ranges, requests;
    uint64_t started_us;
};

typedef void (*scan_progress_fn)(const struct scan_progress *p, void *ud);

/* cfg and db are borrowed for the scanner's life; stop may be NULL. */
int scanner_new(const struct config *cfg, struct db *db,
                const atomic_bool *stop, struct scanner **outp /* OUT */)
    WARN_UNUSED;
void scanner_free(struct scanner *sc);
void scanner_set_progress(struct scanner *sc, scan_progress_fn fn, void *ud);
/* fn(arg) runs on the scanner's thread after each committed range (the
 * stream learns of it at once); NULL: nothing. */
void scanner_set_commit_hook(struct scanner *sc, void (*fn)(void *arg),
                             void *arg);

/*
 * One poll: read the head, initialise the checkpoint on a fresh database,
 * and index from the checkpoint up to the head, handling reorgs.  Once a
 * poll reached the head, the next ones cost one request each while nothing
 * happens (the head's and the checkpoint's headers, the logs to "latest"
 * and finality in one batch; blocks with logs one request more).  Returns
 * 0 when caught up, -1 on an error that the next poll may clear (recorded
 * in scan_state.last_error).
 */
int scanner_sync(struct scanner *sc) WARN_UNUSED;

/* Indexes blocks [from, to] once (CLI).  Advances the checkpoint only when
 * the range continues it.  0 or -1. */
int scanner_scan_range(struct scanner *sc, uint64_t from, uint64_t to)
    WARN_UNUSED;

/* Re-fetches every indexed range and fills in anything missing; reports
 * rows recovered in *recovered.  0 or -1. */
int scanner_deep_scan(struct scanner *sc, uint64_t *recovered /* OUT */)
    WARN_UNUSED;

/* Chain head and the first block at or after a timestamp (binary search
 * on block timestamps).  0 or -1. */
int scanner_head(struct scanner *sc, uint64_t *head /* OUT */) WARN_UNUSED;
int scanner_block_at_time(struct scanner *sc, int64_t t,
                          uint64_t *block /* OUT */) WARN_UNUSED;

/* Saves the RPC counters into the database for /status. */
void scanner_save_stats(struct scanner *sc);

/*
 * The scanner of `serve`: a worker (core/worker.h) with a writer
 * connection of its own that polls every [chain] poll_interval; on_commit
 * (may be NULL) as scanner_set_commit_hook().  cfg and arg are borrowed
 * for the thread's life.  0, or -1 after logging.
 */
struct scanner_thread;
int scanner_thread_start(const struct config *cfg,
                         void (*on_commit)(void *arg), void *arg,
                         struct scanner_thread **outp /* OUT */) WARN_UNUSED;
/* Stops the worker (a backfill in progress stops at the next range),
 * saves the RPC counters, checkpoints the WAL, closes.  NULL: no-op. */
void scanner_thread_stop(struct scanner_thread *t);

#endif
