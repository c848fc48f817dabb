-- The banner state of the last sync, so that a reader (or `article-sync status`) shows it at
-- start, offline. Exactly one row once a sync has run.
CREATE TABLE last_connection (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    state TEXT NOT NULL,        -- JSON of net::ConnectionState (name and evidence)
    route TEXT,                 -- base URL of the route the sync used; NULL when none won
    at INTEGER NOT NULL         -- Unix seconds
);
