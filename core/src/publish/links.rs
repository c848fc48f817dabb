//! Links to the publisher's own articles, recorded as references to the offline copies.

use std::collections::{HashMap, HashSet};

use url::Url;

/// Maps the publisher's own article addresses to article ids, so links in bodies can be
/// recorded as references to the offline copies.
#[derive(Debug, Default)]
pub struct SiteLinks {
    hosts: HashSet<String>,
    by_path: HashMap<String, String>,
}

impl SiteLinks {
    /// `articles` are (id, url) pairs; `site` names the publisher's host (otherwise the hosts of
    /// the article URLs count as the publisher's own).
    pub fn new<'a>(
        site: Option<&Url>,
        articles: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let mut links = SiteLinks::default();
        if let Some(host) = site.and_then(|s| s.host_str()) {
            links.hosts.insert(normal_host(host));
        }
        let explicit = !links.hosts.is_empty();
        for (id, url) in articles {
            if let Ok(url) = Url::parse(url)
                && let Some(host) = url.host_str()
            {
                if !explicit {
                    links.hosts.insert(normal_host(host));
                }
                links.by_path.insert(normal_path(&url), id.to_string());
            }
        }
        links
    }

    /// Ids of the articles `html` links to on the publisher's own site, in order, without
    /// duplicates and without `own_id`.
    pub fn linked_ids(&self, html: &str, own_id: &str) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for href in hrefs(html) {
            let Ok(url) = Url::parse(&href) else { continue };
            let on_site = url
                .host_str()
                .is_some_and(|h| self.hosts.contains(&normal_host(h)));
            if let Some(id) = on_site
                .then(|| self.by_path.get(&normal_path(&url)))
                .flatten()
                && id != own_id
                && !ids.contains(id)
            {
                ids.push(id.clone());
            }
        }
        ids
    }
}

fn normal_host(host: &str) -> String {
    host.trim_start_matches("www.").to_ascii_lowercase()
}

fn normal_path(url: &Url) -> String {
    url.path().trim_end_matches('/').to_string()
}

/// The `href` values of `<a>` elements in (sanitised) HTML.
fn hrefs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("href=\"") {
        rest = &rest[i + 6..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::sanitize_html;

    #[test]
    fn links_to_own_articles_become_references() {
        let site = SiteLinks::new(
            None,
            [
                ("a1", "https://www.example.com/fa/a1"),
                ("a2", "https://www.example.com/fa/a2/"),
            ],
        );
        let html = sanitize_html(
            r#"<a href="https://example.com/fa/a2">x</a> <a href="https://other.org/fa/a2">y</a> <a href="https://www.example.com/fa/a1">self</a>"#,
        );
        assert_eq!(site.linked_ids(&html, "a1"), vec!["a2".to_string()]);
    }
}
