/*
 * analytics.c - miners, users and models (see analytics.h).
 *
 * Cost: leaderboards read the rollups (miners, miner_daily,
 * miner_latency) except the 24h window, which reads the rows of the last
 * 24 hours through the time indexes; detail pages read one address's
 * rollups plus bounded, indexed lists.  Amounts are summed exactly in C.
 */
#include "arbiusd/analytics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/log.h"
#include "arbiusd/modelnames.h"
#include "arbiusd/u256.h"

#define DAY 86400

static sqlite3_stmt *prep(struct db *db, const char *sql)
{
    return db_prepare(db, sql, "analytics: prepare");
}

static int read_begin(struct db *db)
{
    return db_exec(db, "BEGIN");
}

static void read_end(struct db *db)
{
    if (sqlite3_get_autocommit(db_sqlite(db)) == 0 &&
        db_exec(db, "COMMIT") < 0)
        db_rollback(db);
}

/* Steps st to its end; logs and returns -1 unless it ended well. */
static int step_done(struct db *db, int rc)
{
    if (rc == SQLITE_DONE)
        return 0;
    db_log_error(db, "analytics: query");
    return -1;
}

static json_t *col_text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);

    return s ? json_string(s) : json_null();
}

static json_t *col_int(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_integer((json_int_t)sqlite3_column_int64(st, i));
}

static int dec_add_into(struct u256 *acc, const char *dec)
{
    struct u256 v, sum;

    if (!dec || u256_from_dec(dec, strlen(dec), &v) < 0 ||
        u256_add(acc, &v, &sum))
        return -1;
    *acc = sum;
    return 0;
}

static json_t *u256_json(const struct u256 *v)
{
    char d[U256_DEC_SIZE];

    if (u256_to_dec(v, d, sizeof(d)) < 0)
        return json_null();
    return json_string(d);
}

static json_t *u256_aius_json(const struct u256 *v)
{
    char d[U256_UNITS_SIZE];

    if (u256_to_units(v, U256_TOKEN_DECIMALS, d, sizeof(d)) < 0)
        return json_null();
    return json_string(d);
}

void analytics_aius_text(const char *wei, char *out, size_t outsz)
{
    struct u256 v;

    if (!wei || u256_from_dec(wei, strlen(wei), &v) < 0 ||
        u256_to_units(&v, U256_TOKEN_DECIMALS, out, outsz) < 0)
        snprintf(out, outsz, "?");
}

static int head_of(struct db *db, int64_t *block, int64_t *time, char *hash,
                   size_t hashsz, int *init)
{
    sqlite3_stmt *st = prep(db, "SELECT indexed_block, indexed_time, "
                                "indexed_hash FROM scan_state WHERE id = 1");
    int rc;

    if (!st)
        return -1;
    rc = sqlite3_step(st);
    *init = rc == SQLITE_ROW;
    *block = *time = 0;
    hash[0] = '\0';
    if (rc == SQLITE_ROW) {
        *block = sqlite3_column_int64(st, 0);
        *time = sqlite3_column_int64(st, 1);
        snprintf(hash, hashsz, "%s", (const char *)sqlite3_column_text(st, 2));
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return step_done(db, rc);
}

/* {block, hash, time} | null; *t gets the head time (0 if none). */
static int as_of(struct db *db, json_t *o, int64_t *t)
{
    int64_t block;
    char hash[80];
    int init;

    if (head_of(db, &block, t, hash, sizeof(hash), &init) < 0)
        return -1;
    json_object_set_new(o, "as_of",
                        init ? json_pack("{s:I,s:s,s:I}", "block",
                                         (json_int_t)block, "hash", hash,
                                         "time", (json_int_t)*t)
                             : json_null());
    return 0;
}

/* ---- medians from (value, count) pairs in ascending value order ---- */

struct hist {
    int64_t *v, *n;
    size_t len, cap;
    int64_t total;
};

static void hist_add(struct hist *h, int64_t v, int64_t n)
{
    if (h->len && h->v[h->len - 1] == v) {
        h->n[h->len - 1] += n;
    } else {
        if (h->len == h->cap) {
            h->cap = h->cap ? h->cap * 2 : 16;
            h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
            h->n = xrealloc(h->n, h->cap * sizeof(*h->n));
        }
        h->v[h->len] = v;
        h->n[h->len++] = n;
    }
    h->total += n;
}

static void hist_release(struct hist *h)
{
    free(h->v);
    free(h->n);
    memset(h, 0, sizeof(*h));
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Value at 0-based rank k of a sorted histogram. */
static int64_t hist_at(const struct hist *h, int64_t k)
{
    size_t i;

    for (i = 0; i < h->len; i++) {
        if (k < h->n[i])
            return h->v[i];
        k -= h->n[i];
    }
    return h->len ? h->v[h->len - 1] : 0;
}

/* The median as JSON (integer, x.5 real, or null); *twice gets 2 x median
 * for sorting (INT64_MAX when none). */
static json_t *hist_median(struct hist *h, int64_t *twice)
{
    int64_t lo, hi;

    if (h->total <= 0) {
        if (twice)
            *twice = INT64_MAX;
        return json_null();
    }
    lo = hist_at(h, (h->total - 1) / 2);
    hi = hist_at(h, h->total / 2);
    if (twice)
        *twice = lo + hi;
    if ((lo + hi) % 2 == 0)
        return json_integer((json_int_t)((lo + hi) / 2));
    return json_real((double)(lo + hi) / 2.0);
}

/* Sorts raw samples (n of them, counts 1) into a histogram. */
static void hist_from_samples(struct hist *h, int64_t *s, size_t n)
{
    size_t i;

    if (n > 1)
        qsort(s, n, sizeof(*s), cmp_i64);
    for (i = 0; i < n; i++)
        hist_add(h, s[i], 1);
}

/* ---- the leaderboard ---- */

struct mrow {
    char addr[43];
    int64_t solutions, claims, first, last;
    int known;                   /* has a miners row */
    struct u256 fees, rewards;
    struct hist lat[2];          /* solve, claim lag */
    int64_t *samp[2];            /* 24h: raw samples */
    size_t nsamp[2], csamp[2];
    int64_t sort_lat;            /* 2 x median solve, INT64_MAX none */
    double earned;               /* for sorting */
};

struct mset {
    struct mrow *rows;
    size_t n, cap;
    size_t *slot;                /* open addressing over rows, SIZE_MAX */
    size_t nslot;
};

static size_t addr_hash(const char *s)
{
    size_t h = 1469598103934665603ull;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static struct mrow *mset_get(struct mset *m, const char *addr)
{
    size_t i;

    if ((m->n + 1) * 2 > m->nslot) {
        size_t k, ns = m->nslot ? m->nslot * 2 : 256;

        free(m->slot);
        m->slot = xmalloc(ns * sizeof(*m->slot));
        for (k = 0; k < ns; k++)
            m->slot[k] = SIZE_MAX;
        m->nslot = ns;
        for (k = 0; k < m->n; k++) {
            i = addr_hash(m->rows[k].addr) & (ns - 1);
            while (m->slot[i] != SIZE_MAX)
                i = (i + 1) & (ns - 1);
            m->slot[i] = k;
        }
    }
    i = addr_hash(addr) & (m->nslot - 1);
    while (m->slot[i] != SIZE_MAX) {
        if (strcmp(m->rows[m->slot[i]].addr, addr) == 0)
            return &m->rows[m->slot[i]];
        i = (i + 1) & (m->nslot - 1);
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->rows = xrealloc(m->rows, m->cap * sizeof(*m->rows));
    }
    memset(&m->rows[m->n], 0, sizeof(m->rows[m->n]));
    snprintf(m->rows[m->n].addr, sizeof(m->rows[m->n].addr), "%s", addr);
    m->slot[i] = m->n;
    return &m->rows[m->n++];
}

static void mset_release(struct mset *m)
{
    size_t i;

    for (i = 0; i < m->n; i++) {
        hist_release(&m->rows[i].lat[0]);
        hist_release(&m->rows[i].lat[1]);
        free(m->rows[i].samp[0]);
        free(m->rows[i].samp[1]);
    }
    free(m->rows);
    free(m->slot);
    memset(m, 0, sizeof(*m));
}

static void samp_add(struct mrow *r, int k, int64_t v)
{
    if (r->nsamp[k] == r->csamp[k]) {
        r->csamp[k] = r->csamp[k] ? r->csamp[k] * 2 : 16;
        r->samp[k] = xrealloc(r->samp[k], r->csamp[k] * sizeof(int64_t));
    }
    r->samp[k][r->nsamp[k]++] = v;
}

static const char *const WINDOW_TEXT[] = { "24h", "7d", "30d", "all" };
static const char *const SORT_TEXT[] = { "solutions", "earnings", "latency" };

int analytics_window_parse(const char *s, enum an_window *out)
{
    int i;

    for (i = 0; s && i < 4; i++)
        if (strcmp(s, WINDOW_TEXT[i]) == 0) {
            *out = (enum an_window)i;
            return 0;
        }
    return -1;
}

int analytics_sort_parse(const char *s, enum an_sort *out)
{
    int i;

    for (i = 0; s && i < 3; i++)
        if (strcmp(s, SORT_TEXT[i]) == 0) {
            *out = (enum an_sort)i;
            return 0;
        }
    return -1;
}

const char *analytics_window_text(enum an_window w)
{
    return WINDOW_TEXT[w];
}

const char *analytics_sort_text(enum an_sort s)
{
    return SORT_TEXT[s];
}

/* Orders of the leaderboard (one comparator each: qsort has no context
 * argument, and a shared "current sort" would race between threads). */
static int cmp_by_solutions(const void *a, const void *b)
{
    const struct mrow *x = a, *y = b;
    int c = (y->solutions > x->solutions) - (y->solutions < x->solutions);

    return c ? c : strcmp(x->addr, y->addr);
}

static int cmp_by_earnings(const void *a, const void *b)
{
    const struct mrow *x = a, *y = b;
    struct u256 tx, ty;
    int c = 0;

    if (!u256_add(&x->fees, &x->rewards, &tx) &&
        !u256_add(&y->fees, &y->rewards, &ty))
        c = u256_cmp(&ty, &tx);
    return c ? c : strcmp(x->addr, y->addr);
}

static int cmp_by_latency(const void *a, const void *b)
{
    const struct mrow *x = a, *y = b;
    int c = (x->sort_lat > y->sort_lat) - (x->sort_lat < y->sort_lat);

    return c ? c : strcmp(x->addr, y->addr);
}

/* Reads the window's figures into m. */
static int miners_collect(struct db *db, enum an_window w, int64_t t,
                          struct mset *m)
{
    sqlite3_stmt *st = NULL;
    int64_t d1 = t / DAY, d0 = w == AN_7D ? d1 - 6 : d1 - 29;
    int rc, ret = -1;
    size_t i;

    /* Every miner's all-time row: first/last seen, and the counts for
     * "all". */
    st = prep(db, "SELECT address, first_time, last_time, solutions, claims, "
                  "fees, rewards FROM miners");
    if (!st)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mrow *r = mset_get(m, (const char *)sqlite3_column_text(st, 0));

        r->known = 1;
        r->first = sqlite3_column_int64(st, 1);
        r->last = sqlite3_column_int64(st, 2);
        if (w == AN_ALL) {
            r->solutions = sqlite3_column_int64(st, 3);
            r->claims = sqlite3_column_int64(st, 4);
            if (dec_add_into(&r->fees, (const char *)sqlite3_column_text(st, 5)) < 0 ||
                dec_add_into(&r->rewards, (const char *)sqlite3_column_text(st, 6)) < 0)
                goto out;
        }
    }
    if (step_done(db, rc) < 0)
        goto out;
    sqlite3_finalize(st);
    st = NULL;

    if (w == AN_ALL) {
        st = prep(db, "SELECT address, kind, secs, n FROM miner_latency "
                      "WHERE day = -1 ORDER BY address, kind, secs");
    } else if (w == AN_24H) {
        st = prep(db, "SELECT s.validator, s.time - t.time FROM solutions s "
                      "LEFT JOIN tasks t ON t.id = s.task "
                      "WHERE s.time > ?1 - 86400 AND s.time <= ?1");
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, t);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct mrow *r = mset_get(m, (const char *)sqlite3_column_text(st, 0));

            r->solutions++;
            if (sqlite3_column_type(st, 1) != SQLITE_NULL)
                samp_add(r, 0, sqlite3_column_int64(st, 1));
        }
        if (step_done(db, rc) < 0)
            goto out;
        sqlite3_finalize(st);
        st = prep(db, "SELECT validator, claim_time - time FROM solutions "
                      "WHERE claim_time > ?1 - 86400 AND claim_time <= ?1");
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, t);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct mrow *r = mset_get(m, (const char *)sqlite3_column_text(st, 0));

            r->claims++;
            samp_add(r, 1, sqlite3_column_int64(st, 1));
        }
        if (step_done(db, rc) < 0)
            goto out;
        sqlite3_finalize(st);
        st = prep(db, "SELECT addr, kind, amount FROM earnings "
                      "WHERE time > ?1 - 86400 AND time <= ?1 "
                      "AND role = 'validator'");
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, t);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct mrow *r = mset_get(m, (const char *)sqlite3_column_text(st, 0));
            int rew = strcmp((const char *)sqlite3_column_text(st, 1),
                             "rewards") == 0;

            if (dec_add_into(rew ? &r->rewards : &r->fees,
                             (const char *)sqlite3_column_text(st, 2)) < 0)
                goto out;
        }
        if (step_done(db, rc) < 0)
            goto out;
        sqlite3_finalize(st);
        st = NULL;
        for (i = 0; i < m->n; i++) {
            hist_from_samples(&m->rows[i].lat[0], m->rows[i].samp[0],
                              m->rows[i].nsamp[0]);
            hist_from_samples(&m->rows[i].lat[1], m->rows[i].samp[1],
                              m->rows[i].nsamp[1]);
        }
        ret = 0;
        goto out;
    } else {
        st = prep(db, "SELECT address, sum(solutions), sum(claims) "
                      "FROM miner_daily WHERE day BETWEEN ?1 AND ?2 "
                      "GROUP BY address");
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, d0);
        sqlite3_bind_int64(st, 2, d1);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct mrow *r = mset_get(m, (const char *)sqlite3_column_text(st, 0));

            r->solutions = sqlite3_column_int64(st, 1);
            r->claims = sqlite3_column_int64(st, 2);
        }
        if (step_done(db, rc) < 0)
            goto out;
        sqlite3_finalize(st);
        st = prep(db, "SELECT address, fees, rewards FROM miner_daily "
                      "WHERE day BETWEEN ?1 AND ?2 AND "
                      "(fees != '0' OR rewards != '0')");
        if (!st)
            goto out;
        sqlite3_bind_int64(st, 1, d0);
        sqlite3_bind_int64(st, 2, d1);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct mrow *r = mset_get(m, (const char *)sqlite3_column_text(st, 0));

            if (dec_add_into(&r->fees, (const char *)sqlite3_column_text(st, 1)) < 0 ||
                dec_add_into(&r->rewards, (const char *)sqlite3_column_text(st, 2)) < 0)
                goto out;
        }
        if (step_done(db, rc) < 0)
            goto out;
        sqlite3_finalize(st);
        st = prep(db, "SELECT address, kind, secs, sum(n) FROM miner_latency "
                      "WHERE day BETWEEN ?1 AND ?2 "
                      "GROUP BY address, kind, secs "
                      "ORDER BY address, kind, secs");
        if (st) {
            sqlite3_bind_int64(st, 1, d0);
            sqlite3_bind_int64(st, 2, d1);
        }
    }
    if (!st)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mrow *r = mset_get(m, (const char *)sqlite3_column_text(st, 0));
        int k = sqlite3_column_int(st, 1) ? 1 : 0;

        hist_add(&r->lat[k], sqlite3_column_int64(st, 2),
                 sqlite3_column_int64(st, 3));
    }
    if (step_done(db, rc) < 0)
        goto out;
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

/*
 * Folds the rows (day, solutions, claims, fees, rewards) of st, ordered by
 * day, into one {day, solutions, claims, fees, rewards} object a day
 * appended to arr: counts summed, amounts exactly.  Finalizes st.  0 or -1
 * (logged).
 */
static int daily_fold(struct db *db, sqlite3_stmt *st, json_t *arr)
{
    int64_t day = INT64_MIN, ns = 0, nc = 0;
    struct u256 df = { { 0 } }, dr = { { 0 } };
    int rc;

    for (;;) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW || sqlite3_column_int64(st, 0) != day) {
            if (day != INT64_MIN)
                json_array_append_new(arr, json_pack(
                    "{s:I,s:I,s:I,s:o,s:o}", "day", (json_int_t)day,
                    "solutions", (json_int_t)ns, "claims", (json_int_t)nc,
                    "fees", u256_json(&df), "rewards", u256_json(&dr)));
            if (rc != SQLITE_ROW)
                break;
            day = sqlite3_column_int64(st, 0);
            ns = nc = 0;
            memset(&df, 0, sizeof(df));
            memset(&dr, 0, sizeof(dr));
        }
        ns += sqlite3_column_int64(st, 1);
        nc += sqlite3_column_int64(st, 2);
        if (dec_add_into(&df, (const char *)sqlite3_column_text(st, 3)) < 0 ||
            dec_add_into(&dr, (const char *)sqlite3_column_text(st, 4)) < 0) {
            rc = SQLITE_ERROR;
            break;
        }
    }
    sqlite3_finalize(st);
    return step_done(db, rc);
}

/*
 * Per UTC day d0..d1 over every miner: solutions, claims and the
 * validators' fees and rewards (exact), from miner_daily.
 */
static int daily_totals(struct db *db, int64_t d0, int64_t d1, json_t *arr)
{
    sqlite3_stmt *st = prep(db, "SELECT day, solutions, claims, fees, "
                                "rewards FROM miner_daily WHERE day BETWEEN "
                                "?1 AND ?2 ORDER BY day");

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, d0);
    sqlite3_bind_int64(st, 2, d1);
    return daily_fold(db, st, arr);
}

/* The entries of m (already sorted) as the "miners" array, with ranks;
 * miners with nothing in the window are left out. */
static json_t *miners_list(struct mset *m, int64_t t, int64_t active_window)
{
    json_t *list = json_array(), *med[2];
    struct u256 tot;
    size_t i, rank = 0;

    for (i = 0; i < m->n; i++) {
        struct mrow *r = &m->rows[i];
        json_t *e;

        if (r->solutions == 0 && r->claims == 0 && u256_is_zero(&r->fees) &&
            u256_is_zero(&r->rewards))
            continue;
        if (u256_add(&r->fees, &r->rewards, &tot))
            memset(&tot, 0, sizeof(tot));
        med[0] = hist_median(&r->lat[0], NULL);
        med[1] = hist_median(&r->lat[1], NULL);
        e = json_pack("{s:I,s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o}",
                      "rank", (json_int_t)++rank, "address", r->addr,
                      "solutions", (json_int_t)r->solutions,
                      "claims", (json_int_t)r->claims,
                      "fees", u256_json(&r->fees),
                      "rewards", u256_json(&r->rewards),
                      "earnings", u256_json(&tot),
                      "earnings_aius", u256_aius_json(&tot),
                      "median_solve_seconds", med[0],
                      "median_claim_lag_seconds", med[1]);
        json_object_set_new(e, "first_seen",
                            r->known ? json_integer(r->first) : json_null());
        json_object_set_new(e, "last_seen",
                            r->known ? json_integer(r->last) : json_null());
        json_object_set_new(e, "active",
                            json_boolean(r->known &&
                                         r->last > t - active_window));
        json_array_append_new(list, e);
    }
    return list;
}

/* The leaderboard of window w in all three orders (outs[an_sort]). */
static int miners_in_txn(struct db *db, enum an_window w,
                         int64_t active_window, json_t *outs[3])
{
    static int (*const cmp[3])(const void *, const void *) = {
        cmp_by_solutions, cmp_by_earnings, cmp_by_latency,
    };
    struct mset m = { 0 };
    struct u256 tf = { { 0 } }, tr = { { 0 } }, tot;
    json_t *o = json_object(), *days = json_array();
    int64_t t, tsol = 0, tcl = 0, from, listed = 0;
    size_t i;
    int k, ret = -1;

    json_object_set_new(o, "daily", days);
    if (as_of(db, o, &t) < 0 || miners_collect(db, w, t, &m) < 0)
        goto out;
    for (i = 0; i < m.n; i++) {
        struct mrow *r = &m.rows[i];

        json_decref(hist_median(&r->lat[0], &r->sort_lat));
        if (r->solutions == 0 && r->claims == 0 && u256_is_zero(&r->fees) &&
            u256_is_zero(&r->rewards))
            continue;
        if (u256_add(&tf, &r->fees, &tf) || u256_add(&tr, &r->rewards, &tr))
            goto out;
        tsol += r->solutions;
        tcl += r->claims;
        listed++;
    }
    from = w == AN_24H ? t - DAY
           : w == AN_7D ? (t / DAY - 6) * DAY
           : w == AN_30D ? (t / DAY - 29) * DAY
                         : 0;
    /* Per-day totals of the 7d and 30d windows' days (24h is not whole
     * days; all-time daily series are on the miner and model pages, and
     * would make this reply grow with the index's age). */
    if ((w == AN_7D || w == AN_30D) &&
        daily_totals(db, from / DAY, t / DAY, days) < 0)
        goto out;
    if (u256_add(&tf, &tr, &tot))
        goto out;
    json_object_set_new(o, "window", json_string(WINDOW_TEXT[w]));
    json_object_set_new(o, "active_window_hours",
                        json_integer(active_window / 3600));
    json_object_set_new(o, "from", w == AN_ALL ? json_null() : json_integer(from));
    json_object_set_new(o, "to", json_integer(t));
    json_object_set_new(o, "totals",
                        json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o}",
                                  "miners", (json_int_t)listed,
                                  "solutions", (json_int_t)tsol,
                                  "claims", (json_int_t)tcl,
                                  "fees", u256_json(&tf),
                                  "rewards", u256_json(&tr),
                                  "earnings", u256_json(&tot),
                                  "earnings_aius", u256_aius_json(&tot)));
    /* One read, three orders: the shared members are referenced, not
     * copied (the replies are serialised on this thread). */
    for (k = 0; k < 3; k++) {
        if (m.n > 1)
            qsort(m.rows, m.n, sizeof(*m.rows), cmp[k]);
        outs[k] = json_copy(o);
        json_object_set_new(outs[k], "sort", json_string(SORT_TEXT[k]));
        json_object_set_new(outs[k], "miners", miners_list(&m, t, active_window));
    }
    ret = 0;
out:
    mset_release(&m);
    json_decref(o);
    return ret;
}

int analytics_miners_sorts(struct db *db, enum an_window w,
                           int64_t active_window, json_t *outs[3])
{
    int r;

    if (read_begin(db) < 0)
        return -1;
    r = miners_in_txn(db, w, active_window, outs);
    read_end(db);
    return r;
}

int analytics_miners(struct db *db, enum an_window w, enum an_sort s,
                     int64_t active_window, json_t **outp)
{
    json_t *outs[3] = { NULL, NULL, NULL };
    int k;

    if (analytics_miners_sorts(db, w, active_window, outs) < 0)
        return -1;
    for (k = 0; k < 3; k++) {
        if (k == (int)s)
            *outp = outs[k];
        else
            json_decref(outs[k]);
    }
    return 0;
}

/* ---- one miner ---- */

/* Runs sql bound to ?1 = key, returning column 0 as an integer. */
static int one_int(struct db *db, const char *sql, const char *key,
                   int64_t *out)
{
    sqlite3_stmt *st = prep(db, sql);
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = SQLITE_DONE;
    sqlite3_finalize(st);
    return step_done(db, rc);
}

static json_t *name_json(const char *id, char *const *names, size_t n)
{
    const char *nm = modelnames_lookup(id, names, n);

    return nm ? json_string(nm) : json_null();
}

/* The exact median of one histogram query (?1 = addr). */
static int median_of(struct db *db, const char *addr, int kind, json_t **out)
{
    sqlite3_stmt *st = prep(db, "SELECT secs, n FROM miner_latency WHERE "
                                "address = ?1 AND kind = ?2 AND day = -1 "
                                "ORDER BY secs");
    struct hist h = { 0 };
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, kind);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        hist_add(&h, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
    *out = hist_median(&h, NULL);
    hist_release(&h);
    return step_done(db, rc);
}

static int miner_in_txn(struct db *db, const char *addr, int64_t window,
                        char *const *names, size_t nn, json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *arr, *med, *eras;
    struct u256 f = { { 0 } }, r = { { 0 } }, tot;
    int64_t t, v;
    int rc, ret = -1;

    if (as_of(db, o, &t) < 0)
        goto out;
    st = prep(db, "SELECT first_time, last_time, solutions, claims "
                  "FROM miners WHERE address = ?1");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        ret = 1;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        step_done(db, rc);
        goto out;
    }
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "first_seen", col_int(st, 0));
    json_object_set_new(o, "last_seen", col_int(st, 1));
    json_object_set_new(o, "active",
                        json_boolean(sqlite3_column_int64(st, 1) > t - window));
    json_object_set_new(o, "solutions", col_int(st, 2));
    json_object_set_new(o, "claims", col_int(st, 3));
    json_object_set_new(o, "unclaimed",
                        json_integer(sqlite3_column_int64(st, 2) -
                                     sqlite3_column_int64(st, 3)));
    sqlite3_finalize(st);
    st = NULL;

    if (one_int(db, "SELECT count(*) FROM users WHERE address = ?1", addr, &v) < 0)
        goto out;
    json_object_set_new(o, "task_owner", json_boolean(v > 0));
    if (one_int(db, "SELECT count(*) FROM commitments WHERE addr = ?1", addr, &v) < 0)
        goto out;
    json_object_set_new(o, "commitments", json_integer(v));
    /* CROSS JOIN: from the (few) contestations, not the miner's
     * solutions. */
    if (one_int(db, "SELECT count(*) FROM contestations c CROSS JOIN "
                    "solutions s ON s.task = c.task WHERE s.validator = ?1",
                addr, &v) < 0)
        goto out;
    json_object_set_new(o, "contestations_against", json_integer(v));
    if (one_int(db, "SELECT count(*) FROM contestations WHERE contester = ?1",
                addr, &v) < 0)
        goto out;
    json_object_set_new(o, "contestations_by", json_integer(v));
    if (one_int(db, "SELECT count(*) FROM votes WHERE voter = ?1", addr, &v) < 0)
        goto out;
    json_object_set_new(o, "votes", json_integer(v));
    if (median_of(db, addr, 0, &med) < 0)
        goto out;
    json_object_set_new(o, "median_solve_seconds", med);
    if (median_of(db, addr, 1, &med) < 0)
        goto out;
    json_object_set_new(o, "median_claim_lag_seconds", med);

    /* Earnings by era (the validator role). */
    eras = json_array();
    st = prep(db, "SELECT era, fees, rewards FROM earnings_totals WHERE "
                  "address = ?1 AND role = 'validator' ORDER BY era");
    if (!st) {
        json_decref(eras);
        goto out;
    }
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (dec_add_into(&f, (const char *)sqlite3_column_text(st, 1)) < 0 ||
            dec_add_into(&r, (const char *)sqlite3_column_text(st, 2)) < 0)
            break;
        json_array_append_new(eras, json_pack("{s:I,s:o,s:o}", "era",
                                              (json_int_t)sqlite3_column_int64(st, 0),
                                              "fees", col_text(st, 1),
                                              "rewards", col_text(st, 2)));
    }
    sqlite3_finalize(st);
    st = NULL;
    if (step_done(db, rc) < 0 || u256_add(&f, &r, &tot)) {
        json_decref(eras);
        goto out;
    }
    json_object_set_new(o, "earnings",
                        json_pack("{s:o,s:o,s:o,s:o,s:o}", "fees", u256_json(&f),
                                  "rewards", u256_json(&r), "total",
                                  u256_json(&tot), "total_aius",
                                  u256_aius_json(&tot), "eras", eras));

    /* Models served. */
    arr = json_array();
    json_object_set_new(o, "models", arr);
    st = prep(db, "SELECT model, sum(solutions) FROM miner_daily WHERE "
                  "address = ?1 GROUP BY model HAVING sum(solutions) > 0 "
                  "ORDER BY 2 DESC, 1");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);

        json_array_append_new(arr, json_pack("{s:s,s:o,s:I}", "id", id, "name",
                                             name_json(id, names, nn),
                                             "solutions",
                                             (json_int_t)sqlite3_column_int64(st, 1)));
    }
    sqlite3_finalize(st);
    st = NULL;
    if (step_done(db, rc) < 0)
        goto out;

    /* Stake events (as depositor/withdrawer, or as deposit target). */
    arr = json_array();
    json_object_set_new(o, "stake_events", arr);
    st = prep(db, "SELECT kind, block, time, tx, addr, validator, amount "
                  "FROM stake_events WHERE addr = ?1 UNION "
                  "SELECT kind, block, time, tx, addr, validator, amount "
                  "FROM stake_events WHERE validator = ?1 "
                  "ORDER BY 2 DESC LIMIT 100");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                                             "kind", col_text(st, 0),
                                             "block", col_int(st, 1),
                                             "time", col_int(st, 2),
                                             "tx", col_text(st, 3),
                                             "addr", col_text(st, 4),
                                             "validator", col_text(st, 5),
                                             "amount", col_text(st, 6)));
    sqlite3_finalize(st);
    st = NULL;
    if (step_done(db, rc) < 0)
        goto out;

    /* Daily history: counts summed in SQL, amounts exactly in C. */
    arr = json_array();
    json_object_set_new(o, "daily", arr);
    st = prep(db, "SELECT day, solutions, claims, fees, rewards FROM "
                  "miner_daily WHERE address = ?1 ORDER BY day");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    rc = daily_fold(db, st, arr);
    st = NULL;
    if (rc < 0)
        goto out;

    /* Recent solutions, newest first (solutions_validator index). */
    arr = json_array();
    json_object_set_new(o, "recent", arr);
    st = prep(db, "SELECT s.task, t.model, s.cid_text, m.output_file, "
                  "m.output_type, s.time, s.claimed, s.time - t.time "
                  "FROM solutions s LEFT JOIN tasks t ON t.id = s.task "
                  "LEFT JOIN models m ON m.id = t.model "
                  "WHERE s.validator = ?1 ORDER BY s.block DESC, "
                  "s.log_index DESC LIMIT ?2");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, AN_RECENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 1);

        json_array_append_new(arr, json_pack(
            "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "task", col_text(st, 0),
            "model", col_text(st, 1), "model_name",
            id ? name_json(id, names, nn) : json_null(), "cid",
            col_text(st, 2), "output_file", col_text(st, 3), "output_type",
            col_text(st, 4), "time", col_int(st, 5), "claimed",
            sqlite3_column_int(st, 6), "latency", col_int(st, 7)));
    }
    if (step_done(db, rc) < 0)
        goto out;
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(o);
    return ret;
}

int analytics_miner(struct db *db, const char *addr, int64_t window,
                    char *const *names, size_t nnames, json_t **outp)
{
    int r;

    if (read_begin(db) < 0)
        return -1;
    r = miner_in_txn(db, addr, window, names, nnames, outp);
    read_end(db);
    return r;
}

/* ---- users ---- */

static json_t *aius_json_dec(const char *wei)
{
    char t[U256_UNITS_SIZE];

    analytics_aius_text(wei, t, sizeof(t));
    return json_string(t);
}

int analytics_users(struct db *db, const char *sort, json_t **outp)
{
    const char *sql =
        strcmp(sort, "fees") == 0
            ? "SELECT u.address, u.tasks, u.tasks_human, u.fees, u.first_time, "
              "u.last_time, m.address IS NOT NULL FROM users u LEFT JOIN "
              "miners m ON m.address = u.address "
              "ORDER BY length(u.fees) DESC, u.fees DESC, u.address LIMIT ?1"
        : strcmp(sort, "recent") == 0
            ? "SELECT u.address, u.tasks, u.tasks_human, u.fees, u.first_time, "
              "u.last_time, m.address IS NOT NULL FROM users u LEFT JOIN "
              "miners m ON m.address = u.address "
              "ORDER BY u.last_time DESC, u.address LIMIT ?1"
            : "SELECT u.address, u.tasks, u.tasks_human, u.fees, u.first_time, "
              "u.last_time, m.address IS NOT NULL FROM users u LEFT JOIN "
              "miners m ON m.address = u.address "
              "ORDER BY u.tasks DESC, u.address LIMIT ?1";
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *arr = json_array();
    int64_t t, n;
    int rc, ret = -1;

    json_object_set_new(o, "users", arr);
    if (read_begin(db) < 0) {
        json_decref(o);
        return -1;
    }
    if (as_of(db, o, &t) < 0 ||
        one_int(db, "SELECT count(*) FROM users WHERE ?1 IS NOT NULL", "", &n) < 0)
        goto out;
    json_object_set_new(o, "sort", json_string(sort));
    json_object_set_new(o, "total", json_integer(n));
    st = prep(db, sql);
    if (!st)
        goto out;
    sqlite3_bind_int(st, 1, AN_LIST_MAX);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack(
            "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "address", col_text(st, 0),
            "tasks", col_int(st, 1), "tasks_human", col_int(st, 2), "fees",
            col_text(st, 3), "fees_aius",
            aius_json_dec((const char *)sqlite3_column_text(st, 3)),
            "first_seen", col_int(st, 4), "last_seen", col_int(st, 5),
            "miner", sqlite3_column_int(st, 6)));
    if (step_done(db, rc) < 0)
        goto out;
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    read_end(db);
    json_decref(o);
    return ret;
}

static int user_in_txn(struct db *db, const char *addr, char *const *names,
                       size_t nn, json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *arr;
    struct u256 rew = { { 0 } };
    int64_t t, v;
    int rc, ret = -1;

    if (as_of(db, o, &t) < 0)
        goto out;
    st = prep(db, "SELECT u.tasks, u.tasks_human, u.fees, u.first_time, "
                  "u.last_time, (SELECT count(*) FROM miners m WHERE "
                  "m.address = u.address) FROM users u WHERE u.address = ?1");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        ret = 1;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        step_done(db, rc);
        goto out;
    }
    json_object_set_new(o, "address", json_string(addr));
    json_object_set_new(o, "tasks", col_int(st, 0));
    json_object_set_new(o, "tasks_human", col_int(st, 1));
    json_object_set_new(o, "fees", col_text(st, 2));
    json_object_set_new(o, "fees_aius",
                        aius_json_dec((const char *)sqlite3_column_text(st, 2)));
    json_object_set_new(o, "first_seen", col_int(st, 3));
    json_object_set_new(o, "last_seen", col_int(st, 4));
    json_object_set_new(o, "miner", json_boolean(sqlite3_column_int(st, 5)));
    sqlite3_finalize(st);
    st = NULL;
    if (one_int(db, "SELECT solved FROM users WHERE address = ?1", addr, &v) < 0)
        goto out;
    json_object_set_new(o, "solved", json_integer(v));
    if (one_int(db, "SELECT images FROM users WHERE address = ?1", addr, &v) < 0)
        goto out;
    json_object_set_new(o, "images", json_integer(v));
    st = prep(db, "SELECT rewards FROM earnings_totals WHERE address = ?1 "
                  "AND role = 'task_owner'");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (dec_add_into(&rew, (const char *)sqlite3_column_text(st, 0)) < 0)
            break;
    sqlite3_finalize(st);
    st = NULL;
    if (step_done(db, rc) < 0)
        goto out;
    json_object_set_new(o, "owner_rewards", u256_json(&rew));
    json_object_set_new(o, "owner_rewards_aius", u256_aius_json(&rew));

    arr = json_array();
    json_object_set_new(o, "models", arr);
    st = prep(db, "SELECT model, count(*) FROM tasks WHERE owner = ?1 "
                  "GROUP BY model ORDER BY 2 DESC, 1 LIMIT 50");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);

        json_array_append_new(arr, json_pack("{s:s,s:o,s:I}", "id", id, "name",
                                             name_json(id, names, nn), "tasks",
                                             (json_int_t)sqlite3_column_int64(st, 1)));
    }
    sqlite3_finalize(st);
    st = NULL;
    if (step_done(db, rc) < 0)
        goto out;

    arr = json_array();
    json_object_set_new(o, "recent", arr);
    st = prep(db, "SELECT t.id, t.model, t.fee, t.time, t.prompt, s.cid_text, "
                  "m.output_file, m.output_type, s.task IS NOT NULL "
                  "FROM tasks t LEFT JOIN solutions s ON s.task = t.id "
                  "LEFT JOIN models m ON m.id = t.model "
                  "WHERE t.owner = ?1 ORDER BY t.block DESC, t.log_index DESC "
                  "LIMIT ?2");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, AN_RECENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 1);

        json_array_append_new(arr, json_pack(
            "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "task",
            col_text(st, 0), "model", col_text(st, 1), "model_name",
            name_json(id, names, nn), "fee", col_text(st, 2), "time",
            col_int(st, 3), "prompt", col_text(st, 4), "cid", col_text(st, 5),
            "output_file", col_text(st, 6), "output_type", col_text(st, 7),
            "solved", sqlite3_column_int(st, 8)));
    }
    if (step_done(db, rc) < 0)
        goto out;
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(o);
    return ret;
}

int analytics_user(struct db *db, const char *addr, char *const *names,
                   size_t nnames, json_t **outp)
{
    int r;

    if (read_begin(db) < 0)
        return -1;
    r = user_in_txn(db, addr, names, nnames, outp);
    read_end(db);
    return r;
}

/* ---- models ---- */

/* A models row (columns 0..6: id, title, output_type, output_file, fee,
 * rate, addr) plus its daily sums, as an object. */
static json_t *model_obj(struct db *db, sqlite3_stmt *st, char *const *names,
                         size_t nn)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", id,
                          "name", name_json(id, names, nn), "title",
                          col_text(st, 1), "output_type", col_text(st, 2),
                          "output_file", col_text(st, 3), "fee",
                          col_text(st, 4), "fee_aius",
                          aius_json_dec((const char *)sqlite3_column_text(st, 4)),
                          "rate", col_text(st, 5));
    sqlite3_stmt *d = prep(db, "SELECT total(tasks), total(solved), "
                               "total(claims) FROM daily WHERE model = ?1");
    sqlite3_stmt *f = prep(db, "SELECT fees FROM daily WHERE model = ?1 "
                               "AND fees != '0'");
    struct u256 sum = { { 0 } };
    int rc;

    if (d) {
        sqlite3_bind_text(d, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(d) == SQLITE_ROW) {
            json_object_set_new(o, "tasks", json_integer((json_int_t)sqlite3_column_double(d, 0)));
            json_object_set_new(o, "solutions", json_integer((json_int_t)sqlite3_column_double(d, 1)));
            json_object_set_new(o, "claims", json_integer((json_int_t)sqlite3_column_double(d, 2)));
        }
    }
    if (f) {
        sqlite3_bind_text(f, 1, id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(f)) == SQLITE_ROW)
            if (dec_add_into(&sum, (const char *)sqlite3_column_text(f, 0)) < 0)
                break;
    }
    json_object_set_new(o, "task_fees", u256_json(&sum));
    json_object_set_new(o, "task_fees_aius", u256_aius_json(&sum));
    sqlite3_finalize(d);
    sqlite3_finalize(f);
    return o;
}

static int cmp_tasks_desc(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t tx = json_integer_value(json_object_get(x, "tasks"));
    json_int_t ty = json_integer_value(json_object_get(y, "tasks"));

    if (tx != ty)
        return tx < ty ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "id")),
                  json_string_value(json_object_get(y, "id")));
}

int analytics_models(struct db *db, char *const *names, size_t nn,
                     json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *arr = json_array(), **items = NULL;
    size_t n = 0, cap = 0, i;
    int64_t t;
    int rc, ret = -1;

    if (read_begin(db) < 0) {
        json_decref(o);
        json_decref(arr);
        return -1;
    }
    if (as_of(db, o, &t) < 0)
        goto out;
    st = prep(db, "SELECT id, title, output_type, output_file, fee, rate, "
                  "addr FROM models");
    if (!st)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            items = xrealloc(items, cap * sizeof(*items));
        }
        items[n++] = model_obj(db, st, names, nn);
    }
    if (step_done(db, rc) < 0)
        goto out;
    if (n > 1)
        qsort(items, n, sizeof(*items), cmp_tasks_desc);
    for (i = 0; i < n; i++)
        json_array_append(arr, items[i]);
    json_object_set(o, "models", arr);
    *outp = o;
    o = NULL;
    ret = 0;
out:
    for (i = 0; i < n; i++)
        json_decref(items[i]);
    free(items);
    json_decref(arr);
    sqlite3_finalize(st);
    read_end(db);
    json_decref(o);
    return ret;
}

/* Template fields and outputs of a template JSON text, or null. */
static json_t *template_json(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    json_t *fields = json_array(), *outs = json_array(), *v;
    size_t i;

    if (!json_is_object(j)) {
        json_decref(j);
        json_decref(fields);
        json_decref(outs);
        return json_null();
    }
    json_array_foreach(json_object_get(j, "input"), i, v) {
        json_t *def = json_object_get(v, "default");

        if (!json_is_object(v))
            continue;
        json_array_append_new(fields, json_pack(
            "{s:O,s:O,s:b,s:O,s:O}", "variable",
            json_is_string(json_object_get(v, "variable"))
                ? json_object_get(v, "variable") : json_null(),
            "type", json_is_string(json_object_get(v, "type"))
                        ? json_object_get(v, "type") : json_null(),
            "required", json_is_true(json_object_get(v, "required")),
            "default", def ? def : json_null(),
            "description", json_is_string(json_object_get(v, "description"))
                               ? json_object_get(v, "description")
                               : json_null()));
    }
    json_array_foreach(json_object_get(j, "output"), i, v) {
        if (!json_is_object(v))
            continue;
        json_array_append_new(outs, json_pack(
            "{s:O,s:O}", "filename",
            json_is_string(json_object_get(v, "filename"))
                ? json_object_get(v, "filename") : json_null(),
            "type", json_is_string(json_object_get(v, "type"))
                        ? json_object_get(v, "type") : json_null()));
    }
    json_decref(j);
    return json_pack("{s:o,s:o}", "fields", fields, "outputs", outs);
}

static int model_in_txn(struct db *db, const char *id, char *const *names,
                        size_t nn, json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = NULL, *head = json_object(), *arr;
    int64_t t;
    int rc, ret = -1;

    if (as_of(db, head, &t) < 0)
        goto out;
    st = prep(db, "SELECT id, title, output_type, output_file, fee, rate, "
                  "addr, cid, block, time, tx, template_json FROM models "
                  "WHERE id = ?1");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        ret = 1;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        step_done(db, rc);
        goto out;
    }
    o = model_obj(db, st, names, nn);
    json_object_set(o, "as_of", json_object_get(head, "as_of"));
    json_object_set_new(o, "addr", col_text(st, 6));
    json_object_set_new(o, "cid", col_text(st, 7));
    json_object_set_new(o, "registered",
                        json_pack("{s:o,s:o,s:o}", "block", col_int(st, 8),
                                  "time", col_int(st, 9), "tx",
                                  col_text(st, 10)));
    json_object_set_new(o, "template",
                        template_json((const char *)sqlite3_column_text(st, 11)));
    sqlite3_finalize(st);
    st = NULL;

    arr = json_array();
    json_object_set_new(o, "daily", arr);
    st = prep(db, "SELECT day, tasks, solved, claims FROM daily WHERE "
                  "model = ?1 ORDER BY day");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:o,s:o,s:o,s:o}", "day",
                                             col_int(st, 0), "tasks",
                                             col_int(st, 1), "solutions",
                                             col_int(st, 2), "claims",
                                             col_int(st, 3)));
    sqlite3_finalize(st);
    st = NULL;
    if (step_done(db, rc) < 0)
        goto out;
    arr = json_array();
    json_object_set_new(o, "miners", arr);
    st = prep(db, "SELECT address, sum(solutions) FROM miner_daily WHERE "
                  "model = ?1 GROUP BY address HAVING sum(solutions) > 0 "
                  "ORDER BY 2 DESC, 1 LIMIT 20");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:o,s:o}", "address",
                                             col_text(st, 0), "solutions",
                                             col_int(st, 1)));
    if (step_done(db, rc) < 0)
        goto out;
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(head);
    json_decref(o);
    return ret;
}

int analytics_model(struct db *db, const char *id, char *const *names,
                    size_t nnames, json_t **outp)
{
    int r;

    if (read_begin(db) < 0)
        return -1;
    r = model_in_txn(db, id, names, nnames, outp);
    read_end(db);
    return r;
}

int analytics_paid_between(struct db *db, int64_t t0, int64_t t1, int show,
                           char out[80])
{
    sqlite3_stmt *st = prep(
        db, "SELECT e.amount FROM earnings e "
            "LEFT JOIN tasks t ON t.id = e.task "
            "WHERE e.time > ?1 AND e.time <= ?2 "
            "AND (?3 OR coalesce(t.automine, 0) = 0)");
    struct u256 sum = { { 0 } };
    int rc;

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, t0);
    sqlite3_bind_int64(st, 2, t1);
    sqlite3_bind_int(st, 3, show ? 1 : 0);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (dec_add_into(&sum, (const char *)sqlite3_column_text(st, 0)) < 0) {
            log_warnx("analytics: payout sum overflow");
            rc = SQLITE_ERROR;
            break;
        }
    sqlite3_finalize(st);
    if (step_done(db, rc) < 0 || u256_to_dec(&sum, out, 80) < 0)
        return -1;
    return 0;
}

int analytics_miners_recent(struct db *db, int64_t seconds, int64_t window,
                            json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *arr = json_array();
    int64_t t;
    int rc, ret = -1;

    json_object_set_new(o, "miners", arr);
    if (read_begin(db) < 0) {
        json_decref(o);
        return -1;
    }
    if (as_of(db, o, &t) < 0)
        goto out;
    json_object_set_new(o, "seconds", json_integer(seconds));
    st = prep(db,
              "SELECT m.address, "
              "(SELECT count(*) FROM solutions s WHERE s.validator = "
              "m.address AND s.time > ?1), "
              "(SELECT count(*) FROM solutions s WHERE s.validator = "
              "m.address AND s.claim_time > ?1), "
              "m.solutions, m.claims, m.first_time, m.last_time, "
              "m.last_time > ?2 FROM miners m WHERE m.last_time > ?1 "
              "ORDER BY 2 DESC, 1");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, t - seconds);
    sqlite3_bind_int64(st, 2, t - window);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack(
            "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "address", col_text(st, 0),
            "solutions", col_int(st, 1), "claims", col_int(st, 2),
            "total_solutions", col_int(st, 3), "total_claims", col_int(st, 4),
            "first_seen", col_int(st, 5), "last_seen", col_int(st, 6),
            "active", sqlite3_column_int(st, 7)));
    if (step_done(db, rc) < 0)
        goto out;
    sqlite3_finalize(st);
    /* Commitments without a solution: would-be miners, or helper
     * contracts that signal for them (SignalCommitment.addr). */
    arr = json_array();
    json_object_set_new(o, "committers", arr);
    st = prep(db, "SELECT addr, count(*), max(time) FROM commitments "
                  "WHERE time > ?1 AND addr NOT IN (SELECT address FROM "
                  "miners) GROUP BY addr ORDER BY 2 DESC, 1");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, t - seconds);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:o,s:o,s:o}", "address",
                                             col_text(st, 0), "commitments",
                                             col_int(st, 1), "last_seen",
                                             col_int(st, 2)));
    if (step_done(db, rc) < 0)
        goto out;
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    read_end(db);
    json_decref(o);
    return ret;
}

int analytics_earnings(struct db *db, const char *addr, json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_object(), *arr = json_array();
    struct u256 f = { { 0 } }, r = { { 0 } }, tot;
    int64_t t;
    int rc, ret = -1;

    json_object_set_new(o, "rows", arr);
    if (read_begin(db) < 0) {
        json_decref(o);
        return -1;
    }
    if (as_of(db, o, &t) < 0)
        goto out;
    st = prep(db, "SELECT address, era, fees, rewards FROM earnings_totals "
                  "WHERE role = 'validator' AND (?1 IS NULL OR address = ?1) "
                  "ORDER BY address, era");
    if (!st)
        goto out;
    if (addr)
        sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (dec_add_into(&f, (const char *)sqlite3_column_text(st, 2)) < 0 ||
            dec_add_into(&r, (const char *)sqlite3_column_text(st, 3)) < 0) {
            rc = SQLITE_ERROR;
            break;
        }
        json_array_append_new(arr, json_pack("{s:o,s:o,s:o,s:o}", "address",
                                             col_text(st, 0), "era",
                                             col_int(st, 1), "fees",
                                             col_text(st, 2), "rewards",
                                             col_text(st, 3)));
    }
    if (step_done(db, rc) < 0 || u256_add(&f, &r, &tot))
        goto out;
    json_object_set_new(o, "totals",
                        json_pack("{s:o,s:o,s:o,s:o}", "fees", u256_json(&f),
                                  "rewards", u256_json(&r), "earnings",
                                  u256_json(&tot), "earnings_aius",
                                  u256_aius_json(&tot)));
    *outp = o;
    o = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    read_end(db);
    json_decref(o);
    return ret;
}
