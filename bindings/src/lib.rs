//! The uniffi surface of article-sync: the only crate that knows about the FFI.
//!
//! Kotlin, Swift and Python bindings are generated from the built library by
//! `scripts/generate-bindings.sh` (uniffi library mode, proc-macros, no UDL). Every exported item
//! carries a doc comment; uniffi copies it into the generated Kotlin and Swift.
//!
//! The app's entry point is [`Reader`] (one per database, held for the app's lifetime); its
//! records live in [`model`]. Free functions: [`format_date`], [`banner_text`],
//! [`verify_public_key`], [`set_log_listener`] (the core's log records, [`log`]), and for the
//! "Share" screen [`qr_svg`], [`qr_modules`] and [`key_fingerprint`].
//!
//! Rules every export follows:
//! - Core types cross as records and enums defined here and converted from the core's types, so
//!   the core never depends on uniffi.
//! - Every fallible call returns [`ArticleSyncError`]; a panic is caught at the boundary by
//!   uniffi (the release profile keeps unwinding) and never crosses it.
//! - Network work runs on the runtime this crate owns ([`runtime`]), so async exports work from
//!   any foreign executor (Kotlin coroutines, Swift concurrency, Python asyncio) and are
//!   cancelled when the foreign caller cancels.

mod banner;
mod date;
mod error;
mod keys;
mod log;
pub mod model;
pub mod reader;
pub mod runtime;
mod share;
pub mod subscription;

pub use banner::{BannerState, BannerText, banner_text};
pub use date::{DateStyle, format_date};
pub use error::ArticleSyncError;
pub use keys::verify_public_key;
pub use log::{LogLevel, LogListener, LogRecord, set_log_listener};
pub use reader::{
    ConnectionListener, ProgressListener, Reader, ReaderConfig, StoreListener, SyncHandle,
};
pub use share::{QrCode, key_fingerprint, qr_modules, qr_svg};
pub use subscription::Subscription;

uniffi::setup_scaffolding!();
