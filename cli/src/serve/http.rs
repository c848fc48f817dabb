//! Answering one HTTP request for a tree path: ETags and `If-None-Match`, single byte ranges,
//! cache headers, `HEAD`, and the request-level faults (drip, blockpage, 5xx).

use std::convert::Infallible;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use article_sync_core::format::codec::sha256_hex;
use article_sync_core::format::layout::TreePath;
use article_sync_core::publish::serving::{self, FileHeaders};
use article_sync_core::publish::site;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::time::Sleep;

use super::Fault;
use super::shared::Shared;
use super::stats::PathKind;

pub use article_sync_core::publish::serving::{IMMUTABLE, ONE_MINUTE};

const BLOCK_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"fa\" dir=\"rtl\"><head><meta charset=\"utf-8\">\
<title>403 Forbidden</title></head><body><h1>دسترسی به این تارنما امکان‌پذیر نمی‌باشد</h1>\
<p lang=\"en\" dir=\"ltr\">Access to this website is not possible.</p></body></html>\n";

/// A response body, counted as it is handed to the connection; under `drip` it yields one
/// byte per interval (the connection flushes while the next byte waits).
pub(crate) struct ServeBody {
    data: Bytes,
    drip: Option<(Duration, Option<Pin<Box<Sleep>>>)>,
    counter: Option<(Arc<Shared>, PathKind)>,
}

impl ServeBody {
    fn empty() -> ServeBody {
        ServeBody {
            data: Bytes::new(),
            drip: None,
            counter: None,
        }
    }
}

impl Body for ServeBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if this.data.is_empty() {
            return Poll::Ready(None);
        }
        let n = match &mut this.drip {
            None => this.data.len(),
            Some((interval, sleep)) => {
                if let Some(s) = sleep {
                    ready!(s.as_mut().poll(cx));
                }
                *sleep = Some(Box::pin(tokio::time::sleep(*interval)));
                1
            }
        };
        let chunk = this.data.split_to(n);
        if let Some((shared, kind)) = &this.counter {
            shared.counters.path(*kind).sent(n);
        }
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.len() as u64)
    }
}

/// Answers a request on the tree's address. Never fails: errors become 500 answers.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<ServeBody>, Infallible> {
    let fault = shared.fault();
    let raw = req.uri().path().strip_prefix('/').unwrap_or("");
    // A mirror's address opens its website.
    let raw = if raw.is_empty() { site::INDEX } else { raw };
    let path = TreePath::parse(raw).ok();
    let site_page = serving::site_headers(raw);
    let kind = path.as_ref().map_or(PathKind::Other, PathKind::of);
    let counters = shared.counters.path(kind);
    counters.request();
    let is_head_method = req.method() == Method::HEAD;

    let mut answer = match (fault, &path) {
        (Fault::Blockpage, _) => Answer::page(
            StatusCode::FORBIDDEN,
            "text/html; charset=utf-8",
            BLOCK_PAGE,
        ),
        (Fault::ServerError, _) => Answer::page(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain; charset=utf-8",
            "503 Service Unavailable\n",
        ),
        _ if req.method() != Method::GET && !is_head_method => {
            let mut a = Answer::page(
                StatusCode::METHOD_NOT_ALLOWED,
                "text/plain; charset=utf-8",
                "405 Method Not Allowed\n",
            );
            a.headers
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            a
        }
        (_, None) => match site_page {
            // The website is not signed data: no content faults apply.
            Some(headers) => match shared.tree.read(raw).await {
                Ok(Some(bytes)) => Answer::file(headers, None, bytes, req.headers()),
                Ok(None) => Answer::not_found(),
                Err(e) => Answer::page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain; charset=utf-8",
                    format!("500 reading {raw}: {e}\n"),
                ),
            },
            None => Answer::not_found(),
        },
        (_, Some(path)) => {
            match shared
                .tree
                .answer(fault, path, raw, shared.stale_key.as_deref())
                .await
            {
                Ok(Some(bytes)) => Answer::file(
                    serving::data_headers(path, &bytes),
                    path.content_hash(),
                    bytes,
                    req.headers(),
                ),
                Ok(None) => Answer::not_found(),
                Err(e) => Answer::page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain; charset=utf-8",
                    format!("500 reading {raw}: {e}\n"),
                ),
            }
        }
    };

    match answer.status {
        StatusCode::NOT_MODIFIED => counters.not_modified(),
        StatusCode::PARTIAL_CONTENT => counters.partial(),
        StatusCode::NOT_FOUND => counters.not_found(),
        _ => {}
    }
    answer.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(answer.body.len() as u64),
    );
    let body = if is_head_method || answer.status == StatusCode::NOT_MODIFIED {
        ServeBody::empty()
    } else {
        ServeBody {
            data: std::mem::take(&mut answer.body),
            drip: (fault == Fault::Drip).then_some((shared.drip_interval, None)),
            counter: Some((shared.clone(), kind)),
        }
    };
    if answer.status == StatusCode::NOT_MODIFIED {
        answer.headers.remove(header::CONTENT_LENGTH);
    }
    let mut response = Response::new(body);
    *response.status_mut() = answer.status;
    *response.headers_mut() = answer.headers;
    Ok(response)
}

/// A status, headers and the whole body (before `HEAD` or drip are applied).
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn page(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Answer {
            status,
            headers,
            body: body.into(),
        }
    }

    fn not_found() -> Answer {
        Answer::page(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "404 Not Found\n",
        )
    }

    /// A file of the tree with its [`FileHeaders`] (its ETag the content hash its name
    /// carries, else the bytes' SHA-256), honouring `If-None-Match`, `Range` and `If-Range`.
    fn file(
        file: FileHeaders,
        content_hash: Option<&str>,
        bytes: Vec<u8>,
        request: &HeaderMap,
    ) -> Answer {
        let tag = match content_hash {
            Some(hash) => format!("\"{hash}\""),
            None => format!("\"{}\"", sha256_hex(&bytes)),
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(file.cache_control),
        );
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Ok(value) = HeaderValue::from_str(&tag) {
            headers.insert(header::ETAG, value);
        }
        let text = |name| {
            request
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        if text(header::IF_NONE_MATCH).is_some_and(|list| etag_matches(list, &tag)) {
            return Answer {
                status: StatusCode::NOT_MODIFIED,
                headers,
                body: Bytes::new(),
            };
        }
        let len = bytes.len();
        let body = Bytes::from(bytes);
        let range = match (text(header::RANGE), text(header::IF_RANGE)) {
            (Some(range), None) => parse_range(range, len),
            (Some(range), Some(if_range)) if if_range.trim() == tag => parse_range(range, len),
            _ => RangeAnswer::Full,
        };
        match range {
            RangeAnswer::Full => Answer {
                status: StatusCode::OK,
                headers,
                body,
            },
            RangeAnswer::Partial(r) => {
                let value = format!("bytes {}-{}/{len}", r.start, r.end - 1);
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(header::CONTENT_RANGE, value);
                }
                Answer {
                    status: StatusCode::PARTIAL_CONTENT,
                    headers,
                    body: body.slice(r),
                }
            }
            RangeAnswer::Unsatisfiable => {
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{len}")) {
                    headers.insert(header::CONTENT_RANGE, value);
                }
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                Answer {
                    status: StatusCode::RANGE_NOT_SATISFIABLE,
                    headers,
                    body: Bytes::new(),
                }
            }
        }
    }
}

/// Whether an `If-None-Match` list names `tag` (weak comparison) or is `*`.
fn etag_matches(list: &str, tag: &str) -> bool {
    list.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
    })
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RangeAnswer {
    Full,
    Partial(Range<usize>),
    Unsatisfiable,
}

/// Reads a `Range` header for a body of `len` bytes. One range of `bytes=a-b`, `a-` or `-n` is
/// honoured; several ranges or a header that does not parse get the whole body.
pub(crate) fn parse_range(header: &str, len: usize) -> RangeAnswer {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeAnswer::Full;
    };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let number = |s: &str| -> Option<usize> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(
            s.parse::<u64>()
                .map_or(usize::MAX, |n| n.try_into().unwrap_or(usize::MAX)),
        )
    };
    match (number(first.trim()), number(last.trim())) {
        (None, Some(suffix)) if first.trim().is_empty() => {
            if suffix == 0 || len == 0 {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial(len.saturating_sub(suffix)..len)
            }
        }
        (Some(start), None) if last.trim().is_empty() => {
            if start >= len {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial(start..len)
            }
        }
        (Some(start), Some(end)) if start <= end => {
            if start >= len {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial(start..end.saturating_add(1).min(len))
            }
        }
        _ => RangeAnswer::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_honoured_and_others_get_the_whole_file() {
        use RangeAnswer::*;
        assert_eq!(parse_range("bytes=0-9", 100), Partial(0..10));
        assert_eq!(parse_range("bytes=90-200", 100), Partial(90..100));
        assert_eq!(parse_range("bytes=95-", 100), Partial(95..100));
        assert_eq!(parse_range("bytes=-5", 100), Partial(95..100));
        assert_eq!(parse_range("bytes=-500", 100), Partial(0..100));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=100-200", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Full);
        assert_eq!(parse_range("bytes=5-1", 100), Full);
        assert_eq!(parse_range("bytes=+1-2", 100), Full);
        assert_eq!(parse_range("items=0-1", 100), Full);
        assert_eq!(parse_range("bytes=-", 100), Full);
        assert_eq!(
            parse_range("bytes=0-99999999999999999999999", 100),
            Partial(0..100)
        );
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_a_star() {
        assert!(etag_matches("\"a\", W/\"b\"", "\"b\""));
        assert!(etag_matches("*", "\"b\""));
        assert!(!etag_matches("\"a\"", "\"b\""));
    }
}
