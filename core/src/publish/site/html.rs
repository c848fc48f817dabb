//! The site's pages as HTML text. Everything but an article's (sanitised) body is escaped here.

use std::collections::HashMap;
use std::fmt::Write;

use super::{ABOUT, INDEX, STYLE, SiteInput, archive_page, article_page};
use crate::format::{Article, Comment, layout};
use crate::text::date::{DateStyle, format_date};

/// The style sheet, written to [`STYLE`].
pub(super) const CSS: &str = include_str!("style.css");

/// Dates are shown at the publisher's offset: Tehran (+03:30, no daylight saving since 2022).
const UTC_OFFSET: i32 = 3 * 3600 + 1800;

/// Nothing but the tree: images and the style sheet from the page's own origin, no scripts,
/// no frames, no fonts, no connections.
const CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'self'";

/// Languages written right to left (BCP 47 primary subtags).
const RTL: &[&str] = &[
    "ar", "ckb", "dv", "fa", "he", "ks", "ku", "lrc", "mzn", "ps", "sd", "ug", "ur", "yi",
];

/// Renders pages, remembering formatted dates (a day is formatted once per run).
pub(super) struct Renderer<'a> {
    input: &'a SiteInput<'a>,
    dates: HashMap<(i64, String), String>,
}

impl<'a> Renderer<'a> {
    pub(super) fn new(input: &'a SiteInput<'a>) -> Self {
        Renderer {
            input,
            dates: HashMap::new(),
        }
    }

    /// The front page: the newest articles, and the newest archive page.
    pub(super) fn index(&mut self, newest: &[&Article], pages: usize) -> String {
        let mut body = String::new();
        self.list(&mut body, newest);
        if pages > 0 {
            let _ = write!(
                body,
                "<nav class=\"pages\"><a href=\"{}\">همهٔ مطالب، صفحه به صفحه</a></nav>",
                archive_page(pages)
            );
        }
        self.page(self.input.publisher, false, &body)
    }

    /// Archive page `n` of `pages`: `list` is newest first.
    pub(super) fn archive(&mut self, list: &[&Article], n: usize, pages: usize) -> String {
        let mut body = format!("<h1>صفحهٔ {}</h1>", digits(n));
        self.list(&mut body, list);
        body.push_str("<nav class=\"pages\">");
        if n < pages {
            let _ = write!(
                body,
                "<a rel=\"prev\" href=\"{}\">مطالب جدیدتر</a>",
                archive_page(n + 1)
            );
        } else {
            let _ = write!(body, "<a href=\"{INDEX}\">صفحهٔ اول</a>");
        }
        if n > 1 {
            let _ = write!(
                body,
                "<a rel=\"next\" href=\"{}\">مطالب قدیمی‌تر</a>",
                archive_page(n - 1)
            );
        }
        body.push_str("</nav>");
        let title = format!("صفحهٔ {} — {}", digits(n), self.input.publisher);
        self.page(&title, true, &body)
    }

    /// One article with its lead image, related articles and comments.
    pub(super) fn article(&mut self, a: &Article, comments: &[&Comment]) -> String {
        let (lang, dir) = lang_dir(&a.language);
        let mut body = format!("<article lang=\"{}\" dir=\"{dir}\">", esc(lang));
        let _ = write!(body, "<h1>{}</h1>", esc(&a.title));
        let date = self.date(a.published_at, lang);
        let _ = write!(
            body,
            "<p class=\"date\"><time datetime=\"{}\">{}</time></p>",
            iso_date(a.published_at),
            esc(&date)
        );
        if let Some(author) = &a.author {
            let _ = write!(body, "<p class=\"author\">{}</p>", esc(author));
        }
        if !a.summary.is_empty() {
            let _ = write!(body, "<p class=\"lead\">{}</p>", esc(&a.summary));
        }
        // The lead image, unless the body shows it already.
        if let Some(img) = &a.lead_image
            && let Some(src) = layout::media(&img.hash, &img.mime)
            && !a.body_html.contains(&format!("src=\"{src}\""))
        {
            let caption = img.caption.as_deref().unwrap_or("");
            let _ = write!(body, "<figure><img src=\"{src}\" alt=\"{}\">", esc(caption));
            if !caption.is_empty() {
                let _ = write!(body, "<figcaption>{}</figcaption>", esc(caption));
            }
            if let Some(full) = img
                .original
                .as_ref()
                .and_then(|o| layout::media(&o.hash, &o.mime))
            {
                let _ = write!(body, "<a href=\"{full}\">تصویر در اندازهٔ کامل</a>");
            }
            body.push_str("</figure>");
        }
        let _ = write!(
            body,
            "<div class=\"body\">{}</div></article>",
            self.offline_links(a)
        );

        let related: Vec<&Article> = a
            .related
            .iter()
            .chain(&a.links)
            .filter_map(|id| self.input.articles.get(id))
            .fold(Vec::new(), |mut out, r| {
                if !out.iter().any(|o: &&Article| o.id == r.id) {
                    out.push(r);
                }
                out
            });
        if !related.is_empty() {
            body.push_str("<section class=\"related\"><h2>بیشتر بخوانید:</h2><ul>");
            for r in related {
                let _ = write!(
                    body,
                    "<li><a href=\"{}\">{}</a></li>",
                    article_page(&r.id),
                    esc(&r.title)
                );
            }
            body.push_str("</ul></section>");
        }
        if !comments.is_empty() {
            body.push_str("<section class=\"comments\"><h2>نظرها</h2><ol>");
            for c in comments {
                let date = self.date(c.posted_at, "fa");
                let _ = write!(
                    body,
                    "<li><p class=\"author\">{} <span class=\"date\">{}</span></p><p>{}</p></li>",
                    esc(&c.author),
                    esc(&date),
                    esc(&c.body)
                );
            }
            body.push_str("</ol></section>");
        }
        let title = format!("{} — {}", a.title, self.input.publisher);
        self.page(&title, true, &body)
    }

    /// The publisher's key, the mirrors, what this copy is and how to get the app.
    pub(super) fn about(&mut self) -> String {
        let input = self.input;
        let mut body = String::from("<h1>دربارهٔ این نسخه</h1>");
        let _ = write!(
            body,
            "<p>این صفحه‌ها نسخه‌ای از مطالب {} است که روی یک سایت موازی (آینه) منتشر شده. \
             آخرین به‌روزرسانی: <time datetime=\"{}\">{}</time> (نسخهٔ {}).</p>",
            esc(input.publisher),
            iso_date(input.head.issued_at),
            esc(&self.date(input.head.issued_at, "fa")),
            digits(input.head.version as usize)
        );
        body.push_str(
            "<h2>اپلیکیشن</h2><p>اپلیکیشن ناشر مطالب را از همین سایت‌های موازی دریافت می‌کند، \
             امضای ناشر را بررسی می‌کند و مطالب را بدون اینترنت هم نشان می‌دهد. آن را فقط از \
             نشانی‌های رسمی ناشر نصب کنید و بررسی کنید که اثر انگشت کلید زیر با آنچه اپلیکیشن \
             نشان می‌دهد یکی باشد.</p>",
        );
        let _ = write!(
            body,
            "<h2>کلید ناشر</h2><p>اثر انگشت: <code class=\"key\">{}</code></p>\
             <p>کلید عمومی: <code class=\"key\">{}</code></p>",
            esc(&input.key.id()),
            esc(&input.key.to_string())
        );
        body.push_str(
            "<p>این صفحه‌های وب امضا نشده‌اند: مرورگر به میزبان این سایت اعتماد می‌کند، \
             اما اپلیکیشن فقط به امضای ناشر.</p>",
        );
        if !input.mirrors.is_empty() {
            body.push_str("<h2>سایت‌های موازی دیگر</h2><ul>");
            for m in input.mirrors {
                let _ = write!(body, "<li><code class=\"key\">{}</code></li>", esc(m));
            }
            body.push_str("</ul>");
        }
        let title = format!("دربارهٔ این نسخه — {}", input.publisher);
        self.page(&title, true, &body)
    }

    /// A list of articles: title, date and lead.
    fn list(&mut self, out: &mut String, articles: &[&Article]) {
        out.push_str("<ol class=\"articles\">");
        for a in articles {
            let (lang, dir) = lang_dir(&a.language);
            let date = self.date(a.published_at, lang);
            let _ = write!(
                out,
                "<li lang=\"{}\" dir=\"{dir}\"><h2><a href=\"{}\">{}</a></h2>\
                 <p class=\"date\"><time datetime=\"{}\">{}</time></p>",
                esc(lang),
                article_page(&a.id),
                esc(&a.title),
                iso_date(a.published_at),
                esc(&date)
            );
            if !a.summary.is_empty() {
                let _ = write!(out, "<p>{}</p>", esc(&a.summary));
            }
            out.push_str("</li>");
        }
        out.push_str("</ol>");
    }

    /// A whole page; `in_site` pages live under `site/` and resolve links from the root. The
    /// empty icon keeps browsers from asking the host's root for `/favicon.ico`, outside the tree.
    fn page(&self, title: &str, in_site: bool, body: &str) -> String {
        let base = if in_site { "<base href=\"../\">" } else { "" };
        format!(
            "<!DOCTYPE html>\n<html lang=\"fa\" dir=\"rtl\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
             <meta name=\"referrer\" content=\"no-referrer\">{base}\
             <title>{}</title><link rel=\"stylesheet\" href=\"{STYLE_PATH}\">\
             <link rel=\"icon\" href=\"data:,\"></head>\n<body>\
             <header class=\"site\"><a class=\"home\" href=\"{INDEX}\">{}</a></header>\n\
             <main>{body}</main>\n<footer class=\"site\"><a href=\"{ABOUT}\">دربارهٔ این نسخه</a> \
             · <a href=\"{INDEX}\">صفحهٔ اول</a></footer></body></html>\n",
            esc(title),
            esc(self.input.publisher),
            STYLE_PATH = STYLE,
        )
    }

    /// The body, with links to the publisher's own articles pointing at their pages here.
    fn offline_links(&self, a: &Article) -> String {
        let mut body = a.body_html.clone();
        for id in &a.links {
            if let Some(url) = self.input.articles.get(id).and_then(|t| t.url.as_deref()) {
                body = body.replace(
                    &format!("href=\"{}\"", esc(url)),
                    &format!("href=\"{}\"", article_page(id)),
                );
            }
        }
        body
    }

    /// The date in the article's language (for Persian: Gregorian and Solar Hijri).
    fn date(&mut self, at: i64, lang: &str) -> String {
        let day = (at + i64::from(UTC_OFFSET)).div_euclid(86_400);
        self.dates
            .entry((day, lang.to_string()))
            .or_insert_with(|| {
                format_date(at, UTC_OFFSET, lang, DateStyle::DayMonthYear)
                    .or_else(|_| format_date(at, UTC_OFFSET, "fa", DateStyle::DayMonthYear))
                    .unwrap_or_default()
            })
            .clone()
    }
}

/// The language to tag text with (`fa` when the article's is not a plain tag) and its
/// direction.
fn lang_dir(language: &str) -> (&str, &'static str) {
    let lang = if !language.is_empty()
        && language.len() <= 35
        && language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        language
    } else {
        "fa"
    };
    let primary = lang.split('-').next().unwrap_or("").to_ascii_lowercase();
    let dir = if RTL.contains(&primary.as_str()) {
        "rtl"
    } else {
        "ltr"
    };
    (lang, dir)
}

/// `YYYY-MM-DD` (UTC) for `<time datetime>`.
fn iso_date(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A number in Persian digits.
fn digits(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '۰' as u32).unwrap_or(c))
        .collect()
}

/// Text escaped for HTML content and double- or single-quoted attributes.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
