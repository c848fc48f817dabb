//! Keeping the signed files a sync applied, as fetched, in the reader's copy of the tree (see
//! [`crate::store::Store::keep_tree_file`]), so that the reader can pass on a verifiable tree.

use crate::format::head::Head;
use crate::format::layout;
use crate::format::snapshot::PartList;
use crate::net::Route;
use crate::sync::SyncError;

use super::{Counters, Inner, blocking};

impl Inner {
    /// Keeps one verified file of the tree.
    pub(super) async fn keep(&self, path: String, bytes: Vec<u8>) -> Result<(), SyncError> {
        let store = self.store.clone();
        blocking(move || store.keep_tree_file(&path, &bytes)).await
    }

    /// Stores `head` as accepted, with its signed `bytes`, and keeps of the copy only the files
    /// it names: the root chain up to its root, its log files, mirror list, snapshot headlines,
    /// part list and (when the part list is held) the parts the list names.
    pub(super) async fn accept_head(&self, head: &Head, bytes: Vec<u8>) -> Result<(), SyncError> {
        // Every root up to the head's: a reader whose store predates the copy holds none of
        // them, and an export names them as missing rather than writing a tree no new reader
        // can verify.
        let mut named: Vec<String> = (1..=head.root_version).map(layout::root).collect();
        named.extend(head.files.iter().map(|f| layout::log(&f.hash)));
        named.extend(head.mirrors.iter().map(|m| layout::mirrors(&m.hash)));
        if let Some(snapshot) = &head.snapshot {
            named.push(layout::snapshot(&snapshot.headlines.hash));
            if snapshot.rest.parts > 0 {
                let path = layout::part_list(&snapshot.rest.hash);
                let store = self.store.clone();
                let p = path.clone();
                let list = blocking(move || store.tree_file(&p)).await?;
                named.push(path);
                // A held list verified when it was kept; one that no longer parses names nothing.
                if let Some(parts) = list.and_then(|b| PartList::parse(&b, &snapshot.rest).ok()) {
                    named.extend(parts.iter().map(|p| layout::snapshot(&p.hash)));
                }
            }
        }
        let store = self.store.clone();
        let (version, issued, expires) = (head.version, head.issued_at, head.expires_at);
        blocking(move || store.accept_head(version, issued, expires, &bytes, &named)).await
    }
}

impl Inner {
    /// Closes the snapshot gap: a reader that caught up by log files never fetched the held
    /// head's snapshot, so a new reader could not start from its copy. On an unmetered network
    /// (not text-only) the snapshot files the copy lacks are fetched, checked against the
    /// head's hashes and lengths, and kept (not applied: the reader's articles are already
    /// there), if the whole snapshot fits in what is left of the storage budget; the sync's
    /// byte cap bounds them too. Returns the files kept.
    pub(super) async fn fill_snapshot(
        &self,
        route: &Route,
        head: &Head,
        counters: &Counters,
    ) -> Result<u64, SyncError> {
        let Some(snapshot) = &head.snapshot else {
            return Ok(0);
        };
        let list_path = layout::part_list(&snapshot.rest.hash);
        let h = &snapshot.headlines;
        let mut queue = vec![(layout::snapshot(&h.hash), h.hash.clone(), h.len)];
        if snapshot.rest.parts > 0 {
            let r = &snapshot.rest;
            queue.push((list_path.clone(), r.hash.clone(), r.len));
        }
        let store = self.store.clone();
        let held: std::collections::HashSet<String> = blocking(move || store.tree_paths())
            .await?
            .into_iter()
            .filter_map(|(path, held)| held.then_some(path))
            .collect();
        let (mut kept, mut fits) = (0, None);
        while let Some((path, hash, len)) = queue.pop() {
            // Only the part list's bytes are needed from the store (to name the parts).
            let stored = if !held.contains(&path) {
                None
            } else if path == list_path {
                let (store, p) = (self.store.clone(), path.clone());
                blocking(move || store.tree_file(&p)).await?
            } else {
                continue;
            };
            let bytes = match stored {
                Some(bytes) => bytes,
                None => {
                    if fits.is_none() {
                        let store = self.store.clone();
                        let usage = blocking(move || store.usage()).await?;
                        fits = Some(usage.total() + snapshot.bytes() <= usage.budget);
                    }
                    if fits == Some(false) {
                        tracing::info!("the head's snapshot does not fit in the storage budget");
                        return Ok(kept);
                    }
                    let bytes = self
                        .fetch_file(route, path.clone(), &hash, len, counters)
                        .await?;
                    self.keep(path.clone(), bytes.clone()).await?;
                    kept += 1;
                    bytes
                }
            };
            if path == list_path {
                let parts = PartList::parse(&bytes, &snapshot.rest).map_err(|e| {
                    SyncError::Verification {
                        route: route.id().to_string(),
                        check: e.to_string(),
                    }
                })?;
                queue.extend(
                    parts
                        .iter()
                        .map(|p| (layout::snapshot(&p.hash), p.hash.clone(), p.len)),
                );
            }
        }
        Ok(kept)
    }
}
