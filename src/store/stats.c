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

/* Sets what every dashboard reply starts with: as_of and automine. */
static void set_head(json_t *o, const struct stats_head *h, int show)
{
    json_object_set_new(o, "as_of", stats_head_json(h));
    json_object_set_new(o, "automine", json_string(show ? "show" : "hide"));
}

/* ---- the headline figures ---- */

/*
 * The named parameters of the figures' queries: :show (0 or 1), :t (the
 * head's time), :t24 (the start of the "new" window), :day (the head's UTC
 * day), :day7 (the first day of the recent days) and :from7 (its first
 * second).
 */
enum { P_SHOW, P_T, P_T24, P_DAY, P_DAY7, P_FROM7, P_N };
static const char *const PARAM_NAME[P_N] = {
    ":show", ":t", ":t24", ":day", ":day7", ":from7",
};

/* One integer figure: column 0 of the first row (NULL or no row: 0). */
struct figure {
    const char *name;
    const char *sql;
};

#define SQL_IMAGES                                          \
    "SELECT sum(CASE WHEN :show THEN d.solved - d.invalid " \
    "ELSE d.solved_human - d.invalid_human END) "           \
    "FROM daily d JOIN models m ON m.id = d.model "         \
    "WHERE m.output_type = 'image'"

static const struct figure IMAGE_FIGURES[] = {
    { "images_total", SQL_IMAGES },
    { "images_7d", SQL_IMAGES " AND d.day BETWEEN :day7 AND :day" },
    /* CROSS JOIN pins the loop order: the time window outermost, or the
     * planner scans the window once per image model. */
    { "images_24h", "SELECT count(*) FROM solutions s "
                    "CROSS JOIN tasks k ON k.id = s.task "
                    "CROSS JOIN models m ON m.id = k.model "
                    "WHERE s.time > :t24 AND s.time <= :t "
                    "AND m.output_type = 'image' AND s.invalid = 0 "
                    "AND (:show OR k.automine = 0)" },
};

static const struct figure PEOPLE_FIGURES[] = {
    { "users_total", "SELECT count(*) FROM users "
                     "WHERE :show OR tasks_human > 0" },
    { "users_7d", "SELECT count(DISTINCT address) FROM daily_users "
                  "WHERE day BETWEEN :day7 AND :day "
                  "AND (:show OR tasks_human > 0)" },
    { "models", "SELECT count(*) FROM models" },
    { "tasks", "SELECT CASE WHEN :show THEN tasks ELSE tasks_human END "
               "FROM totals WHERE id = 1" },
    { "solutions", "SELECT CASE WHEN :show "
                   "THEN (SELECT solutions FROM totals WHERE id = 1) "
                   "ELSE (SELECT sum(solved_human) FROM daily) END" },
    { "miners_active_7d", "SELECT count(*) FROM miners "
                          "WHERE last_time >= :from7" },
};

/* Binds the parameters of PARAM_NAME that st names to v.  0 or -1. */
static int bind_params(sqlite3_stmt *st, const int64_t v[P_N])
{
    int k, i;

    for (k = 0; k < P_N; k++) {
        i = sqlite3_bind_parameter_index(st, PARAM_NAME[k]);
        if (i > 0 && sqlite3_bind_int64(st, i, v[k]) != SQLITE_OK) {
            log_warnx("stats: cannot bind %s", PARAM_NAME[k]);
            return -1;
        }
    }
    return 0;
}

/* Sets the figures f[0..n) with parameters v on o.  0 or -1 (logged). */
static int figures_into(struct db *db, const struct figure *f, size_t n,
                        const int64_t v[P_N], json_t *o)
{
    size_t k;

    for (k = 0; k < n; k++) {
        sqlite3_stmt *st = db_stmt(db, f[k].sql);
        int64_t x = 0;
        int r = -1;

        if (st && bind_params(st, v) == 0)
            r = db_step(db, st, f[k].name);
        if (r == 1)
            x = sqlite3_column_int64(st, 0);
        db_stmt_done(db, st);
        if (r < 0)
            return -1;
        json_object_set_new(o, f[k].name, json_integer(x));
    }
    return 0;
}

/* Sets aius_paid_24h (wei) and aius_paid_24h_aius on o.  0 or -1. */
static int paid_into(struct db *db, const int64_t v[P_N], json_t *o)
{
    char paid[80], aius[U256_UNITS_SIZE];

    if (analytics_paid_between(db, v[P_T24], v[P_T], (int)v[P_SHOW], paid) < 0)
        return -1;
    analytics_aius_text(paid, aius, sizeof(aius));
    json_object_set_new(o, "aius_paid_24h", json_string(paid));
    json_object_set_new(o, "aius_paid_24h_aius", json_string(aius));
    return 0;
}

/*
 * Sets median_solve_seconds, the median of (solution time - task time)
 * over the newest STATS_SOLVE_SAMPLE solutions (of non-automine tasks
 * unless show; analytics_median_json), and solve_sample, the sample size,
 * on o.  0 or -1.
 */
static int median_into(struct db *db, int show, json_t *o)
{
    sqlite3_stmt *st =
        db_query(db,
                 "SELECT s.time - t.time FROM solutions s "
                 "JOIN tasks t ON t.id = s.task "
                 "WHERE ?1 OR t.automine = 0 "
                 "ORDER BY s.block DESC, s.log_index DESC LIMIT ?2",
                 "ii", (int64_t)show, (int64_t)STATS_SOLVE_SAMPLE);
    int64_t *v;
    size_t n = 0;
    int r;

    if (!st)
        return -1;
    v = xcalloc(STATS_SOLVE_SAMPLE, sizeof(*v));
    while ((r = db_step(db, st, "stats: solve times")) == 1 &&
           n < STATS_SOLVE_SAMPLE)
        v[n++] = sqlite3_column_int64(st, 0);
    db_stmt_done(db, st);
    if (r >= 0) {
        json_object_set_new(o, "median_solve_seconds",
                            analytics_median_json(v, n));
        json_object_set_new(o, "solve_sample", json_integer((json_int_t)n));
    }
    free(v);
    return r < 0 ? -1 : 0;
}

/* stats_summary's members on o, counted from the tables (inside the
 * caller's transaction). */
static int summary_count(struct db *db, int show, json_t *o)
{
    struct stats_head h;
    int64_t v[P_N];

    if (stats_head(db, &h) < 0)
        return -1;
    v[P_SHOW] = show ? 1 : 0;
    v[P_T] = h.time;
    v[P_T24] = h.time - STATS_NEW_SECONDS;
    v[P_DAY] = h.time / DAY;
    v[P_DAY7] = v[P_DAY] - (STATS_RECENT_DAYS - 1);
    v[P_FROM7] = v[P_DAY7] * DAY;
    set_head(o, &h, (int)v[P_SHOW]);
    if (figures_into(db, IMAGE_FIGURES, ARRAY_SIZE(IMAGE_FIGURES), v, o) < 0 ||
        paid_into(db, v, o) < 0 ||
        figures_into(db, PEOPLE_FIGURES, ARRAY_SIZE(PEOPLE_FIGURES), v, o) <
            0 ||
        median_into(db, (int)v[P_SHOW], o) < 0)
        return -1;
    json_object_set_new(o, "windows",
                        json_pack("{s:i,s:i,s:i}", "recent_days",
                                  STATS_RECENT_DAYS, "new_seconds",
                                  STATS_NEW_SECONDS, "solve_sample_max",
                                  STATS_SOLVE_SAMPLE));
    return 0;
}

/* ---- the figures kept by the scanner ---- */

/* The row of show, when it is as of the indexed head. */
static const char SQL_FIGURES_GET[] =
    "SELECT f.json FROM figures f JOIN scan_state s ON s.id = 1 "
    "WHERE f.show = ? AND f.block = s.indexed_block "
    "AND f.hash = s.indexed_hash";

/* Sets the figures row of show on o when it is as of the head: 1, 0 when
 * there is none, -1 on an error (logged). */
static int figures_get(struct db *db, int show, json_t *o)
{
    sqlite3_stmt *st = db_query(db, SQL_FIGURES_GET, "i", (int64_t)show);
    json_t *v = NULL;
    int r;

    if (!st)
        return -1;
    r = db_step(db, st, "stats: figures");
    if (r == 1)
        v = json_loadb((const char *)sqlite3_column_text(st, 0),
                       (size_t)sqlite3_column_bytes(st, 0), 0, NULL);
    db_stmt_done(db, st);
    if (r < 0)
        return -1;
    if (!json_is_object(v)) {
        json_decref(v);
        return 0;
    }
    json_object_update(o, v);
    json_decref(v);
    return 1;
}

/* stats_summary's members on o, inside the caller's read transaction: the
 * scanner's row when it is as of the head, else counted. */
static int summary_into(struct db *db, int show, json_t *o)
{
    int r = figures_get(db, show ? 1 : 0, o);

    if (r != 0)
        return r < 0 ? -1 : 0;
    return summary_count(db, show, o);
}

/* Counts show's figures as of h and keeps them.  0 or -1 (logged). */
static int figures_put(struct db *db, const struct stats_head *h, int show)
{
    json_t *o = json_object();
    char *text = NULL;
    int r = -1;

    if (summary_count(db, show, o) == 0 &&
        (text = json_dumps(o, JSON_COMPACT)) != NULL)
        r = db_run(db,
                   "INSERT OR REPLACE INTO figures (show, block, hash, "
                   "json) VALUES (?, ?, ?, ?)",
                   "iitt", (int64_t)show, h->block, h->hash, text) < 0
                ? -1
                : 0;
    free(text);
    json_decref(o);
    if (r < 0)
        log_warnx("stats: the figures could not be kept");
    return r;
}

int stats_figures_update(struct db *db)
{
    struct stats_head h;

    if (stats_head(db, &h) < 0)
        return -1;
    if (!h.initialized)
        return 0;
    return figures_put(db, &h, 0) < 0 || figures_put(db, &h, 1) < 0 ? -1 : 0;
}

/* ---- the daily series ---- */

/* "YYYY-MM-DD" of a day number (days since the epoch, UTC). */
static void day_text(int64_t day, char out[32])
{
    time_t s = (time_t)(day * DAY);
    struct tm tm;

    if (!gmtime_r(&s, &tm) || strftime(out, 32, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 32, "%lld", (long long)day);
}

/* The image days of the filter: ?1 show, ?2 a model or NULL for all. */
#define SQL_IMAGE_DAYS                              \
    "FROM daily d JOIN models m ON m.id = d.model " \
    "WHERE m.output_type = 'image' AND (?2 IS NULL OR d.model = ?2) "
#define SQL_DAY_IMAGES                            \
    "sum(CASE WHEN ?1 THEN d.solved - d.invalid " \
    "ELSE d.solved_human - d.invalid_human END) " SQL_IMAGE_DAYS

/*
 * The first day of the series with days = 0: the first day holding an
 * image of the filter, at most STATS_MAX_DAYS before last (last when there
 * is none).  0 or -1.
 */
static int first_day(struct db *db, const char *model, int show, int64_t last,
                     int64_t *out /* OUT */)
{
    int64_t first = last;

    if (db_int(db, &first,
               "SELECT coalesce(min(d.day), ?3) " SQL_IMAGE_DAYS
               "AND CASE WHEN ?1 THEN d.solved - d.invalid "
               "ELSE d.solved_human - d.invalid_human END > 0",
               "iti", (int64_t)show, model, last) < 0)
        return -1;
    if (first > last)
        first = last;
    if (last - first + 1 > STATS_MAX_DAYS)
        first = last - STATS_MAX_DAYS + 1;
    *out = first;
    return 0;
}

/*
 * Appends the days first..last to pts as {day, images, cumulative} and
 * sets from, to and before (the all-time count before first, where the
 * cumulative line starts, so it is the true running total) on o.  0 or -1.
 */
static int points_into(struct db *db, int64_t first, int64_t last,
                       const char *model, int show, json_t *pts, json_t *o)
{
    int64_t *series = xcalloc((size_t)(last - first + 1), sizeof(*series));
    int64_t before = 0, cum, d;
    sqlite3_stmt *st;
    char txt[32];
    int r = -1;

    st = db_query(db,
                  "SELECT d.day, " SQL_DAY_IMAGES "AND d.day BETWEEN ?3 "
                  "AND ?4 GROUP BY d.day ORDER BY d.day",
                  "itii", (int64_t)show, model, first, last);
    while (st && (r = db_step(db, st, "stats: daily")) == 1) {
        d = sqlite3_column_int64(st, 0);
        if (d >= first && d <= last)
            series[d - first] = sqlite3_column_int64(st, 1);
    }
    db_stmt_done(db, st);
    if (r < 0 || db_int(db, &before, "SELECT " SQL_DAY_IMAGES "AND d.day < ?3",
                        "iti", (int64_t)show, model, first) < 0) {
        free(series);
        return -1;
    }
    cum = before;
    for (d = first; d <= last; d++) {
        cum += series[d - first];
        day_text(d, txt);
        json_array_append_new(pts, json_pack("{s:s,s:I,s:I}", "day", txt,
                                             "images",
                                             (json_int_t)series[d - first],
                                             "cumulative", (json_int_t)cum));
    }
    free(series);
    day_text(first, txt);
    json_object_set_new(o, "from", json_string(txt));
    day_text(last, txt);
    json_object_set_new(o, "to", json_string(txt));
    json_object_set_new(o, "before", json_integer(before));
    return 0;
}

/*
 * Appends the rows of st (from db_query; NULL: its error is logged) to
 * arr as objects of fields f[0..nf) then tail[0..ntail), at most limit of
 * them (-1: all), and gives st back.  *more tells whether a row was left
 * out.  0 or -1 (logged).
 */
static int rows_into(struct db *db, sqlite3_stmt *st, const struct db_field *f,
                     size_t nf, const struct db_field *tail, size_t ntail,
                     int limit, json_t *arr, int *more /* OUT */)
{
    json_t *it;
    int n = 0, r = -1;

    while (st && (r = db_step(db, st, NULL)) == 1 && n != limit) {
        it = db_row(st, f, nf);
        db_row_into(it, st, (int)nf, tail, ntail);
        json_array_append_new(arr, it);
        n++;
    }
    db_stmt_done(db, st);
    *more = r == 1;
    return r < 0 ? -1 : 0;
}

/* Image models with an image up to ?2: images in [?1, ?2], all time. */
static const char SQL_BY_MODEL[] =
    "SELECT d.model, m.title, "
    "sum(CASE WHEN d.day BETWEEN ?1 AND ?2 THEN "
    "CASE WHEN ?3 THEN d.solved - d.invalid "
    "ELSE d.solved_human - d.invalid_human END ELSE 0 END) AS win, "
    "sum(CASE WHEN ?3 THEN d.solved - d.invalid "
    "ELSE d.solved_human - d.invalid_human END) AS total "
    "FROM daily d JOIN models m ON m.id = d.model "
    "WHERE m.output_type = 'image' AND d.day <= ?2 "
    "GROUP BY d.model HAVING total > 0 ORDER BY win DESC, total DESC, d.model";
static const struct db_field by_model_fields[] = {
    { "model", DB_STR },
    { "title", DB_STR },
    { "images", DB_INT },
    { "total", DB_INT },
};

/*
 * Sets o.by_model: every image model with an image in the window [first,
 * last] or before it, most images in the window first:
 * [{model, title, images, total}], from the daily rollup only.  0 or -1.
 */
static int by_model_into(struct db *db, int64_t first, int64_t last, int show,
                         json_t *o)
{
    json_t *arr = json_array();
    int more;

    json_object_set_new(o, "by_model", arr);
    return rows_into(db,
                     db_query(db, SQL_BY_MODEL, "iii", first, last,
                              (int64_t)show),
                     by_model_fields, ARRAY_SIZE(by_model_fields), NULL, 0, -1,
                     arr, &more);
}

/* stats_daily's members on o, inside the caller's read transaction. */
static int daily_into(struct db *db, int64_t days, const char *model, int show,
                      json_t *o)
{
    struct stats_head h;
    json_t *pts = json_array();
    int64_t first, last;
    char n[24];

    show = show ? 1 : 0;
    if (stats_head(db, &h) < 0) {
        json_decref(pts);
        return -1;
    }
    set_head(o, &h, show);
    snprintf(n, sizeof(n), "%lld", (long long)days);
    json_object_set_new(o, "days", json_string(days > 0 ? n : "all"));
    json_object_set_new(o, "model", model ? json_string(model) : json_null());
    json_object_set_new(o, "points", pts);
    if (!h.initialized) {
        json_object_set_new(o, "from", json_null());
        json_object_set_new(o, "to", json_null());
        json_object_set_new(o, "before", json_integer(0));
        return 0;
    }
    last = h.time / DAY;
    first = last - days + 1;
    if ((days <= 0 && first_day(db, model, show, last, &first) < 0) ||
        points_into(db, first, last, model, show, pts, o) < 0)
        return -1;
    return model ? 0 : by_model_into(db, first, last, show, o);
}

/*
 * The summary and / or the daily series (either out-pointer may be NULL)
 * from one read transaction.  0 with new values, or -1.
 */
static int dashboard_read(struct db *db, int64_t days, const char *model,
                          int show, json_t **summaryp /* OUT */,
                          json_t **dailyp /* OUT */)
{
    json_t *s = summaryp ? json_object() : NULL;
    json_t *d = dailyp ? json_object() : NULL;
    int r = -1;

    if (db_read_begin(db) == 0) {
        r = (s && summary_into(db, show, s) < 0) ||
                    (d && daily_into(db, days, model, show, d) < 0)
                ? -1
                : 0;
        db_read_end(db);
    }
    if (r == 0 && s)
        *summaryp = json_incref(s);
    if (r == 0 && d)
        *dailyp = json_incref(d);
    json_decref(s);
    json_decref(d);
    return r;
}

int stats_summary(struct db *db, int show, json_t **outp)
{
    return dashboard_read(db, 0, NULL, show, outp, NULL);
}

int stats_daily(struct db *db, int64_t days, const char *model, int show,
                json_t **outp)
{
    return dashboard_read(db, days, model, show, NULL, outp);
}

int stats_dashboard(struct db *db, int64_t days, const char *model, int show,
                    json_t **summaryp, json_t **dailyp)
{
    return dashboard_read(db, days, model, show, summaryp, dailyp);
}

/* ---- the live stream ---- */

/* Tasks and solutions of blocks (?1, ?2], oldest first, ?3 at most. */
static const char SQL_ACT_TASKS[] =
    "SELECT id, model, owner, fee, via, automine, block, time, tx "
    "FROM tasks WHERE block > ?1 AND block <= ?2 "
    "ORDER BY block, log_index LIMIT ?3";
static const struct db_field task_fields[] = {
    { "id", DB_STR },  { "model", DB_STR }, { "owner", DB_STR },
    { "fee", DB_STR }, { "via", DB_STR },
};

static const char SQL_ACT_SOLUTIONS[] =
    "SELECT s.task, s.validator, s.cid_text, t.model, "
    "coalesce(t.automine, 0), s.block, s.time, s.tx "
    "FROM solutions s LEFT JOIN tasks t ON t.id = s.task "
    "WHERE s.block > ?1 AND s.block <= ?2 "
    "ORDER BY s.block, s.log_index LIMIT ?3";
static const struct db_field solution_fields[] = {
    { "task", DB_STR },
    { "validator", DB_STR },
    { "cid", DB_STR },
    { "model", DB_STR },
};

/* The columns both queries end with, after their own fields. */
static const struct db_field landed_fields[] = {
    { "automine", DB_BOOL },
    { "block", DB_INT },
    { "time", DB_INT },
    { "tx", DB_STR },
};

/*
 * Runs one activity query (?1 after, ?2 upto, ?3 limit + 1) and sets
 * o.key to {items, more}: each row an object of fields f[0..nf) and
 * landed_fields, more true when rows were left out.  0 or -1.
 */
static int activity_into(struct db *db, const char *sql, int64_t after,
                         int64_t upto, int limit, const char *key,
                         const struct db_field *f, size_t nf, json_t *o)
{
    json_t *items = json_array();
    int more = 0, r;

    r = rows_into(db,
                  db_query(db, sql, "iii", after, upto, (int64_t)limit + 1), f,
                  nf, landed_fields, ARRAY_SIZE(landed_fields), limit, items,
                  &more);
    json_object_set_new(o, key,
                        json_pack("{s:o,s:b}", "items", items, "more", more));
    return r;
}

int stats_activity(struct db *db, int64_t after, int64_t upto, int limit,
                   json_t **outp)
{
    json_t *o;
    int r;

    if (db_read_begin(db) < 0)
        return -1;
    o = json_pack("{s:I,s:I}", "from", (json_int_t)(after + 1), "to",
                  (json_int_t)upto);
    r = activity_into(db, SQL_ACT_TASKS, after, upto, limit, "tasks",
                      task_fields, ARRAY_SIZE(task_fields), o);
    if (r == 0)
        r = activity_into(db, SQL_ACT_SOLUTIONS, after, upto, limit,
                          "solutions", solution_fields,
                          ARRAY_SIZE(solution_fields), o);
    db_read_end(db);
    if (r == 0)
        *outp = o;
    else
        json_decref(o);
    return r;
}

int stats_model_title(struct db *db, const char *model, json_t **outp)
{
    sqlite3_stmt *st =
        db_query(db, "SELECT title FROM models WHERE id = ?", "t", model);
    int r;

    if (!st)
        return -1;
    r = db_step(db, st, "stats: model title");
    if (r == 1)
        *outp = db_col_str(st, 0);
    else if (r == 0)
        *outp = json_null();
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}
