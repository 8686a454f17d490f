/*
 * ipfs.c - the pure decisions of the IPFS monitor: request classification,
 * a round's status, the retry schedule, Content-Range and UTF-8 handling.
 * No I/O, no SQLite, no libcurl.
 */
#include "arbiusd/ipfs.h"

#include <string.h>

#include "arbiusd/buf.h"

const char *ipfs_result_name(enum ipfs_result r)
{
    static const char *const names[] = { "ok", "slow", "missing", "timeout",
                                         "error" };

    return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "error";
}

const char *ipfs_status_name(enum ipfs_status s)
{
    static const char *const names[] = { "pending", "ok", "slow", "missing",
                                         "error" };

    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "error";
}

const char *ipfs_method_name(enum ipfs_method m)
{
    return m == IPFS_HEAD ? "HEAD" : "GET";
}

enum ipfs_result ipfs_classify(enum ipfs_method m, enum ipfs_transport tr,
                               long http_status, uint64_t latency_ms,
                               uint64_t slow_ms)
{
    if (tr == IPFS_TR_TIMEOUT)
        return IPFS_TIMEOUT;
    if (tr != IPFS_TR_DONE)
        return IPFS_ERROR;
    /* 416 to "bytes=0-N" means the file exists and is empty. */
    if (http_status == 200 || http_status == 206 ||
        (m == IPFS_GET && http_status == 416))
        return latency_ms > slow_ms ? IPFS_SLOW : IPFS_OK;
    if (http_status == 404 || http_status == 410)
        return IPFS_MISSING;
    return IPFS_ERROR;
}

bool ipfs_head_unsupported(long http_status)
{
    return http_status == 405 || http_status == 501;
}

enum ipfs_status ipfs_round_status(const enum ipfs_result *gw, size_t n)
{
    bool slow = false, missing = false;
    size_t i;

    if (n == 0)
        return IPFS_ST_PENDING;
    for (i = 0; i < n; i++) {
        if (gw[i] == IPFS_OK)
            return IPFS_ST_OK;
        if (gw[i] == IPFS_SLOW)
            slow = true;
        else if (gw[i] == IPFS_MISSING || gw[i] == IPFS_TIMEOUT)
            missing = true;
    }
    if (slow)
        return IPFS_ST_SLOW;
    return missing ? IPFS_ST_MISSING : IPFS_ST_ERROR;
}

int64_t ipfs_next_delay(const uint64_t *sched, size_t nsched,
                        uint64_t attempts, enum ipfs_status st)
{
    if (st != IPFS_ST_MISSING && st != IPFS_ST_ERROR)
        return -1;
    if (attempts == 0 || attempts > nsched)
        return -1;
    return (int64_t)sched[attempts - 1];
}

/* Parses decimal digits p[*i..len) into *out (no overflow past 2^62). */
static int parse_dec(const char *p, size_t len, size_t *i, int64_t *out)
{
    int64_t v = 0;
    size_t start = *i;

    while (*i < len && p[*i] >= '0' && p[*i] <= '9') {
        if (v > ((int64_t)1 << 62) / 10)
            return -1;
        v = v * 10 + (p[*i] - '0');
        (*i)++;
    }
    if (*i == start)
        return -1;
    *out = v;
    return 0;
}

int ipfs_parse_content_range(const char *v, size_t len, int64_t *total)
{
    size_t i = 0;
    int64_t a, b, t;

    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (len - i < 6 || strncmp(v + i, "bytes ", 6) != 0)
        return -1;
    i += 6;
    while (i < len && v[i] == ' ')
        i++;
    if (i < len && v[i] == '*') {
        i++;
    } else {
        if (parse_dec(v, len, &i, &a) < 0 || i >= len || v[i] != '-')
            return -1;
        i++;
        if (parse_dec(v, len, &i, &b) < 0 || b < a)
            return -1;
    }
    if (i >= len || v[i] != '/')
        return -1;
    i++;
    if (parse_dec(v, len, &i, &t) < 0)
        return -1;
    while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' ||
                       v[i] == '\n'))
        i++;
    if (i != len)
        return -1;
    *total = t;
    return 0;
}

/* Length of the UTF-8 sequence led by byte c (0: not a lead byte). */
static size_t utf8_seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return 2;
    if (c >= 0xe0 && c <= 0xef)
        return 3;
    if (c >= 0xf0 && c <= 0xf4)
        return 4;
    return 0;
}

int ipfs_utf8_prefix(const char *p, size_t n, bool truncated, size_t *keep)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, end = n;

    if (truncated && n > 0) {
        /* Drop a lead byte (and its continuations) cut by the range end. */
        size_t j = n, back = 0;

        while (j > 0 && back < 3 && (s[j - 1] & 0xc0) == 0x80) {
            j--;
            back++;
        }
        if (j > 0) {
            size_t want = utf8_seq_len(s[j - 1]);

            if (want > 1 && want > back + 1)
                end = j - 1;
        }
    }
    while (i < end) {
        size_t k, len = utf8_seq_len(s[i]);
        uint32_t cp;

        if (len == 0 || i + len > end)
            return -1;
        if (len == 1) {
            if (s[i] == 0)
                return -1;
            i++;
            continue;
        }
        cp = s[i] & (0x7f >> len);
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        i += len;
    }
    *keep = end;
    return 0;
}

int ipfs_range_header(struct buf *out, uint64_t n)
{
    if (n == 0)
        return -1;
    return buf_addf(out, "bytes=0-%llu", (unsigned long long)(n - 1));
}
