/*
 * db.c - SQLite connection handling.
 */
#include "arbiusd/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arbiusd/log.h"

/* One cached statement; sql NULL: a free slot. */
struct db_slot {
    uint64_t hash;             /* of sql */
    char *sql;                 /* owned copy of the key */
    sqlite3_stmt *st;          /* owned, PREPARE_PERSISTENT */
    uint64_t used;             /* LRU tick of the last hand-out */
    int busy;                  /* handed out, not yet done */
};

struct db {
    sqlite3 *h;       /* owned connection */
    char *path;       /* owned copy of the file name */
    uint64_t serial;  /* which open of the process this is (from 1) */
    struct db_slot slots[DB_STMT_CACHE];
    uint64_t tick;             /* hand-outs, for LRU */
    uint64_t hits, prepares;
};

/* Numbers every connection the process opens (see db_data_version()). */
static _Atomic uint64_t db_serial;

static pthread_once_t db_once = PTHREAD_ONCE_INIT;

/*
 * SQLite's process-wide settings, before its first use: no allocation
 * statistics (we never read them), whose global mutex every sqlite3_malloc
 * of every connection would otherwise take, so that the HTTP threads'
 * connections do not wait on each other for memory.
 */
static void db_global_init(void)
{
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        log_warnx("db: SQLite was initialised before its configuration");
}

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

    pthread_once(&db_once, db_global_init);
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
    /* Page caches: 16 MB for the writer's connection, 8 MB for each reader
     * (one per HTTP thread and worker): what readers touch per request is a
     * few index pages and rollups, and the kernel's page cache holds the
     * rest without counting against the process. */
    if (db_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    " PRAGMA temp_store=MEMORY") < 0 ||
        db_exec(db, mode == DB_READONLY ? "PRAGMA cache_size=-8000"
                                        : "PRAGMA cache_size=-16000") < 0)
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
    size_t i;

    if (!db)
        return;
    for (i = 0; i < DB_STMT_CACHE; i++) {
        sqlite3_finalize(db->slots[i].st);
        free(db->slots[i].sql);
    }
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
    int64_t v = 0;

    if (db_int(db, &v, "PRAGMA user_version", "") != 0)
        return -1;
    *out = (int)v;
    return 0;
}

int db_data_version(struct db *db, int64_t *out)
{
    int64_t v = 0;

    if (db_int(db, &v, "PRAGMA data_version", "") != 0)
        return -1;
    /* The connection's serial in the high half: a connection opened in
     * place of another (a replica's swapped file) never repeats a value
     * a cache took from the old one. */
    *out = (int64_t)(((db->serial & 0x7fffffff) << 32) |
                     ((uint64_t)v & 0xffffffff));
    return 0;
}

/* ---- statements ---- */

static uint64_t sql_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
    uint64_t h = sql_hash(sql);
    struct db_slot *free_slot = NULL, *lru = NULL;
    sqlite3_stmt *st = NULL;
    int in_use = 0;
    size_t i;

    for (i = 0; i < DB_STMT_CACHE; i++) {
        struct db_slot *sl = &db->slots[i];

        if (!sl->sql) {
            if (!free_slot)
                free_slot = sl;
            continue;
        }
        if (sl->hash == h && strcmp(sl->sql, sql) == 0) {
            if (sl->busy) {
                in_use = 1;   /* an outer caller still steps it */
                continue;
            }
            sl->busy = 1;
            sl->used = ++db->tick;
            db->hits++;
            return sl->st;
        }
        if (!sl->busy && (!lru || sl->used < lru->used))
            lru = sl;
    }
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                           NULL) != SQLITE_OK) {
        log_warnx("db: %s: %s: %s", db->path, sqlite3_errmsg(db->h), sql);
        sqlite3_finalize(st);
        return NULL;
    }
    db->prepares++;
    if (in_use)
        return st;            /* private: finalized by db_stmt_done() */
    if (!free_slot && lru) {
        sqlite3_finalize(lru->st);
        free(lru->sql);
        memset(lru, 0, sizeof(*lru));
        free_slot = lru;
    }
    if (!free_slot)
        return st;            /* every slot busy: private */
    free_slot->hash = h;
    free_slot->sql = xstrdup(sql);
    free_slot->st = st;
    free_slot->busy = 1;
    free_slot->used = ++db->tick;
    return st;
}

void db_stmt_done(struct db *db, sqlite3_stmt *st)
{
    size_t i;

    if (!st)
        return;
    for (i = 0; i < DB_STMT_CACHE; i++) {
        if (db->slots[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            db->slots[i].busy = 0;
            return;
        }
    }
    sqlite3_finalize(st);
}

void db_stmt_stats(const struct db *db, uint64_t *hits, uint64_t *prepares)
{
    *hits = db->hits;
    *prepares = db->prepares;
}

int db_bindv(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int i = 1, rc = SQLITE_OK;

    for (; *fmt && rc == SQLITE_OK; fmt++, i++) {
        const char *t;
        const void *p;
        size_t n;

        switch (*fmt) {
        case 'i':
            rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
            break;
        case 'd':
            rc = sqlite3_bind_double(st, i, va_arg(ap, double));
            break;
        case 't':
            t = va_arg(ap, const char *);
            rc = t ? sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st, i);
            break;
        case 'T':
            t = va_arg(ap, const char *);
            n = va_arg(ap, size_t);
            rc = t ? sqlite3_bind_text64(st, i, t, n, SQLITE_TRANSIENT,
                                         SQLITE_UTF8)
                   : sqlite3_bind_null(st, i);
            break;
        case 'b':
            p = va_arg(ap, const void *);
            n = va_arg(ap, size_t);
            rc = p ? sqlite3_bind_blob64(st, i, p, n, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(st, i);
            break;
        default:
            log_warnx("db: bind: unknown format letter '%c'", *fmt);
            return -1;
        }
    }
    return rc == SQLITE_OK ? 0 : -1;
}

int db_bind(sqlite3_stmt *st, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = db_bindv(st, fmt, ap);
    va_end(ap);
    return r;
}

/* db_stmt() with the arguments bound; NULL after logging. */
static sqlite3_stmt *query_v(struct db *db, const char *sql, const char *fmt,
                             va_list ap)
{
    sqlite3_stmt *st = db_stmt(db, sql);

    if (!st)
        return NULL;
    if (db_bindv(st, fmt, ap) < 0) {
        log_warnx("db: %s: cannot bind: %s: %s", db->path,
                  sqlite3_errmsg(db->h), sql);
        db_stmt_done(db, st);
        return NULL;
    }
    return st;
}

sqlite3_stmt *db_query(struct db *db, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;

    va_start(ap, fmt);
    st = query_v(db, sql, fmt, ap);
    va_end(ap);
    return st;
}

int db_step(struct db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    log_warnx("db: %s: %s: %s", db->path, what ? what : sqlite3_sql(st),
              sqlite3_errmsg(db->h));
    return -1;
}

int db_run(struct db *db, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    int r;

    va_start(ap, fmt);
    st = query_v(db, sql, fmt, ap);
    va_end(ap);
    if (!st)
        return -1;
    while ((r = db_step(db, st, sql)) == 1)
        ;
    db_stmt_done(db, st);
    return r < 0 ? -1 : sqlite3_changes(db->h);
}

int db_int(struct db *db, int64_t *out, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    int r;

    va_start(ap, fmt);
    st = query_v(db, sql, fmt, ap);
    va_end(ap);
    if (!st)
        return -1;
    r = db_step(db, st, sql);
    if (r == 1)
        *out = sqlite3_column_int64(st, 0);
    db_stmt_done(db, st);
    return r < 0 ? -1 : r == 1 ? 0 : 1;
}

json_t *db_col_json(sqlite3_stmt *st, int i)
{
    json_t *v;

    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
        v = json_stringn((const char *)sqlite3_column_text(st, i),
                         (size_t)sqlite3_column_bytes(st, i));
        return v ? v : json_null();
    default:
        return json_null();
    }
}

json_t *db_col_str(sqlite3_stmt *st, int i)
{
    json_t *v;

    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    v = json_stringn((const char *)sqlite3_column_text(st, i),
                     (size_t)sqlite3_column_bytes(st, i));
    return v ? v : json_null();
}

json_t *db_col_int(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_integer(sqlite3_column_int64(st, i));
}

void db_row_into(json_t *o, sqlite3_stmt *st, int first,
                 const struct db_field *fields, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++) {
        int c = first + (int)k;
        json_t *v;

        switch (fields[k].kind) {
        case DB_STR:
            v = db_col_str(st, c);
            break;
        case DB_INT:
            v = db_col_int(st, c);
            break;
        case DB_BOOL:
            v = json_boolean(sqlite3_column_int64(st, c) != 0);
            break;
        default:
            v = db_col_json(st, c);
            break;
        }
        json_object_set_new(o, fields[k].name, v);
    }
}

json_t *db_row(sqlite3_stmt *st, const struct db_field *fields, size_t n)
{
    json_t *o = json_object();

    db_row_into(o, st, 0, fields, n);
    return o;
}

int db_rows_into(struct db *db, sqlite3_stmt *st, json_t *arr,
                 const struct db_field *fields, size_t n, const char *what)
{
    int r;

    if (!st)
        return -1;
    while ((r = db_step(db, st, what)) == 1)
        json_array_append_new(arr, db_row(st, fields, n));
    db_stmt_done(db, st);
    return r < 0 ? -1 : 0;
}

int db_rows(struct db *db, sqlite3_stmt *st, const struct db_field *fields,
            size_t n, const char *what, json_t **outp)
{
    json_t *arr = json_array();

    if (db_rows_into(db, st, arr, fields, n, what) < 0) {
        json_decref(arr);
        return -1;
    }
    *outp = arr;
    return 0;
}

int db_read_begin(struct db *db)
{
    return db_run(db, "BEGIN", "") < 0 ? -1 : 0;
}

void db_read_end(struct db *db)
{
    if (!sqlite3_get_autocommit(db->h) && db_run(db, "COMMIT", "") < 0)
        db_rollback(db);
}
