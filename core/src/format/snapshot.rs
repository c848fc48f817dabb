//! Snapshots: the state after one log entry, without tombstones, so a new reader does not replay
//! history. A snapshot is a manifest in `head` plus parts (gzip JSON lines, a few MiB each): the
//! headlines first (newest first, no bodies), so an app can show its list after two requests,
//! then whole articles, then comments.

use serde::{Deserialize, Serialize};

use super::codec::{GzLines, gzip, parse_json, sha256_hex};
use super::head::{PartKind, PartRef, SnapshotRef};
use super::{Article, Comment, FormatError, MediaRef};

/// An article without its body: one line of the headlines part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headline {
    pub id: String,
    pub revision: u64,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    pub language: String,
    pub published_at: i64,
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_image: Option<MediaRef>,
}

impl From<&Article> for Headline {
    fn from(a: &Article) -> Self {
        Headline {
            id: a.id.clone(),
            revision: a.revision,
            title: a.title.clone(),
            summary: a.summary.clone(),
            author: a.author.clone(),
            language: a.language.clone(),
            published_at: a.published_at,
            updated_at: a.updated_at,
            tags: a.tags.clone(),
            url: a.url.clone(),
            lead_image: a.lead_image.clone(),
        }
    }
}

/// One line of a snapshot part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartItem {
    Headline(Headline),
    Article(Article),
    Comment(Comment),
}

/// Builds the parts of a snapshot. Parts are cut when they reach `part_target` raw bytes.
pub struct SnapshotBuilder {
    part_target: usize,
    parts: Vec<(PartRef, Vec<u8>)>,
    current: Option<(PartKind, Vec<u8>, u64)>,
}

impl SnapshotBuilder {
    pub fn new(part_target: usize) -> Self {
        SnapshotBuilder {
            part_target,
            parts: Vec::new(),
            current: None,
        }
    }

    /// Builds a snapshot of `articles` (in any order) and `comments` at log position `seq`.
    pub fn build(
        mut self,
        articles: &[&Article],
        comments: &[&Comment],
        seq: u64,
        tip: String,
    ) -> (SnapshotRef, Vec<(PartRef, Vec<u8>)>) {
        let mut newest_first: Vec<&Article> = articles.to_vec();
        newest_first.sort_by(|a, b| (b.published_at, &b.id).cmp(&(a.published_at, &a.id)));
        for a in &newest_first {
            self.push(PartKind::Headlines, &Headline::from(*a));
        }
        // Headlines stay in one part so the list needs one request.
        self.cut();
        for a in &newest_first {
            self.push(PartKind::Articles, *a);
        }
        for c in comments {
            self.push(PartKind::Comments, *c);
        }
        self.cut();
        let manifest = SnapshotRef {
            seq,
            tip,
            articles: articles.len() as u64,
            comments: comments.len() as u64,
            parts: self.parts.iter().map(|(r, _)| r.clone()).collect(),
        };
        (manifest, self.parts)
    }

    fn push<T: Serialize>(&mut self, kind: PartKind, item: &T) {
        if self.current.as_ref().is_some_and(|(k, raw, _)| {
            *k != kind || (kind != PartKind::Headlines && raw.len() >= self.part_target)
        }) {
            self.cut();
        }
        let (_, raw, items) = self.current.get_or_insert_with(|| (kind, Vec::new(), 0));
        serde_json::to_writer(&mut *raw, item).expect("an item serialises");
        raw.push(b'\n');
        *items += 1;
    }

    fn cut(&mut self) {
        if let Some((kind, raw, items)) = self.current.take() {
            let bytes = gzip(&raw);
            let part = PartRef {
                kind,
                hash: sha256_hex(&bytes),
                len: bytes.len() as u64,
                raw_len: raw.len() as u64,
                items,
            };
            self.parts.push((part, bytes));
        }
    }
}

/// Reads the items of a part whose bytes were checked against its reference.
pub struct PartReader<'a> {
    part: &'a PartRef,
    lines: GzLines<&'a [u8]>,
    seen: u64,
}

impl<'a> PartReader<'a> {
    pub fn new(part: &'a PartRef, bytes: &'a [u8]) -> Self {
        PartReader {
            part,
            lines: GzLines::new(format!("snapshot part {}", part.hash), bytes, part.raw_len),
            seen: 0,
        }
    }

    pub fn next_item(&mut self) -> Result<Option<PartItem>, FormatError> {
        let what = format!("snapshot part {}", self.part.hash);
        let Some(line) = self.lines.next_line()? else {
            if self.seen != self.part.items {
                return Err(FormatError::malformed(
                    &what,
                    format!("{} items, manifest says {}", self.seen, self.part.items),
                ));
            }
            return Ok(None);
        };
        self.seen += 1;
        Ok(Some(match self.part.kind {
            PartKind::Headlines => PartItem::Headline(parse_json(&what, line)?),
            PartKind::Articles => PartItem::Article(parse_json(&what, line)?),
            PartKind::Comments => PartItem::Comment(parse_json(&what, line)?),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: &str, published_at: i64) -> Article {
        Article {
            id: id.into(),
            revision: 1,
            title: format!("عنوان {id}"),
            summary: String::new(),
            body_html: "<p>متن</p>".repeat(50),
            author: None,
            language: "fa".into(),
            published_at,
            updated_at: published_at,
            tags: vec![],
            url: None,
            lead_image: None,
            images: vec![],
            related: vec![],
            links: vec![],
        }
    }

    #[test]
    fn headlines_come_first_newest_first_and_articles_are_split() {
        let articles: Vec<Article> = (0..40).map(|i| article(&format!("a{i}"), i)).collect();
        let refs: Vec<&Article> = articles.iter().collect();
        let (manifest, parts) = SnapshotBuilder::new(2000).build(&refs, &[], 40, "00".repeat(32));
        assert_eq!(manifest.parts[0].kind, PartKind::Headlines);
        assert_eq!(manifest.parts[0].items, 40);
        assert!(manifest.parts.len() > 2, "bodies split into several parts");
        let mut reader = PartReader::new(&parts[0].0, &parts[0].1);
        let Some(PartItem::Headline(first)) = reader.next_item().unwrap() else {
            panic!()
        };
        assert_eq!(first.id, "a39");
        let total: u64 = manifest.parts[1..].iter().map(|p| p.items).sum();
        assert_eq!(total, 40);
    }
}
