-- Offline search. Contentless: it holds only tokens of the *normalised* text (see
-- store/normalize.rs); snippets are cut from the original rows in Rust. rowid = articles.pk.
-- Columns: title, summary, body (HTML stripped), comments (all comment bodies joined).
-- Rows are (re)built by Rust after this migration runs (store/search.rs: reindex_all).
CREATE VIRTUAL TABLE search USING fts5 (
    title, summary, body, comments,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
