/*
 * app.h - what main.c shares with the command modules: the loaded
 * configuration, exit codes and the scanner's lifecycle.
 */
#ifndef ARBIUSD_APP_H
#define ARBIUSD_APP_H

#include "arbiusd/config.h"
#include "arbiusd/db.h"

enum app_exit {
    APP_EXIT_OK = 0,
    APP_EXIT_FAIL = 1,
    APP_EXIT_USAGE = 2,
    APP_EXIT_CONFIG = 3,
    APP_EXIT_DB = 4,
};

struct tmpl_set;
struct scanner;
struct ipfs_thread;

struct app {
    struct config cfg;          /* loaded before any command runs */
    struct tmpl_set *tmpl;      /* serve only */
    struct scanner *scanner;    /* serve only, NULL when read-only */
    struct ipfs_thread *ipfs;   /* serve only: the IPFS monitor (ipfs.h) */
};

/* Opens the database; migrate=1 applies migrations, else refuses a schema
 * that differs from the binary's.  0 or -1 (logged). */
int app_open_db(struct app *app, enum db_mode mode, int migrate,
                struct db **outp /* OUT */) WARN_UNUSED;

/* Starts/stops the scanner thread for `serve` (scan_cmd.c). */
int app_scanner_start(struct app *app) WARN_UNUSED;
void app_scanner_stop(struct app *app);

/* `arbiusd scan ...` */
int app_cmd_scan(struct app *app, int argc, char **argv);
#define APP_SCAN_USAGE                                                     \
    "scan (--blocks N | --minutes N | --from A --to B | --deep-scan) "     \
    "[--quiet]\n\n"                                                        \
    "  --blocks N     index the last N blocks up to the head\n"       \
    "  --minutes N    index the blocks of the last N minutes (block "       \
    "timestamps)\n"                                                        \
    "  --from A --to B  index blocks A..B inclusive\n"                     \
    "  --deep-scan    re-verify every indexed range against the node\n"   \
    "  --quiet        no progress line\n\n"                               \
    "Exit codes: 0 done, 1 RPC or database failure, 2 usage."

/* `arbiusd miners ...` and `arbiusd tokens ...` (miners_cmd.c). */
int app_cmd_miners(struct app *app, int argc, char **argv);
int app_cmd_tokens(struct app *app, int argc, char **argv);
#define APP_MINERS_USAGE                                                   \
    "miners (--hours N | --initial-scan | --mark-inactive) [--quiet]\n\n"  \
    "  --hours N        list the miners seen in the last N hours of the "   \
    "index\n"                                                              \
    "  --initial-scan   rebuild miner identification (miners, automine, "   \
    "rollups) from the stored rows\n"                                      \
    "  --mark-inactive  apply [miners] active_window to every miner\n"      \
    "  --quiet          print only a count or one summary line\n\n"        \
    "Every mode also applies the active window.  Exit codes: 0 done, 2 "    \
    "usage, 4 database."
#define APP_TOKENS_USAGE                                                   \
    "tokens (--all | --miner 0x...) [--force] [--quiet]\n\n"               \
    "  --all            derive the earnings of every settlement still "     \
    "without them\n"                                                       \
    "  --miner 0x...    the same for one miner's settlements\n"            \
    "  --force          delete and derive again even where earnings "      \
    "exist\n"                                                              \
    "  --quiet          no table and no progress, one summary line\n\n"   \
    "Earnings per era from the stored claims, transfers (V1-V4), "         \
    "FeesPaid/RewardsPaid (V5, V6) and contestation finishes; totals "     \
    "exact to the wei.  Exit codes: 0 done, 2 usage, 4 database."

#endif
