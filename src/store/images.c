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
#include "arbiusd/store.h"

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

#define ITEM_COLS                                                        \
    "t.id, t.model, m.title, m.output_file, t.prompt, t.owner, "         \
    "so.validator, t.fee, t.time, t.block, t.log_index, t.tx, so.time, " \
    "so.block, so.tx, so.cid_text, t.upvotes, t.automine, ic.status, "   \
    "so.invalid"
#define ITEM_NCOLS 20

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
    if (!f->show_invalid)
        r |= buf_adds(b, "AND so.invalid = 0 ");
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

/* ITEM_COLS as fields, in column order (output_file comes after cid). */
static const struct db_field item_fields[] = {
    { "id", DB_STR },          { "model", DB_STR },
    { "model_title", DB_STR },
};
static const struct db_field item_fields2[] = {
    { "prompt", DB_STR },      { "creator", DB_STR },
    { "miner", DB_STR },       { "fee", DB_STR },
    { "time", DB_JSON },       { "block", DB_JSON },
    { "log_index", DB_JSON },  { "tx", DB_STR },
    { "solution_time", DB_JSON }, { "solution_block", DB_JSON },
    { "solution_tx", DB_STR }, { "cid", DB_STR },
};

/* The gateway URL of cid's output file, or null. */
static json_t *output_url(const char *gateway, const char *cid,
                          const char *file)
{
    struct buf b = BUF_INIT(4096);
    json_t *url = NULL;

    if (cid && gateway && *gateway && cid_gateway_url(&b, gateway, cid,
                                                      file) == 0)
        url = json_stringn(b.data, b.len);
    buf_release(&b);
    return url ? url : json_null();
}

/* The item object of the current row. */
static json_t *row_item(sqlite3_stmt *st, const char *gateway)
{
    json_t *o = db_row(st, item_fields, ARRAY_SIZE(item_fields));
    const char *cid = (const char *)sqlite3_column_text(st, 15);
    const char *file = (const char *)sqlite3_column_text(st, 3);
    const char *status = (const char *)sqlite3_column_text(st, 18);

    db_row_into(o, st, 4, item_fields2, ARRAY_SIZE(item_fields2));
    json_object_set_new(o, "output_file", db_col_str(st, 3));
    json_object_set_new(o, "image_url", output_url(gateway, cid, file));
    json_object_set_new(o, "upvotes", db_col_json(st, 16));
    json_object_set_new(o, "automine",
                        json_boolean(sqlite3_column_int(st, 17)));
    json_object_set_new(o, "ipfs_status",
                        json_string(!cid      ? "invalid_cid"
                                    : status ? status
                                             : "unchecked"));
    json_object_set_new(o, "invalidated",
                        json_boolean(sqlite3_column_int(st, 19)));
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
    st = db_stmt(db, sql.data);
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
    while ((rc = db_step(db, st, "images: page")) == 1) {
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
    if (rc == 0)
        ret = n;
out:
    db_stmt_done(db, st);
    buf_release(&sql);
    return ret;
}

/* 1 if miner has fewer than IMAGES_RARE_MINER solutions, 0 if not,
 * -1 on error. */
static int miner_is_rare(struct db *db, const char *miner)
{
    int64_t n = 0;
    int r = db_int(db, &n, "SELECT solutions FROM miners WHERE address = ?1",
                   "t", miner);

    return r < 0 ? -1 : r == 1 || n < IMAGES_RARE_MINER;
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

/*
 * The segments a page reads, in order, for filter f: one for chain order
 * and text queries; for "most upvoted", the upvoted rows (their partial
 * index) then the rest, in the direction the cursor asks.  Returns how
 * many were written to segs[0..2).
 */
static size_t plan_segments(const struct images_filter *f, int before,
                            struct seg segs[2])
{
    /* Reading "before" the key walks the opposite way, then reverses. */
    int desc = f->sort == CURSOR_NEWEST || f->sort == CURSOR_UPVOTES;
    size_t n = 0;

    if (before)
        desc = !desc;
    memset(segs, 0, 2 * sizeof(*segs));
    if (f->match || f->sort != CURSOR_UPVOTES) {
        segs[0].kind = !f->match                     ? SEG_CHAIN
                       : f->sort == CURSOR_RELEVANCE ? SEG_RANK
                                                     : SEG_FTS_CHAIN;
        segs[0].desc = desc;
        segs[0].keyed = f->has_cursor;
        return 1;
    }
    if (!before) {
        /* Upvoted rows first (the partial index), then the rest. */
        if (!f->has_cursor || f->cursor.upvotes > 0) {
            segs[n++] = (struct seg){ SEG_UPVOTED, 1, f->has_cursor, 0 };
            segs[n++] = (struct seg){ SEG_UNVOTED, 1, 0, 0 };
        } else {
            segs[n++] = (struct seg){ SEG_UNVOTED, 1, 1, 0 };
        }
    } else if (f->cursor.upvotes == 0) {
        segs[n++] = (struct seg){ SEG_UNVOTED, 0, 1, 0 };
        segs[n++] = (struct seg){ SEG_UPVOTED, 0, 0, 0 };
    } else {
        segs[n++] = (struct seg){ SEG_UPVOTED, 0, 1, 0 };
    }
    return n;
}

/* Back to the page's order after reading "before" the key: the items and
 * their keys reversed. */
static json_t *reverse_page(json_t *items, struct row_key *keys, int got)
{
    json_t *rev = json_array();
    struct row_key tmp;
    size_t i;

    for (i = (size_t)got; i-- > 0;)
        json_array_append(rev, json_array_get(items, i));
    json_decref(items);
    for (i = 0; i < (size_t)got / 2; i++) {
        tmp = keys[i];
        keys[i] = keys[got - 1 - i];
        keys[got - 1 - i] = tmp;
    }
    return rev;
}

/* The next / previous cursors of a page of got rows (keys in page order). */
static void page_cursors(const struct images_filter *f,
                         const struct row_key *keys, int got,
                         struct images_page *out)
{
    if (got == 0) {
        /* An empty page past the end (rows went away): the way back. */
        out->has_prev = 0;
        if (f->has_cursor) {
            out->has_prev = 1;
            out->prev = f->cursor;
            out->prev.before = 1;
        }
        return;
    }
    if (out->has_next)
        key_cursor(&keys[got - 1], f->sort, 0, &out->next);
    if (out->has_prev)
        key_cursor(&keys[0], f->sort, 1, &out->prev);
}

int images_list(struct db *db, const struct images_filter *f,
                const char *gateway, struct images_page *out)
{
    struct seg segs[2];
    size_t nseg, i;
    int before = f->has_cursor && f->cursor.before;
    int want = f->limit + 1, got = 0, n, ret = -1;
    struct row_key *keys = xcalloc((size_t)want, sizeof(*keys));
    json_t *items = json_array();

    nseg = plan_segments(f, before, segs);
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
    if (got == 0 && before) {
        /* Nothing precedes the key: it is on the first page, show that. */
        struct images_filter first = *f;

        first.has_cursor = 0;
        json_decref(items);
        free(keys);
        return images_list(db, &first, gateway, out);
    }
    memset(out, 0, sizeof(*out));
    if (got > f->limit) {
        json_array_remove(items, (size_t)f->limit);
        got = f->limit;
        out->has_prev = before;
        out->has_next = !before;
    }
    if (before) {
        items = reverse_page(items, keys, got);
        out->has_next = 1;
    } else if (f->has_cursor) {
        out->has_prev = 1;
    }
    page_cursors(f, keys, got, out);
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

static const struct db_field model_fields[] = {
    { "id", DB_STR }, { "title", DB_STR },
};

int images_models(struct db *db, json_t **outp)
{
    return db_rows(db,
                   db_stmt(db, "SELECT id, coalesce(title, id) FROM models "
                               "WHERE output_type = 'image' ORDER BY 2, 1"),
                   model_fields, ARRAY_SIZE(model_fields), "images: models",
                   outp);
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
    sqlite3_stmt *st = db_query(db, sql, "t", arg);
    int r;

    if (!st)
        return -1;
    r = db_step(db, st, "images: lookup");
    if (r == 1)
        snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
    db_stmt_done(db, st);
    return r < 0 ? -1 : r == 1 ? IMAGES_FOUND : IMAGES_UNKNOWN;
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
        return IMAGES_NOT_A_KEY;
    memcpy(raw, q, n);
    raw[n] = '\0';
    q = raw;
    lower_copy(q, key, sizeof(key) - 1);
    if (is_hex_n(key, 64)) {
        r = lookup_one(db, "SELECT id FROM tasks WHERE id = ?1 AND hidden = 0",
                       key, id, sizeof(id));
        if (r == IMAGES_UNKNOWN)
            r = lookup_one(db, "SELECT id FROM tasks WHERE tx = ?1 AND "
                               "hidden = 0 ORDER BY block, log_index LIMIT 1",
                           key, id, sizeof(id));
        if (r == IMAGES_UNKNOWN)
            r = lookup_one(db, "SELECT so.task FROM solutions so JOIN tasks t "
                               "ON t.id = so.task WHERE so.tx = ?1 AND "
                               "t.hidden = 0 ORDER BY so.block, so.log_index "
                               "LIMIT 1",
                           key, id, sizeof(id));
        if (r == IMAGES_UNKNOWN)
            r = lookup_one(db, "SELECT so.task FROM solutions so JOIN tasks t "
                               "ON t.id = so.task WHERE so.claim_tx = ?1 AND "
                               "so.claim_block IS NOT NULL AND t.hidden = 0 "
                               "ORDER BY so.claim_block LIMIT 1",
                           key, id, sizeof(id));
        if (r == IMAGES_FOUND)
            snprintf(out, outsz, "/image/%s", id);
        return r;
    }
    if (is_hex_n(key, 40)) {
        r = lookup_one(db, "SELECT address FROM miners WHERE address = ?1",
                       key, id, sizeof(id));
        if (r < 0)
            return -1;
        snprintf(out, outsz, "/%s/%s", r == IMAGES_FOUND ? "miner" : "user",
                 key);
        return IMAGES_FOUND;
    }
    /* CIDs are case-sensitive base58: use q as given. */
    if (strlen(key) == CID_V0_TEXT_LEN &&
        cid_parse_v0(q, CID_V0_TEXT_LEN, mh) == 0) {
        r = lookup_one(db, "SELECT so.task FROM solutions so JOIN tasks t "
                           "ON t.id = so.task WHERE so.cid_text = ?1 AND "
                           "t.hidden = 0 ORDER BY so.block LIMIT 1",
                       q, id, sizeof(id));
        if (r == IMAGES_FOUND)
            snprintf(out, outsz, "/image/%s", id);
        return r;
    }
    return IMAGES_NOT_A_KEY;
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

static int is_task_id(const char *s)
{
    return is_hex_n(s, 64);
}

/* The task's own columns (and its solution's), in TASK_SQL's order. */
static const struct db_field task_fields[] = {
    { "id", DB_STR },          { "model", DB_STR },
    { "owner", DB_STR },       { "sender", DB_STR },
    { "fee", DB_STR },         { "version", DB_JSON },
    { "prompt", DB_STR },      { "block", DB_JSON },
    { "time", DB_JSON },       { "tx", DB_STR },
    { "log_index", DB_JSON },  { "via", DB_STR },
    { "bulk_size", DB_JSON },  { "automine", DB_BOOL },
    { "input_flags", DB_JSON }, { "input_cid", DB_STR },
    { "confirmed", DB_BOOL },
};
#define TASK_NFIELDS 17  /* then: input_json, lower(hex(input)) */

static const struct db_field solution_fields[] = {
    { "validator", DB_STR },   { "cid", DB_STR },
    { "cid_hex", DB_STR },     { "cid_flags", DB_JSON },
    { "block", DB_JSON },      { "tx", DB_STR },
    { "time", DB_JSON },       { "claimed", DB_BOOL },
    { "claim_block", DB_JSON }, { "claim_tx", DB_STR },
    { "claim_time", DB_JSON },
};
#define SOLUTION_COL 20  /* first solution column; so.task at 31 */

_Static_assert(ARRAY_SIZE(task_fields) == TASK_NFIELDS, "task columns");

/* Where a task's input came from, by its input_flags (store.h). */
static const char *input_source(int64_t flags)
{
    if (flags & TASK_INPUT_UNRECOVERABLE)
        return "unrecoverable";
    if (flags & TASK_INPUT_TRACE)
        return "trace";
    if (flags & TASK_INPUT_CONTRACT)
        return "contract";
    if (flags & TASK_INPUT_MISSING)
        return "missing";
    return "calldata";
}

/* Task id (validated, lower case) to its object: the task's own fields,
 * input, input_raw and solution; *hidden says whether an admin hid it.
 * 0, 1 if unknown, -1 on error. */
static int task_object(struct db *db, const char *key, json_t **outp,
                       int *hidden)
{
    sqlite3_stmt *st = db_query(
        db,
        "SELECT t.id, t.model, t.owner, t.sender, t.fee, t.version, "
        "t.prompt, t.block, t.time, t.tx, t.log_index, t.via, t.bulk_size, "
        "t.automine, t.input_flags, t.cid, t.block <= s.safe_block, "
        "t.input_json, '0x' || lower(hex(t.input)), t.hidden, "
        "so.validator, so.cid_text, so.cid, so.cid_flags, so.block, so.tx, "
        "so.time, so.claimed, so.claim_block, so.claim_tx, so.claim_time, "
        "so.task IS NOT NULL "
        "FROM tasks t LEFT JOIN solutions so ON so.task = t.id "
        "LEFT JOIN scan_state s ON s.id = 1 WHERE t.id = ?",
        "t", key);
    json_t *o, *input = NULL, *sol = json_null();
    int r;

    if (!st)
        return -1;
    r = db_step(db, st, "images: task");
    if (r != 1) {
        db_stmt_done(db, st);
        return r < 0 ? -1 : 1;
    }
    o = db_row(st, task_fields, TASK_NFIELDS);
    json_object_set_new(o, "input_source",
                        json_string(
                            input_source(sqlite3_column_int64(st, 14))));
    if (sqlite3_column_type(st, TASK_NFIELDS) == SQLITE_TEXT)
        input = json_loads((const char *)sqlite3_column_text(st, TASK_NFIELDS),
                           0, NULL);
    json_object_set_new(o, "input", input ? input : json_null());
    json_object_set_new(o, "input_raw", db_col_str(st, TASK_NFIELDS + 1));
    *hidden = sqlite3_column_int(st, TASK_NFIELDS + 2);
    if (sqlite3_column_int(st, SOLUTION_COL + 11)) {
        sol = json_object();
        db_row_into(sol, st, SOLUTION_COL, solution_fields,
                    ARRAY_SIZE(solution_fields));
    }
    json_object_set_new(o, "solution", sol);
    db_stmt_done(db, st);
    *outp = o;
    return 0;
}

static const struct db_field ipfs_fields[] = {
    { "first_seen", DB_JSON },  { "last_check", DB_JSON },
    { "next_check", DB_JSON },  { "attempts", DB_JSON },
    { "ok_gateways", DB_JSON }, { "latency_ms", DB_JSON },
    { "content_type", DB_STR }, { "size", DB_JSON },
    { "text", DB_STR },
};

static const struct db_field contestation_fields[] = {
    { "contester", DB_STR }, { "block", DB_JSON },
    { "tx", DB_STR },        { "time", DB_JSON },
};

/* Columns of the extras row (detail_extras) from 31 on. */
enum {
    X_OUTCOME = 31,
    X_DECIDED_BY,
    X_YEA_VOTERS,
    X_NAY_VOTERS,
    X_ADDER,
    X_REFUND_TO,
    X_REFUND_AMOUNT,
    X_DECIDED_TX,
    X_INVALID,
};

/*
 * The contestation of the extras row as a new object, or null: status
 * (open, upheld or rejected, as the contract decided it), the voters
 * counted (yeas, nays; the contester's own yea included) and the V6
 * master-contester bonus apart (yea_bonus), how the outcome was read
 * (decided_by: payout, refund or rule) and the fee refunded to the task's
 * owner when upheld.
 */
static json_t *detail_contestation(sqlite3_stmt *st)
{
    int decided = sqlite3_column_type(st, X_OUTCOME) != SQLITE_NULL;
    json_t *c;

    if (sqlite3_column_type(st, 19) == SQLITE_NULL)
        return json_null();
    c = json_object();
    json_object_set_new(c, "status",
                        decided ? db_col_str(st, X_OUTCOME)
                        : sqlite3_column_type(st, 23) == SQLITE_NULL
                            ? json_string("open")
                            : json_string("finished"));
    db_row_into(c, st, 19, contestation_fields,
                ARRAY_SIZE(contestation_fields));
    json_object_set_new(c, "yeas",
                        db_col_json(st, decided ? X_YEA_VOTERS : 24));
    json_object_set_new(c, "yea_bonus",
                        decided ? db_col_json(st, X_ADDER) : json_null());
    json_object_set_new(c, "nays",
                        db_col_json(st, decided ? X_NAY_VOTERS : 25));
    json_object_set_new(c, "finish_block", db_col_json(st, 23));
    json_object_set_new(c, "decided_by", db_col_str(st, X_DECIDED_BY));
    json_object_set_new(c, "refund",
                        sqlite3_column_type(st, X_REFUND_TO) == SQLITE_NULL
                            ? json_null()
                            : json_pack("{s:o,s:o,s:o}", "to",
                                        db_col_str(st, X_REFUND_TO), "amount",
                                        db_col_str(st, X_REFUND_AMOUNT), "tx",
                                        db_col_str(st, X_DECIDED_TX)));
    return c;
}

/* The finality, latency and contestation fields from the extras row. */
static void detail_times(json_t *o, sqlite3_stmt *st)
{
    int64_t safe = sqlite3_column_int64(st, 14);
    int solved = sqlite3_column_int(st, 26);
    int64_t block = (int64_t)json_integer_value(json_object_get(o, "block"));

    json_object_set_new(o, "finality",
                        json_pack("{s:s,s:s?}", "task",
                                  block <= safe ? "final" : "unconfirmed",
                                  "solution",
                                  !solved ? NULL
                                  : sqlite3_column_int64(st, 15) <= safe
                                      ? "final"
                                      : "unconfirmed"));
    json_object_set_new(o, "solve_seconds",
                        solved ? json_integer(sqlite3_column_int64(st, 16) -
                                              sqlite3_column_int64(st, 17))
                               : json_null());
    json_object_set_new(o, "claim_seconds",
                        solved && sqlite3_column_type(st, 18) != SQLITE_NULL
                            ? json_integer(sqlite3_column_int64(st, 18) -
                                           sqlite3_column_int64(st, 16))
                            : json_null());
    json_object_set_new(o, "contestation", detail_contestation(st));
}

/*
 * Adds to the task object o: upvotes, retracted, model_info, output_url,
 * gateways, ipfs (without history), finality, latencies, contestation.
 * 0 or -1.
 */
static int detail_extras(struct db *db, json_t *o, const char *const *gw,
                         size_t ngw)
{
    sqlite3_stmt *st = db_query(
        db,
        "SELECT t.upvotes, t.retracted, m.id, m.title, m.output_type, "
        "m.output_file, so.cid_text, ic.status, "
        "ic.first_seen, ic.last_check, ic.next_check, ic.attempts, "
        "ic.ok_gateways, ic.latency_ms, "
        "s.safe_block, so.block, so.time, t.time, so.claim_time, "
        "c.contester, c.block, c.tx, c.time, c.finish_block, "
        "(SELECT count(*) FROM votes v WHERE v.task = t.id AND v.yea), "
        "(SELECT count(*) FROM votes v WHERE v.task = t.id AND NOT v.yea), "
        "so.task IS NOT NULL, ic.cid IS NOT NULL, "
        "ic.content_type, ic.size, ic.text, "
        "c.outcome, c.decided_by, c.yea_voters, c.nay_voters, c.adder, "
        "c.refund_to, c.refund_amount, c.decided_tx, so.invalid "
        "FROM tasks t LEFT JOIN models m ON m.id = t.model "
        "LEFT JOIN solutions so ON so.task = t.id "
        "LEFT JOIN ipfs_cids ic ON ic.cid = so.cid_text "
        "LEFT JOIN contestations c ON c.task = t.id "
        "LEFT JOIN scan_state s ON s.id = 1 WHERE t.id = ?1",
        "t", json_string_value(json_object_get(o, "id")));
    const char *cid, *file;
    json_t *ipfs;
    int r;

    if (!st)
        return -1;
    r = db_step(db, st, "images: detail");
    if (r != 1) {
        db_stmt_done(db, st);
        return -1; /* the task row was just read: any miss is an error */
    }
    json_object_set_new(o, "upvotes", db_col_json(st, 0));
    json_object_set_new(o, "retracted", json_boolean(sqlite3_column_int(st, 1)));
    json_object_set_new(o, "model_info",
                        sqlite3_column_type(st, 2) == SQLITE_NULL
                            ? json_null()
                            : json_pack("{s:o,s:o,s:o,s:o}", "id",
                                        db_col_str(st, 2), "title",
                                        db_col_str(st, 3), "output_type",
                                        db_col_str(st, 4), "output_file",
                                        db_col_str(st, 5)));
    cid = (const char *)sqlite3_column_text(st, 6);
    file = (const char *)sqlite3_column_text(st, 5);
    json_object_set_new(o, "output_url",
                        output_url(ngw ? gw[0] : NULL, cid, file));
    json_object_set_new(o, "gateways", cid ? gateway_links(gw, ngw, cid, file)
                                           : json_array());
    ipfs = json_object();
    json_object_set_new(ipfs, "status",
                        json_string(!sqlite3_column_int(st, 26) ? "unsolved"
                                    : !cid                      ? "invalid_cid"
                                    : sqlite3_column_int(st, 27)
                                        ? (const char *)sqlite3_column_text(st, 7)
                                        : "unchecked"));
    db_row_into(ipfs, st, 8, ipfs_fields, 6);
    db_row_into(ipfs, st, 28, ipfs_fields + 6, 3);
    json_object_set_new(o, "ipfs", ipfs);
    json_object_set_new(o, "invalidated",
                        json_boolean(sqlite3_column_int(st, X_INVALID)));
    detail_times(o, st);
    db_stmt_done(db, st);
    return 0;
}

static const struct db_field check_fields[] = {
    { "gateway", DB_STR },     { "time", DB_JSON },
    { "method", DB_STR },      { "http_status", DB_JSON },
    { "result", DB_STR },      { "latency_ms", DB_JSON },
    { "content_type", DB_STR }, { "bytes", DB_JSON },
    { "error", DB_STR },
};

/* The newest 50 IPFS checks of cid, newest first, into hist.  0 or -1. */
static int ipfs_history(struct db *db, const char *cid, json_t *hist)
{
    sqlite3_stmt *st = db_query(db,
                                "SELECT gateway, time, method, "
                                "http_status, result, latency_ms, "
                                "content_type, bytes, error FROM "
                                "ipfs_checks WHERE cid = ?1 ORDER BY "
                                "time DESC, id DESC LIMIT 50",
                                "t", cid);

    return db_rows_into(db, st, hist, check_fields, ARRAY_SIZE(check_fields),
                        "images: ipfs history");
}

int images_detail(struct db *db, const char *id, const char *const *gateways,
                  size_t ngateways, int with_hidden, json_t **outp)
{
    json_t *o = NULL, *hist = json_array(), *sol;
    char key[67];
    int hidden = 0, r;

    if (!is_task_id(id)) {
        json_decref(hist);
        return IMAGES_NOT_A_KEY;
    }
    lower_copy(id, key, sizeof(key) - 1);
    r = task_object(db, key, &o, &hidden);
    if (r == IMAGES_FOUND && hidden && !with_hidden)
        r = IMAGES_UNKNOWN; /* hidden by an admin: as if it did not exist */
    if (r == 0 && detail_extras(db, o, gateways, ngateways) < 0)
        r = -1;
    sol = r == 0 ? json_object_get(o, "solution") : NULL;
    if (r == 0 && json_is_string(json_object_get(sol, "cid")) &&
        ipfs_history(db, json_string_value(json_object_get(sol, "cid")),
                     hist) < 0)
        r = -1;
    if (r != 0) {
        json_decref(o);
        json_decref(hist);
        return r;
    }
    json_object_set_new(json_object_get(o, "ipfs"), "history", hist);
    *outp = o;
    return 0;
}
