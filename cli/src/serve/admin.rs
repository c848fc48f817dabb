//! The admin endpoint, on its own loopback listener (`--admin ADDR`), so it is never a tree path
//! and stays reachable while the tree's address resets or blackholes every connection.
//!
//! - `GET /.admin/stats`: the counters as JSON ([`Stats`](super::Stats)).
//! - `POST /.admin/stats/reset`: zeroes the counters.
//! - `GET /.admin/fault`: `{"fault":"<kind>"}`.
//! - `POST /.admin/fault/<kind>`: switches the fault; 200 with `{"fault":"<kind>"}`, 400 for an
//!   unknown kind, 409 for `stale` without the publisher's key.
//!
//! Requests from peers other than loopback get 403.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::shared::Shared;
use super::{Fault, ServeError};

pub(crate) async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if !peer.ip().is_loopback() {
        return Ok(reply(StatusCode::FORBIDDEN, error_json("loopback only")));
    }
    let path = req.uri().path();
    let answer = match (req.method(), path) {
        (&Method::GET, "/.admin/stats") => json(StatusCode::OK, &shared.stats()),
        (&Method::POST, "/.admin/stats/reset") => {
            shared.counters.reset();
            json(StatusCode::OK, &shared.stats())
        }
        (&Method::GET, "/.admin/fault") => fault_json(shared.fault()),
        (&Method::POST, _) if path.starts_with("/.admin/fault/") => {
            let name = &path["/.admin/fault/".len()..];
            match name.parse::<Fault>() {
                Err(e) => reply(StatusCode::BAD_REQUEST, error_json(&e.to_string())),
                Ok(fault) => match shared.set_fault(fault) {
                    Ok(()) => fault_json(fault),
                    Err(e @ ServeError::StaleNeedsKey) => {
                        reply(StatusCode::CONFLICT, error_json(&e.to_string()))
                    }
                    Err(e) => reply(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        error_json(&e.to_string()),
                    ),
                },
            }
        }
        _ => reply(StatusCode::NOT_FOUND, error_json("no such admin endpoint")),
    };
    Ok(answer)
}

fn fault_json(fault: Fault) -> Response<Full<Bytes>> {
    json(StatusCode::OK, &serde_json::json!({ "fault": fault }))
}

fn error_json(message: &str) -> Vec<u8> {
    serde_json::json!({ "error": message })
        .to_string()
        .into_bytes()
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response<Full<Bytes>> {
    match serde_json::to_vec(value) {
        Ok(body) => reply(status, body),
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_json(&e.to_string()),
        ),
    }
}

fn reply(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
