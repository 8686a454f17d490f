/*
 * ipfs.c - `arbiusd ipfs`: one pass of the IPFS monitor over the due (or,
 * with --recheck, every) solution CIDs, with a progress line and a summary.
 */
#include "arbiusd/cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arbiusd/ipfs_monitor.h"
#include "arbiusd/ipfs_store.h"
#include "arbiusd/log.h"

static atomic_bool cmd_stop;

struct cmd_progress {
    bool tty;
    uint64_t last_line_ms;
};

static void progress_line(const struct ipfs_pass *p, void *ud)
{
    struct cmd_progress *cp = ud;
    double secs = (double)(util_now_ms() - p->started_ms) / 1000.0;
    double cps = secs > 0 ? (double)p->checks / secs : 0;
    uint64_t now = util_now_ms();

    /* A terminal gets a rewriting line; a log file a line every 5 s. */
    if (!cp->tty && now - cp->last_line_ms < 5000 && p->cids < p->total)
        return;
    cp->last_line_ms = now;
    fprintf(stderr,
            "%sipfs: %" PRIu64 "/%" PRIu64 " CIDs  %" PRIu64
            " requests  %.1f checks/s  ok %" PRIu64 " slow %" PRIu64
            " missing %" PRIu64 " error %" PRIu64 "%s",
            cp->tty ? "\r" : "", p->cids, p->total, p->checks, cps,
            p->by_status[IPFS_ST_OK], p->by_status[IPFS_ST_SLOW],
            p->by_status[IPFS_ST_MISSING], p->by_status[IPFS_ST_ERROR],
            cp->tty ? "   " : "\n");
    fflush(stderr);
}

int cmd_ipfs(struct config *cfg, int argc, char **argv)
{
    struct cmd_progress cp = { .tty = false, .last_line_ms = 0 };
    struct ipfs_mon *mon = NULL;
    struct ipfs_pass p;
    struct db *db = NULL;
    json_t *counts = NULL;
    uint64_t added = 0;
    int i, recheck = 0, quiet = 0, r, ret = CMD_EXIT_FAIL;
    double secs;

    const struct cmd_flag flags[] = {
        { "--recheck", &recheck },
        { "--quiet", &quiet },
        { NULL, NULL },
    };

    for (i = 1; i < argc; i++)
        if (!cmd_flag(argv[i], flags))
            return cmd_usage_error("ipfs", "unknown option '%s'", argv[i]);
    cmd_trap_signals(&cmd_stop);
    if (quiet)
        log_init(LOG_LVL_WARN);
    if (cmd_open_db(cfg, DB_READWRITE, 1, &db) < 0)
        return CMD_EXIT_DB;
    if (ipfs_mon_new(cfg, db, &cmd_stop, &mon) < 0)
        goto out;
    if (ipfs_mon_discover(mon, 1, &added) < 0)
        goto out;
    if (!quiet) {
        cp.tty = isatty(STDERR_FILENO);
        ipfs_mon_set_progress(mon, progress_line, &cp);
    }
    r = ipfs_mon_run(mon, recheck ? IPFS_RUN_ALL : IPFS_RUN_DUE, &p);
    if (!quiet && cp.tty)
        fputc('\n', stderr);
    if (r == IPFS_PASS_ERROR)
        goto out;
    secs = (double)(util_now_ms() - p.started_ms) / 1000.0;
    if (!quiet) {
        printf("ipfs: %" PRIu64 " new CIDs found; checked %" PRIu64
               " CIDs on %zu gateway(s) in %.1f s (%" PRIu64
               " requests, %.1f checks/s, %" PRIu64 " bytes received)\n"
               "ipfs: this pass: ok %" PRIu64 ", slow %" PRIu64
               ", missing %" PRIu64 ", error %" PRIu64 "\n",
               added, p.cids, cfg->gateways.n, secs, p.checks,
               secs > 0 ? (double)p.checks / secs : 0.0, p.bytes,
               p.by_status[IPFS_ST_OK], p.by_status[IPFS_ST_SLOW],
               p.by_status[IPFS_ST_MISSING], p.by_status[IPFS_ST_ERROR]);
        if (ipfs_counts_json(db, &counts) == 0) {
            json_t *c = json_object_get(counts, "cids");

            printf("ipfs: all CIDs: %" JSON_INTEGER_FORMAT " (ok %"
                   JSON_INTEGER_FORMAT ", slow %" JSON_INTEGER_FORMAT
                   ", missing %" JSON_INTEGER_FORMAT ", error %"
                   JSON_INTEGER_FORMAT ", pending %" JSON_INTEGER_FORMAT
                   "); %" JSON_INTEGER_FORMAT " due, %" JSON_INTEGER_FORMAT
                   " given up\n",
                   json_integer_value(json_object_get(c, "total")),
                   json_integer_value(json_object_get(c, "ok")),
                   json_integer_value(json_object_get(c, "slow")),
                   json_integer_value(json_object_get(c, "missing")),
                   json_integer_value(json_object_get(c, "error")),
                   json_integer_value(json_object_get(c, "pending")),
                   json_integer_value(json_object_get(counts, "due")),
                   json_integer_value(json_object_get(counts, "given_up")));
        }
    }
    if (r == IPFS_PASS_STOPPED) {
        fprintf(stderr, "arbiusd ipfs: interrupted; finished CIDs are "
                        "kept\n");
        goto out;
    }
    ret = 0;
out:
    json_decref(counts);
    ipfs_mon_free(mon);
    return cmd_close_db(db, ret);
}
