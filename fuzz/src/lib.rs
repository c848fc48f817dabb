//! What the fuzz targets share: a fixed publisher key, so that a target can sign whatever it was
//! given (as a thief of the key could) and reach the parsers behind the signature check.

use std::sync::LazyLock;

use article_sync_core::format::note::{self, KeySet, NoteKind, SecretKey};
use article_sync_core::format::root::TrustedRoot;

/// The fuzzing publisher's key (seed 32 × 7); its public key, in the seed corpora, is
/// `ed25519:6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw=`.
pub static KEY: LazyLock<SecretKey> = LazyLock::new(|| {
    SecretKey::parse("ed25519-secret:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=")
        .expect("the fuzzing key parses")
});

/// Root version 0 pinning [`KEY`].
pub fn pinned_root() -> TrustedRoot {
    TrustedRoot::pinned(vec![KEY.public()])
}

/// [`KEY`] alone, threshold 1.
pub fn keys() -> KeySet {
    pinned_root().keys
}

/// `data`'s first line signed with [`KEY`] as a note of `kind`.
pub fn signed(kind: NoteKind, data: &[u8]) -> Vec<u8> {
    let body = data.split(|&b| b == b'\n').next().unwrap_or_default();
    note::sign(kind, body, &[&KEY])
}
