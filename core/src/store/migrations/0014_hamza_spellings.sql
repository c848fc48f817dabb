-- The search table's words changed (store/normalize.rs): hamza alone (ء) is left out, and a
-- word with a hamza seat is also indexed as its other spellings (`مسئله` = `مسأله` = `مساله`).
-- When articles are stored, a rebuild is scheduled, made in resumable batches by the next sync
-- (store/search.rs: rebuild_step) rather than here, at the app's start; the old words answer
-- until then.
INSERT INTO search_rebuild (only_row, next_pk) SELECT 1, 0 WHERE EXISTS (SELECT 1 FROM articles)
    ON CONFLICT (only_row) DO UPDATE SET next_pk = 0;
