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

/* ---- helpers ---- */

/* 1 when the task is hidden (by the scanner's copy or a moderation row),
 * 0 when not; no row when the task is not indexed. */
static const char task_hidden_sql[] =
    "SELECT hidden OR EXISTS (SELECT 1 FROM social_moderation m "
    "WHERE m.task = tasks.id) FROM tasks WHERE id = ?";

/*
 * Adds (on) or removes the row of a toggle (an upvote, a reaction, a
 * hidden task): add_sql takes every argument of fmt, del_sql the first
 * ndel of them (the row's key).  changes(), or -1 after logging.
 */
static int toggle_row(struct db *db, int on, const char *add_sql,
                      const char *del_sql, int ndel, const char *fmt, ...)
{
    sqlite3_stmt *st = db_stmt(db, on ? add_sql : del_sql);
    char key_fmt[16];
    va_list ap;
    int r = st ? 1 : -1;

    snprintf(key_fmt, sizeof(key_fmt), "%.*s", ndel, fmt);
    va_start(ap, fmt);
    if (st && db_bindv(st, on ? fmt : key_fmt, ap) < 0) {
        log_warnx("social: cannot bind: %s", on ? add_sql : del_sql);
        r = -1;
    }
    va_end(ap);
    while (r == 1)
        r = db_step(db, st, NULL);
    db_stmt_done(db, st);
    return r < 0 ? -1 : sqlite3_changes(db_sqlite(db));
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

/* Closes the writer's connection; the caller has stopped every thread
 * that could still write through s. */
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
    uint8_t fresh[SOCIAL_SECRET_LEN];
    sqlite3_stmt *st;
    int ret = -1, r;

    if (tx_begin(s) < 0)
        return -1;
    st = db_stmt(s->db, "SELECT secret FROM social_secret WHERE id = 1");
    r = st ? db_step(s->db, st, "social: secret") : -1;
    if (r == 1 && sqlite3_column_bytes(st, 0) == SOCIAL_SECRET_LEN) {
        memcpy(out, sqlite3_column_blob(st, 0), SOCIAL_SECRET_LEN);
        ret = 0;
    }
    db_stmt_done(s->db, st);
    if (r < 0 || ret == 0)
        goto out;
    if (util_random(fresh, sizeof(fresh)) < 0) {
        log_warnx("social: no randomness for the session secret");
        goto out;
    }
    if (db_run(s->db,
               "INSERT OR REPLACE INTO social_secret (id, secret, "
               "created_at) VALUES (1, ?, unixepoch())",
               "b", fresh, sizeof(fresh)) < 0)
        goto out;
    memcpy(out, fresh, SOCIAL_SECRET_LEN);
    ret = 0;
out:
    return tx_end(s, ret);
}

int social_nonce_spend(struct social *s, const char *nonce, const char *ip,
                       int64_t issued, int64_t expires, int64_t now)
{
    int r, ret = -1;

    if (tx_begin(s) < 0)
        return -1;
    /* Spent nonces are kept only while they could still be replayed. */
    if (db_run(s->db, "DELETE FROM social_nonces WHERE expires_at < ?", "i",
               now - 60) < 0)
        goto out;
    r = db_run(s->db,
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
    if (db_run(s->db, "DELETE FROM social_sessions WHERE expires_at < ?", "i",
               now - 86400) >= 0 &&
        db_run(s->db,
               "INSERT INTO social_sessions (id_hash, address, csrf, "
               "created_at, expires_at, ip) VALUES (?, ?, ?, ?, ?, ?)",
               "tttiit", id_hash, address, csrf, now, expires, ip) == 1)
        ret = 0;
    return tx_end(s, ret);
}

int social_session_revoke(struct social *s, const char *id_hash, int64_t now)
{
    int r;

    if (tx_begin(s) < 0)
        return -1;
    r = db_run(s->db,
               "UPDATE social_sessions SET revoked_at = ? WHERE "
               "id_hash = ? AND revoked_at IS NULL",
               "it", now, id_hash);
    return tx_end(s, r < 0 ? -1 : r == 1 ? 0 : 1);
}

/* The audit insert without a transaction of its own. */
static int audit_row(struct db *db, int64_t now, const char *actor,
                     const char *action, const char *target, const char *ip,
                     const char *detail)
{
    return db_run(db,
                  "INSERT INTO social_audit (time, actor, action, target, ip, "
                  "detail) VALUES (?, ?, ?, ?, ?, ?)",
                  "itttt"
                  "t",
                  now, actor, action, target, ip, detail) == 1
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
    int ret;

    if (tx_begin(s) < 0)
        return -1;
    ret = db_int(s->db, &x,
                 "SELECT 1 FROM social_audit WHERE ip = ? AND action = "
                 "'signin_throttled' AND time > ? LIMIT 1",
                 "ti", ip, now - 60);
    if (ret == 1)
        ret = audit_row(s->db, now, NULL, "signin_throttled", NULL, ip,
                        "failed sign-ins over the limit of a minute; "
                        "further attempts refused without an entry each");
    return tx_end(s, ret);
}

/*
 * Takes the lock and opens a write transaction on a task that is indexed
 * and not hidden: 0 (locked, in the transaction), else 1 when the task is
 * not there to act on or -1 on error (both unlocked).
 */
static int tx_begin_task(struct social *s, const char *task)
{
    int64_t hidden = 0;
    int r;

    if (tx_begin(s) < 0)
        return -1;
    r = db_int(s->db, &hidden, task_hidden_sql, "t", task);
    if (r == 0 && hidden)
        r = 1;
    return r == 0 ? 0 : tx_end(s, r);
}

int social_vote(struct social *s, const char *task, const char *address,
                int up, int64_t now, int64_t *count)
{
    int64_t n = 0;
    int ret = -1, r = tx_begin_task(s, task);

    if (r != 0)
        return r;
    if (toggle_row(s->db, up,
                   "INSERT OR IGNORE INTO social_votes (task, address, "
                   "created_at) VALUES (?, ?, ?)",
                   "DELETE FROM social_votes WHERE task = ? AND address = ?",
                   2, "tti", task, address, now) < 0 ||
        db_int(s->db, &n, "SELECT count(*) FROM social_votes WHERE task = ?",
               "t", task) < 0 ||
        db_run(s->db, "UPDATE tasks SET upvotes = ? WHERE id = ?", "it", n,
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
    int r = tx_begin_task(s, task);

    if (r != 0)
        return r;
    r = toggle_row(s->db, on,
                   "INSERT OR IGNORE INTO social_reactions (task, address, "
                   "reaction, created_at) VALUES (?, ?, ?, ?)",
                   "DELETE FROM social_reactions WHERE task = ? AND "
                   "address = ? AND reaction = ?",
                   3, "ttti", task, address, reaction, now);
    return tx_end(s, r < 0 ? -1 : 0);
}

int social_comment_add(struct social *s, const char *task,
                       const char *address, const char *body, const char *ip,
                       int64_t now, const struct social_comment_limits *lim,
                       int64_t *id)
{
    int64_t by_wallet = 0, by_ip = 0;
    int ret = -1, r = tx_begin_task(s, task);

    if (r != 0)
        return r;
    if (db_int(s->db, &by_wallet,
               "SELECT count(*) FROM social_comments WHERE address = ? AND "
               "created_at > ?",
               "ti", address, now - lim->window) < 0 ||
        db_int(s->db, &by_ip,
               "SELECT count(*) FROM social_comments WHERE ip = ? AND "
               "created_at > ?",
               "ti", ip, now - lim->window) < 0)
        goto out;
    if (by_wallet >= lim->per_wallet || by_ip >= lim->per_ip) {
        ret = by_wallet >= lim->per_wallet ? 2 : 3;
        goto out;
    }
    if (db_run(s->db,
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
    int ret = -1, r, edit = 0;

    if (tx_begin(s) < 0)
        return -1;
    st = db_query(s->db,
                  "SELECT address, created_at, hidden FROM "
                  "social_comments WHERE id = ?",
                  "i", id);
    r = st ? db_step(s->db, st, "social: comment") : -1;
    if (r == 0 || (r == 1 && sqlite3_column_int(st, 2)))
        ret = 1;
    else if (r == 1 &&
             strcmp((const char *)sqlite3_column_text(st, 0), address) != 0)
        ret = 2;
    else if (r == 1 && now > sqlite3_column_int64(st, 1) + edit_window)
        ret = 3;
    else if (r == 1)
        edit = 1;
    db_stmt_done(s->db, st);
    if (edit &&
        db_run(s->db,
               "UPDATE social_comments SET body = ?, edited_at = ? WHERE "
               "id = ?",
               "tii", body, now, id) == 1)
        ret = 0;
    return tx_end(s, ret);
}

int social_hide_task(struct social *s, const char *task, int hidden,
                     const char *admin, const char *reason, const char *ip,
                     int64_t now, int *changed)
{
    int64_t x = 0;
    int ret, r;

    if (tx_begin(s) < 0)
        return -1;
    ret = db_int(s->db, &x, "SELECT 1 FROM tasks WHERE id = ?", "t", task);
    if (ret != 0)
        goto out;
    ret = -1;
    r = toggle_row(s->db, hidden,
                   "INSERT OR IGNORE INTO social_moderation (task, hidden_by, "
                   "hidden_at, reason) VALUES (?, ?, ?, ?)",
                   "DELETE FROM social_moderation WHERE task = ?", 1, "ttit",
                   task, admin, now, reason);
    if (r < 0 ||
        db_run(s->db, "UPDATE tasks SET hidden = ? WHERE id = ?", "it",
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
    r = db_run(s->db,
               "UPDATE social_comments SET hidden = ?, hidden_by = ?, "
               "hidden_at = ? WHERE id = ? AND hidden != ?",
               "itiii", (int64_t)(hidden ? 1 : 0), admin, now, id,
               (int64_t)(hidden ? 1 : 0));
    if (r < 0)
        goto out;
    if (r == 0) {
        int64_t x;

        ret = db_int(s->db, &x, "SELECT 1 FROM social_comments WHERE id = ?",
                     "i", id);
        if (ret != 0)
            goto out;
        ret = -1;
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
    return db_int(db, out,
                  "SELECT count(*) FROM social_audit WHERE ip = ? AND "
                  "action = 'signin_failed' AND time >= ?",
                  "ti", ip, since) < 0
               ? -1
               : 0;
}

int social_session_get(struct db *db, const char *id_hash, int64_t now,
                       struct social_session *out)
{
    sqlite3_stmt *st = db_query(db,
                                "SELECT address, csrf, expires_at FROM "
                                "social_sessions WHERE id_hash = ? AND "
                                "revoked_at IS NULL AND expires_at > ?",
                                "ti", id_hash, now);
    int r = st ? db_step(db, st, "social: session") : -1;

    if (r == 1) {
        snprintf(out->address, sizeof(out->address), "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(out->csrf, sizeof(out->csrf), "%s",
                 (const char *)sqlite3_column_text(st, 1));
        out->expires_at = sqlite3_column_int64(st, 2);
    }
    db_stmt_done(db, st);
    return r < 0 ? -1 : r == 1 ? 0 : 1;
}

/* A comment's columns 0-1 and 2-4, around its address_display. */
static const struct db_field comment_head[] = {
    { "id", DB_INT },
    { "address", DB_STR },
};
static const struct db_field comment_body[] = {
    { "body", DB_STR },
    { "created_at", DB_INT },
    { "edited_at", DB_INT },
};

/* Fills *arr with the task's comments. */
static int comments_array(struct db *db, const char *task, const char *viewer,
                          int admin, int64_t now, int64_t edit_window,
                          json_t *arr)
{
    sqlite3_stmt *st = db_query(db,
                                "SELECT id, address, body, created_at, "
                                "edited_at, hidden FROM social_comments "
                                "WHERE task = ? AND (? OR hidden = 0) "
                                "ORDER BY id LIMIT 1000",
                                "ti", task, (int64_t)(admin ? 1 : 0));
    int r = st ? 1 : -1;

    while (r == 1 && (r = db_step(db, st, "social: comments")) == 1) {
        const char *addr = (const char *)sqlite3_column_text(st, 1);
        int mine = viewer && addr && strcmp(viewer, addr) == 0;
        json_t *c = json_object();

        db_row_into(c, st, 0, comment_head, ARRAY_SIZE(comment_head));
        json_object_set_new(c, "address_display", display_address(addr));
        db_row_into(c, st, 2, comment_body, ARRAY_SIZE(comment_body));
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
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

/* 0 visible to this viewer, 1 not; *hidden set. */
static int task_for_viewer(struct db *db, const char *task, int admin,
                           int *hidden)
{
    int64_t h = 0;
    int r = db_int(db, &h, task_hidden_sql, "t", task);

    if (r != 0)
        return r;
    if (h && !admin)
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

/* The task's reactions, every one of the fixed set with its count and
 * whether viewer (NULL: nobody) gave it, as a new array; NULL on error. */
static json_t *reactions_json(struct db *db, const char *task,
                              const char *viewer)
{
    int64_t counts[16] = { 0 };
    int mine[16] = { 0 }, r;
    sqlite3_stmt *st = db_query(db,
                                "SELECT reaction, count(*), "
                                "sum(address = ?) FROM social_reactions "
                                "WHERE task = ? GROUP BY reaction",
                                "tt", viewer ? viewer : "", task);
    json_t *reacts;
    size_t i;

    r = st ? 1 : -1;
    while (r == 1 && (r = db_step(db, st, "social: reactions")) == 1) {
        int k = social_reaction_find((const char *)sqlite3_column_text(st, 0));

        if (k >= 0 && (size_t)k < ARRAY_SIZE(counts)) {
            counts[k] = sqlite3_column_int64(st, 1);
            mine[k] = sqlite3_column_int64(st, 2) > 0;
        }
    }
    db_stmt_done(db, st);
    if (r < 0)
        return NULL;
    reacts = json_array();
    for (i = 0; i < social_nreactions && i < ARRAY_SIZE(counts); i++)
        json_array_append_new(
            reacts, json_pack("{s:s,s:s,s:I,s:b}", "name",
                              social_reactions[i].name, "emoji",
                              social_reactions[i].emoji, "count",
                              (json_int_t)counts[i], "mine", mine[i]));
    return reacts;
}

int social_task_json(struct db *db, const char *task, const char *viewer,
                     int admin, int64_t now, int64_t edit_window,
                     json_t **outp)
{
    json_t *o = NULL, *reacts, *comments, *v = json_null();
    int hidden = 0, r, ret = -1;
    int64_t n = 0;

    r = task_for_viewer(db, task, admin, &hidden);
    if (r != 0)
        return r;
    o = json_object();
    if (db_int(db, &n, "SELECT count(*) FROM social_votes WHERE task = ?", "t",
               task) < 0)
        goto out;
    reacts = reactions_json(db, task, viewer);
    if (!reacts)
        goto out;
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

        r = db_int(db, &x,
                   "SELECT 1 FROM social_votes WHERE task = ? AND "
                   "address = ?",
                   "tt", task, viewer);
        if (r < 0)
            goto out;
        json_decref(v);
        v = json_pack("{s:s,s:o,s:b,s:b}", "address", viewer,
                      "address_display", display_address(viewer), "upvoted",
                      r == 0, "admin", admin);
    }
    json_object_set(o, "viewer", v);
    *outp = o;
    o = NULL;
    ret = 0;
out:
    json_decref(v);
    json_decref(o);
    return ret;
}

static const struct db_field audit_fields[] = {
    { "id", DB_INT },     { "time", DB_INT },   { "actor", DB_STR },
    { "action", DB_STR }, { "target", DB_STR }, { "ip", DB_STR },
    { "detail", DB_STR },
};

int social_audit_json(struct db *db, int64_t before, int64_t limit,
                      json_t **outp)
{
    return db_rows(db,
                   db_query(db,
                            "SELECT id, time, actor, action, target, ip, "
                            "detail FROM social_audit WHERE id < ? "
                            "ORDER BY id DESC LIMIT ?",
                            "ii", before > 0 ? before : INT64_MAX, limit),
                   audit_fields, ARRAY_SIZE(audit_fields), NULL, outp);
}

/* One integer figure of /admin: o[name] = the first column of sql. */
struct system_figure {
    const char *name;
    const char *sql;
};

/* Sets every figure's value on o.  0 or -1. */
static int figures_into(struct db *db, const struct system_figure *f, size_t n,
                        json_t *o)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int64_t v = 0;

        if (db_int(db, &v, f[i].sql, "") < 0)
            return -1;
        json_object_set_new(o, f[i].name, json_integer(v));
    }
    return 0;
}

static const struct system_figure db_figures[] = {
    { "page_count", "PRAGMA page_count" },
    { "page_size", "PRAGMA page_size" },
    { "freelist_pages", "PRAGMA freelist_count" },
};

/* Tables are named here only, never from input. */
static const struct system_figure row_figures[] = {
    { "tasks", "SELECT count(*) FROM tasks" },
    { "solutions", "SELECT count(*) FROM solutions" },
    { "contestations", "SELECT count(*) FROM contestations" },
    { "models", "SELECT count(*) FROM models" },
    { "miners", "SELECT count(*) FROM miners" },
    { "users", "SELECT count(*) FROM users" },
    { "ipfs_cids", "SELECT count(*) FROM ipfs_cids" },
    { "social_sessions", "SELECT count(*) FROM social_sessions" },
    { "social_votes", "SELECT count(*) FROM social_votes" },
    { "social_reactions", "SELECT count(*) FROM social_reactions" },
    { "social_comments", "SELECT count(*) FROM social_comments" },
    { "social_moderation", "SELECT count(*) FROM social_moderation" },
    { "social_audit", "SELECT count(*) FROM social_audit" },
};

static const struct system_figure social_figures[] = {
    { "live_sessions", "SELECT count(*) FROM social_sessions WHERE "
                       "revoked_at IS NULL AND expires_at > unixepoch()" },
    { "hidden_comments", "SELECT count(*) FROM social_comments WHERE "
                         "hidden = 1" },
};

static const struct system_figure ipfs_figures[] = {
    { "checks", "SELECT count(*) FROM ipfs_checks" },
    { "last_check", "SELECT max(time) FROM ipfs_checks" },
    { "due", "SELECT count(*) FROM ipfs_cids WHERE next_check IS NOT NULL "
             "AND next_check <= unixepoch()" },
};

/* {status: n} of ipfs_cids into cids.  0 or -1. */
static int cid_status_counts(struct db *db, json_t *cids)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT status, count(*) FROM ipfs_cids "
                                   "GROUP BY status");
    int r = st ? 1 : -1;

    while (r == 1 && (r = db_step(db, st, "social: ipfs_cids")) == 1)
        json_object_set_new(cids, (const char *)sqlite3_column_text(st, 0),
                            json_integer(sqlite3_column_int64(st, 1)));
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

/* The scanner's RPC counters (requests, errors, budget per endpoint) as
 * o's "rpc", null before the scanner saved any.  0 or -1. */
static int rpc_stats_into(struct db *db, json_t *o)
{
    sqlite3_stmt *st = db_stmt(db, "SELECT json, updated_at FROM rpc_stats "
                                   "WHERE id = 1");
    int r = st ? db_step(db, st, "social: rpc_stats") : -1;

    if (r == 1) {
        json_error_t e;
        json_t *eps = json_loads((const char *)sqlite3_column_text(st, 0), 0,
                                 &e);

        json_object_set_new(o, "rpc",
                            json_pack("{s:o,s:I}", "endpoints",
                                      eps ? eps : json_null(), "updated_at",
                                      (json_int_t)sqlite3_column_int64(st, 1)));
    } else if (r == 0) {
        json_object_set_new(o, "rpc", json_null());
    }
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

int social_system_json(struct db *db, json_t **outp)
{
    json_t *o = json_object(), *rows = json_object(), *ipfs = json_object();
    json_t *cids = json_object(), *last;
    json_int_t pages, page_size;

    json_object_set_new(o, "rows", rows);
    json_object_set_new(o, "ipfs", ipfs);
    json_object_set_new(ipfs, "cids", cids);
    if (figures_into(db, db_figures, ARRAY_SIZE(db_figures), o) < 0)
        goto fail;
    pages = json_integer_value(json_object_get(o, "page_count"));
    page_size = json_integer_value(json_object_get(o, "page_size"));
    json_object_set_new(o, "size_bytes", json_integer(pages * page_size));
    if (figures_into(db, row_figures, ARRAY_SIZE(row_figures), rows) < 0 ||
        figures_into(db, social_figures, ARRAY_SIZE(social_figures), o) < 0 ||
        cid_status_counts(db, cids) < 0 ||
        figures_into(db, ipfs_figures, ARRAY_SIZE(ipfs_figures), ipfs) < 0 ||
        rpc_stats_into(db, o) < 0)
        goto fail;
    /* No check yet: null, not 0. */
    last = json_object_get(ipfs, "last_check");
    if (json_integer_value(last) <= 0)
        json_object_set_new(ipfs, "last_check", json_null());
    *outp = o;
    return 0;
fail:
    json_decref(o);
    return -1;
}

static const struct db_field hidden_image_fields[] = {
    { "task", DB_STR },
    { "hidden_by", DB_STR },
    { "hidden_at", DB_INT },
    { "reason", DB_STR },
};

static const struct db_field hidden_comment_fields[] = {
    { "id", DB_INT },   { "task", DB_STR },      { "address", DB_STR },
    { "body", DB_STR }, { "hidden_by", DB_STR }, { "hidden_at", DB_INT },
};

int social_hidden_images_json(struct db *db, int64_t before_at,
                              const char *before_task, int64_t limit,
                              json_t **outp)
{
    /* Keyset order (hidden_at, task), newest first: no OFFSET. */
    return db_rows(db,
                   db_query(db,
                            "SELECT task, hidden_by, hidden_at, reason "
                            "FROM social_moderation WHERE ?1 <= 0 OR "
                            "hidden_at < ?1 OR (hidden_at = ?1 AND task < "
                            "?2) ORDER BY hidden_at DESC, task DESC "
                            "LIMIT ?3",
                            "iti", before_at, before_task ? before_task : "",
                            limit),
                   hidden_image_fields, ARRAY_SIZE(hidden_image_fields), NULL,
                   outp);
}

int social_hidden_comments_json(struct db *db, int64_t before_at,
                                int64_t before_id, int64_t limit,
                                json_t **outp)
{
    return db_rows(db,
                   db_query(db,
                            "SELECT id, task, address, body, hidden_by, "
                            "hidden_at FROM social_comments WHERE hidden = "
                            "1 AND (?1 <= 0 OR hidden_at < ?1 OR (hidden_at "
                            "= ?1 AND id < ?2)) ORDER BY hidden_at DESC, id "
                            "DESC LIMIT ?3",
                            "iii", before_at, before_id, limit),
                   hidden_comment_fields, ARRAY_SIZE(hidden_comment_fields),
                   NULL, outp);
}

int social_hidden_json(struct db *db, json_t **outp)
{
    json_t *images = NULL, *comments = NULL;

    if (social_hidden_images_json(db, 0, NULL, 500, &images) < 0 ||
        social_hidden_comments_json(db, 0, 0, 500, &comments) < 0) {
        json_decref(images);
        return -1;
    }
    *outp = json_pack("{s:o,s:o}", "images", images, "comments", comments);
    return *outp ? 0 : -1;
}

int social_reapply(struct db *db, int64_t rowid_mark)
{
    return db_run(db,
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
