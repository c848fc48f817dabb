//! The Persian/Arabic search normaliser: the one place its rules live. The same functions
//! turn indexed text ([`index_text`]), the reader's query ([`query_tokens`], [`inflections`])
//! and the text a snippet is cut from ([`for_each_word`], which keeps each word's byte range
//! so the original spelling is what gets highlighted) into words, so all three agree.
//!
//! Pure functions, no I/O. Text is read in three steps.
//!
//! 1. Characters. Every input character maps to zero or one folded character ([`fold_char`]),
//!    then lower-cased:
//!    - Removed: ZWNJ U+200C, ZWJ U+200D, ZWSP U+200B, word joiner U+2060, BOM U+FEFF, soft
//!      hyphen U+00AD, bidi marks (U+200E/F, U+061C, U+202A–E, U+2066–9), tatweel (kashida)
//!      U+0640, Arabic and Persian diacritics (U+0610–061A, U+064B–065F, U+0670, U+06D6–06DC,
//!      U+06DF–06E4, U+06E7–06E8, U+06EA–06ED). So `نمی‌شود` = `نمیشود`, `سه‌شنبه` = `سهشنبه`.
//!    - Arabic letter variants fold to the Persian ones: ي ى → ی, ك → ک, ة ۀ → ه, أ إ آ ٱ → ا
//!      (readers type `امریکا` for `آمریکا`), ؤ → و, ئ → ی; hamza alone (ء) is removed, as
//!      most readers leave it out (`اعضاء` = `اعضا`, `جزء` = `جز`).
//!    - Persian ۰–۹ and Arabic-Indic ٠–٩ digits fold to Latin 0–9.
//!    - Accented Latin letters fold to their base letter (`é` → `e`, `ǖ` → `u`).
//! 2. Words: runs of letters and digits after folding; removed characters neither split nor
//!    end a word, everything else does.
//! 3. Parts typed apart are joined ([`joins`]), when only white space separates them (never
//!    across punctuation), so `سه شنبه`, `سه‌شنبه` and `سهشنبه` are all the word `سهشنبه`:
//!    - the verb prefixes `می`, `نمی` join the next word if it starts with a letter
//!      (`می شود` = `میشود`);
//!    - the suffixes `ها`, `های`, `هایی`, `ای`, `ی`, `تر`, `ترین` join the previous word if it
//!      ends with a letter (`کتاب ها` = `کتابها`);
//!    - the weekdays `یک`/`دو`/`سه`/`چهار`/`پنج` + `شنبه`;
//!    - the pairs joined by `و` that are also written as one word, with or without the `و`
//!      ([`PAIRS`]: `گفت و گو` = `گفت‌وگو` = `گفتوگو` = `گفتگو`, `جست و جو`, …): the word
//!      is the pair without the `و`.
//!
//!    Other compounds typed with a space (`بین المللی` for `بین‌المللی`) are left to the query,
//!    which also tries adjacent words joined and a word typed with ZWNJ as its parts
//!    (store/search.rs).
//!
//! 4. Hamza seats. Where a word's spellings disagree on the seat of its hamza, a word holding
//!    `ئ` not followed by `ی` also stands for its [`hamza_spellings`]: `ئ` read as `ا`
//!    (`مسئله` = `مسأله` = `مساله`, `هیئت` = `هیات`) or, before `و`, as `و` or left out
//!    (`مسئول` = `مسؤول` = `مسوول`, `سئوال` = `سوال`). Before `ی` the fold of step 1 already
//!    gives the other spelling (`رئیس` = `رییس`), and no other is made (`رئیس` is not
//!    `رایس`, Rice). The index holds these spellings after the field's words, a query word is
//!    searched as them too, and a snippet marks a word found through one of them.
//!
//! The query's words are searched with their [`inflections`]: the plural and possessive
//! suffixes (`ها`, `های`, `هایی`, `ای`, `ی`) and English plurals (`s`, `es`, `ies`) added to, or
//! taken from, the typed word. No stemming happens in the index: a word matches only its own
//! inflections, never every word sharing a prefix (the last word of a query is also a prefix,
//! for search as you type).
//!
//! The index receives [`index_text`]: the words separated by single spaces, so that FTS5's
//! plain `ascii` tokenizer (which splits at ASCII spaces and punctuation only) sees exactly the
//! words of [`words`], and no Unicode table is consulted twice.

use std::ops::ControlFlow;
use std::sync::LazyLock;

use icu_normalizer::properties::{CanonicalDecompositionBorrowed, Decomposed};

/// The folded form of one character, or `None` if it is dropped. ASCII and the Arabic block
/// are answered from a table (this runs for every character indexed or cut into a snippet).
pub fn fold_char(c: char) -> Option<char> {
    static ARABIC: LazyLock<[Option<char>; 256]> =
        LazyLock::new(|| std::array::from_fn(|i| fold_slow(char::from_u32(0x600 + i as u32)?)));
    match c as u32 {
        0..0x80 => Some(c),
        0x600..0x700 => ARABIC[c as usize - 0x600],
        _ => fold_slow(c),
    }
}

fn fold_slow(c: char) -> Option<char> {
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
        | '\u{06EA}'..='\u{06ED}'
        | 'ء' => return None,
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

/// What the search index stores for `text`: the `norm` of each of its [`words`], then the
/// [`hamza_spellings`] of those that have any (after the words, so that no phrase is broken),
/// separated by one ASCII space.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut spellings = Vec::new();
    // One scan of the whole text spares most texts one per word.
    let hamza = text.contains(HAMZA_ON_YEH);
    for_each_word(text, |start, end, norm| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(norm);
        if hamza {
            spellings.extend(hamza_spellings(&text[start..end]));
        }
        ControlFlow::Continue(())
    });
    for spelling in spellings {
        out.push(' ');
        out.push_str(&spelling);
    }
    out
}

/// The hamza seat that spellings of a word disagree on (step 4 of the module doc).
const HAMZA_ON_YEH: char = 'ئ';
/// Its UTF-8 bytes.
const HAMZA_ON_YEH_UTF8: [u8; 2] = [0xD8, 0xA6];

/// The other spellings of `word`, one word of original text as [`for_each_word`] spans it,
/// normalised: with each `ئ` not followed by `ی` read as `ا`, or, before `و`, as `و` and left
/// out (step 4 of the module doc). Empty for most words.
pub fn hamza_spellings(word: &str) -> Vec<String> {
    // By its UTF-8 bytes: std's `contains` of a char outside ASCII is a substring search, whose
    // set-up costs more than a short word's scan (this runs on every word indexed or marked).
    let seat = word
        .as_bytes()
        .windows(2)
        .any(|pair| pair == HAMZA_ON_YEH_UTF8);
    if !seat {
        return Vec::new();
    }
    let mut spellings = Vec::new();
    for choice in 0..2 {
        let mut spelled = String::with_capacity(word.len());
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                (HAMZA_ON_YEH, Some('ی' | 'ي')) | (HAMZA_ON_YEH, None) => spelled.push(c),
                (HAMZA_ON_YEH, Some('و')) if choice == 0 => spelled.push('و'),
                (HAMZA_ON_YEH, Some('و')) => {}
                (HAMZA_ON_YEH, _) => spelled.push('ا'),
                _ => spelled.push(c),
            }
        }
        if spelled == word {
            break; // every `ئ` is before `ی` or ends the word
        }
        let mut norm = String::new();
        for_each_word(&spelled, |_, _, w| {
            norm.push_str(w);
            ControlFlow::Continue(())
        });
        if !norm.is_empty() && !spellings.contains(&norm) {
            spellings.push(norm);
        }
    }
    spellings
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

/// Calls `f(start, end, norm)` for each word of [`words`], in order, until `f` breaks. A word
/// ends at its last kept character: a trailing joiner or mark belongs to no word; a joined word
/// ([`joins`]) spans its parts and what separates them.
pub fn for_each_word(text: &str, f: impl FnMut(usize, usize, &str) -> ControlFlow<()>) {
    let mut joiner = Joiner {
        f,
        held: Default::default(),
        count: 0,
        stopped: false,
    };
    let mut norm = String::new();
    let mut span: Option<(usize, usize)> = None;
    // Whether only white space (and removed characters) came since the last word.
    let mut soft = true;
    for (i, c) in text.char_indices() {
        if joiner.stopped {
            return;
        }
        let Some(folded) = fold_char(c) else {
            continue;
        };
        if is_word_char(folded) {
            let (start, _) = *span.get_or_insert((i, i));
            span = Some((start, i + c.len_utf8()));
            push_lower(&mut norm, folded);
        } else {
            if let Some((start, end)) = span.take() {
                joiner.word(start, end, &norm, soft);
                norm.clear();
                soft = true;
            }
            soft &= folded.is_whitespace();
        }
    }
    if let Some((start, end)) = span {
        joiner.word(start, end, &norm, soft);
    }
    joiner.finish();
}

/// Verb prefixes joined to the next word.
const PREFIXES: [&str; 2] = ["می", "نمی"];
/// Plural, possessive and comparative suffixes joined to the previous word.
const SUFFIXES: [&str; 7] = ["ها", "های", "هایی", "ای", "ی", "تر", "ترین"];
/// The first parts of the weekdays `… شنبه`.
const WEEKDAYS: [&str; 5] = ["یک", "دو", "سه", "چهار", "پنج"];
/// Compounds of two words joined by `و`, written apart or as one word with or without the `و`.
pub const PAIRS: [(&str, &str); 8] = [
    ("گفت", "گو"),
    ("گفت", "شنود"),
    ("جست", "جو"),
    ("پرس", "جو"),
    ("شست", "شو"),
    ("رفت", "امد"),
    ("زد", "خورد"),
    ("داد", "ستد"),
];

fn starts_with_letter(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_alphabetic)
}

fn ends_with_letter(word: &str) -> bool {
    word.chars().next_back().is_some_and(char::is_alphabetic)
}

/// Whether normalised word `next`, typed after `prev` with only white space between, is joined
/// to it (step 3 of the module doc; [`PAIRS`] go through `و`, see [`Joiner`]).
pub fn joins(prev: &str, next: &str) -> bool {
    (PREFIXES.contains(&prev) && starts_with_letter(next))
        || (SUFFIXES.contains(&next) && ends_with_letter(prev))
        || (next == "شنبه" && WEEKDAYS.contains(&prev))
}

/// `word` without the `و` of the pair of [`PAIRS`] it starts with, written as one word
/// (`گفتوگوی` → (`گفت`, `گوی`)), if any.
fn pair_with_vav(word: &str) -> Option<(&'static str, &str)> {
    PAIRS.iter().find_map(|&(head, tail)| {
        let rest = word.strip_prefix(head)?.strip_prefix('و')?;
        rest.starts_with(tail).then_some((head, rest))
    })
}

/// A word held back until the next shows whether they join.
#[derive(Default)]
struct Held {
    start: usize,
    end: usize,
    norm: String,
}

/// Step 3: joins the scanned words, holding back at most two (`گفت` `و`, waiting for `گو`).
struct Joiner<F> {
    f: F,
    held: [Held; 2],
    count: usize,
    stopped: bool,
}

impl<F: FnMut(usize, usize, &str) -> ControlFlow<()>> Joiner<F> {
    fn word(&mut self, start: usize, end: usize, norm: &str, soft: bool) {
        if self.count == 2 {
            let head = &self.held[0].norm;
            if soft && PAIRS.contains(&(head.as_str(), norm)) {
                let held = &mut self.held[0];
                held.norm.push_str(norm);
                held.end = end;
                self.count = 1;
                return;
            }
            self.emit_first();
        }
        if self.count == 1 {
            let held = &mut self.held[0];
            if soft && joins(&held.norm, norm) {
                held.norm.push_str(norm);
                held.end = end;
                return;
            }
            if soft && norm == "و" && PAIRS.iter().any(|(head, _)| *head == held.norm) {
                self.hold(1, start, end, norm);
                self.count = 2;
                return;
            }
            self.emit_first();
        }
        self.hold(0, start, end, norm);
        self.count = 1;
    }

    fn hold(&mut self, slot: usize, start: usize, end: usize, norm: &str) {
        let held = &mut self.held[slot];
        (held.start, held.end) = (start, end);
        held.norm.clear();
        match pair_with_vav(norm) {
            Some((head, tail)) => {
                held.norm.push_str(head);
                held.norm.push_str(tail);
            }
            None => held.norm.push_str(norm),
        }
    }

    /// Passes the first held word on; the second, if any, becomes the first.
    fn emit_first(&mut self) {
        let first = &self.held[0];
        if !self.stopped && (self.f)(first.start, first.end, &first.norm).is_break() {
            self.stopped = true;
        }
        self.held.swap(0, 1);
        self.count -= 1;
    }

    fn finish(mut self) {
        while self.count > 0 {
            self.emit_first();
        }
    }
}

/// The normalised tokens of a user's query.
pub fn query_tokens(query: &str) -> Vec<String> {
    words(query).into_iter().map(|w| w.norm).collect()
}

/// Persian plural suffixes a query word is searched with, and taken off it (longest first).
const PLURALS: [&str; 3] = ["هایی", "های", "ها"];
/// The least a Persian stem keeps when a suffix is taken off (`تنها` is not `تن` + `ها`).
const MIN_STEM: usize = 3;

/// The forms a normalised query word is searched as: the word, its stem (the word without one
/// plural or possessive suffix) and the stem with each suffix (`ها`, `های`, `هایی`; `ای` after
/// `ه`; `ی` after `ه`, `ا`, `و`, where the possessive is written); for English words the
/// singular and the plural. Digits and other words: the word only. The word comes first.
pub fn inflections(word: &str) -> Vec<String> {
    let mut forms = vec![word.to_owned()];
    let mut add = |form: String| {
        if !forms.contains(&form) {
            forms.push(form);
        }
    };
    let last = word.chars().next_back();
    if last.is_some_and(|c| ('\u{0621}'..='\u{06FF}').contains(&c)) {
        for stem in persian_stems(word) {
            add(stem.to_owned());
            for suffix in PLURALS {
                add(format!("{stem}{suffix}"));
            }
            if stem.ends_with('ه') {
                add(format!("{stem}ای"));
            }
            if stem.ends_with(['ه', 'ا', 'و']) {
                add(format!("{stem}ی"));
            }
        }
    } else if word.len() > 2 && word.bytes().all(|b| b.is_ascii_lowercase()) {
        let stem = english_stem(word);
        add(stem.clone());
        if let Some(y) = stem.strip_suffix('y') {
            add(format!("{y}ies"));
        } else if stem.ends_with(['s', 'x', 'z']) || stem.ends_with("ch") || stem.ends_with("sh") {
            add(format!("{stem}es"));
        } else {
            add(format!("{stem}s"));
        }
    }
    forms
}

/// `word` without each Persian plural or possessive suffix it may end with, where what is left
/// is long enough (`خانهای` is `خانه` + `ای` or `خان` + `های`); `word` itself if none.
fn persian_stems(word: &str) -> Vec<&str> {
    let long_enough = |stem: &&str| stem.chars().count() >= MIN_STEM;
    let mut stems = Vec::new();
    stems.extend(
        PLURALS
            .iter()
            .filter_map(|s| word.strip_suffix(s))
            .filter(long_enough),
    );
    stems.extend(
        (word.strip_suffix("ای").filter(|s| s.ends_with('ه')))
            .into_iter()
            .chain(
                word.strip_suffix('ی')
                    .filter(|s| s.ends_with(['ه', 'ا', 'و'])),
            )
            .filter(long_enough),
    );
    if stems.is_empty() {
        stems.push(word);
    }
    stems
}

/// The singular of an English plural (`stories` → `story`, `boxes` → `box`, `votes` → `vote`).
fn english_stem(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies")
        && stem.len() > 1
    {
        return format!("{stem}y");
    }
    if let Some(stem) = word.strip_suffix("es")
        && (stem.ends_with(['s', 'x', 'z']) || stem.ends_with("ch") || stem.ends_with("sh"))
    {
        return stem.to_owned();
    }
    match word.strip_suffix('s') {
        Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fold_table_agrees_with_the_rules() {
        for c in (0..0x800).filter_map(char::from_u32) {
            assert_eq!(fold_char(c), fold_slow(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn zwnj_and_its_absence_normalise_alike() {
        assert_eq!(index_text("نمی‌شود"), index_text("نمیشود"));
        assert_eq!(index_text("گفت‌وگو"), "گفتگو");
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
    fn a_hamza_seat_also_stands_for_the_other_spellings() {
        assert_eq!(HAMZA_ON_YEH.to_string().as_bytes(), HAMZA_ON_YEH_UTF8);
        // The text's word first, its other spellings after the field's words.
        assert_eq!(index_text("مسئله مهم"), "مسیله مهم مساله");
        assert_eq!(index_text("مسئول"), "مسیول مسوول مسول");
        assert_eq!(index_text("سئوال"), "سیوال سووال سوال");
        assert_eq!(index_text("هیئت‌ها"), "هییتها هیاتها");
        // Before `ی` the fold already spells it without hamza; `رئیس` is not `رایس`.
        assert_eq!(index_text("رئیس پائیز"), "رییس پاییز");
        assert!(
            hamza_spellings("مسأله").is_empty(),
            "only ئ has other seats"
        );
        // Each spelling of a word normalises to one the others index.
        for [a, b] in [["مسئله", "مسأله"], ["مسئله", "مساله"], ["مسئول", "مسؤول"]]
        {
            let a_all = index_text(a);
            assert!(a_all.split(' ').any(|w| w == index_text(b)), "{a} {b}");
        }
        // Hamza alone is left out.
        assert_eq!(index_text("اعضاء جزء"), "اعضا جز");
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
    fn parts_typed_apart_with_zwnj_or_together_are_one_word() {
        for weekday in ["سه شنبه", "سه‌شنبه", "سهشنبه", "سه  شنبه"] {
            assert_eq!(index_text(weekday), "سهشنبه", "{weekday}");
        }
        for verb in ["می شود", "می‌شود", "میشود"] {
            assert_eq!(index_text(verb), "میشود", "{verb}");
        }
        assert_eq!(index_text("نمی توانند"), "نمیتوانند");
        for pair in ["گفت و گو", "گفت‌وگو", "گفتوگو", "گفتگو"] {
            assert_eq!(index_text(pair), "گفتگو", "{pair}");
        }
        assert_eq!(index_text("گفتوگوی دو رهبر"), "گفتگوی دو رهبر");
        assert_eq!(index_text("جست و جو"), "جستجو");
        for plural in ["کتاب ها", "کتاب‌ها", "کتابها"] {
            assert_eq!(index_text(plural), "کتابها", "{plural}");
        }
        assert_eq!(index_text("خانه ی نیما"), "خانهی نیما");
        assert_eq!(index_text("بزرگ ترین"), "بزرگترین");
    }

    #[test]
    fn parts_are_not_joined_across_punctuation_or_to_digits() {
        assert_eq!(index_text("سه، شنبه"), "سه شنبه");
        assert_eq!(index_text("کتاب. ها"), "کتاب ها");
        assert_eq!(index_text("۱۷ می ۲۰۱۸"), "17 می 2018");
        assert_eq!(index_text("۱۰ ها"), "10 ها");
        // `گفت و` is a verb and `و` unless `گو` follows.
        assert_eq!(index_text("گفت و رفت"), "گفت و رفت");
        assert_eq!(index_text("او گفت و"), "او گفت و");
    }

    #[test]
    fn a_joined_word_spans_its_parts_in_the_original() {
        let text = "روز سه شنبه، گفت و گو";
        let ws = words(text);
        let spans: Vec<&str> = ws.iter().map(|w| &text[w.start..w.end]).collect();
        assert_eq!(spans, ["روز", "سه شنبه", "گفت و گو"]);
        let mut first = Vec::new();
        for_each_word(text, |_, _, norm| {
            first.push(norm.to_owned());
            ControlFlow::Break(())
        });
        assert_eq!(first, ["روز"]);
    }

    #[test]
    fn inflections_add_and_take_off_suffixes_but_keep_short_stems() {
        assert_eq!(
            inflections("کتاب"),
            ["کتاب", "کتابهایی", "کتابهای", "کتابها"]
        );
        assert!(inflections("کتابهای").contains(&"کتاب".to_owned()));
        assert!(inflections("خانهی").contains(&"خانه".to_owned()));
        assert!(inflections("خانهای").contains(&"خانهها".to_owned()));
        assert!(inflections("خانه").contains(&"خانهی".to_owned()));
        // `تنها` (alone) is not `تن` (body) + `ها`; `برای` is not `بر` + `ای`.
        assert!(!inflections("تنها").contains(&"تن".to_owned()));
        assert!(!inflections("برای").contains(&"بر".to_owned()));
        assert_eq!(inflections("1402"), ["1402"]);
    }

    #[test]
    fn english_words_are_searched_singular_and_plural() {
        assert_eq!(inflections("election"), ["election", "elections"]);
        assert_eq!(inflections("elections"), ["elections", "election"]);
        assert_eq!(inflections("stories"), ["stories", "story"]);
        assert_eq!(inflections("story"), ["story", "stories"]);
        assert_eq!(inflections("boxes"), ["boxes", "box"]);
        assert_eq!(inflections("box"), ["box", "boxes"]);
        assert_eq!(inflections("votes"), ["votes", "vote"]);
        assert_eq!(inflections("class"), ["class", "classes"]);
    }

    #[test]
    fn query_punctuation_is_not_a_token() {
        assert_eq!(query_tokens("\"AND\" (OR) * ^ -x:"), ["and", "or", "x"]);
        assert!(query_tokens("\u{200C}\"*").is_empty());
    }
}
