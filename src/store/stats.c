/*
 * stats.c - the dashboard's figures and daily series (see stats.h).
 *
 * Cost: every figure but three reads a rollup (totals, daily, users,
 * miners, models), so it costs O(days x models) or O(users), never
 * O(tasks); users_7d reads daily_users, O(user-days of the window).  Two
 * others are bounded indexed queries:
 *   images_24h   solutions of the last 24 h (solutions_time index);
 *   median solve the last STATS_SOLVE_SAMPLE solutions (solutions' unique
 *                (block, log_index) index, newest first).
 */
#include "arbiusd/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/analytics.h"
#include "arbiusd/log.h"
#include "arbiusd/u256.h"

#define DAY 86400

/* Prepares sql or logs; returns NULL on error. */
static sqlite3_stmt *prep(struct db *db, const char *sql)
{
    return db_prepare(db, sql, "stats: prepare");
}

/*
 * Runs sql with the integer parameters args[0..n) bound to ?1..?n and reads
 * column 0 of the first row as an integer (NULL or no row: 0).  0 or -1.
 */
static json_t *col_text(sqlite3_stmt *st, int i);

static int one_i64(struct db *db, const char *sql, const int64_t *args,
                   int n, int64_t *out /* OUT */)
{
    sqlite3_stmt *st = prep(db, sql);
    int i, rc;

    if (!st)
        return -1;
    for (i = 0; i < n; i++)
        sqlite3_bind_int64(st, i + 1, args[i]);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_log_error(db, "stats: query");
        sqlite3_finalize(st);
        return -1;
    }
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

/* A read transaction: one snapshot for every statement of a reply. */
static int read_begin(struct db *db)
{
    return db_exec(db, "BEGIN");
}

static void read_end(struct db *db)
{
    if (sqlite3_get_autocommit(db_sqlite(db)) == 0 &&
        db_exec(db, "COMMIT") < 0)
        db_rollback(db);
}

/*
 * stats_head() runs on every /api/v1/stats request (whose body is cached by
 * head): its statement comes from the connection's cache (db_stmt), so it
 * is compiled once per connection, and is given back (reset) at once so
 * that it holds no read transaction open.
 */
int stats_head(struct db *db, struct stats_head *out)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT indexed_block, indexed_time, "
                                   "indexed_hash FROM scan_state WHERE "
                                   "id = 1");
    struct stats_head h;
    int r;

    if (!st)
        return -1;
    memset(&h, 0, sizeof(h));
    r = db_step(db, st, "stats: scan_state");
    if (r == 1) {
        const char *hash = (const char *)sqlite3_column_text(st, 2);

        h.initialized = 1;
        h.block = sqlite3_column_int64(st, 0);
        h.time = sqlite3_column_int64(st, 1);
        snprintf(h.hash, sizeof(h.hash), "%s", hash ? hash : "");
    }
    db_stmt_done(db, st);
    if (r < 0)
        return -1;
    *out = h;
    return 0;
}

json_t *stats_head_json(const struct stats_head *h)
{
    if (!h->initialized)
        return json_null();
    return json_pack("{s:I,s:s,s:I}", "block", (json_int_t)h->block, "hash",
                     h->hash, "time", (json_int_t)h->time);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/*
 * The median of (solution time - task time) over the newest
 * STATS_SOLVE_SAMPLE solutions (of non-automine tasks unless show): an
 * integer, or x.5 for an even sample whose middle values differ by an odd
 * number; null for no solution.  *nout gets the sample size.
 */
static int median_solve(struct db *db, int show, json_t **outp /* OUT */,
                        int64_t *nout /* OUT */)
{
    sqlite3_stmt *st = prep(
        db, "SELECT s.time - t.time FROM solutions s "
            "JOIN tasks t ON t.id = s.task "
            "WHERE ?1 OR t.automine = 0 "
            "ORDER BY s.block DESC, s.log_index DESC LIMIT ?2");
    int64_t *v = xcalloc(STATS_SOLVE_SAMPLE, sizeof(*v));
    size_t n = 0;
    int rc, ret = -1;

    if (!st)
        goto out;
    sqlite3_bind_int(st, 1, show);
    sqlite3_bind_int(st, 2, STATS_SOLVE_SAMPLE);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < STATS_SOLVE_SAMPLE)
        v[n++] = sqlite3_column_int64(st, 0);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        db_log_error(db, "stats: solve times");
        goto out;
    }
    if (n == 0) {
        *outp = json_null();
    } else {
        int64_t lo, hi;

        qsort(v, n, sizeof(*v), cmp_i64);
        lo = v[(n - 1) / 2];
        hi = v[n / 2];
        /* (lo + hi) / 2 exactly: both fit in int64 and are small. */
        if ((lo + hi) % 2 == 0)
            *outp = json_integer((json_int_t)((lo + hi) / 2));
        else
            *outp = json_real((double)(lo + hi) / 2.0);
    }
    *nout = (int64_t)n;
    ret = 0;
out:
    sqlite3_finalize(st);
    free(v);
    return ret;
}

/* Sum of image solutions (solved or solved_human) of daily days [a, b]. */
static const char *const SQL_IMAGES_RANGE =
    "SELECT sum(CASE WHEN ?3 THEN d.solved ELSE d.solved_human END) "
    "FROM daily d JOIN models m ON m.id = d.model "
    "WHERE m.output_type = 'image' AND d.day BETWEEN ?1 AND ?2";

/* stats_summary inside the caller's read transaction. */
static int summary_in_txn(struct db *db, int show, json_t **outp)
{
    struct stats_head h;
    json_t *o = NULL, *median = NULL;
    int64_t t = 0, day, from7, v, nsample = 0, a[3];
    int ret = -1;

    show = show ? 1 : 0;
    if (stats_head(db, &h) < 0)
        goto out;
    t = h.initialized ? h.time : 0;
    day = t / DAY;
    from7 = (day - (STATS_RECENT_DAYS - 1)) * DAY;
    o = json_object();
    json_object_set_new(o, "as_of", stats_head_json(&h));
    json_object_set_new(o, "automine", json_string(show ? "show" : "hide"));

    a[0] = INT64_MIN;
    a[1] = INT64_MAX;
    a[2] = show;
    if (one_i64(db, SQL_IMAGES_RANGE, a, 3, &v) < 0)
        goto out;
    json_object_set_new(o, "images_total", json_integer(v));
    a[0] = day - (STATS_RECENT_DAYS - 1);
    a[1] = day;
    if (one_i64(db, SQL_IMAGES_RANGE, a, 3, &v) < 0)
        goto out;
    json_object_set_new(o, "images_7d", json_integer(v));

    a[0] = t - STATS_NEW_SECONDS;
    a[1] = t;
    a[2] = show;
    /* CROSS JOIN pins the loop order: the time window outermost, or the
     * planner scans the window once per image model. */
    if (one_i64(db,
                "SELECT count(*) FROM solutions s "
                "CROSS JOIN tasks k ON k.id = s.task "
                "CROSS JOIN models m ON m.id = k.model "
                "WHERE s.time > ?1 AND s.time <= ?2 "
                "AND m.output_type = 'image' AND (?3 OR k.automine = 0)",
                a, 3, &v) < 0)
        goto out;
    json_object_set_new(o, "images_24h", json_integer(v));

    {
        char paid[80], aius[U256_UNITS_SIZE];

        if (analytics_paid_between(db, t - STATS_NEW_SECONDS, t, show,
                                   paid) < 0)
            goto out;
        analytics_aius_text(paid, aius, sizeof(aius));
        json_object_set_new(o, "aius_paid_24h", json_string(paid));
        json_object_set_new(o, "aius_paid_24h_aius", json_string(aius));
    }

    a[0] = show;
    if (one_i64(db, "SELECT count(*) FROM users WHERE ?1 OR tasks_human > 0",
                a, 1, &v) < 0)
        goto out;
    json_object_set_new(o, "users_total", json_integer(v));
    a[0] = from7;
    a[1] = t;
    a[2] = show;
    if (one_i64(db,
                "SELECT count(DISTINCT address) FROM daily_users "
                "WHERE day BETWEEN ?1 / 86400 AND ?2 / 86400 "
                "AND (?3 OR tasks_human > 0)",
                a, 3, &v) < 0)
        goto out;
    json_object_set_new(o, "users_7d", json_integer(v));

    if (one_i64(db, "SELECT count(*) FROM models", NULL, 0, &v) < 0)
        goto out;
    json_object_set_new(o, "models", json_integer(v));
    a[0] = show;
    if (one_i64(db,
                "SELECT CASE WHEN ?1 THEN tasks ELSE tasks_human END "
                "FROM totals WHERE id = 1",
                a, 1, &v) < 0)
        goto out;
    json_object_set_new(o, "tasks", json_integer(v));
    if (one_i64(db,
                show ? "SELECT solutions FROM totals WHERE id = 1"
                     : "SELECT sum(solved_human) FROM daily",
                NULL, 0, &v) < 0)
        goto out;
    json_object_set_new(o, "solutions", json_integer(v));
    a[0] = from7;
    if (one_i64(db,
                "SELECT count(*) FROM miners WHERE last_time >= ?1",
                a, 1, &v) < 0)
        goto out;
    json_object_set_new(o, "miners_active_7d", json_integer(v));

    if (median_solve(db, show, &median, &nsample) < 0)
        goto out;
    json_object_set_new(o, "median_solve_seconds", median);
    json_object_set_new(o, "solve_sample", json_integer(nsample));
    json_object_set_new(o, "windows",
                        json_pack("{s:i,s:i,s:i}", "recent_days",
                                  STATS_RECENT_DAYS, "new_seconds",
                                  STATS_NEW_SECONDS, "solve_sample_max",
                                  STATS_SOLVE_SAMPLE));
    *outp = o;
    o = NULL;
    ret = 0;
out:
    json_decref(o);
    return ret;
}

int stats_summary(struct db *db, int show, json_t **outp)
{
    int r;

    if (read_begin(db) < 0)
        return -1;
    r = summary_in_txn(db, show, outp);
    read_end(db);
    return r;
}

/* "YYYY-MM-DD" of a day number (days since the epoch, UTC). */
static void day_text(int64_t day, char out[32])
{
    time_t s = (time_t)(day * DAY);
    struct tm tm;

    if (!gmtime_r(&s, &tm) || strftime(out, 32, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 32, "%lld", (long long)day);
}

/*
 * Sets o.by_model: every image model with an image in the window [first,
 * last] or before it, most images in the window first:
 * [{model, title, images, total}], from the daily rollup only.
 */
static int by_model_in_txn(struct db *db, int64_t first, int64_t last,
                           int show, json_t *o)
{
    sqlite3_stmt *st;
    json_t *arr = json_array();
    int rc;

    st = prep(db, "SELECT d.model, m.title, "
                  "sum(CASE WHEN d.day BETWEEN ?1 AND ?2 THEN "
                  "CASE WHEN ?3 THEN d.solved ELSE d.solved_human END "
                  "ELSE 0 END) AS win, "
                  "sum(CASE WHEN ?3 THEN d.solved ELSE d.solved_human END) "
                  "AS total "
                  "FROM daily d JOIN models m ON m.id = d.model "
                  "WHERE m.output_type = 'image' AND d.day <= ?2 "
                  "GROUP BY d.model HAVING total > 0 "
                  "ORDER BY win DESC, total DESC, d.model");
    if (!st) {
        json_decref(arr);
        return -1;
    }
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    sqlite3_bind_int(st, 3, show);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            arr, json_pack("{s:s,s:o,s:I,s:I}", "model",
                           (const char *)sqlite3_column_text(st, 0), "title",
                           col_text(st, 1), "images",
                           (json_int_t)sqlite3_column_int64(st, 2), "total",
                           (json_int_t)sqlite3_column_int64(st, 3)));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_log_error(db, "stats: by model");
        json_decref(arr);
        return -1;
    }
    json_object_set_new(o, "by_model", arr);
    return 0;
}

/* stats_daily inside the caller's read transaction. */
static int daily_in_txn(struct db *db, int64_t days, const char *model,
                        int show, json_t **outp)
{
    struct stats_head h;
    sqlite3_stmt *st = NULL;
    json_t *o = NULL, *pts;
    int64_t first, last, before = 0, cum, d;
    int64_t *series = NULL;
    char txt[32];
    int rc, ret = -1;

    show = show ? 1 : 0;
    if (stats_head(db, &h) < 0)
        goto out;
    o = json_object();
    json_object_set_new(o, "as_of", stats_head_json(&h));
    json_object_set_new(o, "automine", json_string(show ? "show" : "hide"));
    if (days > 0) {
        char n[24];

        snprintf(n, sizeof(n), "%lld", (long long)days);
        json_object_set_new(o, "days", json_string(n));
    } else {
        json_object_set_new(o, "days", json_string("all"));
    }
    json_object_set_new(o, "model", model ? json_string(model) : json_null());
    pts = json_array();
    json_object_set_new(o, "points", pts);
    if (!h.initialized) {
        json_object_set_new(o, "from", json_null());
        json_object_set_new(o, "to", json_null());
        json_object_set_new(o, "before", json_integer(0));
        goto done;
    }
    last = h.time / DAY;
    if (days > 0) {
        first = last - days + 1;
    } else {
        /* From the first day holding an image of the filter. */
        st = prep(db, "SELECT min(d.day) FROM daily d "
                      "JOIN models m ON m.id = d.model "
                      "WHERE m.output_type = 'image' "
                      "AND (?1 IS NULL OR d.model = ?1) "
                      "AND CASE WHEN ?2 THEN d.solved ELSE d.solved_human "
                      "END > 0");
        if (!st)
            goto out;
        if (model)
            sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, show);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            db_log_error(db, "stats: first day");
            goto out;
        }
        first = sqlite3_column_type(st, 0) == SQLITE_NULL
                    ? last
                    : sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        if (first > last)
            first = last;
        if (last - first + 1 > STATS_MAX_DAYS)
            first = last - STATS_MAX_DAYS + 1;
    }
    series = xcalloc((size_t)(last - first + 1), sizeof(*series));

    st = prep(db, "SELECT d.day, sum(CASE WHEN ?3 THEN d.solved "
                  "ELSE d.solved_human END) "
                  "FROM daily d JOIN models m ON m.id = d.model "
                  "WHERE m.output_type = 'image' AND d.day BETWEEN ?1 AND ?2 "
                  "AND (?4 IS NULL OR d.model = ?4) "
                  "GROUP BY d.day ORDER BY d.day");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    sqlite3_bind_int(st, 3, show);
    if (model)
        sqlite3_bind_text(st, 4, model, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        d = sqlite3_column_int64(st, 0);
        if (d >= first && d <= last)
            series[d - first] = sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE) {
        db_log_error(db, "stats: daily");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;

    /* The all-time count before the window, so that the cumulative line
     * is the true running total, not a count from zero. */
    st = prep(db, "SELECT sum(CASE WHEN ?2 THEN d.solved "
                  "ELSE d.solved_human END) "
                  "FROM daily d JOIN models m ON m.id = d.model "
                  "WHERE m.output_type = 'image' AND d.day < ?1 "
                  "AND (?3 IS NULL OR d.model = ?3)");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int(st, 2, show);
    if (model)
        sqlite3_bind_text(st, 3, model, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        db_log_error(db, "stats: before window");
        goto out;
    }
    before = sqlite3_column_int64(st, 0);

    cum = before;
    for (d = first; d <= last; d++) {
        cum += series[d - first];
        day_text(d, txt);
        json_array_append_new(pts, json_pack("{s:s,s:I,s:I}", "day", txt,
                                             "images",
                                             (json_int_t)series[d - first],
                                             "cumulative", (json_int_t)cum));
    }
    day_text(first, txt);
    json_object_set_new(o, "from", json_string(txt));
    day_text(last, txt);
    json_object_set_new(o, "to", json_string(txt));
    json_object_set_new(o, "before", json_integer(before));
    if (!model) {
        sqlite3_finalize(st);
        st = NULL;
        if (by_model_in_txn(db, first, last, show, o) < 0)
            goto out;
    }
done:
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    free(series);
    json_decref(o);
    return ret;
}

int stats_daily(struct db *db, int64_t days, const char *model, int show,
                json_t **outp)
{
    int r;

    if (read_begin(db) < 0)
        return -1;
    r = daily_in_txn(db, days, model, show, outp);
    read_end(db);
    return r;
}

int stats_dashboard(struct db *db, int64_t days, const char *model, int show,
                    json_t **summaryp, json_t **dailyp)
{
    json_t *s = NULL, *d = NULL;
    int r = -1;

    if (read_begin(db) < 0)
        return -1;
    if (summary_in_txn(db, show, &s) < 0 ||
        daily_in_txn(db, days, model, show, &d) < 0)
        goto out;
    *summaryp = s;
    *dailyp = d;
    s = d = NULL;
    r = 0;
out:
    read_end(db);
    json_decref(s);
    json_decref(d);
    return r;
}

/* A text column as a JSON string, or null. */
static json_t *col_text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);

    return s ? json_string(s) : json_null();
}

/*
 * Runs one activity query (?1 after, ?2 upto, ?3 limit + 1) and builds
 * {items, more}; row_fn turns the current row into an object.  0 or -1.
 */
static int activity_rows(struct db *db, const char *sql, int64_t after,
                         int64_t upto, int limit,
                         json_t *(*row_fn)(sqlite3_stmt *st),
                         json_t **outp /* OUT */)
{
    sqlite3_stmt *st = prep(db, sql);
    json_t *items;
    int n = 0, rc, more = 0;

    if (!st)
        return -1;
    items = json_array();
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, upto);
    sqlite3_bind_int64(st, 3, (int64_t)limit + 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == limit) {
            more = 1;
            break;
        }
        json_array_append_new(items, row_fn(st));
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_log_error(db, "stats: activity");
        sqlite3_finalize(st);
        json_decref(items);
        return -1;
    }
    sqlite3_finalize(st);
    *outp = json_pack("{s:o,s:b}", "items", items, "more", more);
    return 0;
}

static json_t *task_row(sqlite3_stmt *st)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:b,s:I,s:I,s:o}",
                     "id", col_text(st, 0), "model", col_text(st, 1),
                     "owner", col_text(st, 2), "fee", col_text(st, 3),
                     "via", col_text(st, 4),
                     "automine", sqlite3_column_int(st, 5) != 0,
                     "block", (json_int_t)sqlite3_column_int64(st, 6),
                     "time", (json_int_t)sqlite3_column_int64(st, 7),
                     "tx", col_text(st, 8));
}

static json_t *solution_row(sqlite3_stmt *st)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:b,s:I,s:I,s:o}",
                     "task", col_text(st, 0), "validator", col_text(st, 1),
                     "cid", col_text(st, 2), "model", col_text(st, 3),
                     "automine", sqlite3_column_int(st, 4) != 0,
                     "block", (json_int_t)sqlite3_column_int64(st, 5),
                     "time", (json_int_t)sqlite3_column_int64(st, 6),
                     "tx", col_text(st, 7));
}

int stats_activity(struct db *db, int64_t after, int64_t upto, int limit,
                   json_t **outp)
{
    json_t *tasks = NULL, *sols = NULL;
    int r = -1;

    if (read_begin(db) < 0)
        return -1;
    if (activity_rows(db,
                      "SELECT id, model, owner, fee, via, automine, block, "
                      "time, tx FROM tasks WHERE block > ?1 AND block <= ?2 "
                      "ORDER BY block, log_index LIMIT ?3",
                      after, upto, limit, task_row, &tasks) < 0 ||
        activity_rows(db,
                      "SELECT s.task, s.validator, s.cid_text, t.model, "
                      "coalesce(t.automine, 0), s.block, s.time, s.tx "
                      "FROM solutions s LEFT JOIN tasks t ON t.id = s.task "
                      "WHERE s.block > ?1 AND s.block <= ?2 "
                      "ORDER BY s.block, s.log_index LIMIT ?3",
                      after, upto, limit, solution_row, &sols) < 0)
        goto out;
    *outp = json_pack("{s:I,s:I,s:o,s:o}", "from", (json_int_t)(after + 1),
                      "to", (json_int_t)upto, "tasks", tasks, "solutions",
                      sols);
    tasks = sols = NULL;
    r = 0;
out:
    read_end(db);
    json_decref(tasks);
    json_decref(sols);
    return r;
}

int stats_model_title(struct db *db, const char *model, json_t **outp)
{
    sqlite3_stmt *st = prep(db, "SELECT title FROM models WHERE id = ?");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, model, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *outp = col_text(st, 0);
    } else if (rc == SQLITE_DONE) {
        *outp = json_null();
    } else {
        db_log_error(db, "stats: model title");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}
