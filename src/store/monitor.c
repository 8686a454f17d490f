/*
 * monitor.c - read-side SQL for operations (see monitor.h).
 */
#include "arbiusd/monitor.h"

#include <string.h>

#include "arbiusd/log.h"

static sqlite3_stmt *prep(struct db *db, const char *sql)
{
    return db_prepare(db, sql, "prepare");
}

/* Runs a one-row query of integer columns into out[0..n). */
static int one_row(struct db *db, const char *sql, int64_t *out, int n)
{
    sqlite3_stmt *st = prep(db, sql);
    int i, rc, ret = -1;

    if (!st)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        for (i = 0; i < n; i++)
            out[i] = sqlite3_column_int64(st, i);
        ret = 0;
    } else if (rc == SQLITE_DONE) {
        ret = 0;
    } else {
        db_log_error(db, "monitor");
    }
    sqlite3_finalize(st);
    return ret;
}

int monitor_state(struct db *db, struct monitor_snap *s)
{
    sqlite3_stmt *st;
    int rc;

    st = prep(db, "SELECT start_block, indexed_block, indexed_time, "
                  "head_block, head_time, safe_block, updated_at, "
                  "last_error IS NOT NULL FROM scan_state WHERE id = 1");
    if (!st)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->initialized = 1;
        s->start_block = sqlite3_column_int64(st, 0);
        s->indexed_block = sqlite3_column_int64(st, 1);
        s->indexed_time = sqlite3_column_int64(st, 2);
        s->head_block = sqlite3_column_int64(st, 3);
        s->head_time = sqlite3_column_int64(st, 4);
        s->safe_block = sqlite3_column_int64(st, 5);
        s->updated_at = sqlite3_column_int64(st, 6);
        s->has_error = sqlite3_column_int(st, 7);
        s->lag_blocks = s->head_block > s->indexed_block
                           ? s->head_block - s->indexed_block : 0;
        s->lag_seconds = s->head_time > s->indexed_time
                            ? s->head_time - s->indexed_time : 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_log_error(db, "scan_state");
        return -1;
    }
    return 0;
}

int monitor_snapshot(struct db *db, struct monitor_snap *out)
{
    struct monitor_snap s;
    int64_t v[5];

    memset(&s, 0, sizeof(s));
    if (monitor_state(db, &s) < 0)
        return -1;
    memset(v, 0, sizeof(v));
    if (one_row(db, "SELECT tasks, solutions, claims, contestations, events "
                    "FROM totals WHERE id = 1", v, 5) < 0)
        return -1;
    s.tasks = v[0];
    s.solutions = v[1];
    s.claims = v[2];
    s.contestations = v[3];
    s.events = v[4];
    memset(v, 0, sizeof(v));
    if (one_row(db, "SELECT count(*), coalesce(sum(depth), 0), "
                    "coalesce(sum(removed_rows), 0) FROM reorgs", v, 3) < 0)
        return -1;
    s.reorgs = v[0];
    s.reorg_depth_sum = v[1];
    s.reorg_removed_rows = v[2];
    memset(v, 0, sizeof(v));
    if (one_row(db, "SELECT (SELECT page_count FROM pragma_page_count), "
                    "(SELECT page_size FROM pragma_page_size), "
                    "(SELECT freelist_count FROM pragma_freelist_count)",
                v, 3) < 0)
        return -1;
    s.db_pages = v[0];
    s.page_size = v[1];
    s.freelist_pages = v[2];
    memset(v, 0, sizeof(v));
    if (one_row(db, "SELECT updated_at FROM rpc_stats WHERE id = 1", v, 1) < 0)
        return -1;
    s.rpc_stats_at = v[0];
    *out = s;
    return 0;
}

int monitor_progress(struct db *db, int64_t *indexed, int64_t *head)
{
    int64_t v[2] = { -1, -1 };

    if (one_row(db, "SELECT indexed_block, head_block FROM scan_state "
                    "WHERE id = 1", v, 2) < 0)
        return -1;
    *indexed = v[0];
    *head = v[1];
    return 0;
}

int monitor_rpc(struct db *db, json_t **outp)
{
    sqlite3_stmt *st = prep(db, "SELECT json FROM rpc_stats WHERE id = 1");
    json_t *arr = NULL;
    int rc;

    if (!st)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
        arr = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_log_error(db, "rpc_stats");
        return -1;
    }
    if (!json_is_array(arr)) {
        json_decref(arr);
        arr = json_array();
    }
    *outp = arr;
    return 0;
}

int monitor_reorgs(struct db *db, int limit, json_t **outp)
{
    sqlite3_stmt *st = prep(db, "SELECT id, detected_at, ancestor_block, "
                                "old_head, old_hash, new_hash, depth, "
                                "removed_rows FROM reorgs ORDER BY id DESC "
                                "LIMIT ?");
    json_t *arr;
    int rc;

    if (!st)
        return -1;
    arr = json_array();
    sqlite3_bind_int(st, 1, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();

        json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(o, "detected_at",
                            json_integer(sqlite3_column_int64(st, 1)));
        json_object_set_new(o, "ancestor_block",
                            json_integer(sqlite3_column_int64(st, 2)));
        json_object_set_new(o, "old_head",
                            json_integer(sqlite3_column_int64(st, 3)));
        json_object_set_new(
            o, "old_hash",
            json_string((const char *)sqlite3_column_text(st, 4)));
        json_object_set_new(o, "new_hash",
                            sqlite3_column_type(st, 5) == SQLITE_TEXT
                                ? json_string((const char *)
                                                  sqlite3_column_text(st, 5))
                                : json_null());
        json_object_set_new(o, "depth",
                            json_integer(sqlite3_column_int64(st, 6)));
        json_object_set_new(o, "removed_rows",
                            json_integer(sqlite3_column_int64(st, 7)));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_log_error(db, "reorgs");
        json_decref(arr);
        return -1;
    }
    *outp = arr;
    return 0;
}

int monitor_coverage(struct db *db, json_t **ranges, json_t **gaps)
{
    sqlite3_stmt *st = prep(db, "SELECT from_block, to_block FROM coverage "
                                "ORDER BY from_block");
    json_t *cov, *gp;
    int64_t a = -1, b = -1;
    int rc;

    if (!st)
        return -1;
    cov = json_array();
    gp = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
    sqlite3_finalize(st);
    if (a >= 0)
        json_array_append_new(cov, json_pack("[I,I]", (json_int_t)a,
                                             (json_int_t)b));
    if (rc != SQLITE_DONE) {
        db_log_error(db, "coverage");
        json_decref(cov);
        json_decref(gp);
        return -1;
    }
    *ranges = cov;
    *gaps = gp;
    return 0;
}
