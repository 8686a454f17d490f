/*
 * buf.c - growable, capped byte buffer.  See buf.h for the invariants.
 */
#include "arbiusd/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf_empty[1];

void buf_init(struct buf *b, size_t max)
{
    b->data = buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int buf_grow(struct buf *b, size_t n)
{
    size_t want, ncap;

    if (n > b->max || b->len > b->max - n)
        return -1;
    want = b->len + n + 1;
    if (want <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 64;
    while (ncap < want)
        ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
    if (b->cap == 0) {
        b->data = xmalloc(ncap);
        b->data[0] = '\0';
    } else {
        b->data = xrealloc(b->data, ncap);
    }
    b->cap = ncap;
    return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (buf_grow(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_adds(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(b->data + b->len, b->cap ? b->cap - b->len : 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return -1;
    if (b->cap && (size_t)n < b->cap - b->len) {
        if ((size_t)n > b->max - b->len) {
            b->data[b->len] = '\0';
            return -1;
        }
        b->len += (size_t)n;
        return 0;
    }
    if (buf_grow(b, (size_t)n) < 0) {
        if (b->cap)
            b->data[b->len] = '\0';
        return -1;
    }
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return r;
}

int buf_add_html(struct buf *b, const char *s, size_t n)
{
    size_t i, start = 0;

    for (i = 0; i < n; i++) {
        const char *rep;

        switch (s[i]) {
        case '\t':
        case '\n':
            continue;
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '/': rep = "&#47;"; break;
        case '`': rep = "&#96;"; break;
        case '=': rep = "&#61;"; break;
        default:
            /* NUL and the other C0 controls have no place in HTML text or
             * attributes (and would cut a reader at the NUL). */
            if ((unsigned char)s[i] >= 0x20)
                continue;
            rep = "\xef\xbf\xbd"; /* U+FFFD */
        }
        if (buf_add(b, s + start, i - start) < 0 || buf_adds(b, rep) < 0)
            return -1;
        start = i + 1;
    }
    return buf_add(b, s + start, n - start);
}

void buf_truncate(struct buf *b, size_t n)
{
    if (n >= b->len)
        return;
    b->len = n;
    b->data[n] = '\0';
}

void buf_reset(struct buf *b)
{
    buf_truncate(b, 0);
}

char *buf_take(struct buf *b, size_t *len)
{
    char *p;

    if (b->cap == 0)
        p = xstrdup("");
    else
        p = b->data;
    if (len)
        *len = b->len;
    buf_init(b, b->max);
    return p;
}

void buf_release(struct buf *b)
{
    if (b->cap)
        free(b->data);
    buf_init(b, b->max);
}
