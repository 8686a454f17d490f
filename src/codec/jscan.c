/*
 * jscan.c - a JSON scanner that walks a text in place (see jscan.h).
 *
 * Positions only move forward and every read checks s->p < s->end first,
 * so no input can make the scanner read outside the text.  Skipping a
 * container recurses once per nesting level, bounded by JSCAN_MAX_DEPTH.
 */
#include "arbiusd/jscan.h"

#include <string.h>

/* Marks the scan failed: -1. */
static int bad(struct jscan *s)
{
    s->failed = 1;
    return -1;
}

static void ws(struct jscan *s)
{
    while (s->p < s->end &&
           (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

void jscan_init(struct jscan *s, const char *text, size_t len)
{
    s->p = text;
    s->end = text + len;
    s->depth = 0;
    s->fresh = 0;
    s->failed = 0;
}

static int hexdig(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* A string at s->p (its opening quote): checks escapes and control bytes;
 * its content in *str and *len, *esc whether it had escapes. */
static int scan_string(struct jscan *s, const char **str, size_t *len,
                       int *esc)
{
    const char *q;

    if (s->failed || s->p >= s->end || *s->p != '"')
        return bad(s);
    q = ++s->p;
    *esc = 0;
    while (s->p < s->end && *s->p != '"') {
        unsigned char c = (unsigned char)*s->p;

        if (c < 0x20)
            return bad(s);
        if (c == '\\') {
            *esc = 1;
            if (++s->p >= s->end)
                return bad(s);
            if (*s->p == 'u') {
                int i;

                for (i = 1; i <= 4; i++)
                    if (s->end - s->p <= i || !hexdig(s->p[i]))
                        return bad(s);
                s->p += 4;
            } else if (!strchr("\"\\/bfnrt", *s->p) || *s->p == '\0') {
                return bad(s);
            }
        }
        s->p++;
    }
    if (s->p >= s->end)
        return bad(s);
    *str = q;
    *len = (size_t)(s->p - q);
    s->p++;
    return 0;
}

static int digits(struct jscan *s)
{
    const char *q = s->p;

    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p > q ? 0 : bad(s);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct jscan *s)
{
    if (s->p < s->end && *s->p == '-')
        s->p++;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else if (digits(s) < 0)
        return -1;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (digits(s) < 0)
            return -1;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (digits(s) < 0)
            return -1;
    }
    return 0;
}

static int literal(struct jscan *s, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return bad(s);
    s->p += n;
    return 0;
}

int jscan_enter(struct jscan *s, char open)
{
    ws(s);
    if (s->failed || s->p >= s->end || *s->p != open ||
        s->depth >= JSCAN_MAX_DEPTH)
        return bad(s);
    s->p++;
    s->depth++;
    s->fresh |= (uint64_t)1 << (s->depth - 1);
    return 0;
}

int jscan_more(struct jscan *s, char close)
{
    uint64_t bit;

    if (s->failed || s->depth == 0)
        return bad(s);
    bit = (uint64_t)1 << (s->depth - 1);
    ws(s);
    if (s->p >= s->end)
        return bad(s);
    if (*s->p == close) {
        s->p++;
        s->depth--;
        return 0;
    }
    if (s->fresh & bit) {
        /* The first element comes without a comma. */
        s->fresh &= ~bit;
        return 1;
    }
    if (*s->p != ',')
        return bad(s);
    s->p++;
    ws(s);
    if (s->p >= s->end || *s->p == close)
        return bad(s);
    return 1;
}

int jscan_key(struct jscan *s, const char **key, size_t *klen)
{
    int esc;

    ws(s);
    if (scan_string(s, key, klen, &esc) < 0)
        return -1;
    ws(s);
    if (s->p >= s->end || *s->p != ':')
        return bad(s);
    s->p++;
    return 0;
}

int jscan_string(struct jscan *s, const char **str, size_t *len, int *escaped)
{
    int esc;

    ws(s);
    if (scan_string(s, str, len, &esc) < 0)
        return -1;
    if (escaped)
        *escaped = esc;
    return 0;
}

int jscan_bool(struct jscan *s, int *b)
{
    ws(s);
    if (s->failed || s->p >= s->end)
        return bad(s);
    if (*s->p == 't') {
        *b = 1;
        return literal(s, "true");
    }
    *b = 0;
    return literal(s, "false");
}

int jscan_null(struct jscan *s)
{
    ws(s);
    if (s->failed)
        return -1;
    if (s->p >= s->end || *s->p != 'n')
        return 0;
    return literal(s, "null") < 0 ? -1 : 1;
}

/* Skips the members or elements of a container just entered. */
static int skip_inner(struct jscan *s, char close)
{
    int r;

    while ((r = jscan_more(s, close)) == 1) {
        const char *k;
        size_t kl;

        if (close == '}' && jscan_key(s, &k, &kl) < 0)
            return -1;
        if (jscan_skip(s) < 0)
            return -1;
    }
    return r;
}

int jscan_skip(struct jscan *s)
{
    const char *str;
    size_t len;
    int esc;

    ws(s);
    if (s->failed || s->p >= s->end)
        return bad(s);
    switch (*s->p) {
    case '{': return jscan_enter(s, '{') < 0 ? -1 : skip_inner(s, '}');
    case '[': return jscan_enter(s, '[') < 0 ? -1 : skip_inner(s, ']');
    case '"': return scan_string(s, &str, &len, &esc);
    case 't': return literal(s, "true");
    case 'f': return literal(s, "false");
    case 'n': return literal(s, "null");
    default: return scan_number(s);
    }
}

int jscan_end(struct jscan *s)
{
    ws(s);
    return !s->failed && s->depth == 0 && s->p == s->end ? 0 : -1;
}
