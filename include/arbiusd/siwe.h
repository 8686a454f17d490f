/*
 * siwe.h - Sign-In with Ethereum: a strict EIP-4361 message parser and
 * EIP-191 personal_sign signature recovery (libsecp256k1).
 *
 * siwe_parse() accepts exactly the text EIP-4361 defines (and the npm
 * `siwe` package prints):
 *
 *   [scheme://]domain wants you to sign in with your Ethereum account:
 *   0xEIP55ChecksummedAddress
 *
 *   optional statement (one line)
 *
 *   URI: uri
 *   Version: 1
 *   Chain ID: 1
 *   Nonce: alphanumeric, at least 8
 *   Issued At: RFC 3339 date-time
 *   [Expiration Time: RFC 3339]
 *   [Not Before: RFC 3339]
 *   [Request ID: text]
 *   [Resources:
 *   - uri ...]
 *
 * Lines end with a bare "\n"; fields come in that order; nothing follows the
 * last one (one trailing newline is refused too: the signed bytes are the
 * message).  Without a statement the two blank lines stay ("\n\n\n").
 *
 * Pure code: no allocation, no I/O, no global state.  The parsed message
 * borrows the input text (slices point into it).
 */
#ifndef ARBIUSD_SIWE_H
#define ARBIUSD_SIWE_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define SIWE_MAX_MESSAGE   4096  /* bytes of a whole message */
#define SIWE_MAX_FIELD     1024  /* bytes of one field value */
#define SIWE_MAX_RESOURCES 32    /* "- uri" lines */
#define SIWE_MIN_NONCE     8     /* EIP-4361: at least 8 alphanumerics */
#define SIWE_MAX_NONCE     128
#define SIWE_SIG_LEN       65    /* r || s || v */

struct siwe_slice {
    const char *p;             /* borrowed from the parsed text; NULL: absent */
    size_t len;
};

struct siwe_msg {
    struct siwe_slice scheme;      /* "https" when the header had one */
    struct siwe_slice domain;      /* RFC 3986 authority */
    uint8_t address[20];
    struct siwe_slice address_text; /* as written (EIP-55) */
    struct siwe_slice statement;   /* absent or one non-empty line */
    struct siwe_slice uri;
    struct siwe_slice uri_authority; /* authority part of uri (may be empty) */
    uint64_t chain_id;
    struct siwe_slice nonce;
    int64_t issued_at;             /* unix seconds (fraction dropped) */
    int has_expiration;
    int64_t expiration;            /* unix seconds, rounded up */
    int has_not_before;
    int64_t not_before;
    struct siwe_slice request_id;
    size_t nresources;
};

/*
 * Parses msg[0..len) strictly.  Returns 0 and fills *out, or -1 and writes a
 * reason naming the field ("Chain ID: not a decimal number") into err
 * (always NUL-terminated when errlen > 0); *out is then unspecified.
 */
int siwe_parse(const char *msg, size_t len, struct siwe_msg *out /* OUT */,
               char *err, size_t errlen) WARN_UNUSED;

/*
 * Parses an RFC 3339 date-time ("2026-11-23T13:47:40.123Z", "...+02:00")
 * into unix seconds (fraction dropped; *frac set when there was a non-zero
 * fraction).  Returns 0, or -1 for anything else (bad ranges included).
 */
int siwe_parse_time(const char *s, size_t len, int64_t *out /* OUT */,
                    int *frac /* OUT, may be NULL */) WARN_UNUSED;

enum siwe_sig_err {
    SIWE_SIG_OK = 0,
    SIWE_SIG_BAD_V = -1,      /* v not in {0, 1, 27, 28} */
    SIWE_SIG_HIGH_S = -2,     /* s > n/2: not canonical (EIP-2) */
    SIWE_SIG_INVALID = -3,    /* r or s zero / out of range, or no key */
};

/*
 * Recovers the address that personal_sign'ed msg[0..len): keccak256 of
 * "\x19Ethereum Signed Message:\n" + decimal len + msg (EIP-191), then
 * ECDSA public key recovery from sig (r, s, v).  Refuses a high s and any v
 * but 0, 1, 27, 28.  Returns SIWE_SIG_OK and writes the address, or a
 * negative enum siwe_sig_err.  Thread-safe.
 */
int siwe_recover(const void *msg, size_t len,
                 const uint8_t sig[SIWE_SIG_LEN],
                 uint8_t addr[20] /* OUT */) WARN_UNUSED;

/* A short English reason for an enum siwe_sig_err (static string). */
const char *siwe_sig_strerror(int err);

#endif
