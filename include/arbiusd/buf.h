/*
 * buf.h - growable, capped byte buffer (git's strbuf + curl's dynbuf).
 *
 * Invariants: data is always NUL-terminated (data[len] == 0), len <= cap,
 * len <= max.  A buffer never grows past max bytes: that cap is the DoS guard
 * of every request body, RPC reply and rendered page.  An empty buffer points
 * at a shared static "" so it needs no allocation.
 */
#ifndef ARBIUSD_BUF_H
#define ARBIUSD_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "arbiusd/util.h"

struct buf {
    char *data;  /* NUL-terminated contents */
    size_t len;  /* bytes used, excluding the NUL */
    size_t cap;  /* bytes allocated (0 while data == buf_empty) */
    size_t max;  /* the most len may ever be */
};

extern char buf_empty[];

#define BUF_INIT(max_) { .data = buf_empty, .len = 0, .cap = 0, .max = (max_) }
#define BUF_MAX_DEFAULT ((size_t)64 << 20)

void buf_init(struct buf *b, size_t max);
/* Appends n bytes; -1 (and b unchanged) if the result would exceed max. */
int buf_add(struct buf *b, const void *p, size_t n) WARN_UNUSED;
int buf_adds(struct buf *b, const char *s) WARN_UNUSED;
int buf_addch(struct buf *b, char c) WARN_UNUSED;
int buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) WARN_UNUSED;
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0))) WARN_UNUSED;
/* Appends s HTML-escaped (& < > " ' / ` =): safe in text and in quoted or
 * unquoted attribute values.  NUL and the other C0 controls but tab and
 * newline become U+FFFD. */
int buf_add_html(struct buf *b, const char *s, size_t n) WARN_UNUSED;
/* Makes room for at least n more bytes; -1 past max. */
int buf_grow(struct buf *b, size_t n) WARN_UNUSED;
/* Sets len to n (n <= len), keeping the allocation. */
void buf_truncate(struct buf *b, size_t n);
void buf_reset(struct buf *b);
/* Returns the contents as a new string the caller frees; b is reset to empty.
 * *len (if non-NULL) receives the length. */
char *buf_take(struct buf *b, size_t *len);
void buf_release(struct buf *b);

#endif
