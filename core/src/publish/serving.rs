//! How each file of a tree is served: its `Content-Type` and `Cache-Control`, the one table
//! that `serve` and every upload target use.
//!
//! Every signed-data file but `head` is immutable (content-addressed or versioned): cached for a
//! year. `head` and the website's pages change in place: cached for a minute, so a CDN in front
//! of a mirror passes a new head on quickly. Logs and snapshot parts are sent as the gzip or zstd
//! files they are (by their magic bytes), not with `Content-Encoding`: clients hash the exact
//! bytes.

use crate::format::codec::Codec;
use crate::format::layout::TreePath;
use crate::format::limits::media_type_for_extension;

use super::site;

/// `Cache-Control` of files that never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of `head` and of the website's pages.
pub const ONE_MINUTE: &str = "public, max-age=60";

/// The headers a file of the tree is served with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeaders {
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

/// The headers of `path` (relative to the tree) holding `bytes`, or `None` when it is no file
/// of a tree.
pub fn headers(path: &str, bytes: &[u8]) -> Option<FileHeaders> {
    match TreePath::parse(path) {
        Ok(p) => Some(data_headers(&p, bytes)),
        Err(_) => site_headers(path),
    }
}

/// The headers of a file of the signed data holding `bytes`.
pub fn data_headers(path: &TreePath, bytes: &[u8]) -> FileHeaders {
    let content_type = match path {
        TreePath::Head | TreePath::ArchivedHead(_) | TreePath::Root(_) => {
            "text/plain; charset=utf-8"
        }
        TreePath::Log(_) | TreePath::Snapshot(_) => Codec::of(bytes).media_type(),
        TreePath::PartList(_) => "application/json",
        TreePath::Mirrors(_) => "text/plain; charset=utf-8",
        TreePath::Media { ext, .. } => {
            media_type_for_extension(ext).unwrap_or("application/octet-stream")
        }
        TreePath::OutboxIndex => "text/plain; charset=utf-8",
        TreePath::Envelope(_) => "application/octet-stream",
    };
    FileHeaders {
        content_type,
        cache_control: if path.is_immutable() {
            IMMUTABLE
        } else {
            ONE_MINUTE
        },
    }
}

/// The headers of a page of the website, or `None` when `path` is none of its files.
pub fn site_headers(path: &str) -> Option<FileHeaders> {
    if !site::is_site_path(path) {
        return None;
    }
    let content_type = if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/html; charset=utf-8"
    };
    Some(FileHeaders {
        content_type,
        cache_control: ONE_MINUTE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::layout;

    #[test]
    fn logs_and_snapshot_parts_are_served_as_the_codec_they_are() {
        let path = layout::log(&"a".repeat(64));
        for codec in [Codec::Gzip, Codec::Zstd, Codec::ZstdPacked] {
            let bytes = codec.compress(b"{}", crate::format::codec::FileUse::Log);
            assert_eq!(Codec::of(&bytes), codec);
            let served = headers(&path, &bytes).unwrap();
            assert_eq!(served.content_type, codec.media_type(), "{codec:?}");
        }
    }

    #[test]
    fn only_head_and_the_website_change_in_place() {
        let h = "a".repeat(64);
        for (path, content_type, cache) in [
            (
                layout::HEAD.to_string(),
                "text/plain; charset=utf-8",
                ONE_MINUTE,
            ),
            (
                layout::archived_head(3),
                "text/plain; charset=utf-8",
                IMMUTABLE,
            ),
            (layout::root(1), "text/plain; charset=utf-8", IMMUTABLE),
            (layout::log(&h), "application/zstd", IMMUTABLE),
            (layout::snapshot(&h), "application/zstd", IMMUTABLE),
            (layout::part_list(&h), "application/json", IMMUTABLE),
            (layout::mirrors(&h), "text/plain; charset=utf-8", IMMUTABLE),
            (
                layout::media(&h, "image/webp").unwrap(),
                "image/webp",
                IMMUTABLE,
            ),
            (
                site::INDEX.to_string(),
                "text/html; charset=utf-8",
                ONE_MINUTE,
            ),
            (
                site::article_page("a1"),
                "text/html; charset=utf-8",
                ONE_MINUTE,
            ),
            (
                site::STYLE.to_string(),
                "text/css; charset=utf-8",
                ONE_MINUTE,
            ),
        ] {
            let bytes = Codec::Zstd.compress(b"x", crate::format::codec::FileUse::Log);
            assert_eq!(
                headers(&path, &bytes),
                Some(FileHeaders {
                    content_type,
                    cache_control: cache
                }),
                "{path}"
            );
        }
        for bad in ["../index.html", "site/x.js", "index", ""] {
            assert_eq!(headers(bad, b""), None, "{bad}");
        }
    }
}
