/*
 * store.h - the write side: typed records the decoder fills and the scanner
 * writes, one BEGIN IMMEDIATE ... COMMIT per block range.
 *
 * Writes are idempotent: a row is keyed by (block, log_index) and inserting
 * it again changes nothing, derived tables included.  Derived tables
 * (totals, daily, users, miners) move by exact deltas as rows arrive; a
 * reorg deletes the rows above the common ancestor and recomputes exactly
 * the derived rows those rows touched.
 *
 * store/ never includes a chain/ header: the records below are its contract.
 */
#ifndef ARBIUSD_STORE_H
#define ARBIUSD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/db.h"
#include "arbiusd/util.h"

#define ST_HASH_SIZE 67    /* "0x" + 64 hex + NUL: ids, hashes */
#define ST_ADDR_SIZE 43    /* "0x" + 40 hex + NUL */
#define ST_DEC_SIZE 80     /* a uint256 in decimal + NUL */

/* tasks.input_flags */
#define TASK_INPUT_MISSING   0x01u /* calldata not found or not decodable */
#define TASK_INPUT_NOT_JSON  0x02u /* bytes are not a JSON document */
#define TASK_INPUT_BAD_UTF8  0x04u /* bytes are not valid UTF-8 */
#define TASK_INPUT_NOT_OBJECT 0x08u /* JSON but not an object */
#define TASK_INPUT_NO_PROMPT 0x10u /* object without a string "prompt" */
#define TASK_INPUT_TOO_LARGE 0x20u /* over ST_INPUT_MAX: bytes truncated */
#define TASK_OWNER_FROM_VIEW 0x40u /* owner read with tasks(id), not calldata */
#define TASK_INPUT_CONTRACT \
    0x80u                       /* input found inside a contract's calldata
                                      (checked against the task id or the
                                      input CID of tasks(id)) */
#define TASK_INPUT_TRACE 0x100u /* input from a call trace */
#define TASK_INPUT_UNRECOVERABLE \
    0x200u /* submitted through a contract; no
                                      calldata, view or trace had the input
                                      (cid from tasks(id) when it answered) */
#define ST_INPUT_MAX (64u * 1024u + 1024u)

/* solutions.cid_flags */
#define SOL_CID_MISSING 0x01u /* calldata and solutions(task) both failed */
#define SOL_CID_INVALID 0x02u /* bytes are not a 34-byte sha256 multihash */
#define SOL_CID_FROM_VIEW 0x04u /* read with solutions(task) */
#define SOL_CID_CONTRACT  0x08u /* from a call inside a contract's calldata */
#define SOL_CID_TRACE     0x10u /* from a call trace */

enum st_kind {
    ST_TASK = 1,
    ST_TASK_RETRACTED,
    ST_COMMITMENT,
    ST_SOLUTION,
    ST_CLAIM,
    ST_CONTESTATION,
    ST_VOTE,
    ST_VOTE_FINISH,
    ST_MODEL,
    ST_MODEL_CHANGE,
    ST_STAKE,
    ST_PAYOUT,
    ST_TRANSFER,
    ST_INCENTIVE,
    ST_OTHER,
};

/* Where a row came from. */
struct st_pos {
    uint64_t block;
    uint32_t log_index;
    char tx[ST_HASH_SIZE];
    int64_t time;             /* block timestamp */
};

struct st_task {
    char id[ST_HASH_SIZE], model[ST_HASH_SIZE];
    char owner[ST_ADDR_SIZE], sender[ST_ADDR_SIZE];
    char fee[ST_DEC_SIZE];
    double fee_aius;
    int version;              /* -1 unknown */
    uint8_t *input;           /* owned raw input bytes, NULL if missing */
    size_t input_len;
    char *input_json;         /* owned, NULL unless a JSON object */
    char *prompt;             /* owned, NULL unless a string prompt; may
                                 hold NUL bytes (JSON \u0000) */
    size_t prompt_len;
    unsigned input_flags;     /* TASK_INPUT_* */
    char cid[2 + 68 + 1];     /* engine CID of input, 0x hex, "" unknown */
    const char *via;          /* "engine", "bulk", "router", "contract"
                                 (another contract called the engine)
                                 (static) */
    uint32_t bulk_size;
};

struct st_solution {
    char task[ST_HASH_SIZE], validator[ST_ADDR_SIZE];
    char *cid_hex;            /* owned 0x hex of the raw bytes, or NULL */
    char cid_text[48];        /* "Qm..." when valid, else "" */
    unsigned cid_flags;       /* SOL_CID_* */
};

struct st_pair {              /* claims, contestations, commitments */
    char task[ST_HASH_SIZE];  /* task id, or the commitment */
    char addr[ST_ADDR_SIZE];  /* validator / contester / committer */
    int flag;                 /* contestation: suggested */
};

struct st_vote {
    char task[ST_HASH_SIZE], voter[ST_ADDR_SIZE];
    int yea;
};

struct st_vote_finish {
    char task[ST_HASH_SIZE];
    uint32_t start_idx, end_idx;
    int64_t adder; /* V6 masterContesterVoteAdder() in force
                                 (the view at the block before a first
                                 finish); -1 unknown: the store then uses
                                 the last MasterContesterVoteAdderSet */
};

struct st_model {
    char id[ST_HASH_SIZE], addr[ST_ADDR_SIZE];
    char fee[ST_DEC_SIZE];
    uint8_t *template_bytes;  /* owned, NULL if calldata missing */
    size_t template_len;
    char cid[2 + 68 + 1];
    /* A model learnt outside its registration (struct st_range.models): */
    int from_view; /* fee, addr, rate, cid from models(id); 0:
                                 only the template fields below change */
    char rate[ST_DEC_SIZE];
    const char *kind;         /* built-in output type, or NULL (static) */
    const char *output;       /* built-in output file, or NULL (static) */
    int template_tried;       /* a gateway fetch was tried (template_bytes
                                 set when it worked) */
    int64_t template_tries;   /* tries before this one (store_models_due) */
    char template_error[160]; /* why it failed, or "" */
    int64_t template_next;    /* wall seconds of the next try, 0 none */
};

struct st_model_change {
    char model[ST_HASH_SIZE];
    const char *kind;         /* "fee", "rate", "addr" (static) */
    char value[ST_DEC_SIZE];
};

struct st_stake {
    const char *kind;         /* deposit, withdraw_initiated, ... (static) */
    char addr[ST_ADDR_SIZE], validator[ST_ADDR_SIZE]; /* validator "" if none */
    char count[ST_DEC_SIZE], amount[ST_DEC_SIZE], unlock[ST_DEC_SIZE];
};

struct st_payout {
    const char *kind;         /* "rewards" or "fees" (static) */
    int era;                  /* 5 or 6 */
    char task[ST_HASH_SIZE], model[ST_HASH_SIZE], validator[ST_ADDR_SIZE];
    char a[4][ST_DEC_SIZE];
};

struct st_transfer {
    char src[ST_ADDR_SIZE], dst[ST_ADDR_SIZE], amount[ST_DEC_SIZE];
};

struct st_incentive {
    char task[ST_HASH_SIZE], recipient[ST_ADDR_SIZE], amount[ST_DEC_SIZE];
    const char *kind;         /* "added" or "claimed" (static) */
};

struct st_other {
    char address[ST_ADDR_SIZE], topic0[ST_HASH_SIZE];
    const char *name;         /* static event name, or "unknown"/"malformed" */
    char *args_json;          /* owned JSON object text */
};

struct st_event {
    enum st_kind kind;
    struct st_pos pos;
    union {
        struct st_task task;
        struct st_solution solution;
        struct st_pair pair;
        struct st_vote vote;
        struct st_vote_finish finish;
        struct st_model model;
        struct st_model_change change;
        struct st_stake stake;
        struct st_payout payout;
        struct st_transfer transfer;
        struct st_incentive incentive;
        struct st_other other;
    } u;
};

/* Frees what an event owns (not the event itself). */
void st_event_release(struct st_event *ev);

/* The range being committed. */
struct st_range {
    uint64_t from, to;            /* inclusive */
    char to_hash[ST_HASH_SIZE], to_parent[ST_HASH_SIZE];
    int64_t to_time;
    uint64_t head, safe;          /* chain state seen while fetching */
    int64_t head_time;
    const char *rpc;              /* endpoint that served it */
    int advance;                  /* move the checkpoint to `to` */
    size_t nblocks;               /* hashes of event blocks (reorg window) */
    const uint64_t *block_numbers;
    char (*block_hashes)[ST_HASH_SIZE];
    char (*block_parents)[ST_HASH_SIZE];
    const int64_t *block_times;
    struct st_model *models; /* models learnt outside a registration
                                     log (views, gateways), written before
                                     the events; may be NULL */
    size_t nmodels;
};

struct store;

/* Opens the writer on db (borrowed; must outlive the store).  0 or -1. */
int store_new(struct db *db, struct store **outp /* OUT */) WARN_UNUSED;
void store_free(struct store *st);

/* The checkpoint.  *found = 0 when nothing was indexed yet. */
struct st_checkpoint {
    int found;
    uint64_t chain_id, start_block, block;
    char hash[ST_HASH_SIZE];
    int64_t time;
};
int store_checkpoint(struct store *st, struct st_checkpoint *out /* OUT */)
    WARN_UNUSED;
/* Creates the checkpoint row for a fresh index: block start-1. */
int store_init_checkpoint(struct store *st, uint64_t chain_id,
                          const char *engine, uint64_t start_block,
                          const char *hash, int64_t time) WARN_UNUSED;

/*
 * Writes one range: every event in order, the blocks, the coverage entry and
 * the checkpoint, in one transaction.  Returns 0, or -1 (rolled back,
 * logged).
 */
int store_commit_range(struct store *st, const struct st_range *r,
                       struct st_event *evs, size_t n) WARN_UNUSED;

/* Whether model id has a models row: 1 yes, 0 no, -1 error. */
int store_model_known(struct store *st, const char *id) WARN_UNUSED;

/* Up to max models learnt from the view whose template is due at wall
 * time now (template_next <= now): ids and cids (0x hex) into out[0..*n).
 * 0 or -1. */
int store_models_due(struct store *st, int64_t now, struct st_model *out,
                     size_t max, size_t *n /* OUT */) WARN_UNUSED;

/* Stored hash of block n from the reorg window: 0 found, 1 absent, -1. */
int store_block_hash(struct store *st, uint64_t n,
                     char hash[ST_HASH_SIZE] /* OUT */) WARN_UNUSED;
/* Backfill (on) or keeping up (off): a backfill's commits let the WAL grow
 * to 64 MB before a checkpoint (SQLite's 4 MB otherwise). */
void store_backfill(struct store *st, int on);

/* The id of the last indexed task before block (the engine's prevhash for
 * the block's first task, when the index has no gap): 0 found, 1 none,
 * -1 error. */
int store_task_before(struct store *st, uint64_t block,
                      char id[ST_HASH_SIZE] /* OUT */) WARN_UNUSED;
/* Numbers of the stored window blocks at or below `below`, newest first. */
int store_window_blocks(struct store *st, uint64_t below, uint64_t *out,
                        size_t max, size_t *n /* OUT */) WARN_UNUSED;

/*
 * Reorg: deletes every row above ancestor, recomputes the derived rows they
 * touched, sets the checkpoint to ancestor (hash given), journals it.
 * *removed receives the number of chain rows deleted.
 */
int store_rollback(struct store *st, uint64_t ancestor,
                   const char *ancestor_hash, int64_t ancestor_time,
                   const char *new_hash, uint64_t *removed /* OUT */)
    WARN_UNUSED;

/* Records chain head/safe and an error (NULL clears) outside a range.
 * scan_state.updated_at moves only when last_error is NULL, so it is the
 * time of the last successful poll (/ready). */
int store_note_state(struct store *st, uint64_t head, int64_t head_time,
                     uint64_t safe, const char *last_error) WARN_UNUSED;

/* What the scanner could not do (scanner_health, 0007_fidelity.sql). */
struct st_health {
    const char *error;    /* the provider's or our text */
    const char *stage;    /* what failed: "head", "range", ... */
    const char *kind;     /* rpc_err_name(), or the stage */
    const char *endpoint; /* sanitized URL, or "" */
    int poll_failed;      /* a whole poll failed (counted), not only
                                 one attempt of it */
    uint64_t retry_s;     /* seconds to the next poll */
};
/* Records a failure (h) or, with NULL, that polls work again.  Written
 * outside the range transaction; also before any checkpoint exists. */
int store_note_health(struct store *st, const struct st_health *h) WARN_UNUSED;

/* Saves the RPC endpoint counters (JSON array text) for /status. */
int store_save_rpc_stats(struct store *st, const char *json) WARN_UNUSED;
/* totals.events: every indexed event (a deep scan counts what it
 * recovered with it).  0 or -1. */
int store_events(struct store *st, int64_t *out /* OUT */) WARN_UNUSED;

/* Recomputes every derived table from the rows (deep scan, tests,
 * `arbiusd miners --initial-scan`). */
int store_rebuild_derived(struct store *st) WARN_UNUSED;

/*
 * Miners and earnings (migrations/0005_miners.sql says what the tables
 * hold).  The scanner keeps them in each range's transaction; these are
 * the commands' entry points.
 */

/* Each committed range then sets miners.active = last solution within
 * `seconds` of the indexed head's time (0: leave the flag alone). */
void store_set_active_window(struct store *st, int64_t seconds);

/* Applies the window (seconds) to every miner now, in one transaction:
 * *active gets the active miners, *changed the flags flipped.  0 or -1. */
int store_mark_inactive(struct store *st, int64_t window,
                        int64_t *active /* OUT */,
                        int64_t *changed /* OUT */) WARN_UNUSED;

struct st_recompute {
    int64_t txs;          /* settlement transactions visited */
    int64_t rows;         /* earnings rows they hold afterwards */
    int64_t addresses;    /* addresses whose totals were recomputed */
};

/*
 * Derives the earnings rows again from the stored claims, transfers,
 * payouts and contestation finishes (of one validator, or all when miner
 * is NULL), then recomputes the totals of every address they touch, in one
 * transaction.  Without force a transaction that already has earnings rows
 * is left as it is; with force its rows are deleted and derived again.
 * progress(done, total, ud) is called now and then (may be NULL).
 * 0 or -1 (rolled back, logged).
 */
int store_recompute_earnings(struct store *st, const char *miner, int force,
                             void (*progress)(size_t done, size_t total,
                                              void *ud),
                             void *ud, struct st_recompute *out /* OUT */)
    WARN_UNUSED;

#endif
