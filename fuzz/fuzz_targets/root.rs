//! A root rotation as fetched, and any first line signed with the pinned key.
#![no_main]

use article_sync_core::format::note::NoteKind;
use article_sync_fuzz::{pinned_root, signed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = pinned_root();
    let _ = root.advance(data);
    if let Ok(next) = root.advance(&signed(NoteKind::Root, data)) {
        assert_eq!(next.version, 1);
        assert!(next.keys.threshold >= 1 && next.keys.threshold <= next.keys.keys.len());
    }
});
