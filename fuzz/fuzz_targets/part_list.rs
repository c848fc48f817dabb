//! A snapshot's part list, checked against a head's reference that adds up to what it lists
//! (as an honest head's would) and against one that does not.
#![no_main]

use article_sync_core::format::codec::{is_hash_hex, sha256_hex};
use article_sync_core::format::head::{PartListRef, TreeFormat};
use article_sync_core::format::snapshot::{PartList, PartReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut list = PartListRef {
        hash: sha256_hex(data),
        len: data.len() as u64,
        parts: 2,
        bytes: 0,
    };
    let _ = PartList::parse(data, &list);
    let Ok(claimed) = serde_json::from_slice::<PartList>(data) else {
        return;
    };
    list.parts = claimed.parts.len() as u64;
    list.bytes = claimed
        .parts
        .iter()
        .fold(0u64, |sum, p| sum.wrapping_add(p.len));
    if let Ok(parts) = PartList::parse(data, &list) {
        for part in &parts {
            assert!(is_hash_hex(&part.hash));
            let mut reader = PartReader::new(part, &[], TreeFormat::CURRENT);
            assert!(reader.next_item().is_err() || part.items == 0);
        }
    }
});
