/*
 * test_social.c - the social write side and its reads on a real database
 * file with the real migrations: votes keep tasks.upvotes exact, nonces are
 * single-use, comments are rate limited and editable in their window,
 * moderation hides, and a reorg that deletes and re-inserts a task gets its
 * upvotes and hidden flag back from the social tables.
 */
#include "arbiusd/social_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arbiusd/db.h"
#include "arbiusd/migrate.h"
#include "arbiusd/store.h"
#include "unit.h"

#define ALICE "0xa11ce00000000000000000000000000000000000"
#define BOB   "0x0000000000000000000000000000000000000b0b"
#define MODEL "0x00000000000000000000000000000000000000000000000000000000000000aa"
#define T1 "0x0000000000000000000000000000000000000000000000000000000000000001"
#define T2 "0x0000000000000000000000000000000000000000000000000000000000000002"

struct fixture {
    char path[64];
    struct db *db;          /* the scanner's connection */
    struct store *st;
    struct social *so;      /* the web side's writer */
};

static struct st_event task(const char *id, uint64_t block, uint32_t li)
{
    struct st_event e;

    memset(&e, 0, sizeof(e));
    e.kind = ST_TASK;
    e.pos.block = block;
    e.pos.log_index = li;
    snprintf(e.pos.tx, sizeof(e.pos.tx), "0x%064llx", (unsigned long long)block);
    e.pos.time = 1700000000 + (int64_t)block;
    snprintf(e.u.task.id, sizeof(e.u.task.id), "%s", id);
    snprintf(e.u.task.model, sizeof(e.u.task.model), "%s", MODEL);
    snprintf(e.u.task.owner, sizeof(e.u.task.owner), "%s", ALICE);
    snprintf(e.u.task.sender, sizeof(e.u.task.sender), "%s", ALICE);
    snprintf(e.u.task.fee, sizeof(e.u.task.fee), "1");
    e.u.task.via = "engine";
    e.u.task.bulk_size = 1;
    return e;
}

static void commit(struct fixture *f, uint64_t from, uint64_t to,
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
    ck_assert_int_eq(store_commit_range(f->st, &r, ev, n), 0);
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

static void setup(struct fixture *f)
{
    int fd;

    snprintf(f->path, sizeof(f->path), "/tmp/arbiusd-social-XXXXXX");
    fd = mkstemp(f->path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(f->path);
    ck_assert_int_eq(db_open(f->path, DB_READWRITE, 2000, &f->db), 0);
    ck_assert_int_eq(migrate_apply(f->db, NULL, NULL, 0), 0);
    ck_assert_int_eq(store_new(f->db, &f->st), 0);
    ck_assert_int_eq(store_init_checkpoint(f->st, 1, "0xe", 1, "0xh0", 0), 0);
    ck_assert_int_eq(social_open(f->path, 2000, &f->so), 0);
}

static void teardown(struct fixture *f)
{
    char p[96];

    social_free(f->so);
    store_free(f->st);
    db_close(f->db);
    unlink(f->path);
    snprintf(p, sizeof(p), "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->path);
    unlink(p);
}

START_TEST(test_social__secret_and_nonces)
{
    struct fixture f;
    uint8_t a[SOCIAL_SECRET_LEN], b[SOCIAL_SECRET_LEN];
    static const uint8_t zero[SOCIAL_SECRET_LEN];

    setup(&f);
    ck_assert_int_eq(social_secret(f.so, a), 0);
    ck_assert_int_eq(social_secret(f.so, b), 0);
    ck_assert_mem_eq(a, b, sizeof(a));  /* stable per database */
    ck_assert(memcmp(a, zero, sizeof(a)) != 0);
    /* A nonce can be spent once; spent nonces are pruned once expired. */
    ck_assert_int_eq(social_nonce_spend(f.so, "nonce0001", "1.2.3.4", 1000, 1060, 1010), 0);
    ck_assert_int_eq(social_nonce_spend(f.so, "nonce0001", "1.2.3.4", 1000, 1060, 1011), 2);
    ck_assert_int_eq(social_nonce_spend(f.so, "nonce0002", "1.2.3.4", 1000, 1060, 1011), 0);
    ck_assert_int_eq(social_nonce_spend(f.so, "nonce0003", "1.2.3.4", 2000, 2060, 2000), 0);
    ck_assert_int_eq(social_nonce_spend(f.so, "nonce0001", "1.2.3.4", 1000, 1060, 2001), 0);
    teardown(&f);
}
END_TEST

START_TEST(test_social__votes_reactions_comments)
{
    struct fixture f;
    struct social_comment_limits lim = { 3600, 2, 3 };
    struct st_event ev[2];
    int64_t n = -1, id1 = 0, id2 = 0;
    json_t *o = NULL;

    setup(&f);
    ev[0] = task(T1, 2, 0);
    ev[1] = task(T2, 3, 0);
    commit(&f, 2, 3, ev, 2);
    ck_assert_int_eq(social_vote(f.so, T1, ALICE, 1, 100, &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(social_vote(f.so, T1, ALICE, 1, 101, &n), 0);
    ck_assert_int_eq(n, 1);  /* one vote per wallet */
    ck_assert_int_eq(social_vote(f.so, T1, BOB, 1, 102, &n), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(one(f.db, "SELECT upvotes FROM tasks WHERE id = '" T1 "'"), 2);
    ck_assert_int_eq(social_vote(f.so, T1, ALICE, 0, 103, &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(one(f.db, "SELECT upvotes FROM tasks WHERE id = '" T1 "'"), 1);
    ck_assert_int_eq(social_vote(f.so, "0x" "ff", ALICE, 1, 103, &n), 1);
    ck_assert_int_eq(social_react(f.so, T1, ALICE, "fire", 1, 104), 0);
    ck_assert_int_eq(social_react(f.so, T1, BOB, "fire", 1, 104), 0);
    ck_assert_int_eq(social_react(f.so, T1, BOB, "fire", 0, 105), 0);

    /* Rate limits: 2 per wallet, 3 per IP in the window. */
    ck_assert_int_eq(social_comment_add(f.so, T1, ALICE, "<b>hi</b>", "ip1", 200, &lim, &id1), 0);
    ck_assert_int_eq(social_comment_add(f.so, T1, ALICE, "two", "ip1", 201, &lim, &id2), 0);
    ck_assert_int_eq(social_comment_add(f.so, T1, ALICE, "three", "ip1", 202, &lim, &n), 2);
    ck_assert_int_eq(social_comment_add(f.so, T1, BOB, "b1", "ip1", 203, &lim, &n), 0);
    ck_assert_int_eq(social_comment_add(f.so, T1, BOB, "b2", "ip1", 204, &lim, &n), 3);
    ck_assert_int_eq(social_comment_add(f.so, T1, BOB, "b2", "ip2", 204, &lim, &n), 0);
    /* The window slides. */
    ck_assert_int_eq(social_comment_add(f.so, T1, ALICE, "later", "ip9", 200 + 3600, &lim, &n), 0);
    /* Edits: author only, within the window. */
    ck_assert_int_eq(social_comment_edit(f.so, id1, BOB, "x", 210, 300), 2);
    ck_assert_int_eq(social_comment_edit(f.so, id1, ALICE, "edited", 210, 300), 0);
    ck_assert_int_eq(social_comment_edit(f.so, id1, ALICE, "late", 501, 300), 3);
    ck_assert_int_eq(social_comment_edit(f.so, 99999, ALICE, "x", 210, 300), 1);

    ck_assert_int_eq(social_task_json(f.db, T1, ALICE, 0, 220, 300, &o), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(o, "upvotes")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(o, "comments")), 5);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(o, "comments"), 0), "body")),
                     "edited");
    ck_assert(json_is_true(json_object_get(
        json_array_get(json_object_get(o, "comments"), 0), "editable")));
    /* reactions[2] is fire: alice's remains. */
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(o, "reactions"), 2), "name")),
                     "fire");
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(o, "reactions"), 2), "count")),
                     1);
    ck_assert(json_is_false(json_object_get(json_object_get(o, "viewer"), "upvoted")));
    json_decref(o);
    teardown(&f);
}
END_TEST

START_TEST(test_social__moderation_and_reorg_reapply)
{
    struct fixture f;
    struct social_comment_limits lim = { 3600, 10, 10 };
    struct st_event ev[2];
    uint64_t removed = 0;
    int64_t n = 0, cid = 0;
    int changed = -1;
    json_t *o = NULL;

    setup(&f);
    ev[0] = task(T1, 2, 0);
    ev[1] = task(T2, 6, 0);
    commit(&f, 2, 6, ev, 2);
    ck_assert_int_eq(social_vote(f.so, T2, ALICE, 1, 100, &n), 0);
    ck_assert_int_eq(social_vote(f.so, T2, BOB, 1, 100, &n), 0);
    ck_assert_int_eq(social_comment_add(f.so, T1, BOB, "c", "ip", 100, &lim, &cid), 0);
    ck_assert_int_eq(social_hide_task(f.so, T2, 1, ALICE, "spam", "ip", 101, &changed), 0);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(social_hide_task(f.so, T2, 1, ALICE, NULL, "ip", 101, &changed), 0);
    ck_assert_int_eq(changed, 0);
    ck_assert_int_eq(one(f.db, "SELECT hidden FROM tasks WHERE id = '" T2 "'"), 1);
    /* Hidden: gone for others, votes refused, visible to admins. */
    ck_assert_int_eq(social_task_json(f.db, T2, BOB, 0, 102, 300, &o), 1);
    ck_assert_int_eq(social_vote(f.so, T2, BOB, 0, 102, &n), 1);
    ck_assert_int_eq(social_task_json(f.db, T2, ALICE, 1, 102, 300, &o), 0);
    ck_assert(json_is_true(json_object_get(o, "hidden")));
    json_decref(o);
    ck_assert_int_eq(social_hide_comment(f.so, cid, 1, ALICE, "ip", 103, &changed), 0);
    ck_assert_int_eq(social_comments_json(f.db, T1, NULL, 0, 104, 300, &o), 0);
    ck_assert_int_eq(json_array_size(json_object_get(o, "comments")), 0);
    json_decref(o);
    ck_assert_int_eq(social_comments_json(f.db, T1, NULL, 1, 104, 300, &o), 0);
    ck_assert_int_eq(json_array_size(json_object_get(o, "comments")), 1);
    json_decref(o);
    ck_assert_int_eq(social_hide_comment(f.so, 424242, 1, ALICE, "ip", 103, &changed), 1);
    ck_assert_int_eq(one(f.db, "SELECT count(*) FROM social_audit"), 3);

    /* A reorg below block 6 deletes T2's row (and with it the cached
     * upvotes and hidden flag); the re-inserted row gets them back. */
    ck_assert_int_eq(store_rollback(f.st, 5, "0xh5", 0, NULL, &removed), 0);
    ck_assert_int_eq(one(f.db, "SELECT count(*) FROM tasks WHERE id = '" T2 "'"), 0);
    ev[0] = task(T2, 7, 3);
    commit(&f, 6, 7, ev, 1);
    ck_assert_int_eq(one(f.db, "SELECT upvotes FROM tasks WHERE id = '" T2 "'"), 2);
    ck_assert_int_eq(one(f.db, "SELECT hidden FROM tasks WHERE id = '" T2 "'"), 1);
    ck_assert_int_eq(one(f.db, "SELECT upvotes FROM tasks WHERE id = '" T1 "'"), 0);
    ck_assert_int_eq(social_hide_task(f.so, T2, 0, ALICE, NULL, "ip", 110, &changed), 0);
    ck_assert_int_eq(one(f.db, "SELECT hidden FROM tasks WHERE id = '" T2 "'"), 0);

    ck_assert_int_eq(social_system_json(f.db, &o), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(o, "rows"), "social_votes")), 2);
    json_decref(o);
    ck_assert_int_eq(social_audit_json(f.db, 0, 2, &o), 0);
    ck_assert_int_eq(json_array_size(o), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(o, 0), "action")),
                     "unhide_image");
    json_decref(o);
    teardown(&f);
}
END_TEST

/* The hidden images in pages by (hidden_at, task), newest first: two
 * hidden at the same second are split across pages without loss. */
START_TEST(test_social__hidden_pages)
{
    struct fixture f;
    struct st_event ev[3];
    int changed = -1;
    json_t *a = NULL, *b = NULL;
    const char *last;
    static const char *const T3 = "0x00000000000000000000000000000000000000000"
                                  "00000000000000000000003";

    setup(&f);
    ev[0] = task(T1, 2, 0);
    ev[1] = task(T2, 3, 0);
    ev[2] = task(T3, 4, 0);
    commit(&f, 2, 4, ev, 3);
    ck_assert_int_eq(social_hide_task(f.so, T1, 1, ALICE, NULL, "ip", 100,
                                      &changed),
                     0);
    ck_assert_int_eq(social_hide_task(f.so, T2, 1, ALICE, NULL, "ip", 200,
                                      &changed),
                     0);
    ck_assert_int_eq(social_hide_task(f.so, T3, 1, ALICE, NULL, "ip", 200,
                                      &changed),
                     0);
    ck_assert_int_eq(social_hidden_images_json(f.db, 0, NULL, 2, &a), 0);
    ck_assert_int_eq(json_array_size(a), 2);
    ck_assert_str_eq(json_string_value(
                         json_object_get(json_array_get(a, 0), "task")),
                     T3);
    last = json_string_value(json_object_get(json_array_get(a, 1), "task"));
    ck_assert_str_eq(last, T2);
    ck_assert_int_eq(social_hidden_images_json(f.db, 200, last, 2, &b), 0);
    ck_assert_int_eq(json_array_size(b), 1);
    ck_assert_str_eq(json_string_value(
                         json_object_get(json_array_get(b, 0), "task")),
                     T1);
    json_decref(a);
    json_decref(b);
    teardown(&f);
}
END_TEST

static Suite *social_suite(void)
{
    Suite *s = suite_create("social");
    TCase *tc = tcase_create("social");

    tcase_add_test(tc, test_social__secret_and_nonces);
    tcase_add_test(tc, test_social__votes_reactions_comments);
    tcase_add_test(tc, test_social__moderation_and_reorg_reapply);
    tcase_add_test(tc, test_social__hidden_pages);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(social_suite)
