/*
 * queries.c - read-side SQL for pages, JSON and the CLI.
 */
#include "arbiusd/queries.h"

#include <stdlib.h>
#include <string.h>

#include "arbiusd/buf.h"
#include "arbiusd/log.h"

/* Prepares sql or logs; returns NULL on error. */
static sqlite3_stmt *prep(struct db *db, const char *sql)
{
    return db_prepare(db, sql, "prepare");
}

/* Column as a JSON value: integer, real, text or null. */
static json_t *col_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
        return json_stringn((const char *)sqlite3_column_text(st, i),
                            (size_t)sqlite3_column_bytes(st, i));
    default:
        return json_null();
    }
}

/* Text column as a JSON string, falling back to null for invalid UTF-8
 * (jansson refuses it) so hostile chain data never breaks a reply. */
static json_t *col_text(sqlite3_stmt *st, int i)
{
    json_t *v = col_json(st, i);

    return v ? v : json_null();
}

int queries_ping(struct db *db)
{
    sqlite3_stmt *st = prep(db, "SELECT user_version FROM pragma_user_version");
    int ret = -1;

    if (!st)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        ret = 0;
    else
        db_log_error(db, "ping");
    sqlite3_finalize(st);
    return ret;
}

int queries_status(struct db *db, json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *cov;
    int ret = -1, rc;

    st = prep(db, "SELECT chain_id, engine, start_block, indexed_block, "
                  "indexed_hash, indexed_time, head_block, head_time, "
                  "safe_block, updated_at, last_error FROM scan_state "
                  "WHERE id = 1");
    if (!st)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        static const char *const names[] = {
            "chain_id", "engine", "start_block", "indexed_block",
            "indexed_hash", "indexed_time", "head_block", "head_time",
            "safe_block", "updated_at", "last_error",
        };
        int64_t indexed = sqlite3_column_int64(st, 3);
        int64_t head = sqlite3_column_int64(st, 6);
        size_t i;

        for (i = 0; i < ARRAY_SIZE(names); i++)
            json_object_set_new(o, names[i], col_text(st, (int)i));
        json_object_set_new(o, "lag_blocks",
                            json_integer(head > indexed ? head - indexed : 0));
        json_object_set_new(o, "lag_seconds",
                            json_integer(sqlite3_column_int64(st, 7) >
                                                 sqlite3_column_int64(st, 5)
                                             ? sqlite3_column_int64(st, 7) -
                                                   sqlite3_column_int64(st, 5)
                                             : 0));
        json_object_set_new(o, "initialized", json_true());
    } else if (rc == SQLITE_DONE) {
        json_object_set_new(o, "initialized", json_false());
        json_object_set_new(o, "indexed_block", json_null());
    } else {
        db_log_error(db, "scan_state");
        goto out;
    }
    sqlite3_finalize(st);

    st = prep(db, "SELECT tasks, solutions, claims, contestations, events "
                  "FROM totals WHERE id = 1");
    if (!st)
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(
            o, "totals",
            json_pack("{s:I,s:I,s:I,s:I,s:I}", "tasks",
                      (json_int_t)sqlite3_column_int64(st, 0), "solutions",
                      (json_int_t)sqlite3_column_int64(st, 1), "claims",
                      (json_int_t)sqlite3_column_int64(st, 2), "contestations",
                      (json_int_t)sqlite3_column_int64(st, 3), "events",
                      (json_int_t)sqlite3_column_int64(st, 4)));
    sqlite3_finalize(st);

    /* Coverage as merged contiguous ranges, and gaps between them. */
    st = prep(db, "SELECT from_block, to_block FROM coverage "
                  "ORDER BY from_block");
    if (!st)
        goto out;
    cov = json_array();
    {
        json_t *gaps = json_array();
        int64_t a = -1, b = -1;

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
                json_array_append_new(gaps,
                                      json_pack("[I,I]", (json_int_t)(b + 1),
                                                (json_int_t)(f - 1)));
            }
            a = f;
            b = t;
        }
        if (a >= 0)
            json_array_append_new(cov, json_pack("[I,I]", (json_int_t)a,
                                                 (json_int_t)b));
        json_object_set_new(o, "coverage", cov);
        json_object_set_new(o, "gaps", gaps);
        if (rc != SQLITE_DONE) {
            db_log_error(db, "coverage");
            goto out;
        }
    }
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(o);
    return ret;
}

static int is_task_id(const char *s)
{
    size_t i;

    if (strlen(s) != 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    for (i = 2; i < 66; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return 0;
    return 1;
}

int queries_task(struct db *db, const char *id, json_t **outp)
{
    sqlite3_stmt *st = NULL;
    char key[67];
    json_t *o = NULL, *input, *sol;
    size_t i;
    int rc, ret = -1;

    if (!is_task_id(id))
        return 2;
    for (i = 0; i < 66; i++)
        key[i] = (char)((id[i] >= 'A' && id[i] <= 'F') ? id[i] + 32 : id[i]);
    key[1] = 'x';
    key[66] = '\0';
    st = prep(db,
              "SELECT t.id, t.model, t.fee, t.owner, t.sender, t.version, "
              "t.input_json, t.prompt, t.block, t.time, t.tx, t.log_index, "
              "t.via, t.bulk_size, t.automine, t.input_flags, t.cid, "
              "t.block <= s.safe_block, "
              "so.validator, so.cid_text, so.cid, so.block, so.tx, so.time, "
              "so.claimed, so.claim_block, so.claim_tx, so.claim_time, "
              "so.cid_flags, so.task IS NOT NULL, hex(t.input) "
              "FROM tasks t LEFT JOIN solutions so ON so.task = t.id "
              "LEFT JOIN scan_state s ON s.id = 1 WHERE t.id = ?");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, 66, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        ret = 1;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        db_log_error(db, "task");
        goto out;
    }
    o = json_object();
    json_object_set_new(o, "id", col_text(st, 0));
    json_object_set_new(o, "model", col_text(st, 1));
    json_object_set_new(o, "owner", col_text(st, 3));
    json_object_set_new(o, "sender", col_text(st, 4));
    json_object_set_new(o, "fee", col_text(st, 2));
    json_object_set_new(o, "version", col_json(st, 5));
    input = NULL;
    if (sqlite3_column_type(st, 6) == SQLITE_TEXT)
        input = json_loads((const char *)sqlite3_column_text(st, 6), 0, NULL);
    json_object_set_new(o, "input", input ? input : json_null());
    json_object_set_new(o, "prompt", col_text(st, 7));
    json_object_set_new(o, "block", col_json(st, 8));
    json_object_set_new(o, "time", col_json(st, 9));
    json_object_set_new(o, "tx", col_text(st, 10));
    json_object_set_new(o, "log_index", col_json(st, 11));
    json_object_set_new(o, "via", col_text(st, 12));
    json_object_set_new(o, "bulk_size", col_json(st, 13));
    json_object_set_new(o, "automine",
                        json_boolean(sqlite3_column_int(st, 14)));
    json_object_set_new(o, "input_flags", col_json(st, 15));
    json_object_set_new(o, "input_cid", col_text(st, 16));
    {
        /* Raw input bytes as 0x hex, for inputs that are not JSON. */
        const char *hx = (const char *)sqlite3_column_text(st, 30);
        json_t *raw = json_null();

        if (sqlite3_column_type(st, 30) == SQLITE_TEXT && hx) {
            struct buf b = BUF_INIT((size_t)1 << 20);

            if (buf_adds(&b, "0x") == 0) {
                for (i = 0; hx[i]; i++)
                    if (buf_addch(&b, (char)(hx[i] >= 'A' && hx[i] <= 'F'
                                                 ? hx[i] + 32
                                                 : hx[i])) < 0)
                        break;
                if (!hx[i])
                    raw = json_stringn(b.data, b.len);
            }
            buf_release(&b);
        }
        json_object_set_new(o, "input_raw", raw ? raw : json_null());
    }
    json_object_set_new(o, "confirmed",
                        json_boolean(sqlite3_column_int(st, 17)));
    if (sqlite3_column_int(st, 29)) {
        sol = json_object();
        json_object_set_new(sol, "validator", col_text(st, 18));
        json_object_set_new(sol, "cid", col_text(st, 19));
        json_object_set_new(sol, "cid_hex", col_text(st, 20));
        json_object_set_new(sol, "cid_flags", col_json(st, 28));
        json_object_set_new(sol, "block", col_json(st, 21));
        json_object_set_new(sol, "tx", col_text(st, 22));
        json_object_set_new(sol, "time", col_json(st, 23));
        json_object_set_new(sol, "claimed",
                            json_boolean(sqlite3_column_int(st, 24)));
        json_object_set_new(sol, "claim_block", col_json(st, 25));
        json_object_set_new(sol, "claim_tx", col_text(st, 26));
        json_object_set_new(sol, "claim_time", col_json(st, 27));
    } else {
        sol = json_null();
    }
    json_object_set_new(o, "solution", sol);
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(o);
    return ret;
}
