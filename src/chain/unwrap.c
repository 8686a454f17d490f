/*
 * unwrap.c - engine calls inside other contracts' calldata and call traces
 * (see unwrap.h).
 *
 * The scan is a breadth-first walk over positions of the calldata.  Three
 * kinds of work item:
 *   CALLDATA  a byte string that may be a call: its arguments (after the
 *             4-byte selector) are read as a tuple;
 *   TUPLE     head words from base: each word that is a plausible offset
 *             (a multiple of 32 below 2^32, pointing past this head and
 *             inside the region) makes a VISIT of base + offset;
 *   VISIT     a position an offset pointed at, read three ways: as `bytes`
 *             (a length and that many bytes: a candidate, and CALLDATA when
 *             it is long enough), as a dynamic array (a count, then that
 *             many head words: a TUPLE) and as a tuple (a TUPLE from there).
 * Every region keeps the end of the byte string it lies in, so nothing is
 * read past what the encoding that holds it could reach.  A position is
 * visited once; budgets bound the work whatever the data.
 */
#include "arbiusd/unwrap.h"

#include <stdlib.h>
#include <string.h>

#include "arbiusd/hex.h"
#include "arbiusd/keccak.h"

enum walk_kind { W_CALLDATA, W_TUPLE, W_VISIT };

struct walk_item {
    enum walk_kind kind;
    size_t pos;   /* CALLDATA/VISIT: start; TUPLE: base */
    size_t end;   /* end of the enclosing byte string */
    size_t heads; /* TUPLE: head words to read at most */
    int depth;
};

struct walk {
    const uint8_t *cd;
    size_t len;
    struct unwrap *u;
    struct walk_item *q; /* FIFO of pending items */
    size_t qhead, qlen, qcap;
    uint8_t *seen; /* bitmap: positions visited */
    size_t visits, words;
    size_t calls_cap, bytes_cap, pairs_cap;
};

/* The word at p as a 32-bit value: 0 and *v, or -1 when it is larger. */
static int word_u32(const uint8_t *p, size_t *v)
{
    size_t i;

    for (i = 0; i < 28; i++)
        if (p[i])
            return -1;
    *v =
        (size_t)p[28] << 24 | (size_t)p[29] << 16 | (size_t)p[30] << 8 | p[31];
    return 0;
}

static void push(struct walk *w, enum walk_kind kind, size_t pos, size_t end,
                 size_t heads, int depth)
{
    struct walk_item *it;

    if (depth > UNWRAP_MAX_DEPTH)
        return;
    if (w->qlen == w->qcap) {
        w->qcap = w->qcap ? w->qcap * 2 : 64;
        w->q = xrealloc(w->q, w->qcap * sizeof(*w->q));
    }
    it = &w->q[w->qlen++];
    it->kind = kind;
    it->pos = pos;
    it->end = end;
    it->heads = heads;
    it->depth = depth;
}

/* Records an embedded submit or solution call in content p[0..n). */
static void note_call(struct walk *w, const uint8_t *p, size_t n, size_t pos)
{
    struct unwrap *u = w->u;
    struct arbius_submit sub;
    struct arbius_cid_pair *pairs = NULL;
    size_t np = 0;

    if (arbius_decode_submit(p, n, &sub) == 0 && sub.found) {
        if (u->ncalls == w->calls_cap) {
            w->calls_cap = w->calls_cap ? w->calls_cap * 2 : 8;
            u->calls = xrealloc(u->calls, w->calls_cap * sizeof(*u->calls));
        }
        memset(&u->calls[u->ncalls], 0, sizeof(u->calls[u->ncalls]));
        u->calls[u->ncalls].sub = sub;
        u->calls[u->ncalls++].pos = pos;
        return;
    }
    if (arbius_solution_cids(p, n, &pairs, &np) < 0)
        return;
    if (u->npairs + np > w->pairs_cap) {
        w->pairs_cap = (u->npairs + np) * 2;
        u->pairs = xrealloc(u->pairs, w->pairs_cap * sizeof(*u->pairs));
    }
    memcpy(&u->pairs[u->npairs], pairs, np * sizeof(*pairs));
    u->npairs += np;
    free(pairs);
}

static void add_bytes(struct walk *w, size_t pos, size_t n, int depth)
{
    struct unwrap *u = w->u;
    struct unwrap_bytes *b;

    if (u->nbytes == w->bytes_cap) {
        w->bytes_cap = w->bytes_cap ? w->bytes_cap * 2 : 16;
        u->bytes = xrealloc(u->bytes, w->bytes_cap * sizeof(*u->bytes));
    }
    b = &u->bytes[u->nbytes++];
    memset(b, 0, sizeof(*b));
    b->p = w->cd + pos;
    b->len = n;
    b->pos = pos;
    if (n >= 4) {
        note_call(w, b->p, n, pos);
        push(w, W_CALLDATA, pos, pos + n, 0, depth + 1);
    }
}

/* A position an offset points at: bytes, array or tuple. */
static void visit(struct walk *w, const struct walk_item *it)
{
    size_t pos = it->pos, n;

    if (w->seen[pos / 8] & (1u << (pos % 8)))
        return;
    w->seen[pos / 8] |= (uint8_t)(1u << (pos % 8));
    if (++w->visits > UNWRAP_MAX_VISITS) {
        w->u->truncated = 1;
        return;
    }
    if (word_u32(w->cd + pos, &n) == 0) {
        if (n <= it->end - pos - 32)
            add_bytes(w, pos + 32, n, it->depth);
        if (n >= 1 && n <= (it->end - pos - 32) / 32)
            push(w, W_TUPLE, pos + 32, it->end, n, it->depth + 1);
    }
    push(w, W_TUPLE, pos, it->end, UNWRAP_TUPLE_HEADS, it->depth + 1);
}

/* Head words from base: each plausible offset becomes a VISIT. */
static void tuple(struct walk *w, const struct walk_item *it)
{
    size_t base = it->pos, h, o;

    for (h = 0; h < it->heads && it->end - base >= 32 * (h + 1); h++) {
        const uint8_t *word = w->cd + base + 32 * h;

        if (++w->words > UNWRAP_MAX_WORDS) {
            w->u->truncated = 1;
            return;
        }
        if (word_u32(word, &o) < 0 || o % 32 != 0 || o < 32 * (h + 1) ||
            o > it->end - base || it->end - base - o < 32)
            continue;
        push(w, W_VISIT, base + o, it->end, 0, it->depth);
    }
}

static int cmp_call(const void *a, const void *b)
{
    size_t x = ((const struct unwrap_call *)a)->pos,
           y = ((const struct unwrap_call *)b)->pos;

    return x < y ? -1 : x > y;
}

static int cmp_bytes(const void *a, const void *b)
{
    size_t x = ((const struct unwrap_bytes *)a)->pos,
           y = ((const struct unwrap_bytes *)b)->pos;

    return x < y ? -1 : x > y;
}

static int cmp_pair(const void *a, const void *b)
{
    return memcmp(((const struct arbius_cid_pair *)a)->task,
                  ((const struct arbius_cid_pair *)b)->task, 32);
}

/* Sorts what the walk found: calls and bytes by position, pairs by task. */
static void unwrap_sort(struct unwrap *u)
{
    if (u->ncalls > 1)
        qsort(u->calls, u->ncalls, sizeof(*u->calls), cmp_call);
    if (u->nbytes > 1)
        qsort(u->bytes, u->nbytes, sizeof(*u->bytes), cmp_bytes);
    if (u->npairs > 1)
        qsort(u->pairs, u->npairs, sizeof(*u->pairs), cmp_pair);
}

void unwrap_scan(const uint8_t *cd, size_t len, struct unwrap *u)
{
    struct walk w;

    memset(u, 0, sizeof(*u));
    if (len < 4)
        return;
    memset(&w, 0, sizeof(w));
    w.cd = cd;
    w.len = len;
    w.u = u;
    w.seen = xcalloc(len / 8 + 1, 1);
    push(&w, W_CALLDATA, 0, len, 0, 0);
    while (w.qhead < w.qlen) {
        struct walk_item it = w.q[w.qhead++];

        if (it.kind == W_CALLDATA) {
            it.kind = W_TUPLE;
            it.pos += 4;
            it.heads = UNWRAP_TUPLE_HEADS;
            tuple(&w, &it);
        } else if (it.kind == W_TUPLE) {
            tuple(&w, &it);
        } else {
            visit(&w, &it);
        }
    }
    free(w.q);
    free(w.seen);
    unwrap_sort(u);
}

/* ---- traces ---- */

/* Decodes a frame's hex field k into an owned buffer kept by u. */
static const uint8_t *frame_bytes(struct unwrap *u, const json_t *f,
                                  const char *k, size_t *n)
{
    const char *s = json_string_value(json_object_get(f, k));
    uint8_t *b;
    size_t len;

    if (!s)
        return NULL;
    len = strlen(s);
    b = xmalloc(len / 2 + 1);
    if (hex_decode(s, len, b, len / 2 + 1, n) < 0) {
        free(b);
        return NULL;
    }
    u->owned = xrealloc(u->owned, (u->nowned + 1) * sizeof(*u->owned));
    u->owned[u->nowned++] = b;
    return b;
}

/* Depth first over frames that did not revert. */
static void trace_walk(struct walk *w, const json_t *f,
                       const uint8_t engine[20], int depth)
{
    const json_t *calls = json_object_get(f, "calls");
    const char *to = json_string_value(json_object_get(f, "to"));
    const json_t *err = json_object_get(f, "error");
    uint8_t addr[20];
    size_t n, i;

    /* A reverted frame undid everything below it too. */
    if (depth > 64 || !json_is_object(f) || (err && !json_is_null(err)))
        return;
    if (to && hex_decode(to, strlen(to), addr, sizeof(addr), &n) == 0 &&
        n == 20 && memcmp(addr, engine, 20) == 0) {
        const uint8_t *in = frame_bytes(w->u, f, "input", &n);

        if (in && n >= 4)
            note_call(w, in, n, w->visits++);
    }
    for (i = 0; i < json_array_size(calls); i++)
        trace_walk(w, json_array_get(calls, i), engine, depth + 1);
}

int unwrap_trace(const json_t *frame, const uint8_t engine[20],
                 struct unwrap *u)
{
    struct walk w;

    memset(u, 0, sizeof(*u));
    if (!json_is_object(frame) ||
        !json_is_string(json_object_get(frame, "to")))
        return -1;
    memset(&w, 0, sizeof(w));
    w.u = u;
    trace_walk(&w, frame, engine, 0);
    unwrap_sort(u);
    return 0;
}

void unwrap_release(struct unwrap *u)
{
    size_t i;

    free(u->calls);
    free(u->bytes);
    free(u->pairs);
    for (i = 0; i < u->nowned; i++)
        free(u->owned[i]);
    free(u->owned);
    memset(u, 0, sizeof(*u));
}

const uint8_t *unwrap_bytes_cid(struct unwrap_bytes *b)
{
    if (b->cid_state == 0)
        b->cid_state = cid_hash_content(b->p, b->len, b->cid) == 0 ? 1 : -1;
    return b->cid_state > 0 ? b->cid : NULL;
}

const uint8_t *unwrap_call_cid(struct unwrap_call *c)
{
    if (c->cid_state == 0)
        c->cid_state =
            cid_hash_content(c->sub.input, c->sub.input_len, c->cid) == 0 ? 1
                                                                          : -1;
    return c->cid_state > 0 ? c->cid : NULL;
}

int unwrap_task_id(const uint8_t sender[20], const uint8_t prev[32],
                   const uint8_t model[32], const uint8_t fee[32],
                   const uint8_t *cid, size_t cid_len, uint8_t out[32])
{
    uint8_t enc[32 * 8];
    size_t n = 32 * 6 + (cid_len + 31) / 32 * 32;

    if (cid_len > 64)
        return -1;
    memset(enc, 0, sizeof(enc));
    memcpy(enc + 12, sender, 20);
    memcpy(enc + 32, prev, 32);
    memcpy(enc + 64, model, 32);
    memcpy(enc + 96, fee, 32);
    enc[32 * 4 + 31] = 0xa0; /* the offset of the cid: five head words */
    enc[32 * 5 + 31] = (uint8_t)cid_len;
    memcpy(enc + 32 * 6, cid, cid_len);
    keccak256(enc, n, out);
    return 0;
}
