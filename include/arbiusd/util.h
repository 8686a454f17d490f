/*
 * util.h - allocation wrappers and small helpers every module may use.
 *
 * Allocation policy: xmalloc() and friends abort the process on out-of-memory
 * (as git and kore do).  A daemon that cannot allocate a few bytes cannot do
 * anything useful, and aborting removes a whole class of untested error paths.
 * Library allocations (sqlite, curl, jansson) still report their own errors.
 */
#ifndef ARBIUSD_UTIL_H
#define ARBIUSD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define WARN_UNUSED __attribute__((warn_unused_result))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))

/* Returns new memory, caller frees; never returns NULL. */
void *xmalloc(size_t n);
/* Returns zeroed memory for nmemb*size bytes (overflow checked); never NULL. */
void *xcalloc(size_t nmemb, size_t size);
/* Resizes p (may be NULL); never returns NULL. */
void *xrealloc(void *p, size_t n);
/* Returns a new copy of s, caller frees. */
char *xstrdup(const char *s);
/* Returns a new NUL-terminated copy of the first n bytes of s, caller frees. */
char *xstrndup(const char *s, size_t n);

/*
 * Parses a whole decimal unsigned integer in [min, max] from s (no sign, no
 * trailing garbage, no empty string).  Returns 0 and sets *out, or -1.
 */
int util_parse_u64(const char *s, uint64_t min, uint64_t max,
                   uint64_t *out /* OUT */) WARN_UNUSED;

/* Monotonic clock in milliseconds / microseconds. */
uint64_t util_now_ms(void);
uint64_t util_now_us(void);
/* Wall clock, seconds since the epoch. */
int64_t util_wall_s(void);

/* Constant-time comparison of n bytes: returns 0 when equal. */
int util_memeq_ct(const void *a, const void *b, size_t n);

/* Fills buf with n cryptographically random bytes (getrandom). 0 or -1. */
int util_random(void *buf, size_t n) WARN_UNUSED;

/* Reads a whole file into a new buffer (NUL-terminated), at most max bytes.
 * Returns 0 and sets *outp / *lenp, or -1 with errno set. Caller frees. */
int util_read_file(const char *path, size_t max, char **outp /* OUT */,
                   size_t *lenp /* OUT */) WARN_UNUSED;

#endif
