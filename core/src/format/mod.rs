//! The signed static mirror format, shared by the publisher and the client.
//!
//! A tree is a folder of static files, identical on every mirror; only `head` changes in place.
//! The client trusts signatures and hashes, never the host it fetched from.
//!
//! - [`note`]: signed notes (exact body bytes plus signature lines) and publisher keys.
//! - [`root`]: versioned root metadata: the publisher keys and their threshold, with rotation.
//! - [`head`]: the small, signed, expiring entry point naming everything else by hash.
//! - [`log`]: immutable, compressed, hash-chained runs of change entries.
//! - [`snapshot`]: the current state for new readers, headlines first.
//! - [`mirrors`]: the signed list of places to fetch from.
//! - [`layout`]: the paths of the tree and the only paths a client will fetch.
//! - [`limits`]: size caps applied to every fetched file.
//! - [`codec`], [`pack`]: hashes, the hash chain, bounded JSON, compression and format 3's
//!   packing of Persian text.

pub mod codec;
pub mod error;
pub mod head;
pub mod layout;
pub mod limits;
pub mod log;
pub mod mirrors;
pub mod model;
pub mod note;
pub mod pack;
pub mod root;
pub mod snapshot;

pub use error::FormatError;
pub use model::{Article, Change, Comment, Entry, MediaFile, MediaRef, Receipt, ReceiptStatus};
