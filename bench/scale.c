/*
 * scale.c - builds a synthetic index of N tasks through the store API, for
 * bench/scale.mjs (which then measures /api/v1/stats against it).
 *
 *   scale DBPATH NTASKS
 *   scale DBPATH --advance K
 *
 * The chain it describes: one image model and one text model, registered
 * in block 1; then TASKS_PER_BLOCK tasks per block, spread evenly over
 * SPAN_DAYS days ending "now", owners drawn from a fixed pool of OWNERS
 * addresses (5% owned by one of the MINERS, 2% bulk: automine), and 90% of
 * each block's tasks solved in the next block by one of the MINERS; block
 * times carry a random jitter below one step, so solve latencies vary.
 * Half of each block's solutions are claimed in the next block with V6
 * FeesPaid/RewardsPaid (era-6 earnings for the miners pages).  Rows
 * go through store_commit_range() in ranges of BLOCKS_PER_RANGE blocks, as
 * the scanner writes them, so every rollup is maintained exactly as in
 * production.  The time span, owner and miner pools are the same at every
 * size: only the number of tasks (their density) changes.  Tasks carry a
 * short JSON prompt (indexed for search) and solutions a valid CIDv0, so
 * the gallery pages of bench/scale.mjs show what real ones do.
 *
 * Prints "built N tasks, M solutions, B blocks in S s (R tasks/s)", then
 * "compute: stats_summary hide X ms, show Y ms": the median of 21 direct
 * calls, i.e. what the first /api/v1/stats after a head move costs (later
 * requests at the same head are served from the web layer's cache), and
 * "compute: miners all X ms, 30d Y ms, 24h Z ms": the same for the
 * /api/v1/miners leaderboard (analytics_miners).
 * The checkpoint is chain 42161 with the default engine, so a default
 * configuration serves the file.
 *
 * --advance K moves the head of an index built this way by K blocks, one
 * commit each, as the scanner does on a live chain: every block solves the
 * tasks of the block before it and brings TASKS_PER_BLOCK new ones, one
 * second after the head.  bench/scale.mjs times the first requests to a
 * server of the file after each move.  Prints "advanced to block B: C ms a
 * commit (median)".  Exit 0, or 1 on any error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbiusd/analytics.h"
#include "arbiusd/cid.h"
#include "arbiusd/db.h"
#include "arbiusd/log.h"
#include "arbiusd/migrate.h"
#include "arbiusd/stats.h"
#include "arbiusd/store.h"
#include "arbiusd/util.h"

#define TASKS_PER_BLOCK  10
#define BLOCKS_PER_RANGE 2000
#define SPAN_DAYS        730
#define OWNERS           2000
#define MINERS           20
#define ENGINE           "0x9b51ef044d3486a1fb0a2d55a6e0ceeadd323e66"
#define MODEL_IMAGE      "0x00000000000000000000000000000000000000000000000000000000000000a1"
#define MODEL_TEXT       "0x00000000000000000000000000000000000000000000000000000000000000b2"

static const char TEMPLATE_IMAGE[] =
    "{\"meta\":{\"title\":\"synthetic image\"},\"input\":[],"
    "\"output\":[{\"filename\":\"out-1.png\",\"type\":\"image\"}]}";
static const char TEMPLATE_TEXT[] =
    "{\"meta\":{\"title\":\"synthetic text\"},\"input\":[],"
    "\"output\":[{\"filename\":\"out-1.txt\",\"type\":\"text\"}]}";

/* A cheap deterministic generator (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static void pos_set(struct st_pos *p, uint64_t block, uint32_t li,
                    int64_t t)
{
    p->block = block;
    p->log_index = li;
    snprintf(p->tx, sizeof(p->tx), "0x%056llx%08x",
             (unsigned long long)block, li);
    p->time = t;
}

static void model_event(struct st_event *e, const char *id, const char *tpl)
{
    memset(e, 0, sizeof(*e));
    e->kind = ST_MODEL;
    snprintf(e->u.model.id, sizeof(e->u.model.id), "%s", id);
    snprintf(e->u.model.addr, sizeof(e->u.model.addr), "0x%040x", 0xabc);
    snprintf(e->u.model.fee, sizeof(e->u.model.fee), "0");
    e->u.model.template_bytes = (uint8_t *)xstrdup(tpl);
    e->u.model.template_len = strlen(tpl);
}

static void owner_addr(char out[ST_ADDR_SIZE], uint64_t i)
{
    snprintf(out, ST_ADDR_SIZE, "0x%040llx", (unsigned long long)(0x100000 + i));
}

static void miner_addr(char out[ST_ADDR_SIZE], uint64_t i)
{
    snprintf(out, ST_ADDR_SIZE, "0x%040llx", (unsigned long long)(0xf00000 + i));
}

/* Task n (1-based) of block b at log index li. */
static void task_event(struct st_event *e, uint64_t n, uint64_t b,
                       uint32_t li, int64_t t)
{
    uint64_t r = rng();
    int bulk = r % 100 < 2;

    memset(e, 0, sizeof(*e));
    e->kind = ST_TASK;
    pos_set(&e->pos, b, li, t);
    snprintf(e->u.task.id, sizeof(e->u.task.id), "0x%064llx",
             (unsigned long long)n);
    snprintf(e->u.task.model, sizeof(e->u.task.model), "%s",
             r % 10 < 8 ? MODEL_IMAGE : MODEL_TEXT);
    if ((r >> 8) % 100 < 5)
        miner_addr(e->u.task.owner, (r >> 16) % MINERS);
    else
        owner_addr(e->u.task.owner, (r >> 16) % OWNERS);
    memcpy(e->u.task.sender, e->u.task.owner, ST_ADDR_SIZE);
    snprintf(e->u.task.fee, sizeof(e->u.task.fee), "1000000000000000000");
    e->u.task.fee_aius = 1.0;
    e->u.task.version = 0;
    /* A prompt of a few words, so pages and search carry real text. */
    {
        static const char *const words[] = {
            "fox", "castle", "neon", "forest", "portrait", "ocean", "robot",
            "watercolor", "city", "dragon", "sunset", "cat", "anime", "space",
            "garden", "pixel", };
        char p[160], js[200];
        int len = snprintf(p, sizeof(p), "%s %s %s, task %llu",
                           words[(r >> 24) % 16], words[(r >> 28) % 16],
                           words[(r >> 32) % 16], (unsigned long long)n);

        snprintf(js, sizeof(js), "{\"prompt\":\"%s\"}", p);
        e->u.task.prompt = xstrdup(p);
        e->u.task.prompt_len = (size_t)len;
        e->u.task.input_json = xstrdup(js);
        e->u.task.input_flags = 0;
    }
    e->u.task.via = bulk ? "bulk" : "engine";
    e->u.task.bulk_size = bulk ? 10 : 1;
}

static void solution_event(struct st_event *e, uint64_t n, uint64_t b,
                           uint32_t li, int64_t t)
{
    memset(e, 0, sizeof(*e));
    e->kind = ST_SOLUTION;
    pos_set(&e->pos, b, li, t);
    snprintf(e->u.solution.task, sizeof(e->u.solution.task), "0x%064llx",
             (unsigned long long)n);
    miner_addr(e->u.solution.validator, rng() % MINERS);
    {
        uint8_t mh[CID_V0_LEN];
        uint64_t x = n * 0x9e3779b97f4a7c15ull;
        size_t i;

        mh[0] = 0x12;
        mh[1] = 0x20;
        for (i = 2; i < CID_V0_LEN; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            mh[i] = (uint8_t)(x >> 56);
        }
        if (cid_format_v0(mh, sizeof(mh), e->u.solution.cid_text,
                          sizeof(e->u.solution.cid_text)) < 0)
            e->u.solution.cid_flags = SOL_CID_MISSING;
    }
}

/* A claim of task by validator, with V6 FeesPaid and RewardsPaid. */
static size_t claim_events(struct st_event *e, uint64_t task,
                           const char *validator, uint64_t b, uint32_t *li,
                           int64_t t)
{
    char id[ST_HASH_SIZE];
    size_t k;

    snprintf(id, sizeof(id), "0x%064llx", (unsigned long long)task);
    memset(e, 0, 3 * sizeof(*e));
    e[0].kind = ST_CLAIM;
    pos_set(&e[0].pos, b, (*li)++, t);
    memcpy(e[0].u.pair.task, id, ST_HASH_SIZE);
    memcpy(e[0].u.pair.addr, validator, ST_ADDR_SIZE);
    for (k = 1; k < 3; k++) {
        struct st_payout *o = &e[k].u.payout;

        e[k].kind = ST_PAYOUT;
        e[k].pos = e[0].pos;
        e[k].pos.log_index = (*li)++;
        o->kind = k == 1 ? "fees" : "rewards";
        o->era = 6;
        memcpy(o->task, id, ST_HASH_SIZE);
        snprintf(o->model, sizeof(o->model), "%s", MODEL_IMAGE);
        memcpy(o->validator, validator, ST_ADDR_SIZE);
        snprintf(o->a[0], ST_DEC_SIZE, "%s", k == 1 ? "0" : "1000000000000000000");
        snprintf(o->a[1], ST_DEC_SIZE, "%s", k == 1 ? "0" : "100000000000000000");
        snprintf(o->a[2], ST_DEC_SIZE, "%s", k == 1 ? "100000000000000000" : "100000000000000000");
        snprintf(o->a[3], ST_DEC_SIZE, "%llu",
                 (unsigned long long)(k == 1 ? 900000000000000000ull + rng() % 1000
                                             : 800000000000000000ull + rng() % 1000));
    }
    return 3;
}

static int commit(struct store *st, uint64_t from, uint64_t to, int64_t t,
                  struct st_event *ev, size_t n)
{
    struct st_range r;
    size_t i;
    int ret;

    memset(&r, 0, sizeof(r));
    r.from = from;
    r.to = to;
    snprintf(r.to_hash, sizeof(r.to_hash), "0x%064llx", (unsigned long long)to);
    snprintf(r.to_parent, sizeof(r.to_parent), "0x%064llx",
             (unsigned long long)to - 1);
    r.to_time = t;
    r.head = r.safe = to;
    r.head_time = t;
    r.rpc = "bench/scale";
    r.advance = 1;
    ret = store_commit_range(st, &r, ev, n);
    for (i = 0; i < n; i++)
        st_event_release(&ev[i]);
    return ret;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Median wall time of 21 stats_summary() calls, in ms.  0 or -1. */
static int compute_ms(struct db *db, int show, double *out /* OUT */)
{
    double t[21];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(t); i++) {
        uint64_t t0 = util_now_us();
        json_t *v = NULL;

        if (stats_summary(db, show, &v) < 0)
            return -1;
        json_decref(v);
        t[i] = (double)(util_now_us() - t0) / 1000.0;
    }
    qsort(t, ARRAY_SIZE(t), sizeof(t[0]), cmp_double);
    *out = t[ARRAY_SIZE(t) / 2];
    return 0;
}

/* The same for analytics_miners(window, by earnings). */
static int miners_ms(struct db *db, enum an_window w, double *out /* OUT */)
{
    double t[11];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(t); i++) {
        uint64_t t0 = util_now_us();
        json_t *v = NULL;

        if (analytics_miners(db, w, AN_BY_EARNINGS, 86400, &v) < 0)
            return -1;
        json_decref(v);
        t[i] = (double)(util_now_us() - t0) / 1000.0;
    }
    qsort(t, ARRAY_SIZE(t), sizeof(t[0]), cmp_double);
    *out = t[ARRAY_SIZE(t) / 2];
    return 0;
}

/* The number n of a task id "0x%064llx" (0 if it is not one). */
static uint64_t task_number(const char *id)
{
    size_t n = strlen(id);

    return n > 16 ? strtoull(id + n - 16, NULL, 16) : 0;
}

/* Moves the head of db by one block (see the file comment): *ms is the
 * commit's wall time.  0 or -1. */
static int advance_one(struct db *db, struct store *st, double *ms)
{
    struct st_event ev[TASKS_PER_BLOCK * 4];
    struct st_checkpoint cp;
    sqlite3_stmt *q;
    int64_t made = 0, t;
    uint64_t b, k, t0;
    uint32_t li = 0;
    size_t n = 0;
    int r;

    if (store_checkpoint(st, &cp) < 0 || !cp.found ||
        db_int(db, &made, "SELECT tasks FROM totals WHERE id = 1", "") < 0)
        return -1;
    b = cp.block + 1;
    t = cp.time + 1;
    q = db_query(db,
                 "SELECT t.id FROM tasks t LEFT JOIN solutions s "
                 "ON s.task = t.id WHERE t.block = ? AND s.task IS NULL",
                 "i", (int64_t)cp.block);
    while (q && n < TASKS_PER_BLOCK &&
           (r = db_step(db, q, "scale: unsolved")) == 1)
        solution_event(&ev[n++],
                       task_number((const char *)sqlite3_column_text(q, 0)), b,
                       li++, t);
    db_stmt_done(db, q);
    if (!q)
        return -1;
    for (k = 0; k < TASKS_PER_BLOCK; k++)
        task_event(&ev[n++], (uint64_t)made + k + 1, b, li++, t);
    t0 = util_now_us();
    if (commit(st, b, b, t, ev, n) < 0)
        return -1;
    *ms = (double)(util_now_us() - t0) / 1000.0;
    return 0;
}

/* scale DBPATH --advance K.  The exit code. */
static int advance(const char *path, const char *count)
{
    struct db *db = NULL;
    struct store *st = NULL;
    uint64_t k, n;
    double ms[64];
    int ret = 1;

    if (util_parse_u64(count, 1, ARRAY_SIZE(ms), &n) < 0) {
        fprintf(stderr, "scale: --advance: 1 to %zu blocks\n", ARRAY_SIZE(ms));
        return 2;
    }
    if (db_open(path, DB_READWRITE, 60000, &db) < 0 || store_new(db, &st) < 0)
        goto out;
    for (k = 0; k < n; k++)
        if (advance_one(db, st, &ms[k]) < 0)
            goto out;
    qsort(ms, n, sizeof(ms[0]), cmp_double);
    printf("advanced %llu blocks: %.3f ms a commit (median)\n",
           (unsigned long long)n, ms[n / 2]);
    ret = 0;
out:
    store_free(st);
    db_close(db);
    return ret;
}

int main(int argc, char **argv)
{
    struct db *db = NULL;
    struct store *st = NULL;
    struct st_event *ev = NULL;
    uint64_t ntasks, nblocks, b, from, made = 0, solved = 0, claimed = 0;
    uint64_t prev_task[TASKS_PER_BLOCK], cur_task[TASKS_PER_BLOCK];
    char prev_val[TASKS_PER_BLOCK][ST_ADDR_SIZE];
    char cur_val[TASKS_PER_BLOCK][ST_ADDR_SIZE];
    size_t nprev = 0, ncur;
    uint64_t t0 = util_now_ms();
    int64_t now = util_wall_s(), start, step;
    size_t n = 0, cap;
    double ms[2], mm[3];
    int ret = 1;

    log_init(LOG_LVL_WARN);
    if (argc == 4 && strcmp(argv[2], "--advance") == 0)
        return advance(argv[1], argv[3]);
    if (argc != 3 || util_parse_u64(argv[2], 1, UINT64_MAX / 2, &ntasks) < 0) {
        fprintf(stderr, "usage: scale DBPATH NTASKS | DBPATH --advance K\n");
        return 2;
    }
    nblocks = (ntasks + TASKS_PER_BLOCK - 1) / TASKS_PER_BLOCK;
    start = now - (int64_t)SPAN_DAYS * 86400;
    step = (int64_t)SPAN_DAYS * 86400 / (int64_t)(nblocks + 1);
    if (step < 1)
        step = 1;
    if (db_open(argv[1], DB_READWRITE, 60000, &db) < 0 ||
        migrate_apply(db, NULL, NULL, 0) < 0 || store_new(db, &st) < 0 ||
        store_init_checkpoint(st, 42161, ENGINE, 1, "0x00", start) < 0)
        goto out;
    /* Cheaper bulk load; the file is a throwaway benchmark input. */
    if (db_exec(db, "PRAGMA synchronous = OFF") < 0)
        goto out;
    cap = (size_t)BLOCKS_PER_RANGE * TASKS_PER_BLOCK * 5 + 2;
    ev = xcalloc(cap, sizeof(*ev));
    model_event(&ev[n], MODEL_IMAGE, TEMPLATE_IMAGE);
    pos_set(&ev[n].pos, 1, 0, start);
    n++;
    model_event(&ev[n], MODEL_TEXT, TEMPLATE_TEXT);
    pos_set(&ev[n].pos, 1, 1, start);
    n++;
    from = 1;
    for (b = 2; b < nblocks + 3; b++) {
        int64_t t = start + (int64_t)(b - 1) * step +
                    (int64_t)(rng() % (uint64_t)step);
        uint32_t li = 0;
        uint64_t k;

        /* Claims of half the previous block's solutions. */
        for (k = 0; k < nprev; k++) {
            if (rng() % 2)
                continue;
            n += claim_events(&ev[n], prev_task[k], prev_val[k], b, &li, t);
            claimed++;
        }
        /* Solutions of the previous block's tasks (90% of them). */
        ncur = 0;
        if (b > 2)
            for (k = 0; k < TASKS_PER_BLOCK; k++) {
                uint64_t task = (b - 3) * TASKS_PER_BLOCK + k + 1;

                if (task > made || rng() % 10 == 0)
                    continue;
                solution_event(&ev[n], task, b, li++, t);
                cur_task[ncur] = task;
                memcpy(cur_val[ncur], ev[n].u.solution.validator,
                       ST_ADDR_SIZE);
                ncur++;
                n++;
                solved++;
            }
        memcpy(prev_task, cur_task, sizeof(prev_task));
        memcpy(prev_val, cur_val, sizeof(prev_val));
        nprev = ncur;
        for (k = 0; k < TASKS_PER_BLOCK && made < ntasks; k++)
            task_event(&ev[n++], ++made, b, li++, t);
        if (b - from + 1 >= BLOCKS_PER_RANGE || b == nblocks + 2) {
            if (commit(st, from, b, t, ev, n) < 0)
                goto out;
            n = 0;
            from = b + 1;
        }
    }
    if (db_checkpoint(db) < 0)
        goto out;
    {
        double s = (double)(util_now_ms() - t0) / 1000.0;

        printf("built %llu tasks, %llu solutions, %llu claims, %llu blocks "
               "in %.1f s (%.0f tasks/s)\n", (unsigned long long)made,
               (unsigned long long)solved, (unsigned long long)claimed,
               (unsigned long long)b - 1, s,
               s > 0 ? (double)made / s : 0.0);
    }
    if (compute_ms(db, 0, &ms[0]) < 0 || compute_ms(db, 1, &ms[1]) < 0)
        goto out;
    printf("compute: stats_summary hide %.3f ms, show %.3f ms\n", ms[0], ms[1]);
    if (miners_ms(db, AN_ALL, &mm[0]) < 0 || miners_ms(db, AN_30D, &mm[1]) < 0 ||
        miners_ms(db, AN_24H, &mm[2]) < 0)
        goto out;
    printf("compute: miners all %.3f ms, 30d %.3f ms, 24h %.3f ms\n", mm[0],
           mm[1], mm[2]);
    ret = 0;
out:
    if (ev) {
        size_t i;

        for (i = 0; i < n; i++)
            st_event_release(&ev[i]);
        free(ev);
    }
    store_free(st);
    db_close(db);
    return ret;
}
