/*
 * scan.c - `arbiusd scan`: index a range of blocks once (--blocks,
 * --minutes, --from/--to) or re-verify everything indexed (--deep-scan),
 * with a progress line on a terminal.
 */
#include "arbiusd/cmd.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arbiusd/log.h"
#include "arbiusd/scanner.h"

static atomic_bool scan_stop;

/* One rewriting line on a terminal: blocks/s, events/s, ETA. */
static void progress_line(const struct scan_progress *p, void *ud)
{
    double secs = (double)(util_now_us() - p->started_us) / 1e6;
    uint64_t done = p->done_to >= p->from ? p->done_to - p->from + 1 : 0;
    uint64_t total = p->to >= p->from ? p->to - p->from + 1 : 0;
    double bps = secs > 0 ? (double)done / secs : 0;
    double eps = secs > 0 ? (double)p->events / secs : 0;
    double eta = bps > 0 ? (double)(total - done) / bps : 0;

    (void)ud;
    fprintf(stderr,
            "\rscan: block %" PRIu64 " of %" PRIu64 " (%.1f%%)  %.0f blocks/s"
            "  %.0f events/s  %" PRIu64 " events  ETA %.0fs   ",
            p->done_to, p->to, total ? 100.0 * (double)done / (double)total : 100.0,
            bps, eps, p->events, eta);
    fflush(stderr);
}

static int parse_num(const char *flag, const char *v, uint64_t *out)
{
    if (!v || util_parse_u64(v, 0, UINT64_MAX, out) < 0) {
        cmd_usage_error("scan", "%s needs a whole number, got '%s'", flag,
                        v ? v : "");
        return -1;
    }
    return 0;
}

int cmd_scan(struct config *cfg, int argc, char **argv)
{
    uint64_t blocks = 0, minutes = 0, from = 0, to = 0, head, recovered = 0;
    int have_blocks = 0, have_minutes = 0, have_from = 0, have_to = 0;
    int deep = 0, quiet = 0, modes, i, ret = CMD_EXIT_FAIL;
    struct scanner *sc = NULL;
    struct db *db = NULL;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--blocks") == 0) {
            if (parse_num(a, v, &blocks) < 0)
                return CMD_EXIT_USAGE;
            have_blocks = 1;
            i++;
        } else if (strcmp(a, "--minutes") == 0) {
            if (parse_num(a, v, &minutes) < 0)
                return CMD_EXIT_USAGE;
            have_minutes = 1;
            i++;
        } else if (strcmp(a, "--from") == 0) {
            if (parse_num(a, v, &from) < 0)
                return CMD_EXIT_USAGE;
            have_from = 1;
            i++;
        } else if (strcmp(a, "--to") == 0) {
            if (parse_num(a, v, &to) < 0)
                return CMD_EXIT_USAGE;
            have_to = 1;
            i++;
        } else if (strcmp(a, "--deep-scan") == 0) {
            deep = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else {
            return cmd_usage_error("scan", "unknown option '%s'", a);
        }
    }
    modes = have_blocks + have_minutes + (have_from || have_to) + deep;
    if (modes != 1 || have_from != have_to)
        return cmd_usage_error("scan", "give exactly one of --blocks N, "
                                       "--minutes N, --from A --to B, "
                                       "--deep-scan");
    if ((have_blocks && blocks == 0) || (have_minutes && minutes == 0) ||
        (have_from && from > to)) {
        fprintf(stderr, "arbiusd scan: empty range\n");
        return CMD_EXIT_USAGE;
    }
    cmd_trap_signals(&scan_stop);
    if (quiet)
        log_init(LOG_LVL_WARN);
    if (cmd_open_db(cfg, DB_READWRITE, 1, &db) < 0)
        return CMD_EXIT_DB;
    if (scanner_new(cfg, db, &scan_stop, &sc) < 0)
        goto out;
    if (!quiet && isatty(STDERR_FILENO))
        scanner_set_progress(sc, progress_line, NULL);
    if (deep) {
        if (scanner_deep_scan(sc, &recovered) < 0)
            goto out;
        if (!quiet)
            printf("deep scan: every indexed range re-read; %" PRIu64
                   " missing rows recovered\n", recovered);
        ret = 0;
        goto out;
    }
    if (have_blocks || have_minutes) {
        if (scanner_head(sc, &head) < 0)
            goto out;
        to = head;
        if (have_blocks) {
            from = blocks > head ? 0 : head - blocks + 1;
        } else if (scanner_block_at_time(sc, util_wall_s() -
                                                 (int64_t)minutes * 60,
                                         &from) < 0) {
            goto out;
        }
    }
    if (scanner_scan_range(sc, from, to) < 0)
        goto out;
    if (!quiet) {
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
        printf("scanned blocks %" PRIu64 "-%" PRIu64 "\n", from, to);
    }
    ret = 0;
out:
    if (atomic_load(&scan_stop)) {
        fprintf(stderr, "\narbiusd scan: interrupted; committed ranges are "
                        "kept\n");
        ret = CMD_EXIT_FAIL;
    }
    scanner_save_stats(sc);
    scanner_free(sc);
    if (db && db_checkpoint(db) < 0)
        ret = CMD_EXIT_FAIL;
    db_close(db);
    return ret;
}
