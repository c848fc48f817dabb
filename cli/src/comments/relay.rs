//! `article-sync relay`: the reference comment relay. It forwards `POST /comments` to the
//! inbox unchanged and hands back the inbox's answer (status, body, `Content-Type`,
//! `Retry-After`). It sees only sealed bytes and keeps nothing: what any HTTP forwarder (a CDN
//! worker, a small server in a third country) can do.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use article_sync_core::comments::delivery::{COMMENTS_PATH, ENVELOPE_TYPE};
use article_sync_core::comments::envelope::ENVELOPE_MAX;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};

use super::listener::{self, Listener};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inbox's base URL (the relay posts to `<URL>comments`).
    #[arg(long)]
    pub to: url::Url,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8091")]
    pub addr: SocketAddr,
    /// A PEM CA certificate to trust for the inbox, beside the system's.
    #[arg(long)]
    pub ca: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let extra_roots = match &args.ca {
        Some(ca) => vec![std::fs::read(ca)?],
        None => Vec::new(),
    };
    listener::run_until_stopped(async move {
        let listener = start(args.to, args.addr, &extra_roots).await?;
        let banner = format!("comment relay on {}comments", listener.url());
        Ok((listener, banner))
    })
}

/// Relays to `to` on `addr`, trusting the system's roots and `extra_roots` (PEM) for the
/// inbox. Must run inside a tokio runtime.
pub async fn start(
    to: url::Url,
    addr: SocketAddr,
    extra_roots: &[Vec<u8>],
) -> anyhow::Result<Listener> {
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(article_sync_core::net::tls_config(true, extra_roots)?)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let target = Arc::new(to.join(COMMENTS_PATH)?);
    listener::listen(addr, None, move |request, _peer| {
        let (client, target) = (client.clone(), target.clone());
        async move { forward(&client, &target, request).await }
    })
    .await
}

async fn forward(
    client: &reqwest::Client,
    target: &url::Url,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    if request.uri().path() != "/comments" || request.method() != Method::POST {
        return plain(StatusCode::NOT_FOUND, "only POST /comments is relayed");
    }
    // One byte over the cap is enough for the inbox to answer 413 itself.
    let body = match Limited::new(request.into_body(), ENVELOPE_MAX + 1)
        .collect()
        .await
    {
        Ok(c) => c.to_bytes(),
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "envelope too large"),
    };
    let answer = client
        .post(target.clone())
        .header(CONTENT_TYPE, ENVELOPE_TYPE)
        .body(body)
        .send()
        .await;
    let answer = match answer {
        Ok(a) => a,
        Err(_) => return plain(StatusCode::BAD_GATEWAY, "the inbox did not answer"),
    };
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let bytes = match answer.bytes().await {
        Ok(b) if b.len() <= 16 * 1024 => b,
        _ => return plain(StatusCode::BAD_GATEWAY, "the inbox's answer was cut"),
    };
    let mut r = Response::new(Full::new(bytes));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    for name in [CONTENT_TYPE, RETRY_AFTER] {
        if let Some(v) = headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
        {
            r.headers_mut().insert(name, v);
        }
    }
    r
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r
}
