//! The shared decoders: capped decompression, compressed lines, the JSON depth check and parsing.
#![no_main]

use article_sync_core::format::codec::{Lines, check_depth, decompress_capped, gzip, parse_json};
use libfuzzer_sys::fuzz_target;

const CAP: u64 = 1 << 16;

fuzz_target!(|data: &[u8]| {
    if let Ok(plain) = decompress_capped("fuzz", data, CAP) {
        assert!(plain.len() as u64 <= CAP);
    }
    assert_eq!(
        decompress_capped("fuzz", &gzip(data), u64::MAX).unwrap(),
        data
    );
    let mut lines = Lines::new("fuzz", data, CAP);
    while let Ok(Some(_line)) = lines.next_line() {}
    assert!(lines.bytes_read() <= CAP);
    let _ = check_depth("fuzz", data, 16);
    let _ = parse_json::<serde_json::Value>("fuzz", data);
});
