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
            p->done_to, p->to,
            total ? 100.0 * (double)done / (double)total : 100.0, bps, eps,
            p->events, eta);
    fflush(stderr);
}

/* What the command line asked for. */
struct scan_args {
    uint64_t blocks, minutes, from, to;
    int have_blocks, have_minutes, have_from, have_to;
    int deep, quiet;
};

/* Parses argv into *a.  0, or CMD_EXIT_USAGE after printing why. */
static int scan_parse_args(int argc, char **argv, struct scan_args *a)
{
    const struct {
        const char *flag;
        uint64_t *val;
        int *have;
    } nums[] = {
        { "--blocks", &a->blocks, &a->have_blocks },
        { "--minutes", &a->minutes, &a->have_minutes },
        { "--from", &a->from, &a->have_from },
        { "--to", &a->to, &a->have_to },
    };
    int i;

    memset(a, 0, sizeof(*a));
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k;

        for (k = 0; k < ARRAY_SIZE(nums); k++)
            if (strcmp(argv[i], nums[k].flag) == 0)
                break;
        if (k < ARRAY_SIZE(nums)) {
            if (!v || util_parse_u64(v, 0, UINT64_MAX, nums[k].val) < 0)
                return cmd_usage_error("scan",
                                       "%s needs a whole number, got '%s'",
                                       argv[i], v ? v : "");
            *nums[k].have = 1;
            i++;
        } else if (strcmp(argv[i], "--deep-scan") == 0) {
            a->deep = 1;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            a->quiet = 1;
        } else {
            return cmd_usage_error("scan", "unknown option '%s'", argv[i]);
        }
    }
    if (a->have_blocks + a->have_minutes + (a->have_from || a->have_to) +
                a->deep !=
            1 ||
        a->have_from != a->have_to)
        return cmd_usage_error("scan", "give exactly one of --blocks N, "
                                       "--minutes N, --from A --to B, "
                                       "--deep-scan");
    if ((a->have_blocks && a->blocks == 0) ||
        (a->have_minutes && a->minutes == 0) ||
        (a->have_from && a->from > a->to)) {
        fprintf(stderr, "arbiusd scan: empty range\n");
        return CMD_EXIT_USAGE;
    }
    return 0;
}

/* --blocks N and --minutes N: the range that ends at the head.  0 or -1. */
static int scan_recent_range(struct scanner *sc, const struct scan_args *a,
                             uint64_t *from, uint64_t *to)
{
    uint64_t head;

    if (scanner_head(sc, &head) < 0)
        return -1;
    *to = head;
    if (a->have_blocks) {
        *from = a->blocks > head ? 0 : head - a->blocks + 1;
        return 0;
    }
    return scanner_block_at_time(sc, util_wall_s() - (int64_t)a->minutes * 60,
                                 from);
}

int cmd_scan(struct config *cfg, int argc, char **argv)
{
    struct scan_args a;
    uint64_t from, to, recovered = 0;
    struct scanner *sc = NULL;
    struct db *db = NULL;
    int ret = scan_parse_args(argc, argv, &a);

    if (ret != 0)
        return ret;
    ret = CMD_EXIT_FAIL;
    from = a.from;
    to = a.to;
    cmd_trap_signals(&scan_stop);
    if (a.quiet)
        log_init(LOG_LVL_WARN);
    if (cmd_open_db(cfg, DB_READWRITE, 1, &db) < 0)
        return CMD_EXIT_DB;
    if (scanner_new(cfg, db, &scan_stop, &sc) < 0)
        goto out;
    if (!a.quiet && isatty(STDERR_FILENO))
        scanner_set_progress(sc, progress_line, NULL);
    if (a.deep) {
        if (scanner_deep_scan(sc, &recovered) < 0)
            goto out;
        if (!a.quiet)
            printf("deep scan: every indexed range re-read; %" PRIu64
                   " missing rows recovered\n", recovered);
        ret = 0;
        goto out;
    }
    if ((a.have_blocks || a.have_minutes) &&
        scan_recent_range(sc, &a, &from, &to) < 0)
        goto out;
    if (scanner_scan_range(sc, from, to) < 0)
        goto out;
    if (!a.quiet) {
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
    if (sc)
        scanner_save_stats(sc);
    scanner_free(sc);
    return cmd_close_db(db, ret);
}
