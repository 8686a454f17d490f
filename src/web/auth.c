/*
 * auth.c - Sign-In with Ethereum endpoints, session cookies, CSRF.
 *
 *   GET  /api/v1/auth/nonce    a single-use nonce and the fields to sign
 *   POST /api/v1/auth/verify   {"message", "signature"} -> session cookie
 *   POST /api/v1/auth/logout   revokes the session (CSRF token required)
 *   GET  /api/v1/auth/session  who is signed in, and the CSRF token
 *
 * Every refused sign-in is answered with a JSON error carrying a reason
 * code and written to the audit log.
 */
#include "arbiusd/auth.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arbiusd/config.h"
#include "arbiusd/hex.h"
#include "arbiusd/log.h"
#include "arbiusd/siwe.h"
#include "arbiusd/social_store.h"

#define AUTH_ID_BYTES 32
#define AUTH_STATEMENT "Sign in to vote, react and comment."

int auth_reply_error(struct http_resp *resp, int status, const char *reason,
                     const char *msg)
{
    http_resp_header(resp, "Cache-Control", "no-store");
    return http_reply_json(resp, status,
                           json_pack("{s:{s:i,s:s,s:s}}", "error", "code",
                                     status, "reason", reason, "message",
                                     msg));
}

int auth_init(struct http_ctx *ctx)
{
    const char *sec = ctx->cfg->session_secret;

    if (sec && *sec) {
        SHA256((const unsigned char *)sec, strlen(sec), ctx->session_key);
        return 0;
    }
    if (ctx->social)
        return social_secret(ctx->social, ctx->session_key);
    /* Read-only without a configured secret: nobody can sign in here, and
     * a random key makes every cookie fail verification. */
    if (util_random(ctx->session_key, sizeof(ctx->session_key)) < 0) {
        log_warnx("auth: no randomness for the session key");
        return -1;
    }
    return 0;
}

/* hex HMAC-SHA256(key, id) into out[65]. */
static int cookie_mac(const struct http_ctx *ctx, const char *id,
                      char out[65])
{
    unsigned char mac[32];
    unsigned int len = sizeof(mac);

    if (!HMAC(EVP_sha256(), ctx->session_key, sizeof(ctx->session_key),
              (const unsigned char *)id, strlen(id), mac, &len) ||
        len != sizeof(mac))
        return -1;
    return hex_encode(mac, sizeof(mac), out, 65);
}

static int sha256_hex(const char *s, char out[65])
{
    unsigned char d[32];

    SHA256((const unsigned char *)s, strlen(s), d);
    return hex_encode(d, sizeof(d), out, 65);
}

static int random_hex(size_t nbytes, char *out, size_t outsz)
{
    unsigned char r[64];

    if (nbytes > sizeof(r) || util_random(r, nbytes) < 0)
        return -1;
    return hex_encode(r, nbytes, out, outsz);
}

int auth_is_admin(const struct http_req *req, const char *addr)
{
    const struct config_list *l = &req->ctx->cfg->admin_wallets;
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcasecmp(l->items[i], addr) == 0)
            return 1;
    return 0;
}

int auth_current(struct http_req *req, struct auth_user *out)
{
    const char *c = http_cookie(req, AUTH_COOKIE), *dot;
    char id[2 * AUTH_ID_BYTES + 1], mac[65], hash[65];
    struct social_session ss;
    struct db *db;
    int r;

    if (!c)
        return 1;
    dot = strchr(c, '.');
    if (!dot || (size_t)(dot - c) != 2 * AUTH_ID_BYTES || strlen(dot + 1) != 64)
        return 1;
    memcpy(id, c, 2 * AUTH_ID_BYTES);
    id[2 * AUTH_ID_BYTES] = '\0';
    if (cookie_mac(req->ctx, id, mac) < 0 ||
        CRYPTO_memcmp(mac, dot + 1, 64) != 0)
        return 1;
    if (sha256_hex(id, hash) < 0)
        return -1;
    db = http_db(req);
    if (!db)
        return -1;
    r = social_session_get(db, hash, util_wall_s(), &ss);
    if (r != 0)
        return r;
    memset(out, 0, sizeof(*out));
    snprintf(out->address, sizeof(out->address), "%s", ss.address);
    snprintf(out->csrf, sizeof(out->csrf), "%s", ss.csrf);
    snprintf(out->id_hash, sizeof(out->id_hash), "%s", hash);
    out->expires_at = ss.expires_at;
    out->admin = auth_is_admin(req, ss.address);
    return 0;
}

int auth_require(struct http_req *req, struct http_resp *resp, int need_admin,
                 int need_csrf, int need_write, struct auth_user *out)
{
    const char *tok;
    int r;

    if (need_write && !req->ctx->social) {
        auth_reply_error(resp, 503, "read_only",
                         "this server runs with --read-only and accepts no "
                         "writes");
        return 1;
    }
    r = auth_current(req, out);
    if (r < 0) {
        auth_reply_error(resp, 503, "database",
                         "the database is unavailable");
        return 1;
    }
    if (r > 0) {
        auth_reply_error(resp, 401, "no_session",
                         "sign in with Ethereum first (no valid session "
                         "cookie)");
        return 1;
    }
    if (need_admin && !out->admin) {
        auth_reply_error(resp, 403, "not_admin",
                         "this wallet is not an admin");
        return 1;
    }
    if (need_csrf) {
        tok = http_header(req, AUTH_CSRF_HEADER);
        if (!tok || strlen(tok) != strlen(out->csrf) ||
            CRYPTO_memcmp(tok, out->csrf, strlen(out->csrf)) != 0) {
            auth_reply_error(resp, 403, "csrf",
                             "X-CSRF-Token header missing or wrong");
            return 1;
        }
    }
    return 0;
}

static void iso_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- where sign-in messages may come from ---- */

/* 1 when host (numeric, as [server] listen holds it) is a loopback
 * address: 127.0.0.0/8 or ::1. */
static int host_is_loopback(const char *host)
{
    unsigned char a[16];

    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127;
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char one[16] = { [15] = 1 };

        return memcmp(a, one, 16) == 0;
    }
    return 0;
}

int auth_config_check(const struct config *cfg, char *err, size_t errlen)
{
    if (cfg->admin_wallets.n == 0 || (cfg->public_url && *cfg->public_url) ||
        host_is_loopback(cfg->listen_host))
        return 0;
    snprintf(err, errlen,
             "[admin] wallets is set and [server] listen = %s is not a "
             "loopback address, but [server] public_url is not set: "
             "Sign-In with Ethereum must know the site's own address (set "
             "public_url to the URL people open, e.g. "
             "https://gallery.example.org), or it could be phished",
             cfg->listen);
    return -1;
}

/* Appends scheme://authority to site->allowed (skipped when full). */
static void site_add(struct auth_site *site, const char *scheme,
                     const char *authority, size_t alen)
{
    struct auth_origin *o;
    size_t i;

    if (site->n == AUTH_MAX_SITES || alen == 0 ||
        alen >= sizeof(o->authority))
        return;
    o = &site->allowed[site->n++];
    snprintf(o->scheme, sizeof(o->scheme), "%s", scheme);
    for (i = 0; i < alen; i++)
        o->authority[i] = (char)tolower((unsigned char)authority[i]);
    o->authority[alen] = '\0';
}

void auth_site_init(struct auth_site *site, const struct config *cfg,
                    uint16_t port)
{
    const char *pu = cfg->public_url;
    char a[300];
    int n;

    memset(site, 0, sizeof(*site));
    if (pu && *pu) {
        const char *p = strstr(pu, "://");
        size_t alen = p ? strcspn(p + 3, "/?#") : 0;

        if (p && memchr(p + 3, '@', alen) == NULL)
            site_add(site, strncmp(pu, "https", 5) == 0 ? "https" : "http",
                     p + 3, alen);
        if (site->n == 0)
            snprintf(site->why, sizeof(site->why),
                     "[server] public_url %s has no usable host", pu);
    } else if (host_is_loopback(cfg->listen_host)) {
        int v6 = strchr(cfg->listen_host, ':') != NULL;

        n = snprintf(a, sizeof(a), v6 ? "[%s]:%u" : "%s:%u",
                     cfg->listen_host, (unsigned)port);
        site_add(site, "http", a, (size_t)n);
        if (strcmp(cfg->listen_host, "127.0.0.1") == 0 ||
            strcmp(cfg->listen_host, "::1") == 0) {
            n = snprintf(a, sizeof(a), "localhost:%u", (unsigned)port);
            site_add(site, "http", a, (size_t)n);
        }
    } else {
        snprintf(site->why, sizeof(site->why),
                 "sign-in needs [server] public_url: this server listens on "
                 "%s, which is not a loopback address", cfg->listen);
    }
    if (site->n == 0)
        log_warnx("auth: Sign-In with Ethereum is unavailable: %s",
                  site->why);
    else
        log_info("auth: sign-in messages must come from %s://%s",
                 site->allowed[0].scheme, site->allowed[0].authority);
}

/* The allowed origin whose authority is the n bytes at p (any case), or
 * NULL. */
static const struct auth_origin *site_find(const struct auth_site *site,
                                           const char *p, size_t n)
{
    size_t i;

    for (i = 0; site && p && i < site->n; i++)
        if (strlen(site->allowed[i].authority) == n &&
            strncasecmp(site->allowed[i].authority, p, n) == 0)
            return &site->allowed[i];
    return NULL;
}

/* ---- stateless nonces ---- */

#define NONCE_RAND 8
#define NONCE_MAC  12
#define NONCE_BYTES (4 + NONCE_RAND + NONCE_MAC)

_Static_assert(AUTH_NONCE_HEX == 2 * NONCE_BYTES, "nonce length");

/* HMAC-SHA256(session key, "siwe-nonce" || b[0..4+NONCE_RAND)) cut to
 * NONCE_MAC bytes into mac.  0 or -1. */
static int nonce_mac(const struct http_ctx *ctx, const uint8_t *b,
                     uint8_t mac[NONCE_MAC])
{
    unsigned char full[32], in[10 + 4 + NONCE_RAND];
    unsigned int len = sizeof(full);

    memcpy(in, "siwe-nonce", 10);
    memcpy(in + 10, b, 4 + NONCE_RAND);
    if (!HMAC(EVP_sha256(), ctx->session_key, sizeof(ctx->session_key), in,
              sizeof(in), full, &len) ||
        len != sizeof(full))
        return -1;
    memcpy(mac, full, NONCE_MAC);
    return 0;
}

/* A new nonce issued at now: AUTH_NONCE_HEX hex digits into out.  0 or -1. */
static int nonce_make(const struct http_ctx *ctx, int64_t now,
                      char out[AUTH_NONCE_HEX + 1])
{
    uint8_t b[NONCE_BYTES];
    uint32_t t = (uint32_t)now;

    b[0] = (uint8_t)(t >> 24);
    b[1] = (uint8_t)(t >> 16);
    b[2] = (uint8_t)(t >> 8);
    b[3] = (uint8_t)t;
    if (util_random(b + 4, NONCE_RAND) < 0 || nonce_mac(ctx, b, b + 4 +
                                                        NONCE_RAND) < 0)
        return -1;
    return hex_encode(b, sizeof(b), out, AUTH_NONCE_HEX + 1);
}

/* Checks that the n bytes at p are a nonce this server issued: 0 and
 * *issued set, or 1 (not one of ours: wrong length, not hex, bad MAC). */
static int nonce_check(const struct http_ctx *ctx, const char *p, size_t n,
                       int64_t *issued /* OUT */)
{
    uint8_t b[NONCE_BYTES], mac[NONCE_MAC];

    if (n != AUTH_NONCE_HEX || hex_decode_exact(p, n, b, sizeof(b)) < 0 ||
        nonce_mac(ctx, b, mac) < 0 ||
        CRYPTO_memcmp(mac, b + 4 + NONCE_RAND, NONCE_MAC) != 0)
        return 1;
    *issued = (int64_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                        (uint32_t)b[2] << 8 | (uint32_t)b[3]);
    return 0;
}

/* ---- GET /api/v1/auth/nonce ---- */

/* The refusal when sign-in is unavailable on this server; 0 when it is
 * available. */
static int site_unavailable(struct http_req *req, struct http_resp *resp)
{
    const struct auth_site *site = req->ctx->site;

    if (!req->ctx->social)
        return auth_reply_error(resp, 503, "read_only",
                                "this server runs with --read-only: sign-in "
                                "is unavailable") < 0 ? -1 : 1;
    if (!site || site->n == 0)
        return auth_reply_error(resp, 503, "sign_in_unavailable",
                                site ? site->why
                                     : "sign-in is not configured") < 0
                   ? -1
                   : 1;
    return 0;
}

int auth_api_nonce(struct http_req *req, struct http_resp *resp)
{
    const struct config *cfg = req->ctx->cfg;
    const char *host = http_header(req, "Host");
    const char *addr_q = http_query(req, "address");
    const struct auth_origin *o;
    char nonce[AUTH_NONCE_HEX + 1], now_s[32], exp_s[32], uri[320], disp[43];
    int64_t now = util_wall_s();
    uint8_t a[20];
    json_t *j;
    int r = site_unavailable(req, resp);

    if (r != 0)
        return r < 0 ? -1 : 0;
    if (addr_q) {
        if (hex_parse_address(addr_q, strlen(addr_q), HEX_ADDR_STRICT, a) <
                0 ||
            strlen(addr_q) != 42 ||
            hex_format_address(a, disp, sizeof(disp)) < 0)
            return auth_reply_error(resp, 400, "address",
                                    "address: expected 0x and 40 hex digits");
    }
    /* The message names this site as configured; a Host header only picks
     * between the configured names (127.0.0.1:8080 or localhost:8080). */
    o = site_find(req->ctx->site, host, host ? strlen(host) : 0);
    if (!o)
        o = &req->ctx->site->allowed[0];
    if (nonce_make(req->ctx, now, nonce) < 0)
        return auth_reply_error(resp, 500, "random", "no randomness");
    iso_time(now, now_s);
    iso_time(now + (int64_t)cfg->nonce_lifetime, exp_s);
    snprintf(uri, sizeof(uri), "%s://%s", o->scheme, o->authority);
    j = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s}", "nonce", nonce,
                  "domain", o->authority, "uri", uri, "chain_id",
                  (json_int_t)cfg->chain_id, "version", "1", "issued_at",
                  now_s, "expires_at", exp_s, "statement", AUTH_STATEMENT);
    if (addr_q) {
        /* The exact EIP-4361 text for this wallet, so a page needs no
         * keccak of its own for the EIP-55 address. */
        char *text = NULL;
        struct buf b = BUF_INIT(SIWE_MAX_MESSAGE);

        if (buf_addf(&b,
                     "%s wants you to sign in with your Ethereum account:\n"
                     "%s\n\n%s\n\nURI: %s\nVersion: 1\nChain ID: %llu\n"
                     "Nonce: %s\nIssued At: %s\nExpiration Time: %s",
                     o->authority, disp, AUTH_STATEMENT, uri,
                     (unsigned long long)cfg->chain_id, nonce, now_s,
                     exp_s) == 0)
            text = buf_take(&b, NULL);
        buf_release(&b);
        json_object_set_new(j, "address", json_string(disp));
        json_object_set_new(j, "message", text ? json_string(text)
                                               : json_null());
        free(text);
    }
    http_resp_header(resp, "Cache-Control", "no-store");
    return http_reply_json(resp, 200, j);
}

/* ---- POST /api/v1/auth/verify ---- */

/* Refuses a sign-in: the JSON error and an audit entry. */
static int refuse(struct http_req *req, struct http_resp *resp, int status,
                  const char *reason, const char *actor, const char *msg)
{
    char ip[64], detail[400];

    http_client_ip(req, ip, sizeof(ip));
    /* The audit keeps the first 399 bytes of a long message. */
    if (snprintf(detail, sizeof(detail), "%s: %s", reason, msg) < 0)
        detail[0] = '\0';
    if (req->ctx->social &&
        social_audit(req->ctx->social, util_wall_s(), actor, "signin_failed",
                     NULL, ip, detail) < 0)
        log_warnx("auth: could not audit a failed sign-in");
    log_info("auth: sign-in refused from %s: %s", ip, reason);
    return auth_reply_error(resp, status, reason, msg);
}

/* Origin "scheme://authority" is one of the site's allowed origins. */
static int origin_ok(const struct auth_site *site, const char *origin)
{
    const char *p = strstr(origin, "://");
    const struct auth_origin *o;

    if (!p)
        return 0;
    o = site_find(site, p + 3, strlen(p + 3));
    return o && strlen(o->scheme) == (size_t)(p - origin) &&
           strncasecmp(o->scheme, origin, (size_t)(p - origin)) == 0;
}

/* m's URI is an http(s) URI on origin o: scheme://authority followed by
 * the end, a path, a query or a fragment. */
static int uri_ok(const struct siwe_msg *m, const struct auth_origin *o)
{
    size_t sl = strlen(o->scheme), al = strlen(o->authority);
    const char *u = m->uri.p;

    if (!u || m->uri.len < sl + 3 + al || strncmp(u, o->scheme, sl) != 0 ||
        strncmp(u + sl, "://", 3) != 0 ||
        strncasecmp(u + sl + 3, o->authority, al) != 0)
        return 0;
    return m->uri.len == sl + 3 + al || strchr("/?#", u[sl + 3 + al]);
}

/* The n bytes at p as printable text for a refusal (at most 100 bytes,
 * anything outside printable ASCII as '?'). */
static void shown(const char *p, size_t n, char out[104])
{
    size_t i;

    if (n > 100)
        n = 100;
    for (i = 0; i < n; i++)
        out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
    out[n] = '\0';
}

/* One sign-in attempt: what the checks read, and why they refused it. */
struct verify {
    struct http_req *req;
    const struct config *cfg;
    const struct auth_site *site;
    int64_t now;
    char ip[64];     /* the client, as audited */
    json_t *body;    /* the request body (owned), or NULL */
    const char *msg; /* the message text, borrowed from body */
    size_t msglen;
    struct siwe_msg m; /* parsed msg */
    uint8_t sig[SIWE_SIG_LEN];
    const char *actor;  /* NULL until m is parsed, then addr */
    char addr[43];      /* m's address, lower-case */
    int status;         /* the refusal: HTTP status, */
    const char *reason; /* reason code */
    char text[640];     /* and message */
};

/* Records a refusal in v.  Returns 1, what a check returns when it refuses
 * (0: passed, -1: the database failed). */
static int verify_no(struct verify *v, int status, const char *reason,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int verify_no(struct verify *v, int status, const char *reason,
                     const char *fmt, ...)
{
    va_list ap;

    v->status = status;
    v->reason = reason;
    va_start(ap, fmt);
    vsnprintf(v->text, sizeof(v->text), fmt, ap);
    va_end(ap);
    return 1;
}

/* The Origin header, when sent, is one of this site's. */
static int verify_origin(struct verify *v)
{
    const char *origin = http_header(v->req, "Origin");

    if (origin && !origin_ok(v->site, origin))
        return verify_no(v, 403, "origin", "Origin is not this site");
    return 0;
}

/* The body: {"message": EIP-4361 text, "signature": 0x + 65 bytes}. */
static int verify_body(struct verify *v)
{
    const struct http_req *req = v->req;
    const char *sigtxt;
    char err[160];
    json_error_t jerr;
    size_t siglen;

    v->body = json_loadb(req->body ? req->body : "", req->body_len, 0, &jerr);
    if (!json_is_object(v->body))
        return verify_no(v, 400, "body",
                         "body: expected a JSON object {\"message\": ..., "
                         "\"signature\": \"0x...\"}");
    v->msg = json_string_value(json_object_get(v->body, "message"));
    sigtxt = json_string_value(json_object_get(v->body, "signature"));
    if (!v->msg)
        return verify_no(v, 400, "message_missing",
                         "message: expected the EIP-4361 message text");
    v->msglen = json_string_length(json_object_get(v->body, "message"));
    if (siwe_parse(v->msg, v->msglen, &v->m, err, sizeof(err)) < 0)
        return verify_no(v, 400, "message_malformed",
                         "message: not an EIP-4361 message: %s", err);
    if (hex_encode_0x(v->m.address, 20, v->addr, sizeof(v->addr)) < 0)
        v->addr[0] = '\0';
    v->actor = v->addr;
    siglen = sigtxt ? strlen(sigtxt) : 0;
    if (!sigtxt || siglen != 2 + 2 * SIWE_SIG_LEN ||
        hex_decode_exact(sigtxt, siglen, v->sig, SIWE_SIG_LEN) < 0)
        return verify_no(v, 400, "signature_malformed",
                         "signature: expected 0x and 130 hex digits (65 "
                         "bytes: r, s, v)");
    return 0;
}

/* The nonce is one of ours, still live, and spent now: any attempt that
 * names it spends it, refused or not. */
static int verify_nonce(struct verify *v)
{
    const struct siwe_msg *m = &v->m;
    int64_t issued = 0, life = (int64_t)v->cfg->nonce_lifetime;
    char nonce[AUTH_NONCE_HEX + 1];
    int r;

    if (nonce_check(v->req->ctx, m->nonce.p, m->nonce.len, &issued) != 0)
        return verify_no(v, 401, "nonce_unknown",
                         "Nonce: not issued by this server");
    if (issued + life <= v->now)
        return verify_no(v, 401, "nonce_expired",
                         "Nonce: expired; request a new one");
    memcpy(nonce, m->nonce.p, AUTH_NONCE_HEX); /* nonce_check: that long */
    nonce[AUTH_NONCE_HEX] = '\0';
    r = social_nonce_spend(v->req->ctx->social, nonce, v->ip, issued,
                           issued + life, v->now);
    if (r > 0)
        return verify_no(v, 401, "nonce_used",
                         "Nonce: already used; request a new one");
    return r < 0 ? -1 : 0;
}

/* Domain and URI name this site as configured, whatever Host the request
 * carries. */
static int verify_site(struct verify *v)
{
    const struct siwe_msg *m = &v->m;
    const struct auth_origin *o =
        site_find(v->site, m->domain.p, m->domain.len);
    char tried[104];

    if (o && m->scheme.len &&
        (m->scheme.len != strlen(o->scheme) ||
         strncasecmp(m->scheme.p, o->scheme, m->scheme.len) != 0))
        o = NULL; /* "http://site wants you..." for an https site */
    if (!o) {
        shown(m->domain.p, m->domain.len, tried);
        return verify_no(v, 401, "domain_mismatch",
                         "domain: \"%s\" is not this site (sign-in "
                         "messages must name %s)",
                         tried, v->site->allowed[0].authority);
    }
    if (!uri_ok(m, o)) {
        shown(m->uri.p, m->uri.len, tried);
        return verify_no(v, 401, "uri_mismatch",
                         "URI: \"%s\" is not on this site (expected "
                         "%s://%s/...)",
                         tried, o->scheme, o->authority);
    }
    return 0;
}

/* The chain and the message's validity times, against the clock. */
static int verify_claims(struct verify *v)
{
    const struct siwe_msg *m = &v->m;
    int64_t now = v->now, skew = (int64_t)v->cfg->clock_skew;
    const struct {
        int bad;
        const char *reason, *text;
    } when[] = {
        { m->has_expiration && m->expiration <= now, "expired",
          "Expiration Time: the message has expired" },
        { m->has_not_before && m->not_before > now + skew, "not_yet_valid",
          "Not Before: the message is not valid yet" },
        { m->issued_at > now + skew, "issued_in_future",
          "Issued At: in the future (check the clock)" },
        { m->issued_at < now - (int64_t)v->cfg->nonce_lifetime - skew, "stale",
          "Issued At: older than the nonce lifetime" },
    };
    size_t i;

    if (m->chain_id != v->cfg->chain_id)
        return verify_no(v, 401, "chain_mismatch",
                         "Chain ID: %llu is not this site's chain %llu",
                         (unsigned long long)m->chain_id,
                         (unsigned long long)v->cfg->chain_id);
    for (i = 0; i < ARRAY_SIZE(when); i++)
        if (when[i].bad)
            return verify_no(v, 401, when[i].reason, "%s", when[i].text);
    return 0;
}

/* The signature recovers to the message's own address. */
static int verify_signer(struct verify *v)
{
    uint8_t rec[20];
    char recd[43], want[43];
    int r = siwe_recover(v->msg, v->msglen, v->sig, rec);

    if (r != SIWE_SIG_OK)
        return verify_no(v, r == SIWE_SIG_BAD_V ? 400 : 401,
                         r == SIWE_SIG_BAD_V    ? "signature_bad_v"
                         : r == SIWE_SIG_HIGH_S ? "signature_high_s"
                                                : "signature_invalid",
                         "signature: %s", siwe_sig_strerror(r));
    if (memcmp(rec, v->m.address, 20) != 0) {
        if (hex_format_address(rec, recd, sizeof(recd)) < 0 ||
            hex_format_address(v->m.address, want, sizeof(want)) < 0)
            recd[0] = want[0] = '\0';
        return verify_no(v, 401, "signature_mismatch",
                         "signature: signed by %s, not by the message's "
                         "address %s",
                         recd, want);
    }
    return 0;
}

/* The checks of a sign-in, in the order their refusals take precedence. */
static int (*const verify_checks[])(struct verify *) = {
    verify_origin, verify_body,   verify_nonce,
    verify_site,   verify_claims, verify_signer,
};

/* Signed in: a new session, its cookie and the reply.  The handler's
 * result. */
static int session_start(struct http_resp *resp, const struct verify *v)
{
    struct http_req *req = v->req;
    int64_t life = (int64_t)v->cfg->session_lifetime, now = v->now;
    char id[2 * AUTH_ID_BYTES + 1], mac[65], hash[65], csrf[65];
    char cookie[512], want[43];

    if (random_hex(AUTH_ID_BYTES, id, sizeof(id)) < 0 ||
        random_hex(32, csrf, sizeof(csrf)) < 0 ||
        cookie_mac(req->ctx, id, mac) < 0 || sha256_hex(id, hash) < 0)
        return auth_reply_error(resp, 500, "random", "no randomness");
    if (social_session_create(req->ctx->social, hash, v->addr, csrf, now,
                              now + life, v->ip) < 0 ||
        social_audit(req->ctx->social, now, v->addr, "signin", NULL, v->ip,
                     NULL) < 0)
        return auth_reply_error(resp, 503, "database",
                                "the database is unavailable");
    snprintf(cookie, sizeof(cookie),
             AUTH_COOKIE "=%s.%s; Path=/; Max-Age=%lld; HttpOnly; "
                         "SameSite=Lax%s",
             id, mac, (long long)life, http_is_tls(req) ? "; Secure" : "");
    http_resp_header(resp, "Set-Cookie", cookie);
    if (hex_format_address(v->m.address, want, sizeof(want)) < 0)
        want[0] = '\0';
    http_resp_header(resp, "Cache-Control", "no-store");
    log_info("auth: %s signed in from %s", v->addr, v->ip);
    return http_reply_json(resp, 200,
                           json_pack("{s:s,s:s,s:s,s:b,s:I}", "address", want,
                                     "address_lower", v->addr, "csrf", csrf,
                                     "admin", auth_is_admin(req, v->addr),
                                     "expires_at", (json_int_t)(now + life)));
}

/* Cuts off an address with too many failed sign-ins in the last minute
 * (they are audited, so a flood could grow the log without bound).  0, or
 * 1 after answering (-1 if the answer failed). */
static int verify_throttle(struct http_resp *resp, const struct verify *v)
{
    struct db *db = http_db(v->req);
    int64_t failed = 0;

    if (!db || social_failed_signins(db, v->ip, v->now - 60, &failed) < 0)
        return auth_reply_error(resp, 503, "database",
                                "the database is unavailable") < 0
                   ? -1
                   : 1;
    if (failed < SOCIAL_FAILED_PER_MINUTE)
        return 0;
    if (social_audit_throttled(v->req->ctx->social, v->now, v->ip) < 0)
        log_warnx("auth: could not audit throttled sign-ins");
    http_resp_header(resp, "Retry-After", "60");
    return auth_reply_error(resp, 429, "too_many_failures",
                            "too many failed sign-ins from this address; "
                            "wait a minute") < 0
               ? -1
               : 1;
}

int auth_api_verify(struct http_req *req, struct http_resp *resp)
{
    struct verify v;
    size_t i;
    int r, ret;

    r = site_unavailable(req, resp);
    if (r != 0)
        return r < 0 ? -1 : 0;
    memset(&v, 0, sizeof(v));
    v.req = req;
    v.cfg = req->ctx->cfg;
    v.site = req->ctx->site;
    v.now = util_wall_s();
    http_client_ip(req, v.ip, sizeof(v.ip));
    r = verify_throttle(resp, &v);
    if (r != 0)
        return r < 0 ? -1 : 0;
    for (i = 0, r = 0; i < ARRAY_SIZE(verify_checks) && r == 0; i++)
        r = verify_checks[i](&v);
    if (r < 0)
        ret = auth_reply_error(resp, 503, "database",
                               "the database is unavailable");
    else if (r > 0)
        ret = refuse(req, resp, v.status, v.reason, v.actor, v.text);
    else
        ret = session_start(resp, &v);
    json_decref(v.body);
    return ret;
}

/* ---- POST /api/v1/auth/logout ---- */

int auth_api_logout(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    char ip[64], cookie[160];

    if (auth_require(req, resp, 0, 1, 1, &u))
        return 0;
    http_client_ip(req, ip, sizeof(ip));
    if (social_session_revoke(req->ctx->social, u.id_hash, util_wall_s()) < 0 ||
        social_audit(req->ctx->social, util_wall_s(), u.address, "signout",
                     NULL, ip, NULL) < 0)
        return auth_reply_error(resp, 503, "database",
                                "the database is unavailable");
    snprintf(cookie, sizeof(cookie),
             AUTH_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s",
             http_is_tls(req) ? "; Secure" : "");
    http_resp_header(resp, "Set-Cookie", cookie);
    http_resp_header(resp, "Cache-Control", "no-store");
    return http_reply_json(resp, 200, json_pack("{s:b}", "signed_out", 1));
}

/* ---- GET /api/v1/auth/session ---- */

int auth_api_session(struct http_req *req, struct http_resp *resp)
{
    struct auth_user u;
    char disp[43];
    uint8_t a[20];
    int r = auth_current(req, &u);

    http_resp_header(resp, "Cache-Control", "no-store");
    if (r < 0)
        return auth_reply_error(resp, 503, "database",
                                "the database is unavailable");
    if (r > 0)
        return http_reply_json(
            resp, 200,
            json_pack("{s:b,s:I,s:b}", "signed_in", 0, "chain_id",
                      (json_int_t)req->ctx->cfg->chain_id, "writable",
                      req->ctx->social != NULL));
    if (hex_parse_address(u.address, strlen(u.address), 0, a) < 0 ||
        hex_format_address(a, disp, sizeof(disp)) < 0)
        snprintf(disp, sizeof(disp), "%s", u.address);
    return http_reply_json(
        resp, 200,
        json_pack("{s:b,s:s,s:s,s:s,s:b,s:I,s:I,s:b}", "signed_in", 1,
                  "address", disp, "address_lower", u.address, "csrf", u.csrf,
                  "admin", u.admin, "expires_at", (json_int_t)u.expires_at,
                  "chain_id", (json_int_t)req->ctx->cfg->chain_id,
                  "writable", req->ctx->social != NULL));
}
