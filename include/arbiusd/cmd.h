/*
 * cmd.h - the commands of the arbiusd program (git's builtin.h idea).
 *
 * src/cmd/ is the only code that sees argv, exit codes, isatty and
 * signals: one file per command or family, every command a
 *
 *     int cmd_NAME(const struct config *cfg, int argc, char **argv);
 *
 * run with the loaded configuration and its own argv (argv[0] is the
 * command name).  It returns an exit code (enum cmd_exit).  The libraries
 * below (chain/, ipfs/, store/, web/) take what they need as arguments and
 * never include this header.
 */
#ifndef ARBIUSD_CMD_H
#define ARBIUSD_CMD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "arbiusd/config.h"
#include "arbiusd/db.h"
#include "arbiusd/util.h"

/* Exit codes (README "Command line"). */
enum cmd_exit {
    CMD_EXIT_OK = 0,
    CMD_EXIT_FAIL = 1,      /* RPC, database write, interrupted work */
    CMD_EXIT_USAGE = 2,
    CMD_EXIT_CONFIG = 3,
    CMD_EXIT_DB = 4,        /* unreadable, corrupt, schema too new */
};

typedef int (*cmd_fn)(struct config *cfg, int argc, char **argv);

struct command {
    const char *name;
    cmd_fn run;
    const char *summary;     /* one line for `arbiusd --help` */
    const char *usage;       /* the command's --help after "usage: " */
};

/* The command table (NULL-terminated), in --help order. */
extern const struct command cmd_table[];

/* The command named name, or NULL. */
const struct command *cmd_find(const char *name);

/* `arbiusd --help` text on f. */
void cmd_usage(FILE *f);

/* `arbiusd CMD --help`: the command's usage on stdout; returns 0. */
int cmd_help(const struct command *c);

/* 1 when argv (a command's own, argv[0] its name) asks for --help / -h. */
int cmd_wants_help(int argc, char **argv);

/*
 * The one usage-error printer: "arbiusd CMD: <message>" and "Try 'arbiusd
 * CMD --help'." on stderr.  Returns CMD_EXIT_USAGE.
 */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Opens [database] path: migrate = 1 applies migrations, 0 refuses a
 * schema that differs from the binary's.  0, or -1 (logged).
 */
int cmd_open_db(const struct config *cfg, enum db_mode mode, int migrate,
                struct db **outp /* OUT */) WARN_UNUSED;

/* A boolean option: name ("--quiet") and the int it sets to 1. */
struct cmd_flag {
    const char *name;
    int *value;
};

/* If arg is the name of one of flags[] (ended by a NULL name), sets its
 * value and returns 1; else 0. */
int cmd_flag(const char *arg, const struct cmd_flag *flags);

/* The end of a command that wrote: checkpoints the WAL and closes db (NULL
 * is fine).  Returns ret, or CMD_EXIT_FAIL when the checkpoint failed. */
int cmd_close_db(struct db *db, int ret);

/*
 * Routes SIGINT and SIGTERM to *flag (set to true) for a one-off command
 * that stops between units of work.
 */
void cmd_trap_signals(atomic_bool *flag);

/* The commands (one file each, or a family per file). */
int cmd_serve(struct config *cfg, int argc, char **argv);   /* serve.c */
int cmd_scan(struct config *cfg, int argc, char **argv);    /* scan.c */
int cmd_ipfs(struct config *cfg, int argc, char **argv);    /* ipfs.c */
int cmd_miners(struct config *cfg, int argc, char **argv);  /* miners.c */
int cmd_tokens(struct config *cfg, int argc, char **argv);  /* miners.c */
int cmd_task(struct config *cfg, int argc, char **argv);    /* db.c */
int cmd_status(struct config *cfg, int argc, char **argv);  /* db.c */
int cmd_backup(struct config *cfg, int argc, char **argv);  /* db.c */
int cmd_restore(struct config *cfg, int argc, char **argv); /* db.c */
int cmd_migrate(struct config *cfg, int argc, char **argv); /* db.c */
int cmd_config(struct config *cfg, int argc, char **argv);  /* info.c */
int cmd_version(struct config *cfg, int argc, char **argv); /* info.c */

#endif
