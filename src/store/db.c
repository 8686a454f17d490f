/*
 * db.c - SQLite connection handling.
 */
#include "arbiusd/db.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arbiusd/log.h"

struct db {
    sqlite3 *h;       /* owned connection */
    char *path;       /* owned copy of the file name */
    uint64_t serial;  /* which open of the process this is (from 1) */
};

/* Numbers every connection the process opens (see db_data_version()). */
static _Atomic uint64_t db_serial;

void db_log_error(struct db *db, const char *what)
{
    log_warnx("db: %s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

int db_exec(struct db *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_warnx("db: %s: %s", db->path, msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int db_open(const char *path, enum db_mode mode, uint64_t busy_ms,
            struct db **outp)
{
    struct db *db = xcalloc(1, sizeof(*db));
    int flags = SQLITE_OPEN_NOMUTEX;
    int rc, ret = -1;

    db->path = xstrdup(path);
    db->serial = atomic_fetch_add(&db_serial, 1) + 1;
    if (mode == DB_READONLY) {
        struct stat st;

        /* Open read-write underneath when possible so the WAL index can be
         * used; query_only keeps this connection from ever writing. */
        if (stat(path, &st) < 0) {
            log_warn("db: %s", path);
            goto out;
        }
        flags |= SQLITE_OPEN_READWRITE;
    } else {
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    }
    rc = sqlite3_open_v2(path, &db->h, flags, NULL);
    if (rc != SQLITE_OK && mode == DB_READONLY) {
        sqlite3_close(db->h);
        db->h = NULL;
        rc = sqlite3_open_v2(path, &db->h,
                             SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READONLY, NULL);
    }
    if (rc != SQLITE_OK) {
        log_warnx("db: %s: cannot open: %s", path,
                  db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, (int)(busy_ms > 600000 ? 600000 : busy_ms));
    /* Reading the schema proves the file is a database before anything
     * else touches it: a corrupt file fails here with a clear message. */
    rc = sqlite3_exec(db->h, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
                      NULL);
    if (rc != SQLITE_OK) {
        log_warnx("db: %s: not a usable SQLite database: %s", path,
                  sqlite3_errmsg(db->h));
        goto out;
    }
    if (mode == DB_READWRITE) {
        if (db_exec(db, "PRAGMA journal_mode=WAL") < 0)
            goto out;
    }
    if (db_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000") < 0)
        goto out;
    if (mode == DB_READONLY && db_exec(db, "PRAGMA query_only=ON") < 0)
        goto out;
    *outp = db;
    db = NULL;
    ret = 0;
out:
    db_close(db);
    return ret;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    if (db->h)
        sqlite3_close_v2(db->h);
    free(db->path);
    free(db);
}

sqlite3 *db_sqlite(struct db *db)
{
    return db->h;
}

const char *db_path(const struct db *db)
{
    return db->path;
}

int db_begin(struct db *db)
{
    return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(struct db *db)
{
    return db_exec(db, "COMMIT");
}

void db_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int db_checkpoint(struct db *db)
{
    int rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                       NULL, NULL);

    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        db_log_error(db, "wal checkpoint");
        return -1;
    }
    return 0;
}

int db_user_version(struct db *db, int *out)
{
    sqlite3_stmt *st = NULL;
    int ret = -1;

    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        db_log_error(db, "user_version");
        goto out;
    }
    *out = sqlite3_column_int(st, 0);
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

int db_data_version(struct db *db, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int ret = -1;

    if (sqlite3_prepare_v2(db->h, "PRAGMA data_version", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        db_log_error(db, "data_version");
        goto out;
    }
    /* The connection's serial in the high half: a connection opened in
     * place of another (a replica's swapped file) never repeats a value
     * a cache took from the old one. */
    *out = (int64_t)(((db->serial & 0x7fffffff) << 32) |
                     ((uint64_t)sqlite3_column_int64(st, 0) & 0xffffffff));
    ret = 0;
out:
    sqlite3_finalize(st);
    return ret;
}

sqlite3_stmt *db_prepare(struct db *db, const char *sql, const char *what)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
        db_log_error(db, what);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}
