/*
 * app.c - what the commands share: opening the database at the right
 * schema version.
 */
#include "arbiusd/app.h"

#include "arbiusd/log.h"
#include "arbiusd/migrate.h"

int app_open_db(struct app *app, enum db_mode mode, int migrate,
                struct db **outp)
{
    struct db *db = NULL;
    int r;

    if (db_open(app->cfg.db_path, mode, app->cfg.busy_timeout, &db) < 0)
        return -1;
    if (migrate) {
        int from, to;

        if (migrate_apply(db, &from, &to, 1) < 0) {
            db_close(db);
            return -1;
        }
    } else {
        r = migrate_check(db);
        if (r < 0) {
            db_close(db);
            return -1;
        }
        if (r > 0) {
            log_warnx("db: %s: schema is older than this binary; run "
                      "`arbiusd migrate`", app->cfg.db_path);
            db_close(db);
            return -1;
        }
    }
    *outp = db;
    return 0;
}

