//! The evidence the banner state is chosen from: where a request went ([`RouteSource`]), what
//! happened to it ([`Outcome`], [`FailureKind`]) and the record of one request ([`Attempt`]).
//! Every other module of `net` builds on these types; this one depends on none of them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    /// The route's head is current by the route's own `Date` but expired by the device's
    /// clock: the device's clock seems wrong. The head is refused all the same (a `Date` is not
    /// signed) unless several routes agree on the time (see the sync engine's trusted time).
    Clock,
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
            FailureKind::Clock => "clock",
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
            Clock,
            Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What happened to one request on one route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The route answered and the answer was accepted (verified, for a race).
    Ok {
        latency_ms: u32,
    },
    Failed {
        kind: FailureKind,
        detail: String,
    },
    /// Still running when another route won or the deadline passed.
    Cancelled {
        after_ms: u32,
        /// It started before the route that won: it had its head start and was beaten by a
        /// later route. Route health then stops counting it as the last good route.
        #[serde(default)]
        overtaken: bool,
    },
}

/// One request on one route: the unit of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The route's base URL (its id).
    pub url: String,
    pub source: RouteSource,
    /// The tree path requested (empty for a remembered outcome).
    pub path: String,
    /// When the attempt ended, Unix seconds.
    pub at: i64,
    pub outcome: Outcome,
    /// Not made in this round: the route's last known failure, taken from its health.
    pub remembered: bool,
}

impl Attempt {
    pub fn failure_kind(&self) -> Option<FailureKind> {
        match &self.outcome {
            Outcome::Failed { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self.outcome, Outcome::Ok { .. })
    }
}

/// Now, in Unix seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A duration in whole milliseconds, saturated, as latencies are recorded.
pub fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}
