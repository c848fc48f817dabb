//! The references of an article body to images (`<img src>`, `srcset`, `<picture>` sources)
//! and to pages (`<a href>`): found and rewritten in one HTML pass. The publisher makes them
//! absolute when it reads a feed, then points image references at the tree's media files.
//! The result is sanitised again by [`crate::content::sanitize_html`] before it is published.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

/// What a reference in a body points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Image,
    Page,
}

/// Rewrites every reference of `html`: `rewrite(kind, value)` returns the new value, or `None`
/// to drop that reference (a `srcset` candidate, or the whole attribute). Other markup is kept
/// as ammonia's default policy plus `<picture>`, `<source>` and `srcset` allows.
pub fn rewrite(
    html: &str,
    rewrite: impl Fn(RefKind, &str) -> Option<String> + Send + Sync + 'static,
) -> String {
    let mut b = ammonia::Builder::default();
    b.add_tags(["picture", "source"])
        .add_tag_attributes("img", ["srcset"])
        .add_tag_attributes("source", ["srcset", "src", "type", "media"])
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                ("img" | "source", "src") => rewrite(RefKind::Image, value).map(Cow::Owned),
                ("img" | "source", "srcset") => {
                    let kept: Vec<String> = srcset(value)
                        .filter_map(|(url, descriptor)| {
                            rewrite(RefKind::Image, url).map(|u| match descriptor {
                                "" => u,
                                d => format!("{u} {d}"),
                            })
                        })
                        .collect();
                    (!kept.is_empty()).then(|| Cow::Owned(kept.join(", ")))
                }
                ("a", "href") => rewrite(RefKind::Page, value).map(Cow::Owned),
                _ => Some(Cow::Borrowed(value)),
            },
        );
    b.clean(html).to_string()
}

/// The image references of `html`, in document order, each once.
pub fn images(html: &str) -> Vec<String> {
    let found: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = found.clone();
    rewrite(html, move |kind, value| {
        if kind == RefKind::Image {
            let mut found = sink.lock().unwrap_or_else(|e| e.into_inner());
            if !found.iter().any(|f| f == value) {
                found.push(value.to_string());
            }
        }
        Some(value.to_string())
    });
    let found = found.lock().unwrap_or_else(|e| e.into_inner());
    found.clone()
}

/// The candidates of a `srcset` value: (URL, descriptor such as `2x` or `640w`).
fn srcset(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value.split(',').filter_map(|c| {
        let c = c.trim();
        let (url, descriptor) = c.split_once(char::is_whitespace).unwrap_or((c, ""));
        (!url.is_empty()).then_some((url, descriptor.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_found_in_src_srcset_and_picture_sources() {
        let html = r#"<p>x<img src="a.png" srcset="a.png 1x, b.png 2x"></p>
            <picture><source srcset="c.webp" type="image/webp"><img src="d.jpg"></picture>"#;
        assert_eq!(images(html), ["a.png", "b.png", "c.webp", "d.jpg"]);
    }

    #[test]
    fn references_are_rewritten_or_dropped() {
        let html = r#"<a href="/fa/x">l</a><img src="a.png" srcset="a.png 1x, b.png 2x" alt="t">"#;
        let out = rewrite(html, |kind, v| match (kind, v) {
            (RefKind::Page, v) => Some(format!("https://site.example{v}")),
            (RefKind::Image, "a.png") => Some("media/aa.png".into()),
            _ => None,
        });
        assert!(out.contains(r#"href="https://site.example/fa/x""#), "{out}");
        assert!(out.contains(r#"src="media/aa.png""#), "{out}");
        assert!(out.contains(r#"srcset="media/aa.png 1x""#), "{out}");
        assert!(!out.contains("b.png"), "{out}");
    }
}
