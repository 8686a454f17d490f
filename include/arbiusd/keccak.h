/*
 * keccak.h - Keccak-256 as Ethereum uses it.
 *
 * This is the original Keccak submission (padding byte 0x01), NOT the
 * FIPS-202 SHA3-256 (padding 0x06): the two give different digests for the
 * same input.  keccak256("") is c5d24601...5d85a470.
 *
 * Pure code: no allocation, no I/O, no global state; safe from any thread.
 */
#ifndef ARBIUSD_KECCAK_H
#define ARBIUSD_KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK256_LEN 32    /* digest size in bytes */
#define KECCAK256_RATE 136  /* sponge rate in bytes (1600 - 2*256 bits) */

/*
 * Incremental hashing state.  A plain value the caller embeds (on the stack
 * or in a struct); the fields are private to keccak.c.
 */
struct keccak256_ctx {
    uint64_t st[25]; /* the Keccak-f[1600] state, lanes little-endian */
    size_t pos;      /* bytes absorbed into the current block, < RATE */
};

/* Starts a new hash in ctx (which needs no release). */
void keccak256_init(struct keccak256_ctx *ctx);

/* Absorbs len bytes from data (borrowed; may be NULL when len == 0). */
void keccak256_update(struct keccak256_ctx *ctx, const void *data,
                      size_t len);

/*
 * Finishes the hash and writes the 32-byte digest to out.  ctx is wiped and
 * must be keccak256_init()ed again before reuse.
 */
void keccak256_final(struct keccak256_ctx *ctx,
                     uint8_t out[KECCAK256_LEN] /* OUT */);

/* One-shot: writes keccak256(data[0..len)) to out. */
void keccak256(const void *data, size_t len,
               uint8_t out[KECCAK256_LEN] /* OUT */);

#endif
