//! A snapshot part of each kind, as its gzip bytes and as the lines it holds.
#![no_main]

use article_sync_core::format::codec::{gzip, sha256_hex};
use article_sync_core::format::head::{PartKind, PartRef};
use article_sync_core::format::snapshot::PartReader;
use libfuzzer_sys::fuzz_target;

fn read(kind: PartKind, bytes: &[u8]) {
    let part = PartRef {
        kind,
        hash: sha256_hex(bytes),
        len: bytes.len() as u64,
        raw_len: 1 << 20,
        items: 8,
    };
    let mut reader = PartReader::new(&part, bytes);
    while let Ok(Some(_item)) = reader.next_item() {}
}

fuzz_target!(|data: &[u8]| {
    let compressed = gzip(data);
    for kind in [PartKind::Headlines, PartKind::Articles, PartKind::Comments] {
        read(kind, data);
        read(kind, &compressed);
    }
});
