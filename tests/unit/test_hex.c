/*
 * test_hex.c - hex bytes, JSON-RPC quantities and EIP-55 addresses.
 */
#include "arbiusd/hex.h"

#include <string.h>

#include "unit.h"

START_TEST(test_hex__encode)
{
    static const uint8_t in[] = { 0x00, 0x01, 0xab, 0xff, 0x7f };
    char out[16];

    ck_assert_int_eq(hex_encode(in, sizeof(in), out, sizeof(out)), 0);
    ck_assert_str_eq(out, "0001abff7f");
    ck_assert_int_eq(hex_encode_0x(in, sizeof(in), out, sizeof(out)), 0);
    ck_assert_str_eq(out, "0x0001abff7f");
    ck_assert_int_eq(hex_encode(in, 0, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(hex_encode_0x(NULL, 0, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "0x");
}
END_TEST

START_TEST(test_hex__encode_capacity)
{
    static const uint8_t in[] = { 0xde, 0xad, 0xbe, 0xef };
    char out[16];

    memset(out, 'X', sizeof(out));
    /* Exactly 2n + 1 is enough; one less is not and writes nothing. */
    ck_assert_int_eq(hex_encode(in, 4, out, 9), 0);
    ck_assert_str_eq(out, "deadbeef");
    memset(out, 'X', sizeof(out));
    ck_assert_int_eq(hex_encode(in, 4, out, 8), -1);
    ck_assert_int_eq(out[0], 'X');
    ck_assert_int_eq(hex_encode_0x(in, 4, out, 11), 0);
    ck_assert_str_eq(out, "0xdeadbeef");
    ck_assert_int_eq(hex_encode_0x(in, 4, out, 10), -1);
    ck_assert_int_eq(hex_encode(in, 0, out, 0), -1);
    ck_assert_int_eq(hex_encode(in, SIZE_MAX, out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_hex__decode)
{
    uint8_t out[8];
    size_t n = 99;

    ck_assert_int_eq(hex_decode("0x0001aBfF", 10, out, sizeof(out), &n), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_mem_eq(out, "\x00\x01\xab\xff", 4);
    ck_assert_int_eq(hex_decode("0X7f", 4, out, sizeof(out), &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0], 0x7f);
    ck_assert_int_eq(hex_decode("DEAD", 4, out, sizeof(out), &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(hex_decode("", 0, out, sizeof(out), &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(hex_decode("0x", 2, NULL, 0, &n), 0);
    ck_assert_uint_eq(n, 0);
    /* Only len bytes are read: the text need not be NUL-terminated. */
    ck_assert_int_eq(hex_decode("abcdZZ", 4, out, sizeof(out), &n), 0);
    ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_hex__decode_rejects)
{
    static const char *bad[] = {
        "0", "abc", "0x1", "0xg0", "zz", "0x 1", " 01", "01 ", "0x0x00",
        "-1", "+1", "0x-1", "\xff\xff", "x0", "0xé0",
    };
    uint8_t out[8];
    size_t n = 77, i;

    memset(out, 0x55, sizeof(out));
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        ck_assert_msg(hex_decode(bad[i], strlen(bad[i]), out, sizeof(out),
                                 &n) == -1, "accepted %s", bad[i]);
    }
    /* An embedded NUL is just a bad character. */
    ck_assert_int_eq(hex_decode("00\0" "0", 4, out, sizeof(out), &n), -1);
    /* Failure leaves the outputs alone. */
    ck_assert_uint_eq(n, 77);
    ck_assert_uint_eq(out[0], 0x55);
}
END_TEST

START_TEST(test_hex__decode_capacity)
{
    uint8_t out[4];
    size_t n = 0;

    ck_assert_int_eq(hex_decode("0x01020304", 10, out, 4, &n), 0);
    ck_assert_uint_eq(n, 4);
    memset(out, 0, sizeof(out));
    ck_assert_int_eq(hex_decode("0x0102030405", 12, out, 4, &n), -1);
    ck_assert_uint_eq(out[0], 0);
    ck_assert_int_eq(hex_decode("01", 2, out, 0, &n), -1);
}
END_TEST

START_TEST(test_hex__decode_exact)
{
    static const char h32[] =
        "0xc3d3e0544c80e3bb83f62659259ae1574f72a91515ab3cae3dd75cf77e1b0aea";
    uint8_t out[32];

    ck_assert_int_eq(hex_decode_exact(h32, strlen(h32), out, 32), 0);
    ck_assert_uint_eq(out[0], 0xc3);
    ck_assert_uint_eq(out[31], 0xea);
    memset(out, 0, sizeof(out));
    ck_assert_int_eq(hex_decode_exact(h32, strlen(h32) - 2, out, 32), -1);
    ck_assert_int_eq(hex_decode_exact(h32, strlen(h32), out, 31), -1);
    ck_assert_int_eq(hex_decode_exact(h32 + 2, strlen(h32) - 2, out, 32), 0);
    ck_assert_int_eq(hex_decode_exact("0x", 2, out, 0), 0);
    ck_assert_int_eq(hex_decode_exact("0xzz", 4, out, 1), -1);
}
END_TEST

START_TEST(test_hex__quantity)
{
    uint64_t v = 0;

    ck_assert_int_eq(hex_parse_quantity("0x0", 3, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(hex_parse_quantity("0x1a", 4, &v), 0);
    ck_assert_uint_eq(v, 26);
    ck_assert_int_eq(hex_parse_quantity("0x10d4f", 7, &v), 0);
    ck_assert_uint_eq(v, 68943);
    ck_assert_int_eq(hex_parse_quantity("0xFFFFffffFFFFffff", 18, &v), 0);
    ck_assert_uint_eq(v, UINT64_MAX);
    ck_assert_int_eq(hex_parse_quantity("0x0001", 6, &v), 0);
    ck_assert_uint_eq(v, 1);
    /* Only len bytes are read. */
    ck_assert_int_eq(hex_parse_quantity("0x12zz", 4, &v), 0);
    ck_assert_uint_eq(v, 0x12);
}
END_TEST

START_TEST(test_hex__quantity_rejects)
{
    static const char *bad[] = {
        "", "0x", "0X", "1a", "x1a", "0x1g", "0x 1", " 0x1", "0x1 ",
        "-0x1", "0x-1", "0x+1", "0x10000000000000000", "0x00000000000000001",
        "0x1.5", "0xé",
    };
    uint64_t v = 42;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++)
        ck_assert_msg(hex_parse_quantity(bad[i], strlen(bad[i]), &v) == -1,
                      "accepted %s", bad[i]);
    ck_assert_int_eq(hex_parse_quantity("0x1\0" "2", 5, &v), -1);
    ck_assert_uint_eq(v, 42);
}
END_TEST

/* The test vectors of EIP-55 itself, plus a real Arbius address. */
static const char *const eip55[] = {
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    "0x1298F8A91B046d7fCBd5454cd3331Ba6f4feA168",
    "0x9b51Ef044d3486A1fB0A2D55A6e0CeeAdd323E66",
};

START_TEST(test_hex__address_checksum)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(eip55); i++) {
        uint8_t a[HEX_ADDR_LEN];
        char text[HEX_ADDR_TEXT_SIZE];

        ck_assert_int_eq(hex_parse_address(eip55[i], 42, HEX_ADDR_STRICT, a),
                         0);
        ck_assert_int_eq(hex_format_address(a, text, sizeof(text)), 0);
        ck_assert_str_eq(text, eip55[i]);
    }
}
END_TEST

START_TEST(test_hex__address_format_capacity)
{
    uint8_t a[HEX_ADDR_LEN] = { 0 };
    char text[HEX_ADDR_TEXT_SIZE];

    ck_assert_int_eq(hex_format_address(a, text, sizeof(text) - 1), -1);
    ck_assert_int_eq(hex_format_address(a, text, sizeof(text)), 0);
    ck_assert_str_eq(text, "0x0000000000000000000000000000000000000000");
}
END_TEST

START_TEST(test_hex__address_parse)
{
    static const char mixed[] = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    static const char lower[] = "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
    static const char upper[] = "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED";
    char broken[sizeof(mixed)];
    uint8_t a[HEX_ADDR_LEN], b[HEX_ADDR_LEN];

    ck_assert_int_eq(hex_parse_address(mixed, 42, HEX_ADDR_STRICT, a), 0);
    ck_assert_int_eq(hex_parse_address(lower, 40, HEX_ADDR_STRICT, b), 0);
    ck_assert_mem_eq(a, b, sizeof(a));
    ck_assert_int_eq(hex_parse_address(upper, 42, HEX_ADDR_STRICT, b), 0);
    ck_assert_mem_eq(a, b, sizeof(a));

    /* One letter with the wrong case: strict rejects, lenient accepts. */
    memcpy(broken, mixed, sizeof(mixed));
    broken[4] = 'a'; /* "0x5aA" -> "0x5aa" */
    memset(b, 0xee, sizeof(b));
    ck_assert_int_eq(hex_parse_address(broken, 42, HEX_ADDR_STRICT, b), -1);
    ck_assert_uint_eq(b[0], 0xee);
    ck_assert_int_eq(hex_parse_address(broken, 42, 0, b), 0);
    ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

START_TEST(test_hex__address_rejects)
{
    static const char *bad[] = {
        "", "0x", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
        "0x 5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed ",
        "0x0x5aAeb6053F3E94C9b9A09f33669435E7Ef1Be",
    };
    uint8_t a[HEX_ADDR_LEN];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++)
        ck_assert_msg(hex_parse_address(bad[i], strlen(bad[i]), 0, a) == -1,
                      "accepted %s", bad[i]);
}
END_TEST

static Suite *hex_suite(void)
{
    Suite *s = suite_create("hex");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_hex__encode);
    tcase_add_test(tc, test_hex__encode_capacity);
    tcase_add_test(tc, test_hex__decode);
    tcase_add_test(tc, test_hex__decode_rejects);
    tcase_add_test(tc, test_hex__decode_capacity);
    tcase_add_test(tc, test_hex__decode_exact);
    tcase_add_test(tc, test_hex__quantity);
    tcase_add_test(tc, test_hex__quantity_rejects);
    tcase_add_test(tc, test_hex__address_checksum);
    tcase_add_test(tc, test_hex__address_format_capacity);
    tcase_add_test(tc, test_hex__address_parse);
    tcase_add_test(tc, test_hex__address_rejects);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(hex_suite)
