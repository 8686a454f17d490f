/*
 * queries.h - read-side SQL for the web handlers and the CLI.
 *
 * Every function builds a new jansson value the caller owns (json_decref),
 * reading through the given connection.  They return 0, 1 for "not found"
 * where that applies, or -1 after logging a database error.
 */
#ifndef ARBIUSD_QUERIES_H
#define ARBIUSD_QUERIES_H

#include <jansson.h>

#include "arbiusd/db.h"

/* Index state: indexed/head/safe block, lag, totals. */
int queries_status(struct db *db, json_t **outp /* OUT */) WARN_UNUSED;
/* The task object served by `arbiusd task` and /api/v1/image/<id>.
 * id is 0x + 64 hex.  Returns 1 if unknown. */
int queries_task(struct db *db, const char *id,
                 json_t **outp /* OUT */) WARN_UNUSED;
/* Cheap liveness probe: reads one row.  0 or -1. */
int queries_ping(struct db *db) WARN_UNUSED;

#endif
