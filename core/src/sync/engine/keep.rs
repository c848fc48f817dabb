//! Keeping the signed files a sync applied, as fetched, in the reader's copy of the tree (see
//! [`crate::store::Store::keep_tree_file`]), so that the reader can pass on a verifiable tree.

use crate::format::head::Head;
use crate::format::layout;
use crate::format::snapshot::PartList;
use crate::sync::SyncError;

use super::{Inner, blocking};

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
