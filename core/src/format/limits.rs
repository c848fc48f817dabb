//! Size caps. Every file fetched from a route is read through one of these, before and after
//! decompression, so a hostile mirror cannot exhaust memory, disk or time.

/// `head`: target 16 KiB, hard cap 64 KiB.
pub const HEAD_MAX: u64 = 64 * 1024;
/// A root metadata file.
pub const ROOT_MAX: u64 = 64 * 1024;
/// A signed mirror list.
pub const MIRRORS_MAX: u64 = 64 * 1024;
/// One log file or snapshot part, compressed and decompressed.
pub const FILE_MAX: u64 = 256 * 1024 * 1024;
/// One line (one entry) of a log file or snapshot part, decompressed.
pub const LINE_MAX: usize = 2 * 1024 * 1024;
/// An article's body HTML as published.
pub const BODY_MAX: usize = 512 * 1024;
/// One media file.
pub const MEDIA_MAX: u64 = 16 * 1024 * 1024;
/// A snapshot's part list.
pub const PART_LIST_MAX: u64 = 1024 * 1024;
/// Parts in one snapshot (a few MiB each).
pub const PARTS_MAX: usize = 4096;
/// Log files listed in one head.
pub const HEAD_FILES_MAX: usize = 128;
/// Mirrors in one signed list.
pub const MIRRORS_COUNT_MAX: usize = 64;
/// Comment envelopes one exported tree carries, and a reader keeps for others, at most.
pub const CARRIED_MAX: usize = 100;
/// The `outbox/index` of an export: one 64-digit hash and a newline per carried envelope.
pub const CARRIED_INDEX_MAX: u64 = CARRIED_MAX as u64 * 65;
/// Largest sealed comment envelope, in bytes (the longest valid comment is about 17 KB).
pub const ENVELOPE_MAX: usize = 32 * 1024;
/// How deep JSON may nest in any fetched file (our documents need 4).
pub const JSON_DEPTH_MAX: usize = 16;

/// Media types the tree may hold, with the extension used in `media/<hash>.<ext>`.
pub const MEDIA_TYPES: &[(&str, &str)] = &[
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
    ("image/avif", "avif"),
];

/// The extension for a media type, if it is allowed.
pub fn media_extension(mime: &str) -> Option<&'static str> {
    MEDIA_TYPES
        .iter()
        .find(|(m, _)| *m == mime)
        .map(|(_, e)| *e)
}

/// The media type for a file extension (case-insensitive), if it is allowed.
pub fn media_type_for_extension(ext: &str) -> Option<&'static str> {
    let ext = ext.to_ascii_lowercase();
    let ext = if ext == "jpeg" {
        "jpg".to_string()
    } else {
        ext
    };
    MEDIA_TYPES.iter().find(|(_, e)| *e == ext).map(|(m, _)| *m)
}
