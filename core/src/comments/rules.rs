//! The rules a reader's comment must meet, in one place: the app checks them before it queues
//! a comment, and whatever receives comments checks the same ones.
//!
//! - Both fields are plain text: never HTML (links stay text); control characters other than
//!   line breaks and tabs in the text are removed; the author is one line.
//! - Unicode NFC, with ZWNJ (U+200C) and ZWJ kept: Persian words are spelled with them.
//! - Leading and trailing white space is dropped; a field of only white space and zero-width or
//!   direction marks is empty. The author must have 1 to [`AUTHOR_MAX_CHARS`] characters and the
//!   text 1 to [`TEXT_MAX_CHARS`].

use icu_normalizer::ComposingNormalizerBorrowed;

/// Longest author name, in characters (Unicode scalar values) after normalising.
pub const AUTHOR_MAX_CHARS: usize = 64;
/// Longest comment text, in characters after normalising.
pub const TEXT_MAX_CHARS: usize = 4_000;

/// A comment field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentField {
    Author,
    Text,
}

impl CommentField {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentField::Author => "author",
            CommentField::Text => "text",
        }
    }
}

/// Why a comment field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", field.as_str())]
pub struct CommentError {
    pub field: CommentField,
    pub reason: String,
}

/// A comment that meets the rules: normalised author and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidComment {
    pub author: String,
    pub text: String,
}

/// Normalises and checks both fields (see the module's rules).
pub fn validate(author: &str, text: &str) -> Result<ValidComment, CommentError> {
    let author = field(CommentField::Author, author, AUTHOR_MAX_CHARS)?;
    if author.contains(['\n', '\r', '\t']) {
        return Err(CommentError {
            field: CommentField::Author,
            reason: "must be one line".into(),
        });
    }
    let text = field(CommentField::Text, text, TEXT_MAX_CHARS)?;
    Ok(ValidComment { author, text })
}

fn field(field: CommentField, raw: &str, max: usize) -> Result<String, CommentError> {
    let kept: String = raw
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .collect();
    let normal = ComposingNormalizerBorrowed::new_nfc().normalize(&kept);
    let value = normal.trim();
    if value.chars().all(invisible) {
        return Err(CommentError {
            field,
            reason: "must not be empty".into(),
        });
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(CommentError {
            field,
            reason: format!("must be at most {max} characters, got {chars}"),
        });
    }
    Ok(value.to_owned())
}

/// White space and the zero-width and direction marks: a field of only these is empty.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persian_text_keeps_its_zwnj_and_is_composed() {
        // "می‌شود" with ZWNJ; "é" typed as e + combining acute.
        let c = validate("  کارو ", "می\u{200C}شود cafe\u{301}\u{7}").unwrap();
        assert_eq!(c.author, "کارو");
        assert_eq!(c.text, "می\u{200C}شود café");
    }

    #[test]
    fn each_limit_names_its_field() {
        let long_author = "ک".repeat(AUTHOR_MAX_CHARS + 1);
        let long_text = "ن".repeat(TEXT_MAX_CHARS + 1);
        let cases = [
            (" ", "نظر", CommentField::Author),
            (long_author.as_str(), "نظر", CommentField::Author),
            ("a\nb", "نظر", CommentField::Author),
            ("کارو", "\u{200B}\n ", CommentField::Text),
            ("کارو", long_text.as_str(), CommentField::Text),
        ];
        for (author, text, field) in cases {
            let err = validate(author, text).unwrap_err();
            assert_eq!(err.field, field, "{author:?} {text:?}: {err}");
        }
        // At the limits exactly, both are accepted.
        let author = "ک".repeat(AUTHOR_MAX_CHARS);
        let text = "ن".repeat(TEXT_MAX_CHARS);
        assert!(validate(&author, &text).is_ok());
    }
}
