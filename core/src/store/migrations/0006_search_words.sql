-- The search table again, now fed with store/normalize.rs `index_text`: normalised words
-- separated by single spaces, so the plain `ascii` tokenizer splits them exactly as the Rust
-- normaliser did (no second Unicode pass), and Latin accents are folded by the normaliser.
-- (`detail = column` would be smaller, but FTS5 gives bm25 no term counts for a contentless
-- table without positions, so every match would rank alike.)
-- Rows are rebuilt by Rust after this migration runs (store/search.rs: reindex_all).
DROP TABLE search;
CREATE VIRTUAL TABLE search USING fts5 (
    title, summary, body, comments,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii'
);
