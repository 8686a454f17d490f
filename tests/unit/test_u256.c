/*
 * test_u256.c - 256-bit integers: bytes, decimal, token units, arithmetic.
 */
#include "arbiusd/u256.h"

#include <math.h>
#include <string.h>

#include "unit.h"

static const char max_dec[] =
    "115792089237316195423570985008687907853"
    "269984665640564039457584007913129639935";

/* Parses decimal text that the test knows is valid. */
static struct u256 dec(const char *s)
{
    struct u256 v;

    ck_assert_int_eq(u256_from_dec(s, strlen(s), &v), 0);
    return v;
}

/* Asserts the decimal text of v is want. */
static void check_dec(const struct u256 *v, const char *want)
{
    char out[U256_DEC_SIZE];

    ck_assert_int_eq(u256_to_dec(v, out, sizeof(out)), 0);
    ck_assert_str_eq(out, want);
}

/* Asserts v with 18 decimals reads want. */
static void check_units(const char *v, const char *want)
{
    struct u256 x = dec(v);
    char out[U256_UNITS_SIZE];

    ck_assert_int_eq(u256_to_units(&x, U256_TOKEN_DECIMALS, out, sizeof(out)),
                     0);
    ck_assert_str_eq(out, want);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic pseudo-random words for property tests. */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static struct u256 random_u256(void)
{
    struct u256 v;
    int i, shift = (int)(rng() % 4);

    for (i = 0; i < 4; i++)
        v.w[i] = rng();
    /* Vary the magnitude so short values get tested too. */
    for (i = 3; i > 3 - shift; i--)
        v.w[i] = 0;
    return v;
}

START_TEST(test_u256__be32)
{
    uint8_t b[32], back[32];
    struct u256 v;
    int i;

    for (i = 0; i < 32; i++)
        b[i] = (uint8_t)(i + 1);
    v = u256_from_be32(b);
    ck_assert_uint_eq(v.w[3], 0x0102030405060708ULL);
    ck_assert_uint_eq(v.w[0], 0x191a1b1c1d1e1f20ULL);
    u256_to_be32(&v, back);
    ck_assert_mem_eq(b, back, 32);

    v = u256_from_u64(0x1234);
    u256_to_be32(&v, back);
    for (i = 0; i < 30; i++)
        ck_assert_uint_eq(back[i], 0);
    ck_assert_uint_eq(back[30], 0x12);
    ck_assert_uint_eq(back[31], 0x34);
}
END_TEST

START_TEST(test_u256__u64)
{
    struct u256 v = u256_from_u64(UINT64_MAX);
    uint64_t x = 7;

    ck_assert(u256_fits_u64(&v));
    ck_assert_int_eq(u256_to_u64(&v, &x), 0);
    ck_assert_uint_eq(x, UINT64_MAX);
    v.w[2] = 1;
    ck_assert(!u256_fits_u64(&v));
    x = 7;
    ck_assert_int_eq(u256_to_u64(&v, &x), -1);
    ck_assert_uint_eq(x, 7);
}
END_TEST

START_TEST(test_u256__dec_max)
{
    struct u256 v = dec(max_dec);
    int i;

    for (i = 0; i < 4; i++)
        ck_assert_uint_eq(v.w[i], UINT64_MAX);
    check_dec(&v, max_dec);
}
END_TEST

START_TEST(test_u256__dec_values)
{
    static const char *vals[] = {
        "0", "1", "9", "10", "999999999", "1000000000", "1000000001",
        "18446744073709551615", "18446744073709551616",
        "340282366920938463463374607431768211456", "3500000000000000",
        "1000000000000000000000000000000000000",
    };
    struct u256 v;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(vals); i++) {
        v = dec(vals[i]);
        check_dec(&v, vals[i]);
    }
    v = dec("18446744073709551616");
    ck_assert_uint_eq(v.w[0], 0);
    ck_assert_uint_eq(v.w[1], 1);
    v = dec("000042");
    check_dec(&v, "42");
    v = dec("0000");
    ck_assert(u256_is_zero(&v));
}
END_TEST

START_TEST(test_u256__dec_rejects)
{
    static const char *bad[] = {
        "", "-1", "+1", " 1", "1 ", "1.0", "0x10", "1e18", "12a",
        /* 2^256 and beyond */
        "115792089237316195423570985008687907853"
        "269984665640564039457584007913129639936",
        "115792089237316195423570985008687907853"
        "269984665640564039457584007913129639940",
        "115792089237316195423570985008687907853"
        "2699846656405640394575840079131296399350",
        "999999999999999999999999999999999999999"
        "999999999999999999999999999999999999999",
    };
    struct u256 v = u256_from_u64(99);
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++)
        ck_assert_msg(u256_from_dec(bad[i], strlen(bad[i]), &v) == -1,
                      "accepted %s", bad[i]);
    ck_assert_int_eq(u256_from_dec("1\0" "2", 3, &v), -1);
    ck_assert_uint_eq(v.w[0], 99);
    /* Leading zeros before a max value are fine. */
    {
        char buf[100] = "00";

        memcpy(buf + 2, max_dec, sizeof(max_dec));
        ck_assert_int_eq(u256_from_dec(buf, strlen(buf), &v), 0);
        ck_assert_uint_eq(v.w[3], UINT64_MAX);
    }
}
END_TEST

START_TEST(test_u256__dec_capacity)
{
    struct u256 v = dec(max_dec);
    char out[U256_DEC_SIZE];

    ck_assert_int_eq(u256_to_dec(&v, out, 78), -1);
    ck_assert_int_eq(u256_to_dec(&v, out, 79), 0);
    v = u256_from_u64(0);
    ck_assert_int_eq(u256_to_dec(&v, out, 1), -1);
    ck_assert_int_eq(u256_to_dec(&v, out, 2), 0);
    ck_assert_str_eq(out, "0");
}
END_TEST

START_TEST(test_u256__hex)
{
    struct u256 v;
    char f64[67] = "0x";

    memset(f64 + 2, 'f', 64);
    f64[66] = '\0';
    ck_assert_int_eq(u256_from_hex(f64, 66, &v), 0);
    check_dec(&v, max_dec);
    ck_assert_int_eq(u256_from_hex("0x0", 3, &v), 0);
    ck_assert(u256_is_zero(&v));
    ck_assert_int_eq(u256_from_hex("0xDE0B6B3A7640000", 17, &v), 0);
    check_dec(&v, "1000000000000000000");
    ck_assert_int_eq(u256_from_hex("0x10000000000000000", 19, &v), 0);
    check_dec(&v, "18446744073709551616");

    v = u256_from_u64(5);
    ck_assert_int_eq(u256_from_hex("0x", 2, &v), -1);
    ck_assert_int_eq(u256_from_hex("12", 2, &v), -1);
    ck_assert_int_eq(u256_from_hex("0x1g", 4, &v), -1);
    ck_assert_int_eq(u256_from_hex("", 0, &v), -1);
    {
        char f65[68] = "0x";

        memset(f65 + 2, '0', 65);
        ck_assert_int_eq(u256_from_hex(f65, 67, &v), -1);
    }
    ck_assert_uint_eq(v.w[0], 5);
}
END_TEST

START_TEST(test_u256__units)
{
    check_units("0", "0");
    check_units("1", "0.000000000000000001");
    check_units("1500000000000000000", "1.5");
    check_units("3500000000000000", "0.0035");
    check_units("7000000000000000", "0.007");
    check_units("2000000000000000000", "2");
    check_units("1000000000000000000", "1");
    check_units("10000000000000000000", "10");
    check_units("100000000000000000", "0.1");
    check_units("123456789000000000000", "123.456789");
    check_units("999999999999999999", "0.999999999999999999");
    check_units("1000000000000000001", "1.000000000000000001");
    check_units(max_dec,
                "115792089237316195423570985008687907853269984665640564039457"
                ".584007913129639935");
}
END_TEST

START_TEST(test_u256__units_decimals)
{
    struct u256 v = dec(max_dec);
    char out[U256_UNITS_SIZE];

    ck_assert_int_eq(u256_to_units(&v, 0, out, sizeof(out)), 0);
    ck_assert_str_eq(out, max_dec);
    ck_assert_int_eq(u256_to_units(&v, 77, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "1.15792089237316195423570985008687907853269984665"
                          "640564039457584007913129639935");
    ck_assert_int_eq(u256_to_units(&v, 78, out, sizeof(out)), -1);
    v = u256_from_u64(1);
    ck_assert_int_eq(u256_to_units(&v, 77, out, sizeof(out)), 0);
    ck_assert_uint_eq(strlen(out), 79);
    ck_assert_str_eq(out + 70, "000000001");
    v = u256_from_u64(1234567);
    ck_assert_int_eq(u256_to_units(&v, 6, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "1.234567");
    /* Too small a buffer writes nothing. */
    memset(out, 'X', sizeof(out));
    ck_assert_int_eq(u256_to_units(&v, 6, out, 8), -1);
    ck_assert_int_eq(out[0], 'X');
    ck_assert_int_eq(u256_to_units(&v, 6, out, 9), 0);
}
END_TEST

START_TEST(test_u256__add_carry)
{
    struct u256 a = u256_from_u64(UINT64_MAX), one = u256_from_u64(1), r;
    struct u256 max = dec(max_dec);

    ck_assert_int_eq(u256_add(&a, &one, &r), 0);
    check_dec(&r, "18446744073709551616");
    /* Carry through all four words and out. */
    ck_assert_int_eq(u256_add(&max, &one, &r), 1);
    ck_assert(u256_is_zero(&r));
    ck_assert_int_eq(u256_add(&max, &max, &r), 1);
    check_dec(&r, "115792089237316195423570985008687907853269984665640564039"
                  "457584007913129639934");
    /* Output may alias an input. */
    a = dec("340282366920938463463374607431768211455"); /* 2^128 - 1 */
    ck_assert_int_eq(u256_add(&a, &one, &a), 0);
    check_dec(&a, "340282366920938463463374607431768211456");
}
END_TEST

START_TEST(test_u256__sub_borrow)
{
    struct u256 zero = u256_from_u64(0), one = u256_from_u64(1), r;
    struct u256 b128 = dec("340282366920938463463374607431768211456");

    ck_assert_int_eq(u256_sub(&zero, &one, &r), 1);
    check_dec(&r, max_dec);
    ck_assert_int_eq(u256_sub(&b128, &one, &r), 0);
    check_dec(&r, "340282366920938463463374607431768211455");
    ck_assert_int_eq(u256_sub(&b128, &b128, &r), 0);
    ck_assert(u256_is_zero(&r));
    ck_assert_int_eq(u256_sub(&one, &b128, &one), 1);
}
END_TEST

START_TEST(test_u256__cmp)
{
    struct u256 a = u256_from_u64(5), b = u256_from_u64(6);
    struct u256 hi = { { 0, 0, 0, 1 } }, lo = { { UINT64_MAX, UINT64_MAX,
                                                  UINT64_MAX, 0 } };

    ck_assert_int_eq(u256_cmp(&a, &b), -1);
    ck_assert_int_eq(u256_cmp(&b, &a), 1);
    ck_assert_int_eq(u256_cmp(&a, &a), 0);
    ck_assert_int_eq(u256_cmp(&hi, &lo), 1);
    ck_assert_int_eq(u256_cmp(&lo, &hi), -1);
    ck_assert(!u256_is_zero(&hi));
}
END_TEST

START_TEST(test_u256__double)
{
    struct u256 v = dec("18446744073709551616");
    struct u256 max = dec(max_dec);
    struct u256 eth = dec("3500000000000000");

    ck_assert(u256_to_double(&v) == 18446744073709551616.0);
    ck_assert(fabs(u256_to_double(&max) / 1.157920892373162e77 - 1.0) < 1e-12);
    ck_assert(u256_to_double(&eth) == 3.5e15);
    v = u256_from_u64(0);
    ck_assert(u256_to_double(&v) == 0.0);
}
END_TEST

START_TEST(test_u256__random_roundtrips)
{
    int i;

    for (i = 0; i < 2000; i++) {
        struct u256 a = random_u256(), b = random_u256(), s, d, back;
        char text[U256_DEC_SIZE];
        int carry, borrow;

        ck_assert_int_eq(u256_to_dec(&a, text, sizeof(text)), 0);
        ck_assert_int_eq(u256_from_dec(text, strlen(text), &back), 0);
        ck_assert_int_eq(u256_cmp(&a, &back), 0);

        carry = u256_add(&a, &b, &s);
        borrow = u256_sub(&s, &b, &d);
        ck_assert_int_eq(u256_cmp(&d, &a), 0);
        ck_assert_int_eq(carry, borrow);
        ck_assert_int_eq(u256_sub(&a, &b, &d), u256_cmp(&a, &b) < 0);
    }
}
END_TEST

static Suite *u256_suite(void)
{
    Suite *s = suite_create("u256");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_u256__be32);
    tcase_add_test(tc, test_u256__u64);
    tcase_add_test(tc, test_u256__dec_max);
    tcase_add_test(tc, test_u256__dec_values);
    tcase_add_test(tc, test_u256__dec_rejects);
    tcase_add_test(tc, test_u256__dec_capacity);
    tcase_add_test(tc, test_u256__hex);
    tcase_add_test(tc, test_u256__units);
    tcase_add_test(tc, test_u256__units_decimals);
    tcase_add_test(tc, test_u256__add_carry);
    tcase_add_test(tc, test_u256__sub_borrow);
    tcase_add_test(tc, test_u256__cmp);
    tcase_add_test(tc, test_u256__double);
    tcase_add_test(tc, test_u256__random_roundtrips);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(u256_suite)
