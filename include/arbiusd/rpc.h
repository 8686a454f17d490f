/*
 * rpc.h - Ethereum JSON-RPC client over libcurl: endpoint pool, failover,
 * backoff, batching, per-endpoint counters.
 *
 * One client per thread, never shared: it owns its CURL easy handle
 * (CURLOPT_NOSIGNAL, per-request timeout) and a capped response buffer.
 * curl_global_init() must have run before rpc_new() (main does it before
 * any thread starts).
 *
 * Endpoints are tried in the order given; the client stays on the one that
 * works until it fails or rpc_rotate() moves on.  The first time an
 * endpoint is used, and again after it failed at the transport level, the
 * client asks it for eth_chainId; a mismatch disables that endpoint for the
 * life of the client (logged once) and the client moves on.  When every
 * endpoint is disabled, calls return RPC_ERR_WRONG_CHAIN.
 *
 * Retries: transport errors, throttling and bad replies (other than a reply
 * over the size cap) are retried up to max_attempts HTTP requests per call,
 * failing over to the next endpoint first and sleeping only once every
 * endpoint has failed during the call.  Sleeps are exponential with full
 * jitter: uniform in [base, min(max, base * 2^k)], at least Retry-After
 * (capped at RPC_RETRY_AFTER_MAX_MS), in RPC_SLEEP_SLICE_MS slices that
 * watch the stop flag.  RANGE, RPC and WRONG_CHAIN errors and a reply over
 * the size cap are returned at once.  A 200 reply that carries a JSON-RPC
 * error object is an error, never an empty result.
 *
 * Logging: a failed HTTP exchange is logged where it is known, with the
 * sanitized endpoint, the method, the kind and the provider's text
 * (log_warnx; RANGE refusals, which the scanner negotiates routinely, at
 * info).  Failures that say an endpoint cannot serve us (transport,
 * throttling, bad replies, wrong chain) are logged by state: the first of
 * a kind (and HTTP status) in full, then one line per summary_s that
 * counts the repeats, and one line when the endpoint answers again; an
 * endpoint that cannot be resolved therefore writes a line a minute, not
 * one per attempt.  Callers get the same facts in struct rpc_error and
 * must not log them again.
 *
 * Providers' eth_getLogs refusals (see rpc-errors.md) come back as
 * RPC_ERR_RANGE with hints.  A hint is the provider's word, not a promise:
 * some nodes suggest the very range they just rejected, so the caller must
 * never retry an identical request (halve instead).
 */
#ifndef ARBIUSD_RPC_H
#define ARBIUSD_RPC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "arbiusd/util.h"

#define RPC_MAX_RESPONSE_DEFAULT ((size_t)256 << 20) /* bytes per reply */
#define RPC_TIMEOUT_DEFAULT_S 30         /* when timeout_s is 0 */
#define RPC_MAX_ATTEMPTS_DEFAULT 6       /* when max_attempts is 0 */
#define RPC_BACKOFF_BASE_DEFAULT_MS 250  /* when backoff_base_ms is 0 */
#define RPC_BACKOFF_MAX_DEFAULT_MS 30000 /* when backoff_max_ms is 0 */
#define RPC_RETRY_AFTER_MAX_MS 120000    /* longest Retry-After we honour */
#define RPC_SLEEP_SLICE_MS 50            /* stop flag checked this often */
#define RPC_SUMMARY_DEFAULT_S       60            /* when summary_s is 0 */
#define RPC_URL_TEXT_SIZE 256            /* sanitized URL, with its NUL */
#define RPC_BATCH_DEFAULT           100 /* calls per request, batch_max 0 */
/* Upper bounds (ms) of the per-endpoint request latency histogram; one more
 * bucket counts what is slower than the last. */
#define RPC_LATENCY_BOUNDS_MS { 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, \
                                10000 }
#define RPC_LATENCY_NBOUNDS 10

enum rpc_err {
    RPC_OK = 0,
    RPC_ERR_TRANSPORT = -1,   /* connect failure, timeout, HTTP 5xx other
                                 than 503, other HTTP errors without a
                                 JSON-RPC error body, "no backend is
                                 currently healthy" */
    RPC_ERR_THROTTLED = -2,   /* HTTP 429 or 503, JSON-RPC -32005 / -32001 /
                                 429, or a message containing "rate limit"
                                 (case-insensitive) or "too many requests";
                                 a range wording wins over these codes, and
                                 an outage text over a bare 503 */
    RPC_ERR_RANGE = -3,       /* provider refused the eth_getLogs size: range
                                 too wide / too many results / response too
                                 big; see the hint fields */
    RPC_ERR_RPC = -4,         /* any other JSON-RPC error object (code and
                                 message kept) */
    RPC_ERR_BAD_REPLY = -5,   /* invalid or truncated JSON, wrong/missing id,
                                 missing result, reply over the size cap */
    RPC_ERR_WRONG_CHAIN = -6, /* endpoint's eth_chainId differs from the
                                 expected one */
    RPC_ERR_STOPPED = -7,     /* the stop flag was raised while waiting */
};

/*
 * What went wrong, filled by every call that can fail (caller-owned, as
 * jansson's json_error_t).  On success the kind is RPC_OK and the rest is
 * zero.  max_range counts blocks (to - from + 1) that should be accepted;
 * wordings such as "at most N" and "smaller than N" give N - 1, as
 * rpc-errors.md advises.
 */
struct rpc_error {
    enum rpc_err kind;
    int http_status;          /* 0 if none */
    long code;                /* JSON-RPC error code, 0 if none */
    char message[512];        /* provider text or our description */
    char endpoint[RPC_URL_TEXT_SIZE]; /* URL, sanitized (no credentials) */
    int has_hint;             /* provider suggested an exact range */
    uint64_t hint_from, hint_to; /* that range, inclusive (from <= to) */
    uint64_t max_range;       /* provider's stated max block range,
                                 0 = unknown */
    int too_many_results;     /* "more than N results"/"exceeds limit"
                                 style: halve */
    int too_big;              /* BAD_REPLY: the reply exceeded max_response;
                                 a smaller range may fit */
    int batch_rejected;       /* rpc_batch: the endpoint refused the array
                                 form (the items were then sent one by one) */
    int batch_too_large;      /* a refusal of a batch's size ("batch too
                                 large", HTTP 413): rpc_batch lowers the
                                 endpoint's limit and sends again */
    uint64_t batch_hint;      /* the size such a refusal named, 0 none */
    uint64_t retry_after_ms;  /* from Retry-After, 0 if none (capped) */
};

struct rpc_options {
    const char *const *urls;  /* endpoints, tried in order (copied) */
    size_t nurls;             /* at least 1 */
    uint64_t timeout_s;       /* per request; 0 = RPC_TIMEOUT_DEFAULT_S */
    size_t max_response;      /* bytes; 0 = RPC_MAX_RESPONSE_DEFAULT */
    uint64_t chain_id;        /* expected; 0 = don't check */
    unsigned max_attempts;    /* HTTP requests per call, across endpoints,
                                 for transient/throttled errors; 0 = 6 */
    uint64_t backoff_base_ms; /* first sleep; 0 = default */
    uint64_t backoff_max_ms;  /* longest sleep; 0 = default */
    const atomic_bool *stop;  /* raised at shutdown (borrowed; may be NULL):
                                 sleeps and transfers end early with
                                 RPC_ERR_STOPPED */
    uint64_t budget_per_day;  /* calls per endpoint per UTC day; 0 = none;
                                 only reported, never enforced */
    size_t batch_max;         /* calls per HTTP request at most; 0 =
                                 RPC_BATCH_DEFAULT */
    uint64_t summary_s;       /* seconds per summary line of repeated
                                 failures; 0 = RPC_SUMMARY_DEFAULT_S */
    /* Called after each failure is recorded on its endpoint (the counters
     * of rpc_stats_json() already show it), on the calling thread; may be
     * NULL.  It must not use the client. */
    void (*on_fail)(void *ud, const struct rpc_error *err);
    void *on_fail_ud; /* borrowed */
};

struct rpc_client;

/*
 * Creates a client for opts (the URLs are copied; stop is borrowed and must
 * outlive the client).  Returns 0 and sets *outp (free with rpc_free), or
 * -1 (logged) if opts is unusable or curl cannot make a handle.
 */
int rpc_new(const struct rpc_options *opts, struct rpc_client **outp /* OUT */)
    WARN_UNUSED;

/* Frees the client and its curl handle.  rpc_free(NULL) is a no-op. */
void rpc_free(struct rpc_client *c);

/*
 * One call of method with params (stolen, even on failure; NULL means []).
 * On RPC_OK sets *resultp to a new reference to the "result" member (which
 * may be json null).  Otherwise returns a negative enum rpc_err, leaves
 * *resultp untouched and fills *err (err may be NULL).  Retries as
 * described at the top of this file.
 */
int rpc_call(struct rpc_client *c, const char *method, json_t *params,
             json_t **resultp /* OUT */, struct rpc_error *err /* OUT */)
    WARN_UNUSED;

/*
 * A JSON-RPC batch (array body) of n calls: methods[i] with params[i]
 * (stolen, NULL means []; the array slots are set to NULL).  Each
 * results[i] is set to a new reference on that item's success, or NULL
 * with errs[i] filled (errs[i].kind is RPC_OK for items that succeeded).
 * Items are matched by id, never by position.  Whole-batch failures, and
 * items the provider throttled or left unanswered, are retried like
 * rpc_call (only the unsettled items are sent again).  If an endpoint
 * rejects batches (non-array reply, or an error for the whole body), the
 * items are sent one by one and the endpoint is remembered as batch-less.
 * Any n: the calls go out in requests of at most the endpoint's batch
 * limit (batch_max at first; lowered for good, per endpoint, when it
 * refuses a batch's size as "batch too large", a per-method or free-tier
 * limit, HTTP 413, or by answering some items "response too large"), and
 * a batch of debug_* calls at most RPC_DEBUG_BATCH_MAX (16) at a time, one
 * by one where only those are refused in arrays.
 * Returns RPC_OK if the transport worked on the last try (items may still
 * carry errors, throttling included), else the batch-level error, which
 * every unsettled item then carries too.  Whatever the return value, the
 * caller decrefs every non-NULL results[i].
 */
int rpc_batch(struct rpc_client *c, size_t n, const char *const *methods,
              json_t **params, json_t **results /* OUT */,
              struct rpc_error *errs /* OUT */) WARN_UNUSED;

/*
 * Sends n calls as one JSON-RPC batch with rpc_batch's retries, failover
 * and throttling, but hands back the reply body as it came (HTTP 200)
 * instead of reading it: in *out (the caller's buffer, swapped with the
 * client's, so a large allocation is reused) with *first_id, the id of
 * call 0 (call i has first_id + i), for a caller with a parser of its own
 * (logs.h); rpc_parse_batch_reply() reads the same body as rpc_batch
 * would.  No splitting, no item retries: an endpoint known to refuse
 * arrays answers RPC_ERR_RPC with batch_rejected (use rpc_batch).  params
 * are stolen.  Returns RPC_OK or the error (in *err).
 */
struct buf;
int rpc_batch_raw(struct rpc_client *c, size_t n, const char *const *methods,
                  json_t **params, struct buf *out /* OUT */,
                  json_int_t *first_id /* OUT */,
                  struct rpc_error *err /* OUT */) WARN_UNUSED;

/*
 * Moves to the next usable endpoint (e.g. the scanner saw a lagging head
 * here), logging why.  Stays put when there is no other usable endpoint.
 */
void rpc_rotate(struct rpc_client *c, const char *why);

/* HTTP requests sent so far, over every endpoint (callers count theirs
 * as differences). */
uint64_t rpc_requests_sent(const struct rpc_client *c);

/* Returns the current endpoint's sanitized URL (borrowed from c). */
const char *rpc_endpoint(const struct rpc_client *c);

/*
 * Returns a new JSON array (caller decrefs), one object per endpoint: url
 * (sanitized), requests (HTTP requests), calls (JSON-RPC calls), errors,
 * throttled, requests_today (calls since UTC midnight, what providers bill),
 * budget (null if none), over_budget, latency_ms {avg, last, sum, le:
 * [RPC_LATENCY_BOUNDS_MS], buckets: [count per bound, then above the last]},
 * last_error,
 * last_error_at, last_ok_at (unix seconds or null), disabled (wrong chain),
 * supports_batch (null while unknown), current.
 */
json_t *rpc_stats_json(const struct rpc_client *c);

/*
 * Classifies a provider error: HTTP status (0 if none), JSON-RPC code (0 if
 * none) and message (may be NULL), into err's kind and hints.  Range
 * wordings win over throttling codes (Infura sends "more than 10000
 * results" as -32005).  Nothing wrong (status 0 or 2xx, no code, no text)
 * gives RPC_OK.  Pure: resets *err entirely (endpoint becomes "").
 */
void rpc_classify(int http_status, long code, const char *message,
                  struct rpc_error *err /* OUT */);

/*
 * Parses a JSON-RPC reply body[0..len) to request id.  On RPC_OK sets
 * *resultp to a new reference to "result".  Otherwise returns the error kind
 * and fills *err: BAD_REPLY for invalid or truncated JSON, a non-object,
 * a wrong or missing id or a missing result; the classified kind for an
 * error object (whose id may be null).  Pure.
 */
int rpc_parse_reply(const char *body, size_t len, json_int_t id,
                    json_t **resultp /* OUT */, struct rpc_error *err /* OUT */)
    WARN_UNUSED;

/*
 * Parses a batch reply body[0..len) to the n requests with ids first_id ..
 * first_id + n - 1, in any order.  For an array, returns RPC_OK and fills
 * results[i] (new reference or NULL) and errs[i] for every item (an item
 * without a reply is BAD_REPLY; extra and duplicate replies are ignored).
 * Otherwise returns the whole-body error kind in *err, with
 * err->batch_rejected set when the body was valid JSON but not an array
 * (the endpoint does not do batches) unless the error is throttling or
 * transient.  Pure.
 */
int rpc_parse_batch_reply(const char *body, size_t len, json_int_t first_id,
                          size_t n, json_t **results /* OUT */,
                          struct rpc_error *errs /* OUT */,
                          struct rpc_error *err /* OUT */) WARN_UNUSED;

/*
 * Parses a JSON-RPC quantity string such as "0x1a" strictly: "0x" and 1 to
 * 16 hex digits, nothing else.  Returns 0 and sets *out, or -1.  Borrows v.
 */
int rpc_quantity(const json_t *v, uint64_t *out /* OUT */) WARN_UNUSED;

/*
 * Writes url without userinfo, query string and fragment, and with path
 * segments that look like API keys (RPC_URL_KEY_MIN+ characters) replaced
 * by "***", to out[0..outsz) (truncated, always NUL-terminated).  For logs
 * and stats: keys often live in those places.
 */
#define RPC_URL_KEY_MIN 20
void rpc_sanitize_url(const char *url, char *out /* OUT */, size_t outsz);

/* Returns a short static name for a kind ("ok", "transport", ...). */
const char *rpc_err_name(int kind);

#endif
