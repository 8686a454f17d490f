-- 0001_init.sql - the index of the Arbius engine.
--
-- Conventions: ids, hashes and addresses are lower-case 0x hex TEXT (what the
-- API serves and what people paste); uint256 amounts are exact decimal TEXT,
-- with a REAL in whole AIUS beside them only for sorting.  Every chain row
-- carries (block, log_index) so a reorg can delete exactly what it undoes.
-- Times are block timestamps in seconds.  Derived tables (daily, users,
-- miners, model_stats, totals) are kept exact by the scanner in the same
-- transaction as the rows.

-- The scanner's checkpoint: one row.
CREATE TABLE scan_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    chain_id      INTEGER NOT NULL,
    engine        TEXT NOT NULL,
    start_block   INTEGER NOT NULL,
    indexed_block INTEGER NOT NULL,   -- last block whose logs are stored
    indexed_hash  TEXT NOT NULL,
    indexed_time  INTEGER NOT NULL,
    head_block    INTEGER NOT NULL DEFAULT 0,
    head_time     INTEGER NOT NULL DEFAULT 0,
    safe_block    INTEGER NOT NULL DEFAULT 0, -- rows at or below are final
    updated_at    INTEGER NOT NULL,
    last_error    TEXT
) STRICT;

-- Recent block hashes (reorg window) and every block that held an event.
CREATE TABLE blocks (
    number INTEGER PRIMARY KEY,
    hash   TEXT NOT NULL,
    parent TEXT NOT NULL,
    time   INTEGER NOT NULL
) STRICT;

-- Which ranges were fetched, from where, and what they held.
CREATE TABLE coverage (
    from_block INTEGER NOT NULL,
    to_block   INTEGER NOT NULL,
    logs       INTEGER NOT NULL,
    end_hash   TEXT NOT NULL,
    rpc        TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (from_block)
) STRICT;

CREATE TABLE reorgs (
    id             INTEGER PRIMARY KEY,
    detected_at    INTEGER NOT NULL,
    ancestor_block INTEGER NOT NULL,
    old_head       INTEGER NOT NULL,
    old_hash       TEXT NOT NULL,
    new_hash       TEXT,
    depth          INTEGER NOT NULL,
    removed_rows   INTEGER NOT NULL
) STRICT;

CREATE TABLE models (
    id            TEXT PRIMARY KEY,
    addr          TEXT,
    fee           TEXT NOT NULL DEFAULT '0',
    rate          TEXT NOT NULL DEFAULT '0',
    template      BLOB,             -- raw template bytes from calldata
    template_json TEXT,             -- when the bytes are a JSON object
    output_file   TEXT,             -- from the template's output[0].filename
    output_type   TEXT,             -- image, text, video, ... (template)
    title         TEXT,             -- template meta.title
    cid           TEXT,             -- engine CID of the template bytes (hex)
    block         INTEGER,
    log_index     INTEGER,
    tx            TEXT,
    time          INTEGER
) STRICT;

-- Parameter changes of models (fee, rate, addr) as a journal.
CREATE TABLE model_changes (
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx        TEXT NOT NULL,
    model     TEXT NOT NULL,
    kind      TEXT NOT NULL,      -- fee | rate | addr
    value     TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT;

CREATE TABLE tasks (
    id         TEXT PRIMARY KEY,
    model      TEXT NOT NULL,
    fee        TEXT NOT NULL,
    fee_aius   REAL NOT NULL,
    owner      TEXT NOT NULL,     -- owner_ from calldata (the creator)
    sender     TEXT NOT NULL,     -- TaskSubmitted.sender (msg.sender)
    version    INTEGER,
    input      BLOB,              -- raw input bytes (NULL: calldata missing)
    input_json TEXT,              -- the input when it is a JSON object
    prompt     TEXT,              -- input_json.prompt when a string
    input_flags INTEGER NOT NULL DEFAULT 0, -- see arbius.h TASK_INPUT_*
    cid        TEXT,              -- engine CID of the input bytes (hex)
    via        TEXT NOT NULL DEFAULT 'engine', -- engine | bulk | router
    bulk_size  INTEGER NOT NULL DEFAULT 1,
    automine   INTEGER NOT NULL DEFAULT 0,
    retracted  INTEGER NOT NULL DEFAULT 0,
    hidden     INTEGER NOT NULL DEFAULT 0,
    block      INTEGER NOT NULL,
    log_index  INTEGER NOT NULL,
    tx         TEXT NOT NULL,
    time       INTEGER NOT NULL,
    UNIQUE (block, log_index)
) STRICT;
CREATE INDEX tasks_owner ON tasks(owner, block);
CREATE INDEX tasks_model ON tasks(model, block);
CREATE INDEX tasks_time ON tasks(time);
CREATE INDEX tasks_tx ON tasks(tx);

CREATE TABLE solutions (
    task       TEXT PRIMARY KEY,
    validator  TEXT NOT NULL,
    cid        TEXT,              -- raw cid bytes as hex (NULL: unknown yet)
    cid_text   TEXT,              -- Qm... when a valid sha256 multihash
    cid_flags  INTEGER NOT NULL DEFAULT 0,
    block      INTEGER NOT NULL,
    log_index  INTEGER NOT NULL,
    tx         TEXT NOT NULL,
    time       INTEGER NOT NULL,
    claimed    INTEGER NOT NULL DEFAULT 0,
    claim_block INTEGER,
    claim_log_index INTEGER,
    claim_tx   TEXT,
    claim_time INTEGER,
    UNIQUE (block, log_index)
) STRICT;
CREATE INDEX solutions_validator ON solutions(validator, block);
CREATE INDEX solutions_cid ON solutions(cid_text);
CREATE INDEX solutions_tx ON solutions(tx);
CREATE INDEX solutions_claim ON solutions(claim_block) WHERE claim_block IS NOT NULL;
CREATE INDEX solutions_time ON solutions(time);
CREATE INDEX solutions_claim_time ON solutions(claim_time) WHERE claim_time IS NOT NULL;

CREATE TABLE commitments (
    commitment TEXT NOT NULL,
    addr       TEXT NOT NULL,
    block      INTEGER NOT NULL,
    log_index  INTEGER NOT NULL,
    tx         TEXT NOT NULL,
    time       INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT;
CREATE INDEX commitments_addr ON commitments(addr);

CREATE TABLE contestations (
    task       TEXT PRIMARY KEY,
    contester  TEXT NOT NULL,
    suggested  INTEGER NOT NULL DEFAULT 0,
    block      INTEGER NOT NULL,
    log_index  INTEGER NOT NULL,
    tx         TEXT NOT NULL,
    time       INTEGER NOT NULL,
    finish_block INTEGER,
    finish_log_index INTEGER,
    finish_start INTEGER,
    finish_end INTEGER,
    UNIQUE (block, log_index)
) STRICT;
CREATE INDEX contestations_contester ON contestations(contester);

CREATE TABLE votes (
    task      TEXT NOT NULL,
    voter     TEXT NOT NULL,
    yea       INTEGER NOT NULL,
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx        TEXT NOT NULL,
    time      INTEGER NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT;
CREATE INDEX votes_task ON votes(task);
CREATE INDEX votes_voter ON votes(voter);

-- Validator stake movements.
CREATE TABLE stake_events (
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx        TEXT NOT NULL,
    time      INTEGER NOT NULL,
    kind      TEXT NOT NULL,  -- deposit | withdraw_initiated | withdraw_cancelled | withdraw
    addr      TEXT NOT NULL,  -- depositor / validator
    validator TEXT,           -- deposit target, withdraw recipient
    count     TEXT,
    amount    TEXT,
    unlock_time TEXT,
    PRIMARY KEY (block, log_index)
) STRICT;
CREATE INDEX stake_events_addr ON stake_events(addr);

-- V5 (era 5, no task in the event: linked to the preceding SolutionClaimed
-- of the same transaction) and V6 (era 6, indexed) fee and reward events.
CREATE TABLE payouts (
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx        TEXT NOT NULL,
    time      INTEGER NOT NULL,
    kind      TEXT NOT NULL,   -- rewards | fees
    era       INTEGER NOT NULL,
    task      TEXT,
    model     TEXT,
    validator TEXT,
    a0        TEXT NOT NULL,   -- rewards: total      fees: modelFee
    a1        TEXT NOT NULL,   -- rewards: treasury   fees: treasuryFee
    a2        TEXT NOT NULL,   -- rewards: taskOwner  fees: remainingFee
    a3        TEXT NOT NULL,   -- rewards: validator  fees: validatorFee
    PRIMARY KEY (block, log_index)
) STRICT;
CREATE INDEX payouts_task ON payouts(task);
CREATE INDEX payouts_validator ON payouts(validator);

-- AIUS Transfer logs out of the engine (V1-V4 fee and reward payments).
CREATE TABLE transfers (
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx        TEXT NOT NULL,
    time      INTEGER NOT NULL,
    src       TEXT NOT NULL,
    dst       TEXT NOT NULL,
    amount    TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT;
CREATE INDEX transfers_tx ON transfers(tx);
CREATE INDEX transfers_dst ON transfers(dst);

-- Router incentives.
CREATE TABLE incentives (
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx        TEXT NOT NULL,
    time      INTEGER NOT NULL,
    task      TEXT NOT NULL,
    kind      TEXT NOT NULL,  -- added | claimed
    recipient TEXT,
    amount    TEXT NOT NULL,
    PRIMARY KEY (block, log_index)
) STRICT;
CREATE INDEX incentives_task ON incentives(task);

-- Every other engine event (parameters, admin, allow lists), decoded.
CREATE TABLE other_events (
    block     INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx        TEXT NOT NULL,
    time      INTEGER NOT NULL,
    address   TEXT NOT NULL,
    name      TEXT NOT NULL,   -- event name, or 'unknown'
    topic0    TEXT NOT NULL,
    args      TEXT NOT NULL,   -- JSON object of decoded arguments
    PRIMARY KEY (block, log_index)
) STRICT;

-- Derived: per day (UTC, days since epoch) and model.
CREATE TABLE daily (
    day        INTEGER NOT NULL,
    model      TEXT NOT NULL,
    tasks      INTEGER NOT NULL DEFAULT 0,
    tasks_human INTEGER NOT NULL DEFAULT 0,   -- not automine
    solved     INTEGER NOT NULL DEFAULT 0,    -- by solution day
    solved_human INTEGER NOT NULL DEFAULT 0,
    claims     INTEGER NOT NULL DEFAULT 0,
    fees       TEXT NOT NULL DEFAULT '0',     -- task fees, wei
    PRIMARY KEY (day, model)
) STRICT;

-- Derived: task owners.
CREATE TABLE users (
    address    TEXT PRIMARY KEY,
    first_block INTEGER NOT NULL,
    first_time INTEGER NOT NULL,
    last_time  INTEGER NOT NULL,
    tasks      INTEGER NOT NULL DEFAULT 0,
    tasks_human INTEGER NOT NULL DEFAULT 0,
    fees       TEXT NOT NULL DEFAULT '0'
) STRICT;

-- Derived: solution submitters (validators).
CREATE TABLE miners (
    address    TEXT PRIMARY KEY,
    first_block INTEGER NOT NULL,
    first_time INTEGER NOT NULL,
    last_time  INTEGER NOT NULL,
    solutions  INTEGER NOT NULL DEFAULT 0,
    claims     INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1
) STRICT;

-- Derived: running totals, one row (id = 1).
CREATE TABLE totals (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    tasks       INTEGER NOT NULL DEFAULT 0,
    tasks_human INTEGER NOT NULL DEFAULT 0,
    solutions   INTEGER NOT NULL DEFAULT 0,
    claims      INTEGER NOT NULL DEFAULT 0,
    contestations INTEGER NOT NULL DEFAULT 0,
    events      INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO totals (id) VALUES (1);

-- Full-text search over prompts (gallery); rowid = tasks.rowid.  The
-- scanner indexes a range's new prompts in one statement at its end (a
-- per-row trigger would make every statement of the range pay for FTS5
-- savepoints); deletes and edits are kept in step by triggers.
CREATE VIRTUAL TABLE prompts_fts USING fts5(prompt, content='tasks',
    content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER tasks_fts_ad AFTER DELETE ON tasks WHEN old.prompt IS NOT NULL
BEGIN
    INSERT INTO prompts_fts(prompts_fts, rowid, prompt)
        VALUES ('delete', old.rowid, old.prompt);
END;
CREATE TRIGGER tasks_fts_au AFTER UPDATE OF prompt ON tasks
BEGIN
    INSERT INTO prompts_fts(prompts_fts, rowid, prompt)
        SELECT 'delete', old.rowid, old.prompt WHERE old.prompt IS NOT NULL;
    INSERT INTO prompts_fts(rowid, prompt)
        SELECT new.rowid, new.prompt WHERE new.prompt IS NOT NULL;
END;

-- The scanner's RPC endpoint counters, saved for /status and /metrics.
CREATE TABLE rpc_stats (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    json       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
