//! Sharing the copy over plain HTTP on the local network (a phone's hotspot): the tree straight
//! from the store, and a landing page (Persian and English) with the publisher key's
//! fingerprint, the copy's date and the URL to add as a mirror, also as a QR code.
//!
//! Plain HTTP is enough: the receiving reader verifies every byte against its pinned key.
//! Only `GET`/`HEAD` of `/`, `/qr.svg` and paths [`TreePath::parse`] accepts are answered;
//! `outbox/` serves the comment envelopes waiting for delivery (see [`crate::comments::carry`]).

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::ShareError;
use crate::comments::carry;
use crate::format::layout::{self, TreePath};
use crate::publish::serving;
use crate::store::Store;
use crate::text::date::{DateStyle, format_date};

/// Requests answered at once; more wait for the listener.
const CONNECTIONS: usize = 32;

/// A running share. Dropping it does not stop it; [`Sharing::stop`] does.
#[derive(Debug)]
pub struct Sharing {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The URL another reader adds as a mirror (`http://<this device>:<port>/`).
    pub url: String,
    stop: CancellationToken,
    /// Disconnected once the listener is closed.
    closed: std::sync::mpsc::Receiver<()>,
}

impl Sharing {
    /// Stops listening; requests being answered finish. Returns once the port is free again
    /// (so sharing can start on it at once), waiting at most a second, except on a
    /// current-thread runtime's thread, which the listener's task needs to close it.
    pub fn stop(&self) {
        self.stop.cancel();
        let current_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread);
        if !current_thread {
            let _ = self.closed.recv_timeout(std::time::Duration::from_secs(1));
        }
    }
}

/// Listens on `bind` and serves the copy held in `store`. The URL names `bind`'s address, or,
/// when that is unspecified (`0.0.0.0`), this device's address on the local network.
/// Must be called within a tokio runtime.
pub async fn start(store: Arc<Store>, bind: SocketAddr) -> Result<Sharing, ShareError> {
    if store.tree_file(layout::HEAD)?.is_none() {
        return Err(ShareError::NothingToShare);
    }
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|e| ShareError::Listen {
            addr: bind.to_string(),
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ShareError::Listen {
        addr: bind.to_string(),
        reason: e.to_string(),
    })?;
    let host = if addr.ip().is_unspecified() {
        local_address()
    } else {
        addr.ip()
    };
    let url = format!("http://{}/", SocketAddr::new(host, addr.port()));
    let stop = CancellationToken::new();
    let (token, site) = (
        stop.clone(),
        Arc::new(Site {
            store,
            url: url.clone(),
        }),
    );
    let permits = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    let (closing, closed) = std::sync::mpsc::channel();
    tokio::spawn(async move {
        loop {
            let permit = tokio::select! {
                () = token.cancelled() => break,
                p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            };
            let stream = tokio::select! {
                () = token.cancelled() => break,
                s = listener.accept() => match s { Ok((s, _)) => s, Err(_) => continue },
            };
            let site = site.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let site = site.clone();
                    async move { Ok::<_, Infallible>(site.answer(req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                drop(permit);
            });
        }
        drop(listener);
        drop(closing);
    });
    Ok(Sharing {
        addr,
        url,
        stop,
        closed,
    })
}

/// This device's address on the local network: the source address of the default route
/// (no packet is sent), else loopback.
fn local_address() -> IpAddr {
    UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| {
            s.connect((Ipv4Addr::new(10, 255, 255, 255), 9))?;
            s.local_addr()
        })
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

struct Site {
    store: Arc<Store>,
    url: String,
}

type Answer = Response<Full<Bytes>>;

fn answer(status: StatusCode, kind: &'static str, body: impl Into<Bytes>) -> Answer {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    r
}

impl Site {
    async fn answer(&self, req: Request<hyper::body::Incoming>) -> Answer {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return answer(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
        }
        let path = req.uri().path().trim_start_matches('/').to_string();
        let store = self.store.clone();
        let url = self.url.clone();
        let mut response = tokio::task::spawn_blocking(move || respond(&store, &url, &path))
            .await
            .unwrap_or_else(|_| answer(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", ""));
        if req.method() == Method::HEAD {
            *response.body_mut() = Full::new(Bytes::new());
        }
        response
    }
}

fn respond(store: &Store, url: &str, path: &str) -> Answer {
    let not_found = || answer(StatusCode::NOT_FOUND, "text/plain", "not here\n");
    let result = match path {
        "" => landing_page(store, url)
            .map(|html| answer(StatusCode::OK, "text/html; charset=utf-8", html)),
        "qr.svg" => Ok(answer(StatusCode::OK, "image/svg+xml", qr_svg(url))),
        _ => {
            let Ok(tree_path) = TreePath::parse(path) else {
                return not_found();
            };
            let bytes = match &tree_path {
                TreePath::Media { hash, .. } => store.media(hash),
                TreePath::OutboxIndex => {
                    carry::to_carry(store).map(|c| Some(carry::index(&c).into_bytes()))
                }
                TreePath::Envelope(key) => carry::to_carry(store)
                    .map(|c| c.into_iter().find(|(k, _)| k == key).map(|(_, b)| b)),
                _ => store.tree_file(path),
            };
            bytes.map(|b| {
                b.map_or_else(not_found, |b| {
                    let headers = serving::data_headers(&tree_path, &b);
                    let mut r = answer(StatusCode::OK, headers.content_type, b);
                    r.headers_mut().insert(
                        CACHE_CONTROL,
                        HeaderValue::from_static(headers.cache_control),
                    );
                    r
                })
            })
        }
    };
    result.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "a shared file could not be read");
        answer(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "")
    })
}

/// The QR code of `url` as an SVG image.
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .build(),
        Err(_) => String::new(),
    }
}

/// A short, readable fingerprint of a publisher key (its one-line text form): the first 16
/// bytes of its SHA-256, in groups of four hex digits.
pub fn fingerprint(key: &str) -> String {
    let hex = crate::format::codec::sha256_hex(key.as_bytes());
    hex.as_bytes()[..32]
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn landing_page(store: &Store, url: &str) -> crate::store::Result<String> {
    let position = store.sync_position()?;
    let keys: Vec<String> = position.root.keys.iter().map(|k| fingerprint(k)).collect();
    let issued = position.head_issued_at.unwrap_or(0);
    let date = |locale| {
        format_date(issued, 0, locale, DateStyle::DayMonthYear)
            .unwrap_or_else(|_| issued.to_string())
    };
    let (fa_date, en_date) = (date("fa"), date("en-GB"));
    let keys = if keys.is_empty() {
        "—".to_string()
    } else {
        keys.join("<br>")
    };
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="fa" dir="rtl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>نسخهٔ اخبار برای اشتراک / A copy of the news to share</title></head>
<body>
<h1>نسخه‌ای از اخبار، از گوشی یک خواننده</h1>
<p>این گوشی نسخه‌ای تأییدشده از اخبار را به اشتراک می‌گذارد. در برنامه، «افزودن آینه» را بزنید
و این نشانی را وارد کنید یا کد QR را اسکن کنید. برنامهٔ شما همه‌چیز را با کلید ناشر بررسی می‌کند.</p>
<p>تاریخ این نسخه: {fa_date}</p>
<section lang="en" dir="ltr">
<h1>A copy of the news, from a reader's phone</h1>
<p>This phone shares a verified copy of the news. In the app, tap "Add mirror" and enter this
address, or scan the QR code. Your app checks everything against the publisher's key.</p>
<p>Copy of: {en_date}</p>
</section>
<p dir="ltr"><a href="{url}"><code>{url}</code></a></p>
<p><img src="qr.svg" alt="QR: {url}" width="240" height="240"></p>
<p dir="ltr">Publisher key fingerprint / اثر انگشت کلید ناشر:<br><code>{keys}</code></p>
</body></html>
"#
    ))
}
