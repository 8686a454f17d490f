/*
 * stats.h - read-side SQL of the dashboard: headline figures and daily
 * series, every figure "as of" the indexed head.
 *
 * Definitions (the dashboard and /api/v1/stats say the same):
 *   image    a solved task of an image model (models.output_type = 'image',
 *            from the model's template), counted on its solution's UTC day;
 *   user     a task owner (owner_ from calldata);
 *   miner    the validator of a solution;
 *   automine a task of a bulk submission or of an owner that is a miner
 *            (tasks.automine); with automine hidden those tasks, their
 *            solutions and owners with only such tasks are left out;
 *   AIUS paid the fees and rewards the engine credited to anyone in the
 *            claims and rejected-contestation finishes whose block time is
 *            in (head time - 86400, head time]: validator fee and reward,
 *            task-owner reward, treasury reward, model owner's fee share
 *            (treasury fee shares that only accrue in the engine are not
 *            payouts); with automine hidden, settlements of automine tasks
 *            are left out.
 * Windows are anchored at the indexed head, never at the wall clock: "7
 * days" is the head's UTC day and the six before it, "24 h" is
 * (head time - 86400, head time].
 *
 * Each call reads in one read transaction, so a reply is one snapshot and
 * its as_of names exactly the block it describes.  Functions return 0 and a
 * new JSON value the caller owns, or -1 after logging a database error.
 */
#ifndef ARBIUSD_STATS_H
#define ARBIUSD_STATS_H

#include <jansson.h>
#include <stdint.h>

#include "arbiusd/db.h"
#include "arbiusd/util.h"

#define STATS_RECENT_DAYS 7       /* "last 7 days" windows, UTC days */
#define STATS_NEW_SECONDS 86400   /* "new (24 h)" window */
#define STATS_SOLVE_SAMPLE 1000   /* solutions in the median solve time */
#define STATS_MAX_DAYS 100000     /* days=all is capped here */

/* The indexed head: what every figure is "as of". */
struct stats_head {
    int initialized;              /* 0: the scanner has not written yet */
    int64_t block;                /* scan_state.indexed_block */
    int64_t time;                 /* scan_state.indexed_time (seconds) */
    char hash[67];                /* scan_state.indexed_hash, "" if none */
};

/* Reads the indexed head into *out.  0 or -1 (logged). */
int stats_head(struct db *db, struct stats_head *out /* OUT */) WARN_UNUSED;
/* h as the replies' "as_of" value, a new {block, hash, time}, or JSON null
 * before the first scan. */
json_t *stats_head_json(const struct stats_head *h) WARN_UNUSED;

/*
 * The headline figures (see the file comment) with show_automine 0 or 1:
 * {as_of:{block,hash,time}|null, automine:"hide"|"show", images_total,
 *  images_7d, images_24h, aius_paid_24h (wei, decimal string),
 *  aius_paid_24h_aius (the same in whole AIUS, exact text), users_total,
 *  users_7d, models, tasks, solutions,
 *  miners_active_7d, median_solve_seconds (number or null), solve_sample,
 *  windows:{recent_days, new_seconds, solve_sample_max}}.
 */
int stats_summary(struct db *db, int show_automine,
                  json_t **outp /* OUT */) WARN_UNUSED;

/*
 * Computes both automine modes' stats_summary() as of the indexed head and
 * keeps them in the figures table (migrations/0007_figures.sql), which
 * stats_summary() then reads while the head stays.  For the writer, inside
 * its transaction, after it moved the head (store.c).  0 or -1 (logged).
 */
int stats_figures_update(struct db *db) WARN_UNUSED;

/*
 * Daily images over the last `days` UTC days ending at the head's day
 * (days = 0: from the first day with an image), optionally for one model
 * (model: lower-case 0x + 64 hex, or NULL).  Reads only the daily rollup.
 * {as_of, automine, days:"30"|"all", model, from, to, before,
 *  points:[{day:"YYYY-MM-DD", images, cumulative}]} where before is the
 * all-time count before the window and cumulative starts from it.  Without
 * a model, also the per-model breakdown
 *  by_model:[{model, title|null, images (in the window), total (all time
 *  up to the head)}], most images in the window first.
 */
int stats_daily(struct db *db, int64_t days, const char *model,
                int show_automine, json_t **outp /* OUT */) WARN_UNUSED;

/*
 * Both of the above (summary, and the daily series for days of one model or
 * of all) from one snapshot, for the dashboard page.  0 with two new
 * values, or -1.
 */
int stats_dashboard(struct db *db, int64_t days, const char *model,
                    int show_automine,
                    json_t **summaryp /* OUT */,
                    json_t **dailyp /* OUT */) WARN_UNUSED;

/* The template title of model id as a new JSON string, or JSON null when the
 * model is unknown or has none.  0 or -1 (logged). */
int stats_model_title(struct db *db, const char *model,
                      json_t **outp /* OUT */) WARN_UNUSED;

/*
 * What landed in blocks (after, upto]: the tasks and the solutions, oldest
 * first, at most `limit` of each, for the live stream:
 * {from:after+1, to:upto,
 *  tasks:{items:[{id,model,owner,fee,via,automine,block,time,tx}], more},
 *  solutions:{items:[{task,validator,cid,model,automine,block,time,tx}],
 *             more}}
 * where more is true when rows were left out.  Reads the (block,
 * log_index) indexes only, so the cost is O(limit).  0 or -1 (logged).
 */
int stats_activity(struct db *db, int64_t after, int64_t upto, int limit,
                   json_t **outp /* OUT */) WARN_UNUSED;

#endif
