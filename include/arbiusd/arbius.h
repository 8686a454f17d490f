/*
 * arbius.h - the Arbius protocol: engine, router and token logs and
 * calldata decoded into store records.  Knows the protocol, not SQL or HTTP.
 *
 * Facts: PROTOCOL.md sections 1 (events, selectors), 4 (CIDs), 6 (payouts).
 */
#ifndef ARBIUSD_ARBIUS_H
#define ARBIUSD_ARBIUS_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/store.h"
#include "arbiusd/util.h"

#define ARBIUS_MAX_TOPICS 4

/* One log as the node returned it, parsed. */
struct arbius_log {
    uint64_t block;
    uint32_t log_index;
    char tx[ST_HASH_SIZE];
    char block_hash[ST_HASH_SIZE];
    uint8_t address[20];
    uint8_t topics[ARBIUS_MAX_TOPICS][32];
    size_t ntopics;
    const uint8_t *data;      /* borrowed */
    size_t data_len;
};

struct arbius_addrs {
    uint8_t engine[20], token[20], router[20];
    int has_router;
};

/* What calldata said about the tasks of one transaction. */
struct arbius_submit {
    int found;                /* the tx called a known submit function */
    const char *via;          /* "engine", "bulk", "router" */
    int version;
    char owner[ST_ADDR_SIZE];
    char model[ST_HASH_SIZE];
    char fee[ST_DEC_SIZE];
    const uint8_t *input;     /* borrowed from the calldata */
    size_t input_len;
    uint64_t n;               /* bulk count, 1 otherwise */
};

/* What arbius_decode_log() did with a log. */
enum arbius_log_rc {
    ARBIUS_LOG_KEPT = 0,    /* ev filled (maybe ST_OTHER "malformed") */
    ARBIUS_LOG_SKIPPED = 1, /* not a log we keep: nothing to release */
};

/*
 * Decodes one log into ev (pos.time left 0 for the caller).  Returns
 * ARBIUS_LOG_KEPT when ev was filled (possibly as ST_OTHER "malformed" for
 * hostile data; release it with st_event_release()), ARBIUS_LOG_SKIPPED
 * when the log is not one we keep (e.g. a token Transfer not from the
 * engine, a log of another contract).  Never fails on chain data.
 */
int arbius_decode_log(const struct arbius_log *log,
                      const struct arbius_addrs *a, struct st_event *ev);

/* Decodes submitTask / bulkSubmitTask / router submitTask calldata.
 * Returns 0 with out->found set accordingly (found = 0 for any other call or
 * malformed data). */
int arbius_decode_submit(const uint8_t *calldata, size_t len,
                         struct arbius_submit *out /* OUT */);

/* What arbius_solution_cid() found (-1: not a solution call). */
enum arbius_cid_rc {
    ARBIUS_CID_FOUND = 0,     /* cid and cid_len set */
    ARBIUS_CID_NOT_NAMED = 1, /* a solution call, for other tasks */
};

/*
 * Finds the cid submitted for task in submitSolution / bulkSubmitSolution
 * calldata.  Returns ARBIUS_CID_FOUND with cid and cid_len borrowed from
 * calldata, ARBIUS_CID_NOT_NAMED if the calldata does not name that task,
 * -1 if it is not such a call.
 */
int arbius_solution_cid(const uint8_t *calldata, size_t len,
                        const char *task, const uint8_t **cid /* OUT */,
                        size_t *cid_len /* OUT */);

/* One (task, cid) pair of solution calldata; cid borrowed. */
struct arbius_cid_pair {
    uint8_t task[32];
    const uint8_t *cid;
    size_t cid_len;
};

/*
 * Decodes submitSolution / bulkSubmitSolution calldata once into pairs
 * sorted by task (new array, caller frees; cids borrow calldata).  Returns
 * 0, or -1 if it is not such a call.
 */
int arbius_solution_cids(const uint8_t *calldata, size_t len,
                         struct arbius_cid_pair **outp /* OUT */,
                         size_t *n /* OUT */);
/* The pair for task (0x hex) in a sorted array, or NULL. */
const struct arbius_cid_pair *
arbius_cid_pair_find(const struct arbius_cid_pair *pairs, size_t n,
                     const char *task);

/* Decodes registerModel / registerModelWithAllowList calldata: template
 * bytes borrowed, addr and fee formatted.  0 or -1. */
int arbius_decode_register(const uint8_t *calldata, size_t len,
                           const uint8_t **tmpl /* OUT */,
                           size_t *tmpl_len /* OUT */,
                           char addr[ST_ADDR_SIZE] /* OUT */,
                           char fee[ST_DEC_SIZE] /* OUT */);

/* Fills the input fields of a task from raw input bytes (copied): JSON,
 * prompt, flags, engine CID. */
void arbius_task_set_input(struct st_task *t, const uint8_t *in, size_t len);

/* Fills the cid fields of a solution from raw cid bytes. */
void arbius_solution_set_cid(struct st_solution *s, const uint8_t *cid,
                             size_t len);

/* Links V5 payouts (no task in the event) to the preceding SolutionClaimed
 * of the same transaction; evs are in log order. */
void arbius_link_payouts(struct st_event *evs, size_t n);

/* Decodes the owner, version and input cid (borrowed from ret; may be
 * empty: no such task) from a tasks(bytes32) view reply (ABI-encoded
 * (bytes32,uint256,address,uint64,uint8,bytes)).  0 or -1. */
int arbius_decode_task_view(const uint8_t *ret, size_t len,
                            char owner[ST_ADDR_SIZE] /* OUT */,
                            int *version /* OUT */,
                            const uint8_t **cid /* OUT */,
                            size_t *cid_len /* OUT */);
/* Decodes the cid from a solutions(bytes32) view reply
 * ((address,uint64,bool,bytes)); cid borrowed.  0 or -1. */
int arbius_decode_solution_view(const uint8_t *ret, size_t len,
                                const uint8_t **cid /* OUT */,
                                size_t *cid_len /* OUT */);

/* Decodes a models(bytes32) view reply ((uint256 fee, address addr,
 * uint256 rate, bytes cid)) into m's fee, addr, rate and cid (0x hex, ""
 * when empty).  0 or -1. */
int arbius_decode_model_view(const uint8_t *ret, size_t len,
                             struct st_model *m /* OUT */);
/* Decodes a one-word unsigned view reply that fits 64 bits.  0 or -1. */
int arbius_decode_uint_view(const uint8_t *ret, size_t len,
                            uint64_t *out /* OUT */);

/* Selectors of the views (4 bytes); ARBIUS_SEL_VOTE_ADDER, V6's
 * masterContesterVoteAdder(), is computed by arbius_init(). */
extern const uint8_t ARBIUS_SEL_TASKS[4], ARBIUS_SEL_SOLUTIONS[4],
    ARBIUS_SEL_MODELS[4];
extern uint8_t ARBIUS_SEL_VOTE_ADDER[4];

/* topic0 of every event we decode, for eth_getLogs filters and tests. */
struct arbius_event_sig {
    const char *signature;    /* "TaskSubmitted(bytes32,bytes32,uint256,address)" */
    const char *name;         /* "TaskSubmitted" */
    uint8_t topic0[32];       /* filled by arbius_init() */
};
/* Computes the topic0 table once; call before threads start. */
void arbius_init(void);
const struct arbius_event_sig *arbius_events(size_t *n /* OUT */);

#endif
