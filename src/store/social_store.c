/*
 * social_store.c - SQL of sign-in, upvotes, reactions, comments, moderation and
 * the audit log.  See social_store.h for the two sides (writer, readers).
 */
#include "arbiusd/social_store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/hex.h"
#include "arbiusd/log.h"
#include "arbiusd/util.h"

const struct social_reaction social_reactions[] = {
    { "like", "\xf0\x9f\x91\x8d" },      /* thumbs up */
    { "love", "\xe2\x9d\xa4\xef\xb8\x8f" }, /* red heart */
    { "fire", "\xf0\x9f\x94\xa5" },      /* fire */
    { "laugh", "\xf0\x9f\x98\x82" },     /* tears of joy */
    { "wow", "\xf0\x9f\x98\xae" },       /* open mouth */
    { "art", "\xf0\x9f\x8e\xa8" },       /* palette */
};
const size_t social_nreactions = ARRAY_SIZE(social_reactions);

int social_reaction_find(const char *name)
{
    size_t i;

    for (i = 0; name && i < social_nreactions; i++)
        if (strcmp(social_reactions[i].name, name) == 0)
            return (int)i;
    return -1;
}

struct social {
    struct db *db;
    pthread_mutex_t mu;    /* one writer transaction at a time */
};

/* ---- statement helpers ---- */

static sqlite3_stmt *prep(struct db *db, const char *sql)
{
    return db_prepare(db, sql, "social: prepare");
}

/* Binds arguments by fmt: 'i' int64, 't' text (NULL ok). */
static void bindv(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int i = 1;

    for (; *fmt; fmt++, i++) {
        if (*fmt == 'i') {
            sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
        } else {
            const char *t = va_arg(ap, const char *);

            if (t)
                sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i);
        }
    }
}

/* Runs sql to completion; returns changes() or -1 (logged). */
static int run(struct db *db, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = prep(db, sql);
    va_list ap;
    int rc;

    if (!st)
        return -1;
    va_start(ap, fmt);
    bindv(st, fmt, ap);
    va_end(ap);
    do
        rc = sqlite3_step(st);
    while (rc == SQLITE_ROW);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_log_error(db, "social: write");
        return -1;
    }
    return sqlite3_changes(db_sqlite(db));
}

/* One integer of the first row; *found = 0 when there is no row. */
static int one_int(struct db *db, int64_t *out, int *found, const char *sql,
                   const char *fmt, ...)
{
    sqlite3_stmt *st = prep(db, sql);
    va_list ap;
    int rc;

    if (!st)
        return -1;
    va_start(ap, fmt);
    bindv(st, fmt, ap);
    va_end(ap);
    rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_log_error(db, "social: read");
        return -1;
    }
    return 0;
}

static json_t *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    json_t *v;

    if (!t)
        return json_null();
    v = json_stringn((const char *)t, (size_t)sqlite3_column_bytes(st, i));
    return v ? v : json_null();
}

static json_t *col_int_or_null(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_integer(sqlite3_column_int64(st, i));
}

/* "0x..." lower-case address -> EIP-55 display text (JSON string). */
static json_t *display_address(const char *lower)
{
    uint8_t a[HEX_ADDR_LEN];
    char out[HEX_ADDR_TEXT_SIZE];

    if (!lower || hex_parse_address(lower, strlen(lower), 0, a) < 0 ||
        hex_format_address(a, out, sizeof(out)) < 0)
        return lower ? json_string(lower) : json_null();
    return json_string(out);
}

/* ---- the writer ---- */

int social_open(const char *path, uint64_t busy_ms, struct social **outp)
{
    struct social *s;
    struct db *db = NULL;

    if (db_open(path, DB_READWRITE, busy_ms, &db) < 0)
        return -1;
    s = xcalloc(1, sizeof(*s));
    s->db = db;
    pthread_mutex_init(&s->mu, NULL);
    *outp = s;
    return 0;
}

void social_free(struct social *s)
{
    if (!s)
        return;
    db_close(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Takes the lock and opens a write transaction; -1 (unlocked) on error. */
static int tx_begin(struct social *s)
{
    pthread_mutex_lock(&s->mu);
    if (db_begin(s->db) < 0) {
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    return 0;
}

/* Commits when ret >= 0, else rolls back; unlocks.  Returns ret, or -1 if
 * the commit failed. */
static int tx_end(struct social *s, int ret)
{
    if (ret >= 0 && db_commit(s->db) < 0)
        ret = -1;
    if (ret < 0)
        db_rollback(s->db);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

int social_secret(struct social *s, uint8_t out[SOCIAL_SECRET_LEN])
{
    sqlite3_stmt *st;
    uint8_t fresh[SOCIAL_SECRET_LEN];
    int ret = -1, rc;

    if (tx_begin(s) < 0)
        return -1;
    st = prep(s->db, "SELECT secret FROM social_secret WHERE id = 1");
    if (!st)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW &&
        sqlite3_column_bytes(st, 0) == SOCIAL_SECRET_LEN) {
        memcpy(out, sqlite3_column_blob(st, 0), SOCIAL_SECRET_LEN);
        ret = 0;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        st = NULL;
        if (util_random(fresh, sizeof(fresh)) < 0) {
            log_warnx("social: no randomness for the session secret");
            goto out;
        }
        st = prep(s->db, "INSERT OR REPLACE INTO social_secret (id, secret, "
                         "created_at) VALUES (1, ?, unixepoch())");
        if (!st)
            goto out;
        sqlite3_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            db_log_error(s->db, "social: secret");
            goto out;
        }
        memcpy(out, fresh, SOCIAL_SECRET_LEN);
        ret = 0;
    } else {
        db_log_error(s->db, "social: secret");
    }
out:
    sqlite3_finalize(st);
    return tx_end(s, ret);
}

int social_nonce_spend(struct social *s, const char *nonce, const char *ip,
                       int64_t issued, int64_t expires, int64_t now)
{
    int r, ret = -1;

    if (tx_begin(s) < 0)
        return -1;
    /* Spent nonces are kept only while they could still be replayed. */
    if (run(s->db, "DELETE FROM social_nonces WHERE expires_at < ?", "i",
            now - 60) < 0)
        goto out;
    r = run(s->db,
            "INSERT INTO social_nonces (nonce, ip, created_at, expires_at, "
            "used_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(nonce) DO NOTHING",
            "ttiii", nonce, ip, issued, expires, now);
    if (r < 0)
        goto out;
    ret = r == 1 ? 0 : 2;
out:
    return tx_end(s, ret);
}

int social_session_create(struct social *s, const char *id_hash,
                          const char *address, const char *csrf, int64_t now,
                          int64_t expires, const char *ip)
{
    int ret = -1;

    if (tx_begin(s) < 0)
        return -1;
    if (run(s->db, "DELETE FROM social_sessions WHERE expires_at < ?", "i",
            now - 86400) >= 0 &&
        run(s->db,
            "INSERT INTO social_sessions (id_hash, address, csrf, "
            "created_at, expires_at, ip) VALUES (?, ?, ?, ?, ?, ?)",
            "tttiit", id_hash, address, csrf, now, expires, ip) == 1)
        ret = 0;
    return tx_end(s, ret);
}

int social_session_revoke(struct social *s, const char *id_hash, int64_t now)
{
    int ret = -1, r;

    if (tx_begin(s) < 0)
        return -1;
    r = run(s->db,
            "UPDATE social_sessions SET revoked_at = ? WHERE id_hash = ? AND "
            "revoked_at IS NULL",
            "it", now, id_hash);
    if (r >= 0)
        ret = r == 1 ? 0 : 1;
    return tx_end(s, ret);
}

/* The audit insert without a transaction of its own. */
static int audit_row(struct db *db, int64_t now, const char *actor,
                     const char *action, const char *target, const char *ip,
                     const char *detail)
{
    return run(db,
               "INSERT INTO social_audit (time, actor, action, target, ip, "
               "detail) VALUES (?, ?, ?, ?, ?, ?)",
               "itttt" "t", now, actor, action, target, ip, detail) == 1
               ? 0
               : -1;
}

int social_audit(struct social *s, int64_t now, const char *actor,
                 const char *action, const char *target, const char *ip,
                 const char *detail)
{
    if (tx_begin(s) < 0)
        return -1;
    return tx_end(s, audit_row(s->db, now, actor, action, target, ip, detail));
}

int social_audit_throttled(struct social *s, int64_t now, const char *ip)
{
    int64_t x = 0;
    int found, ret = -1;

    if (tx_begin(s) < 0)
        return -1;
    if (one_int(s->db, &x, &found,
                "SELECT 1 FROM social_audit WHERE ip = ? AND action = "
                "'signin_throttled' AND time > ? LIMIT 1",
                "ti", ip, now - 60) < 0)
        goto out;
    ret = found ? 0
                : audit_row(s->db, now, NULL, "signin_throttled", NULL, ip,
                            "failed sign-ins over the limit of a minute; "
                            "further attempts refused without an entry each");
out:
    return tx_end(s, ret);
}

/* 0 when the task is indexed and not hidden, 1 otherwise, -1 on error. */
static int task_visible(struct db *db, const char *task)
{
    int64_t hidden = 0;
    int found;

    if (one_int(db, &hidden, &found,
                "SELECT hidden OR EXISTS (SELECT 1 FROM social_moderation m "
                "WHERE m.task = tasks.id) FROM tasks WHERE id = ?",
                "t", task) < 0)
        return -1;
    return found && !hidden ? 0 : 1;
}

int social_vote(struct social *s, const char *task, const char *address,
                int up, int64_t now, int64_t *count)
{
    int64_t n = 0;
    int found, ret = -1, r;

    if (tx_begin(s) < 0)
        return -1;
    r = task_visible(s->db, task);
    if (r != 0) {
        ret = r;
        goto out;
    }
    if (up)
        r = run(s->db,
                "INSERT OR IGNORE INTO social_votes (task, address, "
                "created_at) VALUES (?, ?, ?)",
                "tti", task, address, now);
    else
        r = run(s->db,
                "DELETE FROM social_votes WHERE task = ? AND address = ?",
                "tt", task, address);
    if (r < 0 ||
        one_int(s->db, &n, &found,
                "SELECT count(*) FROM social_votes WHERE task = ?", "t",
                task) < 0 ||
        run(s->db, "UPDATE tasks SET upvotes = ? WHERE id = ?", "it", n,
            task) < 0)
        goto out;
    *count = n;
    ret = 0;
out:
    return tx_end(s, ret);
}

int social_react(struct social *s, const char *task, const char *address,
                 const char *reaction, int on, int64_t now)
{
    int ret = -1, r;

    if (tx_begin(s) < 0)
        return -1;
    r = task_visible(s->db, task);
    if (r != 0) {
        ret = r;
        goto out;
    }
    if (on)
        r = run(s->db,
                "INSERT OR IGNORE INTO social_reactions (task, address, "
                "reaction, created_at) VALUES (?, ?, ?, ?)",
                "ttti", task, address, reaction, now);
    else
        r = run(s->db,
                "DELETE FROM social_reactions WHERE task = ? AND address = ? "
                "AND reaction = ?",
                "ttt", task, address, reaction);
    ret = r < 0 ? -1 : 0;
out:
    return tx_end(s, ret);
}

int social_comment_add(struct social *s, const char *task,
                       const char *address, const char *body, const char *ip,
                       int64_t now, const struct social_comment_limits *lim,
                       int64_t *id)
{
    int64_t n = 0;
    int found, ret = -1, r;

    if (tx_begin(s) < 0)
        return -1;
    r = task_visible(s->db, task);
    if (r != 0) {
        ret = r;
        goto out;
    }
    if (one_int(s->db, &n, &found,
                "SELECT count(*) FROM social_comments WHERE address = ? AND "
                "created_at > ?",
                "ti", address, now - lim->window) < 0)
        goto out;
    if (n >= lim->per_wallet) {
        ret = 2;
        goto out;
    }
    if (one_int(s->db, &n, &found,
                "SELECT count(*) FROM social_comments WHERE ip = ? AND "
                "created_at > ?",
                "ti", ip, now - lim->window) < 0)
        goto out;
    if (n >= lim->per_ip) {
        ret = 3;
        goto out;
    }
    if (run(s->db,
            "INSERT INTO social_comments (task, address, body, ip, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            "tttti", task, address, body, ip, now) != 1)
        goto out;
    *id = sqlite3_last_insert_rowid(db_sqlite(s->db));
    ret = 0;
out:
    return tx_end(s, ret);
}

int social_comment_edit(struct social *s, int64_t id, const char *address,
                        const char *body, int64_t now, int64_t edit_window)
{
    sqlite3_stmt *st;
    int ret = -1, rc;

    if (tx_begin(s) < 0)
        return -1;
    st = prep(s->db, "SELECT address, created_at, hidden FROM social_comments "
                     "WHERE id = ?");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE || (rc == SQLITE_ROW && sqlite3_column_int(st, 2))) {
        ret = 1;
    } else if (rc != SQLITE_ROW) {
        db_log_error(s->db, "social: comment");
    } else if (strcmp((const char *)sqlite3_column_text(st, 0), address) != 0) {
        ret = 2;
    } else if (now > sqlite3_column_int64(st, 1) + edit_window) {
        ret = 3;
    } else {
        sqlite3_finalize(st);
        st = NULL;
        if (run(s->db,
                "UPDATE social_comments SET body = ?, edited_at = ? WHERE "
                "id = ?",
                "tii", body, now, id) == 1)
            ret = 0;
    }
out:
    sqlite3_finalize(st);
    return tx_end(s, ret);
}

int social_hide_task(struct social *s, const char *task, int hidden,
                     const char *admin, const char *reason, const char *ip,
                     int64_t now, int *changed)
{
    int64_t x = 0;
    int found, ret = -1, r;

    if (tx_begin(s) < 0)
        return -1;
    if (one_int(s->db, &x, &found, "SELECT 1 FROM tasks WHERE id = ?", "t",
                task) < 0)
        goto out;
    if (!found) {
        ret = 1;
        goto out;
    }
    if (hidden)
        r = run(s->db,
                "INSERT OR IGNORE INTO social_moderation (task, hidden_by, "
                "hidden_at, reason) VALUES (?, ?, ?, ?)",
                "ttit", task, admin, now, reason);
    else
        r = run(s->db, "DELETE FROM social_moderation WHERE task = ?", "t",
                task);
    if (r < 0 ||
        run(s->db, "UPDATE tasks SET hidden = ? WHERE id = ?", "it",
            (int64_t)(hidden ? 1 : 0), task) < 0 ||
        audit_row(s->db, now, admin, hidden ? "hide_image" : "unhide_image",
                  task, ip, reason) < 0)
        goto out;
    *changed = r > 0;
    ret = 0;
out:
    return tx_end(s, ret);
}

int social_hide_comment(struct social *s, int64_t id, int hidden,
                        const char *admin, const char *ip, int64_t now,
                        int *changed)
{
    char target[32];
    int ret = -1, r;

    if (tx_begin(s) < 0)
        return -1;
    r = run(s->db,
            "UPDATE social_comments SET hidden = ?, hidden_by = ?, "
            "hidden_at = ? WHERE id = ? AND hidden != ?",
            "itiii", (int64_t)(hidden ? 1 : 0), admin, now, id,
            (int64_t)(hidden ? 1 : 0));
    if (r < 0)
        goto out;
    if (r == 0) {
        int64_t x;
        int found;

        if (one_int(s->db, &x, &found,
                    "SELECT 1 FROM social_comments WHERE id = ?", "i", id) < 0)
            goto out;
        if (!found) {
            ret = 1;
            goto out;
        }
    }
    snprintf(target, sizeof(target), "%lld", (long long)id);
    if (audit_row(s->db, now, admin, hidden ? "hide_comment" : "unhide_comment",
                  target, ip, NULL) < 0)
        goto out;
    *changed = r > 0;
    ret = 0;
out:
    return tx_end(s, ret);
}

/* ---- reads ---- */

int social_failed_signins(struct db *db, const char *ip, int64_t since,
                          int64_t *out)
{
    int found;

    return one_int(db, out, &found,
                   "SELECT count(*) FROM social_audit WHERE ip = ? AND "
                   "action = 'signin_failed' AND time >= ?",
                   "ti", ip, since);
}

int social_session_get(struct db *db, const char *id_hash, int64_t now,
                       struct social_session *out)
{
    sqlite3_stmt *st = prep(db, "SELECT address, csrf, expires_at FROM "
                                "social_sessions WHERE id_hash = ? AND "
                                "revoked_at IS NULL AND expires_at > ?");
    int ret = -1, rc;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->address, sizeof(out->address), "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(out->csrf, sizeof(out->csrf), "%s",
                 (const char *)sqlite3_column_text(st, 1));
        out->expires_at = sqlite3_column_int64(st, 2);
        ret = 0;
    } else if (rc == SQLITE_DONE) {
        ret = 1;
    } else {
        db_log_error(db, "social: session");
    }
    sqlite3_finalize(st);
    return ret;
}

/* Fills *arr with the task's comments. */
static int comments_array(struct db *db, const char *task, const char *viewer,
                          int admin, int64_t now, int64_t edit_window,
                          json_t *arr)
{
    sqlite3_stmt *st = prep(db, "SELECT id, address, body, created_at, "
                                "edited_at, hidden FROM social_comments "
                                "WHERE task = ? AND (? OR hidden = 0) "
                                "ORDER BY id LIMIT 1000");
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, task, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, admin ? 1 : 0);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *addr = (const char *)sqlite3_column_text(st, 1);
        int mine = viewer && addr && strcmp(viewer, addr) == 0;
        json_t *c = json_object();

        json_object_set_new(c, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(c, "address", col_str(st, 1));
        json_object_set_new(c, "address_display", display_address(addr));
        json_object_set_new(c, "body", col_str(st, 2));
        json_object_set_new(c, "created_at",
                            json_integer(sqlite3_column_int64(st, 3)));
        json_object_set_new(c, "edited_at", col_int_or_null(st, 4));
        json_object_set_new(c, "mine", json_boolean(mine));
        json_object_set_new(
            c, "editable",
            json_boolean(mine && now <= sqlite3_column_int64(st, 3) +
                                             edit_window));
        if (admin)
            json_object_set_new(c, "hidden",
                                json_boolean(sqlite3_column_int(st, 5)));
        json_array_append_new(arr, c);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_log_error(db, "social: comments");
        return -1;
    }
    return 0;
}

/* 0 visible to this viewer, 1 not; *hidden set. */
static int task_for_viewer(struct db *db, const char *task, int admin,
                           int *hidden)
{
    int64_t h = 0;
    int found;

    if (one_int(db, &h, &found,
                "SELECT hidden OR EXISTS (SELECT 1 FROM social_moderation m "
                "WHERE m.task = tasks.id) FROM tasks WHERE id = ?",
                "t", task) < 0)
        return -1;
    if (!found || (h && !admin))
        return 1;
    *hidden = h != 0;
    return 0;
}

int social_comments_json(struct db *db, const char *task, const char *viewer,
                         int admin, int64_t now, int64_t edit_window,
                         json_t **outp)
{
    json_t *arr;
    int hidden = 0, r;

    r = task_for_viewer(db, task, admin, &hidden);
    if (r != 0)
        return r;
    arr = json_array();
    if (comments_array(db, task, viewer, admin, now, edit_window, arr) < 0) {
        json_decref(arr);
        return -1;
    }
    *outp = json_pack("{s:s,s:o}", "task", task, "comments", arr);
    return *outp ? 0 : -1;
}

int social_task_json(struct db *db, const char *task, const char *viewer,
                     int admin, int64_t now, int64_t edit_window,
                     json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = NULL, *reacts, *comments, *v = json_null();
    int64_t counts[16] = { 0 }, n = 0;
    int mine[16] = { 0 }, hidden = 0, found, r, rc, ret = -1;
    size_t i;

    r = task_for_viewer(db, task, admin, &hidden);
    if (r != 0)
        return r;
    o = json_object();
    if (one_int(db, &n, &found,
                "SELECT count(*) FROM social_votes WHERE task = ?", "t",
                task) < 0)
        goto out;
    st = prep(db, "SELECT reaction, count(*), sum(address = ?) FROM "
                  "social_reactions WHERE task = ? GROUP BY reaction");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, viewer ? viewer : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, task, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int k = social_reaction_find((const char *)sqlite3_column_text(st, 0));

        if (k >= 0 && (size_t)k < ARRAY_SIZE(counts)) {
            counts[k] = sqlite3_column_int64(st, 1);
            mine[k] = sqlite3_column_int64(st, 2) > 0;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        db_log_error(db, "social: reactions");
        goto out;
    }
    reacts = json_array();
    for (i = 0; i < social_nreactions && i < ARRAY_SIZE(counts); i++)
        json_array_append_new(
            reacts, json_pack("{s:s,s:s,s:I,s:b}", "name",
                              social_reactions[i].name, "emoji",
                              social_reactions[i].emoji, "count",
                              (json_int_t)counts[i], "mine", mine[i]));
    json_object_set_new(o, "task", json_string(task));
    json_object_set_new(o, "upvotes", json_integer(n));
    json_object_set_new(o, "hidden", json_boolean(hidden));
    json_object_set_new(o, "reactions", reacts);
    comments = json_array();
    json_object_set_new(o, "comments", comments);
    if (comments_array(db, task, viewer, admin, now, edit_window, comments) < 0)
        goto out;
    if (viewer) {
        int64_t x;

        if (one_int(db, &x, &found,
                    "SELECT 1 FROM social_votes WHERE task = ? AND "
                    "address = ?",
                    "tt", task, viewer) < 0)
            goto out;
        json_decref(v);
        v = json_pack("{s:s,s:o,s:b,s:b}", "address", viewer,
                      "address_display", display_address(viewer), "upvoted",
                      found, "admin", admin);
    }
    json_object_set(o, "viewer", v);
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(v);
    json_decref(o);
    return ret;
}

int social_audit_json(struct db *db, int64_t before, int64_t limit,
                      json_t **outp)
{
    sqlite3_stmt *st = prep(db, "SELECT id, time, actor, action, target, ip, "
                                "detail FROM social_audit WHERE id < ? "
                                "ORDER BY id DESC LIMIT ?");
    json_t *arr;
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, before > 0 ? before : INT64_MAX);
    sqlite3_bind_int64(st, 2, limit);
    arr = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            arr, json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "id",
                           (json_int_t)sqlite3_column_int64(st, 0), "time",
                           (json_int_t)sqlite3_column_int64(st, 1), "actor",
                           col_str(st, 2), "action", col_str(st, 3), "target",
                           col_str(st, 4), "ip", col_str(st, 5), "detail",
                           col_str(st, 6)));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_log_error(db, "social: audit");
        json_decref(arr);
        return -1;
    }
    *outp = arr;
    return 0;
}

int social_system_json(struct db *db, json_t **outp)
{
    static const char *const tables[] = {
        "tasks", "solutions", "contestations", "models", "miners", "users",
        "ipfs_cids", "social_sessions", "social_votes", "social_reactions",
        "social_comments", "social_moderation", "social_audit",
    };
    json_t *o = json_object(), *rows = json_object(), *ipfs = json_object();
    json_t *cids = json_object();
    sqlite3_stmt *st = NULL;
    int64_t page_count = 0, page_size = 0, freelist = 0, n = 0;
    int found, ret = -1, rc;
    size_t i;

    json_object_set_new(o, "rows", rows);
    json_object_set_new(o, "ipfs", ipfs);
    json_object_set_new(ipfs, "cids", cids);
    if (one_int(db, &page_count, &found, "PRAGMA page_count", "") < 0 ||
        one_int(db, &page_size, &found, "PRAGMA page_size", "") < 0 ||
        one_int(db, &freelist, &found, "PRAGMA freelist_count", "") < 0)
        goto out;
    json_object_set_new(o, "page_count", json_integer(page_count));
    json_object_set_new(o, "page_size", json_integer(page_size));
    json_object_set_new(o, "freelist_pages", json_integer(freelist));
    json_object_set_new(o, "size_bytes", json_integer(page_count * page_size));
    for (i = 0; i < ARRAY_SIZE(tables); i++) {
        char sql[96];

        /* Table names come from the fixed list above, never from input. */
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
        if (one_int(db, &n, &found, sql, "") < 0)
            goto out;
        json_object_set_new(rows, tables[i], json_integer(n));
    }
    if (one_int(db, &n, &found,
                "SELECT count(*) FROM social_sessions WHERE revoked_at IS "
                "NULL AND expires_at > unixepoch()",
                "") < 0)
        goto out;
    json_object_set_new(o, "live_sessions", json_integer(n));
    if (one_int(db, &n, &found,
                "SELECT count(*) FROM social_comments WHERE hidden = 1",
                "") < 0)
        goto out;
    json_object_set_new(o, "hidden_comments", json_integer(n));
    st = prep(db, "SELECT status, count(*) FROM ipfs_cids GROUP BY status");
    if (!st)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_object_set_new(cids, (const char *)sqlite3_column_text(st, 0),
                            json_integer(sqlite3_column_int64(st, 1)));
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) {
        db_log_error(db, "social: ipfs_cids");
        goto out;
    }
    if (one_int(db, &n, &found, "SELECT count(*) FROM ipfs_checks", "") < 0)
        goto out;
    json_object_set_new(ipfs, "checks", json_integer(n));
    if (one_int(db, &n, &found, "SELECT max(time) FROM ipfs_checks", "") < 0)
        goto out;
    json_object_set_new(ipfs, "last_check", n > 0 ? json_integer(n)
                                                   : json_null());
    if (one_int(db, &n, &found,
                "SELECT count(*) FROM ipfs_cids WHERE next_check IS NOT NULL "
                "AND next_check <= unixepoch()", "") < 0)
        goto out;
    json_object_set_new(ipfs, "due", json_integer(n));
    /* The scanner's RPC counters (requests, errors, budget per endpoint). */
    st = prep(db, "SELECT json, updated_at FROM rpc_stats WHERE id = 1");
    if (!st)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        json_error_t e;
        json_t *eps = json_loads((const char *)sqlite3_column_text(st, 0), 0,
                                 &e);

        json_object_set_new(o, "rpc",
                            json_pack("{s:o,s:I}", "endpoints",
                                      eps ? eps : json_null(), "updated_at",
                                      (json_int_t)sqlite3_column_int64(st, 1)));
    } else if (rc == SQLITE_DONE) {
        json_object_set_new(o, "rpc", json_null());
    } else {
        db_log_error(db, "social: rpc_stats");
        goto out;
    }
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(o);
    return ret;
}

int social_hidden_json(struct db *db, json_t **outp)
{
    sqlite3_stmt *st = prep(db, "SELECT task, hidden_by, hidden_at, reason "
                                "FROM social_moderation ORDER BY hidden_at "
                                "DESC LIMIT 500");
    json_t *images = json_array(), *comments = json_array();
    int rc;

    if (!st)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            images, json_pack("{s:o,s:o,s:I,s:o}", "task", col_str(st, 0),
                              "hidden_by", col_str(st, 1), "hidden_at",
                              (json_int_t)sqlite3_column_int64(st, 2),
                              "reason", col_str(st, 3)));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto fail_logged;
    st = prep(db, "SELECT id, task, address, body, hidden_by, hidden_at FROM "
                  "social_comments WHERE hidden = 1 ORDER BY hidden_at DESC "
                  "LIMIT 500");
    if (!st)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            comments,
            json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "id",
                      (json_int_t)sqlite3_column_int64(st, 0), "task",
                      col_str(st, 1), "address", col_str(st, 2), "body",
                      col_str(st, 3), "hidden_by", col_str(st, 4),
                      "hidden_at", col_int_or_null(st, 5)));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto fail_logged;
    *outp = json_pack("{s:o,s:o}", "images", images, "comments", comments);
    return *outp ? 0 : -1;
fail_logged:
    db_log_error(db, "social: hidden");
fail:
    json_decref(images);
    json_decref(comments);
    return -1;
}

int social_reapply(struct db *db, int64_t rowid_mark)
{
    return run(db,
               "UPDATE tasks SET "
               "upvotes = (SELECT count(*) FROM social_votes v WHERE "
               "v.task = tasks.id), "
               "hidden = EXISTS (SELECT 1 FROM social_moderation m WHERE "
               "m.task = tasks.id) "
               "WHERE rowid > ? AND (EXISTS (SELECT 1 FROM social_votes v "
               "WHERE v.task = tasks.id) OR EXISTS (SELECT 1 FROM "
               "social_moderation m WHERE m.task = tasks.id))",
               "i", rowid_mark) < 0
               ? -1
               : 0;
}
