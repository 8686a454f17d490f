/*
 * base58.c - base58btc encoding and decoding.
 *
 * The classic big-number-in-a-byte-array conversion (as in Bitcoin Core's
 * base58.cpp): each input digit is multiplied into a scratch number held in
 * the output base.  Scratch buffers are fixed-size arrays sized from the
 * named limits in base58.h, so nothing is allocated.
 */
#include "arbiusd/base58.h"

#include <string.h>

#include "arbiusd/log.h"

static const char base58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base-58 digits needed for n bytes: n * log(256)/log(58) < n * 1.38. */
#define BASE58_DIGITS_FOR(n) ((n) * 138 / 100 + 1)
/* Bytes needed for n base-58 digits: n * log(58)/log(256) < n * 0.733. */
#define BASE58_BYTES_FOR(n) ((n) * 733 / 1000 + 1)

/* Returns the value of base58 character c, or -1 if c is not one. */
static int base58_value(char c)
{
    /* The length excludes the alphabet's NUL, so '\0' is rejected too. */
    const char *p = memchr(base58_alphabet, c, sizeof(base58_alphabet) - 1);

    return p ? (int)(p - base58_alphabet) : -1;
}

int base58_encode(const uint8_t *in, size_t n, char *out /* OUT */,
                  size_t outsz)
{
    uint8_t digits[BASE58_DIGITS_FOR(BASE58_MAX_BYTES)];
    size_t zeros = 0, size, length = 0, start, i, j, k;

    if (n > BASE58_MAX_BYTES) {
        log_debug("base58: %zu bytes exceed the %d-byte limit", n,
                  BASE58_MAX_BYTES);
        return -1;
    }
    while (zeros < n && in[zeros] == 0)
        zeros++;
    size = BASE58_DIGITS_FOR(n - zeros);
    memset(digits, 0, size);
    for (i = zeros; i < n; i++) {
        unsigned carry = in[i];

        /* digits[size - length .. size) holds the number so far. */
        k = 0;
        for (j = size; j > 0 && (carry != 0 || k < length); j--, k++) {
            carry += 256u * digits[j - 1];
            digits[j - 1] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        length = k;
    }
    start = size - length;
    while (start < size && digits[start] == 0)
        start++;
    if (outsz < zeros + (size - start) + 1) {
        log_debug("base58: %zu characters do not fit in %zu bytes",
                  zeros + (size - start), outsz);
        return -1;
    }
    memset(out, '1', zeros);
    for (i = start; i < size; i++)
        out[zeros + i - start] = base58_alphabet[digits[i]];
    out[zeros + size - start] = '\0';
    return 0;
}

int base58_decode(const char *s, size_t len, uint8_t *out /* OUT */,
                  size_t outcap, size_t *outlen /* OUT */)
{
    uint8_t bytes[BASE58_BYTES_FOR(BASE58_MAX_TEXT)];
    size_t zeros = 0, size, length = 0, start, total, i, j, k;

    if (len > BASE58_MAX_TEXT) {
        log_debug("base58: %zu characters exceed the %d limit", len,
                  BASE58_MAX_TEXT);
        return -1;
    }
    while (zeros < len && s[zeros] == '1')
        zeros++;
    size = BASE58_BYTES_FOR(len - zeros);
    memset(bytes, 0, size);
    for (i = zeros; i < len; i++) {
        int v = base58_value(s[i]);
        unsigned carry;

        if (v < 0) {
            log_debug("base58: invalid character at position %zu", i);
            return -1;
        }
        carry = (unsigned)v;
        k = 0;
        for (j = size; j > 0 && (carry != 0 || k < length); j--, k++) {
            carry += 58u * bytes[j - 1];
            bytes[j - 1] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        length = k;
    }
    start = size - length;
    while (start < size && bytes[start] == 0)
        start++;
    total = zeros + (size - start);
    if (total > outcap) {
        log_debug("base58: %zu bytes do not fit in %zu", total, outcap);
        return -1;
    }
    if (total > 0) {
        memset(out, 0, zeros);
        memcpy(out + zeros, bytes + start, size - start);
    }
    *outlen = total;
    return 0;
}
