/*
 * store.c - the scanner's writes: rows, derived tables, checkpoint, reorgs.
 *
 * Forward path: every inserted row moves the derived tables by an exact
 * delta (O(1) per event).  Reorg path: rows above the ancestor are deleted
 * and the derived rows they touched (days, owners, validators) recomputed
 * from what remains, so both paths give the same tables as a clean index.
 */
#include "arbiusd/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/buf.h"
#include "arbiusd/log.h"
#include "arbiusd/social_store.h"
#include "arbiusd/u256.h"

#define DAY 86400

#define STORE_CACHE 128

/* Prepared statements, kept for the life of the store: the scanner runs the
 * same few dozen statements for every event, and preparing dominates. */
struct stmt_cache {
    char *sql;
    sqlite3_stmt *s;
};

/*
 * Derived-table deltas of the range being written, keyed "day|model" or an
 * address, flushed once before the commit: a range of 10,000 tasks then
 * costs one UPDATE per touched day and owner, not five per task.
 */
enum { D_TASKS, D_TASKS_HUMAN, D_SOLVED, D_SOLVED_HUMAN, D_CLAIMS, D_NCOLS };

struct acc {
    char key[ST_HASH_SIZE + 24];   /* "" = empty slot */
    int64_t day;                   /* daily rows */
    char model[ST_HASH_SIZE];
    int64_t v[D_NCOLS];            /* users: tasks, tasks_human, solved,
                                      images */
    struct u256 fee;
    int64_t first_block, first_time, last_time; /* users */
};

struct acc_map {
    struct acc *slots;
    size_t cap, n;
};

/*
 * The miners' and earnings' deltas: like struct acc with a longer key and
 * two exact amounts.  mdaily "day|addr|model" (v: solutions, claims; f, r:
 * fees, rewards); mlat "addr|kind|day|secs" (v[0]: n); etot
 * "addr|role|era"; mearn "addr" (validator fees and rewards).
 */
struct macc {
    char key[192];                 /* "" = empty slot */
    char addr[ST_ADDR_SIZE];
    char str[ST_HASH_SIZE];        /* model or role */
    int64_t i0, i1;                /* day / kind / era, secs */
    int64_t v[2];
    struct u256 f, r;
};

struct macc_map {
    struct macc *slots;
    size_t cap, n;
};

struct store {
    struct db *db;
    sqlite3 *h;
    struct stmt_cache cache[STORE_CACHE];
    size_t ncache;
    int64_t totals[6];             /* tasks, tasks_human, solutions, claims,
                                      contestations, events */
    struct acc_map daily, users, day_users;
    struct macc_map mdaily, mlat, etot, mearn; /* see "miners and earnings" */
    int64_t active_window;         /* seconds; 0 = leave miners.active */
    int no_deltas;                 /* settle(): rows only (tokens --force) */
};

enum { T_TASKS, T_TASKS_HUMAN, T_SOLUTIONS, T_CLAIMS, T_CONTESTATIONS,
       T_EVENTS };

static uint64_t acc_hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;

    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return h;
}

/*
 * The open-addressing tables below (struct acc_map, struct macc_map) share
 * this lookup: *slotsp holds *capp slots of `size` bytes, each starting
 * with its NUL-terminated key ("" = empty slot), at most half full.
 * Returns the slot for key, keyed and counted in *np when it was absent
 * (*created = 1; its other bytes are those of a fresh zeroed slot).
 */
static void *slot_get(void **slotsp, size_t *capp, size_t *np, size_t size,
                      size_t keysz, const char *key, int *created)
{
    char *slots = *slotsp, *p;
    size_t i, cap = *capp;

    *created = 0;
    if ((*np + 1) * 2 > cap) {
        size_t bcap = cap ? cap * 2 : 64;
        char *bigger = xcalloc(bcap, size);

        for (i = 0; i < cap; i++) {
            const char *old = slots + i * size;
            size_t j;

            if (!old[0])
                continue;
            j = acc_hash(old) & (bcap - 1);
            while (bigger[j * size])
                j = (j + 1) & (bcap - 1);
            memcpy(bigger + j * size, old, size);
        }
        free(slots);
        *slotsp = slots = bigger;
        *capp = cap = bcap;
    }
    i = acc_hash(key) & (cap - 1);
    while ((p = slots + i * size)[0]) {
        if (strcmp(p, key) == 0)
            return p;
        i = (i + 1) & (cap - 1);
    }
    snprintf(p, keysz, "%s", key);
    (*np)++;
    *created = 1;
    return p;
}

/* The entry for key, created empty if absent. */
static struct acc *acc_get(struct acc_map *m, const char *key)
{
    void *slots = m->slots;
    struct acc *a;
    int created;

    a = slot_get(&slots, &m->cap, &m->n, sizeof(*m->slots),
                 sizeof(m->slots->key), key, &created);
    m->slots = slots;
    if (created) {
        a->first_block = INT64_MAX;
        a->first_time = INT64_MAX;
        a->last_time = INT64_MIN;
    }
    return a;
}

/* The entry for key in m, created zeroed if absent. */
static struct macc *macc_get(struct macc_map *m, const char *key)
{
    void *slots = m->slots;
    struct macc *a;
    int created;

    a = slot_get(&slots, &m->cap, &m->n, sizeof(*m->slots),
                 sizeof(m->slots->key), key, &created);
    m->slots = slots;
    return a;
}

static void macc_clear(struct macc_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

static void reset_deltas(struct store *st);

static void acc_clear(struct acc_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

/* ---- small SQL helpers ---- */

static sqlite3_stmt *prep(struct store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    size_t i;

    for (i = 0; i < st->ncache; i++) {
        if (strcmp(st->cache[i].sql, sql) == 0) {
            sqlite3_reset(st->cache[i].s);
            sqlite3_clear_bindings(st->cache[i].s);
            return st->cache[i].s;
        }
    }
    if (sqlite3_prepare_v3(st->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                           NULL) != SQLITE_OK) {
        log_warnx("store: prepare: %s: %s", sqlite3_errmsg(st->h), sql);
        sqlite3_finalize(s);
        return NULL;
    }
    if (st->ncache < STORE_CACHE) {
        st->cache[st->ncache].sql = xstrdup(sql);
        st->cache[st->ncache].s = s;
        st->ncache++;
    } else {
        log_warnx("store: statement cache full; %s not cached", sql);
    }
    return s;
}

/* Releases a statement from prep(): cached ones are only reset. */
static void done(struct store *st, sqlite3_stmt *s)
{
    size_t i;

    for (i = 0; i < st->ncache; i++) {
        if (st->cache[i].s == s) {
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return;
        }
    }
    sqlite3_finalize(s);
}

/*
 * Runs sql with arguments described by fmt: 'i' int64, 't' text (NULL ok),
 * 'T' text with a length (pointer + size_t), 'b' blob (pointer + size_t),
 * 'd' double.  Returns changes() >= 0, or -1 (logged).
 */
static int run(struct store *st, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *s = prep(st, sql);
    va_list ap;
    int i = 1, rc;

    if (!s)
        return -1;
    va_start(ap, fmt);
    for (; *fmt; fmt++, i++) {
        if (*fmt == 'i') {
            sqlite3_bind_int64(s, i, va_arg(ap, int64_t));
        } else if (*fmt == 't') {
            const char *t = va_arg(ap, const char *);

            if (t)
                sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(s, i);
        } else if (*fmt == 'T') {
            const char *t = va_arg(ap, const char *);
            size_t n = va_arg(ap, size_t);

            if (t)
                sqlite3_bind_text64(s, i, t, n, SQLITE_TRANSIENT, SQLITE_UTF8);
            else
                sqlite3_bind_null(s, i);
        } else if (*fmt == 'b') {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);

            if (p)
                sqlite3_bind_blob64(s, i, p, n, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(s, i);
        } else if (*fmt == 'd') {
            sqlite3_bind_double(s, i, va_arg(ap, double));
        }
    }
    va_end(ap);
    rc = sqlite3_step(s);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        log_warnx("store: %s: %s", sqlite3_errmsg(st->h), sql);
        done(st, s);
        return -1;
    }
    done(st, s);
    return sqlite3_changes(st->h);
}

/* One-row, one-column integer query; *found = 0 when no row. */
static int query_int(struct store *st, const char *sql, const char *key,
                     int64_t *out, int *found)
{
    sqlite3_stmt *s = prep(st, sql);
    int rc;

    if (!s)
        return -1;
    if (key)
        sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    done(st, s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_warnx("store: %s: %s", sqlite3_errmsg(st->h), sql);
        return -1;
    }
    return 0;
}

/* a + b for decimal uint256 text; a wrap is impossible for real fees but
 * is reported rather than stored wrong. */
static int dec_add(const char *a, const char *b, char out[ST_DEC_SIZE],
                   int negate_b)
{
    struct u256 x, y, r;

    if (u256_from_dec(a, strlen(a), &x) < 0 ||
        u256_from_dec(b, strlen(b), &y) < 0)
        return -1;
    if (negate_b ? u256_sub(&x, &y, &r) : u256_add(&x, &y, &r))
        return -1;
    return u256_to_dec(&r, out, ST_DEC_SIZE);
}

/* ---- lifecycle ---- */

int store_new(struct db *db, struct store **outp)
{
    struct store *st = xcalloc(1, sizeof(*st));

    st->db = db;
    st->h = db_sqlite(db);
    *outp = st;
    return 0;
}

void store_free(struct store *st)
{
    size_t i;

    if (!st)
        return;
    for (i = 0; i < st->ncache; i++) {
        sqlite3_finalize(st->cache[i].s);
        free(st->cache[i].sql);
    }
    reset_deltas(st);
    free(st);
}

int store_checkpoint(struct store *st, struct st_checkpoint *out)
{
    sqlite3_stmt *s = prep(st, "SELECT chain_id, start_block, indexed_block, "
                               "indexed_hash, indexed_time FROM scan_state "
                               "WHERE id = 1");
    int rc;

    if (!s)
        return -1;
    memset(out, 0, sizeof(*out));
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->found = 1;
        out->chain_id = (uint64_t)sqlite3_column_int64(s, 0);
        out->start_block = (uint64_t)sqlite3_column_int64(s, 1);
        out->block = (uint64_t)sqlite3_column_int64(s, 2);
        snprintf(out->hash, sizeof(out->hash), "%s",
                 (const char *)sqlite3_column_text(s, 3));
        out->time = sqlite3_column_int64(s, 4);
    }
    done(st, s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_warnx("store: checkpoint: %s", sqlite3_errmsg(st->h));
        return -1;
    }
    return 0;
}

int store_init_checkpoint(struct store *st, uint64_t chain_id,
                          const char *engine, uint64_t start_block,
                          const char *hash, int64_t time)
{
    return run(st,
               "INSERT INTO scan_state (id, chain_id, engine, start_block, "
               "indexed_block, indexed_hash, indexed_time, updated_at) "
               "VALUES (1, ?, ?, ?, ?, ?, ?, unixepoch())",
               "itiiti", (int64_t)chain_id, engine, (int64_t)start_block,
               (int64_t)start_block - 1, hash, time) < 0 ? -1 : 0;
}

int store_note_state(struct store *st, uint64_t head, int64_t head_time,
                     uint64_t safe, const char *last_error)
{
    return run(st,
               "UPDATE scan_state SET head_block = max(head_block, ?1), "
               "head_time = max(head_time, ?2), safe_block = ?3, "
               "last_error = ?4, updated_at = CASE WHEN ?4 IS NULL THEN "
               "unixepoch() ELSE updated_at END WHERE id = 1",
               "iiit", (int64_t)head, head_time, (int64_t)safe,
               last_error) < 0 ? -1 : 0;
}

int store_save_rpc_stats(struct store *st, const char *json)
{
    return run(st,
               "INSERT INTO rpc_stats (id, json, updated_at) VALUES "
               "(1, ?, unixepoch()) ON CONFLICT(id) DO UPDATE SET "
               "json = excluded.json, updated_at = excluded.updated_at",
               "t", json) < 0 ? -1 : 0;
}

/* ---- derived deltas ---- */

static int totals_add(struct store *st, int col, int64_t d)
{
    st->totals[col] += d;
    return 0;
}

static struct acc *daily_acc(struct store *st, int64_t day, const char *model)
{
    char key[ST_HASH_SIZE + 24];
    struct acc *a;

    snprintf(key, sizeof(key), "%lld|%s", (long long)day, model);
    a = acc_get(&st->daily, key);
    a->day = day;
    snprintf(a->model, sizeof(a->model), "%s", model);
    return a;
}

static int daily_add(struct store *st, int64_t day, const char *model,
                     int col, int64_t d)
{
    daily_acc(st, day, model)->v[col] += d;
    return 0;
}

static int daily_add_fee(struct store *st, int64_t day, const char *model,
                         const char *fee)
{
    struct acc *a = daily_acc(st, day, model);
    struct u256 f, sum;

    if (u256_from_dec(fee, strlen(fee), &f) < 0 || u256_add(&a->fee, &f, &sum)) {
        log_warnx("store: fee sum overflow for day %lld", (long long)day);
        return -1;
    }
    a->fee = sum;
    return 0;
}

/* A user's counts move; first/last only widen. */
static int user_add(struct store *st, const char *addr, int64_t tasks,
                    int64_t human, const char *fee, int64_t block,
                    int64_t first_time, int64_t last_time)
{
    struct acc *a = acc_get(&st->users, addr);
    struct u256 f, sum;

    a->v[0] += tasks;
    a->v[1] += human;
    if (fee) {
        if (u256_from_dec(fee, strlen(fee), &f) < 0 ||
            u256_add(&a->fee, &f, &sum))
            return -1;
        a->fee = sum;
    }
    if (block < a->first_block)
        a->first_block = block;
    if (first_time < a->first_time)
        a->first_time = first_time;
    if (last_time > a->last_time)
        a->last_time = last_time;
    return 0;
}

/*
 * Steps s (a bound one-column query of a stored decimal amount, no row =
 * 0), releases it, and writes stored + add into sum.  0 or -1.
 */
static int stored_plus(struct store *st, sqlite3_stmt *s, const struct u256 *add,
                       char sum[ST_DEC_SIZE])
{
    char cur[ST_DEC_SIZE] = "0", fee[ST_DEC_SIZE];

    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(cur, sizeof(cur), "%s", (const char *)sqlite3_column_text(s, 0));
    done(st, s);
    if (u256_to_dec(add, fee, sizeof(fee)) < 0 || dec_add(cur, fee, sum, 0) < 0) {
        log_warnx("store: amount sum overflow");
        return -1;
    }
    return 0;
}

/* A task of owner on day moves daily_users (who was active on which day). */
static void day_user_add(struct store *st, int64_t day, const char *owner,
                         int64_t tasks, int64_t human)
{
    char key[ST_HASH_SIZE + 24];
    struct acc *a;

    snprintf(key, sizeof(key), "%lld|%s", (long long)day, owner);
    a = acc_get(&st->day_users, key);
    a->day = day;
    snprintf(a->model, sizeof(a->model), "%s", owner);
    a->v[0] += tasks;
    a->v[1] += human;
}

/* Writes the range's deltas into totals, daily and users. */
static int flush_deltas(struct store *st)
{
    size_t i;
    int ret = -1;

    if (run(st,
            "UPDATE totals SET tasks = tasks + ?, tasks_human = tasks_human + ?, "
            "solutions = solutions + ?, claims = claims + ?, "
            "contestations = contestations + ?, events = events + ? "
            "WHERE id = 1",
            "iiiiii", st->totals[0], st->totals[1], st->totals[2],
            st->totals[3], st->totals[4], st->totals[5]) < 0)
        goto out;
    for (i = 0; i < st->daily.cap; i++) {
        struct acc *a = &st->daily.slots[i];
        char sum[ST_DEC_SIZE];
        sqlite3_stmt *s;

        if (!a->key[0])
            continue;
        s = prep(st, "SELECT fees FROM daily WHERE day = ? AND model = ?");
        if (!s)
            goto out;
        sqlite3_bind_int64(s, 1, a->day);
        sqlite3_bind_text(s, 2, a->model, -1, SQLITE_TRANSIENT);
        if (stored_plus(st, s, &a->fee, sum) < 0)
            goto out;
        if (run(st,
                "INSERT INTO daily (day, model, tasks, tasks_human, solved, "
                "solved_human, claims, fees) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(day, model) DO UPDATE SET "
                "tasks = tasks + excluded.tasks, "
                "tasks_human = tasks_human + excluded.tasks_human, "
                "solved = solved + excluded.solved, "
                "solved_human = solved_human + excluded.solved_human, "
                "claims = claims + excluded.claims, fees = excluded.fees",
                "itiiiiit", a->day, a->model, a->v[0], a->v[1], a->v[2],
                a->v[3], a->v[4], sum) < 0)
            goto out;
    }
    for (i = 0; i < st->users.cap; i++) {
        struct acc *a = &st->users.slots[i];
        char sum[ST_DEC_SIZE];
        sqlite3_stmt *s;

        if (!a->key[0])
            continue;
        s = prep(st, "SELECT fees FROM users WHERE address = ?");
        if (!s)
            goto out;
        sqlite3_bind_text(s, 1, a->key, -1, SQLITE_TRANSIENT);
        if (stored_plus(st, s, &a->fee, sum) < 0)
            goto out;
        if (run(st,
                "INSERT INTO users (address, first_block, first_time, "
                "last_time, tasks, tasks_human, fees, solved, images) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(address) DO UPDATE SET "
                "first_block = min(first_block, excluded.first_block), "
                "first_time = min(first_time, excluded.first_time), "
                "last_time = max(last_time, excluded.last_time), "
                "tasks = tasks + excluded.tasks, "
                "tasks_human = tasks_human + excluded.tasks_human, "
                "fees = excluded.fees, solved = solved + excluded.solved, "
                "images = images + excluded.images",
                "tiiiiitii", a->key, a->first_block, a->first_time,
                a->last_time, a->v[0], a->v[1], sum, a->v[2], a->v[3]) < 0)
            goto out;
    }
    for (i = 0; i < st->day_users.cap; i++) {
        struct acc *a = &st->day_users.slots[i];

        if (!a->key[0])
            continue;
        if (run(st,
                "INSERT INTO daily_users (day, address, tasks, tasks_human) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(day, address) DO UPDATE SET "
                "tasks = tasks + excluded.tasks, "
                "tasks_human = tasks_human + excluded.tasks_human",
                "itii", a->day, a->model, a->v[0], a->v[1]) < 0)
            goto out;
    }
    ret = 0;
out:
    return ret;
}

static void reset_deltas(struct store *st)
{
    memset(st->totals, 0, sizeof(st->totals));
    acc_clear(&st->daily);
    acc_clear(&st->users);
    acc_clear(&st->day_users);
    macc_clear(&st->mdaily);
    macc_clear(&st->mlat);
    macc_clear(&st->etot);
    macc_clear(&st->mearn);
}

/* Marks one task automine and moves every count it was in. */
static int task_flip_automine(struct store *st, const char *id)
{
    sqlite3_stmt *s;
    char model[ST_HASH_SIZE], owner[ST_ADDR_SIZE];
    int64_t tday, sday = -1;
    int rc;

    if (run(st, "UPDATE tasks SET automine = 1 WHERE id = ? AND automine = 0",
            "t", id) != 1)
        return 0;
    s = prep(st, "SELECT t.model, t.owner, t.time / 86400, s.time / 86400 "
                 "FROM tasks t LEFT JOIN solutions s ON s.task = t.id "
                 "WHERE t.id = ?");
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        done(st, s);
        return -1;
    }
    snprintf(model, sizeof(model), "%s", (const char *)sqlite3_column_text(s, 0));
    snprintf(owner, sizeof(owner), "%s", (const char *)sqlite3_column_text(s, 1));
    tday = sqlite3_column_int64(s, 2);
    if (sqlite3_column_type(s, 3) != SQLITE_NULL)
        sday = sqlite3_column_int64(s, 3);
    done(st, s);
    if (totals_add(st, T_TASKS_HUMAN, -1) < 0 ||
        daily_add(st, tday, model, D_TASKS_HUMAN, -1) < 0 ||
        user_add(st, owner, 0, -1, NULL, INT64_MAX, INT64_MAX, INT64_MIN) < 0)
        return -1;
    day_user_add(st, tday, owner, 0, -1);
    if (sday >= 0 && daily_add(st, sday, model, D_SOLVED_HUMAN, -1) < 0)
        return -1;
    return 0;
}

/* A new miner: every task it owns becomes automine. */
static int owner_became_miner(struct store *st, const char *addr)
{
    sqlite3_stmt *s = prep(st, "SELECT id FROM tasks WHERE owner = ? "
                               "AND automine = 0");
    char (*ids)[ST_HASH_SIZE] = NULL;
    size_t n = 0, cap = 0, i;
    int rc, ret = 0;

    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, addr, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ids = xrealloc(ids, cap * sizeof(*ids));
        }
        snprintf(ids[n++], ST_HASH_SIZE, "%s",
                 (const char *)sqlite3_column_text(s, 0));
    }
    done(st, s);
    if (rc != SQLITE_DONE)
        ret = -1;
    for (i = 0; ret == 0 && i < n; i++)
        if (task_flip_automine(st, ids[i]) < 0)
            ret = -1;
    free(ids);
    return ret;
}

/* ---- miners and earnings: deltas ---- */

/* Solutions / claims of a validator on a day for a model. */
static void miner_day_add(struct store *st, int64_t day, const char *addr,
                          const char *model, int64_t sols, int64_t claims)
{
    char key[192];
    struct macc *a;

    snprintf(key, sizeof(key), "%lld|%s|%s", (long long)day, addr, model);
    a = macc_get(&st->mdaily, key);
    a->i0 = day;
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    snprintf(a->str, sizeof(a->str), "%s", model);
    a->v[0] += sols;
    a->v[1] += claims;
}

/* One more latency sample (kind 0 solve, 1 claim lag) on day and all time. */
static void lat_add(struct store *st, const char *addr, int kind, int64_t day,
                    int64_t secs)
{
    int64_t days[2] = { -1, day };
    size_t i;

    for (i = 0; i < 2; i++) {
        char key[192];
        struct macc *a;

        snprintf(key, sizeof(key), "%s|%d|%lld|%lld", addr, kind,
                 (long long)days[i], (long long)secs);
        a = macc_get(&st->mlat, key);
        snprintf(a->addr, sizeof(a->addr), "%s", addr);
        a->i0 = kind;
        a->i1 = days[i];
        a->v[1] = secs;
        a->v[0]++;
    }
}

/* The validator and time of the solution of task (*time -1 if none). */
static int solution_of(struct store *st, const char *task,
                       char validator[ST_ADDR_SIZE], int64_t *time)
{
    sqlite3_stmt *s = prep(st, "SELECT validator, time FROM solutions "
                               "WHERE task = ?");
    int rc;

    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, task, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    validator[0] = '\0';
    *time = -1;
    if (rc == SQLITE_ROW) {
        snprintf(validator, ST_ADDR_SIZE, "%s",
                 (const char *)sqlite3_column_text(s, 0));
        *time = sqlite3_column_int64(s, 1);
    }
    done(st, s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ---- miners and earnings: rows, flush ---- */

/* amount (decimal) into *acc, exactly.  0 or -1. */
static int u256_add_dec(struct u256 *acc, const char *amount)
{
    struct u256 v, sum;

    if (u256_from_dec(amount, strlen(amount), &v) < 0 ||
        u256_add(acc, &v, &sum)) {
        log_warnx("store: amount %s does not add up", amount);
        return -1;
    }
    *acc = sum;
    return 0;
}

/* The earning's moves of the derived tables. */
static int earn_deltas(struct store *st, int64_t time, int era,
                       const char *model, const char *addr, const char *role,
                       int rewards, const char *amount)
{
    char key[192];
    struct macc *a;

    if (!addr[0])
        return 0;
    snprintf(key, sizeof(key), "%s|%s|%d", addr, role, era);
    a = macc_get(&st->etot, key);
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    snprintf(a->str, sizeof(a->str), "%s", role);
    a->i0 = era;
    if (u256_add_dec(rewards ? &a->r : &a->f, amount) < 0)
        return -1;
    if (strcmp(role, "validator") != 0)
        return 0;
    miner_day_add(st, time / DAY, addr, model, 0, 0);
    snprintf(key, sizeof(key), "%lld|%s|%s", (long long)(time / DAY), addr,
             model);
    a = macc_get(&st->mdaily, key);
    if (u256_add_dec(rewards ? &a->r : &a->f, amount) < 0)
        return -1;
    a = macc_get(&st->mearn, addr);
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    return u256_add_dec(rewards ? &a->r : &a->f, amount);
}

/* Stored decimal text + add, into out.  0 or -1. */
static int dec_plus(const char *stored, const struct u256 *add,
                    char out[ST_DEC_SIZE])
{
    char a[ST_DEC_SIZE];

    if (u256_to_dec(add, a, sizeof(a)) < 0 || dec_add(stored, a, out, 0) < 0) {
        log_warnx("store: amount sum overflow");
        return -1;
    }
    return 0;
}

/* Reads two decimal columns of one row (no row: "0", "0"). */
static int two_amounts(struct store *st, sqlite3_stmt *s,
                       char f[ST_DEC_SIZE], char r[ST_DEC_SIZE])
{
    int rc = sqlite3_step(s);

    snprintf(f, ST_DEC_SIZE, "0");
    snprintf(r, ST_DEC_SIZE, "0");
    if (rc == SQLITE_ROW) {
        snprintf(f, ST_DEC_SIZE, "%s", (const char *)sqlite3_column_text(s, 0));
        snprintf(r, ST_DEC_SIZE, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    done(st, s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_warnx("store: %s", sqlite3_errmsg(st->h));
        return -1;
    }
    return 0;
}

/* Whole AIUS of fees + rewards (decimal wei), for sorting only. */
static double aius_of(const char *f, const char *r)
{
    struct u256 a, b, sum;

    if (u256_from_dec(f, strlen(f), &a) < 0 ||
        u256_from_dec(r, strlen(r), &b) < 0 || u256_add(&a, &b, &sum))
        return 0;
    return u256_to_double(&sum) / 1e18;
}

static int flush_miner_deltas(struct store *st)
{
    size_t i;

    for (i = 0; i < st->mdaily.cap; i++) {
        struct macc *a = &st->mdaily.slots[i];
        char f[ST_DEC_SIZE], r[ST_DEC_SIZE], nf[ST_DEC_SIZE], nr[ST_DEC_SIZE];
        sqlite3_stmt *s;

        if (!a->key[0])
            continue;
        /* Counts only (most ranges): no amount to read and add. */
        if (u256_is_zero(&a->f) && u256_is_zero(&a->r)) {
            if (run(st,
                    "INSERT INTO miner_daily (day, address, model, solutions, "
                    "claims) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(address, day, model) DO UPDATE SET "
                    "solutions = solutions + excluded.solutions, "
                    "claims = claims + excluded.claims",
                    "ittii", a->i0, a->addr, a->str, a->v[0], a->v[1]) < 0)
                return -1;
            continue;
        }
        s = prep(st, "SELECT fees, rewards FROM miner_daily WHERE "
                     "address = ? AND day = ? AND model = ?");
        if (!s)
            return -1;
        sqlite3_bind_text(s, 1, a->addr, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 2, a->i0);
        sqlite3_bind_text(s, 3, a->str, -1, SQLITE_TRANSIENT);
        if (two_amounts(st, s, f, r) < 0 || dec_plus(f, &a->f, nf) < 0 ||
            dec_plus(r, &a->r, nr) < 0)
            return -1;
        if (run(st,
                "INSERT INTO miner_daily (day, address, model, solutions, "
                "claims, fees, rewards) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(address, day, model) DO UPDATE SET "
                "solutions = solutions + excluded.solutions, "
                "claims = claims + excluded.claims, fees = excluded.fees, "
                "rewards = excluded.rewards",
                "ittiitt", a->i0, a->addr, a->str, a->v[0], a->v[1], nf,
                nr) < 0)
            return -1;
    }
    for (i = 0; i < st->mlat.cap; i++) {
        struct macc *a = &st->mlat.slots[i];

        if (!a->key[0])
            continue;
        if (run(st,
                "INSERT INTO miner_latency (address, kind, day, secs, n) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(address, kind, day, secs) "
                "DO UPDATE SET n = n + excluded.n",
                "tiiii", a->addr, a->i0, a->i1, a->v[1], a->v[0]) < 0)
            return -1;
    }
    for (i = 0; i < st->etot.cap; i++) {
        struct macc *a = &st->etot.slots[i];
        char f[ST_DEC_SIZE], r[ST_DEC_SIZE], nf[ST_DEC_SIZE], nr[ST_DEC_SIZE];
        sqlite3_stmt *s;

        if (!a->key[0])
            continue;
        s = prep(st, "SELECT fees, rewards FROM earnings_totals WHERE "
                     "address = ? AND role = ? AND era = ?");
        if (!s)
            return -1;
        sqlite3_bind_text(s, 1, a->addr, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, a->str, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, a->i0);
        if (two_amounts(st, s, f, r) < 0 || dec_plus(f, &a->f, nf) < 0 ||
            dec_plus(r, &a->r, nr) < 0)
            return -1;
        if (run(st,
                "INSERT OR REPLACE INTO earnings_totals (address, role, era, "
                "fees, rewards) VALUES (?, ?, ?, ?, ?)",
                "ttitt", a->addr, a->str, a->i0, nf, nr) < 0)
            return -1;
    }
    for (i = 0; i < st->mearn.cap; i++) {
        struct macc *a = &st->mearn.slots[i];
        char f[ST_DEC_SIZE], r[ST_DEC_SIZE], nf[ST_DEC_SIZE], nr[ST_DEC_SIZE];
        sqlite3_stmt *s;

        if (!a->key[0])
            continue;
        s = prep(st, "SELECT fees, rewards FROM miners WHERE address = ?");
        if (!s)
            return -1;
        sqlite3_bind_text(s, 1, a->addr, -1, SQLITE_TRANSIENT);
        if (two_amounts(st, s, f, r) < 0 || dec_plus(f, &a->f, nf) < 0 ||
            dec_plus(r, &a->r, nr) < 0)
            return -1;
        /* A validator whose solutions predate the index has no row: its
         * earnings stay in earnings_totals. */
        if (run(st, "UPDATE miners SET fees = ?, rewards = ?, "
                    "earned_aius = ? WHERE address = ?",
                "ttdt", nf, nr, aius_of(nf, nr), a->addr) < 0)
            return -1;
    }
    return 0;
}

/* ---- settlements: claims and rejected contestations -> earnings ---- */

#define SETTLE_MAX_LOGS 64   /* payout logs of one settlement */

struct settlement {
    const char *via;                /* "claim" | "contestation" */
    char task[ST_HASH_SIZE];
    char validator[ST_ADDR_SIZE];
    const struct st_event *logs[SETTLE_MAX_LOGS]; /* transfers, payouts */
    size_t n;
};

enum { PART_VALIDATOR, PART_OWNER, PART_TREASURY, PART_MODEL };
static const char *const PART_ROLE[] = { "validator", "task_owner",
                                         "treasury", "model" };

/* One earnings row (skipped when the amount is zero), with its deltas when
 * it is new. */
static int earn_put(struct store *st, const struct st_event *src, int part,
                    const struct st_event *anchor, int era, const char *via,
                    const char *task, const char *model, const char *addr,
                    int rewards, const char *amount)
{
    int r;

    if (strcmp(amount, "0") == 0)
        return 0;
    r = run(st,
            "INSERT OR IGNORE INTO earnings (block, log_index, part, tx, time, "
            "era, via, task, model, addr, role, kind, amount) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "iiitiittttttt", (int64_t)src->pos.block,
            (int64_t)src->pos.log_index, (int64_t)part, src->pos.tx,
            anchor->pos.time, (int64_t)era, via, task, model, addr,
            PART_ROLE[part], rewards ? "rewards" : "fees", amount);
    if (r <= 0 || st->no_deltas)
        return r < 0 ? -1 : 0;
    return earn_deltas(st, anchor->pos.time, era, model, addr,
                       PART_ROLE[part], rewards, amount);
}

/* The owner and model of a task, and the model's payee. */
static int task_parties(struct store *st, const char *task,
                        char owner[ST_ADDR_SIZE], char model[ST_HASH_SIZE],
                        char model_addr[ST_ADDR_SIZE])
{
    sqlite3_stmt *s = prep(st, "SELECT t.owner, t.model, m.addr FROM tasks t "
                               "LEFT JOIN models m ON m.id = t.model "
                               "WHERE t.id = ?");
    int rc;

    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, task, -1, SQLITE_TRANSIENT);
    owner[0] = model_addr[0] = '\0';
    snprintf(model, ST_HASH_SIZE, "unknown");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(owner, ST_ADDR_SIZE, "%s", (const char *)sqlite3_column_text(s, 0));
        snprintf(model, ST_HASH_SIZE, "%s", (const char *)sqlite3_column_text(s, 1));
        if (sqlite3_column_type(s, 2) != SQLITE_NULL)
            snprintf(model_addr, ST_ADDR_SIZE, "%s",
                     (const char *)sqlite3_column_text(s, 2));
    }
    done(st, s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Turns one settlement (its anchor: the SolutionClaimed or the
 * ContestationVoteFinish) into earnings rows; see 0005_miners.sql. */
static int settle(struct store *st, const struct settlement *z,
                  const struct st_event *anchor)
{
    const struct st_event *fees = NULL, *rew = NULL, *tr[SETTLE_MAX_LOGS];
    char owner[ST_ADDR_SIZE], model[ST_HASH_SIZE], maddr[ST_ADDR_SIZE];
    size_t i, nt = 0, fees_at = 0;

    if (z->n == 0)
        return 0;
    if (task_parties(st, z->task, owner, model, maddr) < 0)
        return -1;
    for (i = 0; i < z->n; i++) {
        const struct st_event *e = z->logs[i];

        if (e->kind == ST_TRANSFER) {
            tr[nt++] = e;
        } else if (strcmp(e->u.payout.kind, "fees") == 0) {
            if (!fees) {
                fees = e;
                fees_at = nt;
            }
        } else if (!rew) {
            rew = e;
        }
    }
    if (fees || rew) {
        int era = fees ? fees->u.payout.era : rew->u.payout.era;

        if (fees) {
            const struct st_payout *o = &fees->u.payout;
            char mpart[ST_DEC_SIZE];

            if (earn_put(st, fees, PART_VALIDATOR, anchor, era, z->via,
                         z->task, model, z->validator, 0, o->a[3]) < 0)
                return -1;
            /* The model owner's part: modelFee - treasuryFee, paid by the
             * settlement's first Transfer (before FeesPaid; era 5 then
             * transfers the validator fee) when it is not zero. */
            if (dec_add(o->a[0], o->a[1], mpart, 1) == 0 &&
                earn_put(st, fees, PART_MODEL, anchor, era, z->via, z->task,
                         model, fees_at > 0 ? tr[0]->u.transfer.dst : maddr,
                         0, mpart) < 0)
                return -1;
        }
        if (rew) {
            const struct st_payout *o = &rew->u.payout;

            if (earn_put(st, rew, PART_VALIDATOR, anchor, era, z->via,
                         z->task, model, z->validator, 1, o->a[3]) < 0 ||
                earn_put(st, rew, PART_OWNER, anchor, era, z->via, z->task,
                         model, owner, 1, o->a[2]) < 0 ||
                earn_put(st, rew, PART_TREASURY, anchor, era, z->via, z->task,
                         model, "", 1, o->a[1]) < 0)
                return -1;
        }
        return 0;
    }
    /* Era 4: transfers only.  Fees are at most two (model, validator), so
     * three or more transfers end with the rewards. */
    if (nt >= 3) {
        static const int parts[3] = { PART_TREASURY, PART_OWNER,
                                      PART_VALIDATOR };

        for (i = 0; i < 3; i++) {
            const struct st_event *t = tr[nt - 3 + i];

            if (earn_put(st, t, parts[i], anchor, 4, z->via, z->task, model,
                         t->u.transfer.dst, 1, t->u.transfer.amount) < 0)
                return -1;
        }
        nt -= 3;
    }
    for (i = 0; i < nt; i++) {
        const struct st_event *t = tr[i];
        int part = nt == 2 ? (i == 0 ? PART_MODEL : PART_VALIDATOR)
                   : strcmp(t->u.transfer.dst, z->validator) == 0
                       ? PART_VALIDATOR
                       : PART_MODEL;

        if (earn_put(st, t, part, anchor, 4, z->via, z->task, model,
                     t->u.transfer.dst, 0, t->u.transfer.amount) < 0)
            return -1;
    }
    return 0;
}

/* 1 if the contestation of task was rejected (yeas <= nays), 0 if upheld
 * or not indexed, -1 on error. */
static int contestation_rejected(struct store *st, const char *task)
{
    int64_t v;
    int found;

    if (query_int(st,
                  "SELECT (SELECT count(*) FROM votes WHERE task = ?1 AND "
                  "yea = 1) <= (SELECT count(*) FROM votes WHERE task = ?1 "
                  "AND yea = 0) FROM contestations WHERE task = ?1",
                  task, &v, &found) < 0)
        return -1;
    return found && v ? 1 : 0;
}

/*
 * Walks events in chain order and settles every claim and every finished
 * rejected contestation, as truth.mjs does: payout logs after a
 * SolutionClaimed (until the next one or the end of the transaction)
 * belong to it; payout logs not after a claim belong to the next
 * ContestationVoteFinish of the transaction with start index 0.
 */
static int settle_events(struct store *st, const struct st_event *evs,
                         size_t n)
{
    struct settlement *cur = xcalloc(1, sizeof(*cur));
    struct settlement *pend = xcalloc(1, sizeof(*pend));
    const struct st_event *anchor = NULL;
    const char *tx = "";
    size_t i;
    int ret = -1;

    for (i = 0; i < n; i++) {
        const struct st_event *e = &evs[i];

        if (strcmp(e->pos.tx, tx) != 0) {
            if (anchor && settle(st, cur, anchor) < 0)
                goto out;
            anchor = NULL;
            cur->n = pend->n = 0;
            tx = e->pos.tx;
        }
        if (e->kind == ST_CLAIM) {
            if (anchor && settle(st, cur, anchor) < 0)
                goto out;
            anchor = e;
            cur->n = 0;
            cur->via = "claim";
            snprintf(cur->task, sizeof(cur->task), "%s", e->u.pair.task);
            snprintf(cur->validator, sizeof(cur->validator), "%s",
                     e->u.pair.addr);
        } else if (e->kind == ST_TRANSFER || e->kind == ST_PAYOUT) {
            struct settlement *z = anchor ? cur : pend;

            if (z->n < SETTLE_MAX_LOGS)
                z->logs[z->n++] = e;
            else
                log_warnx("store: tx %s: more than %d payout logs in one "
                          "settlement", e->pos.tx, SETTLE_MAX_LOGS);
        } else if (e->kind == ST_VOTE_FINISH) {
            int64_t stime;
            int rej = 0;

            if (e->u.finish.start_idx == 0 &&
                (rej = contestation_rejected(st, e->u.finish.task)) < 0)
                goto out;
            if (rej) {
                pend->via = "contestation";
                snprintf(pend->task, sizeof(pend->task), "%s",
                         e->u.finish.task);
                if (solution_of(st, e->u.finish.task, pend->validator,
                                &stime) < 0 ||
                    settle(st, pend, e) < 0)
                    goto out;
            }
            pend->n = 0;
        }
    }
    if (anchor && settle(st, cur, anchor) < 0)
        goto out;
    ret = 0;
out:
    free(cur);
    free(pend);
    return ret;
}

/* The owner of a solved task gains a solved task (and an image when the
 * model's output is one). */
static int owner_solved(struct store *st, const char *task)
{
    sqlite3_stmt *s = prep(st, "SELECT t.owner, coalesce(m.output_type = "
                               "'image', 0) FROM tasks t LEFT JOIN models m "
                               "ON m.id = t.model WHERE t.id = ?");
    int rc;

    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, task, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        struct acc *a = acc_get(&st->users,
                                (const char *)sqlite3_column_text(s, 0));

        a->v[2]++;
        a->v[3] += sqlite3_column_int(s, 1) ? 1 : 0;
    }
    done(st, s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ---- row writers ---- */

static int put_task(struct store *st, const struct st_event *ev)
{
    const struct st_task *t = &ev->u.task;
    int64_t day = ev->pos.time / DAY, dummy;
    int is_miner = 0, automine, r;

    if (query_int(st, "SELECT 1 FROM miners WHERE address = ?", t->owner,
                  &dummy, &is_miner) < 0)
        return -1;
    automine = t->bulk_size > 1 || is_miner;
    r = run(st,
            "INSERT OR IGNORE INTO tasks (id, model, fee, fee_aius, owner, "
            "sender, version, input, input_json, prompt, input_flags, cid, "
            "via, bulk_size, automine, block, log_index, tx, time) VALUES "
            "(?, ?, ?, ?, ?, ?, nullif(?, -1), ?, ?, ?, ?, nullif(?, ''), ?, "
            "?, ?, ?, ?, ?, ?)",
            "tttdttibtTittiiiiti", t->id, t->model, t->fee, t->fee_aius, t->owner,
            t->sender, (int64_t)t->version, t->input, t->input_len,
            t->input_json, t->prompt, t->prompt_len, (int64_t)t->input_flags, t->cid,
            t->via, (int64_t)t->bulk_size, (int64_t)automine,
            (int64_t)ev->pos.block, (int64_t)ev->pos.log_index, ev->pos.tx,
            ev->pos.time);
    if (r <= 0)
        return r;
    if (totals_add(st, T_TASKS, 1) < 0 ||
        totals_add(st, T_TASKS_HUMAN, !automine) < 0 ||
        daily_add(st, day, t->model, D_TASKS, 1) < 0 ||
        daily_add(st, day, t->model, D_TASKS_HUMAN, !automine) < 0 ||
        daily_add_fee(st, day, t->model, t->fee) < 0 ||
        user_add(st, t->owner, 1, !automine, t->fee, (int64_t)ev->pos.block,
                 ev->pos.time, ev->pos.time) < 0)
        return -1;
    day_user_add(st, day, t->owner, 1, !automine);
    return 1;
}

/* The task's model, automine flag and time ("unknown"/0/-1 if not
 * indexed). */
static int task_info(struct store *st, const char *id, char model[ST_HASH_SIZE],
                     int *automine, int64_t *time)
{
    sqlite3_stmt *s = prep(st, "SELECT model, automine, time FROM tasks "
                               "WHERE id = ?");
    int rc;

    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(model, ST_HASH_SIZE, "%s", (const char *)sqlite3_column_text(s, 0));
        *automine = sqlite3_column_int(s, 1);
        *time = sqlite3_column_int64(s, 2);
    } else {
        snprintf(model, ST_HASH_SIZE, "unknown");
        *automine = 0;
        *time = -1;
    }
    done(st, s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int put_solution(struct store *st, const struct st_event *ev)
{
    const struct st_solution *so = &ev->u.solution;
    char model[ST_HASH_SIZE];
    int64_t dummy, ttime;
    int known, automine, r;

    r = run(st,
            "INSERT OR IGNORE INTO solutions (task, validator, cid, cid_text, "
            "cid_flags, block, log_index, tx, time) VALUES "
            "(?, ?, ?, nullif(?, ''), ?, ?, ?, ?, ?)",
            "ttttiiiti", so->task, so->validator, so->cid_hex, so->cid_text,
            (int64_t)so->cid_flags, (int64_t)ev->pos.block,
            (int64_t)ev->pos.log_index, ev->pos.tx, ev->pos.time);
    if (r <= 0)
        return r;
    if (query_int(st, "SELECT 1 FROM miners WHERE address = ?", so->validator,
                  &dummy, &known) < 0)
        return -1;
    if (run(st,
            "INSERT INTO miners (address, first_block, first_time, last_time, "
            "solutions) VALUES (?, ?, ?, ?, 1) ON CONFLICT(address) DO UPDATE "
            "SET first_block = min(first_block, excluded.first_block), "
            "first_time = min(first_time, excluded.first_time), "
            "last_time = max(last_time, excluded.last_time), "
            "solutions = solutions + 1",
            "tiii", so->validator, (int64_t)ev->pos.block, ev->pos.time,
            ev->pos.time) < 0)
        return -1;
    /* The task's flag before this solution makes its owner a miner: a
     * flip below takes the solution's human count back out, so it must be
     * counted as it stood (its own task's first solution by a new miner
     * would otherwise be subtracted without having been added). */
    if (task_info(st, so->task, model, &automine, &ttime) < 0)
        return -1;
    if (!known && owner_became_miner(st, so->validator) < 0)
        return -1;
    if (ttime >= 0 && owner_solved(st, so->task) < 0)
        return -1;
    miner_day_add(st, ev->pos.time / DAY, so->validator, model, 1, 0);
    if (ttime >= 0)
        lat_add(st, so->validator, 0, ev->pos.time / DAY,
                ev->pos.time - ttime);
    if (totals_add(st, T_SOLUTIONS, 1) < 0 ||
        daily_add(st, ev->pos.time / DAY, model, D_SOLVED, 1) < 0 ||
        daily_add(st, ev->pos.time / DAY, model, D_SOLVED_HUMAN, !automine) < 0)
        return -1;
    return 1;
}

static int put_other_raw(struct store *st, const struct st_pos *p,
                         const char *address, const char *name,
                         const char *topic0, const char *args)
{
    return run(st,
               "INSERT OR IGNORE INTO other_events (block, log_index, tx, time, "
               "address, name, topic0, args) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               "iitittt" "t", (int64_t)p->block, (int64_t)p->log_index, p->tx,
               p->time, address, name, topic0, args);
}

static int put_claim(struct store *st, const struct st_event *ev)
{
    const struct st_pair *c = &ev->u.pair;
    char model[ST_HASH_SIZE], args[256], validator[ST_ADDR_SIZE];
    int64_t ttime, stime;
    int automine, r;

    r = run(st,
            "UPDATE solutions SET claimed = 1, claim_block = ?, "
            "claim_log_index = ?, claim_tx = ?, claim_time = ? "
            "WHERE task = ? AND claimed = 0",
            "iitit", (int64_t)ev->pos.block, (int64_t)ev->pos.log_index,
            ev->pos.tx, ev->pos.time, c->task);
    if (r < 0)
        return -1;
    if (r == 0) {
        int64_t dummy;
        int exists;

        /* Already claimed (a replay of this very range) or the solution
         * predates the index: keep the log rather than lose it. */
        if (query_int(st, "SELECT 1 FROM solutions WHERE task = ?", c->task,
                      &dummy, &exists) < 0)
            return -1;
        if (exists)
            return 0;
        snprintf(args, sizeof(args), "{\"addr\":\"%s\",\"task\":\"%s\"}",
                 c->addr, c->task);
        return put_other_raw(st, &ev->pos, "", "SolutionClaimed", "", args);
    }
    if (task_info(st, c->task, model, &automine, &ttime) < 0 ||
        solution_of(st, c->task, validator, &stime) < 0)
        return -1;
    miner_day_add(st, ev->pos.time / DAY, validator, model, 0, 1);
    lat_add(st, validator, 1, ev->pos.time / DAY, ev->pos.time - stime);
    if (totals_add(st, T_CLAIMS, 1) < 0 ||
        daily_add(st, ev->pos.time / DAY, model, D_CLAIMS, 1) < 0 ||
        run(st, "UPDATE miners SET claims = claims + 1 WHERE address = "
                "(SELECT validator FROM solutions WHERE task = ?)",
            "t", c->task) < 0)
        return -1;
    return 1;
}

/* Every ContestationVoteFinish is kept as an event (a contestation may be
 * finished in several batches); the contestation row shows the latest. */
static int put_vote_finish(struct store *st, const struct st_event *ev)
{
    const struct st_vote_finish *f = &ev->u.finish;
    char args[256];
    int r;

    snprintf(args, sizeof(args),
             "{\"id\":\"%s\",\"start_idx\":%u,\"end_idx\":%u}", f->task,
             f->start_idx, f->end_idx);
    r = put_other_raw(st, &ev->pos, "", "ContestationVoteFinish", "", args);
    if (r <= 0)
        return r;
    if (run(st,
            "UPDATE contestations SET finish_block = ?1, finish_log_index = ?2, "
            "finish_start = ?3, finish_end = ?4 WHERE task = ?5 AND "
            "(finish_block IS NULL OR finish_block < ?1 OR "
            "(finish_block = ?1 AND finish_log_index < ?2))",
            "iiiit", (int64_t)ev->pos.block, (int64_t)ev->pos.log_index,
            (int64_t)f->start_idx, (int64_t)f->end_idx, f->task) < 0)
        return -1;
    return r;
}

/* Template fields of a model from its JSON template bytes. */
static void template_fields(const uint8_t *b, size_t n, char **json,
                            char **file, char **type, char **title)
{
    json_t *j = b ? json_loadb((const char *)b, n, 0, NULL) : NULL;
    json_t *out0, *meta;

    *json = *file = *type = *title = NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return;
    }
    *json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    out0 = json_array_get(json_object_get(j, "output"), 0);
    if (json_is_string(json_object_get(out0, "filename")))
        *file = xstrdup(json_string_value(json_object_get(out0, "filename")));
    if (json_is_string(json_object_get(out0, "type")))
        *type = xstrdup(json_string_value(json_object_get(out0, "type")));
    meta = json_object_get(j, "meta");
    if (json_is_string(json_object_get(meta, "title")))
        *title = xstrdup(json_string_value(json_object_get(meta, "title")));
    json_decref(j);
}

static int put_model(struct store *st, const struct st_event *ev)
{
    const struct st_model *m = &ev->u.model;
    char *json, *file, *type, *title;
    int r;

    template_fields(m->template_bytes, m->template_len, &json, &file, &type,
                    &title);
    r = run(st,
            "INSERT OR IGNORE INTO models (id, addr, fee, template, "
            "template_json, output_file, output_type, title, cid, block, "
            "log_index, tx, time) VALUES (?, nullif(?, ''), ?, ?, ?, ?, ?, ?, "
            "nullif(?, ''), ?, ?, ?, ?)",
            "tttbttttt" "iiti", m->id, m->addr, m->fee, m->template_bytes,
            m->template_len, json, file, type, title, m->cid,
            (int64_t)ev->pos.block, (int64_t)ev->pos.log_index, ev->pos.tx,
            ev->pos.time);
    free(json);
    free(file);
    free(type);
    free(title);
    return r;
}

static int put_model_change(struct store *st, const struct st_event *ev)
{
    const struct st_model_change *c = &ev->u.change;
    char sql[128];
    int r;

    r = run(st,
            "INSERT OR IGNORE INTO model_changes (block, log_index, tx, model, "
            "kind, value) VALUES (?, ?, ?, ?, ?, ?)",
            "iitttt", (int64_t)ev->pos.block, (int64_t)ev->pos.log_index,
            ev->pos.tx, c->model, c->kind, c->value);
    if (r <= 0)
        return r;
    snprintf(sql, sizeof(sql), "UPDATE models SET %s = ? WHERE id = ?",
             strcmp(c->kind, "fee") == 0    ? "fee"
             : strcmp(c->kind, "rate") == 0 ? "rate"
                                            : "addr");
    return run(st, sql, "tt", c->value, c->model) < 0 ? -1 : 1;
}

static int put_event(struct store *st, const struct st_event *ev)
{
    const struct st_pos *p = &ev->pos;
    int r;

    switch (ev->kind) {
    case ST_TASK:
        r = put_task(st, ev);
        break;
    case ST_SOLUTION:
        r = put_solution(st, ev);
        break;
    case ST_CLAIM:
        r = put_claim(st, ev);
        break;
    case ST_TASK_RETRACTED: {
        char args[128];

        snprintf(args, sizeof(args), "{\"id\":\"%s\"}", ev->u.pair.task);
        r = put_other_raw(st, p, "", "TaskRetracted", "", args);
        if (r > 0 && run(st, "UPDATE tasks SET retracted = 1 WHERE id = ?",
                         "t", ev->u.pair.task) < 0)
            r = -1;
        break;
    }
    case ST_COMMITMENT:
        r = run(st,
                "INSERT OR IGNORE INTO commitments (commitment, addr, block, "
                "log_index, tx, time) VALUES (?, ?, ?, ?, ?, ?)",
                "ttiiti", ev->u.pair.task, ev->u.pair.addr, (int64_t)p->block,
                (int64_t)p->log_index, p->tx, p->time);
        break;
    case ST_CONTESTATION:
        r = run(st,
                "INSERT OR IGNORE INTO contestations (task, contester, "
                "suggested, block, log_index, tx, time) VALUES "
                "(?, ?, ?, ?, ?, ?, ?)",
                "ttiiiti", ev->u.pair.task, ev->u.pair.addr,
                (int64_t)ev->u.pair.flag, (int64_t)p->block,
                (int64_t)p->log_index, p->tx, p->time);
        if (r > 0 && totals_add(st, T_CONTESTATIONS, 1) < 0)
            r = -1;
        break;
    case ST_VOTE:
        r = run(st,
                "INSERT OR IGNORE INTO votes (task, voter, yea, block, "
                "log_index, tx, time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                "ttiiiti", ev->u.vote.task, ev->u.vote.voter,
                (int64_t)ev->u.vote.yea, (int64_t)p->block,
                (int64_t)p->log_index, p->tx, p->time);
        break;
    case ST_VOTE_FINISH:
        r = put_vote_finish(st, ev);
        break;
    case ST_MODEL:
        r = put_model(st, ev);
        break;
    case ST_MODEL_CHANGE:
        r = put_model_change(st, ev);
        break;
    case ST_STAKE: {
        const struct st_stake *k = &ev->u.stake;

        r = run(st,
                "INSERT OR IGNORE INTO stake_events (block, log_index, tx, "
                "time, kind, addr, validator, count, amount, unlock_time) "
                "VALUES (?, ?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), "
                "nullif(?, ''), nullif(?, ''))",
                "iititttttt", (int64_t)p->block, (int64_t)p->log_index, p->tx,
                p->time, k->kind, k->addr, k->validator, k->count, k->amount,
                k->unlock);
        break;
    }
    case ST_PAYOUT: {
        const struct st_payout *o = &ev->u.payout;

        r = run(st,
                "INSERT OR IGNORE INTO payouts (block, log_index, tx, time, "
                "kind, era, task, model, validator, a0, a1, a2, a3) VALUES "
                "(?, ?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), "
                "nullif(?, ''), ?, ?, ?, ?)",
                "iititittttttt", (int64_t)p->block, (int64_t)p->log_index,
                p->tx, p->time, o->kind, (int64_t)o->era, o->task, o->model,
                o->validator, o->a[0], o->a[1], o->a[2], o->a[3]);
        break;
    }
    case ST_TRANSFER:
        r = run(st,
                "INSERT OR IGNORE INTO transfers (block, log_index, tx, time, "
                "src, dst, amount) VALUES (?, ?, ?, ?, ?, ?, ?)",
                "iititt" "t", (int64_t)p->block, (int64_t)p->log_index, p->tx,
                p->time, ev->u.transfer.src, ev->u.transfer.dst,
                ev->u.transfer.amount);
        break;
    case ST_INCENTIVE:
        r = run(st,
                "INSERT OR IGNORE INTO incentives (block, log_index, tx, time, "
                "task, kind, recipient, amount) VALUES (?, ?, ?, ?, ?, ?, "
                "nullif(?, ''), ?)",
                "iitittt" "t", (int64_t)p->block, (int64_t)p->log_index, p->tx,
                p->time, ev->u.incentive.task, ev->u.incentive.kind,
                ev->u.incentive.recipient, ev->u.incentive.amount);
        break;
    case ST_OTHER:
        r = put_other_raw(st, p, ev->u.other.address, ev->u.other.name,
                          ev->u.other.topic0, ev->u.other.args_json);
        break;
    default:
        log_warnx("store: unknown event kind %d", (int)ev->kind);
        return -1;
    }
    if (r > 0 && totals_add(st, T_EVENTS, 1) < 0)
        return -1;
    return r < 0 ? -1 : 0;
}

static int put_block(struct store *st, uint64_t n, const char *hash,
                     const char *parent, int64_t time)
{
    return run(st,
               "INSERT INTO blocks (number, hash, parent, time) VALUES "
               "(?, ?, ?, ?) ON CONFLICT(number) DO UPDATE SET "
               "hash = excluded.hash, parent = excluded.parent, "
               "time = excluded.time",
               "itti", (int64_t)n, hash, parent, time) < 0 ? -1 : 0;
}

int store_commit_range(struct store *st, const struct st_range *r,
                       struct st_event *evs, size_t n)
{
    int64_t rowid_mark = 0;
    size_t i;
    int changed, found;

    reset_deltas(st);
    if (db_begin(st->db) < 0)
        return -1;
    /* Rows this range inserts get rowids above the current maximum. */
    if (query_int(st, "SELECT coalesce(max(rowid), 0) FROM tasks", NULL,
                  &rowid_mark, &found) < 0)
        goto fail;
    for (i = 0; i < n; i++)
        if (put_event(st, &evs[i]) < 0)
            goto fail;
    if (settle_events(st, evs, n) < 0 || flush_deltas(st) < 0 ||
        flush_miner_deltas(st) < 0)
        goto fail;
    /* A miner is active while its last solution is within the window of
     * the indexed head's time. */
    if (st->active_window > 0 && r->advance &&
        run(st,
            "UPDATE miners SET active = (last_time > ?1 - ?2) "
            "WHERE active != (last_time > ?1 - ?2)",
            "ii", r->to_time, st->active_window) < 0)
        goto fail;
    reset_deltas(st);
    /* New prompts into the full-text index, once for the range. */
    if (n > 0 &&
        run(st,
            "INSERT INTO prompts_fts (rowid, prompt) SELECT rowid, prompt "
            "FROM tasks WHERE rowid > ? AND prompt IS NOT NULL",
            "i", rowid_mark) < 0)
        goto fail;
    /* A reorg may have deleted and re-inserted task rows: their upvotes
     * and hidden flags come back from the social tables (the truth). */
    if (n > 0 && social_reapply(st->db, rowid_mark) < 0)
        goto fail;
    for (i = 0; i < r->nblocks; i++)
        if (put_block(st, r->block_numbers[i], r->block_hashes[i],
                      r->block_parents[i], r->block_times[i]) < 0)
            goto fail;
    if (put_block(st, r->to, r->to_hash, r->to_parent, r->to_time) < 0)
        goto fail;
    /* Keep the reorg window: blocks far below the head are final. */
    if (r->to > 4096 &&
        run(st, "DELETE FROM blocks WHERE number < ?", "i",
            (int64_t)(r->to - 4096)) < 0)
        goto fail;
    /* Coverage: extend the row that ends just below, else start one. */
    changed = run(st,
                  "UPDATE coverage SET to_block = ?, logs = logs + ?, "
                  "end_hash = ?, rpc = ?, fetched_at = unixepoch() "
                  "WHERE to_block = ?",
                  "iitti", (int64_t)r->to, (int64_t)n, r->to_hash, r->rpc,
                  (int64_t)r->from - 1);
    if (changed < 0)
        goto fail;
    if (changed == 0 &&
        run(st,
            "INSERT OR REPLACE INTO coverage (from_block, to_block, logs, "
            "end_hash, rpc, fetched_at) VALUES (?, ?, ?, ?, ?, unixepoch())",
            "iiitt", (int64_t)r->from, (int64_t)r->to, (int64_t)n, r->to_hash,
            r->rpc) < 0)
        goto fail;
    if (r->advance &&
        run(st,
            "UPDATE scan_state SET indexed_block = ?, indexed_hash = ?, "
            "indexed_time = ?, head_block = max(head_block, ?), "
            "head_time = max(head_time, ?), safe_block = ?, last_error = NULL, "
            "updated_at = unixepoch() WHERE id = 1",
            "itiiii", (int64_t)r->to, r->to_hash, r->to_time, (int64_t)r->head,
            r->head_time, (int64_t)r->safe) != 1)
        goto fail;
    if (db_commit(st->db) < 0)
        goto fail;
    return 0;
fail:
    reset_deltas(st);
    db_rollback(st->db);
    log_warnx("store: range %llu-%llu rolled back",
              (unsigned long long)r->from, (unsigned long long)r->to);
    return -1;
}

int store_block_hash(struct store *st, uint64_t n, char hash[ST_HASH_SIZE])
{
    sqlite3_stmt *s = prep(st, "SELECT hash FROM blocks WHERE number = ?");
    int rc;

    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, (int64_t)n);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        snprintf(hash, ST_HASH_SIZE, "%s", (const char *)sqlite3_column_text(s, 0));
    done(st, s);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? 1 : -1;
}

int store_window_blocks(struct store *st, uint64_t below, uint64_t *out,
                        size_t max, size_t *n)
{
    sqlite3_stmt *s = prep(st, "SELECT number FROM blocks WHERE number <= ? "
                               "ORDER BY number DESC LIMIT ?");
    int rc;

    if (!s)
        return -1;
    *n = 0;
    sqlite3_bind_int64(s, 1, (int64_t)below);
    sqlite3_bind_int64(s, 2, (int64_t)max);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        out[(*n)++] = (uint64_t)sqlite3_column_int64(s, 0);
    done(st, s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- recomputation (reorgs, rebuild) ---- */

/* Recomputes the daily rows of one day from the base tables. */
static int recompute_day(struct store *st, int64_t day)
{
    sqlite3_stmt *s;
    int rc;

    if (run(st, "DELETE FROM daily WHERE day = ?", "i", day) < 0 ||
        run(st, "DELETE FROM daily_users WHERE day = ?", "i", day) < 0 ||
        run(st,
            "INSERT INTO daily_users (day, address, tasks, tasks_human) "
            "SELECT ?1, owner, count(*), total(automine = 0) FROM tasks "
            "WHERE time >= ?1 * 86400 AND time < (?1 + 1) * 86400 "
            "GROUP BY owner",
            "i", day) < 0 ||
        run(st,
            "INSERT INTO daily (day, model, tasks, tasks_human) "
            "SELECT ?1, model, count(*), total(automine = 0) FROM tasks "
            "WHERE time >= ?1 * 86400 AND time < (?1 + 1) * 86400 "
            "GROUP BY model",
            "i", day) < 0 ||
        run(st,
            "INSERT INTO daily (day, model, solved, solved_human) "
            "SELECT ?1, coalesce(t.model, 'unknown'), count(*), "
            "total(coalesce(t.automine, 0) = 0) FROM solutions s "
            "LEFT JOIN tasks t ON t.id = s.task "
            "WHERE s.time >= ?1 * 86400 AND s.time < (?1 + 1) * 86400 "
            "GROUP BY 2 ON CONFLICT(day, model) DO UPDATE SET "
            "solved = excluded.solved, solved_human = excluded.solved_human",
            "i", day) < 0 ||
        run(st,
            "INSERT INTO daily (day, model, claims) "
            "SELECT ?1, coalesce(t.model, 'unknown'), count(*) FROM solutions s "
            "LEFT JOIN tasks t ON t.id = s.task "
            "WHERE s.claim_time >= ?1 * 86400 AND s.claim_time < (?1 + 1) * 86400 "
            "GROUP BY 2 ON CONFLICT(day, model) DO UPDATE SET "
            "claims = excluded.claims",
            "i", day) < 0)
        return -1;
    /* Fee sums, exact, in C. */
    s = prep(st, "SELECT model, fee FROM tasks WHERE time >= ?1 * 86400 "
                 "AND time < (?1 + 1) * 86400 AND fee != '0' ORDER BY model");
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, day);
    {
        char model[ST_HASH_SIZE] = "", sum[ST_DEC_SIZE] = "0";

        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *m = (const char *)sqlite3_column_text(s, 0);
            const char *f = (const char *)sqlite3_column_text(s, 1);

            if (strcmp(m, model) != 0) {
                if (model[0] && run(st, "UPDATE daily SET fees = ? WHERE "
                                        "day = ? AND model = ?",
                                    "tit", sum, day, model) < 0)
                    goto fail;
                snprintf(model, sizeof(model), "%s", m);
                snprintf(sum, sizeof(sum), "0");
            }
            if (dec_add(sum, f, sum, 0) < 0)
                goto fail;
        }
        if (rc != SQLITE_DONE)
            goto fail;
        if (model[0] && run(st, "UPDATE daily SET fees = ? WHERE day = ? AND "
                                "model = ?", "tit", sum, day, model) < 0)
            goto fail;
    }
    done(st, s);
    return 0;
fail:
    done(st, s);
    return -1;
}

static int recompute_user(struct store *st, const char *addr)
{
    sqlite3_stmt *s;
    char sum[ST_DEC_SIZE] = "0";
    int rc;

    if (run(st, "DELETE FROM users WHERE address = ?", "t", addr) < 0 ||
        run(st,
            "INSERT INTO users (address, first_block, first_time, last_time, "
            "tasks, tasks_human) SELECT owner, min(block), min(time), "
            "max(time), count(*), total(automine = 0) FROM tasks "
            "WHERE owner = ?1 GROUP BY owner",
            "t", addr) < 0)
        return -1;
    s = prep(st, "SELECT fee FROM tasks WHERE owner = ? AND fee != '0'");
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, addr, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (dec_add(sum, (const char *)sqlite3_column_text(s, 0), sum, 0) < 0)
            break;
    done(st, s);
    if (rc != SQLITE_DONE)
        return -1;
    return run(st,
               "UPDATE users SET fees = ?1, "
               "solved = (SELECT count(*) FROM tasks t JOIN solutions s ON "
               "s.task = t.id WHERE t.owner = ?2), "
               "images = (SELECT count(*) FROM tasks t JOIN solutions s ON "
               "s.task = t.id JOIN models m ON m.id = t.model WHERE "
               "t.owner = ?2 AND m.output_type = 'image') "
               "WHERE address = ?2", "tt", sum, addr) < 0 ? -1 : 0;
}

static int recompute_miner(struct store *st, const char *addr)
{
    if (run(st, "DELETE FROM miners WHERE address = ?", "t", addr) < 0)
        return -1;
    return run(st,
               "INSERT INTO miners (address, first_block, first_time, "
               "last_time, solutions, claims) SELECT validator, min(block), "
               "min(time), max(time), count(*), total(claimed) FROM solutions "
               "WHERE validator = ?1 GROUP BY validator",
               "t", addr) < 0 ? -1 : 0;
}

/* Sums the earnings rows of a query (?1 = addr; columns: key text, day or
 * era, kind, amount) into m keyed "<key>|<int>". */
static int sum_rows(struct store *st, const char *sql, const char *addr,
                    struct macc_map *m)
{
    sqlite3_stmt *s = prep(st, sql);
    int rc;

    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, addr, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char key[192];
        const char *k = (const char *)sqlite3_column_text(s, 0);
        int64_t i = sqlite3_column_int64(s, 1);
        int rewards = strcmp((const char *)sqlite3_column_text(s, 2),
                             "rewards") == 0;
        struct macc *a;

        snprintf(key, sizeof(key), "%s|%lld", k, (long long)i);
        a = macc_get(m, key);
        snprintf(a->str, sizeof(a->str), "%s", k);
        a->i0 = i;
        if (u256_add_dec(rewards ? &a->r : &a->f,
                         (const char *)sqlite3_column_text(s, 3)) < 0)
            break;
    }
    done(st, s);
    if (rc != SQLITE_DONE) {
        if (rc != SQLITE_ROW)
            log_warnx("store: %s", sqlite3_errmsg(st->h));
        return -1;
    }
    return 0;
}

/* earnings_totals of one address from its earnings rows. */
static int recompute_earner(struct store *st, const char *addr)
{
    struct macc_map m = { NULL, 0, 0 };
    size_t i;
    int ret = -1;

    if (run(st, "DELETE FROM earnings_totals WHERE address = ?", "t",
            addr) < 0 ||
        sum_rows(st, "SELECT role, era, kind, amount FROM earnings "
                     "WHERE addr = ?1", addr, &m) < 0)
        goto out;
    for (i = 0; i < m.cap; i++) {
        char f[ST_DEC_SIZE], r[ST_DEC_SIZE];

        if (!m.slots[i].key[0])
            continue;
        if (u256_to_dec(&m.slots[i].f, f, sizeof(f)) < 0 ||
            u256_to_dec(&m.slots[i].r, r, sizeof(r)) < 0 ||
            run(st, "INSERT INTO earnings_totals (address, role, era, fees, "
                    "rewards) VALUES (?, ?, ?, ?, ?)",
                "ttitt", addr, m.slots[i].str, m.slots[i].i0, f, r) < 0)
            goto out;
    }
    ret = 0;
out:
    macc_clear(&m);
    return ret;
}

/* miner_daily, miner_latency and the miners row's earnings of one
 * validator from the rows. */
static int recompute_miner_extras(struct store *st, const char *addr)
{
    struct macc_map m = { NULL, 0, 0 };
    struct u256 tf = { { 0 } }, tr = { { 0 } };
    char f[ST_DEC_SIZE], r[ST_DEC_SIZE];
    size_t i;
    int ret = -1;

    if (run(st, "DELETE FROM miner_daily WHERE address = ?", "t", addr) < 0 ||
        run(st,
            "INSERT INTO miner_daily (day, address, model, solutions) "
            "SELECT s.time / 86400, s.validator, coalesce(t.model, 'unknown'), "
            "count(*) FROM solutions s LEFT JOIN tasks t ON t.id = s.task "
            "WHERE s.validator = ?1 GROUP BY 1, 3", "t", addr) < 0 ||
        run(st,
            "INSERT INTO miner_daily (day, address, model, claims) "
            "SELECT s.claim_time / 86400, s.validator, "
            "coalesce(t.model, 'unknown'), count(*) FROM solutions s "
            "LEFT JOIN tasks t ON t.id = s.task WHERE s.validator = ?1 AND "
            "s.claim_time IS NOT NULL GROUP BY 1, 3 "
            "ON CONFLICT(address, day, model) DO UPDATE SET "
            "claims = excluded.claims", "t", addr) < 0 ||
        sum_rows(st, "SELECT model, time / 86400, kind, amount FROM earnings "
                     "WHERE addr = ?1 AND role = 'validator'", addr, &m) < 0)
        goto out;
    for (i = 0; i < m.cap; i++) {
        struct macc *a = &m.slots[i];

        if (!a->key[0])
            continue;
        if (u256_add(&tf, &a->f, &tf) || u256_add(&tr, &a->r, &tr) ||
            u256_to_dec(&a->f, f, sizeof(f)) < 0 ||
            u256_to_dec(&a->r, r, sizeof(r)) < 0 ||
            run(st,
                "INSERT INTO miner_daily (day, address, model, fees, rewards) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(address, day, model) DO "
                "UPDATE SET fees = excluded.fees, rewards = excluded.rewards",
                "ittt" "t", a->i0, addr, a->str, f, r) < 0)
            goto out;
    }
    if (u256_to_dec(&tf, f, sizeof(f)) < 0 ||
        u256_to_dec(&tr, r, sizeof(r)) < 0 ||
        run(st, "UPDATE miners SET fees = ?, rewards = ?, earned_aius = ? "
                "WHERE address = ?", "ttdt", f, r, aius_of(f, r), addr) < 0 ||
        run(st, "DELETE FROM miner_latency WHERE address = ?", "t", addr) < 0 ||
        run(st,
            "INSERT INTO miner_latency (address, kind, day, secs, n) "
            "SELECT ?1, 0, -1, s.time - t.time, count(*) FROM solutions s "
            "JOIN tasks t ON t.id = s.task WHERE s.validator = ?1 "
            "GROUP BY 4", "t", addr) < 0 ||
        run(st,
            "INSERT INTO miner_latency (address, kind, day, secs, n) "
            "SELECT ?1, 0, s.time / 86400, s.time - t.time, count(*) "
            "FROM solutions s JOIN tasks t ON t.id = s.task "
            "WHERE s.validator = ?1 GROUP BY 3, 4", "t", addr) < 0 ||
        run(st,
            "INSERT INTO miner_latency (address, kind, day, secs, n) "
            "SELECT ?1, 1, -1, claim_time - time, count(*) FROM solutions "
            "WHERE validator = ?1 AND claim_time IS NOT NULL GROUP BY 4",
            "t", addr) < 0 ||
        run(st,
            "INSERT INTO miner_latency (address, kind, day, secs, n) "
            "SELECT ?1, 1, claim_time / 86400, claim_time - time, count(*) "
            "FROM solutions WHERE validator = ?1 AND claim_time IS NOT NULL "
            "GROUP BY 3, 4", "t", addr) < 0)
        goto out;
    ret = 0;
out:
    macc_clear(&m);
    return ret;
}

/* Everything derived for one address that a miner or earner may have. */
static int recompute_addr(struct store *st, const char *addr)
{
    return recompute_earner(st, addr) < 0 ||
                   recompute_miner_extras(st, addr) < 0
               ? -1
               : 0;
}

static int recompute_totals(struct store *st)
{
    return run(st,
               "UPDATE totals SET "
               "tasks = (SELECT total(tasks) FROM daily), "
               "tasks_human = (SELECT total(tasks_human) FROM daily), "
               "solutions = (SELECT total(solved) FROM daily), "
               "claims = (SELECT total(claims) FROM daily), "
               "contestations = (SELECT count(*) FROM contestations) "
               "WHERE id = 1", "") < 0 ? -1 : 0;
}

/* Collects distinct text values of a query into a temp table `keys`. */
static int collect(struct store *st, const char *table, const char *select,
                   int64_t block)
{
    char sql[512];

    snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO temp.%s %s", table,
             select);
    return run(st, sql, "i", block) < 0 ? -1 : 0;
}

/* Runs fn for every row of a one-column temp table. */
static int for_each_key(struct store *st, const char *sql,
                        int (*fn)(struct store *, const char *))
{
    sqlite3_stmt *s = prep(st, sql);
    char **keys = NULL;
    size_t n = 0, cap = 0, i;
    int rc, ret = 0;

    if (!s)
        return -1;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            keys = xrealloc(keys, cap * sizeof(*keys));
        }
        keys[n++] = xstrdup((const char *)sqlite3_column_text(s, 0));
    }
    done(st, s);
    if (rc != SQLITE_DONE)
        ret = -1;
    for (i = 0; i < n; i++) {
        if (ret == 0 && fn(st, keys[i]) < 0)
            ret = -1;
        free(keys[i]);
    }
    free(keys);
    return ret;
}

static int recompute_day_key(struct store *st, const char *key)
{
    return recompute_day(st, strtoll(key, NULL, 10));
}

int store_rollback(struct store *st, uint64_t ancestor,
                   const char *ancestor_hash, int64_t ancestor_time,
                   const char *new_hash, uint64_t *removed)
{
    static const char *const plain[] = {
        "commitments", "votes", "stake_events", "payouts", "transfers",
        "incentives", "other_events", "model_changes",
    };
    int64_t a = (int64_t)ancestor, old_head = 0;
    uint64_t gone = 0;
    char old_hash[ST_HASH_SIZE] = "";
    sqlite3_stmt *s;
    size_t i;
    int r;

    if (db_begin(st->db) < 0)
        return -1;
    s = prep(st, "SELECT indexed_block, indexed_hash FROM scan_state WHERE id = 1");
    if (!s)
        goto fail;
    if (sqlite3_step(s) == SQLITE_ROW) {
        old_head = sqlite3_column_int64(s, 0);
        snprintf(old_hash, sizeof(old_hash), "%s",
                 (const char *)sqlite3_column_text(s, 1));
    }
    done(st, s);

    if (db_exec(st->db,
                "CREATE TEMP TABLE IF NOT EXISTS rb_days (k TEXT PRIMARY KEY);"
                "CREATE TEMP TABLE IF NOT EXISTS rb_users (k TEXT PRIMARY KEY);"
                "CREATE TEMP TABLE IF NOT EXISTS rb_miners (k TEXT PRIMARY KEY);"
                "CREATE TEMP TABLE IF NOT EXISTS rb_models (k TEXT PRIMARY KEY);"
                "CREATE TEMP TABLE IF NOT EXISTS rb_earners (k TEXT PRIMARY KEY);"
                "DELETE FROM temp.rb_earners;"
                "DELETE FROM temp.rb_days; DELETE FROM temp.rb_users;"
                "DELETE FROM temp.rb_miners; DELETE FROM temp.rb_models;") < 0)
        goto fail;
    /* What the doomed rows touched. */
    if (collect(st, "rb_days", "SELECT time / 86400 FROM tasks WHERE block > ?", a) < 0 ||
        collect(st, "rb_days", "SELECT time / 86400 FROM solutions WHERE block > ?", a) < 0 ||
        collect(st, "rb_days", "SELECT claim_time / 86400 FROM solutions WHERE claim_block > ?", a) < 0 ||
        collect(st, "rb_users", "SELECT owner FROM tasks WHERE block > ?", a) < 0 ||
        collect(st, "rb_users", "SELECT t.owner FROM solutions s JOIN tasks t ON t.id = s.task WHERE s.block > ?", a) < 0 ||
        collect(st, "rb_miners", "SELECT validator FROM solutions WHERE block > ? OR claim_block > ?1", a) < 0 ||
        collect(st, "rb_models", "SELECT model FROM model_changes WHERE block > ?", a) < 0 ||
        collect(st, "rb_earners", "SELECT addr FROM earnings WHERE block > ? AND addr != ''", a) < 0 ||
        collect(st, "rb_earners", "SELECT validator FROM solutions WHERE block > ? OR claim_block > ?1", a) < 0)
        goto fail;

    /* Delete and count. */
    if ((r = run(st, "DELETE FROM tasks WHERE block > ?", "i", a)) < 0)
        goto fail;
    gone += (uint64_t)r;
    /* Claims first: a doomed claim of a doomed solution is an event of its
     * own on the same row, and must be counted before the row goes. */
    if ((r = run(st, "UPDATE solutions SET claimed = 0, claim_block = NULL, "
                     "claim_log_index = NULL, claim_tx = NULL, "
                     "claim_time = NULL WHERE claim_block > ?", "i", a)) < 0)
        goto fail;
    gone += (uint64_t)r;
    if ((r = run(st, "DELETE FROM solutions WHERE block > ?", "i", a)) < 0)
        goto fail;
    gone += (uint64_t)r;
    if ((r = run(st, "DELETE FROM contestations WHERE block > ?", "i", a)) < 0)
        goto fail;
    gone += (uint64_t)r;
    if ((r = run(st, "DELETE FROM models WHERE block > ?", "i", a)) < 0)
        goto fail;
    gone += (uint64_t)r;
    for (i = 0; i < ARRAY_SIZE(plain); i++) {
        char sql[128];

        snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE block > ?", plain[i]);
        if ((r = run(st, sql, "i", a)) < 0)
            goto fail;
        gone += (uint64_t)r;
    }
    /* Earnings are derived rows, not chain events: not counted. */
    if (run(st, "DELETE FROM earnings WHERE block > ?", "i", a) < 0)
        goto fail;
    /* Flags and fields that the deleted rows had set (the finish events
     * themselves were counted as other_events). */
    if (run(st,
            "UPDATE contestations SET (finish_block, finish_log_index, "
            "finish_start, finish_end) = (SELECT block, log_index, "
            "json_extract(args, '$.start_idx'), json_extract(args, '$.end_idx') "
            "FROM other_events WHERE name = 'ContestationVoteFinish' AND "
            "json_extract(args, '$.id') = contestations.task "
            "ORDER BY block DESC, log_index DESC LIMIT 1) "
            "WHERE finish_block > ?", "i", a) < 0)
        goto fail;
    if (run(st, "UPDATE tasks SET retracted = 0 WHERE retracted = 1 AND id NOT IN "
                "(SELECT json_extract(args, '$.id') FROM other_events "
                "WHERE name = 'TaskRetracted')", "") < 0)
        goto fail;
    if (run(st,
            "UPDATE models SET "
            "fee = coalesce((SELECT value FROM model_changes c WHERE c.model = models.id "
            "AND kind = 'fee' ORDER BY block DESC, log_index DESC LIMIT 1), "
            "(SELECT fee FROM models m2 WHERE m2.id = models.id)), "
            "rate = coalesce((SELECT value FROM model_changes c WHERE c.model = models.id "
            "AND kind = 'rate' ORDER BY block DESC, log_index DESC LIMIT 1), '0'), "
            "addr = coalesce((SELECT value FROM model_changes c WHERE c.model = models.id "
            "AND kind = 'addr' ORDER BY block DESC, log_index DESC LIMIT 1), addr) "
            "WHERE id IN (SELECT k FROM temp.rb_models)", "") < 0)
        goto fail;

    /* Miner status may be gone: recompute miners, then the automine flag of
     * their tasks, collecting every day and owner whose counts move. */
    if (for_each_key(st, "SELECT k FROM temp.rb_miners", recompute_miner) < 0 ||
        for_each_key(st, "SELECT k FROM temp.rb_earners", recompute_addr) < 0)
        goto fail;
    if (collect(st, "rb_days",
                "SELECT t.time / 86400 FROM tasks t WHERE t.owner IN "
                "(SELECT k FROM temp.rb_miners) AND t.automine != "
                "(t.bulk_size > 1 OR t.owner IN (SELECT address FROM miners)) "
                "AND ? IS NOT NULL", a) < 0 ||
        collect(st, "rb_days",
                "SELECT s.time / 86400 FROM tasks t JOIN solutions s ON "
                "s.task = t.id WHERE t.owner IN (SELECT k FROM temp.rb_miners) "
                "AND t.automine != (t.bulk_size > 1 OR t.owner IN "
                "(SELECT address FROM miners)) AND ? IS NOT NULL", a) < 0 ||
        collect(st, "rb_users",
                "SELECT k FROM temp.rb_miners WHERE ? IS NOT NULL", a) < 0)
        goto fail;
    if (run(st,
            "UPDATE tasks SET automine = (bulk_size > 1 OR owner IN "
            "(SELECT address FROM miners)) WHERE owner IN "
            "(SELECT k FROM temp.rb_miners)", "") < 0)
        goto fail;
    if (for_each_key(st, "SELECT k FROM temp.rb_users", recompute_user) < 0 ||
        for_each_key(st, "SELECT k FROM temp.rb_days", recompute_day_key) < 0 ||
        recompute_totals(st) < 0 ||
        run(st, "UPDATE totals SET events = max(0, events - ?) WHERE id = 1",
            "i", (int64_t)gone) < 0)
        goto fail;

    if (run(st, "DELETE FROM blocks WHERE number > ?", "i", a) < 0 ||
        run(st, "DELETE FROM coverage WHERE from_block > ?", "i", a) < 0 ||
        run(st, "UPDATE coverage SET to_block = ?1 WHERE to_block > ?1", "i",
            a) < 0)
        goto fail;
    if (run(st,
            "INSERT INTO reorgs (detected_at, ancestor_block, old_head, "
            "old_hash, new_hash, depth, removed_rows) VALUES "
            "(unixepoch(), ?, ?, ?, ?, ?, ?)",
            "iitti" "i", a, old_head, old_hash, new_hash,
            old_head - a, (int64_t)gone) < 0)
        goto fail;
    if (run(st,
            "UPDATE scan_state SET indexed_block = ?, indexed_hash = ?, "
            "indexed_time = ?, updated_at = unixepoch() WHERE id = 1",
            "iti", a, ancestor_hash, ancestor_time) < 0)
        goto fail;
    if (db_commit(st->db) < 0)
        goto fail;
    if (removed)
        *removed = gone;
    return 0;
fail:
    db_rollback(st->db);
    log_warnx("store: rollback to %llu failed", (unsigned long long)ancestor);
    return -1;
}

int store_rebuild_derived(struct store *st)
{
    if (db_begin(st->db) < 0)
        return -1;
    if (db_exec(st->db,
                "DELETE FROM miners; DELETE FROM users; DELETE FROM daily;"
                " DELETE FROM daily_users; DELETE FROM miner_daily;"
                " DELETE FROM miner_latency; DELETE FROM earnings_totals;") < 0 ||
        run(st,
            "INSERT INTO miners (address, first_block, first_time, last_time, "
            "solutions, claims) SELECT validator, min(block), min(time), "
            "max(time), count(*), total(claimed) FROM solutions "
            "GROUP BY validator", "") < 0 ||
        run(st,
            "UPDATE tasks SET automine = (bulk_size > 1 OR owner IN "
            "(SELECT address FROM miners))", "") < 0 ||
        for_each_key(st, "SELECT DISTINCT owner FROM tasks", recompute_user) < 0 ||
        for_each_key(st,
                     "SELECT DISTINCT time / 86400 FROM tasks UNION "
                     "SELECT DISTINCT time / 86400 FROM solutions UNION "
                     "SELECT DISTINCT claim_time / 86400 FROM solutions "
                     "WHERE claim_time IS NOT NULL",
                     recompute_day_key) < 0 ||
        for_each_key(st,
                     "SELECT address FROM miners UNION "
                     "SELECT addr FROM earnings WHERE addr != ''",
                     recompute_addr) < 0 ||
        recompute_totals(st) < 0) {
        db_rollback(st->db);
        return -1;
    }
    return db_commit(st->db);
}

/* ---- miners and earnings: commands ---- */

void store_set_active_window(struct store *st, int64_t seconds)
{
    st->active_window = seconds > 0 ? seconds : 0;
}

int store_mark_inactive(struct store *st, int64_t window, int64_t *active,
                        int64_t *changed)
{
    int64_t head = 0, n = 0;
    int found, r;

    if (db_begin(st->db) < 0)
        return -1;
    if (query_int(st, "SELECT indexed_time FROM scan_state WHERE id = 1",
                  NULL, &head, &found) < 0)
        goto fail;
    r = run(st,
            "UPDATE miners SET active = (last_time > ?1 - ?2) "
            "WHERE active != (last_time > ?1 - ?2)",
            "ii", head, window);
    if (r < 0 ||
        query_int(st, "SELECT count(*) FROM miners WHERE active = 1", NULL,
                  &n, &found) < 0 ||
        db_commit(st->db) < 0)
        goto fail;
    *active = n;
    *changed = r;
    return 0;
fail:
    db_rollback(st->db);
    return -1;
}

/* Appends to evs the events of one stored row set (a query on ?1 = tx). */
static int load_events(struct store *st, const char *sql, const char *tx,
                       enum st_kind kind, struct st_event **evs, size_t *n,
                       size_t *cap)
{
    sqlite3_stmt *s = prep(st, sql);
    int rc;

    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, tx, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct st_event *e;
        const char *c3 = (const char *)sqlite3_column_text(s, 3);
        const char *c4 = (const char *)sqlite3_column_text(s, 4);
        size_t i;

        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 32;
            *evs = xrealloc(*evs, *cap * sizeof(**evs));
        }
        e = &(*evs)[(*n)++];
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->pos.block = (uint64_t)sqlite3_column_int64(s, 0);
        e->pos.log_index = (uint32_t)sqlite3_column_int64(s, 1);
        e->pos.time = sqlite3_column_int64(s, 2);
        snprintf(e->pos.tx, sizeof(e->pos.tx), "%s", tx);
        switch (kind) {
        case ST_CLAIM:
            snprintf(e->u.pair.task, sizeof(e->u.pair.task), "%s", c3 ? c3 : "");
            snprintf(e->u.pair.addr, sizeof(e->u.pair.addr), "%s", c4 ? c4 : "");
            break;
        case ST_VOTE_FINISH:
            snprintf(e->u.finish.task, sizeof(e->u.finish.task), "%s",
                     c3 ? c3 : "");
            e->u.finish.start_idx = (uint32_t)sqlite3_column_int64(s, 4);
            break;
        case ST_TRANSFER:
            snprintf(e->u.transfer.dst, sizeof(e->u.transfer.dst), "%s",
                     c3 ? c3 : "");
            snprintf(e->u.transfer.amount, sizeof(e->u.transfer.amount), "%s",
                     c4 ? c4 : "0");
            break;
        case ST_PAYOUT:
            e->u.payout.kind = c3 && strcmp(c3, "rewards") == 0 ? "rewards"
                                                                 : "fees";
            e->u.payout.era = sqlite3_column_int(s, 4);
            for (i = 0; i < 4; i++)
                snprintf(e->u.payout.a[i], ST_DEC_SIZE, "%s",
                         (const char *)sqlite3_column_text(s, 5 + (int)i));
            break;
        default:
            break;
        }
    }
    done(st, s);
    if (rc != SQLITE_DONE) {
        log_warnx("store: %s", sqlite3_errmsg(st->h));
        return -1;
    }
    return 0;
}

static int cmp_event_pos(const void *a, const void *b)
{
    const struct st_event *x = a, *y = b;

    if (x->pos.block != y->pos.block)
        return x->pos.block < y->pos.block ? -1 : 1;
    return (x->pos.log_index > y->pos.log_index) -
           (x->pos.log_index < y->pos.log_index);
}

/* Re-settles one stored transaction; *rows gets the earnings rows added. */
static int resettle_tx(struct store *st, const char *tx, int force,
                       int64_t *rows)
{
    struct st_event *evs = NULL;
    size_t n = 0, cap = 0;
    int64_t before = 0, after = 0;
    int found, ret = -1;

    if (query_int(st, "SELECT count(*) FROM earnings WHERE tx = ?", tx,
                  &before, &found) < 0)
        goto out;
    if (before > 0 && !force) {
        ret = 0;
        goto out;
    }
    if (run(st, "INSERT OR IGNORE INTO temp.rb_earners SELECT addr FROM "
                "earnings WHERE tx = ? AND addr != ''", "t", tx) < 0 ||
        run(st, "DELETE FROM earnings WHERE tx = ?", "t", tx) < 0)
        goto out;
    if (load_events(st,
                    "SELECT claim_block, claim_log_index, claim_time, task, "
                    "validator FROM solutions WHERE claim_tx = ?1",
                    tx, ST_CLAIM, &evs, &n, &cap) < 0 ||
        load_events(st,
                    "SELECT block, log_index, time, "
                    "json_extract(args, '$.task'), "
                    "json_extract(args, '$.addr') FROM other_events "
                    "WHERE tx = ?1 AND name = 'SolutionClaimed'",
                    tx, ST_CLAIM, &evs, &n, &cap) < 0 ||
        load_events(st,
                    "SELECT block, log_index, time, "
                    "json_extract(args, '$.id'), "
                    "json_extract(args, '$.start_idx') FROM other_events "
                    "WHERE tx = ?1 AND name = 'ContestationVoteFinish'",
                    tx, ST_VOTE_FINISH, &evs, &n, &cap) < 0 ||
        load_events(st,
                    "SELECT block, log_index, time, dst, amount FROM "
                    "transfers WHERE tx = ?1",
                    tx, ST_TRANSFER, &evs, &n, &cap) < 0 ||
        load_events(st,
                    "SELECT block, log_index, time, kind, era, a0, a1, a2, a3 "
                    "FROM payouts WHERE tx = ?1",
                    tx, ST_PAYOUT, &evs, &n, &cap) < 0)
        goto out;
    if (n > 1)
        qsort(evs, n, sizeof(*evs), cmp_event_pos);
    st->no_deltas = 1;
    ret = settle_events(st, evs, n);
    st->no_deltas = 0;
    if (ret < 0)
        goto out;
    ret = -1;
    if (query_int(st, "SELECT count(*) FROM earnings WHERE tx = ?", tx,
                  &after, &found) < 0 ||
        run(st, "INSERT OR IGNORE INTO temp.rb_earners SELECT addr FROM "
                "earnings WHERE tx = ? AND addr != ''", "t", tx) < 0)
        goto out;
    *rows += after;
    ret = 0;
out:
    free(evs);
    return ret;
}

int store_recompute_earnings(struct store *st, const char *miner, int force,
                             void (*progress)(size_t done, size_t total,
                                              void *ud),
                             void *ud, struct st_recompute *out)
{
    sqlite3_stmt *s;
    char **txs = NULL;
    size_t n = 0, cap = 0, i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (db_begin(st->db) < 0)
        return -1;
    if (db_exec(st->db,
                "CREATE TEMP TABLE IF NOT EXISTS rb_earners (k TEXT PRIMARY KEY);"
                "DELETE FROM temp.rb_earners;") < 0)
        goto fail;
    s = prep(st, miner
                 ? "SELECT claim_tx FROM solutions WHERE validator = ?1 AND "
                   "claim_tx IS NOT NULL UNION SELECT o.tx FROM other_events o "
                   "WHERE o.name = 'ContestationVoteFinish' AND "
                   "json_extract(o.args, '$.id') IN (SELECT task FROM "
                   "solutions WHERE validator = ?1) UNION SELECT tx FROM "
                   "other_events WHERE name = 'SolutionClaimed' AND "
                   "json_extract(args, '$.addr') = ?1"
                 : "SELECT claim_tx FROM solutions WHERE claim_tx IS NOT NULL "
                   "AND ?1 IS NULL UNION SELECT tx FROM other_events WHERE "
                   "name IN ('SolutionClaimed', 'ContestationVoteFinish')");
    if (!s)
        goto fail;
    if (miner)
        sqlite3_bind_text(s, 1, miner, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            txs = xrealloc(txs, cap * sizeof(*txs));
        }
        txs[n++] = xstrdup((const char *)sqlite3_column_text(s, 0));
    }
    done(st, s);
    if (rc != SQLITE_DONE) {
        log_warnx("store: %s", sqlite3_errmsg(st->h));
        goto fail;
    }
    for (i = 0; i < n; i++) {
        int64_t rows = 0;

        if (resettle_tx(st, txs[i], force, &rows) < 0)
            goto fail;
        out->txs++;
        out->rows += rows;
        if (progress && (i % 256 == 255 || i + 1 == n))
            progress(i + 1, n, ud);
    }
    if (miner &&
        run(st, "INSERT OR IGNORE INTO temp.rb_earners VALUES (?)", "t",
            miner) < 0)
        goto fail;
    if (for_each_key(st, "SELECT k FROM temp.rb_earners", recompute_addr) < 0)
        goto fail;
    if (query_int(st, "SELECT count(*) FROM temp.rb_earners", NULL,
                  &out->addresses, &rc) < 0 ||
        db_commit(st->db) < 0)
        goto fail;
    for (i = 0; i < n; i++)
        free(txs[i]);
    free(txs);
    return 0;
fail:
    for (i = 0; i < n; i++)
        free(txs[i]);
    free(txs);
    db_rollback(st->db);
    return -1;
}

int store_events(struct store *st, int64_t *out)
{
    *out = 0;
    return db_int(st->db, out, "SELECT events FROM totals WHERE id = 1", "") <
                   0
               ? -1
               : 0;
}
