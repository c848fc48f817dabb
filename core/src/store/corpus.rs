//! A synthetic Persian corpus built from the seed page, for tests and the bench command.
//!
//! Article `i` mixes the seed's paragraphs in an order derived from `i`, so searches hit a
//! realistic spread of articles; ids are `seed-<i>`, newest has the largest `i`.

use crate::format::{Article, Change, Entry};

/// The text of the seed page (a real article page of the censored site, see
/// `shared/seed/README.md`).
pub const SEED_PAGE: &str = include_str!("fixtures/seed_page.txt");

/// The seed page's article paragraphs (headline, lead and body; no banner, donation box or
/// comments).
pub fn seed_paragraphs() -> Vec<&'static str> {
    SEED_PAGE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .skip(1)
        .take_while(|l| !l.starts_with("بیشتر بخوانید"))
        .collect()
}

/// `n` articles made of the seed's paragraphs, one per second from `published_at = 1_500_000_000`.
pub fn persian_articles(n: usize) -> Vec<Article> {
    let paras = seed_paragraphs();
    let body_paras = &paras[2..];
    (0..n)
        .map(|i| {
            let k = body_paras.len();
            let body: String = (0..4)
                .map(|j| format!("<p>{}</p>", body_paras[(i * 7 + j * 3) % k]))
                .collect();
            Article {
                id: format!("seed-{i}"),
                revision: 1,
                title: format!("{} {}", paras[0], i),
                summary: paras[1].to_owned(),
                body_html: body,
                author: None,
                language: "fa".into(),
                published_at: 1_500_000_000 + i as i64,
                updated_at: 1_500_000_000 + i as i64,
                tags: vec![format!("tag{}", i % 10)],
                url: None,
                lead_image: None,
                images: vec![],
                related: vec![],
                links: vec![],
            }
        })
        .collect()
}

/// Log entries `first_seq..` that put `articles`.
pub fn put_entries(articles: Vec<Article>, first_seq: u64) -> Vec<Entry> {
    articles
        .into_iter()
        .enumerate()
        .map(|(i, article)| Entry {
            seq: first_seq + i as u64,
            change: Change::PutArticle { article },
        })
        .collect()
}
