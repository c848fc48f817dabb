//! How the publisher downloads its inputs (feeds and images): conditional requests with the
//! validators of the last fetch (`ETag`, `Last-Modified`), gzip, a size cap before and after
//! decompression, and a timeout for each request.

use std::io::Read;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

/// The validators a server gave with a response, sent back to ask "changed since?".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// The answer to a [`Http::get`].
#[derive(Debug)]
pub enum Fetched {
    /// 304: what was fetched with the given validators is still current.
    NotModified,
    Body {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

/// A client for the publisher's downloads.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
}

impl Http {
    /// A client whose requests each give up after `timeout` (connecting: at most 10 s).
    pub fn new(timeout: Duration) -> Result<Http, String> {
        let tls = crate::net::tls_config(true, &[]).map_err(|e| e.to_string())?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Http { client })
    }

    /// The client, for requests of other kinds (its timeouts apply).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// GETs `url`, at most `cap` bytes (compressed and decompressed); with `known`
    /// validators a 304 answers [`Fetched::NotModified`]. Errors are one line for the report.
    pub async fn get(
        &self,
        url: &Url,
        known: Option<&Validators>,
        cap: u64,
    ) -> Result<Fetched, String> {
        let mut request = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT_ENCODING, "gzip");
        if let Some(v) = known {
            if let Some(etag) = &v.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &v.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = request.send().await.map_err(describe)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED && known.is_some() {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(format!("HTTP {}", status.as_u16()));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let gzip = header(reqwest::header::CONTENT_ENCODING)
            .is_some_and(|e| e.eq_ignore_ascii_case("gzip"));
        let mut bytes = read_capped(&mut response, cap).await?;
        if gzip {
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .take(cap + 1)
                .read_to_end(&mut plain)
                .map_err(|e| format!("bad gzip: {e}"))?;
            if plain.len() as u64 > cap {
                return Err(too_large(cap));
            }
            bytes = plain;
        }
        Ok(Fetched::Body { bytes, validators })
    }
}

/// The body of `response`, at most `cap` bytes (an error beyond).
pub async fn read_capped(response: &mut reqwest::Response, cap: u64) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|n| n > cap) {
        return Err(too_large(cap));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > cap {
            return Err(too_large(cap));
        }
    }
    Ok(bytes)
}

fn too_large(cap: u64) -> String {
    format!("larger than the {cap} bytes allowed")
}

/// A transport error in one line.
pub fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}
