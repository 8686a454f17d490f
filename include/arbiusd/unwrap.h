/*
 * unwrap.h - engine calls inside other contracts' calldata and call traces.
 *
 * A task or solution sent through a contract (a multicall, a smart wallet,
 * a bulk helper with selectors of its own) leaves a transaction whose
 * top-level call the decoder does not know.  What the contract passed on
 * to the engine is usually still in its calldata, and always in a call
 * trace:
 *
 *     struct unwrap u;
 *     unwrap_scan(tx_input, tx_len, &u);        // borrows tx_input
 *     ... u.calls[]: embedded engine/router submit calls, in calldata order
 *     ... u.pairs[]: (task, cid) of embedded solution calls
 *     ... u.bytes[]: every byte string the calldata holds (task inputs?)
 *     unwrap_release(&u);
 *
 * unwrap_scan() reads calldata as ABI data of unknown types: every head
 * word that could be an offset is followed, and what it points at is read
 * as a `bytes` value, a dynamic array and a tuple (breadth first, within
 * UNWRAP_MAX_VISITS offsets and UNWRAP_MAX_WORDS head words); a byte string
 * that starts with a known selector and decodes strictly is an embedded
 * call, and is scanned in turn as calldata (a wallet calling a multicall).
 * Nothing found is evidence by itself: the caller checks a candidate
 * against the chain, with unwrap_task_id() and the previous task's id (the
 * engine chains task ids through prevhash) or with the input CID of the
 * tasks(id) view.
 *
 * unwrap_trace() collects the same from a callTracer trace (geth's frame
 * format): the frames that called the engine and did not revert, in
 * execution order, whose inputs it copies.
 *
 * Pure: no I/O, no global state.  arbius_init() must have run.
 */
#ifndef ARBIUSD_UNWRAP_H
#define ARBIUSD_UNWRAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/arbius.h"
#include "arbiusd/cid.h"

#define UNWRAP_MAX_DEPTH  8         /* nesting of arrays, tuples, calldata */
#define UNWRAP_MAX_VISITS 4096      /* offsets followed per scan */
#define UNWRAP_MAX_WORDS  (1 << 20) /* head words read per scan */
#define UNWRAP_TUPLE_HEADS \
    64 /* head words read of a tuple whose
                                     members are unknown */

/* A byte string of the calldata: a candidate task input. */
struct unwrap_bytes {
    const uint8_t *p; /* borrowed from the scanned calldata */
    size_t len;
    size_t pos;              /* where its content starts */
    int cid_state;           /* 0 not computed, 1 cid set, -1 too long */
    uint8_t cid[CID_V0_LEN]; /* the engine's getIPFSCID(p[0..len)) */
};

/* An engine or router submit call found inside. */
struct unwrap_call {
    struct arbius_submit sub; /* input borrowed from the calldata */
    size_t pos;               /* where the call starts */
    int cid_state;            /* as struct unwrap_bytes, of sub.input */
    uint8_t cid[CID_V0_LEN];
};

struct unwrap {
    struct unwrap_call *calls; /* by position (execution order) */
    size_t ncalls;
    struct unwrap_bytes *bytes; /* by position, each position once */
    size_t nbytes;
    struct arbius_cid_pair *pairs; /* of embedded solution calls, sorted
                                      by task (arbius_cid_pair_find) */
    size_t npairs;
    uint8_t **owned; /* inputs copied out of a trace */
    size_t nowned;
    int truncated; /* a budget ran out before the end */
};

/* Scans calldata cd[0..len) (borrowed: it must outlive u) into u, which
 * the caller releases.  Never fails: hostile data only finds less. */
void unwrap_scan(const uint8_t *cd, size_t len, struct unwrap *u /* OUT */);

/*
 * Collects the engine calls of a callTracer trace (the top frame, borrowed)
 * into u (released by the caller; it owns copies of the inputs): frames
 * whose `to` is engine, that carry no `error` and have no reverted
 * ancestor, depth first.  Returns 0, or -1 if frame is not a call frame.
 */
int unwrap_trace(const json_t *frame, const uint8_t engine[20],
                 struct unwrap *u /* OUT */) WARN_UNUSED;

/* Frees what u holds and zeroes it; a zeroed u is fine. */
void unwrap_release(struct unwrap *u);

/* The engine CID of b's content, computed once: b->cid, or NULL when the
 * content is longer than the engine accepts. */
const uint8_t *unwrap_bytes_cid(struct unwrap_bytes *b);
/* The same for the input of an embedded submit call. */
const uint8_t *unwrap_call_cid(struct unwrap_call *c);

/*
 * The id the engine gives a task (hashTask in every engine version):
 * keccak256(abi.encode(sender, prevhash, model, fee, cid)), where sender is
 * the engine's msg.sender (TaskSubmitted.sender), prevhash the id of the
 * engine's previous task, fee a uint256 word and cid the input's CID bytes
 * (at most 64).  Returns 0, or -1 if cid_len is over 64.
 */
int unwrap_task_id(const uint8_t sender[20], const uint8_t prev[32],
                   const uint8_t model[32], const uint8_t fee[32],
                   const uint8_t *cid, size_t cid_len,
                   uint8_t out[32] /* OUT */) WARN_UNUSED;

#endif
