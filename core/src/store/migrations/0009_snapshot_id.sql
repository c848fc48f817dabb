-- The identity of the snapshot in progress (its parts' hashes), beside its log position: a
-- snapshot resumed after a kill continues only the same snapshot, never another one published
-- at the same position (a new part size, a re-signed tree).
ALTER TABLE sync_position ADD COLUMN snapshot_id TEXT;
