//! The publisher's memory of its downloads between runs, in a folder of its own beside the tree
//! (never inside it: mirrors copy the tree): each feed URL with its validators and last body,
//! and each image URL with its validators and the hash of its bytes (the bytes themselves are
//! the tree's `media/` files). It is a cache: a missing or unreadable one only costs downloads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PublishError;
use super::http::Validators;
use crate::format::codec::sha256_hex;

/// A feed as last fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedFeed {
    pub validators: Validators,
    /// SHA-256 of the body, stored as `feeds/<hash>` in the cache folder.
    pub body: String,
}

/// An image as last fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedImage {
    pub validators: Validators,
    pub hash: String,
    pub mime: String,
}

/// See the module documentation.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FetchCache {
    #[serde(skip)]
    dir: PathBuf,
    #[serde(default)]
    pub feeds: BTreeMap<String, CachedFeed>,
    #[serde(default)]
    pub images: BTreeMap<String, CachedImage>,
}

const INDEX: &str = "fetched.json";

impl FetchCache {
    /// The cache at `dir` (empty when there is none yet or it cannot be read).
    pub fn open(dir: &Path) -> FetchCache {
        let cache = std::fs::read(dir.join(INDEX))
            .ok()
            .and_then(|b| serde_json::from_slice::<FetchCache>(&b).ok())
            .unwrap_or_default();
        FetchCache {
            dir: dir.to_path_buf(),
            ..cache
        }
    }

    /// The default folder for the tree at `tree`: `<tree>.cache` beside it.
    pub fn beside(tree: &Path) -> PathBuf {
        let name = tree
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "tree".into());
        tree.with_file_name(format!("{name}.cache"))
    }

    /// The body last fetched from `url`, if still stored.
    pub fn feed_body(&self, url: &str) -> Option<Vec<u8>> {
        let feed = self.feeds.get(url)?;
        let bytes = std::fs::read(self.dir.join("feeds").join(&feed.body)).ok()?;
        (sha256_hex(&bytes) == feed.body).then_some(bytes)
    }

    /// Remembers `bytes` as the body of `url`.
    pub fn put_feed(
        &mut self,
        url: &str,
        validators: Validators,
        bytes: &[u8],
    ) -> Result<(), PublishError> {
        let hash = sha256_hex(bytes);
        let dir = self.dir.join("feeds");
        std::fs::create_dir_all(&dir).map_err(PublishError::io(&dir))?;
        let path = dir.join(&hash);
        std::fs::write(&path, bytes).map_err(PublishError::io(&path))?;
        if let Some(old) = self.feeds.insert(
            url.to_string(),
            CachedFeed {
                validators,
                body: hash.clone(),
            },
        ) && old.body != hash
            && !self.feeds.values().any(|f| f.body == old.body)
        {
            let _ = std::fs::remove_file(dir.join(old.body));
        }
        Ok(())
    }

    /// Writes the index (atomically).
    pub fn save(&self) -> Result<(), PublishError> {
        std::fs::create_dir_all(&self.dir).map_err(PublishError::io(&self.dir))?;
        let tmp = self.dir.join(format!(".{INDEX}.tmp"));
        let bytes = serde_json::to_vec(self).expect("the cache serialises");
        std::fs::write(&tmp, bytes).map_err(PublishError::io(&tmp))?;
        let path = self.dir.join(INDEX);
        std::fs::rename(&tmp, &path).map_err(PublishError::io(&path))
    }
}
