//! Feed import (RSS 2.0, Atom, JSON Feed) as `publish --from-feed` reads it.
#![no_main]

use std::path::Path;

use article_sync_core::publish::source::read_feed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_feed(Path::new("fuzz.xml"), data, "fa");
});
