-- 0006_social.sql - wallet sign-in (EIP-4361), upvotes, reactions,
-- comments, moderation and the audit log.
--
-- These tables are the source of truth for what people did; tasks.upvotes
-- and tasks.hidden (0003) are caches of social_votes and social_moderation
-- kept in the same transaction, and re-applied by the scanner when a reorg
-- re-inserts a task row.  Rows are keyed by task id, never by rowid, so they
-- survive a reorg that deletes and re-inserts the task.  Addresses are
-- lower-case 0x hex; times are wall-clock seconds.

-- The secret that signs session cookies: one row, created on first serve
-- unless [auth] session_secret is configured.
CREATE TABLE social_secret (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Single-use sign-in nonces (GET /api/v1/auth/nonce).
CREATE TABLE social_nonces (
    nonce      TEXT PRIMARY KEY,
    ip         TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER            -- NULL: still usable
) STRICT;
CREATE INDEX social_nonces_expiry ON social_nonces(expires_at);

-- Signed-in sessions; the cookie carries the id (HMAC-signed), the table its
-- SHA-256, so a leaked database does not leak live cookies.
CREATE TABLE social_sessions (
    id_hash    TEXT PRIMARY KEY,  -- hex sha256 of the session id
    address    TEXT NOT NULL,
    csrf       TEXT NOT NULL,     -- token every state-changing request sends
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,           -- sign-out
    ip         TEXT NOT NULL
) STRICT;
CREATE INDEX social_sessions_address ON social_sessions(address);
CREATE INDEX social_sessions_expiry ON social_sessions(expires_at);

-- One upvote per wallet and task.
CREATE TABLE social_votes (
    task       TEXT NOT NULL,
    address    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (task, address)
) STRICT, WITHOUT ROWID;
CREATE INDEX social_votes_address ON social_votes(address);

-- Emoji reactions from the fixed set (auth.h): one row per wallet, task and
-- reaction.
CREATE TABLE social_reactions (
    task       TEXT NOT NULL,
    address    TEXT NOT NULL,
    reaction   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (task, reaction, address)
) STRICT, WITHOUT ROWID;

CREATE TABLE social_comments (
    id         INTEGER PRIMARY KEY,
    task       TEXT NOT NULL,
    address    TEXT NOT NULL,
    body       TEXT NOT NULL,
    ip         TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    hidden     INTEGER NOT NULL DEFAULT 0,  -- hidden by an admin
    hidden_by  TEXT,
    hidden_at  INTEGER
) STRICT;
CREATE INDEX social_comments_task ON social_comments(task, id);
CREATE INDEX social_comments_address ON social_comments(address, created_at);
CREATE INDEX social_comments_ip ON social_comments(ip, created_at);

-- Images hidden by an admin (a row present = hidden).
CREATE TABLE social_moderation (
    task       TEXT PRIMARY KEY,
    hidden_by  TEXT NOT NULL,
    hidden_at  INTEGER NOT NULL,
    reason     TEXT
) STRICT;

-- Every admin action and every failed sign-in.
CREATE TABLE social_audit (
    id      INTEGER PRIMARY KEY,
    time    INTEGER NOT NULL,
    actor   TEXT,                 -- wallet (NULL: unknown, e.g. unparsable)
    action  TEXT NOT NULL,        -- signin | signin_failed | signout |
                                  -- signin_throttled |
                                  -- hide_image | unhide_image |
                                  -- hide_comment | unhide_comment
    target  TEXT,
    ip      TEXT NOT NULL,
    detail  TEXT
) STRICT;
CREATE INDEX social_audit_time ON social_audit(time);
