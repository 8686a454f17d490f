/*
 * test_abi.c - the ABI decoder on Arbius calldata and event data, the
 * Solidity documentation's examples, hostile encodings, and the model-id
 * cross-check keccak256(abi.encode(sender, addr, fee, cid)).
 *
 * The Arbius calldata vectors below were produced by an independent
 * encoder (not abi.c); their arguments are: version 0, owner
 * 0x1298F8A9...fEA168, model 0xa473c70e... (WAI), fee 3.5e15, input
 * {"prompt":"a cat"}; router extras incentive 1e15 and gas 200000; task
 * 0xc0ffee...ee and the wai_v120 template cid as a solution cid.
 */
#include "arbiusd/abi.h"

#include <jansson.h>
#include <string.h>

#include "arbiusd/hex.h"
#include "arbiusd/keccak.h"
#include "arbiusd/util.h"
#include "unit.h"

static const char submit_task_hex[] =
    "08745dd1"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000001298f8a91b046d7fcbd5454cd3331ba6f4fea168"
    "a473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0"
    "000000000000000000000000000000000000000000000000000c6f3b40b6c000"
    "00000000000000000000000000000000000000000000000000000000000000a0"
    "0000000000000000000000000000000000000000000000000000000000000012"
    "7b2270726f6d7074223a226120636174227d0000000000000000000000000000";

static const char bulk_submit_task_hex[] =
    "08afe0eb"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000001298f8a91b046d7fcbd5454cd3331ba6f4fea168"
    "a473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0"
    "000000000000000000000000000000000000000000000000000c6f3b40b6c000"
    "00000000000000000000000000000000000000000000000000000000000000c0"
    "0000000000000000000000000000000000000000000000000000000000000005"
    "0000000000000000000000000000000000000000000000000000000000000012"
    "7b2270726f6d7074223a226120636174227d0000000000000000000000000000";

static const char router_submit_task_hex[] =
    "fb53f5b1"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000001298f8a91b046d7fcbd5454cd3331ba6f4fea168"
    "a473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0"
    "000000000000000000000000000000000000000000000000000c6f3b40b6c000"
    "00000000000000000000000000000000000000000000000000000000000000e0"
    "00000000000000000000000000000000000000000000000000038d7ea4c68000"
    "0000000000000000000000000000000000000000000000000000000000030d40"
    "0000000000000000000000000000000000000000000000000000000000000012"
    "7b2270726f6d7074223a226120636174227d0000000000000000000000000000";

static const char submit_solution_hex[] =
    "56914caf"
    "c0ffee00000000000000000000000000000000000000000000000000000000ee"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "0000000000000000000000000000000000000000000000000000000000000022"
    "12209bbb77e66fb13200a8344a8bd04f25d2f40f55611dc99c254d67de2eb3d6"
    "9acf000000000000000000000000000000000000000000000000000000000000";

static const char bulk_submit_solution_hex[] =
    "65d445fb"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "00000000000000000000000000000000000000000000000000000000000000c0"
    "0000000000000000000000000000000000000000000000000000000000000003"
    "0101010101010101010101010101010101010101010101010101010101010101"
    "0202020202020202020202020202020202020202020202020202020202020202"
    "0303030303030303030303030303030303030303030303030303030303030303"
    "0000000000000000000000000000000000000000000000000000000000000003"
    "0000000000000000000000000000000000000000000000000000000000000060"
    "00000000000000000000000000000000000000000000000000000000000000c0"
    "0000000000000000000000000000000000000000000000000000000000000120"
    "0000000000000000000000000000000000000000000000000000000000000022"
    "12209bbb77e66fb13200a8344a8bd04f25d2f40f55611dc99c254d67de2eb3d6"
    "9acf000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000022"
    "1220abababababababababababababababababababababababababababababab"
    "abab000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000";

static const char claim_incentive_hex[] =
    "e93ae81c"
    "c0ffee00000000000000000000000000000000000000000000000000000000ee"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "0000000000000000000000000000000000000000000000000000000000000002"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "0000000000000000000000000000000000000000000000000000000000000100"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "0000000000000000000000000000000000000000000000000000000000000041"
    "1111111111111111111111111111111111111111111111111111111111111111"
    "1111111111111111111111111111111111111111111111111111111111111111"
    "1100000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000ff"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "0000000000000000000000000000000000000000000000000000000000000000";

/* The Solidity ABI spec's examples, with their published encodings. */
static const char docs_f_hex[] =
    "8be65246"
    "0000000000000000000000000000000000000000000000000000000000000123"
    "0000000000000000000000000000000000000000000000000000000000000080"
    "3132333435363738393000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000e0"
    "0000000000000000000000000000000000000000000000000000000000000002"
    "0000000000000000000000000000000000000000000000000000000000000456"
    "0000000000000000000000000000000000000000000000000000000000000789"
    "000000000000000000000000000000000000000000000000000000000000000d"
    "48656c6c6f2c20776f726c642100000000000000000000000000000000000000";

static const char docs_g_hex[] =
    "2289b18c"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "0000000000000000000000000000000000000000000000000000000000000140"
    "0000000000000000000000000000000000000000000000000000000000000002"
    "0000000000000000000000000000000000000000000000000000000000000040"
    "00000000000000000000000000000000000000000000000000000000000000a0"
    "0000000000000000000000000000000000000000000000000000000000000002"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "0000000000000000000000000000000000000000000000000000000000000002"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "0000000000000000000000000000000000000000000000000000000000000003"
    "0000000000000000000000000000000000000000000000000000000000000003"
    "0000000000000000000000000000000000000000000000000000000000000060"
    "00000000000000000000000000000000000000000000000000000000000000a0"
    "00000000000000000000000000000000000000000000000000000000000000e0"
    "0000000000000000000000000000000000000000000000000000000000000003"
    "6f6e650000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000003"
    "74776f0000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000005"
    "7468726565000000000000000000000000000000000000000000000000000000";

static const char owner_hex[] = "1298f8a91b046d7fcbd5454cd3331ba6f4fea168";
static const char model_hex[] =
    "a473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0";
static const char task_hex[] =
    "c0ffee00000000000000000000000000000000000000000000000000000000ee";
static const char wai_cid_hex[] =
    "12209bbb77e66fb13200a8344a8bd04f25d2f40f55611dc99c254d67de2eb3d69acf";
static const char prompt[] = "{\"prompt\":\"a cat\"}";

/* Decodes hex text the test knows is valid into a new buffer. */
static uint8_t *unhex(const char *s, size_t *len)
{
    size_t cap = strlen(s) / 2 + 1;
    uint8_t *out = xmalloc(cap);

    ck_assert_msg(hex_decode(s, strlen(s), out, cap, len) == 0,
                  "bad test hex");
    return out;
}

/* Decodes exactly n bytes of hex into out. */
static void unhex_n(const char *s, uint8_t *out, size_t n)
{
    ck_assert_int_eq(hex_decode_exact(s, strlen(s), out, n), 0);
}

/* Compiles a type list the test knows is valid. */
static struct abi_types *types(const char *s)
{
    struct abi_types *t = NULL;

    ck_assert_msg(abi_types_parse(s, strlen(s), &t) == 0, "rejected %s", s);
    return t;
}

/* Asserts that decoding hex data (no selector) against type list ts fails. */
static void check_rejects(const char *ts, const char *data_hex)
{
    struct abi_types *t = types(ts);
    struct abi_value *v = (struct abi_value *)&v; /* must stay untouched */
    struct abi_value *sentinel = v;
    size_t len;
    uint8_t *data = unhex(data_hex, &len);

    ck_assert_msg(abi_decode(t, data, len, &v) == -1, "accepted %s: %s", ts,
                  data_hex);
    ck_assert_ptr_eq(v, sentinel);
    free(data);
    abi_types_free(t);
}

/* Decodes hex data (no selector) against ts, which must succeed. */
static struct abi_value *decode_ok(const struct abi_types *t,
                                   const uint8_t *data, size_t len)
{
    struct abi_value *v = NULL;

    ck_assert_int_eq(abi_decode(t, data, len, &v), 0);
    ck_assert_ptr_nonnull(v);
    return v;
}

/* Asserts v is a uintN equal to want. */
static void check_u64(const struct abi_value *v, uint64_t want)
{
    uint64_t got = ~want;

    ck_assert_int_eq(abi_value_get_u64(v, &got), 0);
    ck_assert_uint_eq(got, want);
}

/* Asserts v is bytes/string with content want[0..n). */
static void check_slice(const struct abi_value *v, const void *want, size_t n)
{
    const uint8_t *p = NULL;
    size_t len = 99;

    ck_assert_int_eq(abi_value_get_slice(v, &p, &len), 0);
    ck_assert_uint_eq(len, n);
    if (n > 0)
        ck_assert_mem_eq(p, want, n);
}

/* Asserts v is bytes32 equal to the 64-digit hex want. */
static void check_bytes32(const struct abi_value *v, const char *want)
{
    uint8_t got[32], exp[32];

    unhex_n(want, exp, 32);
    ck_assert_int_eq(abi_value_get_bytes32(v, got), 0);
    ck_assert_mem_eq(got, exp, 32);
}

/* Asserts v is an address equal to the 40-digit hex want. */
static void check_address(const struct abi_value *v, const char *want)
{
    uint8_t got[20], exp[20];

    unhex_n(want, exp, 20);
    ck_assert_int_eq(abi_value_get_address(v, got), 0);
    ck_assert_mem_eq(got, exp, 20);
}

/*
 * Decodes calldata hex against sig ("name(types)"), checking the selector
 * against keccak256(sig) and the text's first 4 bytes.  Returns the tree;
 * *bufp receives the calldata, which the tree borrows (caller frees both).
 */
static struct abi_value *decode_call(const char *sig, const char *hex,
                                     uint8_t **bufp)
{
    const char *open = strchr(sig, '(');
    struct abi_types *t;
    struct abi_value *v = NULL;
    uint8_t sel[ABI_SELECTOR_LEN];
    size_t len, tl;
    uint8_t *data;
    char *ts;

    ck_assert_ptr_nonnull(open);
    tl = strlen(open) - 2;
    ts = xstrndup(open + 1, tl);
    t = types(ts);
    data = unhex(hex, &len);
    abi_selector(sig, strlen(sig), sel);
    ck_assert_mem_eq(sel, data, ABI_SELECTOR_LEN);
    ck_assert_int_eq(abi_decode_call(t, sel, data, len, &v), 0);
    ck_assert_uint_eq(v->kind, ABI_TUPLE);
    ck_assert_uint_eq(v->count, abi_types_count(t));
    abi_types_free(t); /* the tree does not borrow the type list */
    free(ts);
    *bufp = data;
    return v;
}

START_TEST(test_abi__types_parse)
{
    static const struct {
        const char *text;
        size_t count;
    } ok[] = {
        { "", 0 },
        { "uint8,address,bytes32,uint256,bytes", 5 },
        { "uint8,address,bytes32,uint256,bytes,uint256,uint256", 7 },
        { "bytes32[],bytes[]", 2 },
        { "(address,bytes)[]", 1 },
        { "bytes32,(address,bytes)[]", 2 },
        { "uint,int,int8,int256,uint24,bytes1,bytes16,bool,string", 9 },
        { "uint256[2][],string[3]", 2 },
        { "((uint8,(bool,address[])[2]),bytes)", 1 },
        { "uint256[65536]", 1 },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(ok); i++) {
        struct abi_types *t = types(ok[i].text);

        ck_assert_uint_eq(abi_types_count(t), ok[i].count);
        abi_types_free(t);
    }
    abi_types_free(NULL);
}
END_TEST

START_TEST(test_abi__types_reject)
{
    static const char *bad[] = {
        ",", "uint256,", ",uint256", "uint256,,bool", " uint256",
        "uint256 ", "uint256, bool", "Uint256", "uint7", "uint0", "uint264",
        "uint08", "int1", "uint2560", "bytes0", "bytes33", "bytes01",
        "fixed128x18", "ufixed", "function", "tuple(uint256)", "foo",
        "(", ")", "()", "(uint256", "uint256)", "(uint256,)", "((uint256)",
        "uint256[", "uint256]", "uint256[0]", "uint256[01]", "uint256[x]",
        "uint256[-1]", "uint256[65537]", "uint256[1000000000]",
        "uint256[65536][65536]", "uint256[][", "address payable",
        "uint256\n", "bool;", "(bool)(bool)", "[]", "bytes32[]x",
    };
    struct abi_types *t = (struct abi_types *)&t;
    struct abi_types *sentinel = t;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        ck_assert_msg(abi_types_parse(bad[i], strlen(bad[i]), &t) == -1,
                      "accepted \"%s\"", bad[i]);
        ck_assert_ptr_eq(t, sentinel);
    }
    /* Embedded NUL: only len bytes count, and NUL is not a type char. */
    ck_assert_int_eq(abi_types_parse("bool\0bool", 9, &t), -1);
}
END_TEST

START_TEST(test_abi__types_depth)
{
    char text[256];
    struct abi_types *t = NULL;
    size_t n = 0, i;

    /* 16 nested arrays are allowed, 17 are not. */
    n = (size_t)snprintf(text, sizeof(text), "uint8");
    for (i = 0; i < ABI_MAX_DEPTH; i++)
        text[n++] = '[', text[n++] = ']';
    ck_assert_int_eq(abi_types_parse(text, n, &t), 0);
    abi_types_free(t);
    text[n++] = '[';
    text[n++] = ']';
    ck_assert_int_eq(abi_types_parse(text, n, &t), -1);

    /* The same for tuples. */
    n = 0;
    for (i = 0; i < ABI_MAX_DEPTH; i++)
        text[n++] = '(';
    memcpy(text + n, "bool", 4);
    n += 4;
    for (i = 0; i < ABI_MAX_DEPTH; i++)
        text[n++] = ')';
    ck_assert_int_eq(abi_types_parse(text, n, &t), 0);
    abi_types_free(t);
    memmove(text + 1, text, n);
    text[0] = '(';
    text[++n] = ')';
    n++;
    ck_assert_int_eq(abi_types_parse(text, n, &t), -1);

    /* And the text length limit. */
    {
        char *big = xmalloc(ABI_MAX_TYPES_TEXT + 8);

        memset(big, 'x', ABI_MAX_TYPES_TEXT + 8);
        ck_assert_int_eq(abi_types_parse(big, ABI_MAX_TYPES_TEXT + 1, &t),
                         -1);
        free(big);
    }
}
END_TEST

START_TEST(test_abi__submit_task)
{
    uint8_t *buf;
    struct abi_value *v = decode_call(
        "submitTask(uint8,address,bytes32,uint256,bytes)", submit_task_hex,
        &buf);
    struct u256 fee;
    char dec[U256_DEC_SIZE];

    check_u64(abi_value_at(v, 0), 0);
    ck_assert_uint_eq(abi_value_at(v, 0)->size, 8);
    check_address(abi_value_at(v, 1), owner_hex);
    check_bytes32(abi_value_at(v, 2), model_hex);
    ck_assert_int_eq(abi_value_get_u256(abi_value_at(v, 3), &fee), 0);
    ck_assert_int_eq(u256_to_dec(&fee, dec, sizeof(dec)), 0);
    ck_assert_str_eq(dec, "3500000000000000");
    check_slice(abi_value_at(v, 4), prompt, strlen(prompt));
    abi_value_free(v);
    free(buf);
}
END_TEST

START_TEST(test_abi__bulk_submit_task)
{
    uint8_t *buf;
    struct abi_value *v = decode_call(
        "bulkSubmitTask(uint8,address,bytes32,uint256,bytes,uint256)",
        bulk_submit_task_hex, &buf);

    check_address(abi_value_at(v, 1), owner_hex);
    check_bytes32(abi_value_at(v, 2), model_hex);
    check_u64(abi_value_at(v, 3), 3500000000000000ULL);
    check_slice(abi_value_at(v, 4), prompt, strlen(prompt));
    check_u64(abi_value_at(v, 5), 5);
    abi_value_free(v);
    free(buf);
}
END_TEST

START_TEST(test_abi__router_submit_task)
{
    uint8_t *buf;
    struct abi_value *v = decode_call(
        "submitTask(uint8,address,bytes32,uint256,bytes,uint256,uint256)",
        router_submit_task_hex, &buf);

    ck_assert_uint_eq(buf[0], 0xfb);
    check_address(abi_value_at(v, 1), owner_hex);
    check_u64(abi_value_at(v, 3), 3500000000000000ULL);
    check_slice(abi_value_at(v, 4), prompt, strlen(prompt));
    check_u64(abi_value_at(v, 5), 1000000000000000ULL);
    check_u64(abi_value_at(v, 6), 200000);
    abi_value_free(v);
    free(buf);
}
END_TEST

START_TEST(test_abi__submit_solution)
{
    uint8_t *buf, cid[34];
    struct abi_value *v = decode_call("submitSolution(bytes32,bytes)",
                                      submit_solution_hex, &buf);

    unhex_n(wai_cid_hex, cid, sizeof(cid));
    check_bytes32(abi_value_at(v, 0), task_hex);
    check_slice(abi_value_at(v, 1), cid, sizeof(cid));
    abi_value_free(v);
    free(buf);
}
END_TEST

START_TEST(test_abi__bulk_submit_solution)
{
    uint8_t *buf, cid0[34], cid1[34];
    struct abi_value *v = decode_call("bulkSubmitSolution(bytes32[],bytes[])",
                                      bulk_submit_solution_hex, &buf);
    const struct abi_value *ids = abi_value_at(v, 0);
    const struct abi_value *cids = abi_value_at(v, 1);
    size_t i;

    unhex_n(wai_cid_hex, cid0, sizeof(cid0));
    cid1[0] = 0x12;
    cid1[1] = 0x20;
    memset(cid1 + 2, 0xab, 32);
    ck_assert_uint_eq(ids->kind, ABI_ARRAY);
    ck_assert_uint_eq(ids->count, 3);
    ck_assert_uint_eq(cids->count, 3);
    for (i = 0; i < 3; i++) {
        uint8_t want[32], got[32];

        memset(want, (int)(i + 1), sizeof(want));
        ck_assert_int_eq(abi_value_get_bytes32(abi_value_at(ids, i), got), 0);
        ck_assert_mem_eq(got, want, 32);
    }
    check_slice(abi_value_at(cids, 0), cid0, sizeof(cid0));
    check_slice(abi_value_at(cids, 1), cid1, sizeof(cid1));
    check_slice(abi_value_at(cids, 2), "", 0);
    ck_assert_ptr_null(abi_value_at(cids, 3));
    abi_value_free(v);
    free(buf);
}
END_TEST

START_TEST(test_abi__claim_incentive_tuples)
{
    uint8_t *buf, sig0[65];
    struct abi_value *v = decode_call(
        "claimIncentive(bytes32,(address,bytes)[])", claim_incentive_hex,
        &buf);
    const struct abi_value *sigs = abi_value_at(v, 1);
    const struct abi_value *s0 = abi_value_at(sigs, 0);
    const struct abi_value *s1 = abi_value_at(sigs, 1);

    memset(sig0, 0x11, sizeof(sig0));
    check_bytes32(abi_value_at(v, 0), task_hex);
    ck_assert_uint_eq(sigs->count, 2);
    ck_assert_uint_eq(s0->kind, ABI_TUPLE);
    ck_assert_uint_eq(s0->count, 2);
    check_address(abi_value_at(s0, 0),
                  "0000000000000000000000000000000000000001");
    check_slice(abi_value_at(s0, 1), sig0, sizeof(sig0));
    check_address(abi_value_at(s1, 0),
                  "00000000000000000000000000000000000000ff");
    check_slice(abi_value_at(s1, 1), "", 0);
    abi_value_free(v);
    free(buf);
}
END_TEST

/* The Solidity docs: f(0x123, [0x456, 0x789], "1234567890", "Hello, world!") */
START_TEST(test_abi__solidity_docs_f)
{
    uint8_t *buf;
    struct abi_value *v = decode_call("f(uint256,uint32[],bytes10,bytes)",
                                      docs_f_hex, &buf);
    const struct abi_value *arr = abi_value_at(v, 1);
    const struct abi_value *b10 = abi_value_at(v, 2);
    uint8_t word[32];

    check_u64(abi_value_at(v, 0), 0x123);
    ck_assert_uint_eq(arr->count, 2);
    check_u64(abi_value_at(arr, 0), 0x456);
    check_u64(abi_value_at(arr, 1), 0x789);
    ck_assert_uint_eq(abi_value_at(arr, 1)->size, 32);
    ck_assert_uint_eq(b10->kind, ABI_FIXED_BYTES);
    ck_assert_uint_eq(b10->len, 10);
    ck_assert_mem_eq(b10->data, "1234567890", 10);
    ck_assert_int_eq(abi_value_get_bytes32(b10, word), -1); /* not bytes32 */
    ck_assert_int_eq(abi_value_get_word(b10, word), 0);
    check_slice(abi_value_at(v, 3), "Hello, world!", 13);
    abi_value_free(v);
    free(buf);
}
END_TEST

/* The Solidity docs: g([[1, 2], [3]], ["one", "two", "three"]) */
START_TEST(test_abi__solidity_docs_g)
{
    uint8_t *buf;
    struct abi_value *v = decode_call("g(uint256[][],string[])", docs_g_hex,
                                      &buf);
    const struct abi_value *outer = abi_value_at(v, 0);
    const struct abi_value *strs = abi_value_at(v, 1);

    ck_assert_uint_eq(outer->count, 2);
    ck_assert_uint_eq(abi_value_at(outer, 0)->count, 2);
    check_u64(abi_value_at(abi_value_at(outer, 0), 0), 1);
    check_u64(abi_value_at(abi_value_at(outer, 0), 1), 2);
    ck_assert_uint_eq(abi_value_at(outer, 1)->count, 1);
    check_u64(abi_value_at(abi_value_at(outer, 1), 0), 3);
    ck_assert_uint_eq(strs->count, 3);
    ck_assert_uint_eq(abi_value_at(strs, 0)->kind, ABI_STRING);
    check_slice(abi_value_at(strs, 0), "one", 3);
    check_slice(abi_value_at(strs, 1), "two", 3);
    check_slice(abi_value_at(strs, 2), "three", 5);
    abi_value_free(v);
    free(buf);
}
END_TEST

/* TaskSubmitted from a real Arbitrum Sepolia receipt: data = fee word. */
START_TEST(test_abi__event_task_submitted)
{
    static const char topic0[] =
        "0xc3d3e0544c80e3bb83f62659259ae1574f72a91515ab3cae3dd75cf77e1b0aea";
    char path[512];
    json_error_t err;
    json_t *rcpt, *logs, *log;
    struct abi_types *t = types("uint256");
    size_t i;
    int seen = 0;

    test_data_path("arbius/samples/submit_task_receipt.arb_sepolia."
                   "modular-rails.json", path, sizeof(path));
    rcpt = json_load_file(path, 0, &err);
    ck_assert_msg(rcpt != NULL, "%s: %s", path, err.text);
    logs = json_object_get(rcpt, "logs");
    json_array_foreach(logs, i, log) {
        json_t *topics = json_object_get(log, "topics");
        const char *t0 = json_string_value(json_array_get(topics, 0));
        const char *t3 = json_string_value(json_array_get(topics, 3));
        const char *data = json_string_value(json_object_get(log, "data"));
        const char *from = json_string_value(json_object_get(rcpt, "from"));
        uint8_t word[32], sender[20], want[20], buf[64];
        struct abi_value *v;
        size_t n;

        if (t0 == NULL || strcmp(t0, topic0) != 0)
            continue;
        ck_assert_int_eq(hex_decode(data, strlen(data), buf, sizeof(buf),
                                    &n), 0);
        v = decode_ok(t, buf, n);
        check_u64(abi_value_at(v, 0), 1000000000000000ULL);
        abi_value_free(v);
        /* t3 = msg.sender, an address in a topic word. */
        unhex_n(t3, word, 32);
        ck_assert_int_eq(abi_word_get_address(word, sender), 0);
        ck_assert_int_eq(hex_parse_address(from, strlen(from), 0, want), 0);
        ck_assert_mem_eq(sender, want, 20);
        seen++;
    }
    ck_assert_int_eq(seen, 1);
    json_decref(rcpt);
    abi_types_free(t);
}
END_TEST

START_TEST(test_abi__event_data_words)
{
    /* V6 RewardsPaid data: totalRewards, treasury, taskOwner, validator. */
    static const char rewards[] =
        "0000000000000000000000000000000000000000000000056bc75e2d63100000"
        "00000000000000000000000000000000000000000000000029a2241af62c0000"
        "00000000000000000000000000000000000000000000000029a2241af62c0000"
        "000000000000000000000000000000000000000000000005188315f776b80000";
    static const char vote[] =
        "0000000000000000000000000000000000000000000000000000000000000001";
    struct abi_types *t4 = types("uint256,uint256,uint256,uint256");
    struct abi_types *tb = types("bool");
    struct abi_value *v;
    struct u256 total, parts = u256_from_u64(0), x;
    size_t len, i;
    uint8_t *data = unhex(rewards, &len);
    bool yea = false;

    v = decode_ok(t4, data, len);
    ck_assert_int_eq(abi_value_get_u256(abi_value_at(v, 0), &total), 0);
    for (i = 1; i < 4; i++) {
        ck_assert_int_eq(abi_value_get_u256(abi_value_at(v, i), &x), 0);
        ck_assert_int_eq(u256_add(&parts, &x, &parts), 0);
    }
    ck_assert_int_eq(u256_cmp(&total, &parts), 0);  /* 100 = 3 + 3 + 94 */
    {
        uint64_t small;

        /* 100e18 does not fit in 64 bits. */
        ck_assert_int_eq(abi_value_get_u64(abi_value_at(v, 0), &small), -1);
    }
    abi_value_free(v);
    free(data);

    data = unhex(vote, &len);
    v = decode_ok(tb, data, len);
    ck_assert_int_eq(abi_value_get_bool(abi_value_at(v, 0), &yea), 0);
    ck_assert(yea);
    abi_value_free(v);
    free(data);
    abi_types_free(t4);
    abi_types_free(tb);
}
END_TEST

/* Words for hand-written hostile encodings: W("...16 hex digits...") */
#define Z24 "000000000000000000000000000000000000000000000000"
#define W(x16) Z24 x16
#define FF32 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define ADDR1 W("0000000000000001")

START_TEST(test_abi__scalars)
{
    static const char data_hex[] =
        W("000000000000007f")                                  /* int8 127 */
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80"
        FF32                                                 /* int256 -1 */
        W("00000000000000ff")                                /* uint8 255 */
        W("0000000000000000")                                /* bool false */
        "deadbeef00000000000000000000000000000000000000000000000000000000"
        FF32;                                                  /* uint256 */
    struct abi_types *t =
        types("int8,int8,int256,uint8,bool,bytes4,uint256");
    size_t len;
    uint8_t *data = unhex(data_hex, &len);
    struct abi_value *v = decode_ok(t, data, len);
    bool b = true;
    struct u256 max;

    ck_assert(!abi_value_at(v, 0)->negative);
    ck_assert(abi_value_at(v, 1)->negative);  /* -128 */
    ck_assert(abi_value_at(v, 2)->negative);
    ck_assert_uint_eq(abi_value_at(v, 2)->size, 256);
    /* Signed values are not uintN: read them as words. */
    ck_assert_int_eq(abi_value_get_u256(abi_value_at(v, 1), &max), -1);
    check_u64(abi_value_at(v, 3), 255);
    ck_assert_int_eq(abi_value_get_bool(abi_value_at(v, 4), &b), 0);
    ck_assert(!b);
    ck_assert_uint_eq(abi_value_at(v, 5)->len, 4);
    ck_assert_mem_eq(abi_value_at(v, 5)->data, "\xde\xad\xbe\xef", 4);
    ck_assert_int_eq(abi_value_get_u256(abi_value_at(v, 6), &max), 0);
    ck_assert_uint_eq(max.w[0] & max.w[1] & max.w[2] & max.w[3], UINT64_MAX);
    abi_value_free(v);
    free(data);
    abi_types_free(t);
}
END_TEST

START_TEST(test_abi__static_composites)
{
    /* (uint256,address)[2], bool, uint8[3]: all inline, no offsets. */
    static const char data_hex[] =
        W("0000000000000001") ADDR1
        W("0000000000000002") W("0000000000000002")
        W("0000000000000001")
        W("000000000000000a") W("000000000000000b") W("000000000000000c");
    struct abi_types *t = types("(uint256,address)[2],bool,uint8[3]");
    size_t len;
    uint8_t *data = unhex(data_hex, &len);
    struct abi_value *v = decode_ok(t, data, len);
    const struct abi_value *pairs = abi_value_at(v, 0);
    bool b = false;

    ck_assert_uint_eq(pairs->kind, ABI_FIXED_ARRAY);
    ck_assert_uint_eq(pairs->count, 2);
    check_u64(abi_value_at(abi_value_at(pairs, 1), 0), 2);
    check_address(abi_value_at(abi_value_at(pairs, 1), 1),
                  "0000000000000000000000000000000000000002");
    ck_assert_int_eq(abi_value_get_bool(abi_value_at(v, 1), &b), 0);
    ck_assert(b);
    check_u64(abi_value_at(abi_value_at(v, 2), 2), 0x0c);
    abi_value_free(v);
    free(data);
    abi_types_free(t);
}
END_TEST

START_TEST(test_abi__dynamic_fixed_array)
{
    /* bytes[2] is dynamic: one offset, then two offsets from its start. */
    static const char data_hex[] =
        W("0000000000000040") W("00000000000000e0")
        W("0000000000000040") W("0000000000000080")
        W("0000000000000003") "6f6e6500000000000000000000000000"
                              "00000000000000000000000000000000"
        W("0000000000000000")
        W("0000000000000002") "68690000000000000000000000000000"
                              "00000000000000000000000000000000";
    struct abi_types *t = types("bytes[2],string");
    size_t len;
    uint8_t *data = unhex(data_hex, &len);
    struct abi_value *v = decode_ok(t, data, len);

    ck_assert_uint_eq(abi_value_at(v, 0)->count, 2);
    check_slice(abi_value_at(abi_value_at(v, 0), 0), "one", 3);
    check_slice(abi_value_at(abi_value_at(v, 0), 1), "", 0);
    check_slice(abi_value_at(v, 1), "hi", 2);
    abi_value_free(v);
    free(data);
    abi_types_free(t);
}
END_TEST

/* What solc accepts, so must we: missing tail padding, shared tails. */
START_TEST(test_abi__lenient_layouts)
{
    static const char nopad[] =
        W("0000000000000020") W("0000000000000021")
        "1111111111111111111111111111111111111111111111111111111111111111"
        "22";
    static const char shared[] =
        W("0000000000000040") W("0000000000000040")
        W("0000000000000002") "68690000000000000000000000000000"
                              "00000000000000000000000000000000";
    static const char trailing[] =
        W("0000000000000020") W("0000000000000000") "deadbeef";
    struct abi_types *tb = types("bytes");
    struct abi_types *tbb = types("bytes,string");
    struct abi_types *ta = types("uint256[]");
    struct abi_value *v;
    size_t len;
    uint8_t *data;

    data = unhex(nopad, &len);
    v = decode_ok(tb, data, len);
    ck_assert_uint_eq(abi_value_at(v, 0)->len, 33);
    ck_assert_uint_eq(abi_value_at(v, 0)->data[32], 0x22);
    abi_value_free(v);
    free(data);

    data = unhex(shared, &len);
    v = decode_ok(tbb, data, len);
    check_slice(abi_value_at(v, 0), "hi", 2);
    check_slice(abi_value_at(v, 1), "hi", 2);
    abi_value_free(v);
    free(data);

    data = unhex(trailing, &len);
    v = decode_ok(ta, data, len);
    ck_assert_uint_eq(abi_value_at(v, 0)->count, 0);
    ck_assert_ptr_null(abi_value_at(abi_value_at(v, 0), 0));
    abi_value_free(v);
    free(data);

    abi_types_free(tb);
    abi_types_free(tbb);
    abi_types_free(ta);
}
END_TEST

START_TEST(test_abi__malicious)
{
    static const struct {
        const char *types;
        const char *hex;
    } bad[] = {
        /* Offsets. */
        { "bytes", W("0000000000000020") },                  /* == len */
        { "bytes", W("0000000000000040") W("0000000000000000") },
        { "bytes", W("0000000000000021") W("0000000000000000") },
        { "bytes", "80000000000000000000000000000000"
                   "00000000000000000000000000000000"
                   W("0000000000000000") },                  /* 2^255 */
        { "bytes", "00000000000000000000000000000000"
                   "00000000000000010000000000000000"
                   W("0000000000000000") },                  /* 2^64 */
        { "bytes", W("ffffffffffffffff") W("0000000000000000") },
        { "bytes", "ffffffffffffffffffffffffffffffff"
                   "ffffffffffffffffffffffffffffffe0"
                   W("0000000000000000") },                  /* -32 */
        /* Lengths. */
        { "bytes", W("0000000000000020") FF32 },
        { "bytes", W("0000000000000020") W("ffffffffffffffff") },
        { "bytes", W("0000000000000020") W("7fffffffffffffff") },
        { "bytes", W("0000000000000020") W("0000000000000021")
                   "11111111111111111111111111111111"
                   "11111111111111111111111111111111" },
        { "string", W("0000000000000020") W("0000000000000005") "68656c6c" },
        { "bytes", W("0000000000000020") "000000" },
        /* Array counts. */
        { "uint256[]", W("0000000000000020") W("0000000100000000") },
        { "uint256[]", W("0000000000000020") W("0800000000000000") },
        { "uint256[]", W("0000000000000020") W("ffffffffffffffff") },
        { "uint256[]", W("0000000000000020") FF32 },
        { "uint256[]", W("0000000000000020") W("0000000000000002")
                       W("0000000000000001") },
        { "bytes[]", W("0000000000000020") W("0000000000000001")
                     W("0000000000000100") },
        { "bytes32[],bytes[]", W("0000000000000040") W("0000000000000080")
                               W("0000000000000001") FF32
                               W("00000000ffffffff") },
        { "(address,bytes)[]", W("0000000000000020") W("0000000000000001")
                               W("0000000000000020") ADDR1
                               W("00000000000fffff") },
        { "(uint256,bytes)", W("0000000000000020") W("0000000000000001") },
        { "uint256[][]", W("0000000000000020") W("0000000000000001")
                         W("0000000000000020") W("0000000000001000") },
        /* Truncated static data. */
        { "uint256", "0000000000000000000000000000000"
                     "0000000000000000000000000000000" },
        { "uint256", "" },
        { "bytes32[2]", W("0000000000000001")
                        "0000000000000000000000000000000"
                        "0000000000000000000000000000000" },
        { "uint8,address,bytes32,uint256,bytes",
          W("0000000000000000") ADDR1 W("0000000000000000")
          W("0000000000000000") },
        /* Non-canonical scalars. */
        { "address", "0100000000000000000000001298f8a9"
                     "1b046d7fcbd5454cd3331ba6f4fea168" },
        { "address", "0000000000000000000000ff1298f8a9"
                     "1b046d7fcbd5454cd3331ba6f4fea168" },
        { "bool", W("0000000000000002") },
        { "bool", "01000000000000000000000000000000"
                  "00000000000000000000000000000001" },
        { "uint8", W("0000000000000100") },
        { "uint64", "00000000000000000000000000000000"
                    "00000000000000010000000000000000" },
        { "int8", W("0000000000000080") },
        { "int8", "ffffffffffffffffffffffffffffffff"
                  "ffffffffffffffffffffffffffffff7f" },
        { "int16", "00000000000000000000000000000000"
                   "000000000000000000000000ffff8000" },
        { "bytes4", "12345678000000000000000000000000"
                    "00000000000000000000000000000001" },
        { "bytes31", FF32 },
        { "uint32[]", W("0000000000000020") W("0000000000000001")
                      W("00000001ffffffff") },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++)
        check_rejects(bad[i].types, bad[i].hex);
}
END_TEST

START_TEST(test_abi__calldata_rejects)
{
    struct abi_types *t = types("bytes32");
    struct abi_value *v = NULL;
    uint8_t sel[4] = { 0x77, 0x28, 0x6d, 0x17 };
    uint8_t data[4 + 32] = { 0x77, 0x28, 0x6d, 0x17 };

    ck_assert_int_eq(abi_decode_call(t, sel, data, 3, &v), -1);
    ck_assert_int_eq(abi_decode_call(t, NULL, data, 0, &v), -1);
    ck_assert_int_eq(abi_decode_call(t, sel, data, 35, &v), -1);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(abi_decode_call(t, sel, data, 36, &v), 0);
    abi_value_free(v);
    v = NULL;
    data[0] = 0x78;
    ck_assert_int_eq(abi_decode_call(t, sel, data, 36, &v), -1);
    ck_assert_int_eq(abi_decode_call(t, NULL, data, 36, &v), 0);
    abi_value_free(v);
    abi_types_free(t);
}
END_TEST

/* Sums every byte a tree points at, so ASan checks each borrowed slice. */
static unsigned touch(const struct abi_value *v)
{
    unsigned sum = 0;
    size_t i;

    if (v->word)
        for (i = 0; i < ABI_WORD; i++)
            sum += v->word[i];
    for (i = 0; i < v->len; i++)
        sum += v->data[i];
    for (i = 0; i < v->count; i++)
        sum += touch(&v->items[i]);
    return sum;
}

static const struct {
    const char *sig;
    const char *hex;
} calls[] = {
    { "submitTask(uint8,address,bytes32,uint256,bytes)", submit_task_hex },
    { "bulkSubmitTask(uint8,address,bytes32,uint256,bytes,uint256)",
      bulk_submit_task_hex },
    { "submitTask(uint8,address,bytes32,uint256,bytes,uint256,uint256)",
      router_submit_task_hex },
    { "submitSolution(bytes32,bytes)", submit_solution_hex },
    { "bulkSubmitSolution(bytes32[],bytes[])", bulk_submit_solution_hex },
    { "claimIncentive(bytes32,(address,bytes)[])", claim_incentive_hex },
    { "f(uint256,uint32[],bytes10,bytes)", docs_f_hex },
    { "g(uint256[][],string[])", docs_g_hex },
};

/* Compiles the type list inside sig's parentheses. */
static struct abi_types *sig_types(const char *sig)
{
    const char *open = strchr(sig, '(');
    char *ts = xstrndup(open + 1, strlen(open) - 2);
    struct abi_types *t = types(ts);

    free(ts);
    return t;
}

/* Every prefix of every valid call, each in an exact-size allocation. */
START_TEST(test_abi__truncations)
{
    size_t c;

    for (c = 0; c < ARRAY_SIZE(calls); c++) {
        struct abi_types *t = sig_types(calls[c].sig);
        size_t len, k, min_ok = SIZE_MAX;
        uint8_t *full = unhex(calls[c].hex, &len);

        for (k = 0; k <= len; k++) {
            uint8_t *p = xmalloc(k ? k : 1);
            struct abi_value *v = NULL;

            memcpy(p, full, k);
            if (abi_decode_call(t, NULL, p, k, &v) == 0) {
                touch(v);
                abi_value_free(v);
                if (min_ok == SIZE_MAX)
                    min_ok = k;
            }
            free(p);
        }
        /* The full call decodes; nothing shorter than the heads does. */
        ck_assert_uint_le(min_ok, len);
        ck_assert_uint_ge(min_ok, 4 + 32 * abi_types_count(t));
        free(full);
        abi_types_free(t);
    }
}
END_TEST

/* Every byte of every valid call mutated several ways: never a bad read. */
START_TEST(test_abi__mutations)
{
    static const uint8_t subst[] = { 0x00, 0x01, 0x20, 0x7f, 0x80, 0xff };
    size_t c, decoded = 0, rejected = 0;

    for (c = 0; c < ARRAY_SIZE(calls); c++) {
        struct abi_types *t = sig_types(calls[c].sig);
        size_t len, pos, s;
        uint8_t *full = unhex(calls[c].hex, &len);
        uint8_t *p = xmalloc(len);

        for (pos = ABI_SELECTOR_LEN; pos < len; pos++) {
            for (s = 0; s < ARRAY_SIZE(subst); s++) {
                struct abi_value *v = NULL;

                memcpy(p, full, len);
                p[pos] = subst[s];
                if (abi_decode_call(t, NULL, p, len, &v) == 0) {
                    touch(v);
                    abi_value_free(v);
                    decoded++;
                } else {
                    rejected++;
                }
            }
        }
        free(p);
        free(full);
        abi_types_free(t);
    }
    ck_assert_uint_gt(decoded, 0);
    ck_assert_uint_gt(rejected, 0);
}
END_TEST

/* Writes v as a 32-byte big-endian word at p. */
static void put_word(uint8_t *p, uint64_t v)
{
    int i;

    memset(p, 0, ABI_WORD);
    for (i = 0; i < 8; i++)
        p[ABI_WORD - 1 - i] = (uint8_t)(v >> (8 * i));
}

/*
 * uint256[][] with n outer items that all point at one inner array of m
 * items: about (n + m) words of input claim n * m values.
 */
static uint8_t *fanout(size_t n, size_t m, size_t *len)
{
    size_t words = 2 + n + 1 + m, i;
    uint8_t *p = xcalloc(words, ABI_WORD);

    put_word(p, 0x20);                     /* offset of the outer array */
    put_word(p + 32, n);                   /* outer count */
    for (i = 0; i < n; i++)                /* all heads: the same tail */
        put_word(p + 64 + 32 * i, 32 * n);
    put_word(p + 64 + 32 * n, m);          /* inner count */
    for (i = 0; i < m; i++)
        put_word(p + 96 + 32 * n + 32 * i, i);
    *len = words * ABI_WORD;
    return p;
}

START_TEST(test_abi__node_budget)
{
    struct abi_types *t = types("uint256[][]");
    struct abi_value *v = NULL;
    size_t len;
    uint8_t *p;

    /* 200 x 200 = 40,000 values: within the budget, overlap is legal. */
    p = fanout(200, 200, &len);
    ck_assert_int_eq(abi_decode(t, p, len, &v), 0);
    ck_assert_uint_eq(abi_value_at(v, 0)->count, 200);
    check_u64(abi_value_at(abi_value_at(abi_value_at(v, 0), 199), 199), 199);
    abi_value_free(v);
    free(p);

    /* 300 x 300 = 90,000 values from 19 KiB of input: refused. */
    v = NULL;
    p = fanout(300, 300, &len);
    ck_assert_uint_lt(len, 20000);
    ck_assert_int_eq(abi_decode(t, p, len, &v), -1);
    ck_assert_ptr_null(v);
    free(p);
    abi_types_free(t);
}
END_TEST

START_TEST(test_abi__deep_decode)
{
    char text[64];
    size_t n, i, len = (2 * ABI_MAX_DEPTH + 1) * ABI_WORD;
    uint8_t *p = xcalloc(1, len);
    struct abi_types *t = NULL;
    struct abi_value *v = NULL;
    const struct abi_value *cur;

    n = (size_t)snprintf(text, sizeof(text), "uint8");
    for (i = 0; i < ABI_MAX_DEPTH; i++)
        text[n++] = '[', text[n++] = ']';
    ck_assert_int_eq(abi_types_parse(text, n, &t), 0);
    /* offset 0x20, then [count 1, offset 0x20] per level, then 7. */
    put_word(p, 0x20);
    for (i = 0; i < ABI_MAX_DEPTH; i++) {
        put_word(p + ABI_WORD * (1 + 2 * i), 1);
        put_word(p + ABI_WORD * (2 + 2 * i), i + 1 < ABI_MAX_DEPTH ? 0x20 : 7);
    }
    ck_assert_int_eq(abi_decode(t, p, len, &v), 0);
    cur = abi_value_at(v, 0);
    for (i = 0; i < ABI_MAX_DEPTH; i++) {
        ck_assert_uint_eq(cur->kind, ABI_ARRAY);
        ck_assert_uint_eq(cur->count, 1);
        cur = abi_value_at(cur, 0);
    }
    check_u64(cur, 7);
    abi_value_free(v);
    abi_types_free(t);
    free(p);
}
END_TEST

START_TEST(test_abi__accessors)
{
    uint8_t *buf, out[32];
    struct abi_value *v = decode_call(
        "submitTask(uint8,address,bytes32,uint256,bytes)", submit_task_hex,
        &buf);
    const uint8_t *p;
    struct u256 x;
    uint64_t u;
    size_t n;
    bool b;

    ck_assert_ptr_null(abi_value_at(v, 5));
    ck_assert_ptr_null(abi_value_at(NULL, 0));
    ck_assert_ptr_null(abi_value_at(abi_value_at(v, 0), 0));
    ck_assert_int_eq(abi_value_get_address(abi_value_at(v, 2), out), -1);
    ck_assert_int_eq(abi_value_get_bytes32(abi_value_at(v, 1), out), -1);
    ck_assert_int_eq(abi_value_get_u256(abi_value_at(v, 1), &x), -1);
    ck_assert_int_eq(abi_value_get_u64(abi_value_at(v, 4), &u), -1);
    ck_assert_int_eq(abi_value_get_bool(abi_value_at(v, 0), &b), -1);
    ck_assert_int_eq(abi_value_get_slice(abi_value_at(v, 3), &p, &n), -1);
    ck_assert_int_eq(abi_value_get_word(abi_value_at(v, 4), out), -1);
    ck_assert_int_eq(abi_value_get_word(v, out), -1);
    ck_assert_int_eq(abi_value_get_address(abi_value_at(v, 9), out), -1);
    ck_assert_int_eq(abi_value_get_slice(NULL, &p, &n), -1);
    ck_assert_int_eq(abi_value_get_word(abi_value_at(v, 1), out), 0);
    ck_assert_uint_eq(out[12], 0x12);
    /* The slice points into the caller's buffer. */
    ck_assert_int_eq(abi_value_get_slice(abi_value_at(v, 4), &p, &n), 0);
    ck_assert(p >= buf && p + n <= buf + 4 + 7 * 32);
    abi_value_free(v);
    abi_value_free(NULL);
    free(buf);
}
END_TEST

START_TEST(test_abi__word_address)
{
    uint8_t word[32] = { 0 }, out[20];

    word[31] = 0x42;
    ck_assert_int_eq(abi_word_get_address(word, out), 0);
    ck_assert_uint_eq(out[19], 0x42);
    memset(out, 0, sizeof(out));
    word[11] = 1;
    ck_assert_int_eq(abi_word_get_address(word, out), -1);
    ck_assert_uint_eq(out[19], 0);
}
END_TEST

START_TEST(test_abi__encode)
{
    struct buf b = BUF_INIT(BUF_MAX_DEFAULT), small = BUF_INIT(200);
    uint8_t owner[20], model[32], *want;
    struct abi_arg args[5];
    size_t len;

    unhex_n(owner_hex, owner, sizeof(owner));
    unhex_n(model_hex, model, sizeof(model));
    args[0] = abi_arg_u64(0);
    args[1] = abi_arg_address(owner);
    args[2] = abi_arg_word(model);
    args[3] = abi_arg_u64(3500000000000000ULL);
    args[4] = abi_arg_bytes(prompt, strlen(prompt));
    ck_assert_int_eq(abi_encode_args(args, 5, &b), 0);
    want = unhex(submit_task_hex, &len);
    ck_assert_uint_eq(b.len, len - 4);
    ck_assert_mem_eq(b.data, want + 4, len - 4);

    /* 224 bytes do not fit in 200: nothing is written. */
    ck_assert_int_eq(abi_encode_args(args, 5, &small), -1);
    ck_assert_uint_eq(small.len, 0);
    ck_assert_int_eq(abi_encode_args(args, 0, &small), 0);
    ck_assert_uint_eq(small.len, 0);
    free(want);
    buf_release(&b);
    buf_release(&small);
}
END_TEST

/*
 * model id = keccak256(abi.encode(sender, addr, fee, cid)) for every
 * verified row of model_ids.json: keccak, the encoder and the data agree.
 */
START_TEST(test_abi__model_ids)
{
    char path[512];
    json_error_t err;
    json_t *ids, *rows;
    const char *chain;
    int seen = 0;

    test_data_path("arbius/model_ids.json", path, sizeof(path));
    ids = json_load_file(path, 0, &err);
    ck_assert_msg(ids != NULL, "%s: %s", path, err.text);
    json_object_foreach(ids, chain, rows) {
        size_t i;
        json_t *row;

        json_array_foreach(rows, i, row) {
            const char *id, *sender, *addr, *fee, *cid;
            uint8_t want[32], got[32], s[20], a[20], c[64];
            struct buf b = BUF_INIT(4096);
            struct abi_arg args[4];
            struct u256 f;
            size_t clen;

            if (!json_is_true(json_object_get(row, "verified")))
                continue;
            id = json_string_value(json_object_get(row, "id"));
            sender = json_string_value(json_object_get(row, "registered_by"));
            addr = json_string_value(json_object_get(row, "addr"));
            fee = json_string_value(json_object_get(row, "fee_wei"));
            cid = json_string_value(json_object_get(row, "template_cid"));
            ck_assert(id && sender && addr && fee && cid);
            unhex_n(id, want, sizeof(want));
            ck_assert_int_eq(hex_parse_address(sender, strlen(sender),
                                               HEX_ADDR_STRICT, s), 0);
            ck_assert_int_eq(hex_parse_address(addr, strlen(addr),
                                               HEX_ADDR_STRICT, a), 0);
            ck_assert_int_eq(u256_from_dec(fee, strlen(fee), &f), 0);
            ck_assert_int_eq(hex_decode(cid, strlen(cid), c, sizeof(c),
                                        &clen), 0);
            args[0] = abi_arg_address(s);
            args[1] = abi_arg_address(a);
            args[2] = abi_arg_u256(&f);
            args[3] = abi_arg_bytes(c, clen);
            ck_assert_int_eq(abi_encode_args(args, 4, &b), 0);
            ck_assert_uint_eq(b.len, 4 * 32 + 32 + 64);
            keccak256(b.data, b.len, got);
            ck_assert_msg(memcmp(got, want, 32) == 0, "model %s", id);
            buf_release(&b);
            seen++;
        }
    }
    ck_assert_int_ge(seen, 4);
    json_decref(ids);
}
END_TEST

static Suite *abi_suite(void)
{
    Suite *s = suite_create("abi");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_abi__types_parse);
    tcase_add_test(tc, test_abi__types_reject);
    tcase_add_test(tc, test_abi__types_depth);
    tcase_add_test(tc, test_abi__submit_task);
    tcase_add_test(tc, test_abi__bulk_submit_task);
    tcase_add_test(tc, test_abi__router_submit_task);
    tcase_add_test(tc, test_abi__submit_solution);
    tcase_add_test(tc, test_abi__bulk_submit_solution);
    tcase_add_test(tc, test_abi__claim_incentive_tuples);
    tcase_add_test(tc, test_abi__solidity_docs_f);
    tcase_add_test(tc, test_abi__solidity_docs_g);
    tcase_add_test(tc, test_abi__event_task_submitted);
    tcase_add_test(tc, test_abi__event_data_words);
    tcase_add_test(tc, test_abi__scalars);
    tcase_add_test(tc, test_abi__static_composites);
    tcase_add_test(tc, test_abi__dynamic_fixed_array);
    tcase_add_test(tc, test_abi__lenient_layouts);
    tcase_add_test(tc, test_abi__malicious);
    tcase_add_test(tc, test_abi__calldata_rejects);
    tcase_add_test(tc, test_abi__truncations);
    tcase_add_test(tc, test_abi__mutations);
    tcase_add_test(tc, test_abi__node_budget);
    tcase_add_test(tc, test_abi__deep_decode);
    tcase_add_test(tc, test_abi__accessors);
    tcase_add_test(tc, test_abi__word_address);
    tcase_add_test(tc, test_abi__encode);
    tcase_add_test(tc, test_abi__model_ids);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(abi_suite)
