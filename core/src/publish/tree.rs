//! The publisher's view of an existing tree: its roots, its head and the state its log
//! describes, rebuilt from the snapshot and the log files (the tree is the only source of truth),
//! and the ordered, atomic writing of new files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::format::codec::{GENESIS_TIP, Hash, parse_hash};
use crate::format::head::Head;
use crate::format::log::{LogReader, check_pinned, cover};
use crate::format::mirrors::MirrorList;
use crate::format::note::{self, NoteKind, PublicKey};
use crate::format::root::{RootBody, TrustedRoot};
use crate::format::snapshot::{PartItem, PartList, PartReader};
use crate::format::{Article, Change, Comment, FormatError, layout};

use super::PublishError;

/// What a tree holds now.
#[derive(Debug, Default)]
pub struct TreeState {
    /// Every root version in the tree, oldest first.
    pub roots: Vec<TrustedRoot>,
    pub head: Option<Head>,
    pub mirror_list: Option<MirrorList>,
    pub articles: BTreeMap<String, Article>,
    /// Comments by comment id.
    pub comments: BTreeMap<String, Comment>,
    /// Media hashes entered in the log.
    pub media: std::collections::BTreeSet<String>,
    pub seq: u64,
    pub tip: Hash,
}

impl TreeState {
    /// Reads and verifies the tree at `dir` (an empty or missing folder is an empty tree).
    pub fn load(dir: &Path) -> Result<TreeState, PublishError> {
        let mut state = TreeState {
            tip: GENESIS_TIP,
            ..TreeState::default()
        };
        state.roots = load_roots(dir)?;
        let head_path = dir.join(layout::HEAD);
        if !head_path.exists() {
            return Ok(state);
        }
        let bytes = std::fs::read(&head_path).map_err(PublishError::io(&head_path))?;
        let version = Head::peek_root_version(&bytes).map_err(|e| (head_path.clone(), e))?;
        let root = state
            .roots
            .iter()
            .find(|r| r.version == version)
            .ok_or_else(|| {
                PublishError::tree(
                    &head_path,
                    format!("signed under root {version}, which the tree lacks"),
                )
            })?;
        let head = Head::verify(&bytes, root).map_err(|e| (head_path.clone(), e))?;
        if let Some(m) = &head.mirrors {
            let path = dir.join(layout::mirrors(&m.hash));
            let bytes = read_pinned(&path, &m.hash, m.len)?;
            state.mirror_list =
                Some(MirrorList::verify(&bytes, &root.keys).map_err(|e| (path, e))?);
        }
        state.replay(dir, &head)?;
        state.head = Some(head);
        Ok(state)
    }

    /// The root in force: the newest one.
    pub fn root(&self) -> Option<&TrustedRoot> {
        self.roots.last()
    }

    fn put_snapshot_article(&mut self, a: Article) {
        for m in a.media() {
            self.media.extend(m.original.iter().map(|o| o.hash.clone()));
            self.media.insert(m.hash.clone());
        }
        self.articles.insert(a.id.clone(), a);
    }

    fn replay(&mut self, dir: &Path, head: &Head) -> Result<(), PublishError> {
        if let Some(snap) = &head.snapshot {
            let list_path = dir.join(layout::part_list(&snap.rest.hash));
            let list = read_pinned(&list_path, &snap.rest.hash, snap.rest.len)?;
            let rest = PartList::parse(&list, &snap.rest).map_err(|e| (list_path, e))?;
            // Format 2's bodies are joined with their headlines (format 4's with their
            // summaries put back).
            let mut headlines = std::collections::HashMap::new();
            for part in std::iter::once(&snap.headlines).chain(&rest) {
                let path = dir.join(layout::snapshot(&part.hash));
                let bytes = read_pinned(&path, &part.hash, part.len)?;
                let mut reader = PartReader::new(part, &bytes, head.format);
                while let Some(item) = reader.next_item().map_err(|e| (path.clone(), e))? {
                    match item {
                        PartItem::Headline(h) => {
                            headlines.insert(h.id.clone(), h);
                        }
                        PartItem::Body(b) => {
                            let Some(h) = headlines.remove(&b.id) else {
                                let what = format!("the body of article {}", b.id);
                                return Err(PublishError::tree(
                                    path,
                                    format!("{what} has no headline"),
                                ));
                            };
                            let a = h.with_body(b).map_err(|e| (path.clone(), e))?;
                            self.put_snapshot_article(a);
                        }
                        PartItem::Article(a) => self.put_snapshot_article(a),
                        PartItem::Comment(c) => {
                            self.comments.insert(c.id.clone(), c);
                        }
                    }
                }
            }
            self.seq = snap.seq;
            self.tip =
                parse_hash("snapshot tip", &snap.tip).map_err(|e| (dir.join(layout::HEAD), e))?;
        }
        let files = cover(&head.files, self.seq, head.log.size).ok_or_else(|| {
            PublishError::tree(
                dir.join(layout::HEAD),
                "log files do not reach back to the snapshot",
            )
        })?;
        for file in files {
            let path = dir.join(layout::log(&file.hash));
            let bytes = read_pinned(&path, &file.hash, file.len)?;
            let mut reader =
                LogReader::new(file, &bytes, self.seq, self.tip).map_err(|e| (path.clone(), e))?;
            while let Some((entry, tip)) = reader.next_entry().map_err(|e| (path.clone(), e))? {
                self.apply(entry.change);
                self.seq = entry.seq;
                self.tip = tip;
            }
        }
        if hex::encode(self.tip) != head.log.tip {
            return Err(PublishError::tree(
                dir.join(layout::HEAD),
                "log replay does not end at the head's tip",
            ));
        }
        Ok(())
    }

    /// Applies one change to the state (the publisher's own bookkeeping).
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::PutArticle { article } => {
                self.articles.insert(article.id.clone(), article);
            }
            Change::DeleteArticle { id, .. } => {
                self.articles.remove(&id);
                self.comments.retain(|_, c| c.article_id != id);
            }
            Change::PutComment { comment } => {
                self.comments.insert(comment.id.clone(), comment);
            }
            Change::DeleteComment { id, .. } => {
                self.comments.remove(&id);
            }
            Change::PutMedia { media } => {
                self.media.insert(media.hash);
            }
            Change::Receipt { .. } => {}
        }
    }
}

/// Reads `root/1.json`, `root/2.json`, … and verifies each against the one before. Version 1 is
/// trusted as the keys it names (the app pins them; the publisher checks its key against them).
fn load_roots(dir: &Path) -> Result<Vec<TrustedRoot>, PublishError> {
    let mut roots: Vec<TrustedRoot> = Vec::new();
    for version in 1.. {
        let path = dir.join(layout::root(version));
        if !path.exists() {
            break;
        }
        let bytes = std::fs::read(&path).map_err(PublishError::io(&path))?;
        let trusted = match roots.last() {
            Some(prev) => prev.clone(),
            None => TrustedRoot::pinned(first_root_keys(&bytes).map_err(|e| (path.clone(), e))?),
        };
        roots.push(trusted.advance(&bytes).map_err(|e| (path, e))?);
    }
    Ok(roots)
}

fn first_root_keys(bytes: &[u8]) -> Result<Vec<PublicKey>, FormatError> {
    let (body, _) = note::split(NoteKind::Root, bytes)?;
    let body: RootBody = crate::format::codec::parse_json("root", body)?;
    body.keys.iter().map(|k| PublicKey::parse(k)).collect()
}

/// Reads a file of the tree and checks it against the hash and length that pin it.
pub fn read_pinned(path: &Path, hash: &str, len: u64) -> Result<Vec<u8>, PublishError> {
    let bytes = std::fs::read(path).map_err(PublishError::io(path))?;
    check_pinned(&path.display().to_string(), &bytes, hash, len)
        .map_err(|e| (path.to_path_buf(), e))?;
    Ok(bytes)
}

/// Writes files into the tree in the order given, each atomically (temporary file, fsync,
/// rename), so a mirror copied in the same order is never torn: immutable files come first and
/// `head` last. Files that already exist with the same name are content-addressed and skipped.
pub struct TreeWriter {
    dir: PathBuf,
    files: Vec<(String, Vec<u8>)>,
}

impl TreeWriter {
    pub fn new(dir: &Path) -> Self {
        TreeWriter {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        }
    }

    pub fn add(&mut self, path: String, bytes: Vec<u8>) {
        self.files.push((path, bytes));
    }

    /// Writes everything; returns the paths written, in order.
    pub fn commit(self) -> Result<Vec<String>, PublishError> {
        let mut written = Vec::new();
        for (rel, bytes) in self.files {
            let path = self.dir.join(&rel);
            if rel != layout::HEAD
                && path.exists()
                && std::fs::read(&path).is_ok_and(|b| b == bytes)
            {
                continue;
            }
            write_atomic(&path, &bytes, true).map_err(PublishError::io(&path))?;
            written.push(rel);
        }
        Ok(written)
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it (folders created), fsync
/// when `durable`, rename. A reader sees the old file or the new one, never a part.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = parent.join(format!(".tmp-{name}"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    if durable {
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
