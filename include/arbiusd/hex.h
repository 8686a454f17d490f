/*
 * hex.h - hexadecimal text: bytes, JSON-RPC quantities, Ethereum addresses.
 *
 * Parsers take {s, len} slices and never read past len nor rely on a NUL.
 * Encoders write a NUL-terminated string and check the output size.
 * Every function returns 0 on success or -1 on failure; on failure the
 * output is left untouched and the reason is logged at debug level (the
 * caller, which knows where the text came from, decides whether it is worth
 * a warning).  Pure code: no allocation, no global state.
 */
#ifndef ARBIUSD_HEX_H
#define ARBIUSD_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define HEX_ADDR_LEN 20        /* an Ethereum address, in bytes */
#define HEX_ADDR_TEXT_SIZE 43  /* "0x" + 40 digits + NUL */
#define HEX_QUANTITY_DIGITS 16 /* most hex digits a uint64 quantity has */

/* Flags for hex_parse_address(). */
#define HEX_ADDR_STRICT 0x1u /* mixed-case text must carry a valid EIP-55
                                checksum; all-lower/all-upper still pass */

/* The value 0-15 of hex digit c (either case), or -1 if c is not one. */
int hex_digit_value(char c);

/*
 * Writes the 2*n lowercase hex digits of in[0..n) and a NUL to out.
 * Returns 0, or -1 if outsz < 2*n + 1.  Borrows in.
 */
int hex_encode(const void *in, size_t n, char *out /* OUT */, size_t outsz)
    WARN_UNUSED;

/* Same as hex_encode() with a "0x" prefix; needs outsz >= 2*n + 3. */
int hex_encode_0x(const void *in, size_t n, char *out /* OUT */,
                  size_t outsz) WARN_UNUSED;

/*
 * Decodes hex text s[0..len) with an optional "0x"/"0X" prefix, either case,
 * into out[0..outcap).  Rejects an odd digit count, any non-hex character
 * and a result longer than outcap.  "" and "0x" decode to zero bytes.
 * Returns 0 and sets *outlen to the number of bytes written, or -1.
 */
int hex_decode(const char *s, size_t len, uint8_t *out /* OUT */,
               size_t outcap, size_t *outlen /* OUT */) WARN_UNUSED;

/*
 * Like hex_decode() but the text must decode to exactly n bytes (e.g. 32
 * for a hash).  Returns 0, or -1 for any other length or bad text.
 */
int hex_decode_exact(const char *s, size_t len, uint8_t *out /* OUT */,
                     size_t n) WARN_UNUSED;

/*
 * Parses 1 to HEX_QUANTITY_DIGITS hex digits (either case, no prefix) into
 * *out.  Returns 0, or -1 for anything else.
 */
int hex_parse_digits(const char *s, size_t len,
                     uint64_t *out /* OUT */) WARN_UNUSED;

/*
 * Parses a JSON-RPC quantity such as "0x1a": a "0x" prefix followed by 1 to
 * HEX_QUANTITY_DIGITS hex digits (leading zeros tolerated).  Rejects "0x",
 * a missing prefix, signs, spaces and anything else.  Returns 0 and sets
 * *out, or -1.
 */
int hex_parse_quantity(const char *s, size_t len, uint64_t *out /* OUT */)
    WARN_UNUSED;

/*
 * Writes the EIP-55 mixed-case checksummed text of a 20-byte address
 * ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") and a NUL to out.
 * Returns 0, or -1 if outsz < HEX_ADDR_TEXT_SIZE.
 */
int hex_format_address(const uint8_t addr[HEX_ADDR_LEN],
                       char *out /* OUT */, size_t outsz) WARN_UNUSED;

/*
 * Parses an address: exactly 40 hex digits with an optional "0x" prefix,
 * case-insensitive.  With HEX_ADDR_STRICT, text mixing upper- and lowercase
 * letters must match its EIP-55 checksum.  Returns 0 and fills out, or -1.
 */
int hex_parse_address(const char *s, size_t len, unsigned flags,
                      uint8_t out[HEX_ADDR_LEN] /* OUT */) WARN_UNUSED;

#endif
