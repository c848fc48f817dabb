//! Reachability probes: the evidence that separates a censored main site, a dead network and a
//! national shutdown (`shared/design/connectivity.md`).
//!
//! This is the first async export and shows the pattern of [`crate::runtime`]; when the core's
//! `net` module has its own probe (with failure kinds), this export should call it instead.

use std::sync::OnceLock;
use std::time::Duration;

use url::Url;

use crate::{ArticleSyncError, runtime};

static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();

fn client() -> Result<reqwest::Client, ArticleSyncError> {
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                // A redirect is itself an HTTP answer: that is all a probe asks.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        })
        .clone()
        .map_err(ArticleSyncError::internal)
}

/// Whether `url` gives an HTTP answer (any status) within `timeout_ms` milliseconds.
///
/// For `https` the TLS handshake must succeed against the system's web roots: a finished TCP
/// handshake proves nothing on a censored network. Returns `false` on any network failure.
/// Async; runs on the core's runtime and stops when the caller cancels.
///
/// Throws `ArticleSyncError.BadArgument` when `url` is not an `http`/`https` URL.
#[uniffi::export]
pub async fn probe_url(url: String, timeout_ms: u32) -> Result<bool, ArticleSyncError> {
    let url = Url::parse(&url).map_err(|e| ArticleSyncError::bad_argument("url", e))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ArticleSyncError::bad_argument(
            "url",
            format!("scheme `{}` is not http or https", url.scheme()),
        ));
    }
    let client = client()?;
    let timeout = Duration::from_millis(u64::from(timeout_ms));
    runtime::run(async move { client.get(url).timeout(timeout).send().await.is_ok() }).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    #[test]
    fn an_http_answer_is_reachable() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            // A block page status is still an HTTP answer.
            let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
        });
        let up = block_on(probe_url(format!("http://{addr}/"), 2_000));
        assert!(up.expect("probes"));
        server.join().expect("server thread");
    }

    #[test]
    fn a_closed_port_is_unreachable() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        let up = block_on(probe_url(format!("http://{addr}/"), 2_000));
        assert!(!up.expect("probes"));
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let started = std::time::Instant::now();
        let up = block_on(probe_url(format!("http://{addr}/"), 200));
        assert!(!up.expect("probes"));
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(listener);
    }

    #[test]
    fn other_schemes_are_bad_arguments() {
        for bad in ["ftp://example.org/", "not a url", "file:///etc/passwd"] {
            match block_on(probe_url(bad.to_owned(), 100)) {
                Err(ArticleSyncError::BadArgument { name, .. }) => assert_eq!(name, "url"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }
}
