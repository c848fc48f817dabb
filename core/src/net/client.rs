//! The HTTP client (reqwest over rustls) and the folder reader: the only code that does route
//! I/O. Every failure comes back classified as a [`FailureKind`].

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::Instant;

use reqwest::StatusCode;
use tokio::io::AsyncReadExt;

use super::config::NetConfig;
use super::evidence::{FailureKind, millis};
use super::resolve::{DnsError, GuardedResolver, ReqwestResolver, is_reserved};
use super::routes::Route;
use crate::format::layout::TreePath;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// A failed fetch: its kind (the evidence) and what exactly went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", kind.as_str())]
pub struct FetchError {
    pub kind: FailureKind,
    pub detail: String,
}

impl FetchError {
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        FetchError {
            kind,
            detail: detail.into(),
        }
    }

    /// The content arrived but failed verification (signature, hash, rollback, staleness).
    pub fn verification(detail: impl Into<String>) -> Self {
        Self::new(FailureKind::Verification, detail)
    }
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("extra root certificate is not valid PEM: {0}")]
    Certificate(String),
    #[error("HTTP client could not be built: {0}")]
    Build(String),
}

/// A successful fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Body {
        bytes: Vec<u8>,
        /// The `ETag` to send as `If-None-Match` next time.
        etag: Option<String>,
        latency_ms: u32,
    },
    /// The server answered 304 to `If-None-Match`.
    NotModified { latency_ms: u32 },
}

impl Fetched {
    /// The body, or `None` for `NotModified`.
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        match self {
            Fetched::Body { bytes, .. } => Some(bytes),
            Fetched::NotModified { .. } => None,
        }
    }
}

/// Raised by the redirect policy when a redirect points at a reserved IP literal.
#[derive(Debug, thiserror::Error)]
#[error("redirect to a reserved address {0}")]
struct RedirectRefused(String);

/// The TLS set-up of every HTTPS request (routes, and the CLI's feed fetch): rustls with the ring
/// provider, trusting the webpki roots (when `webpki_roots`) and the extra roots (PEM, one or
/// more certificates each); HTTP/2 or HTTP/1.1 by ALPN. For reqwest's
/// `tls_backend_preconfigured`.
pub fn tls_config(
    webpki_roots: bool,
    extra_roots_pem: &[Vec<u8>],
) -> Result<rustls::ClientConfig, ClientError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore::empty();
    if webpki_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for pem in extra_roots_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| ClientError::Certificate(e.to_string()))?;
            roots
                .add(cert)
                .map_err(|e| ClientError::Certificate(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Build(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

/// Fetches tree files from routes and answers probes.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    config: Arc<NetConfig>,
}

impl HttpClient {
    pub fn new(config: Arc<NetConfig>) -> Result<HttpClient, ClientError> {
        let guard = GuardedResolver::new(config.resolver.clone(), &config.allowed_private_hosts);
        let redirect = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(RedirectRefused("too many redirects".into()));
            }
            let reserved_literal = match attempt.url().host() {
                Some(url::Host::Ipv4(a)) => is_reserved(a.into()),
                Some(url::Host::Ipv6(a)) => is_reserved(a.into()),
                _ => false,
            };
            if reserved_literal {
                let to = attempt.url().to_string();
                return attempt.error(RedirectRefused(to));
            }
            attempt.follow()
        });
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(
                config.webpki_roots,
                &config.extra_root_certs_pem,
            )?)
            .dns_resolver(Arc::new(ReqwestResolver(Arc::new(guard))))
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .timeout(config.request_timeout)
            .redirect(redirect)
            .no_proxy()
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(HttpClient { client, config })
    }

    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// Fetches tree `path` (validated by [`TreePath::parse`]) from `route`, reading at most
    /// `max_bytes` of body. An HTML body is a block page wherever a tree file was expected.
    /// `If-None-Match` is sent when given (HTTP routes only).
    pub async fn fetch(
        &self,
        route: &Route,
        path: &str,
        max_bytes: u64,
        if_none_match: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        TreePath::parse(path)
            .map_err(|e| FetchError::new(FailureKind::Other, format!("refused path: {e}")))?;
        let started = Instant::now();
        if route.is_folder() {
            let bytes = read_folder(route, path, max_bytes).await?;
            return Ok(Fetched::Body {
                bytes,
                etag: None,
                latency_ms: millis(started.elapsed()),
            });
        }
        let url = route.join(path).ok_or_else(|| {
            FetchError::new(FailureKind::Other, format!("cannot join {path} to route"))
        })?;
        let mut request = self.client.get(url);
        if let Some(tag) = if_none_match {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let mut response = request.send().await.map_err(|e| classify(&e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED && if_none_match.is_some() {
            return Ok(Fetched::NotModified {
                latency_ms: millis(started.elapsed()),
            });
        }
        if status == StatusCode::FORBIDDEN || status == StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS {
            return Err(FetchError::new(
                FailureKind::BlockPage,
                format!("HTTP {status} for {path}"),
            ));
        }
        if !status.is_success() {
            return Err(FetchError::new(
                FailureKind::HttpStatus,
                format!("HTTP {status} for {path}"),
            ));
        }
        if response.content_length().is_some_and(|len| len > max_bytes) {
            return Err(too_large(path, max_bytes));
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large(path, max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        if looks_like_html(&bytes) {
            return Err(FetchError::new(
                FailureKind::BlockPage,
                format!("HTTP {status} with an HTML page where {path} was expected"),
            ));
        }
        Ok(Fetched::Body {
            bytes,
            etag,
            latency_ms: millis(started.elapsed()),
        })
    }

    /// Probes a URL: counts only once TLS (for `https`) is done and an HTTP answer (any status)
    /// has arrived. Returns the status. Bounded by the probe timeout.
    pub async fn probe(&self, url: &str) -> Result<u16, FetchError> {
        let response = self
            .client
            .get(url)
            .timeout(self.config.probe_timeout)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        Ok(response.status().as_u16())
    }
}

fn too_large(path: &str, cap: u64) -> FetchError {
    FetchError::verification(format!("{path} is larger than its cap of {cap} bytes"))
}

/// Whether a body is an HTML page (a block page or a captive portal) rather than a tree file.
pub fn looks_like_html(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body[start..]
        .iter()
        .take(16)
        .map(u8::to_ascii_lowercase)
        .collect();
    [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<title",
        b"<meta",
        b"<iframe",
        b"<script",
    ]
    .iter()
    .any(|m| head.starts_with(m))
}

async fn read_folder(route: &Route, path: &str, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    let base = route.url().to_file_path().map_err(|()| {
        FetchError::new(
            FailureKind::Other,
            format!("{} is not a local folder", route.id()),
        )
    })?;
    let file_path = base.join(path);
    let file = tokio::fs::File::open(&file_path).await.map_err(|e| {
        let kind = if e.kind() == io::ErrorKind::NotFound {
            FailureKind::HttpStatus
        } else {
            FailureKind::Other
        };
        FetchError::new(kind, format!("{}: {e}", file_path.display()))
    })?;
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| {
            FetchError::new(FailureKind::Other, format!("{}: {e}", file_path.display()))
        })?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(path, max_bytes));
    }
    Ok(bytes)
}

/// Classifies a reqwest error by walking its source chain.
pub(crate) fn classify(err: &reqwest::Error) -> FetchError {
    let detail = chain_text(err);
    let mut dns = None;
    let (mut tls, mut refused, mut reset, mut redirect) = (false, false, false, false);
    let mut src: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = src {
        if let Some(d) = e.downcast_ref::<DnsError>() {
            dns = Some(d.kind());
        }
        if e.is::<rustls::Error>() {
            tls = true;
        }
        if e.is::<RedirectRefused>() {
            redirect = true;
        }
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            reset = true;
        }
        if let Some(io_err) = e.downcast_ref::<io::Error>() {
            match io_err.kind() {
                io::ErrorKind::ConnectionRefused => refused = true,
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => reset = true,
                _ => {}
            }
            // `io::Error::source` skips the error it wraps; descend into it instead.
            if let Some(inner) = io_err.get_ref() {
                src = Some(inner as &(dyn StdError + 'static));
                continue;
            }
        }
        src = e.source();
    }
    let kind = if let Some(kind) = dns {
        kind
    } else if tls {
        FailureKind::Tls
    } else if redirect {
        FailureKind::BlockPage
    } else if refused {
        FailureKind::Refused
    } else if reset {
        FailureKind::Reset
    } else if err.is_timeout() {
        if err.is_connect() {
            FailureKind::ConnectTimeout
        } else {
            FailureKind::ReadTimeout
        }
    } else {
        FailureKind::Other
    };
    FetchError { kind, detail }
}

fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut src = err.source();
    while let Some(e) = src {
        let s = e.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        src = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_are_recognised_and_tree_files_are_not() {
        assert!(looks_like_html(b"\n  <HTML><head><title>blocked"));
        assert!(looks_like_html(b"\xef\xbb\xbf<!DOCTYPE html>"));
        assert!(looks_like_html(b"<iframe src=\"http://10.10.34.34\">"));
        assert!(!looks_like_html(b"{\"type\":\"head\"}\nsig k abc"));
        assert!(!looks_like_html(&[0x1f, 0x8b, 8, 0]));
        assert!(!looks_like_html(b""));
    }
}
