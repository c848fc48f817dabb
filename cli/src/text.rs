//! Text for the terminal: article bodies as paragraphs, dates, sizes.
//!
//! Right-to-left friendly: each paragraph is one line (no hard wrapping, which would break a
//! terminal's bidi reordering), paragraphs are separated by a blank line, and Persian text is
//! never put after a left-to-right column on the same line when it can be avoided.

use article_sync_core::store::search::html_to_text;

/// Sanitised article HTML as plain paragraphs separated by blank lines.
pub fn body_text(html: &str) -> String {
    html_to_text(html)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A publication date. ISO form (`2018-07-17 19:30 UTC`) until the seed-style formatter
/// (`core::text::date::format_date`, Gregorian and Solar Hijri) is on main.
pub fn date(unix_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(unix_seconds, 0).map_or_else(
        || unix_seconds.to_string(),
        |d| d.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// A byte count for people: `812 B`, `4.1 KB`, `2.3 MB`.
pub fn bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K {
        format!("{n} B")
    } else if f < K * K {
        format!("{:.1} KB", f / K)
    } else {
        format!("{:.1} MB", f / K / K)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_become_lines_separated_by_blank_lines() {
        let text = body_text(
            "<p>یک  دو</p>\n<figure><img src=x><figcaption>عکس</figcaption></figure><p>سه &amp; چهار</p>",
        );
        assert_eq!(text, "یک دو\n\nعکس\n\nسه & چهار");
    }

    #[test]
    fn dates_and_sizes_read_well() {
        assert_eq!(date(1_531_855_800), "2018-07-17 19:30 UTC");
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(4200), "4.1 KB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MB");
    }
}
