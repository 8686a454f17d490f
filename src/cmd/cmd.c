/*
 * cmd.c - the command table, --help, and what every command shares: the
 * usage-error printer, opening the database at the right schema version,
 * routing SIGINT/SIGTERM to a stop flag.
 */
#include "arbiusd/cmd.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arbiusd/log.h"
#include "arbiusd/migrate.h"

const struct command cmd_table[] = {
    { "serve", cmd_serve, "run the scanner and the HTTP server",
      "serve [--read-only]\n\n"
      "  --read-only  serve a database another process writes; no scanner, "
      "no migrations\n\n"
      "Stops gracefully on SIGTERM or SIGINT (exit 0)." },
    { "scan", cmd_scan, "index a range of blocks once and exit",
      "scan (--blocks N | --minutes N | --from A --to B | --deep-scan) "
      "[--quiet]\n\n"
      "  --blocks N     index the last N blocks up to the head\n"
      "  --minutes N    index the blocks of the last N minutes (block "
      "timestamps)\n"
      "  --from A --to B  index blocks A..B inclusive\n"
      "  --deep-scan    re-verify every indexed range against the node\n"
      "  --quiet        no progress line\n\n"
      "Exit codes: 0 done, 1 RPC or database failure, 2 usage." },
    { "ipfs", cmd_ipfs, "check solution CIDs on the IPFS gateways once",
      "ipfs [--recheck] [--quiet]\n\n"
      "  --recheck  check every known CID again, ok ones included (default: "
      "only\n"
      "             new CIDs and missing ones whose retry is due)\n"
      "  --quiet    no progress line and no summary\n\n"
      "Finds solution CIDs not yet monitored, checks them on every [ipfs] "
      "gateway\n(HEAD, then a ranged GET) and records the results like the "
      "monitor of\n`serve` does. It may run next to a `serve` on the same "
      "database (the\ndaemon's monitor may then check the same due CIDs "
      "too).\n"
      "Exit codes: 0 done, 1 interrupted or database failure, 2 usage, 3 "
      "configuration, 4 database." },
    { "miners", cmd_miners,
      "identify miners, list recent ones, apply the active window",
      "miners (--hours N | --initial-scan | --mark-inactive) [--quiet]\n\n"
      "  --hours N        list the miners seen in the last N hours of the "
      "index\n"
      "  --initial-scan   rebuild miner identification (miners, automine, "
      "rollups) from the stored rows\n"
      "  --mark-inactive  apply [miners] active_window to every miner\n"
      "  --quiet          print only a count or one summary line\n\n"
      "Every mode also applies the active window.  Exit codes: 0 done, 2 "
      "usage, 4 database." },
    { "tokens", cmd_tokens,
      "derive miners' earnings per era from the stored rows",
      "tokens (--all | --miner 0x...) [--force] [--quiet]\n\n"
      "  --all            derive the earnings of every settlement still "
      "without them\n"
      "  --miner 0x...    the same for one miner's settlements\n"
      "  --force          delete and derive again even where earnings "
      "exist\n"
      "  --quiet          no table and no progress, one summary line\n\n"
      "Earnings per era from the stored claims, transfers (V1-V4), "
      "FeesPaid/RewardsPaid (V5, V6) and contestation finishes; totals "
      "exact to the wei.  Exit codes: 0 done, 2 usage, 4 database." },
    { "task", cmd_task, "print one indexed task as JSON",
      "task TASKID\n\n"
      "Prints the object /api/v1/image/<taskid> serves. Exit 1 if the task is "
      "not indexed." },
    { "status", cmd_status, "print the scanner's state as JSON",
      "status\n\nIndexed block, head, lag, coverage and last error." },
    { "backup", cmd_backup, "write an online backup of the database",
      "backup FILE\n\n"
      "Copies the database with the SQLite backup API while a daemon may be "
      "running\nand writing: the copy is one consistent snapshot (every "
      "range committed\nbefore it), checked with PRAGMA integrity_check, "
      "written beside FILE and\nrenamed into place.  Exit 4 on failure." },
    { "restore", cmd_restore, "replace the database with a backup",
      "restore [--force] FILE\n\n"
      "Checks that FILE is an arbiusd database that passes PRAGMA "
      "integrity_check,\nthen copies it over [database] path.  Refuses (exit "
      "1) while an arbiusd\ndaemon uses the database; --force overwrites it "
      "anyway (restart the daemon\nafterwards).  Exit 4 when FILE is "
      "refused or the copy fails." },
    { "migrate", cmd_migrate, "apply database migrations and report",
      "migrate\n\nApplies every migration the database lacks, each in its "
      "own transaction." },
    { "config", cmd_config, "print the effective configuration",
      "config\n\nDefaults, then the file, then ARBIUSD_* variables." },
    { "version", cmd_version, "print version information", "version" },
    { NULL, NULL, NULL, NULL },
};

const struct command *cmd_find(const char *name)
{
    const struct command *c;

    for (c = cmd_table; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void cmd_usage(FILE *f)
{
    const struct command *c;

    fprintf(f, "usage: arbiusd [--config FILE] COMMAND [OPTIONS]\n\n"
               "Indexes the Arbius engine into SQLite and serves the gallery, "
               "dashboard and JSON API.\n\ncommands:\n");
    for (c = cmd_table; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f,
            "\nglobal options:\n"
            "  -c, --config FILE  INI configuration (default: embedded "
            "defaults; see config.example.ini)\n"
            "  -h, --help         this help; `arbiusd COMMAND --help` for a "
            "command\n"
            "\nEnvironment: ARBIUSD_<SECTION>_<KEY> overrides any key, e.g. "
            "ARBIUSD_SERVER_LISTEN=0.0.0.0:8080.\n"
            "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration, 4 "
            "database.\n");
}

int cmd_help(const struct command *c)
{
    printf("usage: arbiusd [--config FILE] %s\n\n%s\n", c->usage, c->summary);
    return CMD_EXIT_OK;
}

int cmd_wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "arbiusd %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'arbiusd %s --help'.\n", cmd);
    return CMD_EXIT_USAGE;
}

int cmd_open_db(const struct config *cfg, enum db_mode mode, int migrate,
                struct db **outp)
{
    struct db *db = NULL;
    int from, to, r;

    if (db_open(cfg->db_path, mode, cfg->busy_timeout, &db) < 0)
        return -1;
    if (migrate) {
        if (migrate_apply(db, &from, &to, 1) < 0) {
            db_close(db);
            return -1;
        }
    } else {
        r = migrate_check(db);
        if (r != 0) {
            if (r > 0)
                log_warnx("db: %s: schema is older than this binary; run "
                          "`arbiusd migrate`", cfg->db_path);
            db_close(db);
            return -1;
        }
    }
    *outp = db;
    return 0;
}

int cmd_flag(const char *arg, const struct cmd_flag *flags)
{
    for (; flags->name; flags++) {
        if (strcmp(arg, flags->name) == 0) {
            *flags->value = 1;
            return 1;
        }
    }
    return 0;
}

int cmd_close_db(struct db *db, int ret)
{
    if (db && db_checkpoint(db) < 0)
        ret = CMD_EXIT_FAIL;
    db_close(db);
    return ret;
}

static atomic_bool *trap_flag;

static void on_signal(int sig)
{
    (void)sig;
    if (trap_flag)
        atomic_store(trap_flag, true);
}

void cmd_trap_signals(atomic_bool *flag)
{
    struct sigaction sa;

    trap_flag = flag;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
