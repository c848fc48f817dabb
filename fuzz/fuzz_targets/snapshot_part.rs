//! A snapshot part of each kind, as its gzip bytes and as the lines it holds, read as format 3
//! and as format 4; every body read is spliced with a summary (format 4's cut).
#![no_main]

use article_sync_core::format::codec::{gzip, sha256_hex};
use article_sync_core::format::head::{PartKind, PartRef, TreeFormat};
use article_sync_core::format::snapshot::{PartItem, PartReader};
use libfuzzer_sys::fuzz_target;

/// A summary with two-byte letters and a three-byte ellipsis, for cuts inside a character.
const SUMMARY: &str = "خبر کوتاه درباره‌ی سه‌شنبه…";

fn read(kind: PartKind, bytes: &[u8], format: TreeFormat) {
    let part = PartRef {
        kind,
        hash: sha256_hex(bytes),
        len: bytes.len() as u64,
        raw_len: 1 << 20,
        items: 8,
    };
    let mut reader = PartReader::new(&part, bytes, format);
    while let Ok(Some(item)) = reader.next_item() {
        if let PartItem::Body(b) = item {
            assert!(format.cuts_summaries() || !b.is_cut());
            if let Ok(html) = b.spliced_html(SUMMARY) {
                let cut = b.summary_len.unwrap_or(0) as usize;
                assert_eq!(html.len(), b.body_html.len() + cut);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let compressed = gzip(data);
    for kind in [
        PartKind::Headlines,
        PartKind::Articles,
        PartKind::Bodies,
        PartKind::Comments,
    ] {
        for format in [TreeFormat::V3, TreeFormat::V4] {
            read(kind, data, format);
            read(kind, &compressed, format);
        }
    }
});
