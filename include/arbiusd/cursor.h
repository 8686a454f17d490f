/*
 * cursor.h - the gallery's opaque keyset cursor.
 *
 * A cursor names the sort key of the last (or first) row of a page, so the
 * next query starts right after it through an index instead of skipping
 * rows with OFFSET.  On the wire it is base64url (RFC 4648 section 5, no
 * padding) of a fixed binary layout:
 *
 *   byte 0      version, 1
 *   byte 1      sort: enum cursor_sort
 *   byte 2      direction: 0 = rows after the key, 1 = rows before it
 *   bytes 3-10  block, big-endian, 0 .. CURSOR_MAX_BLOCK
 *   bytes 11-14 log_index, big-endian, 0 .. CURSOR_MAX_LOG_INDEX
 *   bytes 15-22 CURSOR_UPVOTES: upvotes, big-endian, 0 .. INT64_MAX
 *               CURSOR_RELEVANCE: the bm25 rank as IEEE-754 bits, finite
 *
 * Decoding is strict: exactly the length of the sort's layout, canonical
 * base64url (no padding, unused trailing bits zero), every field in range.
 * Pure functions: no I/O, no allocation, no global state.
 */
#ifndef ARBIUSD_CURSOR_H
#define ARBIUSD_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

enum cursor_sort {
    CURSOR_NEWEST = 0,      /* (block, log_index) descending */
    CURSOR_OLDEST = 1,      /* (block, log_index) ascending */
    CURSOR_UPVOTES = 2,     /* (upvotes, block, log_index) descending */
    CURSOR_RELEVANCE = 3,   /* (bm25 rank, block, log_index) ascending */
};
#define CURSOR_NSORTS 4

#define CURSOR_MAX_BLOCK ((int64_t)1 << 48)
#define CURSOR_MAX_LOG_INDEX ((int64_t)1 << 20)
#define CURSOR_TEXT_SIZE 40     /* longest encoding (31) plus NUL, rounded */
#define CURSOR_MAX_TEXT 31      /* characters of the longest encoding */

struct cursor {
    uint8_t sort;               /* enum cursor_sort */
    uint8_t before;             /* 1: the page before the key */
    int64_t block;              /* key row's block */
    int64_t log_index;          /* key row's log index */
    int64_t upvotes;            /* CURSOR_UPVOTES only */
    double rank;                /* CURSOR_RELEVANCE only */
};

/*
 * Writes the base64url text of c and a NUL to out.  Returns 0, or -1 if a
 * field is out of range or outsz < CURSOR_TEXT_SIZE (out untouched).
 */
int cursor_encode(const struct cursor *c, char *out /* OUT */,
                  size_t outsz) WARN_UNUSED;

/*
 * Parses s[0..len) (need not be NUL-terminated; borrowed).  Returns 0 and
 * fills *out, or -1 (out untouched) unless s is a canonical cursor as
 * described above.
 */
int cursor_decode(const char *s, size_t len,
                  struct cursor *out /* OUT */) WARN_UNUSED;

#endif
