//! Text for the terminal: article bodies as paragraphs, dates, sizes, and [`say!`], the one way
//! the reader commands print text that may come from outside.
//!
//! Right-to-left friendly: each paragraph is one line (no hard wrapping, which would break a
//! terminal's bidi reordering), paragraphs are separated by a blank line, and Persian text is
//! never put after a left-to-right column on the same line when it can be avoided.

use article_sync_core::content::html_to_text;
use article_sync_core::text::date::{DateStyle, format_date};

/// Text from outside (titles, bodies, comments, authors, a server's answer) made safe for a
/// terminal: every control character but line breaks and tabs is removed, so no escape sequence
/// (colours, a new window title, a rewritten screen) reaches it.
pub fn terminal(text: &str) -> std::borrow::Cow<'_, str> {
    let keep = |c: char| !c.is_control() || matches!(c, '\n' | '\t');
    if text.chars().all(keep) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|&c| keep(c)).collect())
    }
}

/// `println!` through [`terminal`]: what the reader commands print on stdout.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::text::terminal(&format!($($arg)*)))
    };
}

/// Sanitised article HTML as plain paragraphs separated by blank lines.
pub fn body_text(html: &str) -> String {
    html_to_text(html)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A date as the seed page writes it, Gregorian and Solar Hijri side by side with Persian digits
/// (`۱۷ ژوئیه ۲۰۱۸/ ۲۶ تیر ۱۳۹۷`), then the time of day, in this machine's time zone.
pub fn date(unix_seconds: i64) -> String {
    use chrono::{Local, Offset, TimeZone};
    let Some(local) = Local.timestamp_opt(unix_seconds, 0).single() else {
        return unix_seconds.to_string();
    };
    let offset = local.offset().fix().local_minus_utc();
    let day = format_date(unix_seconds, offset, "fa", DateStyle::DayMonthYear)
        .unwrap_or_else(|_| local.format("%Y-%m-%d").to_string());
    format!("{day} · {}", local.format("%H:%M"))
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

/// A span of time for people, in whole days from two days on, else in hours: `10 days`, `5 h`.
pub fn duration(seconds: u64) -> String {
    const HOUR: u64 = 3600;
    match seconds / HOUR {
        hours @ 0..48 => format!("{hours} h"),
        hours => format!("{} days", hours / 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_hours_then_days() {
        assert_eq!(duration(5 * 3600 + 59), "5 h");
        assert_eq!(duration(47 * 3600), "47 h");
        assert_eq!(duration(10 * 86_400 + 7), "10 days");
    }

    #[test]
    fn paragraphs_become_lines_separated_by_blank_lines() {
        let text = body_text(
            "<p>یک  دو</p>\n<figure><img src=x><figcaption>عکس</figcaption></figure><p>سه &amp; چهار</p>",
        );
        assert_eq!(text, "یک دو\n\nعکس\n\nسه & چهار");
    }

    #[test]
    fn dates_and_sizes_read_well() {
        // 2018-07-17 19:30 UTC, the seed article's date; the day may shift with the time zone.
        let seed = date(1_531_855_800);
        let local = chrono::TimeZone::timestamp_opt(&chrono::Local, 1_531_855_800, 0).unwrap();
        assert!(
            seed.contains("ژوئیه ۲۰۱۸/") && seed.contains("تیر ۱۳۹۷"),
            "{seed}"
        );
        assert!(
            seed.ends_with(&format!(" · {}", local.format("%H:%M"))),
            "{seed}"
        );
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(4200), "4.1 KB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MB");
    }
}

#[cfg(test)]
mod terminal_tests {
    use super::terminal;

    #[test]
    fn escape_sequences_lose_their_escape() {
        assert_eq!(
            terminal("a\u{1b}[31mred\u{7} \u{9b}2J\nکارو\t."),
            "a[31mred 2J\nکارو\t."
        );
        // ZWNJ is a format character, not a control: Persian keeps it.
        assert_eq!(terminal("می\u{200c}شود"), "می\u{200c}شود");
    }
}
