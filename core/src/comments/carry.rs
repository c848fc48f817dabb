//! Comments that travel with a copy (issue 17): an export, or a share, carries the sealed
//! envelopes its reader has not delivered yet, under `outbox/` (see [`crate::format::layout`]);
//! a reader that syncs from it keeps them and delivers them with its own outbox once a comment
//! endpoint answers.
//!
//! Carrying discloses nothing: an envelope is sealed to the publisher's comment key, so the
//! carrier (and anyone holding the USB stick) sees neither text nor author, only opaque bytes
//! of bounded size. Delivery stays exactly-once: an envelope is named by its delivery key (its
//! SHA-256), the inbox stores each key once, and the author's later delivery of the same bytes
//! is recognised as a repeat.
//!
//! A carried envelope is no publisher data: nothing signed names it, it is never applied, and a
//! reader keeps at most [`CARRIED_MAX`] waiting ones, each checked against its name and the
//! envelope's size bounds ([`envelope::check_shape`]).

use std::sync::Arc;

use super::delivery::{publisher_comment_key, seal_once};
use super::envelope;
use crate::format::codec::{is_hash_hex, sha256_hex};
use crate::format::layout::{self, TreePath};
use crate::format::limits::CARRIED_MAX;
use crate::net::{Connectivity, Route, RouteSource};
use crate::store::{Store, StoreError};

/// Why carried envelopes were not taken from a copy.
#[derive(Debug, thiserror::Error)]
pub enum CarryError {
    /// `outbox/index` is not a list of at most [`CARRIED_MAX`] delivery keys, one a line.
    #[error("outbox index: {0}")]
    BadIndex(String),
    /// The file named `key` is not a sealed envelope with that delivery key.
    #[error("carried envelope {key}: {reason}")]
    BadEnvelope { key: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The envelopes a copy of this reader carries, (delivery key, sealed bytes), at most
/// [`CARRIED_MAX`]: its own waiting comments first (sealed now, once, if the publisher's comment
/// key is known and they were not sealed yet), then those it carries for others.
pub fn to_carry(store: &Store) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let key = publisher_comment_key(store)?;
    let mut carried = Vec::new();
    for (item, sealed) in store.waiting_comments()? {
        let sealed = match (sealed, &key) {
            (Some(bytes), _) => bytes,
            (None, Some(key)) => seal_once(store, &item, key)?,
            (None, None) => continue,
        };
        carried.push((envelope::delivery_key(&sealed), sealed));
    }
    carried.extend(store.carried_envelopes()?);
    carried.truncate(CARRIED_MAX);
    Ok(carried)
}

/// The `outbox/index` of `carried`: one delivery key a line.
pub fn index(carried: &[(String, Vec<u8>)]) -> String {
    carried.iter().map(|(key, _)| format!("{key}\n")).collect()
}

/// Reads an `outbox/index`: at most [`CARRIED_MAX`] delivery keys, one a line.
pub fn parse_index(bytes: &[u8]) -> Result<Vec<String>, CarryError> {
    let bad = |why: &str| CarryError::BadIndex(why.to_string());
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
    let keys: Vec<String> = text.lines().map(str::to_string).collect();
    if keys.len() > CARRIED_MAX {
        return Err(bad(&format!("more than {CARRIED_MAX} envelopes")));
    }
    if let Some(line) = keys.iter().find(|k| !is_hash_hex(k)) {
        return Err(bad(&format!("{line:?} is not a delivery key")));
    }
    Ok(keys)
}

/// Checks a carried file: it is named by its SHA-256 and shaped like a sealed envelope.
pub fn check(key: &str, sealed: &[u8]) -> Result<(), CarryError> {
    let bad = |reason: String| CarryError::BadEnvelope {
        key: key.to_string(),
        reason,
    };
    if sha256_hex(sealed) != key {
        return Err(bad("does not hash to its name".into()));
    }
    envelope::check_shape(sealed).map_err(|e| bad(e.to_string()))
}

/// Takes the envelopes a folder or user-added `route` (a copy passed on by another reader)
/// carries, those this reader does not hold yet, after checking each ([`check`]). Publisher
/// mirrors carry none and are not asked. Returns how many were kept; a copy without
/// `outbox/index` carries none.
pub async fn take(
    store: &Arc<Store>,
    net: &Connectivity,
    route: &Route,
) -> Result<u64, CarryError> {
    if !matches!(route.source(), RouteSource::Folder | RouteSource::User) {
        return Ok(0);
    }
    let client = net.client();
    let cap = TreePath::OutboxIndex.max_len();
    let Ok(index) = client.fetch(route, layout::OUTBOX_INDEX, cap, None).await else {
        return Ok(0);
    };
    let keys = parse_index(&index.into_bytes().unwrap_or_default())?;
    let mut kept = 0;
    for key in keys {
        if store
            .blocking({
                let key = key.clone();
                move |s| s.holds_envelope(&key)
            })
            .await?
        {
            continue;
        }
        let path = layout::envelope(&key);
        let cap = envelope::ENVELOPE_MAX as u64;
        let sealed = match client.fetch(route, &path, cap, None).await {
            Ok(fetched) => fetched.into_bytes().unwrap_or_default(),
            Err(e) => {
                tracing::info!(%path, error = %e, "a carried envelope could not be fetched");
                continue;
            }
        };
        check(&key, &sealed)?;
        if store
            .blocking(move |s| s.carry_envelope(&key, &sealed))
            .await?
        {
            kept += 1;
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_is_capped_and_holds_only_delivery_keys() {
        let key = "ab".repeat(32);
        assert_eq!(
            parse_index(format!("{key}\n{key}\n").as_bytes())
                .unwrap()
                .len(),
            2
        );
        assert_eq!(parse_index(b"").unwrap(), Vec::<String>::new());
        let many = format!("{key}\n").repeat(CARRIED_MAX + 1);
        assert!(parse_index(many.as_bytes()).is_err());
        for bad in ["../head\n", "ABAB\n", "head\n"] {
            assert!(parse_index(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_carried_file_must_hash_to_its_name_and_look_sealed() {
        let sealed = vec![7u8; 400];
        let key = sha256_hex(&sealed);
        assert!(check(&key, &sealed).is_ok());
        assert!(check(&"0".repeat(64), &sealed).is_err(), "another name");
        let short = vec![7u8; 40];
        assert!(check(&sha256_hex(&short), &short).is_err(), "too short");
        let long = vec![7u8; envelope::ENVELOPE_MAX + 1];
        assert!(check(&sha256_hex(&long), &long).is_err(), "too long");
    }
}
