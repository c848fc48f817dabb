//! Deterministic Persian corpora for tests, the demo and the benchmark: the same seed gives the
//! same articles on every machine. Words come from the seed article, so the text has the real
//! script's traps (missing ZWNJ, Persian digits).

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use article_sync_core::publish::source::{SourceArticle, SourceComment};

/// Words of the seed article.
const SEED_TEXT: &str =
    include_str!("../../tests/fixtures/seed/russia-ready-military-cooperation-syria.json");

const TAGS: &[&str] = &[
    "ایران",
    "سوریه",
    "روسیه",
    "آمریکا",
    "اقتصاد",
    "فرهنگ",
    "ورزش",
    "حقوق بشر",
];
const AUTHORS: &[&str] = &["رادیو فردا", "کارو", "مریم", "علی", "سارا"];

/// First publication time of a corpus: 2018-07-17 19:30 UTC, the seed article's.
pub const BASE_TIME: i64 = 1_531_855_800;

/// A corpus generator.
pub struct Corpus {
    words: Vec<String>,
    seed: u64,
}

impl Corpus {
    pub fn new(seed: u64) -> Self {
        let words = SEED_TEXT
            .split(|c: char| !(c.is_alphabetic() || ('\u{06F0}'..='\u{06F9}').contains(&c)))
            .filter(|w| w.chars().count() > 1 && w.chars().all(|c| !c.is_ascii()))
            .map(str::to_string)
            .collect();
        Corpus { words, seed }
    }

    /// Article number `n` (0-based), published `n` half-hours after [`BASE_TIME`].
    pub fn article(&self, n: u64) -> SourceArticle {
        let mut rng = StdRng::seed_from_u64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let title = self.sentence(&mut rng, 6..12);
        let summary = self.sentence(&mut rng, 20..35);
        let paragraphs = rng.random_range(5..9);
        let body = (0..paragraphs)
            .map(|_| format!("<p>{}</p>", self.sentence(&mut rng, 60..110)))
            .collect::<Vec<_>>()
            .join("\n");
        let id = format!("article-{n:06}");
        let comments = (0..rng.random_range(0..3))
            .map(|c| SourceComment {
                id: format!("{id}-c{c}"),
                author: AUTHORS[rng.random_range(0..AUTHORS.len())].to_string(),
                body: self.sentence(&mut rng, 10..40),
                posted_at: BASE_TIME + n as i64 * 1800 + 600 * (c + 1),
            })
            .collect();
        let tag_count = rng.random_range(1..3);
        SourceArticle {
            file: PathBuf::from(format!("corpus/{id}.json")),
            id: id.clone(),
            title,
            summary,
            body_html: body,
            author: Some(AUTHORS[rng.random_range(0..AUTHORS.len())].to_string()),
            language: "fa".into(),
            published_at: BASE_TIME + n as i64 * 1800,
            updated_at: BASE_TIME + n as i64 * 1800,
            tags: (0..tag_count)
                .map(|_| TAGS[rng.random_range(0..TAGS.len())].to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            url: Some(format!("https://www.example-news.org/fa/{id}")),
            lead_image: None,
            images: vec![],
            related: if n > 0 {
                vec![format!("article-{:06}", rng.random_range(0..n))]
            } else {
                vec![]
            },
            comments,
        }
    }

    /// Articles `range`.
    pub fn articles(&self, range: std::ops::Range<u64>) -> Vec<SourceArticle> {
        range.map(|n| self.article(n)).collect()
    }

    /// Articles `range` as a feed whose descriptions are whole articles gives them: the
    /// summary is the body's text (the publisher keeps its first sentences).
    pub fn whole_articles(&self, range: std::ops::Range<u64>) -> Vec<SourceArticle> {
        self.articles(range).iter().map(whole).collect()
    }

    fn sentence(&self, rng: &mut StdRng, len: std::ops::Range<usize>) -> String {
        let n = rng.random_range(len);
        let mut s: Vec<&str> = (0..n)
            .map(|_| self.words[rng.random_range(0..self.words.len())].as_str())
            .collect();
        let digits = format!("{}", rng.random_range(1..1400));
        let persian: String = digits
            .chars()
            .map(|c| char::from_u32('\u{06F0}' as u32 + c.to_digit(10).unwrap_or(0)).unwrap_or(c))
            .collect();
        s.insert(n / 2, &persian);
        s.join(" ") + "."
    }
}

/// `a` as a feed whose descriptions are whole articles gives it: its summary is its body's text.
pub fn whole(a: &SourceArticle) -> SourceArticle {
    SourceArticle {
        summary: article_sync_core::content::plain_text(&a.body_html),
        ..a.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_articles() {
        let a = Corpus::new(7).article(42);
        assert_eq!(a, Corpus::new(7).article(42));
        assert_ne!(a, Corpus::new(8).article(42));
        assert!(
            a.body_html
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
        );
    }
}
