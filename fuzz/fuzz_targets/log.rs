//! A log file, as its gzip bytes and as the lines it holds, read from the genesis tip: entries
//! come in sequence, and nothing past the file's pinned raw length is read.
#![no_main]

use article_sync_core::format::codec::{GENESIS_TIP, gzip, sha256_hex};
use article_sync_core::format::head::LogFileRef;
use article_sync_core::format::log::{LogReader, check_pinned};
use libfuzzer_sys::fuzz_target;

fn read(bytes: &[u8]) {
    let file = LogFileRef {
        level: 0,
        first: 1,
        last: 64,
        tip_before: "0".repeat(64),
        tip_after: sha256_hex(b""),
        hash: sha256_hex(bytes),
        len: bytes.len() as u64,
        raw_len: 1 << 20,
    };
    let _ = check_pinned("log", bytes, &file.hash, file.len);
    let Ok(mut reader) = LogReader::new(&file, bytes, 0, GENESIS_TIP) else {
        return;
    };
    let mut last = 0;
    while let Ok(Some((entry, _tip))) = reader.next_entry() {
        assert!(entry.seq > last);
        last = entry.seq;
    }
}

fuzz_target!(|data: &[u8]| {
    read(data);
    read(&gzip(data));
});
