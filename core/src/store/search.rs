//! Offline search: FTS5 over the normalised title, summary, body text and comments.
//!
//! The FTS table is contentless and holds [`index_text`] of each field only (normalised words).
//! Ranking is bm25 with the title weighted highest ([`super::rank`]). Snippets are cut in Rust
//! from the *original* text (so the reader sees `سه‌شنبه` with its ZWNJ even when they typed
//! `سهشنبه`): the original is split into words with [`normalize::for_each_word`], which gives
//! each word's byte range, and words equal to a query token (or, for the last token, starting
//! with it) are wrapped in the markers.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};

use super::articles::{ArticleSummary, SUMMARY_SELECT, summary_from_row};
use super::error::Result;
use super::normalize::{self, index_text};
use super::query::Query;
use super::rank;
use crate::content::html_to_text;

/// How results are cut and marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    pub limit: usize,
    /// Inserted before a matching word. Default `[`.
    pub open: String,
    /// Inserted after a matching word. Default `]`.
    pub close: String,
    /// Words in a snippet. Default 16.
    pub snippet_words: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 20,
            open: "[".into(),
            close: "]".into(),
            snippet_words: 16,
        }
    }
}

/// One search result, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub article: ArticleSummary,
    /// The original title with matching words marked.
    pub title: String,
    /// A window of the first field (summary, body, comments) that matches, original text with
    /// matching words marked; `…` where it was cut. The summary's start if only the title matched.
    pub snippet: String,
    /// bm25 relevance, lower is better; comparable within one search only.
    pub rank: f64,
}

struct Texts {
    title: String,
    summary: String,
    body: String,
    comments: String,
}

/// The comments of article `a` joined by line breaks, in their order.
macro_rules! comments_of_a {
    () => {
        "(SELECT group_concat(body, char(10)) FROM
            (SELECT body FROM comments c WHERE c.article_id = a.id ORDER BY posted_at, id))"
    };
}

/// Columns pk, title, summary, body_html and the comments joined by line breaks, of `articles a`.
const TEXTS_SELECT: &str = concat!(
    "SELECT a.pk, a.title, a.summary, a.body_html, ",
    comments_of_a!(),
    " FROM articles a"
);

/// An article's text columns of [`TEXTS_SELECT`] as stored, copied out of the row; the
/// UTF-8 check and the HTML to text ([`Stored::texts`]) can then run on another thread.
struct Stored {
    pk: i64,
    title: Vec<u8>,
    summary: Vec<u8>,
    body_html: Vec<u8>,
    comments: Vec<u8>,
}

impl Stored {
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Stored> {
        let bytes = |i| -> rusqlite::Result<Vec<u8>> {
            Ok(r.get_ref(i)?
                .as_bytes_or_null()?
                .unwrap_or_default()
                .to_vec())
        };
        Ok(Stored {
            pk: r.get(0)?,
            title: bytes(1)?,
            summary: bytes(2)?,
            body_html: bytes(3)?,
            comments: bytes(4)?,
        })
    }

    fn len(&self) -> usize {
        self.title.len() + self.summary.len() + self.body_html.len() + self.comments.len()
    }

    fn texts(&self) -> rusqlite::Result<Texts> {
        Ok(Texts {
            title: text(&self.title)?.to_owned(),
            summary: text(&self.summary)?.to_owned(),
            body: html_to_text(text(&self.body_html)?),
            comments: text(&self.comments)?.to_owned(),
        })
    }
}

/// `bytes` as text: the vectorised check, and std's only for the error of bytes that are not
/// UTF-8.
fn text(bytes: &[u8]) -> rusqlite::Result<&str> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes).map_err(rusqlite::Error::from),
    }
}

/// Article `pk`'s body as text, if it has one.
fn body_text(conn: &Connection, pk: i64) -> Result<Option<String>> {
    let body: Option<Option<String>> = conn
        .prepare_cached("SELECT body_html FROM articles WHERE pk = ?1")?
        .query_row([pk], |r| match r.get_ref(0)? {
            ValueRef::Null => Ok(None),
            html => Ok(Some(html_to_text(text(html.as_bytes()?)?))),
        })
        .optional()?;
    Ok(body.flatten())
}

/// Article `pk`'s comments as one text ([`TEXTS_SELECT`]'s), if it has any.
fn comments_text(conn: &Connection, pk: i64) -> Result<Option<String>> {
    let text: Option<Option<String>> = conn
        .prepare_cached(concat!(
            "SELECT ",
            comments_of_a!(),
            " FROM articles a WHERE a.pk = ?1"
        ))?
        .query_row([pk], |r| r.get(0))
        .optional()?;
    Ok(text.flatten())
}

fn texts(conn: &Connection, pk: i64) -> Result<Option<Texts>> {
    let stored = conn
        .prepare_cached(&format!("{TEXTS_SELECT} WHERE a.pk = ?1"))?
        .query_row([pk], Stored::from_row)
        .optional()?;
    Ok(stored.as_ref().map(Stored::texts).transpose()?)
}

fn pk_of(conn: &Connection, id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT pk FROM articles WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// The index's columns of an article: each field's [`index_text`].
fn index_columns(t: &Texts) -> [String; 4] {
    [&t.title, &t.summary, &t.body, &t.comments].map(|f| index_text(f))
}

fn insert_row(
    conn: &Connection,
    pk: i64,
    [title, summary, body, comments]: &[String; 4],
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO search (rowid, title, summary, body, comments) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![pk, title, summary, body, comments])?;
    Ok(())
}

/// Where a pending rebuild stands: `Some(next_pk)` while the articles from `next_pk` on wait
/// for it (0: not started, the old index is still in place).
pub(crate) fn rebuild_from(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT next_pk FROM search_rebuild")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Whether article `pk`'s row is left to the pending rebuild (which writes it later).
fn left_to_rebuild(conn: &Connection, pk: i64) -> Result<bool> {
    Ok(rebuild_from(conn)?.is_some_and(|from| pk >= from))
}

/// Rebuilds the search row of article `id` from what is stored now (no-op if not stored, or
/// if a pending rebuild will write it).
pub(crate) fn index_article(conn: &Connection, id: &str) -> Result<()> {
    let Some(pk) = pk_of(conn, id)? else {
        return Ok(());
    };
    if left_to_rebuild(conn, pk)? {
        return Ok(());
    }
    conn.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
        .execute([pk])?;
    if let Some(t) = texts(conn, pk)? {
        insert_row(conn, pk, &index_columns(&t))?;
    }
    Ok(())
}

/// Removes article `id`'s search row.
pub(crate) fn unindex_article(conn: &Connection, id: &str) -> Result<()> {
    if let Some(pk) = pk_of(conn, id)?
        && !left_to_rebuild(conn, pk)?
    {
        conn.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
            .execute([pk])?;
    }
    Ok(())
}

/// Schedules a rebuild of the whole index (after a snapshot replaced the articles), done by
/// [`rebuild_step`]s; restarts one already running.
pub(crate) fn schedule_rebuild(conn: &Connection) -> Result<()> {
    conn.execute(
        "INSERT INTO search_rebuild (only_row, next_pk) VALUES (1, 0)
         ON CONFLICT (only_row) DO UPDATE SET next_pk = 0",
        [],
    )?;
    Ok(())
}

/// What one [`rebuild_step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildStep {
    /// Articles indexed by this step.
    pub indexed: u64,
    /// The index is complete.
    pub finished: bool,
}

/// Indexes up to `batch` more articles of a pending rebuild, fewer when their text passes
/// [`STEP_BYTES`] (the first step drops the old index). `None` when no rebuild is pending.
pub(crate) fn rebuild_step(conn: &Connection, batch: usize) -> Result<Option<RebuildStep>> {
    let Some(from) = rebuild_from(conn)? else {
        return Ok(None);
    };
    if from == 0 {
        conn.execute("INSERT INTO search (search) VALUES ('delete-all')", [])?;
        set_merging(conn, true)?;
    }
    let step = index_from(conn, from, batch)?;
    match step.next {
        Some(next) => {
            conn.execute("UPDATE search_rebuild SET next_pk = ?1", [next])?;
        }
        None => {
            // One b-tree segment instead of one per step: every later query reads one doclist.
            conn.execute("INSERT INTO search (search) VALUES ('optimize')", [])?;
            set_merging(conn, false)?;
            conn.execute("DELETE FROM search_rebuild", [])?;
        }
    }
    Ok(Some(RebuildStep {
        indexed: step.indexed,
        finished: step.next.is_none(),
    }))
}

/// How FTS5 merges the index's segments: during a rebuild each step adds one or more (one a
/// MiB of words), and they are merged once, by the final `optimize` (in between only when
/// 1,000 pile up on one level: at 64, most words of 100,000 articles were merged twice);
/// otherwise FTS5's defaults.
fn set_merging(conn: &Connection, rebuilding: bool) -> Result<()> {
    let (automerge, crisismerge) = if rebuilding { (0, 1000) } else { (4, 16) };
    conn.execute(
        "INSERT INTO search (search, rank) VALUES ('automerge', ?1), ('crisismerge', ?2)",
        [automerge, crisismerge],
    )?;
    Ok(())
}

/// Turns on FTS5's `secure-delete` for the search table (kept in its config, so written only
/// once): deleting a row removes its words from the index at once, instead of leaving them in
/// the index's segments behind a delete marker until a merge.
pub(crate) fn secure_delete(conn: &Connection) -> Result<()> {
    let on: bool = conn.query_row(
        "SELECT count(*) > 0 FROM search_config WHERE k = 'secure-delete' AND v = 1",
        [],
        |r| r.get(0),
    )?;
    if !on {
        conn.execute(
            "INSERT INTO search(search, rank) VALUES ('secure-delete', 1)",
            [],
        )?;
    }
    Ok(())
}

/// Merges the index's segments into one: the words of deleted rows, which `secure-delete`
/// leaves behind as terms without rows, go with the old segments (whose pages the database's
/// `secure_delete` zeroes). Its time grows with the index: run it after deletions only.
pub(crate) fn merge(conn: &Connection) -> Result<()> {
    conn.execute("INSERT INTO search (search) VALUES ('optimize')", [])?;
    Ok(())
}

/// Rebuilds the whole index at once (after a search migration, which may run before the
/// rebuild table exists).
pub(crate) fn reindex_all(conn: &Connection) -> Result<()> {
    conn.execute("INSERT INTO search (search) VALUES ('delete-all')", [])?;
    let mut from = Some(0);
    while let Some(pk) = from {
        from = index_from(conn, pk, usize::MAX)?.next;
    }
    Ok(())
}

/// Text read by one [`index_from`] at most, whatever the articles' sizes.
const STEP_BYTES: usize = 8 << 20;

/// What one [`index_from`] did.
struct Indexed {
    indexed: u64,
    /// The `pk` to go on from; `None` when no article is left.
    next: Option<i64>,
}

/// Indexes the articles from `pk` `from` on in `pk` order: at most `limit` of them, and no
/// more once [`STEP_BYTES`] of text are read.
fn index_from(conn: &Connection, from: i64, limit: usize) -> Result<Indexed> {
    let mut stmt =
        conn.prepare_cached(&format!("{TEXTS_SELECT} WHERE a.pk >= ?1 ORDER BY a.pk"))?;
    let mut rows = stmt.query([from])?;
    let (mut batch, mut bytes, mut next) = (Vec::new(), 0, None);
    while let Some(row) = rows.next()? {
        if batch.len() == limit || bytes >= STEP_BYTES {
            next = Some(row.get(0)?);
            break;
        }
        let stored = Stored::from_row(row)?;
        bytes += stored.len();
        batch.push(stored);
    }
    drop(rows);
    let indexed = batch.len() as u64;
    insert_rows(conn, batch)?;
    Ok(Indexed { indexed, next })
}

/// Inserts the index rows of `batch` in its order, their text normalised on a second thread
/// while this one writes them: the two halves of indexing cost about the same.
fn insert_rows(conn: &Connection, batch: Vec<Stored>) -> Result<()> {
    std::thread::scope(|s| {
        let (sender, rows) = std::sync::mpsc::sync_channel(16);
        s.spawn(move || {
            for stored in batch {
                let pk = stored.pk;
                let columns = stored.texts().map(|t| index_columns(&t));
                if sender.send((pk, columns)).is_err() {
                    return; // the writer failed and stopped
                }
            }
        });
        for (pk, columns) in rows {
            insert_row(conn, pk, &columns?)?;
        }
        Ok(())
    })
}

/// Searches stored articles; see [`super::Store::search`].
pub(crate) fn search(
    conn: &Connection,
    text: &str,
    opts: &SearchOptions,
) -> Result<Vec<SearchHit>> {
    let query = Query::parse(text);
    let Some(fts) = query.fts() else {
        return Ok(Vec::new());
    };
    let ranked: Vec<(i64, f64)> = conn
        .prepare_cached(&format!(
            "SELECT rowid, {}(search) AS rank FROM search WHERE search MATCH ?1
             ORDER BY rank LIMIT ?2",
            rank::FUNCTION
        ))?
        .query_map(params![fts, opts.limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut hits = Vec::with_capacity(ranked.len());
    let mut summary = conn.prepare_cached(&format!("{SUMMARY_SELECT} WHERE a.pk = ?1"))?;
    let m = Matcher {
        query: &query,
        opts,
    };
    let distinct = query.distinct();
    for (pk, rank) in ranked {
        let Some(article) = summary.query_row([pk], summary_from_row).optional()? else {
            continue;
        };
        // The window with the most distinct query tokens, over summary, body and comments (the
        // first of equals), gives the snippet; the summary's start if only the title matched.
        // A window holding every token cannot be beaten, so the body is read only when the
        // summary has none, and the comments only when neither has.
        let mut best = None;
        m.better_window(&mut best, Some(&article.summary));
        let full = |best: &Option<Window>| best.as_ref().is_some_and(|b| b.score == distinct);
        let body = if full(&best) {
            None
        } else {
            body_text(conn, pk)?
        };
        m.better_window(&mut best, body.as_deref());
        let comments = if full(&best) {
            None
        } else {
            comments_text(conn, pk)?
        };
        m.better_window(&mut best, comments.as_deref());
        let snippet = match best {
            Some(window) => m.snippet_of(&window),
            None => m.snippet_at(&article.summary, 0).unwrap_or_default(),
        };
        hits.push(SearchHit {
            title: m.mark_all(&article.title),
            snippet,
            article,
            rank,
        });
    }
    Ok(hits)
}

/// How many different tokens the hits before word `end` hold.
fn tokens_in(hits: &[(usize, usize)], end: usize) -> usize {
    hits.iter()
        .take_while(|(i, _)| *i < end)
        .map(|(_, t)| *t)
        .collect::<BTreeSet<_>>()
        .len()
}

/// The first word of the first window holding all `distinct` tokens, if the hit just pushed
/// (the last of `hits`) completes one. The earliest window still reaching that hit holds the
/// most hits up to it; an earlier full window would have been found at an earlier hit.
fn full_window_ending(hits: &[(usize, usize)], len: usize, distinct: usize) -> Option<usize> {
    let &(last, _) = hits.last()?;
    let k = hits.partition_point(|(i, _)| i + len <= last);
    let start = hits[k].0;
    (tokens_in(&hits[k..], start + len) == distinct).then_some(start)
}

/// Marks the words of original text that match a query ([`Query::ids_of`]: the rules are the
/// normaliser's, as for the index).
pub struct Matcher<'a> {
    pub query: &'a Query,
    pub opts: &'a SearchOptions,
}

/// Pushes the hits of word `at`, one per query word it matches.
fn push_hits(hits: &mut Vec<(usize, usize)>, at: usize, ids: (usize, usize)) {
    hits.push((at, ids.0));
    if ids.1 != ids.0 {
        hits.push((at, ids.1));
    }
}

/// A text's best snippet window ([`Matcher::window`]) with the words read to find it.
pub struct Window<'t> {
    /// How many distinct query tokens the window holds.
    pub score: usize,
    /// The window's first word.
    pub from: usize,
    text: &'t str,
    /// The byte span of each word read, and whether it matches.
    spans: Vec<(usize, usize, bool)>,
    /// Whether every word of the text was read (otherwise at least one more follows).
    whole: bool,
}

impl Matcher<'_> {
    /// Replaces `best` with `text`'s best window if that holds more distinct tokens.
    fn better_window<'t>(&self, best: &mut Option<Window<'t>>, text: Option<&'t str>) {
        if let Some(text) = text
            && let Some(window) = self.window(text)
            && best.as_ref().is_none_or(|b| window.score > b.score)
        {
            *best = Some(window);
        }
    }

    /// The snippet window of `text` holding the most distinct query tokens (its score, how
    /// many), the first of equals, with the spans of the words read (which hold the window's).
    /// `None` if nothing in `text` matches. Stops reading `text` once a window holds every token.
    pub fn window<'t>(&self, text: &'t str) -> Option<Window<'t>> {
        let len = self.opts.snippet_words.max(1);
        let distinct = self.query.distinct();
        let mut hits: Vec<(usize, usize)> = Vec::new();
        let mut spans = Vec::new();
        let mut full = None;
        let mut whole = true;
        normalize::for_each_word(text, |start, end, norm| {
            let count = spans.len();
            // Past a full window's end, the words left cannot move it.
            if full.is_some_and(|first| count >= first + len) {
                whole = false;
                return ControlFlow::Break(());
            }
            let ids = self.query.ids_of_text(&text[start..end], norm);
            if let Some(ids) = ids {
                push_hits(&mut hits, count, ids);
                if full.is_none() {
                    full = full_window_ending(&hits, len, distinct);
                }
            }
            spans.push((start, end, ids.is_some()));
            ControlFlow::Continue(())
        });
        let count = spans.len();
        let best = full.map(|first| (distinct, first)).or_else(|| {
            let mut best: Option<(usize, usize)> = None;
            for (k, &(start, _)) in hits.iter().enumerate() {
                let score = tokens_in(&hits[k..], start + len);
                if best.is_none_or(|b| score > b.0) {
                    best = Some((score, start));
                }
            }
            best
        });
        best.map(|(score, first)| Window {
            score,
            text,
            from: first.saturating_sub(len / 4).min(count.saturating_sub(len)),
            spans,
            whole,
        })
    }

    /// [`Self::snippet_at`] of a window's text from its first word, cut from the words read.
    pub fn snippet_of(&self, w: &Window) -> String {
        let len = self.opts.snippet_words.max(1);
        // A window ends before the last word read unless every word was read.
        let to = (w.from + len).min(w.spans.len());
        let mut out = String::new();
        if w.from > 0 {
            out.push('…');
        }
        let marked = self.mark(w.text, &w.spans[w.from..to]);
        out.push_str(&marked.split_whitespace().collect::<Vec<_>>().join(" "));
        if to < w.spans.len() || !w.whole {
            out.push('…');
        }
        out
    }

    /// The byte spans of words `from..to` of `text`, each with whether it matches, and how
    /// many words `text` has (counted up to `to + 1`: enough to tell whether words follow).
    fn spans(&self, text: &str, from: usize, to: usize) -> (Vec<(usize, usize, bool)>, usize) {
        let mut spans = Vec::new();
        let mut count = 0;
        normalize::for_each_word(text, |start, end, norm| {
            if count > to {
                return ControlFlow::Break(());
            }
            if (from..to).contains(&count) {
                let ids = self.query.ids_of_text(&text[start..end], norm);
                spans.push((start, end, ids.is_some()));
            }
            count += 1;
            ControlFlow::Continue(())
        });
        (spans, count)
    }

    /// `text` from the first to the last of `spans`, matching words marked.
    fn mark(&self, text: &str, spans: &[(usize, usize, bool)]) -> String {
        let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
            return String::new();
        };
        let mut out = String::new();
        let mut at = first.0;
        for &(start, end, matches) in spans {
            if matches {
                out.push_str(&text[at..start]);
                out.push_str(&self.opts.open);
                out.push_str(&text[start..end]);
                out.push_str(&self.opts.close);
                at = end;
            }
        }
        out.push_str(&text[at..last.1]);
        out
    }

    /// The whole text with every matching word marked.
    pub fn mark_all(&self, text: &str) -> String {
        let (spans, _) = self.spans(text, 0, usize::MAX);
        let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
            return text.to_owned();
        };
        let mut out = text[..first.0].to_owned();
        out.push_str(&self.mark(text, &spans));
        out.push_str(&text[last.1..]);
        out
    }

    /// `snippet_words` words of `text` from word `from`, matches marked, `…` where cut.
    /// `None` if the text has no words.
    pub fn snippet_at(&self, text: &str, from: usize) -> Option<String> {
        let len = self.opts.snippet_words.max(1);
        let (mut spans, mut count) = self.spans(text, from, from + len);
        if count == 0 {
            return None;
        }
        let from = if spans.is_empty() {
            // `from` was past the end: the last word.
            let last = count - 1;
            (spans, count) = self.spans(text, last, last + len);
            last
        } else {
            from
        };
        let to = (from + len).min(count);
        let mut out = String::new();
        if from > 0 {
            out.push('…');
        }
        let marked = self.mark(text, &spans);
        out.push_str(&marked.split_whitespace().collect::<Vec<_>>().join(" "));
        if to < count {
            out.push('…');
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The best window as defined, from every word of the text (no early stop).
    fn reference_window(m: &Matcher, text: &str) -> Option<(usize, usize)> {
        let len = m.opts.snippet_words.max(1);
        let words = normalize::words(text);
        let hits: Vec<(usize, usize)> = (words.iter().enumerate())
            .filter_map(|(i, w)| Some((i, m.query.ids_of_text(&text[w.start..w.end], &w.norm)?)))
            .fold(Vec::new(), |mut hits, (i, ids)| {
                push_hits(&mut hits, i, ids);
                hits
            });
        let mut best: Option<(usize, usize)> = None;
        for (k, &(start, _)) in hits.iter().enumerate() {
            let score = tokens_in(&hits[k..], start + len);
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, start));
            }
        }
        best.map(|(score, first)| {
            (
                score,
                first
                    .saturating_sub(len / 4)
                    .min(words.len().saturating_sub(len)),
            )
        })
    }

    /// The snippet as defined, from every word of the text.
    fn reference_snippet(m: &Matcher, text: &str, from: usize) -> Option<String> {
        let len = m.opts.snippet_words.max(1);
        let words = normalize::words(text);
        let from = from.min(words.len().checked_sub(1)?);
        let to = (from + len).min(words.len());
        let spans: Vec<_> = words[from..to]
            .iter()
            .map(|w| {
                let ids = m.query.ids_of_text(&text[w.start..w.end], &w.norm);
                (w.start, w.end, ids.is_some())
            })
            .collect();
        let marked = m.mark(text, &spans);
        let mut out = String::from(if from > 0 { "…" } else { "" });
        out.push_str(&marked.split_whitespace().collect::<Vec<_>>().join(" "));
        if to < words.len() {
            out.push('…');
        }
        Some(out)
    }

    #[test]
    fn windows_and_snippets_stop_early_without_changing() {
        let vocabulary = [
            "خبر",
            "خبرگزاری",
            "تهران",
            "سه‌شنبه",
            "سه شنبه",
            "ایران",
            "و",
            "در",
            "خبرها",
        ];
        let queries = [
            "تهران",
            "خبر",
            "ایران تهران",
            "سهشنبه تهران خبر",
            "ایران ایران",
            "خبر گزاری",
        ];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for case in 0..400 {
            let words = next(60);
            let text: Vec<&str> = (0..words)
                .map(|_| vocabulary[next(vocabulary.len())])
                .collect();
            let text = text.join(if case % 2 == 0 { " " } else { "، " });
            for query in queries {
                let parsed = Query::parse(query);
                for snippet_words in [1, 4, 16] {
                    let opts = SearchOptions {
                        snippet_words,
                        ..SearchOptions::default()
                    };
                    let m = Matcher {
                        query: &parsed,
                        opts: &opts,
                    };
                    let window = m.window(&text);
                    assert_eq!(
                        window.as_ref().map(|w| (w.score, w.from)),
                        reference_window(&m, &text),
                        "{query:?} in {text}"
                    );
                    if let Some(w) = &window {
                        assert_eq!(
                            Some(m.snippet_of(w)),
                            reference_snippet(&m, &text, w.from),
                            "{query:?}: the window's snippet in {text}"
                        );
                    }
                    for from in [0, window.as_ref().map_or(0, |w| w.from), words] {
                        assert_eq!(
                            m.snippet_at(&text, from),
                            reference_snippet(&m, &text, from),
                            "{query:?} from {from} in {text}"
                        );
                    }
                }
            }
        }
    }
}
