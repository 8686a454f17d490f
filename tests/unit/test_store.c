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

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");

    tcase_add_test(tc, test_store__deltas_equal_rebuild_and_rollback);
    tcase_add_test(tc, test_store__rollback_claim_of_doomed_solution);
    tcase_add_test(tc, test_store__window_and_checkpoint);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(store_suite)
