/*
 * analytics.c - miners, users and models (see analytics.h).
 *
 * Cost: leaderboards read the rollups (miners, miner_daily,
 * miner_latency) except the 24h window, which reads the rows of the last
 * 24 hours through the time indexes; detail pages read one address's
 * rollups plus bounded, indexed lists.  Amounts are summed exactly in C.
 *
 * Every reply is described by tables: the SQL of each read, the fields of
 * its rows (struct db_field), and a row walker (each_row) that turns rows
 * into objects, sums amounts or adds them to a miner of the leaderboard.
 */
#include "arbiusd/analytics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/log.h"
#include "arbiusd/participants.h"
#include "arbiusd/modelnames.h"
#include "arbiusd/stats.h"
#include "arbiusd/u256.h"

#define DAY 86400

/* What a public call asks for (each reader uses the members it needs). */
struct req {
    const char *key;    /* address, model id, or users sort */
    int64_t window;     /* active window (seconds) */
    int64_t seconds;    /* miners_recent: the period */
    char *const *names; /* model-name overrides (modelnames.h) */
    size_t nn;
};

/* Adds the decimal wei text dec to *acc.  0, or -1 after logging (not a
 * number, or the sum overflows). */
static int dec_add_into(struct u256 *acc, const char *dec)
{
    struct u256 v, sum;

    if (!dec || u256_from_dec(dec, strlen(dec), &v) < 0 ||
        u256_add(acc, &v, &sum)) {
        log_warnx("analytics: amount out of range: %s", dec ? dec : "null");
        return -1;
    }
    *acc = sum;
    return 0;
}

/* v as a new JSON decimal string (wei), or null. */
static json_t *u256_json(const struct u256 *v)
{
    char d[U256_DEC_SIZE];

    if (u256_to_dec(v, d, sizeof(d)) < 0)
        return json_null();
    return json_string(d);
}

/* v in whole AIUS as a new JSON string ("1.5"), or null. */
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

/* Sets o.key to the wei text of column i in whole AIUS ("?" if none). */
static void set_aius(json_t *o, const char *key, sqlite3_stmt *st, int i)
{
    char t[U256_UNITS_SIZE];

    analytics_aius_text((const char *)sqlite3_column_text(st, i), t,
                        sizeof(t));
    json_object_set_new(o, key, json_string(t));
}

/*
 * Sets fees, rewards, key (their sum) and key_aius (the sum in AIUS) on o,
 * in that order.  0, or -1 after logging an overflow.
 */
static int set_earnings(json_t *o, const struct u256 *fees,
                        const struct u256 *rewards, const char *key)
{
    struct u256 tot;
    char aius_key[32];

    if (u256_add(fees, rewards, &tot)) {
        log_warnx("analytics: earnings overflow");
        return -1;
    }
    snprintf(aius_key, sizeof(aius_key), "%s_aius", key);
    json_object_set_new(o, "fees", u256_json(fees));
    json_object_set_new(o, "rewards", u256_json(rewards));
    json_object_set_new(o, key, u256_json(&tot));
    json_object_set_new(o, aius_key, u256_aius_json(&tot));
    return 0;
}

/* The configured or built-in name of model id as a new JSON string, or
 * null (no id, or no name). */
static json_t *name_json(const char *id, const struct req *rq)
{
    const char *nm = id ? modelnames_lookup(id, rq->names, rq->nn) : NULL;
    json_t *v = nm ? json_string(nm) : NULL;

    return v ? v : json_null();
}

/* A new array set on o as key; borrowed. */
static json_t *new_list(json_t *o, const char *key)
{
    json_t *a = json_array();

    json_object_set_new(o, key, a);
    return a;
}

/* Sets o.as_of to the indexed head (stats_head_json) and *t to its time
 * (0 before the first scan).  0 or -1 (logged). */
static int as_of(struct db *db, json_t *o, int64_t *t /* OUT */)
{
    struct stats_head h;

    if (stats_head(db, &h) < 0)
        return -1;
    *t = h.time;
    json_object_set_new(o, "as_of", stats_head_json(&h));
    return 0;
}

/* ---- walking rows ---- */

/*
 * Calls row(st, ctx) for each row of st (from db_query; NULL: its error is
 * logged already) until row fails, then gives st back.  The number of rows
 * read, or -1 after logging (a step error, or row's -1).
 */
static int64_t each_row(struct db *db, sqlite3_stmt *st,
                        int (*row)(sqlite3_stmt *st, void *ctx), void *ctx)
{
    int64_t n = 0;
    int r;

    if (!st)
        return -1;
    while ((r = db_step(db, st, NULL)) == 1 && row(st, ctx) == 0)
        n++;
    db_stmt_done(db, st);
    return r == 0 ? n : -1;
}

/*
 * What a generic walk does with a row: appends its fields as a new object
 * to arr, or sets them on into; and adds its amount columns to sums.
 */
struct walk {
    json_t *arr;              /* rows appended here, */
    json_t *into;             /* or set on this object (or neither) */
    const struct db_field *f; /* fields of columns 0 .. nf - 1 */
    size_t nf;
    int col, nsum;      /* amount columns col .. col + nsum - 1 */
    struct u256 sum[2]; /* their exact sums */
};

/* each_row() callback of struct walk ctx. */
static int walk_row(sqlite3_stmt *st, void *ctx)
{
    struct walk *w = ctx;
    int k;

    for (k = 0; k < w->nsum; k++)
        if (dec_add_into(&w->sum[k],
                         (const char *)sqlite3_column_text(st, w->col + k)) <
            0)
            return -1;
    if (w->arr)
        json_array_append_new(w->arr, db_row(st, w->f, w->nf));
    else if (w->into)
        db_row_into(w->into, st, 0, w->f, w->nf);
    return 0;
}

/* Walks st (see each_row) with w.  Rows read, or -1. */
static int64_t walk(struct db *db, sqlite3_stmt *st, struct walk *w)
{
    return each_row(db, st, walk_row, w);
}

/* Appends the rows of st as objects of f[0..n) to arr.  0 or -1. */
static int rows_into(struct db *db, sqlite3_stmt *st, json_t *arr,
                     const struct db_field *f, size_t n)
{
    struct walk w = { .arr = arr, .f = f, .nf = n };

    return walk(db, st, &w) < 0 ? -1 : 0;
}

/* The exact sum of the wei texts of column 0 of st into *out.  0 or -1. */
static int sum_into(struct db *db, sqlite3_stmt *st, struct u256 *out)
{
    struct walk w = { .nsum = 1 };

    if (walk(db, st, &w) < 0)
        return -1;
    *out = w.sum[0];
    return 0;
}

/*
 * Rows that name a model: fields head from column 0 (the last of them is
 * the model id), then key (the model's name), then fields rest.
 */
struct named {
    const struct db_field *head, *rest;
    size_t nhead, nrest;
    const char *key; /* "name" or "model_name" */
};

/* Sets spec's fields of the current row of st on o. */
static void named_row_into(json_t *o, sqlite3_stmt *st,
                           const struct named *spec, const struct req *rq)
{
    const char *id =
        (const char *)sqlite3_column_text(st, (int)spec->nhead - 1);

    db_row_into(o, st, 0, spec->head, spec->nhead);
    json_object_set_new(o, spec->key, name_json(id, rq));
    db_row_into(o, st, (int)spec->nhead, spec->rest, spec->nrest);
    /* No name in the table or the configuration: the template's title. */
    if (json_is_null(json_object_get(o, spec->key)) &&
        json_is_string(json_object_get(o, "title")))
        json_object_set(o, spec->key, json_object_get(o, "title"));
}

struct named_walk {
    const struct named *spec;
    const struct req *rq;
    json_t *arr;
};

/* each_row() callback: appends the row as spec's object. */
static int named_row(sqlite3_stmt *st, void *ctx)
{
    struct named_walk *w = ctx;
    json_t *o = json_object();

    named_row_into(o, st, w->spec, w->rq);
    json_array_append_new(w->arr, o);
    return 0;
}

/* Appends the rows of st as spec's objects to a new list o.key.  0, -1. */
static int named_into(struct db *db, sqlite3_stmt *st, json_t *o,
                      const char *key, const struct named *spec,
                      const struct req *rq)
{
    struct named_walk w = { spec, rq, new_list(o, key) };

    return each_row(db, st, named_row, &w) < 0 ? -1 : 0;
}

/*
 * Builds a reply in one read transaction: fill(db, rq, o) sets the members
 * of a new object.  fill's 0 (*outp gets the object) or 1 (not found), or
 * -1 after logging.
 */
static int reply(struct db *db,
                 int (*fill)(struct db *db, const struct req *rq, json_t *o),
                 const struct req *rq, json_t **outp /* OUT */)
{
    json_t *o = json_object();
    int r = -1;

    if (db_read_begin(db) == 0) {
        r = fill(db, rq, o);
        db_read_end(db);
    }
    if (r == 0)
        *outp = json_incref(o);
    json_decref(o);
    return r;
}

/* ---- medians from (value, count) pairs in ascending value order ---- */

struct hist {
    int64_t *v, *n;
    size_t len, cap;
    int64_t total;
};

/* Adds n samples of value v (v at least the last value added). */
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

/* Frees h's arrays and empties it. */
static void hist_release(struct hist *h)
{
    free(h->v);
    free(h->n);
    memset(h, 0, sizeof(*h));
}

/* qsort() order of int64_t, ascending. */
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

json_t *analytics_median_json(int64_t *v, size_t n)
{
    struct hist h = { 0 };
    json_t *m;

    hist_from_samples(&h, v, n);
    m = hist_median(&h, NULL);
    hist_release(&h);
    return m;
}

/* Adds the (value, count) of columns 0, 1 to the histogram ctx. */
static int hist_row(sqlite3_stmt *st, void *ctx)
{
    hist_add(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
    return 0;
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
    int64_t sort_lat; /* 2 x median solve, INT64_MAX none */
};

struct mset {
    struct mrow *rows;
    size_t n, cap;
    json_t *index; /* address -> row number */
};

/* The row of addr, added (zeroed) if new.  Borrowed until the next call. */
static struct mrow *mset_get(struct mset *m, const char *addr)
{
    json_t *k;

    if (!addr)
        addr = "";
    if (!m->index)
        m->index = json_object();
    k = json_object_get(m->index, addr);
    if (k)
        return &m->rows[json_integer_value(k)];
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->rows = xrealloc(m->rows, m->cap * sizeof(*m->rows));
    }
    memset(&m->rows[m->n], 0, sizeof(m->rows[m->n]));
    snprintf(m->rows[m->n].addr, sizeof(m->rows[m->n].addr), "%s", addr);
    json_object_set_new_nocheck(m->index, addr,
                                json_integer((json_int_t)m->n));
    return &m->rows[m->n++];
}

/* Frees every row of m and its index, and empties it. */
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
    json_decref(m->index);
    memset(m, 0, sizeof(*m));
}

/* Adds the raw sample v to r's samples k (0 solve, 1 claim lag). */
static void samp_add(struct mrow *r, int k, int64_t v)
{
    if (r->nsamp[k] == r->csamp[k]) {
        r->csamp[k] = r->csamp[k] ? r->csamp[k] * 2 : 16;
        r->samp[k] = xrealloc(r->samp[k], r->csamp[k] * sizeof(int64_t));
    }
    r->samp[k][r->nsamp[k]++] = v;
}

/* 1 if r has a solution, a claim or an earning in the window. */
static int mrow_listed(const struct mrow *r)
{
    return r->solutions != 0 || r->claims != 0 || !u256_is_zero(&r->fees) ||
           !u256_is_zero(&r->rewards);
}

static const char *const WINDOW_TEXT[] = { "24h", "7d", "30d", "all" };
static const char *const SORT_TEXT[] = { "solutions", "earnings", "latency" };
static const char *const MEDIAN_KEY[] = {
    "median_solve_seconds",
    "median_claim_lag_seconds",
};

/* The index of s in texts[0..n), or -1. */
static int text_index(const char *s, const char *const *texts, int n)
{
    int i;

    for (i = 0; s && i < n; i++)
        if (strcmp(s, texts[i]) == 0)
            return i;
    return -1;
}

int analytics_window_parse(const char *s, enum an_window *out)
{
    int i = text_index(s, WINDOW_TEXT, 4);

    if (i < 0)
        return -1;
    *out = (enum an_window)i;
    return 0;
}

int analytics_sort_parse(const char *s, enum an_sort *out)
{
    int i = text_index(s, SORT_TEXT, 3);

    if (i < 0)
        return -1;
    *out = (enum an_sort)i;
    return 0;
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
 * argument, and a shared "current sort" would race between threads).
 * Solutions descending, then address. */
static int cmp_by_solutions(const void *a, const void *b)
{
    const struct mrow *x = a, *y = b;
    int c = (y->solutions > x->solutions) - (y->solutions < x->solutions);

    return c ? c : strcmp(x->addr, y->addr);
}

/* Earnings (fees + rewards) descending, then address. */
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

/* Median solve latency ascending (none last), then address. */
static int cmp_by_latency(const void *a, const void *b)
{
    const struct mrow *x = a, *y = b;
    int c = (x->sort_lat > y->sort_lat) - (x->sort_lat < y->sort_lat);

    return c ? c : strcmp(x->addr, y->addr);
}

/*
 * What one row adds to its miner's figures: each reads columns 1 on of
 * the row of miner r (column 0 is the address).  0, or -1 (logged).
 */
static int row_seen(struct mrow *r, sqlite3_stmt *st)
{
    r->known = 1;
    r->first = sqlite3_column_int64(st, 1);
    r->last = sqlite3_column_int64(st, 2);
    return 0;
}

/* Solutions and claims from columns c, c + 1. */
static void set_counts(struct mrow *r, sqlite3_stmt *st, int c)
{
    r->solutions = sqlite3_column_int64(st, c);
    r->claims = sqlite3_column_int64(st, c + 1);
}

/* Fees and rewards (wei texts) added from columns c, c + 1. */
static int add_amounts(struct mrow *r, sqlite3_stmt *st, int c)
{
    if (dec_add_into(&r->fees, (const char *)sqlite3_column_text(st, c)) < 0 ||
        dec_add_into(&r->rewards,
                     (const char *)sqlite3_column_text(st, c + 1)) < 0)
        return -1;
    return 0;
}

/* The miners row as the figures of "all": seen, counts, amounts. */
static int row_seen_all(struct mrow *r, sqlite3_stmt *st)
{
    set_counts(r, st, 3);
    if (add_amounts(r, st, 5) < 0)
        return -1;
    return row_seen(r, st);
}

/* (solutions, claims) of the window's days. */
static int row_counts(struct mrow *r, sqlite3_stmt *st)
{
    set_counts(r, st, 1);
    return 0;
}

/* (fees, rewards) of one of the window's days. */
static int row_amounts(struct mrow *r, sqlite3_stmt *st)
{
    return add_amounts(r, st, 1);
}

/* (kind, secs, n) of a latency histogram. */
static int row_latency(struct mrow *r, sqlite3_stmt *st)
{
    int k = sqlite3_column_int(st, 1) ? 1 : 0;

    hist_add(&r->lat[k], sqlite3_column_int64(st, 2),
             sqlite3_column_int64(st, 3));
    return 0;
}

/* One solution of the 24h window and its solve latency (NULL: task not
 * indexed). */
static int row_solve(struct mrow *r, sqlite3_stmt *st)
{
    r->solutions++;
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
        samp_add(r, 0, sqlite3_column_int64(st, 1));
    return 0;
}

/* One claim of the 24h window and its lag. */
static int row_claim(struct mrow *r, sqlite3_stmt *st)
{
    r->claims++;
    samp_add(r, 1, sqlite3_column_int64(st, 1));
    return 0;
}

/* One earning of the 24h window: (kind, amount). */
static int row_earning(struct mrow *r, sqlite3_stmt *st)
{
    int rew = strcmp((const char *)sqlite3_column_text(st, 1), "rewards") == 0;

    return dec_add_into(rew ? &r->rewards : &r->fees,
                        (const char *)sqlite3_column_text(st, 2));
}

/* One read of the leaderboard's figures, for the windows in its mask. */
struct pass {
    unsigned windows; /* 1 << enum an_window */
    const char *sql;
    const char *fmt; /* "ii": ?1, ?2 are the window's bounds */
    int (*row)(struct mrow *r, sqlite3_stmt *st);
};

#define W_24H  (1u << AN_24H)
#define W_DAYS ((1u << AN_7D) | (1u << AN_30D))
#define W_ALL  (1u << AN_ALL)
#define SQL_MINERS                                                     \
    "SELECT address, first_time, last_time, solutions, claims, fees, " \
    "rewards FROM miners"

/*
 * Every miner's all-time row (first/last seen, and the figures of "all"),
 * then the window's figures: the 24h window reads the rows of seconds
 * (?1, ?2] themselves, 7d and 30d the rollups of UTC days [?1, ?2].
 */
static const struct pass PASSES[] = {
    { W_24H | W_DAYS, SQL_MINERS, "", row_seen },
    { W_ALL, SQL_MINERS, "", row_seen_all },
    { W_24H,
      "SELECT s.validator, s.time - t.time FROM solutions s "
      "LEFT JOIN tasks t ON t.id = s.task "
      "WHERE s.time > ?1 AND s.time <= ?2",
      "ii", row_solve },
    { W_24H,
      "SELECT validator, claim_time - time FROM solutions "
      "WHERE claim_time > ?1 AND claim_time <= ?2",
      "ii", row_claim },
    { W_24H,
      "SELECT addr, kind, amount FROM earnings "
      "WHERE time > ?1 AND time <= ?2 AND role = 'validator'",
      "ii", row_earning },
    { W_DAYS,
      "SELECT address, sum(solutions), sum(claims) FROM miner_daily "
      "WHERE day BETWEEN ?1 AND ?2 GROUP BY address",
      "ii", row_counts },
    { W_DAYS,
      "SELECT address, fees, rewards FROM miner_daily "
      "WHERE day BETWEEN ?1 AND ?2 AND (fees != '0' OR rewards != '0')",
      "ii", row_amounts },
    { W_DAYS,
      "SELECT address, kind, secs, sum(n) FROM miner_latency "
      "WHERE day BETWEEN ?1 AND ?2 GROUP BY address, kind, secs "
      "ORDER BY address, kind, secs",
      "ii", row_latency },
    { W_ALL,
      "SELECT address, kind, secs, n FROM miner_latency "
      "WHERE day = -1 ORDER BY address, kind, secs",
      "", row_latency },
};

struct collect {
    struct mset *m;
    int (*row)(struct mrow *r, sqlite3_stmt *st);
};

/* each_row() callback: the pass's row function on the row's miner. */
static int collect_row(sqlite3_stmt *st, void *ctx)
{
    struct collect *c = ctx;

    return c->row(mset_get(c->m, (const char *)sqlite3_column_text(st, 0)),
                  st);
}

/* Reads window w's figures (bounds lo, hi) into m.  0 or -1 (logged). */
static int miners_collect(struct db *db, enum an_window w, int64_t lo,
                          int64_t hi, struct mset *m)
{
    struct collect c = { m, NULL };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(PASSES); i++) {
        const struct pass *p = &PASSES[i];

        if (!(p->windows & (1u << w)))
            continue;
        c.row = p->row;
        if (each_row(db, db_query(db, p->sql, p->fmt, lo, hi), collect_row,
                     &c) < 0)
            return -1;
    }
    /* The 24h window's raw samples become histograms too. */
    for (i = 0; i < m->n; i++) {
        hist_from_samples(&m->rows[i].lat[0], m->rows[i].samp[0],
                          m->rows[i].nsamp[0]);
        hist_from_samples(&m->rows[i].lat[1], m->rows[i].samp[1],
                          m->rows[i].nsamp[1]);
    }
    return 0;
}

/*
 * Window w at head time t: the bounds its queries take (seconds (lo, hi]
 * for 24h, UTC days [lo, hi] for 7d and 30d) and *from, its first second
 * (0 for all).
 */
static void window_bounds(enum an_window w, int64_t t, int64_t *lo,
                          int64_t *hi, int64_t *from)
{
    if (w == AN_24H) {
        *lo = *from = t - DAY;
        *hi = t;
        return;
    }
    *hi = t / DAY;
    *lo = *hi - (w == AN_7D ? 6 : 29);
    *from = w == AN_ALL ? 0 : *lo * DAY;
}

/* Per-day {day, solutions, claims, fees, rewards} accumulated by
 * daily_row: counts summed, amounts exactly. */
struct day_acc {
    json_t *arr;
    int64_t day, ns, nc;
    struct u256 fees, rewards;
};

/* Appends the day of a (if any) to its array. */
static void day_flush(struct day_acc *a)
{
    if (a->day == INT64_MIN)
        return;
    json_array_append_new(a->arr, json_pack("{s:I,s:I,s:I,s:o,s:o}", "day",
                                            (json_int_t)a->day, "solutions",
                                            (json_int_t)a->ns, "claims",
                                            (json_int_t)a->nc, "fees",
                                            u256_json(&a->fees), "rewards",
                                            u256_json(&a->rewards)));
}

/* A row (day, solutions, claims, fees, rewards), ordered by day. */
static int daily_row(sqlite3_stmt *st, void *ctx)
{
    struct day_acc *a = ctx;

    if (sqlite3_column_int64(st, 0) != a->day) {
        day_flush(a);
        a->day = sqlite3_column_int64(st, 0);
        a->ns = a->nc = 0;
        memset(&a->fees, 0, sizeof(a->fees));
        memset(&a->rewards, 0, sizeof(a->rewards));
    }
    a->ns += sqlite3_column_int64(st, 1);
    a->nc += sqlite3_column_int64(st, 2);
    if (dec_add_into(&a->fees, (const char *)sqlite3_column_text(st, 3)) < 0 ||
        dec_add_into(&a->rewards, (const char *)sqlite3_column_text(st, 4)) <
            0)
        return -1;
    return 0;
}

/*
 * Folds the rows (day, solutions, claims, fees, rewards) of st, ordered by
 * day, into one {day, solutions, claims, fees, rewards} object a day
 * appended to arr.  0 or -1 (logged).
 */
static int daily_fold(struct db *db, sqlite3_stmt *st, json_t *arr)
{
    struct day_acc a = { .arr = arr, .day = INT64_MIN };

    if (each_row(db, st, daily_row, &a) < 0)
        return -1;
    day_flush(&a);
    return 0;
}

/*
 * The totals of the listed miners of m: {miners, solutions, claims, fees,
 * rewards, earnings, earnings_aius} into *outp; also sets every row's
 * latency sort key.  0 or -1 (logged overflow).
 */
static int miners_totals(struct mset *m, json_t **outp /* OUT */)
{
    struct u256 tf = { { 0 } }, tr = { { 0 } };
    int64_t tsol = 0, tcl = 0, listed = 0;
    json_t *o;
    size_t i;

    for (i = 0; i < m->n; i++) {
        struct mrow *r = &m->rows[i];

        json_decref(hist_median(&r->lat[0], &r->sort_lat));
        if (!mrow_listed(r))
            continue;
        if (u256_add(&tf, &r->fees, &tf) || u256_add(&tr, &r->rewards, &tr)) {
            log_warnx("analytics: leaderboard earnings overflow");
            return -1;
        }
        tsol += r->solutions;
        tcl += r->claims;
        listed++;
    }
    o = json_pack("{s:I,s:I,s:I}", "miners", (json_int_t)listed, "solutions",
                  (json_int_t)tsol, "claims", (json_int_t)tcl);
    if (set_earnings(o, &tf, &tr, "earnings") < 0) {
        json_decref(o);
        return -1;
    }
    *outp = o;
    return 0;
}

/* The entries of m (already sorted) as the "miners" array, with ranks;
 * miners with nothing in the window are left out.  NULL on an overflow
 * (logged). */
static json_t *miners_list(struct mset *m, int64_t t, int64_t active_window)
{
    json_t *list = json_array();
    size_t i, rank = 0;
    int k;

    for (i = 0; i < m->n; i++) {
        struct mrow *r = &m->rows[i];
        json_t *e;

        if (!mrow_listed(r))
            continue;
        e = json_pack("{s:I,s:s,s:I,s:I}", "rank", (json_int_t)++rank,
                      "address", r->addr, "solutions",
                      (json_int_t)r->solutions, "claims",
                      (json_int_t)r->claims);
        json_array_append_new(list, e);
        if (set_earnings(e, &r->fees, &r->rewards, "earnings") < 0) {
            json_decref(list);
            return NULL;
        }
        for (k = 0; k < 2; k++)
            json_object_set_new(e, MEDIAN_KEY[k],
                                hist_median(&r->lat[k], NULL));
        json_object_set_new(e, "first_seen",
                            r->known ? json_integer(r->first) : json_null());
        json_object_set_new(e, "last_seen",
                            r->known ? json_integer(r->last) : json_null());
        json_object_set_new(e, "active",
                            json_boolean(r->known &&
                                         r->last > t - active_window));
    }
    return list;
}

/* Every miner's day totals of UTC days [?1, ?2] (for daily_fold). */
static const char SQL_DAILY_TOTALS[] =
    "SELECT day, solutions, claims, fees, rewards FROM miner_daily "
    "WHERE day BETWEEN ?1 AND ?2 ORDER BY day";

/* The leaderboard of window w in all three orders (outs[an_sort]). */
static int miners_in_txn(struct db *db, enum an_window w,
                         int64_t active_window, json_t *outs[3])
{
    static int (*const cmp[3])(const void *, const void *) = {
        cmp_by_solutions,
        cmp_by_earnings,
        cmp_by_latency,
    };
    struct mset m = { 0 };
    json_t *o = json_object(), *days = new_list(o, "daily"), *totals = NULL;
    json_t *res[3] = { NULL, NULL, NULL }, *list;
    int64_t t, lo, hi, from;
    int k, ret = -1;

    if (as_of(db, o, &t) < 0)
        goto out;
    window_bounds(w, t, &lo, &hi, &from);
    /* Per-day totals of the 7d and 30d windows' days (24h is not whole
     * days; all-time daily series are on the miner and model pages, and
     * would make this reply grow with the index's age). */
    if (miners_collect(db, w, lo, hi, &m) < 0 ||
        miners_totals(&m, &totals) < 0 ||
        ((w == AN_7D || w == AN_30D) &&
         daily_fold(db, db_query(db, SQL_DAILY_TOTALS, "ii", lo, hi), days) <
             0))
        goto out;
    json_object_set_new(o, "window", json_string(WINDOW_TEXT[w]));
    json_object_set_new(o, "active_window_hours",
                        json_integer(active_window / 3600));
    json_object_set_new(o, "from",
                        w == AN_ALL ? json_null() : json_integer(from));
    json_object_set_new(o, "to", json_integer(t));
    json_object_set_new(o, "totals", totals);
    totals = NULL;
    /* One read, three orders: the shared members are referenced, not
     * copied (the replies are serialised on this thread). */
    for (k = 0; k < 3; k++) {
        if (m.n > 1)
            qsort(m.rows, m.n, sizeof(*m.rows), cmp[k]);
        list = miners_list(&m, t, active_window);
        if (!list)
            goto out;
        res[k] = json_copy(o);
        json_object_set_new(res[k], "sort", json_string(SORT_TEXT[k]));
        json_object_set_new(res[k], "miners", list);
    }
    for (k = 0; k < 3; k++) {
        outs[k] = res[k];
        res[k] = NULL;
    }
    ret = 0;
out:
    for (k = 0; k < 3; k++)
        json_decref(res[k]);
    mset_release(&m);
    json_decref(totals);
    json_decref(o);
    return ret;
}

int analytics_miners_sorts(struct db *db, enum an_window w,
                           int64_t active_window, json_t *outs[3])
{
    int r;

    if (db_read_begin(db) < 0)
        return -1;
    r = miners_in_txn(db, w, active_window, outs);
    db_read_end(db);
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

/* ?1 the address, ?2 the start of the active window.  CROSS JOIN: from
 * the (few) contestations, not the miner's solutions. */
static const char SQL_MINER[] =
    "SELECT address, first_time, last_time, last_time > ?2, solutions, "
    "claims, solutions - claims, "
    "EXISTS (SELECT 1 FROM users WHERE address = ?1), "
    "(SELECT count(*) FROM commitments WHERE addr = ?1), "
    "(SELECT count(*) FROM contestations c CROSS JOIN solutions s "
    "ON s.task = c.task WHERE s.validator = ?1), "
    "(SELECT count(*) FROM contestations WHERE contester = ?1), "
    "(SELECT count(*) FROM votes WHERE voter = ?1) "
    "FROM miners WHERE address = ?1";
/* The same columns for an address that never solved: zeros. */
static const char SQL_NOT_MINER[] =
    "SELECT ?1, NULL, NULL, 0, 0, 0, 0, "
    "EXISTS (SELECT 1 FROM users WHERE address = ?1), "
    "(SELECT count(*) FROM commitments WHERE addr = ?1), 0, "
    "(SELECT count(*) FROM contestations WHERE contester = ?1), "
    "(SELECT count(*) FROM votes WHERE voter = ?1)";
static const struct db_field miner_fields[] = {
    { "address", DB_STR },          { "first_seen", DB_INT },
    { "last_seen", DB_INT },        { "active", DB_BOOL },
    { "solutions", DB_INT },        { "claims", DB_INT },
    { "unclaimed", DB_INT },        { "task_owner", DB_BOOL },
    { "commitments", DB_INT },      { "contestations_against", DB_INT },
    { "contestations_by", DB_INT }, { "votes", DB_INT },
};

/* ?1 the address, ?2 the kind (0 solve latency, 1 claim lag). */
static const char SQL_MINER_LATENCY[] =
    "SELECT secs, n FROM miner_latency "
    "WHERE address = ?1 AND kind = ?2 AND day = -1 ORDER BY secs";

static const char SQL_MINER_ERAS[] =
    "SELECT era, fees, rewards FROM earnings_totals "
    "WHERE address = ?1 AND role = 'validator' ORDER BY era";
static const struct db_field era_fields[] = {
    { "era", DB_INT },
    { "fees", DB_STR },
    { "rewards", DB_STR },
};

static const struct db_field id_field[] = { { "id", DB_STR } };
static const struct db_field solutions_field[] = { { "solutions", DB_INT } };
static const struct db_field tasks_field[] = { { "tasks", DB_INT } };
static const struct db_field recent_head[] = {
    { "task", DB_STR },
    { "model", DB_STR },
};

static const char SQL_MINER_MODELS[] =
    "SELECT model, sum(solutions) FROM miner_daily WHERE address = ?1 "
    "GROUP BY model HAVING sum(solutions) > 0 ORDER BY 2 DESC, 1";
static const struct named MINER_MODELS = {
    id_field, solutions_field, 1, 1, "name",
};

/* As depositor/withdrawer, or as deposit target. */
static const char SQL_MINER_STAKE[] =
    "SELECT kind, block, time, tx, addr, validator, amount "
    "FROM stake_events WHERE addr = ?1 UNION "
    "SELECT kind, block, time, tx, addr, validator, amount "
    "FROM stake_events WHERE validator = ?1 ORDER BY 2 DESC LIMIT 100";
static const struct db_field stake_fields[] = {
    { "kind", DB_STR },   { "block", DB_INT }, { "time", DB_INT },
    { "tx", DB_STR },     { "addr", DB_STR },  { "validator", DB_STR },
    { "amount", DB_STR },
};

static const char SQL_MINER_DAILY[] =
    "SELECT day, solutions, claims, fees, rewards FROM miner_daily "
    "WHERE address = ?1 ORDER BY day";

/* Newest first (solutions_validator index); ?2 the count. */
static const char SQL_MINER_RECENT[] =
    "SELECT s.task, t.model, s.cid_text, m.output_file, m.output_type, "
    "s.time, s.claimed, s.time - t.time FROM solutions s "
    "LEFT JOIN tasks t ON t.id = s.task LEFT JOIN models m ON m.id = t.model "
    "WHERE s.validator = ?1 ORDER BY s.block DESC, s.log_index DESC LIMIT ?2";
static const struct db_field miner_recent_rest[] = {
    { "cid", DB_STR },  { "output_file", DB_STR }, { "output_type", DB_STR },
    { "time", DB_INT }, { "claimed", DB_BOOL },    { "latency", DB_INT },
};
static const struct named MINER_RECENT = {
    recent_head,  miner_recent_rest, 2, ARRAY_SIZE(miner_recent_rest),
    "model_name",
};

/* Sets the exact solve and claim-lag medians of addr on o.  0 or -1. */
static int miner_medians(struct db *db, const char *addr, json_t *o)
{
    int64_t k, r;

    for (k = 0; k < 2; k++) {
        struct hist h = { 0 };

        r = each_row(db, db_query(db, SQL_MINER_LATENCY, "ti", addr, k),
                     hist_row, &h);
        if (r >= 0)
            json_object_set_new(o, MEDIAN_KEY[k], hist_median(&h, NULL));
        hist_release(&h);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* Sets o.earnings: {fees, rewards, total, total_aius, eras:[{era, fees,
 * rewards}]} of addr as a validator.  0 or -1. */
static int miner_earnings(struct db *db, const char *addr, json_t *o)
{
    json_t *e = json_object();
    struct walk w = { .arr = json_array(),
                      .f = era_fields,
                      .nf = ARRAY_SIZE(era_fields),
                      .col = 1,
                      .nsum = 2 };

    json_object_set_new(o, "earnings", e);
    if (walk(db, db_query(db, SQL_MINER_ERAS, "t", addr), &w) < 0 ||
        set_earnings(e, &w.sum[0], &w.sum[1], "total") < 0) {
        json_decref(w.arr);
        return -1;
    }
    json_object_set_new(e, "eras", w.arr);
    return 0;
}

/* analytics_miner inside the read transaction: sets o's members, 1 if
 * rq->key was never a validator. */
static int miner_fill(struct db *db, const struct req *rq, json_t *o)
{
    const char *addr = rq->key;
    struct walk w = { .into = o,
                      .f = miner_fields,
                      .nf = ARRAY_SIZE(miner_fields) };
    int64_t t, n;

    if (as_of(db, o, &t) < 0)
        return -1;
    n = walk(db, db_query(db, SQL_MINER, "ti", addr, t - rq->window), &w);
    json_object_set_new(o, "solver", json_boolean(n > 0));
    /* Every participant has a page; an address that never solved gets
     * the solver's figures as zeros. */
    if (n == 0)
        n = walk(db, db_query(db, SQL_NOT_MINER, "t", addr), &w);
    if (n <= 0)
        return -1;
    n = participant_into(db, addr, o);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    if (miner_medians(db, addr, o) < 0 || miner_earnings(db, addr, o) < 0 ||
        named_into(db, db_query(db, SQL_MINER_MODELS, "t", addr), o, "models",
                   &MINER_MODELS, rq) < 0 ||
        rows_into(db, db_query(db, SQL_MINER_STAKE, "t", addr),
                  new_list(o, "stake_events"), stake_fields,
                  ARRAY_SIZE(stake_fields)) < 0 ||
        /* Counts summed in SQL, amounts exactly in C. */
        daily_fold(db, db_query(db, SQL_MINER_DAILY, "t", addr),
                   new_list(o, "daily")) < 0)
        return -1;
    return named_into(db,
                      db_query(db, SQL_MINER_RECENT, "ti", addr,
                               (int64_t)AN_RECENT),
                      o, "recent", &MINER_RECENT, rq);
}

int analytics_miner(struct db *db, const char *addr, int64_t window,
                    char *const *names, size_t nnames, json_t **outp)
{
    struct req rq = {
        .key = addr, .window = window, .names = names, .nn = nnames
    };

    return reply(db, miner_fill, &rq, outp);
}

/* ---- users ---- */

/* A users row and whether the address is a miner too (columns 0..6). */
#define SQL_USER_COLS                                                  \
    "SELECT u.address, u.tasks, u.tasks_human, u.fees, u.first_time, " \
    "u.last_time, m.address IS NOT NULL"
#define SQL_USER_FROM \
    " FROM users u LEFT JOIN miners m ON m.address = u.address "
#define SQL_USERS(order) \
    SQL_USER_COLS SQL_USER_FROM "ORDER BY " order " LIMIT ?1"

static const struct db_field user_fields[] = {
    { "address", DB_STR },
    { "tasks", DB_INT },
    { "tasks_human", DB_INT },
    { "fees", DB_STR },
};
static const struct db_field user_fields2[] = {
    { "first_seen", DB_INT },
    { "last_seen", DB_INT },
    { "miner", DB_BOOL },
};

/* Sets the fields of SQL_USER_COLS on o (fees_aius after fees). */
static void user_into(json_t *o, sqlite3_stmt *st)
{
    db_row_into(o, st, 0, user_fields, ARRAY_SIZE(user_fields));
    set_aius(o, "fees_aius", st, 3);
    db_row_into(o, st, 4, user_fields2, ARRAY_SIZE(user_fields2));
}

/* each_row() callback: appends the user row to arr. */
static int user_append(sqlite3_stmt *st, void *arr)
{
    json_t *o = json_object();

    user_into(o, st);
    json_array_append_new(arr, o);
    return 0;
}

/* analytics_users inside the read transaction (rq->key: the sort). */
static int users_fill(struct db *db, const struct req *rq, json_t *o)
{
    const char *sql =
        strcmp(rq->key, "fees") == 0
            ? SQL_USERS("length(u.fees) DESC, u.fees DESC, u.address")
        : strcmp(rq->key, "recent") == 0
            ? SQL_USERS("u.last_time DESC, u.address")
            : SQL_USERS("u.tasks DESC, u.address");
    json_t *arr = new_list(o, "users");
    int64_t t, n = 0;

    if (as_of(db, o, &t) < 0 ||
        db_int(db, &n, "SELECT count(*) FROM users", "") < 0)
        return -1;
    json_object_set_new(o, "sort", json_string(rq->key));
    json_object_set_new(o, "total", json_integer(n));
    return each_row(db, db_query(db, sql, "i", (int64_t)AN_LIST_MAX),
                    user_append, arr) < 0
               ? -1
               : 0;
}

int analytics_users(struct db *db, const char *sort, json_t **outp)
{
    struct req rq = { .key = sort };

    return reply(db, users_fill, &rq, outp);
}

static const char SQL_USER[] =
    SQL_USER_COLS ", u.solved, u.images" SQL_USER_FROM "WHERE u.address = ?1";
static const struct db_field user_counts[] = {
    { "solved", DB_INT },
    { "images", DB_INT },
};

static const char SQL_USER_REWARDS[] =
    "SELECT rewards FROM earnings_totals "
    "WHERE address = ?1 AND role = 'task_owner'";

static const char SQL_USER_MODELS[] =
    "SELECT model, count(*) FROM tasks WHERE owner = ?1 "
    "GROUP BY model ORDER BY 2 DESC, 1 LIMIT 50";
static const struct named USER_MODELS = {
    id_field, tasks_field, 1, 1, "name",
};

/* Newest first (tasks_owner index); ?2 the count. */
static const char SQL_USER_RECENT[] =
    "SELECT t.id, t.model, t.fee, t.time, t.prompt, s.cid_text, "
    "m.output_file, m.output_type, s.task IS NOT NULL FROM tasks t "
    "LEFT JOIN solutions s ON s.task = t.id LEFT JOIN models m "
    "ON m.id = t.model WHERE t.owner = ?1 "
    "ORDER BY t.block DESC, t.log_index DESC LIMIT ?2";
static const struct db_field user_recent_rest[] = {
    { "fee", DB_STR },         { "time", DB_INT },
    { "prompt", DB_STR },      { "cid", DB_STR },
    { "output_file", DB_STR }, { "output_type", DB_STR },
    { "solved", DB_BOOL },
};
static const struct named USER_RECENT = {
    recent_head,  user_recent_rest, 2, ARRAY_SIZE(user_recent_rest),
    "model_name",
};

/* The user's row: SQL_USER_COLS, then the solved and images counts. */
static int user_row(sqlite3_stmt *st, void *o)
{
    user_into(o, st);
    db_row_into(o, st, 7, user_counts, ARRAY_SIZE(user_counts));
    return 0;
}

/* analytics_user inside the read transaction: 1 if rq->key owns no
 * task. */
static int user_fill(struct db *db, const struct req *rq, json_t *o)
{
    const char *addr = rq->key;
    struct u256 rew;
    int64_t t, n;

    if (as_of(db, o, &t) < 0)
        return -1;
    n = each_row(db, db_query(db, SQL_USER, "t", addr), user_row, o);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    if (sum_into(db, db_query(db, SQL_USER_REWARDS, "t", addr), &rew) < 0)
        return -1;
    json_object_set_new(o, "owner_rewards", u256_json(&rew));
    json_object_set_new(o, "owner_rewards_aius", u256_aius_json(&rew));
    if (named_into(db, db_query(db, SQL_USER_MODELS, "t", addr), o, "models",
                   &USER_MODELS, rq) < 0)
        return -1;
    return named_into(db,
                      db_query(db, SQL_USER_RECENT, "ti", addr,
                               (int64_t)AN_RECENT),
                      o, "recent", &USER_RECENT, rq);
}

int analytics_user(struct db *db, const char *addr, char *const *names,
                   size_t nnames, json_t **outp)
{
    struct req rq = { .key = addr, .names = names, .nn = nnames };

    return reply(db, user_fill, &rq, outp);
}

/* ---- models ---- */

/* Columns 0..5 of a models row, as model_into reads them. */
#define SQL_MODEL_COLS "SELECT id, title, output_type, output_file, fee, rate"

static const struct db_field model_fields[] = {
    { "title", DB_STR },
    { "output_type", DB_STR },
    { "output_file", DB_STR },
    { "fee", DB_STR },
};
static const struct db_field rate_field[] = { { "rate", DB_STR } };
static const struct named MODEL = {
    id_field, model_fields, 1, ARRAY_SIZE(model_fields), "name",
};

/* The daily rollup's sums of model ?1 (total(): never NULL). */
static const char SQL_MODEL_SUMS[] =
    "SELECT CAST(total(tasks) AS INTEGER), CAST(total(solved) AS INTEGER), "
    "CAST(total(claims) AS INTEGER) FROM daily WHERE model = ?1";
static const struct db_field model_sums[] = {
    { "tasks", DB_INT },
    { "solutions", DB_INT },
    { "claims", DB_INT },
};

static const char SQL_MODEL_FEES[] =
    "SELECT fees FROM daily WHERE model = ?1 AND fees != '0'";

/* What a models row becomes: an entry of the list, or the one model's
 * reply (with its as_of after the model's fields). */
struct model_walk {
    struct db *db;
    const struct req *rq;
    json_t *arr;   /* the list, or NULL: */
    json_t *o;     /* the reply */
    json_t *as_of; /* borrowed */
};

/*
 * Sets on o the model of the current row of st (SQL_MODEL_COLS) and its
 * daily sums: {id, name, title, output_type, output_file, fee, fee_aius,
 * rate, tasks, solutions, claims, task_fees, task_fees_aius}.  0 or -1.
 */
static int model_into(struct model_walk *mw, sqlite3_stmt *st, json_t *o)
{
    const char *id = (const char *)sqlite3_column_text(st, 0);
    struct walk w = { .into = o,
                      .f = model_sums,
                      .nf = ARRAY_SIZE(model_sums) };
    struct u256 fees;

    named_row_into(o, st, &MODEL, mw->rq);
    set_aius(o, "fee_aius", st, 4);
    db_row_into(o, st, 5, rate_field, 1);
    if (walk(mw->db, db_query(mw->db, SQL_MODEL_SUMS, "t", id), &w) < 0 ||
        sum_into(mw->db, db_query(mw->db, SQL_MODEL_FEES, "t", id), &fees) < 0)
        return -1;
    json_object_set_new(o, "task_fees", u256_json(&fees));
    json_object_set_new(o, "task_fees_aius", u256_aius_json(&fees));
    return 0;
}

/* each_row() callback: appends the models row to the list. */
static int model_append(sqlite3_stmt *st, void *ctx)
{
    struct model_walk *mw = ctx;
    json_t *o = json_object();

    json_array_append_new(mw->arr, o);
    return model_into(mw, st, o);
}

/* qsort() order of model objects: most tasks first, then by id. */
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

/* analytics_models inside the read transaction.  The order is by the
 * tasks model_into has summed already: sorting in SQL would read the
 * daily rollup a second time. */
static int models_fill(struct db *db, const struct req *rq, json_t *o)
{
    struct model_walk mw = { db, rq, NULL, NULL, NULL };
    json_t **v;
    size_t i, n;
    int64_t t;

    if (as_of(db, o, &t) < 0)
        return -1;
    mw.arr = new_list(o, "models");
    if (each_row(db, db_query(db, SQL_MODEL_COLS " FROM models", ""),
                 model_append, &mw) < 0)
        return -1;
    n = json_array_size(mw.arr);
    v = xcalloc(n + 1, sizeof(*v));
    for (i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(mw.arr, i));
    qsort(v, n, sizeof(*v), cmp_tasks_desc);
    json_array_clear(mw.arr);
    for (i = 0; i < n; i++)
        json_array_append_new(mw.arr, v[i]);
    free(v);
    return 0;
}

int analytics_models(struct db *db, char *const *names, size_t nn,
                     json_t **outp)
{
    struct req rq = { .names = names, .nn = nn };

    return reply(db, models_fill, &rq, outp);
}

/* The string member key of object v, or null; borrowed. */
static json_t *str_member(json_t *v, const char *key)
{
    json_t *s = json_object_get(v, key);

    return json_is_string(s) ? s : json_null();
}

/* Template fields and outputs of a template JSON text, or null. */
static json_t *template_json(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    json_t *fields, *outs, *v;
    size_t i;

    if (!json_is_object(j)) {
        json_decref(j);
        return json_null();
    }
    fields = json_array();
    outs = json_array();
    json_array_foreach(json_object_get(j, "input"), i, v) {
        json_t *def = json_object_get(v, "default");

        if (!json_is_object(v))
            continue;
        json_array_append_new(fields,
                              json_pack("{s:O,s:O,s:b,s:O,s:O}", "variable",
                                        str_member(v, "variable"), "type",
                                        str_member(v, "type"), "required",
                                        json_is_true(
                                            json_object_get(v, "required")),
                                        "default", def ? def : json_null(),
                                        "description",
                                        str_member(v, "description")));
    }
    json_array_foreach(json_object_get(j, "output"), i, v) {
        if (!json_is_object(v))
            continue;
        json_array_append_new(outs, json_pack("{s:O,s:O}", "filename",
                                              str_member(v, "filename"),
                                              "type", str_member(v, "type")));
    }
    json_decref(j);
    return json_pack("{s:o,s:o}", "fields", fields, "outputs", outs);
}

static const char SQL_MODEL[] =
    SQL_MODEL_COLS ", addr, cid, block, time, tx, template_json, source, "
                   "template_error, template_next FROM models WHERE id = ?1";
static const struct db_field model_source[] = {
    { "source", DB_STR },
    { "template_error", DB_STR },
    { "template_next", DB_JSON },
};
static const struct db_field model_more[] = {
    { "addr", DB_STR },
    { "cid", DB_STR },
};
static const struct db_field registered_fields[] = {
    { "block", DB_INT },
    { "time", DB_INT },
    { "tx", DB_STR },
};

/* The one model's row: model_into, then as_of, addr, cid, registered,
 * template (columns 6..11). */
static int model_row(sqlite3_stmt *st, void *ctx)
{
    struct model_walk *mw = ctx;
    json_t *reg = json_object();

    if (model_into(mw, st, mw->o) < 0) {
        json_decref(reg);
        return -1;
    }
    json_object_set(mw->o, "as_of", mw->as_of);
    db_row_into(mw->o, st, 6, model_more, ARRAY_SIZE(model_more));
    db_row_into(reg, st, 8, registered_fields, ARRAY_SIZE(registered_fields));
    json_object_set_new(mw->o, "registered", reg);
    json_object_set_new(mw->o, "template",
                        template_json(
                            (const char *)sqlite3_column_text(st, 11)));
    db_row_into(mw->o, st, 12, model_source, ARRAY_SIZE(model_source));
    return 0;
}

static const char SQL_MODEL_DAILY[] =
    "SELECT day, tasks, solved, claims FROM daily WHERE model = ?1 "
    "ORDER BY day";
static const struct db_field model_day_fields[] = {
    { "day", DB_INT },
    { "tasks", DB_INT },
    { "solutions", DB_INT },
    { "claims", DB_INT },
};

static const char SQL_MODEL_MINERS[] =
    "SELECT address, sum(solutions) FROM miner_daily WHERE model = ?1 "
    "GROUP BY address HAVING sum(solutions) > 0 ORDER BY 2 DESC, 1 LIMIT 20";
static const struct db_field address_solutions[] = {
    { "address", DB_STR },
    { "solutions", DB_INT },
};

/* analytics_model inside the read transaction: 1 if rq->key is not a
 * model. */
static int model_fill(struct db *db, const struct req *rq, json_t *o)
{
    json_t *head = json_object();
    struct model_walk mw = { db, rq, NULL, o, NULL };
    int64_t t, n = -1;

    if (as_of(db, head, &t) == 0) {
        mw.as_of = json_object_get(head, "as_of");
        n = each_row(db, db_query(db, SQL_MODEL, "t", rq->key), model_row,
                     &mw);
    }
    json_decref(head);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    if (rows_into(db, db_query(db, SQL_MODEL_DAILY, "t", rq->key),
                  new_list(o, "daily"), model_day_fields,
                  ARRAY_SIZE(model_day_fields)) < 0)
        return -1;
    return rows_into(db, db_query(db, SQL_MODEL_MINERS, "t", rq->key),
                     new_list(o, "miners"), address_solutions,
                     ARRAY_SIZE(address_solutions));
}

int analytics_model(struct db *db, const char *id, char *const *names,
                    size_t nnames, json_t **outp)
{
    struct req rq = { .key = id, .names = names, .nn = nnames };

    return reply(db, model_fill, &rq, outp);
}

/* ---- payouts, recent miners, earnings ---- */

/* ?3: every row, or (0) only rows whose task is not automine. */
static const char SQL_PAID[] =
    "SELECT e.amount FROM earnings e LEFT JOIN tasks t ON t.id = e.task "
    "WHERE e.time > ?1 AND e.time <= ?2 "
    "AND (?3 OR coalesce(t.automine, 0) = 0)";

int analytics_paid_between(struct db *db, int64_t t0, int64_t t1, int show,
                           char out[80])
{
    struct u256 sum;

    if (sum_into(db,
                 db_query(db, SQL_PAID, "iii", t0, t1,
                          (int64_t)(show ? 1 : 0)),
                 &sum) < 0)
        return -1;
    if (u256_to_dec(&sum, out, 80) < 0) {
        log_warnx("analytics: payout sum does not fit");
        return -1;
    }
    return 0;
}

/* Miners seen since ?1; ?2 the start of the active window. */
static const char SQL_RECENT_MINERS[] =
    "SELECT m.address, "
    "(SELECT count(*) FROM solutions s "
    "WHERE s.validator = m.address AND s.time > ?1), "
    "(SELECT count(*) FROM solutions s "
    "WHERE s.validator = m.address AND s.claim_time > ?1), "
    "m.solutions, m.claims, m.first_time, m.last_time, m.last_time > ?2 "
    "FROM miners m WHERE m.last_time > ?1 ORDER BY 2 DESC, 1";
static const struct db_field recent_miner_fields[] = {
    { "address", DB_STR },      { "solutions", DB_INT },
    { "claims", DB_INT },       { "total_solutions", DB_INT },
    { "total_claims", DB_INT }, { "first_seen", DB_INT },
    { "last_seen", DB_INT },    { "active", DB_BOOL },
};

/* Commitments since ?1 without a solution: would-be miners, or helper
 * contracts that signal for them (SignalCommitment.addr). */
static const char SQL_COMMITTERS[] =
    "SELECT addr, count(*), max(time) FROM commitments "
    "WHERE time > ?1 AND addr NOT IN (SELECT address FROM miners) "
    "GROUP BY addr ORDER BY 2 DESC, 1";
static const struct db_field committer_fields[] = {
    { "address", DB_STR },
    { "commitments", DB_INT },
    { "last_seen", DB_INT },
};

/* analytics_miners_recent inside the read transaction. */
static int recent_fill(struct db *db, const struct req *rq, json_t *o)
{
    json_t *arr = new_list(o, "miners");
    int64_t t;

    if (as_of(db, o, &t) < 0)
        return -1;
    json_object_set_new(o, "seconds", json_integer(rq->seconds));
    if (rows_into(db,
                  db_query(db, SQL_RECENT_MINERS, "ii", t - rq->seconds,
                           t - rq->window),
                  arr, recent_miner_fields,
                  ARRAY_SIZE(recent_miner_fields)) < 0)
        return -1;
    return rows_into(db, db_query(db, SQL_COMMITTERS, "i", t - rq->seconds),
                     new_list(o, "committers"), committer_fields,
                     ARRAY_SIZE(committer_fields));
}

int analytics_miners_recent(struct db *db, int64_t seconds, int64_t window,
                            json_t **outp)
{
    struct req rq = { .seconds = seconds, .window = window };

    return reply(db, recent_fill, &rq, outp);
}

/* ?1 one address, or NULL for all. */
static const char SQL_EARNINGS[] =
    "SELECT address, era, fees, rewards FROM earnings_totals "
    "WHERE role = 'validator' AND (?1 IS NULL OR address = ?1) "
    "ORDER BY address, era";
static const struct db_field earning_fields[] = {
    { "address", DB_STR },
    { "era", DB_INT },
    { "fees", DB_STR },
    { "rewards", DB_STR },
};

/* analytics_earnings inside the read transaction. */
static int earnings_fill(struct db *db, const struct req *rq, json_t *o)
{
    struct walk w = { .arr = new_list(o, "rows"),
                      .f = earning_fields,
                      .nf = ARRAY_SIZE(earning_fields),
                      .col = 2,
                      .nsum = 2 };
    json_t *tot = json_object();
    int64_t t;

    if (as_of(db, o, &t) < 0 ||
        walk(db, db_query(db, SQL_EARNINGS, "t", rq->key), &w) < 0 ||
        set_earnings(tot, &w.sum[0], &w.sum[1], "earnings") < 0) {
        json_decref(tot);
        return -1;
    }
    json_object_set_new(o, "totals", tot);
    return 0;
}

int analytics_earnings(struct db *db, const char *addr, json_t **outp)
{
    struct req rq = { .key = addr };

    return reply(db, earnings_fill, &rq, outp);
}
