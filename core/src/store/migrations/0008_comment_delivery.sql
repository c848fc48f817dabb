-- Comment delivery: the outbox keeps each comment's sealed envelope (sealed once, posted until
-- the publisher has it) and its steps: waiting -> sent -> published | rejected. The device key
-- signs envelopes; the publisher's comment key and comment endpoints come with the trusted root
-- and the signed mirror list.

CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'waiting'
        CHECK (state IN ('waiting', 'sent', 'published', 'rejected')),
    envelope BLOB,
    delivery_key TEXT UNIQUE,
    route TEXT,
    sent_at INTEGER,
    decided_at INTEGER,
    reason TEXT
);
INSERT INTO outbox_new (id, article_id, author, body, created_at, attempts, last_error, state)
    SELECT id, article_id, author, body, created_at, attempts, last_error,
           CASE state WHEN 'sent' THEN 'sent' ELSE 'waiting' END
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_state ON outbox (state, id);

CREATE TABLE device_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL
);

ALTER TABLE sync_position ADD COLUMN comment_key TEXT;
ALTER TABLE sync_position ADD COLUMN comment_endpoints TEXT NOT NULL DEFAULT '[]';
