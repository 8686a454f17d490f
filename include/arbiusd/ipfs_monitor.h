/*
 * ipfs_monitor.h - the IPFS monitor: rounds of gateway checks on one
 * libcurl multi handle (see ipfs.h for what a round decides), the one-off
 * pass of `arbiusd ipfs` and the thread of `serve`.
 */
#ifndef ARBIUSD_IPFS_MONITOR_H
#define ARBIUSD_IPFS_MONITOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arbiusd/ipfs.h"
#include "arbiusd/util.h"


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
int ipfs_mon_new(const struct config *cfg, struct db *db,
                 const atomic_bool *stop,
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

/* What ipfs_mon_run() returns. */
enum ipfs_pass_rc {
    IPFS_PASS_ERROR = -1,  /* a database error (logged); nothing in flight
                             * was written */
    IPFS_PASS_DONE = 0,    /* every selected CID had its round */
    IPFS_PASS_STOPPED = 1, /* the stop flag cut the pass short */
};

/*
 * One pass of rounds over the CIDs mode selects.  Fills *out (may be
 * NULL).  Returns an enum ipfs_pass_rc.
 */
int ipfs_mon_run(struct ipfs_mon *m, enum ipfs_run mode,
                 struct ipfs_pass *out /* OUT */) WARN_UNUSED;

/*
 * The monitor of `serve`: a worker (core/worker.h) with a write connection
 * of its own that finds new solution CIDs every [ipfs] interval and checks
 * the due ones (IPFS_RUN_FOLLOW), sleeping until the next retry falls due.
 * cfg is borrowed for the thread's life.  0, or -1 after logging.
 */
struct ipfs_thread;
int ipfs_thread_start(const struct config *cfg,
                      struct ipfs_thread **outp /* OUT */) WARN_UNUSED;
/* Stops it (a round in flight is abandoned, not written); NULL: no-op. */
void ipfs_thread_stop(struct ipfs_thread *t);

#endif
