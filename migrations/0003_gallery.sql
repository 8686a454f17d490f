-- 0003_gallery.sql - what the gallery, the IPFS monitor and the social
-- features share.
--
-- tasks.upvotes: the number of signed-in wallets that upvote the task
-- (kept by the vote endpoints in the same transaction as the vote rows); the
-- gallery's "most upvoted" sort pages over it by keyset.
ALTER TABLE tasks ADD COLUMN upvotes INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tasks_upvotes ON tasks(upvotes DESC, block DESC, log_index DESC)
    WHERE upvotes > 0;

-- The IPFS monitor's view of each solution output (a CIDv0 directory): one
-- row per CID, written only by the monitor.
--   status: pending  - not checked yet
--           ok       - at least one gateway served the output file
--           slow     - served, but only after the slow threshold
--           missing  - every gateway answered "not found" or timed out
--           error    - every gateway failed otherwise (5xx, TLS, refused)
--   next_check: when the monitor looks again (NULL: no more checks; an ok
--   CID is not rechecked unless `arbiusd ipfs --recheck` asks).
CREATE TABLE ipfs_cids (
    cid          TEXT PRIMARY KEY,    -- Qm... (solutions.cid_text)
    path         TEXT NOT NULL DEFAULT '', -- output file checked under cid
    status       TEXT NOT NULL DEFAULT 'pending',
    first_seen   INTEGER NOT NULL,    -- wall seconds
    last_check   INTEGER,
    next_check   INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    ok_gateways  INTEGER NOT NULL DEFAULT 0,  -- of the last round
    latency_ms   INTEGER,             -- best of the last round
    content_type TEXT,
    size         INTEGER,
    text         TEXT                 -- text-output models: the first 64 KiB
                                      -- of the output when valid UTF-8
) STRICT;
CREATE INDEX ipfs_cids_due ON ipfs_cids(next_check) WHERE next_check IS NOT NULL;
CREATE INDEX ipfs_cids_status ON ipfs_cids(status);

-- Every single check, for the detail page's status history.
CREATE TABLE ipfs_checks (
    id           INTEGER PRIMARY KEY,
    cid          TEXT NOT NULL,
    gateway      TEXT NOT NULL,
    time         INTEGER NOT NULL,    -- wall seconds
    method       TEXT NOT NULL,       -- HEAD | GET
    http_status  INTEGER,             -- NULL: no HTTP answer
    result       TEXT NOT NULL,       -- ok | slow | missing | timeout | error
    latency_ms   INTEGER,
    content_type TEXT,
    bytes        INTEGER,
    error        TEXT
) STRICT;
CREATE INDEX ipfs_checks_cid ON ipfs_checks(cid, time);
