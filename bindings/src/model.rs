//! Records and enums that cross the FFI, converted from the core's types (`From` impls).
//! Times are Unix seconds; sizes are bytes.
//!
//! Every conversion takes the core value apart without `..`, and every enum is matched case by
//! case: a field or case added to the core does not build until it is carried over here, or
//! dropped on purpose as `field: _` with the reason beside it.

use article_sync_core::format as core_format;
use article_sync_core::net::{self as core_net, ConnectionState};
use article_sync_core::reader as core_reader;
use article_sync_core::store as core_store;
use article_sync_core::sync as core_sync;

use crate::banner::{BannerState, BannerText, banner_text};

// ---- articles -------------------------------------------------------------------------------

/// An image the tree holds under `media/<hash>`; fetch its bytes with `Reader.fetchImage`.
/// This is what readers download by default: for a large photo, its phone-sized variant (at
/// most 1280 pixels wide, compact), with the full-size file as `original`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Image {
    /// SHA-256 of the bytes, hex: the image's name.
    pub hash: String,
    /// Exact size in bytes.
    pub size: u64,
    /// `image/jpeg`, `image/png`, `image/webp`, `image/gif` or `image/avif`.
    pub mime: String,
    pub caption: Option<String>,
    /// The full-size image this one is the phone variant of; `null`/`nil` when this is the
    /// image itself. Syncs never download it: pass its hash to `Reader.fetchImage` (e.g. for a
    /// "full size" button showing its size).
    pub original: Option<ImageFile>,
}

/// A full-size image file: its name, exact size and media type.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImageFile {
    /// SHA-256 of the bytes, hex.
    pub hash: String,
    /// Exact size in bytes.
    pub size: u64,
    pub mime: String,
}

impl From<core_format::MediaRef> for Image {
    fn from(m: core_format::MediaRef) -> Self {
        let core_format::MediaRef {
            hash,
            size,
            mime,
            caption,
            original,
        } = m;
        Image {
            hash,
            size,
            mime,
            caption,
            original: original.map(ImageFile::from),
        }
    }
}

impl From<core_format::MediaFile> for ImageFile {
    fn from(m: core_format::MediaFile) -> Self {
        let core_format::MediaFile { hash, size, mime } = m;
        ImageFile { hash, size, mime }
    }
}

/// The reader's own marks on an article (kept across re-syncs).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReaderMarks {
    /// When the article was marked read; `null`/`nil` when unread.
    pub read_at: Option<i64>,
    /// When it was bookmarked; `null`/`nil` when not bookmarked.
    pub bookmarked_at: Option<i64>,
    /// Reading position, a fraction of the article from 0.0 to 1.0.
    pub position: Option<f64>,
}

impl From<core_store::ReaderState> for ReaderMarks {
    fn from(r: core_store::ReaderState) -> Self {
        let core_store::ReaderState {
            read_at,
            bookmarked_at,
            position,
        } = r;
        ReaderMarks {
            read_at,
            bookmarked_at,
            position,
        }
    }
}

/// A list item: an article without its body.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ArticleSummary {
    pub id: String,
    /// Grows by one on every edit by the publisher.
    pub revision: u64,
    pub title: String,
    pub summary: String,
    pub author: Option<String>,
    /// BCP 47 tag, e.g. `fa`.
    pub language: String,
    pub published_at: i64,
    pub updated_at: i64,
    pub tags: Vec<String>,
    /// The article's address on the main site, if it has one.
    pub url: Option<String>,
    pub lead_image: Option<Image>,
    /// Whether the body is stored (false for headlines not yet filled and evicted articles).
    pub has_body: bool,
    /// The storage budget dropped the body and images; the next sync fetches them again.
    pub evicted: bool,
    pub marks: ReaderMarks,
}

impl From<core_store::ArticleSummary> for ArticleSummary {
    fn from(a: core_store::ArticleSummary) -> Self {
        let core_store::ArticleSummary {
            id,
            revision,
            title,
            summary,
            author,
            language,
            published_at,
            updated_at,
            tags,
            url,
            lead_image,
            has_body,
            evicted,
            reader,
        } = a;
        ArticleSummary {
            id,
            revision,
            title,
            summary,
            author,
            language,
            published_at,
            updated_at,
            tags,
            url,
            lead_image: lead_image.map(Image::from),
            has_body,
            evicted,
            marks: reader.into(),
        }
    }
}

/// A comment as the publisher published it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Comment {
    pub id: String,
    pub article_id: String,
    pub author: String,
    /// Plain text; never render it as HTML.
    pub body: String,
    pub posted_at: i64,
}

impl From<core_format::Comment> for Comment {
    fn from(c: core_format::Comment) -> Self {
        let core_format::Comment {
            id,
            article_id,
            author,
            body,
            posted_at,
        } = c;
        Comment {
            id,
            article_id,
            author,
            body,
            posted_at,
        }
    }
}

/// An article to read, with what the store holds around it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Article {
    /// Title, dates, tags, lead image, marks and whether the body is stored.
    pub summary: ArticleSummary,
    /// Sanitised HTML (no scripts, no remote loads); empty when `summary.hasBody` is false.
    /// Images are referenced by hash: show them with `Reader.fetchImage`.
    pub body_html: String,
    /// Further images the body references.
    pub images: Vec<Image>,
    /// Oldest first.
    pub comments: Vec<Comment>,
    /// The editor's "read more" articles that are stored, in the editor's order.
    pub related: Vec<ArticleSummary>,
    /// Articles the body links to that are stored.
    pub links: Vec<ArticleSummary>,
}

impl From<core_store::ArticleView> for Article {
    fn from(v: core_store::ArticleView) -> Self {
        let core_store::ArticleView {
            article,
            has_body,
            evicted,
            comments,
            related,
            links,
            reader,
        } = v;
        let core_format::Article {
            id,
            revision,
            title,
            summary,
            body_html,
            author,
            language,
            published_at,
            updated_at,
            tags,
            url,
            lead_image,
            images,
            // Ids only; `related` and `links` of the view carry the stored articles.
            related: _,
            links: _,
        } = article;
        Article {
            summary: ArticleSummary {
                id,
                revision,
                title,
                summary,
                author,
                language,
                published_at,
                updated_at,
                tags,
                url,
                lead_image: lead_image.map(Image::from),
                has_body,
                evicted,
                marks: reader.into(),
            },
            body_html,
            images: images.into_iter().map(Image::from).collect(),
            comments: comments.into_iter().map(Comment::from).collect(),
            related: related.into_iter().map(ArticleSummary::from).collect(),
            links: links.into_iter().map(ArticleSummary::from).collect(),
        }
    }
}

/// Which articles a list shows. Every list is newest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ListFilter {
    All,
    /// Articles with this tag.
    Tag {
        tag: String,
    },
    Bookmarked,
    Unread,
}

impl From<ListFilter> for core_store::ListFilter {
    fn from(f: ListFilter) -> Self {
        match f {
            ListFilter::All => core_store::ListFilter::All,
            ListFilter::Tag { tag } => core_store::ListFilter::Tag(tag),
            ListFilter::Bookmarked => core_store::ListFilter::Bookmarked,
            ListFilter::Unread => core_store::ListFilter::Unread,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ArticlePage {
    pub items: Vec<ArticleSummary>,
    /// Pass it to the next `listArticles` call for the following page; `null`/`nil` on the last
    /// page. Opaque; stable while articles are added (a new article never shifts a page).
    pub next_cursor: Option<String>,
}

/// How many articles each tab holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ArticleCounts {
    pub total: u64,
    pub unread: u64,
    pub bookmarked: u64,
}

impl From<core_store::Counts> for ArticleCounts {
    fn from(c: core_store::Counts) -> Self {
        let core_store::Counts {
            total,
            unread,
            bookmarked,
        } = c;
        ArticleCounts {
            total,
            unread,
            bookmarked,
        }
    }
}

// ---- search ---------------------------------------------------------------------------------

/// A piece of a title or snippet: matched pieces are the words the query found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TextRun {
    pub text: String,
    /// Whether to highlight this piece.
    pub matched: bool,
}

/// One search result, best first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchHit {
    pub article: ArticleSummary,
    /// The title, cut into runs; the matched words are marked.
    pub title: Vec<TextRun>,
    /// A window of the summary, body or comments around the matches, in the original spelling
    /// (ZWNJ kept); `…` where it was cut.
    pub snippet: Vec<TextRun>,
}

/// Markers the store puts around matches; private-use characters that sanitised text never
/// holds, split into [`TextRun`]s here.
pub(crate) const MARK_OPEN: &str = "\u{E000}";
pub(crate) const MARK_CLOSE: &str = "\u{E001}";

/// Splits text marked with [`MARK_OPEN`]/[`MARK_CLOSE`] into runs.
pub(crate) fn runs(marked: &str) -> Vec<TextRun> {
    let mut out = Vec::new();
    let mut rest = marked;
    while !rest.is_empty() {
        match rest.find(MARK_OPEN) {
            Some(start) => {
                if start > 0 {
                    out.push(TextRun {
                        text: rest[..start].to_owned(),
                        matched: false,
                    });
                }
                let after = &rest[start + MARK_OPEN.len()..];
                let end = after.find(MARK_CLOSE).unwrap_or(after.len());
                if end > 0 {
                    out.push(TextRun {
                        text: after[..end].to_owned(),
                        matched: true,
                    });
                }
                rest = after.get(end + MARK_CLOSE.len()..).unwrap_or("");
            }
            None => {
                out.push(TextRun {
                    text: rest.to_owned(),
                    matched: false,
                });
                break;
            }
        }
    }
    out
}

impl From<core_store::SearchHit> for SearchHit {
    fn from(h: core_store::SearchHit) -> Self {
        let core_store::SearchHit {
            article,
            title,
            snippet,
            // The order of the results says it.
            rank: _,
        } = h;
        SearchHit {
            article: article.into(),
            title: runs(&title),
            snippet: runs(&snippet),
        }
    }
}

// ---- outbox, storage ------------------------------------------------------------------------

/// Where a comment the reader wrote stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OutboxState {
    /// On the phone; the next sync that reaches a comment endpoint delivers it (`lastError`
    /// says why the last attempt failed).
    Waiting,
    /// The publisher's inbox has it.
    Sent,
    /// Published under its article.
    Published,
    /// The publisher declined it; `reason` says why.
    Rejected,
}

impl From<core_store::OutboxState> for OutboxState {
    fn from(s: core_store::OutboxState) -> Self {
        match s {
            core_store::OutboxState::Waiting => OutboxState::Waiting,
            core_store::OutboxState::Sent => OutboxState::Sent,
            core_store::OutboxState::Published => OutboxState::Published,
            core_store::OutboxState::Rejected => OutboxState::Rejected,
        }
    }
}

/// A comment in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxItem {
    /// Local id, unique in this store.
    pub id: i64,
    pub article_id: String,
    pub author: String,
    pub body: String,
    pub created_at: i64,
    /// Delivery attempts that failed.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub state: OutboxState,
    /// The endpoint that took it (a relay or the inbox; `receipt` when only a receipt told).
    pub route: Option<String>,
    pub sent_at: Option<i64>,
    /// When it was published or rejected.
    pub decided_at: Option<i64>,
    /// The publisher's reason for a rejection.
    pub reason: Option<String>,
}

impl From<core_store::OutboxItem> for OutboxItem {
    fn from(o: core_store::OutboxItem) -> Self {
        let core_store::OutboxItem {
            id,
            article_id,
            author,
            body,
            created_at,
            attempts,
            last_error,
            state,
            delivery_key: _,
            route,
            sent_at,
            decided_at,
            reason,
        } = o;
        OutboxItem {
            id,
            article_id,
            author,
            body,
            created_at,
            attempts,
            last_error,
            state: state.into(),
            route,
            sent_at,
            decided_at,
            reason,
        }
    }
}

/// What the store holds against its budget, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct StorageUsage {
    /// Article bodies (UTF-8 bytes of the HTML).
    pub bodies_bytes: u64,
    /// Images.
    pub media_bytes: u64,
    /// The signed files kept to pass on (`exportTree`, sharing): the newest snapshot and the
    /// log files after it; the budget drops them before any article.
    pub copy_bytes: u64,
    /// `bodiesBytes + mediaBytes + copyBytes`.
    pub total_bytes: u64,
    /// The configured budget; the store evicts (oldest read articles first) to stay under it.
    pub budget_bytes: u64,
    /// Articles whose body the budget dropped (their headlines stay).
    pub evicted_articles: u64,
}

impl From<core_store::StorageUsage> for StorageUsage {
    fn from(u: core_store::StorageUsage) -> Self {
        let total_bytes = u.total();
        let core_store::StorageUsage {
            bodies,
            media,
            copy,
            budget,
            evicted_articles,
        } = u;
        StorageUsage {
            bodies_bytes: bodies,
            media_bytes: media,
            copy_bytes: copy,
            total_bytes,
            budget_bytes: budget,
            evicted_articles,
        }
    }
}

/// What `exportTree` wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportSummary {
    /// The version of the exported head.
    pub head_version: u64,
    /// Files written, `head` included.
    pub files: u64,
    pub bytes: u64,
    /// Sealed comments carried along (this reader's waiting ones and those it carries for
    /// others): whoever syncs from the copy and later gets online delivers them too.
    pub envelopes: u64,
    /// Tree paths the head names that this reader does not hold: a reader that needs one of
    /// them cannot sync from this copy.
    pub missing: Vec<String>,
}

impl From<article_sync_core::share::Export> for ExportSummary {
    fn from(e: article_sync_core::share::Export) -> Self {
        ExportSummary {
            head_version: e.head_version,
            files: e.files,
            bytes: e.bytes,
            envelopes: e.envelopes,
            missing: e.missing,
        }
    }
}

// ---- sync -----------------------------------------------------------------------------------

/// The phase a sync is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncPhase {
    /// No sync running (also after a failed or cancelled one).
    Idle,
    /// Racing the main site and mirrors for the signed head.
    Connecting,
    /// First sync: headlines (the list can show after this phase).
    Headlines,
    /// First sync: bodies and comments.
    Snapshot,
    /// Changes since the last sync.
    Log,
    /// Rebuilding the search index after a snapshot: every article is readable already;
    /// search finds only part of them until this phase ends.
    Indexing,
    /// Lead images.
    Media,
    /// The sync finished.
    Done,
}

impl From<core_sync::Phase> for SyncPhase {
    fn from(p: core_sync::Phase) -> Self {
        match p {
            core_sync::Phase::Idle => SyncPhase::Idle,
            core_sync::Phase::Connecting => SyncPhase::Connecting,
            core_sync::Phase::Headlines => SyncPhase::Headlines,
            core_sync::Phase::Snapshot => SyncPhase::Snapshot,
            core_sync::Phase::Log => SyncPhase::Log,
            core_sync::Phase::Indexing => SyncPhase::Indexing,
            core_sync::Phase::Media => SyncPhase::Media,
            core_sync::Phase::Done => SyncPhase::Done,
        }
    }
}

/// Progress of the running sync, at most about ten events a second. Totals are known once the
/// head is verified; counters restart with each phase.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    pub bytes: u64,
    pub bytes_total: Option<u64>,
    /// Articles and comments (or images, in `Media`).
    pub items: u64,
    pub items_total: Option<u64>,
}

impl From<core_sync::Progress> for SyncProgress {
    fn from(p: core_sync::Progress) -> Self {
        let core_sync::Progress {
            phase,
            bytes,
            bytes_total,
            items,
            items_total,
        } = p;
        SyncProgress {
            phase: phase.into(),
            bytes,
            bytes_total,
            items,
            items_total,
        }
    }
}

/// What a finished sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncSummary {
    /// The route (base URL) whose signed head won the race.
    pub route: String,
    /// The publisher's head version the reader now holds.
    pub head_version: u64,
    /// Whether anything new was stored.
    pub changed: bool,
    /// Whether the snapshot was used (first sync, or far behind).
    pub used_snapshot: bool,
    pub requests: u64,
    pub bytes: u64,
    pub articles_put: u64,
    pub articles_deleted: u64,
    pub comments_put: u64,
    pub images_fetched: u64,
    /// Articles whose body the storage budget dropped.
    pub evicted: u64,
    /// The reader's comments delivered in this sync.
    pub comments_sent: u64,
    /// The reader's comments whose state a receipt of the publisher moved in this sync.
    pub comments_answered: u64,
    /// How far the device's clock seems off, in seconds (positive: ahead), when off by more
    /// than an hour; the app may ask the reader to set the date and time.
    pub clock_off_by_seconds: Option<i64>,
    /// Set when the head taken is an expired copy passed on during an offline spell or a
    /// national shutdown (a folder or a mirror the reader added): when it was issued, Unix
    /// seconds. Show "copy of DATE, not live".
    pub copy_of: Option<i64>,
}

impl From<core_sync::SyncReport> for SyncSummary {
    fn from(r: core_sync::SyncReport) -> Self {
        let core_sync::SyncReport {
            route,
            head_version,
            changed,
            used_snapshot,
            requests,
            bytes,
            // A measure for the benchmark, not for apps.
            requests_to_headlines: _,
            applied,
            media_fetched,
            comments_sent,
            clock_off_by,
            copy_of,
        } = r;
        let core_store::ApplyStats {
            articles_put,
            articles_deleted,
            comments_put,
            // Internal bookkeeping of the sync, not news for the reader.
            comments_deleted: _,
            media_refs: _,
            receipts,
            skipped: _,
            evicted,
        } = applied;
        SyncSummary {
            route,
            head_version,
            changed,
            used_snapshot,
            requests,
            bytes,
            articles_put,
            articles_deleted,
            comments_put,
            images_fetched: media_fetched,
            evicted,
            comments_sent,
            comments_answered: receipts,
            clock_off_by_seconds: clock_off_by,
            copy_of,
        }
    }
}

// ---- connection -----------------------------------------------------------------------------

/// Where a route came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RouteSource {
    /// The publisher's main site.
    Main,
    /// A mirror built into the app.
    BuiltIn,
    /// A mirror from the publisher's signed mirror list.
    MirrorList,
    /// A mirror the reader added (`addMirror`).
    User,
    /// A local folder holding a copy of the tree.
    Folder,
}

impl From<core_net::RouteSource> for RouteSource {
    fn from(s: core_net::RouteSource) -> Self {
        match s {
            core_net::RouteSource::Main => RouteSource::Main,
            core_net::RouteSource::BuiltIn => RouteSource::BuiltIn,
            core_net::RouteSource::MirrorList => RouteSource::MirrorList,
            core_net::RouteSource::User => RouteSource::User,
            core_net::RouteSource::Folder => RouteSource::Folder,
        }
    }
}

/// How a request failed: the evidence the banner state is chosen from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FailureKind {
    /// The name did not resolve.
    Dns,
    /// A public name resolved to a private address: a sign of DNS tampering.
    DnsTampered,
    Refused,
    /// The connection was reset (a common censor's move).
    Reset,
    ConnectTimeout,
    /// The answer stalled or dripped past the read timeout.
    ReadTimeout,
    /// The TLS handshake failed or the certificate is not trusted.
    Tls,
    /// HTTP 403/451 or a page that is not the signed content.
    BlockPage,
    /// Another HTTP error status (5xx, 404).
    HttpStatus,
    /// The content failed verification (tampered, rolled back, torn or stale tree).
    Verification,
    /// The route's head is current by the route's own time but expired by the device's clock:
    /// the device's clock seems wrong.
    Clock,
    Other,
}

impl From<core_net::FailureKind> for FailureKind {
    fn from(k: core_net::FailureKind) -> Self {
        use core_net::FailureKind as K;
        match k {
            K::Dns => FailureKind::Dns,
            K::DnsTampered => FailureKind::DnsTampered,
            K::Refused => FailureKind::Refused,
            K::Reset => FailureKind::Reset,
            K::ConnectTimeout => FailureKind::ConnectTimeout,
            K::ReadTimeout => FailureKind::ReadTimeout,
            K::Tls => FailureKind::Tls,
            K::BlockPage => FailureKind::BlockPage,
            K::HttpStatus => FailureKind::HttpStatus,
            K::Verification => FailureKind::Verification,
            K::Clock => FailureKind::Clock,
            K::Other => FailureKind::Other,
        }
    }
}

/// One request on one route, as evidence for the banner state.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteAttempt {
    /// The route's base URL.
    pub url: String,
    pub source: RouteSource,
    /// The tree path requested (empty for a remembered failure).
    pub path: String,
    /// When it ended.
    pub at: i64,
    /// Whether the route answered with accepted content.
    pub ok: bool,
    /// How it failed; `null`/`nil` when it succeeded or was cancelled because another won.
    pub failure: Option<FailureKind>,
    /// Latency of a success, or time until cancelled, in milliseconds.
    pub millis: Option<u32>,
    /// Human-readable detail of a failure (English), for a details screen and logs.
    pub detail: String,
    /// Not tried this time: the route's last known failure.
    pub remembered: bool,
}

impl From<core_net::Attempt> for RouteAttempt {
    fn from(a: core_net::Attempt) -> Self {
        let core_net::Attempt {
            url,
            source,
            path,
            at,
            outcome,
            remembered,
        } = a;
        let (ok, failure, millis, detail) = match outcome {
            core_net::Outcome::Ok { latency_ms } => (true, None, Some(latency_ms), String::new()),
            core_net::Outcome::Failed { kind, detail } => (false, Some(kind.into()), None, detail),
            core_net::Outcome::Cancelled {
                after_ms,
                overtaken: _,
            } => (false, None, Some(after_ms), "cancelled".to_owned()),
        };
        RouteAttempt {
            url,
            source: source.into(),
            path,
            at,
            ok,
            failure,
            millis,
            detail,
            remembered,
        }
    }
}

/// One probe of a host that is not the publisher's.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProbeOutcome {
    pub url: String,
    /// True for a probe hosted inside the reader's country.
    pub domestic: bool,
    /// The HTTP status when the host answered (any status counts as an answer).
    pub status: Option<u16>,
    pub failure: Option<FailureKind>,
    /// What failed, in words (empty when the host answered).
    pub detail: String,
    pub at: i64,
}

impl From<core_net::ProbeResult> for ProbeOutcome {
    fn from(p: core_net::ProbeResult) -> Self {
        let core_net::ProbeResult {
            url,
            scope,
            status,
            failure,
            detail,
            at,
        } = p;
        ProbeOutcome {
            url,
            domestic: scope == core_net::ProbeScope::Domestic,
            status,
            failure: failure.map(FailureKind::from),
            detail,
            at,
        }
    }
}

/// The connection banner: its state, its text and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConnectionInfo {
    pub state: BannerState,
    /// The banner's text, Persian and English (see `bannerText`).
    pub banner: BannerText,
    /// The route (base URL) whose signed content was accepted, when one was.
    pub route: Option<String>,
    /// Route attempts of the last race (and remembered failures), in the order they ended.
    pub attempts: Vec<RouteAttempt>,
    pub probes: Vec<ProbeOutcome>,
    /// Whether the OS reported a network (`Reader.setNetworkAvailable`).
    pub network_available: bool,
    /// When the state was decided; 0 for `Unknown`.
    pub checked_at: i64,
    /// False when this is the state recorded by the last sync of an earlier run (shown at
    /// start until the first race of this run); the evidence is not kept across runs.
    pub live: bool,
    /// When the held head has expired, the time it was issued (Unix seconds): the articles
    /// are "a copy of DATE, not live" — passed on during a shutdown, or not synced since.
    pub copy_of: Option<i64>,
}

pub(crate) fn banner_state(state: &ConnectionState) -> BannerState {
    match state {
        ConnectionState::Unknown => BannerState::Unknown,
        ConnectionState::Connecting(_) => BannerState::Connecting,
        ConnectionState::Direct(_) => BannerState::Direct,
        ConnectionState::MainBlockedMirror(_) => BannerState::MainBlockedViaMirror,
        ConnectionState::MirrorOnly(_) => BannerState::Mirror,
        ConnectionState::NoRoute(_) => BannerState::NoRoute,
        ConnectionState::Offline(_) => BannerState::Offline,
        ConnectionState::NationalShutdown(_) => BannerState::NationalShutdown,
    }
}

impl From<core_reader::Connection> for ConnectionInfo {
    fn from(c: core_reader::Connection) -> Self {
        let core_reader::Connection {
            state,
            route,
            checked_at,
            live,
            copy_of,
        } = c;
        let banner = banner_state(&state);
        let evidence = state.evidence().cloned().unwrap_or_default();
        // Nothing measured yet is no sign that the network is missing.
        let network_available =
            evidence.network_available || matches!(state, ConnectionState::Unknown);
        ConnectionInfo {
            state: banner,
            banner: banner_text(banner),
            route,
            attempts: evidence
                .attempts
                .into_iter()
                .map(RouteAttempt::from)
                .collect(),
            probes: evidence
                .probes
                .into_iter()
                .map(ProbeOutcome::from)
                .collect(),
            network_available,
            checked_at,
            live,
            copy_of,
        }
    }
}

/// A route the reader knows, with its health.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteInfo {
    /// The tree's base URL: the route's identity.
    pub url: String,
    pub source: RouteSource,
    pub successes: u64,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub last_failure: Option<FailureKind>,
    pub median_latency_ms: Option<u32>,
    /// Not raced before this time unless nothing else is left.
    pub backoff_until: Option<i64>,
}

impl From<core_net::RouteHealth> for RouteInfo {
    fn from(h: core_net::RouteHealth) -> Self {
        let core_net::RouteHealth {
            url,
            source,
            successes,
            consecutive_failures,
            last_success_at,
            last_failure_at,
            last_failure,
            median_latency_ms,
            backoff_until,
        } = h;
        RouteInfo {
            url,
            source: source.into(),
            successes,
            consecutive_failures,
            last_success_at,
            last_failure_at,
            last_failure: last_failure.map(FailureKind::from),
            median_latency_ms,
            backoff_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_text_splits_into_runs() {
        let marked = format!("a {MARK_OPEN}گفت‌وگو{MARK_CLOSE} b{MARK_OPEN}x{MARK_CLOSE}");
        let got = runs(&marked);
        let want = [("a ", false), ("گفت‌وگو", true), (" b", false), ("x", true)];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (run, (text, matched)) in got.iter().zip(want) {
            assert_eq!((run.text.as_str(), run.matched), (text, matched));
        }
        assert!(runs("").is_empty());
        assert_eq!(runs("plain")[0].text, "plain");
        // An unclosed marker does not lose text.
        assert_eq!(runs(&format!("{MARK_OPEN}tail"))[0].text, "tail");
    }
}
