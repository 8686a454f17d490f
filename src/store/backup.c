/*
 * backup.c - online backup, restore, scheduled backups (see backup.h).
 */
#include "arbiusd/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arbiusd/buf.h"
#include "arbiusd/db.h"
#include "arbiusd/log.h"
#include "arbiusd/worker.h"
#include "arbiusd/migrate.h"

#define BACKUP_PREFIX "arbiusd-"
#define BACKUP_SUFFIX ".db"
/* arbiusd-YYYYmmddTHHMMSSZ.db */
#define BACKUP_NAME_LEN                                                     \
    (sizeof(BACKUP_PREFIX) - 1 + 16 + sizeof(BACKUP_SUFFIX) - 1)

/* Copies everything of src into dst in one step (one read transaction on
 * src: a consistent snapshot), retrying while either side is busy. */
static int copy_db(sqlite3 *dst, sqlite3 *src, const char *what)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc, tries = 0;

    if (!b) {
        log_warnx("backup: %s: %s", what, sqlite3_errmsg(dst));
        return -1;
    }
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            if (++tries > 600)
                break;
            sqlite3_sleep(50);
        }
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        log_warnx("backup: %s: %s", what, sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

/* "ok" from PRAGMA integrity_check, else -1 with the first complaint. */
static int integrity_ok(sqlite3 *h, char *why, size_t n)
{
    sqlite3_stmt *st = NULL;
    int ret = -1;

    snprintf(why, n, "integrity_check could not run: %s", sqlite3_errmsg(h));
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);

        if (r && strcmp(r, "ok") == 0)
            ret = 0;
        else
            snprintf(why, n, "integrity_check: %s", r ? r : "(null)");
    } else {
        snprintf(why, n, "integrity_check failed: %s", sqlite3_errmsg(h));
    }
    sqlite3_finalize(st);
    return ret;
}

/* An arbiusd schema: known user_version and our core tables. */
static int schema_ok(sqlite3 *h, char *why, size_t n)
{
    sqlite3_stmt *st = NULL;
    int ver = -1, tables = 0;

    if (sqlite3_prepare_v2(h, "SELECT (SELECT user_version FROM "
                              "pragma_user_version), (SELECT count(*) FROM "
                              "sqlite_schema WHERE type = 'table' AND name IN "
                              "('scan_state', 'tasks', 'coverage', "
                              "'solutions'))",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        ver = sqlite3_column_int(st, 0);
        tables = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (tables != 4 || ver < 1) {
        snprintf(why, n, "not an arbiusd database (no arbiusd schema)");
        return -1;
    }
    if (ver > migrate_latest()) {
        snprintf(why, n, "schema version %d is newer than this binary's %d",
                 ver, migrate_latest());
        return -1;
    }
    return 0;
}

static int64_t checkpoint_of(sqlite3 *h)
{
    sqlite3_stmt *st = NULL;
    int64_t b = -1;

    if (sqlite3_prepare_v2(h, "SELECT indexed_block FROM scan_state "
                              "WHERE id = 1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        b = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return b;
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    int r;

    if (fd < 0)
        return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

static void dir_of(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        snprintf(out, n, ".");
    else if (slash == path)
        snprintf(out, n, "/");
    else
        snprintf(out, n, "%.*s", (int)(slash - path), path);
}

int backup_to_file(const char *db_path, const char *dest, uint64_t busy_ms,
                   struct backup_info *info)
{
    struct db *src = NULL;
    sqlite3 *dst = NULL;
    char tmp[4096], dir[4096], why[512];
    uint64_t t0 = util_now_ms();
    struct stat st;
    int64_t block = -1;
    int ret = -1;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dest,
                         (long)getpid()) >= sizeof(tmp)) {
        log_warnx("backup: %s: path too long", dest);
        return -1;
    }
    if (db_open(db_path, DB_READONLY, busy_ms, &src) < 0)
        return -1;
    unlink(tmp);
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        log_warnx("backup: %s: cannot create: %s", tmp,
                  dst ? sqlite3_errmsg(dst) : "out of memory");
        goto out;
    }
    if (copy_db(dst, db_sqlite(src), db_path) < 0)
        goto out;
    /* One self-contained file: no -wal beside the copy. */
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
        SQLITE_OK) {
        log_warnx("backup: %s: %s", tmp, sqlite3_errmsg(dst));
        goto out;
    }
    if (integrity_ok(dst, why, sizeof(why)) < 0) {
        log_warnx("backup: %s: the copy fails its check: %s", tmp, why);
        goto out;
    }
    block = checkpoint_of(dst);
    if (sqlite3_close(dst) != SQLITE_OK) {
        log_warnx("backup: %s: close failed", tmp);
        goto out;
    }
    dst = NULL;
    dir_of(dest, dir, sizeof(dir));
    if (fsync_path(tmp, 0) < 0 || rename(tmp, dest) < 0) {
        log_warn("backup: %s", dest);
        goto out;
    }
    if (fsync_path(dir, 1) < 0)
        log_warn("backup: fsync %s", dir);
    if (info) {
        info->indexed_block = block;
        info->bytes = stat(dest, &st) == 0 ? (int64_t)st.st_size : 0;
        info->ms = util_now_ms() - t0;
    }
    ret = 0;
out:
    if (dst)
        sqlite3_close(dst);
    if (ret < 0)
        unlink(tmp);
    db_close(src);
    return ret;
}

int backup_lock_shared(const char *db_path)
{
    int fd = open(db_path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

void backup_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

int backup_restore(const char *file, const char *db_path, int force,
                   uint64_t busy_ms, struct backup_info *info)
{
    sqlite3 *src = NULL;
    struct db *dst = NULL;
    char why[512];
    int lockfd = -1, ret = -1;
    uint64_t t0 = util_now_ms();
    struct stat st;

    if (stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "arbiusd restore: %s: %s\n", file,
                errno ? strerror(errno) : "not a regular file");
        return -1;
    }
    if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(src, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
                     NULL) != SQLITE_OK) {
        fprintf(stderr, "arbiusd restore: %s: not a SQLite database: %s\n",
                file, src ? sqlite3_errmsg(src) : "out of memory");
        goto out;
    }
    if (schema_ok(src, why, sizeof(why)) < 0 ||
        integrity_ok(src, why, sizeof(why)) < 0) {
        fprintf(stderr, "arbiusd restore: %s: refused: %s\n", file, why);
        goto out;
    }
    /* Hold the target exclusively: no daemon may start on it meanwhile,
     * and one that runs holds a shared lock we cannot get. */
    lockfd = open(db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (lockfd < 0) {
        fprintf(stderr, "arbiusd restore: %s: %s\n", db_path,
                strerror(errno));
        goto out;
    }
    if (flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
        if (!force) {
            fprintf(stderr,
                    "arbiusd restore: %s is in use by a running arbiusd; "
                    "stop it first (or pass --force to overwrite it "
                    "underneath the running daemon)\n", db_path);
            ret = 1;
            goto out;
        }
        fprintf(stderr, "arbiusd restore: %s is in use; --force: "
                        "restoring anyway\n", db_path);
    }
    if (db_open(db_path, DB_READWRITE, busy_ms, &dst) < 0) {
        fprintf(stderr, "arbiusd restore: %s: cannot open (see the log)\n",
                db_path);
        goto out;
    }
    if (copy_db(db_sqlite(dst), src, file) < 0) {
        fprintf(stderr, "arbiusd restore: copying %s into %s failed\n", file,
                db_path);
        goto out;
    }
    if (db_exec(dst, "PRAGMA journal_mode=WAL") < 0 ||
        integrity_ok(db_sqlite(dst), why, sizeof(why)) < 0) {
        fprintf(stderr, "arbiusd restore: %s after the copy: %s\n", db_path,
                why);
        goto out;
    }
    if (info) {
        info->indexed_block = checkpoint_of(db_sqlite(dst));
        info->bytes = (int64_t)st.st_size;
        info->ms = util_now_ms() - t0;
    }
    if (db_checkpoint(dst) < 0)
        goto out;
    ret = 0;
out:
    db_close(dst);
    if (src)
        sqlite3_close(src);
    if (lockfd >= 0)
        close(lockfd); /* after every connection to db_path is closed */
    return ret;
}

/* ---- scheduled backups ---- */

struct backup_sched {
    const struct config *cfg;
    struct worker *w;
    int64_t due;               /* wall time of the next backup */
};

static int is_backup_name(const char *n)
{
    size_t len = strlen(n);

    return len == BACKUP_NAME_LEN &&
           strncmp(n, BACKUP_PREFIX, sizeof(BACKUP_PREFIX) - 1) == 0 &&
           strcmp(n + len - (sizeof(BACKUP_SUFFIX) - 1), BACKUP_SUFFIX) == 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Backup names in dir, sorted oldest first (the timestamp sorts); *n. */
static char **list_backups(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    size_t cnt = 0;

    *n = 0;
    if (!d)
        return NULL;
    while ((de = readdir(d)) != NULL) {
        if (!is_backup_name(de->d_name))
            continue;
        v = xrealloc(v, (cnt + 1) * sizeof(*v));
        v[cnt++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof(*v), name_cmp);
    *n = cnt;
    return v;
}

static void free_list(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Wall time of the newest backup in dir (0: none). */
static int64_t newest_backup(const char *dir)
{
    size_t n;
    char **v = list_backups(dir, &n);
    int64_t t = 0;

    if (n) {
        char p[4096];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", dir, v[n - 1]);
        if (stat(p, &st) == 0)
            t = (int64_t)st.st_mtime;
    }
    free_list(v, n);
    return t;
}

static void run_one(const struct config *cfg)
{
    char name[64], path[4096];
    struct backup_info info;
    time_t now = time(NULL);
    struct tm tm;
    size_t n, i;
    char **v;

    gmtime_r(&now, &tm);
    strftime(name, sizeof(name), BACKUP_PREFIX "%Y%m%dT%H%M%SZ" BACKUP_SUFFIX,
             &tm);
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->backup_dir,
                         name) >= sizeof(path))
        return;
    if (backup_to_file(cfg->db_path, path, cfg->busy_timeout, &info) < 0) {
        log_warnx("backup: scheduled backup to %s failed", path);
        return;
    }
    log_info("backup: %s written (checkpoint block %lld, %lld bytes, %llu ms)",
             path, (long long)info.indexed_block, (long long)info.bytes,
             (unsigned long long)info.ms);
    v = list_backups(cfg->backup_dir, &n);
    for (i = 0; n > cfg->backup_keep && i < n - cfg->backup_keep; i++) {
        snprintf(path, sizeof(path), "%s/%s", cfg->backup_dir, v[i]);
        if (unlink(path) < 0)
            log_warn("backup: cannot delete old backup %s", path);
        else
            log_info("backup: deleted %s (keep = %llu)", path,
                     (unsigned long long)cfg->backup_keep);
    }
    free_list(v, n);
}

/* Writes a backup when one is due; returns the time until the next. */
static int64_t sched_step(struct worker *w, void *arg)
{
    struct backup_sched *s = arg;
    int64_t now = util_wall_s();

    (void)w;
    if (now >= s->due) {
        run_one(s->cfg);
        now = util_wall_s();
        s->due = now + (int64_t)s->cfg->backup_interval;
    }
    return (s->due - now) * 1000;
}

static const struct worker_def sched_worker = { "backups", sched_step, NULL };

int backup_sched_new(const struct config *cfg, struct backup_sched **outp)
{
    struct backup_sched *s;
    struct stat st;
    int64_t last;

    if (stat(cfg->backup_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        log_warnx("[backup] dir = %s: not a directory", cfg->backup_dir);
        return -1;
    }
    s = xcalloc(1, sizeof(*s));
    s->cfg = cfg;
    last = newest_backup(cfg->backup_dir);
    s->due = last ? last + (int64_t)cfg->backup_interval : util_wall_s();
    if (worker_start(&sched_worker, s, &s->w) < 0) {
        free(s);
        return -1;
    }
    log_info("backup: every %llu s into %s, keeping %llu",
             (unsigned long long)cfg->backup_interval, cfg->backup_dir,
             (unsigned long long)cfg->backup_keep);
    *outp = s;
    return 0;
}

void backup_sched_free(struct backup_sched *s)
{
    if (!s)
        return;
    worker_stop(s->w);
    free(s);
}
