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
use super::resolve::{
    DnsError, GuardedResolver, ReqwestResolver, is_reserved, is_special_use_name,
};
use super::routes::Route;
use crate::format::layout::TreePath;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 3;

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
        /// The server's `Date` (Unix seconds): unsigned, so evidence about the device's clock,
        /// never a time to trust.
        date: Option<i64>,
        latency_ms: u32,
    },
    /// The server answered 304 to `If-None-Match`.
    NotModified { date: Option<i64>, latency_ms: u32 },
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

/// Raised by the redirect policy when it refuses a redirect (see [`redirect_refusal`]).
#[derive(Debug, thiserror::Error)]
#[error("redirect refused: {0}")]
struct RedirectRefused(String);

/// The answer to a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after: Option<u64>,
    pub body: Vec<u8>,
}

/// Why a redirect from `previous` (the last URL requested) to `to` must not be followed:
/// from `https` to anything else, or to a reserved address or a local name (`localhost`,
/// `*.local`, …) unless the config allows that name to be private. A public name is resolved
/// through the tamper guard like every request, so it cannot lead to a private address either.
fn redirect_refusal(guard: &GuardedResolver, previous: &url::Url, to: &url::Url) -> Option<String> {
    if previous.scheme() == "https" && to.scheme() != "https" {
        return Some(format!("from https to {}", to.scheme()));
    }
    let local = match to.host() {
        Some(url::Host::Ipv4(a)) => is_reserved(a.into()),
        Some(url::Host::Ipv6(a)) => is_reserved(a.into()),
        Some(url::Host::Domain(name)) => {
            is_special_use_name(name) && !guard.is_allowed_private(name)
        }
        None => true,
    };
    local.then(|| format!("to the local address {}", to.host_str().unwrap_or("")))
}

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

/// Fetches tree files from routes, posts comments and answers probes.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    config: Arc<NetConfig>,
}

impl HttpClient {
    pub fn new(config: Arc<NetConfig>) -> Result<HttpClient, ClientError> {
        let guard = Arc::new(GuardedResolver::new(
            config.resolver.clone(),
            &config.allowed_private_hosts,
        ));
        let policy_guard = guard.clone();
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(RedirectRefused("too many redirects".into()));
            }
            let refusal = attempt
                .previous()
                .last()
                .and_then(|previous| redirect_refusal(&policy_guard, previous, attempt.url()));
            match refusal {
                Some(why) => attempt.error(RedirectRefused(why)),
                None => attempt.follow(),
            }
        });
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(
                config.webpki_roots,
                &config.extra_root_certs_pem,
            )?)
            .dns_resolver(Arc::new(ReqwestResolver(guard)))
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .timeout(config.request_timeout)
            .http2_keep_alive_interval(config.keep_alive)
            .http2_keep_alive_timeout(config.keep_alive)
            .http2_keep_alive_while_idle(true)
            .pool_idle_timeout(config.keep_alive * 3)
            .redirect(redirect)
            // A redirect must not tell the next host where the reader came from.
            .referer(false)
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
                date: None,
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
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .map(|d| d.timestamp());
        if status == StatusCode::NOT_MODIFIED && if_none_match.is_some() {
            return Ok(Fetched::NotModified {
                date,
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
        // The announced length (at most `max_bytes`) is reserved at once: growing by doubling
        // would hold up to twice each file while files are fetched in parallel.
        let announced = response.content_length().unwrap_or(0).min(max_bytes);
        let mut bytes = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
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
            date,
            latency_ms: millis(started.elapsed()),
        })
    }

    /// POSTs `body` to `path` under the HTTP `route` and reads at most `max_answer` bytes of the
    /// answer. Any status is an [`Answer`]; only a failure to get one is an error.
    pub async fn post(
        &self,
        route: &Route,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        max_answer: u64,
    ) -> Result<Answer, FetchError> {
        let url = route
            .join(path)
            .filter(|_| !route.is_folder())
            .ok_or_else(|| FetchError::new(FailureKind::Other, format!("cannot post to {path}")))?;
        let mut response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if (bytes.len() + chunk.len()) as u64 > max_answer {
                return Err(too_large(path, max_answer));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            retry_after,
            body: bytes,
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

/// Classifies a reqwest error: what its source chain shows (see [`chain_kind`]), else a
/// timeout, else `Other`.
pub(crate) fn classify(err: &reqwest::Error) -> FetchError {
    let kind = match chain_kind(err) {
        Some(kind) => kind,
        None if err.is_timeout() && err.is_connect() => FailureKind::ConnectTimeout,
        None if err.is_timeout() => FailureKind::ReadTimeout,
        None => FailureKind::Other,
    };
    FetchError {
        kind,
        detail: chain_text(err),
    }
}

/// The failure an error's source chain names, strongest first: DNS, TLS, a refused redirect
/// (a block page's usual form), a refused connection, then a reset. A reset is a connection
/// the peer closed or broke: an io reset, abort, broken pipe or early end, a response cut
/// short, or a request hyper cancelled because its fresh connection closed before the request
/// went out (a censor's reset right after the handshake often shows this way).
fn chain_kind(err: &(dyn StdError + 'static)) -> Option<FailureKind> {
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
            .is_some_and(|h| h.is_incomplete_message() || h.is_canceled())
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
    if dns.is_some() {
        dns
    } else if tls {
        Some(FailureKind::Tls)
    } else if redirect {
        Some(FailureKind::BlockPage)
    } else if refused {
        Some(FailureKind::Refused)
    } else if reset {
        Some(FailureKind::Reset)
    } else {
        None
    }
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
    use crate::net::evidence::RouteSource;
    use crate::net::resolve::StaticResolver;
    use article_sync_test_support::server::{LOOPBACK, Mode, TestServer};
    use article_sync_test_support::tls::TestCa;

    const HEAD: &[u8] = b"{\"type\":\"head\"}";

    /// A client resolving every test name to loopback; `mirror.example` may be private.
    fn client(ca: Option<&TestCa>) -> HttpClient {
        let names = [
            "localhost",
            "printer.local",
            "evil.example",
            "mirror.example",
        ];
        let resolver = names
            .iter()
            .fold(StaticResolver::new(), |r, n| r.with(n, [LOOPBACK]));
        let config = NetConfig {
            resolver: Arc::new(resolver),
            allowed_private_hosts: vec!["mirror.example".into()],
            extra_root_certs_pem: ca.iter().map(|ca| ca.pem.clone().into_bytes()).collect(),
            webpki_roots: false,
            ..NetConfig::default()
        };
        HttpClient::new(Arc::new(config)).unwrap()
    }

    async fn fetch_head(client: &HttpClient, base: &str) -> Result<Fetched, FetchError> {
        let route = Route::parse(base, RouteSource::Main).unwrap();
        client.fetch(&route, "head", 1024, None).await
    }

    #[tokio::test]
    async fn redirects_reach_no_local_name_or_address_and_send_no_referer() {
        let target = TestServer::start(Mode::head(HEAD)).await;
        let port = target.port();
        let client = client(None);
        for host in [
            "localhost",
            "printer.local",
            "127.0.0.1",
            "[::1]",
            "evil.example",
        ] {
            let from =
                TestServer::start(Mode::Redirect(format!("http://{host}:{port}/head"))).await;
            let result = fetch_head(&client, &format!("http://127.0.0.1:{}/", from.port())).await;
            assert!(result.is_err(), "redirect to {host} followed");
        }
        assert_eq!(target.accepted(), 0, "no redirect reached the local server");

        // A name the app allows to be private is followed, and it learns nothing of the first.
        let from =
            TestServer::start(Mode::Redirect(format!("http://mirror.example:{port}/head"))).await;
        let fetched = fetch_head(&client, &format!("http://127.0.0.1:{}/", from.port())).await;
        assert_eq!(fetched.unwrap().into_bytes().unwrap(), HEAD);
        let requests = target.requests();
        assert_eq!(requests.len(), 1);
        assert!(
            !requests[0].to_ascii_lowercase().contains("referer"),
            "{}",
            requests[0]
        );
    }

    #[tokio::test]
    async fn redirects_never_go_from_https_to_http_nor_on_without_end() {
        let target = TestServer::start(Mode::head(HEAD)).await;
        let ca = TestCa::new();
        let from = TestServer::start_tls(
            Mode::Redirect(format!("http://mirror.example:{}/head", target.port())),
            ca.server_config("mirror.example"),
        )
        .await;
        let client = client(Some(&ca));
        let result = fetch_head(&client, &format!("https://mirror.example:{}/", from.port())).await;
        let err = result.expect_err("downgrade followed");
        assert!(err.detail.contains("from https to http"), "{err}");
        assert_eq!(target.accepted(), 0);

        let looping = TestServer::start(Mode::Redirect(String::new())).await;
        let own = format!("http://mirror.example:{}/head", looping.port());
        looping.set_mode(Mode::Redirect(own));
        let result = fetch_head(&client, &format!("http://127.0.0.1:{}/", looping.port())).await;
        assert!(result.is_err());
        assert_eq!(
            looping.requests().len(),
            MAX_REDIRECTS + 1,
            "the first request and {MAX_REDIRECTS} hops"
        );
    }

    /// hyper cancels a request whose fresh connection closed before it went out ("connection
    /// was not ready"): the server reset it right after the handshake. That is a reset, as
    /// censorship-like as the io reset it usually shows as, not an unexplained failure.
    #[tokio::test]
    async fn a_request_cancelled_because_its_connection_closed_is_a_reset() {
        let (ours, theirs) = tokio::io::duplex(64);
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake::<_, String>(hyper_util::rt::TokioIo::new(ours))
                .await
                .unwrap();
        drop((connection, theirs));
        let err = sender
            .send_request(hyper::Request::new(String::new()))
            .await
            .unwrap_err();
        assert!(err.is_canceled(), "{err:?}");
        assert_eq!(chain_kind(&err), Some(FailureKind::Reset));

        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(chain_kind(&reset), Some(FailureKind::Reset));
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(chain_kind(&refused), Some(FailureKind::Refused));
        assert_eq!(chain_kind(&io::Error::other("other")), None);
    }

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
