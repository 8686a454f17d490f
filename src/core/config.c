/*
 * config.c - table-driven configuration: defaults, INI file, environment.
 */
#include "arbiusd/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbiusd/buf.h"
#include "arbiusd/log.h"

extern char **environ;

enum cfg_type {
    CFG_STR,      /* any text */
    CFG_DIR,      /* a path (existence checked when used) */
    CFG_U64,      /* decimal integer within [min, max] */
    CFG_LISTEN,   /* host:port */
    CFG_LEVEL,    /* log level name */
    CFG_PROFILE,  /* chain profile name */
    CFG_ADDR,     /* 20-byte hex address */
    CFG_ADDR_OPT, /* address or "" / "none" */
    CFG_URLS,     /* comma list of http(s) URLs */
    CFG_ADDRS,    /* comma list of addresses */
    CFG_IPS,      /* comma list of IP addresses */
    CFG_URL_OPT,  /* one http(s) URL or "" */
    CFG_STR_OPT,  /* any text, may be empty */
    CFG_RATE,     /* "requests/s,burst" or "off" */
    CFG_BOOL,     /* on/off, true/false, yes/no, 1/0 */
    CFG_NUMS,     /* comma list of whole numbers in [min, max], never down */
    CFG_NAMES,    /* comma list of 0x<64 hex>=Name (model names) */
    CFG_SECRET,   /* "" or at least 32 characters; never printed */
};

struct cfg_key {
    const char *section;
    const char *key;
    enum cfg_type type;
    size_t off;          /* offset of the field in struct config */
    const char *def;     /* embedded default, as text */
    uint64_t min, max;   /* bounds for CFG_U64 */
    const char *doc;     /* one line for config.example.ini and --help */
};

#define F(field) offsetof(struct config, field)
#define U64MAX UINT64_MAX

static const struct cfg_key cfg_keys[] = {
    { "server", "listen", CFG_LISTEN, F(listen), "127.0.0.1:8080", 0, 0,
      "address and port the HTTP server listens on (IPv4 or [IPv6])" },
    { "server", "threads", CFG_U64, F(threads), "4", 1, 64,
      "HTTP worker threads" },
    { "server", "max_connections", CFG_U64, F(max_connections), "2048", 4,
      65536,
      "simultaneous HTTP connections, shared out across the threads "
      "(the open-files limit is raised to fit)" },
    { "server", "max_connections_per_ip", CFG_U64, F(max_connections_per_ip),
      "64", 0, 65536,
      "simultaneous HTTP connections from one client address "
      "(0: no limit); trusted_proxies are exempt, their clients are rate "
      "limited by X-Forwarded-For" },
    { "server", "sse_max_clients", CFG_U64, F(sse_max_clients), "256", 1,
      100000,
      "simultaneous /api/v1/stream (Server-Sent Events) clients; more get 503" },
    { "server", "connection_timeout", CFG_U64, F(connection_timeout), "30", 1,
      3600, "seconds an idle HTTP connection is kept" },
    { "server", "header_timeout", CFG_U64, F(header_timeout), "10", 1, 3600,
      "seconds from a connection's start to its request's complete headers "
      "(a kept-alive connection: connection_timeout + this after the last "
      "response); later, the connection is closed" },
    { "server", "templates", CFG_DIR, F(templates), "templates", 0, 0,
      "directory of the HTML templates" },
    { "server", "static", CFG_DIR, F(static_dir), "static", 0, 0,
      "directory of the static files served under /static/" },
    { "server", "public_url", CFG_URL_OPT, F(public_url), "", 0, 0,
      "the URL people open (scheme, host, port): feeds, share links and the "
      "only domain Sign-In with Ethereum accepts (empty: from Host; sign-in "
      "then works only on a loopback listen address)" },
    { "server", "trusted_proxies", CFG_IPS, F(trusted_proxies), "", 0, 0,
      "comma list of proxy IPs whose X-Forwarded-For is believed" },
    { "server", "ready_max_lag", CFG_U64, F(ready_max_lag), "100", 0, U64MAX,
      "/ready answers 503 while the index is more blocks than this behind "
      "the head" },
    { "server", "ready_max_poll_age", CFG_U64, F(ready_max_poll_age), "300", 1,
      U64MAX,
      "/ready answers 503 when the scanner's last successful poll is "
      "older than this many seconds" },
    { "server", "cache_size", CFG_U64, F(cache_size), "16777216", 0,
      (uint64_t)1 << 40,
      "bytes of replies the response cache keeps (pages, "
      "JSON, their gzip forms; 0: none)" },
    { "ratelimit", "page", CFG_RATE, F(rl_page), "20,60", 0, 0,
      "HTML pages per client IP: requests/s,burst (off: no limit)" },
    { "ratelimit", "api", CFG_RATE, F(rl_api), "50,200", 0, 0,
      "/api/ JSON routes per client IP: requests/s,burst (off: no limit)" },
    { "ratelimit", "static", CFG_RATE, F(rl_static), "100,400", 0, 0,
      "/static/ files per client IP: requests/s,burst (off: no limit)" },
    { "ratelimit", "stream", CFG_RATE, F(rl_stream), "5,60", 0, 0,
      "new /api/v1/stream connections per client IP: requests/s,burst "
      "(off: no limit)" },
    { "backup", "dir", CFG_STR_OPT, F(backup_dir), "", 0, 0,
      "directory for scheduled online backups (empty: no scheduled backups)" },
    { "backup", "interval", CFG_U64, F(backup_interval), "86400", 1, U64MAX,
      "seconds between scheduled backups" },
    { "backup", "keep", CFG_U64, F(backup_keep), "7", 1, 100000,
      "scheduled backups kept; older ones are deleted" },
    { "log", "level", CFG_LEVEL, F(log_level), "info", 0, 0,
      "error, warn, info or debug" },
    { "log", "summary_interval", CFG_U64, F(log_summary_interval), "60", 1,
      3600,
      "seconds over which a repeated warning (refused or timed-out "
      "connections, an unreachable RPC endpoint) is summed up in one line" },
    { "database", "path", CFG_STR, F(db_path), "./arbiusd.db", 0, 0,
      "SQLite database file (WAL mode; -wal and -shm files beside it)" },
    { "database", "busy_timeout", CFG_U64, F(busy_timeout), "5000", 0, 600000,
      "milliseconds a reader waits on a locked database" },
    { "chain", "profile", CFG_PROFILE, F(profile), "arbitrum-one", 0, 0,
      "arbitrum-one, arbitrum-nova-v2 or arbitrum-nova-v1: sets chain_id, "
      "engine, token, router and rpc_urls unless given" },
    { "chain", "rpc_urls", CFG_URLS, F(rpc_urls),
      "https://arb1.arbitrum.io/rpc", 0, 0,
      "comma list of JSON-RPC endpoints, tried in order with failover" },
    { "chain", "chain_id", CFG_U64, F(chain_id), "42161", 1, U64MAX,
      "expected eth_chainId; an endpoint answering another id is refused" },
    { "chain", "engine", CFG_ADDR, F(engine),
      "0x9b51Ef044d3486A1fB0A2D55A6e0CeeAdd323E66", 0, 0,
      "Arbius engine contract address" },
    { "chain", "token", CFG_ADDR, F(token),
      "0x4a24b101728e07a52053c13fb4db2bcf490cabc3", 0, 0,
      "AIUS token contract address" },
    { "chain", "router", CFG_ADDR_OPT, F(router),
      "0xecAba4E6a4bC1E3DE3e996a8B2c89e8B0626C9a1", 0, 0,
      "ArbiusRouterV1 address (empty or none: no router)" },
    { "chain", "start_block", CFG_U64, F(start_block), "0", 0, U64MAX,
      "first block to index (0: find the engine's deployment block)" },
    { "chain", "confirmations", CFG_U64, F(confirmations), "20", 0, 100000,
      "depth treated as final when the node has no safe/finalized tag" },
    { "chain", "poll_interval", CFG_U64, F(poll_interval), "2", 1, 3600,
      "seconds between polls of the chain head (one request per poll)" },
    { "chain", "max_range", CFG_U64, F(max_range), "10000", 1, 10000000,
      "largest eth_getLogs block range ever requested" },
    { "chain", "rpc_timeout", CFG_U64, F(rpc_timeout), "30", 1, 600,
      "seconds before one JSON-RPC request is abandoned" },
    { "chain", "rpc_batch", CFG_U64, F(rpc_batch), "100", 1, 1000,
      "calls per JSON-RPC batch request at most (lowered per endpoint when "
      "it refuses the size)" },
    { "chain", "rpc_budget", CFG_U64, F(rpc_budget), "0", 0, U64MAX,
      "requests per day per endpoint reported against (0: unlimited)" },
    { "chain", "reorg_window", CFG_U64, F(reorg_window), "256", 8, 100000,
      "recent block hashes kept to detect reorgs" },
    { "ipfs", "gateways", CFG_URLS, F(gateways), "https://ipfs.arbius.org", 0,
      0, "comma list of IPFS gateways; the first one serves gallery images" },
    { "ipfs", "timeout", CFG_U64, F(ipfs_timeout), "20", 1, 600,
      "seconds per gateway check" },
    { "ipfs", "concurrency", CFG_U64, F(ipfs_concurrency), "4", 1, 64,
      "gateway checks in flight at once" },
    { "ipfs", "monitor", CFG_BOOL, F(ipfs_monitor), "on", 0, 0,
      "on: `serve` checks every new solution CID on the gateways (off: only "
      "`arbiusd ipfs` does)" },
    { "ipfs", "retry", CFG_NUMS, F(ipfs_retry), "60,300,1800,7200,21600,86400",
      1, 31536000,
      "seconds before re-checking a missing or failed CID after its 1st, "
      "2nd, ... check (never decreasing; empty: never); after the last: "
      "given up" },
    { "ipfs", "slow_ms", CFG_U64, F(ipfs_slow_ms), "5000", 1, 600000,
      "milliseconds after which a served output counts as slow" },
    { "ipfs", "range_bytes", CFG_U64, F(ipfs_range_bytes), "4096", 1, 1048576,
      "bytes fetched by each ranged GET (text models: at least "
      "65536, kept as the text)" },
    { "ipfs", "bandwidth", CFG_U64, F(ipfs_bandwidth), "1048576", 0, U64MAX,
      "bytes per second all checks may receive together (0: no cap)" },
    { "ipfs", "interval", CFG_U64, F(ipfs_interval), "5", 1, 3600,
      "seconds between looks for new solution CIDs" },
    { "admin", "wallets", CFG_ADDRS, F(admin_wallets), "", 0, 0,
      "comma list of admin wallet addresses (sign in with Ethereum)" },
    { "miners", "active_window", CFG_U64, F(miners_active_window), "24", 1,
      87600,
      "hours since a miner's last solution during which it counts "
      "as active" },
    { "models", "names", CFG_NAMES, F(model_names), "", 0, 0,
      "comma list of 0x<model id>=Name overriding the built-in model names "
      "(names up to 64 characters, no commas or '=')" },
    { "auth", "session_lifetime", CFG_U64, F(session_lifetime), "604800", 60,
      31536000, "seconds a wallet session lasts after sign-in" },
    { "auth", "nonce_lifetime", CFG_U64, F(nonce_lifetime), "300", 10, 86400,
      "seconds a sign-in nonce stays usable (once)" },
    { "auth", "clock_skew", CFG_U64, F(clock_skew), "60", 0, 3600,
      "seconds of wallet clock skew tolerated on Issued At / Not Before" },
    { "auth", "session_secret", CFG_SECRET, F(session_secret), "", 0, 0,
      "key that signs session cookies, at least 32 characters (empty: a "
      "random secret kept in the database)" },
    { "auth", "comment_max_length", CFG_U64, F(comment_max_length), "1000", 1,
      10000, "longest comment, in characters" },
    { "auth", "comment_edit_window", CFG_U64, F(comment_edit_window), "300", 0,
      86400, "seconds during which the author may edit a comment" },
    { "auth", "comment_rate_window", CFG_U64, F(comment_rate_window), "3600",
      1, 604800, "seconds over which comment rate limits count" },
    { "auth", "comment_rate_wallet", CFG_U64, F(comment_rate_wallet), "20", 1,
      100000, "comments one wallet may post per rate window" },
    { "auth", "comment_rate_ip", CFG_U64, F(comment_rate_ip), "60", 1, 1000000,
      "comments one IP address may post per rate window" },
};

struct profile {
    const char *name;
    const char *chain_id, *engine, *token, *router, *rpc;
};

static const struct profile profiles[] = {
    { "arbitrum-one", "42161", "0x9b51Ef044d3486A1fB0A2D55A6e0CeeAdd323E66",
      "0x4a24b101728e07a52053c13fb4db2bcf490cabc3",
      "0xecAba4E6a4bC1E3DE3e996a8B2c89e8B0626C9a1",
      "https://arb1.arbitrum.io/rpc" },
    { "arbitrum-nova-v2", "42170", "0x3BF6050327Fa280Ee1B5F3e8Fd5EA2EfE8A6472a",
      "0x8AFE4055Ebc86Bd2AFB3940c0095C9aca511d852", "",
      "https://nova.arbitrum.io/rpc" },
    { "arbitrum-nova-v1", "42170", "0x399511EDEB7ca4A8328E801b1B3D0fe232aBc996",
      "0xe3DBC4F88EAa632DDF9708732E2832EEaA6688AB", "",
      "https://nova.arbitrum.io/rpc" },
};

/* Keys set explicitly (file or env): a profile never overrides them. */
struct cfg_reader;

struct cfg_state {
    struct config *c;
    unsigned char set[ARRAY_SIZE(cfg_keys)];
    const char *file;
    struct cfg_reader *reader;
    char *err;
    size_t errlen;
    int failed;
};

static const struct cfg_key *cfg_find(const char *section, const char *key)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cfg_keys); i++)
        if (strcmp(cfg_keys[i].section, section) == 0 &&
            strcmp(cfg_keys[i].key, key) == 0)
            return &cfg_keys[i];
    return NULL;
}

static int cfg_section_known(const char *section)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cfg_keys); i++)
        if (strcmp(cfg_keys[i].section, section) == 0)
            return 1;
    return 0;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Parses "0x" + 40 hex digits (any case) into 20 bytes. */
static int parse_addr(const char *s, uint8_t out[20])
{
    size_t i;

    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || strlen(s) != 42)
        return -1;
    for (i = 0; i < 20; i++) {
        int hi = hexval((unsigned char)s[2 + 2 * i]);
        int lo = hexval((unsigned char)s[3 + 2 * i]);

        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int parse_url(const char *s)
{
    const char *host, *p;

    if (strncmp(s, "http://", 7) == 0)
        host = s + 7;
    else if (strncmp(s, "https://", 8) == 0)
        host = s + 8;
    else
        return -1;
    if (*host == '\0' || *host == '/' || strpbrk(s, "\"'<>\\"))
        return -1;
    /* No blank or control character anywhere (a form feed behind the
     * trailing slashes did not survive a dump; found by fuzz_config). */
    for (p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return -1;
    return 0;
}

#define CFG_NUM_TEXT 32 /* a number list item is shorter than this */

/* One value being set: what the parsers of cfg_types[] get. */
struct cfg_set {
    struct config *c;
    const struct cfg_key *k;
    void *field;       /* the key's field in *c */
    const char *value; /* the text, as in the INI file */
    char *err;         /* the reason on failure, without location */
    size_t errlen;
};

static int cfg_fail(const struct cfg_set *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes the reason for refusing s->value into s->err; returns -1. */
static int cfg_fail(const struct cfg_set *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->err, s->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/*
 * Calls item() on each comma-separated item of text, blanks trimmed.  No
 * item may be empty or, when maxlen > 0, maxlen bytes or longer (a number);
 * at most CONFIG_MAX_LIST of them; no trailing comma.  0, or -1 after
 * cfg_fail() (item() fails the same way).
 */
static int cfg_split(const struct cfg_set *s, const char *text, size_t maxlen,
                     int (*item)(const struct cfg_set *s, const char *p,
                                 size_t n, void *ud),
                     void *ud)
{
    const char *p = text;
    size_t count = 0;

    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        while (n && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        if (n == 0)
            return cfg_fail(s, "empty item in list");
        if (maxlen && n >= maxlen)
            return cfg_fail(s, "number too long");
        if (count == CONFIG_MAX_LIST)
            return cfg_fail(s, "more than %d items", CONFIG_MAX_LIST);
        if (item(s, p, n, ud) < 0)
            return -1;
        count++;
        if (!end)
            break;
        p = end + 1;
        if (*p == '\0')
            return cfg_fail(s, "trailing comma");
    }
    return 0;
}

/*
 * The value parsers of cfg_types[] below.  Each checks s->value for key
 * s->k and stores it in s->field, except the types that hold the text
 * itself (cfg_apply stores those).  0, or -1 after cfg_fail().
 */

/* CFG_STR, CFG_DIR: any text but "". */
static int cfg_set_nonempty(const struct cfg_set *s)
{
    return *s->value ? 0 : cfg_fail(s, "must not be empty");
}

/* CFG_STR_OPT: any text. */
static int cfg_set_any(const struct cfg_set *s)
{
    (void)s;
    return 0;
}

/* CFG_SECRET: "" or at least 32 characters. */
static int cfg_set_secret(const struct cfg_set *s)
{
    return *s->value == '\0' || strlen(s->value) >= 32
               ? 0
               : cfg_fail(s, "must be empty or at least 32 characters");
}

/* CFG_URL_OPT: "" or an http(s) URL. */
static int cfg_set_url_opt(const struct cfg_set *s)
{
    return *s->value == '\0' || parse_url(s->value) == 0
               ? 0
               : cfg_fail(s, "\"%s\" is not an http(s) URL", s->value);
}

/* host:port or [IPv6]:port with a numeric host (localhost: 127.0.0.1)
 * into listen_host and listen_port. */
static int cfg_set_listen(const struct cfg_set *s)
{
    struct config *c = s->c;
    const char *v = s->value, *colon, *host;
    size_t hlen;
    uint64_t port;
    unsigned char tmp[16];

    if (v[0] == '[') {
        const char *end = strchr(v, ']');

        if (!end || end[1] != ':')
            return cfg_fail(s, "expected [IPv6]:port, got \"%s\"", v);
        host = v + 1;
        hlen = (size_t)(end - host);
        colon = end + 1;
    } else {
        colon = strrchr(v, ':');
        if (!colon)
            return cfg_fail(s, "expected host:port, got \"%s\"", v);
        host = v;
        hlen = (size_t)(colon - v);
    }
    if (hlen == 0 || hlen >= sizeof(c->listen_host))
        return cfg_fail(s, "bad host in \"%s\"", v);
    if (util_parse_u64(colon + 1, 0, 65535, &port) < 0)
        return cfg_fail(s, "bad port in \"%s\" (0-65535)", v);
    memcpy(c->listen_host, host, hlen);
    c->listen_host[hlen] = '\0';
    if (strcmp(c->listen_host, "localhost") == 0)
        snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
    if (inet_pton(AF_INET, c->listen_host, tmp) != 1 &&
        inet_pton(AF_INET6, c->listen_host, tmp) != 1)
        return cfg_fail(s, "host \"%s\" is not a numeric IP address",
                        c->listen_host);
    c->listen_port = (uint16_t)port;
    return 0;
}

/* CFG_LEVEL: a log level name. */
static int cfg_set_level(const struct cfg_set *s)
{
    static const char *const levels[] = { "error", "warn", "info", "debug" };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(levels); i++)
        if (strcmp(s->value, levels[i]) == 0)
            return 0;
    return cfg_fail(s, "\"%s\" is not one of error, warn, info, debug",
                    s->value);
}

/* CFG_PROFILE: a name in profiles[]. */
static int cfg_set_profile(const struct cfg_set *s)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(profiles); i++)
        if (strcmp(s->value, profiles[i].name) == 0)
            return 0;
    return cfg_fail(s,
                    "\"%s\" is not one of arbitrum-one, arbitrum-nova-v2, "
                    "arbitrum-nova-v1",
                    s->value);
}

/* CFG_U64: a whole number within the key's [min, max]. */
static int cfg_set_u64(const struct cfg_set *s)
{
    const struct cfg_key *k = s->k;

    if (util_parse_u64(s->value, k->min, k->max, s->field) == 0)
        return 0;
    if (k->max == U64MAX)
        return cfg_fail(s, "\"%s\" is not a whole number >= %llu", s->value,
                        (unsigned long long)k->min);
    return cfg_fail(s, "\"%s\" is not a whole number from %llu to %llu",
                    s->value, (unsigned long long)k->min,
                    (unsigned long long)k->max);
}

/* CFG_ADDR: "0x" and 40 hex digits. */
static int cfg_set_addr(const struct cfg_set *s)
{
    if (parse_addr(s->value, s->field) < 0)
        return cfg_fail(s, "\"%s\" is not an address (0x and 40 hex digits)",
                        s->value);
    return 0;
}

/* An address or ""/"none"; sets has_router (the only key of this type). */
static int cfg_set_addr_opt(const struct cfg_set *s)
{
    if (*s->value == '\0' || strcmp(s->value, "none") == 0) {
        memset(s->field, 0, 20);
        s->c->has_router = 0;
        return 0;
    }
    if (parse_addr(s->value, s->field) < 0)
        return cfg_fail(s,
                        "\"%s\" is not an address (0x and 40 hex digits) "
                        "or none",
                        s->value);
    s->c->has_router = 1;
    return 0;
}

/* CFG_BOOL: on/off, true/false, yes/no, 1/0. */
static int cfg_set_bool(const struct cfg_set *s)
{
    static const char *const yes[] = { "on", "true", "yes", "1" };
    static const char *const no[] = { "off", "false", "no", "0" };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcmp(s->value, yes[i]) == 0 || strcmp(s->value, no[i]) == 0) {
            *(int *)s->field = strcmp(s->value, yes[i]) == 0;
            return 0;
        }
    }
    return cfg_fail(s, "\"%s\" is not on or off", s->value);
}

/* "R,B" (requests per second, burst) or "off"/"0": no limit. */
static int cfg_set_rate(const struct cfg_set *s)
{
    struct config_rate *r = s->field;
    const char *v = s->value, *comma = strchr(v, ',');
    char num[32];
    uint64_t rate, burst;
    size_t n;

    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
        r->rate = 0;
        r->burst = 0;
        return 0;
    }
    n = comma ? (size_t)(comma - v) : strlen(v);
    if (n == 0 || n >= sizeof(num))
        goto bad;
    memcpy(num, v, n);
    num[n] = '\0';
    if (util_parse_u64(num, 1, 1000000, &rate) < 0)
        goto bad;
    if (!comma)
        burst = rate;
    else if (util_parse_u64(comma + 1, 1, 10000000, &burst) < 0)
        goto bad;
    r->rate = rate;
    r->burst = burst < rate ? rate : burst;
    return 0;
bad:
    return cfg_fail(s, "\"%s\" is not requests/s,burst (e.g. 20,60) or off",
                    v);
}

static void list_release(struct config_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i]);
    l->n = 0;
}

/* Checks a "0x<64 hex>=Name" model name item and lower-cases its id. */
static int list_check_name(const struct cfg_set *s, char *item)
{
    const char *eq = strchr(item, '=');
    size_t i, nl;

    for (i = 0; eq && i < 66 && item[i] != '='; i++)
        if (i >= 2 && hexval((unsigned char)item[i]) < 0)
            break;
    if (!eq || eq - item != 66 || item[0] != '0' ||
        (item[1] != 'x' && item[1] != 'X') || i != 66)
        return cfg_fail(s, "\"%s\" is not 0x<64 hex digits>=Name", item);
    nl = strlen(eq + 1);
    while (nl && isspace((unsigned char)eq[nl]))
        nl--;
    if (nl == 0 || nl > 64 || strchr(eq + 1, '='))
        return cfg_fail(s,
                        "\"%s\": the name must be 1 to 64 characters "
                        "without '='",
                        item);
    for (i = 0; i < 66; i++)
        item[i] = (char)tolower((unsigned char)item[i]);
    return 0;
}

/* Checks one item of a list of s->k's type, normalising it in place (URL
 * without trailing slashes, lower-case address). */
static int list_check_item(const struct cfg_set *s, char *item)
{
    size_t n = strlen(item), i;
    uint8_t a[20];
    unsigned char ip[16];

    switch (s->k->type) {
    case CFG_URLS:
        while (n > 1 && item[n - 1] == '/')
            item[--n] = '\0';
        if (parse_url(item) < 0)
            return cfg_fail(s, "\"%s\" is not an http(s) URL", item);
        return 0;
    case CFG_ADDRS:
        if (parse_addr(item, a) < 0)
            return cfg_fail(s, "\"%s\" is not a 0x address", item);
        for (i = 0; item[i]; i++)
            item[i] = (char)tolower((unsigned char)item[i]);
        return 0;
    case CFG_NAMES: return list_check_name(s, item);
    case CFG_IPS:
        if (inet_pton(AF_INET, item, ip) != 1 &&
            inet_pton(AF_INET6, item, ip) != 1)
            return cfg_fail(s, "\"%s\" is not an IP address", item);
        return 0;
    default: return 0;
    }
}

/* cfg_split() callback of a list: keeps a copy of the item in ud (a struct
 * config_list), then checks it. */
static int list_add_item(const struct cfg_set *s, const char *p, size_t n,
                         void *ud)
{
    struct config_list *tmp = ud;
    char *item = xstrndup(p, n);

    tmp->items[tmp->n++] = item;
    return list_check_item(s, item);
}

/* A comma list of URLs, addresses, IPs or model names (by type), each
 * item checked; replaces the list only when all of it is good. */
static int cfg_set_list(const struct cfg_set *s)
{
    struct config_list tmp = { .n = 0 };

    if (*s->value == '\0' && s->k->type == CFG_URLS)
        return cfg_fail(s, "needs at least one URL");
    if (cfg_split(s, s->value, 0, list_add_item, &tmp) < 0) {
        list_release(&tmp);
        return -1;
    }
    list_release(s->field);
    *(struct config_list *)s->field = tmp;
    return 0;
}

/* cfg_split() callback of a number list: one number of [min, max], not
 * below the one before, appended to ud (a struct config_nums). */
static int nums_add_item(const struct cfg_set *s, const char *p, size_t n,
                         void *ud)
{
    struct config_nums *tmp = ud;
    char item[CFG_NUM_TEXT];

    memcpy(item, p, n);
    item[n] = '\0';
    if (util_parse_u64(item, s->k->min, s->k->max, &tmp->v[tmp->n]) < 0)
        return cfg_fail(s, "\"%s\" is not a whole number from %llu to %llu",
                        item, (unsigned long long)s->k->min,
                        (unsigned long long)s->k->max);
    if (tmp->n > 0 && tmp->v[tmp->n] < tmp->v[tmp->n - 1])
        return cfg_fail(s, "%s after %llu: the list must not decrease", item,
                        (unsigned long long)tmp->v[tmp->n - 1]);
    tmp->n++;
    return 0;
}

/* "60, 300,1800" -> non-decreasing numbers in [min, max]; "" -> none. */
static int cfg_set_nums(const struct cfg_set *s)
{
    struct config_nums tmp = { .n = 0 };
    const char *p = s->value;

    while (isspace((unsigned char)*p))
        p++;
    if (cfg_split(s, p, CFG_NUM_TEXT, nums_add_item, &tmp) < 0)
        return -1;
    *(struct config_nums *)s->field = tmp;
    return 0;
}

/* How a field of each type is held in struct config. */
enum cfg_hold {
    CFG_HOLD_VALUE, /* a plain value: nothing to free */
    CFG_HOLD_TEXT,  /* char *: the accepted text itself, owned */
    CFG_HOLD_LIST,  /* struct config_list of owned strings */
};

/* Per type (index = enum cfg_type): its parser and how its field is held. */
static const struct cfg_type_def {
    int (*set)(const struct cfg_set *s);
    enum cfg_hold hold;
} cfg_types[] = {
    [CFG_STR] = { cfg_set_nonempty, CFG_HOLD_TEXT },
    [CFG_DIR] = { cfg_set_nonempty, CFG_HOLD_TEXT },
    [CFG_U64] = { cfg_set_u64, CFG_HOLD_VALUE },
    [CFG_LISTEN] = { cfg_set_listen, CFG_HOLD_TEXT },
    [CFG_LEVEL] = { cfg_set_level, CFG_HOLD_TEXT },
    [CFG_PROFILE] = { cfg_set_profile, CFG_HOLD_TEXT },
    [CFG_ADDR] = { cfg_set_addr, CFG_HOLD_VALUE },
    [CFG_ADDR_OPT] = { cfg_set_addr_opt, CFG_HOLD_VALUE },
    [CFG_URLS] = { cfg_set_list, CFG_HOLD_LIST },
    [CFG_ADDRS] = { cfg_set_list, CFG_HOLD_LIST },
    [CFG_IPS] = { cfg_set_list, CFG_HOLD_LIST },
    [CFG_URL_OPT] = { cfg_set_url_opt, CFG_HOLD_TEXT },
    [CFG_STR_OPT] = { cfg_set_any, CFG_HOLD_TEXT },
    [CFG_RATE] = { cfg_set_rate, CFG_HOLD_VALUE },
    [CFG_BOOL] = { cfg_set_bool, CFG_HOLD_VALUE },
    [CFG_NUMS] = { cfg_set_nums, CFG_HOLD_VALUE },
    [CFG_NAMES] = { cfg_set_list, CFG_HOLD_LIST },
    [CFG_SECRET] = { cfg_set_secret, CFG_HOLD_TEXT },
};

/* Sets key k of c from value (text as in the INI file).  0, or -1 with the
 * reason in err. */
static int cfg_apply(struct config *c, const struct cfg_key *k,
                     const char *value, char *err, size_t errlen)
{
    struct cfg_set s = { c, k, (char *)c + k->off, value, err, errlen };
    const struct cfg_type_def *t;

    if ((size_t)k->type >= ARRAY_SIZE(cfg_types) || !cfg_types[k->type].set)
        return cfg_fail(&s, "internal: unknown type");
    t = &cfg_types[k->type];
    if (t->set(&s) < 0)
        return -1;
    if (t->hold == CFG_HOLD_TEXT) {
        char **sp = s.field;

        free(*sp);
        *sp = xstrdup(value);
    }
    return 0;
}

/* Applies a profile's values to every key not set explicitly. */
static int cfg_apply_profile(struct cfg_state *st, char *err, size_t errlen)
{
    const struct profile *p = NULL;
    static const char *const map[] = { "chain_id", "engine", "token",
                                       "router", "rpc_urls" };
    const char *vals[5];
    size_t i;

    for (i = 0; i < ARRAY_SIZE(profiles); i++)
        if (strcmp(st->c->profile, profiles[i].name) == 0)
            p = &profiles[i];
    if (!p)
        return 0;
    vals[0] = p->chain_id;
    vals[1] = p->engine;
    vals[2] = p->token;
    vals[3] = p->router;
    vals[4] = p->rpc;
    for (i = 0; i < ARRAY_SIZE(map); i++) {
        const struct cfg_key *k = cfg_find("chain", map[i]);
        size_t idx = (size_t)(k - cfg_keys);

        if (st->set[idx])
            continue;
        if (cfg_apply(st->c, k, vals[i], err, errlen) < 0)
            return -1;
    }
    return 0;
}

void config_init_defaults(struct config *c)
{
    char err[256];
    size_t i;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < ARRAY_SIZE(cfg_keys); i++)
        if (cfg_apply(c, &cfg_keys[i], cfg_keys[i].def, err, sizeof(err)) < 0)
            fatalx("config: embedded default of %s: %s", cfg_keys[i].key,
                   err);
}

int config_set(struct config *c, const char *section, const char *key,
               const char *value, char *err, size_t errlen)
{
    const struct cfg_key *k = cfg_find(section, key);

    if (!k) {
        if (!cfg_section_known(section))
            snprintf(err, errlen, "unknown section [%s]", section);
        else
            snprintf(err, errlen, "unknown key in [%s]", section);
        return -1;
    }
    return cfg_apply(c, k, value, err, errlen);
}

/* Debian's libinih is built without INI_HANDLER_LINENO, so the reader counts
 * lines itself: the handler runs right after the line it concerns is read. */
struct cfg_reader {
    FILE *f;
    int line;
};

static char *cfg_ini_reader(char *str, int num, void *stream)
{
    struct cfg_reader *r = stream;
    char *p = fgets(str, num, r->f);

    if (p && strchr(p, '\n'))
        r->line++;
    else if (p)
        r->line++; /* last line without a newline, or a very long line */
    return p;
}

static int cfg_ini_handler(void *ud, const char *section, const char *key,
                           const char *value)
{
    struct cfg_state *st = ud;
    int lineno = st->reader ? st->reader->line : 0;
    const struct cfg_key *k;
    char why[512];

    if (st->failed)
        return 0;
    k = cfg_find(section, key ? key : "");
    if (!k) {
        if (!cfg_section_known(section))
            snprintf(st->err, st->errlen, "%s:%d: %s: unknown section [%s]",
                     st->file, lineno, key ? key : "", section);
        else
            snprintf(st->err, st->errlen, "%s:%d: %s: unknown key in [%s]",
                     st->file, lineno, key ? key : "", section);
        st->failed = 1;
        return 0;
    }
    if (cfg_apply(st->c, k, value, why, sizeof(why)) < 0) {
        snprintf(st->err, st->errlen, "%s:%d: %s: %s", st->file, lineno, key,
                 why);
        st->failed = 1;
        return 0;
    }
    st->set[k - cfg_keys] = 1;
    return 1;
}

/* Environment: ARBIUSD_<SECTION>_<KEY>, upper case. */
static int cfg_env(struct cfg_state *st)
{
    char **e;

    for (e = environ; *e; e++) {
        const char *name = *e, *eq = strchr(name, '=');
        size_t i, nlen;
        int known_section = 0;

        if (!eq || strncmp(name, "ARBIUSD_", 8) != 0)
            continue;
        nlen = (size_t)(eq - name);
        for (i = 0; i < ARRAY_SIZE(cfg_keys); i++) {
            const struct cfg_key *k = &cfg_keys[i];
            char want[128], why[512];
            size_t j, n = 0;
            int r;

            r = snprintf(want, sizeof(want), "ARBIUSD_%s_", k->section);
            for (j = 0; j < (size_t)r; j++)
                want[j] = (char)toupper((unsigned char)want[j]);
            if (nlen >= (size_t)r && strncmp(name, want, (size_t)r) == 0)
                known_section = 1;
            r = snprintf(want, sizeof(want), "ARBIUSD_%s_%s", k->section,
                         k->key);
            for (j = 0; j < (size_t)r; j++)
                want[j] = (char)toupper((unsigned char)want[j]);
            n = (size_t)r;
            if (n != nlen || strncmp(name, want, n) != 0)
                continue;
            if (cfg_apply(st->c, k, eq + 1, why, sizeof(why)) < 0) {
                snprintf(st->err, st->errlen, "env:%.*s: %s: %s", (int)nlen,
                         name, k->key, why);
                return -1;
            }
            st->set[i] = 1;
            break;
        }
        if (i == ARRAY_SIZE(cfg_keys) && known_section) {
            snprintf(st->err, st->errlen, "env:%.*s: unknown key", (int)nlen,
                     name);
            return -1;
        }
    }
    return 0;
}

/* Parses INI text from f, named name in messages. */
static int cfg_parse_stream(struct cfg_state *st, FILE *f, const char *name)
{
    struct cfg_reader rd = { .f = f, .line = 0 };
    int r;

    st->file = name;
    st->reader = &rd;
    r = ini_parse_stream(cfg_ini_reader, &rd, cfg_ini_handler, st);
    st->reader = NULL;
    if (st->failed)
        return -1;
    if (r > 0) {
        snprintf(st->err, st->errlen, "%s:%d: syntax: not a key = value "
                 "line or [section]", name, r);
        return -1;
    }
    if (r < 0) {
        snprintf(st->err, st->errlen, "%s:0: config: cannot read", name);
        return -1;
    }
    return 0;
}

static int config_load_state(struct cfg_state *st, const char *path)
{
    if (path) {
        FILE *f = fopen(path, "r");
        int r;

        if (!f) {
            snprintf(st->err, st->errlen, "%s:0: config: cannot open: %s",
                     path, strerror(errno));
            return -1;
        }
        r = cfg_parse_stream(st, f, path);
        fclose(f);
        if (r < 0)
            return -1;
    }
    if (cfg_env(st) < 0)
        return -1;
    return cfg_apply_profile(st, st->err, st->errlen);
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    struct cfg_state st = { .c = c, .err = err, .errlen = errlen };

    return config_load_state(&st, path);
}

int config_load_text(struct config *c, const char *name, const char *text,
                     size_t len, char *err, size_t errlen)
{
    struct cfg_state st = { .c = c, .err = err, .errlen = errlen };

    if (len > 0) {
        char *copy = xmalloc(len);
        FILE *f;
        int r;

        memcpy(copy, text, len);
        f = fmemopen(copy, len, "r");
        if (!f) {
            snprintf(err, errlen, "%s:0: config: cannot read: %s", name,
                     strerror(errno));
            free(copy);
            return -1;
        }
        r = cfg_parse_stream(&st, f, name);
        fclose(f);
        free(copy);
        if (r < 0)
            return -1;
    }
    if (cfg_env(&st) < 0)
        return -1;
    return cfg_apply_profile(&st, err, errlen);
}

int config_apply_env(struct config *c, char *err, size_t errlen)
{
    struct cfg_state st = { .c = c, .err = err, .errlen = errlen };

    return cfg_env(&st);
}

static int dump_list(struct buf *out, const struct config_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (buf_addf(out, "%s%s", i ? "," : "", l->items[i]) < 0)
            return -1;
    return 0;
}

static int dump_addr(struct buf *out, const uint8_t a[20])
{
    size_t i;

    if (buf_adds(out, "0x") < 0)
        return -1;
    for (i = 0; i < 20; i++)
        if (buf_addf(out, "%02x", a[i]) < 0)
            return -1;
    return 0;
}

/* Types stored as one string (config_dump's default case). */
static int cfg_is_text(enum cfg_type t)
{
    return t == CFG_STR || t == CFG_DIR || t == CFG_LISTEN ||
           t == CFG_LEVEL || t == CFG_PROFILE || t == CFG_URL_OPT;
}

int config_dump(const struct config *c, struct buf *out)
{
    const char *section = "", *sep;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cfg_keys); i++) {
        const struct cfg_key *k = &cfg_keys[i];
        const void *field = (const char *)c + k->off;
        int r = 0;

        if (strcmp(section, k->section) != 0) {
            section = k->section;
            if (buf_addf(out, "%s[%s]\n", i ? "\n" : "", section) < 0)
                return -1;
        }
        /* libinih takes " ;" for the start of a comment, so a text value
         * that begins with ';' goes right after the '=' (found by
         * fuzz/fuzz_config.c: "static =;x" dumped as "static = ;x"). */
        sep = " = ";
        if (cfg_is_text(k->type) && (*(char *const *)field)[0] == ';')
            sep = " =";
        if (buf_addf(out, "%s%s", k->key, sep) < 0)
            return -1;
        switch (k->type) {
        case CFG_U64:
            r = buf_addf(out, "%llu",
                         (unsigned long long)*(const uint64_t *)field);
            break;
        case CFG_ADDR:
            r = dump_addr(out, field);
            break;
        case CFG_ADDR_OPT:
            r = c->has_router ? dump_addr(out, field) : buf_adds(out, "none");
            break;
        case CFG_RATE: {
            const struct config_rate *rt = field;

            r = rt->rate ? buf_addf(out, "%llu,%llu",
                                    (unsigned long long)rt->rate,
                                    (unsigned long long)rt->burst)
                         : buf_adds(out, "off");
            break;
        }
        case CFG_URLS:
        case CFG_ADDRS:
        case CFG_IPS:
        case CFG_NAMES:
            r = dump_list(out, field);
            break;
        case CFG_BOOL:
            r = buf_adds(out, *(const int *)field ? "on" : "off");
            break;
        case CFG_NUMS: {
            const struct config_nums *nl = field;
            size_t j;

            for (j = 0; j < nl->n && r == 0; j++)
                r = buf_addf(out, "%s%llu", j ? "," : "",
                             (unsigned long long)nl->v[j]);
            break;
        }
        case CFG_SECRET:
            r = buf_adds(out, **(char *const *)field ? "(set, not shown)" : "");
            break;
        default:
            r = buf_adds(out, *(char *const *)field);
            break;
        }
        if (r < 0 || buf_addch(out, '\n') < 0)
            return -1;
    }
    return 0;
}

void config_each_key(void (*fn)(const char *, const char *, const char *,
                                const char *, void *),
                     void *ud)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cfg_keys); i++)
        fn(cfg_keys[i].section, cfg_keys[i].key, cfg_keys[i].def,
           cfg_keys[i].doc, ud);
}

void config_release(struct config *c)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(cfg_keys); i++) {
        void *field = (char *)c + cfg_keys[i].off;

        switch (cfg_types[cfg_keys[i].type].hold) {
        case CFG_HOLD_TEXT:
            free(*(char **)field);
            *(char **)field = NULL;
            break;
        case CFG_HOLD_LIST: list_release(field); break;
        case CFG_HOLD_VALUE: break;
        }
    }
}
