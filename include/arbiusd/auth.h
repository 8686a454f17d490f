/*
 * auth.h - wallet sessions for the web side: Sign-In with Ethereum
 * (EIP-4361 via siwe.h), HMAC-signed session cookies, CSRF tokens and the
 * admin check.
 *
 * The cookie AUTH_COOKIE holds "<session id>.<HMAC-SHA256(key, id)>" (hex);
 * the database keeps only SHA-256(id) with the wallet, the CSRF token, the
 * expiry and a revocation time, so sign-out is server-side.  Every
 * state-changing request sends the session's token in AUTH_CSRF_HEADER.
 */
#ifndef ARBIUSD_AUTH_H
#define ARBIUSD_AUTH_H

#include <stdint.h>

#include "arbiusd/http.h"

#define AUTH_COOKIE      "arbiusd_session"
#define AUTH_CSRF_HEADER "X-CSRF-Token"

/*
 * Where a Sign-In with Ethereum message may come from.  The domain and URI
 * a message must carry are taken from the configuration, never from the
 * request (a phishing site that relays a victim's signature with its own
 * Host header must not get a session):
 *  - [server] public_url set: its scheme and authority (host[:port]);
 *  - else, when the daemon listens on a loopback address: http and the
 *    listen address itself (127.0.0.1:8080, localhost:8080, [::1]:8080);
 *  - else sign-in is unavailable (and `serve` refuses to start when
 *    [admin] wallets are configured: auth_config_check()).
 * Nonces are stateless: hex(issued time, 8 random bytes, HMAC-SHA256 of
 * both under the session key, 12 bytes), so anonymous nonce requests write
 * nothing; a nonce is recorded only when a sign-in attempt spends it.
 */
#define AUTH_MAX_SITES   3
#define AUTH_NONCE_HEX   48

struct auth_origin {
    char scheme[8];            /* "http" or "https" */
    char authority[300];       /* host[:port], host lower-case */
};

struct auth_site {
    size_t n;                  /* 0: sign-in unavailable, see why */
    struct auth_origin allowed[AUTH_MAX_SITES]; /* [0] is the canonical one */
    char why[200];
};

/*
 * Refuses a configuration in which admins could be phished: [admin] wallets
 * set, a listen address that is not loopback and no [server] public_url.
 * 0, or -1 with the reason in err.
 */
int auth_config_check(const struct config *cfg, char *err, size_t errlen)
    WARN_UNUSED;

/* Fills *site from cfg and the port the server bound (see above); logs
 * once when sign-in is unavailable. */
void auth_site_init(struct auth_site *site /* OUT */,
                    const struct config *cfg, uint16_t port);

struct auth_user {
    char address[43];          /* lower-case 0x address */
    char csrf[65];             /* the session's CSRF token */
    char id_hash[65];          /* hex SHA-256 of the session id */
    int admin;                 /* address is in [admin] wallets */
    int64_t expires_at;
};

/*
 * Sets ctx->session_key: SHA-256 of [auth] session_secret when configured,
 * else the database's random secret (needs ctx->social).  With neither
 * (read-only, no secret) the key stays random and no cookie verifies.
 * 0, or -1 (logged).
 */
int auth_init(struct http_ctx *ctx) WARN_UNUSED;

/* The signed-in wallet of this request: 0 and *out filled, 1 when there is
 * no valid live session, -1 on a database failure. */
int auth_current(struct http_req *req, struct auth_user *out /* OUT */)
    WARN_UNUSED;

/*
 * Gate for handlers.  Requires a session (401), the admin list when
 * need_admin (403), the CSRF header when need_csrf (403) and the write side
 * when need_write (503 under --read-only).  Returns 0 with *out filled, or
 * 1 after filling resp with the refusal.
 */
int auth_require(struct http_req *req, struct http_resp *resp, int need_admin,
                 int need_csrf, int need_write,
                 struct auth_user *out /* OUT */) WARN_UNUSED;

/* 1 when addr (lower-case 0x) is an admin wallet. */
int auth_is_admin(const struct http_req *req, const char *addr);

/* The handlers: GET /api/v1/auth/nonce, POST /api/v1/auth/verify,
 * POST /api/v1/auth/logout, GET /api/v1/auth/session. */
int auth_api_nonce(struct http_req *req, struct http_resp *resp);
int auth_api_verify(struct http_req *req, struct http_resp *resp);
int auth_api_logout(struct http_req *req, struct http_resp *resp);
int auth_api_session(struct http_req *req, struct http_resp *resp);

/* A JSON error with a machine-readable reason:
 * {"error":{"code":status,"reason":reason,"message":msg}}. */
int auth_reply_error(struct http_resp *resp, int status, const char *reason,
                     const char *msg);

#endif
