//! Signed notes and publisher keys.
//!
//! A signed note is the exact bytes of a one-line JSON body, a newline, then one line per
//! signature: `sig <key-id> <base64 signature>`. Signatures cover a domain prefix naming the kind
//! of document plus the body bytes, so no JSON canonicalisation is needed and a signed mirror list
//! can never pass for a head. Verification uses `verify_strict` and counts each trusted key once.

use std::collections::BTreeSet;
use std::fmt;

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::FormatError;
use super::codec::sha256;

/// Signature lines a note may carry.
const MAX_SIGNATURES: usize = 16;

/// The kinds of signed document; part of what is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Head,
    Root,
    Mirrors,
}

impl NoteKind {
    fn domain(self) -> &'static [u8] {
        match self {
            NoteKind::Head => b"article-sync/v1/head\n",
            NoteKind::Root => b"article-sync/v1/root\n",
            NoteKind::Mirrors => b"article-sync/v1/mirrors\n",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NoteKind::Head => "head",
            NoteKind::Root => "root",
            NoteKind::Mirrors => "mirror list",
        }
    }
}

/// A publisher's public key. Its text form is one line: `ed25519:<base64>`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    const PREFIX: &'static str = "ed25519:";

    /// Parses the one-line text form (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        let what = "public key";
        let b64 = text
            .trim()
            .strip_prefix(Self::PREFIX)
            .ok_or_else(|| FormatError::malformed(what, "expected `ed25519:<base64>`"))?;
        let bytes = B64
            .decode(b64)
            .map_err(|e| FormatError::malformed(what, e))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| FormatError::malformed(what, "expected 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|e| FormatError::malformed(what, e))?;
        if key.is_weak() {
            return Err(FormatError::malformed(what, "weak key"));
        }
        Ok(PublicKey(key))
    }

    /// A short stable name for the key: hex of the first 8 bytes of SHA-256 of the key.
    pub fn id(&self) -> String {
        hex::encode(&sha256(self.0.as_bytes())[..8])
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, B64.encode(self.0.as_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id())
    }
}

/// A publisher's secret signing key. Its text form is `ed25519-secret:<base64 seed>`.
pub struct SecretKey(SigningKey);

impl SecretKey {
    const PREFIX: &'static str = "ed25519-secret:";

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).expect("the OS random source is available");
        SecretKey(SigningKey::from_bytes(&seed))
    }

    pub fn parse(text: &str) -> Result<Self, FormatError> {
        let what = "secret key";
        let b64 = text
            .trim()
            .strip_prefix(Self::PREFIX)
            .ok_or_else(|| FormatError::malformed(what, "expected `ed25519-secret:<base64>`"))?;
        let bytes = B64
            .decode(b64)
            .map_err(|e| FormatError::malformed(what, e))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| FormatError::malformed(what, "expected 32 bytes"))?;
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// The text form, to be stored with mode 0600.
    pub fn to_text(&self) -> String {
        format!("{}{}\n", Self::PREFIX, B64.encode(self.0.to_bytes()))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// 32 secret bytes for another purpose (`context` names it), derived one way from this key:
    /// SHA-256 of the context, a zero byte and the seed. Knowing one derived secret tells
    /// nothing of the signing key or of another context's secret.
    pub fn derive(&self, context: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(context.as_bytes());
        h.update([0]);
        h.update(self.0.to_bytes());
        h.finalize().into()
    }
}

/// Keys trusted to sign, and how many distinct ones must.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    pub keys: Vec<PublicKey>,
    pub threshold: usize,
}

/// Signs `body` (which must be one line) as a note of `kind` with each key.
pub fn sign(kind: NoteKind, body: &[u8], keys: &[&SecretKey]) -> Vec<u8> {
    assert!(!body.contains(&b'\n'), "a note body is one line");
    let mut out = body.to_vec();
    out.push(b'\n');
    for key in keys {
        let sig = key.0.sign(&signed_message(kind, body));
        out.extend_from_slice(
            format!("sig {} {}\n", key.public().id(), B64.encode(sig.to_bytes())).as_bytes(),
        );
    }
    out
}

/// A signature line: the signer's key id and the signature.
pub type SignatureLine = (String, Signature);

/// Splits a note into its body and its signature lines, without verifying anything.
pub fn split(kind: NoteKind, note: &[u8]) -> Result<(&[u8], Vec<SignatureLine>), FormatError> {
    let what = kind.name();
    let newline = note
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| FormatError::malformed(what, "no signature lines"))?;
    let (body, rest) = (&note[..newline], &note[newline + 1..]);
    let rest = std::str::from_utf8(rest).map_err(|e| FormatError::malformed(what, e))?;
    let mut sigs = Vec::new();
    for line in rest.lines() {
        if sigs.len() == MAX_SIGNATURES {
            return Err(FormatError::malformed(what, "too many signature lines"));
        }
        let mut parts = line.split(' ');
        let (Some("sig"), Some(id), Some(b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(FormatError::malformed(what, "bad signature line"));
        };
        let bytes = B64
            .decode(b64)
            .map_err(|e| FormatError::malformed(what, e))?;
        let sig = Signature::from_slice(&bytes).map_err(|e| FormatError::malformed(what, e))?;
        sigs.push((id.to_string(), sig));
    }
    Ok((body, sigs))
}

/// Verifies a note against `trusted` and returns its body. Each trusted key counts once however
/// many lines carry its signature; lines from unknown keys are ignored.
pub fn verify<'a>(
    kind: NoteKind,
    note: &'a [u8],
    trusted: &KeySet,
) -> Result<&'a [u8], FormatError> {
    let (body, sigs) = split(kind, note)?;
    let valid = count_valid(kind, body, &sigs, trusted);
    if valid < trusted.threshold.max(1) {
        return Err(FormatError::BadSignature {
            what: kind.name().into(),
            valid,
            threshold: trusted.threshold.max(1),
        });
    }
    Ok(body)
}

/// How many distinct keys of `trusted` validly signed `body`.
pub fn count_valid(kind: NoteKind, body: &[u8], sigs: &[SignatureLine], trusted: &KeySet) -> usize {
    let message = signed_message(kind, body);
    let mut signers = BTreeSet::new();
    for (id, sig) in sigs {
        if let Some(key) = trusted.keys.iter().find(|k| &k.id() == id)
            && key.0.verify_strict(&message, sig).is_ok()
        {
            signers.insert(key.id());
        }
    }
    signers.len()
}

fn signed_message(kind: NoteKind, body: &[u8]) -> Vec<u8> {
    [kind.domain(), body].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &[&SecretKey], threshold: usize) -> KeySet {
        KeySet {
            keys: keys.iter().map(|k| k.public()).collect(),
            threshold,
        }
    }

    #[test]
    fn keys_round_trip_through_their_text_form() {
        let key = SecretKey::generate();
        let again = SecretKey::parse(&key.to_text()).unwrap();
        assert_eq!(again.public(), key.public());
        assert_eq!(
            PublicKey::parse(&key.public().to_string()).unwrap(),
            key.public()
        );
        assert!(PublicKey::parse("ed25519:AAAA").is_err());
    }

    #[test]
    fn a_note_verifies_only_with_the_right_key_and_kind() {
        let key = SecretKey::generate();
        let other = SecretKey::generate();
        let note = sign(NoteKind::Head, br#"{"v":1}"#, &[&key]);
        assert_eq!(
            verify(NoteKind::Head, &note, &set(&[&key], 1)).unwrap(),
            br#"{"v":1}"#
        );
        assert!(verify(NoteKind::Head, &note, &set(&[&other], 1)).is_err());
        assert!(verify(NoteKind::Mirrors, &note, &set(&[&key], 1)).is_err());
    }

    #[test]
    fn an_altered_body_fails() {
        let key = SecretKey::generate();
        let mut note = sign(NoteKind::Head, br#"{"v":1}"#, &[&key]);
        note[5] = b'2';
        assert!(matches!(
            verify(NoteKind::Head, &note, &set(&[&key], 1)),
            Err(FormatError::BadSignature { valid: 0, .. })
        ));
    }

    #[test]
    fn a_duplicated_signature_line_counts_once() {
        let a = SecretKey::generate();
        let b = SecretKey::generate();
        let note = sign(NoteKind::Root, b"{}", &[&a, &a]);
        assert!(matches!(
            verify(NoteKind::Root, &note, &set(&[&a, &b], 2)),
            Err(FormatError::BadSignature {
                valid: 1,
                threshold: 2,
                ..
            })
        ));
        let both = sign(NoteKind::Root, b"{}", &[&a, &b]);
        assert!(verify(NoteKind::Root, &both, &set(&[&a, &b], 2)).is_ok());
    }
}
