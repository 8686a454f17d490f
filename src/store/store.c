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
#include "arbiusd/modelnames.h"
#include "arbiusd/social_store.h"
#include "arbiusd/stats.h"
#include "arbiusd/u256.h"

#define DAY 86400

/*
 * Derived-table deltas of the range being written, keyed "day|model" or an
 * address, flushed once before the commit: a range of 10,000 tasks then
 * costs one UPDATE per touched day and owner, not five per task.
 */
enum {
    D_TASKS,
    D_TASKS_HUMAN,
    D_SOLVED,
    D_SOLVED_HUMAN,
    D_CLAIMS,
    D_INVALID,       /* solutions invalidated by an upheld contestation */
    D_INVALID_HUMAN, /* of which of tasks not automine */
    D_NCOLS
};

#define ACC_KEY_SIZE  (ST_HASH_SIZE + 24)
#define MACC_KEY_SIZE 192

struct acc {
    char key[ACC_KEY_SIZE];        /* "" = empty slot */
    int64_t day;                   /* daily rows */
    char model[ST_HASH_SIZE];
    int64_t v[D_NCOLS];            /* users: tasks, tasks_human, solved,
                                      images */
    struct u256 fee;
    int64_t first_block, first_time, last_time; /* users */
};

/* struct macc's two exact amounts, and the earnings kind of each. */
enum { AMT_FEES, AMT_REWARDS };

/*
 * The miners' and earnings' deltas: like struct acc with a longer key and
 * two exact amounts.  mdaily "day|addr|model" (v: solutions, claims; amt:
 * fees, rewards); mlat "addr|kind|day|secs" (v[0]: n); etot
 * "addr|role|era"; mearn "addr" (validator fees and rewards).
 */
struct macc {
    char key[MACC_KEY_SIZE]; /* "" = empty slot */
    char addr[ST_ADDR_SIZE];
    char str[ST_HASH_SIZE];        /* model or role */
    int64_t i0, i1;                /* day / kind / era, secs */
    int64_t v[2];
    struct u256 amt[2]; /* AMT_FEES, AMT_REWARDS */
};

/*
 * An open-addressing table of fixed-size slots (struct acc or struct
 * macc), each starting with its NUL-terminated key ("" = empty slot), at
 * most half full.
 */
struct slot_map {
    char *slots; /* owned, cap slots */
    size_t cap, n;
};

struct store {
    struct db *db;                 /* borrowed; its statement cache serves
                                      the scanner's few dozen statements */
    int64_t totals[6];             /* tasks, tasks_human, solutions, claims,
                                      contestations, events */
    struct slot_map daily, users, day_users;   /* of struct acc */
    struct slot_map mdaily, mlat, etot, mearn; /* of struct macc; see
                                                  "miners and earnings" */
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

/* Doubles m's capacity (64 at first), moving every used slot. */
static void slot_grow(struct slot_map *m, size_t size)
{
    size_t bcap = m->cap ? m->cap * 2 : 64, i, j;
    char *bigger = xcalloc(bcap, size);

    for (i = 0; i < m->cap; i++) {
        const char *old = m->slots + i * size;

        if (!old[0])
            continue;
        j = acc_hash(old) & (bcap - 1);
        while (bigger[j * size])
            j = (j + 1) & (bcap - 1);
        memcpy(bigger + j * size, old, size);
    }
    free(m->slots);
    m->slots = bigger;
    m->cap = bcap;
}

/*
 * The slot of `size` bytes for key in m, keyed and counted when it was
 * absent (then *created = 1, when created is not NULL, and its other bytes
 * are those of a fresh zeroed slot).  Borrowed until m next grows.
 */
static void *slot_get(struct slot_map *m, size_t size, size_t keysz,
                      const char *key, int *created)
{
    char *p;
    size_t i;

    if (created)
        *created = 0;
    if ((m->n + 1) * 2 > m->cap)
        slot_grow(m, size);
    i = acc_hash(key) & (m->cap - 1);
    while ((p = m->slots + i * size)[0]) {
        if (strcmp(p, key) == 0)
            return p;
        i = (i + 1) & (m->cap - 1);
    }
    snprintf(p, keysz, "%s", key);
    m->n++;
    if (created)
        *created = 1;
    return p;
}

/* The used slot after prev (NULL: the first used slot), or NULL. */
static void *slot_next(const struct slot_map *m, size_t size, void *prev)
{
    char *p, *end;

    if (!m->slots)
        return NULL;
    end = m->slots + m->cap * size;
    for (p = prev ? (char *)prev + size : m->slots; p < end; p += size)
        if (p[0])
            return p;
    return NULL;
}

/* Loops with a (a struct acc or struct macc pointer) over m's used slots. */
#define SLOT_EACH(a, m)                                 \
    for ((a) = slot_next((m), sizeof(*(a)), NULL); (a); \
         (a) = slot_next((m), sizeof(*(a)), (a)))

/* Frees m's slots; m is empty and reusable. */
static void slot_clear(struct slot_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

/* The entry for key, created empty if absent. */
static struct acc *acc_get(struct slot_map *m, const char *key)
{
    struct acc *a;
    int created;

    a = slot_get(m, sizeof(*a), ACC_KEY_SIZE, key, &created);
    if (created) {
        a->first_block = INT64_MAX;
        a->first_time = INT64_MAX;
        a->last_time = INT64_MIN;
    }
    return a;
}

/* The entry for key in m, created zeroed if absent. */
static struct macc *macc_get(struct slot_map *m, const char *key)
{
    return slot_get(m, sizeof(struct macc), MACC_KEY_SIZE, key, NULL);
}

/* Empties the range's deltas. */
static void reset_deltas(struct store *st)
{
    struct slot_map *maps[] = { &st->daily,  &st->users, &st->day_users,
                                &st->mdaily, &st->mlat,  &st->etot,
                                &st->mearn };
    size_t i;

    memset(st->totals, 0, sizeof(st->totals));
    for (i = 0; i < ARRAY_SIZE(maps); i++)
        slot_clear(maps[i]);
}

/* ---- small SQL helpers ---- */

/* Copies text column i of s into out (NULL: ""). */
static void col_copy(sqlite3_stmt *s, int i, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(s, i);

    snprintf(out, n, "%s", t ? (const char *)t : "");
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

/*
 * Steps s (from db_query; NULL when that failed, logged), a query of n
 * stored decimal amounts of one row (no row: zeros), writes each plus
 * add[k] into sums[k], and gives s back.  0, or -1 after logging.
 */
static int stored_plus(struct store *st, sqlite3_stmt *s, size_t n,
                       const struct u256 *add, char sums[][ST_DEC_SIZE])
{
    char cur[ST_DEC_SIZE], a[ST_DEC_SIZE];
    int r = s ? db_step(st->db, s, NULL) : -1;
    size_t k;

    for (k = 0; r >= 0 && k < n; k++) {
        if (r == 1)
            col_copy(s, (int)k, cur, sizeof(cur));
        else
            snprintf(cur, sizeof(cur), "0");
        if (u256_to_dec(&add[k], a, sizeof(a)) < 0 ||
            dec_add(cur, a, sums[k], 0) < 0) {
            log_warnx("store: amount sum overflow");
            r = -1;
        }
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

/*
 * Steps s (from db_query; NULL when that failed, logged) to the end and
 * gives it back: *keysp a new array of *n new copies of its first column
 * (free with keys_free), also on error.  0, or -1 after logging.
 */
static int keys_of(struct store *st, sqlite3_stmt *s, char ***keysp, size_t *n)
{
    size_t cap = 0;
    int r = -1;

    *keysp = NULL;
    *n = 0;
    while (s && (r = db_step(st->db, s, NULL)) == 1) {
        const unsigned char *t = sqlite3_column_text(s, 0);

        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *keysp = xrealloc(*keysp, cap * sizeof(**keysp));
        }
        (*keysp)[(*n)++] = xstrdup(t ? (const char *)t : "");
    }
    db_stmt_done(st->db, s);
    return s && r == 0 ? 0 : -1;
}

/* Frees what keys_of() returned. */
static void keys_free(char **keys, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

/*
 * Runs fn for every key of s (see keys_of), stopping at the first error,
 * after s is given back: fn may write what s reads.  0 or -1.
 */
static int for_each_key(struct store *st, sqlite3_stmt *s,
                        int (*fn)(struct store *, const char *))
{
    char **keys;
    size_t n, i;
    int ret = keys_of(st, s, &keys, &n);

    for (i = 0; ret == 0 && i < n; i++)
        if (fn(st, keys[i]) < 0)
            ret = -1;
    keys_free(keys, n);
    return ret;
}

/* ---- lifecycle ---- */

int store_new(struct db *db, struct store **outp)
{
    struct store *st = xcalloc(1, sizeof(*st));

    st->db = db;
    *outp = st;
    return 0;
}

void store_free(struct store *st)
{
    if (!st)
        return;
    reset_deltas(st);
    free(st);
}

int store_checkpoint(struct store *st, struct st_checkpoint *out)
{
    sqlite3_stmt *s = db_stmt(st->db, "SELECT chain_id, start_block, "
                                      "indexed_block, indexed_hash, "
                                      "indexed_time FROM scan_state "
                                      "WHERE id = 1");
    int r;

    if (!s)
        return -1;
    memset(out, 0, sizeof(*out));
    r = db_step(st->db, s, "store: checkpoint");
    if (r == 1) {
        out->found = 1;
        out->chain_id = (uint64_t)sqlite3_column_int64(s, 0);
        out->start_block = (uint64_t)sqlite3_column_int64(s, 1);
        out->block = (uint64_t)sqlite3_column_int64(s, 2);
        col_copy(s, 3, out->hash, sizeof(out->hash));
        out->time = sqlite3_column_int64(s, 4);
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

int store_init_checkpoint(struct store *st, uint64_t chain_id,
                          const char *engine, uint64_t start_block,
                          const char *hash, int64_t time)
{
    return db_run(st->db,
                  "INSERT INTO scan_state (id, chain_id, engine, start_block, "
                  "indexed_block, indexed_hash, indexed_time, updated_at) "
                  "VALUES (1, ?, ?, ?, ?, ?, ?, unixepoch())",
                  "itiiti", (int64_t)chain_id, engine, (int64_t)start_block,
                  (int64_t)start_block - 1, hash, time) < 0
               ? -1
               : 0;
}

int store_note_state(struct store *st, uint64_t head, int64_t head_time,
                     uint64_t safe, const char *last_error)
{
    /* Finality only moves forward: a poll that learnt nothing (the node
     * did not answer) passes 0. */
    return db_run(st->db,
                  "UPDATE scan_state SET head_block = max(head_block, ?1), "
                  "head_time = max(head_time, ?2), "
                  "safe_block = max(safe_block, ?3), "
                  "last_error = ?4, updated_at = CASE WHEN ?4 IS NULL THEN "
                  "unixepoch() ELSE updated_at END WHERE id = 1",
                  "iiit", (int64_t)head, head_time, (int64_t)safe,
                  last_error) < 0
               ? -1
               : 0;
}

int store_note_health(struct store *st, const struct st_health *h)
{
    if (!h)
        return db_run(st->db,
                      "UPDATE scanner_health SET last_error = NULL, "
                      "stage = NULL, kind = NULL, endpoint = NULL, "
                      "failing_since = NULL, "
                      "failures = 0, updated_at = unixepoch() "
                      "WHERE id = 1 AND last_error IS NOT NULL",
                      "") < 0
                   ? -1
                   : 0;
    return db_run(st->db,
                  "UPDATE scanner_health SET last_error = ?1, stage = ?2, "
                  "kind = ?3, endpoint = nullif(?4, ''), "
                  "failing_since = coalesce(failing_since, unixepoch()), "
                  "failures = failures + ?5, retry_seconds = ?6, "
                  "updated_at = unixepoch() WHERE id = 1",
                  "ttttii", h->error, h->stage, h->kind, h->endpoint,
                  (int64_t)(h->poll_failed != 0), (int64_t)h->retry_s) < 0
               ? -1
               : 0;
}

int store_save_rpc_stats(struct store *st, const char *json)
{
    return db_run(st->db,
                  "INSERT INTO rpc_stats (id, json, updated_at) VALUES "
                  "(1, ?, unixepoch()) ON CONFLICT(id) DO UPDATE SET "
                  "json = excluded.json, updated_at = excluded.updated_at",
                  "t", json) < 0
               ? -1
               : 0;
}

/* ---- derived deltas ---- */

/* The entry of m keyed "day|s" (daily: s a model; day_users: an owner). */
static struct acc *day_acc(struct slot_map *m, int64_t day, const char *s)
{
    char key[ACC_KEY_SIZE];
    struct acc *a;

    snprintf(key, sizeof(key), "%lld|%s", (long long)day, s);
    a = acc_get(m, key);
    a->day = day;
    snprintf(a->model, sizeof(a->model), "%s", s);
    return a;
}

/* Moves column col of the daily row of (day, model) by d. */
static void daily_add(struct store *st, int64_t day, const char *model,
                      int col, int64_t d)
{
    day_acc(&st->daily, day, model)->v[col] += d;
}

/* Adds a task fee (decimal) to the daily row of (day, model).  0 or -1. */
static int daily_add_fee(struct store *st, int64_t day, const char *model,
                         const char *fee)
{
    return u256_add_dec(&day_acc(&st->daily, day, model)->fee, fee);
}

/* A user's counts move; first/last only widen. */
static int user_add(struct store *st, const char *addr, int64_t tasks,
                    int64_t human, const char *fee, int64_t block,
                    int64_t first_time, int64_t last_time)
{
    struct acc *a = acc_get(&st->users, addr);

    a->v[0] += tasks;
    a->v[1] += human;
    if (fee && u256_add_dec(&a->fee, fee) < 0)
        return -1;
    if (block < a->first_block)
        a->first_block = block;
    if (first_time < a->first_time)
        a->first_time = first_time;
    if (last_time > a->last_time)
        a->last_time = last_time;
    return 0;
}

/* A task of owner on day moves daily_users (who was active on which day). */
static void day_user_add(struct store *st, int64_t day, const char *owner,
                         int64_t tasks, int64_t human)
{
    struct acc *a = day_acc(&st->day_users, day, owner);

    a->v[0] += tasks;
    a->v[1] += human;
}

/* Writes one daily row's deltas.  0 or -1. */
static int flush_daily(struct store *st, const struct acc *a)
{
    char sum[1][ST_DEC_SIZE];

    if (stored_plus(st,
                    db_query(st->db,
                             "SELECT fees FROM daily WHERE "
                             "day = ? AND model = ?",
                             "it", a->day, a->model),
                    1, &a->fee, sum) < 0)
        return -1;
    return db_run(st->db,
                  "INSERT INTO daily (day, model, tasks, tasks_human, solved, "
                  "solved_human, claims, invalid, invalid_human, fees) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT(day, model) DO UPDATE SET "
                  "tasks = tasks + excluded.tasks, "
                  "tasks_human = tasks_human + excluded.tasks_human, "
                  "solved = solved + excluded.solved, "
                  "solved_human = solved_human + excluded.solved_human, "
                  "claims = claims + excluded.claims, "
                  "invalid = invalid + excluded.invalid, "
                  "invalid_human = invalid_human + excluded.invalid_human, "
                  "fees = excluded.fees",
                  "itiiiiiiit", a->day, a->model, a->v[D_TASKS],
                  a->v[D_TASKS_HUMAN], a->v[D_SOLVED], a->v[D_SOLVED_HUMAN],
                  a->v[D_CLAIMS], a->v[D_INVALID], a->v[D_INVALID_HUMAN],
                  sum[0]) < 0
               ? -1
               : 0;
}

/* Writes one user row's deltas.  0 or -1. */
static int flush_user(struct store *st, const struct acc *a)
{
    char sum[1][ST_DEC_SIZE];

    if (stored_plus(st,
                    db_query(st->db,
                             "SELECT fees FROM users WHERE "
                             "address = ?",
                             "t", a->key),
                    1, &a->fee, sum) < 0)
        return -1;
    return db_run(st->db,
                  "INSERT INTO users (address, first_block, first_time, "
                  "last_time, tasks, tasks_human, fees, solved, images) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(address) "
                  "DO UPDATE SET "
                  "first_block = min(first_block, excluded.first_block), "
                  "first_time = min(first_time, excluded.first_time), "
                  "last_time = max(last_time, excluded.last_time), "
                  "tasks = tasks + excluded.tasks, "
                  "tasks_human = tasks_human + excluded.tasks_human, "
                  "fees = excluded.fees, solved = solved + excluded.solved, "
                  "images = images + excluded.images",
                  "tiiiiitii", a->key, a->first_block, a->first_time,
                  a->last_time, a->v[0], a->v[1], sum[0], a->v[2], a->v[3]) < 0
               ? -1
               : 0;
}

/* Writes the range's deltas into totals, daily, users and daily_users. */
static int flush_deltas(struct store *st)
{
    struct acc *a;

    if (db_run(st->db,
               "UPDATE totals SET tasks = tasks + ?, "
               "tasks_human = tasks_human + ?, "
               "solutions = solutions + ?, claims = claims + ?, "
               "contestations = contestations + ?, events = events + ? "
               "WHERE id = 1",
               "iiiiii", st->totals[0], st->totals[1], st->totals[2],
               st->totals[3], st->totals[4], st->totals[5]) < 0)
        return -1;
    SLOT_EACH(a, &st->daily)
    if (flush_daily(st, a) < 0)
        return -1;
    SLOT_EACH(a, &st->users)
    if (flush_user(st, a) < 0)
        return -1;
    SLOT_EACH(a, &st->day_users)
    if (db_run(st->db,
               "INSERT INTO daily_users (day, address, tasks, "
               "tasks_human) VALUES (?, ?, ?, ?) "
               "ON CONFLICT(day, address) DO UPDATE SET "
               "tasks = tasks + excluded.tasks, "
               "tasks_human = tasks_human + excluded.tasks_human",
               "itii", a->day, a->model, a->v[0], a->v[1]) < 0)
        return -1;
    return 0;
}

/* What the rollups of a task and its solution are keyed by. */
struct task_facts {
    char model[ST_HASH_SIZE]; /* "unknown" when the task is not indexed */
    char owner[ST_ADDR_SIZE]; /* "" when the task is not indexed */
    int64_t tday, sday;       /* UTC days of task and solution (-1: none) */
    int automine, invalid, image;
};

/* Fills f for task id (indexed or not).  0 or -1. */
static int task_facts(struct store *st, const char *id, struct task_facts *f)
{
    sqlite3_stmt *s = db_query(st->db,
                               "SELECT coalesce(t.model, 'unknown'), "
                               "coalesce(t.owner, ''), "
                               "coalesce(t.time / 86400, -1), "
                               "coalesce(s.time / 86400, -1), "
                               "coalesce(t.automine, 0), "
                               "coalesce(s.invalid, 0), "
                               "coalesce(m.output_type = 'image', 0) "
                               "FROM (SELECT ?1 AS id) k "
                               "LEFT JOIN tasks t ON t.id = k.id "
                               "LEFT JOIN solutions s ON s.task = k.id "
                               "LEFT JOIN models m ON m.id = t.model",
                               "t", id);
    int r = s ? db_step(st->db, s, NULL) : -1;

    if (r == 1) {
        col_copy(s, 0, f->model, sizeof(f->model));
        col_copy(s, 1, f->owner, sizeof(f->owner));
        f->tday = sqlite3_column_int64(s, 2);
        f->sday = sqlite3_column_int64(s, 3);
        f->automine = sqlite3_column_int(s, 4);
        f->invalid = sqlite3_column_int(s, 5);
        f->image = sqlite3_column_int(s, 6);
    }
    db_stmt_done(st->db, s);
    return r == 1 ? 0 : -1;
}

/* Marks one task automine and moves every count it was in. */
static int task_flip_automine(struct store *st, const char *id)
{
    struct task_facts f;

    if (db_run(st->db,
               "UPDATE tasks SET automine = 1 WHERE id = ? AND "
               "automine = 0",
               "t", id) != 1)
        return 0;
    if (task_facts(st, id, &f) < 0)
        return -1;
    st->totals[T_TASKS_HUMAN]--;
    daily_add(st, f.tday, f.model, D_TASKS_HUMAN, -1);
    if (user_add(st, f.owner, 0, -1, NULL, INT64_MAX, INT64_MAX, INT64_MIN) <
        0)
        return -1;
    day_user_add(st, f.tday, f.owner, 0, -1);
    if (f.sday >= 0)
        daily_add(st, f.sday, f.model, D_SOLVED_HUMAN, -1);
    if (f.sday >= 0 && f.invalid)
        daily_add(st, f.sday, f.model, D_INVALID_HUMAN, -1);
    return 0;
}

/* A new miner: every task it owns becomes automine. */
static int owner_became_miner(struct store *st, const char *addr)
{
    return for_each_key(st,
                        db_query(st->db,
                                 "SELECT id FROM tasks WHERE "
                                 "owner = ? AND automine = 0",
                                 "t", addr),
                        task_flip_automine);
}

/* ---- miners and earnings: deltas ---- */

/* The mdaily entry of a validator on a day for a model. */
static struct macc *miner_day(struct store *st, int64_t day, const char *addr,
                              const char *model)
{
    char key[MACC_KEY_SIZE];
    struct macc *a;

    snprintf(key, sizeof(key), "%lld|%s|%s", (long long)day, addr, model);
    a = macc_get(&st->mdaily, key);
    a->i0 = day;
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    snprintf(a->str, sizeof(a->str), "%s", model);
    return a;
}

/* Solutions / claims of a validator on a day for a model. */
static void miner_day_add(struct store *st, int64_t day, const char *addr,
                          const char *model, int64_t sols, int64_t claims)
{
    struct macc *a = miner_day(st, day, addr, model);

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
        char key[MACC_KEY_SIZE];
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
    sqlite3_stmt *s = db_query(st->db,
                               "SELECT validator, time FROM "
                               "solutions WHERE task = ?",
                               "t", task);
    int r = s ? db_step(st->db, s, NULL) : -1;

    validator[0] = '\0';
    *time = -1;
    if (r == 1) {
        col_copy(s, 0, validator, ST_ADDR_SIZE);
        *time = sqlite3_column_int64(s, 1);
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

/* ---- miners and earnings: rows, flush ---- */

/* The earning's moves of the derived tables. */
static int earn_deltas(struct store *st, int64_t time, int era,
                       const char *model, const char *addr, const char *role,
                       int rewards, const char *amount)
{
    char key[MACC_KEY_SIZE];
    struct macc *a;

    if (!addr[0])
        return 0;
    snprintf(key, sizeof(key), "%s|%s|%d", addr, role, era);
    a = macc_get(&st->etot, key);
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    snprintf(a->str, sizeof(a->str), "%s", role);
    a->i0 = era;
    if (u256_add_dec(&a->amt[rewards], amount) < 0)
        return -1;
    if (strcmp(role, "validator") != 0)
        return 0;
    a = miner_day(st, time / DAY, addr, model);
    if (u256_add_dec(&a->amt[rewards], amount) < 0)
        return -1;
    a = macc_get(&st->mearn, addr);
    snprintf(a->addr, sizeof(a->addr), "%s", addr);
    return u256_add_dec(&a->amt[rewards], amount);
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

/* Writes one miner_daily row's deltas.  0 or -1. */
static int flush_mdaily(struct store *st, const struct macc *a)
{
    char sum[2][ST_DEC_SIZE];

    /* Counts only (most ranges): no amount to read and add. */
    if (u256_is_zero(&a->amt[AMT_FEES]) && u256_is_zero(&a->amt[AMT_REWARDS]))
        return db_run(st->db,
                      "INSERT INTO miner_daily (day, address, model, "
                      "solutions, claims) VALUES (?, ?, ?, ?, ?) "
                      "ON CONFLICT(address, day, model) DO UPDATE SET "
                      "solutions = solutions + excluded.solutions, "
                      "claims = claims + excluded.claims",
                      "ittii", a->i0, a->addr, a->str, a->v[0], a->v[1]) < 0
                   ? -1
                   : 0;
    if (stored_plus(st,
                    db_query(st->db,
                             "SELECT fees, rewards FROM "
                             "miner_daily WHERE address = ? AND "
                             "day = ? AND model = ?",
                             "tit", a->addr, a->i0, a->str),
                    2, a->amt, sum) < 0)
        return -1;
    return db_run(st->db,
                  "INSERT INTO miner_daily (day, address, model, solutions, "
                  "claims, fees, rewards) VALUES (?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT(address, day, model) DO UPDATE SET "
                  "solutions = solutions + excluded.solutions, "
                  "claims = claims + excluded.claims, fees = excluded.fees, "
                  "rewards = excluded.rewards",
                  "ittiitt", a->i0, a->addr, a->str, a->v[0], a->v[1], sum[0],
                  sum[1]) < 0
               ? -1
               : 0;
}

/* Writes one earnings_totals row's deltas.  0 or -1. */
static int flush_etot(struct store *st, const struct macc *a)
{
    char sum[2][ST_DEC_SIZE];

    if (stored_plus(st,
                    db_query(st->db,
                             "SELECT fees, rewards FROM "
                             "earnings_totals WHERE address = ? "
                             "AND role = ? AND era = ?",
                             "tti", a->addr, a->str, a->i0),
                    2, a->amt, sum) < 0)
        return -1;
    return db_run(st->db,
                  "INSERT OR REPLACE INTO earnings_totals (address, role, "
                  "era, fees, rewards) VALUES (?, ?, ?, ?, ?)",
                  "ttitt", a->addr, a->str, a->i0, sum[0], sum[1]) < 0
               ? -1
               : 0;
}

/* Writes one validator's earnings into its miners row.  0 or -1. */
static int flush_mearn(struct store *st, const struct macc *a)
{
    char sum[2][ST_DEC_SIZE];

    if (stored_plus(st,
                    db_query(st->db,
                             "SELECT fees, rewards FROM miners "
                             "WHERE address = ?",
                             "t", a->addr),
                    2, a->amt, sum) < 0)
        return -1;
    /* A validator whose solutions predate the index has no row: its
     * earnings stay in earnings_totals. */
    return db_run(st->db,
                  "UPDATE miners SET fees = ?, rewards = ?, "
                  "earned_aius = ? WHERE address = ?",
                  "ttdt", sum[0], sum[1], aius_of(sum[0], sum[1]), a->addr) < 0
               ? -1
               : 0;
}

/* Writes the range's miners and earnings deltas.  0 or -1. */
static int flush_miner_deltas(struct store *st)
{
    struct macc *a;

    SLOT_EACH(a, &st->mdaily)
    if (flush_mdaily(st, a) < 0)
        return -1;
    SLOT_EACH(a, &st->mlat)
    if (db_run(st->db,
               "INSERT INTO miner_latency (address, kind, day, secs, n) "
               "VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(address, kind, day, secs) "
               "DO UPDATE SET n = n + excluded.n",
               "tiiii", a->addr, a->i0, a->i1, a->v[1], a->v[0]) < 0)
        return -1;
    SLOT_EACH(a, &st->etot)
    if (flush_etot(st, a) < 0)
        return -1;
    SLOT_EACH(a, &st->mearn)
    if (flush_mearn(st, a) < 0)
        return -1;
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
    r = db_run(st->db,
               "INSERT OR IGNORE INTO earnings (block, log_index, part, tx, "
               "time, era, via, task, model, addr, role, kind, amount) VALUES "
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
    sqlite3_stmt *s = db_query(st->db,
                               "SELECT t.owner, t.model, m.addr "
                               "FROM tasks t LEFT JOIN models m "
                               "ON m.id = t.model WHERE t.id = ?",
                               "t", task);
    int r = s ? db_step(st->db, s, NULL) : -1;

    owner[0] = model_addr[0] = '\0';
    snprintf(model, ST_HASH_SIZE, "unknown");
    if (r == 1) {
        col_copy(s, 0, owner, ST_ADDR_SIZE);
        col_copy(s, 1, model, ST_HASH_SIZE);
        col_copy(s, 2, model_addr, ST_ADDR_SIZE);
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
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

/* ---- contestations: decided as the contract decided them ---- */

/* What a contestation's first finish (start_idx 0) shows (PROTOCOL.md
 * section 11). */
struct verdict {
    const char *outcome;           /* "upheld" | "rejected" */
    const char *by;                /* "payout" | "refund" | "rule" */
    int64_t yea, nay;              /* voters counted (auto votes included) */
    int64_t adder;                 /* the V6 bonus counted, 0 before V6 */
    const struct st_event *refund; /* the refund Transfer, or NULL */
};

/*
 * The V6 vote adder in force for finish f: the masterContesterVoteAdder()
 * view the scanner read, else the one stored by an earlier decision (a
 * re-settlement), else the last MasterContesterVoteAdderSet before f, else
 * 0.  0 or -1.
 */
static int finish_adder(struct store *st, const struct st_event *f,
                        int64_t *out)
{
    *out = f->u.finish.adder;
    if (*out >= 0)
        return 0;
    *out = 0;
    return db_int(st->db, out,
                  "SELECT coalesce((SELECT adder FROM contestations WHERE "
                  "task = ?1 AND decided_block = ?2 AND decided_log_index "
                  "= ?3), (SELECT CAST(json_extract(args, '$.adder') AS "
                  "INTEGER) FROM other_events WHERE name = "
                  "'MasterContesterVoteAdderSet' AND (block, log_index) < "
                  "(?2, ?3) ORDER BY block DESC, log_index DESC LIMIT 1), 0)",
                  "tii", f->u.finish.task, (int64_t)f->pos.block,
                  (int64_t)f->pos.log_index) < 0
               ? -1
               : 0;
}

/* The voters of f's task cast before f, by side, and the task's owner and
 * fee ("" when the task is not indexed).  0 or -1. */
static int verdict_facts(struct store *st, const struct st_event *f,
                         struct verdict *v, char owner[ST_ADDR_SIZE],
                         char fee[ST_DEC_SIZE])
{
    sqlite3_stmt *s = db_query(st->db,
                               "SELECT (SELECT count(*) FROM votes WHERE "
                               "task = ?1 AND yea AND (block, log_index) < "
                               "(?2, ?3)), (SELECT count(*) FROM votes WHERE "
                               "task = ?1 AND NOT yea AND (block, log_index) "
                               "< (?2, ?3)), (SELECT owner FROM tasks WHERE "
                               "id = ?1), (SELECT fee FROM tasks WHERE "
                               "id = ?1)",
                               "tii", f->u.finish.task, (int64_t)f->pos.block,
                               (int64_t)f->pos.log_index);
    int r = s ? db_step(st->db, s, NULL) : -1;

    if (r == 1) {
        v->yea = sqlite3_column_int64(s, 0);
        v->nay = sqlite3_column_int64(s, 1);
        col_copy(s, 2, owner, ST_ADDR_SIZE);
        col_copy(s, 3, fee, ST_DEC_SIZE);
    }
    db_stmt_done(st->db, s);
    return r == 1 ? 0 : -1;
}

/*
 * Reads the verdict of the first finish f from what its transaction did
 * before it (z: its transfers and payouts): fee or reward events, or
 * transfers to others than the owner, mean rejected (the solver was paid;
 * V5 events or transfers alone mean an engine before V6, which counts no
 * adder); the task fee refunded to its owner means upheld; when nothing
 * moved (a zero fee before V6) the rule decides: yea voters + adder > nay
 * voters.  0 or -1.
 */
static int verdict_of(struct store *st, const struct st_event *f,
                      const struct settlement *z, struct verdict *v)
{
    const struct st_event *payout = NULL, *tr = NULL;
    char owner[ST_ADDR_SIZE] = "", fee[ST_DEC_SIZE] = "";
    size_t i, nt = 0;

    memset(v, 0, sizeof(*v));
    if (verdict_facts(st, f, v, owner, fee) < 0 ||
        finish_adder(st, f, &v->adder) < 0)
        return -1;
    for (i = 0; i < z->n; i++) {
        if (z->logs[i]->kind == ST_PAYOUT && !payout)
            payout = z->logs[i];
        if (z->logs[i]->kind == ST_TRANSFER && nt++ == 0)
            tr = z->logs[i];
    }
    if (payout || nt) {
        v->by = "payout";
        v->outcome = "rejected";
        if (!payout && nt == 1 && owner[0] &&
            strcmp(tr->u.transfer.dst, owner) == 0 &&
            strcmp(tr->u.transfer.amount, fee) == 0) {
            v->by = "refund";
            v->outcome = "upheld";
            v->refund = tr;
        } else if (!payout || payout->u.payout.era < 6) {
            v->adder = 0;
        }
        return 0;
    }
    v->by = "rule";
    v->outcome = v->yea + v->adder > v->nay ? "upheld" : "rejected";
    return 0;
}

/*
 * The solution of task loses its place among the valid ones: flagged, and
 * out of the daily image counts (by solution day) and its owner's images
 * (the figures subtract invalid from solved).  0 or -1.
 */
static int invalidate(struct store *st, const char *task)
{
    struct task_facts f;
    int r;

    /* A re-settlement (rows only) leaves the flag and its rollups alone. */
    if (st->no_deltas)
        return 0;
    r = db_run(st->db,
               "UPDATE solutions SET invalid = 1 WHERE task = ? AND "
               "invalid = 0",
               "t", task);
    if (r <= 0)
        return r < 0 ? -1 : 0;
    if (task_facts(st, task, &f) < 0)
        return -1;
    daily_add(st, f.sday, f.model, D_INVALID, 1);
    daily_add(st, f.sday, f.model, D_INVALID_HUMAN, !f.automine);
    if (f.owner[0] && f.image)
        acc_get(&st->users, f.owner)->v[3]--;
    return 0;
}

/* Decides the contestation of the first finish f (z: the transaction's
 * payout logs before it) and records it; *rejected = whether the solver
 * was paid.  0 or -1. */
static int decide(struct store *st, const struct st_event *f,
                  const struct settlement *z, int *rejected)
{
    struct verdict v;
    int r;

    if (verdict_of(st, f, z, &v) < 0)
        return -1;
    *rejected = strcmp(v.outcome, "rejected") == 0;
    r = db_run(st->db,
               "UPDATE contestations SET outcome = ?2, decided_by = ?3, "
               "yea_voters = ?4, nay_voters = ?5, adder = ?6, "
               "refund_to = ?7, refund_amount = ?8, decided_block = ?9, "
               "decided_log_index = ?10, decided_tx = ?11 WHERE task = ?1",
               "tttiiittiit", f->u.finish.task, v.outcome, v.by, v.yea, v.nay,
               v.adder, v.refund ? v.refund->u.transfer.dst : NULL,
               v.refund ? v.refund->u.transfer.amount : NULL,
               (int64_t)f->pos.block, (int64_t)f->pos.log_index, f->pos.tx);
    if (r < 0)
        return -1;
    return r == 1 && !*rejected ? invalidate(st, f->u.finish.task) : 0;
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

            if (e->u.finish.start_idx == 0 && decide(st, e, pend, &rej) < 0)
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
    struct task_facts f;
    struct acc *a;

    if (task_facts(st, task, &f) < 0)
        return -1;
    if (f.owner[0]) {
        a = acc_get(&st->users, f.owner);
        a->v[2]++;
        a->v[3] += f.image ? 1 : 0;
    }
    return 0;
}

/* ---- row writers ---- */

/* 1 if addr has a miners row, 0 if not, -1 on error. */
static int is_miner(struct store *st, const char *addr)
{
    int64_t one;
    int r = db_int(st->db, &one, "SELECT 1 FROM miners WHERE address = ?", "t",
                   addr);

    return r < 0 ? -1 : r == 0;
}

/* A task row, with its deltas (see put_kind for the return). */
static int put_task(struct store *st, const struct st_event *ev)
{
    const struct st_task *t = &ev->u.task;
    int64_t day = ev->pos.time / DAY;
    int miner = is_miner(st, t->owner), automine, r;

    if (miner < 0)
        return -1;
    automine = t->bulk_size > 1 || miner;
    r = db_run(st->db,
               "INSERT OR IGNORE INTO tasks (id, model, fee, fee_aius, owner, "
               "sender, version, input, input_json, prompt, input_flags, cid, "
               "via, bulk_size, automine, block, log_index, tx, time) VALUES "
               "(?, ?, ?, ?, ?, ?, nullif(?, -1), ?, ?, ?, ?, nullif(?, ''), "
               "?, ?, ?, ?, ?, ?, ?)",
               "tttdttibtTittiiiiti", t->id, t->model, t->fee, t->fee_aius,
               t->owner, t->sender, (int64_t)t->version, t->input,
               t->input_len, t->input_json, t->prompt, t->prompt_len,
               (int64_t)t->input_flags, t->cid, t->via, (int64_t)t->bulk_size,
               (int64_t)automine, (int64_t)ev->pos.block,
               (int64_t)ev->pos.log_index, ev->pos.tx, ev->pos.time);
    if (r <= 0)
        return r;
    st->totals[T_TASKS]++;
    st->totals[T_TASKS_HUMAN] += !automine;
    daily_add(st, day, t->model, D_TASKS, 1);
    daily_add(st, day, t->model, D_TASKS_HUMAN, !automine);
    if (daily_add_fee(st, day, t->model, t->fee) < 0 ||
        user_add(st, t->owner, 1, !automine, t->fee, (int64_t)ev->pos.block,
                 ev->pos.time, ev->pos.time) < 0)
        return -1;
    day_user_add(st, day, t->owner, 1, !automine);
    return 1;
}

/* The task's model, automine flag and time ("unknown"/0/-1 if not
 * indexed). */
static int task_info(struct store *st, const char *id,
                     char model[ST_HASH_SIZE], int *automine, int64_t *time)
{
    sqlite3_stmt *s = db_query(st->db,
                               "SELECT model, automine, time FROM "
                               "tasks WHERE id = ?",
                               "t", id);
    int r = s ? db_step(st->db, s, NULL) : -1;

    snprintf(model, ST_HASH_SIZE, "unknown");
    *automine = 0;
    *time = -1;
    if (r == 1) {
        col_copy(s, 0, model, ST_HASH_SIZE);
        *automine = sqlite3_column_int(s, 1);
        *time = sqlite3_column_int64(s, 2);
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

/* A solution row; its validator becomes a miner (flipping the automine
 * flag of the tasks it owns), with the deltas it moves. */
static int put_solution(struct store *st, const struct st_event *ev)
{
    const struct st_solution *so = &ev->u.solution;
    int64_t day = ev->pos.time / DAY, ttime;
    char model[ST_HASH_SIZE];
    int known, automine, r;

    r = db_run(st->db,
               "INSERT OR IGNORE INTO solutions (task, validator, cid, "
               "cid_text, cid_flags, block, log_index, tx, time) VALUES "
               "(?, ?, ?, nullif(?, ''), ?, ?, ?, ?, ?)",
               "ttttiiiti", so->task, so->validator, so->cid_hex, so->cid_text,
               (int64_t)so->cid_flags, (int64_t)ev->pos.block,
               (int64_t)ev->pos.log_index, ev->pos.tx, ev->pos.time);
    if (r <= 0)
        return r;
    known = is_miner(st, so->validator);
    if (known < 0 ||
        db_run(st->db,
               "INSERT INTO miners (address, first_block, first_time, "
               "last_time, solutions) VALUES (?, ?, ?, ?, 1) "
               "ON CONFLICT(address) DO UPDATE "
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
    miner_day_add(st, day, so->validator, model, 1, 0);
    if (ttime >= 0)
        lat_add(st, so->validator, 0, day, ev->pos.time - ttime);
    st->totals[T_SOLUTIONS]++;
    daily_add(st, day, model, D_SOLVED, 1);
    daily_add(st, day, model, D_SOLVED_HUMAN, !automine);
    return 1;
}

/* An other_events row: a log kept as name and JSON arguments. */
static int put_other_raw(struct store *st, const struct st_pos *p,
                         const char *address, const char *name,
                         const char *topic0, const char *args)
{
    return db_run(st->db,
                  "INSERT OR IGNORE INTO other_events (block, log_index, tx, "
                  "time, address, name, topic0, args) VALUES "
                  "(?, ?, ?, ?, ?, ?, ?, ?)",
                  "iitittt"
                  "t",
                  (int64_t)p->block, (int64_t)p->log_index, p->tx, p->time,
                  address, name, topic0, args);
}

/* A claim whose solution row is not there to mark. */
static int put_claim_unmatched(struct store *st, const struct st_event *ev)
{
    const struct st_pair *c = &ev->u.pair;
    char args[256];
    int64_t one;
    int r;

    /* Already claimed (a replay of this very range) or the solution
     * predates the index: keep the log rather than lose it. */
    r = db_int(st->db, &one, "SELECT 1 FROM solutions WHERE task = ?", "t",
               c->task);
    if (r <= 0)
        return r;
    snprintf(args, sizeof(args), "{\"addr\":\"%s\",\"task\":\"%s\"}", c->addr,
             c->task);
    return put_other_raw(st, &ev->pos, "", "SolutionClaimed", "", args);
}

/* A claim marks its solution row claimed, with the deltas it moves. */
static int put_claim(struct store *st, const struct st_event *ev)
{
    const struct st_pair *c = &ev->u.pair;
    int64_t day = ev->pos.time / DAY, ttime, stime;
    char model[ST_HASH_SIZE], validator[ST_ADDR_SIZE];
    int automine, r;

    r = db_run(st->db,
               "UPDATE solutions SET claimed = 1, claim_block = ?, "
               "claim_log_index = ?, claim_tx = ?, claim_time = ? "
               "WHERE task = ? AND claimed = 0",
               "iitit", (int64_t)ev->pos.block, (int64_t)ev->pos.log_index,
               ev->pos.tx, ev->pos.time, c->task);
    if (r <= 0)
        return r < 0 ? -1 : put_claim_unmatched(st, ev);
    if (task_info(st, c->task, model, &automine, &ttime) < 0 ||
        solution_of(st, c->task, validator, &stime) < 0)
        return -1;
    miner_day_add(st, day, validator, model, 0, 1);
    lat_add(st, validator, 1, day, ev->pos.time - stime);
    st->totals[T_CLAIMS]++;
    daily_add(st, day, model, D_CLAIMS, 1);
    if (db_run(st->db,
               "UPDATE miners SET claims = claims + 1 WHERE "
               "address = (SELECT validator FROM solutions WHERE "
               "task = ?)",
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
    if (db_run(st->db,
               "UPDATE contestations SET finish_block = ?1, "
               "finish_log_index = ?2, "
               "finish_start = ?3, finish_end = ?4 WHERE task = ?5 AND "
               "(finish_block IS NULL OR finish_block < ?1 OR "
               "(finish_block = ?1 AND finish_log_index < ?2))",
               "iiiit", (int64_t)ev->pos.block, (int64_t)ev->pos.log_index,
               (int64_t)f->start_idx, (int64_t)f->end_idx, f->task) < 0)
        return -1;
    return r;
}

/* What a models row keeps of the model's JSON template. */
struct tmpl_fields {
    char *json;        /* compact; NULL: not a JSON object */
    char *file, *type; /* output[0].filename, .type; or NULL */
    char *title;       /* meta.title, or NULL */
};

/* A new copy of o[key] when it is a string, else NULL. */
static char *json_str_dup(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/* Fills f (owned strings: tmpl_fields_release) from template bytes b. */
static void tmpl_fields_init(struct tmpl_fields *f, const uint8_t *b, size_t n)
{
    json_t *j = b ? json_loadb((const char *)b, n, 0, NULL) : NULL;
    json_t *out0;

    memset(f, 0, sizeof(*f));
    if (json_is_object(j)) {
        f->json = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        out0 = json_array_get(json_object_get(j, "output"), 0);
        f->file = json_str_dup(out0, "filename");
        f->type = json_str_dup(out0, "type");
        f->title = json_str_dup(json_object_get(j, "meta"), "title");
    }
    json_decref(j);
}

/* Frees what tmpl_fields_init() filled in. */
static void tmpl_fields_release(struct tmpl_fields *f)
{
    free(f->json);
    free(f->file);
    free(f->type);
    free(f->title);
}

/* The template fields of template bytes b[0..n), with the built-in
 * table's kind and output file of model id where the template has none. */
static void model_fields_init(struct tmpl_fields *f, const char *id,
                              const uint8_t *b, size_t n)
{
    const struct modelname_row *row = modelnames_row(id);

    tmpl_fields_init(f, b, n);
    if (row && !f->type)
        f->type = xstrdup(row->kind);
    if (row && !f->file)
        f->file = xstrdup(row->output);
}

/* Whether model id's output is an image: 1, 0, or -1 on error. */
static int model_is_image(struct store *st, const char *id)
{
    int64_t v = 0;

    return db_int(st->db, &v,
                  "SELECT output_type = 'image' FROM models WHERE id = ?", "t",
                  id) < 0
               ? -1
               : v != 0;
}

/*
 * After model id's template fields were written: when its output became
 * or stopped being an image (was_image), the owners' image counts move by
 * its valid solved tasks; CIDs the IPFS monitor checked without a file
 * (the model was unknown then) are checked again with it.  The figures
 * join models when they are read, so they follow by themselves.  0 or -1.
 */
static int model_learnt(struct store *st, const char *id, int was_image)
{
    int now_image = model_is_image(st, id);

    if (now_image < 0)
        return -1;
    if (now_image != was_image &&
        db_run(st->db,
               "UPDATE users SET images = images + ?2 * (SELECT count(*) "
               "FROM tasks t JOIN solutions s ON s.task = t.id WHERE "
               "t.owner = users.address AND t.model = ?1 AND "
               "s.invalid = 0) WHERE address IN (SELECT owner FROM tasks "
               "WHERE model = ?1)",
               "ti", id, (int64_t)(now_image ? 1 : -1)) < 0)
        return -1;
    return db_run(st->db,
                  "UPDATE ipfs_cids SET path = (SELECT output_file FROM "
                  "models WHERE id = ?1), status = 'pending', "
                  "next_check = unixepoch(), attempts = 0 WHERE path = '' "
                  "AND (SELECT output_file FROM models WHERE id = ?1) "
                  "IS NOT NULL AND cid IN (SELECT s.cid_text FROM tasks t "
                  "JOIN solutions s ON s.task = t.id WHERE t.model = ?1)",
                  "t", id) < 0
               ? -1
               : 0;
}

/* A models row from a registration: new, or completing the row learnt
 * from the view before the index saw the registration. */
static int put_model(struct store *st, const struct st_event *ev)
{
    const struct st_model *m = &ev->u.model;
    struct tmpl_fields f;
    int was = model_is_image(st, m->id), r;

    if (was < 0)
        return -1;
    model_fields_init(&f, m->id, m->template_bytes, m->template_len);
    r = db_run(st->db,
               "INSERT INTO models (id, addr, fee, template, "
               "template_json, output_file, output_type, title, cid, block, "
               "log_index, tx, time) VALUES (?, nullif(?, ''), ?, ?, ?, ?, ?, "
               "?, nullif(?, ''), ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
               "source = 'registration', block = excluded.block, "
               "log_index = excluded.log_index, tx = excluded.tx, "
               "time = excluded.time, "
               "template = coalesce(template, excluded.template), "
               "template_json = coalesce(template_json, "
               "excluded.template_json), "
               "output_file = coalesce(output_file, excluded.output_file), "
               "output_type = coalesce(output_type, excluded.output_type), "
               "title = coalesce(title, excluded.title), "
               "cid = coalesce(cid, excluded.cid), template_next = NULL, "
               "template_error = NULL WHERE models.block IS NULL",
               "tttbttttt"
               "iiti",
               m->id, m->addr, m->fee, m->template_bytes, m->template_len,
               f.json, f.file, f.type, f.title, m->cid, (int64_t)ev->pos.block,
               (int64_t)ev->pos.log_index, ev->pos.tx, ev->pos.time);
    tmpl_fields_release(&f);
    if (r > 0 && model_learnt(st, m->id, was) < 0)
        return -1;
    return r;
}

/* A model learnt outside a registration (struct st_range.models): a new
 * row from the view, or a template that arrived from a gateway, or the
 * schedule of the next try.  0 or -1. */
static int put_learnt_model(struct store *st, const struct st_model *m)
{
    struct tmpl_fields f;
    int was = model_is_image(st, m->id), r;

    if (was < 0)
        return -1;
    model_fields_init(&f, m->id, m->template_bytes, m->template_len);
    if (m->from_view)
        r = db_run(st->db,
                   "INSERT OR IGNORE INTO models (id, addr, fee, rate, cid, "
                   "source, template, template_json, output_file, "
                   "output_type, title, template_tries, template_next, "
                   "template_error) VALUES (?, nullif(?, ''), ?, ?, "
                   "nullif(?, ''), 'view', ?, ?, ?, ?, ?, ?, nullif(?, 0), "
                   "nullif(?, ''))",
                   "ttttt"
                   "btttt"
                   "iit",
                   m->id, m->addr, m->fee, m->rate, m->cid, m->template_bytes,
                   m->template_len, f.json, f.file, f.type, f.title,
                   (int64_t)m->template_tried, m->template_next,
                   m->template_error);
    else if (m->template_bytes)
        r = db_run(st->db,
                   "UPDATE models SET template = ?2, template_json = ?3, "
                   "output_file = coalesce(?4, output_file), "
                   "output_type = coalesce(?5, output_type), title = ?6, "
                   "template_tries = template_tries + 1, "
                   "template_next = NULL, template_error = NULL "
                   "WHERE id = ?1 AND template IS NULL",
                   "tbtttt", m->id, m->template_bytes, m->template_len, f.json,
                   f.file, f.type, f.title);
    else
        r = db_run(st->db,
                   "UPDATE models SET template_tries = template_tries + ?2, "
                   "template_next = nullif(?3, 0), "
                   "template_error = nullif(?4, '') WHERE id = ?1 AND "
                   "template IS NULL",
                   "tiit", m->id, (int64_t)m->template_tried, m->template_next,
                   m->template_error);
    tmpl_fields_release(&f);
    if (r > 0 && model_learnt(st, m->id, was) < 0)
        return -1;
    return r < 0 ? -1 : 0;
}

int store_model_known(struct store *st, const char *id)
{
    int64_t one;
    int r = db_int(st->db, &one, "SELECT 1 FROM models WHERE id = ?", "t", id);

    return r < 0 ? -1 : r == 0;
}

int store_models_due(struct store *st, int64_t now, struct st_model *out,
                     size_t max, size_t *n)
{
    sqlite3_stmt *s = db_query(st->db,
                               "SELECT id, cid, template_tries FROM models "
                               "WHERE template_next <= ? AND template IS "
                               "NULL AND cid IS NOT NULL "
                               "ORDER BY template_next LIMIT ?",
                               "ii", now, (int64_t)max);
    int r = s ? 1 : -1;

    *n = 0;
    while (r == 1 && (r = db_step(st->db, s, NULL)) == 1) {
        memset(&out[*n], 0, sizeof(out[*n]));
        col_copy(s, 0, out[*n].id, sizeof(out[*n].id));
        col_copy(s, 1, out[*n].cid, sizeof(out[*n].cid));
        out[(*n)++].template_tries = sqlite3_column_int64(s, 2);
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

/* A model_changes row, applied to its models row. */
static int put_model_change(struct store *st, const struct st_event *ev)
{
    const struct st_model_change *c = &ev->u.change;
    char sql[128];
    int r;

    r = db_run(st->db,
               "INSERT OR IGNORE INTO model_changes (block, log_index, tx, "
               "model, kind, value) VALUES (?, ?, ?, ?, ?, ?)",
               "iitttt", (int64_t)ev->pos.block, (int64_t)ev->pos.log_index,
               ev->pos.tx, c->model, c->kind, c->value);
    if (r <= 0)
        return r;
    snprintf(sql, sizeof(sql), "UPDATE models SET %s = ? WHERE id = ?",
             strcmp(c->kind, "fee") == 0    ? "fee"
             : strcmp(c->kind, "rate") == 0 ? "rate"
                                            : "addr");
    return db_run(st->db, sql, "tt", c->value, c->model) < 0 ? -1 : 1;
}

/* A TaskRetracted log (as an other_events row) flags its task. */
static int put_retracted(struct store *st, const struct st_event *ev)
{
    char args[128];
    int r;

    snprintf(args, sizeof(args), "{\"id\":\"%s\"}", ev->u.pair.task);
    r = put_other_raw(st, &ev->pos, "", "TaskRetracted", "", args);
    if (r > 0 && db_run(st->db, "UPDATE tasks SET retracted = 1 WHERE id = ?",
                        "t", ev->u.pair.task) < 0)
        return -1;
    return r;
}

/* A commitments row. */
static int put_commitment(struct store *st, const struct st_event *ev)
{
    const struct st_pos *p = &ev->pos;

    return db_run(st->db,
                  "INSERT OR IGNORE INTO commitments (commitment, addr, "
                  "block, log_index, tx, time) VALUES (?, ?, ?, ?, ?, ?)",
                  "ttiiti", ev->u.pair.task, ev->u.pair.addr,
                  (int64_t)p->block, (int64_t)p->log_index, p->tx, p->time);
}

/* A contestations row, counted in the totals. */
static int put_contestation(struct store *st, const struct st_event *ev)
{
    const struct st_pos *p = &ev->pos;
    int r;

    r = db_run(st->db,
               "INSERT OR IGNORE INTO contestations (task, contester, "
               "suggested, block, log_index, tx, time) VALUES "
               "(?, ?, ?, ?, ?, ?, ?)",
               "ttiiiti", ev->u.pair.task, ev->u.pair.addr,
               (int64_t)ev->u.pair.flag, (int64_t)p->block,
               (int64_t)p->log_index, p->tx, p->time);
    if (r > 0)
        st->totals[T_CONTESTATIONS]++;
    return r;
}

/* A votes row. */
static int put_vote(struct store *st, const struct st_event *ev)
{
    const struct st_pos *p = &ev->pos;

    /* Cast by submitContestation itself (the contester's yea, the
     * accused's nay): in the contestation's own transaction. */
    return db_run(st->db,
                  "INSERT OR IGNORE INTO votes (task, voter, yea, block, "
                  "log_index, tx, time, auto) VALUES (?1, ?2, ?3, ?4, ?5, "
                  "?6, ?7, EXISTS (SELECT 1 FROM contestations WHERE "
                  "task = ?1 AND tx = ?6))",
                  "ttiiiti", ev->u.vote.task, ev->u.vote.voter,
                  (int64_t)ev->u.vote.yea, (int64_t)p->block,
                  (int64_t)p->log_index, p->tx, p->time);
}

/* A stake_events row. */
static int put_stake(struct store *st, const struct st_event *ev)
{
    const struct st_stake *k = &ev->u.stake;
    const struct st_pos *p = &ev->pos;

    return db_run(st->db,
                  "INSERT OR IGNORE INTO stake_events (block, log_index, tx, "
                  "time, kind, addr, validator, count, amount, unlock_time) "
                  "VALUES (?, ?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), "
                  "nullif(?, ''), nullif(?, ''))",
                  "iititttttt", (int64_t)p->block, (int64_t)p->log_index,
                  p->tx, p->time, k->kind, k->addr, k->validator, k->count,
                  k->amount, k->unlock);
}

/* A payouts row (settled into earnings by settle_events()). */
static int put_payout(struct store *st, const struct st_event *ev)
{
    const struct st_payout *o = &ev->u.payout;
    const struct st_pos *p = &ev->pos;

    return db_run(st->db,
                  "INSERT OR IGNORE INTO payouts (block, log_index, tx, time, "
                  "kind, era, task, model, validator, a0, a1, a2, a3) VALUES "
                  "(?, ?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), "
                  "nullif(?, ''), ?, ?, ?, ?)",
                  "iititittttttt", (int64_t)p->block, (int64_t)p->log_index,
                  p->tx, p->time, o->kind, (int64_t)o->era, o->task, o->model,
                  o->validator, o->a[0], o->a[1], o->a[2], o->a[3]);
}

/* A transfers row (settled into earnings by settle_events()). */
static int put_transfer(struct store *st, const struct st_event *ev)
{
    const struct st_pos *p = &ev->pos;

    return db_run(st->db,
                  "INSERT OR IGNORE INTO transfers (block, log_index, tx, "
                  "time, src, dst, amount) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  "iititt"
                  "t",
                  (int64_t)p->block, (int64_t)p->log_index, p->tx, p->time,
                  ev->u.transfer.src, ev->u.transfer.dst,
                  ev->u.transfer.amount);
}

/* An incentives row. */
static int put_incentive(struct store *st, const struct st_event *ev)
{
    const struct st_pos *p = &ev->pos;

    return db_run(st->db,
                  "INSERT OR IGNORE INTO incentives (block, log_index, tx, "
                  "time, task, kind, recipient, amount) VALUES "
                  "(?, ?, ?, ?, ?, ?, nullif(?, ''), ?)",
                  "iitittt"
                  "t",
                  (int64_t)p->block, (int64_t)p->log_index, p->tx, p->time,
                  ev->u.incentive.task, ev->u.incentive.kind,
                  ev->u.incentive.recipient, ev->u.incentive.amount);
}

/* A log the decoder does not model, as an other_events row. */
static int put_other(struct store *st, const struct st_event *ev)
{
    return put_other_raw(st, &ev->pos, ev->u.other.address, ev->u.other.name,
                         ev->u.other.topic0, ev->u.other.args_json);
}

/* The writer of each event kind: 1 when the row is new, 0 when it was
 * there already, -1 on error. */
static int (*const put_kind[])(struct store *, const struct st_event *) = {
    [ST_TASK] = put_task,
    [ST_TASK_RETRACTED] = put_retracted,
    [ST_COMMITMENT] = put_commitment,
    [ST_SOLUTION] = put_solution,
    [ST_CLAIM] = put_claim,
    [ST_CONTESTATION] = put_contestation,
    [ST_VOTE] = put_vote,
    [ST_VOTE_FINISH] = put_vote_finish,
    [ST_MODEL] = put_model,
    [ST_MODEL_CHANGE] = put_model_change,
    [ST_STAKE] = put_stake,
    [ST_PAYOUT] = put_payout,
    [ST_TRANSFER] = put_transfer,
    [ST_INCENTIVE] = put_incentive,
    [ST_OTHER] = put_other,
};

/* Writes one event's row and counts it when it is new.  0 or -1. */
static int put_event(struct store *st, const struct st_event *ev)
{
    int r;

    if ((size_t)ev->kind >= ARRAY_SIZE(put_kind) || !put_kind[ev->kind]) {
        log_warnx("store: unknown event kind %d", (int)ev->kind);
        return -1;
    }
    r = put_kind[ev->kind](st, ev);
    if (r > 0)
        st->totals[T_EVENTS]++;
    return r < 0 ? -1 : 0;
}

/* The hash of block n (the reorg window). */
static int put_block(struct store *st, uint64_t n, const char *hash,
                     const char *parent, int64_t time)
{
    return db_run(st->db,
                  "INSERT INTO blocks (number, hash, parent, time) VALUES "
                  "(?, ?, ?, ?) ON CONFLICT(number) DO UPDATE SET "
                  "hash = excluded.hash, parent = excluded.parent, "
                  "time = excluded.time",
                  "itti", (int64_t)n, hash, parent, time) < 0
               ? -1
               : 0;
}

/*
 * The range's block hashes (the reorg window), its coverage row and, when
 * it advances, the checkpoint: the rows that say how far the index goes.
 * 0 or -1.
 */
static int put_range_marks(struct store *st, const struct st_range *r,
                           size_t n)
{
    size_t i;
    int changed;

    for (i = 0; i < r->nblocks; i++)
        if (put_block(st, r->block_numbers[i], r->block_hashes[i],
                      r->block_parents[i], r->block_times[i]) < 0)
            return -1;
    if (put_block(st, r->to, r->to_hash, r->to_parent, r->to_time) < 0)
        return -1;
    /* Keep the reorg window: blocks far below the head are final. */
    if (r->to > 4096 && db_run(st->db, "DELETE FROM blocks WHERE number < ?",
                               "i", (int64_t)(r->to - 4096)) < 0)
        return -1;
    /* Coverage: extend the row that ends just below, else start one. */
    changed = db_run(st->db,
                     "UPDATE coverage SET to_block = ?, logs = logs + ?, "
                     "end_hash = ?, rpc = ?, fetched_at = unixepoch() "
                     "WHERE to_block = ?",
                     "iitti", (int64_t)r->to, (int64_t)n, r->to_hash, r->rpc,
                     (int64_t)r->from - 1);
    if (changed < 0)
        return -1;
    if (changed == 0 &&
        db_run(st->db,
               "INSERT OR REPLACE INTO coverage (from_block, to_block, logs, "
               "end_hash, rpc, fetched_at) VALUES "
               "(?, ?, ?, ?, ?, unixepoch())",
               "iiitt", (int64_t)r->from, (int64_t)r->to, (int64_t)n,
               r->to_hash, r->rpc) < 0)
        return -1;
    if (r->advance &&
        db_run(st->db,
               "UPDATE scan_state SET indexed_block = ?, indexed_hash = ?, "
               "indexed_time = ?, head_block = max(head_block, ?), "
               "head_time = max(head_time, ?), "
               "safe_block = max(safe_block, ?), "
               "last_error = NULL, updated_at = unixepoch() WHERE id = 1",
               "itiiii", (int64_t)r->to, r->to_hash, r->to_time,
               (int64_t)r->head, r->head_time, (int64_t)r->safe) != 1)
        return -1;
    /* A committed range is a poll that works, however long it lasts. */
    if (r->advance && store_note_health(st, NULL) < 0)
        return -1;
    return 0;
}

int store_commit_range(struct store *st, const struct st_range *r,
                       struct st_event *evs, size_t n)
{
    int64_t rowid_mark = 0;
    size_t i;

    reset_deltas(st);
    if (db_begin(st->db) < 0)
        return -1;
    /* Rows this range inserts get rowids above the current maximum. */
    if (db_int(st->db, &rowid_mark,
               "SELECT coalesce(max(rowid), 0) FROM "
               "tasks",
               "") < 0)
        goto fail;
    /* Models first: the rows below count images by their output type. */
    for (i = 0; i < r->nmodels; i++)
        if (put_learnt_model(st, &r->models[i]) < 0)
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
        db_run(st->db,
               "UPDATE miners SET active = (last_time > ?1 - ?2) "
               "WHERE active != (last_time > ?1 - ?2)",
               "ii", r->to_time, st->active_window) < 0)
        goto fail;
    reset_deltas(st);
    /* New prompts into the full-text index, once for the range. */
    if (n > 0 &&
        db_run(st->db,
               "INSERT INTO prompts_fts (rowid, prompt) SELECT rowid, prompt "
               "FROM tasks WHERE rowid > ? AND prompt IS NOT NULL",
               "i", rowid_mark) < 0)
        goto fail;
    /* A reorg may have deleted and re-inserted task rows: their upvotes
     * and hidden flags come back from the social tables (the truth). */
    if (n > 0 && social_reapply(st->db, rowid_mark) < 0)
        goto fail;
    if (put_range_marks(st, r, n) < 0)
        goto fail;
    /* The dashboard's figures as of the head this range moved to. */
    if (r->advance && stats_figures_update(st->db) < 0)
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

/* The hash the query sql (one integer parameter n) answers first, into
 * out: 0 found, 1 none, -1 error. */
static int one_hash(struct store *st, const char *sql, uint64_t n,
                    char out[ST_HASH_SIZE])
{
    sqlite3_stmt *s = db_query(st->db, sql, "i", (int64_t)n);
    int r = s ? db_step(st->db, s, NULL) : -1;

    if (r == 1)
        col_copy(s, 0, out, ST_HASH_SIZE);
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : r == 1 ? 0 : 1;
}

int store_block_hash(struct store *st, uint64_t n, char hash[ST_HASH_SIZE])
{
    return one_hash(st, "SELECT hash FROM blocks WHERE number = ?", n, hash);
}

void store_backfill(struct store *st, int on)
{
    /* A checkpoint copies the WAL's pages into the database and syncs
     * both: every few ranges of a backfill, not at every commit. */
    if (db_exec(st->db, on ? "PRAGMA wal_autocheckpoint=16000"
                           : "PRAGMA wal_autocheckpoint=1000") < 0)
        log_warnx("store: could not set the checkpoint interval");
}

int store_task_before(struct store *st, uint64_t block, char id[ST_HASH_SIZE])
{
    return one_hash(st,
                    "SELECT id FROM tasks WHERE block < ? "
                    "ORDER BY block DESC, log_index DESC LIMIT 1",
                    block, id);
}

int store_window_blocks(struct store *st, uint64_t below, uint64_t *out,
                        size_t max, size_t *n)
{
    sqlite3_stmt *s = db_query(st->db,
                               "SELECT number FROM blocks WHERE "
                               "number <= ? ORDER BY number DESC "
                               "LIMIT ?",
                               "ii", (int64_t)below, (int64_t)max);
    int r = s ? 1 : -1;

    *n = 0;
    while (r == 1 && (r = db_step(st->db, s, NULL)) == 1)
        out[(*n)++] = (uint64_t)sqlite3_column_int64(s, 0);
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

/* ---- recomputation (reorgs, rebuild) ---- */

/* Runs sql[0..n) in order, each with ?1 = the text t, or v when t is NULL.
 * 0 or -1. */
static int run_list(struct store *st, const char *const *sql, size_t n,
                    const char *t, int64_t v)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((t ? db_run(st->db, sql[i], "t", t)
               : db_run(st->db, sql[i], "i", v)) < 0)
            return -1;
    return 0;
}

/* The daily and daily_users rows of day ?1, but the fees. */
static const char *const recompute_day_sql[] = {
    "DELETE FROM daily WHERE day = ?",
    "DELETE FROM daily_users WHERE day = ?",
    "INSERT INTO daily_users (day, address, tasks, tasks_human) "
    "SELECT ?1, owner, count(*), total(automine = 0) FROM tasks "
    "WHERE time >= ?1 * 86400 AND time < (?1 + 1) * 86400 "
    "GROUP BY owner",
    "INSERT INTO daily (day, model, tasks, tasks_human) "
    "SELECT ?1, model, count(*), total(automine = 0) FROM tasks "
    "WHERE time >= ?1 * 86400 AND time < (?1 + 1) * 86400 "
    "GROUP BY model",
    "INSERT INTO daily (day, model, solved, solved_human, invalid, "
    "invalid_human) SELECT ?1, coalesce(t.model, 'unknown'), count(*), "
    "total(coalesce(t.automine, 0) = 0), total(s.invalid), "
    "total(s.invalid AND coalesce(t.automine, 0) = 0) FROM solutions s "
    "LEFT JOIN tasks t ON t.id = s.task "
    "WHERE s.time >= ?1 * 86400 AND s.time < (?1 + 1) * 86400 "
    "GROUP BY 2 ON CONFLICT(day, model) DO UPDATE SET "
    "solved = excluded.solved, solved_human = excluded.solved_human, "
    "invalid = excluded.invalid, invalid_human = excluded.invalid_human",
    "INSERT INTO daily (day, model, claims) "
    "SELECT ?1, coalesce(t.model, 'unknown'), count(*) FROM solutions s "
    "LEFT JOIN tasks t ON t.id = s.task "
    "WHERE s.claim_time >= ?1 * 86400 "
    "AND s.claim_time < (?1 + 1) * 86400 "
    "GROUP BY 2 ON CONFLICT(day, model) DO UPDATE SET "
    "claims = excluded.claims",
};

/* Sets the fees of day's row of model ("": nothing to set).  0 or -1. */
static int day_fees_set(struct store *st, int64_t day, const char *model,
                        const char *sum)
{
    if (!model[0])
        return 0;
    return db_run(st->db,
                  "UPDATE daily SET fees = ? WHERE day = ? AND "
                  "model = ?",
                  "tit", sum, day, model) < 0
               ? -1
               : 0;
}

/* Recomputes the daily rows of one day from the base tables. */
static int recompute_day(struct store *st, int64_t day)
{
    char model[ST_HASH_SIZE] = "", m[ST_HASH_SIZE], sum[ST_DEC_SIZE] = "0";
    sqlite3_stmt *s;
    int r;

    if (run_list(st, recompute_day_sql, ARRAY_SIZE(recompute_day_sql), NULL,
                 day) < 0)
        return -1;
    /* Fee sums, exact, in C. */
    s = db_query(st->db,
                 "SELECT model, fee FROM tasks WHERE time >= "
                 "?1 * 86400 AND time < (?1 + 1) * 86400 AND "
                 "fee != '0' ORDER BY model",
                 "i", day);
    r = s ? 1 : -1;
    while (r == 1 && (r = db_step(st->db, s, NULL)) == 1) {
        col_copy(s, 0, m, sizeof(m));
        if (strcmp(m, model) != 0) {
            if (day_fees_set(st, day, model, sum) < 0)
                r = -1;
            snprintf(model, sizeof(model), "%s", m);
            snprintf(sum, sizeof(sum), "0");
        }
        if (r == 1 &&
            dec_add(sum, (const char *)sqlite3_column_text(s, 1), sum, 0) < 0)
            r = -1;
    }
    if (r == 0 && day_fees_set(st, day, model, sum) < 0)
        r = -1;
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

/* Recomputes the users row of one owner from its tasks. */
static int recompute_user(struct store *st, const char *addr)
{
    char sum[ST_DEC_SIZE] = "0";
    sqlite3_stmt *s;
    int r;

    if (db_run(st->db, "DELETE FROM users WHERE address = ?", "t", addr) < 0 ||
        db_run(st->db,
               "INSERT INTO users (address, first_block, first_time, "
               "last_time, tasks, tasks_human) SELECT owner, min(block), "
               "min(time), max(time), count(*), total(automine = 0) "
               "FROM tasks WHERE owner = ?1 GROUP BY owner",
               "t", addr) < 0)
        return -1;
    s = db_query(st->db,
                 "SELECT fee FROM tasks WHERE owner = ? AND "
                 "fee != '0'",
                 "t", addr);
    r = s ? 1 : -1;
    while (r == 1 && (r = db_step(st->db, s, NULL)) == 1)
        if (dec_add(sum, (const char *)sqlite3_column_text(s, 0), sum, 0) < 0)
            r = -1;
    db_stmt_done(st->db, s);
    if (r < 0)
        return -1;
    return db_run(st->db,
                  "UPDATE users SET fees = ?1, "
                  "solved = (SELECT count(*) FROM tasks t JOIN solutions s ON "
                  "s.task = t.id WHERE t.owner = ?2), "
                  "images = (SELECT count(*) FROM tasks t JOIN solutions s ON "
                  "s.task = t.id JOIN models m ON m.id = t.model WHERE "
                  "t.owner = ?2 AND m.output_type = 'image' AND "
                  "s.invalid = 0) "
                  "WHERE address = ?2",
                  "tt", sum, addr) < 0
               ? -1
               : 0;
}

/* The miners row of one validator, from its solutions. */
static const char *const recompute_miner_sql[] = {
    "DELETE FROM miners WHERE address = ?",
    "INSERT INTO miners (address, first_block, first_time, "
    "last_time, solutions, claims) SELECT validator, min(block), "
    "min(time), max(time), count(*), total(claimed) FROM solutions "
    "WHERE validator = ?1 GROUP BY validator",
};

/* Recomputes the miners row of one validator (see recompute_miner_sql). */
static int recompute_miner(struct store *st, const char *addr)
{
    return run_list(st, recompute_miner_sql, ARRAY_SIZE(recompute_miner_sql),
                    addr, 0);
}

/* Sums the earnings rows of a query (?1 = addr; columns: key text, day or
 * era, kind, amount) into m keyed "<key>|<int>". */
static int sum_rows(struct store *st, const char *sql, const char *addr,
                    struct slot_map *m)
{
    sqlite3_stmt *s = db_query(st->db, sql, "t", addr);
    int r = s ? 1 : -1;

    while (r == 1 && (r = db_step(st->db, s, NULL)) == 1) {
        char key[MACC_KEY_SIZE], k[ST_HASH_SIZE];
        int64_t i = sqlite3_column_int64(s, 1);
        int rewards = strcmp((const char *)sqlite3_column_text(s, 2),
                             "rewards") == 0;
        struct macc *a;

        col_copy(s, 0, k, sizeof(k));
        snprintf(key, sizeof(key), "%s|%lld", k, (long long)i);
        a = macc_get(m, key);
        snprintf(a->str, sizeof(a->str), "%s", k);
        a->i0 = i;
        if (u256_add_dec(&a->amt[rewards],
                         (const char *)sqlite3_column_text(s, 3)) < 0)
            r = -1;
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

/* earnings_totals of one address from its earnings rows. */
static int recompute_earner(struct store *st, const char *addr)
{
    struct slot_map m = { NULL, 0, 0 };
    char f[ST_DEC_SIZE], r[ST_DEC_SIZE];
    struct macc *a;
    int ret = -1;

    if (db_run(st->db, "DELETE FROM earnings_totals WHERE address = ?", "t",
               addr) < 0 ||
        sum_rows(st,
                 "SELECT role, era, kind, amount FROM earnings "
                 "WHERE addr = ?1",
                 addr, &m) < 0)
        goto out;
    SLOT_EACH(a, &m)
    if (u256_to_dec(&a->amt[AMT_FEES], f, sizeof(f)) < 0 ||
        u256_to_dec(&a->amt[AMT_REWARDS], r, sizeof(r)) < 0 ||
        db_run(st->db,
               "INSERT INTO earnings_totals (address, role, era, "
               "fees, rewards) VALUES (?, ?, ?, ?, ?)",
               "ttitt", addr, a->str, a->i0, f, r) < 0)
        goto out;
    ret = 0;
out:
    slot_clear(&m);
    return ret;
}

/* miner_daily's counts of validator ?1, before its amounts. */
static const char *const miner_daily_sql[] = {
    "DELETE FROM miner_daily WHERE address = ?",
    "INSERT INTO miner_daily (day, address, model, solutions) "
    "SELECT s.time / 86400, s.validator, coalesce(t.model, 'unknown'), "
    "count(*) FROM solutions s LEFT JOIN tasks t ON t.id = s.task "
    "WHERE s.validator = ?1 GROUP BY 1, 3",
    "INSERT INTO miner_daily (day, address, model, claims) "
    "SELECT s.claim_time / 86400, s.validator, "
    "coalesce(t.model, 'unknown'), count(*) FROM solutions s "
    "LEFT JOIN tasks t ON t.id = s.task WHERE s.validator = ?1 AND "
    "s.claim_time IS NOT NULL GROUP BY 1, 3 "
    "ON CONFLICT(address, day, model) DO UPDATE SET "
    "claims = excluded.claims",
};

/* miner_latency of validator ?1: solve and claim lags, by day and in all. */
static const char *const miner_latency_sql[] = {
    "DELETE FROM miner_latency WHERE address = ?",
    "INSERT INTO miner_latency (address, kind, day, secs, n) "
    "SELECT ?1, 0, -1, s.time - t.time, count(*) FROM solutions s "
    "JOIN tasks t ON t.id = s.task WHERE s.validator = ?1 "
    "GROUP BY 4",
    "INSERT INTO miner_latency (address, kind, day, secs, n) "
    "SELECT ?1, 0, s.time / 86400, s.time - t.time, count(*) "
    "FROM solutions s JOIN tasks t ON t.id = s.task "
    "WHERE s.validator = ?1 GROUP BY 3, 4",
    "INSERT INTO miner_latency (address, kind, day, secs, n) "
    "SELECT ?1, 1, -1, claim_time - time, count(*) FROM solutions "
    "WHERE validator = ?1 AND claim_time IS NOT NULL GROUP BY 4",
    "INSERT INTO miner_latency (address, kind, day, secs, n) "
    "SELECT ?1, 1, claim_time / 86400, claim_time - time, count(*) "
    "FROM solutions WHERE validator = ?1 AND claim_time IS NOT NULL "
    "GROUP BY 3, 4",
};

/* miner_daily, miner_latency and the miners row's earnings of one
 * validator from the rows. */
static int recompute_miner_extras(struct store *st, const char *addr)
{
    struct slot_map m = { NULL, 0, 0 };
    struct u256 tf = { { 0 } }, tr = { { 0 } };
    char f[ST_DEC_SIZE], r[ST_DEC_SIZE];
    struct macc *a;
    int ret = -1;

    if (run_list(st, miner_daily_sql, ARRAY_SIZE(miner_daily_sql), addr, 0) <
            0 ||
        sum_rows(st,
                 "SELECT model, time / 86400, kind, amount FROM earnings "
                 "WHERE addr = ?1 AND role = 'validator'",
                 addr, &m) < 0)
        goto out;
    SLOT_EACH(a, &m)
    if (u256_add(&tf, &a->amt[AMT_FEES], &tf) ||
        u256_add(&tr, &a->amt[AMT_REWARDS], &tr) ||
        u256_to_dec(&a->amt[AMT_FEES], f, sizeof(f)) < 0 ||
        u256_to_dec(&a->amt[AMT_REWARDS], r, sizeof(r)) < 0 ||
        db_run(st->db,
               "INSERT INTO miner_daily (day, address, model, fees, "
               "rewards) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(address, day, model) DO UPDATE SET "
               "fees = excluded.fees, rewards = excluded.rewards",
               "ittt"
               "t",
               a->i0, addr, a->str, f, r) < 0)
        goto out;
    if (u256_to_dec(&tf, f, sizeof(f)) < 0 ||
        u256_to_dec(&tr, r, sizeof(r)) < 0 ||
        db_run(st->db,
               "UPDATE miners SET fees = ?, rewards = ?, "
               "earned_aius = ? WHERE address = ?",
               "ttdt", f, r, aius_of(f, r), addr) < 0 ||
        run_list(st, miner_latency_sql, ARRAY_SIZE(miner_latency_sql), addr,
                 0) < 0)
        goto out;
    ret = 0;
out:
    slot_clear(&m);
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

/* The totals row from the daily rows (events aside). */
static int recompute_totals(struct store *st)
{
    return db_run(st->db,
                  "UPDATE totals SET "
                  "tasks = (SELECT total(tasks) FROM daily), "
                  "tasks_human = (SELECT total(tasks_human) FROM daily), "
                  "solutions = (SELECT total(solved) FROM daily), "
                  "claims = (SELECT total(claims) FROM daily), "
                  "contestations = (SELECT count(*) FROM contestations) "
                  "WHERE id = 1",
                  "") < 0
               ? -1
               : 0;
}

/* recompute_day() of a day key as for_each_key() hands it over. */
static int recompute_day_key(struct store *st, const char *key)
{
    return recompute_day(st, strtoll(key, NULL, 10));
}

/* Runs fn for every key of a one-column temp table or query. */
static int for_each_row(struct store *st, const char *sql,
                        int (*fn)(struct store *, const char *))
{
    return for_each_key(st, db_stmt(st->db, sql), fn);
}

/* ---- reorgs ---- */

/* What the doomed rows (above the ancestor ?1) touched: the days, owners,
 * miners, models and earners whose derived rows are recomputed. */
static const char *const rb_collect_sql[] = {
    "INSERT OR IGNORE INTO temp.rb_days SELECT time / 86400 FROM tasks "
    "WHERE block > ?",
    "INSERT OR IGNORE INTO temp.rb_days SELECT time / 86400 FROM solutions "
    "WHERE block > ?",
    "INSERT OR IGNORE INTO temp.rb_days SELECT claim_time / 86400 FROM "
    "solutions WHERE claim_block > ?",
    "INSERT OR IGNORE INTO temp.rb_users SELECT owner FROM tasks "
    "WHERE block > ?",
    "INSERT OR IGNORE INTO temp.rb_users SELECT t.owner FROM solutions s "
    "JOIN tasks t ON t.id = s.task WHERE s.block > ?",
    "INSERT OR IGNORE INTO temp.rb_miners SELECT validator FROM solutions "
    "WHERE block > ? OR claim_block > ?1",
    "INSERT OR IGNORE INTO temp.rb_models SELECT model FROM model_changes "
    "WHERE block > ?",
    "INSERT OR IGNORE INTO temp.rb_earners SELECT addr FROM earnings "
    "WHERE block > ? AND addr != ''",
    "INSERT OR IGNORE INTO temp.rb_earners SELECT validator FROM solutions "
    "WHERE block > ? OR claim_block > ?1",
    "INSERT OR IGNORE INTO temp.rb_days SELECT s.time / 86400 FROM "
    "contestations c JOIN solutions s ON s.task = c.task "
    "WHERE c.decided_block > ?",
    "INSERT OR IGNORE INTO temp.rb_users SELECT t.owner FROM "
    "contestations c JOIN tasks t ON t.id = c.task WHERE c.decided_block > ?",
};

/*
 * The chain rows above the ancestor ?1, each change one event gone.
 * Claims before solutions: a doomed claim of a doomed solution is an
 * event of its own on the same row, and must be counted before the row
 * goes.
 */
static const char *const rb_delete_sql[] = {
    "DELETE FROM tasks WHERE block > ?",
    "UPDATE solutions SET claimed = 0, claim_block = NULL, "
    "claim_log_index = NULL, claim_tx = NULL, "
    "claim_time = NULL WHERE claim_block > ?",
    "DELETE FROM solutions WHERE block > ?",
    "DELETE FROM contestations WHERE block > ?",
    "DELETE FROM models WHERE block > ?",
    "DELETE FROM commitments WHERE block > ?",
    "DELETE FROM votes WHERE block > ?",
    "DELETE FROM stake_events WHERE block > ?",
    "DELETE FROM payouts WHERE block > ?",
    "DELETE FROM transfers WHERE block > ?",
    "DELETE FROM incentives WHERE block > ?",
    "DELETE FROM other_events WHERE block > ?",
    "DELETE FROM model_changes WHERE block > ?",
};

/*
 * Flags and fields that the deleted rows had set (the finish events
 * themselves were counted as other_events); ?1 = the ancestor, which the
 * statements that do not need it test for NULL so that all bind alike.
 * Earnings are derived rows, not chain events: deleted here, not counted.
 */
static const char *const rb_restore_sql[] = {
    "DELETE FROM earnings WHERE block > ?",
    "UPDATE contestations SET outcome = NULL, decided_by = NULL, "
    "yea_voters = NULL, nay_voters = NULL, adder = NULL, refund_to = NULL, "
    "refund_amount = NULL, decided_block = NULL, decided_log_index = NULL, "
    "decided_tx = NULL WHERE decided_block > ?",
    "UPDATE solutions SET invalid = 0 WHERE invalid = 1 AND task NOT IN "
    "(SELECT task FROM contestations WHERE outcome = 'upheld') "
    "AND ?1 IS NOT NULL",
    "UPDATE contestations SET (finish_block, finish_log_index, "
    "finish_start, finish_end) = (SELECT block, log_index, "
    "json_extract(args, '$.start_idx'), json_extract(args, '$.end_idx') "
    "FROM other_events WHERE name = 'ContestationVoteFinish' AND "
    "json_extract(args, '$.id') = contestations.task "
    "ORDER BY block DESC, log_index DESC LIMIT 1) "
    "WHERE finish_block > ?",
    "UPDATE tasks SET retracted = 0 WHERE retracted = 1 AND id NOT IN "
    "(SELECT json_extract(args, '$.id') FROM other_events "
    "WHERE name = 'TaskRetracted') AND ?1 IS NOT NULL",
    "UPDATE models SET "
    "fee = coalesce((SELECT value FROM model_changes c "
    "WHERE c.model = models.id AND kind = 'fee' "
    "ORDER BY block DESC, log_index DESC LIMIT 1), "
    "(SELECT fee FROM models m2 WHERE m2.id = models.id)), "
    "rate = coalesce((SELECT value FROM model_changes c "
    "WHERE c.model = models.id AND kind = 'rate' "
    "ORDER BY block DESC, log_index DESC LIMIT 1), '0'), "
    "addr = coalesce((SELECT value FROM model_changes c "
    "WHERE c.model = models.id AND kind = 'addr' "
    "ORDER BY block DESC, log_index DESC LIMIT 1), addr) "
    "WHERE id IN (SELECT k FROM temp.rb_models) AND ?1 IS NOT NULL",
};

/* After the miners are recomputed: the days and owners of the tasks whose
 * automine flag flips, then the flags themselves (?1 = the ancestor). */
static const char *const rb_automine_sql[] = {
    "INSERT OR IGNORE INTO temp.rb_days "
    "SELECT t.time / 86400 FROM tasks t WHERE t.owner IN "
    "(SELECT k FROM temp.rb_miners) AND t.automine != "
    "(t.bulk_size > 1 OR t.owner IN (SELECT address FROM miners)) "
    "AND ? IS NOT NULL",
    "INSERT OR IGNORE INTO temp.rb_days "
    "SELECT s.time / 86400 FROM tasks t JOIN solutions s ON "
    "s.task = t.id WHERE t.owner IN (SELECT k FROM temp.rb_miners) "
    "AND t.automine != (t.bulk_size > 1 OR t.owner IN "
    "(SELECT address FROM miners)) AND ? IS NOT NULL",
    "INSERT OR IGNORE INTO temp.rb_users "
    "SELECT k FROM temp.rb_miners WHERE ? IS NOT NULL",
    "UPDATE tasks SET automine = (bulk_size > 1 OR owner IN "
    "(SELECT address FROM miners)) WHERE owner IN "
    "(SELECT k FROM temp.rb_miners) AND ?1 IS NOT NULL",
};

/* The block hashes and coverage above the ancestor ?1. */
static const char *const rb_window_sql[] = {
    "DELETE FROM blocks WHERE number > ?",
    "DELETE FROM coverage WHERE from_block > ?",
    "UPDATE coverage SET to_block = ?1 WHERE to_block > ?1",
};

/* Empties (creating them at first) the temp tables of keys to recompute. */
static int rb_keys_reset(struct store *st)
{
    return db_exec(st->db,
                   "CREATE TEMP TABLE IF NOT EXISTS rb_days "
                   "(k TEXT PRIMARY KEY);"
                   "CREATE TEMP TABLE IF NOT EXISTS rb_users "
                   "(k TEXT PRIMARY KEY);"
                   "CREATE TEMP TABLE IF NOT EXISTS rb_miners "
                   "(k TEXT PRIMARY KEY);"
                   "CREATE TEMP TABLE IF NOT EXISTS rb_models "
                   "(k TEXT PRIMARY KEY);"
                   "CREATE TEMP TABLE IF NOT EXISTS rb_earners "
                   "(k TEXT PRIMARY KEY);"
                   "DELETE FROM temp.rb_earners;"
                   "DELETE FROM temp.rb_days; DELETE FROM temp.rb_users;"
                   "DELETE FROM temp.rb_miners; DELETE FROM temp.rb_models;");
}

/* Deletes the chain rows above the ancestor a; *gone += the events.
 * 0 or -1. */
static int rb_delete(struct store *st, int64_t a, uint64_t *gone)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(rb_delete_sql); i++) {
        int r = db_run(st->db, rb_delete_sql[i], "i", a);

        if (r < 0)
            return -1;
        *gone += (uint64_t)r;
    }
    return 0;
}

/*
 * Recomputes every derived row the deleted rows touched: miner status may
 * be gone, so miners first, then the automine flag of their tasks
 * (collecting every day and owner whose counts move), then users, days
 * and totals, less the gone events.  0 or -1.
 */
static int rb_recompute(struct store *st, int64_t a, uint64_t gone)
{
    if (for_each_row(st, "SELECT k FROM temp.rb_miners", recompute_miner) <
            0 ||
        for_each_row(st, "SELECT k FROM temp.rb_earners", recompute_addr) <
            0 ||
        run_list(st, rb_automine_sql, ARRAY_SIZE(rb_automine_sql), NULL, a) <
            0 ||
        for_each_row(st, "SELECT k FROM temp.rb_users", recompute_user) < 0 ||
        for_each_row(st, "SELECT k FROM temp.rb_days", recompute_day_key) <
            0 ||
        recompute_totals(st) < 0)
        return -1;
    return db_run(st->db,
                  "UPDATE totals SET events = max(0, events - ?) "
                  "WHERE id = 1",
                  "i", (int64_t)gone) < 0
               ? -1
               : 0;
}

/* The checkpoint before the rollback: *block and hash (0 and "" when
 * there is none).  0 or -1. */
static int rb_old_head(struct store *st, int64_t *block,
                       char hash[ST_HASH_SIZE])
{
    sqlite3_stmt *s = db_stmt(st->db, "SELECT indexed_block, indexed_hash "
                                      "FROM scan_state WHERE id = 1");
    int r = s ? db_step(st->db, s, NULL) : -1;

    if (r == 1) {
        *block = sqlite3_column_int64(s, 0);
        col_copy(s, 1, hash, ST_HASH_SIZE);
    }
    db_stmt_done(st->db, s);
    return r < 0 ? -1 : 0;
}

int store_rollback(struct store *st, uint64_t ancestor,
                   const char *ancestor_hash, int64_t ancestor_time,
                   const char *new_hash, uint64_t *removed)
{
    int64_t a = (int64_t)ancestor, old_head = 0;
    char old_hash[ST_HASH_SIZE] = "";
    uint64_t gone = 0;

    if (db_begin(st->db) < 0)
        return -1;
    if (rb_old_head(st, &old_head, old_hash) < 0 || rb_keys_reset(st) < 0 ||
        run_list(st, rb_collect_sql, ARRAY_SIZE(rb_collect_sql), NULL, a) <
            0 ||
        rb_delete(st, a, &gone) < 0 ||
        run_list(st, rb_restore_sql, ARRAY_SIZE(rb_restore_sql), NULL, a) <
            0 ||
        rb_recompute(st, a, gone) < 0 ||
        run_list(st, rb_window_sql, ARRAY_SIZE(rb_window_sql), NULL, a) < 0)
        goto fail;
    if (db_run(st->db,
               "INSERT INTO reorgs (detected_at, ancestor_block, old_head, "
               "old_hash, new_hash, depth, removed_rows) VALUES "
               "(unixepoch(), ?, ?, ?, ?, ?, ?)",
               "iitti"
               "i",
               a, old_head, old_hash, new_hash, old_head - a,
               (int64_t)gone) < 0 ||
        db_run(st->db,
               "UPDATE scan_state SET indexed_block = ?, indexed_hash = ?, "
               "indexed_time = ?, updated_at = unixepoch() WHERE id = 1",
               "iti", a, ancestor_hash, ancestor_time) < 0 ||
        stats_figures_update(st->db) < 0 || db_commit(st->db) < 0)
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
                " DELETE FROM miner_latency;"
                " DELETE FROM earnings_totals;") < 0 ||
        db_run(st->db,
               "INSERT INTO miners (address, first_block, first_time, "
               "last_time, solutions, claims) SELECT validator, min(block), "
               "min(time), max(time), count(*), total(claimed) "
               "FROM solutions GROUP BY validator",
               "") < 0 ||
        db_run(st->db,
               "UPDATE tasks SET automine = (bulk_size > 1 OR owner IN "
               "(SELECT address FROM miners))",
               "") < 0 ||
        for_each_row(st, "SELECT DISTINCT owner FROM tasks", recompute_user) <
            0 ||
        for_each_row(st,
                     "SELECT DISTINCT time / 86400 FROM tasks UNION "
                     "SELECT DISTINCT time / 86400 FROM solutions UNION "
                     "SELECT DISTINCT claim_time / 86400 FROM solutions "
                     "WHERE claim_time IS NOT NULL",
                     recompute_day_key) < 0 ||
        for_each_row(st,
                     "SELECT address FROM miners UNION "
                     "SELECT addr FROM earnings WHERE addr != ''",
                     recompute_addr) < 0 ||
        recompute_totals(st) < 0 || stats_figures_update(st->db) < 0) {
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
    int r;

    if (db_begin(st->db) < 0)
        return -1;
    if (db_int(st->db, &head,
               "SELECT indexed_time FROM scan_state "
               "WHERE id = 1",
               "") < 0)
        goto fail;
    r = db_run(st->db,
               "UPDATE miners SET active = (last_time > ?1 - ?2) "
               "WHERE active != (last_time > ?1 - ?2)",
               "ii", head, window);
    if (r < 0 ||
        db_int(st->db, &n, "SELECT count(*) FROM miners WHERE active = 1",
               "") < 0 ||
        db_commit(st->db) < 0)
        goto fail;
    *active = n;
    *changed = r;
    return 0;
fail:
    db_rollback(st->db);
    return -1;
}

/* The stored rows a settlement is made of, by kind: columns block,
 * log_index, time, then the kind's fields (see event_of), ?1 = the tx. */
static const struct {
    enum st_kind kind;
    const char *sql;
} stored_events[] = {
    { ST_CLAIM, "SELECT claim_block, claim_log_index, claim_time, task, "
                "validator FROM solutions WHERE claim_tx = ?1" },
    { ST_CLAIM, "SELECT block, log_index, time, "
                "json_extract(args, '$.task'), "
                "json_extract(args, '$.addr') FROM other_events "
                "WHERE tx = ?1 AND name = 'SolutionClaimed'" },
    { ST_VOTE_FINISH, "SELECT block, log_index, time, "
                      "json_extract(args, '$.id'), "
                      "json_extract(args, '$.start_idx') FROM other_events "
                      "WHERE tx = ?1 AND name = 'ContestationVoteFinish'" },
    { ST_TRANSFER, "SELECT block, log_index, time, dst, amount FROM "
                   "transfers WHERE tx = ?1" },
    { ST_PAYOUT, "SELECT block, log_index, time, kind, era, a0, a1, a2, a3 "
                 "FROM payouts WHERE tx = ?1" },
};

/* Fills e (zeroed) with the stored_events row of kind at s in tx. */
static void event_of(sqlite3_stmt *s, enum st_kind kind, const char *tx,
                     struct st_event *e)
{
    const char *c3 = (const char *)sqlite3_column_text(s, 3);
    size_t i;

    e->kind = kind;
    e->pos.block = (uint64_t)sqlite3_column_int64(s, 0);
    e->pos.log_index = (uint32_t)sqlite3_column_int64(s, 1);
    e->pos.time = sqlite3_column_int64(s, 2);
    snprintf(e->pos.tx, sizeof(e->pos.tx), "%s", tx);
    switch (kind) {
    case ST_CLAIM:
        col_copy(s, 3, e->u.pair.task, sizeof(e->u.pair.task));
        col_copy(s, 4, e->u.pair.addr, sizeof(e->u.pair.addr));
        break;
    case ST_VOTE_FINISH:
        col_copy(s, 3, e->u.finish.task, sizeof(e->u.finish.task));
        e->u.finish.start_idx = (uint32_t)sqlite3_column_int64(s, 4);
        e->u.finish.adder = -1; /* the stored decision's, see finish_adder */
        break;
    case ST_TRANSFER:
        col_copy(s, 3, e->u.transfer.dst, sizeof(e->u.transfer.dst));
        col_copy(s, 4, e->u.transfer.amount, sizeof(e->u.transfer.amount));
        break;
    case ST_PAYOUT:
        e->u.payout.kind =
            c3 && strcmp(c3, "rewards") == 0 ? "rewards" : "fees";
        e->u.payout.era = sqlite3_column_int(s, 4);
        for (i = 0; i < 4; i++)
            col_copy(s, 5 + (int)i, e->u.payout.a[i], ST_DEC_SIZE);
        break;
    default: break;
    }
}

/* qsort order of events: chain order (block, log index). */
static int cmp_event_pos(const void *a, const void *b)
{
    const struct st_event *x = a, *y = b;

    if (x->pos.block != y->pos.block)
        return x->pos.block < y->pos.block ? -1 : 1;
    return (x->pos.log_index > y->pos.log_index) -
           (x->pos.log_index < y->pos.log_index);
}

/* The stored settlement rows of tx, as events in chain order: a new array
 * of *n in *evsp (caller frees, also on error).  0 or -1. */
static int load_events(struct store *st, const char *tx,
                       struct st_event **evsp, size_t *n)
{
    size_t cap = 0, k;
    int r = 0;

    *evsp = NULL;
    *n = 0;
    for (k = 0; r == 0 && k < ARRAY_SIZE(stored_events); k++) {
        sqlite3_stmt *s = db_query(st->db, stored_events[k].sql, "t", tx);

        r = s ? 1 : -1;
        while (r == 1 && (r = db_step(st->db, s, NULL)) == 1) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 32;
                *evsp = xrealloc(*evsp, cap * sizeof(**evsp));
            }
            memset(&(*evsp)[*n], 0, sizeof(**evsp));
            event_of(s, stored_events[k].kind, tx, &(*evsp)[(*n)++]);
        }
        db_stmt_done(st->db, s);
    }
    if (r == 0 && *n > 1)
        qsort(*evsp, *n, sizeof(**evsp), cmp_event_pos);
    return r < 0 ? -1 : 0;
}

/* Re-settles one stored transaction; *rows gets the earnings rows added. */
static int resettle_tx(struct store *st, const char *tx, int force,
                       int64_t *rows)
{
    static const char earners_sql[] =
        "INSERT OR IGNORE INTO temp.rb_earners SELECT addr FROM "
        "earnings WHERE tx = ? AND addr != ''";
    static const char count_sql[] =
        "SELECT count(*) FROM earnings WHERE tx = ?";
    struct st_event *evs = NULL;
    int64_t before = 0, after = 0;
    size_t n = 0;
    int ret = -1;

    if (db_int(st->db, &before, count_sql, "t", tx) < 0)
        goto out;
    if (before > 0 && !force) {
        ret = 0;
        goto out;
    }
    if (db_run(st->db, earners_sql, "t", tx) < 0 ||
        db_run(st->db, "DELETE FROM earnings WHERE tx = ?", "t", tx) < 0 ||
        load_events(st, tx, &evs, &n) < 0)
        goto out;
    st->no_deltas = 1;
    ret = settle_events(st, evs, n);
    st->no_deltas = 0;
    if (ret < 0)
        goto out;
    ret = -1;
    if (db_int(st->db, &after, count_sql, "t", tx) < 0 ||
        db_run(st->db, earners_sql, "t", tx) < 0)
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
    char **txs = NULL;
    size_t n = 0, i;

    memset(out, 0, sizeof(*out));
    if (db_begin(st->db) < 0)
        return -1;
    if (db_exec(st->db,
                "CREATE TEMP TABLE IF NOT EXISTS rb_earners "
                "(k TEXT PRIMARY KEY); DELETE FROM temp.rb_earners;") < 0 ||
        keys_of(st,
                miner ? db_query(st->db,
                                 "SELECT claim_tx FROM solutions WHERE "
                                 "validator = ?1 AND claim_tx IS NOT NULL "
                                 "UNION SELECT o.tx FROM other_events o "
                                 "WHERE o.name = 'ContestationVoteFinish' "
                                 "AND json_extract(o.args, '$.id') IN "
                                 "(SELECT task FROM solutions WHERE "
                                 "validator = ?1) UNION SELECT tx FROM "
                                 "other_events WHERE name = "
                                 "'SolutionClaimed' AND "
                                 "json_extract(args, '$.addr') = ?1",
                                 "t", miner)
                      : db_stmt(st->db,
                                "SELECT claim_tx FROM solutions WHERE "
                                "claim_tx IS NOT NULL UNION SELECT tx FROM "
                                "other_events WHERE name IN "
                                "('SolutionClaimed', "
                                "'ContestationVoteFinish')"),
                &txs, &n) < 0)
        goto fail;
    for (i = 0; i < n; i++) {
        int64_t rows = 0;

        if (resettle_tx(st, txs[i], force, &rows) < 0)
            goto fail;
        out->txs++;
        out->rows += rows;
        if (progress && (i % 256 == 255 || i + 1 == n))
            progress(i + 1, n, ud);
    }
    if ((miner && db_run(st->db,
                         "INSERT OR IGNORE INTO temp.rb_earners "
                         "VALUES (?)",
                         "t", miner) < 0) ||
        for_each_row(st, "SELECT k FROM temp.rb_earners", recompute_addr) <
            0 ||
        db_int(st->db, &out->addresses,
               "SELECT count(*) FROM "
               "temp.rb_earners",
               "") < 0 ||
        stats_figures_update(st->db) < 0 || db_commit(st->db) < 0)
        goto fail;
    keys_free(txs, n);
    return 0;
fail:
    keys_free(txs, n);
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
