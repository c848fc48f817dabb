-- Route health (net::RouteHealth) and the comment outbox.

CREATE TABLE routes (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    successes INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_success_at INTEGER,
    last_failure_at INTEGER,
    last_failure TEXT,
    median_latency_ms INTEGER,
    backoff_until INTEGER
);

-- The ETag of the last `head` fetched from a route, so an unchanged head costs a 304.
CREATE TABLE route_etags (
    url TEXT PRIMARY KEY,
    head_etag TEXT NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed'))
);
CREATE INDEX outbox_by_state ON outbox (state, id);
