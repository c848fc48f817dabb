//! Root metadata: which keys may sign heads and mirror lists, how many must, and the key
//! readers seal their comments to.
//!
//! `root/<version>.json` is a signed note. The app pins the first key(s) (an implicit root
//! version 0 with threshold 1). Each next version must be signed by a threshold of the previous
//! version's keys *and* of its own keys, so a lost or stolen online key can be rotated without
//! shipping a new app, and a single stolen key cannot rotate alone when the threshold is higher.

use serde::{Deserialize, Serialize};

use super::codec::parse_json;
use super::note::{self, KeySet, NoteKind, PublicKey, SecretKey};
use super::{FormatError, limits};
use crate::comments::CommentKey;

/// The body of a root file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    /// Public keys in their one-line text form.
    pub keys: Vec<String>,
    pub threshold: usize,
    pub issued_at: i64,
    /// The publisher's comment key (`x25519:<base64>`), to which readers seal their comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_key: Option<String>,
}

/// The root a client trusts now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRoot {
    pub version: u64,
    pub keys: KeySet,
    /// The comment key this root publishes, if any.
    pub comment_key: Option<CommentKey>,
}

impl TrustedRoot {
    /// The implicit version 0: the keys pinned in the app, any one of which suffices.
    pub fn pinned(keys: Vec<PublicKey>) -> Self {
        TrustedRoot {
            version: 0,
            keys: KeySet { keys, threshold: 1 },
            comment_key: None,
        }
    }

    /// Verifies `note` as root version `self.version + 1` and returns the new trusted root.
    pub fn advance(&self, note: &[u8]) -> Result<TrustedRoot, FormatError> {
        let next = self.version + 1;
        let refuse = |reason: String| FormatError::RootRotation {
            version: next,
            reason,
        };
        if note.len() as u64 > limits::ROOT_MAX {
            return Err(FormatError::TooLarge {
                what: format!("root {next}"),
                cap: limits::ROOT_MAX,
            });
        }
        let (body_bytes, sigs) = note::split(NoteKind::Root, note)?;
        let body: RootBody = parse_json("root", body_bytes)?;
        if body.kind != "root" {
            return Err(FormatError::WrongKind {
                what: format!("root {next}"),
                expected: "root".into(),
            });
        }
        if body.version != next {
            return Err(refuse(format!("file holds version {}", body.version)));
        }
        let keys = body
            .keys
            .iter()
            .map(|k| PublicKey::parse(k))
            .collect::<Result<Vec<_>, _>>()?;
        if body.threshold == 0 || body.threshold > keys.len() {
            return Err(refuse(format!(
                "threshold {} with {} keys",
                body.threshold,
                keys.len()
            )));
        }
        let comment_key = match &body.comment_key {
            Some(text) => Some(
                CommentKey::parse(text).ok_or_else(|| refuse("malformed comment key".into()))?,
            ),
            None => None,
        };
        let new_keys = KeySet {
            keys,
            threshold: body.threshold,
        };
        for (who, set) in [("previous", &self.keys), ("new", &new_keys)] {
            let valid = note::count_valid(NoteKind::Root, body_bytes, &sigs, set);
            if valid < set.threshold {
                return Err(refuse(format!(
                    "{valid} of {} {who} keys signed",
                    set.threshold
                )));
            }
        }
        Ok(TrustedRoot {
            version: next,
            keys: new_keys,
            comment_key,
        })
    }
}

/// Writes root `version` for `keys` (and `comment_key`), signed by every key in `signers` (the
/// previous and the new keys, for a rotation).
pub fn sign_root(
    version: u64,
    keys: &[PublicKey],
    threshold: usize,
    comment_key: Option<&CommentKey>,
    issued_at: i64,
    signers: &[&SecretKey],
) -> Vec<u8> {
    let body = RootBody {
        kind: "root".into(),
        version,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        threshold,
        issued_at,
        comment_key: comment_key.map(|k| k.to_string()),
    };
    let json = serde_json::to_vec(&body).expect("a root serialises");
    note::sign(NoteKind::Root, &json, signers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_needs_both_the_old_and_the_new_keys() {
        let old = SecretKey::generate();
        let new = SecretKey::generate();
        let pinned = TrustedRoot::pinned(vec![old.public()]);
        let v1 = pinned
            .advance(&sign_root(1, &[old.public()], 1, None, 0, &[&old]))
            .unwrap();

        let both = sign_root(2, &[new.public()], 1, None, 0, &[&old, &new]);
        let v2 = v1.advance(&both).unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(v2.keys.keys, vec![new.public()]);

        let only_old = sign_root(2, &[new.public()], 1, None, 0, &[&old]);
        assert!(matches!(
            v1.advance(&only_old),
            Err(FormatError::RootRotation { .. })
        ));
        let only_new = sign_root(2, &[new.public()], 1, None, 0, &[&new]);
        assert!(matches!(
            v1.advance(&only_new),
            Err(FormatError::RootRotation { .. })
        ));
    }

    #[test]
    fn versions_cannot_be_skipped() {
        let key = SecretKey::generate();
        let pinned = TrustedRoot::pinned(vec![key.public()]);
        let v2 = sign_root(2, &[key.public()], 1, None, 0, &[&key]);
        assert!(pinned.advance(&v2).is_err());
    }
}
