/*
 * participants.c - roles, stake history and contestation record of any
 * address (see participants.h).
 *
 * Every query is by address over an index: stake_events (addr, validator),
 * commitments (addr, block), solutions (validator, block), contestations
 * (contester), votes (voter), earnings (addr, role, time).
 */
#include "arbiusd/participants.h"

#include <stdio.h>
#include <string.h>

#include "arbiusd/log.h"
#include "arbiusd/u256.h"

static const char *const ROLES[] = { "staker", "committer", "solver",
                                     "contester", "voter" };

/* Whether addr has each role, in ROLES order: ?1 the address. */
static const char SQL_ROLES[] =
    "SELECT EXISTS (SELECT 1 FROM stake_events WHERE validator = ?1 AND "
    "kind = 'deposit'), EXISTS (SELECT 1 FROM commitments WHERE addr = ?1), "
    "EXISTS (SELECT 1 FROM solutions WHERE validator = ?1), "
    "EXISTS (SELECT 1 FROM contestations WHERE contester = ?1), "
    "EXISTS (SELECT 1 FROM votes WHERE voter = ?1 AND auto = 0)";

/* The first and last block addr took part in. */
static const char SQL_SPAN[] =
    "SELECT min(b), max(b) FROM ("
    "SELECT block AS b FROM stake_events WHERE validator = ?1 AND "
    "kind = 'deposit' UNION ALL SELECT block FROM stake_events WHERE "
    "addr = ?1 AND kind != 'deposit' UNION ALL "
    "SELECT min(block) FROM commitments WHERE addr = ?1 UNION ALL "
    "SELECT max(block) FROM commitments WHERE addr = ?1 UNION ALL "
    "SELECT min(block) FROM solutions WHERE validator = ?1 UNION ALL "
    "SELECT max(block) FROM solutions WHERE validator = ?1 UNION ALL "
    "SELECT block FROM contestations WHERE contester = ?1 UNION ALL "
    "SELECT block FROM votes WHERE voter = ?1)";
static const struct db_field span_fields[] = {
    { "first_block", DB_JSON },
    { "last_block", DB_JSON },
};

static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM solutions WHERE validator = ?1), "
    "(SELECT count(*) FROM solutions WHERE validator = ?1 AND claimed), "
    "(SELECT count(*) FROM commitments WHERE addr = ?1)";
static const struct db_field count_fields[] = {
    { "solutions", DB_INT },
    { "solutions_claimed", DB_INT },
    { "commitments", DB_INT },
};

/* Filed by addr, then against its solutions (CROSS JOIN: from the few
 * contestations). */
static const char SQL_CONTESTED[] =
    "SELECT count(*), total(outcome = 'upheld'), total(outcome = "
    "'rejected'), total(outcome IS NULL), "
    "(SELECT count(*) FROM contestations c CROSS JOIN solutions s ON "
    "s.task = c.task WHERE s.validator = ?1), "
    "(SELECT total(c.outcome = 'upheld') FROM contestations c CROSS JOIN "
    "solutions s ON s.task = c.task WHERE s.validator = ?1), "
    "(SELECT total(c.outcome = 'rejected') FROM contestations c CROSS JOIN "
    "solutions s ON s.task = c.task WHERE s.validator = ?1), "
    "(SELECT total(c.outcome IS NULL) FROM contestations c CROSS JOIN "
    "solutions s ON s.task = c.task WHERE s.validator = ?1) "
    "FROM contestations WHERE contester = ?1";
static const struct db_field contested_fields[] = {
    { "contested", DB_INT },
    { "won", DB_INT },
    { "lost", DB_INT },
    { "open", DB_INT },
    { "against", DB_INT },
    { "against_upheld", DB_INT },
    { "against_rejected", DB_INT },
    { "against_open", DB_INT },
};

/* A vote is won when it took the side the contract decided. */
static const char SQL_VOTED[] =
    "SELECT total(NOT v.auto), total(NOT v.auto AND v.yea), "
    "total(NOT v.auto AND NOT v.yea), "
    "total(NOT v.auto AND c.outcome IS NOT NULL AND "
    "(c.outcome = 'upheld') = (v.yea != 0)), "
    "total(NOT v.auto AND c.outcome IS NOT NULL AND "
    "(c.outcome = 'upheld') != (v.yea != 0)), "
    "total(NOT v.auto AND c.outcome IS NULL), total(v.auto) "
    "FROM votes v LEFT JOIN contestations c ON c.task = v.task "
    "WHERE v.voter = ?1";
static const struct db_field voted_fields[] = {
    { "cast", DB_INT }, { "yea", DB_INT },  { "nay", DB_INT },
    { "won", DB_INT },  { "lost", DB_INT }, { "pending", DB_INT },
    { "auto", DB_INT },
};

/* The stake moves of addr with a log: its deposits received, its
 * withdrawals, and the newest era-6 credits (?2 of them). */
static const char SQL_STAKE[] =
    "SELECT * FROM (SELECT kind, amount, block, tx, log_index, addr, "
    "NULL, count, unlock_time, NULL, NULL FROM stake_events WHERE "
    "validator = ?1 AND kind = 'deposit' UNION ALL SELECT kind, amount, "
    "block, tx, log_index, NULL, validator, count, unlock_time, NULL, NULL "
    "FROM stake_events WHERE addr = ?1 AND kind != 'deposit' UNION ALL "
    "SELECT * FROM (SELECT CASE kind WHEN 'fees' THEN 'fee' ELSE 'reward' "
    "END, amount, block, tx, log_index, NULL, NULL, NULL, NULL, task, via "
    "FROM earnings WHERE addr = ?1 AND role = 'validator' AND era = 6 "
    "ORDER BY time DESC, block DESC, log_index DESC LIMIT ?2)) "
    "ORDER BY block, log_index";
static const struct db_field stake_fields[] = {
    { "kind", DB_STR }, { "amount", DB_STR },    { "block", DB_INT },
    { "tx", DB_STR },   { "log_index", DB_INT }, { "by", DB_STR },
    { "to", DB_STR },   { "count", DB_STR },     { "unlock_time", DB_STR },
    { "task", DB_STR }, { "via", DB_STR },
};

/* Runs a one-row query of addr and sets fields on o (n fields from column
 * 0).  0 or -1. */
static int one_row_into(struct db *db, const char *sql, const char *addr,
                        json_t *o, const struct db_field *f, size_t n)
{
    sqlite3_stmt *st = db_query(db, sql, "t", addr);
    int r = st ? db_step(db, st, "participants") : -1;

    if (r == 1)
        db_row_into(o, st, 0, f, n);
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

/* Drops the members of o that are null (history rows carry only the
 * fields of their kind). */
static void drop_nulls(json_t *o)
{
    const char *k;
    json_t *v;
    void *tmp;

    json_object_foreach_safe(o, tmp, k, v) if (json_is_null(v))
        json_object_del(o, k);
}

/* *acc += the decimal wei text a (NULL: nothing).  0 or -1. */
static int add_dec(struct u256 *acc, const char *a)
{
    struct u256 v, sum;

    if (!a)
        return 0;
    if (u256_from_dec(a, strlen(a), &v) < 0 || u256_add(acc, &v, &sum)) {
        log_warnx("participants: stake amount %s does not add up", a);
        return -1;
    }
    *acc = sum;
    return 0;
}

/* Adds the amount of a deposit or withdraw history row h to its sum. */
static int stake_sum(const json_t *h, struct u256 sums[2])
{
    const char *kind = json_string_value(json_object_get(h, "kind"));
    const char *a = json_string_value(json_object_get(h, "amount"));

    if (kind && strcmp(kind, "deposit") == 0)
        return add_dec(&sums[0], a);
    if (kind && strcmp(kind, "withdraw") == 0)
        return add_dec(&sums[1], a);
    return 0;
}

/* *credited = every era-6 fee and reward credited to addr's stake (from
 * earnings_totals: also the credits the history does not list).  0, -1. */
static int credited_of(struct db *db, const char *addr, struct u256 *credited)
{
    sqlite3_stmt *st = db_query(db,
                                "SELECT fees, rewards FROM earnings_totals "
                                "WHERE address = ?1 AND role = 'validator' "
                                "AND era = 6",
                                "t", addr);
    int r = st ? db_step(db, st, "participants: credits") : -1;

    if (r == 1 &&
        (add_dec(credited, (const char *)sqlite3_column_text(st, 0)) < 0 ||
         add_dec(credited, (const char *)sqlite3_column_text(st, 1)) < 0))
        r = -1;
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

/* Sets o.stake: the history and its exact sums. */
static int stake_into(struct db *db, const char *addr, json_t *o)
{
    static const char *const names[3] = { "deposited", "withdrawn",
                                          "credited" };
    struct u256 sums[3] = { { { 0 } } };
    json_t *hist = NULL, *h, *stake;
    size_t i;
    char d[U256_DEC_SIZE];

    if (db_rows(db,
                db_query(db, SQL_STAKE, "ti", addr,
                         (int64_t)PARTICIPANT_CREDITS),
                stake_fields, ARRAY_SIZE(stake_fields), "participants: stake",
                &hist) < 0)
        return -1;
    stake = json_object();
    json_object_set_new(o, "stake", stake);
    json_object_set_new(stake, "history", hist);
    json_array_foreach(hist, i, h)
    {
        drop_nulls(h);
        if (stake_sum(h, sums) < 0)
            return -1;
    }
    if (credited_of(db, addr, &sums[2]) < 0)
        return -1;
    for (i = 0; i < 3; i++) {
        if (u256_to_dec(&sums[i], d, sizeof(d)) < 0)
            return -1;
        json_object_set_new(stake, names[i], json_string(d));
    }
    return 0;
}

/* Sets o.roles from SQL_ROLES; the number of roles, or -1. */
static int roles_into(struct db *db, const char *addr, json_t *o)
{
    sqlite3_stmt *st = db_query(db, SQL_ROLES, "t", addr);
    int r = st ? db_step(db, st, "participants: roles") : -1, n = 0;
    json_t *roles = json_array();
    size_t i;

    for (i = 0; r == 1 && i < ARRAY_SIZE(ROLES); i++)
        if (sqlite3_column_int(st, (int)i)) {
            json_array_append_new(roles, json_string(ROLES[i]));
            n++;
        }
    db_stmt_done(db, st);
    json_object_set_new(o, "roles", roles);
    return r < 0 ? -1 : n;
}

/* The record of a list row and of a page: roles, span, contestations,
 * votes.  The number of roles, or -1. */
static int summary_into(struct db *db, const char *addr, json_t *o)
{
    json_t *c = json_object(), *v = json_object();
    int n = roles_into(db, addr, o);

    json_object_set_new(o, "contestation_record", c);
    json_object_set_new(o, "vote_record", v);
    if (n < 0 ||
        one_row_into(db, SQL_SPAN, addr, o, span_fields,
                     ARRAY_SIZE(span_fields)) < 0 ||
        one_row_into(db, SQL_CONTESTED, addr, c, contested_fields,
                     ARRAY_SIZE(contested_fields)) < 0 ||
        one_row_into(db, SQL_VOTED, addr, v, voted_fields,
                     ARRAY_SIZE(voted_fields)) < 0)
        return -1;
    return n;
}

int participant_into(struct db *db, const char *addr, json_t *o)
{
    int n = summary_into(db, addr, o);

    if (n < 0 ||
        one_row_into(db, SQL_COUNTS, addr, o, count_fields,
                     ARRAY_SIZE(count_fields)) < 0 ||
        stake_into(db, addr, o) < 0)
        return -1;
    return n;
}

/* The addresses of each role, most active first: ?1 the row limit. */
static const struct {
    const char *role;
    const char *sql;
} ROLE_LISTS[] = {
    { "staker", "SELECT validator, count(*) FROM stake_events WHERE "
                "kind = 'deposit' GROUP BY validator "
                "ORDER BY 2 DESC, 1 LIMIT ?1" },
    { "committer", "SELECT addr, count(*) FROM commitments GROUP BY addr "
                   "ORDER BY 2 DESC, 1 LIMIT ?1" },
    { "contester", "SELECT contester, count(*) FROM contestations "
                   "GROUP BY contester ORDER BY 2 DESC, 1 LIMIT ?1" },
    { "voter", "SELECT voter, count(*) FROM votes WHERE auto = 0 "
               "GROUP BY voter ORDER BY 2 DESC, 1 LIMIT ?1" },
};

int participants_list(struct db *db, const char *role, json_t **outp)
{
    static const struct db_field row_fields[] = {
        { "address", DB_STR },
        { "count", DB_INT },
    };
    json_t *rows = NULL, *r, *o;
    size_t i, k;

    for (k = 0; k < ARRAY_SIZE(ROLE_LISTS); k++)
        if (strcmp(ROLE_LISTS[k].role, role) == 0)
            break;
    if (k == ARRAY_SIZE(ROLE_LISTS))
        return 1;
    if (db_rows(db,
                db_query(db, ROLE_LISTS[k].sql, "i",
                         (int64_t)PARTICIPANTS_MAX),
                row_fields, ARRAY_SIZE(row_fields), "participants: list",
                &rows) < 0)
        return -1;
    json_array_foreach(rows, i, r)
    {
        if (summary_into(db, json_string_value(json_object_get(r, "address")),
                         r) < 0) {
            json_decref(rows);
            return -1;
        }
    }
    o = json_pack("{s:s,s:o}", "role", ROLE_LISTS[k].role, "participants",
                  rows);
    *outp = o;
    return 0;
}
