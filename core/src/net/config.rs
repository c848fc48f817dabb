//! Network configuration. Every timeout is explicit; nothing waits on a system default.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::resolve::{Resolver, SystemResolver};

/// The User-Agent sent unless the app sets its own: the generic first word that most HTTP
/// clients send, with no product name or version, so that a censor watching the traffic cannot
/// pick out this app (or its version) by it.
pub const GENERIC_USER_AGENT: &str = "Mozilla/5.0";

/// How the core talks to the network.
#[derive(Clone)]
pub struct NetConfig {
    /// TCP connect plus TLS handshake, per connection.
    pub connect_timeout: Duration,
    /// Longest stall between two reads of a response (a stall, not the whole request).
    pub read_timeout: Duration,
    /// Longest a single request may take, body included (catches a slow drip).
    pub request_timeout: Duration,
    /// How often a pooled HTTP/2 connection is pinged, idle or busy, and how long its answer may
    /// take: a connection that misses one is closed, so one a censor silenced (or that a phone's
    /// change of network left dead) is not reused. Idle connections are closed after three times
    /// this (HTTP/1.1 has no ping).
    pub keep_alive: Duration,
    /// Longest one race (head or pinned file) may take before it gives up with evidence.
    pub race_deadline: Duration,
    /// Longest a whole sync may take; the sync engine wraps a sync in it.
    pub sync_deadline: Duration,
    /// How long the race waits for the running route before starting the next one.
    pub stagger: Duration,
    /// How long a race runs without a winner before the probes start (at once if every route
    /// has failed).
    pub probe_delay: Duration,
    /// Connect + answer budget of one probe.
    pub probe_timeout: Duration,
    /// Extra trusted root certificates (PEM, one or more per entry), on top of the webpki roots.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
    /// Whether the built-in webpki roots are trusted (tests turn this off to use their own CA).
    pub webpki_roots: bool,
    /// Where names are resolved. Always wrapped in the tampering guard.
    pub resolver: Arc<dyn Resolver>,
    /// Host names that may legitimately resolve to private addresses (e.g. a LAN mirror).
    pub allowed_private_hosts: Vec<String>,
    /// Neutral international probe URLs on different networks (not the publisher's).
    pub international_probes: Vec<String>,
    /// Probe URLs hosted inside the reader's country.
    pub domestic_probes: Vec<String>,
    /// Sent with every request; [`GENERIC_USER_AGENT`] by default.
    pub user_agent: String,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            keep_alive: Duration::from_secs(10),
            race_deadline: Duration::from_secs(30),
            sync_deadline: Duration::from_secs(180),
            stagger: Duration::from_millis(250),
            probe_delay: Duration::from_millis(500),
            probe_timeout: Duration::from_secs(5),
            extra_root_certs_pem: Vec::new(),
            webpki_roots: true,
            resolver: Arc::new(SystemResolver),
            allowed_private_hosts: Vec::new(),
            international_probes: Vec::new(),
            domestic_probes: Vec::new(),
            user_agent: GENERIC_USER_AGENT.to_string(),
        }
    }
}

impl fmt::Debug for NetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetConfig")
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("keep_alive", &self.keep_alive)
            .field("race_deadline", &self.race_deadline)
            .field("sync_deadline", &self.sync_deadline)
            .field("stagger", &self.stagger)
            .field("probe_delay", &self.probe_delay)
            .field("probe_timeout", &self.probe_timeout)
            .field("extra_root_certs", &self.extra_root_certs_pem.len())
            .field("webpki_roots", &self.webpki_roots)
            .field("allowed_private_hosts", &self.allowed_private_hosts)
            .field("international_probes", &self.international_probes)
            .field("domestic_probes", &self.domestic_probes)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_user_agent_names_no_product_and_no_version() {
        let ua = NetConfig::default().user_agent;
        assert!(!ua.to_ascii_lowercase().contains("article"), "{ua}");
        assert!(!ua.contains(env!("CARGO_PKG_VERSION")), "{ua}");
        assert_eq!(ua, GENERIC_USER_AGENT);
    }
}
