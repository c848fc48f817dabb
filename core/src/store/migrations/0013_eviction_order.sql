-- The budget evicts stored bodies oldest first. This partial index lists only the articles
-- that hold a body, in that order, so eviction never walks the headlines that have none (a
-- first sync's snapshot stores every headline before most bodies arrive).
CREATE INDEX articles_body_by_age ON articles (published_at, id) WHERE body_size > 0;
