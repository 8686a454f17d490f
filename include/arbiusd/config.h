/*
 * config.h - the daemon's configuration: embedded defaults, an INI file
 * (libinih) and ARBIUSD_<SECTION>_<KEY> environment overrides, in that order.
 *
 * Every key is described once in a table in config.c (name, type, default,
 * bounds, documentation); config.example.ini is checked against that table by
 * a unit test, so the docs cannot drift from the code.
 *
 * Errors stop startup with "file:line: key: reason" (or "env:NAME: reason").
 */
#ifndef ARBIUSD_CONFIG_H
#define ARBIUSD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "arbiusd/util.h"

#define CONFIG_MAX_LIST 16   /* rpc endpoints, gateways, admin wallets */

struct config_list {
    char *items[CONFIG_MAX_LIST];  /* owned strings */
    size_t n;
};

/* A token bucket: rate tokens per second, at most burst; rate 0 = off. */
struct config_rate {
    uint64_t rate;
    uint64_t burst;
};

/* A comma list of whole numbers (the IPFS retry schedule, seconds). */
struct config_nums {
    uint64_t v[CONFIG_MAX_LIST];
    size_t n;
};

struct config {
    /* [server] */
    char *listen;              /* "host:port" as given */
    char listen_host[64];      /* parsed numeric host (IPv4 or IPv6) */
    uint16_t listen_port;
    uint64_t threads;          /* HTTP worker pool size */
    uint64_t max_connections;
    uint64_t max_connections_per_ip; /* 0 = no limit */
    uint64_t connection_timeout; /* seconds */
    uint64_t header_timeout;   /* seconds to receive a request's headers */
    uint64_t sse_max_clients;  /* /api/v1/stream clients at once */
    char *templates;           /* directory of *.html templates */
    char *static_dir;          /* directory served under /static/ */
    char *public_url;          /* e.g. https://gallery.example.org ("" = none) */
    struct config_list trusted_proxies;
    uint64_t ready_max_lag;    /* blocks behind the head before /ready is 503 */
    uint64_t ready_max_poll_age; /* seconds since the last good poll */
    uint64_t cache_size;         /* bytes of the response cache (0 = off) */
    /* [ratelimit] per client IP */
    struct config_rate rl_page;   /* HTML pages */
    struct config_rate rl_api;    /* /api/, /health, /ready, /metrics */
    struct config_rate rl_static; /* /static/ */
    struct config_rate rl_stream; /* new /api/v1/stream connections */
    /* [backup] */
    char *backup_dir;          /* "" = no scheduled backups */
    uint64_t backup_interval;  /* seconds */
    uint64_t backup_keep;      /* files kept */
    /* [log] */
    char *log_level;
    uint64_t log_summary_interval; /* seconds per summary of repeats */
    /* [database] */
    char *db_path;
    uint64_t busy_timeout;     /* milliseconds */
    /* [chain] */
    char *profile;             /* arbitrum-one | arbitrum-nova-v2 | arbitrum-nova-v1 */
    struct config_list rpc_urls;
    uint64_t chain_id;
    uint8_t engine[20];
    uint8_t token[20];
    uint8_t router[20];
    int has_router;
    uint64_t start_block;
    uint64_t confirmations;
    uint64_t poll_interval;    /* seconds */
    uint64_t max_range;        /* largest eth_getLogs range, blocks */
    uint64_t rpc_timeout;      /* seconds per request */
    uint64_t rpc_batch;        /* requests per JSON-RPC batch */
    uint64_t rpc_budget;       /* requests per day per endpoint (0 = none) */
    uint64_t reorg_window;     /* blocks of hashes kept for reorg checks */
    /* [ipfs] */
    struct config_list gateways;
    uint64_t ipfs_timeout;     /* seconds */
    uint64_t ipfs_concurrency;
    int ipfs_monitor;          /* 1: `serve` runs the IPFS monitor thread */
    struct config_nums ipfs_retry; /* seconds after round 1, 2, ... */
    uint64_t ipfs_slow_ms;     /* served later than this: "slow" */
    uint64_t ipfs_range_bytes; /* bytes=0-(N-1) of each GET (image models) */
    uint64_t ipfs_bandwidth;   /* bytes/s received, all checks (0 = no cap) */
    uint64_t ipfs_interval;    /* seconds between looks for new CIDs */
    /* [admin] */
    struct config_list admin_wallets; /* lower-case 0x addresses */
    /* [miners] */
    uint64_t miners_active_window; /* hours */
    /* [models] */
    struct config_list model_names; /* "0x<id lower-case>=Name" items */
    /* [auth] */
    uint64_t session_lifetime;     /* seconds */
    uint64_t nonce_lifetime;       /* seconds */
    uint64_t clock_skew;           /* seconds */
    char *session_secret;          /* "" = random per database */
    uint64_t comment_max_length;   /* characters */
    uint64_t comment_edit_window;  /* seconds */
    uint64_t comment_rate_window;  /* seconds */
    uint64_t comment_rate_wallet;  /* comments per window */
    uint64_t comment_rate_ip;      /* comments per window */
};

/* Fills c with the embedded defaults (Arbitrum One).  Release with
 * config_release(). */
void config_init_defaults(struct config *c);

/*
 * Loads path (NULL = defaults only) then the environment over c.
 * On error writes "file:line: key: reason" into err and returns -1; c may be
 * partly updated and must still be released.
 */
int config_load(struct config *c, const char *path, char *err,
                size_t errlen) WARN_UNUSED;

/*
 * config_load() with the INI text text[0..len) in place of a file (for
 * tests and the fuzzer); name stands for the file in error messages.
 */
int config_load_text(struct config *c, const char *name, const char *text,
                     size_t len, char *err, size_t errlen) WARN_UNUSED;

/* Applies ARBIUSD_<SECTION>_<KEY> variables from environ; -1 on a bad value,
 * an unknown ARBIUSD_ name, with the reason in err. */
int config_apply_env(struct config *c, char *err, size_t errlen) WARN_UNUSED;

/* Sets one key from text as the INI file would ("server", "listen", "x").
 * Returns 0, or -1 with the reason (no location) in err. */
int config_set(struct config *c, const char *section, const char *key,
               const char *value, char *err, size_t errlen) WARN_UNUSED;

/* Writes every key as "[section] key = value" lines (for `arbiusd config`). */
struct buf;
int config_dump(const struct config *c, struct buf *out) WARN_UNUSED;

/* Visits every known key: used by the docs test. */
void config_each_key(void (*fn)(const char *section, const char *key,
                                const char *def, const char *doc, void *ud),
                     void *ud);

void config_release(struct config *c);

#endif
