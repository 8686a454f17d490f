/*
 * base58.h - base58btc (Bitcoin alphabet) as used by IPFS CIDv0 "Qm..." text.
 *
 * Each leading zero byte is written as a leading '1' and vice versa.  Both
 * directions are quadratic in the input size, so inputs are capped at
 * named limits (far above the 34-byte multihashes this daemon handles).
 * Functions return 0 or -1, leave outputs untouched on failure and log the
 * reason at debug level.  Pure code: no allocation, no global state.
 */
#ifndef ARBIUSD_BASE58_H
#define ARBIUSD_BASE58_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define BASE58_MAX_BYTES 256 /* longest binary input/output */
#define BASE58_MAX_TEXT 350  /* longest text: >= 256 * log(256)/log(58) */

/*
 * Writes the base58btc text of in[0..n) and a NUL to out.  Returns 0, or -1
 * if n > BASE58_MAX_BYTES or outsz is too small (BASE58_MAX_TEXT + 1
 * always suffices).  Borrows in.
 */
int base58_encode(const uint8_t *in, size_t n, char *out /* OUT */,
                  size_t outsz) WARN_UNUSED;

/*
 * Decodes base58btc text s[0..len) into out[0..outcap).  Rejects characters
 * outside the alphabet (including '0', 'O', 'I', 'l', spaces and NUL), text
 * longer than BASE58_MAX_TEXT and results longer than outcap.  "" decodes
 * to zero bytes.  Returns 0 and sets *outlen, or -1.
 */
int base58_decode(const char *s, size_t len, uint8_t *out /* OUT */,
                  size_t outcap, size_t *outlen /* OUT */) WARN_UNUSED;

#endif
