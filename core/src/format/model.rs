//! The content a publisher ships: articles, comments and media references.
//!
//! These types are the payload of log entries and snapshot parts, and the rows of the store.
//! Times are Unix seconds (UTC). Article bodies are sanitised HTML; comment bodies are plain text.

use serde::{Deserialize, Serialize};

/// Hex SHA-256 of a media file's bytes; also its name in the tree (`media/<hash>.<ext>`).
pub type MediaHash = String;

/// One article at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// The publisher's stable id: 1–128 characters of `[A-Za-z0-9._-]`.
    pub id: String,
    /// Grows by one on every edit; a reader only ever moves forward.
    pub revision: u64,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Sanitised HTML (see [`crate::publish::sanitize`]).
    #[serde(default)]
    pub body_html: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// BCP 47 language tag, e.g. `fa`.
    pub language: String,
    pub published_at: i64,
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The article's address on the main site, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The image shown in lists and at the top of the article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_image: Option<MediaRef>,
    /// Further images referenced by the body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<MediaRef>,
    /// Ids of "read more" articles chosen by the editor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Ids of articles the body links to on the publisher's own site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
}

/// A reader comment, attached to one article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Unique among the publisher's comments; same charset as article ids.
    pub id: String,
    pub article_id: String,
    pub author: String,
    /// Plain text; never rendered as HTML.
    pub body: String,
    pub posted_at: i64,
}

/// A media file the tree holds under `media/<hash>.<ext>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    pub hash: MediaHash,
    /// Exact length in bytes; the client refuses anything longer.
    pub size: u64,
    /// One of [`crate::format::limits::MEDIA_TYPES`].
    pub mime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// The full-size file when this one is its phone-sized variant (at most 1280 pixels wide,
    /// compact): readers download this one by default, the original on request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<MediaFile>,
}

/// A media file of the tree, without a caption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaFile {
    pub hash: MediaHash,
    pub size: u64,
    pub mime: String,
}

/// One change in the publisher's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // Entries are handled one at a time; boxing buys nothing.
pub enum Change {
    PutArticle {
        article: Article,
    },
    /// A tombstone: the article (and its comments) is gone as of `revision`.
    DeleteArticle {
        id: String,
        revision: u64,
    },
    PutComment {
        comment: Comment,
    },
    DeleteComment {
        id: String,
        article_id: String,
    },
    /// A media file entered the tree (an article referring to it follows or precedes it).
    PutMedia {
        media: MediaRef,
    },
    /// What became of a reader's comment envelope (see [`crate::comments`]).
    Receipt {
        receipt: Receipt,
    },
}

/// The publisher's word on one comment envelope, by its delivery key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Hex SHA-256 of the sealed envelope.
    pub key: String,
    pub status: ReceiptStatus,
    /// Why it was rejected; only with [`ReceiptStatus::Rejected`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// The inbox holds it; a moderator has not decided yet.
    Received,
    /// Published as comment [`crate::comments::published_comment_id`] of the key.
    Published,
    Rejected,
}

/// A change with its position in the log. Sequence numbers start at 1 and have no gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    #[serde(flatten)]
    pub change: Change,
}

impl Article {
    /// The media this article refers to, lead image first.
    pub fn media(&self) -> impl Iterator<Item = &MediaRef> {
        self.lead_image.iter().chain(self.images.iter())
    }
}

/// Whether `id` is a valid article or comment id: 1–128 characters of `[A-Za-z0-9._-]`,
/// not starting with a dot.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_restricted_to_a_path_safe_charset() {
        assert!(is_valid_id("russia-syria_2018.07"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("../etc"));
        assert!(!is_valid_id("a/b"));
        assert!(!is_valid_id(".hidden"));
        assert!(!is_valid_id(&"x".repeat(129)));
        assert!(!is_valid_id("خبر"));
    }

    #[test]
    fn entries_serialise_with_an_op_tag() {
        let e = Entry {
            seq: 7,
            change: Change::DeleteComment {
                id: "c1".into(),
                article_id: "a1".into(),
            },
        };
        let line = serde_json::to_string(&e).unwrap();
        assert_eq!(
            line,
            r#"{"seq":7,"op":"delete_comment","id":"c1","article_id":"a1"}"#
        );
        assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), e);
    }
}
