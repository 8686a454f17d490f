/* test_store.c - exact derived tables: deltas == rebuild, replays change
 * nothing, rollback returns to the earlier state. In-memory database with
 * the real migrations. */
#include <stdio.h>
#include <string.h>

#include "arbiusd/buf.h"
#include "arbiusd/db.h"
#include "arbiusd/migrate.h"
#include "arbiusd/store.h"
#include "unit.h"

#define ALICE "0xa11ce00000000000000000000000000000000000"
#define MINER "0x0000000000000000000000000000000000000a11"
#define MODEL "0x00000000000000000000000000000000000000000000000000000000000000aa"
#define DAY1 (20000 * 86400 + 100)
#define DAY2 (20001 * 86400 + 100)

static struct db *open_db(struct store **st)
{
    struct db *db = NULL;

    ck_assert_int_eq(db_open(":memory:", DB_READWRITE, 1000, &db), 0);
    ck_assert_int_eq(migrate_apply(db, NULL, NULL, 0), 0);
    ck_assert_int_eq(store_new(db, st), 0);
    ck_assert_int_eq(store_init_checkpoint(*st, 1, "0xe", 1, "0xh0", 0), 0);
    return db;
}

static int dump_cb(void *ud, int n, char **vals, char **cols)
{
    struct buf *b = ud;
    int i;

    for (i = 0; i < n; i++)
        if (buf_addf(b, "%s=%s ", cols[i], vals[i] ? vals[i] : "NULL") < 0)
            return 1;
    return buf_addch(b, '\n') < 0;
}

/* Every derived table and the content tables, as text. */
static char *dump(struct db *db)
{
    struct buf b = BUF_INIT(1 << 22);
    static const char *const q[] = {
        "SELECT * FROM totals", "SELECT * FROM daily ORDER BY day, model",
        "SELECT * FROM users ORDER BY address",
        "SELECT * FROM miners ORDER BY address",
        "SELECT * FROM daily_users ORDER BY day, address",
        "SELECT id, automine, owner FROM tasks ORDER BY id",
        "SELECT task, claimed FROM solutions ORDER BY task",
        "SELECT * FROM earnings ORDER BY block, log_index, part",
        "SELECT * FROM earnings_totals ORDER BY address, role, era",
        "SELECT * FROM miner_daily ORDER BY address, day, model",
        "SELECT * FROM miner_latency ORDER BY address, kind, day, secs",
    };
    size_t i;

    for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
        ck_assert_int_eq(sqlite3_exec(db_sqlite(db), q[i], dump_cb, &b, NULL),
                         SQLITE_OK);
    return buf_take(&b, NULL);
}

static struct st_event task(const char *id_tail, const char *owner,
                            uint64_t block, int64_t t, uint32_t bulk,
                            const char *fee)
{
    struct st_event e;

    memset(&e, 0, sizeof(e));
    e.kind = ST_TASK;
    e.pos.block = block;
    e.pos.log_index = (uint32_t)bulk + (uint32_t)id_tail[0];
    snprintf(e.pos.tx, sizeof(e.pos.tx), "0x%064llx", (unsigned long long)block);
    e.pos.time = t;
    snprintf(e.u.task.id, sizeof(e.u.task.id), "0x%063d%s", 0, id_tail);
    snprintf(e.u.task.model, sizeof(e.u.task.model), "%s", MODEL);
    snprintf(e.u.task.owner, sizeof(e.u.task.owner), "%s", owner);
    snprintf(e.u.task.sender, sizeof(e.u.task.sender), "%s", owner);
    snprintf(e.u.task.fee, sizeof(e.u.task.fee), "%s", fee);
    e.u.task.version = 0;
    e.u.task.via = bulk > 1 ? "bulk" : "engine";
    e.u.task.bulk_size = bulk;
    return e;
}

static struct st_event solution(const char *id_tail, const char *validator,
                                uint64_t block, uint32_t li, int64_t t)
{
    struct st_event e;

    memset(&e, 0, sizeof(e));
    e.kind = ST_SOLUTION;
    e.pos.block = block;
    e.pos.log_index = li;
    snprintf(e.pos.tx, sizeof(e.pos.tx), "0x%064llx", (unsigned long long)block);
    e.pos.time = t;
    snprintf(e.u.solution.task, sizeof(e.u.solution.task), "0x%063d%s", 0, id_tail);
    snprintf(e.u.solution.validator, sizeof(e.u.solution.validator), "%s",
             validator);
    e.u.solution.cid_flags = SOL_CID_MISSING;
    return e;
}

static struct st_event claim(const char *id_tail, const char *validator,
                             uint64_t block, uint32_t li, int64_t t)
{
    struct st_event e = solution(id_tail, validator, block, li, t);

    e.kind = ST_CLAIM;
    memset(&e.u, 0, sizeof(e.u));
    snprintf(e.u.pair.task, sizeof(e.u.pair.task), "0x%063d%s", 0, id_tail);
    snprintf(e.u.pair.addr, sizeof(e.u.pair.addr), "%s", validator);
    return e;
}

static void commit(struct store *st, uint64_t from, uint64_t to,
                   struct st_event *ev, size_t n)
{
    struct st_range r;

    memset(&r, 0, sizeof(r));
    r.from = from;
    r.to = to;
    snprintf(r.to_hash, sizeof(r.to_hash), "0xh%llu", (unsigned long long)to);
    snprintf(r.to_parent, sizeof(r.to_parent), "0xh%llu",
             (unsigned long long)to - 1);
    r.rpc = "test";
    r.advance = 1;
    ck_assert_int_eq(store_commit_range(st, &r, ev, n), 0);
}

static int64_t one(struct db *db, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = -1;

    ck_assert_int_eq(sqlite3_prepare_v2(db_sqlite(db), sql, -1, &s, NULL),
                     SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

START_TEST(test_store__deltas_equal_rebuild_and_rollback)
{
    struct store *st;
    struct db *db = open_db(&st);
    char *after1, *after2, *rebuilt;
    struct st_event r1[4], r2[4];
    uint64_t removed = 0;

    /* Range 1: alice and the future miner submit; a bulk task. */
    r1[0] = task("1", ALICE, 2, DAY1, 1, "1000000000000000000");
    r1[1] = task("2", MINER, 3, DAY1, 1, "5");
    r1[2] = task("3", ALICE, 4, DAY1, 3, "7");
    r1[3] = solution("1", MINER, 5, 9, DAY1 + 10);
    commit(st, 2, 5, r1, 4);
    /* The miner's own earlier task became automine when it first solved. */
    ck_assert_int_eq(one(db, "SELECT automine FROM tasks WHERE owner = '" MINER "'"), 1);
    ck_assert_int_eq(one(db, "SELECT tasks_human FROM totals"), 1);
    ck_assert_int_eq(one(db, "SELECT count(*) FROM daily WHERE fees = '1000000000000000012'"), 1);
    after1 = dump(db);
    /* Replaying a committed range changes nothing. */
    commit(st, 2, 5, r1, 4);
    {
        char *again = dump(db);

        ck_assert_str_eq(again, after1);
        free(again);
    }
    /* Range 2, the next day: a claim and a new miner (alice). */
    r2[0] = claim("1", MINER, 6, 0, DAY2);
    r2[1] = solution("3", ALICE, 7, 0, DAY2 + 5);
    r2[2] = task("4", ALICE, 8, DAY2 + 9, 1, "2");
    r2[3] = solution("2", ALICE, 9, 0, DAY2 + 20);
    commit(st, 6, 9, r2, 4);
    ck_assert_int_eq(one(db, "SELECT tasks_human FROM totals"), 0);
    ck_assert_int_eq(one(db, "SELECT claims FROM totals"), 1);
    ck_assert_int_eq(one(db, "SELECT claims FROM miners WHERE address = '" MINER "'"), 1);
    after2 = dump(db);
    /* The forward deltas equal a recomputation from the rows. */
    ck_assert_int_eq(store_rebuild_derived(st), 0);
    rebuilt = dump(db);
    ck_assert_str_eq(rebuilt, after2);
    free(rebuilt);
    /* A reorg back to block 5 restores range 1's state exactly. */
    ck_assert_int_eq(store_rollback(st, 5, "0xh5", 0, NULL, &removed), 0);
    ck_assert_uint_eq(removed, 4);
    rebuilt = dump(db);
    ck_assert_str_eq(rebuilt, after1);
    free(rebuilt);
    ck_assert_int_eq(one(db, "SELECT indexed_block FROM scan_state"), 5);
    ck_assert_int_eq(one(db, "SELECT count(*) FROM reorgs"), 1);
    ck_assert_int_eq(one(db, "SELECT max(to_block) FROM coverage"), 5);
    free(after1);
    free(after2);
    store_free(st);
    db_close(db);
}
END_TEST

/* Found by the reorg soak (tests/soak, seed 442173768): a solution and its
 * claim both in the doomed blocks are two events on one row; the rollback
 * must take both off totals.events, as a clean index never counted them. */
START_TEST(test_store__rollback_claim_of_doomed_solution)
{
    struct store *st;
    struct db *db = open_db(&st);
    struct st_event r1[1], r2[3];
    uint64_t removed = 0;
    char *after1, *back;

    r1[0] = task("1", ALICE, 2, DAY1, 1, "10");
    commit(st, 2, 5, r1, 1);
    after1 = dump(db);
    ck_assert_int_eq(one(db, "SELECT events FROM totals"), 1);
    r2[0] = solution("1", MINER, 6, 0, DAY1 + 10);
    r2[1] = claim("1", MINER, 7, 0, DAY1 + 20);
    r2[2] = task("2", ALICE, 8, DAY1 + 30, 1, "3");
    commit(st, 6, 8, r2, 3);
    ck_assert_int_eq(one(db, "SELECT events FROM totals"), 4);
    ck_assert_int_eq(store_rollback(st, 5, "0xh5", 0, NULL, &removed), 0);
    ck_assert_int_eq(one(db, "SELECT events FROM totals"), 1);
    ck_assert_uint_eq(removed, 3);
    back = dump(db);
    ck_assert_str_eq(back, after1);
    free(back);
    free(after1);
    store_free(st);
    db_close(db);
}
END_TEST

START_TEST(test_store__window_and_checkpoint)
{
    struct store *st;
    struct db *db = open_db(&st);
    struct st_checkpoint cp;
    char hash[ST_HASH_SIZE];
    uint64_t nums[8];
    size_t n;

    commit(st, 2, 10, NULL, 0);
    commit(st, 11, 20, NULL, 0);
    ck_assert_int_eq(store_checkpoint(st, &cp), 0);
    ck_assert_int_eq(cp.found, 1);
    ck_assert_uint_eq(cp.block, 20);
    ck_assert_str_eq(cp.hash, "0xh20");
    ck_assert_int_eq(store_block_hash(st, 10, hash), 0);
    ck_assert_str_eq(hash, "0xh10");
    ck_assert_int_eq(store_block_hash(st, 11, hash), 1);
    ck_assert_int_eq(store_window_blocks(st, 20, nums, 8, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(nums[0], 20);
    /* Contiguous ranges merge into one coverage row. */
    ck_assert_int_eq(one(db, "SELECT count(*) FROM coverage"), 1);
    store_free(st);
    db_close(db);
}
END_TEST

/* The first line where a and b differ (the dumps are too long for
 * ck_assert_str_eq's message). */
static void same(const char *a, const char *b)
{
    size_t i = 0, line = 0;

    while (a[i] && a[i] == b[i]) {
        if (a[i] == '\n')
            line = i + 1;
        i++;
    }
    ck_assert_msg(a[i] == b[i], "differ at: %.300s\nvs: %.300s", a + line,
                  b + line);
}

static struct st_event transfer(uint64_t block, uint32_t li, int64_t t,
                                const char *dst, const char *amount)
{
    struct st_event e;

    memset(&e, 0, sizeof(e));
    e.kind = ST_TRANSFER;
    e.pos.block = block;
    e.pos.log_index = li;
    snprintf(e.pos.tx, sizeof(e.pos.tx), "0x%064llx", (unsigned long long)block);
    e.pos.time = t;
    snprintf(e.u.transfer.src, sizeof(e.u.transfer.src), "0xe");
    snprintf(e.u.transfer.dst, sizeof(e.u.transfer.dst), "%s", dst);
    snprintf(e.u.transfer.amount, sizeof(e.u.transfer.amount), "%s", amount);
    return e;
}

static struct st_event payout(uint64_t block, uint32_t li, int64_t t,
                              const char *kind, const char *a0,
                              const char *a1, const char *a2, const char *a3)
{
    struct st_event e;

    memset(&e, 0, sizeof(e));
    e.kind = ST_PAYOUT;
    e.pos.block = block;
    e.pos.log_index = li;
    snprintf(e.pos.tx, sizeof(e.pos.tx), "0x%064llx", (unsigned long long)block);
    e.pos.time = t;
    e.u.payout.kind = kind;
    e.u.payout.era = 5;
    snprintf(e.u.payout.a[0], ST_DEC_SIZE, "%s", a0);
    snprintf(e.u.payout.a[1], ST_DEC_SIZE, "%s", a1);
    snprintf(e.u.payout.a[2], ST_DEC_SIZE, "%s", a2);
    snprintf(e.u.payout.a[3], ST_DEC_SIZE, "%s", a3);
    return e;
}

static struct st_event pair(enum st_kind kind, const char *id_tail,
                            const char *addr, uint64_t block, uint32_t li,
                            int64_t t)
{
    struct st_event e = claim(id_tail, addr, block, li, t);

    e.kind = kind;
    return e;
}

/*
 * Earnings: an era-4 claim whose validator owns the task (the owner reward
 * goes to the same address), a claim with a single fee transfer, a V5
 * settlement of a rejected contestation (anchored at its finish), an upheld
 * contestation whose refund is not an earning; replays change nothing;
 * deltas equal the rebuild and `tokens --force`; a rollback removes them.
 */
START_TEST(test_store__earnings)
{
    struct store *st;
    struct db *db = open_db(&st);
    struct st_event r1[6], r2[9], r3[6];
    struct st_recompute rc;
    char *before, *after, *again;
    uint64_t removed = 0;

    r1[0] = task("1", MINER, 2, DAY1, 1, "10");
    r1[1] = task("2", ALICE, 2, DAY1, 1, "10");
    r1[2] = task("3", ALICE, 2, DAY1, 1, "10");
    r1[3] = task("4", ALICE, 2, DAY1, 1, "10");
    r1[4] = solution("1", MINER, 3, 0, DAY1 + 7);
    r1[5] = solution("2", MINER, 3, 1, DAY1 + 9);
    commit(st, 2, 3, r1, 6);
    before = dump(db);
    /* Block 4: claim of task 1 (era 4: model fee, validator fee, treasury,
     * owner = MINER, validator rewards), claim of task 2 (one fee transfer
     * to the validator, no rewards). */
    r2[0] = claim("1", MINER, 4, 0, DAY1 + 20);
    r2[1] = transfer(4, 1, DAY1 + 20, "0x00000000000000000000000000000000000000d1", "3");
    r2[2] = transfer(4, 2, DAY1 + 20, MINER, "6");
    r2[3] = transfer(4, 3, DAY1 + 20, "0x00000000000000000000000000000000000000e1", "100");
    r2[4] = transfer(4, 4, DAY1 + 20, MINER, "100");
    r2[5] = transfer(4, 5, DAY1 + 20, MINER, "800");
    commit(st, 4, 4, r2, 6);
    ck_assert_int_eq(one(db, "SELECT count(*) FROM earnings"), 5);
    ck_assert_int_eq(one(db, "SELECT CAST(fees AS INTEGER) * 1000 + CAST(rewards AS INTEGER) FROM "
                             "earnings_totals WHERE address = '" MINER "' AND role = 'validator'"), 6800);
    ck_assert_int_eq(one(db, "SELECT CAST(rewards AS INTEGER) FROM earnings_totals WHERE "
                             "address = '" MINER "' AND role = 'task_owner'"), 100);
    ck_assert_int_eq(one(db, "SELECT CAST(fees AS INTEGER) FROM miners WHERE address = '" MINER "'"), 6);
    /* Block 5: claim of task 2 with a single transfer (the validator fee). */
    memset(r2, 0, sizeof(r2));
    r2[0] = claim("2", MINER, 5, 0, DAY1 + 30);
    r2[1] = transfer(5, 1, DAY1 + 30, MINER, "9");
    /* Block 6: a rejected contestation of task 3's solution settled in
     * era 5 (FeesPaid, RewardsPaid before the finish, no SolutionClaimed). */
    r2[2] = solution("3", MINER, 6, 0, DAY1 + 40);
    r2[3] = pair(ST_CONTESTATION, "3", ALICE, 6, 1, DAY1 + 40);
    r2[4] = pair(ST_VOTE, "3", ALICE, 6, 2, DAY1 + 40);
    snprintf(r2[4].u.vote.task, sizeof(r2[4].u.vote.task), "0x%063d3", 0);
    snprintf(r2[4].u.vote.voter, sizeof(r2[4].u.vote.voter), "%s", ALICE);
    r2[4].u.vote.yea = 1;
    r2[5] = pair(ST_VOTE, "3", MINER, 6, 3, DAY1 + 40);
    snprintf(r2[5].u.vote.task, sizeof(r2[5].u.vote.task), "0x%063d3", 0);
    snprintf(r2[5].u.vote.voter, sizeof(r2[5].u.vote.voter), "%s", MINER);
    r2[5].u.vote.yea = 0;
    commit(st, 5, 6, r2, 6);
    memset(r3, 0, sizeof(r3));
    r3[0] = payout(7, 0, DAY1 + 50, "fees", "4", "1", "6", "5");
    r3[1] = payout(7, 1, DAY1 + 50, "rewards", "1000", "100", "100", "800");
    r3[2] = pair(ST_VOTE_FINISH, "3", ALICE, 7, 2, DAY1 + 50);
    snprintf(r3[2].u.finish.task, sizeof(r3[2].u.finish.task), "0x%063d3", 0);
    r3[2].u.finish.start_idx = 0;
    r3[2].u.finish.end_idx = 2;
    commit(st, 7, 7, r3, 3);
    /* validator: 6 + 9 + 5 fees, 800 + 800 rewards; model part 4 - 1. */
    ck_assert_int_eq(one(db, "SELECT CAST(fees AS INTEGER) * 10000 + CAST(rewards AS INTEGER) FROM "
                             "miners WHERE address = '" MINER "'"), 201600);
    ck_assert_int_eq(one(db, "SELECT count(*) FROM earnings WHERE via = 'contestation'"), 5);
    ck_assert_int_eq(one(db, "SELECT CAST(amount AS INTEGER) FROM earnings WHERE "
                             "via = 'contestation' AND role = 'model'"), 3);
    ck_assert_int_eq(one(db, "SELECT count(*) FROM miner_latency WHERE day = -1 AND kind = 0"), 3);
    after = dump(db);
    /* Replays change nothing; the rebuild and a forced re-derivation agree. */
    commit(st, 7, 7, r3, 3);
    again = dump(db);
    same(again, after);
    free(again);
    ck_assert_int_eq(store_rebuild_derived(st), 0);
    again = dump(db);
    same(again, after);
    free(again);
    ck_assert_int_eq(store_recompute_earnings(st, NULL, 1, NULL, NULL, &rc), 0);
    ck_assert_int_eq(rc.txs, 3);
    again = dump(db);
    same(again, after);
    free(again);
    /* An upheld contestation: the refund transfer is not an earning. */
    memset(r3, 0, sizeof(r3));
    r3[0] = solution("4", MINER, 8, 0, DAY1 + 60);
    r3[1] = pair(ST_CONTESTATION, "4", ALICE, 8, 1, DAY1 + 60);
    r3[2] = pair(ST_VOTE, "4", ALICE, 8, 2, DAY1 + 60);
    snprintf(r3[2].u.vote.task, sizeof(r3[2].u.vote.task), "0x%063d4", 0);
    snprintf(r3[2].u.vote.voter, sizeof(r3[2].u.vote.voter), "%s", ALICE);
    r3[2].u.vote.yea = 1;
    commit(st, 8, 8, r3, 3);
    memset(r3, 0, sizeof(r3));
    r3[0] = transfer(9, 0, DAY1 + 70, ALICE, "10");
    r3[1] = pair(ST_VOTE_FINISH, "4", ALICE, 9, 1, DAY1 + 70);
    snprintf(r3[1].u.finish.task, sizeof(r3[1].u.finish.task), "0x%063d4", 0);
    commit(st, 9, 9, r3, 2);
    ck_assert_int_eq(one(db, "SELECT count(*) FROM earnings WHERE task LIKE '%4'"), 0);
    /* A reorg back to block 3 removes every claim and its earnings. */
    ck_assert_int_eq(store_rollback(st, 3, "0xh3", 0, NULL, &removed), 0);
    again = dump(db);
    same(again, before);
    free(again);
    free(before);
    free(after);
    store_free(st);
    db_close(db);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");

    tcase_add_test(tc, test_store__deltas_equal_rebuild_and_rollback);
    tcase_add_test(tc, test_store__rollback_claim_of_doomed_solution);
    tcase_add_test(tc, test_store__window_and_checkpoint);
    tcase_add_test(tc, test_store__earnings);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(store_suite)
