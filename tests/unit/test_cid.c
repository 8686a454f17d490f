/*
 * test_cid.c - CIDv0 text and the engine's getIPFSCID(), checked against
 * the contract's own test vectors and the registered model templates.
 */
#include "arbiusd/cid.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arbiusd/buf.h"
#include "arbiusd/hex.h"
#include "arbiusd/util.h"
#include "unit.h"

/* Reads tests/data/<rel> into a new buffer the caller frees. */
static char *read_data(const char *rel, size_t *len)
{
    char path[512], *data = NULL;

    test_data_path(rel, path, sizeof(path));
    ck_assert_msg(util_read_file(path, 1 << 20, &data, len) == 0,
                  "cannot read %s", path);
    return data;
}

/* Loads tests/data/<rel> as JSON; the caller decrefs. */
static json_t *load_json(const char *rel)
{
    char path[512];
    json_error_t err;
    json_t *j;

    test_data_path(rel, path, sizeof(path));
    j = json_load_file(path, 0, &err);
    ck_assert_msg(j != NULL, "%s: %s", path, err.text);
    return j;
}

/* Asserts mh is the 0x-hex text want. */
static void check_hex(const uint8_t mh[CID_V0_LEN], const char *want)
{
    char text[2 * CID_V0_LEN + 3];

    ck_assert_int_eq(hex_encode_0x(mh, CID_V0_LEN, text, sizeof(text)), 0);
    ck_assert_str_eq(text, want);
}

START_TEST(test_cid__contract_vectors)
{
    json_t *exp = load_json("arbius/ipfs_test_vectors/expected.json");
    const char *key;
    json_t *row;
    int seen = 0;

    json_object_foreach(exp, key, row) {
        char rel[256], text[CID_V0_TEXT_SIZE];
        uint8_t mh[CID_V0_LEN], back[CID_V0_LEN];
        const char *want_hex, *want_b58;
        size_t len;
        char *content;

        if (key[0] == '_')
            continue;
        want_hex = json_string_value(json_object_get(row, "cid_hex"));
        want_b58 = json_string_value(json_object_get(row, "cid_b58"));
        ck_assert_ptr_nonnull(want_hex);
        ck_assert_ptr_nonnull(want_b58);
        snprintf(rel, sizeof(rel), "arbius/ipfs_test_vectors/%s", key);
        content = read_data(rel, &len);

        ck_assert_int_eq(cid_hash_content(content, len, mh), 0);
        check_hex(mh, want_hex);
        ck_assert_int_eq(cid_format_v0(mh, sizeof(mh), text, sizeof(text)),
                         0);
        ck_assert_str_eq(text, want_b58);
        ck_assert_int_eq(cid_parse_v0(want_b58, strlen(want_b58), back), 0);
        ck_assert_mem_eq(back, mh, sizeof(mh));
        free(content);
        seen++;
    }
    ck_assert_int_eq(seen, 4);
    json_decref(exp);
}
END_TEST

/* Every model row with a template file: getIPFSCID(template) is its cid. */
START_TEST(test_cid__model_templates)
{
    json_t *ids = load_json("arbius/model_ids.json");
    const char *chain;
    json_t *rows;
    int seen = 0;

    json_object_foreach(ids, chain, rows) {
        size_t i;
        json_t *row;

        if (!json_is_array(rows))
            continue;
        json_array_foreach(rows, i, row) {
            const char *tmpl = json_string_value(json_object_get(row,
                                                                 "template"));
            const char *want = json_string_value(json_object_get(row,
                                                         "template_cid"));
            char rel[256];
            uint8_t mh[CID_V0_LEN];
            size_t n, len;
            char *content;

            if (tmpl == NULL || want == NULL)
                continue;
            /* "templates/kandinsky2.json (== ...)": keep the path. */
            n = strcspn(tmpl, " ");
            snprintf(rel, sizeof(rel), "arbius/%.*s", (int)n, tmpl);
            content = read_data(rel, &len);
            ck_assert_int_eq(cid_hash_content(content, len, mh), 0);
            check_hex(mh, want);
            free(content);
            seen++;
        }
    }
    ck_assert_int_ge(seen, 3);
    json_decref(ids);
}
END_TEST

START_TEST(test_cid__named_templates)
{
    static const struct {
        const char *file;
        const char *cid_prefix;
    } t[] = {
        { "wai_v120.json", "0x12209bbb77e6" },
        { "qwen_qwq_32b.json", "0x12208dc17f" },
        { "qwen_qwq_32b.explorer.json", "0x12208dc17f" },
        { "kandinsky2.json", "0x1220511fdf" },
        { "kandinsky2.onchain_nova.json", "0x1220511fdf" },
        { "kandinsky2.website_dec2023.json", "0x1220f737" },
        { "kandinsky2.miner_old.json", "0x122034c8" },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(t); i++) {
        char rel[256], text[2 * CID_V0_LEN + 3];
        uint8_t mh[CID_V0_LEN];
        size_t len;
        char *content;

        snprintf(rel, sizeof(rel), "arbius/templates/%s", t[i].file);
        content = read_data(rel, &len);
        ck_assert_int_eq(cid_hash_content(content, len, mh), 0);
        ck_assert_int_eq(hex_encode_0x(mh, sizeof(mh), text, sizeof(text)),
                         0);
        ck_assert_msg(strncmp(text, t[i].cid_prefix,
                              strlen(t[i].cid_prefix)) == 0,
                      "%s: %s", t[i].file, text);
        free(content);
    }
}
END_TEST

/*
 * Lengths where the varints change size, and the 65536-byte limit.  The
 * expected values come from an independent implementation of IPFS.sol's
 * formula; content byte i is (13 * i + 7) % 251.
 */
START_TEST(test_cid__varint_boundaries)
{
    static const struct {
        size_t n;
        const char *hex;
        const char *b58;
    } v[] = {
        { 1, "0x1220838b861ce9348c06d8c33e18bf6ef47b2f428f81b49151071ff758af"
             "9d8d079a", "QmXC9WjuLo7EfydBdbWyvpGif62nrxbDCX2vcz9ZqLTQvV" },
        { 127, "0x12203d3baf972a0254cb9b77a9196fd8bff5cb23291286b80a7a2dd86b"
               "0208c6036d", "QmSTgNABLszgExuPkT9bH5nD4rPfE2FfyxejYQtP7hCd2k" },
        { 128, "0x1220b1ad0412a806407e1f59551054d4243798e48bad69c0b750b3dca3"
               "2dae7b8bc2", "QmaJDtU81gTAYktmQREWDm9MVsWH54aBunGjc3YWkLNuV3" },
        { 65522, "0x12204db2b0457f4d6e74404772a4ca84756cca9ea0ffdfe2a12f4cd3"
                 "4e5a49fd0924",
          "QmTZx8oWxnk51k35bYwdAueG7RG3JWRejXZVkpsSCbMwd5" },
        { 65536, "0x122084f8ab37df67c139ad9992a23d2e5dff0215acc54f53d6f2bad1"
                 "ba1e40bf8e35",
          "QmXHiT2jewGFeMJmrJzu6L9sEjncmwXQoirCmtZS65cvWQ" },
    };
    uint8_t *content = xmalloc(CID_MAX_CONTENT + 1);
    size_t i;

    for (i = 0; i < CID_MAX_CONTENT + 1; i++)
        content[i] = (uint8_t)((13 * i + 7) % 251);
    for (i = 0; i < ARRAY_SIZE(v); i++) {
        uint8_t mh[CID_V0_LEN];
        char text[CID_V0_TEXT_SIZE];

        ck_assert_int_eq(cid_hash_content(content, v[i].n, mh), 0);
        check_hex(mh, v[i].hex);
        ck_assert_int_eq(cid_format_v0(mh, sizeof(mh), text, sizeof(text)),
                         0);
        ck_assert_str_eq(text, v[i].b58);
    }
    {
        uint8_t mh[CID_V0_LEN];

        memset(mh, 0xaa, sizeof(mh));
        ck_assert_int_eq(cid_hash_content(content, CID_MAX_CONTENT + 1, mh),
                         -1);
        ck_assert_uint_eq(mh[0], 0xaa);
    }
    free(content);
}
END_TEST

/*
 * Empty content: IPFS.sol still writes "0x12 0x00" (an empty Data field),
 * which go-ipfs omits for an empty file (node 0a 04 08 02 18 00, CID
 * QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH).  We follow the contract,
 * since the result is compared with cids it stored.
 */
START_TEST(test_cid__empty_content)
{
    uint8_t mh[CID_V0_LEN];
    char text[CID_V0_TEXT_SIZE];

    ck_assert_int_eq(cid_hash_content(NULL, 0, mh), 0);
    check_hex(mh, "0x1220b3a6bef46668a7425b86a78482f79a72261582ba7eb4d718e494"
                  "ce01ecc4cf56");
    ck_assert_int_eq(cid_format_v0(mh, sizeof(mh), text, sizeof(text)), 0);
    ck_assert_str_eq(text, "QmaRwA91m9Rdfaq9u3FH1fdMVxw1wFPjKL38czkWMxh3KB");
    ck_assert_str_ne(text, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH");
}
END_TEST

/* Solution cids seen on Arbitrum One (svdl1185/arbius_gallery rows). */
START_TEST(test_cid__chain_samples)
{
    char path[512];
    json_error_t err;
    json_t *root, *rows, *row;
    size_t i;
    int seen = 0;

    test_data_path("arbius/samples/third_party_samples.json", path,
                   sizeof(path));
    root = json_load_file(path, 0, &err);
    ck_assert_msg(root != NULL, "%s: %s", path, err.text);
    rows = json_object_get(json_object_get(root,
                "arbitrum_one_gallery_rows__svdl1185_arbius_gallery"), "rows");
    json_array_foreach(rows, i, row) {
        const char *hex = json_string_value(json_object_get(row,
                                                    "solution_cid_hex"));
        const char *b58 = json_string_value(json_object_get(row,
                                                    "solution_cid_b58"));
        uint8_t mh[CID_V0_LEN], back[CID_V0_LEN];
        char text[CID_V0_TEXT_SIZE];

        if (hex == NULL || b58 == NULL)
            continue;
        ck_assert_int_eq(hex_decode_exact(hex, strlen(hex), mh, sizeof(mh)),
                         0);
        ck_assert_int_eq(cid_format_v0(mh, sizeof(mh), text, sizeof(text)),
                         0);
        ck_assert_str_eq(text, b58);
        ck_assert_int_eq(cid_parse_v0(b58, strlen(b58), back), 0);
        ck_assert_mem_eq(back, mh, sizeof(mh));
        seen++;
    }
    ck_assert_int_ge(seen, 2);
    json_decref(root);
}
END_TEST

START_TEST(test_cid__format_rejects)
{
    uint8_t mh[CID_V0_LEN + 1];
    char text[CID_V0_TEXT_SIZE];

    memset(mh, 0x11, sizeof(mh));
    mh[0] = 0x12;
    mh[1] = 0x20;
    ck_assert(cid_is_v0(mh, CID_V0_LEN));
    ck_assert_int_eq(cid_format_v0(mh, CID_V0_LEN, text, sizeof(text)), 0);
    ck_assert_uint_eq(strlen(text), CID_V0_TEXT_LEN);
    /* Hostile chain bytes: wrong length or header. */
    memset(text, 'X', sizeof(text));
    ck_assert_int_eq(cid_format_v0(mh, CID_V0_LEN - 1, text, sizeof(text)),
                     -1);
    ck_assert_int_eq(cid_format_v0(mh, CID_V0_LEN + 1, text, sizeof(text)),
                     -1);
    ck_assert_int_eq(cid_format_v0(mh, 0, text, sizeof(text)), -1);
    ck_assert_int_eq(cid_format_v0(NULL, CID_V0_LEN, text, sizeof(text)), -1);
    ck_assert_int_eq(cid_format_v0(mh, CID_V0_LEN, text, sizeof(text) - 1),
                     -1);
    ck_assert_int_eq(text[0], 'X');
    mh[0] = 0x13;
    ck_assert(!cid_is_v0(mh, CID_V0_LEN));
    ck_assert_int_eq(cid_format_v0(mh, CID_V0_LEN, text, sizeof(text)), -1);
    mh[0] = 0x12;
    mh[1] = 0x21;
    ck_assert_int_eq(cid_format_v0(mh, CID_V0_LEN, text, sizeof(text)), -1);
}
END_TEST

START_TEST(test_cid__parse_rejects)
{
    static const char *bad[] = {
        "",
        "Qm",
        "QmdyL59DkUaj6EMcDD3b4rMchGZFJnasT6C6N2RvpGLYX",   /* 45 chars */
        "QmdyL59DkUaj6EMcDD3b4rMchGZFJnasT6C6N2RvpGLYXii", /* 47 chars */
        "QmdyL59DkUaj6EMcDD3b4rMchGZFJnasT6C6N2RvpGLYX0",  /* '0' */
        "QmdyL59DkUaj6EMcDD3b4rMchGZFJnasT6C6N2RvpGLYXl",  /* 'l' */
        "qmdyL59DkUaj6EMcDD3b4rMchGZFJnasT6C6N2RvpGLYXi",  /* not Qm */
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        /* Right shape, but not a 0x12 0x20 multihash. */
        "Qmzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "Qm11111111111111111111111111111111111111111111",
    };
    uint8_t mh[CID_V0_LEN];
    size_t i;

    memset(mh, 0x77, sizeof(mh));
    for (i = 0; i < ARRAY_SIZE(bad); i++)
        ck_assert_msg(cid_parse_v0(bad[i], strlen(bad[i]), mh) == -1,
                      "accepted %s", bad[i]);
    ck_assert_uint_eq(mh[0], 0x77);
}
END_TEST

/* The gallery URL shape of PROTOCOL.md section 4, from every way a gateway
 * is written in configs, and file names that need encoding. */
START_TEST(test_cid__gateway_url)
{
    static const char *cid = "QmQqzMTavQgT4f4T5v6PWBp7XNKtoPmC9jvn12WPT3gkSE";
    static const char *gws[] = { "https://ipfs.arbius.org",
                                 "https://ipfs.arbius.org/",
                                 "https://ipfs.arbius.org/ipfs",
                                 "https://ipfs.arbius.org/ipfs/" };
    char want[160];
    struct buf b = BUF_INIT(256), tiny = BUF_INIT(20);
    size_t i;

    snprintf(want, sizeof(want), "https://ipfs.arbius.org/ipfs/%s/out-1.png",
             cid);
    for (i = 0; i < sizeof(gws) / sizeof(gws[0]); i++) {
        buf_reset(&b);
        ck_assert_int_eq(cid_gateway_url(&b, gws[i], cid, "out-1.png"), 0);
        ck_assert_str_eq(b.data, want);
    }
    buf_reset(&b);
    ck_assert_int_eq(cid_gateway_url(&b, "http://127.0.0.1:8080", cid, NULL),
                     0);
    snprintf(want, sizeof(want), "http://127.0.0.1:8080/ipfs/%s", cid);
    ck_assert_str_eq(b.data, want);
    buf_reset(&b);
    ck_assert_int_eq(cid_gateway_url(&b, "https://g", cid,
                                      "a b/\xc3\xa9?#\"<x>.txt"), 0);
    snprintf(want, sizeof(want),
             "https://g/ipfs/%s/a%%20b/%%C3%%A9%%3F%%23%%22%%3Cx%%3E.txt", cid);
    ck_assert_str_eq(b.data, want);
    ck_assert_int_eq(cid_gateway_url(&tiny, "https://ipfs.arbius.org", cid,
                                      "out-1.png"), -1);
    buf_release(&b);
    buf_release(&tiny);
}
END_TEST

static Suite *cid_suite(void)
{
    Suite *s = suite_create("cid");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_cid__contract_vectors);
    tcase_add_test(tc, test_cid__model_templates);
    tcase_add_test(tc, test_cid__named_templates);
    tcase_add_test(tc, test_cid__varint_boundaries);
    tcase_add_test(tc, test_cid__empty_content);
    tcase_add_test(tc, test_cid__chain_samples);
    tcase_add_test(tc, test_cid__format_rejects);
    tcase_add_test(tc, test_cid__parse_rejects);
    tcase_add_test(tc, test_cid__gateway_url);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(cid_suite)
