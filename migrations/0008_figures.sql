-- 0008_figures.sql - the dashboard's headline figures as of the indexed head.
--
-- The scanner computes them in the transaction that moves the head (a range,
-- a reorg's rollback, a rebuild, a recomputation of earnings), one row per
-- automine mode, so that a request after the head moved reads one row
-- instead of counting the last 24 hours, 7 days and 1000 solutions of the
-- index: the first request costs the same at 10M tasks as at 10k.  A row is
-- used only while (block, hash) is the indexed head; otherwise (a database
-- indexed before this migration, until its next range) the figures are
-- counted as before.
CREATE TABLE figures (
    show   INTEGER PRIMARY KEY CHECK (show IN (0, 1)),  -- automine shown
    block  INTEGER NOT NULL,   -- scan_state.indexed_block they are as of
    hash   TEXT NOT NULL,      -- scan_state.indexed_hash
    json   TEXT NOT NULL       -- stats_summary()'s object (stats.h)
) STRICT;
