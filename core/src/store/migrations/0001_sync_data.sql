-- Sync data (replaced by re-syncs and snapshots) and reader state (never touched by sync).

-- One row per stored article. `body_html` is NULL while only the headline is stored (snapshot
-- headlines arrive first) or after the storage budget evicted the body (`evicted = 1`).
CREATE TABLE articles (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    revision INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body_html TEXT,
    body_size INTEGER NOT NULL DEFAULT 0,
    evicted INTEGER NOT NULL DEFAULT 0 CHECK (evicted IN (0, 1)),
    author TEXT,
    language TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    url TEXT,
    tags TEXT NOT NULL DEFAULT '[]',        -- JSON array; also in article_tags
    lead_image TEXT,                        -- JSON MediaRef
    images TEXT NOT NULL DEFAULT '[]',      -- JSON array of MediaRef
    related TEXT NOT NULL DEFAULT '[]',     -- JSON array of article ids
    links TEXT NOT NULL DEFAULT '[]',       -- JSON array of article ids
    snapshot_seq INTEGER                    -- the snapshot that last wrote this row
);
CREATE INDEX articles_newest ON articles (published_at DESC, id DESC);

CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
) WITHOUT ROWID;
CREATE INDEX article_tags_by_tag ON article_tags (tag, article_id);

-- Which media an article refers to (position 0 is the lead image when it has one).
CREATE TABLE article_media (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    hash TEXT NOT NULL,
    is_lead INTEGER NOT NULL CHECK (is_lead IN (0, 1)),
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
CREATE INDEX article_media_by_hash ON article_media (hash);

-- Media known from the log; `bytes` is NULL until fetched or after eviction.
CREATE TABLE media (
    hash TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB,
    last_used_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    posted_at INTEGER NOT NULL,
    snapshot_seq INTEGER
);
CREATE INDEX comments_by_article ON comments (article_id, posted_at, id);

-- Where sync stands. Exactly one row.
CREATE TABLE sync_position (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    root_version INTEGER NOT NULL DEFAULT 0,
    root_keys TEXT NOT NULL DEFAULT '[]',   -- JSON array of public keys in text form
    root_threshold INTEGER NOT NULL DEFAULT 1,
    head_version INTEGER NOT NULL DEFAULT 0,
    head_issued_at INTEGER,
    head_expires_at INTEGER,
    log_seq INTEGER NOT NULL DEFAULT 0,
    log_tip TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
    snapshot_seq INTEGER,                   -- a snapshot being applied, if any
    snapshot_parts_applied INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_position (only_row) VALUES (1);

-- The reader's own marks. No foreign key: re-syncing or rebuilding articles never drops them.
CREATE TABLE reader_state (
    article_id TEXT PRIMARY KEY,
    read_at INTEGER,
    bookmarked_at INTEGER,
    position REAL
);
CREATE INDEX reader_state_bookmarked ON reader_state (bookmarked_at) WHERE bookmarked_at IS NOT NULL;
