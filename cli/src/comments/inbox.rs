//! `article-sync inbox`: the publisher's comment endpoint, `POST /comments` with a sealed
//! envelope.
//!
//! | answer | when |
//! |---|---|
//! | `202` `{"key", "status": "received"}` | stored, or stored before (a repeat is stored once) |
//! | `400` problem+json with `field` | not an envelope for this inbox, bad signature, a field breaking the rules |
//! | `413` problem+json, `field: envelope` | larger than the envelope cap |
//! | `429` with `Retry-After` | too many new comments from one device key or address in the window |
//! | `503` with `Retry-After` | the inbox database failed (never for bad input) |
//!
//! Envelopes are durable before `202` is sent ([`Inbox::store`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use article_sync_core::comments::CommentSecret;
use article_sync_core::comments::envelope::{ENVELOPE_MAX, EnvelopeError, delivery_key};
use article_sync_core::comments::inbox::Inbox;
use article_sync_core::publish::read_secret_key;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};

use super::listener::{self, Listener};
use crate::serve::TlsIdentity;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inbox database (created when missing).
    #[arg(long)]
    pub db: PathBuf,
    /// The publisher's secret key; repeat with the previous key after a rotation, so that
    /// comments sealed to the previous comment key still open (current key first).
    #[arg(long, required = true)]
    pub key: Vec<PathBuf>,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub addr: SocketAddr,
    /// Serve HTTPS with a throw-away CA (see --ca-out).
    #[arg(long)]
    pub tls: bool,
    /// Write the throw-away CA certificate (PEM) here.
    #[arg(long, requires = "tls")]
    pub ca_out: Option<PathBuf>,
    /// New comments accepted from one device key per window.
    #[arg(long, default_value_t = 20)]
    pub per_device: u32,
    /// New comments accepted from one address per window.
    #[arg(long, default_value_t = 100)]
    pub per_address: u32,
    /// The rate window, in seconds.
    #[arg(long, default_value_t = 3600)]
    pub window_secs: u64,
}

/// How many new comments one device key or address may send.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_device: u32,
    pub per_address: u32,
    pub window: Duration,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let secrets = args
        .key
        .iter()
        .map(|k| read_secret_key(k).map(|k| CommentSecret::derive(&k)))
        .collect::<Result<Vec<_>, _>>()?;
    let inbox = Arc::new(Inbox::open(&args.db, secrets)?);
    let limits = Limits {
        per_device: args.per_device,
        per_address: args.per_address,
        window: Duration::from_secs(args.window_secs),
    };
    let tls = match args.tls {
        true => Some(listener::throwaway_tls(args.addr, args.ca_out.as_deref())?),
        false => None,
    };
    listener::run_until_stopped(async move {
        let listener = start(inbox, limits, args.addr, tls.as_ref()).await?;
        let banner = format!("comment inbox on {}comments", listener.url());
        Ok((listener, banner))
    })
}

/// Serves `inbox` on `addr`. Must run inside a tokio runtime.
pub async fn start(
    inbox: Arc<Inbox>,
    limits: Limits,
    addr: SocketAddr,
    tls: Option<&TlsIdentity>,
) -> anyhow::Result<Listener> {
    let endpoint = Arc::new(Endpoint {
        inbox,
        limits,
        devices: Mutex::default(),
        addresses: Mutex::default(),
    });
    listener::listen(addr, tls, move |request, peer| {
        let endpoint = endpoint.clone();
        async move { endpoint.answer(request, peer).await }
    })
    .await
}

struct Endpoint {
    inbox: Arc<Inbox>,
    limits: Limits,
    devices: Mutex<HashMap<String, Window>>,
    addresses: Mutex<HashMap<std::net::IpAddr, Window>>,
}

/// New comments counted in the current fixed window.
#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl Endpoint {
    async fn answer(&self, request: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
        if request.uri().path() != "/comments" {
            return problem(StatusCode::NOT_FOUND, None, "only POST /comments is served");
        }
        if request.method() != Method::POST {
            let mut r = problem(StatusCode::METHOD_NOT_ALLOWED, None, "use POST");
            r.headers_mut().insert(
                hyper::header::ALLOW,
                "POST".parse().expect("a header value"),
            );
            return r;
        }
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > ENVELOPE_MAX) {
            return too_large();
        }
        let body = match Limited::new(request.into_body(), ENVELOPE_MAX)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
            Err(e) => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    Some("envelope"),
                    &format!("the body could not be read: {e}"),
                );
            }
        };
        let key = delivery_key(&body);
        let inbox = self.inbox.clone();
        let known = {
            let key = key.clone();
            tokio::task::spawn_blocking(move || inbox.contains(&key)).await
        };
        match known {
            Ok(Ok(true)) => return accepted(&key),
            Ok(Ok(false)) => {}
            _ => return unavailable(),
        }
        if let Some(wait) = self.count(&self.addresses, peer.ip(), self.limits.per_address) {
            return too_many(wait);
        }
        let opened = match self.inbox.open_envelope(&body) {
            Ok(opened) => opened,
            Err(EnvelopeError { field, reason }) => {
                return problem(StatusCode::BAD_REQUEST, Some(field), &reason);
            }
        };
        if let Some(wait) = self.count(
            &self.devices,
            opened.device_key.clone(),
            self.limits.per_device,
        ) {
            return too_many(wait);
        }
        let inbox = self.inbox.clone();
        let stored = tokio::task::spawn_blocking(move || {
            inbox.store(&body, &opened, chrono::Utc::now().timestamp())
        })
        .await;
        match stored {
            Ok(Ok(_)) => accepted(&key),
            _ => unavailable(),
        }
    }

    /// Counts one new comment for `who`; `Some(wait)` when over `max` in the window.
    fn count<K: std::hash::Hash + Eq>(
        &self,
        windows: &Mutex<HashMap<K, Window>>,
        who: K,
        max: u32,
    ) -> Option<Duration> {
        let now = Instant::now();
        let mut windows = windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, w| now.duration_since(w.started) < self.limits.window);
        }
        let w = windows.entry(who).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(w.started) >= self.limits.window {
            *w = Window {
                started: now,
                count: 0,
            };
        }
        if w.count >= max {
            return Some(
                self.limits
                    .window
                    .saturating_sub(now.duration_since(w.started)),
            );
        }
        w.count += 1;
        None
    }
}

fn json(status: StatusCode, content_type: &str, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, content_type.parse().expect("a header value"));
    r
}

fn accepted(key: &str) -> Response<Full<Bytes>> {
    json(
        StatusCode::ACCEPTED,
        "application/json",
        serde_json::json!({ "key": key, "status": "received" }),
    )
}

/// An RFC 9457 problem; `field` names the envelope field at fault.
fn problem(status: StatusCode, field: Option<&str>, detail: &str) -> Response<Full<Bytes>> {
    let mut body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    if let Some(field) = field {
        body["field"] = field.into();
    }
    json(status, "application/problem+json", body)
}

fn too_large() -> Response<Full<Bytes>> {
    problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        Some("envelope"),
        &format!("larger than {ENVELOPE_MAX} bytes"),
    )
}

fn with_retry_after(mut r: Response<Full<Bytes>>, wait: Duration) -> Response<Full<Bytes>> {
    let secs = wait.as_secs().max(1);
    r.headers_mut().insert(
        RETRY_AFTER,
        secs.to_string().parse().expect("a header value"),
    );
    r
}

fn too_many(wait: Duration) -> Response<Full<Bytes>> {
    with_retry_after(
        problem(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            "too many comments; try again later",
        ),
        wait,
    )
}

fn unavailable() -> Response<Full<Bytes>> {
    with_retry_after(
        problem(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "the inbox cannot store comments right now",
        ),
        Duration::from_secs(60),
    )
}
