//! The publisher's inbox: the comment envelopes received, each stored once by its delivery
//! key, moderated, and announced to readers by the next publish (the comment itself once
//! approved, and a receipt for every change of its status).
//!
//! The file is SQLite in WAL mode with `synchronous = FULL`: an envelope is on disk before the
//! endpoint answers `202`, so a killed inbox loses nothing it acknowledged.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use super::envelope::{self, CommentSecret, EnvelopeError, Opened};
use super::published_comment_id;
use crate::format::{Comment, Receipt, ReceiptStatus};

/// Where an envelope stands in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxStatus {
    /// Received; no decision yet.
    Received,
    /// Approved; the next publish puts it in the log.
    Approved,
    Published,
    Rejected,
}

impl InboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InboxStatus::Received => "received",
            InboxStatus::Approved => "approved",
            InboxStatus::Published => "published",
            InboxStatus::Rejected => "rejected",
        }
    }

    fn parse(s: &str) -> InboxStatus {
        match s {
            "approved" => InboxStatus::Approved,
            "published" => InboxStatus::Published,
            "rejected" => InboxStatus::Rejected,
            _ => InboxStatus::Received,
        }
    }
}

/// A comment in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxComment {
    /// The moderator's handle on it (`comments approve ID`).
    pub id: i64,
    /// The delivery key.
    pub key: String,
    pub article_id: String,
    pub author: String,
    pub text: String,
    pub client_time: i64,
    pub received_at: i64,
    /// The device key (base64) that signed it.
    pub device_key: String,
    pub status: InboxStatus,
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("inbox database: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("no comment {0} in the inbox")]
    NotFound(i64),
    #[error("comment {0} is already published")]
    AlreadyPublished(i64),
}

/// What the next publish carries from the inbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// Approved comments, as they will be published.
    pub comments: Vec<Comment>,
    /// A receipt for each envelope whose status readers have not been told.
    pub receipts: Vec<Receipt>,
}

pub struct Inbox {
    conn: Mutex<Connection>,
    /// The current comment key's secret, then the previous one's.
    secrets: Vec<CommentSecret>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS envelopes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    sealed BLOB NOT NULL,
    device_key TEXT NOT NULL,
    article_id TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    client_time INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'approved', 'published', 'rejected')),
    reason TEXT,
    -- The receipt status readers were last told ('received', 'published', 'rejected').
    announced TEXT
);
CREATE INDEX IF NOT EXISTS envelopes_by_status ON envelopes (status, id);
";

const COLUMNS: &str =
    "id, key, article_id, author, text, client_time, received_at, device_key, status, reason";

impl Inbox {
    /// Opens (or creates) the inbox at `path`; `secrets` opens envelopes, current key first.
    pub fn open(path: &Path, secrets: Vec<CommentSecret>) -> Result<Inbox, InboxError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Inbox {
            conn: Mutex::new(conn),
            secrets,
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens and checks `sealed` (see [`envelope::open`]) without storing it.
    pub fn open_envelope(&self, sealed: &[u8]) -> Result<Opened, EnvelopeError> {
        envelope::open(sealed, &self.secrets)
    }

    /// Whether an envelope with this delivery key is stored.
    pub fn contains(&self, key: &str) -> Result<bool, InboxError> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM envelopes WHERE key = ?1", [key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Stores an opened envelope unless its delivery key is stored already; durable when it
    /// returns. Returns whether it was new.
    pub fn store(&self, sealed: &[u8], opened: &Opened, now: i64) -> Result<bool, InboxError> {
        let d = &opened.draft;
        let n = self.conn().execute(
            "INSERT INTO envelopes (key, sealed, device_key, article_id, author, text,
                 client_time, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (key) DO NOTHING",
            params![
                opened.delivery_key,
                sealed,
                opened.device_key,
                d.article_id,
                d.author,
                d.text,
                d.client_time,
                now
            ],
        )?;
        Ok(n > 0)
    }

    /// Every comment, oldest first.
    pub fn list(&self) -> Result<Vec<InboxComment>, InboxError> {
        self.select("TRUE")
    }

    /// The comments matching SQL condition `filter`, in arrival order.
    fn select(&self, filter: &str) -> Result<Vec<InboxComment>, InboxError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM envelopes WHERE {filter} ORDER BY id"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(InboxComment {
                id: r.get(0)?,
                key: r.get(1)?,
                article_id: r.get(2)?,
                author: r.get(3)?,
                text: r.get(4)?,
                client_time: r.get(5)?,
                received_at: r.get(6)?,
                device_key: r.get(7)?,
                status: InboxStatus::parse(&r.get::<_, String>(8)?),
                reason: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Approves comment `id` for the next publish.
    pub fn approve(&self, id: i64) -> Result<(), InboxError> {
        self.decide(id, InboxStatus::Approved, None)
    }

    /// Rejects comment `id`; readers are told `reason`.
    pub fn reject(&self, id: i64, reason: &str) -> Result<(), InboxError> {
        self.decide(id, InboxStatus::Rejected, Some(reason))
    }

    fn decide(&self, id: i64, status: InboxStatus, reason: Option<&str>) -> Result<(), InboxError> {
        let conn = self.conn();
        let current: Option<String> = conn
            .query_row("SELECT status FROM envelopes WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match current.as_deref().map(InboxStatus::parse) {
            None => Err(InboxError::NotFound(id)),
            Some(InboxStatus::Published) => Err(InboxError::AlreadyPublished(id)),
            Some(_) => {
                conn.execute(
                    "UPDATE envelopes SET status = ?2, reason = ?3 WHERE id = ?1",
                    params![id, status.as_str(), reason],
                )?;
                Ok(())
            }
        }
    }

    /// What the next publish carries: approved comments and the receipts readers lack (those
    /// whose status differs from what readers were last told; an approved comment's receipt
    /// says `published`, as the publish that carries it publishes it).
    pub fn pending(&self) -> Result<Pending, InboxError> {
        let mut pending = Pending::default();
        let untold =
            "announced IS NOT (CASE status WHEN 'approved' THEN 'published' ELSE status END)";
        for c in self.select(untold)? {
            let (status, reason) = match c.status {
                InboxStatus::Received => (ReceiptStatus::Received, None),
                InboxStatus::Approved => {
                    pending.comments.push(Comment {
                        id: published_comment_id(&c.key),
                        article_id: c.article_id.clone(),
                        author: c.author.clone(),
                        body: c.text.clone(),
                        posted_at: c.received_at,
                    });
                    (ReceiptStatus::Published, None)
                }
                InboxStatus::Published => (ReceiptStatus::Published, None),
                InboxStatus::Rejected => (ReceiptStatus::Rejected, c.reason.clone()),
            };
            pending.receipts.push(Receipt {
                key: c.key,
                status,
                reason,
            });
        }
        Ok(pending)
    }

    /// Records that a publish carried `pending`: approved comments are published and every
    /// receipt's status is what readers were told.
    pub fn published(&self, pending: &Pending) -> Result<(), InboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for r in &pending.receipts {
            let told = serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            tx.execute(
                "UPDATE envelopes SET announced = ?2,
                     status = CASE status WHEN 'approved' THEN 'published' ELSE status END
                 WHERE key = ?1",
                params![r.key, told],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comments::envelope::{CommentDraft, DeviceKey, nonce, seal};
    use crate::format::note::SecretKey;

    fn inbox(dir: &Path, key: &SecretKey) -> Inbox {
        Inbox::open(&dir.join("inbox.db"), vec![CommentSecret::derive(key)]).unwrap()
    }

    fn sealed(key: &SecretKey, text: &str) -> Vec<u8> {
        let draft = CommentDraft {
            article_id: "seed-1".into(),
            author: "مینا".into(),
            text: text.into(),
            client_time: 0,
            nonce: nonce(),
        };
        seal(
            &draft,
            &DeviceKey::generate(),
            &CommentSecret::derive(key).public(),
        )
        .bytes
    }

    #[test]
    fn an_envelope_is_stored_once_and_moderation_becomes_receipts() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::generate();
        let inbox = inbox(dir.path(), &key);
        let (a, b) = (sealed(&key, "اول"), sealed(&key, "دوم"));
        for bytes in [&a, &a, &b] {
            let opened = inbox.open_envelope(bytes).unwrap();
            inbox.store(bytes, &opened, 10).unwrap();
        }
        let list = inbox.list().unwrap();
        assert_eq!(list.len(), 2, "a repeat is stored once");

        let first = inbox.pending().unwrap();
        assert!(first.comments.is_empty());
        assert_eq!(first.receipts.len(), 2);
        assert!(
            first
                .receipts
                .iter()
                .all(|r| r.status == ReceiptStatus::Received)
        );
        inbox.published(&first).unwrap();
        assert_eq!(inbox.pending().unwrap(), Pending::default(), "told once");

        inbox.approve(list[0].id).unwrap();
        inbox.reject(list[1].id, "off topic").unwrap();
        let second = inbox.pending().unwrap();
        assert_eq!(second.comments.len(), 1);
        assert_eq!(second.comments[0].body, "اول");
        assert_eq!(second.comments[0].id, published_comment_id(&list[0].key));
        let statuses: Vec<_> = second
            .receipts
            .iter()
            .map(|r| (r.status, r.reason.clone()))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (ReceiptStatus::Published, None),
                (ReceiptStatus::Rejected, Some("off topic".into()))
            ]
        );
        inbox.published(&second).unwrap();
        assert_eq!(inbox.list().unwrap()[0].status, InboxStatus::Published);
        assert!(matches!(
            inbox.reject(list[0].id, "late"),
            Err(InboxError::AlreadyPublished(_))
        ));
        assert!(matches!(inbox.approve(99), Err(InboxError::NotFound(99))));
    }
}
