//! A head as fetched (parsed before and after its signature check) and any first line signed
//! with the pinned key: a verified head signs and verifies back to itself.
#![no_main]

use article_sync_core::format::head::Head;
use article_sync_core::format::note::NoteKind;
use article_sync_fuzz::{KEY, pinned_root, signed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = pinned_root();
    let _ = Head::peek_root_version(data);
    let _ = Head::verify(data, &root);
    if let Ok(head) = Head::verify(&signed(NoteKind::Head, data), &root) {
        let _ = head.is_expired(i64::MAX);
        let _ = head.snapshot.as_ref().map(|s| s.bytes());
        let again = Head::verify(&head.sign(&[&KEY]), &root).expect("a verified head re-signs");
        assert_eq!(again, head);
    }
});
