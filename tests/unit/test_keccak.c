/*
 * test_keccak.c - Keccak-256: published vectors, the rate boundary, the
 * incremental API, and every topic0/selector of the Arbius contracts.
 */
#include "arbiusd/keccak.h"

#include <string.h>

#include "arbiusd/hex.h"
#include "arbiusd/util.h"
#include "unit.h"

/* Asserts keccak256(data[0..len)) equals the 64-digit hex digest want. */
static void check_digest(const void *data, size_t len, const char *want)
{
    uint8_t got[KECCAK256_LEN];
    char text[2 * KECCAK256_LEN + 1];

    keccak256(data, len, got);
    ck_assert_int_eq(hex_encode(got, sizeof(got), text, sizeof(text)), 0);
    ck_assert_str_eq(text, want);
}

START_TEST(test_keccak__empty)
{
    check_digest("", 0,
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    check_digest(NULL, 0,
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}
END_TEST

START_TEST(test_keccak__short_strings)
{
    static const char fox[] = "The quick brown fox jumps over the lazy dog";

    check_digest("abc", 3,
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    check_digest(fox, strlen(fox),
        "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
    check_digest("Transfer(address,address,uint256)", 33,
        "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
}
END_TEST

START_TEST(test_keccak__not_sha3)
{
    /* SHA3-256("") is a7ffc6f8...; a wrong pad byte would give that. */
    uint8_t got[KECCAK256_LEN], sha3[KECCAK256_LEN];
    size_t n;

    ck_assert_int_eq(hex_decode("a7ffc6f8bf1ed76651c14756a061d662"
                                "f580ff4de43b49fa82d80a4b80f8434a", 64,
                                sha3, sizeof(sha3), &n), 0);
    keccak256("", 0, got);
    ck_assert_mem_ne(got, sha3, sizeof(got));
}
END_TEST

START_TEST(test_keccak__a3_200)
{
    uint8_t msg[200];

    memset(msg, 0xa3, sizeof(msg));
    check_digest(msg, sizeof(msg),
        "3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
}
END_TEST

START_TEST(test_keccak__rate_boundary)
{
    uint8_t msg[137];

    /* 135 bytes: the 0x01 and 0x80 pad bits share the last rate byte. */
    memset(msg, 0xa3, sizeof(msg));
    check_digest(msg, 135,
        "3d28d08c3dacab77392064a939f3e7f8d03f2e02e2c664ac08a05f63ac652626");
    /* 136 bytes: a full block, the padding takes a block of its own. */
    check_digest(msg, 136,
        "b82d89d96e5575d11a9e1f4cabb2a45e60899e69a19a724cd796bdcf13511018");
    memset(msg, 0, sizeof(msg));
    check_digest(msg, 136,
        "3a5912a7c5faa06ee4fe906253e339467a9ce87d533c65be3c15cb231cdb25f9");
    check_digest(msg, 137,
        "bee7fbb405cb0d91a8775e338c4a5e4b5d6b2d051f687fa942043cffdc73bd28");
}
END_TEST

START_TEST(test_keccak__incremental)
{
    uint8_t msg[3 * KECCAK256_RATE + 7], want[KECCAK256_LEN];
    size_t split, i;

    for (i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 31 + 7);
    keccak256(msg, sizeof(msg), want);
    for (split = 0; split <= sizeof(msg); split++) {
        struct keccak256_ctx ctx;
        uint8_t got[KECCAK256_LEN];

        keccak256_init(&ctx);
        keccak256_update(&ctx, msg, split);
        keccak256_update(&ctx, NULL, 0);
        keccak256_update(&ctx, msg + split, sizeof(msg) - split);
        keccak256_final(&ctx, got);
        ck_assert_mem_eq(got, want, sizeof(want));
    }
    /* Byte at a time. */
    {
        struct keccak256_ctx ctx;
        uint8_t got[KECCAK256_LEN];

        keccak256_init(&ctx);
        for (i = 0; i < sizeof(msg); i++)
            keccak256_update(&ctx, msg + i, 1);
        keccak256_final(&ctx, got);
        ck_assert_mem_eq(got, want, sizeof(want));
    }
}
END_TEST

/*
 * Recomputes every line "0x<hash> Signature(types)" of the researcher's
 * file: 32-byte event topics and 4-byte function selectors.
 */
START_TEST(test_keccak__topics_and_selectors_file)
{
    char path[512], *text, *line, *save = NULL;
    size_t len;
    int topics = 0, selectors = 0;

    test_data_path("arbius/topics_and_selectors.computed.txt", path,
                   sizeof(path));
    ck_assert_int_eq(util_read_file(path, 1 << 20, &text, &len), 0);
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        uint8_t want[KECCAK256_LEN], got[KECCAK256_LEN];
        const char *sp, *sig;
        size_t hexlen, n;

        if (strncmp(line, "0x", 2) != 0)
            continue;
        sp = strchr(line, ' ');
        ck_assert_ptr_nonnull(sp);
        hexlen = (size_t)(sp - line);
        sig = sp + 1;
        ck_assert_int_eq(hex_decode(line, hexlen, want, sizeof(want), &n),
                         0);
        ck_assert_msg(n == 32 || n == 4, "odd hash length on: %s", line);
        keccak256(sig, strlen(sig), got);
        ck_assert_msg(memcmp(got, want, n) == 0, "mismatch: %s", line);
        if (n == 32)
            topics++;
        else
            selectors++;
    }
    free(text);
    ck_assert_int_ge(topics, 35);
    ck_assert_int_ge(selectors, 30);
}
END_TEST

static Suite *keccak_suite(void)
{
    Suite *s = suite_create("keccak");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_keccak__empty);
    tcase_add_test(tc, test_keccak__short_strings);
    tcase_add_test(tc, test_keccak__not_sha3);
    tcase_add_test(tc, test_keccak__a3_200);
    tcase_add_test(tc, test_keccak__rate_boundary);
    tcase_add_test(tc, test_keccak__incremental);
    tcase_add_test(tc, test_keccak__topics_and_selectors_file);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(keccak_suite)
