/*
 * ipfs_store.c - SQL of the IPFS monitor (ipfs_cids, ipfs_checks).
 */
#include "arbiusd/ipfs_store.h"

#include <stdlib.h>
#include <string.h>

#include "arbiusd/db.h"
#include "arbiusd/log.h"

int ipfs_store_max_solution(struct db *db, int64_t *out)
{
    return db_int(db, out, "SELECT coalesce(max(rowid), 0) FROM solutions",
                  "") == 0
               ? 0
               : -1;
}

/* The solution CIDs with rowid in (?1, ?2] that have no ipfs_cids row,
 * with the output file of their model ("" = the directory). */
#define IPFS_SQL_NEW_CIDS                                  \
    "FROM solutions s LEFT JOIN tasks t ON t.id = s.task " \
    "LEFT JOIN models m ON m.id = t.model "                \
    "WHERE s.rowid > ?1 AND s.rowid <= ?2 "                \
    "AND s.cid_text IS NOT NULL AND NOT EXISTS "           \
    "(SELECT 1 FROM ipfs_cids c WHERE c.cid = s.cid_text)"

int ipfs_store_discover(struct db *db, int64_t after, int64_t upto,
                        int64_t now, uint64_t *added)
{
    int64_t any = 0;
    int r;

    /* Read first: most polls find nothing and must not take the write
     * lock the scanner needs. */
    if (db_int(db, &any, "SELECT EXISTS (SELECT 1 " IPFS_SQL_NEW_CIDS ")",
               "ii", after, upto) < 0)
        return -1;
    if (!any) {
        if (added)
            *added = 0;
        return 0;
    }
    if (db_begin(db) < 0)
        return -1;
    r = db_run(
        db,
        "INSERT OR IGNORE INTO ipfs_cids (cid, path, status, "
        "first_seen, next_check) SELECT s.cid_text, "
        "coalesce(m.output_file, ''), 'pending', ?3, ?3 " IPFS_SQL_NEW_CIDS,
        "iii", after, upto, now);
    if (r < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return -1;
    }
    if (added)
        *added = (uint64_t)r;
    return 0;
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

/* Fills d (zeroed) from the ipfs_store_due row at st. */
static void due_of(sqlite3_stmt *st, struct ipfs_due *d)
{
    const char *cid = (const char *)sqlite3_column_text(st, 2);
    const char *path = (const char *)sqlite3_column_text(st, 3);

    d->rowid = sqlite3_column_int64(st, 0);
    d->next_check = sqlite3_column_int64(st, 1);
    snprintf(d->cid, sizeof(d->cid), "%s", cid ? cid : "");
    d->path = xstrdup(path ? path : "");
    d->attempts = (uint64_t)sqlite3_column_int64(st, 4);
    d->is_text = sqlite3_column_int(st, 5) != 0;
}

int ipfs_store_due(struct db *db, int all, int64_t now, int64_t *after_nc,
                   int64_t *after_rowid, struct ipfs_due *out, size_t max,
                   size_t *n)
{
    sqlite3_stmt *st;
    size_t k = 0;
    int r;

    st = db_query(db,
                  all ? "SELECT c.rowid, coalesce(c.next_check, 0), "
                        "c.cid, c.path, c.attempts, " IPFS_SQL_IS_TEXT
                        " FROM ipfs_cids c WHERE c.rowid > ?2 "
                        "ORDER BY c.rowid LIMIT ?4"
                      : "SELECT c.rowid, c.next_check, c.cid, c.path, "
                        "c.attempts, " IPFS_SQL_IS_TEXT " "
                        "FROM ipfs_cids c WHERE c.next_check <= ?3 "
                        "AND (c.next_check, c.rowid) > (?1, ?2) "
                        "ORDER BY c.next_check, c.rowid LIMIT ?4",
                  "iiii", *after_nc, *after_rowid, now, (int64_t)max);
    r = st ? 1 : -1;
    while (r == 1 && k < max && (r = db_step(db, st, "ipfs: due")) == 1) {
        memset(&out[k], 0, sizeof(out[k]));
        due_of(st, &out[k]);
        *after_rowid = out[k].rowid;
        if (!all)
            *after_nc = out[k].next_check;
        k++;
    }
    db_stmt_done(db, st);
    if (r < 0) {
        while (k > 0)
            ipfs_due_release(&out[--k]);
        return -1;
    }
    *n = k;
    return 0;
}

int ipfs_store_due_count(struct db *db, int all, int64_t now, uint64_t *out)
{
    int64_t v = 0;
    int r = all ? db_int(db, &v, "SELECT count(*) FROM ipfs_cids", "")
                : db_int(db, &v,
                         "SELECT count(*) FROM ipfs_cids "
                         "WHERE next_check <= ?1",
                         "i", now);

    if (r < 0)
        return -1;
    *out = v < 0 ? 0 : (uint64_t)v;
    return 0;
}

int ipfs_store_next_due(struct db *db, int64_t *out)
{
    return db_int(db, out,
                  "SELECT coalesce(min(next_check), -1) FROM "
                  "ipfs_cids WHERE next_check IS NOT NULL",
                  "") < 0
               ? -1
               : 0;
}

/* v, or -1 when v is negative: nullif(?, -1) then stores NULL. */
static int64_t or_null(int64_t v)
{
    return v < 0 ? -1 : v;
}

/* Records one round of one CID: its checks, then its ipfs_cids row.
 * 0 or -1. */
static int put_round(struct db *db, const struct ipfs_round_row *x)
{
    size_t j;

    for (j = 0; j < x->nchecks; j++) {
        const struct ipfs_check_row *c = &x->checks[j];

        if (db_run(db,
                   "INSERT INTO ipfs_checks (cid, gateway, time, "
                   "method, http_status, result, latency_ms, "
                   "content_type, bytes, error) VALUES (?, ?, ?, ?, "
                   "nullif(?, -1), ?, ?, ?, nullif(?, -1), ?)",
                   "ttititit"
                   "it",
                   x->cid, c->gateway, c->time, ipfs_method_name(c->method),
                   (int64_t)(c->http_status > 0 ? c->http_status : -1),
                   ipfs_result_name(c->result), (int64_t)c->latency_ms,
                   c->content_type, or_null(c->bytes), c->error) < 0)
            return -1;
    }
    /* text: a text-output round that fetched no valid text keeps what an
     * earlier round stored. */
    return db_run(db,
                  "UPDATE ipfs_cids SET status = ?2, last_check = ?3, "
                  "next_check = nullif(?4, -1), attempts = ?5, "
                  "ok_gateways = ?6, latency_ms = nullif(?7, -1), "
                  "content_type = coalesce(?8, content_type), "
                  "size = coalesce(nullif(?9, -1), size), "
                  "text = coalesce(?10, text) WHERE cid = ?1",
                  "ttiiiiitiT", x->cid, ipfs_status_name(x->status),
                  x->last_check, or_null(x->next_check), (int64_t)x->attempts,
                  (int64_t)x->ok_gateways, or_null(x->latency_ms),
                  x->content_type, or_null(x->size), x->text, x->text_len) < 0
               ? -1
               : 0;
}

int ipfs_store_rounds(struct db *db, const struct ipfs_round_row *r, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    if (db_begin(db) < 0)
        return -1;
    for (i = 0; i < n; i++)
        if (put_round(db, &r[i]) < 0)
            goto fail;
    if (db_commit(db) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

/* Adds {name: count} of "SELECT name, count(*) ... GROUP BY name" to o,
 * every name of names[] present (0 when absent), plus "total". */
static int group_counts(struct db *db, const char *sql,
                        const char *const *names, size_t nnames, json_t *o)
{
    sqlite3_stmt *st = db_stmt(db, sql);
    json_int_t total = 0;
    size_t i;
    int r = st ? 1 : -1;

    for (i = 0; i < nnames; i++)
        json_object_set_new(o, names[i], json_integer(0));
    while (r == 1 && (r = db_step(db, st, "ipfs: counts")) == 1) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        json_int_t v = sqlite3_column_int64(st, 1);

        if (name)
            json_object_set_new(o, name, json_integer(v));
        total += v;
    }
    db_stmt_done(db, st);
    if (r < 0)
        return -1;
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
    int64_t total = 0, rest = 0;
    size_t i;

    if (db_int(db, &total, "SELECT coalesce(max(rowid), 0) FROM ipfs_cids",
               "") < 0)
        return -1;
    for (i = 0; i < ARRAY_SIZE(few); i++) {
        int64_t n = 0;

        if (db_int(db, &n,
                   "SELECT count(*) FROM ipfs_cids WHERE "
                   "status = ?1",
                   "t", few[i]) < 0)
            return -1;
        json_object_set_new(o, few[i], json_integer(n));
        rest += n;
    }
    json_object_set_new(o, "ok", json_integer(total - rest));
    json_object_set_new(o, "total", json_integer(total));
    return 0;
}

/* Adds n checks of result res to gateway gw's counts in o (created with
 * every result at 0 when absent). */
static void gateway_add(json_t *o, const char *gw, const char *res,
                        json_int_t n)
{
    json_t *g = json_object_get(o, gw);

    if (!g) {
        g = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "ok", 0, "slow", 0,
                      "missing", 0, "timeout", 0, "error", 0, "total", 0);
        json_object_set_new(o, gw, g);
    }
    json_object_set_new(g, res, json_integer(n));
    json_object_set_new(g, "total",
                        json_integer(
                            json_integer_value(json_object_get(g, "total")) +
                            n));
}

/* {gateway: {result: n, ..., "total": n}} over the newest checks. */
static int gateway_counts(struct db *db, json_t *o)
{
    sqlite3_stmt *st =
        db_stmt(db, "SELECT gateway, result, count(*) FROM "
                    "(SELECT gateway, result FROM ipfs_checks "
                    "ORDER BY id DESC LIMIT " IPFS_COUNTS_WINDOW_SQL ") "
                    "GROUP BY gateway, result");
    int r = st ? 1 : -1;

    while (r == 1 && (r = db_step(db, st, "ipfs: gateway counts")) == 1) {
        const char *gw = (const char *)sqlite3_column_text(st, 0);
        const char *res = (const char *)sqlite3_column_text(st, 1);

        if (gw && res)
            gateway_add(o, gw, res, sqlite3_column_int64(st, 2));
    }
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

int ipfs_counts_json(struct db *db, json_t **out)
{
    static const char *const results[] = { "ok", "slow", "missing",
                                           "timeout", "error" };
    json_t *o = json_object(), *cids = json_object(), *checks = json_object(),
           *recent = json_object(), *gateways = json_object();
    int64_t due = 0, given_up = 0, last = -1, total = 0;

    json_object_set_new(o, "cids", cids);
    json_object_set_new(o, "checks", checks);
    json_object_set_new(checks, "recent", recent);
    json_object_set_new(checks, "gateways", gateways);
    /* Checks are never deleted, so max(id) is their number: O(1) where a
     * count(*) of millions of rows is not.  The breakdown by result is of
     * the newest IPFS_COUNTS_WINDOW checks: the gateways' current health,
     * at a bounded cost. */
    if (status_counts(db, cids) < 0 ||
        group_counts(
            db,
            "SELECT result, count(*) FROM (SELECT result FROM "
            "ipfs_checks ORDER BY id DESC LIMIT " IPFS_COUNTS_WINDOW_SQL
            ") GROUP BY result",
            results, ARRAY_SIZE(results), recent) < 0 ||
        gateway_counts(db, gateways) < 0 ||
        db_int(db, &total, "SELECT coalesce(max(id), 0) FROM ipfs_checks",
               "") < 0 ||
        db_int(db, &due,
               "SELECT count(*) FROM ipfs_cids WHERE "
               "next_check <= ?1",
               "i", util_wall_s()) < 0 ||
        db_int(db, &given_up,
               "SELECT count(*) FROM ipfs_cids WHERE status "
               "IN ('missing', 'error') AND next_check IS "
               "NULL",
               "") < 0 ||
        /* A subquery: one row (-1) also before the first check. */
        db_int(db, &last,
               "SELECT coalesce((SELECT time FROM ipfs_checks "
               "ORDER BY id DESC LIMIT 1), -1)",
               "") < 0) {
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
