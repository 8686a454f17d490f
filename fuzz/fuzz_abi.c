/*
 * fuzz_abi.c - libFuzzer target for the ABI decoder (src/codec/abi.c).
 *
 * Input layout: byte 0 picks the mode, the rest is the payload.
 *   - (byte0 & 0x7f) % (N + 1) < N: decode the payload against fuzz_types[i];
 *   - otherwise: the payload is "<type list>\n<data>": the type list parser
 *     is fuzzed too, then the data is decoded against what it produced;
 *   - byte0 & 0x80: decode through abi_decode_call() (payload starts with a
 *     4-byte selector) instead of abi_decode().
 * Every decoded tree is walked byte by byte and fed to the accessors and to
 * cid_format_v0(), so a slice that strays outside the input trips ASan.
 *
 * fuzz_types[] is append-only: the seed corpus in fuzz/corpus/abi/ refers
 * to its entries by index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/abi.h"
#include "arbiusd/cid.h"
#include "arbiusd/hex.h"
#include "arbiusd/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_types[] = {
    /* 0-2: engine and router submitTask variants */
    "uint8,address,bytes32,uint256,bytes",
    "uint8,address,bytes32,uint256,bytes,uint256",
    "uint8,address,bytes32,uint256,bytes,uint256,uint256",
    /* 3-5: solutions and incentives */
    "bytes32,bytes",
    "bytes32[],bytes[]",
    "bytes32,(address,bytes)[]",
    /* 6-7: the Solidity ABI spec's examples */
    "uint256,uint32[],bytes10,bytes",
    "uint256[][],string[]",
    /* 8-9: event data */
    "uint256,uint256,uint256,uint256",
    "bool",
    /* 10-13: view return data and registerModelWithAllowList */
    "bytes32,uint256,address,uint64,uint8,bytes",
    "address,uint64,bool,bytes",
    "uint256,address,uint256,bytes",
    "address,uint256,bytes,address[]",
    /* 14-17: shapes that stress the layout code */
    "(uint256,address)[2],bool,uint8[3]",
    "bytes[2],string",
    "int8,int256,bytes4,bytes31",
    "((bytes,uint8[])[],string)[3],uint256[][][]",
};

#define FUZZ_NTYPES (sizeof(fuzz_types) / sizeof(fuzz_types[0]))
#define FUZZ_MAX_TYPES_TEXT 256 /* custom type lists longer are cut */

static struct abi_types *fuzz_compiled[FUZZ_NTYPES];

/* Compiles the fixed type lists once; they live until exit. */
static void fuzz_init(void)
{
    static int done;
    size_t i;

    if (done)
        return;
    log_init(LOG_LVL_ERROR); /* decode failures log at debug: keep quiet */
    for (i = 0; i < FUZZ_NTYPES; i++) {
        if (abi_types_parse(fuzz_types[i], strlen(fuzz_types[i]),
                            &fuzz_compiled[i]) != 0)
            abort();
    }
    done = 1;
}

/* Reads every byte and every accessor of v; returns a checksum. */
static unsigned fuzz_walk(const struct abi_value *v)
{
    uint8_t word[ABI_WORD], addr[ABI_ADDR_LEN];
    char text[CID_V0_TEXT_SIZE + 2 * ABI_WORD];
    const uint8_t *p;
    struct u256 u;
    uint64_t u64;
    unsigned sum = 0;
    size_t i, n;
    bool b;

    if (v->word)
        for (i = 0; i < ABI_WORD; i++)
            sum += v->word[i];
    for (i = 0; i < v->len; i++)
        sum += v->data[i];
    sum += (unsigned)abi_value_get_word(v, word);
    sum += (unsigned)abi_value_get_bytes32(v, word);
    sum += (unsigned)abi_value_get_address(v, addr);
    sum += (unsigned)abi_value_get_u256(v, &u);
    sum += (unsigned)abi_value_get_u64(v, &u64);
    sum += (unsigned)abi_value_get_bool(v, &b);
    if (abi_value_get_slice(v, &p, &n) == 0) {
        /* Solution cids come from such slices: hostile bytes. */
        sum += (unsigned)cid_format_v0(p, n, text, sizeof(text));
        if (n <= ABI_WORD)
            sum += (unsigned)hex_encode(p, n, text, sizeof(text));
    }
    for (i = 0; i < v->count; i++)
        sum += fuzz_walk(abi_value_at(v, i));
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct abi_types *custom = NULL;
    const struct abi_types *t;
    struct abi_value *v = NULL;
    const uint8_t *payload;
    size_t plen, idx;
    int call, rc;

    fuzz_init();
    if (size < 1)
        return 0;
    idx = (size_t)(data[0] & 0x7f) % (FUZZ_NTYPES + 1);
    call = (data[0] & 0x80) != 0;
    payload = data + 1;
    plen = size - 1;

    if (idx < FUZZ_NTYPES) {
        t = fuzz_compiled[idx];
    } else {
        const uint8_t *nl = memchr(payload, '\n', plen);
        size_t tlen = nl ? (size_t)(nl - payload) : plen;

        if (tlen > FUZZ_MAX_TYPES_TEXT)
            return 0;
        if (abi_types_parse((const char *)payload, tlen, &custom) != 0)
            return 0;
        t = custom;
        payload += nl ? tlen + 1 : tlen;
        plen -= nl ? tlen + 1 : tlen;
    }

    if (call)
        rc = abi_decode_call(t, NULL, payload, plen, &v);
    else
        rc = abi_decode(t, payload, plen, &v);
    if (rc == 0) {
        volatile unsigned sink = fuzz_walk(v);

        (void)sink;
        abi_value_free(v);
    }
    abi_types_free(custom);
    return 0;
}
