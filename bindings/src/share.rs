//! What the "Share" screen shows beside `Reader.startSharing`'s URL.

/// The QR code of `url` (the URL `startSharing` returned) as an SVG image, for the "Share"
/// screen; another reader scans it and adds the URL as a mirror.
#[uniffi::export]
pub fn qr_svg(url: String) -> String {
    article_sync_core::share::serve::qr_svg(&url)
}

/// A short, readable fingerprint of a publisher key (`ed25519:…`), as the sharing landing
/// page shows it, so two readers can compare the key their apps pin.
#[uniffi::export]
pub fn key_fingerprint(key: String) -> String {
    article_sync_core::share::serve::fingerprint(&key)
}
