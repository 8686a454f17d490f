/*
 * db.c - the database commands: `task`, `status`, `backup`, `restore`,
 * `migrate`.
 */
#include "arbiusd/cmd.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arbiusd/backup.h"
#include "arbiusd/images.h"
#include "arbiusd/migrate.h"
#include "arbiusd/status.h"

/* Prints v as indented JSON on stdout. */
static void print_json(const json_t *v)
{
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    putchar('\n');
}

int cmd_task(struct config *cfg, int argc, char **argv)
{
    struct db *db = NULL;
    json_t *t = NULL;
    int ret = CMD_EXIT_DB;

    if (argc != 2)
        return cmd_usage_error("task", "%s", "expected exactly one TASKID");
    if (argv[1][0] == '-')
        return cmd_usage_error("task", "unknown option '%s'", argv[1]);
    if (cmd_open_db(cfg, DB_READONLY, 0, &db) < 0)
        return CMD_EXIT_DB;
    /* The object /api/v1/image/<id> serves; an operator sees hidden
     * tasks too. */
    switch (images_detail(db, argv[1],
                          (const char *const *)cfg->gateways.items,
                          cfg->gateways.n, 1, &t)) {
    case IMAGES_FOUND:
        print_json(t);
        ret = CMD_EXIT_OK;
        break;
    case IMAGES_UNKNOWN:
        fprintf(stderr, "arbiusd task: %s: no such task in the index\n",
                argv[1]);
        ret = CMD_EXIT_FAIL;
        break;
    case IMAGES_NOT_A_KEY:
        fprintf(stderr, "arbiusd task: '%s' is not a task id "
                        "(0x and 64 hex digits)\n", argv[1]);
        ret = CMD_EXIT_USAGE;
        break;
    default:
        break;
    }
    json_decref(t);
    db_close(db);
    return ret;
}

int cmd_status(struct config *cfg, int argc, char **argv)
{
    struct db *db = NULL;
    json_t *st = NULL;
    int ret = CMD_EXIT_DB;

    if (argc > 1)
        return cmd_usage_error("status", "unexpected argument '%s'", argv[1]);
    if (cmd_open_db(cfg, DB_READONLY, 0, &db) < 0)
        return CMD_EXIT_DB;
    if (status_json(db, &st) == 0) {
        print_json(st);
        ret = CMD_EXIT_OK;
    }
    json_decref(st);
    db_close(db);
    return ret;
}

int cmd_migrate(struct config *cfg, int argc, char **argv)
{
    struct db *db = NULL;
    int from = 0, to = 0;

    if (argc > 1)
        return cmd_usage_error("migrate", "unexpected argument '%s'",
                               argv[1]);
    if (db_open(cfg->db_path, DB_READWRITE, cfg->busy_timeout, &db) < 0)
        return CMD_EXIT_DB;
    if (migrate_apply(db, &from, &to, 1) < 0) {
        db_close(db);
        return CMD_EXIT_DB;
    }
    if (from == to)
        printf("%s: schema at version %d, up to date\n", cfg->db_path, to);
    else
        printf("%s: migrated schema from version %d to %d\n", cfg->db_path,
               from, to);
    db_close(db);
    return CMD_EXIT_OK;
}

int cmd_backup(struct config *cfg, int argc, char **argv)
{
    struct backup_info info;

    if (argc != 2)
        return cmd_usage_error("backup", "%s", "expected exactly one FILE");
    if (argv[1][0] == '-')
        return cmd_usage_error("backup", "unknown option '%s'", argv[1]);
    if (backup_to_file(cfg->db_path, argv[1], cfg->busy_timeout, &info) < 0) {
        fprintf(stderr, "arbiusd backup: backing up %s to %s failed\n",
                cfg->db_path, argv[1]);
        return CMD_EXIT_DB;
    }
    printf("%s: backup of %s at checkpoint block %lld (%lld bytes, %llu ms)\n",
           argv[1], cfg->db_path, (long long)info.indexed_block,
           (long long)info.bytes, (unsigned long long)info.ms);
    return CMD_EXIT_OK;
}

int cmd_restore(struct config *cfg, int argc, char **argv)
{
    struct backup_info info;
    const char *file = NULL;
    int i, force = 0, r;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0)
            force = 1;
        else if (argv[i][0] == '-')
            return cmd_usage_error("restore", "unknown option '%s'", argv[i]);
        else if (file)
            return cmd_usage_error("restore", "%s",
                                   "expected exactly one FILE");
        else
            file = argv[i];
    }
    if (!file)
        return cmd_usage_error("restore", "%s", "expected exactly one FILE");
    r = backup_restore(file, cfg->db_path, force, cfg->busy_timeout, &info);
    if (r != 0)
        return r > 0 ? CMD_EXIT_FAIL : CMD_EXIT_DB;
    printf("%s: restored from %s (checkpoint block %lld, %llu ms); start "
           "arbiusd to continue from there\n",
           cfg->db_path, file, (long long)info.indexed_block,
           (unsigned long long)info.ms);
    return CMD_EXIT_OK;
}
