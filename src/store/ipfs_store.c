/*
 * ipfs_store.c - SQL of the IPFS monitor (ipfs_cids, ipfs_checks).
 */
#include "arbiusd/ipfs_store.h"

#include <stdlib.h>
#include <string.h>

#include "arbiusd/db.h"
#include "arbiusd/log.h"

/* Prepares sql or logs; NULL on error. */
static sqlite3_stmt *prep(struct db *db, const char *sql)
{
    return db_prepare(db, sql, "ipfs: prepare");
}

int ipfs_store_max_solution(struct db *db, int64_t *out)
{
    sqlite3_stmt *st = prep(db, "SELECT coalesce(max(rowid), 0) FROM "
                                "solutions");
    int ret = -1;

    if (!st)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        ret = 0;
    } else {
        db_log_error(db, "ipfs: max solution");
    }
    sqlite3_finalize(st);
    return ret;
}

struct new_cid {
    char *cid;
    char *path;
};

int ipfs_store_discover(struct db *db, int64_t after, int64_t upto,
                        int64_t now, uint64_t *added)
{
    sqlite3_stmt *sel = NULL, *ins = NULL;
    struct new_cid *rows = NULL;
    size_t n = 0, cap = 0, i;
    uint64_t count = 0;
    int r, ret = -1, in_txn = 0;

    /* Read first: most polls find nothing and must not take the write
     * lock the scanner needs. */
    sel = prep(db,
               "SELECT s.cid_text, coalesce(m.output_file, '') "
               "FROM solutions s LEFT JOIN tasks t ON t.id = s.task "
               "LEFT JOIN models m ON m.id = t.model "
               "WHERE s.rowid > ?1 AND s.rowid <= ?2 "
               "AND s.cid_text IS NOT NULL AND NOT EXISTS "
               "(SELECT 1 FROM ipfs_cids c WHERE c.cid = s.cid_text)");
    if (!sel)
        goto out;
    sqlite3_bind_int64(sel, 1, after);
    sqlite3_bind_int64(sel, 2, upto);
    while ((r = sqlite3_step(sel)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            rows = xrealloc(rows, cap * sizeof(*rows));
        }
        rows[n].cid = xstrdup((const char *)sqlite3_column_text(sel, 0));
        rows[n].path = xstrdup((const char *)sqlite3_column_text(sel, 1));
        n++;
    }
    if (r != SQLITE_DONE) {
        db_log_error(db, "ipfs: discover");
        goto out;
    }
    sqlite3_finalize(sel);
    sel = NULL;
    if (n == 0) {
        ret = 0;
        goto out;
    }
    ins = prep(db, "INSERT OR IGNORE INTO ipfs_cids (cid, path, status, "
                   "first_seen, next_check) VALUES (?, ?, 'pending', ?, ?)");
    if (!ins || db_begin(db) < 0)
        goto out;
    in_txn = 1;
    for (i = 0; i < n; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, rows[i].cid, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, rows[i].path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, now);
        sqlite3_bind_int64(ins, 4, now);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            db_log_error(db, "ipfs: insert cid");
            goto out;
        }
        count += (uint64_t)sqlite3_changes(db_sqlite(db));
    }
    sqlite3_finalize(ins);
    ins = NULL;
    if (db_commit(db) < 0)
        goto out;
    in_txn = 0;
    ret = 0;
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    if (in_txn)
        db_rollback(db);
    for (i = 0; i < n; i++) {
        free(rows[i].cid);
        free(rows[i].path);
    }
    free(rows);
    if (ret == 0 && added)
        *added = count;
    return ret;
}

void ipfs_due_release(struct ipfs_due *d)
{
    free(d->path);
    d->path = NULL;
}

/* The model's output type of a CID's (first) solution decides text. */
#define IPFS_SQL_IS_TEXT                                                     \
    "coalesce((SELECT m.output_type IS NOT NULL AND m.output_type <> "      \
    "'image' FROM solutions s JOIN tasks t ON t.id = s.task "               \
    "JOIN models m ON m.id = t.model WHERE s.cid_text = c.cid LIMIT 1), 0)"

int ipfs_store_due(struct db *db, int all, int64_t now, int64_t *after_nc,
                   int64_t *after_rowid, struct ipfs_due *out, size_t max,
                   size_t *n)
{
    sqlite3_stmt *st;
    size_t k = 0;
    int r;

    if (all)
        st = prep(db, "SELECT c.rowid, coalesce(c.next_check, 0), c.cid, "
                      "c.path, c.attempts, " IPFS_SQL_IS_TEXT " "
                      "FROM ipfs_cids c WHERE c.rowid > ?2 "
                      "ORDER BY c.rowid LIMIT ?4");
    else
        st = prep(db, "SELECT c.rowid, c.next_check, c.cid, c.path, "
                      "c.attempts, " IPFS_SQL_IS_TEXT " "
                      "FROM ipfs_cids c WHERE c.next_check <= ?3 "
                      "AND (c.next_check, c.rowid) > (?1, ?2) "
                      "ORDER BY c.next_check, c.rowid LIMIT ?4");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, *after_nc);
    sqlite3_bind_int64(st, 2, *after_rowid);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
    while (k < max && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct ipfs_due *d = &out[k];
        const char *cid = (const char *)sqlite3_column_text(st, 2);

        memset(d, 0, sizeof(*d));
        d->rowid = sqlite3_column_int64(st, 0);
        d->next_check = sqlite3_column_int64(st, 1);
        snprintf(d->cid, sizeof(d->cid), "%s", cid ? cid : "");
        d->path = xstrdup((const char *)sqlite3_column_text(st, 3));
        d->attempts = (uint64_t)sqlite3_column_int64(st, 4);
        d->is_text = sqlite3_column_int(st, 5) != 0;
        *after_rowid = d->rowid;
        if (!all)
            *after_nc = d->next_check;
        k++;
    }
    if (k < max && r != SQLITE_DONE) {
        db_log_error(db, "ipfs: due");
        while (k > 0)
            ipfs_due_release(&out[--k]);
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    *n = k;
    return 0;
}

/* One integer from sql with ?1 = a (when has_a). */
static int query_i64(struct db *db, const char *sql, int has_a, int64_t a,
                     int64_t *out)
{
    sqlite3_stmt *st = prep(db, sql);
    int ret = -1;

    if (!st)
        return -1;
    if (has_a)
        sqlite3_bind_int64(st, 1, a);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_type(st, 0) == SQLITE_NULL
                   ? -1
                   : sqlite3_column_int64(st, 0);
        ret = 0;
    } else {
        db_log_error(db, "ipfs: query");
    }
    sqlite3_finalize(st);
    return ret;
}

int ipfs_store_due_count(struct db *db, int all, int64_t now, uint64_t *out)
{
    int64_t v;

    if (query_i64(db, all ? "SELECT count(*) FROM ipfs_cids"
                          : "SELECT count(*) FROM ipfs_cids "
                            "WHERE next_check <= ?1",
                  !all, now, &v) < 0)
        return -1;
    *out = v < 0 ? 0 : (uint64_t)v;
    return 0;
}

int ipfs_store_next_due(struct db *db, int64_t *out)
{
    return query_i64(db, "SELECT min(next_check) FROM ipfs_cids "
                         "WHERE next_check IS NOT NULL", 0, 0, out);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_i64_or_null(sqlite3_stmt *st, int i, int64_t v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int ipfs_store_rounds(struct db *db, const struct ipfs_round_row *r, size_t n)
{
    sqlite3_stmt *chk = NULL, *upd = NULL;
    size_t i, j;
    int ret = -1, in_txn = 0;

    if (n == 0)
        return 0;
    chk = prep(db, "INSERT INTO ipfs_checks (cid, gateway, time, method, "
                   "http_status, result, latency_ms, content_type, bytes, "
                   "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    /* text: a text-output round that fetched no valid text keeps what an
     * earlier round stored. */
    upd = prep(db, "UPDATE ipfs_cids SET status = ?2, last_check = ?3, "
                   "next_check = ?4, attempts = ?5, ok_gateways = ?6, "
                   "latency_ms = ?7, content_type = coalesce(?8, "
                   "content_type), size = coalesce(?9, size), "
                   "text = coalesce(?10, text) WHERE cid = ?1");
    if (!chk || !upd || db_begin(db) < 0)
        goto out;
    in_txn = 1;
    for (i = 0; i < n; i++) {
        const struct ipfs_round_row *x = &r[i];

        for (j = 0; j < x->nchecks; j++) {
            const struct ipfs_check_row *c = &x->checks[j];

            sqlite3_reset(chk);
            sqlite3_bind_text(chk, 1, x->cid, -1, SQLITE_STATIC);
            sqlite3_bind_text(chk, 2, c->gateway, -1, SQLITE_STATIC);
            sqlite3_bind_int64(chk, 3, c->time);
            sqlite3_bind_text(chk, 4, ipfs_method_name(c->method), -1,
                              SQLITE_STATIC);
            bind_i64_or_null(chk, 5, c->http_status > 0 ? c->http_status
                                                         : -1);
            sqlite3_bind_text(chk, 6, ipfs_result_name(c->result), -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(chk, 7, (sqlite3_int64)c->latency_ms);
            bind_text_or_null(chk, 8, c->content_type);
            bind_i64_or_null(chk, 9, c->bytes);
            bind_text_or_null(chk, 10, c->error);
            if (sqlite3_step(chk) != SQLITE_DONE) {
                db_log_error(db, "ipfs: insert check");
                goto out;
            }
        }
        sqlite3_reset(upd);
        sqlite3_bind_text(upd, 1, x->cid, -1, SQLITE_STATIC);
        sqlite3_bind_text(upd, 2, ipfs_status_name(x->status), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(upd, 3, x->last_check);
        bind_i64_or_null(upd, 4, x->next_check);
        sqlite3_bind_int64(upd, 5, (sqlite3_int64)x->attempts);
        sqlite3_bind_int64(upd, 6, (sqlite3_int64)x->ok_gateways);
        bind_i64_or_null(upd, 7, x->latency_ms);
        bind_text_or_null(upd, 8, x->content_type);
        bind_i64_or_null(upd, 9, x->size);
        if (x->text)
            sqlite3_bind_text(upd, 10, x->text, (int)x->text_len,
                              SQLITE_STATIC);
        else
            sqlite3_bind_null(upd, 10);
        if (sqlite3_step(upd) != SQLITE_DONE) {
            db_log_error(db, "ipfs: update cid");
            goto out;
        }
    }
    if (db_commit(db) < 0)
        goto out;
    in_txn = 0;
    ret = 0;
out:
    sqlite3_finalize(chk);
    sqlite3_finalize(upd);
    if (in_txn)
        db_rollback(db);
    return ret;
}

/* Adds {name: count} of "SELECT name, count(*) ... GROUP BY name" to o,
 * every name of names[] present (0 when absent), plus "total". */
static int group_counts(struct db *db, const char *sql,
                        const char *const *names, size_t nnames, json_t *o)
{
    sqlite3_stmt *st = prep(db, sql);
    json_int_t total = 0;
    size_t i;
    int r;

    if (!st)
        return -1;
    for (i = 0; i < nnames; i++)
        json_object_set_new(o, names[i], json_integer(0));
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        json_int_t v = sqlite3_column_int64(st, 1);

        if (name)
            json_object_set_new(o, name, json_integer(v));
        total += v;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        db_log_error(db, "ipfs: counts");
        return -1;
    }
    json_object_set_new(o, "total", json_integer(total));
    return 0;
}

/*
 * CIDs by status.  Rows of ipfs_cids are never deleted (only the monitor
 * writes it, with INSERT OR IGNORE, which spends no rowid when it ignores),
 * so max(rowid) is their number; the statuses other than ok are index
 * ranges of ipfs_cids_status, small next to ok, which is the rest.  Cost:
 * O(CIDs not ok) instead of O(CIDs).
 */
static int status_counts(struct db *db, json_t *o)
{
    static const char *const few[] = { "pending", "slow", "missing",
                                       "error" };
    int64_t total, n, rest = 0;
    size_t i;

    if (query_i64(db, "SELECT coalesce(max(rowid), 0) FROM ipfs_cids", 0, 0,
                  &total) < 0)
        return -1;
    for (i = 0; i < ARRAY_SIZE(few); i++) {
        sqlite3_stmt *st = prep(db, "SELECT count(*) FROM ipfs_cids "
                                    "WHERE status = ?1");

        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, few[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            db_log_error(db, "ipfs: status counts");
            sqlite3_finalize(st);
            return -1;
        }
        n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        json_object_set_new(o, few[i], json_integer(n));
        rest += n;
    }
    json_object_set_new(o, "ok", json_integer(total - rest));
    json_object_set_new(o, "total", json_integer(total));
    return 0;
}

/* {gateway: {result: n, ..., "total": n}} over the newest checks. */
static int gateway_counts(struct db *db, json_t *o)
{
    sqlite3_stmt *st = prep(db, "SELECT gateway, result, count(*) FROM "
                                "(SELECT gateway, result FROM ipfs_checks "
                                "ORDER BY id DESC LIMIT "
                                IPFS_COUNTS_WINDOW_SQL ") "
                                "GROUP BY gateway, result");
    int r;

    if (!st)
        return -1;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *gw = (const char *)sqlite3_column_text(st, 0);
        const char *res = (const char *)sqlite3_column_text(st, 1);
        json_int_t n = sqlite3_column_int64(st, 2);
        json_t *g;

        if (!gw || !res)
            continue;
        g = json_object_get(o, gw);
        if (!g) {
            g = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "ok", 0, "slow", 0,
                          "missing", 0, "timeout", 0, "error", 0, "total", 0);
            json_object_set_new(o, gw, g);
        }
        json_object_set_new(g, res, json_integer(n));
        json_object_set_new(g, "total", json_integer(json_integer_value(
            json_object_get(g, "total")) + n));
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        db_log_error(db, "ipfs: gateway counts");
        return -1;
    }
    return 0;
}

int ipfs_counts_json(struct db *db, json_t **out)
{
    static const char *const results[] = { "ok", "slow", "missing",
                                           "timeout", "error" };
    json_t *o = json_object(), *cids = json_object(), *checks = json_object(),
           *recent = json_object(), *gateways = json_object();
    int64_t due, given_up, last, total;

    json_object_set_new(o, "cids", cids);
    json_object_set_new(o, "checks", checks);
    json_object_set_new(checks, "recent", recent);
    json_object_set_new(checks, "gateways", gateways);
    /* Checks are never deleted, so max(id) is their number: O(1) where a
     * count(*) of millions of rows is not.  The breakdown by result is of
     * the newest IPFS_COUNTS_WINDOW checks: the gateways' current health,
     * at a bounded cost. */
    if (status_counts(db, cids) < 0 ||
        group_counts(db, "SELECT result, count(*) FROM (SELECT result FROM "
                         "ipfs_checks ORDER BY id DESC LIMIT "
                         IPFS_COUNTS_WINDOW_SQL ") GROUP BY result",
                     results, ARRAY_SIZE(results), recent) < 0 ||
        gateway_counts(db, gateways) < 0 ||
        query_i64(db, "SELECT coalesce(max(id), 0) FROM ipfs_checks", 0, 0,
                  &total) < 0 ||
        query_i64(db, "SELECT count(*) FROM ipfs_cids WHERE next_check <= ?1",
                  1, util_wall_s(), &due) < 0 ||
        query_i64(db, "SELECT count(*) FROM ipfs_cids WHERE status IN "
                      "('missing', 'error') AND next_check IS NULL",
                  0, 0, &given_up) < 0 ||
        /* A subquery: one row (NULL) also before the first check. */
        query_i64(db, "SELECT (SELECT time FROM ipfs_checks ORDER BY id "
                      "DESC LIMIT 1)", 0, 0, &last) < 0) {
        json_decref(o);
        return -1;
    }
    json_object_set_new(checks, "total", json_integer(total));
    json_object_set_new(checks, "window", json_integer(IPFS_COUNTS_WINDOW));
    json_object_set_new(o, "due", json_integer(due));
    json_object_set_new(o, "given_up", json_integer(given_up));
    json_object_set_new(o, "last_check",
                        last < 0 ? json_null() : json_integer(last));
    *out = o;
    return 0;
}
