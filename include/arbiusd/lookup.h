/*
 * lookup.h - what a range needs from the chain's state rather than from
 * its logs, and model templates from IPFS.
 *
 * lookup_views() reads engine views in one JSON-RPC batch per `batch`
 * items (one per range in practice): models(id) of the models a range
 * names that the index does not know (a start_block after their
 * registration), and V6's masterContesterVoteAdder() at the block before
 * each first ContestationVoteFinish.  A view that reverts (an engine
 * before V6 has no vote adder; a node without that block's state) is
 * LOOKUP_NONE, not a failure; a transport or reply failure fails the call
 * so that the range is tried again.
 *
 * lookup_template() fetches a model template by its engine cid from the
 * configured IPFS gateways, in order, within one deadline, and accepts it
 * only when cid_hash_content() of the bytes is that cid.
 */
#ifndef ARBIUSD_LOOKUP_H
#define ARBIUSD_LOOKUP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/config.h"
#include "arbiusd/rpc.h"
#include "arbiusd/store.h"
#include "arbiusd/util.h"

enum lookup_kind {
    LOOKUP_MODEL, /* models(id) into *model */
    LOOKUP_ADDER, /* masterContesterVoteAdder() into value */
};

enum lookup_status {
    LOOKUP_PENDING = 0,
    LOOKUP_FOUND, /* the view answered */
    LOOKUP_NONE,  /* it reverted, or a model is not registered */
};

struct lookup {
    enum lookup_kind kind;
    char id[ST_HASH_SIZE];     /* LOOKUP_MODEL: the model id */
    uint64_t block;            /* the state at this block */
    enum lookup_status status; /* OUT */
    struct st_model *model;    /* LOOKUP_MODEL: fee, addr, rate, cid filled
                                 (borrowed) */
    uint64_t value;            /* LOOKUP_ADDER: the adder */
};

/*
 * Reads items[0..n) from engine (0x hex) through rpc, batch items per
 * JSON-RPC batch.  Returns 0 with every status set, or -1 with err filled
 * (the failure was logged by rpc).
 */
int lookup_views(struct rpc_client *rpc, size_t batch, const char *engine,
                 struct lookup *items, size_t n,
                 struct rpc_error *err /* OUT */) WARN_UNUSED;

/*
 * Fetches the content of cid (0x hex of a 34-byte CIDv0 multihash) from
 * gateways[0..n) (base URLs as configured), trying each in turn until
 * deadline_ms (util_now_ms() time) passes or stop is raised (may be NULL).
 * Returns 0 with *outp (new, caller frees) and *lenp set, or -1 with the
 * reason of the last try in why (not logged: the caller keeps it).
 */
int lookup_template(const char *const *gateways, size_t n, const char *cid,
                    uint64_t deadline_ms, const atomic_bool *stop,
                    uint8_t **outp /* OUT */, size_t *lenp /* OUT */,
                    char *why /* OUT */, size_t whysz) WARN_UNUSED;

/* What lookup_range() reads with (borrowed). */
struct lookup_ctx {
    struct rpc_client *rpc;
    struct store *store;       /* whether a model is known; due templates */
    const struct config *cfg;  /* rpc_batch, [ipfs] gateways and retry */
    const atomic_bool *stop;   /* may be NULL */
    const char *engine;        /* 0x hex */
    pthread_mutex_t *rpc_lock; /* held around the views (another thread
                                  shares rpc), or NULL */
};

#define LOOKUP_TEMPLATE_BUDGET_MS 5000 /* gateway time a range may spend */
#define LOOKUP_TEMPLATES_DUE      8    /* stored templates retried a range */

/*
 * What the range's rows evs[0..n) (decoded, enriched, up to block to) need
 * from the chain's state, in one batch of views: the vote adder of each
 * first finish (into its event; left -1 when the view reverts), the models
 * it names that neither the range registers nor the index knows (from the
 * view, with the built-in kind and output file and the template from the
 * gateways), and the templates of known models that are due again.  The
 * gateways get LOOKUP_TEMPLATE_BUDGET_MS in all.  *modelsp: a new array
 * of *nmodels for struct st_range.models (caller frees each template_bytes
 * and the array, also on error).  Returns the number of JSON-RPC batches
 * sent, or -1 with err filled.
 */
int lookup_range(const struct lookup_ctx *c, struct st_event *evs, size_t n,
                 uint64_t to, struct st_model **modelsp /* OUT */,
                 size_t *nmodels /* OUT */,
                 struct rpc_error *err /* OUT */) WARN_UNUSED;

#endif
