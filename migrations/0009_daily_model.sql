-- 0009_daily_model.sql - the daily rollup by model, then day.
--
-- The dashboard's series (the count before its window, the per-model table)
-- sum the daily rows of the image models over every day.  With only the
-- (day, model) key SQLite walked every day and looked its model up; this
-- index lets it take the image models (a handful) and read each one's days
-- in order, covering the counts: the first request after a head move does
-- half the work.
CREATE INDEX daily_model ON daily(model, day, solved, solved_human);
