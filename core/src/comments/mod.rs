//! Readers' comments, from the phone to the publisher and back.
//!
//! - [`rules`]: what a comment must be (the limits both ends check).
//! - [`envelope`]: a comment signed by the reader's device key and sealed to the publisher's
//!   comment key, so that relays and mirrors see neither text nor author; its delivery key.
//! - [`inbox`]: the publisher's side: envelopes received once, moderated, published, and the
//!   receipts that tell readers what became of them.
//! - [`delivery`]: the reader's side: the outbox delivered over whichever comment endpoint
//!   answers.
//! - [`carry`]: envelopes that travel with a reader's exported copy, delivered by the next
//!   reader that gets online.
//!
//! The round trip: the reader composes (the outbox item is `waiting`), a sync seals it once
//! and posts it to the endpoints of the signed mirror list (directly or through a relay) until
//! one answers `202` (`sent`); the publisher approves it and the next publish puts it in the log
//! with a receipt (`published`), or a receipt with the reason (`rejected`). Receipts come
//! through any mirror, so a reader whose answer was lost still learns what happened.

pub mod carry;
pub mod delivery;
pub mod envelope;
pub mod inbox;
pub mod rules;

pub use envelope::{CommentKey, CommentSecret, DeviceKey, EnvelopeError, Opened, Sealed};
pub use rules::{CommentError, CommentField};

/// Ids of published reader comments start with this; the publisher never removes such a
/// comment because an article file does not list it.
pub const READER_COMMENT_PREFIX: &str = "r-";

/// The id a reader comment gets when published: from its delivery key, so the reader can tell
/// its own comment under the article.
pub fn published_comment_id(delivery_key: &str) -> String {
    let short = delivery_key.get(..32).unwrap_or(delivery_key);
    format!("{READER_COMMENT_PREFIX}{short}")
}
