//! What the "Share" screen shows beside `Reader.startSharing`'s URL.

use crate::ArticleSyncError;

/// The longest text `qrModules` encodes: a sharing URL is short; a QR code holds at most
/// 2,953 bytes.
const QR_TEXT_MAX: usize = 1024;

/// The QR code of `url` (the URL `startSharing` returned) as an SVG image, for the "Share"
/// screen; another reader scans it and adds the URL as a mirror.
#[uniffi::export]
pub fn qr_svg(url: String) -> String {
    article_sync_core::share::serve::qr_svg(&url)
}

/// A QR code as a square of modules, for apps that draw it themselves (a Compose or SwiftUI
/// canvas: neither renders SVG without a library).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QrCode {
    /// Modules per side (no quiet zone: leave four modules of background around it).
    pub size: u32,
    /// `size * size` modules, row by row from the top left; `true` is dark.
    pub dark: Vec<bool>,
}

/// The QR code of `url` as modules, to draw on a canvas. Throws `BadArgument` for an empty
/// text or one longer than 1,024 bytes.
#[uniffi::export]
pub fn qr_modules(url: String) -> Result<QrCode, ArticleSyncError> {
    let bad = |reason: &str| ArticleSyncError::BadArgument {
        name: "url".into(),
        reason: reason.into(),
    };
    if url.is_empty() || url.len() > QR_TEXT_MAX {
        return Err(bad("must be 1 to 1024 bytes"));
    }
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| bad(&e.to_string()))?;
    let size = u32::try_from(code.width()).map_err(|e| bad(&e.to_string()))?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(QrCode { size, dark })
}

/// A short, readable fingerprint of a publisher key (`ed25519:…`), as the sharing landing
/// page shows it, so two readers can compare the key their apps pin.
#[uniffi::export]
pub fn key_fingerprint(key: String) -> String {
    article_sync_core::share::serve::fingerprint(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_gives_a_square_with_finder_patterns() {
        let code = qr_modules("http://192.168.43.1:8080/".into()).expect("encodes");
        let n = code.size as usize;
        assert!(
            n >= 21 && (n - 17).is_multiple_of(4),
            "a QR version's size, got {n}"
        );
        assert_eq!(code.dark.len(), n * n);
        let at = |x: usize, y: usize| code.dark[y * n + x];
        // The three finder patterns: a dark 7x7 ring with a light ring inside, at three corners.
        for (x0, y0) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            assert!((0..7).all(|i| at(x0 + i, y0) && at(x0, y0 + i)));
            assert!(!at(x0 + 1, y0 + 1) && at(x0 + 3, y0 + 3));
        }
        assert!(
            !at(n - 1, n - 1) || !at(n - 2, n - 2),
            "no finder at the bottom right"
        );
    }

    #[test]
    fn an_empty_or_huge_text_is_a_bad_argument() {
        for bad in [String::new(), "x".repeat(QR_TEXT_MAX + 1)] {
            assert!(matches!(
                qr_modules(bad),
                Err(ArticleSyncError::BadArgument { .. })
            ));
        }
    }
}
