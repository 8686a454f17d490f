/*
 * cursor.c - the gallery's keyset cursor: fixed binary layout, base64url.
 */
#include "arbiusd/cursor.h"

#include <math.h>
#include <string.h>

#define CURSOR_VERSION 1
#define CURSOR_BASE_LEN 15      /* version, sort, direction, block, log */
#define CURSOR_EXT_LEN 23       /* plus upvotes or rank */

static const char B64URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Binary length of a cursor of the given sort. */
static size_t cursor_len(uint8_t sort)
{
    return sort == CURSOR_UPVOTES || sort == CURSOR_RELEVANCE
               ? CURSOR_EXT_LEN
               : CURSOR_BASE_LEN;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    int i;

    for (i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* 6-bit value of a base64url character (its place in B64URL), or -1. */
static int b64_val(char c)
{
    const char *hit = memchr(B64URL, c, sizeof(B64URL) - 1);

    return hit ? (int)(hit - B64URL) : -1;
}

static int cursor_valid(const struct cursor *c)
{
    if (c->sort >= CURSOR_NSORTS || c->before > 1)
        return 0;
    if (c->block < 0 || c->block > CURSOR_MAX_BLOCK || c->log_index < 0 ||
        c->log_index > CURSOR_MAX_LOG_INDEX)
        return 0;
    if (c->sort == CURSOR_UPVOTES && c->upvotes < 0)
        return 0;
    if (c->sort == CURSOR_RELEVANCE && !isfinite(c->rank))
        return 0;
    return 1;
}

int cursor_encode(const struct cursor *c, char *out, size_t outsz)
{
    uint8_t bin[CURSOR_EXT_LEN];
    size_t n, i, o = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (!cursor_valid(c) || outsz < CURSOR_TEXT_SIZE)
        return -1;
    n = cursor_len(c->sort);
    bin[0] = CURSOR_VERSION;
    bin[1] = c->sort;
    bin[2] = c->before;
    put_be(bin + 3, (uint64_t)c->block, 8);
    put_be(bin + 11, (uint64_t)c->log_index, 4);
    if (c->sort == CURSOR_UPVOTES) {
        put_be(bin + 15, (uint64_t)c->upvotes, 8);
    } else if (c->sort == CURSOR_RELEVANCE) {
        uint64_t u;
        double r = c->rank == 0 ? 0.0 : c->rank; /* one zero: no -0 */

        memcpy(&u, &r, sizeof(u));
        put_be(bin + 15, u, 8);
    }
    for (i = 0; i < n; i++) {
        acc = (acc << 8) | bin[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = B64URL[(acc >> bits) & 0x3f];
        }
    }
    if (bits > 0)
        out[o++] = B64URL[(acc << (6 - bits)) & 0x3f];
    out[o] = '\0';
    return 0;
}

int cursor_decode(const char *s, size_t len, struct cursor *out)
{
    uint8_t bin[CURSOR_EXT_LEN];
    struct cursor c;
    size_t i, n = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (!s || len > CURSOR_MAX_TEXT || len < 2)
        return -1;
    for (i = 0; i < len; i++) {
        int v = b64_val(s[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == sizeof(bin))
                return -1;
            bin[n++] = (uint8_t)((acc >> bits) & 0xff);
        }
    }
    /* Canonical: a whole number of bytes, leftover bits zero. */
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    if (n < 3 || bin[0] != CURSOR_VERSION || bin[1] >= CURSOR_NSORTS ||
        n != cursor_len(bin[1]))
        return -1;
    memset(&c, 0, sizeof(c));
    c.sort = bin[1];
    c.before = bin[2];
    if (get_be(bin + 3, 8) > (uint64_t)CURSOR_MAX_BLOCK)
        return -1;
    c.block = (int64_t)get_be(bin + 3, 8);
    c.log_index = (int64_t)get_be(bin + 11, 4);
    if (c.sort == CURSOR_UPVOTES) {
        uint64_t u = get_be(bin + 15, 8);

        if (u > (uint64_t)INT64_MAX)
            return -1;
        c.upvotes = (int64_t)u;
    } else if (c.sort == CURSOR_RELEVANCE) {
        uint64_t u = get_be(bin + 15, 8);

        if (u == 0x8000000000000000ull) /* -0: not what encode writes */
            return -1;
        memcpy(&c.rank, &u, sizeof(u));
    }
    if (!cursor_valid(&c))
        return -1;
    *out = c;
    return 0;
}
