//! Publisher keys as the app receives them (config, QR code, a message).

use article_sync_core::format::note::PublicKey;

use crate::ArticleSyncError;

/// Checks a publisher public key in its one-line text form (`ed25519:<base64>`) and returns its
/// key id (16 hex digits), the short name under which signatures name the key.
///
/// Throws `ArticleSyncError.Invalid` when the text is not a usable ed25519 public key.
#[uniffi::export]
pub fn verify_public_key(text: String) -> Result<String, ArticleSyncError> {
    Ok(PublicKey::parse(&text)?.id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use article_sync_core::format::note::SecretKey;

    #[test]
    fn a_good_key_gives_its_id() {
        let public = SecretKey::generate().public();
        let id = verify_public_key(public.to_string()).expect("valid key");
        assert_eq!(id, public.id());
        assert_eq!(id.len(), 16);
    }

    #[test]
    fn a_bad_key_is_invalid() {
        for bad in ["", "ed25519:", "ed25519:AAAA", "rsa:AAAA", "ed25519:!!!"] {
            match verify_public_key(bad.to_owned()) {
                Err(ArticleSyncError::Invalid { what, .. }) => assert_eq!(what, "public key"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }
}
