-- The reader's copy of the tree (issue 17): the signed files its syncs applied, as fetched, so
-- that it can pass on a tree the next reader verifies. `path` is the tree path (see
-- format/layout.rs; content-addressed but for `head` and `root/<n>.json`). `bytes` is NULL for a
-- file the held head names that this reader does not hold (it caught up by log files, or the
-- budget dropped it): an export names it as missing. Media stay in `media`.
CREATE TABLE tree_files (
    path TEXT PRIMARY KEY,
    bytes BLOB,
    size INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tree_files_held ON tree_files (size) WHERE size > 0;
