//! Signed notes of every kind (split and verified) and the key text forms.
#![no_main]

use article_sync_core::format::note::{self, NoteKind, PublicKey, SecretKey};
use article_sync_fuzz::keys;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trusted = keys();
    for kind in [NoteKind::Head, NoteKind::Root, NoteKind::Mirrors] {
        if let Ok((body, sigs)) = note::split(kind, data) {
            assert!(note::count_valid(kind, body, &sigs, &trusted) <= 1);
        }
        let _ = note::verify(kind, data, &trusted);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = PublicKey::parse(text) {
            assert_eq!(PublicKey::parse(&key.to_string()).unwrap(), key);
        }
        let _ = SecretKey::parse(text);
    }
});
