/*
 * status.c - read-side SQL for operations (see status.h).
 */
#include "arbiusd/status.h"

#include <string.h>

#include "arbiusd/log.h"

/* Runs a one-row query of integer columns into out[0..n) (left as they
 * are when there is no row).  0 or -1. */
static int one_row(struct db *db, const char *sql, int64_t *out, int n)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    int i, r;

    if (!st)
        return -1;
    r = db_step(db, st, "status");
    for (i = 0; r == 1 && i < n; i++)
        out[i] = sqlite3_column_int64(st, i);
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

int status_state(struct db *db, struct status_snap *s)
{
    int64_t v[9] = { 0 };

    /* scanner_health always has its row; scan_state only once the
     * scanner made its checkpoint. */
    if (one_row(db,
                "SELECT s.id IS NOT NULL, s.start_block, "
                "s.indexed_block, s.indexed_time, s.head_block, "
                "s.head_time, s.safe_block, s.updated_at, "
                "h.last_error IS NOT NULL FROM scanner_health h "
                "LEFT JOIN scan_state s ON s.id = 1 WHERE h.id = 1",
                v, 9) < 0)
        return -1;
    s->has_error = (int)v[8];
    if (!v[0])
        return 0;
    s->initialized = 1;
    s->start_block = v[1];
    s->indexed_block = v[2];
    s->indexed_time = v[3];
    s->head_block = v[4];
    s->head_time = v[5];
    s->safe_block = v[6];
    s->updated_at = v[7];
    s->lag_blocks = s->head_block > s->indexed_block
                        ? s->head_block - s->indexed_block
                        : 0;
    s->lag_seconds = s->head_time > s->indexed_time
                         ? s->head_time - s->indexed_time
                         : 0;
    return 0;
}

int status_snapshot(struct db *db, struct status_snap *out)
{
    struct status_snap s;
    int64_t t[5] = { 0 }, r[3] = { 0 }, p[3] = { 0 }, rpc = 0;

    memset(&s, 0, sizeof(s));
    if (status_state(db, &s) < 0 ||
        one_row(db, "SELECT tasks, solutions, claims, contestations, events "
                    "FROM totals WHERE id = 1", t, 5) < 0 ||
        one_row(db, "SELECT count(*), coalesce(sum(depth), 0), "
                    "coalesce(sum(removed_rows), 0) FROM reorgs", r, 3) < 0 ||
        one_row(db, "SELECT (SELECT page_count FROM pragma_page_count), "
                    "(SELECT page_size FROM pragma_page_size), "
                    "(SELECT freelist_count FROM pragma_freelist_count)",
                p, 3) < 0 ||
        one_row(db, "SELECT updated_at FROM rpc_stats WHERE id = 1", &rpc,
                1) < 0)
        return -1;
    s.tasks = t[0];
    s.solutions = t[1];
    s.claims = t[2];
    s.contestations = t[3];
    s.events = t[4];
    s.reorgs = r[0];
    s.reorg_depth_sum = r[1];
    s.reorg_removed_rows = r[2];
    s.db_pages = p[0];
    s.page_size = p[1];
    s.freelist_pages = p[2];
    s.rpc_stats_at = rpc;
    *out = s;
    return 0;
}

int status_progress(struct db *db, int64_t *indexed, int64_t *head)
{
    int64_t v[2] = { -1, -1 };

    if (one_row(db, "SELECT indexed_block, head_block FROM scan_state "
                    "WHERE id = 1", v, 2) < 0)
        return -1;
    *indexed = v[0];
    *head = v[1];
    return 0;
}

int status_ping(struct db *db)
{
    int64_t v = 0;

    return db_int(db, &v, "SELECT user_version FROM pragma_user_version",
                  "") == 0 ? 0 : -1;
}

static const struct db_field health_fields[] = {
    { "error", DB_STR },          { "stage", DB_STR },
    { "kind", DB_STR },           { "endpoint", DB_STR },
    { "failing_since", DB_JSON }, { "failures", DB_INT },
    { "retry_seconds", DB_INT },  { "updated_at", DB_JSON },
};

/* "stage: error" of a status_health object, or null. */
static json_t *health_text(const json_t *h)
{
    const char *e = json_string_value(json_object_get(h, "error"));
    const char *stage = json_string_value(json_object_get(h, "stage"));
    char b[1024];

    if (!e)
        return json_null();
    snprintf(b, sizeof(b), "%s%s%s", stage ? stage : "", stage ? ": " : "", e);
    return json_string(b);
}

int status_health(struct db *db, json_t **outp)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT last_error, stage, kind, "
                                   "endpoint, "
                                   "failing_since, failures, retry_seconds, "
                                   "nullif(updated_at, 0) FROM "
                                   "scanner_health WHERE id = 1");
    json_t *o = json_object();
    int r;

    if (!st) {
        json_decref(o);
        return -1;
    }
    r = db_step(db, st, "scanner_health");
    if (r == 1)
        db_row_into(o, st, 0, health_fields, ARRAY_SIZE(health_fields));
    db_stmt_done(db, st);
    if (r < 0) {
        json_decref(o);
        return -1;
    }
    json_object_set_new(o, "failing",
                        json_boolean(
                            json_is_string(json_object_get(o, "error"))));
    *outp = o;
    return 0;
}

static const struct db_field scan_state_fields[] = {
    { "chain_id", DB_JSON },     { "engine", DB_STR },
    { "start_block", DB_JSON },  { "indexed_block", DB_JSON },
    { "indexed_hash", DB_STR },  { "indexed_time", DB_JSON },
    { "head_block", DB_JSON },   { "head_time", DB_JSON },
    { "safe_block", DB_JSON },   { "updated_at", DB_JSON },
    { "last_error", DB_STR },
};

static const struct db_field totals_fields[] = {
    { "tasks", DB_INT },         { "solutions", DB_INT },
    { "claims", DB_INT },        { "contestations", DB_INT },
    { "events", DB_INT },
};

int status_json(struct db *db, json_t **outp)
{
    struct status_snap s;
    sqlite3_stmt *st;
    json_t *o = json_object(), *cov = NULL, *gaps = NULL, *health = NULL;
    int r;

    memset(&s, 0, sizeof(s));
    st = db_stmt(db, "SELECT chain_id, engine, start_block, indexed_block, "
                     "indexed_hash, indexed_time, head_block, head_time, "
                     "safe_block, updated_at, last_error FROM scan_state "
                     "WHERE id = 1");
    if (!st)
        goto fail;
    r = db_step(db, st, "scan_state");
    if (r == 1)
        db_row_into(o, st, 0, scan_state_fields,
                    ARRAY_SIZE(scan_state_fields));
    db_stmt_done(db, st);
    if (r < 0 || status_state(db, &s) < 0)
        goto fail;
    json_object_set_new(o, "initialized", json_boolean(s.initialized));
    if (s.initialized) {
        json_object_set_new(o, "lag_blocks", json_integer(s.lag_blocks));
        json_object_set_new(o, "lag_seconds", json_integer(s.lag_seconds));
    } else {
        json_object_set_new(o, "indexed_block", json_null());
    }
    st = db_stmt(db, "SELECT tasks, solutions, claims, contestations, events "
                     "FROM totals WHERE id = 1");
    if (!st)
        goto fail;
    r = db_step(db, st, "totals");
    if (r == 1)
        json_object_set_new(o, "totals",
                            db_row(st, totals_fields,
                                   ARRAY_SIZE(totals_fields)));
    db_stmt_done(db, st);
    if (r < 0 || status_coverage(db, &cov, &gaps) < 0)
        goto fail;
    json_object_set_new(o, "coverage", cov);
    json_object_set_new(o, "gaps", gaps);
    if (status_health(db, &health) < 0)
        goto fail;
    /* The scanner's own record, also before any checkpoint exists. */
    json_object_set_new(o, "last_error", health_text(health));
    json_object_set_new(o, "scanner", health);
    *outp = o;
    return 0;
fail:
    json_decref(o);
    return -1;
}

int status_rpc(struct db *db, json_t **outp)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT json FROM rpc_stats WHERE id = 1");
    json_t *arr = NULL;
    int r;

    if (!st)
        return -1;
    r = db_step(db, st, "rpc_stats");
    if (r == 1 && sqlite3_column_type(st, 0) == SQLITE_TEXT)
        arr = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    db_stmt_done(db, st);
    if (r < 0)
        return -1;
    if (!json_is_array(arr)) {
        json_decref(arr);
        arr = json_array();
    }
    *outp = arr;
    return 0;
}

static const struct db_field reorg_fields[] = {
    { "id", DB_INT },            { "detected_at", DB_INT },
    { "ancestor_block", DB_INT }, { "old_head", DB_INT },
    { "old_hash", DB_STR },      { "new_hash", DB_STR },
    { "depth", DB_INT },         { "removed_rows", DB_INT },
};

int status_reorgs(struct db *db, int limit, json_t **outp)
{
    sqlite3_stmt *st = db_query(db,
                                "SELECT id, detected_at, ancestor_block, "
                                "old_head, old_hash, new_hash, depth, "
                                "removed_rows FROM reorgs ORDER BY id "
                                "DESC LIMIT ?",
                                "i", (int64_t)limit);

    return db_rows(db, st, reorg_fields, ARRAY_SIZE(reorg_fields), "reorgs",
                   outp);
}

int status_coverage(struct db *db, json_t **ranges, json_t **gaps)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT from_block, to_block FROM coverage "
                                   "ORDER BY from_block");
    json_t *cov, *gp;
    int64_t a = -1, b = -1;
    int r;

    if (!st)
        return -1;
    cov = json_array();
    gp = json_array();
    while ((r = db_step(db, st, "coverage")) == 1) {
        int64_t f = sqlite3_column_int64(st, 0);
        int64_t t = sqlite3_column_int64(st, 1);

        if (a >= 0 && f <= b + 1) {
            if (t > b)
                b = t;
            continue;
        }
        if (a >= 0) {
            json_array_append_new(cov, json_pack("[I,I]", (json_int_t)a,
                                                 (json_int_t)b));
            json_array_append_new(gp, json_pack("[I,I]", (json_int_t)(b + 1),
                                                (json_int_t)(f - 1)));
        }
        a = f;
        b = t;
    }
    db_stmt_done(db, st);
    if (a >= 0)
        json_array_append_new(cov, json_pack("[I,I]", (json_int_t)a,
                                             (json_int_t)b));
    if (r < 0) {
        json_decref(cov);
        json_decref(gp);
        return -1;
    }
    *ranges = cov;
    *gaps = gp;
    return 0;
}
