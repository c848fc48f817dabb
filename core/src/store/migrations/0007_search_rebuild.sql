-- A search index rebuild in progress (after a snapshot): articles from `next_pk` on are not
-- indexed yet. Row present = rebuild pending; it is built in short batches (store/search.rs),
-- so it never holds the writer for long, and it resumes where a killed process left it.
CREATE TABLE search_rebuild (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    next_pk INTEGER NOT NULL DEFAULT 0    -- 0: not started (the old index is still there)
);
