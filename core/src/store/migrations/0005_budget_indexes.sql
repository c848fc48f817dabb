-- The storage budget sums stored bodies and media after every sync write. These partial,
-- covering indexes make that sum read a few small index pages instead of every article body
-- and image. `articles.body_size` is already 0 while no body is stored; `media.stored_size` is
-- `size` while the bytes are stored and 0 otherwise (kept by store/media.rs and budget.rs).
ALTER TABLE media ADD COLUMN stored_size INTEGER NOT NULL DEFAULT 0;
UPDATE media SET stored_size = size WHERE bytes IS NOT NULL;
CREATE INDEX articles_stored_body ON articles (body_size) WHERE body_size > 0;
CREATE INDEX articles_evicted ON articles (evicted) WHERE evicted = 1;
CREATE INDEX media_stored ON media (stored_size) WHERE stored_size > 0;
