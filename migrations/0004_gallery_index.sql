-- 0004_gallery_index.sql - keyset paging and full-text search for the
-- gallery (/gallery, /api/v1/images, /gallery.atom, /api/v1/images.csv).
--
-- The gallery pages over tasks in chain order, (block, log_index), newest
-- or oldest first; every filter has an index that yields rows in that
-- order, so a page at any depth reads about as many rows as it shows:
--   default (automine hidden)  tasks_gallery_human
--   creator= (tasks.owner)     tasks_gallery_owner
--   model=                     tasks_gallery_model
-- (the UNIQUE (block, log_index) index serves automine=show).  Text search
-- uses prompts_fts of 0001_init.sql (rowid = tasks.rowid).
CREATE INDEX tasks_gallery_human ON tasks(block, log_index)
    WHERE automine = 0 AND hidden = 0;
CREATE INDEX tasks_gallery_owner ON tasks(owner, block, log_index);
CREATE INDEX tasks_gallery_model ON tasks(model, block, log_index);
