/*
 * social_store.h - the SQL of wallet sign-in, upvotes, reactions, comments,
 * moderation and the audit log (migrations/0006_social.sql).
 *
 * Two sides:
 *   - struct social, the write side: its own read-write connection (WAL,
 *     busy_timeout) behind a mutex, so HTTP threads can write without
 *     sharing a connection.  Every write is one BEGIN IMMEDIATE ... COMMIT;
 *     upvotes and hidden flags are copied into tasks in that same
 *     transaction.  Not created under `serve --read-only`.
 *   - read functions that take a thread's own (read-only) struct db.
 *
 * Addresses passed in are lower-case "0x" + 40 hex; task ids lower-case
 * "0x" + 64 hex.  Functions return 0 on success, a positive documented code
 * for a refusal, or -1 after logging a database failure.
 */
#ifndef ARBIUSD_SOCIAL_STORE_H
#define ARBIUSD_SOCIAL_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiusd/db.h"
#include "arbiusd/util.h"

#define SOCIAL_SECRET_LEN 32
#define SOCIAL_FAILED_PER_MINUTE 30    /* audited failed sign-ins per IP */

/* The fixed reaction set: name (API) and emoji (UI). */
struct social_reaction {
    const char *name;
    const char *emoji;
};
extern const struct social_reaction social_reactions[];
extern const size_t social_nreactions;
/* Index of a reaction name in social_reactions, or -1. */
int social_reaction_find(const char *name);

struct social;

/* Opens the write side on path.  0, or -1 (logged). */
int social_open(const char *path, uint64_t busy_ms,
                struct social **outp /* OUT */) WARN_UNUSED;
/* NULL is a no-op. */
void social_free(struct social *s);

/* The per-database session secret, created at random on first use. */
int social_secret(struct social *s,
                  uint8_t out[SOCIAL_SECRET_LEN] /* OUT */) WARN_UNUSED;

/*
 * Records that a sign-in attempt spent nonce (issued at `issued`, valid
 * until `expires`; the caller checked its MAC and expiry), and prunes spent
 * nonces that have expired.  Nonces are stateless until spent, so this is
 * the only nonce write.  0, 2 when it was spent before, -1 on failure.
 */
int social_nonce_spend(struct social *s, const char *nonce, const char *ip,
                       int64_t issued, int64_t expires,
                       int64_t now) WARN_UNUSED;

int social_session_create(struct social *s, const char *id_hash,
                          const char *address, const char *csrf,
                          int64_t now, int64_t expires,
                          const char *ip) WARN_UNUSED;
/* Revokes a session (sign-out).  1: no such live session. */
int social_session_revoke(struct social *s, const char *id_hash,
                          int64_t now) WARN_UNUSED;

/* Appends to the audit log (actor, target, detail may be NULL). */
int social_audit(struct social *s, int64_t now, const char *actor,
                 const char *action, const char *target, const char *ip,
                 const char *detail) WARN_UNUSED;

/* One 'signin_throttled' entry per IP and minute, written when failed
 * sign-ins from ip exceed SOCIAL_FAILED_PER_MINUTE (the attempts past the
 * limit are refused without an entry each). */
int social_audit_throttled(struct social *s, int64_t now,
                           const char *ip) WARN_UNUSED;

/* Upvotes (up=1) or withdraws the upvote (up=0) of address on task;
 * *count is the task's upvotes afterwards.  1: no such task (or hidden). */
int social_vote(struct social *s, const char *task, const char *address,
                int up, int64_t now, int64_t *count /* OUT */) WARN_UNUSED;
/* Adds (on=1) or removes a reaction.  1: no such task (or hidden). */
int social_react(struct social *s, const char *task, const char *address,
                 const char *reaction, int on, int64_t now) WARN_UNUSED;

struct social_comment_limits {
    int64_t window;          /* seconds of the rate windows */
    int64_t per_wallet;      /* comments per window per wallet */
    int64_t per_ip;          /* comments per window per IP */
};
/* Adds a comment (body already validated).  1: no such task (or hidden),
 * 2: wallet over its rate, 3: IP over its rate. */
int social_comment_add(struct social *s, const char *task,
                       const char *address, const char *body,
                       const char *ip, int64_t now,
                       const struct social_comment_limits *lim,
                       int64_t *id /* OUT */) WARN_UNUSED;
/* Replaces the body of the author's own comment within edit_window
 * seconds of posting.  1: no such comment (or hidden), 2: not the author,
 * 3: the edit window has passed. */
int social_comment_edit(struct social *s, int64_t id, const char *address,
                        const char *body, int64_t now,
                        int64_t edit_window) WARN_UNUSED;

/* Admin moderation, audited in the same transaction (reason may be NULL).
 * 1: no such task / comment.  *changed = 0 when it already was in that
 * state. */
int social_hide_task(struct social *s, const char *task, int hidden,
                     const char *admin, const char *reason, const char *ip,
                     int64_t now, int *changed /* OUT */) WARN_UNUSED;
int social_hide_comment(struct social *s, int64_t id, int hidden,
                        const char *admin, const char *ip, int64_t now,
                        int *changed /* OUT */) WARN_UNUSED;

/* ---- reads on a thread's own connection ---- */

/* Failed sign-ins audited for ip since `since` (bounds the audit log). */
int social_failed_signins(struct db *db, const char *ip, int64_t since,
                          int64_t *out /* OUT */) WARN_UNUSED;

struct social_session {
    char address[43];        /* lower-case */
    char csrf[65];
    int64_t expires_at;
};
/* Looks up a live session by id hash.  1: none (unknown, expired or
 * revoked). */
int social_session_get(struct db *db, const char *id_hash, int64_t now,
                       struct social_session *out /* OUT */) WARN_UNUSED;

/*
 * The social state of a task as JSON (new reference in *outp):
 * {task, upvotes, hidden, reactions:[{name, emoji, count, mine}],
 *  comments:[...], viewer:{upvoted}} where viewer is null without a
 * signed-in address.  Hidden comments are left out unless admin.
 * 1: no such task, or hidden and not admin.
 */
int social_task_json(struct db *db, const char *task, const char *viewer,
                     int admin, int64_t now, int64_t edit_window,
                     json_t **outp /* OUT */) WARN_UNUSED;
/* Comments only ({task, comments:[...]}); same rules. */
int social_comments_json(struct db *db, const char *task, const char *viewer,
                         int admin, int64_t now, int64_t edit_window,
                         json_t **outp /* OUT */) WARN_UNUSED;
/* The newest audit entries with id < before (0: newest), at most limit. */
int social_audit_json(struct db *db, int64_t before, int64_t limit,
                      json_t **outp /* OUT */) WARN_UNUSED;
/* What admins hid: {images:[{task, hidden_by, hidden_at, reason}],
 * comments:[{id, task, address, body, hidden_by, hidden_at}]}, newest
 * first, at most 500 each. */
int social_hidden_json(struct db *db, json_t **outp /* OUT */) WARN_UNUSED;
/* One page of the hidden images, newest first: at most limit entries that
 * come after (before_at, before_task) in (hidden_at, task) descending
 * order (before_at <= 0: from the newest).  A new array in *outp. */
int social_hidden_images_json(struct db *db, int64_t before_at,
                              const char *before_task, int64_t limit,
                              json_t **outp /* OUT */) WARN_UNUSED;
/* The same for hidden comments, in (hidden_at, id) descending order. */
int social_hidden_comments_json(struct db *db, int64_t before_at,
                                int64_t before_id, int64_t limit,
                                json_t **outp /* OUT */) WARN_UNUSED;
/* Database figures for /admin: size, page counts, per-table row counts,
 * social counts, ipfs_cids by status. */
int social_system_json(struct db *db, json_t **outp /* OUT */) WARN_UNUSED;

/*
 * Copies social_votes and social_moderation into tasks.upvotes and
 * tasks.hidden for tasks with rowid > rowid_mark, on the caller's
 * connection inside the caller's transaction (the scanner, after inserting
 * a range: a reorg may have deleted and re-inserted those rows).
 */
int social_reapply(struct db *db, int64_t rowid_mark) WARN_UNUSED;

#endif
