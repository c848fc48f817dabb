//! The comment envelope: what a reader's comment looks like on the wire.
//!
//! ```text
//! sealed  = crypto_box_seal(signed, publisher's comment key)      (X25519 + XSalsa20-Poly1305)
//! signed  = {"comment": "<draft JSON>", "device_key": b64, "signature": b64}
//! draft   = {"article_id", "author", "text", "client_time", "nonce"}
//! ```
//!
//! The signature is Ed25519 by the reader's per-install device key over
//! `article-sync comment v1\n` followed by the draft's JSON bytes exactly as carried. The
//! delivery key, which makes delivery idempotent, is the hex SHA-256 of the sealed bytes: a
//! comment is sealed once and the same bytes are posted until the publisher has them.
//!
//! The publisher's comment key is derived from its signing key ([`CommentSecret::derive`]) and
//! published in the signed root, so it rotates with the signing keys.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::rules;
use crate::format::codec::sha256_hex;
use crate::format::model::is_valid_id;
use crate::format::note::SecretKey;

pub use crate::format::limits::ENVELOPE_MAX;
/// Bytes a sealed box adds to its plaintext.
const SEAL_OVERHEAD: usize = 48;
/// The shortest sealed envelope: the overhead and a signed form with an empty comment (32-byte
/// key and 64-byte signature in base64).
const SEALED_MIN: usize =
    SEAL_OVERHEAD + r#"{"comment":"","device_key":"","signature":""}"#.len() + 44 + 88;
const SIGNING_CONTEXT: &[u8] = b"article-sync comment v1\n";
const COMMENT_KEY_CONTEXT: &str = "article-sync comment key v1";

/// The public half of a publisher's comment key. Text form `x25519:<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct CommentKey(crypto_box::PublicKey);

impl CommentKey {
    const PREFIX: &'static str = "x25519:";

    pub fn parse(text: &str) -> Option<CommentKey> {
        let bytes = B64.decode(text.trim().strip_prefix(Self::PREFIX)?).ok()?;
        let bytes: [u8; 32] = bytes.try_into().ok()?;
        Some(CommentKey(crypto_box::PublicKey::from(bytes)))
    }
}

impl std::fmt::Display for CommentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", Self::PREFIX, B64.encode(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for CommentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommentKey({self})")
    }
}

/// The secret half, which only the publisher's inbox holds.
pub struct CommentSecret(crypto_box::SecretKey);

impl CommentSecret {
    /// The comment key that belongs to publisher signing key `key`.
    pub fn derive(key: &SecretKey) -> CommentSecret {
        CommentSecret(crypto_box::SecretKey::from(key.derive(COMMENT_KEY_CONTEXT)))
    }

    pub fn public(&self) -> CommentKey {
        CommentKey(self.0.public_key())
    }
}

/// A reader's per-install signing key: lets the inbox tell one device's comments (and rate)
/// from another's without knowing who the reader is.
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    pub fn generate() -> DeviceKey {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the OS random source is available");
        DeviceKey(SigningKey::from_bytes(&seed))
    }

    pub fn from_bytes(seed: &[u8; 32]) -> DeviceKey {
        DeviceKey(SigningKey::from_bytes(seed))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }
}

/// What the reader wrote, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentDraft {
    pub article_id: String,
    pub author: String,
    pub text: String,
    /// The phone's clock when it was written (Unix seconds); informative only.
    pub client_time: i64,
    /// 16 random bytes in hex: two equal comments are two envelopes.
    pub nonce: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signed {
    comment: String,
    device_key: String,
    signature: String,
}

/// A sealed envelope and its delivery key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub bytes: Vec<u8>,
    pub delivery_key: String,
}

/// Signs `draft` with `device` and seals it to `to`.
pub fn seal(draft: &CommentDraft, device: &DeviceKey, to: &CommentKey) -> Sealed {
    let comment = serde_json::to_string(draft).expect("a draft serialises");
    let signature = device.0.sign(&signed_bytes(comment.as_bytes()));
    let signed = Signed {
        comment,
        device_key: B64.encode(device.0.verifying_key().as_bytes()),
        signature: B64.encode(signature.to_bytes()),
    };
    let plain = serde_json::to_vec(&signed).expect("an envelope serialises");
    let bytes =
        to.0.seal(&mut crypto_box::aead::OsRng, &plain)
            .expect("sealing a short message succeeds");
    Sealed {
        delivery_key: delivery_key(&bytes),
        bytes,
    }
}

/// The delivery (idempotency) key of sealed bytes: their hex SHA-256.
pub fn delivery_key(sealed: &[u8]) -> String {
    sha256_hex(sealed)
}

/// A fresh draft nonce.
pub fn nonce() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

fn signed_bytes(comment: &[u8]) -> Vec<u8> {
    [SIGNING_CONTEXT, comment].concat()
}

/// An envelope opened and checked: its signature holds and its fields meet the rules (author
/// and text normalised by [`rules::validate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub draft: CommentDraft,
    /// The device key, base64.
    pub device_key: String,
    pub delivery_key: String,
}

/// Why an envelope was refused; `field` names what is wrong for the sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct EnvelopeError {
    /// `envelope`, `device_key`, `signature`, `comment`, `article_id`, `author`, `text`,
    /// `client_time` or `nonce`.
    pub field: &'static str,
    pub reason: String,
}

impl EnvelopeError {
    fn new(field: &'static str, reason: impl Into<String>) -> EnvelopeError {
        EnvelopeError {
            field,
            reason: reason.into(),
        }
    }

    /// Whether the envelope was larger than [`ENVELOPE_MAX`].
    pub fn is_too_large(&self) -> bool {
        self.field == "envelope" && self.reason.starts_with("larger than")
    }
}

/// Checks what anyone can check of a sealed envelope without the publisher's secret (a reader
/// carrying another's envelope): its size is that of a sealed signed comment, at most
/// [`ENVELOPE_MAX`].
pub fn check_shape(sealed: &[u8]) -> Result<(), EnvelopeError> {
    if sealed.len() > ENVELOPE_MAX {
        return Err(EnvelopeError::new(
            "envelope",
            format!("larger than {ENVELOPE_MAX} bytes"),
        ));
    }
    if sealed.len() < SEALED_MIN {
        return Err(EnvelopeError::new("envelope", "too short to be sealed"));
    }
    Ok(())
}

/// Opens `sealed` with the first of `secrets` that can (the current comment key, then the
/// previous one), checks the device signature and the fields.
pub fn open(sealed: &[u8], secrets: &[CommentSecret]) -> Result<Opened, EnvelopeError> {
    check_shape(sealed)?;
    let plain = secrets
        .iter()
        .find_map(|s| s.0.unseal(sealed).ok())
        .ok_or_else(|| {
            EnvelopeError::new(
                "envelope",
                "not sealed to the current or previous comment key",
            )
        })?;
    let signed: Signed = serde_json::from_slice(&plain)
        .map_err(|e| EnvelopeError::new("envelope", format!("not a signed comment: {e}")))?;
    let device_bytes: [u8; 32] = B64
        .decode(&signed.device_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| EnvelopeError::new("device_key", "expected 32 bytes in base64"))?;
    let device = VerifyingKey::from_bytes(&device_bytes)
        .map_err(|_| EnvelopeError::new("device_key", "not an Ed25519 key"))?;
    let signature: [u8; 64] = B64
        .decode(&signed.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| EnvelopeError::new("signature", "expected 64 bytes in base64"))?;
    device
        .verify(
            &signed_bytes(signed.comment.as_bytes()),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| EnvelopeError::new("signature", "does not match the device key"))?;
    let mut draft: CommentDraft = serde_json::from_str(&signed.comment)
        .map_err(|e| EnvelopeError::new("comment", e.to_string()))?;
    if !is_valid_id(&draft.article_id) {
        return Err(EnvelopeError::new("article_id", "not an article id"));
    }
    if draft.nonce.len() != 32 || !draft.nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EnvelopeError::new("nonce", "expected 32 hex digits"));
    }
    if draft.client_time < 0 {
        return Err(EnvelopeError::new("client_time", "must not be negative"));
    }
    let valid = rules::validate(&draft.author, &draft.text)
        .map_err(|e| EnvelopeError::new(e.field.as_str(), e.reason))?;
    draft.author = valid.author;
    draft.text = valid.text;
    Ok(Opened {
        draft,
        device_key: signed.device_key,
        delivery_key: delivery_key(sealed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(text: &str) -> CommentDraft {
        CommentDraft {
            article_id: "seed-1".into(),
            author: "کارو".into(),
            text: text.into(),
            client_time: 1_700_000_000,
            nonce: nonce(),
        }
    }

    #[test]
    fn a_sealed_comment_opens_only_with_its_comment_key() {
        let publisher = SecretKey::generate();
        let secret = CommentSecret::derive(&publisher);
        let device = DeviceKey::generate();
        let sealed = seal(&draft("سلام"), &device, &secret.public());
        let text = String::from_utf8_lossy(&sealed.bytes);
        assert!(!text.contains("کارو") && !sealed.bytes.windows(6).any(|w| w == "سلام".as_bytes()));
        let opened = open(&sealed.bytes, &[secret]).unwrap();
        assert_eq!(opened.draft.text, "سلام");
        assert_eq!(opened.delivery_key, sealed.delivery_key);

        let other = CommentSecret::derive(&SecretKey::generate());
        assert_eq!(open(&sealed.bytes, &[other]).unwrap_err().field, "envelope");
    }

    #[test]
    fn the_previous_comment_key_still_opens() {
        let old = CommentSecret::derive(&SecretKey::generate());
        let new = CommentSecret::derive(&SecretKey::generate());
        let sealed = seal(&draft("x"), &DeviceKey::generate(), &old.public());
        assert!(open(&sealed.bytes, &[new, old]).is_ok());
    }

    #[test]
    fn a_signature_by_another_device_is_refused() {
        let secret = CommentSecret::derive(&SecretKey::generate());
        let comment = serde_json::to_string(&draft("x")).unwrap();
        let signer = DeviceKey::generate();
        let claimed = DeviceKey::generate();
        let signed = Signed {
            signature: B64.encode(signer.0.sign(&signed_bytes(comment.as_bytes())).to_bytes()),
            comment,
            device_key: B64.encode(claimed.0.verifying_key().as_bytes()),
        };
        let bytes = secret
            .public()
            .0
            .seal(
                &mut crypto_box::aead::OsRng,
                &serde_json::to_vec(&signed).unwrap(),
            )
            .unwrap();
        assert_eq!(open(&bytes, &[secret]).unwrap_err().field, "signature");
    }

    #[test]
    fn fields_are_checked_by_the_same_rules_as_the_app() {
        let secret = CommentSecret::derive(&SecretKey::generate());
        let device = DeviceKey::generate();
        let long = "ن".repeat(rules::TEXT_MAX_CHARS + 1);
        for (d, field) in [
            (draft(&long), "text"),
            (draft("\u{200C} "), "text"),
            (
                CommentDraft {
                    author: "a\nb".into(),
                    ..draft("x")
                },
                "author",
            ),
            (
                CommentDraft {
                    article_id: "../x".into(),
                    ..draft("x")
                },
                "article_id",
            ),
        ] {
            let sealed = seal(&d, &device, &secret.public());
            assert_eq!(
                open(&sealed.bytes, std::slice::from_ref(&secret))
                    .unwrap_err()
                    .field,
                field
            );
        }
        assert!(
            open(&vec![0u8; ENVELOPE_MAX + 1], &[secret])
                .unwrap_err()
                .is_too_large()
        );
    }

    #[test]
    fn comment_keys_round_trip_as_text() {
        let key = CommentSecret::derive(&SecretKey::generate()).public();
        assert_eq!(CommentKey::parse(&key.to_string()), Some(key));
        assert_eq!(CommentKey::parse("x25519:AAAA"), None);
    }
}
