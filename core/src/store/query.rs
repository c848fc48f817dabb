//! A reader's query, as FTS5 searches it and as snippets mark it (the rules are the
//! normaliser's, see [`normalize`]).
//!
//! Each word of the query ([`normalize::words`], parts already joined) is required, as any of
//! its [`normalize::inflections`]; the last word also as a prefix (search as you type); a word
//! typed with ZWNJ (`بین‌المللی`) also as the phrase of its parts (`بین المللی`). Two adjacent
//! words are also tried joined (`بین المللی` finds `بین‌المللی`), in queries of up to
//! [`MAX_JOINED`] words. A word with a hamza seat is also searched as its other spellings
//! ([`normalize::hamza_spellings`]: `مسئله` finds `مسأله` and `مساله`).

use super::normalize::{self, inflections};

/// The most words a query keeps; the rest are ignored.
pub const MAX_WORDS: usize = 16;
/// The most bytes of a query read; the rest is ignored (a query is typed, not pasted books).
pub const MAX_QUERY_BYTES: usize = 1024;
/// The most words of a query whose adjacent pairs are also tried joined (the FTS5 expression
/// grows with each: 3 alternatives for 3 words, 5 for 4).
pub const MAX_JOINED: usize = 4;

/// One word of the query (or two adjacent words joined) and how it may be found.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    /// The normalised word as typed; a prefix when `prefix`.
    word: String,
    /// Its inflections.
    forms: Vec<String>,
    /// Its parts, when typed with ZWNJ (`بین‌المللی`): also searched as a phrase.
    parts: Vec<String>,
    prefix: bool,
    /// The query words it stands for: ids of distinct words (equal words share an id).
    ids: (usize, usize),
}

impl Term {
    fn new(word: String, prefix: bool, ids: (usize, usize), parts: Vec<String>) -> Term {
        Term {
            forms: inflections(&word),
            word,
            parts,
            prefix,
            ids,
        }
    }

    fn matches(&self, word: &str) -> bool {
        self.forms.iter().chain(&self.parts).any(|f| f == word)
            || (self.prefix && word.starts_with(&self.word))
    }

    /// `("word"* OR "form" OR … OR "part part")`.
    fn fts(&self, out: &mut String) {
        let quote = |out: &mut String, s: &str| {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        };
        out.push('(');
        let mut first = true;
        let mut or = |out: &mut String| {
            if !std::mem::take(&mut first) {
                out.push_str(" OR ");
            }
        };
        if self.prefix {
            or(out);
            quote(out, &self.word);
            out.push('*');
        }
        // A prefix already finds the forms that start with it: fewer phrases, less to rank.
        for form in &self.forms {
            if !(self.prefix && form.starts_with(&self.word)) {
                or(out);
                quote(out, form);
            }
        }
        if self.parts.len() > 1 {
            out.push_str(" OR ");
            quote(out, &self.parts.join(" "));
        }
        out.push(')');
    }
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// One per query word, in order.
    words: Vec<Term>,
    /// `joined[i]`: words `i` and `i + 1` as one (only for queries of [`MAX_JOINED`] words at
    /// most).
    joined: Vec<Term>,
    distinct: usize,
}

impl Query {
    pub fn parse(text: &str) -> Query {
        let text = &text[..text.floor_char_boundary(MAX_QUERY_BYTES)];
        let typed: Vec<normalize::Word> =
            normalize::words(text).into_iter().take(MAX_WORDS).collect();
        let n = typed.len();
        let mut ids = Vec::with_capacity(n);
        for (i, w) in typed.iter().enumerate() {
            let first = typed[..i].iter().position(|x| x.norm == w.norm);
            ids.push(first.map_or(i, |f| ids[f]));
        }
        let distinct = (0..n).filter(|&i| ids[i] == i).count();
        let words = typed
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let original = &text[w.start..w.end];
                let parts = if original.contains(['\u{200C}', '\u{200D}']) {
                    normalize::query_tokens(&original.replace(['\u{200C}', '\u{200D}'], " "))
                } else {
                    Vec::new()
                };
                // Parts a rule rewrote (`گفت‌وگو` is `گفتگو`, not `گفت` + `وگو`) are not searched.
                let parts = if parts.len() > 1 && parts.concat() == w.norm {
                    parts
                } else {
                    Vec::new()
                };
                let mut term = Term::new(w.norm.clone(), i + 1 == n, (ids[i], ids[i]), parts);
                for spelling in normalize::hamza_spellings(original) {
                    for form in inflections(&spelling) {
                        if !term.forms.contains(&form) {
                            term.forms.push(form);
                        }
                    }
                }
                term
            })
            .collect();
        let joined = if n <= MAX_JOINED {
            typed
                .windows(2)
                .enumerate()
                .map(|(i, pair)| {
                    let word = format!("{}{}", pair[0].norm, pair[1].norm);
                    Term::new(word, i + 2 == n, (ids[i], ids[i + 1]), Vec::new())
                })
                .collect()
        } else {
            Vec::new()
        };
        Query {
            words,
            joined,
            distinct,
        }
    }

    /// Whether the query has no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// How many different words the query has: the most a snippet window can hold.
    pub fn distinct(&self) -> usize {
        self.distinct
    }

    /// The FTS5 expression: every word required, in any of its forms; `None` without words.
    /// Quoted throughout, so no input is FTS5 syntax.
    pub fn fts(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut out = String::new();
        self.fts_from(0, &mut out);
        Some(out)
    }

    /// The words from `i` on: word `i` and the rest, or words `i` and `i + 1` joined and the rest.
    fn fts_from(&self, i: usize, out: &mut String) {
        let Some(word) = self.words.get(i) else {
            return;
        };
        let rest = |from: usize, out: &mut String| {
            if from < self.words.len() {
                out.push_str(" AND ");
                self.fts_from(from, out);
            }
        };
        match self.joined.get(i) {
            Some(joined) => {
                out.push_str("((");
                word.fts(out);
                rest(i + 1, out);
                out.push_str(") OR (");
                joined.fts(out);
                rest(i + 2, out);
                out.push_str("))");
            }
            None => {
                word.fts(out);
                rest(i + 1, out);
            }
        }
    }

    /// The ids of the query words a (normalised) word of some text matches: one, or two for a
    /// word matching two adjacent query words joined.
    pub fn ids_of(&self, word: &str) -> Option<(usize, usize)> {
        (self.joined.iter().chain(&self.words))
            .find(|t| t.matches(word))
            .map(|t| t.ids)
    }

    /// [`Self::ids_of`] a word of original text, `original` normalised to `norm`: also
    /// through the word's [`normalize::hamza_spellings`], which the index holds for it.
    pub fn ids_of_text(&self, original: &str, norm: &str) -> Option<(usize, usize)> {
        self.ids_of(norm).or_else(|| {
            let spellings = normalize::hamza_spellings(original);
            spellings.iter().find_map(|s| self.ids_of(s))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use super::*;

    #[test]
    fn each_word_is_required_in_any_of_its_forms_the_last_also_as_a_prefix() {
        let q = Query::parse("خانه‌ها سال");
        let fts = q.fts().unwrap();
        let mut expected = String::from("(((");
        for (i, f) in ["خانهها", "خانه", "خانههایی", "خانههای", "خانهای", "خانهی"]
            .iter()
            .enumerate()
        {
            let _ = write!(expected, "{}\"{f}\"", if i > 0 { " OR " } else { "" });
        }
        expected.push_str(") AND (\"سال\"*)) OR ((\"خانههاسال\"*)))");
        assert_eq!(fts, expected);
    }

    #[test]
    fn a_word_typed_with_zwnj_is_also_its_parts() {
        let q = Query::parse("بین‌المللی");
        assert!(q.fts().unwrap().contains("OR \"بین المللی\")"));
        assert_eq!(q.ids_of("بین"), Some((0, 0)));
        assert_eq!(q.ids_of("بینالمللی"), Some((0, 0)));
        let pair = Query::parse("گفت‌وگو");
        assert_eq!(pair.ids_of("گفتگو"), Some((0, 0)));
        assert_eq!(pair.ids_of("گفت"), None, "not every «said»");
    }

    #[test]
    fn adjacent_words_joined_match_both() {
        let q = Query::parse("بین المللی");
        assert_eq!(q.ids_of("بینالمللی"), Some((0, 1)));
        assert_eq!(q.ids_of("بین"), Some((0, 0)));
        assert_eq!(q.ids_of("المللیها"), Some((1, 1)));
        assert_eq!(q.ids_of("ایران"), None);
    }

    #[test]
    fn equal_words_share_an_id_and_long_queries_are_not_joined() {
        let q = Query::parse("ایران روسیه ایران");
        assert_eq!(q.distinct(), 2);
        assert_eq!(q.ids_of("ایران"), Some((0, 0)));
        let long = Query::parse("a b c d e");
        assert!(long.joined.is_empty());
        assert!(!long.fts().unwrap().contains(" OR (\"ab\""));
        let many = "word ".repeat(100);
        assert_eq!(Query::parse(&many).words.len(), MAX_WORDS);
        let long = format!("{} ایران", "ب".repeat(MAX_QUERY_BYTES));
        let q = Query::parse(&long);
        assert_eq!(q.words.len(), 1);
        assert_eq!(q.words[0].word.len(), MAX_QUERY_BYTES);
    }

    #[test]
    fn no_words_no_expression() {
        assert!(Query::parse(" ،؛ \"*").fts().is_none());
        assert!(Query::parse("\u{200C}").is_empty());
    }
}
