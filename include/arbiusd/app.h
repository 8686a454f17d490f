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

#endif
