//! Article content as the reader sees it: one owner for turning untrusted HTML into safe HTML
//! ([`sanitize_html`]) and into plain text ([`html_to_text`], [`plain_text`]). The publisher
//! sanitises bodies when it publishes, the store again when an article is read (a mirror, or a
//! stolen key, may be hostile), search indexes the text, and the CLI prints it.

use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("noopener noreferrer nofollow"))
        .url_relative(ammonia::UrlRelative::PassThrough);
    b
});

/// Removes scripts, event handlers, `javascript:` links and anything else not in a safe subset
/// of HTML.
pub fn sanitize_html(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// The text of untrusted HTML (a feed's summary, say): sanitised first, so that the content of
/// scripts and styles never becomes text, then [`html_to_text`], trimmed.
pub fn plain_text(html: &str) -> String {
    html_to_text(&sanitize_html(html)).trim().to_string()
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
    fn scripts_handlers_and_javascript_links_are_removed() {
        let dirty = r#"<p onclick="x()">متن<script>alert(1)</script><img src="a.jpg" onerror="steal()"><a href="javascript:alert(1)">لینک</a></p>"#;
        let clean = sanitize_html(dirty);
        for bad in ["script", "onclick", "onerror", "javascript:"] {
            assert!(!clean.contains(bad), "{bad} survived in {clean}");
        }
        assert!(clean.contains("متن") && clean.contains("لینک"));
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
