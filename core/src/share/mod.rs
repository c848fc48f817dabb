//! Passing a reader's verified copy on to the next reader (issue 17): every phone a mirror.
//!
//! - [`export`]: writes the copy the sync kept (see [`crate::store::Store::keep_tree_file`]) as
//!   a mirror tree in a folder (a USB stick, an SD card), which any reader syncs from as a
//!   `file://` route or through any static web server.
//! - [`serve`]: the same copy over plain HTTP on the local network, with a landing page and a
//!   QR code of the URL to add as a mirror.
//!
//! The trust model does not change: the receiving reader verifies everything against its pinned
//! publisher key, as for any mirror.

pub mod export;
pub mod serve;

pub use export::{Export, ShareError, export_tree};
pub use serve::Sharing;
