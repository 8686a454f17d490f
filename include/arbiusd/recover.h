/*
 * recover.h - what a range's tasks, solutions and models need beyond their
 * logs: the owner, input and route of a task, the CID of a solution, the
 * template of a model; from any caller.
 *
 * The logs carry ids and senders only.  For each transaction that
 * submitted a task, a solution or a model (its calldata fetched once, in
 * batches), cheapest first:
 *   1. its own calldata, when it called the engine or the router directly;
 *   2. an engine or router call inside its calldata (a multicall, a smart
 *      wallet): model and fee equal to the log's, and, when the previous
 *      task's id is known, the task id the input gives (the engine chains
 *      ids: keccak256(sender, prevhash, model, fee, cid));
 *   3. a byte string of its calldata whose CID gives the task id (or equals
 *      the input CID of the tasks(id) view): a helper contract with
 *      selectors of its own that passes the input through; the owner then
 *      comes from tasks(id), a solution's CID from solutions(task), both
 *      read in batches;
 *   4. the call tracer (debug_traceTransaction, callTracer), batched, on an
 *      endpoint that has one (asked once per endpoint and remembered);
 *   5. otherwise the task is recorded as unrecoverable
 *      (TASK_INPUT_UNRECOVERABLE), with the owner and input CID the view
 *      gave.
 * A view or trace method an endpoint refuses is not asked again of that
 * endpoint.  One line per range sums up what came from where.
 */
#ifndef ARBIUSD_RECOVER_H
#define ARBIUSD_RECOVER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/arbius.h"
#include "arbiusd/rpc.h"
#include "arbiusd/store.h"
#include "arbiusd/util.h"

struct recover;

/* What one recover_range() did (for the summary and for tests). */
struct recover_counts {
    size_t txs;             /* transactions whose calldata was asked */
    size_t tasks_direct;    /* tasks from a direct engine/router call */
    size_t tasks_contract;  /* tasks another contract submitted */
    size_t inputs_embedded; /* ... input from an embedded known call */
    size_t inputs_chained;  /* ... input from a byte string, by task id */
    size_t inputs_viewed;   /* ... by the input CID of tasks(id) */
    size_t inputs_traced;   /* ... from a trace */
    size_t inputs_lost;     /* ... unrecoverable */
    size_t owners_viewed;   /* owners read with tasks(id) */
    size_t sols_calldata;   /* solution CIDs from (embedded) calldata */
    size_t sols_viewed;     /* ... from solutions(task) */
    size_t sols_traced;     /* ... from a trace */
    size_t sols_lost;       /* ... from nowhere */
    size_t views, traces;   /* calls made */
    size_t requests;        /* HTTP requests made */
};

/* rpc and a are borrowed for the life of the recover state.  Never
 * fails. */
struct recover *recover_new(struct rpc_client *rpc,
                            const struct arbius_addrs *a);
void recover_free(struct recover *rc);

/*
 * The transactions whose calldata recover_range() reads (those of tasks,
 * solutions and models), distinct and sorted: a new array of *np hashes,
 * caller frees.  The caller fetches them (batched with whatever else it
 * asks the node for).
 */
char (*recover_txs(const struct st_event *evs, size_t n,
                   size_t *np /* OUT */))[ST_HASH_SIZE];

/*
 * Completes evs[0..n) (decoded logs of one range, in log order) in place.
 * txs[i] is the eth_getTransactionByHash answer of recover_txs()[i]
 * (borrowed; NULL, or txs NULL, when unknown).  prev is the id (0x hex) of
 * the engine's task before the first task of evs, or NULL when the index
 * has none (the engine's first, zero, is tried).  Views are read at
 * view_block (0: "latest").  Returns 0, or -1 with *err set when the node
 * could not be asked (the range is then tried again).  *counts (may be
 * NULL) gets what happened.
 */
int recover_range(struct recover *rc, struct st_event *evs, size_t n,
                  json_t *const *txs, const char *prev, uint64_t view_block,
                  struct recover_counts *counts /* OUT */,
                  struct rpc_error *err /* OUT */) WARN_UNUSED;

#endif
