/*
 * u256.h - unsigned 256-bit integers (token amounts, fees, uint256 words).
 *
 * struct u256 is a plain value type: copy it freely.  Conversions to and
 * from text are exact; u256_to_double() is approximate and meant for
 * sorting and charts only.  Parsers take {s, len} slices, return 0 or -1,
 * leave *out untouched on failure and log the reason at debug level.
 * Pure code: no allocation, no global state.
 */
#ifndef ARBIUSD_U256_H
#define ARBIUSD_U256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

struct u256 {
    uint64_t w[4]; /* little-endian words: w[0] is the least significant */
};

#define U256_DEC_SIZE 79       /* 78 decimal digits of 2^256-1, plus NUL */
#define U256_UNITS_SIZE 80     /* u256_to_units() worst case, plus NUL */
#define U256_MAX_DECIMALS 77   /* most decimals u256_to_units() accepts */
#define U256_TOKEN_DECIMALS 18 /* AIUS and ETH: 1 token = 10^18 wei */

/* Returns the value of the 32 big-endian bytes in (an ABI uint256 word). */
struct u256 u256_from_be32(const uint8_t in[32]);

/* Writes a as 32 big-endian bytes to out. */
void u256_to_be32(const struct u256 *a, uint8_t out[32] /* OUT */);

/* Returns v as a u256. */
struct u256 u256_from_u64(uint64_t v);

/*
 * Sets *out to the low 64 bits of a.  Returns 0, or -1 (and *out
 * untouched) if a does not fit in 64 bits.
 */
int u256_to_u64(const struct u256 *a, uint64_t *out /* OUT */) WARN_UNUSED;

/* Returns true if a < 2^64. */
bool u256_fits_u64(const struct u256 *a);

/* Returns true if a == 0. */
bool u256_is_zero(const struct u256 *a);

/* Returns -1, 0 or 1 as a is less than, equal to or greater than b. */
int u256_cmp(const struct u256 *a, const struct u256 *b);

/*
 * Sets *out = (a + b) mod 2^256; out may alias a or b.  Returns the carry:
 * 1 if the true sum overflowed 256 bits, else 0.
 */
int u256_add(const struct u256 *a, const struct u256 *b,
             struct u256 *out /* OUT */) WARN_UNUSED;

/*
 * Sets *out = (a - b) mod 2^256; out may alias a or b.  Returns the borrow:
 * 1 if b > a (the result wrapped), else 0.
 */
int u256_sub(const struct u256 *a, const struct u256 *b,
             struct u256 *out /* OUT */) WARN_UNUSED;

/* Returns a as the nearest double (approximate; for sorting only). */
double u256_to_double(const struct u256 *a);

/*
 * Parses a decimal integer: 1 or more ASCII digits, leading zeros allowed,
 * no sign, no spaces.  Returns 0 and sets *out, or -1 on any other
 * character, empty text or a value >= 2^256.
 */
int u256_from_dec(const char *s, size_t len, struct u256 *out /* OUT */)
    WARN_UNUSED;

/*
 * Parses a hex quantity "0x..." of 1 to 64 hex digits (either case).
 * Returns 0 and sets *out, or -1.
 */
int u256_from_hex(const char *s, size_t len, struct u256 *out /* OUT */)
    WARN_UNUSED;

/*
 * Writes a in decimal, without leading zeros ("0" for zero), and a NUL.
 * Returns 0, or -1 if outsz is too small (U256_DEC_SIZE always suffices).
 */
int u256_to_dec(const struct u256 *a, char *out /* OUT */, size_t outsz)
    WARN_UNUSED;

/*
 * Writes a / 10^decimals exactly as decimal text, trailing fractional zeros
 * trimmed: with 18 decimals 1.5e18 -> "1.5", 3.5e15 -> "0.0035", 0 -> "0",
 * 2e18 -> "2".  decimals is at most U256_MAX_DECIMALS.  Returns 0, or -1
 * for a bad decimals value or if outsz is too small (U256_UNITS_SIZE always
 * suffices).
 */
int u256_to_units(const struct u256 *a, unsigned decimals,
                  char *out /* OUT */, size_t outsz) WARN_UNUSED;

#endif
