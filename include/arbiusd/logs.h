/*
 * logs.h - eth_getLogs answers read in place, without a JSON tree.
 *
 * A backfill's largest replies are its eth_getLogs batches (40,000 logs are
 * 24 MB): building a jansson tree of them cost as much CPU as committing
 * them.  logs_from_reply() walks the reply text once with jscan and fills
 * the logs directly.  It takes only the plain shape nodes send (a batch
 * array of {jsonrpc, id, result: [log, ...]}, hex strings without
 * escapes); anything else (an error object, escapes, a missing field)
 * makes it answer -1, and the caller reads the same body with the general
 * parser (rpc_parse_batch_reply()), which says what is wrong.
 */
#ifndef ARBIUSD_LOGS_H
#define ARBIUSD_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/arbius.h"
#include "arbiusd/util.h"

/* One log: the decoder's view and the data it borrows. */
struct logs_entry {
    struct arbius_log log;
    uint8_t *data; /* owned; log.data points here */
};

/*
 * Reads the batch reply body[0..len) to the ncalls eth_getLogs calls with
 * ids first_id .. first_id + ncalls - 1 (each answered exactly once, in
 * any order): every log of every answer, in reply order, into a new array
 * *outp of *np (free with logs_free()).  Returns 0, or -1 (outputs
 * untouched) when the body is not of the plain shape above or a log is
 * malformed.  A log with removed: true is malformed here.  Pure.
 */
int logs_from_reply(const char *body, size_t len, int64_t first_id,
                    size_t ncalls, struct logs_entry **outp /* OUT */,
                    size_t *np /* OUT */) WARN_UNUSED;

/* Frees logs[0..n) and the array; NULL is fine. */
void logs_free(struct logs_entry *logs, size_t n);

#endif
