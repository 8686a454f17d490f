-- 0002_dashboard.sql - rollups for the dashboard.
--
-- daily_users: who submitted tasks on which UTC day.  "Users, 7 days" is
-- the number of distinct addresses over the window's days, which cannot be
-- summed from per-day distinct counts; this table makes it O(user-days of
-- the window) instead of O(tasks of the window) (a bulk submitter sends
-- thousands of tasks a day, and is one row a day here).  Per-day active
-- users come from it directly, new users per day from users.first_time.
--
-- Kept by the scanner in the range's transaction, like daily:
--   a task of owner o at time t      +1 tasks (+1 tasks_human unless
--                                    automine) on (t / 86400, o);
--   a task flipped to automine       -1 tasks_human on its (day, owner);
--   reorg / rebuild of a day d       rows of d recomputed from tasks.
-- The rows of databases indexed before this migration are built below.
CREATE TABLE daily_users (
    day         INTEGER NOT NULL,   -- UTC days since the epoch
    address     TEXT NOT NULL,      -- task owner
    tasks       INTEGER NOT NULL DEFAULT 0,
    tasks_human INTEGER NOT NULL DEFAULT 0,   -- not automine
    PRIMARY KEY (day, address)
) STRICT, WITHOUT ROWID;

INSERT INTO daily_users (day, address, tasks, tasks_human)
    SELECT time / 86400, owner, count(*), sum(automine = 0)
    FROM tasks GROUP BY time / 86400, owner;
