-- 0005_miners.sql - who does the work and what they earn.
--
-- earnings: one row per party credited in a settlement (a claim, or a
-- contestation finished in the solver's favour), exact to the wei:
--   era 4  (EngineV1 .. V2_EngineV4_1) from the AIUS Transfer logs out of
--          the engine that follow the SolutionClaimed (or precede the
--          ContestationVoteFinish) in the same transaction: with three or
--          more transfers the last three are the rewards (treasury, task
--          owner, validator) and the rest the fees (model, validator);
--   era 5  (V5 .. V5_2) from FeesPaid/RewardsPaid linked to the preceding
--          SolutionClaimed of the transaction (the Transfers that go with
--          them are not counted again);
--   era 6  (V6) from the indexed FeesPaid/RewardsPaid (validator's share
--          credited to its stake).
-- Roles: validator (fees: validatorFee, rewards: validatorReward),
-- task_owner (rewards), treasury (rewards; the treasury's fee share only
-- accrues in the engine and is not a row), model (fees: the model owner's
-- part).  Zero amounts are not rows.  (block, log_index) is the source
-- log; part is the role's index so one log yields one row per role.
CREATE TABLE earnings (
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    part      INTEGER NOT NULL,   -- 0 validator, 1 task_owner, 2 treasury, 3 model
    tx        TEXT NOT NULL,
    time      INTEGER NOT NULL,
    era       INTEGER NOT NULL,   -- 4 (V1-V4 transfers), 5, 6
    via       TEXT NOT NULL,      -- claim | contestation
    task      TEXT NOT NULL,
    model     TEXT NOT NULL,      -- 'unknown' when the task is not indexed
    addr      TEXT NOT NULL,      -- '' when not known (treasury in eras 5-6)
    role      TEXT NOT NULL,      -- validator | task_owner | treasury | model
    kind      TEXT NOT NULL,      -- fees | rewards
    amount    TEXT NOT NULL,      -- wei, decimal
    PRIMARY KEY (block, log_index, part)
) STRICT;
CREATE INDEX earnings_addr ON earnings(addr, role, time);
CREATE INDEX earnings_time ON earnings(time);
CREATE INDEX earnings_task ON earnings(task);

-- Derived: per address, role and era, exact sums (wei, decimal TEXT).
CREATE TABLE earnings_totals (
    address   TEXT NOT NULL,
    role      TEXT NOT NULL,
    era       INTEGER NOT NULL,
    fees      TEXT NOT NULL DEFAULT '0',
    rewards   TEXT NOT NULL DEFAULT '0',
    PRIMARY KEY (address, role, era)
) STRICT, WITHOUT ROWID;

-- Derived: per UTC day, validator and model: solutions (by solution day),
-- claims (by claim day), and the validator's fees and rewards (by
-- settlement day).
CREATE TABLE miner_daily (
    day       INTEGER NOT NULL,
    address   TEXT NOT NULL,
    model     TEXT NOT NULL,
    solutions INTEGER NOT NULL DEFAULT 0,
    claims    INTEGER NOT NULL DEFAULT 0,
    fees      TEXT NOT NULL DEFAULT '0',
    rewards   TEXT NOT NULL DEFAULT '0',
    PRIMARY KEY (address, day, model)
) STRICT, WITHOUT ROWID;
CREATE INDEX miner_daily_day ON miner_daily(day);

-- Derived: exact latency histograms per validator, so medians are exact
-- without reading the solutions: kind 0 = solve latency (solution time -
-- task time), kind 1 = claim lag (claim time - solution time); day -1
-- holds the all-time histogram, day >= 0 that UTC day's (by solution day
-- for kind 0, claim day for kind 1).
CREATE TABLE miner_latency (
    address   TEXT NOT NULL,
    kind      INTEGER NOT NULL,
    day       INTEGER NOT NULL,
    secs      INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (day, address, kind, secs)   -- day first: windows and
                                             -- the all-time rows are ranges
) STRICT, WITHOUT ROWID;

-- The validator's earnings on the miners row (all eras), and a REAL in
-- whole AIUS for sorting only.
ALTER TABLE miners ADD COLUMN fees TEXT NOT NULL DEFAULT '0';
ALTER TABLE miners ADD COLUMN rewards TEXT NOT NULL DEFAULT '0';
ALTER TABLE miners ADD COLUMN earned_aius REAL NOT NULL DEFAULT 0;
CREATE INDEX miners_last ON miners(last_time);

-- Databases indexed before this migration: the histograms and daily rows
-- of what is already stored (earnings need `arbiusd tokens --all`).
INSERT INTO miner_daily (day, address, model, solutions)
    SELECT s.time / 86400, s.validator, coalesce(t.model, 'unknown'), count(*)
    FROM solutions s LEFT JOIN tasks t ON t.id = s.task
    GROUP BY 1, 2, 3;
INSERT INTO miner_daily (day, address, model, claims)
    SELECT s.claim_time / 86400, s.validator, coalesce(t.model, 'unknown'),
           count(*)
    FROM solutions s LEFT JOIN tasks t ON t.id = s.task
    WHERE s.claim_time IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT(address, day, model) DO UPDATE SET claims = excluded.claims;
INSERT INTO miner_latency (address, kind, day, secs, n)
    SELECT s.validator, 0, -1, s.time - t.time, count(*)
    FROM solutions s JOIN tasks t ON t.id = s.task GROUP BY 1, 4;
INSERT INTO miner_latency (address, kind, day, secs, n)
    SELECT s.validator, 0, s.time / 86400, s.time - t.time, count(*)
    FROM solutions s JOIN tasks t ON t.id = s.task GROUP BY 1, 3, 4;
INSERT INTO miner_latency (address, kind, day, secs, n)
    SELECT validator, 1, -1, claim_time - time, count(*)
    FROM solutions WHERE claim_time IS NOT NULL GROUP BY 1, 4;
INSERT INTO miner_latency (address, kind, day, secs, n)
    SELECT validator, 1, claim_time / 86400, claim_time - time, count(*)
    FROM solutions WHERE claim_time IS NOT NULL GROUP BY 1, 3, 4;

-- Derived: per task owner, its solved tasks and the solved tasks of image
-- models (the user page's "images"), kept with the solutions.
ALTER TABLE users ADD COLUMN solved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN images INTEGER NOT NULL DEFAULT 0;
UPDATE users SET
    solved = (SELECT count(*) FROM tasks t JOIN solutions s ON s.task = t.id
              WHERE t.owner = users.address),
    images = (SELECT count(*) FROM tasks t JOIN solutions s ON s.task = t.id
              JOIN models m ON m.id = t.model
              WHERE t.owner = users.address AND m.output_type = 'image');
