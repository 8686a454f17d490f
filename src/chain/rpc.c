/*
 * rpc.c - JSON-RPC client: endpoint pool, chain id check, failover, backoff
 * with full jitter, batches, and the classification of providers' errors.
 * See rpc.h for the contract and rpc-errors.md for the texts classified.
 */
#include "arbiusd/rpc.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "arbiusd/buf.h"
#include "arbiusd/hex.h"
#include "arbiusd/log.h"

#ifndef ARBIUSD_VERSION
#define ARBIUSD_VERSION "dev"
#endif

#define RPC_REQ_MAX ((size_t)64 << 20)   /* request body cap */
#define RPC_RESP_KEEP ((size_t)1 << 20)  /* reply buffer kept between calls */
#define RPC_CONNECT_TIMEOUT_MAX_MS 10000 /* connect phase, within timeout */
#define RPC_CLASSIFY_SCAN 2048           /* message bytes classified */
#define RPC_SNIPPET 160                  /* body bytes quoted in a message */
#define RPC_DAY_S 86400
#define RPC_DEBUG_BATCH_MAX        16 /* traces per request at most */

struct rpc_endpoint {
    char *url;                     /* as configured; may hold credentials */
    char name[RPC_URL_TEXT_SIZE];  /* sanitized, for logs and stats */
    int checked;                   /* chain id verified since last failure */
    int disabled;                  /* wrong chain: never used again */
    int batch;                     /* -1 unknown, 0 refuses arrays, 1 takes */
    int debug_batch;               /* the same for batches of debug_* calls
                                      (some providers batch only the rest) */
    size_t batch_limit;            /* calls per request; shrinks when the
                                      endpoint refuses a batch's size */
    uint64_t requests;             /* HTTP requests sent */
    uint64_t calls;                /* JSON-RPC calls (batch items each) */
    uint64_t errors;               /* failures logged against it */
    uint64_t throttled;            /* of which throttling */
    int64_t today;                 /* UTC day number today_calls counts */
    uint64_t today_calls;          /* calls during that day */
    int64_t budget_warned;         /* day the over-budget line was logged */
    uint64_t latency_sum_ms;       /* over all requests, for the average */
    uint64_t latency_last_ms;      /* of the latest request */
    uint64_t latency_hist[RPC_LATENCY_NBOUNDS + 1]; /* by bucket, not
                                                      cumulative */
    char last_error[640];          /* "kind: message" of the latest failure */
    int64_t last_error_at;         /* unix seconds, 0 = never */
    int64_t last_ok_at;            /* unix seconds, 0 = never */
    uint64_t throttled_until;      /* monotonic ms from Retry-After, 0 none */
    uint64_t failed_call;          /* call_seq of its latest failure */
    int log_state;                 /* failure logged in full (rpc_state_of),
                                      0 = none: the endpoint works */
    uint64_t log_at_ms;    /* when that line or a summary was written */
    uint64_t log_repeats;  /* the same failures since, not logged */
    uint64_t log_failures; /* failures since the state began */
};

struct rpc_client {
    struct rpc_endpoint *eps;      /* nurls endpoints, in preference order */
    size_t neps;
    size_t cur;                    /* endpoint in use */
    uint64_t timeout_ms;           /* per request */
    size_t max_response;           /* reply cap, bytes */
    uint64_t chain_id;             /* expected, 0 = unchecked */
    unsigned max_attempts;         /* HTTP requests per call */
    uint64_t base_ms, max_ms;      /* backoff bounds */
    const atomic_bool *stop;       /* borrowed, may be NULL */
    uint64_t budget;               /* calls per endpoint per day, 0 none */
    size_t batch_max;              /* calls per request at most */
    uint64_t summary_ms;           /* repeated failures: one line per this */
    void (*on_fail)(void *ud, const struct rpc_error *err); /* or NULL */
    void *on_fail_ud;
    CURL *curl;                    /* this thread's easy handle */
    struct curl_slist *headers;    /* Content-Type and Accept */
    struct buf req;                /* request body being sent */
    struct buf resp;               /* reply body, capped at max_response */
    int resp_too_big;              /* the write callback hit the cap */
    char curl_err[CURL_ERROR_SIZE]; /* CURLOPT_ERRORBUFFER */
    uint64_t retry_after_ms;       /* of the latest reply, capped */
    json_int_t next_id;            /* JSON-RPC ids, never reused */
    uint64_t call_seq;             /* numbers rpc_run() invocations */
    unsigned attempt;              /* 1-based attempt of the running call */
    uint64_t rng;                  /* xorshift64* state for jitter */
};

static const char *const rpc_err_names[] = {
    "ok", "transport", "throttled", "range", "rpc", "bad reply",
    "wrong chain", "stopped",
};

const char *rpc_err_name(int kind)
{
    if (kind > 0 || (size_t)-kind >= ARRAY_SIZE(rpc_err_names))
        return "unknown";
    return rpc_err_names[-kind];
}

/* ---- small helpers ---------------------------------------------------- */

static void rpc_error_clear(struct rpc_error *err)
{
    memset(err, 0, sizeof(*err));
}

/* Replaces control characters so provider text cannot forge log lines. */
static void rpc_scrub(char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
    }
}

static void rpc_set_message(struct rpc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats err->message (truncated) and scrubs it. */
static void rpc_set_message(struct rpc_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    rpc_scrub(err->message);
}

/* Resets err to kind with a formatted description. */
static void rpc_error_set(struct rpc_error *err, enum rpc_err kind,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rpc_error_set(struct rpc_error *err, enum rpc_err kind,
                          const char *fmt, ...)
{
    va_list ap;

    rpc_error_clear(err);
    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    rpc_scrub(err->message);
}

/* Writes up to RPC_SNIPPET printable bytes of s[0..len) to out. */
static void rpc_snippet(const char *s, size_t len, char *out, size_t outsz)
{
    size_t i, n = 0;

    for (i = 0; i < len && i < RPC_SNIPPET && n + 1 < outsz; i++) {
        unsigned char ch = (unsigned char)s[i];

        out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
    }
    if (outsz)
        out[n] = '\0';
}

static int rpc_is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int rpc_is_alnum(char ch)
{
    return rpc_is_digit(ch) || (ch >= 'a' && ch <= 'z') ||
           (ch >= 'A' && ch <= 'Z');
}

static json_t *rpc_json_u64(uint64_t v)
{
    return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static int64_t rpc_today(void)
{
    return util_wall_s() / RPC_DAY_S;
}

/* ---- URL sanitizing ----------------------------------------------------- */

struct rpc_out {
    char *p;     /* output buffer */
    size_t n;    /* bytes written */
    size_t sz;   /* its size, including the NUL */
};

/* Appends s[0..len) (non-printable bytes as '?'), truncating silently. */
static void rpc_out_add(struct rpc_out *o, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len && o->n + 1 < o->sz; i++) {
        unsigned char ch = (unsigned char)s[i];

        o->p[o->n++] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    o->p[o->n] = '\0';
}

void rpc_sanitize_url(const char *url, char *out, size_t outsz)
{
    struct rpc_out o = { out, 0, outsz };
    const char *p = url, *sep, *auth_end, *at, *path_end;

    if (outsz == 0)
        return;
    out[0] = '\0';
    if (!url)
        return;
    sep = strstr(p, "://");
    if (sep && (size_t)(sep - p) < strcspn(p, "/?#@")) {
        rpc_out_add(&o, p, (size_t)(sep - p) + 3);
        p = sep + 3;
    }
    auth_end = p + strcspn(p, "/?#");
    /* Userinfo ends at the last '@' of the authority. */
    for (at = auth_end; at > p && at[-1] != '@'; at--)
        ;
    rpc_out_add(&o, at, (size_t)(auth_end - at));
    p = auth_end;
    path_end = p + strcspn(p, "?#");
    while (p < path_end) {
        size_t seg;

        /* p points at a '/'; copy it, then the segment or a mask. */
        rpc_out_add(&o, p, 1);
        p++;
        seg = strcspn(p, "/?#");
        if (seg >= RPC_URL_KEY_MIN)
            rpc_out_add(&o, "***", 3);
        else
            rpc_out_add(&o, p, seg);
        p += seg;
    }
}

/* ---- classification ------------------------------------------------------ */

#define RPC_PAT_TRIGGER 0x01 /* the phrase alone proves a range refusal */
#define RPC_PAT_MANY 0x02    /* too many results / too big: halve */
#define RPC_PAT_MINUS1 0x04  /* strict wording: N - 1 blocks are safe */
#define RPC_PAT_SECOND 0x08  /* the second number is the limit */

/*
 * Range refusals as providers word them (lowercased).  '#' stands for a
 * number with optional ',' or '_' separators and an optional 'k' (x1000).
 * Non-trigger rows only supply a number once a trigger row matched.
 */
struct rpc_pattern {
    const char *text;
    unsigned flags;
};

static const struct rpc_pattern rpc_patterns[] = {
    /* too many results, response too big */
    { "more than # results", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "exceeds limit", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "exceeds max results", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "too many results", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "response size should not greater than", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "response size exceeded", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "response too large", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "response is too large", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    { "response too big", RPC_PAT_TRIGGER | RPC_PAT_MANY },
    /* a stated maximum */
    { "maximum is set to #", RPC_PAT_TRIGGER },
    { "max range: #", RPC_PAT_TRIGGER },
    { "maximum allowed number of requested blocks is #", RPC_PAT_TRIGGER },
    { "limited to a # range", RPC_PAT_TRIGGER },
    { "limited to a # block range", RPC_PAT_TRIGGER },
    { "limited to # block range", RPC_PAT_TRIGGER },
    { "limited to # range", RPC_PAT_TRIGGER },
    { "at most # blocks", RPC_PAT_TRIGGER | RPC_PAT_MINUS1 },
    { "maximum block range: #", RPC_PAT_TRIGGER },
    { "max block range: #", RPC_PAT_TRIGGER },
    { "max block range #", RPC_PAT_TRIGGER },
    { "range greater than # max", RPC_PAT_TRIGGER },
    { "range exceeds #", RPC_PAT_TRIGGER },
    { "smaller than size #", RPC_PAT_TRIGGER | RPC_PAT_MINUS1 },
    { "blocks distance: #", RPC_PAT_TRIGGER },
    { "up to a # block range", RPC_PAT_TRIGGER },
    { "ranges over # blocks", RPC_PAT_TRIGGER },
    /* shrink, no number of their own */
    { "requested too many blocks", RPC_PAT_TRIGGER },
    { "range limit exceeded", RPC_PAT_TRIGGER },
    { "max block range", RPC_PAT_TRIGGER },
    { "maximum block range", RPC_PAT_TRIGGER },
    { "block range exceeds", RPC_PAT_TRIGGER },
    { "range is too large", RPC_PAT_TRIGGER },
    { "range too large", RPC_PAT_TRIGGER },
    { "range is too wide", RPC_PAT_TRIGGER },
    { "range too wide", RPC_PAT_TRIGGER },
    { "range too big", RPC_PAT_TRIGGER },
    { "exceeded max allowed", RPC_PAT_TRIGGER },
    { "range threshold exceeded", RPC_PAT_TRIGGER },
    /* numbers that only count after a trigger */
    { "max is #", 0 },
    { "(maximum #)", 0 },
    { "(# > #)", RPC_PAT_SECOND },
};

static const char *const rpc_throttle_words[] = {
    "rate limit", "rate-limit", "ratelimit", "too many requests", "throttl",
};

static const char *const rpc_transient_words[] = {
    "no backend is currently healthy", "temporarily unavailable",
    "bad gateway", "gateway timeout", "upstream connect error",
};

/* Refusals of a batch's size (tests/data/rpc/batch_*.json): geth and
 * nitro "batch too large", jsonrpsee (reth) "the batch request was too
 * large", per-method limits "too many [...] methods in the batch", free
 * tiers "batch of more than N requests". */
static const char *const rpc_batch_words[] = {
    "batch too large",    "batch request was too large",
    "batch is too large", "batch size",
    "batch limit",        "max batch",
    "maximum batch",      "methods in the batch",
    "batch of more than", "requests in a batch",
    "requests per batch",
};

/*
 * Parses a number at s[0..n): digits with single ',' or '_' separators
 * between digits, then an optional 'k' (x1000) not followed by a letter.
 * Returns the bytes consumed (0 if none) and sets *v.
 */
static size_t rpc_number(const char *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    size_t i = 0;
    int digits = 0;

    while (i < n) {
        if (rpc_is_digit(s[i])) {
            unsigned d = (unsigned)(s[i] - '0');

            if (x > (UINT64_MAX - d) / 10)
                return 0;
            x = x * 10 + d;
            digits++;
            i++;
        } else if ((s[i] == ',' || s[i] == '_') && digits && i + 1 < n &&
                   rpc_is_digit(s[i + 1])) {
            i++;
        } else {
            break;
        }
    }
    if (!digits)
        return 0;
    if (i < n && s[i] == 'k' && (i + 1 == n || !rpc_is_alnum(s[i + 1]))) {
        if (x > UINT64_MAX / 1000)
            return 0;
        x *= 1000;
        i++;
    }
    *v = x;
    return i;
}

/*
 * Matches pattern pat exactly at s[0..n).  Returns 1 and sets *v to the
 * pattern's number (0 if it has none), else 0.
 */
static int rpc_match_at(const char *s, size_t n, const char *pat,
                        unsigned flags, uint64_t *v)
{
    uint64_t nums[2] = { 0, 0 };
    size_t j = 0, k;
    int nnum = 0;

    for (k = 0; pat[k]; k++) {
        if (pat[k] == '#') {
            uint64_t x;
            size_t used = rpc_number(s + j, n - j, &x);

            if (used == 0)
                return 0;
            if (nnum < 2)
                nums[nnum++] = x;
            j += used;
        } else if (j < n && s[j] == pat[k]) {
            j++;
        } else {
            return 0;
        }
    }
    *v = (flags & RPC_PAT_SECOND) ? nums[1] : nums[0];
    return 1;
}

/* Returns the first occurrence of pat[0..m) in s[0..n), or NULL. */
static const char *rpc_find(const char *s, size_t n, const char *pat, size_t m)
{
    size_t i;

    if (m == 0)
        return s;
    for (i = 0; i + m <= n; i++) {
        if (s[i] == pat[0] && memcmp(s + i, pat, m) == 0)
            return s + i;
    }
    return NULL;
}

/* Finds pat anywhere in s[0..n); see rpc_match_at. */
static int rpc_match(const char *s, size_t n, const char *pat, unsigned flags,
                     uint64_t *v)
{
    size_t lit = strcspn(pat, "#"), i = 0;

    while (i + lit <= n) {
        const char *hit = rpc_find(s + i, n - i, pat, lit);

        if (!hit)
            return 0;
        i = (size_t)(hit - s);
        if (rpc_match_at(s + i, n - i, pat, flags, v))
            return 1;
        i++;
    }
    return 0;
}

/* Parses a hint bound at s[0..n): "0x" hex (1-16 digits) or decimal. */
static size_t rpc_hint_number(const char *s, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    size_t i;

    if (n >= 2 && s[0] == '0' && s[1] == 'x') {
        for (i = 2; i < n && hex_digit_value(s[i]) >= 0; i++) {
            if (i - 2 >= HEX_QUANTITY_DIGITS)
                return 0;
            x = x << 4 | (uint64_t)hex_digit_value(s[i]);
        }
        if (i == 2)
            return 0;
        *v = x;
        return i;
    }
    for (i = 0; i < n && rpc_is_digit(s[i]); i++) {
        unsigned d = (unsigned)(s[i] - '0');

        if (x > (UINT64_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
    }
    if (i == 0)
        return 0;
    *v = x;
    return i;
}

/*
 * Reads " bound " then the character end at s[*i..n): spaces, a hint
 * number, spaces, end.  Returns 1 and moves *i past end, or 0.
 */
static int rpc_hint_item(const char *s, size_t n, size_t *i, char end,
                         uint64_t *v)
{
    size_t j = *i, used;

    while (j < n && s[j] == ' ')
        j++;
    used = rpc_hint_number(s + j, n - j, v);
    if (!used)
        return 0;
    j += used;
    while (j < n && s[j] == ' ')
        j++;
    if (j >= n || s[j] != end)
        return 0;
    *i = j + 1;
    return 1;
}

/* Finds the first "[a, b]" with a <= b in s[0..n) and stores it in err. */
static void rpc_find_hint(const char *s, size_t n, struct rpc_error *err)
{
    size_t i;

    for (i = 0; i < n; i++) {
        uint64_t a, b;
        size_t j = i + 1;

        if (s[i] != '[' || !rpc_hint_item(s, n, &j, ',', &a) ||
            !rpc_hint_item(s, n, &j, ']', &b) || a > b)
            continue;
        err->has_hint = 1;
        err->hint_from = a;
        err->hint_to = b;
        return;
    }
}

/*
 * Recognises a range refusal in the lowercased s[0..n).  Returns 1 and
 * fills err's hint fields, or 0 (err untouched).
 */
static int rpc_classify_range(const char *s, size_t n, struct rpc_error *err)
{
    uint64_t best = 0;
    int trigger = 0, many = 0;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(rpc_patterns); i++) {
        const struct rpc_pattern *p = &rpc_patterns[i];
        uint64_t v;

        if (!rpc_match(s, n, p->text, p->flags, &v))
            continue;
        if (p->flags & RPC_PAT_TRIGGER)
            trigger = 1;
        if (p->flags & RPC_PAT_MANY) {
            many = 1;
            continue; /* its number counts results or bytes, not blocks */
        }
        if ((p->flags & RPC_PAT_MINUS1) && v > 1)
            v--;
        if (v && (!best || v < best))
            best = v;
    }
    if (!trigger)
        return 0;
    err->too_many_results = many;
    err->max_range = best;
    rpc_find_hint(s, n, err);
    return 1;
}

static int rpc_has_any(const char *s, size_t n, const char *const *words,
                       size_t nwords)
{
    size_t i;

    for (i = 0; i < nwords; i++) {
        if (rpc_find(s, n, words[i], strlen(words[i])))
            return 1;
    }
    return 0;
}

/*
 * Recognises a refusal of a batch's size in the lowercased s[0..n).
 * Returns 1 and sets *limit to the first number the text names (the
 * provider's limit, 0 if none), else 0.
 */
static int rpc_batch_refusal(const char *s, size_t n, uint64_t *limit)
{
    size_t i;

    if (!rpc_has_any(s, n, rpc_batch_words, ARRAY_SIZE(rpc_batch_words)))
        return 0;
    *limit = 0;
    for (i = 0; i < n; i++) {
        uint64_t v;

        if (rpc_is_digit(s[i]) && (i == 0 || !rpc_is_alnum(s[i - 1])) &&
            rpc_number(s + i, n - i, &v)) {
            *limit = v;
            break;
        }
    }
    return 1;
}

void rpc_classify(int http_status, long code, const char *message,
                  struct rpc_error *err)
{
    char low[RPC_CLASSIFY_SCAN];
    size_t n = 0;
    int non2xx = http_status && (http_status < 200 || http_status >= 300);

    rpc_error_clear(err);
    if (message) {
        for (; message[n] && n < sizeof(low); n++) {
            char ch = message[n];

            low[n] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
    }
    if (n == 0 && code == 0 && !non2xx)
        return; /* nothing says anything went wrong */
    err->http_status = http_status;
    err->code = code;
    if (n)
        rpc_set_message(err, "%s", message);
    else if (code)
        rpc_set_message(err, "JSON-RPC error %ld", code);
    else
        rpc_set_message(err, "HTTP %d", http_status);

    /*
     * Most specific first: a range wording beats a throttling code, and an
     * outage text ("no backend is currently healthy", often sent with a
     * 503) beats the bare 503 status.
     */
    if (rpc_classify_range(low, n, err))
        err->kind = RPC_ERR_RANGE;
    else if (http_status == 429 || code == -32005 || code == -32001 ||
             code == 429 ||
             rpc_has_any(low, n, rpc_throttle_words,
                         ARRAY_SIZE(rpc_throttle_words)))
        err->kind = RPC_ERR_THROTTLED;
    else if (rpc_has_any(low, n, rpc_transient_words,
                         ARRAY_SIZE(rpc_transient_words)))
        err->kind = RPC_ERR_TRANSPORT;
    else if (http_status == 503)
        err->kind = RPC_ERR_THROTTLED;
    else if (non2xx)
        err->kind = (http_status >= 500 || code == 0) ? RPC_ERR_TRANSPORT
                                                      : RPC_ERR_RPC;
    else
        err->kind = RPC_ERR_RPC;
    if (err->kind != RPC_ERR_THROTTLED &&
        rpc_batch_refusal(low, n, &err->batch_hint)) {
        err->kind = RPC_ERR_RPC;
        err->batch_too_large = 1;
        err->too_many_results = 0;
        err->max_range = 0;
    }
}

/* ---- reply parsing ------------------------------------------------------- */

/*
 * Fills err for a body jansson could not parse.  An error at the very end
 * of the input (premature end, or a token cut short) means truncation.
 */
static int rpc_bad_json(const char *body, size_t len, const json_error_t *je,
                        struct rpc_error *err)
{
    char snip[RPC_SNIPPET + 1];

    rpc_snippet(body, len, snip, sizeof(snip));
    if (len == 0)
        rpc_error_set(err, RPC_ERR_BAD_REPLY, "empty reply");
    else if (json_error_code(je) == json_error_premature_end_of_input ||
             (je->position >= 0 && (size_t)je->position >= len))
        rpc_error_set(err, RPC_ERR_BAD_REPLY,
                      "truncated JSON reply (%zu bytes): %s", len, snip);
    else
        rpc_error_set(err, RPC_ERR_BAD_REPLY,
                      "invalid JSON reply (line %d col %d: %s): %s",
                      je->line, je->column, je->text, snip);
    return RPC_ERR_BAD_REPLY;
}

/* Parses a hint from an error's data {"from": "0x..", "to": "0x.."}. */
static void rpc_data_hint(const json_t *data, struct rpc_error *err)
{
    uint64_t a, b;

    if (!json_is_object(data))
        return;
    if (rpc_quantity(json_object_get(data, "from"), &a) != 0 ||
        rpc_quantity(json_object_get(data, "to"), &b) != 0 || a > b)
        return;
    err->has_hint = 1;
    err->hint_from = a;
    err->hint_to = b;
}

/* Classifies a JSON-RPC error member e (object, or a bare string). */
static int rpc_error_object(const json_t *e, int http_status,
                            struct rpc_error *err)
{
    const json_t *data = NULL;
    const char *msg = NULL;
    long code = 0;

    if (json_is_object(e)) {
        const json_t *jc = json_object_get(e, "code");
        const json_t *jm = json_object_get(e, "message");

        if (json_is_integer(jc)) {
            json_int_t v = json_integer_value(jc);

            code = v > LONG_MAX ? LONG_MAX : v < LONG_MIN ? LONG_MIN : (long)v;
        }
        if (json_is_string(jm))
            msg = json_string_value(jm);
        data = json_object_get(e, "data");
        if ((!msg || !*msg) && json_is_string(data))
            msg = json_string_value(data);
    } else if (json_is_string(e)) {
        msg = json_string_value(e);
    }
    rpc_classify(http_status, code, msg, err);
    if (err->kind == RPC_OK)
        rpc_error_set(err, RPC_ERR_RPC, "error object without code or message");
    if (err->kind == RPC_ERR_RANGE && !err->has_hint)
        rpc_data_hint(data, err);
    return err->kind;
}

static int rpc_id_is(const json_t *jid, json_int_t id)
{
    return json_is_integer(jid) && json_integer_value(jid) == id;
}

/* Interprets one reply object for request id. */
static int rpc_reply_item(const json_t *item, json_int_t id,
                          json_t **resultp, struct rpc_error *err)
{
    const json_t *jid, *e;
    json_t *res;

    if (!json_is_object(item)) {
        rpc_error_set(err, RPC_ERR_BAD_REPLY, "reply is not a JSON object");
        return RPC_ERR_BAD_REPLY;
    }
    jid = json_object_get(item, "id");
    e = json_object_get(item, "error");
    if (e && !json_is_null(e)) {
        /* Servers answer unparsable requests with id null: still theirs. */
        if (jid && !json_is_null(jid) && !rpc_id_is(jid, id)) {
            rpc_error_set(err, RPC_ERR_BAD_REPLY,
                          "error reply for another id");
            return RPC_ERR_BAD_REPLY;
        }
        return rpc_error_object(e, 0, err);
    }
    if (!rpc_id_is(jid, id)) {
        rpc_error_set(err, RPC_ERR_BAD_REPLY,
                      jid ? "reply for another id" : "reply without id");
        return RPC_ERR_BAD_REPLY;
    }
    res = json_object_get(item, "result");
    if (!res) {
        rpc_error_set(err, RPC_ERR_BAD_REPLY, "reply without result");
        return RPC_ERR_BAD_REPLY;
    }
    rpc_error_clear(err);
    *resultp = json_incref(res);
    return RPC_OK;
}

int rpc_parse_reply(const char *body, size_t len, json_int_t id,
                    json_t **resultp, struct rpc_error *err)
{
    json_error_t je;
    json_t *root;
    int ret;

    root = json_loadb(body, len, 0, &je);
    if (!root)
        return rpc_bad_json(body, len, &je, err);
    ret = rpc_reply_item(root, id, resultp, err);
    json_decref(root);
    return ret;
}

/* Fills err for a whole-body answer to a batch that is not an array. */
static int rpc_batch_not_array(const json_t *root, struct rpc_error *err)
{
    const json_t *e = json_is_object(root) ? json_object_get(root, "error")
                                           : NULL;

    if (e && !json_is_null(e)) {
        rpc_error_object(e, 0, err);
        if (err->kind != RPC_ERR_THROTTLED && err->kind != RPC_ERR_TRANSPORT &&
            !err->batch_too_large)
            err->batch_rejected = 1;
    } else {
        rpc_error_set(err, RPC_ERR_BAD_REPLY, "batch reply is not an array");
        err->batch_rejected = 1;
    }
    return err->kind;
}

/* Maps a batch reply item to its request: 1 and *offp, or 0. */
static int rpc_batch_slot(const json_t *item, json_int_t first_id, size_t n,
                          size_t *offp)
{
    const json_t *jid = json_object_get(item, "id");
    json_int_t v;
    uint64_t off;

    if (!json_is_integer(jid))
        return 0;
    v = json_integer_value(jid);
    if (v < first_id)
        return 0;
    off = (uint64_t)v - (uint64_t)first_id;
    if (off >= n)
        return 0;
    *offp = (size_t)off;
    return 1;
}

int rpc_parse_batch_reply(const char *body, size_t len, json_int_t first_id,
                          size_t n, json_t **results, struct rpc_error *errs,
                          struct rpc_error *err)
{
    const json_t *null_err = NULL, *item;
    unsigned char *got = NULL;
    json_error_t je;
    json_t *root;
    size_t i, off;
    int ret, mapped = 0;

    root = json_loadb(body, len, 0, &je);
    if (!root)
        return rpc_bad_json(body, len, &je, err);
    if (!json_is_array(root)) {
        ret = rpc_batch_not_array(root, err);
        goto out;
    }
    for (i = 0; i < json_array_size(root); i++) {
        const json_t *e;

        item = json_array_get(root, i);
        if (rpc_batch_slot(item, first_id, n, &off)) {
            mapped = 1;
            continue;
        }
        e = json_object_get(item, "error");
        if (!null_err && json_is_null(json_object_get(item, "id")) && e &&
            !json_is_null(e))
            null_err = item;
    }
    if (!mapped && null_err) {
        /* [{"id": null, "error": ...}]: the whole batch was refused. */
        ret = rpc_batch_not_array(null_err, err);
        goto out;
    }
    for (i = 0; i < n; i++) {
        results[i] = NULL;
        rpc_error_set(&errs[i], RPC_ERR_BAD_REPLY, "no reply for this item");
    }
    got = xcalloc(n ? n : 1, 1);
    for (i = 0; i < json_array_size(root); i++) {
        item = json_array_get(root, i);
        if (!rpc_batch_slot(item, first_id, n, &off) || got[off])
            continue; /* not ours, or a duplicate: the first reply wins */
        got[off] = 1;
        rpc_reply_item(item, first_id + (json_int_t)off, &results[off],
                       &errs[off]);
    }
    rpc_error_clear(err);
    ret = RPC_OK;
out:
    free(got);
    json_decref(root);
    return ret;
}

int rpc_quantity(const json_t *v, uint64_t *out)
{
    const char *s;
    size_t len;

    if (!json_is_string(v))
        return -1;
    s = json_string_value(v);
    len = json_string_length(v);
    /* hex_parse_quantity also takes "0X"; JSON-RPC spells it "0x". */
    if (len < 2 || s[0] != '0' || s[1] != 'x')
        return -1;
    return hex_parse_quantity(s, len, out);
}

/* ---- the client ---------------------------------------------------------- */

static int rpc_stopped(const struct rpc_client *c)
{
    return c->stop && atomic_load(c->stop);
}

static size_t rpc_write_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
    struct rpc_client *c = data;
    size_t n = size * nmemb;

    if (buf_add(&c->resp, ptr, n) != 0) {
        c->resp_too_big = 1;
        return 0; /* CURLE_WRITE_ERROR */
    }
    return n;
}

static int rpc_progress_cb(void *data, curl_off_t dltotal, curl_off_t dlnow,
                           curl_off_t ultotal, curl_off_t ulnow)
{
    const struct rpc_client *c = data;

    UNUSED(dltotal);
    UNUSED(dlnow);
    UNUSED(ultotal);
    UNUSED(ulnow);
    return rpc_stopped(c); /* non-zero aborts the transfer */
}

static int rpc_json_dump_cb(const char *p, size_t n, void *data)
{
    return buf_add(data, p, n);
}

/* Appends {"jsonrpc":"2.0","id":id,"method":..,"params":..} to b. */
static int rpc_body_add(struct buf *b, const char *method, json_t *params,
                        json_int_t id)
{
    json_t *req;
    int r;

    req = json_pack("{s:s, s:I, s:s, s:O}", "jsonrpc", "2.0", "id",
                    (json_int_t)id, "method", method, "params", params);
    if (!req)
        return -1;
    r = json_dump_callback(req, rpc_json_dump_cb, b, JSON_COMPACT);
    json_decref(req);
    return r;
}

static void rpc_count(struct rpc_client *c, struct rpc_endpoint *ep,
                      size_t ncalls)
{
    int64_t day = rpc_today();

    if (day != ep->today) {
        ep->today = day;
        ep->today_calls = 0;
    }
    ep->requests++;
    ep->calls += ncalls;
    ep->today_calls += ncalls;
    if (c->budget && ep->today_calls > c->budget &&
        ep->budget_warned != day) {
        ep->budget_warned = day;
        log_warnx("rpc: %s: %" PRIu64 " calls today, over the daily budget "
                  "of %" PRIu64, ep->name, ep->today_calls, c->budget);
    }
}

/* Whether a failure may go better on another try or endpoint. */
static int rpc_retryable(const struct rpc_error *err)
{
    if (err->batch_rejected || err->batch_too_large)
        return 0;
    switch (err->kind) {
    case RPC_ERR_TRANSPORT:
    case RPC_ERR_THROTTLED:
        return 1;
    case RPC_ERR_BAD_REPLY:
        return !err->too_big;
    default:
        return 0;
    }
}

/*
 * The endpoint-health state of a failure, for logging by state change:
 * the kind and HTTP status of failures that say the endpoint cannot serve
 * us (0 for the others, which are logged each time: a range refusal is
 * routine, an RPC error belongs to one call).
 */
static int rpc_state_of(const struct rpc_error *err)
{
    switch (err->kind) {
    case RPC_ERR_TRANSPORT:
    case RPC_ERR_THROTTLED:
    case RPC_ERR_BAD_REPLY:
    case RPC_ERR_WRONG_CHAIN:
        return -(int)err->kind * 1000 + err->http_status % 1000;
    default: return 0;
    }
}

/*
 * Whether the failure just recorded on ep gets its line: yes when its
 * state differs from the one logged (or none was), and once per
 * summary_ms while it lasts; the others are only counted (*repeats gets
 * how many the line sums up, 0 for a state change).
 */
static int rpc_log_due(struct rpc_client *c, struct rpc_endpoint *ep,
                       const struct rpc_error *err, uint64_t *repeats)
{
    int state = rpc_state_of(err);
    uint64_t now = util_now_ms();

    *repeats = 0;
    if (!state)
        return 1;
    ep->log_failures++;
    if (state != ep->log_state) {
        ep->log_state = state;
        ep->log_at_ms = now;
        ep->log_repeats = 0;
        return 1;
    }
    if (now - ep->log_at_ms < c->summary_ms) {
        ep->log_repeats++;
        return 0;
    }
    *repeats = ep->log_repeats + 1;
    ep->log_at_ms = now;
    ep->log_repeats = 0;
    return 1;
}

/* Records and logs a failure on ep where it is known: the first of a kind
 * in full, its repeats summed up once per [log] summary_interval. */
static void rpc_fail(struct rpc_client *c, struct rpc_endpoint *ep,
                     const char *method, struct rpc_error *err)
{
    char tail[192];
    size_t n = 0;
    uint64_t repeats;
    int r;

    snprintf(err->endpoint, sizeof(err->endpoint), "%s", ep->name);
    if (err->kind == RPC_ERR_STOPPED) {
        log_debug("rpc: %s %s: stopped", ep->name, method);
        return;
    }
    ep->errors++;
    if (err->kind == RPC_ERR_THROTTLED)
        ep->throttled++;
    ep->failed_call = c->call_seq;
    ep->last_error_at = util_wall_s();
    snprintf(ep->last_error, sizeof(ep->last_error), "%s: %s",
             rpc_err_name(err->kind), err->message);
    if (c->on_fail)
        c->on_fail(c->on_fail_ud, err);
    if (!rpc_log_due(c, ep, err, &repeats)) {
        log_debug("rpc: %s %s: %s: %s (attempt %u/%u)", ep->name, method,
                  rpc_err_name(err->kind), err->message, c->attempt,
                  c->max_attempts);
        return;
    }

    tail[0] = '\0';
    if (err->http_status) {
        r = snprintf(tail + n, sizeof(tail) - n, ", HTTP %d",
                     err->http_status);
        n += r > 0 ? (size_t)r : 0;
    }
    if (err->code && n < sizeof(tail)) {
        r = snprintf(tail + n, sizeof(tail) - n, ", code %ld", err->code);
        n += r > 0 ? (size_t)r : 0;
    }
    if (err->retry_after_ms && n < sizeof(tail)) {
        r = snprintf(tail + n, sizeof(tail) - n, ", retry after %" PRIu64
                     " ms", err->retry_after_ms);
        n += r > 0 ? (size_t)r : 0;
    }
    if (repeats && n < sizeof(tail)) {
        r = snprintf(tail + n, sizeof(tail) - n,
                     ", %" PRIu64 " times in "
                     "the last %" PRIu64 " s, %" PRIu64 " since it began",
                     repeats, c->summary_ms / 1000, ep->log_failures);
        n += r > 0 ? (size_t)r : 0;
    } else if (rpc_retryable(err) && n < sizeof(tail)) {
        snprintf(tail + n, sizeof(tail) - n, ", attempt %u/%u", c->attempt,
                 c->max_attempts);
    }
    if (err->kind == RPC_ERR_RANGE)
        log_info("rpc: %s %s: %s: %s%s%s%s", ep->name, method,
                 rpc_err_name(err->kind), err->message, tail[0] ? " (" : "",
                 tail[0] ? tail + 2 : "", tail[0] ? ")" : "");
    else
        log_warnx("rpc: %s %s: %s: %s%s%s%s", ep->name, method,
                  rpc_err_name(err->kind), err->message, tail[0] ? " (" : "",
                  tail[0] ? tail + 2 : "", tail[0] ? ")" : "");
}

static void rpc_ok(struct rpc_endpoint *ep)
{
    ep->last_ok_at = util_wall_s();
    if (ep->log_state) {
        log_info("rpc: %s answers again, after %" PRIu64 " failures", ep->name,
                 ep->log_failures);
        ep->log_state = 0;
        ep->log_failures = 0;
        ep->log_repeats = 0;
    }
}

/* Drops a large reply buffer so one huge eth_getLogs doesn't pin memory. */
static void rpc_resp_trim(struct rpc_client *c)
{
    if (c->resp.cap > RPC_RESP_KEEP)
        buf_release(&c->resp);
    else
        buf_reset(&c->resp);
}

/*
 * POSTs c->req (ncalls calls) to ep.  Returns RPC_OK with *statusp set and
 * the body in c->resp, or TRANSPORT / BAD_REPLY (over the cap) / STOPPED
 * with err filled (not logged: the caller knows the method).
 */
static int rpc_http_post(struct rpc_client *c, struct rpc_endpoint *ep,
                         size_t ncalls, long *statusp, struct rpc_error *err)
{
    curl_off_t ra = 0;
    CURLcode cc;
    uint64_t t0, ms;
    long status = 0;

    buf_reset(&c->resp);
    c->resp_too_big = 0;
    c->curl_err[0] = '\0';
    c->retry_after_ms = 0;
    if (curl_easy_setopt(c->curl, CURLOPT_URL, ep->url) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, c->req.data) !=
            CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)c->req.len) != CURLE_OK) {
        rpc_error_set(err, RPC_ERR_TRANSPORT, "curl refused the request "
                      "options (bad URL?)");
        return RPC_ERR_TRANSPORT;
    }
    rpc_count(c, ep, ncalls);
    t0 = util_now_ms();
    cc = curl_easy_perform(c->curl);
    ms = util_now_ms() - t0;
    ep->latency_last_ms = ms;
    ep->latency_sum_ms += ms;
    {
        static const uint64_t bounds[] = RPC_LATENCY_BOUNDS_MS;
        size_t b;

        for (b = 0; b < RPC_LATENCY_NBOUNDS && ms > bounds[b]; b++)
            ;
        ep->latency_hist[b]++;
    }
    switch (cc) {
    case CURLE_OK:
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        rpc_error_set(err, RPC_ERR_STOPPED, "stopped during the transfer");
        return RPC_ERR_STOPPED;
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR:
        if (cc == CURLE_FILESIZE_EXCEEDED || c->resp_too_big) {
            rpc_error_set(err, RPC_ERR_BAD_REPLY, "reply over the %zu-byte "
                          "cap", c->max_response);
            err->too_big = 1;
            return RPC_ERR_BAD_REPLY;
        }
        /* fall through */
    default:
        if (cc == CURLE_OPERATION_TIMEDOUT)
            rpc_error_set(err, RPC_ERR_TRANSPORT, "timed out after %" PRIu64
                          " ms", ms);
        else
            rpc_error_set(err, RPC_ERR_TRANSPORT, "%s",
                          c->curl_err[0] ? c->curl_err
                                         : curl_easy_strerror(cc));
        return RPC_ERR_TRANSPORT;
    }
    if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status) !=
        CURLE_OK)
        status = 0;
    if (curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
        ra > 0) {
        uint64_t cap_s = RPC_RETRY_AFTER_MAX_MS / 1000;

        c->retry_after_ms = ((uint64_t)ra > cap_s ? cap_s : (uint64_t)ra) *
                            1000;
    }
    *statusp = status;
    return RPC_OK;
}

/* Classifies a non-2xx reply in c->resp (a JSON-RPC error body or text). */
static int rpc_http_error(struct rpc_client *c, long status,
                          struct rpc_error *err)
{
    json_t *root = json_loadb(c->resp.data, c->resp.len, 0, NULL);
    const json_t *e = json_is_object(root) ? json_object_get(root, "error")
                                           : NULL;

    if (e && !json_is_null(e)) {
        rpc_error_object(e, (int)status, err);
    } else {
        char snip[RPC_SNIPPET + 1], msg[RPC_SNIPPET + 32];

        rpc_snippet(c->resp.data, c->resp.len, snip, sizeof(snip));
        snprintf(msg, sizeof(msg), "HTTP %ld%s%s", status, snip[0] ? ": " : "",
                 snip);
        rpc_classify((int)status, 0, msg, err);
    }
    json_decref(root);
    return err->kind;
}

/* Adds what only the transfer knows to a classified error. */
static void rpc_error_finish(struct rpc_client *c, long status,
                             struct rpc_error *err)
{
    if (!err->http_status)
        err->http_status = (int)status;
    if (err->kind == RPC_ERR_THROTTLED)
        err->retry_after_ms = c->retry_after_ms;
}

/*
 * One call of method on ep (params borrowed).  Returns RPC_OK with a new
 * reference in *resultp, or an error (recorded and logged).
 */
static int rpc_try_single(struct rpc_client *c, struct rpc_endpoint *ep,
                          const char *method, json_t *params,
                          json_t **resultp, struct rpc_error *err)
{
    json_int_t id = c->next_id++;
    long status = 0;
    int r;

    buf_reset(&c->req);
    if (rpc_body_add(&c->req, method, params, id) != 0) {
        rpc_error_set(err, RPC_ERR_RPC, "cannot encode the request");
        goto fail;
    }
    r = rpc_http_post(c, ep, 1, &status, err);
    if (r != RPC_OK)
        goto fail;
    if (status >= 200 && status < 300)
        r = rpc_parse_reply(c->resp.data, c->resp.len, id, resultp, err);
    else
        r = rpc_http_error(c, status, err);
    if (r != RPC_OK) {
        rpc_error_finish(c, status, err);
        goto fail;
    }
    rpc_ok(ep);
    rpc_resp_trim(c);
    return RPC_OK;
fail:
    rpc_fail(c, ep, method, err);
    rpc_resp_trim(c);
    return err->kind;
}

/* Moves to the next enabled endpoint; 1 if it is another one. */
static int rpc_advance(struct rpc_client *c)
{
    size_t i;

    for (i = 1; i < c->neps; i++) {
        size_t k = (c->cur + i) % c->neps;

        if (!c->eps[k].disabled) {
            c->cur = k;
            return 1;
        }
    }
    return 0;
}

/*
 * Makes the current endpoint usable: skips disabled ones and checks the
 * chain id of an unchecked one (disabling it on a mismatch).  Returns
 * RPC_OK with *epp set, WRONG_CHAIN if every endpoint is disabled, or the
 * failure of the eth_chainId request (already logged).
 */
static int rpc_ready(struct rpc_client *c, struct rpc_endpoint **epp,
                     struct rpc_error *err)
{
    for (;;) {
        struct rpc_endpoint *ep = &c->eps[c->cur];
        json_t *res = NULL, *params;
        uint64_t id;
        int r;

        if (ep->disabled) {
            if (!rpc_advance(c)) {
                rpc_error_set(err, RPC_ERR_WRONG_CHAIN, "every endpoint "
                              "serves another chain than %" PRIu64,
                              c->chain_id);
                snprintf(err->endpoint, sizeof(err->endpoint), "%s",
                         ep->name);
                return RPC_ERR_WRONG_CHAIN;
            }
            continue;
        }
        if (c->chain_id == 0 || ep->checked) {
            *epp = ep;
            return RPC_OK;
        }
        params = json_array();
        r = rpc_try_single(c, ep, "eth_chainId", params, &res, err);
        json_decref(params);
        if (r == RPC_ERR_RPC || r == RPC_ERR_RANGE) {
            /* Not an endpoint we can use now: let the caller fail over. */
            err->kind = RPC_ERR_BAD_REPLY;
            return RPC_ERR_BAD_REPLY;
        }
        if (r != RPC_OK)
            return r;
        r = rpc_quantity(res, &id);
        json_decref(res);
        if (r != 0) {
            rpc_error_set(err, RPC_ERR_BAD_REPLY, "eth_chainId is not a "
                          "quantity");
            rpc_fail(c, ep, "eth_chainId", err);
            return RPC_ERR_BAD_REPLY;
        }
        if (id != c->chain_id) {
            rpc_error_set(err, RPC_ERR_WRONG_CHAIN, "chain id %" PRIu64
                          ", expected %" PRIu64 ": endpoint disabled", id,
                          c->chain_id);
            rpc_fail(c, ep, "eth_chainId", err);
            ep->disabled = 1;
            continue;
        }
        ep->checked = 1;
        log_info("rpc: %s: chain id %" PRIu64 " confirmed", ep->name, id);
    }
}

static uint64_t rpc_random(struct rpc_client *c)
{
    uint64_t x = c->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rng = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* Returns the k-th backoff: uniform in [base, min(max, base * 2^k)]. */
static uint64_t rpc_backoff(struct rpc_client *c, unsigned k)
{
    uint64_t cap = c->max_ms;

    if (k < 63 && c->base_ms <= (c->max_ms >> k))
        cap = c->base_ms << k;
    if (cap <= c->base_ms)
        return c->base_ms;
    return c->base_ms + rpc_random(c) % (cap - c->base_ms + 1);
}

/* Sleeps ms in slices; -1 as soon as the stop flag is raised. */
static int rpc_sleep(const struct rpc_client *c, uint64_t ms)
{
    uint64_t end = util_now_ms() + ms;

    for (;;) {
        struct timespec ts;
        uint64_t now, step;

        if (rpc_stopped(c))
            return -1;
        now = util_now_ms();
        if (now >= end)
            return 0;
        step = end - now;
        if (step > RPC_SLEEP_SLICE_MS)
            step = RPC_SLEEP_SLICE_MS;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(step * 1000000);
        nanosleep(&ts, NULL);
    }
}

static int rpc_set_stopped(struct rpc_client *c, struct rpc_error *err)
{
    rpc_error_set(err, RPC_ERR_STOPPED, "stopped");
    snprintf(err->endpoint, sizeof(err->endpoint), "%s",
             c->eps[c->cur].name);
    log_debug("rpc: %s: stopped while waiting", c->eps[c->cur].name);
    return RPC_ERR_STOPPED;
}

/*
 * Runs attempt() (one try of a call on endpoint ep, returning an enum
 * rpc_err) until it succeeds, fails for good, max_attempts HTTP
 * requests failed, or stop is raised: fails over to the next endpoint
 * first, and sleeps only when the next endpoint already failed during this
 * call or is throttled.
 */
static int rpc_run(struct rpc_client *c,
                   int (*attempt)(struct rpc_client *c,
                                  struct rpc_endpoint *ep, void *arg,
                                  struct rpc_error *err),
                   void *arg, struct rpc_error *err)
{
    unsigned sleeps = 0;

    c->call_seq++;
    for (c->attempt = 1;; c->attempt++) {
        struct rpc_endpoint *ep = NULL;
        uint64_t now, delay;
        int r;

        if (rpc_stopped(c))
            return rpc_set_stopped(c, err);
        r = rpc_ready(c, &ep, err);
        if (r == RPC_OK)
            r = attempt(c, ep, arg, err);
        if (r == RPC_OK || !rpc_retryable(err) ||
            c->attempt >= c->max_attempts)
            return r;
        ep = &c->eps[c->cur]; /* the endpoint that just failed */
        now = util_now_ms();
        if (r == RPC_ERR_TRANSPORT)
            ep->checked = 0; /* check the chain again when it is back */
        if (r == RPC_ERR_THROTTLED && err->retry_after_ms)
            ep->throttled_until = now + err->retry_after_ms;
        rpc_advance(c);
        ep = &c->eps[c->cur];
        if (ep->failed_call != c->call_seq && ep->throttled_until <= now)
            continue; /* a fresh endpoint: no need to wait */
        delay = rpc_backoff(c, sleeps++);
        if (ep->throttled_until > now && ep->throttled_until - now > delay)
            delay = ep->throttled_until - now;
        log_debug("rpc: retrying on %s in %" PRIu64 " ms", ep->name, delay);
        if (rpc_sleep(c, delay) != 0)
            return rpc_set_stopped(c, err);
    }
}

struct rpc_single_job {
    const char *method;
    json_t *params;             /* borrowed */
    json_t *result;             /* new reference on success */
};

static int rpc_single_attempt(struct rpc_client *c, struct rpc_endpoint *ep,
                              void *arg, struct rpc_error *err)
{
    struct rpc_single_job *j = arg;

    return rpc_try_single(c, ep, j->method, j->params, &j->result, err);
}

/* rpc_call with borrowed params. */
static int rpc_call_borrowed(struct rpc_client *c, const char *method,
                             json_t *params, json_t **resultp,
                             struct rpc_error *err)
{
    struct rpc_single_job j = { method, params, NULL };
    int r;

    r = rpc_run(c, rpc_single_attempt, &j, err);
    if (r != RPC_OK)
        return r;
    rpc_error_clear(err);
    *resultp = j.result;
    return RPC_OK;
}

int rpc_call(struct rpc_client *c, const char *method, json_t *params,
             json_t **resultp, struct rpc_error *err)
{
    struct rpc_error local;
    int r;

    if (!params)
        params = json_array();
    if (!err)
        err = &local;
    r = rpc_call_borrowed(c, method, params, resultp, err);
    json_decref(params);
    return r;
}

struct rpc_batch_job {
    size_t n;
    const char *const *methods;
    json_t **params;            /* owned by rpc_batch */
    json_t **results;           /* caller's */
    struct rpc_error *errs;     /* caller's */
    unsigned char *pending;     /* 1 while item i needs another try */
    json_t **tmp_results;       /* one round's parse */
    struct rpc_error *tmp_errs;
    unsigned item_attempt;      /* attempt whose failure was items', not
                                   the whole batch's (transport worked) */
    int debug;                  /* every call is a debug_* method */
};

/* Item errors that end the item (the rest are retried). */
static int rpc_item_final(const struct rpc_error *e)
{
    return e->kind == RPC_OK || e->kind == RPC_ERR_RPC ||
           e->kind == RPC_ERR_RANGE ||
           (e->kind == RPC_ERR_BAD_REPLY && e->too_big);
}

/* Builds the array body of the pending items, ids base + index. */
static int rpc_batch_body(struct rpc_client *c, const struct rpc_batch_job *b,
                          json_int_t base, size_t *npendp)
{
    size_t i, npend = 0;

    buf_reset(&c->req);
    if (buf_addch(&c->req, '[') != 0)
        return -1;
    for (i = 0; i < b->n; i++) {
        if (!b->pending[i])
            continue;
        if (npend++ && buf_addch(&c->req, ',') != 0)
            return -1;
        if (rpc_body_add(&c->req, b->methods[i], b->params[i],
                         base + (json_int_t)i) != 0)
            return -1;
    }
    *npendp = npend;
    return buf_addch(&c->req, ']');
}

/* Lowers ep's batch limit after a refusal of npend calls: to the number
 * err names when it is smaller, else to half. */
static void rpc_limit_lower(struct rpc_endpoint *ep, size_t npend,
                            const struct rpc_error *err)
{
    size_t next = err->batch_hint && err->batch_hint < npend
                      ? (size_t)err->batch_hint
                      : npend / 2;

    if (next == 0)
        next = 1;
    if (next >= ep->batch_limit)
        return;
    ep->batch_limit = next;
    log_info("rpc: %s: a batch of %zu calls was refused (%s); at most %zu "
             "per request from now on",
             ep->name, npend, err->message, next);
}

/*
 * Whether the items of a parsed batch say its size was refused: an item
 * with a batch-size text (geth answers the first id only), or one whose
 * reply went over the endpoint's response limit while others fit.  Then
 * lowers the endpoint's limit, fills err and returns 1; the items stay
 * pending.
 */
static int rpc_batch_shrink(struct rpc_endpoint *ep,
                            const struct rpc_batch_job *b, size_t npend,
                            struct rpc_error *err)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        const struct rpc_error *e = &b->tmp_errs[i];

        if (!b->pending[i] || b->tmp_results[i])
            continue;
        if (e->batch_too_large ||
            (e->kind == RPC_ERR_RANGE && e->too_many_results &&
             strcmp(b->methods[i], "eth_getLogs") != 0))
            break;
    }
    if (i == b->n || npend < 2)
        return 0;
    *err = b->tmp_errs[i];
    err->batch_too_large = 1;
    rpc_limit_lower(ep, npend, err);
    return 1;
}

/* Settles the items of a parsed round: successes and final errors leave
 * the pending set.  Returns how many must be tried again (the first one's
 * error in *err). */
static size_t rpc_batch_settle(struct rpc_client *c, struct rpc_endpoint *ep,
                               struct rpc_batch_job *b, long status,
                               struct rpc_error *err)
{
    size_t i, nretry = 0, nfinal = 0;

    for (i = 0; i < b->n; i++) {
        struct rpc_error *e = &b->tmp_errs[i];

        if (!b->pending[i]) {
            json_decref(b->tmp_results[i]); /* a reply we did not ask for */
            continue;
        }
        snprintf(e->endpoint, sizeof(e->endpoint), "%s", ep->name);
        if (b->tmp_results[i]) {
            b->results[i] = b->tmp_results[i];
            rpc_error_clear(&b->errs[i]);
            b->pending[i] = 0;
            continue;
        }
        rpc_error_finish(c, status, e);
        b->errs[i] = *e;
        if (!rpc_item_final(e)) {
            if (nretry++ == 0)
                *err = *e;
            continue;
        }
        b->pending[i] = 0;
        /* One line per round: a batch of views that revert would
         * otherwise log a line per item. */
        if (nfinal++ == 0) {
            rpc_fail(c, ep, b->methods[i], &b->errs[i]);
        } else {
            ep->errors++;
            snprintf(b->errs[i].endpoint, sizeof(b->errs[i].endpoint), "%s",
                     ep->name);
        }
    }
    if (nfinal > 1)
        log_info("rpc: %s: %zu more calls of that batch failed", ep->name,
                 nfinal - 1);
    return nretry;
}

/* Records that ep refuses arrays (of debug calls only, for a debug job):
 * the items then go one by one.  Returns err's kind. */
static int rpc_batch_refused(struct rpc_client *c, struct rpc_endpoint *ep,
                             const struct rpc_batch_job *b,
                             struct rpc_error *err)
{
    if (b->debug)
        ep->debug_batch = 0;
    else
        ep->batch = 0;
    snprintf(err->endpoint, sizeof(err->endpoint), "%s", ep->name);
    log_info("rpc: %s: batch%s refused (%s); sending %scalls one by one "
             "from now on",
             ep->name, b->debug ? " of debug calls" : "", err->message,
             b->debug ? "debug " : "");
    rpc_resp_trim(c);
    return err->kind;
}

/*
 * One round of a batch on ep: sends the pending items as an array and
 * settles each item that got a final answer.  Returns RPC_OK when none is
 * left pending, else a retryable error (whole batch, or the first item
 * still pending), the batch refusal (err->batch_rejected) or the refusal
 * of its size (err->batch_too_large: the endpoint's limit was lowered).
 */
static int rpc_batch_attempt(struct rpc_client *c, struct rpc_endpoint *ep,
                             void *arg, struct rpc_error *err)
{
    struct rpc_batch_job *b = arg;
    json_int_t base;
    size_t npend = 0, nretry;
    long status = 0;
    int r;

    if ((b->debug ? ep->debug_batch : ep->batch) == 0) {
        rpc_error_set(err, RPC_ERR_RPC, "endpoint does not take batches");
        snprintf(err->endpoint, sizeof(err->endpoint), "%s", ep->name);
        err->batch_rejected = 1;
        return RPC_ERR_RPC;
    }
    base = c->next_id;
    c->next_id += (json_int_t)b->n;
    if (rpc_batch_body(c, b, base, &npend) != 0) {
        rpc_error_set(err, RPC_ERR_RPC, "cannot encode the batch");
        goto fail;
    }
    r = rpc_http_post(c, ep, npend, &status, err);
    if (r != RPC_OK)
        goto fail;
    if (status >= 200 && status < 300) {
        r = rpc_parse_batch_reply(c->resp.data, c->resp.len, base, b->n,
                                  b->tmp_results, b->tmp_errs, err);
    } else {
        r = rpc_http_error(c, status, err);
        if (status == 413 && npend > 1 && r != RPC_ERR_THROTTLED)
            err->batch_too_large = 1;
        else if (r != RPC_ERR_THROTTLED &&
                 (status == 400 || status == 405 || status == 413 ||
                  status == 415 || status == 422 || status == 501))
            err->batch_rejected = 1;
    }
    if (r != RPC_OK) {
        rpc_error_finish(c, status, err);
        if (err->batch_too_large && npend > 1) {
            rpc_limit_lower(ep, npend, err);
            rpc_resp_trim(c);
            return err->kind;
        }
        if (err->batch_too_large)
            err->batch_rejected = 1; /* even one call: no arrays here */
        if (!err->batch_rejected)
            goto fail;
        return rpc_batch_refused(c, ep, b, err);
    }
    if (b->debug)
        ep->debug_batch = 1;
    else
        ep->batch = 1;
    rpc_ok(ep);
    if (rpc_batch_shrink(ep, b, npend, err)) {
        size_t i;

        for (i = 0; i < b->n; i++) /* the whole round again, smaller */
            json_decref(b->tmp_results[i]);
        rpc_resp_trim(c);
        return RPC_ERR_RPC;
    }
    nretry = rpc_batch_settle(c, ep, b, status, err);
    rpc_resp_trim(c);
    if (nretry == 0)
        return RPC_OK;
    b->item_attempt = c->attempt;
    {
        char first[sizeof(err->message)];

        memcpy(first, err->message, sizeof(first));
        rpc_set_message(err, "%zu of %zu items: %s", nretry, npend, first);
    }
    rpc_fail(c, ep, "batch", err);
    return err->kind;
fail:
    rpc_fail(c, ep, "batch", err);
    rpc_resp_trim(c);
    return err->kind;
}

/* The pending items of b one by one, after the endpoint refused arrays.
 * Returns RPC_OK, or the first transport-level failure (in *berr). */
static int rpc_batch_singly(struct rpc_client *c, struct rpc_batch_job *b,
                            struct rpc_error *berr)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        int r;

        if (!b->pending[i])
            continue;
        r = rpc_call_borrowed(c, b->methods[i], b->params[i], &b->results[i],
                              &b->errs[i]);
        if (r == RPC_OK || rpc_item_final(&b->errs[i])) {
            b->pending[i] = 0;
            continue;
        }
        *berr = b->errs[i];
        return r;
    }
    return RPC_OK;
}

/*
 * Sends the items [off, off + m) of all (a slice of the caller's batch)
 * until they are settled.  Returns RPC_OK (items may carry their own
 * errors) or the batch-level error in *berr (batch_too_large: the limit
 * was lowered, the slice's unsettled items stay pending).
 */
static int rpc_batch_slice(struct rpc_client *c,
                           const struct rpc_batch_job *all, size_t off,
                           size_t m, struct rpc_error *berr)
{
    struct rpc_batch_job b = *all;
    int ret;

    b.n = m;
    b.methods = all->methods + off;
    b.params = all->params + off;
    b.results = all->results + off;
    b.errs = all->errs + off;
    b.pending = all->pending + off;
    b.tmp_results = all->tmp_results + off;
    b.tmp_errs = all->tmp_errs + off;
    b.item_attempt = 0;
    ret = rpc_run(c, rpc_batch_attempt, &b, berr);
    if (ret != RPC_OK && berr->batch_too_large)
        return ret;
    if (ret != RPC_OK && berr->batch_rejected) {
        ret = rpc_batch_singly(c, &b, berr);
        berr->batch_rejected = 1;
    }
    if (ret != RPC_OK && b.item_attempt == c->attempt && !berr->batch_rejected)
        ret = RPC_OK; /* the transport worked; items keep their errors */
    if (ret == RPC_OK)
        memset(b.pending, 0, m); /* settled, with or without an answer */
    return ret;
}

/* The first pending item at or after off and the slice from it that holds
 * at most the current endpoint's limit of pending items: *mp items. */
static size_t rpc_batch_next(const struct rpc_client *c,
                             const struct rpc_batch_job *all, size_t off,
                             size_t *mp)
{
    const struct rpc_endpoint *ep = &c->eps[c->cur];
    size_t lim = ep->batch_limit ? ep->batch_limit : 1, m = 0, k = 0;

    if (all->debug && lim > RPC_DEBUG_BATCH_MAX)
        lim = RPC_DEBUG_BATCH_MAX;
    while (off < all->n && !all->pending[off])
        off++;
    while (off + m < all->n && k < lim)
        k += all->pending[off + m++];
    *mp = m;
    return off;
}

int rpc_batch(struct rpc_client *c, size_t n, const char *const *methods,
              json_t **params, json_t **results, struct rpc_error *errs)
{
    struct rpc_batch_job all;
    struct rpc_error berr;
    size_t i, off = 0, m;
    int ret = RPC_OK;

    memset(&all, 0, sizeof(all));
    all.debug = n > 0;
    for (i = 0; i < n; i++) {
        results[i] = NULL;
        rpc_error_clear(&errs[i]);
        if (!params[i])
            params[i] = json_array();
        if (strncmp(methods[i], "debug_", 6) != 0)
            all.debug = 0;
    }
    if (n == 0)
        return RPC_OK;
    all.n = n;
    all.methods = methods;
    all.params = params;
    all.results = results;
    all.errs = errs;
    all.pending = xmalloc(n);
    memset(all.pending, 1, n);
    all.tmp_results = xcalloc(n, sizeof(*all.tmp_results));
    all.tmp_errs = xcalloc(n, sizeof(*all.tmp_errs));
    rpc_error_clear(&berr);
    while (ret == RPC_OK) {
        off = rpc_batch_next(c, &all, off, &m);
        if (off >= n)
            break;
        ret = rpc_batch_slice(c, &all, off, m, &berr);
        if (ret != RPC_OK && berr.batch_too_large && m > 1)
            ret = RPC_OK; /* the same items again, in smaller requests */
    }
    for (i = 0; i < n; i++) {
        if (ret != RPC_OK && all.pending[i])
            errs[i] = berr;
        json_decref(params[i]);
        params[i] = NULL;
    }
    free(all.pending);
    free(all.tmp_results);
    free(all.tmp_errs);
    return ret;
}

struct rpc_raw_job {
    size_t n;
    const char *const *methods;
    json_t **params; /* owned by rpc_batch_raw */
    struct buf *out; /* caller's */
    json_int_t first_id;
};

/* One try of a raw batch on ep: an HTTP 200 hands the body over. */
static int rpc_raw_attempt(struct rpc_client *c, struct rpc_endpoint *ep,
                           void *arg, struct rpc_error *err)
{
    struct rpc_raw_job *j = arg;
    json_int_t base = c->next_id;
    struct buf tmp;
    long status = 0;
    size_t i;

    if (ep->batch == 0) {
        rpc_error_set(err, RPC_ERR_RPC, "endpoint does not take batches");
        err->batch_rejected = 1;
        return RPC_ERR_RPC;
    }
    c->next_id += (json_int_t)j->n;
    buf_reset(&c->req);
    for (i = 0; i < j->n; i++)
        if (buf_addch(&c->req, i ? ',' : '[') != 0 ||
            rpc_body_add(&c->req, j->methods[i], j->params[i],
                         base + (json_int_t)i) != 0) {
            rpc_error_set(err, RPC_ERR_RPC, "cannot encode the batch");
            goto fail;
        }
    if (buf_addch(&c->req, ']') != 0 ||
        rpc_http_post(c, ep, j->n, &status, err) != RPC_OK)
        goto fail;
    if (status < 200 || status >= 300) {
        rpc_http_error(c, status, err);
        rpc_error_finish(c, status, err);
        goto fail;
    }
    rpc_ok(ep);
    /* The caller's buffer becomes the next reply's: no copy, and a large
     * allocation is reused from one range to the next. */
    tmp = *j->out;
    *j->out = c->resp;
    c->resp = tmp;
    c->resp.max = c->max_response;
    rpc_resp_trim(c);
    j->first_id = base;
    return RPC_OK;
fail:
    rpc_fail(c, ep, "batch", err);
    rpc_resp_trim(c);
    return err->kind;
}

int rpc_batch_raw(struct rpc_client *c, size_t n, const char *const *methods,
                  json_t **params, struct buf *out, json_int_t *first_id,
                  struct rpc_error *err)
{
    struct rpc_raw_job j = { n, methods, params, out, 0 };
    size_t i;
    int r;

    for (i = 0; i < n; i++)
        if (!params[i])
            params[i] = json_array();
    r = rpc_run(c, rpc_raw_attempt, &j, err);
    for (i = 0; i < n; i++) {
        json_decref(params[i]);
        params[i] = NULL;
    }
    if (r == RPC_OK) {
        rpc_error_clear(err);
        *first_id = j.first_id;
    }
    return r;
}

void rpc_rotate(struct rpc_client *c, const char *why)
{
    const char *from = c->eps[c->cur].name;

    if (rpc_advance(c))
        log_info("rpc: leaving %s for %s: %s", from, c->eps[c->cur].name,
                 why);
    else
        log_info("rpc: %s: %s (no other endpoint)", from, why);
}

uint64_t rpc_requests_sent(const struct rpc_client *c)
{
    uint64_t n = 0;
    size_t i;

    for (i = 0; i < c->neps; i++)
        n += c->eps[i].requests;
    return n;
}

const char *rpc_endpoint(const struct rpc_client *c)
{
    return c->eps[c->cur].name;
}

static json_t *rpc_json_time(int64_t t)
{
    return t ? json_integer((json_int_t)t) : json_null();
}

json_t *rpc_stats_json(const struct rpc_client *c)
{
    json_t *arr = json_array();
    int64_t day = rpc_today();
    size_t i;

    if (!arr)
        return NULL;
    for (i = 0; i < c->neps; i++) {
        const struct rpc_endpoint *ep = &c->eps[i];
        uint64_t today = ep->today == day ? ep->today_calls : 0;
        json_t *o = json_object(), *lat = json_object();

        if (!o || !lat) {
            json_decref(o);
            json_decref(lat);
            json_decref(arr);
            return NULL;
        }
        json_object_set_new(lat, "avg", rpc_json_u64(
            ep->requests ? ep->latency_sum_ms / ep->requests : 0));
        json_object_set_new(lat, "last", rpc_json_u64(ep->latency_last_ms));
        json_object_set_new(lat, "sum", rpc_json_u64(ep->latency_sum_ms));
        {
            static const uint64_t bounds[] = RPC_LATENCY_BOUNDS_MS;
            json_t *le = json_array(), *bk = json_array();
            size_t b;

            for (b = 0; b < RPC_LATENCY_NBOUNDS; b++)
                json_array_append_new(le, rpc_json_u64(bounds[b]));
            for (b = 0; b <= RPC_LATENCY_NBOUNDS; b++)
                json_array_append_new(bk, rpc_json_u64(ep->latency_hist[b]));
            json_object_set_new(lat, "le", le);
            json_object_set_new(lat, "buckets", bk);
        }
        json_object_set_new(o, "url", json_string(ep->name));
        json_object_set_new(o, "requests", rpc_json_u64(ep->requests));
        json_object_set_new(o, "calls", rpc_json_u64(ep->calls));
        json_object_set_new(o, "errors", rpc_json_u64(ep->errors));
        json_object_set_new(o, "throttled", rpc_json_u64(ep->throttled));
        json_object_set_new(o, "requests_today", rpc_json_u64(today));
        json_object_set_new(o, "budget", c->budget ? rpc_json_u64(c->budget)
                                                   : json_null());
        json_object_set_new(o, "over_budget",
                            json_boolean(c->budget && today > c->budget));
        json_object_set_new(o, "latency_ms", lat);
        json_object_set_new(o, "last_error", ep->last_error[0]
                                                 ? json_string(ep->last_error)
                                                 : json_null());
        json_object_set_new(o, "last_error_at",
                            rpc_json_time(ep->last_error_at));
        json_object_set_new(o, "last_ok_at", rpc_json_time(ep->last_ok_at));
        json_object_set_new(o, "disabled", json_boolean(ep->disabled));
        json_object_set_new(o, "supports_batch",
                            ep->batch < 0 ? json_null()
                                          : json_boolean(ep->batch));
        json_object_set_new(o, "batch_limit", rpc_json_u64(ep->batch_limit));
        json_object_set_new(o, "current", json_boolean(i == c->cur));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Applies the options to a fresh easy handle; 0 or -1. */
static int rpc_curl_setup(struct rpc_client *c)
{
    CURL *h = c->curl;
    long connect_ms = c->timeout_ms < RPC_CONNECT_TIMEOUT_MAX_MS
                          ? (long)c->timeout_ms
                          : RPC_CONNECT_TIMEOUT_MAX_MS;
    int bad = 0;

    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (c->headers)
        c->headers = curl_slist_append(c->headers, "Accept: application/json");
    if (!c->headers)
        return -1;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms) !=
           CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) !=
           CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USERAGENT,
                            "arbiusd/" ARBIUSD_VERSION) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rpc_write_cb) !=
           CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, rpc_progress_cb) !=
           CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                            (curl_off_t)c->max_response) != CURLE_OK;
    /* Decoded bytes still go through the capped buffer: no zip bombs. */
    bad |= curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
           CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
    return bad ? -1 : 0;
}

int rpc_new(const struct rpc_options *opts, struct rpc_client **outp)
{
    struct rpc_client *c;
    size_t i;

    if (!opts || !opts->urls || opts->nurls == 0) {
        log_warnx("rpc: no endpoint configured");
        return -1;
    }
    for (i = 0; i < opts->nurls; i++) {
        if (!opts->urls[i] || !opts->urls[i][0]) {
            log_warnx("rpc: endpoint %zu is empty", i + 1);
            return -1;
        }
    }
    c = xcalloc(1, sizeof(*c));
    c->neps = opts->nurls;
    c->eps = xcalloc(c->neps, sizeof(*c->eps));
    for (i = 0; i < c->neps; i++) {
        c->eps[i].url = xstrdup(opts->urls[i]);
        rpc_sanitize_url(opts->urls[i], c->eps[i].name,
                         sizeof(c->eps[i].name));
        c->eps[i].batch = -1;
        c->eps[i].debug_batch = -1;
        c->eps[i].today = rpc_today();
        c->eps[i].budget_warned = -1;
    }
    c->timeout_ms = (opts->timeout_s ? opts->timeout_s
                                     : RPC_TIMEOUT_DEFAULT_S) * 1000;
    c->max_response = opts->max_response ? opts->max_response
                                         : RPC_MAX_RESPONSE_DEFAULT;
    c->chain_id = opts->chain_id;
    c->max_attempts = opts->max_attempts ? opts->max_attempts
                                         : RPC_MAX_ATTEMPTS_DEFAULT;
    c->base_ms = opts->backoff_base_ms ? opts->backoff_base_ms
                                       : RPC_BACKOFF_BASE_DEFAULT_MS;
    c->max_ms = opts->backoff_max_ms ? opts->backoff_max_ms
                                     : RPC_BACKOFF_MAX_DEFAULT_MS;
    if (c->max_ms < c->base_ms)
        c->max_ms = c->base_ms;
    c->stop = opts->stop;
    c->budget = opts->budget_per_day;
    c->batch_max = opts->batch_max ? opts->batch_max : RPC_BATCH_DEFAULT;
    for (i = 0; i < c->neps; i++)
        c->eps[i].batch_limit = c->batch_max;
    c->summary_ms =
        (opts->summary_s ? opts->summary_s : RPC_SUMMARY_DEFAULT_S) * 1000;
    c->on_fail = opts->on_fail;
    c->on_fail_ud = opts->on_fail_ud;
    c->next_id = 1;
    buf_init(&c->req, RPC_REQ_MAX);
    buf_init(&c->resp, c->max_response);
    if (util_random(&c->rng, sizeof(c->rng)) != 0 || c->rng == 0)
        c->rng = util_now_us() ^ (uint64_t)(uintptr_t)c ^
                 UINT64_C(0x9E3779B97F4A7C15);
    c->curl = curl_easy_init();
    if (!c->curl || rpc_curl_setup(c) != 0) {
        log_warnx("rpc: cannot set up a curl handle");
        rpc_free(c);
        return -1;
    }
    *outp = c;
    return 0;
}

void rpc_free(struct rpc_client *c)
{
    size_t i;

    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    for (i = 0; i < c->neps; i++)
        free(c->eps[i].url);
    free(c->eps);
    buf_release(&c->req);
    buf_release(&c->resp);
    free(c);
}
