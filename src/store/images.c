/*
 * images.c - the gallery's SQL: keyset pages, search, lookup, detail.
 *
 * Every page query walks one index in the page's order and stops after
 * limit + 1 rows: the outer loop is pinned with CROSS JOIN (tasks, or the
 * FTS table for a text query), and the conditions repeat the partial
 * indexes' WHERE clauses word for word so the planner may use them
 * (migrations/0004_gallery_index.sql).  A date range becomes a block range
 * through tasks_time, so it narrows the index scan too.
 */
#include "arbiusd/images.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/cid.h"
#include "arbiusd/log.h"
#include "arbiusd/queries.h"


static sqlite3_stmt *prep(struct db *db, const char *sql)
{
    return db_prepare(db, sql, "images: prepare");
}

static json_t *col(sqlite3_stmt *st, int i)
{
    json_t *v = NULL;

    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        v = json_integer(sqlite3_column_int64(st, i));
        break;
    case SQLITE_FLOAT:
        v = json_real(sqlite3_column_double(st, i));
        break;
    case SQLITE_TEXT:
        v = json_stringn((const char *)sqlite3_column_text(st, i),
                         (size_t)sqlite3_column_bytes(st, i));
        break;
    default:
        break;
    }
    return v ? v : json_null();
}

static void bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);

    if (i > 0)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);

    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

static void bind_double(sqlite3_stmt *st, const char *name, double v)
{
    int i = sqlite3_bind_parameter_index(st, name);

    if (i > 0)
        sqlite3_bind_double(st, i, v);
}

int images_fts_query(const char *q, struct buf *out)
{
    const char *p = q;
    int terms = 0;

    buf_reset(out);
    while (*p) {
        const char *s;

        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
               *p == '\f' || *p == '\v')
            p++;
        if (!*p)
            break;
        s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
               *p != '\f' && *p != '\v')
            p++;
        if (++terms > IMAGES_MAX_TERMS)
            return -1;
        if ((out->len && buf_addch(out, ' ') < 0) || buf_addch(out, '"') < 0)
            return -1;
        for (; s < p; s++)
            if ((*s == '"' && buf_addch(out, '"') < 0) ||
                buf_addch(out, *s) < 0)
                return -1;
        if (buf_addch(out, '"') < 0)
            return -1;
    }
    return terms ? 0 : -1;
}

/* ---- pages ---- */

/* One run of a page query: which rows, in which direction. */
enum seg_kind {
    SEG_CHAIN,                    /* every row, by (block, log_index) */
    SEG_UPVOTED,                  /* upvotes > 0, by (upvotes, block, log) */
    SEG_UNVOTED,                  /* upvotes = 0, by (block, log_index) */
    SEG_RANK,                     /* text query, by (rank, block, log) */
    SEG_FTS_CHAIN,                /* text query, by (block, log_index) */
};

struct seg {
    enum seg_kind kind;
    int desc;                     /* descending order */
    int keyed;                    /* start after the cursor's key */
    int by_miner;                 /* drive from the miner's solutions */
};

/*
 * A miner filter walks tasks in page order and skips other miners' rows,
 * which is cheap for a miner with a fair share of the solutions and slow
 * for a rare one.  Below this many solutions, the page is read from the
 * miner's own rows (solutions_validator) and sorted instead: at most this
 * many rows, whatever the index size.
 */
#define IMAGES_RARE_MINER 20000

struct row_key {
    int64_t block, log_index, upvotes;
    double rank;
};

#define ITEM_COLS                                                            \
    "t.id, t.model, m.title, m.output_file, t.prompt, t.owner, "            \
    "so.validator, t.fee, t.time, t.block, t.log_index, t.tx, so.time, "    \
    "so.block, so.tx, so.cid_text, t.upvotes, t.automine, ic.status"
#define ITEM_NCOLS 19

static int build_sql(struct buf *b, const struct images_filter *f,
                     const struct seg *sg)
{
    int fts = sg->kind == SEG_RANK || sg->kind == SEG_FTS_CHAIN;
    const char *cmp = sg->desc ? "<" : ">";
    const char *dir = sg->desc ? "DESC" : "ASC";
    int r = 0;

    r |= buf_adds(b, "SELECT " ITEM_COLS);
    if (!fts && sg->by_miner)
        r |= buf_adds(b, ", 0.0 FROM solutions so CROSS JOIN tasks t "
                         "ON t.id = so.task ");
    else if (fts)
        r |= buf_adds(b, ", f.rank FROM prompts_fts f CROSS JOIN tasks t "
                         "ON t.rowid = f.rowid ");
    else
        r |= buf_adds(b, ", 0.0 FROM tasks t ");
    if (fts || !sg->by_miner)
        r |= buf_adds(b, "CROSS JOIN solutions so ON so.task = t.id ");
    r |= buf_adds(b, "CROSS JOIN models m ON m.id = t.model "
                     "LEFT JOIN ipfs_cids ic ON ic.cid = so.cid_text "
                     "WHERE m.output_type = 'image' ");
    if (fts)
        r |= buf_adds(b, "AND prompts_fts MATCH :match ");
    /* Spelled exactly as the partial indexes' WHERE clauses. */
    if (!f->show_automine)
        r |= buf_adds(b, "AND t.automine = 0 AND t.hidden = 0 ");
    else
        r |= buf_adds(b, "AND t.hidden = 0 ");
    if (f->model[0])
        r |= buf_adds(b, "AND t.model = :model ");
    if (f->creator[0])
        r |= buf_adds(b, "AND t.owner = :creator ");
    if (f->miner[0])
        r |= buf_adds(b, "AND so.validator = :miner ");
    if (f->from_time >= 0)
        r |= buf_adds(b, "AND t.block >= coalesce((SELECT block FROM tasks "
                         "WHERE time >= :from ORDER BY time, block LIMIT 1), "
                         "4611686018427387904) ");
    if (f->to_time >= 0)
        r |= buf_adds(b, "AND t.block <= coalesce((SELECT block FROM tasks "
                         "WHERE time < :to ORDER BY time DESC, block DESC "
                         "LIMIT 1), -1) ");
    switch (sg->kind) {
    case SEG_CHAIN:
    case SEG_UNVOTED:
        if (sg->kind == SEG_UNVOTED)
            r |= buf_adds(b, "AND t.upvotes = 0 ");
        if (sg->keyed)
            r |= buf_addf(b, "AND (t.block, t.log_index) %s (:kb, :kl) ", cmp);
        r |= buf_addf(b, "ORDER BY t.block %s, t.log_index %s ", dir, dir);
        break;
    case SEG_UPVOTED:
        r |= buf_adds(b, "AND t.upvotes > 0 ");
        if (sg->keyed)
            r |= buf_addf(b, "AND (t.upvotes, t.block, t.log_index) %s "
                             "(:ku, :kb, :kl) ", cmp);
        r |= buf_addf(b, "ORDER BY t.upvotes %s, t.block %s, t.log_index %s ",
                      dir, dir, dir);
        break;
    case SEG_RANK:
        if (sg->keyed)
            r |= buf_addf(b, "AND (f.rank, t.block, t.log_index) %s "
                             "(:kr, :kb, :kl) ", cmp);
        r |= buf_addf(b, "ORDER BY f.rank %s, t.block %s, t.log_index %s ",
                      dir, dir, dir);
        break;
    case SEG_FTS_CHAIN:
        if (sg->keyed)
            r |= buf_addf(b, "AND (t.block, t.log_index) %s (:kb, :kl) ", cmp);
        r |= buf_addf(b, "ORDER BY t.block %s, t.log_index %s ", dir, dir);
        break;
    }
    r |= buf_adds(b, "LIMIT :limit");
    return r ? -1 : 0;
}

/* The item object of the current row. */
static json_t *row_item(sqlite3_stmt *st, const char *gateway)
{
    json_t *o = json_object();
    const char *cid = (const char *)sqlite3_column_text(st, 15);
    const char *file = (const char *)sqlite3_column_text(st, 3);
    const char *status = (const char *)sqlite3_column_text(st, 18);
    json_t *url = json_null();

    json_object_set_new(o, "id", col(st, 0));
    json_object_set_new(o, "model", col(st, 1));
    json_object_set_new(o, "model_title", col(st, 2));
    json_object_set_new(o, "prompt", col(st, 4));
    json_object_set_new(o, "creator", col(st, 5));
    json_object_set_new(o, "miner", col(st, 6));
    json_object_set_new(o, "fee", col(st, 7));
    json_object_set_new(o, "time", col(st, 8));
    json_object_set_new(o, "block", col(st, 9));
    json_object_set_new(o, "log_index", col(st, 10));
    json_object_set_new(o, "tx", col(st, 11));
    json_object_set_new(o, "solution_time", col(st, 12));
    json_object_set_new(o, "solution_block", col(st, 13));
    json_object_set_new(o, "solution_tx", col(st, 14));
    json_object_set_new(o, "cid", col(st, 15));
    json_object_set_new(o, "output_file", col(st, 3));
    if (cid && gateway && *gateway) {
        struct buf b = BUF_INIT(4096);

        if (cid_gateway_url(&b, gateway, cid, file) == 0)
            url = json_stringn(b.data, b.len);
        buf_release(&b);
    }
    json_object_set_new(o, "image_url", url ? url : json_null());
    json_object_set_new(o, "upvotes", col(st, 16));
    json_object_set_new(o, "automine",
                        json_boolean(sqlite3_column_int(st, 17)));
    json_object_set_new(o, "ipfs_status",
                        json_string(!cid      ? "invalid_cid"
                                    : status ? status
                                             : "unchecked"));
    return o;
}

/*
 * Runs one segment for at most want rows, appending items and keys.
 * Returns the number of rows read, or -1.
 */
static int run_seg(struct db *db, const struct images_filter *f,
                   const struct seg *sg, int want, const char *gateway,
                   json_t *items, struct row_key *keys, size_t nkeys)
{
    struct buf sql = BUF_INIT(8192);
    sqlite3_stmt *st = NULL;
    int n = 0, rc, ret = -1;

    if (build_sql(&sql, f, sg) < 0) {
        log_warnx("images: query too long");
        goto out;
    }
    st = prep(db, sql.data);
    if (!st)
        goto out;
    bind_text(st, ":match", f->match);
    bind_text(st, ":model", f->model);
    bind_text(st, ":creator", f->creator);
    bind_text(st, ":miner", f->miner);
    bind_int(st, ":from", f->from_time);
    bind_int(st, ":to", f->to_time);
    bind_int(st, ":kb", f->cursor.block);
    bind_int(st, ":kl", f->cursor.log_index);
    bind_int(st, ":ku", f->cursor.upvotes);
    bind_double(st, ":kr", f->cursor.rank);
    bind_int(st, ":limit", want);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = json_array_size(items);

        if (i < nkeys) {
            keys[i].block = sqlite3_column_int64(st, 9);
            keys[i].log_index = sqlite3_column_int64(st, 10);
            keys[i].upvotes = sqlite3_column_int64(st, 16);
            keys[i].rank = sqlite3_column_double(st, ITEM_NCOLS);
        }
        json_array_append_new(items, row_item(st, gateway));
        n++;
    }
    if (rc != SQLITE_DONE) {
        db_log_error(db, "images: page");
        goto out;
    }
    ret = n;
out:
    sqlite3_finalize(st);
    buf_release(&sql);
    return ret;
}

/* 1 if miner has fewer than IMAGES_RARE_MINER solutions, 0 if not,
 * -1 on error. */
static int miner_is_rare(struct db *db, const char *miner)
{
    sqlite3_stmt *st = prep(db, "SELECT solutions FROM miners "
                                "WHERE address = ?1");
    int rc, ret = -1;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, miner, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = sqlite3_column_int64(st, 0) < IMAGES_RARE_MINER;
    else if (rc == SQLITE_DONE)
        ret = 1;
    else
        db_log_error(db, "images: miner");
    sqlite3_finalize(st);
    return ret;
}

static void key_cursor(const struct row_key *k, enum cursor_sort sort,
                       int before, struct cursor *c)
{
    memset(c, 0, sizeof(*c));
    c->sort = (uint8_t)sort;
    c->before = (uint8_t)before;
    c->block = k->block;
    c->log_index = k->log_index;
    c->upvotes = sort == CURSOR_UPVOTES ? k->upvotes : 0;
    c->rank = sort == CURSOR_RELEVANCE ? k->rank : 0;
}

int images_list(struct db *db, const struct images_filter *f,
                const char *gateway, struct images_page *out)
{
    struct seg segs[2];
    size_t nseg = 0, i;
    int before = f->has_cursor && f->cursor.before;
    int desc, want = f->limit + 1, got = 0, n, ret = -1;
    struct row_key *keys = xcalloc((size_t)want, sizeof(*keys));
    json_t *items = json_array();

    /* Reading "before" the key walks the opposite way, then reverses. */
    desc = f->sort == CURSOR_NEWEST || f->sort == CURSOR_UPVOTES;
    if (before)
        desc = !desc;
    memset(segs, 0, sizeof(segs));
    if (f->match) {
        segs[0].kind = f->sort == CURSOR_RELEVANCE ? SEG_RANK : SEG_FTS_CHAIN;
        segs[0].desc = desc;
        segs[0].keyed = f->has_cursor;
        nseg = 1;
    } else if (f->sort != CURSOR_UPVOTES) {
        segs[0].kind = SEG_CHAIN;
        segs[0].desc = desc;
        segs[0].keyed = f->has_cursor;
        nseg = 1;
    } else if (!before) {
        /* Upvoted rows first (the partial index), then the rest. */
        if (!f->has_cursor || f->cursor.upvotes > 0) {
            segs[nseg++] = (struct seg){ SEG_UPVOTED, 1, f->has_cursor, 0 };
            segs[nseg++] = (struct seg){ SEG_UNVOTED, 1, 0, 0 };
        } else {
            segs[nseg++] = (struct seg){ SEG_UNVOTED, 1, 1, 0 };
        }
    } else {
        if (f->cursor.upvotes == 0) {
            segs[nseg++] = (struct seg){ SEG_UNVOTED, 0, 1, 0 };
            segs[nseg++] = (struct seg){ SEG_UPVOTED, 0, 0, 0 };
        } else {
            segs[nseg++] = (struct seg){ SEG_UPVOTED, 0, 1, 0 };
        }
    }
    if (f->miner[0] && !f->match) {
        int rare = miner_is_rare(db, f->miner);

        if (rare < 0)
            goto out;
        for (i = 0; i < nseg; i++)
            segs[i].by_miner = rare;
    }
    for (i = 0; i < nseg && got < want; i++) {
        n = run_seg(db, f, &segs[i], want - got, gateway, items, keys,
                    (size_t)want);
        if (n < 0)
            goto out;
        got += n;
    }
    memset(out, 0, sizeof(*out));
    if (got > f->limit) {
        json_array_remove(items, (size_t)f->limit);
        got = f->limit;
        if (before)
            out->has_prev = 1;
        else
            out->has_next = 1;
    }
    if (before) {
        /* Back to the page's order. */
        json_t *rev = json_array();
        struct row_key tmp;

        for (i = (size_t)got; i-- > 0;)
            json_array_append(rev, json_array_get(items, i));
        json_decref(items);
        items = rev;
        for (i = 0; i < (size_t)got / 2; i++) {
            tmp = keys[i];
            keys[i] = keys[got - 1 - i];
            keys[got - 1 - i] = tmp;
        }
        out->has_next = 1;
    } else if (f->has_cursor) {
        out->has_prev = 1;
    }
    if (got == 0 && before) {
        /* Nothing precedes the key: it is on the first page, show that. */
        struct images_filter first = *f;

        first.has_cursor = 0;
        json_decref(items);
        items = NULL;
        free(keys);
        return images_list(db, &first, gateway, out);
    }
    if (got == 0) {
        /* An empty page past the end (rows went away): the way back. */
        out->has_prev = 0;
        if (f->has_cursor) {
            out->has_prev = 1;
            out->prev = f->cursor;
            out->prev.before = 1;
        }
    } else {
        if (out->has_next)
            key_cursor(&keys[got - 1], f->sort, 0, &out->next);
        if (out->has_prev)
            key_cursor(&keys[0], f->sort, 1, &out->prev);
    }
    out->items = items;
    items = NULL;
    ret = 0;
out:
    json_decref(items);
    free(keys);
    return ret;
}

void images_page_release(struct images_page *pg)
{
    if (!pg)
        return;
    json_decref(pg->items);
    pg->items = NULL;
}

int images_models(struct db *db, json_t **outp)
{
    sqlite3_stmt *st = prep(db, "SELECT id, coalesce(title, id) FROM models "
                                "WHERE output_type = 'image' "
                                "ORDER BY 2, 1");
    json_t *a = json_array();
    int rc, ret = -1;

    if (!st)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(a, json_pack("{s:o,s:o}", "id", col(st, 0),
                                           "title", col(st, 1)));
    if (rc != SQLITE_DONE) {
        db_log_error(db, "images: models");
        goto out;
    }
    *outp = a;
    a = NULL;
    ret = 0;
out:
    sqlite3_finalize(st);
    json_decref(a);
    return ret;
}

/* ---- lookup ---- */

static int is_hex_n(const char *s, size_t n)
{
    size_t i;

    if (strlen(s) != n + 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    for (i = 2; i < n + 2; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return 0;
    return 1;
}

static void lower_copy(const char *s, char *out, size_t n)
{
    size_t i;

    for (i = 0; i < n && s[i]; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    out[i] = '\0';
}

/* First visible task id of sql (one text parameter) into out; 0, 1, -1. */
static int lookup_one(struct db *db, const char *sql, const char *arg,
                      char *out, size_t outsz)
{
    sqlite3_stmt *st = prep(db, sql);
    int rc, ret = -1;

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
        ret = 0;
    } else if (rc == SQLITE_DONE) {
        ret = 1;
    } else {
        db_log_error(db, "images: lookup");
    }
    sqlite3_finalize(st);
    return ret;
}

int images_lookup(struct db *db, const char *q, char *out, size_t outsz)
{
    char key[80], id[80], raw[80];
    uint8_t mh[CID_V0_LEN];
    size_t n;
    int r;

    while (*q == ' ' || *q == '\t')
        q++;
    n = strlen(q);
    while (n && (q[n - 1] == ' ' || q[n - 1] == '\t'))
        n--;
    if (n >= sizeof(key))
        return 2;
    memcpy(raw, q, n);
    raw[n] = '\0';
    q = raw;
    lower_copy(q, key, sizeof(key) - 1);
    if (is_hex_n(key, 64)) {
        r = lookup_one(db, "SELECT id FROM tasks WHERE id = ?1 AND hidden = 0",
                       key, id, sizeof(id));
        if (r == 1)
            r = lookup_one(db, "SELECT id FROM tasks WHERE tx = ?1 AND "
                               "hidden = 0 ORDER BY block, log_index LIMIT 1",
                           key, id, sizeof(id));
        if (r == 1)
            r = lookup_one(db, "SELECT so.task FROM solutions so JOIN tasks t "
                               "ON t.id = so.task WHERE so.tx = ?1 AND "
                               "t.hidden = 0 ORDER BY so.block, so.log_index "
                               "LIMIT 1",
                           key, id, sizeof(id));
        if (r == 1)
            r = lookup_one(db, "SELECT so.task FROM solutions so JOIN tasks t "
                               "ON t.id = so.task WHERE so.claim_tx = ?1 AND "
                               "so.claim_block IS NOT NULL AND t.hidden = 0 "
                               "ORDER BY so.claim_block LIMIT 1",
                           key, id, sizeof(id));
        if (r == 0)
            snprintf(out, outsz, "/image/%s", id);
        return r;
    }
    if (is_hex_n(key, 40)) {
        r = lookup_one(db, "SELECT address FROM miners WHERE address = ?1",
                       key, id, sizeof(id));
        if (r < 0)
            return -1;
        snprintf(out, outsz, "/%s/%s", r == 0 ? "miner" : "user", key);
        return 0;
    }
    /* CIDs are case-sensitive base58: use q as given. */
    if (strlen(key) == CID_V0_TEXT_LEN &&
        cid_parse_v0(q, CID_V0_TEXT_LEN, mh) == 0) {
        r = lookup_one(db, "SELECT so.task FROM solutions so JOIN tasks t "
                           "ON t.id = so.task WHERE so.cid_text = ?1 AND "
                           "t.hidden = 0 ORDER BY so.block LIMIT 1",
                       q, id, sizeof(id));
        if (r == 0)
            snprintf(out, outsz, "/image/%s", id);
        return r;
    }
    return 2;
}

/* ---- detail ---- */

static const char *const PUBLIC_GATEWAYS[] = {
    "https://ipfs.io", "https://dweb.link", "https://w3s.link",
};

static json_t *gateway_links(const char *const *gw, size_t ngw,
                             const char *cid, const char *file)
{
    json_t *a = json_array();
    size_t i, j;

    for (i = 0; i < ngw + ARRAY_SIZE(PUBLIC_GATEWAYS); i++) {
        const char *g = i < ngw ? gw[i] : PUBLIC_GATEWAYS[i - ngw];
        struct buf b = BUF_INIT(4096);
        int dup = 0;

        for (j = 0; i >= ngw && j < ngw; j++)
            if (strncmp(gw[j], g, strlen(g)) == 0)
                dup = 1;
        if (!dup && cid_gateway_url(&b, g, cid, file) == 0) {
            const char *host = strstr(g, "://");

            host = host ? host + 3 : g;
            json_array_append_new(
                a, json_pack("{s:s%,s:s%}", "name", host,
                             strcspn(host, "/"), "url", b.data, b.len));
        }
        buf_release(&b);
    }
    return a;
}

int images_detail(struct db *db, const char *id, const char *const *gateways,
                  size_t ngateways, json_t **outp)
{
    sqlite3_stmt *st = NULL;
    json_t *o = NULL, *ipfs, *hist;
    const char *cid, *file;
    int r, rc, ret = -1;

    r = queries_task(db, id, &o);
    if (r != 0)
        return r;
    st = prep(
        db, "SELECT t.hidden, t.upvotes, t.retracted, m.id, m.title, "
            "m.output_type, m.output_file, so.cid_text, "
            "ic.status, ic.first_seen, ic.last_check, ic.next_check, "
            "ic.attempts, ic.ok_gateways, ic.latency_ms, ic.content_type, "
            "ic.size, ic.text, "
            "s.safe_block, so.block, so.time, t.time, so.claim_time, "
            "c.contester, c.block, c.tx, c.time, c.finish_block, "
            "(SELECT count(*) FROM votes v WHERE v.task = t.id AND v.yea), "
            "(SELECT count(*) FROM votes v WHERE v.task = t.id AND NOT v.yea), "
            "so.task IS NOT NULL, ic.cid IS NOT NULL "
            "FROM tasks t LEFT JOIN models m ON m.id = t.model "
            "LEFT JOIN solutions so ON so.task = t.id "
            "LEFT JOIN ipfs_cids ic ON ic.cid = so.cid_text "
            "LEFT JOIN contestations c ON c.task = t.id "
            "LEFT JOIN scan_state s ON s.id = 1 "
            "WHERE t.id = ?1");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, json_string_value(json_object_get(o, "id")), -1,
                      SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE || (rc == SQLITE_ROW && sqlite3_column_int(st, 0))) {
        ret = 1; /* hidden by an admin: as if it did not exist */
        goto out;
    }
    if (rc != SQLITE_ROW) {
        db_log_error(db, "images: detail");
        goto out;
    }
    json_object_set_new(o, "upvotes", col(st, 1));
    json_object_set_new(o, "retracted",
                        json_boolean(sqlite3_column_int(st, 2)));
    json_object_set_new(
        o, "model_info",
        sqlite3_column_type(st, 3) == SQLITE_NULL
            ? json_null()
            : json_pack("{s:o,s:o,s:o,s:o}", "id", col(st, 3), "title",
                        col(st, 4), "output_type", col(st, 5), "output_file",
                        col(st, 6)));
    cid = (const char *)sqlite3_column_text(st, 7);
    file = (const char *)sqlite3_column_text(st, 6);
    {
        json_t *url = json_null();

        if (cid && ngateways) {
            struct buf b = BUF_INIT(4096);

            if (cid_gateway_url(&b, gateways[0], cid, file) == 0)
                url = json_stringn(b.data, b.len);
            buf_release(&b);
        }
        json_object_set_new(o, "output_url", url ? url : json_null());
        json_object_set_new(o, "gateways",
                            cid ? gateway_links(gateways, ngateways, cid, file)
                                : json_array());
    }
    ipfs = json_object();
    json_object_set_new(
        ipfs, "status",
        json_string(!sqlite3_column_int(st, 30) ? "unsolved"
                    : !cid                      ? "invalid_cid"
                    : sqlite3_column_int(st, 31)
                        ? (const char *)sqlite3_column_text(st, 8)
                        : "unchecked"));
    json_object_set_new(ipfs, "first_seen", col(st, 9));
    json_object_set_new(ipfs, "last_check", col(st, 10));
    json_object_set_new(ipfs, "next_check", col(st, 11));
    json_object_set_new(ipfs, "attempts", col(st, 12));
    json_object_set_new(ipfs, "ok_gateways", col(st, 13));
    json_object_set_new(ipfs, "latency_ms", col(st, 14));
    json_object_set_new(ipfs, "content_type", col(st, 15));
    json_object_set_new(ipfs, "size", col(st, 16));
    json_object_set_new(ipfs, "text", col(st, 17));
    hist = json_array();
    json_object_set_new(ipfs, "history", hist);
    json_object_set_new(o, "ipfs", ipfs);
    {
        int64_t safe = sqlite3_column_int64(st, 18);
        int solved = sqlite3_column_int(st, 30);

        json_object_set_new(
            o, "finality",
            json_pack(
                "{s:s,s:s?}", "task",
                (int64_t)json_integer_value(json_object_get(o, "block")) <= safe
                    ? "final"
                    : "unconfirmed",
                "solution",
                !solved                                ? NULL
                : sqlite3_column_int64(st, 19) <= safe ? "final"
                                                       : "unconfirmed"));
        json_object_set_new(
            o, "solve_seconds",
            solved ? json_integer(sqlite3_column_int64(st, 20) -
                                  sqlite3_column_int64(st, 21))
                   : json_null());
        json_object_set_new(
            o, "claim_seconds",
            solved && sqlite3_column_type(st, 22) != SQLITE_NULL
                ? json_integer(sqlite3_column_int64(st, 22) -
                               sqlite3_column_int64(st, 20))
                : json_null());
    }
    if (sqlite3_column_type(st, 23) != SQLITE_NULL) {
        int64_t yeas = sqlite3_column_int64(st, 28);
        int64_t nays = sqlite3_column_int64(st, 29);
        int finished = sqlite3_column_type(st, 27) != SQLITE_NULL;

        json_object_set_new(
            o, "contestation",
            json_pack("{s:s,s:o,s:o,s:o,s:o,s:I,s:I,s:o}", "status",
                      !finished       ? "open"
                      : yeas > nays ? "upheld"
                                    : "rejected",
                      "contester", col(st, 23), "block", col(st, 24), "tx",
                      col(st, 25), "time", col(st, 26), "yeas",
                      (json_int_t)yeas, "nays", (json_int_t)nays,
                      "finish_block", col(st, 27)));
    } else {
        json_object_set_new(o, "contestation", json_null());
    }
    sqlite3_finalize(st);
    st = NULL;
    if (cid) {
        st = prep(db, "SELECT gateway, time, method, http_status, result, "
                      "latency_ms, content_type, bytes, error FROM ipfs_checks "
                      "WHERE cid = ?1 ORDER BY time DESC, id DESC LIMIT 50");
        if (!st)
            goto out;
        sqlite3_bind_text(st, 1, json_string_value(json_object_get(
                                     json_object_get(o, "solution"), "cid")),
                          -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            json_array_append_new(
                hist,
                json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "gateway",
                          col(st, 0), "time", col(st, 1), "method", col(st, 2),
                          "http_status", col(st, 3), "result", col(st, 4),
                          "latency_ms", col(st, 5), "content_type", col(st, 6),
                          "bytes", col(st, 7), "error", col(st, 8)));
        if (rc != SQLITE_DONE) {
            db_log_error(db, "images: ipfs history");
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
