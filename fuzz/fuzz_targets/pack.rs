//! Format 3's packing: any bytes unpack to valid UTF-8 or a typed error, never a panic; any
//! text packs and unpacks to itself; a packed file decodes within its cap.
#![no_main]

use std::io::Read;

use article_sync_core::format::codec::{Codec, FileUse, PACKED_MARK, decompress_capped};
use article_sync_core::format::pack::{Unpack, pack};
use libfuzzer_sys::fuzz_target;

const CAP: u64 = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    if Unpack::new(data).read_to_end(&mut out).is_ok() {
        assert!(std::str::from_utf8(&out).is_ok());
    }
    let text = String::from_utf8_lossy(data);
    let mut back = Vec::new();
    Unpack::new(&pack(&text)[..])
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, text.as_bytes());
    let file = Codec::ZstdPacked.compress(text.as_bytes(), FileUse::Log);
    assert_eq!(
        decompress_capped("fuzz", &file, u64::MAX).unwrap(),
        text.as_bytes()
    );
    let hostile = [&PACKED_MARK[..], data].concat();
    if let Ok(plain) = decompress_capped("fuzz", &hostile, CAP) {
        assert!(plain.len() as u64 <= CAP);
    }
});
