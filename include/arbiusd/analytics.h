/*
 * analytics.h - read-side SQL of the miners, users and models pages and
 * of the `miners` and `tokens` commands.
 *
 * Definitions (pages, JSON and CLI say the same):
 *   miner     an address that submitted a solution (SolutionSubmitted
 *             validator); commitments are counted for it too;
 *   active    last solution within [miners] active_window hours of the
 *             indexed head's time;
 *   earnings  the validator's fees and rewards, exact wei as decimal
 *             strings, per era (0005_miners.sql says where each era's
 *             figures come from);
 *   solve latency   solution time - task time (block timestamps);
 *   claim lag       claim time - solution time;
 *   medians   exact; for an even count the mean of the two middle values
 *             (an integer or x.5).
 * Windows are anchored at the indexed head like the dashboard's: "24h" is
 * (head time - 86400, head time] exactly; "7d" and "30d" are the head's
 * UTC day and the 6 / 29 days before it; "all" is everything.
 *
 * Every function reads one snapshot (a read transaction), returns 0 and a
 * new JSON value the caller owns, 1 when the address / id is not in the
 * index, or -1 after logging a database error.  Addresses and ids must be
 * lower-case 0x hex (callers validate).  names/nnames are the configured
 * model-name overrides (modelnames.h).
 */
#ifndef ARBIUSD_ANALYTICS_H
#define ARBIUSD_ANALYTICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/db.h"
#include "arbiusd/util.h"

enum an_window { AN_24H, AN_7D, AN_30D, AN_ALL };
enum an_sort { AN_BY_SOLUTIONS, AN_BY_EARNINGS, AN_BY_LATENCY };

#define AN_RECENT 24            /* recent solutions / tasks on detail pages */
#define AN_LIST_MAX 500         /* rows of a users list */

/* Parses "24h"/"7d"/"30d"/"all" and "solutions"/"earnings"/"latency":
 * 0 or -1. */
int analytics_window_parse(const char *s, enum an_window *out /* OUT */);
int analytics_sort_parse(const char *s, enum an_sort *out /* OUT */);
const char *analytics_window_text(enum an_window w);
const char *analytics_sort_text(enum an_sort s);

/*
 * The leaderboard: {as_of, window, sort, active_window_hours,
 *  from, to (seconds, the window's bounds), totals:{miners, solutions,
 *  claims, fees, rewards, earnings}, daily:[{day, solutions, claims,
 *  fees, rewards}] (every miner, the UTC days of 7d and 30d; empty for
 *  24h and all),
 *  miners:[{rank, address, solutions, claims, fees, rewards, earnings,
 *           earnings_aius, median_solve_seconds, median_claim_lag_seconds,
 *           first_seen, last_seen, active}]}
 * with the window's counts and earnings; miners without a solution, a
 * claim or an earning in the window are left out.  Sorted descending by
 * solutions or earnings, ascending by median latency (no latency last),
 * then by address.
 */
int analytics_miners(struct db *db, enum an_window w, enum an_sort s,
                     int64_t active_window, json_t **outp /* OUT */)
    WARN_UNUSED;
/* The same read once, in all three orders: outs[AN_BY_SOLUTIONS] etc.
 * each a new value.  0 or -1 (outs untouched). */
int analytics_miners_sorts(struct db *db, enum an_window w,
                           int64_t active_window,
                           json_t *outs[3] /* OUT */) WARN_UNUSED;

/*
 * One miner: {as_of, address, active, task_owner (also owns tasks),
 *  first_seen, last_seen, solutions,
 *  claims, unclaimed, commitments, contestations_against,
 *  contestations_by, votes, median_solve_seconds, median_claim_lag_seconds,
 *  earnings:{fees, rewards, total, total_aius, eras:[{era, fees, rewards}]},
 *  models:[{id, name, solutions}], stake_events:[{kind, block, time, tx,
 *  addr, validator, amount}], daily:[{day, solutions, claims, fees,
 *  rewards}], recent:[{task, model, model_name, cid, output_file,
 *  output_type, time, claimed, latency}]}.  1 if never a validator.
 */
int analytics_miner(struct db *db, const char *addr, int64_t active_window,
                    char *const *names, size_t nnames,
                    json_t **outp /* OUT */) WARN_UNUSED;

/*
 * Users (task owners): {as_of, sort, users:[{address, tasks, tasks_human,
 *  fees, fees_aius, first_seen, last_seen, miner}]}, the top AN_LIST_MAX by
 *  sort ("tasks", "fees" or "recent").
 */
int analytics_users(struct db *db, const char *sort,
                    json_t **outp /* OUT */) WARN_UNUSED;

/*
 * One user: {as_of, address, tasks, tasks_human, solved, images (solved
 *  tasks of image models), fees, fees_aius,
 *  owner_rewards, first_seen, last_seen, miner, models:[{id, name,
 *  tasks}], recent:[{task, model, model_name, fee, time, prompt, cid,
 *  output_file, output_type, solved}]}.  1 if the address owns no task.
 */
int analytics_user(struct db *db, const char *addr, char *const *names,
                   size_t nnames, json_t **outp /* OUT */) WARN_UNUSED;

/*
 * Models: {as_of, models:[{id, name, title, output_type, output_file, fee,
 *  fee_aius, rate, tasks, solutions, claims, task_fees}]} by tasks.
 */
int analytics_models(struct db *db, char *const *names, size_t nnames,
                     json_t **outp /* OUT */) WARN_UNUSED;

/*
 * One model: the models entry plus {addr, cid, registered:{block, time,
 *  tx}, template:{fields:[{variable, type, required, default,
 *  description}], outputs:[{filename, type}]} | null, daily:[{day, tasks,
 *  solutions}], miners:[{address, solutions}] (top 20)}.  1 if unknown.
 */
int analytics_model(struct db *db, const char *id, char *const *names,
                    size_t nnames, json_t **outp /* OUT */) WARN_UNUSED;

/*
 * The engine's payouts in (t0, t1] (earnings rows, treasury fee accruals
 * excluded): sum of every row, or of rows whose task is not automine when
 * show_automine is 0.  Exact decimal wei into out.  0 or -1.
 */
int analytics_paid_between(struct db *db, int64_t t0, int64_t t1,
                           int show_automine,
                           char out[80] /* OUT */) WARN_UNUSED;

/*
 * Miners seen in the `seconds` before the head: {as_of, seconds,
 *  miners:[{address, solutions, claims (both in the period), total_solutions,
 *  total_claims, first_seen, last_seen, active}]} by solutions, and
 *  committers:[{address, commitments, last_seen}]: addresses that signalled
 *  commitments in the period but never submitted a solution.
 */
int analytics_miners_recent(struct db *db, int64_t seconds,
                            int64_t active_window,
                            json_t **outp /* OUT */) WARN_UNUSED;

/*
 * The validator earnings table of one miner (or all when addr is NULL):
 * {rows:[{address, era, fees, rewards}]} by address then era, and
 * {totals:{fees, rewards, earnings}}.
 */
int analytics_earnings(struct db *db, const char *addr,
                       json_t **outp /* OUT */) WARN_UNUSED;

/* "1.5" from wei text (trailing zeros trimmed); "?" if not a number. */
void analytics_aius_text(const char *wei, char *out, size_t outsz);

/* The exact median of v[0..n) (sorted in place) as a new JSON value: an
 * integer, x.5 for an even count whose middle values differ by an odd
 * number, or null when n is 0. */
json_t *analytics_median_json(int64_t *v, size_t n) WARN_UNUSED;

#endif
