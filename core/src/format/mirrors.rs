//! The signed mirror list: where else the tree can be fetched. It decides only where to fetch
//! from, never what is trusted; the client merges it with the mirrors built into the app.

use serde::{Deserialize, Serialize};

use super::FormatError;
use super::codec::parse_json;
use super::limits::{MIRRORS_COUNT_MAX, MIRRORS_MAX};
use super::note::{self, KeySet, NoteKind, SecretKey};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorList {
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    pub issued_at: i64,
    pub expires_at: i64,
    /// Base URLs (`https://…/` or `http://…/`), each the root of a copy of the tree.
    pub mirrors: Vec<String>,
    /// Base URLs of comment endpoints (the inbox or relays to it), each taking
    /// `POST <base>comments`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<String>,
}

impl MirrorList {
    pub fn new(
        version: u64,
        issued_at: i64,
        expires_at: i64,
        mirrors: Vec<String>,
        comments: Vec<String>,
    ) -> Self {
        MirrorList {
            kind: "mirrors".into(),
            version,
            issued_at,
            expires_at,
            mirrors,
            comments,
        }
    }

    pub fn sign(&self, keys: &[&SecretKey]) -> Vec<u8> {
        let json = serde_json::to_vec(self).expect("a mirror list serialises");
        note::sign(NoteKind::Mirrors, &json, keys)
    }

    /// Verifies a fetched list (already checked against the hash its head gives) and keeps only
    /// well-formed `http(s)` URLs.
    pub fn verify(bytes: &[u8], keys: &KeySet) -> Result<MirrorList, FormatError> {
        if bytes.len() as u64 > MIRRORS_MAX {
            return Err(FormatError::TooLarge {
                what: "mirror list".into(),
                cap: MIRRORS_MAX,
            });
        }
        let body = note::verify(NoteKind::Mirrors, bytes, keys)?;
        let mut list: MirrorList = parse_json("mirror list", body)?;
        if list.kind != "mirrors" {
            return Err(FormatError::WrongKind {
                what: "mirror list".into(),
                expected: "mirrors".into(),
            });
        }
        if list.mirrors.len() > MIRRORS_COUNT_MAX || list.comments.len() > MIRRORS_COUNT_MAX {
            return Err(FormatError::malformed("mirror list", "too many mirrors"));
        }
        let web = |m: &String| {
            url::Url::parse(m)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        };
        list.mirrors.retain(web);
        list.comments.retain(web);
        Ok(list)
    }

    /// Whether a verified list may replace the one a reader applied (version `held`, 0 for
    /// none) at `now`: not older than it, and not expired.
    pub fn check_current(&self, now: i64, held: u64) -> Result<(), FormatError> {
        if self.version < held {
            return Err(FormatError::malformed(
                "mirror list",
                format!("version {} is older than the applied {held}", self.version),
            ));
        }
        if now >= self.expires_at {
            return Err(FormatError::malformed(
                "mirror list",
                format!("expired at {}", self.expires_at),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_list_verifies_and_drops_odd_urls() {
        let key = SecretKey::generate();
        let keys = KeySet {
            keys: vec![key.public()],
            threshold: 1,
        };
        let list = MirrorList::new(
            2,
            0,
            10,
            vec!["https://m.example/".into(), "javascript:alert(1)".into()],
            vec!["https://relay.example/".into(), "file:///etc/".into()],
        );
        let got = MirrorList::verify(&list.sign(&[&key]), &keys).unwrap();
        assert_eq!(got.mirrors, vec!["https://m.example/".to_string()]);
        assert_eq!(got.comments, vec!["https://relay.example/".to_string()]);
        let other = KeySet {
            keys: vec![SecretKey::generate().public()],
            threshold: 1,
        };
        assert!(MirrorList::verify(&list.sign(&[&key]), &other).is_err());
    }

    #[test]
    fn an_expired_or_older_list_is_not_current() {
        let list = MirrorList::new(3, 0, 100, vec!["https://m.example/".into()], vec![]);
        assert!(list.check_current(50, 3).is_ok());
        assert!(list.check_current(50, 0).is_ok());
        assert!(list.check_current(100, 0).is_err(), "expired");
        assert!(
            list.check_current(50, 4).is_err(),
            "older than the applied one"
        );
    }
}
