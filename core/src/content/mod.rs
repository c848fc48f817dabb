//! Article content as the reader sees it: one owner for turning untrusted HTML into safe HTML
//! ([`sanitize_html`]) and into plain text ([`html_to_text`], [`plain_text`]). The publisher
//! sanitises bodies when it publishes, the store again when an article is read (a mirror, or a
//! stolen key, may be hostile), search indexes the text, and the CLI prints it.

use std::collections::HashSet;
use std::sync::LazyLock;

use url::Url;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("noopener noreferrer nofollow"))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        // Only links are followed, and only when the reader chooses to: nothing the phone loads
        // by itself (an image's `src`, the only such attribute allowed) may name anything
        // outside the tree.
        .attribute_filter(|_, attr, value| {
            (attr != "src" || is_inside_tree(value)).then(|| value.into())
        });
    b
});

/// The base relative references are resolved against to tell whether they stay in the tree.
static TREE_BASE: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://tree.invalid/article/").expect("a valid base"));

/// Removes scripts, event handlers, styles, links other than `http`, `https` and `mailto`, and
/// anything else not in a safe subset of HTML. Every URL the phone would load by itself (an
/// image's `src`) must be a relative reference inside the tree: remote ones (`http:`, `//host`,
/// `/\host`, `data:`, …) are removed, so an opened article loads nothing from outside.
pub fn sanitize_html(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// Whether a reference, resolved as a browser would (backslashes, tabs, spaces, case), stays
/// on the page's own host.
fn is_inside_tree(reference: &str) -> bool {
    TREE_BASE
        .join(reference)
        .is_ok_and(|u| u.scheme() == "https" && u.host_str() == Some("tree.invalid"))
}

/// `url` if it is an absolute `http` or `https` URL (whatever the case and surrounding spaces),
/// trimmed; `None` for `javascript:`, `data:`, relative and every other form. Article URLs are
/// checked with it when published and again when read.
pub fn web_url(url: &str) -> Option<String> {
    let trimmed = url.trim();
    let parsed = Url::parse(trimmed).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some())
        .then(|| trimmed.to_string())
}

/// The text of untrusted HTML (a feed's summary, say): sanitised first, so that the content of
/// scripts and styles never becomes text, then [`html_to_text`], trimmed.
pub fn plain_text(html: &str) -> String {
    html_to_text(&sanitize_html(html)).trim().to_string()
}

/// Characters a summary holds at most: a sentence or two, for the list and the headlines part.
pub const SUMMARY_MAX_CHARS: usize = 300;

/// A short summary of plain `text` (a feed's description may be the whole article): its
/// whitespace collapsed, then its first sentences up to [`SUMMARY_MAX_CHARS`] characters; a
/// first sentence longer than that is cut after a word and ends with `…`.
pub fn short_summary(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    let mut chars = 0;
    let mut sentence_end = None;
    for w in words {
        let len = w.chars().count() + usize::from(!out.is_empty());
        if chars + len > SUMMARY_MAX_CHARS {
            return match sentence_end {
                Some(end) => out[..end].to_string(),
                None if out.is_empty() => {
                    w.chars().take(SUMMARY_MAX_CHARS - 1).collect::<String>() + "…"
                }
                None => {
                    // One sentence longer than the cap (`…` takes its last character).
                    while chars >= SUMMARY_MAX_CHARS && out.contains(' ') {
                        let cut = out.rfind(' ').unwrap_or(0);
                        chars -= out[cut..].chars().count();
                        out.truncate(cut);
                    }
                    out + "…"
                }
            };
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
        chars += len;
        if w.ends_with(['.', '!', '?', '؟', '…', '۔']) {
            sentence_end = Some(out.len());
        }
    }
    out
}

/// Plain text of sanitised HTML: tags dropped (block tags become line breaks), common entities
/// decoded.
pub fn html_to_text(html: &str) -> String {
    const BLOCK: &[&str] = &[
        "p",
        "br",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "figure",
        "figcaption",
        "img",
        "hr",
        "table",
        "tr",
        "td",
        "th",
        "section",
        "article",
    ];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let name: String = rest[1..end]
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if BLOCK.contains(&name.as_str()) {
                out.push('\n');
            }
            rest = &rest[end..];
        } else {
            // An entity name is short ASCII; look at most 12 bytes ahead, on a char boundary.
            let end = rest
                .char_indices()
                .take_while(|(i, _)| *i < 12)
                .find(|(_, c)| *c == ';')
                .map(|(i, _)| i);
            let decoded = end.and_then(|e| entity(&rest[1..e]));
            match (end, decoded) {
                (Some(e), Some(c)) => {
                    out.push(c);
                    rest = &rest[e + 1..];
                }
                _ => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_its_first_sentences_up_to_the_cap() {
        assert_eq!(short_summary("  کوتاه   است.\n"), "کوتاه است.");
        let sentence = "این یک جملهٔ نسبتاً بلند است که چند کلمه دارد. ";
        let whole = sentence.repeat(40);
        let short = short_summary(&whole);
        assert!(short.chars().count() <= SUMMARY_MAX_CHARS, "{short}");
        assert!(
            short.ends_with('.') && short.len() > sentence.len(),
            "{short}"
        );
        assert_eq!(
            short,
            sentence
                .repeat((short.len() + 1) / sentence.len())
                .trim_end()
        );
        let endless = "واژه ".repeat(200);
        let cut = short_summary(&endless);
        assert!(cut.ends_with("واژه…"), "{cut}");
        assert_eq!(cut.chars().count(), SUMMARY_MAX_CHARS);
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let dirty = r#"<p onclick="x()">متن<script>alert(1)</script><img src="a.jpg" onerror="steal()"><a href="javascript:alert(1)">لینک</a></p>"#;
        let clean = sanitize_html(dirty);
        for bad in ["script", "onclick", "onerror", "javascript:"] {
            assert!(!clean.contains(bad), "{bad} survived in {clean}");
        }
        assert!(clean.contains("متن") && clean.contains("لینک"));
    }

    #[test]
    fn nothing_outside_the_tree_is_loaded() {
        let dirty = concat!(
            r#"<img src="http://tracker.example/a.png" alt="a">"#,
            r#"<img src="HTTPS://tracker.example/b.png">"#,
            r#"<img src="//tracker.example/c.png">"#,
            r#"<img src=" /\tracker.example/d.png">"#,
            r#"<img src="data:image/png;base64,AAAA">"#,
            r#"<img src="x.png" srcset="https://tracker.example/e.png 2x">"#,
            r#"<p style="background:url(https://tracker.example/f.png)">متن</p>"#,
            r#"<style>p{background:url(https://tracker.example/g.png)}</style>"#,
            r#"<svg><image href="https://tracker.example/h.png"/></svg>"#,
            r#"<a href="https://example.org/more">بیشتر</a>"#,
        );
        let clean = sanitize_html(dirty);
        assert!(!clean.contains("tracker.example"), "{clean}");
        assert!(!clean.contains("data:"), "{clean}");
        // Images inside the tree stay, and a link is still there for the reader to follow.
        assert!(clean.contains(r#"src="x.png""#), "{clean}");
        assert!(
            clean.contains(r#"href="https://example.org/more""#),
            "{clean}"
        );
        assert!(clean.contains("متن"), "{clean}");
    }

    #[test]
    fn links_are_web_or_mail_only() {
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "\tjava\nscript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "tel:+1",
        ] {
            let clean = sanitize_html(&format!(r#"<a href="{bad}">x</a>"#));
            assert!(!clean.contains("href"), "{bad}: {clean}");
        }
    }

    #[test]
    fn article_urls_are_http_or_https_only() {
        assert_eq!(
            web_url(" https://example.org/a ").as_deref(),
            Some("https://example.org/a")
        );
        assert!(web_url("HTTP://example.org/").is_some());
        for bad in [
            "javascript:alert(1)",
            "  JAVASCRIPT:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,x",
            "vbscript:x",
            "file:///etc/passwd",
            "/relative",
            "//example.org/a",
            "http:",
        ] {
            assert_eq!(web_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_keeps_words_and_decodes_entities() {
        assert_eq!(html_to_text("<p>a</p><p>b &amp; c</p>"), "\na\n\nb & c\n");
        assert_eq!(
            plain_text("<p>متن <script>steal()</script>&amp; بیشتر</p>"),
            "متن & بیشتر"
        );
    }
}
