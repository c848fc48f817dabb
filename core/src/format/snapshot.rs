//! Snapshots: the state after one log entry, without tombstones, so a new reader does not replay
//! history. A snapshot is parts (compressed JSON lines, a few MiB each): headlines (newest
//! first, no bodies), then the bodies (format 2: only what the headlines lack; format 4: also
//! without the summary's text where the body repeats it, so no text is sent twice; format 1:
//! whole articles), then comments. `head` names the first headlines part, so an app
//! can show its list after three requests (head, root, that part), and pins a part list naming
//! the others.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::codec::{FileUse, Lines, is_hash_hex, parse_json, sha256_hex};
use super::head::{PartKind, PartListRef, PartRef, SnapshotRef, TreeFormat};
use super::limits::{PART_LIST_MAX, PARTS_MAX};
use super::{Article, Comment, FormatError, MediaRef, layout};

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

/// What an article's headline lacks: one line of a bodies part (format 2). It fills the row its
/// headline (same id and revision) made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    pub id: String,
    pub revision: u64,
    /// The HTML as sent: with a cut (format 4), without the summary's text (see
    /// [`Body::spliced_html`]).
    #[serde(default)]
    pub body_html: String,
    /// Format 4's cut: the byte of `body_html` where the summary's first `summary_len` bytes
    /// belong. Both fields or neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_len: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<MediaRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
}

impl From<&Article> for Body {
    fn from(a: &Article) -> Self {
        Body {
            id: a.id.clone(),
            revision: a.revision,
            body_html: a.body_html.clone(),
            summary_at: None,
            summary_len: None,
            images: a.images.clone(),
            related: a.related.clone(),
            links: a.links.clone(),
        }
    }
}

/// Bytes a cut must save to be made: the two fields it adds cost about 30.
const CUT_MIN: usize = 32;

impl Body {
    /// `a`'s body for a format 4 snapshot: without the longest prefix of its summary that the
    /// HTML holds verbatim (where it first appears), when that saves at least [`CUT_MIN`] bytes.
    pub fn cut(a: &Article) -> Body {
        let mut body = Body::from(a);
        if let Some((at, len)) = summary_in_html(&a.summary, &a.body_html)
            && len >= CUT_MIN
        {
            body.body_html.replace_range(at..at + len, "");
            body.summary_at = Some(at as u64);
            body.summary_len = Some(len as u64);
        }
        body
    }

    /// Whether the body was sent without its summary's text (format 4's cut, or half of one).
    pub fn is_cut(&self) -> bool {
        self.summary_at.is_some() || self.summary_len.is_some()
    }

    /// The whole HTML: as sent, or with `summary` (its headline's, same id and revision) put
    /// back where it was cut. A cut that does not fit is an error: one field without the
    /// other, an offset past the HTML or inside a character, a length past the summary or
    /// inside a character.
    pub fn spliced_html(&self, summary: &str) -> Result<Cow<'_, str>, FormatError> {
        let html = &self.body_html;
        let bad = |reason: String| {
            FormatError::malformed(format!("the body of article {}", self.id), reason)
        };
        let (at, len) = match (self.summary_at, self.summary_len) {
            (None, None) => return Ok(Cow::Borrowed(html)),
            (Some(at), Some(len)) => (at, len),
            _ => return Err(bad("summary_at and summary_len come together".into())),
        };
        let boundary = |field: &str, n: u64, text: &str, of: &str| {
            usize::try_from(n)
                .ok()
                .filter(|&i| text.is_char_boundary(i))
                .ok_or_else(|| {
                    let len = text.len();
                    bad(format!(
                        "{field} {n} is not a character boundary of its {len}-byte {of}"
                    ))
                })
        };
        let at = boundary("summary_at", at, html, "HTML")?;
        let len = boundary("summary_len", len, summary, "summary")?;
        let mut whole = String::with_capacity(html.len() + len);
        whole.push_str(&html[..at]);
        whole.push_str(&summary[..len]);
        whole.push_str(&html[at..]);
        Ok(Cow::Owned(whole))
    }
}

/// Where the longest prefix of `summary` (ending on a character boundary) first appears in
/// `html`: its byte offset and length.
fn summary_in_html(summary: &str, html: &str) -> Option<(usize, usize)> {
    // Every shorter prefix of a prefix found is found too: search the ends by halving.
    let ends: Vec<usize> = summary
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    let (mut found, mut missing) = (0, ends.len());
    while found < missing {
        let mid = (found + missing) / 2;
        if html.contains(&summary[..ends[mid]]) {
            found = mid + 1;
        } else {
            missing = mid;
        }
    }
    let len = *ends[..found].last()?;
    html.find(&summary[..len]).map(|at| (at, len))
}

impl Headline {
    /// The whole article: this headline filled with its body (same id and revision, and a cut
    /// that fits this headline's summary).
    pub fn with_body(self, b: Body) -> Result<Article, FormatError> {
        if b.id != self.id || b.revision != self.revision {
            return Err(FormatError::malformed(
                format!("the body of article {} revision {}", b.id, b.revision),
                "its headline is not the one before it",
            ));
        }
        let body_html = b.spliced_html(&self.summary)?.into_owned();
        Ok(Article {
            id: self.id,
            revision: self.revision,
            title: self.title,
            summary: self.summary,
            body_html,
            author: self.author,
            language: self.language,
            published_at: self.published_at,
            updated_at: self.updated_at,
            tags: self.tags,
            url: self.url,
            lead_image: self.lead_image,
            images: b.images,
            related: b.related,
            links: b.links,
        })
    }
}

/// One line of a snapshot part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartItem {
    Headline(Headline),
    Article(Article),
    Body(Body),
    Comment(Comment),
}

/// Builds the parts of a snapshot. Parts are cut when they reach `part_target` raw bytes, the
/// first (the newest headlines) at an eighth of it.
pub struct SnapshotBuilder {
    part_target: usize,
    format: TreeFormat,
    parts: Vec<(PartRef, Vec<u8>)>,
    current: Option<(PartKind, Vec<u8>, u64)>,
}

impl SnapshotBuilder {
    pub fn new(part_target: usize, format: TreeFormat) -> Self {
        SnapshotBuilder {
            part_target,
            format,
            parts: Vec::new(),
            current: None,
        }
    }

    /// Builds a snapshot of `articles` (in any order) and `comments` at log position `seq`:
    /// its reference for `head`, and the tree paths and bytes of its files.
    pub fn build(
        mut self,
        articles: &[&Article],
        comments: &[&Comment],
        seq: u64,
        tip: String,
    ) -> (SnapshotRef, Vec<(String, Vec<u8>)>) {
        let mut newest_first: Vec<&Article> = articles.to_vec();
        newest_first.sort_by(|a, b| (b.published_at, &b.id).cmp(&(a.published_at, &a.id)));
        for a in &newest_first {
            self.push(PartKind::Headlines, &Headline::from(*a));
        }
        // The headlines end here; without articles there is one empty part, for head to name.
        if self.current.is_none() {
            self.current = Some((PartKind::Headlines, Vec::new(), 0));
        }
        self.cut();
        for a in &newest_first {
            match self.format {
                TreeFormat::V1 => self.push(PartKind::Articles, *a),
                TreeFormat::V2 | TreeFormat::V3 => self.push(PartKind::Bodies, &Body::from(*a)),
                TreeFormat::V4 => self.push(PartKind::Bodies, &Body::cut(a)),
            }
        }
        for c in comments {
            self.push(PartKind::Comments, *c);
        }
        self.cut();
        let mut parts = self.parts.into_iter();
        let (headlines, headlines_bytes) = parts.next().expect("the headlines part");
        let rest: Vec<(PartRef, Vec<u8>)> = parts.collect();
        let list = PartList {
            parts: rest.iter().map(|(r, _)| r.clone()).collect(),
        };
        let list_bytes = serde_json::to_vec(&list).expect("a part list serialises");
        let reference = SnapshotRef {
            seq,
            tip,
            articles: articles.len() as u64,
            comments: comments.len() as u64,
            rest: PartListRef {
                hash: sha256_hex(&list_bytes),
                len: list_bytes.len() as u64,
                parts: list.parts.len() as u64,
                bytes: list.parts.iter().map(|p| p.len).sum(),
            },
            headlines,
        };
        let mut files = vec![
            (layout::snapshot(&reference.headlines.hash), headlines_bytes),
            (layout::part_list(&reference.rest.hash), list_bytes),
        ];
        files.extend(
            rest.into_iter()
                .map(|(r, b)| (layout::snapshot(&r.hash), b)),
        );
        (reference, files)
    }

    fn push<T: Serialize>(&mut self, kind: PartKind, item: &T) {
        // The first part, the one the list waits for, is an eighth of the others: the rest
        // of the headlines are then parsed beside the writer like every later part.
        let target = if self.parts.is_empty() {
            self.part_target / 8
        } else {
            self.part_target
        };
        if self
            .current
            .as_ref()
            .is_some_and(|(k, raw, _)| *k != kind || raw.len() >= target)
        {
            self.cut();
        }
        let (_, raw, items) = self.current.get_or_insert_with(|| (kind, Vec::new(), 0));
        serde_json::to_writer(&mut *raw, item).expect("an item serialises");
        raw.push(b'\n');
        *items += 1;
    }

    fn cut(&mut self) {
        if let Some((kind, raw, items)) = self.current.take() {
            let bytes = self.format.codec().compress(&raw, FileUse::Snapshot);
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

/// `snapshot/<hash>.json`: the parts of a snapshot after its headlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartList {
    pub parts: Vec<PartRef>,
}

impl PartList {
    /// Parses a part list whose bytes were checked against `list`'s hash and length, and checks
    /// it adds up to what `list` says.
    pub fn parse(bytes: &[u8], list: &PartListRef) -> Result<Vec<PartRef>, FormatError> {
        let what = format!("snapshot part list {}", list.hash);
        if bytes.len() as u64 > PART_LIST_MAX {
            return Err(FormatError::TooLarge {
                what,
                cap: PART_LIST_MAX,
            });
        }
        let parsed: PartList = parse_json(&what, bytes)?;
        let parts = parsed.parts;
        let bad = |reason: &str| Err(FormatError::malformed(&what, reason.to_string()));
        if parts.len() > PARTS_MAX
            || parts.len() as u64 != list.parts
            || parts.iter().map(|p| p.len).sum::<u64>() != list.bytes
        {
            return bad("parts or bytes differ from the head's count");
        }
        if parts.iter().any(|p| !is_hash_hex(&p.hash)) {
            return bad("a part hash is malformed");
        }
        Ok(parts)
    }
}

/// Reads the items of a part whose bytes were checked against its reference, in the format of
/// the head that named it.
pub struct PartReader<'a> {
    part: &'a PartRef,
    format: TreeFormat,
    /// "snapshot part <hash>", for errors (made once, not per line).
    what: String,
    lines: Lines<'a>,
    seen: u64,
}

impl<'a> PartReader<'a> {
    pub fn new(part: &'a PartRef, bytes: &'a [u8], format: TreeFormat) -> Self {
        let what = format!("snapshot part {}", part.hash);
        PartReader {
            part,
            format,
            lines: Lines::new(what.clone(), bytes, part.raw_len),
            what,
            seen: 0,
        }
    }

    pub fn next_item(&mut self) -> Result<Option<PartItem>, FormatError> {
        let what = &self.what;
        let Some(line) = self.lines.next_line()? else {
            if self.seen != self.part.items {
                return Err(FormatError::malformed(
                    what,
                    format!(
                        "{} items, its reference says {}",
                        self.seen, self.part.items
                    ),
                ));
            }
            return Ok(None);
        };
        self.seen += 1;
        Ok(Some(match self.part.kind {
            PartKind::Headlines => PartItem::Headline(parse_json(what, line)?),
            PartKind::Articles => PartItem::Article(parse_json(what, line)?),
            PartKind::Bodies => {
                let body: Body = parse_json(what, line)?;
                if body.is_cut() && !self.format.cuts_summaries() {
                    return Err(FormatError::malformed(
                        what,
                        format!(
                            "the body of article {} is cut in a format {} tree",
                            body.id,
                            u32::from(self.format)
                        ),
                    ));
                }
                PartItem::Body(body)
            }
            PartKind::Comments => PartItem::Comment(parse_json(what, line)?),
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
    fn headlines_come_first_newest_first_and_every_kind_is_split() {
        let articles: Vec<Article> = (0..40).map(|i| article(&format!("a{i}"), i)).collect();
        let refs: Vec<&Article> = articles.iter().collect();
        let (snapshot, files) =
            SnapshotBuilder::new(2000, TreeFormat::CURRENT).build(&refs, &[], 40, "00".repeat(32));
        assert_eq!(snapshot.headlines.kind, PartKind::Headlines);
        assert_eq!(files[0].0, layout::snapshot(&snapshot.headlines.hash));
        let mut reader = PartReader::new(&snapshot.headlines, &files[0].1, TreeFormat::CURRENT);
        let Some(PartItem::Headline(first)) = reader.next_item().unwrap() else {
            panic!()
        };
        assert_eq!(first.id, "a39");
        assert_eq!(files[1].0, layout::part_list(&snapshot.rest.hash));
        let rest = PartList::parse(&files[1].1, &snapshot.rest).unwrap();
        assert_eq!(files.len(), 2 + rest.len());
        let kinds: Vec<PartKind> = rest.iter().map(|p| p.kind).collect();
        let headline_parts = 1 + kinds.iter().filter(|k| **k == PartKind::Headlines).count();
        assert!(headline_parts > 1, "headlines split: {kinds:?}");
        assert!(
            kinds.is_sorted_by_key(|k| *k != PartKind::Headlines),
            "headlines before articles: {kinds:?}"
        );
        let count = |kind| {
            std::iter::once(&snapshot.headlines)
                .chain(&rest)
                .filter(|p| p.kind == kind)
                .map(|p| p.items)
                .sum::<u64>()
        };
        assert_eq!(
            (count(PartKind::Headlines), count(PartKind::Bodies)),
            (40, 40)
        );
        assert!(rest.iter().filter(|p| p.kind == PartKind::Bodies).count() > 1);
    }

    #[test]
    fn a_part_list_must_add_up_to_the_heads_count() {
        let articles: Vec<Article> = (0..10).map(|i| article(&format!("a{i}"), i)).collect();
        let refs: Vec<&Article> = articles.iter().collect();
        let (snapshot, files) =
            SnapshotBuilder::new(2000, TreeFormat::CURRENT).build(&refs, &[], 10, "00".repeat(32));
        let list = &files[1].1;
        for wrong in [
            PartListRef {
                parts: snapshot.rest.parts + 1,
                ..snapshot.rest.clone()
            },
            PartListRef {
                bytes: snapshot.rest.bytes - 1,
                ..snapshot.rest.clone()
            },
        ] {
            assert!(matches!(
                PartList::parse(list, &wrong),
                Err(FormatError::Malformed { .. })
            ));
        }
        let mut bad_hash: PartList = serde_json::from_slice(list).unwrap();
        bad_hash.parts[0].hash = "../x".into();
        let bytes = serde_json::to_vec(&bad_hash).unwrap();
        assert!(PartList::parse(&bytes, &snapshot.rest).is_err());
    }

    #[test]
    fn no_articles_still_make_a_headlines_part() {
        let (snapshot, files) =
            SnapshotBuilder::new(2000, TreeFormat::CURRENT).build(&[], &[], 3, "00".repeat(32));
        assert_eq!(
            (snapshot.headlines.items, snapshot.rest.parts, files.len()),
            (0, 0, 2)
        );
    }

    /// An article whose summary is its first paragraph's start and `…`, as
    /// `content::short_summary` makes it from a whole-article feed.
    fn whole(id: &str) -> Article {
        let first = "سه‌شنبه، ۱۲ آذر: گفت‌وگوی وزیران «دربارهٔ» آب و برق";
        Article {
            summary: format!("{first}…"),
            body_html: format!("<p>{first} ادامه دارد.</p><p>بند دوم</p>"),
            ..article(id, 1)
        }
    }

    #[test]
    fn format_4_cuts_the_summary_from_the_body_and_the_reader_puts_it_back() {
        let a = whole("a");
        let body = Body::cut(&a);
        let cut = body.summary_len.unwrap() as usize;
        assert_eq!(cut, a.summary.len() - "…".len(), "all but the ellipsis");
        assert_eq!(body.summary_at, Some("<p>".len() as u64));
        assert_eq!(body.body_html.len(), a.body_html.len() - cut);
        assert!(!body.body_html.contains("سه‌شنبه"));
        let back = Headline::from(&a).with_body(body).unwrap();
        assert_eq!(back, a, "byte for byte");

        // A summary the body does not hold, or too short to pay for the fields, is not cut.
        let short = Article {
            summary: "سه‌شنبه".into(),
            ..a.clone()
        };
        let elsewhere = Article {
            summary: "خلاصه‌ای که در متن نیست و از جای دیگری آمده است".into(),
            ..a.clone()
        };
        for a in [short, elsewhere] {
            assert!(!Body::cut(&a).is_cut());
        }

        // Format 4 snapshots cut; format 3 ones do not.
        let refs = [&a];
        for (format, cut) in [(TreeFormat::V3, false), (TreeFormat::V4, true)] {
            let (snapshot, files) =
                SnapshotBuilder::new(1 << 20, format).build(&refs, &[], 1, "00".repeat(32));
            let rest = PartList::parse(&files[1].1, &snapshot.rest).unwrap();
            let mut reader = PartReader::new(&rest[0], &files[2].1, format);
            let Some(PartItem::Body(b)) = reader.next_item().unwrap() else {
                panic!("a body")
            };
            assert_eq!(b.is_cut(), cut, "{format:?}");
        }
    }

    #[test]
    fn a_cut_that_does_not_fit_is_an_error() {
        let a = whole("a");
        let good = Body::cut(&a);
        let (at, len) = (good.summary_at.unwrap(), good.summary_len.unwrap());
        let summary = a.summary.as_str();
        let html = &good.body_html;
        let html_len = html.len() as u64;
        let inside = (at as usize..)
            .find(|&i| !html.is_char_boundary(i))
            .unwrap() as u64;
        for (at, len) in [
            (Some(html_len + 1), Some(len)), // past the HTML
            (Some(inside), Some(len)),       // inside a letter of the HTML
            (Some(u64::MAX), Some(len)),
            (Some(at), Some(summary.len() as u64 + 1)), // past the summary
            (Some(at), Some(len - 1)),                  // inside a letter of the summary
            (Some(at), Some(u64::MAX)),
            (Some(at), None), // half a cut
            (None, Some(len)),
        ] {
            let bad = Body {
                summary_at: at,
                summary_len: len,
                ..good.clone()
            };
            assert!(
                matches!(
                    bad.spliced_html(summary),
                    Err(FormatError::Malformed { .. })
                ),
                "{at:?} {len:?}"
            );
            let headline = Headline::from(&a);
            assert!(headline.with_body(bad).is_err());
        }
        // Another revision's headline is not this body's.
        let other = Headline {
            revision: 2,
            ..Headline::from(&a)
        };
        assert!(other.with_body(good).is_err());
    }

    #[test]
    fn a_cut_body_in_a_tree_before_format_4_is_malformed() {
        let a = whole("a");
        let mut raw = serde_json::to_vec(&Body::cut(&a)).unwrap();
        raw.push(b'\n');
        let line = super::super::codec::gzip(&raw);
        let part = PartRef {
            kind: PartKind::Bodies,
            hash: sha256_hex(&line),
            len: line.len() as u64,
            raw_len: raw.len() as u64,
            items: 1,
        };
        for format in [TreeFormat::V2, TreeFormat::V3] {
            let mut reader = PartReader::new(&part, &line, format);
            assert!(
                matches!(reader.next_item(), Err(FormatError::Malformed { .. })),
                "{format:?}"
            );
        }
        let mut reader = PartReader::new(&part, &line, TreeFormat::V4);
        assert!(matches!(reader.next_item(), Ok(Some(PartItem::Body(_)))));
    }
}
