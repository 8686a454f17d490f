/*
 * migrate.h - schema migrations compiled into the binary.
 *
 * migrations/NNNN_name.sql are embedded at build time and applied in order,
 * each inside its own transaction that also sets PRAGMA user_version = NNNN.
 * A database whose user_version is newer than the binary is refused.
 */
#ifndef ARBIUSD_MIGRATE_H
#define ARBIUSD_MIGRATE_H

#include "arbiusd/db.h"

/* Highest migration number this binary knows. */
int migrate_latest(void);

/*
 * Brings db up to migrate_latest().  *from / *to (may be NULL) receive the
 * versions before and after.  Returns 0, or -1 (logged) when a migration
 * fails (that migration is rolled back) or the database is newer than the
 * binary.
 */
int migrate_apply(struct db *db, int *from /* OUT */, int *to /* OUT */,
                  int verbose) WARN_UNUSED;

/* Returns 0 when db is exactly at migrate_latest(), 1 if older, -1 if newer
 * or unreadable (logged). */
int migrate_check(struct db *db) WARN_UNUSED;

#endif
