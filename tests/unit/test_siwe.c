/*
 * test_siwe.c - the EIP-4361 parser and EIP-191 recovery.
 *
 * The messages and signatures were produced by npm siwe 3.0.0
 * (SiweMessage.prepareMessage) and ethers 6.17.0 (Wallet.signMessage) with
 * the private key 0x4c0883a6...3f362318; the unix times by Python's
 * calendar.timegm.
 */
#include "arbiusd/siwe.h"

#include <string.h>

#include "arbiusd/hex.h"
#include "unit.h"

#define ADDR "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"

static const char FULL[] =
    "example.org:8080 wants you to sign in with your Ethereum account:\n"
    ADDR "\n\n"
    "Sign in to vote, react and comment.\n\n"
    "URI: https://example.org:8080/login\n"
    "Version: 1\n"
    "Chain ID: 42161\n"
    "Nonce: abcDEF0123456789\n"
    "Issued At: 2026-11-23T13:47:40.123Z\n"
    "Expiration Time: 2026-11-23T14:47:40Z\n"
    "Not Before: 2026-11-23T13:40:00+01:00\n"
    "Request ID: req-1\n"
    "Resources:\n"
    "- ipfs://bafy\n"
    "- https://example.org/terms";

static const char FULL_SIG[] =
    "0x6148f6768c407d85e0c579fbf5233bd272a31829855afd6711533e785fee607e7b96e5"
    "9827988402a393ce4457a19dc96a98bd849b9279377d9ad60497ea43be1b";
/* The same signature with s replaced by n - s and v flipped: a valid
 * ECDSA signature of the same key that EIP-2 forbids. */
static const char FULL_SIG_HIGH_S[] =
    "0x6148f6768c407d85e0c579fbf5233bd272a31829855afd6711533e785fee607e84691a"
    "67d8677bfd5c6c31bba85e623550161f6213b6270442378888384bfd831c";

static const char NO_STATEMENT[] =
    "localhost wants you to sign in with your Ethereum account:\n"
    ADDR "\n\n\n"
    "URI: http://localhost/\n"
    "Version: 1\n"
    "Chain ID: 1\n"
    "Nonce: 12345678\n"
    "Issued At: 2026-01-01T00:00:00Z";

static int slice_is(struct siwe_slice s, const char *want)
{
    return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

START_TEST(test_siwe__parse_full)
{
    struct siwe_msg m;
    char err[128];
    uint8_t a[20];

    ck_assert_int_eq(siwe_parse(FULL, strlen(FULL), &m, err, sizeof(err)), 0);
    ck_assert(slice_is(m.domain, "example.org:8080"));
    ck_assert_ptr_null(m.scheme.p);
    ck_assert_int_eq(hex_parse_address(ADDR, 42, 0, a), 0);
    ck_assert_mem_eq(m.address, a, 20);
    ck_assert(slice_is(m.statement, "Sign in to vote, react and comment."));
    ck_assert(slice_is(m.uri, "https://example.org:8080/login"));
    ck_assert(slice_is(m.uri_authority, "example.org:8080"));
    ck_assert_uint_eq(m.chain_id, 42161);
    ck_assert(slice_is(m.nonce, "abcDEF0123456789"));
    ck_assert_int_eq(m.issued_at, 1795441660);
    ck_assert_int_eq(m.has_expiration, 1);
    ck_assert_int_eq(m.expiration, 1795445260);
    ck_assert_int_eq(m.has_not_before, 1);
    ck_assert_int_eq(m.not_before, 1795437600);
    ck_assert(slice_is(m.request_id, "req-1"));
    ck_assert_uint_eq(m.nresources, 2);
}
END_TEST

START_TEST(test_siwe__parse_no_statement_and_scheme)
{
    static const char with_scheme[] =
        "https://localhost wants you to sign in with your Ethereum account:\n"
        ADDR "\n\n\n"
        "URI: http://localhost/\nVersion: 1\nChain ID: 1\nNonce: 12345678\n"
        "Issued At: 2026-01-01T00:00:00Z";
    struct siwe_msg m;
    char err[128];

    ck_assert_int_eq(siwe_parse(NO_STATEMENT, strlen(NO_STATEMENT), &m, err,
                                sizeof(err)), 0);
    ck_assert_ptr_null(m.statement.p);
    ck_assert_int_eq(m.has_expiration, 0);
    ck_assert_int_eq(m.issued_at, 1767225600);
    ck_assert(slice_is(m.uri_authority, "localhost"));
    ck_assert_int_eq(siwe_parse(with_scheme, strlen(with_scheme), &m, err,
                                sizeof(err)), 0);
    ck_assert(slice_is(m.scheme, "https"));
    ck_assert(slice_is(m.domain, "localhost"));
}
END_TEST

/* Each broken variant of NO_STATEMENT is refused with a reason naming the
 * field. */
START_TEST(test_siwe__parse_refusals)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "", "empty" },
        { "localhost wants you to sign in\n", "header" },
        { "local host wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z", "domain" },
        /* lower-case address: not EIP-55 */
        { "localhost wants you to sign in with your Ethereum account:\n"
          "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23\n\n\nURI: http://localhost/"
          "\nVersion: 1\nChain ID: 1\nNonce: 12345678\n"
          "Issued At: 2026-01-01T00:00:00Z", "EIP-55" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          "0x2c7536E3605D9C16a7a3D7b1898e529396a65c2\n\n\nURI: http://localhost/"
          "\nVersion: 1\nChain ID: 1\nNonce: 12345678\n"
          "Issued At: 2026-01-01T00:00:00Z", "address" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 2\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z", "Version" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 0x1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z", "Chain ID" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 1234567\nIssued At: 2026-01-01T00:00:00Z", "Nonce" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 1234567!\nIssued At: 2026-01-01T00:00:00Z", "Nonce" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-02-30T00:00:00Z", "Issued At" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z\n", "trailing" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678", "Issued At" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: not a uri\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z", "URI" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z\n"
          "Not Before: 2026-01-01T00:00:00Z\n"
          "Expiration Time: 2026-01-01T00:00:00Z", "order" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z\nResources:",
          "Resources" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\nTwo\nlines\n\nURI: http://localhost/\nVersion: 1\n"
          "Chain ID: 1\nNonce: 12345678\nIssued At: 2026-01-01T00:00:00Z",
          "statement" },
        { "localhost wants you to sign in with your Ethereum account:\r\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z", "printable" },
        { "localhost wants you to sign in with your Ethereum account:\n"
          ADDR "\n\n\nURI: http://localhost/\nVersion: 1\nChain ID: 1\n"
          "Nonce: 12345678\nIssued At: 2026-01-01T00:00:00Z\nFoo: bar",
          "unknown" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct siwe_msg m;
        char err[128] = "";

        ck_assert_msg(siwe_parse(cases[i].text, strlen(cases[i].text), &m,
                                 err, sizeof(err)) == -1,
                      "case %zu accepted", i);
        ck_assert_msg(strstr(err, cases[i].want) != NULL,
                      "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
    }
}
END_TEST

START_TEST(test_siwe__times)
{
    int64_t t = 1;
    int frac = 0;

    ck_assert_int_eq(siwe_parse_time("1970-01-01T00:00:00Z", 20, &t, &frac), 0);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(siwe_parse_time("2024-02-29T23:59:59.000Z", 24, &t, &frac), 0);
    ck_assert_int_eq(t, 1709251199);
    ck_assert_int_eq(frac, 0);
    ck_assert_int_eq(siwe_parse_time("2024-03-01T00:59:59.5+01:00", 27, &t, &frac), 0);
    ck_assert_int_eq(t, 1709251199);
    ck_assert_int_eq(frac, 1);
    ck_assert_int_eq(siwe_parse_time("2023-02-29T00:00:00Z", 20, &t, NULL), -1);
    ck_assert_int_eq(siwe_parse_time("2023-01-01T24:00:00Z", 20, &t, NULL), -1);
    ck_assert_int_eq(siwe_parse_time("2023-01-01T00:00:00", 19, &t, NULL), -1);
    ck_assert_int_eq(siwe_parse_time("2023-01-01T00:00:00.Z", 21, &t, NULL), -1);
    ck_assert_int_eq(siwe_parse_time("2023-01-01 00:00:00Z", 20, &t, NULL), -1);
    ck_assert_int_eq(siwe_parse_time("2023-01-01T00:00:00+0100", 24, &t, NULL), -1);
}
END_TEST

START_TEST(test_siwe__recover)
{
    uint8_t sig[65], got[20], want[20];

    ck_assert_int_eq(hex_parse_address(ADDR, 42, 0, want), 0);
    ck_assert_int_eq(hex_decode_exact(FULL_SIG, strlen(FULL_SIG), sig, 65), 0);
    ck_assert_int_eq(siwe_recover(FULL, strlen(FULL), sig, got), SIWE_SIG_OK);
    ck_assert_mem_eq(got, want, 20);
    /* v as 0/1 is the same signature. */
    sig[64] -= 27;
    ck_assert_int_eq(siwe_recover(FULL, strlen(FULL), sig, got), SIWE_SIG_OK);
    ck_assert_mem_eq(got, want, 20);
    /* Another message: some other (or no) address. */
    sig[64] += 27;
    if (siwe_recover(NO_STATEMENT, strlen(NO_STATEMENT), sig, got) == SIWE_SIG_OK)
        ck_assert(memcmp(got, want, 20) != 0);
    /* Bad v. */
    sig[64] = 29;
    ck_assert_int_eq(siwe_recover(FULL, strlen(FULL), sig, got), SIWE_SIG_BAD_V);
    sig[64] = 2;
    ck_assert_int_eq(siwe_recover(FULL, strlen(FULL), sig, got), SIWE_SIG_BAD_V);
    /* High s. */
    ck_assert_int_eq(hex_decode_exact(FULL_SIG_HIGH_S, strlen(FULL_SIG_HIGH_S),
                                      sig, 65), 0);
    ck_assert_int_eq(siwe_recover(FULL, strlen(FULL), sig, got), SIWE_SIG_HIGH_S);
    /* r = 0. */
    ck_assert_int_eq(hex_decode_exact(FULL_SIG, strlen(FULL_SIG), sig, 65), 0);
    memset(sig, 0, 32);
    ck_assert_int_eq(siwe_recover(FULL, strlen(FULL), sig, got), SIWE_SIG_INVALID);
    ck_assert_str_eq(siwe_sig_strerror(SIWE_SIG_HIGH_S),
                     "s is above half the curve order (not canonical, EIP-2)");
}
END_TEST

static Suite *siwe_suite(void)
{
    Suite *s = suite_create("siwe");
    TCase *tc = tcase_create("siwe");

    tcase_add_test(tc, test_siwe__parse_full);
    tcase_add_test(tc, test_siwe__parse_no_statement_and_scheme);
    tcase_add_test(tc, test_siwe__parse_refusals);
    tcase_add_test(tc, test_siwe__times);
    tcase_add_test(tc, test_siwe__recover);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(siwe_suite)
