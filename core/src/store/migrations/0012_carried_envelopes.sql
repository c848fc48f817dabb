-- Comment envelopes carried for other readers (issue 17): sealed envelopes found in a copy this
-- reader synced from (`outbox/<key>`), delivered with its own outbox. `key` is the delivery key
-- (the envelope's SHA-256). Once delivered or refused, the envelope is dropped and the key
-- stays, so a copy carrying it again is not fetched again.
CREATE TABLE carried (
    key TEXT PRIMARY KEY,
    envelope BLOB,
    received_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'sent', 'refused'))
);
CREATE INDEX carried_waiting ON carried (received_at) WHERE state = 'waiting';
