-- 0007_fidelity.sql - what the real chain needs beyond our own devnet:
-- the scanner's health before the first checkpoint, models learnt from
-- the engine's view when their registration was never indexed, V6
-- contestations decided as the contract decides them.

-- The scanner's last poll, kept apart from scan_state (which exists only
-- once a checkpoint does) so that a daemon that never reached its
-- endpoint still says why.  Written by the scanner: a failed RPC attempt
-- that could not reach an endpoint, a failed poll, and a committed range
-- or a successful poll (which clear it).
CREATE TABLE scanner_health (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_error    TEXT,               -- the provider's or our text, NULL
                                      -- while polls succeed
    stage         TEXT,               -- what failed: head, start, range,
                                      -- eth_getLogs, reorg, lagging node,
                                      -- request (one attempt)
    kind          TEXT,               -- transport, throttled, wrong chain,
                                      -- rpc, range, bad reply, ... (rpc.h)
    endpoint      TEXT,               -- sanitized URL the failure came from
    failing_since INTEGER,            -- wall seconds, first failure of the run
    failures      INTEGER NOT NULL DEFAULT 0, -- failed polls in the run
    retry_seconds INTEGER NOT NULL DEFAULT 0, -- [chain] poll_interval
    updated_at    INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO scanner_health (id, last_error, updated_at)
    SELECT 1, last_error, unixepoch() FROM scan_state WHERE id = 1
    UNION ALL SELECT 1, NULL, unixepoch()
    WHERE NOT EXISTS (SELECT 1 FROM scan_state);

-- Models: a row is made from registerModel calldata ('registration') or,
-- when a task names a model whose registration the index never saw (a
-- start_block after it), from the engine's models(id) view ('view'; block
-- and tx NULL, so a reorg keeps it).  The template of a 'view' row comes
-- from the IPFS gateways by its cid (checked against the cid's hash);
-- until then template_next says when the scanner tries again.
ALTER TABLE models ADD COLUMN source TEXT NOT NULL DEFAULT 'registration';
ALTER TABLE models ADD COLUMN template_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN template_next INTEGER; -- wall seconds, NULL:
                                                     -- nothing to fetch
ALTER TABLE models ADD COLUMN template_error TEXT;   -- the last try's

-- Contestations as the contract decided them (PROTOCOL.md section 11):
-- the outcome is what the first ContestationVoteFinish transaction
-- (start_idx 0) did: fee or reward events, or transfers to others than
-- the owner, mean rejected; the task fee refunded to its owner means
-- upheld; when nothing moved (a zero fee before V6) the rule decides:
-- yea voters + the V6 master-contester vote adder > nay voters.
ALTER TABLE contestations ADD COLUMN outcome TEXT;     -- upheld | rejected
ALTER TABLE contestations ADD COLUMN decided_by TEXT;  -- payout | refund |
                                                       -- rule
ALTER TABLE contestations ADD COLUMN yea_voters INTEGER; -- at the decision
ALTER TABLE contestations ADD COLUMN nay_voters INTEGER;
ALTER TABLE contestations ADD COLUMN adder INTEGER;    -- V6 bonus counted
ALTER TABLE contestations ADD COLUMN refund_to TEXT;
ALTER TABLE contestations ADD COLUMN refund_amount TEXT;
ALTER TABLE contestations ADD COLUMN decided_block INTEGER;
ALTER TABLE contestations ADD COLUMN decided_log_index INTEGER;
ALTER TABLE contestations ADD COLUMN decided_tx TEXT;

-- A solution whose contestation was upheld is invalid: no image in the
-- figures, out of the default gallery, no earnings.
ALTER TABLE solutions ADD COLUMN invalid INTEGER NOT NULL DEFAULT 0;

-- Votes cast by submitContestation itself (the contester's yea, the
-- accused's nay) rather than by voteOnContestation.
ALTER TABLE votes ADD COLUMN auto INTEGER NOT NULL DEFAULT 0;

-- Derived: invalid solutions by solution day and model; images of a day
-- are solved - invalid (solved_human - invalid_human).
ALTER TABLE daily ADD COLUMN invalid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE daily ADD COLUMN invalid_human INTEGER NOT NULL DEFAULT 0;

-- Every participant has a page (participants.c): a deposit target reads
-- the deposits to it, a committer its first and last commitment.
CREATE INDEX stake_events_validator ON stake_events(validator);
DROP INDEX commitments_addr;
CREATE INDEX commitments_addr ON commitments(addr, block);

-- Databases indexed before this migration: the votes cast in the
-- contestation's own transaction, and the outcomes their finishing
-- transactions show (a finish where nothing moved stays undecided until
-- `arbiusd scan --from A --to B` re-reads it).
UPDATE votes SET auto = 1 WHERE EXISTS (SELECT 1 FROM contestations c
    WHERE c.task = votes.task AND c.tx = votes.tx);
UPDATE contestations SET (decided_by, decided_block, decided_log_index,
    decided_tx) = (
    SELECT CASE
        WHEN EXISTS (SELECT 1 FROM payouts p WHERE p.tx = f.tx
                     AND p.log_index < f.log_index) THEN 'payout'
        WHEN (SELECT count(*) FROM transfers r WHERE r.tx = f.tx
              AND r.log_index < f.log_index) = 1
             AND EXISTS (SELECT 1 FROM transfers r JOIN tasks t
                         ON t.id = contestations.task WHERE r.tx = f.tx
                         AND r.log_index < f.log_index
                         AND r.dst = t.owner AND r.amount = t.fee)
            THEN 'refund'
        WHEN EXISTS (SELECT 1 FROM transfers r WHERE r.tx = f.tx
                     AND r.log_index < f.log_index) THEN 'payout'
        END, f.block, f.log_index, f.tx
    FROM other_events f WHERE f.name = 'ContestationVoteFinish'
    AND json_extract(f.args, '$.id') = contestations.task
    AND json_extract(f.args, '$.start_idx') = 0
    ORDER BY f.block, f.log_index LIMIT 1)
WHERE finish_block IS NOT NULL;
UPDATE contestations SET outcome = CASE decided_by WHEN 'refund'
    THEN 'upheld' ELSE 'rejected' END WHERE decided_by IS NOT NULL;
UPDATE contestations SET decided_block = NULL, decided_log_index = NULL,
    decided_tx = NULL WHERE outcome IS NULL;
UPDATE contestations SET
    yea_voters = (SELECT count(*) FROM votes v WHERE v.task =
                  contestations.task AND v.yea AND v.block <= decided_block),
    nay_voters = (SELECT count(*) FROM votes v WHERE v.task =
                  contestations.task AND NOT v.yea AND v.block <= decided_block)
WHERE outcome IS NOT NULL;
UPDATE contestations SET (refund_to, refund_amount) = (
    SELECT r.dst, r.amount FROM transfers r WHERE r.tx = decided_tx
    AND r.log_index < decided_log_index ORDER BY r.log_index LIMIT 1)
WHERE outcome = 'upheld';
UPDATE solutions SET invalid = 1 WHERE task IN
    (SELECT task FROM contestations WHERE outcome = 'upheld');
INSERT INTO daily (day, model, invalid, invalid_human)
    SELECT s.time / 86400, coalesce(t.model, 'unknown'), count(*),
           total(coalesce(t.automine, 0) = 0)
    FROM solutions s LEFT JOIN tasks t ON t.id = s.task
    WHERE s.invalid = 1 GROUP BY 1, 2
    ON CONFLICT(day, model) DO UPDATE SET invalid = excluded.invalid,
        invalid_human = excluded.invalid_human;
UPDATE users SET images = (SELECT count(*) FROM tasks t JOIN solutions s
    ON s.task = t.id JOIN models m ON m.id = t.model
    WHERE t.owner = users.address AND m.output_type = 'image'
    AND s.invalid = 0)
WHERE address IN (SELECT t.owner FROM tasks t JOIN solutions s
                  ON s.task = t.id WHERE s.invalid = 1);
