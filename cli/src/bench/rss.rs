//! The baseline's side of the wire: the same articles as an RSS 2.0 feed (full bodies in
//! `content:encoded`, newest first), served over plain HTTP on loopback with gzip when asked,
//! `ETag`/`If-None-Match` and `Last-Modified`/`If-Modified-Since`, as a news site's feed endpoint would be.
//!
//! Plain HTTP keeps newsboat's curl out of trust-store configuration; it spares newsboat the
//! TLS handshake that article-sync pays, so it flatters the baseline slightly.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};

use article_sync_core::format::codec::gzip;
use article_sync_core::publish::source::SourceArticle;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::BenchError;

/// The path the feed is served at.
pub const FEED_PATH: &str = "/feed.xml";

/// How a feed carries an article's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Descriptions {
    /// `<description>` is the summary, `<content:encoded>` the body.
    Summaries,
    /// `<description>` is the whole article (common in real feeds), no `<content:encoded>`.
    WholeArticles,
}

/// RSS 2.0 of `articles`, newest first.
pub fn feed(articles: &[SourceArticle], descriptions: Descriptions) -> String {
    let mut out = String::with_capacity(articles.len() * 8 * 1024);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n\
         <title>example-news</title>\n<link>https://www.example-news.org/fa/</link>\n\
         <description>example-news</description>\n<language>fa</language>\n",
    );
    let mut sorted: Vec<&SourceArticle> = articles.iter().collect();
    sorted.sort_by(|a, b| (b.published_at, &b.id).cmp(&(a.published_at, &a.id)));
    for a in sorted {
        out.push_str("<item>\n<title>");
        out.push_str(&escape(&a.title));
        out.push_str("</title>\n<link>");
        out.push_str(&escape(a.url.as_deref().unwrap_or_default()));
        out.push_str("</link>\n<guid isPermaLink=\"false\">");
        out.push_str(&escape(&a.id));
        out.push_str("</guid>\n<pubDate>");
        let date = chrono::DateTime::from_timestamp(a.published_at, 0).unwrap_or_default();
        out.push_str(&date.to_rfc2822());
        out.push_str("</pubDate>\n");
        if let Some(author) = &a.author {
            out.push_str("<dc:creator>");
            out.push_str(&escape(author));
            out.push_str("</dc:creator>\n");
        }
        for tag in &a.tags {
            out.push_str("<category>");
            out.push_str(&escape(tag));
            out.push_str("</category>\n");
        }
        out.push_str("<description>");
        match descriptions {
            Descriptions::Summaries => {
                out.push_str(&escape(&a.summary));
                out.push_str("</description>\n<content:encoded><![CDATA[");
                out.push_str(&a.body_html.replace("]]>", "]]]]><![CDATA[>"));
                out.push_str("]]></content:encoded>\n");
            }
            Descriptions::WholeArticles => {
                out.push_str(&escape(&a.body_html));
                out.push_str("</description>\n");
            }
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// `s` as XML text or attribute value.
pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The feed being served: its bytes, gzipped once, and its ETag.
struct Current {
    plain: Bytes,
    gzipped: Bytes,
    etag: HeaderValue,
    /// The newest item's date (the feed's first `pubDate`).
    last_modified: Option<chrono::DateTime<chrono::Utc>>,
}

/// Requests and body bytes served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedStats {
    pub requests: u64,
    pub bytes: u64,
}

struct Shared {
    current: RwLock<Arc<Current>>,
    requests: AtomicU64,
    bytes: AtomicU64,
}

/// A feed server on a free loopback port. Dropping it stops it.
pub struct FeedServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl FeedServer {
    /// Serves `feed` (a file) at [`FEED_PATH`]. Must run inside a tokio runtime.
    pub async fn start(feed: &Path) -> Result<FeedServer, BenchError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| BenchError::io("feed server listener", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| BenchError::io("feed server listener", e))?;
        let shared = Arc::new(Shared {
            current: RwLock::new(Arc::new(load(feed)?)),
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = accept.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(FeedServer { shared, addr, task })
    }

    /// The feed's URL.
    pub fn url(&self) -> String {
        format!("http://{}{FEED_PATH}", self.addr)
    }

    /// Serves `feed` from now on.
    pub fn switch(&self, feed: &Path) -> Result<(), BenchError> {
        let next = Arc::new(load(feed)?);
        match self.shared.current.write() {
            Ok(mut current) => *current = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
        Ok(())
    }

    pub fn stats(&self) -> FeedStats {
        FeedStats {
            requests: self.shared.requests.load(Relaxed),
            bytes: self.shared.bytes.load(Relaxed),
        }
    }

    pub fn reset_stats(&self) {
        self.shared.requests.store(0, Relaxed);
        self.shared.bytes.store(0, Relaxed);
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn load(feed: &Path) -> Result<Current, BenchError> {
    let plain = std::fs::read(feed).map_err(|e| BenchError::io(feed, e))?;
    let etag = format!(
        "\"{}\"",
        article_sync_core::format::codec::sha256_hex(&plain)
    );
    let text = String::from_utf8_lossy(&plain);
    let last_modified = text
        .split_once("<pubDate>")
        .and_then(|(_, rest)| rest.split_once("</pubDate>"))
        .and_then(|(date, _)| chrono::DateTime::parse_from_rfc2822(date).ok())
        .map(|d| d.to_utc());
    Ok(Current {
        last_modified,
        gzipped: Bytes::from(gzip(&plain)),
        plain: Bytes::from(plain),
        etag: HeaderValue::from_str(&etag).map_err(|e| BenchError::io(feed, e))?,
    })
}

async fn answer(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    shared.requests.fetch_add(1, Relaxed);
    let current = match shared.current.read() {
        Ok(c) => c.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let mut response = Response::new(Full::new(Bytes::new()));
    if req.uri().path() != FEED_PATH {
        *response.status_mut() = StatusCode::NOT_FOUND;
        return Ok(response);
    }
    response
        .headers_mut()
        .insert(header::ETAG, current.etag.clone());
    if let Some(date) = current.last_modified {
        let http_date = date.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        if let Ok(v) = HeaderValue::from_str(&http_date) {
            response.headers_mut().insert(header::LAST_MODIFIED, v);
        }
    }
    let since = req
        .headers()
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok());
    let unchanged = match req.headers().get(header::IF_NONE_MATCH) {
        Some(tag) => tag.as_bytes() == current.etag.as_bytes(),
        None => matches!((since, current.last_modified), (Some(s), Some(m)) if s >= m),
    };
    if unchanged {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(response);
    }
    let wants_gzip = req
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|c| c.trim().starts_with("gzip")));
    let body = if wants_gzip {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        current.gzipped.clone()
    } else {
        current.plain.clone()
    };
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml; charset=utf-8"),
    );
    shared.bytes.fetch_add(body.len() as u64, Relaxed);
    *response.body_mut() = Full::new(body);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;

    #[test]
    fn the_feed_holds_every_article_newest_first_and_escaped() {
        let mut articles = Corpus::new(1).articles(0..3);
        articles[0].title = "a < b & \"c\"".into();
        let xml = feed(&articles, Descriptions::Summaries);
        assert_eq!(xml.matches("<item>").count(), 3);
        let first = xml.find("article-000002").unwrap();
        let last = xml.find("article-000000").unwrap();
        assert!(first < last, "newest first");
        assert!(xml.contains("a &lt; b &amp; &quot;c&quot;"));
        assert!(xml.contains(&articles[1].body_html));
    }
}
