/*
 * test_base58.c - base58btc against Bitcoin Core's published vectors
 * (src/test/data/base58_encode_decode.json) and hostile text.
 */
#include "arbiusd/base58.h"

#include <string.h>

#include "arbiusd/hex.h"
#include "unit.h"

struct vector {
    const char *hex;
    const char *b58;
};

static const struct vector vectors[] = {
    { "", "" },
    { "61", "2g" },
    { "626262", "a3gV" },
    { "636363", "aPEr" },
    { "73696d706c792061206c6f6e6720737472696e67",
      "2cFupjhnEsSn59qHXstmK2ffpLv2" },
    { "00eb15231dfceb60925886b67d065299925915aeb172c06647",
      "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L" },
    { "516b6fcd0f", "ABnLTmg" },
    { "bf4f89001e670274dd", "3SEo3LWLoPntC" },
    { "572e4794", "3EFU7m" },
    { "ecac89cad93923c02321", "EJDM8drfXA6uyA" },
    { "10c8511e", "Rt5zm" },
    { "00000000000000000000", "1111111111" },
    { "000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6d"
      "d43dc62a641155a5",
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz" },
};

START_TEST(test_base58__vectors)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(vectors); i++) {
        uint8_t bin[64], back[64];
        char text[BASE58_MAX_TEXT + 1];
        size_t n, m;

        ck_assert_int_eq(hex_decode(vectors[i].hex, strlen(vectors[i].hex),
                                    bin, sizeof(bin), &n), 0);
        ck_assert_int_eq(base58_encode(bin, n, text, sizeof(text)), 0);
        ck_assert_str_eq(text, vectors[i].b58);
        ck_assert_int_eq(base58_decode(vectors[i].b58,
                                       strlen(vectors[i].b58), back,
                                       sizeof(back), &m), 0);
        ck_assert_uint_eq(m, n);
        if (n > 0)
            ck_assert_mem_eq(back, bin, n);
    }
}
END_TEST

START_TEST(test_base58__all_bytes)
{
    static const char want[] =
        "1cWB5HCBdLjAuqGGReWE3R3CguuwSjw6RHn39s2yuDRTS5NsBgNiFpWgAnEx6VQi8cse"
        "xkgYw3mdYrMHr8x9i7aEwP8kZ7vccXWqKDvGv3u1GxFKPuAkn8JCPPGDMf3vMMnbzm6N"
        "h9zh1gcNsMvH3ZNLmP5fSG6DGbbi2tuwMWPthr4boWwCxf7ewSgNQeacyozhKDDQQ1qL"
        "5fQFUW52QKUZDZ5fw3KXNQJMcNTcaB723LchjeKun7MuGW5qyCBZYzA1KjofN1gYBV3N"
        "qyhQJ3Ns746GNuf9N2pQPmHz4xpnSrrfCvy6TVVz5d4PdrjeshsWQwpZsZGzvbdAdN8M"
        "KV5QsBDY";
    uint8_t bin[256], back[256];
    char text[BASE58_MAX_TEXT + 1];
    size_t i, n;

    for (i = 0; i < sizeof(bin); i++)
        bin[i] = (uint8_t)i;
    ck_assert_int_eq(base58_encode(bin, sizeof(bin), text, sizeof(text)), 0);
    ck_assert_str_eq(text, want);
    ck_assert_int_eq(base58_decode(want, strlen(want), back, sizeof(back),
                                   &n), 0);
    ck_assert_uint_eq(n, sizeof(bin));
    ck_assert_mem_eq(back, bin, sizeof(bin));
}
END_TEST

START_TEST(test_base58__limits)
{
    uint8_t big[BASE58_MAX_BYTES + 1], out[BASE58_MAX_BYTES + 8];
    char text[BASE58_MAX_TEXT + 2];
    size_t n;

    /* The largest input encodes to at most BASE58_MAX_TEXT characters. */
    memset(big, 0xff, sizeof(big));
    ck_assert_int_eq(base58_encode(big, BASE58_MAX_BYTES, text,
                                   BASE58_MAX_TEXT + 1), 0);
    ck_assert_uint_le(strlen(text), BASE58_MAX_TEXT);
    ck_assert_int_eq(base58_decode(text, strlen(text), out, sizeof(out), &n),
                     0);
    ck_assert_uint_eq(n, BASE58_MAX_BYTES);
    ck_assert_mem_eq(out, big, n);
    ck_assert_int_eq(base58_encode(big, sizeof(big), text, sizeof(text)), -1);

    /* Text over the limit, and text that decodes past BASE58_MAX_TEXT. */
    memset(text, 'z', sizeof(text));
    ck_assert_int_eq(base58_decode(text, BASE58_MAX_TEXT + 1, out,
                                   sizeof(out), &n), -1);
    ck_assert_int_eq(base58_decode(text, BASE58_MAX_TEXT, out,
                                   BASE58_MAX_BYTES, &n), -1);
    memset(text, '1', sizeof(text));
    ck_assert_int_eq(base58_decode(text, BASE58_MAX_TEXT, out,
                                   sizeof(out), &n), -1);
}
END_TEST

START_TEST(test_base58__capacity)
{
    static const uint8_t bin[] = { 0x00, 0x00, 0x61 };
    uint8_t out[3];
    char text[5];
    size_t n = 9;

    ck_assert_int_eq(base58_encode(bin, 3, text, 5), 0);
    ck_assert_str_eq(text, "112g");
    memset(text, 'X', sizeof(text));
    ck_assert_int_eq(base58_encode(bin, 3, text, 4), -1);
    ck_assert_int_eq(text[0], 'X');
    ck_assert_int_eq(base58_decode("112g", 4, out, 3, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(out, bin, 3);
    n = 9;
    ck_assert_int_eq(base58_decode("112g", 4, out, 2, &n), -1);
    ck_assert_int_eq(base58_decode("11", 2, out, 1, &n), -1);
    ck_assert_uint_eq(n, 9);
    ck_assert_int_eq(base58_decode("", 0, NULL, 0, &n), 0);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_base58__rejects)
{
    static const char *bad[] = {
        "0", "O", "I", "l", "2g ", " 2g", "2g\n", "+", "a3g-", "Qm\xc3\xa9",
    };
    uint8_t out[32];
    size_t n = 5, i;

    for (i = 0; i < ARRAY_SIZE(bad); i++)
        ck_assert_msg(base58_decode(bad[i], strlen(bad[i]), out, sizeof(out),
                                    &n) == -1, "accepted %s", bad[i]);
    ck_assert_int_eq(base58_decode("2g\0", 3, out, sizeof(out), &n), -1);
    ck_assert_int_eq(base58_decode("\x80\xff", 2, out, sizeof(out), &n), -1);
    ck_assert_uint_eq(n, 5);
}
END_TEST

static Suite *base58_suite(void)
{
    Suite *s = suite_create("base58");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_base58__vectors);
    tcase_add_test(tc, test_base58__all_bytes);
    tcase_add_test(tc, test_base58__limits);
    tcase_add_test(tc, test_base58__capacity);
    tcase_add_test(tc, test_base58__rejects);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(base58_suite)
