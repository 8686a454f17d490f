/*
 * miners.c - `arbiusd miners` and `arbiusd tokens`: the old
 * identify_miners / analyze_miner_tokens management commands, over the
 * stored rows (no RPC).
 */
#include "arbiusd/cmd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arbiusd/analytics.h"
#include "arbiusd/log.h"
#include "arbiusd/store.h"
#include "arbiusd/u256.h"

static void time_str(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, n, "%lld", (long long)t);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

static long long jint(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* Lower-cases a 0x + 40 hex address into out: 0 or -1. */
static int parse_address(const char *s, char out[43])
{
    size_t i;

    if (strlen(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return -1;
    for (i = 2; i < 42; i++)
        if (!isxdigit((unsigned char)s[i]))
            return -1;
    for (i = 0; i < 42; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[42] = '\0';
    return 0;
}

/* The database and writer store `miners` and `tokens` work on, and the
 * JSON they print from. */
struct miners_work {
    struct db *db;
    struct store *st;
    json_t *o;
};

/* Opens [database] path (migrating it) and a store on it.  0, or the
 * exit code; w must be passed to miners_done() either way. */
static int miners_open(const struct config *cfg, struct miners_work *w)
{
    memset(w, 0, sizeof(*w));
    if (cmd_open_db(cfg, DB_READWRITE, 1, &w->db) < 0 ||
        store_new(w->db, &w->st) < 0)
        return CMD_EXIT_DB;
    return 0;
}

/* Releases what miners_open() opened; returns ret. */
static int miners_done(struct miners_work *w, int ret)
{
    json_decref(w->o);
    store_free(w->st);
    db_close(w->db);
    return ret;
}

static void print_recent(json_t *o, long long hours)
{
    json_t *m;
    size_t i;

    printf("%-42s  %9s  %9s  %10s  %-16s  %s\n", "miner", "solutions",
           "claims", "all-time", "last seen (UTC)", "status");
    json_array_foreach(json_object_get(o, "miners"), i, m) {
        char last[32];

        time_str(jint(m, "last_seen"), last, sizeof(last));
        printf("%-42s  %9lld  %9lld  %10lld  %-16s  %s\n", jstr(m, "address"),
               jint(m, "solutions"), jint(m, "claims"),
               jint(m, "total_solutions"), last,
               json_is_true(json_object_get(m, "active")) ? "active"
                                                          : "inactive");
    }
    printf("%zu miners seen in the last %lld hours (solutions and claims "
           "counted in that period)\n",
           json_array_size(json_object_get(o, "miners")), hours);
    json_array_foreach(json_object_get(o, "committers"), i, m)
        printf("committer without solutions: %s (%lld commitments)\n",
               jstr(m, "address"), jint(m, "commitments"));
}

int cmd_miners(struct config *cfg, int argc, char **argv)
{
    struct miners_work w;
    int64_t window = (int64_t)cfg->miners_active_window * 3600;
    int64_t active = 0, changed = 0;
    uint64_t hours = 0;
    int i, quiet = 0, mode = 0, ret;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(argv[i], "--hours") == 0) {
            if (i + 1 >= argc ||
                util_parse_u64(argv[i + 1], 1, 1000000, &hours) < 0)
                return cmd_usage_error("miners", "%s",
                                       "--hours needs N from 1 to 1000000");
            mode = mode ? -1 : 1;
            i++;
        } else if (strcmp(argv[i], "--initial-scan") == 0) {
            mode = mode ? -1 : 2;
        } else if (strcmp(argv[i], "--mark-inactive") == 0) {
            mode = mode ? -1 : 3;
        } else {
            return cmd_usage_error("miners", "unknown option '%s'", argv[i]);
        }
    }
    if (mode <= 0)
        return cmd_usage_error("miners", "%s",
                               "give exactly one of --hours N, "
                               "--initial-scan, --mark-inactive");
    ret = miners_open(cfg, &w);
    if (ret != 0)
        goto out;
    ret = CMD_EXIT_DB;
    if (mode == 2) {
        if (!quiet)
            fprintf(stderr, "miners: rebuilding miners, automine flags and "
                            "rollups from the stored rows...\n");
        if (store_rebuild_derived(w.st) < 0)
            goto out;
    }
    /* Every mode leaves the active flags as the window says. */
    if (store_mark_inactive(w.st, window, &active, &changed) < 0)
        goto out;
    if (mode == 1) {
        if (analytics_miners_recent(w.db, (int64_t)hours * 3600, window,
                                    &w.o) < 0)
            goto out;
        if (!quiet)
            print_recent(w.o, (long long)hours);
        else
            printf("%zu\n", json_array_size(json_object_get(w.o, "miners")));
    } else if (!quiet || mode == 3) {
        if (analytics_miners_recent(w.db, INT64_MAX / 4, window, &w.o) < 0)
            goto out;
        printf("%zu miners, %lld active (last solution within %llu h of the "
               "indexed head), %lld flags changed\n",
               json_array_size(json_object_get(w.o, "miners")),
               (long long)active,
               (unsigned long long)cfg->miners_active_window,
               (long long)changed);
    }
    ret = 0;
out:
    return miners_done(&w, ret);
}

static void progress(size_t done, size_t total, void *ud)
{
    (void)ud;
    fprintf(stderr, "\rtokens: %zu/%zu settlement transactions", done, total);
    if (done == total)
        fputc('\n', stderr);
}

int cmd_tokens(struct config *cfg, int argc, char **argv)
{
    struct miners_work w;
    struct st_recompute rc;
    json_t *row;
    char miner[43] = "";
    int i, quiet = 0, force = 0, all = 0, ret;
    const struct cmd_flag flags[] = {
        { "--quiet", &quiet },
        { "--force", &force },
        { "--all", &all },
        { NULL, NULL },
    };
    size_t k;

    for (i = 1; i < argc; i++) {
        if (cmd_flag(argv[i], flags)) {
            continue;
        } else if (strcmp(argv[i], "--miner") == 0) {
            if (i + 1 >= argc || parse_address(argv[i + 1], miner) < 0)
                return cmd_usage_error("tokens", "%s",
                                       "--miner needs an address (0x and 40 "
                                       "hex digits)");
            i++;
        } else {
            return cmd_usage_error("tokens", "unknown option '%s'", argv[i]);
        }
    }
    if (all == !!miner[0])
        return cmd_usage_error("tokens", "%s",
                               "give exactly one of --all, --miner 0x...");
    ret = miners_open(cfg, &w);
    if (ret != 0)
        goto out;
    ret = CMD_EXIT_DB;
    if (store_recompute_earnings(w.st, miner[0] ? miner : NULL, force,
                                 quiet || !isatty(2) ? NULL : progress, NULL,
                                 &rc) < 0 ||
        analytics_earnings(w.db, miner[0] ? miner : NULL, &w.o) < 0)
        goto out;
    if (!quiet) {
        printf("%-42s  %3s  %26s  %26s\n", "miner", "era", "fees (wei)",
               "rewards (wei)");
        json_array_foreach(json_object_get(w.o, "rows"), k, row)
            printf("%-42s  %3lld  %26s  %26s\n", jstr(row, "address"),
                   jint(row, "era"), jstr(row, "fees"), jstr(row, "rewards"));
    }
    row = json_object_get(w.o, "totals");
    printf("%lld settlement transactions %s, %lld earnings rows written, %lld "
           "addresses; validator earnings %s wei (%s AIUS: fees %s, rewards "
           "%s wei)\n",
           (long long)rc.txs, force ? "derived again" : "checked",
           (long long)rc.rows, (long long)rc.addresses,
           jstr(row, "earnings"), jstr(row, "earnings_aius"),
           jstr(row, "fees"), jstr(row, "rewards"));
    ret = 0;
out:
    return miners_done(&w, ret);
}
