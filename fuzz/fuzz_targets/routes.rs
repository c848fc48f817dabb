//! Route URLs from every source, a mirror list's URLs (one a line) and tree paths: what is
//! accepted is an http(s) or file base URL ending in `/`, and parses again to itself.
#![no_main]

use article_sync_core::format::layout::{self, TreePath};
use article_sync_core::net::{Route, RouteSet, RouteSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for source in [
        RouteSource::Main,
        RouteSource::BuiltIn,
        RouteSource::MirrorList,
        RouteSource::User,
    ] {
        if let Ok(route) = Route::parse(text, source) {
            let url = route.url().as_str();
            assert!(url.ends_with('/'), "{url}");
            assert!(
                matches!(route.url().scheme(), "http" | "https" | "file"),
                "{url}"
            );
            assert_eq!(Route::parse(url, source).unwrap().url(), route.url());
        }
    }
    let mut routes = RouteSet::new("https://main.example/", &[]).expect("the main route parses");
    routes.set_mirror_list(&text.lines().map(str::to_string).collect::<Vec<_>>());
    for entry in routes.entries() {
        assert!(matches!(entry.route.url().scheme(), "http" | "https"));
    }
    if let Ok(path) = TreePath::parse(text) {
        let _ = path.is_immutable();
        let _ = path.content_hash();
    }
    let _ = layout::media(text, text);
});
