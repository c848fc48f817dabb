//! Deterministic Persian corpora for tests, the demo and the benchmark: the same seed gives the
//! same articles on every machine. Words are drawn as often as Persian writers use them (a
//! frequency list of 30,000 words, `tests/fixtures/words/fa.tsv`), so a word is in as many
//! articles as it would be on a real site: a search for a name matches a few, one for `این`
//! nearly all. One word in [`SEED_SHARE`] comes from the seed article instead, which gives the
//! site its subject and the text the real script's traps (missing ZWNJ, Persian digits), and
//! one in [`TOPIC_SHARE`] is one of the article's own [`TOPIC_WORDS`] less common words, as an
//! article repeats the names it is about.

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use article_sync_core::publish::source::{SourceArticle, SourceComment};

/// Words of the seed article.
const SEED_TEXT: &str =
    include_str!("../../tests/fixtures/seed/russia-ready-military-cooperation-syria.json");
/// Persian words by frequency: `centibels<TAB>word word …` lines, `#` comments.
const FREQUENCIES: &str = include_str!("../../tests/fixtures/words/fa.tsv");
/// One word in this many comes from the seed article.
const SEED_SHARE: u32 = 8;
/// One word in this many is one of the article's topic words.
const TOPIC_SHARE: u32 = 20;
/// Topic words of an article, drawn by frequency among the words after the [`COMMON`] commonest.
const TOPIC_WORDS: usize = 5;
/// The commonest words of the list, which are no article's topic (`و`, `این`, `کرد`, …).
const COMMON: usize = 1000;

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
    /// The seed article's words, in order (a word as often as the article has it).
    seed_words: Vec<&'static str>,
    /// The frequency list's words, and the running sum of their frequencies.
    words: Vec<&'static str>,
    cumulative: Vec<f64>,
    seed: u64,
}

impl Corpus {
    pub fn new(seed: u64) -> Self {
        let seed_words = SEED_TEXT
            .split(|c: char| !(c.is_alphabetic() || ('\u{06F0}'..='\u{06F9}').contains(&c)))
            .filter(|w| w.chars().count() > 1 && w.chars().all(|c| !c.is_ascii()))
            .collect();
        let (mut words, mut cumulative, mut total) = (Vec::new(), Vec::new(), 0.0);
        for line in FREQUENCIES.lines().filter(|l| !l.starts_with('#')) {
            let (centibels, list) = line.split_once('\t').expect("centibels<TAB>words");
            let frequency = 10f64.powf(-centibels.parse::<f64>().expect("centibels") / 100.0);
            for word in list.split(' ') {
                total += frequency;
                words.push(word);
                cumulative.push(total);
            }
        }
        Corpus {
            seed_words,
            words,
            cumulative,
            seed,
        }
    }

    /// A word of an article about `topic`: one of those one time in [`TOPIC_SHARE`], from the
    /// seed article one time in [`SEED_SHARE`], else by its frequency.
    fn word(&self, rng: &mut StdRng, topic: &[&'static str]) -> &'static str {
        if rng.random_range(0..TOPIC_SHARE) == 0 {
            return topic[rng.random_range(0..topic.len())];
        }
        if rng.random_range(0..SEED_SHARE) == 0 {
            return self.seed_words[rng.random_range(0..self.seed_words.len())];
        }
        self.by_frequency(rng, 0)
    }

    /// A word of the frequency list after its `skip` commonest, by frequency.
    fn by_frequency(&self, rng: &mut StdRng, skip: usize) -> &'static str {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let from = skip.checked_sub(1).map_or(0.0, |i| self.cumulative[i]);
        let at = rng.random_range(from..total);
        let i = self.cumulative.partition_point(|&c| c <= at);
        self.words[i.min(self.words.len() - 1)]
    }

    /// Article number `n` (0-based), published `n` half-hours after [`BASE_TIME`].
    pub fn article(&self, n: u64) -> SourceArticle {
        let mut rng = StdRng::seed_from_u64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let topic: Vec<&str> = (0..TOPIC_WORDS)
            .map(|_| self.by_frequency(&mut rng, COMMON))
            .collect();
        let title = self.sentence(&mut rng, &topic, 6..12);
        let summary = self.sentence(&mut rng, &topic, 20..35);
        let paragraphs = rng.random_range(5..9);
        let body = (0..paragraphs)
            .map(|_| format!("<p>{}</p>", self.sentence(&mut rng, &topic, 60..110)))
            .collect::<Vec<_>>()
            .join("\n");
        let id = format!("article-{n:06}");
        let comments = (0..rng.random_range(0..3))
            .map(|c| SourceComment {
                id: format!("{id}-c{c}"),
                author: AUTHORS[rng.random_range(0..AUTHORS.len())].to_string(),
                body: self.sentence(&mut rng, &topic, 10..40),
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

    fn sentence(
        &self,
        rng: &mut StdRng,
        topic: &[&'static str],
        len: std::ops::Range<usize>,
    ) -> String {
        let n = rng.random_range(len);
        let mut s: Vec<&str> = (0..n).map(|_| self.word(rng, topic)).collect();
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

    /// Words come as often as writers use them: the commonest is in nearly every article, most
    /// are in few (the seed article alone has 264 distinct words).
    #[test]
    fn words_come_by_frequency() {
        let articles = Corpus::new(7).articles(0..200);
        let mut in_articles = std::collections::HashMap::<&str, usize>::new();
        for a in &articles {
            let words: std::collections::HashSet<&str> = a.body_html.split_whitespace().collect();
            for w in words {
                *in_articles.entry(w).or_default() += 1;
            }
        }
        assert!(
            in_articles.len() > 5_000,
            "{} distinct words",
            in_articles.len()
        );
        assert!(in_articles["و"] > 190, "و in {} articles", in_articles["و"]);
        let rare = in_articles.values().filter(|&&n| n <= 2).count();
        assert!(
            rare * 2 > in_articles.len(),
            "{rare} words in at most 2 articles"
        );
        // An article repeats its own topic words: one in at most 1 article in 10, 5 times or more.
        let about_something = articles
            .iter()
            .filter(|a| {
                let mut counts = std::collections::HashMap::<&str, usize>::new();
                for w in a.body_html.split_whitespace() {
                    *counts.entry(w).or_default() += 1;
                }
                counts.iter().any(|(w, &n)| n >= 5 && in_articles[w] <= 20)
            })
            .count();
        assert!(about_something > 180, "{about_something} articles");
    }
}
