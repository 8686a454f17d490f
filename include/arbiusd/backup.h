/*
 * backup.h - online backups with the SQLite backup API, restore with an
 * integrity check, scheduled backups with retention, and the lock that
 * tells `restore` a daemon is using a database.
 *
 * A backup copies the database as of one read transaction (a consistent
 * snapshot: every range the scanner committed before it, nothing of a range
 * committed during it) while the daemon keeps writing; it is written to a
 * temporary file beside the destination, switched to rollback-journal mode
 * (one self-contained file), checked, fsync'ed and renamed into place.
 */
#ifndef ARBIUSD_BACKUP_H
#define ARBIUSD_BACKUP_H

#include <stdint.h>

#include "arbiusd/config.h"
#include "arbiusd/util.h"

struct backup_info {
    int64_t indexed_block;     /* the copy's checkpoint (-1: none) */
    int64_t bytes;             /* size of the written file */
    uint64_t ms;               /* time taken */
};

/* Copies db_path into dest (replaced atomically).  0, or -1 after logging;
 * dest is untouched on failure. */
int backup_to_file(const char *db_path, const char *dest, uint64_t busy_ms,
                   struct backup_info *info /* OUT, may be NULL */)
    WARN_UNUSED;

/*
 * Checks that file is an arbiusd database that passes PRAGMA
 * integrity_check, then copies it over db_path.  Refuses (returns 1) when
 * a daemon holds db_path (backup_lock_shared) unless force.  Returns 0 on
 * success, 1 when refused, -1 on failure; every case is explained on
 * stderr.
 */
int backup_restore(const char *file, const char *db_path, int force,
                   uint64_t busy_ms,
                   struct backup_info *info /* OUT, may be NULL */)
    WARN_UNUSED;

/*
 * Marks db_path as in use by this process (a shared flock on the file, held
 * until backup_unlock): `restore` refuses to overwrite it.  Returns an fd
 * (>= 0), or -1 with errno EWOULDBLOCK when a restore holds it, or -1 when
 * the file cannot be opened.  Call backup_unlock only after every SQLite
 * connection of this process to db_path is closed (closing any descriptor
 * of a file drops the process's POSIX locks on it).
 */
int backup_lock_shared(const char *db_path);
void backup_unlock(int fd);

/* Scheduled backups ([backup] dir, interval, keep): a thread that writes
 * <dir>/arbiusd-YYYYmmddTHHMMSSZ.db every interval (the first one when the
 * newest existing backup is older than interval) and deletes the oldest
 * beyond keep.  cfg is borrowed for the scheduler's life.  0 or -1. */
struct backup_sched;
int backup_sched_new(const struct config *cfg,
                     struct backup_sched **outp /* OUT */) WARN_UNUSED;
void backup_sched_free(struct backup_sched *s);

#endif
