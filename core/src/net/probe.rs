//! Probes of hosts that are not the publisher's: neutral international URLs and domestic URLs,
//! configured by the app. They tell "the main site and mirrors are blocked" from "the country
//! is cut off" from "this device is offline".

use serde::{Deserialize, Serialize};

use super::client::HttpClient;
use super::evidence::{FailureKind, unix_now};

/// Which side of the border a probe host is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeScope {
    International,
    Domestic,
}

/// The result of one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub url: String,
    pub scope: ProbeScope,
    /// The HTTP status, when the probe got an answer (after TLS, for `https`).
    pub status: Option<u16>,
    pub failure: Option<FailureKind>,
    pub detail: String,
    /// Unix seconds.
    pub at: i64,
}

impl ProbeResult {
    /// Whether the host answered (any HTTP status counts).
    pub fn answered(&self) -> bool {
        self.status.is_some()
    }
}

/// Runs every configured probe concurrently, each bounded by the probe timeout.
pub async fn run_probes(client: &HttpClient) -> Vec<ProbeResult> {
    let config = client.config();
    let probes = config
        .international_probes
        .iter()
        .map(|u| (u.clone(), ProbeScope::International))
        .chain(
            config
                .domestic_probes
                .iter()
                .map(|u| (u.clone(), ProbeScope::Domestic)),
        )
        .map(|(url, scope)| async move {
            let result = client.probe(&url).await;
            let at = unix_now();
            match result {
                Ok(status) => ProbeResult {
                    url,
                    scope,
                    status: Some(status),
                    failure: None,
                    detail: format!("HTTP {status}"),
                    at,
                },
                Err(e) => ProbeResult {
                    url,
                    scope,
                    status: None,
                    failure: Some(e.kind),
                    detail: e.detail,
                    at,
                },
            }
        });
    futures::future::join_all(probes).await
}
