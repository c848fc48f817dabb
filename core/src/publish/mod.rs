//! The publisher: builds or updates a signed mirror tree from article files or a feed.
//!
//! A run reads the whole input and the whole existing tree first (nothing is written when
//! either is invalid), computes exactly the changes (new and edited articles with a bumped
//! revision, tombstones for removed ones, comments, media), appends them as one log file,
//! compacts old log files ([`compact`]), rewrites the snapshot when due, and writes the files in
//! an order that never leaves a torn tree: immutable files, then `heads/<version>`, then `head`.
//!
//! The snapshot is rewritten when there is none, when the entries since it exceed
//! [`SNAPSHOT_EVERY_MIN`] or a quarter of the articles (whichever is larger), or when the log
//! files listed in `head` no longer reach back to it.

pub mod cache;
pub mod compact;
mod error;
pub mod feeds;
pub mod http;
pub mod images;
pub mod links;
pub mod phone;
pub mod refs;
pub mod serving;
pub mod site;
pub mod source;
pub mod targets;
pub mod tree;

use std::collections::BTreeMap;
use std::path::Path;

pub use error::PublishError;
use source::SourceArticle;
use tree::{TreeState, TreeWriter};

use crate::comments::{CommentSecret, READER_COMMENT_PREFIX};
use crate::format::head::{FileRef, Head, LogState, SnapshotRef, TreeFormat};
use crate::format::log::{LogFileBuilder, cover};
use crate::format::mirrors::MirrorList;
use crate::format::note::{PublicKey, SecretKey};
use crate::format::root::sign_root;
use crate::format::snapshot::SnapshotBuilder;
use crate::format::{Article, Change, Comment, Entry, MediaFile, MediaRef, Receipt, layout};

/// Entries after which a snapshot may be rewritten, at the least.
pub const SNAPSHOT_EVERY_MIN: u64 = 256;
/// Raw bytes per snapshot part (about 2–3 MiB compressed).
pub const SNAPSHOT_PART_BYTES: usize = 8 * 1024 * 1024;
/// Validity of a signed mirror list.
const MIRROR_LIST_VALIDITY: i64 = 30 * 24 * 3600;

/// How a run should sign and describe the tree.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The time of the run (Unix seconds).
    pub now: i64,
    /// How long the new head stays valid, in seconds (days, typically).
    pub head_validity: i64,
    /// The publisher's name shown to readers.
    pub publisher: String,
    /// Mirror base URLs to sign into the mirror list; `None` keeps the current list.
    pub mirrors: Option<Vec<String>>,
    /// Comment endpoint base URLs (the inbox, relays) for the mirror list; `None` keeps the
    /// current ones.
    pub comment_endpoints: Option<Vec<String>>,
    /// Approved reader comments from the inbox, to publish (those on articles the tree does
    /// not hold are left out).
    pub reader_comments: Vec<Comment>,
    /// Receipts for envelopes the inbox holds (see [`crate::comments`]).
    pub receipts: Vec<Receipt>,
    /// The publisher's own site, for recognising internal links (default: the articles' hosts).
    pub site: Option<url::Url>,
    /// Raw bytes per snapshot part: [`SNAPSHOT_PART_BYTES`] but in tests.
    pub snapshot_part_bytes: usize,
    /// The format of the files this run writes: [`TreeFormat::CURRENT`], or an older one
    /// while apps that read only up to it are still in use.
    pub format: TreeFormat,
}

impl PublishOptions {
    /// A run at `now` by `publisher`: a head valid for a week, the tree's current mirror list
    /// and comment endpoints, no inbox, full-size snapshot parts.
    pub fn new(now: i64, publisher: impl Into<String>) -> PublishOptions {
        PublishOptions {
            now,
            head_validity: 7 * 24 * 3600,
            publisher: publisher.into(),
            mirrors: None,
            comment_endpoints: None,
            reader_comments: Vec::new(),
            receipts: Vec::new(),
            site: None,
            snapshot_part_bytes: SNAPSHOT_PART_BYTES,
            format: TreeFormat::CURRENT,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    pub head_version: u64,
    pub log_size: u64,
    /// Entries appended by this run, by kind.
    pub added: usize,
    pub edited: usize,
    pub removed: usize,
    pub comments_changed: usize,
    /// Receipts published for the inbox's envelopes.
    pub receipts: usize,
    pub media_added: usize,
    pub snapshot_written: bool,
    /// Paths written, in the order they were written (`head` last).
    pub written: Vec<String>,
    /// Each article removed, with the rule that removed it.
    pub removals: Vec<Removal>,
    /// Inputs that failed (feeds, images) without failing the run.
    pub failed: Vec<Failure>,
    /// The website's pages written after the head (not part of the signed data).
    pub site: site::SiteReport,
}

/// Why an article left the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalRule {
    /// `publish --remove ID`.
    Requested,
    /// Published before the retention window (`--keep-days`).
    Retention,
    /// Its file left the folder (a folder is the whole state).
    Absent,
}

impl RemovalRule {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalRule::Requested => "requested",
            RemovalRule::Retention => "retention",
            RemovalRule::Absent => "absent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub id: String,
    pub rule: RemovalRule,
}

/// An input that failed: a feed (`article` is `None`) or an image of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The feed's path or URL, or the image's URL.
    pub input: String,
    pub article: Option<String>,
    pub problem: String,
}

impl Failure {
    pub(crate) fn image(article: &str, url: &str, problem: impl std::fmt::Display) -> Failure {
        Failure {
            input: url.to_string(),
            article: Some(article.to_string()),
            problem: problem.to_string(),
        }
    }
}

/// What one run publishes, and which articles it takes away.
#[derive(Debug, Clone, Default)]
pub struct PublishInput {
    pub articles: Vec<SourceArticle>,
    /// The articles are the whole state (a folder): a published article missing from them is
    /// removed. Otherwise (feeds, windows on the archive) absence removes nothing.
    pub whole: bool,
    /// Articles to remove on purpose; removal wins over the input.
    pub remove: Vec<String>,
    /// Removes articles published more than this many days before the run, and skips input
    /// articles as old.
    pub keep_days: Option<u32>,
    /// Inputs that failed on the way, carried into the report.
    pub failed: Vec<Failure>,
}

/// Writes a fresh key pair: `DIR/publisher.key` (mode 0600) and `DIR/publisher.pub`.
pub fn keygen(dir: &Path) -> Result<PublicKey, PublishError> {
    std::fs::create_dir_all(dir).map_err(PublishError::io(dir))?;
    let secret_path = dir.join("publisher.key");
    if secret_path.exists() {
        return Err(PublishError::Key(format!(
            "{} exists; refusing to overwrite a key",
            secret_path.display()
        )));
    }
    let key = SecretKey::generate();
    write_secret(&secret_path, key.to_text().as_bytes())?;
    let public_path = dir.join("publisher.pub");
    std::fs::write(&public_path, format!("{}\n", key.public()))
        .map_err(PublishError::io(&public_path))?;
    Ok(key.public())
}

fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(PublishError::io(path))?;
    f.write_all(bytes).map_err(PublishError::io(path))
}

/// Reads a secret key file.
pub fn read_secret_key(path: &Path) -> Result<SecretKey, PublishError> {
    let text = std::fs::read_to_string(path).map_err(PublishError::io(path))?;
    SecretKey::parse(&text).map_err(|e| PublishError::Key(format!("{}: {e}", path.display())))
}

/// Builds or updates the tree at `dir` to hold exactly `articles` (read with [`source`]): a
/// published article missing from them is removed.
pub fn publish(
    dir: &Path,
    key: &SecretKey,
    articles: Vec<SourceArticle>,
    opts: &PublishOptions,
) -> Result<PublishReport, PublishError> {
    let input = PublishInput {
        articles,
        whole: true,
        ..PublishInput::default()
    };
    publish_input(dir, key, input, opts)
}

/// Builds or updates the tree at `dir` from `input` (see [`PublishInput`] for what is removed).
pub fn publish_input(
    dir: &Path,
    key: &SecretKey,
    input: PublishInput,
    opts: &PublishOptions,
) -> Result<PublishReport, PublishError> {
    let state = TreeState::load(dir)?;
    let mut writer = TreeWriter::new(dir);
    let comment_key = CommentSecret::derive(key).public();
    let root_version = match state.root() {
        Some(root) if !root.keys.keys.contains(&key.public()) => {
            return Err(PublishError::Key(format!(
                "key {} is not in the tree's root {}; rotate the root first",
                key.public().id(),
                root.version
            )));
        }
        // A tree from before comments gets a root that names the comment key.
        Some(root) if root.comment_key.is_none() => {
            let version = root.version + 1;
            let bytes = sign_root(
                version,
                &root.keys.keys,
                root.keys.threshold,
                Some(&comment_key),
                opts.now,
                &[key],
            );
            root.advance(&bytes).map_err(|e| {
                PublishError::Key(format!("cannot add the comment key to the root: {e}"))
            })?;
            writer.add(layout::root(version), bytes);
            version
        }
        Some(root) => root.version,
        None => {
            writer.add(
                layout::root(1),
                sign_root(1, &[key.public()], 1, Some(&comment_key), opts.now, &[key]),
            );
            1
        }
    };
    let mut report = PublishReport {
        failed: input.failed.clone(),
        ..PublishReport::default()
    };
    let (mut changes, media_files) = diff(&state, input, opts, &mut report);
    changes.extend(reader_changes(&state, &changes, opts, &mut report));

    let old_head = state.head.clone();
    let old_head = old_head.as_ref();
    let mirrors = mirror_list(&state, opts);
    let root_changed = old_head.is_none_or(|h| h.root_version != root_version);
    let needs_refresh = old_head.is_none_or(|h| h.expires_at - opts.now < opts.head_validity / 2);
    if changes.is_empty() && mirrors.is_none() && !root_changed && !needs_refresh {
        let head = old_head.expect("an unchanged tree has a head");
        report.head_version = head.version;
        report.log_size = head.log.size;
        report.site = write_site(dir, key, &state, head, state.mirror_list.as_ref())?;
        return Ok(report);
    }

    for (path, bytes) in media_files {
        writer.add(path, bytes);
    }
    let mut state = state;
    let mut files = old_head.map(|h| h.files.clone()).unwrap_or_default();
    let mut fresh = Vec::new();
    if !changes.is_empty() {
        let mut builder = LogFileBuilder::new(0, state.seq + 1, state.tip);
        for change in changes {
            let entry = Entry {
                seq: state.seq + 1,
                change,
            };
            builder.push(&entry);
            state.seq = entry.seq;
            state.apply(entry.change);
        }
        state.tip = builder.tip();
        let (file, bytes) = builder.finish(opts.format.codec());
        files.push(file.clone());
        fresh.push((file, bytes));
    }
    let merged = compact::compact(dir, &mut files, &fresh, opts.format.codec())?;
    for (file, bytes) in fresh.into_iter().chain(merged) {
        writer.add(layout::log(&file.hash), bytes);
    }

    let snapshot = match old_head.and_then(|h| h.snapshot.clone()) {
        // A publisher moving to another format writes a snapshot in it at once.
        Some(s)
            if !snapshot_due(&s, &state, &files)
                && old_head.map(|h| h.format) == Some(opts.format) =>
        {
            Some(s)
        }
        _ if state.seq == 0 => None,
        _ => {
            report.snapshot_written = true;
            let articles: Vec<&Article> = state.articles.values().collect();
            let comments: Vec<&Comment> = state.comments.values().collect();
            let (snapshot, files) = SnapshotBuilder::new(opts.snapshot_part_bytes, opts.format)
                .build(&articles, &comments, state.seq, hex::encode(state.tip));
            for (path, bytes) in files {
                writer.add(path, bytes);
            }
            Some(snapshot)
        }
    };

    let mirrors_ref = match &mirrors {
        Some(list) => {
            let bytes = list.sign(&[key]);
            let file = FileRef {
                hash: crate::format::codec::sha256_hex(&bytes),
                len: bytes.len() as u64,
            };
            writer.add(layout::mirrors(&file.hash), bytes);
            Some(file)
        }
        None => old_head.and_then(|h| h.mirrors.clone()),
    };

    let head = Head {
        kind: "head".into(),
        format: opts.format,
        publisher: opts.publisher.clone(),
        version: old_head.map_or(1, |h| h.version + 1),
        issued_at: opts.now,
        expires_at: opts.now + opts.head_validity,
        root_version,
        log: LogState {
            size: state.seq,
            tip: hex::encode(state.tip),
        },
        files,
        snapshot,
        mirrors: mirrors_ref,
    };
    let signed = head.sign(&[key]);
    writer.add(layout::archived_head(head.version), signed.clone());
    writer.add(layout::HEAD.to_string(), signed);
    report.head_version = head.version;
    report.log_size = head.log.size;
    report.written = writer.commit()?;
    // After the head: the site is not part of the signed data, and shows what the head holds.
    let mirrors = mirrors.as_ref().or(state.mirror_list.as_ref());
    report.site = write_site(dir, key, &state, &head, mirrors)?;
    Ok(report)
}

/// Writes the tree's website ([`site`]) for `head` (an unchanged tree gets one too, so a tree
/// from before the site has one after its next run).
fn write_site(
    dir: &Path,
    key: &SecretKey,
    state: &TreeState,
    head: &Head,
    mirrors: Option<&MirrorList>,
) -> Result<site::SiteReport, PublishError> {
    site::write(
        dir,
        &site::SiteInput {
            publisher: &head.publisher,
            key: &key.public(),
            head,
            mirrors: mirrors.map_or(&[][..], |l| &l.mirrors),
            articles: &state.articles,
            comments: &state.comments,
        },
    )
}

fn snapshot_due(
    snapshot: &SnapshotRef,
    state: &TreeState,
    files: &[crate::format::head::LogFileRef],
) -> bool {
    let since = state.seq - snapshot.seq;
    let threshold = SNAPSHOT_EVERY_MIN.max(state.articles.len() as u64 / 4);
    since > threshold || cover(files, snapshot.seq, state.seq).is_none()
}

/// A new signed mirror list when the requested mirrors differ from the current list (or it
/// expires within a week).
fn mirror_list(state: &TreeState, opts: &PublishOptions) -> Option<MirrorList> {
    if opts.mirrors.is_none() && opts.comment_endpoints.is_none() {
        return None;
    }
    let current = state.mirror_list.as_ref();
    let mirrors = opts
        .mirrors
        .clone()
        .or_else(|| current.map(|l| l.mirrors.clone()))
        .unwrap_or_default();
    let comments = opts
        .comment_endpoints
        .clone()
        .or_else(|| current.map(|l| l.comments.clone()))
        .unwrap_or_default();
    let fresh = current.is_some_and(|l| {
        l.mirrors == mirrors && l.comments == comments && l.expires_at - opts.now > 7 * 24 * 3600
    });
    (!fresh).then(|| {
        MirrorList::new(
            current.map_or(1, |l| l.version + 1),
            opts.now,
            opts.now + MIRROR_LIST_VALIDITY,
            mirrors,
            comments,
        )
    })
}

/// The inbox's part of a run: approved reader comments on articles the tree keeps (and that
/// differ from what is published), then the receipts.
fn reader_changes(
    state: &TreeState,
    changes: &[Change],
    opts: &PublishOptions,
    report: &mut PublishReport,
) -> Vec<Change> {
    let deleted: std::collections::BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DeleteArticle { id, .. } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let added: std::collections::BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::PutArticle { article } => Some(article.id.as_str()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for comment in &opts.reader_comments {
        let kept = !deleted.contains(comment.article_id.as_str())
            && (state.articles.contains_key(&comment.article_id)
                || added.contains(comment.article_id.as_str()));
        if kept && state.comments.get(&comment.id) != Some(comment) {
            report.comments_changed += 1;
            out.push(Change::PutComment {
                comment: comment.clone(),
            });
        }
    }
    report.receipts = opts.receipts.len();
    out.extend(opts.receipts.iter().map(|receipt| Change::Receipt {
        receipt: receipt.clone(),
    }));
    out
}

/// The changes that take `state` to `input`, and the media files to write.
fn diff(
    state: &TreeState,
    input: PublishInput,
    opts: &PublishOptions,
    report: &mut PublishReport,
) -> (Vec<Change>, Vec<(String, Vec<u8>)>) {
    let cutoff = input
        .keep_days
        .map(|d| opts.now.saturating_sub(i64::from(d) * 24 * 3600));
    let rule_for = |id: &str, published_at: i64| {
        if input.remove.iter().any(|r| r == id) {
            Some(RemovalRule::Requested)
        } else if cutoff.is_some_and(|c| published_at < c) {
            Some(RemovalRule::Retention)
        } else {
            None
        }
    };
    let articles: Vec<SourceArticle> = input
        .articles
        .into_iter()
        .filter(|a| rule_for(&a.id, a.published_at).is_none())
        .collect();
    let links = links::SiteLinks::new(
        opts.site.as_ref(),
        articles
            .iter()
            .filter_map(|a| a.url.as_deref().map(|u| (a.id.as_str(), u))),
    );
    let mut media = MediaOut {
        phone: state
            .articles
            .values()
            .flat_map(|a| a.media())
            .map(|m| {
                (
                    m.original.as_ref().map_or(&m.hash, |o| &o.hash).clone(),
                    m.clone(),
                )
            })
            .collect(),
        ..MediaOut::default()
    };
    let mut article_changes = Vec::new();
    let mut comment_changes = Vec::new();
    let mut seen_ids = std::collections::BTreeSet::new();
    // The published comments of each article, found once (not by a scan per article).
    let mut published_comments: BTreeMap<&str, BTreeMap<&str, &Comment>> = BTreeMap::new();
    for c in state.comments.values() {
        published_comments
            .entry(c.article_id.as_str())
            .or_default()
            .insert(c.id.as_str(), c);
    }

    for mut src in articles {
        seen_ids.insert(src.id.clone());
        let lead_image = src.lead_image.as_ref().map(|i| media.add(state, i));
        let images: Vec<MediaRef> = src.images.iter().map(|i| media.add(state, i)).collect();
        // The body shows the phone variants.
        for (img, r) in src
            .lead_image
            .iter()
            .chain(&src.images)
            .zip(lead_image.iter().chain(&images))
        {
            if let (Some(_), Some(from), Some(to)) = (
                &r.original,
                layout::media(&img.hash, img.mime),
                layout::media(&r.hash, &r.mime),
            ) {
                src.body_html = src.body_html.replace(&from, &to);
            }
        }
        let old = state.articles.get(&src.id);
        // Sanitising is idempotent: a body equal to its published (sanitised) form is kept as is.
        let body_html = match old {
            Some(old) if old.body_html == src.body_html => src.body_html.clone(),
            _ => crate::content::sanitize_html(&src.body_html),
        };
        let mut article = Article {
            links: links.linked_ids(&body_html, &src.id),
            id: src.id.clone(),
            revision: old.map_or(1, |a| a.revision),
            title: src.title,
            summary: crate::content::short_summary(&src.summary),
            body_html,
            author: src.author,
            language: src.language,
            published_at: src.published_at,
            updated_at: src.updated_at,
            tags: src.tags,
            url: src.url,
            lead_image,
            images,
            related: src.related,
        };
        match old {
            Some(old) if *old == article => {}
            Some(old) => {
                article.revision = old.revision + 1;
                report.edited += 1;
                article_changes.push(Change::PutArticle { article });
            }
            None => {
                report.added += 1;
                article_changes.push(Change::PutArticle { article });
            }
        }
        let old_comments = published_comments
            .remove(src.id.as_str())
            .unwrap_or_default();
        for c in &src.comments {
            let comment = c.to_comment(&src.id);
            if old_comments.get(c.id.as_str()) != Some(&&comment) {
                comment_changes.push(Change::PutComment { comment });
            }
        }
        // Reader comments come from the inbox, not from article files.
        for (id, _) in old_comments.iter().filter(|(id, _)| {
            !id.starts_with(READER_COMMENT_PREFIX) && !src.comments.iter().any(|c| c.id == **id)
        }) {
            comment_changes.push(Change::DeleteComment {
                id: id.to_string(),
                article_id: src.id.clone(),
            });
        }
    }
    for (id, old) in &state.articles {
        let rule = rule_for(id, old.published_at)
            .or((input.whole && !seen_ids.contains(id)).then_some(RemovalRule::Absent));
        if let Some(rule) = rule {
            report.removed += 1;
            report.removals.push(Removal {
                id: id.clone(),
                rule,
            });
            article_changes.push(Change::DeleteArticle {
                id: id.clone(),
                revision: old.revision + 1,
            });
        }
    }
    report.media_added = media.changes.len();
    report.comments_changed = comment_changes.len();
    let changes = media
        .changes
        .into_iter()
        .chain(article_changes)
        .chain(comment_changes)
        .collect();
    (changes, media.files)
}

/// The media files and entries a run adds, and the phone variant of each image.
#[derive(Default)]
struct MediaOut {
    /// By the original's hash: its published reference (the phone variant, or the image itself
    /// when it needs none), so an image is decoded once, when it is new.
    phone: std::collections::HashMap<String, MediaRef>,
    files: Vec<(String, Vec<u8>)>,
    changes: Vec<Change>,
    added: std::collections::BTreeSet<String>,
}

impl MediaOut {
    /// The reference to publish for `img` (its phone variant when it has one); adds the files
    /// the tree lacks.
    fn add(&mut self, state: &TreeState, img: &source::SourceImage) -> MediaRef {
        self.put(state, &img.hash, img.mime, &img.bytes);
        let mut r = match self.phone.get(&img.hash) {
            Some(r) => r.clone(),
            None => {
                let r = match phone::variant(&img.bytes, img.mime) {
                    Some((bytes, mime)) => {
                        let hash = crate::format::codec::sha256_hex(&bytes);
                        self.put(state, &hash, mime, &bytes);
                        MediaRef {
                            hash,
                            size: bytes.len() as u64,
                            mime: mime.to_string(),
                            caption: None,
                            original: Some(MediaFile {
                                hash: img.hash.clone(),
                                size: img.bytes.len() as u64,
                                mime: img.mime.to_string(),
                            }),
                        }
                    }
                    None => MediaRef {
                        hash: img.hash.clone(),
                        size: img.bytes.len() as u64,
                        mime: img.mime.to_string(),
                        caption: None,
                        original: None,
                    },
                };
                self.phone.insert(img.hash.clone(), r.clone());
                r
            }
        };
        r.caption = img.caption.clone();
        r
    }

    fn put(&mut self, state: &TreeState, hash: &str, mime: &str, bytes: &[u8]) {
        if state.media.contains(hash) || !self.added.insert(hash.to_string()) {
            return;
        }
        let Some(path) = layout::media(hash, mime) else {
            return;
        };
        self.files.push((path, bytes.to_vec()));
        self.changes.push(Change::PutMedia {
            media: MediaRef {
                hash: hash.to_string(),
                size: bytes.len() as u64,
                mime: mime.to_string(),
                caption: None,
                original: None,
            },
        });
    }
}

/// Rotates the tree's root to `new_keys` with `threshold`: writes `root/<n+1>.json` signed by
/// the current keys in `old` and by every new key. Publish with a new key afterwards to re-sign
/// `head` under the new root.
pub fn rotate(
    dir: &Path,
    old: &[&SecretKey],
    new: &[&SecretKey],
    threshold: usize,
    now: i64,
) -> Result<u64, PublishError> {
    let state = TreeState::load(dir)?;
    let root = state
        .root()
        .ok_or_else(|| PublishError::tree(dir, "has no root yet; publish first"))?;
    if threshold == 0 || threshold > new.len() {
        return Err(PublishError::Key(format!(
            "threshold {threshold} with {} new keys",
            new.len()
        )));
    }
    let version = root.version + 1;
    let keys: Vec<PublicKey> = new.iter().map(|k| k.public()).collect();
    let signers: Vec<&SecretKey> = old.iter().chain(new.iter()).copied().collect();
    // The comment key follows the first new key; the inbox keeps the previous one a while.
    let comment_key = new.first().map(|k| CommentSecret::derive(k).public());
    let bytes = sign_root(
        version,
        &keys,
        threshold,
        comment_key.as_ref(),
        now,
        &signers,
    );
    root.advance(&bytes)
        .map_err(|e| PublishError::Key(e.to_string()))?;
    let mut writer = TreeWriter::new(dir);
    writer.add(layout::root(version), bytes);
    writer.commit()?;
    Ok(version)
}
