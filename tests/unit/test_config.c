/* test_config.c - defaults, file, environment, and every error path. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arbiusd/buf.h"
#include "arbiusd/config.h"
#include "unit.h"

/* Writes text to a temporary file; returns its path (static buffer). */
static const char *write_tmp(const char *text)
{
    static char path[64];
    FILE *f;
    int fd;

    snprintf(path, sizeof(path), "/tmp/arbiusd-cfg-XXXXXX");
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads text as a config file; returns the load result, err filled. */
static int load_text(struct config *c, const char *text, char *err,
                     size_t errlen, const char **pathp)
{
    const char *path = write_tmp(text);
    int r;

    config_init_defaults(c);
    r = config_load(c, path, err, errlen);
    if (pathp)
        *pathp = path;
    return r;
}

START_TEST(test_config__defaults)
{
    struct config c;
    char err[256];

    config_init_defaults(&c);
    ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), 0);
    ck_assert_str_eq(c.listen, "127.0.0.1:8080");
    ck_assert_str_eq(c.listen_host, "127.0.0.1");
    ck_assert_uint_eq(c.listen_port, 8080);
    ck_assert_str_eq(c.db_path, "./arbiusd.db");
    ck_assert_uint_eq(c.chain_id, 42161);
    ck_assert_uint_eq(c.rpc_urls.n, 1);
    ck_assert_str_eq(c.rpc_urls.items[0], "https://arb1.arbitrum.io/rpc");
    ck_assert_uint_eq(c.engine[0], 0x9b);
    ck_assert_uint_eq(c.engine[19], 0x66);
    ck_assert_uint_eq(c.token[0], 0x4a);
    ck_assert_int_eq(c.has_router, 1);
    ck_assert_uint_eq(c.gateways.n, 1);
    ck_assert_uint_eq(c.admin_wallets.n, 0);
    config_release(&c);
}
END_TEST

START_TEST(test_config__file_and_lists)
{
    struct config c;
    char err[256];

    ck_assert_int_eq(
        load_text(&c,
                  "[server]\nlisten = [::1]:0\n[chain]\n"
                  "rpc_urls = http://127.0.0.1:8545 , https://b.example/rpc/\n"
                  "router = none\nchain_id = 31337\n"
                  "[admin]\nwallets = 0xAbCdEf0123456789abcdef0123456789ABCDEF01\n",
                  err, sizeof(err), NULL),
        0);
    ck_assert_str_eq(c.listen_host, "::1");
    ck_assert_uint_eq(c.listen_port, 0);
    ck_assert_uint_eq(c.rpc_urls.n, 2);
    ck_assert_str_eq(c.rpc_urls.items[1], "https://b.example/rpc");
    ck_assert_int_eq(c.has_router, 0);
    ck_assert_uint_eq(c.chain_id, 31337);
    ck_assert_str_eq(c.admin_wallets.items[0],
                     "0xabcdef0123456789abcdef0123456789abcdef01");
    config_release(&c);
}
END_TEST

/* Each bad line must be reported as file:line: key: reason. */
START_TEST(test_config__errors_have_location)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        { "[server]\nlisten = 127.0.0.1\n", ":2: listen: expected host:port" },
        { "[server]\nlisten = example.com:80\n",
          ":2: listen: host \"example.com\" is not a numeric IP address" },
        { "[server]\nlisten = 127.0.0.1:70000\n", ":2: listen: bad port" },
        { "\n\n[chain]\nengine = 0x1234\n", ":4: engine: \"0x1234\" is not an address" },
        { "[chain]\nchain_id = -5\n", ":2: chain_id: \"-5\" is not a whole number" },
        { "[chain]\npoll_interval = 0\n",
          ":2: poll_interval: \"0\" is not a whole number from 1 to 3600" },
        { "[chain]\nrpc_urls = ftp://x\n", ":2: rpc_urls: \"ftp://x\" is not an http(s) URL" },
        { "[chain]\nrpc_urls = http://a,,http://b\n", ":2: rpc_urls: empty item" },
        { "[ipfs]\ngateways = https://g/\f/\n", ":2: gateways: \"https://g/\f\" is not an http(s) URL" },
        { "[server]\npublic_url = https://a\x01b\n", ":2: public_url: \"https://a\x01b\" is not" },
        { "[chain]\nbogus = 1\n", ":2: bogus: unknown key in [chain]" },
        { "[nope]\nx = 1\n", ":2: x: unknown section [nope]" },
        { "[log]\nlevel = loud\n", ":2: level: \"loud\" is not one of" },
        { "[admin]\nwallets = alice\n", ":2: wallets: \"alice\" is not a 0x address" },
        { "[server]\nthis is not ini\n", ":2: syntax" },
        { "[chain]\nprofile = mainnet\n", ":2: profile: \"mainnet\" is not one of" },
        { "[ratelimit]\napi = fast\n",
          ":2: api: \"fast\" is not requests/s,burst" },
        { "[ratelimit]\npage = 10,\n", ":2: page: \"10,\" is not requests/s,burst" },
        { "[backup]\ninterval = 0\n", ":2: interval: \"0\" is not a whole number" },
        { "[models]\nnames = 0x12=Short\n", ":2: names: \"0x12=Short\" is not 0x<64 hex digits>=Name" },
        { "[models]\nnames = 0x" "a473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0\n",
          "is not 0x<64 hex digits>=Name" },
        { "[models]\nnames = 0x" "a473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0=\n",
          "the name must be 1 to 64 characters" },
        { "[models]\nnames = 0x" "g473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0=X\n",
          "is not 0x<64 hex digits>=Name" },
        { "[miners]\nactive_window = 0\n", ":2: active_window: \"0\" is not a whole number from 1" },
        { "[auth]\nsession_secret = short\n",
          ":2: session_secret: must be empty or at least 32 characters" },
        { "[auth]\ncomment_max_length = 0\n",
          ":2: comment_max_length: \"0\" is not a whole number from 1 to 10000" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct config c;
        char err[512];
        const char *path;

        ck_assert_int_eq(load_text(&c, cases[i].text, err, sizeof(err), &path),
                         -1);
        ck_assert_msg(strncmp(err, path, strlen(path)) == 0,
                      "case %zu: no file name in '%s'", i, err);
        ck_assert_msg(strstr(err, cases[i].want) != NULL,
                      "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
        config_release(&c);
        unlink(path);
    }
}
END_TEST

/* [ratelimit] values: "R,B", "R" (burst = R), "off"; burst never below R. */
START_TEST(test_config__rate_values)
{
    struct config c;
    char err[512];

    config_init_defaults(&c);
    ck_assert_uint_eq(c.rl_api.rate, 50);
    ck_assert_uint_eq(c.rl_api.burst, 200);
    ck_assert_int_eq(config_set(&c, "ratelimit", "api", "7", err, sizeof(err)), 0);
    ck_assert_uint_eq(c.rl_api.rate, 7);
    ck_assert_uint_eq(c.rl_api.burst, 7);
    ck_assert_int_eq(config_set(&c, "ratelimit", "api", "9,3", err, sizeof(err)), 0);
    ck_assert_uint_eq(c.rl_api.burst, 9);
    ck_assert_int_eq(config_set(&c, "ratelimit", "page", "off", err, sizeof(err)), 0);
    ck_assert_uint_eq(c.rl_page.rate, 0);
    ck_assert_int_eq(config_set(&c, "ratelimit", "page", "0", err, sizeof(err)), 0);
    ck_assert_uint_eq(c.rl_page.rate, 0);
    ck_assert_int_eq(config_set(&c, "ratelimit", "page", "-1,2", err, sizeof(err)), -1);
    ck_assert_int_eq(config_set(&c, "backup", "dir", "", err, sizeof(err)), 0);
    ck_assert_str_eq(c.backup_dir, "");
    config_release(&c);
}
END_TEST

/* config_load_text() reads text as config_load() reads a file: same
 * values, errors named after the given name, and config_dump() output loads
 * back to the same dump (the fuzzer checks this on every accepted input). */
START_TEST(test_config__text_and_dump_round_trip)
{
    static const char text[] =
        "; comment\n[server]\nlisten = [::1]:8081\nthreads=3\n"
        "trusted_proxies = 10.0.0.1, ::1\n[chain]\nprofile = arbitrum-nova-v2\n"
        "rpc_urls = http://127.0.0.1:1/ , https://x.example/rpc//\n"
        "[admin]\nwallets = 0xABCDEF0123456789abcdef0123456789ABCDEF01\n";
    struct config a, b;
    struct buf d1 = BUF_INIT(1 << 16), d2 = BUF_INIT(1 << 16);
    char err[512];

    config_init_defaults(&a);
    ck_assert_int_eq(config_load_text(&a, "mem", text, sizeof(text) - 1, err,
                                      sizeof(err)), 0);
    ck_assert_str_eq(a.listen_host, "::1");
    ck_assert_uint_eq(a.threads, 3);
    ck_assert_uint_eq(a.chain_id, 42170);
    ck_assert_uint_eq(a.rpc_urls.n, 2);
    ck_assert_str_eq(a.rpc_urls.items[1], "https://x.example/rpc");
    ck_assert_int_eq(config_dump(&a, &d1), 0);
    config_init_defaults(&b);
    ck_assert_int_eq(config_load_text(&b, "dump", d1.data, d1.len, err,
                                      sizeof(err)), 0);
    ck_assert_int_eq(config_dump(&b, &d2), 0);
    ck_assert_uint_eq(d1.len, d2.len);
    ck_assert_int_eq(memcmp(d1.data, d2.data, d1.len), 0);
    config_release(&a);
    config_release(&b);
    buf_release(&d1);
    buf_release(&d2);

    /* A value that begins with ';' survives the dump (libinih reads " ;"
     * as a comment; found by the config fuzzer). */
    config_init_defaults(&a);
    ck_assert_int_eq(config_load_text(&a, "mem", "[server]\nstatic =;x\n", 21,
                                      err, sizeof(err)), 0);
    ck_assert_str_eq(a.static_dir, ";x");
    ck_assert_int_eq(config_dump(&a, &d1), 0);
    ck_assert_ptr_nonnull(strstr(d1.data, "\nstatic =;x\n"));
    config_init_defaults(&b);
    ck_assert_int_eq(config_load_text(&b, "dump", d1.data, d1.len, err,
                                      sizeof(err)), 0);
    ck_assert_str_eq(b.static_dir, ";x");
    config_release(&a);
    config_release(&b);
    buf_release(&d1);

    /* Errors carry the name and the line; empty text is the defaults. */
    config_init_defaults(&a);
    ck_assert_int_eq(config_load_text(&a, "mem", "[chain]\n\nmax_range = 0\n",
                                      22, err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "mem:3: max_range:", 17) == 0, "%s", err);
    config_release(&a);
    config_init_defaults(&a);
    ck_assert_int_eq(config_load_text(&a, "mem", "", 0, err, sizeof(err)), 0);
    ck_assert_uint_eq(a.chain_id, 42161);
    config_release(&a);
}
END_TEST

START_TEST(test_config__model_names)
{
    struct config c;
    char err[512];
    const char *path;

    ck_assert_int_eq(load_text(&c,
                               "[models]\nnames = 0xA473C70E9D7C872AC948D20546BC79DB55FA64CA325A4B229AAFFDDB7F86AAE0=WAI v120 ,"
                               " 0x89c39001e3b23d2092bd998b62f07b523d23deb55e1627048b4ed47a4a38d5cc=Qwen\n"
                               "[miners]\nactive_window = 48\n",
                               err, sizeof(err), &path), 0);
    ck_assert_uint_eq(c.model_names.n, 2);
    ck_assert_str_eq(c.model_names.items[0],
                     "0xa473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0=WAI v120");
    ck_assert_uint_eq(c.miners_active_window, 48);
    config_release(&c);
    unlink(path);
}
END_TEST

START_TEST(test_config__missing_file)
{
    struct config c;
    char err[512];

    config_init_defaults(&c);
    ck_assert_int_eq(config_load(&c, "/nonexistent/arbiusd.ini", err,
                                 sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/arbiusd.ini:0: config: "
                                      "cannot open: No such file"));
    config_release(&c);
}
END_TEST

START_TEST(test_config__env_overrides)
{
    struct config c;
    char err[512];

    setenv("ARBIUSD_SERVER_LISTEN", "127.0.0.1:9999", 1);
    setenv("ARBIUSD_CHAIN_RPC_URLS", "http://127.0.0.1:1,http://127.0.0.1:2", 1);
    setenv("ARBIUSD_DATABASE_PATH", "/tmp/x.db", 1);
    config_init_defaults(&c);
    ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), 0);
    ck_assert_uint_eq(c.listen_port, 9999);
    ck_assert_uint_eq(c.rpc_urls.n, 2);
    ck_assert_str_eq(c.db_path, "/tmp/x.db");
    config_release(&c);

    setenv("ARBIUSD_CHAIN_CONFIRMATIONS", "many", 1);
    config_init_defaults(&c);
    ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "env:ARBIUSD_CHAIN_CONFIRMATIONS: "
                                      "confirmations: \"many\""));
    config_release(&c);
    unsetenv("ARBIUSD_CHAIN_CONFIRMATIONS");

    setenv("ARBIUSD_CHAIN_TYPO", "1", 1);
    config_init_defaults(&c);
    ck_assert_int_eq(config_load(&c, NULL, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "env:ARBIUSD_CHAIN_TYPO: unknown key"));
    config_release(&c);
    unsetenv("ARBIUSD_CHAIN_TYPO");
    unsetenv("ARBIUSD_SERVER_LISTEN");
    unsetenv("ARBIUSD_CHAIN_RPC_URLS");
    unsetenv("ARBIUSD_DATABASE_PATH");
}
END_TEST

START_TEST(test_config__profile)
{
    struct config c;
    char err[512];

    /* The profile sets what is not given, in any order. */
    ck_assert_int_eq(load_text(&c,
                               "[chain]\nengine = 0x1111111111111111111111111111111111111111\n"
                               "profile = arbitrum-nova-v2\n",
                               err, sizeof(err), NULL),
                     0);
    ck_assert_uint_eq(c.chain_id, 42170);
    ck_assert_uint_eq(c.engine[0], 0x11);
    ck_assert_uint_eq(c.token[0], 0x8a);
    ck_assert_int_eq(c.has_router, 0);
    ck_assert_str_eq(c.rpc_urls.items[0], "https://nova.arbitrum.io/rpc");
    config_release(&c);
}
END_TEST

struct doc_check {
    char *text;
    int missing;
};

static void check_key_documented(const char *section, const char *key,
                                 const char *def, const char *doc, void *ud)
{
    struct doc_check *dc = ud;
    char want[512];

    (void)section;
    (void)doc;
    snprintf(want, sizeof(want), "\n%s = %s\n", key, def);
    if (*def == '\0')
        snprintf(want, sizeof(want), "\n%s =\n", key);
    if (!strstr(dc->text, want)) {
        fprintf(stderr, "config.example.ini lacks '%s = %s'\n", key, def);
        dc->missing++;
    }
}

/* config.example.ini documents every key with its real default, and loading
 * it gives exactly the embedded defaults. */
START_TEST(test_config__example_matches_table)
{
    struct config a, b;
    struct buf da = BUF_INIT(1 << 20), dbuf = BUF_INIT(1 << 20);
    struct doc_check dc = { NULL, 0 };
    char err[512];
    size_t len;

    ck_assert_int_eq(util_read_file("config.example.ini", 1 << 20, &dc.text,
                                    &len), 0);
    config_each_key(check_key_documented, &dc);
    ck_assert_int_eq(dc.missing, 0);
    config_init_defaults(&a);
    config_init_defaults(&b);
    ck_assert_int_eq(config_load(&b, "config.example.ini", err, sizeof(err)),
                     0);
    ck_assert_int_eq(config_dump(&a, &da), 0);
    ck_assert_int_eq(config_dump(&b, &dbuf), 0);
    ck_assert_str_eq(da.data, dbuf.data);
    buf_release(&da);
    buf_release(&dbuf);
    config_release(&a);
    config_release(&b);
    free(dc.text);
}
END_TEST

/* The session secret is never printed by `arbiusd config`. */
START_TEST(test_config__secret_not_dumped)
{
    static const char secret[] = "0123456789abcdef0123456789abcdef-secret";
    struct config c;
    struct buf out = BUF_INIT(1 << 20);
    char err[256];

    config_init_defaults(&c);
    ck_assert_int_eq(config_set(&c, "auth", "session_secret", secret, err,
                                sizeof(err)), 0);
    ck_assert_str_eq(c.session_secret, secret);
    ck_assert_int_eq(config_dump(&c, &out), 0);
    ck_assert_ptr_null(strstr(out.data, secret));
    ck_assert_ptr_nonnull(strstr(out.data, "session_secret = (set, not shown)"));
    buf_release(&out);
    config_release(&c);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_config__defaults);
    tcase_add_test(tc, test_config__file_and_lists);
    tcase_add_test(tc, test_config__errors_have_location);
    tcase_add_test(tc, test_config__missing_file);
    tcase_add_test(tc, test_config__rate_values);
    tcase_add_test(tc, test_config__text_and_dump_round_trip);
    tcase_add_test(tc, test_config__model_names);
    tcase_add_test(tc, test_config__env_overrides);
    tcase_add_test(tc, test_config__profile);
    tcase_add_test(tc, test_config__example_matches_table);
    tcase_add_test(tc, test_config__secret_not_dumped);
    suite_add_tcase(s, tc);
    return s;
}

UNIT_MAIN(config_suite)
