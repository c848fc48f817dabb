-- The search table's words changed (store/normalize.rs): parts typed apart are joined
-- (`سه شنبه` = `سه‌شنبه` = `سهشنبه`, `کتاب ها` = `کتابها`). The index is emptied here and
-- rebuilt by Rust right after this migration (store/search.rs: reindex_all).
INSERT INTO search (search) VALUES ('delete-all');
