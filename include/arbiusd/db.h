/*
 * db.h - SQLite connections: one per thread, WAL, pragmas, transactions,
 * and the statement helpers every store/ module uses.
 *
 * A connection is never shared between threads (SQLITE_OPEN_NOMUTEX).
 * Writers, each on a connection of its own and each in short BEGIN
 * IMMEDIATE transactions: the scanner (chain rows, rollups), the IPFS
 * monitor (ipfs_* tables) and the social write side (sign-in, votes,
 * comments, moderation).  HTTP threads and the other workers read on
 * read-only connections of their own.  Only store/ modules touch the
 * sqlite3 handle.
 *
 * Statements: db_stmt() hands out the connection's prepared statement for
 * a SQL text, prepared once (SQLITE_PREPARE_PERSISTENT) and kept as long as
 * the connection; db_stmt_done() resets it for the next caller instead of
 * finalizing it.  Every statement from db_stmt() goes back through
 * db_stmt_done() on every path, exactly as sqlite3_finalize() would.
 */
#ifndef ARBIUSD_DB_H
#define ARBIUSD_DB_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
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

/* ---- statements ---- */

#define DB_STMT_CACHE 128   /* statements kept per connection (LRU) */

/*
 * The connection's statement for sql: cached (prepared on first use), or,
 * when the cached one is still in use by an outer caller, a private one.
 * Borrowed until db_stmt_done().  NULL after logging the error with sql.
 */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);
/* Gives st back: reset and bindings cleared (a private statement is
 * finalized).  NULL is a no-op. */
void db_stmt_done(struct db *db, sqlite3_stmt *st);
/* Statements served from / prepared into the cache since the connection
 * opened (for tests and benchmarks). */
void db_stmt_stats(const struct db *db, uint64_t *hits /* OUT */,
                   uint64_t *prepares /* OUT */);

/*
 * Binds arguments from parameter 1 on, one per character of fmt:
 *   'i' int64_t   'd' double   't' const char * text (NULL: null)
 *   'T' const char * + size_t text of that length (NULL: null)
 *   'b' const void * + size_t blob (NULL: null)
 * Values are copied (SQLITE_TRANSIENT).  0, or -1 on an unknown letter or
 * a bind error.
 */
int db_bind(sqlite3_stmt *st, const char *fmt, ...);
int db_bindv(sqlite3_stmt *st, const char *fmt, va_list ap);

/* db_stmt(sql) with fmt's arguments bound; NULL after logging. */
sqlite3_stmt *db_query(struct db *db, const char *sql, const char *fmt, ...);

/* Runs sql with fmt's arguments to completion.  changes() >= 0, or -1
 * after logging. */
int db_run(struct db *db, const char *sql, const char *fmt, ...)
    WARN_UNUSED;

/* The first column of the first row as an integer: 0 and *out set, 1 when
 * there is no row (*out untouched), -1 after logging. */
int db_int(struct db *db, int64_t *out /* OUT */, const char *sql,
           const char *fmt, ...) WARN_UNUSED;

/*
 * Steps st (from db_stmt/db_query): 1 for a row, 0 when done, -1 after
 * logging the error (as "what").
 */
int db_step(struct db *db, sqlite3_stmt *st, const char *what) WARN_UNUSED;

/* Column i as a new JSON value: integer, real, text (null when the text is
 * not valid UTF-8: hostile chain data never breaks a reply) or null. */
json_t *db_col_json(sqlite3_stmt *st, int i);
/* Column i as a JSON string, or null (NULL column or invalid UTF-8). */
json_t *db_col_str(sqlite3_stmt *st, int i);
/* Column i as a JSON integer, or null for a NULL column. */
json_t *db_col_int(sqlite3_stmt *st, int i);

/*
 * Rows as JSON objects, described once per query (the house's per-field
 * tables): field k takes column first + k, converted by its kind.
 */
enum db_kind {
    DB_JSON = 0,    /* db_col_json: integer, real, text or null */
    DB_STR,         /* db_col_str */
    DB_INT,         /* db_col_int */
    DB_BOOL,        /* true when the integer is non-zero */
};

struct db_field {
    const char *name;
    enum db_kind kind;
};

/* Sets fields[0..n) on o from columns first .. first + n - 1 of st. */
void db_row_into(json_t *o, sqlite3_stmt *st, int first,
                 const struct db_field *fields, size_t n);
/* A new object of fields[0..n) from columns 0 .. n - 1. */
json_t *db_row(sqlite3_stmt *st, const struct db_field *fields, size_t n);

/*
 * Steps st (from db_stmt/db_query) to the end, appending every row as
 * db_row(st, fields, n) to arr, and gives st back (db_stmt_done).  NULL st
 * (a failed db_query) is an error.  0, or -1 after logging as what.
 */
int db_rows_into(struct db *db, sqlite3_stmt *st, json_t *arr,
                 const struct db_field *fields, size_t n,
                 const char *what) WARN_UNUSED;
/* The same into a new array in *outp (untouched on failure). */
int db_rows(struct db *db, sqlite3_stmt *st, const struct db_field *fields,
            size_t n, const char *what, json_t **outp /* OUT */) WARN_UNUSED;

/* A read transaction (BEGIN DEFERRED): the statements between begin and
 * end see one snapshot.  db_read_end() never fails visibly. */
int db_read_begin(struct db *db) WARN_UNUSED;
void db_read_end(struct db *db);

#endif
