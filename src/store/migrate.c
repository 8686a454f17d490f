/*
 * migrate.c - apply the embedded migrations in order.
 */
#include "arbiusd/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/log.h"
#include "migrations.h"

/* "0007_name.sql" -> 7; -1 if the name does not start with 4 digits + '_'. */
static int migration_number(const char *name)
{
    int i, n = 0;

    for (i = 0; i < 4; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        n = n * 10 + (name[i] - '0');
    }
    return name[4] == '_' ? n : -1;
}

int migrate_latest(void)
{
    int best = 0;
    size_t i;

    for (i = 0; i < migrations_count; i++) {
        int n = migration_number(migrations_files[i].name);

        if (n > best)
            best = n;
    }
    return best;
}

int migrate_check(struct db *db)
{
    int v, latest = migrate_latest();

    if (db_user_version(db, &v) < 0)
        return -1;
    if (v > latest) {
        log_warnx("db: %s: schema version %d is newer than this binary "
                  "(knows up to %d); upgrade arbiusd or restore a backup",
                  db_path(db), v, latest);
        return -1;
    }
    return v == latest ? 0 : 1;
}

int migrate_apply(struct db *db, int *from, int *to, int verbose)
{
    int v, latest = migrate_latest(), start;
    size_t i;

    if (db_user_version(db, &v) < 0)
        return -1;
    start = v;
    if (v > latest) {
        log_warnx("db: %s: schema version %d is newer than this binary "
                  "(knows up to %d); upgrade arbiusd or restore a backup",
                  db_path(db), v, latest);
        return -1;
    }
    /* migrations_files is sorted by file name, so by number. */
    for (i = 0; i < migrations_count; i++) {
        const struct embed_file *m = &migrations_files[i];
        int n = migration_number(m->name);
        char pragma[64];

        if (n < 0 || n <= v)
            continue;
        if (n != v + 1) {
            log_warnx("db: migration %s skips from version %d to %d", m->name,
                      v, n);
            return -1;
        }
        if (db_begin(db) < 0)
            return -1;
        if (db_exec(db, (const char *)m->data) < 0) {
            log_warnx("db: migration %s failed; rolled back", m->name);
            db_rollback(db);
            return -1;
        }
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", n);
        if (db_exec(db, pragma) < 0 || db_commit(db) < 0) {
            db_rollback(db);
            return -1;
        }
        if (verbose)
            log_info("db: applied migration %s", m->name);
        v = n;
    }
    if (from)
        *from = start;
    if (to)
        *to = v;
    return 0;
}
