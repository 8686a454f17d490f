/*
 * jscan.h - a JSON scanner that walks a text in place, for replies too
 * large to build a tree of (an eth_getLogs answer of 40,000 logs is 24 MB
 * and 400,000 jansson values).
 *
 *     struct jscan s;
 *     jscan_init(&s, body, len);
 *     if (jscan_enter(&s, '[') == 0)
 *         while (jscan_more(&s, ']') == 1) {
 *             ... jscan_enter(&s, '{'), jscan_key(), jscan_string(),
 *                 jscan_skip() for what is of no interest ...
 *         }
 *     if (jscan_end(&s) == 0) ... the whole text was one valid value
 *
 * The syntax is RFC 8259's, checked as the scanner goes (strings, escapes,
 * numbers, literals, nesting up to JSCAN_MAX_DEPTH); what it skips is
 * checked as well.  Strings are handed back raw, escapes undecoded, with a
 * flag saying whether there were any.  Every function returns 0 (or 1 as
 * documented) on success and -1 on malformed input, after which the
 * scanner stays failed.  No allocation, no I/O, thread-safe; the text is
 * borrowed.
 */
#ifndef ARBIUSD_JSCAN_H
#define ARBIUSD_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define JSCAN_MAX_DEPTH 64

struct jscan {
    const char *p;   /* next byte */
    const char *end; /* one past the text */
    int depth;       /* containers entered and not left */
    uint64_t fresh;  /* bit d-1: the container at depth d has no
                        element yet */
    int failed;      /* a malformed byte was met */
};

/* Starts a scan of text[0..len). */
void jscan_init(struct jscan *s, const char *text, size_t len);

/* Enters the next value, which must be an object (open '{') or an array
 * ('[').  0 or -1. */
int jscan_enter(struct jscan *s, char open) WARN_UNUSED;

/* Inside a container whose closing bracket is close: 1 if another member
 * or element follows (the comma, if any, consumed), 0 once the bracket was
 * consumed, -1 on malformed input. */
int jscan_more(struct jscan *s, char close) WARN_UNUSED;

/* Reads an object member's key and its ':'.  *key points into the text
 * (len *klen, escapes undecoded).  0 or -1. */
int jscan_key(struct jscan *s, const char **key /* OUT */,
              size_t *klen /* OUT */) WARN_UNUSED;

/* Reads a string value: *str points into the text (len *len); *escaped
 * (may be NULL) says whether it holds escapes.  -1 if the next value is
 * not a string or is malformed. */
int jscan_string(struct jscan *s, const char **str /* OUT */,
                 size_t *len /* OUT */, int *escaped /* OUT */) WARN_UNUSED;

/* Reads true or false into *b.  -1 for any other value. */
int jscan_bool(struct jscan *s, int *b /* OUT */) WARN_UNUSED;

/* Whether the next value is null (then consumed): 1, else 0 (nothing
 * consumed); -1 on malformed input. */
int jscan_null(struct jscan *s) WARN_UNUSED;

/* Skips the next value, checking it.  0 or -1. */
int jscan_skip(struct jscan *s) WARN_UNUSED;

/* 0 if nothing but whitespace is left and every container was left. */
int jscan_end(struct jscan *s) WARN_UNUSED;

#endif
