//! The signed mirror list as fetched, and any first line signed with the pinned key: what
//! verifies holds only http(s) URLs with a host.
#![no_main]

use article_sync_core::format::mirrors::MirrorList;
use article_sync_core::format::note::NoteKind;
use article_sync_fuzz::{keys, signed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keys = keys();
    let _ = MirrorList::verify(data, &keys);
    if let Ok(list) = MirrorList::verify(&signed(NoteKind::Mirrors, data), &keys) {
        for mirror in &list.mirrors {
            let url = url::Url::parse(mirror).expect("a kept mirror is a URL");
            assert!(matches!(url.scheme(), "http" | "https") && url.host().is_some());
        }
    }
});
