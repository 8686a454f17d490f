/*
 * abi.h - Solidity ABI decoding (and a little encoding) for hostile input.
 *
 * Usage: compile a type list once, decode many buffers against it.
 *
 *     struct abi_types *t;
 *     struct abi_value *args;
 *     if (abi_types_parse("uint8,address,bytes32,uint256,bytes", 35, &t) ...
 *     if (abi_decode_call(t, sel, input, input_len, &args) == 0) {
 *         abi_value_get_address(abi_value_at(args, 1), owner);
 *         abi_value_get_slice(abi_value_at(args, 4), &prompt, &prompt_len);
 *         abi_value_free(args);
 *     }
 *
 * Types: uintN/intN (N = 8..256 step 8; "uint"/"int" mean 256), address,
 * bool, bytesN (N = 1..32), bytes, string, T[], T[k] and tuples "(T,U)",
 * nested up to ABI_MAX_DEPTH.  The text is the canonical signature form:
 * no spaces, no names.
 *
 * Strictness.  The decoder accepts what solc's ABI coder v2 accepts for
 * calldata, since every transaction it is fed was accepted by a contract:
 *   - offsets may point anywhere (overlap, out of order), but a value's
 *     whole extent must lie inside the buffer, and offsets and lengths with
 *     any nonzero byte above the low 8 are rejected;
 *   - the zero padding after bytes/string content is not required (solc
 *     does not check it either; real calldata may end without it);
 *   - scalars must be canonical, as coder v2 reverts otherwise: uintN and
 *     address with nonzero high bytes, intN not sign-extended, bool other
 *     than 0 or 1 and bytesN with nonzero low bytes are rejected.
 * Budgets: at most ABI_MAX_NODES values per decode (so a tiny input cannot
 * claim 2^40 elements or fan one array out through overlapping offsets),
 * and every array's heads must fit in the bytes that follow its count.
 *
 * Errors: functions return 0 or -1, leave their outputs untouched on
 * failure and log the reason (with the byte position) at debug level.
 * The code is pure: no I/O, no global state, thread-safe.
 */
#ifndef ARBIUSD_ABI_H
#define ARBIUSD_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/buf.h"
#include "arbiusd/u256.h"
#include "arbiusd/util.h"

#define ABI_WORD 32                  /* bytes in an ABI word */
#define ABI_SELECTOR_LEN 4           /* bytes of a function selector */
#define ABI_ADDR_LEN 20              /* bytes of an address */
#define ABI_MAX_DEPTH 16             /* nesting of arrays and tuples */
#define ABI_MAX_TYPES_TEXT 4096      /* longest type list text */
#define ABI_MAX_NODES 65536          /* values one decode may produce */
#define ABI_MAX_STATIC_HEAD (1 << 22) /* largest static type, in bytes */

enum abi_kind {
    ABI_UINT,        /* uintN */
    ABI_INT,         /* intN, two's complement */
    ABI_ADDRESS,     /* address */
    ABI_BOOL,        /* bool */
    ABI_FIXED_BYTES, /* bytesN */
    ABI_BYTES,       /* bytes */
    ABI_STRING,      /* string (bytes, not validated as UTF-8) */
    ABI_ARRAY,       /* T[] */
    ABI_FIXED_ARRAY, /* T[k] */
    ABI_TUPLE,       /* (T,U,...); also the argument list itself */
};

/* A compiled type list (opaque; immutable once parsed, so shareable). */
struct abi_types;

/*
 * One decoded value.  A plain struct the caller reads; every pointer in it
 * is BORROWED from the input buffer given to abi_decode(), which must
 * outlive the tree.  Only items is owned, by the tree.
 */
struct abi_value {
    enum abi_kind kind;      /* which of the fields below are meaningful */
    unsigned size;           /* uintN/intN: N (bits); bytesN: N (bytes) */
    bool negative;           /* intN: the value is below zero */
    const uint8_t *word;     /* scalars: the 32-byte word; else NULL */
    const uint8_t *data;     /* uintN/intN: the word; address: its 20
                                bytes; bool: the last byte; bytesN: its N
                                bytes; bytes/string: the content */
    size_t len;              /* bytes at data (may be 0) */
    size_t count;            /* arrays and tuples: number of items */
    struct abi_value *items; /* arrays and tuples: the items, or NULL */
};

/*
 * Compiles the comma-separated type list s[0..len), e.g.
 * "uint8,address,bytes32,uint256,bytes" or "bytes32[],bytes[]" or
 * "(address,bytes)[]".  "" is the empty list.  Returns 0 and sets *outp to
 * a new type list the caller frees with abi_types_free(), or -1.
 */
int abi_types_parse(const char *s, size_t len,
                    struct abi_types **outp /* OUT */) WARN_UNUSED;

/* Frees a type list; NULL is a no-op. */
void abi_types_free(struct abi_types *t);

/* Returns the number of top-level types in t. */
size_t abi_types_count(const struct abi_types *t);

/*
 * Decodes data[0..len) (an ABI-encoded tuple of the types in t: function
 * arguments without the selector, return data, or event data) into a new
 * tree whose root is an ABI_TUPLE with one item per type.  Returns 0 and
 * sets *outp (caller frees with abi_value_free(); the tree borrows data),
 * or -1.  Trailing bytes after the encoding are allowed.
 */
int abi_decode(const struct abi_types *t, const uint8_t *data, size_t len,
               struct abi_value **outp /* OUT */) WARN_UNUSED;

/*
 * Decodes calldata: checks the 4-byte selector against selector (unless
 * selector is NULL) and decodes the rest as abi_decode() does.  Returns 0
 * and sets *outp (caller frees; borrows calldata), or -1.
 */
int abi_decode_call(const struct abi_types *t, const uint8_t *selector,
                    const uint8_t *calldata, size_t len,
                    struct abi_value **outp /* OUT */) WARN_UNUSED;

/* Frees a tree returned by abi_decode*(); NULL is a no-op. */
void abi_value_free(struct abi_value *v);

/*
 * Returns item i of an array or tuple value (borrowed from v's tree), or
 * NULL if v is NULL, not an array/tuple, or i >= count.
 */
const struct abi_value *abi_value_at(const struct abi_value *v, size_t i);

/*
 * Typed getters.  Each accepts v == NULL (so they chain with
 * abi_value_at()) and returns -1 if v is NULL or of another kind.
 */
/* Any scalar: copies its 32-byte word. */
int abi_value_get_word(const struct abi_value *v,
                       uint8_t out[ABI_WORD] /* OUT */) WARN_UNUSED;
/* bytes32 only. */
int abi_value_get_bytes32(const struct abi_value *v,
                          uint8_t out[32] /* OUT */) WARN_UNUSED;
/* address only. */
int abi_value_get_address(const struct abi_value *v,
                          uint8_t out[ABI_ADDR_LEN] /* OUT */) WARN_UNUSED;
/* uintN only. */
int abi_value_get_u256(const struct abi_value *v,
                       struct u256 *out /* OUT */) WARN_UNUSED;
/* uintN only, and -1 if the value does not fit in 64 bits. */
int abi_value_get_u64(const struct abi_value *v,
                      uint64_t *out /* OUT */) WARN_UNUSED;
/* bool only. */
int abi_value_get_bool(const struct abi_value *v,
                       bool *out /* OUT */) WARN_UNUSED;
/* bytes or string: sets *ptr (borrowed from the input) and *len. */
int abi_value_get_slice(const struct abi_value *v,
                        const uint8_t **ptr /* OUT */,
                        size_t *len /* OUT */) WARN_UNUSED;

/*
 * Reads an address from a 32-byte word (an indexed event topic), rejecting
 * nonzero high bytes.  Returns 0 and fills out, or -1.
 */
int abi_word_get_address(const uint8_t word[ABI_WORD],
                         uint8_t out[ABI_ADDR_LEN] /* OUT */) WARN_UNUSED;

/*
 * Writes the function selector of a canonical signature such as
 * "submitSolution(bytes32,bytes)": the first 4 bytes of its keccak256.
 */
void abi_selector(const char *sig, size_t len,
                  uint8_t out[ABI_SELECTOR_LEN] /* OUT */);

/*
 * Minimal encoder for a flat argument list of static words and dynamic
 * bytes/string values (enough for abi.encode(address,address,uint256,bytes)
 * and for building test calldata).  Build the list with the abi_arg_*()
 * helpers; they borrow their pointers.
 */
struct abi_arg {
    bool dynamic;            /* true: data/len is a bytes/string value */
    uint8_t word[ABI_WORD];  /* !dynamic: the encoded word */
    const void *data;        /* dynamic: content (borrowed) */
    size_t len;              /* dynamic: content length */
};

struct abi_arg abi_arg_u64(uint64_t v);
struct abi_arg abi_arg_u256(const struct u256 *v);
struct abi_arg abi_arg_address(const uint8_t addr[ABI_ADDR_LEN]);
struct abi_arg abi_arg_word(const uint8_t word[ABI_WORD]);
struct abi_arg abi_arg_bytes(const void *data, size_t len);

/*
 * Appends the ABI encoding of args[0..n) (heads, then the tails of the
 * dynamic values, zero-padded) to out.  Returns 0, or -1 (out unchanged)
 * if the encoding would exceed out's cap.
 */
int abi_encode_args(const struct abi_arg *args, size_t n, struct buf *out)
    WARN_UNUSED;

#endif
