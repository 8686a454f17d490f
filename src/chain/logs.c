/*
 * logs.c - eth_getLogs answers read in place (see logs.h).
 *
 * The checks are those of the scanner's general path (parse_log): every
 * field a log needs, hashes of 32 bytes, an address of 20, at most
 * ARBIUS_MAX_TOPICS topics, quantities as "0x" and 1 to 16 digits, a log
 * index that fits 32 bits, no removed log; hex text is normalised to
 * lowercase "0x" form as the general path does.
 */
#include "arbiusd/logs.h"

#include <stdlib.h>
#include <string.h>

#include "arbiusd/hex.h"
#include "arbiusd/jscan.h"

/* Which fields a log had. */
enum {
    F_BLOCK = 1,
    F_INDEX = 2,
    F_TX = 4,
    F_BHASH = 8,
    F_ADDR = 16,
    F_DATA = 32,
    F_TOPICS = 64,
    F_ALL = 127,
};

static int key_is(const char *k, size_t kl, const char *name)
{
    return strlen(name) == kl && memcmp(k, name, kl) == 0;
}

/* A string value without escapes. */
static int plain(struct jscan *s, const char **v, size_t *n)
{
    int esc;

    return jscan_string(s, v, n, &esc) < 0 || esc ? -1 : 0;
}

/* A 32-byte hex string as "0x" + 64 lowercase digits. */
static int hash_field(struct jscan *s, char out[ST_HASH_SIZE])
{
    uint8_t b[32];
    const char *v;
    size_t n;

    if (plain(s, &v, &n) < 0 || hex_decode_exact(v, n, b, 32) < 0)
        return -1;
    return hex_encode_0x(b, 32, out, ST_HASH_SIZE);
}

static int quantity_field(struct jscan *s, uint64_t *out)
{
    const char *v;
    size_t n;

    return plain(s, &v, &n) < 0 ? -1 : hex_parse_quantity(v, n, out);
}

static int topics_field(struct jscan *s, struct arbius_log *log)
{
    int r;

    if (jscan_enter(s, '[') < 0)
        return -1;
    log->ntopics = 0;
    while ((r = jscan_more(s, ']')) == 1) {
        const char *v;
        size_t n;

        if (log->ntopics == ARBIUS_MAX_TOPICS || plain(s, &v, &n) < 0 ||
            hex_decode_exact(v, n, log->topics[log->ntopics], 32) < 0)
            return -1;
        log->ntopics++;
    }
    return r;
}

static int data_field(struct jscan *s, struct logs_entry *e)
{
    const char *v;
    size_t n;

    if (plain(s, &v, &n) < 0)
        return -1;
    e->data = xmalloc(n / 2 + 1);
    return hex_decode(v, n, e->data, n / 2 + 1, &e->log.data_len);
}

/* One member of a log object; *have gets its field. */
static int log_member(struct jscan *s, const char *k, size_t kl,
                      struct logs_entry *e, unsigned *have)
{
    uint64_t q;
    size_t n;
    int b;

    if (key_is(k, kl, "blockNumber")) {
        *have |= F_BLOCK;
        return quantity_field(s, &e->log.block);
    }
    if (key_is(k, kl, "logIndex")) {
        *have |= F_INDEX;
        if (quantity_field(s, &q) < 0 || q > UINT32_MAX)
            return -1;
        e->log.log_index = (uint32_t)q;
        return 0;
    }
    if (key_is(k, kl, "transactionHash")) {
        *have |= F_TX;
        return hash_field(s, e->log.tx);
    }
    if (key_is(k, kl, "blockHash")) {
        *have |= F_BHASH;
        return hash_field(s, e->log.block_hash);
    }
    if (key_is(k, kl, "address")) {
        const char *v;

        *have |= F_ADDR;
        return plain(s, &v, &n) < 0
                   ? -1
                   : hex_decode_exact(v, n, e->log.address, 20);
    }
    if (key_is(k, kl, "data") && !(*have & F_DATA)) {
        *have |= F_DATA;
        return data_field(s, e);
    }
    if (key_is(k, kl, "topics") && !(*have & F_TOPICS)) {
        *have |= F_TOPICS;
        return topics_field(s, &e->log);
    }
    if (key_is(k, kl, "removed"))
        return jscan_bool(s, &b) < 0 || b ? -1 : 0;
    return jscan_skip(s);
}

/* One log object into e. */
static int one_log(struct jscan *s, struct logs_entry *e)
{
    unsigned have = 0;
    const char *k;
    size_t kl;
    int r;

    memset(e, 0, sizeof(*e));
    if (jscan_enter(s, '{') < 0)
        return -1;
    while ((r = jscan_more(s, '}')) == 1)
        if (jscan_key(s, &k, &kl) < 0 || log_member(s, k, kl, e, &have) < 0)
            return -1;
    if (r < 0 || have != F_ALL)
        return -1;
    e->log.data = e->data;
    return 0;
}

struct acc {
    struct logs_entry *logs;
    size_t n, cap;
};

/* The logs of one result array, appended. */
static int result_logs(struct jscan *s, struct acc *a)
{
    int r;

    if (jscan_enter(s, '[') < 0)
        return -1;
    while ((r = jscan_more(s, ']')) == 1) {
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 256;
            a->logs = xrealloc(a->logs, a->cap * sizeof(*a->logs));
        }
        if (one_log(s, &a->logs[a->n]) < 0) {
            free(a->logs[a->n].data);
            return -1;
        }
        a->n++;
    }
    return r;
}

/* A decimal JSON-RPC id (what we send). */
static int id_value(struct jscan *s, int64_t *id)
{
    const char *p = s->p;
    int64_t v = 0;

    while (p < s->end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    if (p == s->end || *p < '0' || *p > '9')
        return -1;
    for (; p < s->end && *p >= '0' && *p <= '9'; p++) {
        if (v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    *id = v;
    return jscan_skip(s); /* checks the same number's syntax */
}

/* One batch item {jsonrpc, id, result}: *id and its logs. */
static int one_item(struct jscan *s, struct acc *a, int64_t *id)
{
    int r, got = 0;
    const char *k;
    size_t kl;

    *id = -1;
    if (jscan_enter(s, '{') < 0)
        return -1;
    while ((r = jscan_more(s, '}')) == 1) {
        if (jscan_key(s, &k, &kl) < 0)
            return -1;
        if (key_is(k, kl, "id")) {
            if (id_value(s, id) < 0)
                return -1;
        } else if (key_is(k, kl, "result") && !got) {
            got = 1;
            if (result_logs(s, a) < 0)
                return -1;
        } else if (key_is(k, kl, "error")) {
            return -1; /* the general parser classifies it */
        } else if (jscan_skip(s) < 0) {
            return -1;
        }
    }
    return r < 0 || !got ? -1 : 0;
}

int logs_from_reply(const char *body, size_t len, int64_t first_id,
                    size_t ncalls, struct logs_entry **outp, size_t *np)
{
    struct acc a = { NULL, 0, 0 };
    struct jscan s;
    uint64_t seen = 0;
    int64_t id;
    int r;

    if (ncalls == 0 || ncalls > 64)
        return -1;
    jscan_init(&s, body, len);
    if (jscan_enter(&s, '[') < 0)
        goto fail;
    while ((r = jscan_more(&s, ']')) == 1) {
        if (one_item(&s, &a, &id) < 0 || id < first_id ||
            id - first_id >= (int64_t)ncalls ||
            (seen & ((uint64_t)1 << (id - first_id))))
            goto fail;
        seen |= (uint64_t)1 << (id - first_id);
    }
    if (r < 0 || jscan_end(&s) < 0 ||
        seen != (ncalls == 64 ? UINT64_MAX : ((uint64_t)1 << ncalls) - 1))
        goto fail;
    *outp = a.logs;
    *np = a.n;
    return 0;
fail:
    logs_free(a.logs, a.n);
    return -1;
}

void logs_free(struct logs_entry *logs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(logs[i].data);
    free(logs);
}
