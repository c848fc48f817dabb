//! The Persian/Arabic search normaliser, applied to indexed text and to queries alike.
//!
//! Pure functions, no I/O. Every input character maps to zero or one folded character (then
//! lower-cased), so a normalised word can always be traced back to its original text.
//!
//! Decisions:
//! - Removed: ZWNJ U+200C, ZWJ U+200D, ZWSP U+200B, word joiner U+2060, BOM U+FEFF, soft hyphen
//!   U+00AD, bidi marks (U+200E/F, U+061C, U+202A–E, U+2066–9), tatweel U+0640, Arabic and
//!   Persian diacritics (U+0610–061A, U+064B–065F, U+0670, U+06D6–06DC, U+06DF–06E4, U+06E7–06E8,
//!   U+06EA–06ED). So `نمی‌شود` = `نمیشود` and `گفت‌وگو` = `گفتوگو`.
//! - Arabic letter variants fold to the Persian ones: ي ى → ی, ك → ک, ة ۀ → ه, أ إ آ ٱ → ا
//!   (readers type `امریکا` for `آمریکا`), ؤ → و, ئ → ی.
//! - Persian ۰–۹ and Arabic-Indic ٠–٩ digits fold to Latin 0–9.
//! - Accented Latin letters fold to their base letter (`é` → `e`, `ǖ` → `u`).
//! - Everything is lower-cased.
//!
//! The index receives [`index_text`]: the normalised words separated by single spaces, so that
//! FTS5's plain `ascii` tokenizer (which splits at ASCII spaces and punctuation only) sees exactly
//! the words of [`words`], and no Unicode table is consulted twice.

use std::ops::ControlFlow;
use std::sync::LazyLock;

use icu_normalizer::properties::{CanonicalDecompositionBorrowed, Decomposed};

/// The folded form of one character, or `None` if it is dropped.
pub fn fold_char(c: char) -> Option<char> {
    Some(match c {
        '\u{200B}'..='\u{200F}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{061C}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{0640}'
        | '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}'
        | '\u{06E7}'..='\u{06E8}'
        | '\u{06EA}'..='\u{06ED}' => return None,
        'ي' | 'ى' | 'ئ' => 'ی',
        'ك' => 'ک',
        'ة' | 'ۀ' => 'ه',
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ؤ' => 'و',
        '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
        '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
        '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => latin_base(c),
        c => c,
    })
}

/// The base letter of an accented Latin letter: the first character of its full canonical
/// decomposition (`ǖ` → `ü` + macron → `u` + diaeresis + macron).
fn latin_base(mut c: char) -> char {
    const DECOMPOSE: CanonicalDecompositionBorrowed<'static> =
        CanonicalDecompositionBorrowed::new();
    loop {
        match DECOMPOSE.decompose(c) {
            Decomposed::Default => return c,
            Decomposed::Singleton(base) | Decomposed::Expansion(base, _) => c = base,
        }
    }
}

/// Whether a folded character belongs to a word: `char::is_alphanumeric`, answered from a table
/// for ASCII and the Arabic block (Unicode's general lookup dominated indexing time).
fn is_word_char(c: char) -> bool {
    static ARABIC: LazyLock<[bool; 256]> = LazyLock::new(|| {
        std::array::from_fn(|i| char::from_u32(0x600 + i as u32).is_some_and(char::is_alphanumeric))
    });
    match c as u32 {
        0..0x80 => c.is_ascii_alphanumeric(),
        0x600..0x700 => ARABIC[c as usize - 0x600],
        _ => c.is_alphanumeric(),
    }
}

/// Appends the lower case of a folded character; ASCII and Arabic script take the fast path.
fn push_lower(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if ('\u{0600}'..='\u{06FF}').contains(&c) {
        out.push(c); // Arabic script has no case
    } else {
        out.extend(c.to_lowercase());
    }
}

/// What the search index stores for `text`: the `norm` of each of its [`words`], separated by
/// one ASCII space (computed in one pass, without the words' byte ranges).
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().filter_map(fold_char) {
        if is_word_char(c) {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            push_lower(&mut out, c);
        } else {
            gap = true;
        }
    }
    out
}

/// A word of some original text: its byte range there and its normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub norm: String,
}

/// Splits `text` into words the way the index sees them: runs of letters and digits after
/// folding; dropped characters (joiners, diacritics) neither split nor end a word.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for_each_word(text, |start, end, norm| {
        out.push(Word {
            start,
            end,
            norm: norm.to_owned(),
        });
        ControlFlow::Continue(())
    });
    out
}

/// Calls `f(start, end, norm)` for each word of [`words`], in order, without allocating per
/// word (`norm` lives in one reused buffer), until `f` breaks. A word ends at its last kept
/// character: a trailing joiner or mark belongs to no word.
pub fn for_each_word(text: &str, mut f: impl FnMut(usize, usize, &str) -> ControlFlow<()>) {
    let mut norm = String::new();
    let mut span: Option<(usize, usize)> = None;
    for (i, c) in text.char_indices() {
        let Some(folded) = fold_char(c) else {
            continue;
        };
        if is_word_char(folded) {
            let (start, _) = *span.get_or_insert((i, i));
            span = Some((start, i + c.len_utf8()));
            push_lower(&mut norm, folded);
        } else if let Some((start, end)) = span.take() {
            if f(start, end, &norm).is_break() {
                return;
            }
            norm.clear();
        }
    }
    if let Some((start, end)) = span {
        let _ = f(start, end, &norm);
    }
}

/// The normalised tokens of a user's query.
pub fn query_tokens(query: &str) -> Vec<String> {
    words(query).into_iter().map(|w| w.norm).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zwnj_and_its_absence_normalise_alike() {
        assert_eq!(index_text("نمی‌شود"), index_text("نمیشود"));
        assert_eq!(index_text("گفت‌وگو"), "گفتوگو");
        assert_eq!(index_text("سه‌شنبه"), "سهشنبه");
        assert_eq!(index_text("a\u{200D}b\u{200B}c\u{FEFF}"), "abc");
    }

    #[test]
    fn arabic_letter_variants_fold_to_persian() {
        assert_eq!(index_text("علي"), "علی");
        assert_eq!(index_text("كتاب"), "کتاب");
        assert_eq!(index_text("مدرسة"), "مدرسه");
        assert_eq!(index_text("آمریکا"), index_text("امریکا"));
        assert_eq!(index_text("إيران"), "ایران");
        assert_eq!(index_text("مسؤول"), "مسوول");
    }

    #[test]
    fn diacritics_and_tatweel_are_removed() {
        assert_eq!(index_text("مُحَمَّد"), "محمد");
        assert_eq!(index_text("كـــتاب"), "کتاب");
        assert_eq!(index_text("رحمٰن"), "رحمن");
    }

    #[test]
    fn persian_arabic_and_latin_digits_are_equal() {
        assert_eq!(index_text("۱۷"), "17");
        assert_eq!(index_text("١٧"), "17");
        assert_eq!(index_text("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
        assert_eq!(index_text("٠١٢٣٤٥٦٧٨٩"), "0123456789");
    }

    #[test]
    fn latin_is_lower_cased_and_its_accents_fold() {
        assert_eq!(index_text("Helsinki"), "helsinki");
        assert_eq!(index_text("Café Ǖber Ångström"), "cafe uber angstrom");
    }

    #[test]
    fn the_index_text_is_the_words_joined_by_spaces() {
        let text = "«شامگاه» سه‌شنبه، ۱۷ ژوئیه/ ۲۶ تیر — Café-Bar!";
        let joined: Vec<String> = words(text).into_iter().map(|w| w.norm).collect();
        assert_eq!(index_text(text), joined.join(" "));
        assert_eq!(index_text(text), "شامگاه سهشنبه 17 ژوییه 26 تیر cafe bar");
        assert_eq!(index_text(" ،؛ "), "");
    }

    #[test]
    fn words_keep_their_original_ranges() {
        let text = "شامگاه سه‌شنبه ۱۷ ژوئیه/ ۲۶ تیر";
        let ws = words(text);
        let norms: Vec<&str> = ws.iter().map(|w| w.norm.as_str()).collect();
        assert_eq!(norms, ["شامگاه", "سهشنبه", "17", "ژوییه", "26", "تیر"]);
        assert_eq!(&text[ws[1].start..ws[1].end], "سه‌شنبه");
        assert_eq!(&text[ws[2].start..ws[2].end], "۱۷");
    }

    #[test]
    fn query_punctuation_is_not_a_token() {
        assert_eq!(query_tokens("\"AND\" (OR) * ^ -x:"), ["and", "or", "x"]);
        assert!(query_tokens("\u{200C}\"*").is_empty());
    }
}
