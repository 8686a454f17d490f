/*
 * db.h - SQLite connections: one per thread, WAL, pragmas, transactions.
 *
 * The scanner thread is the only writer; HTTP threads open read-only
 * connections of their own (SQLITE_OPEN_NOMUTEX: a connection is never shared
 * between threads).  Only store/ modules touch the sqlite3 handle.
 */
#ifndef ARBIUSD_DB_H
#define ARBIUSD_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "arbiusd/util.h"

struct db;

enum db_mode {
    DB_READWRITE = 0,  /* create if missing, WAL */
    DB_READONLY = 1,   /* existing file only, no writes */
};

/*
 * Opens path with the daemon's pragmas (WAL, synchronous=NORMAL,
 * foreign_keys=ON, busy_timeout).  Checks that the file is a SQLite
 * database.  Returns 0 and a new handle in *outp (free with db_close), or -1
 * after logging why.
 */
int db_open(const char *path, enum db_mode mode, uint64_t busy_ms,
            struct db **outp /* OUT */) WARN_UNUSED;
/* Closes the handle; NULL is a no-op. */
void db_close(struct db *db);
/* Borrowed raw handle, for store/ modules only. */
sqlite3 *db_sqlite(struct db *db);
const char *db_path(const struct db *db);

/* Runs SQL without results; logs and returns -1 on error. */
int db_exec(struct db *db, const char *sql) WARN_UNUSED;
int db_begin(struct db *db) WARN_UNUSED;      /* BEGIN IMMEDIATE */
int db_commit(struct db *db) WARN_UNUSED;
void db_rollback(struct db *db);             /* never fails visibly */
/* Truncating WAL checkpoint (used at shutdown and after backfill). */
int db_checkpoint(struct db *db) WARN_UNUSED;
/* PRAGMA user_version. */
int db_user_version(struct db *db, int *out /* OUT */) WARN_UNUSED;
/* PRAGMA data_version: changes whenever another connection has committed
 * since this connection last asked.  Values of two connections are never
 * equal (the connection's serial is in the high half), so a cache keyed by
 * it is dropped when its thread reopens the database.  Lets a reader keep a
 * per-thread cache. */
int db_data_version(struct db *db, int64_t *out /* OUT */) WARN_UNUSED;

/* Logs "what: sqlite message" for the handle's last error. */
void db_log_error(struct db *db, const char *what);
/* Prepares sql on db; NULL after logging db_log_error(db, what). */
sqlite3_stmt *db_prepare(struct db *db, const char *sql, const char *what);

#endif
