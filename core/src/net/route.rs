//! Routes: places a tree can be fetched from, and what happened when we tried them.
//!
//! The health record is persisted by the store (table `routes`) so that a warm start goes first
//! to the route that worked last.

use serde::{Deserialize, Serialize};

/// Where a route came from. Ordered by how much the app trusts it to exist, not its content
/// (content is always verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteSource {
    /// The publisher's main site.
    Main,
    /// A mirror built into the app.
    BuiltIn,
    /// A mirror from the publisher's signed mirror list.
    MirrorList,
    /// A mirror the reader added by hand (a URL from a message or a QR code).
    User,
    /// A local folder (`file://`), e.g. a copy on an SD card.
    Folder,
}

impl RouteSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteSource::Main => "main",
            RouteSource::BuiltIn => "built_in",
            RouteSource::MirrorList => "mirror_list",
            RouteSource::User => "user",
            RouteSource::Folder => "folder",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            RouteSource::Main,
            RouteSource::BuiltIn,
            RouteSource::MirrorList,
            RouteSource::User,
            RouteSource::Folder,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The kind of a failed attempt: the evidence the banner state is chosen from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Name did not resolve (NXDOMAIN, no answer, resolver failure).
    Dns,
    /// A public name resolved to a private or reserved address: a sign of DNS tampering.
    DnsTampered,
    Refused,
    Reset,
    ConnectTimeout,
    /// The answer stalled or dripped past the read timeout.
    ReadTimeout,
    /// The TLS handshake failed or the certificate is not trusted: someone may be in the middle.
    Tls,
    /// HTTP 403/451, or a body that is not our signed content.
    BlockPage,
    /// Another HTTP error status (e.g. 5xx, 404).
    HttpStatus,
    /// The content failed verification (tampering, rollback, torn or stale tree).
    Verification,
    /// Anything else (I/O error on a folder route, unexpected protocol error).
    Other,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Dns => "dns",
            FailureKind::DnsTampered => "dns_tampered",
            FailureKind::Refused => "refused",
            FailureKind::Reset => "reset",
            FailureKind::ConnectTimeout => "connect_timeout",
            FailureKind::ReadTimeout => "read_timeout",
            FailureKind::Tls => "tls",
            FailureKind::BlockPage => "block_page",
            FailureKind::HttpStatus => "http_status",
            FailureKind::Verification => "verification",
            FailureKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use FailureKind::*;
        [
            Dns,
            DnsTampered,
            Refused,
            Reset,
            ConnectTimeout,
            ReadTimeout,
            Tls,
            BlockPage,
            HttpStatus,
            Verification,
            Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The persisted health of one route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteHealth {
    /// Base URL of the tree (`https://…/`, `http://…/` or `file:///…/`); the route's identity.
    pub url: String,
    pub source: RouteSource,
    pub successes: u64,
    /// Failures since the last success; drives the back-off.
    pub consecutive_failures: u32,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub last_failure: Option<FailureKind>,
    /// Median of recent successful request latencies, in milliseconds.
    pub median_latency_ms: Option<u32>,
    /// Not tried again before this time (Unix seconds) unless nothing else is left.
    pub backoff_until: Option<i64>,
}

impl RouteHealth {
    pub fn new(url: impl Into<String>, source: RouteSource) -> Self {
        RouteHealth {
            url: url.into(),
            source,
            successes: 0,
            consecutive_failures: 0,
            last_success_at: None,
            last_failure_at: None,
            last_failure: None,
            median_latency_ms: None,
            backoff_until: None,
        }
    }
}
