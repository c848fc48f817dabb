//! A loopback web server for publisher tests: pages with a content type, ETag validation
//! (`If-None-Match` answers 304), gzip on request, paths that stall, and a log of the requests.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::server::LOOPBACK;

/// One page of a [`WebServer`].
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Sent as `ETag`; a request naming it in `If-None-Match` gets 304.
    pub etag: Option<String>,
    /// Accepts the request and never answers.
    pub stall: bool,
}

impl Page {
    pub fn new(content_type: &str, body: impl Into<Vec<u8>>) -> Page {
        Page {
            status: 200,
            content_type: content_type.into(),
            body: body.into(),
            etag: None,
            stall: false,
        }
    }

    pub fn with_etag(mut self, etag: &str) -> Page {
        self.etag = Some(format!("\"{etag}\""));
        self
    }

    pub fn stalling() -> Page {
        Page {
            stall: true,
            ..Page::new("text/plain", Vec::new())
        }
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    /// Header names are lower case.
    pub headers: HashMap<String, String>,
    /// The status answered (0 for a stalled request).
    pub status: u16,
}

/// An HTTP/1.1 server on 127.0.0.1 serving [`Page`]s by path (without the leading `/`);
/// unknown paths get 404.
pub struct WebServer {
    pub addr: SocketAddr,
    pages: Arc<Mutex<HashMap<String, Page>>>,
    log: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl WebServer {
    pub async fn start() -> WebServer {
        let listener = TcpListener::bind((LOOPBACK, 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let pages: Arc<Mutex<HashMap<String, Page>>> = Arc::default();
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let (p, l) = (pages.clone(), log.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, p.clone(), l.clone()));
            }
        });
        WebServer {
            addr,
            pages,
            log,
            task,
        }
    }

    /// `http://127.0.0.1:<port>/<path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    pub fn put(&self, path: &str, page: Page) {
        self.pages.lock().expect("pages").insert(path.into(), page);
    }

    pub fn remove(&self, path: &str) {
        self.pages.lock().expect("pages").remove(path);
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("log").clone()
    }

    /// Requests of `path` so far.
    pub fn requests_of(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn clear_log(&self) {
        self.log.lock().expect("log").clear();
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    mut stream: TcpStream,
    pages: Arc<Mutex<HashMap<String, Page>>>,
    log: Arc<Mutex<Vec<Request>>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 32 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let mut lines = text.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let page = pages.lock().expect("pages").get(&path).cloned();
    let page = page.unwrap_or(Page {
        status: 404,
        ..Page::new("text/html", b"<html>not found</html>".to_vec())
    });
    let not_modified = page.etag.is_some()
        && headers.get("if-none-match").map(String::as_str) == page.etag.as_deref();
    let status = match (page.stall, not_modified) {
        (true, _) => 0,
        (false, true) => 304,
        (false, false) => page.status,
    };
    log.lock().expect("log").push(Request {
        path,
        headers: headers.clone(),
        status,
    });
    if page.stall {
        std::future::pending::<()>().await;
    }
    let gzip = status == 200
        && headers
            .get("accept-encoding")
            .is_some_and(|v| v.contains("gzip"));
    let body = match (status, gzip) {
        (304, _) => Vec::new(),
        (_, true) => gzip_bytes(&page.body),
        _ => page.body,
    };
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        page.content_type,
        body.len()
    );
    if let Some(etag) = &page.etag {
        head.push_str(&format!("ETag: {etag}\r\n"));
    }
    if gzip {
        head.push_str("Content-Encoding: gzip\r\n");
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip to memory");
    enc.finish().expect("gzip to memory")
}
