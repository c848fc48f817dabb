//! The article-sync core.
//!
//! - [`comments`]: readers' comments: the rules, the sealed envelope, the publisher's inbox and
//!   delivery from the outbox.
//! - [`content`]: untrusted HTML made safe, and its plain text.
//! - [`format`]: the signed static mirror format (head, log, snapshot, root, mirror list), shared
//!   by the publisher and the client.
//! - [`publish`]: builds and updates a mirror tree from article files or a feed.
//! - [`share`]: a reader's verified copy passed on to the next reader (export, sharing).
//! - [`store`]: the local SQLite store the app reads offline.
//! - [`net`]: routes, racing, failure evidence and the banner state.
//! - [`sync`]: the incremental, verified, resumable sync engine.
//! - [`text`]: text shown the same on every platform (dates in two calendars).
//!
//! This crate knows nothing of the FFI; `bindings/` does.

pub mod comments;
pub mod content;
pub mod format;
pub mod net;
pub mod publish;
pub mod reader;
pub mod share;
pub mod store;
pub mod sync;
pub mod text;
