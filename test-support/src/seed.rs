//! The seed page: a real article page of the censored site, translated (`tests/fixtures/seed/`
//! holds it as an article file). Its text carries the real script's traps: missing ZWNJ,
//! Persian and Latin digits, two calendars.

/// The text of the seed page.
pub const SEED_PAGE: &str = include_str!("seed_page.txt");

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
