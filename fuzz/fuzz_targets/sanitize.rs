//! The sanitiser and the HTML-to-text conversion, on any text a signed body may hold.
#![no_main]

use article_sync_core::content::{html_to_text, plain_text, sanitize_html};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else {
        return;
    };
    let _ = html_to_text(&sanitize_html(html));
    let _ = html_to_text(html);
    let _ = plain_text(html);
});
