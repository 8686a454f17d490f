/*
 * hex.c - hexadecimal encoding and decoding, quantities, EIP-55 addresses.
 *
 * Every parser validates the whole input before it writes anything, so a
 * failed call leaves its outputs untouched.  Log lines never quote the
 * rejected text (it may be hostile): they give lengths and positions.
 */
#include "arbiusd/hex.h"

#include <stdbool.h>
#include <string.h>

#include "arbiusd/keccak.h"
#include "arbiusd/log.h"

static const char hex_digits[] = "0123456789abcdef";

int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Skips a "0x" or "0X" prefix of (*s, *len); true if there was one. */
static bool hex_skip_prefix(const char **s, size_t *len)
{
    if (*len >= 2 && (*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X')) {
        *s += 2;
        *len -= 2;
        return true;
    }
    return false;
}

/* Returns the index of the first non-hex character of s[0..len), or len. */
static size_t hex_span(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (hex_digit_value(s[i]) < 0)
            break;
    return i;
}

/* Writes the digits of in[0..n) to out; out has room for 2*n bytes. */
static void hex_put(const uint8_t *in, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex_digits[in[i] >> 4];
        out[2 * i + 1] = hex_digits[in[i] & 0xf];
    }
}

int hex_encode(const void *in, size_t n, char *out /* OUT */, size_t outsz)
{
    /* n > (SIZE_MAX - 1) / 2 cannot fit any buffer; avoids 2*n overflow. */
    if (n > (SIZE_MAX - 1) / 2 || outsz < 2 * n + 1) {
        log_debug("hex: %zu bytes need %zu bytes of text, have %zu", n,
                  2 * n + 1, outsz);
        return -1;
    }
    hex_put(in, n, out);
    out[2 * n] = '\0';
    return 0;
}

int hex_encode_0x(const void *in, size_t n, char *out /* OUT */, size_t outsz)
{
    if (n > (SIZE_MAX - 3) / 2 || outsz < 2 * n + 3) {
        log_debug("hex: %zu bytes need %zu bytes of 0x text, have %zu", n,
                  2 * n + 3, outsz);
        return -1;
    }
    out[0] = '0';
    out[1] = 'x';
    hex_put(in, n, out + 2);
    out[2 * n + 2] = '\0';
    return 0;
}

int hex_decode(const char *s, size_t len, uint8_t *out /* OUT */,
               size_t outcap, size_t *outlen /* OUT */)
{
    size_t bad, n, i;

    hex_skip_prefix(&s, &len);
    bad = hex_span(s, len);
    if (bad != len) {
        log_debug("hex: non-hex character at digit %zu", bad);
        return -1;
    }
    if (len % 2 != 0) {
        log_debug("hex: odd number of digits (%zu)", len);
        return -1;
    }
    n = len / 2;
    if (n > outcap) {
        log_debug("hex: %zu bytes do not fit in %zu", n, outcap);
        return -1;
    }
    for (i = 0; i < n; i++) {
        int hi = hex_digit_value(s[2 * i]), lo = hex_digit_value(s[2 * i + 1]);

        out[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
    }
    *outlen = n;
    return 0;
}

int hex_decode_exact(const char *s, size_t len, uint8_t *out /* OUT */,
                     size_t n)
{
    size_t got;
    const char *p = s;
    size_t plen = len;

    /* Check the length first so a short text cannot write a partial out. */
    hex_skip_prefix(&p, &plen);
    if (n > SIZE_MAX / 2 || plen != 2 * n) {
        log_debug("hex: expected %zu bytes, text has %zu digits", n, plen);
        return -1;
    }
    return hex_decode(s, len, out, n, &got);
}

int hex_parse_digits(const char *s, size_t len, uint64_t *out /* OUT */)
{
    uint64_t v = 0;
    size_t i;

    if (len == 0 || len > HEX_QUANTITY_DIGITS) {
        log_debug("hex: quantity has %zu digits (1..%d allowed)", len,
                  HEX_QUANTITY_DIGITS);
        return -1;
    }
    for (i = 0; i < len; i++) {
        int d = hex_digit_value(s[i]);

        if (d < 0) {
            log_debug("hex: quantity has a non-hex character at %zu", i);
            return -1;
        }
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

int hex_parse_quantity(const char *s, size_t len, uint64_t *out /* OUT */)
{
    if (!hex_skip_prefix(&s, &len)) {
        log_debug("hex: quantity without 0x prefix");
        return -1;
    }
    return hex_parse_digits(s, len, out);
}

/*
 * Computes the EIP-55 spelling of the 40 lowercase digits in lower: a letter
 * is uppercased when the matching nibble of keccak256(lower) is >= 8.
 * Writes 40 characters (no NUL) to out.
 */
static void hex_checksum(const char lower[40], char out[40])
{
    uint8_t h[KECCAK256_LEN];
    size_t i;

    keccak256(lower, 40, h);
    for (i = 0; i < 40; i++) {
        unsigned nib = (i % 2 == 0) ? h[i / 2] >> 4 : h[i / 2] & 0xf;
        char c = lower[i];

        if (c >= 'a' && c <= 'f' && nib >= 8)
            c = (char)(c - 'a' + 'A');
        out[i] = c;
    }
}

int hex_format_address(const uint8_t addr[HEX_ADDR_LEN], char *out /* OUT */,
                       size_t outsz)
{
    char lower[40];

    if (outsz < HEX_ADDR_TEXT_SIZE) {
        log_debug("hex: address text needs %d bytes, have %zu",
                  HEX_ADDR_TEXT_SIZE, outsz);
        return -1;
    }
    hex_put(addr, HEX_ADDR_LEN, lower);
    out[0] = '0';
    out[1] = 'x';
    hex_checksum(lower, out + 2);
    out[HEX_ADDR_TEXT_SIZE - 1] = '\0';
    return 0;
}

int hex_parse_address(const char *s, size_t len, unsigned flags,
                      uint8_t out[HEX_ADDR_LEN] /* OUT */)
{
    uint8_t tmp[HEX_ADDR_LEN];
    bool upper = false, lower = false;
    size_t i, n;

    hex_skip_prefix(&s, &len);
    if (len != 2 * HEX_ADDR_LEN) {
        log_debug("hex: address has %zu digits, expected 40", len);
        return -1;
    }
    if (hex_decode(s, len, tmp, sizeof(tmp), &n) != 0)
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] >= 'a' && s[i] <= 'f')
            lower = true;
        else if (s[i] >= 'A' && s[i] <= 'F')
            upper = true;
    }
    if ((flags & HEX_ADDR_STRICT) && upper && lower) {
        char digits[40], want[40];

        hex_put(tmp, HEX_ADDR_LEN, digits);
        hex_checksum(digits, want);
        if (memcmp(want, s, sizeof(want)) != 0) {
            log_debug("hex: address fails its EIP-55 checksum");
            return -1;
        }
    }
    memcpy(out, tmp, HEX_ADDR_LEN);
    return 0;
}
